#!/usr/bin/env bash
# Benchmark: the cohort store's collective write against a plain sequential write of the same bytes to the same
# disk (the limit). precis_bench_store writes ROWS x COLS float32 as precis run does (every rank its own block of
# rows, one collective parallel-HDF5 write, chunked 1024 x 256) and fsyncs; its `plain` mode writes the same bytes
# from one process with write(2) and fsyncs. The two alternate ROUNDS times (default 5); each keeps its best.
#   bench/store_write.sh [ROWS] [COLS] [RANKS] [DIR]     (default 100000 3000 2 /tmp; run after scripts/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ROWS=${1:-100000}
COLS=${2:-3000}
NP=${3:-2}
DIR=${4:-/tmp}
B="$here/build/precis_bench_store"
source "$here/scripts/mpi-env.sh"
ROUNDS=${ROUNDS:-5}
best_store="" best_plain=""
for ((i = 0; i < ROUNDS; ++i)); do
  s=$(mpirun -n "$NP" --bind-to none "$B" "$ROWS" "$COLS" "$DIR/precis_bench_store.h5mu" | awk '{ print $2 }')
  p=$("$B" "$ROWS" "$COLS" "$DIR/precis_bench_plain.bin" plain | awk '{ print $2 }')
  if [[ -z $best_store ]] || (( $(echo "$s > $best_store" | bc) )); then best_store=$s; fi
  if [[ -z $best_plain ]] || (( $(echo "$p > $best_plain" | bc) )); then best_plain=$p; fi
done
rm -f "$DIR/precis_bench_store.h5mu" "$DIR/precis_bench_plain.bin"
mb=$(echo "$ROWS * $COLS * 4 / 1000000" | bc)
echo "store write benchmark: $ROWS x $COLS float32 ($mb MB) from $NP ranks into $DIR; best of $ROUNDS"
printf '%-34s %10s\n' "write" "MB/s"
printf '%-34s %10.1f\n' "plain sequential write (1 process)" "$best_plain"
printf '%-34s %10.1f\n' "cohort store, collective ($NP ranks)" "$best_store"
printf 'ratio (store / plain): %.2f\n' "$(echo "$best_store / $best_plain" | bc -l)"
