# The sanitizer run checks what it claims to: under tests/sanitizers/env.sh, each planted error is reported and
# fails its process, as one process and as 2 MPI ranks; the clean mode passes. Usage: canary.sh CANARY MPIEXEC
set -uo pipefail
canary=$1 mpiexec=$2
fail() { echo "FAIL [sanitizer canary]: $*" >&2; exit 1; }
declare -A want=([leak]="LeakSanitizer: detected memory leaks" [heap-overflow]="heap-buffer-overflow"
                 [use-after-free]="heap-use-after-free" [signed-overflow]="signed integer overflow"
                 [shift]="left shift of negative value")
for np in 1 2; do
  run() { if [[ $np == 1 ]]; then "$canary" "$@"; else "$mpiexec" -n 2 --bind-to none "$canary" "$@"; fi; }
  out=$(run clean 2>&1) || fail "np=$np clean: exit $?: $out"
  for mode in "${!want[@]}"; do
    out=$(run "$mode" 2>&1); rc=$?
    (( rc != 0 )) || fail "np=$np $mode: exit 0, the sanitizers missed it"
    [[ $out == *"${want[$mode]}"* ]] || fail "np=$np $mode: no '${want[$mode]}' report (exit $rc): $out"
    echo "np=$np $mode: exit $rc, reported"
  done
done
