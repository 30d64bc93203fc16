#!/usr/bin/env bash
# Benchmark: consensus clustering, precis against R ConsensusClusterPlus (its peer), same input, same settings, one
# process each (one thread for precis unless THREADS is set).
#   bench/ccp_speed.sh [ROUNDS] [WORKDIR]     (default 3 rounds; run after scripts/build.sh and
#                                              scripts/setup.sh --bench, which installs R and the package)
# Input: CCP's own vignette data (the ALL leukaemia set, 128 patients; tests/fixtures/cluster/all_top1000.tsv.gz),
# the 500 genes of highest MAD, median-centred; 1000 resamples, pItem 0.8, k = 2..6; hc and pam on 1 - Pearson,
# kmeans. R's figure is system.time() around the ConsensusClusterPlus() call alone (plotting to a null device);
# precis's is its clustering_seconds in provenance.json (distances, resamples, counts, consensus, classes: the same
# work), and its whole run (reading 128 tables, the store, every output) is printed too. Best of ROUNDS, the two
# tools alternating. Prints both times and the ratio for each algorithm.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
W=${2:-$(mktemp -d)}
P="$here/build/src/precis"
export OMP_NUM_THREADS=${THREADS:-1}
Rscript -e 'suppressPackageStartupMessages(library(ConsensusClusterPlus))' 2>/dev/null ||
  { echo "ccp_speed: needs R ConsensusClusterPlus: scripts/setup.sh --bench" >&2; exit 2; }
mkdir -p "$W" && cd "$W"
gzip -dc "$here/tests/fixtures/cluster/all_top1000.tsv.gz" > all.tsv
/usr/bin/python3 "$here/tests/fixtures/proteome/abundance_to_tables.py" all.tsv
cat > ccp.R <<'R'
suppressPackageStartupMessages(library(ConsensusClusterPlus))
alg <- commandArgs(trailingOnly = TRUE)[1]
top <- as.matrix(read.table("all.tsv", header = TRUE, row.names = 1, sep = "\t", check.names = FALSE))
d <- top[order(apply(top, 1, mad), decreasing = TRUE)[1:500], ]
d <- sweep(d, 1, apply(d, 1, median))
pdf(NULL)
t <- system.time(ConsensusClusterPlus(d, maxK = 6, reps = 1000, pItem = 0.8, pFeature = 1, clusterAlg = alg,
                                      distance = if (alg == "km") "euclidean" else "pearson", seed = 1))
cat(sprintf("%.3f\n", t[["elapsed"]]))
R
best() { sort -g | head -1; }
printf "%-7s %12s %16s %14s %8s\n" algorithm "R CCP (s)" "precis clust (s)" "precis run (s)" ratio
for alg in hc pam kmeans; do
  r=km; [[ $alg != kmeans ]] && r=$alg
  bash "$here/tests/fixtures/cluster/ccp_study.sh" $alg 1 > $alg.yaml
  : > r_$alg.txt; : > p_$alg.txt; : > w_$alg.txt
  for ((i = 0; i < ROUNDS; i++)); do
    Rscript ccp.R $r 2>/dev/null | tail -1 >> r_$alg.txt
    s=$(date +%s.%N)
    "$P" run $alg.yaml --fresh --output out_$alg 2>/dev/null
    echo "$(date +%s.%N) - $s" | bc >> w_$alg.txt
    /usr/bin/python3 -c "import json; print(json.load(open('out_$alg/provenance.json'))['clustering_seconds'])" >> p_$alg.txt
  done
  R=$(best < r_$alg.txt); C=$(best < p_$alg.txt); Wr=$(best < w_$alg.txt)
  printf "%-7s %12.3f %16.3f %14.3f %7.1fx\n" $alg "$R" "$C" "$Wr" "$(echo "$R / $C" | bc -l)"
done
echo "(precis threads: $OMP_NUM_THREADS; ratio = R CCP / precis clustering; results in $W)"
