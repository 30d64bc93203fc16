#!/usr/bin/env bash
# Benchmark: consensus clustering at scale, and the landmark method against the exact one.
#   bench/cluster_scale.sh [SAMPLES] [WORKDIR]       (default 100000 samples; run after scripts/build.sh)
# 1. SAMPLES x 50 proteins (scripts/make_cohort.py, 3 subtypes) clustered on 2 ranks x 1 thread (2 cores) with
#    the defaults (1000 resamples, 2000 landmarks), hc on 1 - Pearson and kmeans: prints wall time, the clustering
#    stage's time and every rank's peak memory (provenance.json), and ARI against the truth.
# 2. Accuracy of the landmarks: 5000 samples clustered exactly (landmarks: 0) and with 2000 and 500 landmarks,
#    kmeans, 200 resamples: prints the ARI of each against the exact classes and against the truth at k = 3.
# The peer for memory is ConsensusClusterPlus's n x n matrices: (nk + 1) n^2 doubles, printed for comparison.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100000}
W=${2:-$(mktemp -d)}
P="$here/build/src/precis"
source "$here/scripts/mpi-env.sh"
export OMP_NUM_THREADS=1
mkdir -p "$W" && cd "$W"
[[ -f big/proteinGroups.txt ]] || /usr/bin/python3 "$here/scripts/make_cohort.py" big "$N" 50 3 1
[[ -f mid/proteinGroups.txt ]] || /usr/bin/python3 "$here/scripts/make_cohort.py" mid 5000 50 3 2
study() {  # study DIR ALG DIST RESAMPLES LANDMARKS
  cat > "$1/$2_$5.yaml" <<Y
study: {name: scale, seed: 1}
samples: {sheet: samples.tsv}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, normalize: median}
clustering: {algorithm: $2, distance: $3, top_variable: 0, k: {min: 2, max: 6}, resamples: $4, landmarks: $5}
ranking: {enabled: false}
Y
}
report() {  # report OUT TRUTH
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
import pandas as pd
from sklearn.metrics import adjusted_rand_score as ari
out, truth = sys.argv[1], pd.read_csv(sys.argv[2], sep="\t").set_index("sample_id").subtype
p = json.load(open(f"{out}/provenance.json"))
s = pd.read_csv(f"{out}/subtypes.tsv", sep="\t").set_index("sample_id")
print(f"  clustering {p['clustering_seconds']:.1f} s, chosen k {p['chosen_k']}, ARI vs truth at k = 3 "
      f"{ari(s.k3, truth[s.index]):.3f}; peak memory per rank (MiB): {p['peak_memory_mib_per_rank']}")
PY
}
echo "== $N samples x 50 proteins, 2 ranks x 1 thread, 1000 resamples, 2000 landmarks"
for alg in hc kmeans; do
  d=pearson; [[ $alg == kmeans ]] && d=euclidean
  study big $alg $d 1000 2000
  s=$(date +%s.%N)
  mpirun -n 2 --bind-to none "$P" run big/${alg}_2000.yaml --fresh --output big/out_$alg 2>/dev/null
  printf "%s: wall %.1f s\n" $alg "$(echo "$(date +%s.%N) - $s" | bc)"
  report big/out_$alg big/truth.tsv
done
echo "  ConsensusClusterPlus would hold 6 n x n double matrices: $(echo "6 * $N * $N * 8 / 2^30" | bc) GiB"
echo "== landmarks against the exact method: 5000 samples, kmeans, 200 resamples, 2 ranks"
for L in 0 2000 500; do
  study mid kmeans euclidean 200 $L
  mpirun -n 2 --bind-to none "$P" run mid/kmeans_$L.yaml --fresh --output mid/out_$L 2>/dev/null
done
/usr/bin/python3 - <<'PY'
import pandas as pd
from sklearn.metrics import adjusted_rand_score as ari
truth = pd.read_csv("mid/truth.tsv", sep="\t").set_index("sample_id").subtype
ex = pd.read_csv("mid/out_0/subtypes.tsv", sep="\t").set_index("sample_id")
print(f"  exact: ARI vs truth at k = 3 {ari(ex.k3, truth[ex.index]):.3f}")
for L in (2000, 500):
    s = pd.read_csv(f"mid/out_{L}/subtypes.tsv", sep="\t").set_index("sample_id")
    print(f"  {L} landmarks: ARI vs exact at k = 3 {ari(s.k3, ex.k3):.3f} (k = 2..6: "
          + ", ".join(f"{ari(s[f'k{k}'], ex[f'k{k}']):.2f}" for k in range(2, 7))
          + f"), vs truth {ari(s.k3, truth[s.index]):.3f}")
PY
for L in 0 2000 500; do report mid/out_$L mid/truth.tsv; done
