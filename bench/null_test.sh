#!/usr/bin/env bash
# The null test's cost as a multiple of the clustering itself (the goal: at most 3x at its default settings). The
# same simulated cohort (scripts/make_cohort.py: SAMPLES x PROTEINS, 3 subtypes) clustered with kmeans, k = 2..6,
# RESAMPLES resamples, on RANKS ranks: once without the test, once with choose_k: null (the defaults: 5 references
# of RESAMPLES / 2 resamples). Peer: the clustering alone. Prints both clustering times and the ratio.
# Usage: bench/null_test.sh [SAMPLES=1000] [PROTEINS=300] [RESAMPLES=200] [RANKS=2] [ALGORITHM=kmeans] [DIR=bench-null]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000} P=${2:-300} R=${3:-200} RANKS=${4:-2} ALG=${5:-kmeans} DIR=${6:-bench-null}
ROOT=$PWD PRECIS=$PWD/build/src/precis PY=/usr/bin/python3
source scripts/mpi-env.sh
mkdir -p "$DIR" && cd "$DIR"
[[ -f c/proteinGroups.txt ]] || $PY "$ROOT/scripts/make_cohort.py" c "$N" "$P" 3 1
DIST=euclidean; [[ $ALG == kmeans ]] || DIST=pearson
cat > c/study.yaml <<Y
study: {name: bench_null, seed: 1}
samples: {sheet: samples.tsv}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, normalize: median}
clustering: {algorithm: $ALG, distance: $DIST, top_variable: 0, k: {min: 2, max: 6}, resamples: $R}
ranking: {enabled: false}
Y
secs() { $PY -c "import json,sys; p=json.load(open(sys.argv[1])); print(p['stage_seconds']['clustering'], p.get('clustering_null_test', {}).get('seconds', 0))" "$1"; }
mpirun -n "$RANKS" --bind-to none "$PRECIS" run c/study.yaml --fresh --output plain 2>/dev/null
mpirun -n "$RANKS" --bind-to none "$PRECIS" run c/study.yaml --fresh --output null --set clustering.choose_k=null 2>/dev/null
read plain _ < <(secs plain/provenance.json)
read with null < <(secs null/provenance.json)
awk -v a=$plain -v b=$with -v t=$null -v n=$N -v p=$P -v r=$R -v alg=$ALG 'BEGIN {
  printf "%d samples x %d proteins, %s, %d resamples, k = 2..6\n", n, p, alg, r
  printf "  clustering alone: %.2f s; with the null test: %.2f s (the test %.2f s)\n", a, b, t
  printf "  the null test costs %.2fx the clustering (goal: at most 3x)\n", t / a }'
grep -E "^k|TRUE" null/clustering.tsv | cut -f1,2,6,9-12
