# precis on a real multi-node Slurm cluster made on this one machine (tests/slurm/netcluster.sh): three nodes, each a
# network namespace with its own address, hostname, munged and slurmd, and the controller in a fourth. Jobs that span
# the nodes, with srun --mpi=pmix and with mpirun, put ranks on every node (MPI over TCP between them, the store
# written collectively by all of them) and give a one-process run's results. A node lost mid-run (cut off the
# network, everything on it killed, as in a power loss): the job ends within a bounded time with Slurm's message,
# leaves no rank behind, is requeued, and once the node is back it resumes from the journal and gives the results of
# an uninterrupted run.
source "$(dirname "$0")/lib.sh"
source "$PRECIS_TESTS/slurm/netcluster.sh"  # and cluster.sh: slurm_wait, slow_study
[[ $(id -u) == 0 ]] || fail "the multi-node test makes network namespaces and runs slurmd as root: run it as root"
for c in slurmctld munged nsenter unshare ip; do
  command -v $c >/dev/null || fail "needs $c (scripts/setup.sh --test installs slurm-wlm, munge, iproute2)"
done
trap 'nc_stop "$WORK/cluster"' EXIT
nc_start "$WORK/cluster" 3 || fail "could not start the cluster: $(tail -5 "$WORK"/cluster/log/*.log)"
SLURM_RUN=nc_client  # slurm_wait's Slurm commands: on the controller's network
same() { $PY "$PRECIS_TESTS/e2e/same_results.py" "$1" "$2" >/dev/null || fail "$3: $($PY "$PRECIS_TESTS/e2e/same_results.py" "$1" "$2" 2>&1)"; }
job_state() { nc_client scontrol -o show job "$1" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\).*/\1/p'; }
# spans FOLDER RANKS: provenance.json says the ranks ran on all three nodes and every matrix write was collective
spans() {
  $PY - "$1/provenance.json" "$2" <<'PY' || fail "$1: $(cat "$1/provenance.json" | head -c 600)"
import json, sys
p = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
hosts = {h["name"]: h["ranks"] for h in p["hosts"]}
assert sorted(hosts) == ["pn1", "pn2", "pn3"], f"hosts {sorted(hosts)}"
assert sorted(r for rs in hosts.values() for r in rs) == list(range(n)), "ranks"
assert p["ranks"] == n and p["collective_io"] is True, "collective"
PY
}

"$PRECIS" simulate --out demo --samples 60 --subtypes 3 --seed 4 --resamples 50 >/dev/null
cat >> demo/study.yaml <<'EOF'
resources:
  nodes: 3
  ntasks: 4
  cpus_per_task: 1
  time: "00:10:00"
  mem_per_cpu: 500M
  sbatch_options: [--overcommit]   # 4 tasks on 3 nodes of this 2-core machine
EOF
precis_np 1 run demo/study.yaml --output ref 2>/dev/null

# a job over 3 nodes, started by srun --mpi=pmix and by mpirun: ranks on every node, a one-process run's results
for l in srun mpirun; do
  d="$PWD/job_$l"
  id=$(nc_client "$PRECIS" slurm demo/study.yaml --submit --output "$d" --set resources.launcher=$l 2>submit.log) \
    || fail "submit ($l): $(cat submit.log)"
  state=$(slurm_wait "$id" 300)
  [[ $state == COMPLETED ]] || fail "the $l job ended $state: $(cat "$d"/logs/*.log)"
  grep -q "^#SBATCH --nodes=3$" "$d/simulated.sbatch" || fail "$l: no --nodes=3 line"
  spans "$d" 4
  same ref "$d" "the $l job over 3 nodes"
  note "$l: 4 ranks on pn1, pn2 and pn3 ($(grep -o 'on pn[^:]*' "$d"/logs/*.log | head -1)), collective store write, the one-process run's results"
done

# A node lost mid-run. The study: VCFs of 20,000 records (QC over each), the sheet repeating 200 samples as often as
# ~40 s of one worker needs (measured on the 200; fewer repeats under ASan), so that the samples stage outlasts the
# loss on three workers.
n=$(slow_study 40 20 <<'EOF'
resources:
  nodes: 3
  ntasks: 4
  cpus_per_task: 1
  time: "00:15:00"
  mem_per_cpu: 1G
  sbatch_options: [--overcommit]
EOF
)
id=$(nc_client "$PRECIS" slurm slow/study.yaml --submit --output "$PWD/slow_job" 2>submit.log) || fail "slow: $(cat submit.log)"
log=slow_job/logs/simulated-$id.log
# lose node 3 once the job is well into its samples (a tenth done, or more)
lost=0
for _ in $(seq 1500); do
  if grep -Eq "^precis: samples [0-9]+/$n done" "$log" 2>/dev/null; then
    done_now=$(grep -Eo "^precis: samples [0-9]+/$n done" "$log" | tail -1 | sed 's/.* \([0-9]*\)\/.*/\1/')
    (( done_now == n )) && fail "the samples were all done before the node could be lost: make the study slower"
    if (( done_now >= n / 10 )); then
      nc_lose_node "$WORK/cluster" 3
      lost=$(date +%s)
      break
    fi
  fi
  [[ $(job_state "$id") =~ ^(PENDING|RUNNING)$ ]] || fail "the job ended $(job_state "$id") before the node was lost"
  sleep 0.2
done
(( lost > 0 )) || fail "the job showed no progress in 300 s: $(cat "$log")"
note "node pn3 lost at $done_now of $n samples"
# the reference: an uninterrupted one-process run, meanwhile
precis_np 1 run slow/study.yaml --output slow_ref 2>slow_ref.log &
ref_pid=$!
# the job ends within a bounded time: Slurm notices the node (SlurmdTimeout=10), and its other ranks are killed
for _ in $(seq 600); do
  [[ $(job_state "$id") != RUNNING ]] && break
  sleep 0.2
done
ended=$(( $(date +%s) - lost ))
[[ $(job_state "$id") != RUNNING ]] || fail "the job still ran 120 s after losing a node: a hang"
grep -q "DUE TO NODE FAILURE" "$log" || fail "no word of the node failure in the job's log: $(tail -5 "$log")"
for i in 1 2; do  # no rank of the job is left on the nodes still up
  for _ in $(seq 100); do
    left=$(ip netns pids "$(nc_ns "$WORK/cluster" "n$i")" | xargs -r ps -o args= -p | grep -c "precis run" || true)
    (( left == 0 )) && break
    sleep 0.2
  done
  (( left == 0 )) || fail "$left precis rank(s) left running on pn$i after the job ended"
done
note "the job ended $ended s after the loss ($(job_state "$id"), 'DUE TO NODE FAILURE' in its log), no rank left behind"
nc_start_node "$WORK/cluster" 3 || fail "node 3 did not come back"
state=$(slurm_wait "$id" 600 1)
wait $ref_pid || fail "the uninterrupted run failed: $(tail -5 slow_ref.log)"
[[ $state == COMPLETED ]] || fail "the requeued job ended $state: $(tail -20 "$log")"
grep -q "(restart 1)" "$log" || fail "the job was not requeued"
taken=$(grep -o "[0-9]* of $n samples taken from the journal" "$log" | tail -1 | cut -d' ' -f1)
(( taken > 0 )) || fail "the requeued job took nothing from the journal: $(tail -20 "$log")"
spans slow_job 4
same slow_ref slow_job "the job that lost a node"
note "requeued, resumed with $taken of $n samples from the journal on 3 nodes, the uninterrupted run's results"
note "ok"
