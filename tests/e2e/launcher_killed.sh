# The launcher killed outright: `kill -9` of mpirun while 2 ranks work. Open MPI starts its ranks in process groups
# of their own, so nothing reached them and they ran on for seconds holding the output folder's lock (an immediate
# rerun was refused). Now each rank stops as on SIGTERM when its launcher dies (a parent-death signal): both are gone
# within seconds, say so in their logs, and the same command run at once resumes from the journal.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 3000 --resamples 50 > /dev/null
# each rank logs to its own file: their output through mpirun would end with mpirun (SIGPIPE), proving nothing
"$MPIEXEC" -n 2 --bind-to none sh -c 'exec "$0" run sim/study.yaml > "rank$OMPI_COMM_WORLD_RANK.log" 2>&1' \
  "$PRECIS" > mpirun.log 2>&1 &
launcher=$!
for _ in $(seq 1 600); do  # until a tenth of the samples are done (at most 60 s)
  grep -q "samples [0-9]*/3000 done" rank0.log 2> /dev/null && break
  sleep 0.1
done
grep -q "samples [0-9]*/3000 done" rank0.log || fail "the run did not start within 60 s: $(cat rank0.log mpirun.log)"
kill -9 "$launcher"
gone=0
for i in $(seq 1 200); do  # at most 20 s
  pgrep -f "precis run sim/study.yaml" > /dev/null || { gone=1; break; }
  sleep 0.1
done
[[ $gone == 1 ]] || fail "ranks still running 20 s after mpirun was killed: $(pgrep -af 'precis run')"
note "ranks gone $((i / 10)).$((i % 10)) s after kill -9 of mpirun"
for r in 0 1; do
  log=$(cat "rank$r.log")
  [[ "$log" != *"done: 3000 of 3000"* ]] || fail "the run finished before mpirun was killed: make it longer"
  [[ $r == 1 ]] || expect_in "stopped by SIGTERM" "$log"
  for bad in "Segmentation fault" "internal error" "AddressSanitizer" "terminate called"; do
    [[ "$log" != *"$bad"* ]] || fail "rank $r: '$bad': $log"
  done
done
[[ ! -e sim/results/provenance.json ]] || fail "a finished-looking result"
expect_exit 0 precis_np 2 run sim/study.yaml
[[ "$OUT" =~ precis:\ ([0-9]+)\ of\ 3000\ samples\ taken\ from\ the\ journal ]] || fail "no resume: $OUT"
(( BASH_REMATCH[1] > 0 )) || fail "nothing was taken from the journal: $OUT"
note "ok (${BASH_REMATCH[1]} samples resumed)"
