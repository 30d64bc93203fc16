# clustering.null_test and choose_k: null (docs/clustering.md). Ten structureless simulated cohorts (precis simulate
# --subtypes 1, seeds 1-10): no structure in at least 9 (subtypes.tsv all 1, no k chosen, the summary line and the
# report say so, ranking by subtype is skipped). Planted subtypes (k = 2, 3, 4): found, with adjusted p < 0.05.
# The test's numbers are those of M3C's definitions recomputed from clustering_null.tsv, and the same at 1 and 3
# ranks.
source "$(dirname "$0")/lib.sh"
none=0
for seed in 1 2 3 4 5 6 7 8 9 10; do
  "$PRECIS" simulate --out n$seed --subtypes 1 --samples 80 --proteins 200 --seed $seed >/dev/null 2>&1
  "$PRECIS" run n$seed/study.yaml --set clustering.choose_k=null --set clustering.k.max=5 2>n$seed.log
  if grep -q "no structure" n$seed.log; then
    none=$((none + 1))
    $PY - n$seed/results <<'PY'
import json, sys
import pandas as pd
d = sys.argv[1]
s = pd.read_csv(f"{d}/subtypes.tsv", sep="\t")
c = pd.read_csv(f"{d}/clustering.tsv", sep="\t")
p = json.load(open(f"{d}/provenance.json"))
assert (s.subtype == 1).all() and s.item_consensus.isna().all()
assert not c.chosen.any() and (c.p_adjusted >= 0.05).all()
assert p["chosen_k"] == 1 and p["clustering_null_test"]["no_structure"] and "ranking_skipped" in p
html = open(f"{d}/report.html").read()
assert "No structure" in html and "The null test" in html
PY
  fi
done
note "structureless cohorts called unstructured: $none of 10"
(( none >= 9 )) || fail "only $none of 10 structureless cohorts were called unstructured"

for k in 2 3 4; do
  "$PRECIS" simulate --out p$k --subtypes $k --samples 80 --proteins 200 --seed 5 >/dev/null 2>&1
  "$PRECIS" run p$k/study.yaml --set clustering.choose_k=null --output p$k/r1 2>/dev/null
  $PY - p$k $k <<'PY'
import sys
import numpy as np
import pandas as pd
from scipy.stats import beta
d, k = sys.argv[1], int(sys.argv[2])
c = pd.read_csv(f"{d}/r1/clustering.tsv", sep="\t").set_index("k")
refs = pd.read_csv(f"{d}/r1/clustering_null.tsv", sep="\t")
chosen = c.index[c.chosen].tolist()
assert chosen == [k], (chosen, k)
assert c.loc[k, "p_adjusted"] < 0.05, c.loc[k]
# M3C's formulas from the references (estBetaParams, pbeta, (b + 1) / (B + 1), RCSI on logs floored at 1e-4)
for kk, row in c.iterrows():
    r = refs[refs.k == kk].pac.to_numpy()
    mu, var = r.mean(), r.var(ddof=1)
    a = ((1 - mu) / var - 1 / mu) * mu ** 2
    b = a * (1 / mu - 1)
    real = row.test_pac
    p = beta.cdf(real, a, b)
    assert abs(p - row.p_value) <= 1e-3 * p + 1e-12, (kk, p, row.p_value)  # from 6-digit inputs
    assert abs(min(1, p * len(c)) - row.p_adjusted) <= 1e-3 * row.p_adjusted + 1e-12
    assert abs(((r < real).sum() + 1) / (len(r) + 1) - row.p_monte_carlo) < 1e-6
    d_ = np.log(np.maximum(r, 1e-4)) - np.log(max(real, 1e-4))
    assert abs(d_.mean() - row.rcsi) < 1e-5 * max(1, abs(row.rcsi)), (d_.mean(), row.rcsi)
    assert abs(d_.std(ddof=1) / np.sqrt(len(r)) - row.rcsi_se) < 1e-5
    assert abs(r.mean() - row.reference_pac) < 1e-5
print(f"k = {k}: found, adjusted p {c.loc[k, 'p_adjusted']:.3g}, RCSI {c.loc[k, 'rcsi']:.3f}")
PY
done
OMP_NUM_THREADS=2 precis_np 3 run p3/study.yaml --set clustering.choose_k=null --output p3/r3 2>/dev/null
for f in clustering.tsv clustering_null.tsv subtypes.tsv; do cmp p3/r1/$f p3/r3/$f || fail "$f differs between 1 and 3 ranks"; done
note "ok"
