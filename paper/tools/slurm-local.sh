#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for `make test-cluster` (issue 26): Debian's
# slurm-wlm and munge (installed if missing), slurmctld and slurmd both here, every file of the
# cluster (configuration, munge key and socket, state, logs) in one temporary folder, nothing
# in /etc touched. Slurm's commands find the cluster through SLURM_CONF, which `env` prints.
#
#   paper/tools/slurm-local.sh start    install if missing, write the configuration, start the daemons, wait until the node is idle
#   paper/tools/slurm-local.sh env      print `export SLURM_CONF=...` for the running cluster
#   paper/tools/slurm-local.sh stop     stop the daemons and remove the folder
#
# The folder is $ATFLREC_SLURM_DIR (default /tmp/atflrec-slurm). The node is called `localnode`
# and has this machine's CPU count; the partition is `local`. Daemons run as the calling user
# (root on the project's machines: slurmd must be root to start jobs as the submitting user).
set -euo pipefail

DIR=${ATFLREC_SLURM_DIR:-/tmp/atflrec-slurm}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
PORT_CTLD=${ATFLREC_SLURM_PORT:-6917}

install_if_missing() {
  local missing=""
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "slurm-local: installing Debian packages:$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

write_configuration() {
  mkdir -p "$DIR"/{munge,ctld,spool,log}
  chmod 700 "$DIR" "$DIR/munge"
  [ -f "$DIR/munge/munge.key" ] || mungekey --create --keyfile="$DIR/munge/munge.key"
  chmod 400 "$DIR/munge/munge.key"
  local cpus memory
  cpus=$(nproc)
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
  # proctrack/linuxproc and task/none: no cgroups, which containers often do not delegate.
  # Accounting off: the test needs no database. ReturnToService=2: a node that was down comes
  # back on its own when slurmd registers again.
  cat > "$DIR/slurm.conf" <<EOF
ClusterName=atflrec-local
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$PORT_CTLD
SlurmdPort=$((PORT_CTLD + 1))
SlurmUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=300
KillWait=10
NodeName=localnode NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=localnode Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  install_if_missing
  if [ -f "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; then
    echo "slurm-local: already running ($DIR)" >&2
    return 0
  fi
  write_configuration
  munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed"
  export SLURM_CONF="$DIR/slurm.conf"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF" -N localnode
  for _ in $(seq 1 60); do
    if sinfo -h -n localnode -o '%T' 2>/dev/null | grep -qx idle; then
      echo "slurm-local: one-node cluster up ($(nproc) CPUs, partition local); export SLURM_CONF=$SLURM_CONF" >&2
      return 0
    fi
    sleep 1
  done
  echo "slurm-local: the node did not become idle within 60 s; logs in $DIR/log" >&2
  tail -5 "$DIR"/log/*.log >&2 || true
  return 1
}

stop() {
  for daemon in slurmd slurmctld munge/munged; do
    local pidfile="$DIR/$daemon.pid"
    if [ -f "$pidfile" ]; then
      local pid
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
  done
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$DIR/slurm.conf" ;;
  *) echo "usage: $0 start|env|stop" >&2; exit 2 ;;
esac
