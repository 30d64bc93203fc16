# Consensus clustering with hierarchical clustering of each resample (average linkage) on 1 - Pearson and
# 1 - Spearman correlation: it finds the simulated subtypes, and the results are the same at 1 and 3 ranks.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 60 --subtypes 3 --seed 12 --resamples 40 >/dev/null
for d in pearson spearman; do
  sed "s/^clustering:/clustering:\n  algorithm: hc\n  distance: $d/" sim/study.yaml > sim/hc_$d.yaml
  grep -q "distance: $d" sim/hc_$d.yaml || fail "study not rewritten"
  "$PRECIS" run sim/hc_$d.yaml --output out_${d}_1 2>/dev/null
  precis_np 3 run sim/hc_$d.yaml --output out_${d}_3 2>/dev/null
  for f in subtypes.tsv clustering.tsv biomarkers.tsv; do
    cmp out_${d}_1/$f out_${d}_3/$f || fail "hc/$d: $f differs between 1 and 3 ranks"
  done
done
$PY - <<'PY'
import pandas as pd
from sklearn.metrics import adjusted_rand_score
truth = pd.read_csv("sim/truth.tsv", sep="\t").set_index("sample_id")
for d in ["pearson", "spearman"]:
    s = pd.read_csv(f"out_{d}_1/subtypes.tsv", sep="\t").set_index("sample_id")
    k3 = adjusted_rand_score(truth.loc[s.index, "subtype"], s["k3"])
    assert k3 > 0.95, (d, k3)
    print(f"hc/{d}: ARI at k = 3 {k3:.3f}, chosen k {s.subtype.nunique()}")
PY
note "ok"
