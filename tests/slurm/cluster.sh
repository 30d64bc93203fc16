# A real single-node Slurm on localhost for the Slurm tests: munged, slurmctld and slurmd with their own key,
# config, state and logs under one folder, started and stopped by the pids in their pid files (never by name).
#   source tests/slurm/cluster.sh; slurm_start DIR; ...; slurm_stop DIR
# Needs root (SlurmUser=root) and Debian's slurm-wlm and munge (scripts/setup.sh --test installs them).

# this machine as a Slurm node: its memory in MB, then "CPUs=.. Sockets=.. CoresPerSocket=.. ThreadsPerCore=.."
slurm_node_hardware() {
  local c
  c=$(slurmd -C)
  printf '%s CPUs=%s Sockets=%s CoresPerSocket=%s ThreadsPerCore=%s\n' \
    "$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$c" | head -1)" \
    "$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$c" | head -1)" \
    "$(sed -n 's/.*SocketsPerBoard=\([0-9]*\).*/\1/p' <<<"$c" | head -1)" \
    "$(sed -n 's/.*CoresPerSocket=\([0-9]*\).*/\1/p' <<<"$c" | head -1)" \
    "$(sed -n 's/.*ThreadsPerCore=\([0-9]*\).*/\1/p' <<<"$c" | head -1)"
}

# the slurm.conf lines a test cluster under DIR shares with any other (root, munge, no accounting, no cgroups)
slurm_conf_common() {
  local d=$1
  cat <<EOF
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/run/munge.socket
StateSaveLocation=$d/state
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmctldLogFile=$d/log/slurmctld.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$d/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
EnforcePartLimits=ALL
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
ReturnToService=2
EOF
}

slurm_start() {
  local d=$1
  mkdir -p "$d"/{munge,state,spool,log,run}
  chmod 0700 "$d/munge"
  chmod 0755 "$d/run"
  mungekey --create --keyfile="$d/munge/munge.key" --force 2>/dev/null
  chmod 0600 "$d/munge/munge.key"
  munged --key-file="$d/munge/munge.key" --socket="$d/run/munge.socket" --pid-file="$d/run/munged.pid" \
    --log-file="$d/log/munged.log" --seed-file="$d/munge/seed" --force
  local hw mem
  read -r mem hw < <(slurm_node_hardware)
  {
    echo "ClusterName=precis-test"
    echo "SlurmctldHost=localhost"
    echo "SlurmctldPort=$((20000 + RANDOM % 20000))"
    echo "SlurmdPort=$((40000 + RANDOM % 20000))"
    echo "SlurmdSpoolDir=$d/spool"
    echo "SlurmdPidFile=$d/run/slurmd.pid"
    echo "SlurmdLogFile=$d/log/slurmd.log"
    echo "KillWait=10"
    slurm_conf_common "$d"
    echo "NodeName=localhost NodeAddr=127.0.0.1 $hw RealMemory=$((mem * 95 / 100)) State=UNKNOWN"
    echo "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO"
  } > "$d/slurm.conf"
  export SLURM_CONF=$d/slurm.conf
  slurmctld -f "$SLURM_CONF"
  for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  slurmd -f "$SLURM_CONF" -N localhost
  for _ in $(seq 100); do [[ $(sinfo -h -n localhost -o %T 2>/dev/null) == idle ]] && return 0; sleep 0.1; done
  echo "slurm did not come up; logs in $d/log" >&2
  return 1
}

slurm_stop() {
  local d=$1
  export SLURM_CONF=$d/slurm.conf
  scancel --user=root 2>/dev/null || true
  for _ in $(seq 100); do [[ -z $(squeue -h 2>/dev/null) ]] && break; sleep 0.1; done
  local f pid
  for f in slurmd slurmctld munged; do
    [[ -f $d/run/$f.pid ]] || continue
    pid=$(cat "$d/run/$f.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}

# slurm_wait JOBID TIMEOUT [FAST_REQUEUE]: waits until the job has ended for good (a requeued job passes through
# REQUEUED and PENDING on its way) and prints its final state. With FAST_REQUEUE=1 a requeued job may start 10 s
# after its requeue instead of Slurm's two minutes (scontrol update StartTime=now+10; at once fails: the old
# instance's credential is still being revoked). Its Slurm commands run through $SLURM_RUN when that is set (the
# multi-node cluster's nc_client: on the controller's network).
slurm_wait() {
  local id=$1 t=$2 fast=${3:-0} state
  for _ in $(seq $((t * 5))); do
    state=$(${SLURM_RUN:-} scontrol -o show job "$id" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\).*/\1/p') || true
    case $state in
      COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) echo "$state"; return 0;;
    esac
    if [[ $fast == 1 && $state == PENDING ]]; then
      local start
      start=$(${SLURM_RUN:-} scontrol -o show job "$id" 2>/dev/null | sed -n 's/.* StartTime=\([0-9T:-]*\).*/\1/p') || true
      if [[ -n $start ]] && (( $(date -d "$start" +%s 2>/dev/null || echo 0) > $(date +%s) + 30 )); then
        ${SLURM_RUN:-} scontrol update JobId="$id" StartTime=now+10 2>/dev/null || true
      fi
    fi
    sleep 0.2
  done
  echo "STILL_${state:-UNKNOWN}"
}

# slow_study SECONDS MAX_REPS: ./slow, a study whose samples stage lasts about SECONDS on one worker, for jobs that
# must still be running when something happens to them: VCFs of 20,000 records each (QC over every record, no burden
# vector to store), the sheet repeating 200 samples as often as a probe run on 2 ranks says (2 to MAX_REPS times,
# so fewer under ASan). Its `resources` are read from standard input. Prints the number of samples.
slow_study() {
  local seconds=$1 max=$2 reps
  "$PRECIS" simulate --out slow --samples 200 --subtypes 3 --seed 4 --resamples 20 --genes 20000 --proteins 300 >/dev/null
  sed -i '/gene_burden/d; /^  features:/d' slow/study.yaml
  sed -i 's/^  resamples: 20$/  resamples: 20\n  landmarks: 300/' slow/study.yaml  # clustering: seconds
  cat >> slow/study.yaml
  precis_np 2 run slow/study.yaml --output slow_probe 2>/dev/null
  reps=$($PY -c "import json, math; s = json.load(open('slow_probe/provenance.json'))['stage_seconds']['samples']
print(min($max, max(2, math.ceil($seconds / s))))")
  $PY - "$reps" <<'PY'
import csv, sys
rows = list(csv.reader(open("slow/samples.tsv"), delimiter="\t"))
with open("slow/samples.tsv", "w") as f:
    f.write("\t".join(rows[0]) + "\n")
    for r in range(int(sys.argv[1])):
        for b in rows[1:]:
            f.write("\t".join([f"{b[0]}_{r}"] + b[1:]) + "\n")
PY
  echo $((200 * reps))
}
