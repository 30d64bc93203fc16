# Cohort-level imputation of the proteome matrix (after the gather, with cohort statistics summed exactly over the
# ranks): half_min is checked value by value, min_prob (imputeLCMD's MinProb: random draws) by its parameters
# and by giving the same matrix at 1 and 3 ranks, knn against R (Bioconductor impute's impute.knn). The store's var
# keeps the missing fraction before imputation.
source "$(dirname "$0")/lib.sh"
FIX=$PRECIS_TESTS/fixtures/proteome
$PY "$FIX/abundance_to_tables.py" "$FIX/abundance.tsv"
for m in half_min min_prob knn; do
  cat > $m.yaml <<Y
study: {name: $m, seed: 7}
samples: {sheet: samples.tsv}
proteome: {path_column: proteome, transform: log2, normalize: none, impute: $m}
clustering: {enabled: false}
ranking: {enabled: false}
Y
done
"$PRECIS" run half_min.yaml --output half_min 2>/dev/null
"$PRECIS" run min_prob.yaml --output min_prob1 2>/dev/null
precis_np 3 run min_prob.yaml --output min_prob3 2>/dev/null
"$PRECIS" run knn.yaml --output knn1 2>/dev/null
precis_np 3 run knn.yaml --output knn3 2>/dev/null
FIX=$FIX $PY - <<'PY'
import os
import h5py
import numpy as np
import pandas as pd
from anndata.experimental import read_elem

raw = np.log2(pd.read_csv(os.environ["FIX"] + "/abundance.tsv", sep="\t", index_col=0, na_values="NA"))
def store(d):
    with h5py.File(f"{d}/cohort.h5mu") as f:
        p = read_elem(f["mod/proteome"])
    x = pd.DataFrame(np.asarray(p.X, dtype=float).T, index=p.var_names, columns=p.obs_names)
    return x.loc[raw.index, raw.columns], p.var.loc[raw.index]
# half_min: log2 data, so the feature's minimum minus 1
x, var = store("half_min")
want = raw.apply(lambda r: r.fillna(r.min() - 1), axis=1)
assert np.allclose(x.to_numpy(), want.to_numpy(), rtol=1e-6), "half_min"
assert np.allclose(var.missing_fraction.to_numpy(), raw.isna().mean(axis=1).to_numpy()), "missing fraction"
# min_prob: the same at 1 and 3 ranks; observed values untouched; draws around each sample's 1% quantile with the
# median SD of the features observed in more than half of the samples
x1, _ = store("min_prob1")
x3, _ = store("min_prob3")
assert x1.equals(x3), "min_prob differs between 1 and 3 ranks"
obs = raw.notna()
assert np.allclose(x1[obs].to_numpy()[obs.to_numpy()], raw[obs].to_numpy()[obs.to_numpy()], rtol=1e-6)
assert x1.notna().all().all()
sd = raw[raw.notna().mean(axis=1) > 0.5].std(axis=1, ddof=1).median()
q = raw.quantile(0.01, interpolation="linear")
z = ((x1 - q) / sd)[raw.isna()].stack()
assert len(z) > 40 and abs(z.mean()) < 0.5 and 0.6 < z.std() < 1.5, (len(z), z.mean(), z.std())
print(f"half_min exact; min_prob: {len(z)} draws, standardised mean {z.mean():.2f}, sd {z.std():.2f}")
# knn: equal to Bioconductor impute's impute.knn (fixture: make_knn_reference.R), and the same at 1 and 3 ranks
k1, _ = store("knn1")
k3, _ = store("knn3")
assert k1.equals(k3), "knn differs between 1 and 3 ranks"
ref = pd.read_csv(os.environ["FIX"] + "/knn_reference.tsv", sep="\t", comment="#", index_col=0)
d = np.abs(k1.loc[ref.index, ref.columns].to_numpy() - ref.to_numpy()) / np.maximum(np.abs(ref.to_numpy()), 1)
assert d.max() < 1e-6, f"knn: largest relative difference from impute.knn {d.max()}"
print(f"knn equals impute.knn (largest relative difference {d.max():.1e})")
PY
note "ok"
