#!/usr/bin/env bash
# Benchmark: rank 0's task dispatch. precis_bench_farm hands TASKS tasks of 48 bytes (about a per-sample task's
# encoding) to the workers through Comm::task_farm, the work echoes each task, and rank 0 takes every result back
# and checks it; the peer is the floor for moving the same bytes, one MPI_Scatterv and one MPI_Gatherv of a split
# made in advance (no dispatch at all). Alternates ROUNDS times (default 5) and keeps each one's best.
#   bench/farm_dispatch.sh [TASKS] [RANKS]     (default 1000000 4; run after scripts/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
NP=${2:-4}
B="$here/build/precis_bench_farm"
source "$here/scripts/mpi-env.sh"
ROUNDS=${ROUNDS:-5}
best_farm=0 best_scatter=0
for ((i = 0; i < ROUNDS; ++i)); do
  out=$(mpirun -n "$NP" --bind-to none "$B" "$N")
  f=$(awk '$1 == "farm" { print $2 }' <<<"$out")
  s=$(awk '$1 == "scatter" { print $2 }' <<<"$out")
  (( f > best_farm )) && best_farm=$f
  (( s > best_scatter )) && best_scatter=$s
done
echo "task dispatch benchmark: $N trivial tasks from rank 0 to $((NP - 1)) workers; best of $ROUNDS"
printf '%-44s %12s\n' "dispatch" "tasks/s"
printf '%-44s %12d\n' "MPI_Scatterv + MPI_Gatherv (static split)" "$best_scatter"
printf '%-44s %12d\n' "precis task farm (dynamic)" "$best_farm"
printf 'ratio (farm / scatter): %.2f\n' "$(echo "$best_farm / $best_scatter" | bc -l)"
