# A real multi-node Slurm cluster on one machine, for the multi-node tests: every "node" is a network namespace of
# its own (own address, own hostname, own munged and slurmd, its own mount namespace so that each node's munge
# socket and pid files are its own), wired through a bridge that lives in a namespace of its own; the controller
# (slurmctld and its munged) is one more namespace. The file system is shared, as on a cluster. Nothing listens on
# the machine's own network, and everything this creates is named by a tag kept in DIR/tag and removed by nc_stop.
#   source tests/slurm/netcluster.sh
#   nc_start DIR 3        # nodes pn1..pn3 at 10.213.0.11..13, controller pctl at 10.213.0.10
#   nc_client sbatch ...  # a client command, run on the controller (the "login node")
#   nc_lose_node DIR 3    # node 3 is cut off the network and everything on it killed (as a power loss)
#   nc_start_node DIR 3   # node 3 boots again
#   nc_stop DIR
# Needs root (namespaces, SlurmUser=root), Debian's slurm-wlm, munge and iproute2.

source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"  # slurm_node_hardware, slurm_conf_common, slurm_wait

nc_ns() { echo "$(cat "$1/tag")-$2"; }  # the namespace of a part: sw, ctl, n1, n2, ...

# (nsenter, not ip netns exec: that one mounts a /sys of its own, without the cgroup file systems slurmd reads)
nc_net() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
nc_client() { nc_net "$(nc_ns "$NC_DIR" ctl)" "$@"; }

# nc_in_node DIR I CMD...: runs CMD as a process of node I (its network, hostname and mounts)
nc_in_node() {
  local d=$1 i=$2
  shift 2
  nc_net "$(nc_ns "$d" "n$i")" unshare --uts --mount --propagation private \
    sh -c 'hostname "$1"; mount --bind "$2" "$3"; shift 3; exec "$@"' sh "pn$i" "$d/node$i/run" "$d/run" "$@"
}

nc_start_node() {
  local d=$1 i=$2 sw
  sw=$(nc_ns "$d" sw)
  ip -n "$sw" link set "vn$i" up
  # a node boots with nothing left of what ran on it (step sockets in its spool, PMIx files, pid files)
  rm -rf "$d/node$i/run/"*.pid "$d/node$i/run/pmix/"* "$d/spool/pn$i/"*
  nc_in_node "$d" "$i" sh -c '
    munged --key-file="$1/munge/munge.key" --socket="$1/run/munge.socket" --pid-file="$1/run/munged.pid" \
      --log-file="$1/log/munged-pn$2.log" --seed-file="$1/node$2/seed" --origin="10.213.0.$((10 + $2))" --force || exit 1
    exec slurmd -f "$1/slurm.conf" -N "pn$2"' sh "$d" "$i"
  local _
  for _ in $(seq 150); do
    [[ $(nc_client sinfo -h -n "pn$i" -o %T 2>/dev/null) == idle ]] && return 0
    sleep 0.2
  done
  echo "node pn$i did not come up; logs in $d/log" >&2
  return 1
}

