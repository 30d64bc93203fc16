# Confounders removed before clustering (clustering.adjust, docs/adjustment.md). On a simulated cohort whose plates
# shift every protein more than the planted subtypes do, clustering as it is finds the plates; with the plate
# removed (limma's removeBatchEffect, or sva's ComBat) it finds the subtypes (ARI >= 0.9). The adjusted values are
# the store's mod/proteome/layers/adjusted, read back by anndata and equal to a least-squares fit of X computed
# here; X is kept as it was. ComBat's result is the same at 1 and 3 ranks. A batch left with one sample after QC is
# refused with exit 2.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 90 --subtypes 3 --batches 3 --batch-effect 2 --resamples 25 --seed 7 >/dev/null
cd sim
precis_np 2 run study.yaml --output plain 2>/dev/null
precis_np 2 run study.yaml --output linear --set clustering.adjust.batch=plate 2> linear.log
expect_in "clustering values adjusted (linear) for batch 'plate'" "$(cat linear.log)"
"$PRECIS" run study.yaml --output combat1 --set clustering.adjust.method=combat --set clustering.adjust.batch=plate \
  2>/dev/null
precis_np 3 run study.yaml --output combat3 --set clustering.adjust.method=combat --set clustering.adjust.batch=plate \
  2>/dev/null
$PY - <<'PY'
import json, warnings
warnings.filterwarnings("ignore")
import h5py, numpy as np, pandas as pd
from anndata.experimental import read_elem
from sklearn.metrics import adjusted_rand_score as ari
truth = pd.read_csv("truth.tsv", sep="\t", dtype=str).set_index("sample_id")
def found(d, column="subtype"):  # the chosen k's classes, or k3: the classes at k = 3
    s = pd.read_csv(f"{d}/subtypes.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id")
    return s.loc[truth.index, column]
for d in ["plain", "linear", "combat1", "combat3"]:
    print(f"{d}: ARI with the subtypes {ari(truth.subtype, found(d)):.3f}, with the plates {ari(truth.plate, found(d)):.3f}")
# as it is, the three classes are the three plates (and PAC prefers more classes: plates x subtypes)
plain3 = found("plain", "k3")
print(f"plain at k = 3: ARI with the subtypes {ari(truth.subtype, plain3):.3f}, with the plates {ari(truth.plate, plain3):.3f}")
assert ari(truth.plate, plain3) >= 0.9 and ari(truth.subtype, plain3) < 0.1
for d in ["linear", "combat1", "combat3"]:
    assert ari(truth.subtype, found(d)) >= 0.9 and ari(truth.plate, found(d)) < 0.1, d
assert (found("combat1") == found("combat3")).all()

def store(d):
    with h5py.File(f"{d}/cohort.h5mu") as f:
        return read_elem(f["mod/proteome"])
plain, lin = store("plain"), store("linear")
assert "adjusted" in lin.layers and not plain.layers, (list(lin.layers), list(plain.layers))
X = np.asarray(lin.X, dtype=float)
assert np.array_equal(X, np.asarray(plain.X, dtype=float), equal_nan=True), "X changed"
# removeBatchEffect: per protein, least squares on [1, plate as sum contrasts] over its observed samples
plate = truth.loc[lin.obs_names, "plate"].to_numpy()
levels = sorted(set(plate))
B = np.column_stack([np.where(plate == l, 1.0, np.where(plate == levels[-1], -1.0, 0.0)) for l in levels[:-1]])
D = np.column_stack([np.ones(len(plate)), B])
want = X.copy()
for j in range(X.shape[1]):
    o = ~np.isnan(X[:, j])
    beta = np.linalg.lstsq(D[o], X[o, j], rcond=None)[0]
    want[:, j] = X[:, j] - B @ beta[1:]
got = np.asarray(lin.layers["adjusted"], dtype=float)
assert np.allclose(got, want, atol=2e-5, equal_nan=True), np.nanmax(np.abs(got - want))
assert np.array_equal(np.isnan(got), np.isnan(X))
c1, c3 = store("combat1"), store("combat3")
assert np.array_equal(np.asarray(c1.layers["adjusted"]), np.asarray(c3.layers["adjusted"]), equal_nan=True)
p = json.load(open("combat3/provenance.json"))["clustering_adjustment"]
assert p["method"] == "combat" and p["batch"] == "plate" and p["features_left_as_is"] == {"proteome": 0}, p
print("adjusted layer equals the least-squares fit; ComBat the same at 1 and 3 ranks")
PY
# after QC a plate can be left with one sample: refused, naming it (validate saw two samples there)
$PY - <<'PY'
import pandas as pd
s = pd.read_csv("samples.tsv", sep="\t", dtype=str)
s.loc[s.index[:2], "plate"] = "P9"
s.to_csv("lonely.tsv", sep="\t", index=False)
gone = s.loc[s.index[1], "sample_id"]
open(f"proteome/{gone}.tsv", "w").write("protein_id\tabundance\nPROT0001\tNA\n")  # fails QC (detected fraction)
PY
expect_exit 2 "$PRECIS" run study.yaml --output lonely --set samples.sheet=lonely.tsv --set clustering.adjust.batch=plate \
  --set study.on_sample_error=skip
expect_in "is the only sample of batch 'P9' of column 'plate'" "$OUT"
expect_in "[the proteome values of the samples that passed QC, adjusted before clustering]" "$OUT"
[[ ! -f lonely/provenance.json ]] || fail "a refused run left provenance.json"
note "ok"
