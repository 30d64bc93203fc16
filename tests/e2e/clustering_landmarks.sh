# Above clustering.landmarks samples, consensus runs on that many landmarks and the rest join the nearest
# landmark-class centroid. On a simulated 600-sample proteome cohort (scripts/make_cohort.py: 3 subtypes, 50
# proteins), 200 landmarks give classes that agree with the exact run over all 600 (ARI >= 0.9 at the true k) and
# with the truth as well as the exact run does; the same at 1 and 3 ranks; non-landmarks have no item consensus;
# the store says how many landmarks there were and keeps no consensus matrix.
source "$(dirname "$0")/lib.sh"
$PY "$PRECIS_TESTS/../scripts/make_cohort.py" c 600 50 3 1
cat > c/study.yaml <<'Y'
study: {name: landmarks, seed: 1}
samples: {sheet: samples.tsv}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, normalize: median}
clustering: {algorithm: hc, distance: pearson, top_variable: 0, k: {min: 2, max: 5}, resamples: 200, landmarks: 200}
ranking: {enabled: false}
Y
"$PRECIS" run c/study.yaml --output lm1 2>/dev/null
OMP_NUM_THREADS=2 precis_np 3 run c/study.yaml --output lm3 2>/dev/null
"$PRECIS" run c/study.yaml --set clustering.landmarks=0 --output exact 2>/dev/null
for f in subtypes.tsv clustering.tsv; do cmp lm1/$f lm3/$f || fail "landmarks: $f differs between 1 and 3 ranks"; done
$PY - <<'PY'
import h5py
import pandas as pd
from sklearn.metrics import adjusted_rand_score as ari

truth = pd.read_csv("c/truth.tsv", sep="\t").set_index("sample_id").subtype
lm = pd.read_csv("lm1/subtypes.tsv", sep="\t").set_index("sample_id")
ex = pd.read_csv("exact/subtypes.tsv", sep="\t").set_index("sample_id")
assert lm.item_consensus.notna().sum() == 200, lm.item_consensus.notna().sum()
assert ex.item_consensus.notna().all()
vs_exact, lm_truth, ex_truth = ari(lm.k3, ex.k3), ari(lm.k3, truth[lm.index]), ari(ex.k3, truth[ex.index])
print(f"k = 3: landmarks vs exact ARI {vs_exact:.3f}; vs truth: landmarks {lm_truth:.3f}, exact {ex_truth:.3f}")
assert vs_exact >= 0.9 and lm_truth >= ex_truth - 0.05, (vs_exact, lm_truth, ex_truth)
with h5py.File("lm1/cohort.h5mu") as f:
    cl = f["uns/clustering"]
    assert cl["landmarks"][0] == 200
    assert "consensus" not in cl and "consensus_by_k" not in cl
with h5py.File("exact/cohort.h5mu") as f:
    assert f["uns/clustering/landmarks"][0] == 0
    assert f["uns/clustering/consensus_by_k/k3"].shape == (600, 600)
PY
note "ok"
