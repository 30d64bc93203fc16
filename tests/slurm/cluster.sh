# A real single-node Slurm on localhost for the Slurm tests: munged, slurmctld and slurmd with their own key,
# config, state and logs under one folder, started and stopped by the pids in their pid files (never by name).
#   source tests/slurm/cluster.sh; slurm_start DIR; ...; slurm_stop DIR
# Needs root (SlurmUser=root) and Debian's slurm-wlm and munge (scripts/setup.sh --test installs them).

slurm_start() {
  local d=$1
  mkdir -p "$d"/{munge,state,spool,log,run}
  chmod 0700 "$d/munge"
  chmod 0755 "$d/run"
  mungekey --create --keyfile="$d/munge/munge.key" --force 2>/dev/null
  chmod 0600 "$d/munge/munge.key"
  munged --key-file="$d/munge/munge.key" --socket="$d/run/munge.socket" --pid-file="$d/run/munged.pid" \
    --log-file="$d/log/munged.log" --seed-file="$d/munge/seed" --force
  local cpus mem
  cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -1)
  mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)
  local cores sockets threads
  sockets=$(slurmd -C | sed -n 's/.*SocketsPerBoard=\([0-9]*\).*/\1/p' | head -1)
  cores=$(slurmd -C | sed -n 's/.*CoresPerSocket=\([0-9]*\).*/\1/p' | head -1)
  threads=$(slurmd -C | sed -n 's/.*ThreadsPerCore=\([0-9]*\).*/\1/p' | head -1)
  cat > "$d/slurm.conf" <<EOF
ClusterName=precis-test
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/run/munge.socket
SlurmctldPort=$((20000 + RANDOM % 20000))
SlurmdPort=$((40000 + RANDOM % 20000))
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
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
KillWait=10
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus Sockets=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$((mem * 95 / 100)) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
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
