#!/usr/bin/env bash
# A one-node Slurm cluster on localhost for CI: `local-cluster.sh start DIR` installs slurm-wlm and munge
# when missing (Debian, as root), writes DIR/slurm.conf (this node's CPUs from nproc, memory from free),
# starts munged, slurmctld and slurmd, and waits until the node is idle; `local-cluster.sh stop DIR`
# shuts them down. Use it with SLURM_CONF=DIR/slurm.conf. Root only: SlurmUser=root,
# ProctrackType=proctrack/linuxproc and TaskPlugin=task/none need neither cgroups nor a slurm user.
set -euo pipefail
action=${1:?usage: local-cluster.sh start|stop DIR}
dir=$(mkdir -p "${2:?usage: local-cluster.sh start|stop DIR}" && cd "$2" && pwd)
export SLURM_CONF="$dir/slurm.conf"

if [ "$action" = stop ]; then
  pids=()
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
    if [ -s "$pidfile" ]; then pids+=("$(cat "$pidfile")"); fi
  done
  scontrol shutdown >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Wait until the daemons have exited: slurmctld writes its state files while it shuts down, and a
  # caller that deletes DIR right after `stop` would otherwise race it ("Directory not empty").
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && exit 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "local-cluster.sh: needs root (SlurmUser=root)" >&2; exit 3; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || { echo "local-cluster.sh: install slurm-wlm and munge (no apt-get here)" >&2; exit 3; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# munge: a key, then the daemon (it refuses to start twice; a running one is fine).
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge && dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
fi
chown -R munge:munge /etc/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
if ! munge -n >/dev/null 2>&1; then
  if id munge >/dev/null 2>&1; then runuser -u munge -- munged; else munged --force; fi
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.2; done
fi
munge -n | unmunge >/dev/null

node=$(hostname -s)
cpus=$(nproc)
memory=$(( $(free -m | awk '/^Mem:/ {print $2}') * 9 / 10 ))
mkdir -p "$dir/state" "$dir/spool"
cat >"$SLURM_CONF" <<CONF
ClusterName=tfseg-ci
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -c
slurmd
for _ in $(seq 60); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
if [ "$state" != idle ]; then
  echo "local-cluster.sh: node $node is '${state:-not reporting}' after 60 s; logs: $dir/slurmctld.log, $dir/slurmd.log" >&2
  tail -20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
  exit 3
fi
echo "local-cluster.sh: one-node Slurm up ($node, $cpus CPUs, $memory MiB); SLURM_CONF=$SLURM_CONF" >&2
