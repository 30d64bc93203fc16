# Consensus clustering against Bioconductor ConsensusClusterPlus (fixtures made by
# tests/fixtures/cluster/make_ccp_reference.R on CCP's own vignette data, the ALL leukaemia set: 128 patients, the
# 1000 genes of highest MAD; precis picks the top 500 by MAD and median-centres them, as the vignette does).
# For hc and pam on 1 - Pearson, and k-means, at 1000 resamples and k = 2..6:
#  - every k's consensus matrix correlates >= 0.99 with CCP's;
#  - the classes agree with CCP's about as well as CCP agrees with itself: over seeds 1-4 of each, the mean ARI of
#    precis against CCP is within 0.07 of CCP's own mean seed-to-seed ARI at every k (at some k the cut hangs on
#    near-ties that resampling tips either way: CCP against itself falls to 0.78 at hc k = 4);
#  - the same at 1 rank and at 3 ranks with 2 threads each.
source "$(dirname "$0")/lib.sh"
FIX=$PRECIS_TESTS/fixtures/cluster
gzip -dc "$FIX/all_top1000.tsv.gz" > all.tsv
$PY "$PRECIS_TESTS/fixtures/proteome/abundance_to_tables.py" all.tsv
for alg in hc pam kmeans; do
  for s in 1 2 3 4; do
    bash "$FIX/ccp_study.sh" $alg $s > $alg$s.yaml
    "$PRECIS" run $alg$s.yaml --output out_${alg}_$s 2>/dev/null
  done
done
OMP_NUM_THREADS=2 precis_np 3 run hc1.yaml --output out_hc_np3 2>/dev/null
OMP_NUM_THREADS=2 precis_np 3 run kmeans1.yaml --output out_kmeans_np3 2>/dev/null
for a in hc kmeans; do
  for f in subtypes.tsv clustering.tsv; do
    cmp out_${a}_1/$f out_${a}_np3/$f || fail "$a: $f differs between 1 rank and 3 ranks x 2 threads"
  done
done
FIX=$FIX $PY - <<'PY'
import itertools
import os

import h5py
import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score as ari

fix = os.environ["FIX"]
for alg, r in [("hc", "hc"), ("pam", "pam"), ("kmeans", "km")]:
    ref = pd.read_csv(f"{fix}/ccp_{r}_classes.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id")
    other = pd.read_csv(f"{fix}/ccp_{r}_other_seeds.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id")
    cons = pd.read_csv(f"{fix}/ccp_{r}_consensus.tsv.gz", sep="\t")
    runs = [pd.read_csv(f"out_{alg}_{s}/subtypes.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id")
            .loc[ref.index] for s in range(1, 5)]
    with h5py.File(f"out_{alg}_1/cohort.h5mu") as f:
        obs = [x.decode() for x in f["obs/_index"][:]]
        C = {k: f[f"uns/clustering/consensus_by_k/k{k}"][:] for k in range(2, 7)}
    pos = np.array([obs.index(s) for s in ref.index])
    for k in range(2, 7):
        c = cons[cons.k == k]
        corr = np.corrcoef(C[k][pos[c.i - 1], pos[c.j - 1]], c.consensus)[0, 1]
        ccp = [ref[f"k{k}"]] + [other[f"k{k}_s{s}"] for s in (2, 3, 4)]
        self_ari = np.mean([ari(a, b) for a, b in itertools.combinations(ccp, 2)])
        vs = np.mean([ari(a, p[f"k{k}"]) for a in ccp for p in runs])
        need = self_ari - 0.07
        print(f"{alg} k={k}: consensus r {corr:.4f}; mean ARI vs CCP {vs:.3f} (CCP vs itself {self_ari:.3f}); "
              f"seed 1: ARI {ari(ref[f'k{k}'], runs[0][f'k{k}']):.3f}")
        assert corr >= 0.99, (alg, k, corr)
        assert vs >= need, (alg, k, vs, self_ari)
PY
note "ok"