nc_start() {
  local d=$1 n=$2 i
  export NC_DIR=$d
  mkdir -p "$d"/{munge,state,log,run,spool}
  printf 'p%04x' $((RANDOM)) > "$d/tag"
  chmod 0700 "$d/munge"
  chmod 0755 "$d/run"
  mungekey --create --keyfile="$d/munge/munge.key" --force 2>/dev/null
  chmod 0600 "$d/munge/munge.key"
  # the network: a bridge in a namespace of its own, one veth from it to each node and to the controller
  local sw ctl
  sw=$(nc_ns "$d" sw)
  ctl=$(nc_ns "$d" ctl)
  ip netns add "$sw" || return 1
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  ip netns add "$ctl"
  ip link add vctl netns "$sw" type veth peer name eth0 netns "$ctl"
  ip -n "$sw" link set vctl master br0 up
  ip -n "$ctl" addr add 10.213.0.10/24 dev eth0
  ip -n "$ctl" link set eth0 up
  ip -n "$ctl" link set lo up
  for i in $(seq "$n"); do
    mkdir -p "$d/node$i/run"
    chmod 0755 "$d/node$i/run"
    ip netns add "$(nc_ns "$d" "n$i")"
    ip link add "vn$i" netns "$sw" type veth peer name eth0 netns "$(nc_ns "$d" "n$i")"
    ip -n "$sw" link set "vn$i" master br0 up
    ip -n "$(nc_ns "$d" "n$i")" addr add "10.213.0.$((10 + i))/24" dev eth0
    ip -n "$(nc_ns "$d" "n$i")" link set eth0 up
    ip -n "$(nc_ns "$d" "n$i")" link set lo up
  done
  local hw mem
  read -r mem hw < <(slurm_node_hardware)
  {
    echo "ClusterName=precis-nodes"
    echo "SlurmctldHost=pctl(10.213.0.10)"
    echo "SlurmctldPort=6817"
    echo "SlurmdPort=6818"
    echo "SlurmdSpoolDir=$d/spool/%n"
    echo "SlurmdPidFile=$d/run/slurmd.pid"  # each node's own: its run/ is bound over $d/run
    echo "SlurmdLogFile=$d/log/slurmd-%n.log"
    echo "SlurmdTimeout=10"                  # a lost node is noticed in seconds
    echo "MessageTimeout=5"
    echo "KillWait=5"
    slurm_conf_common "$d"
    for i in $(seq "$n"); do
      echo "NodeName=pn$i NodeAddr=10.213.0.$((10 + i)) $hw RealMemory=$((mem * 95 / 100 / n)) State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=pn[1-$n] Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO"
  } > "$d/slurm.conf"
  # PMIx's client files: per node (the nodes share /tmp; $d/run is each node's own)
  echo "PMIxCliTmpDirBase=$d/run/pmix" > "$d/mpi.conf"
  export SLURM_CONF=$d/slurm.conf
  for i in $(seq "$n"); do mkdir -p "$d/spool/pn$i" "$d/node$i/run/pmix"; done
  munged --key-file="$d/munge/munge.key" --socket="$d/run/munge.socket" --pid-file="$d/run/munged.pid" \
    --log-file="$d/log/munged-pctl.log" --seed-file="$d/munge/seed" --origin=10.213.0.10 --force || return 1
  nc_net "$ctl" unshare --uts sh -c 'hostname pctl; exec slurmctld -f "$1"' sh "$SLURM_CONF" || return 1
  local _
  for _ in $(seq 100); do nc_client scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  for i in $(seq "$n"); do nc_start_node "$d" "$i" || return 1; done
}

# kills every process of a namespace, bounded
nc_kill_ns() {
  local ns=$1 _ pids
  for _ in $(seq 50); do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [[ -z $pids ]] && return 0
    kill -9 $pids 2>/dev/null || true
    sleep 0.1
  done
}

nc_lose_node() {
  local d=$1 i=$2
  ip -n "$(nc_ns "$d" sw)" link set "vn$i" down  # nothing it says gets out: no reset reaches the other nodes
  nc_kill_ns "$(nc_ns "$d" "n$i")"
}

nc_stop() {
  local d=$1 ns f pid _
  [[ -f $d/tag ]] || return 0
  export SLURM_CONF=$d/slurm.conf
  nc_client scancel --user=root 2>/dev/null || true
  for _ in $(seq 50); do [[ -z $(nc_client squeue -h 2>/dev/null) ]] && break; sleep 0.2; done
  for f in "$d"/node*/run/slurmd.pid "$d"/node*/run/munged.pid "$d/run/slurmctld.pid" "$d/run/munged.pid"; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$(cat "$d/tag")-"); do
    nc_kill_ns "$ns"
    ip netns del "$ns"
  done
}
