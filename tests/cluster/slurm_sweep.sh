#!/bin/bash
# tests/cluster/slurm_sweep.sh — scenarios/cluster/slurm-sweep.sh on a real Slurm. Starts a one-node
# Slurm (munged, slurmctld, slurmd on localhost, everything under a temporary folder), submits a
# 3 x 2 grid sweep as a three-task job array, waits for the array and the merge job the lowest task
# submits, and checks that the merged database holds the runs of the same sweep run unsharded, row
# for row.
#
#   tests/cluster/slurm_sweep.sh DRSIM_BINARY
#
# Installs Debian's slurm-wlm and munge when they are missing and it may (as root, or with CI=true
# and passwordless sudo). Exits 77 (skipped) with the reason on stdout where Slurm cannot start:
# not root and no sudo under CI, packages missing and not allowed to install, or the install failed.
# A Slurm that starts and then does not run the sweep right is a failure (exit 1). Stops the daemons
# and removes the folder on exit.
set -euo pipefail

SKIP=77
skip() {
    echo "SKIP: $*"
    exit $SKIP
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

[ $# -eq 1 ] || {
    echo "usage: tests/cluster/slurm_sweep.sh DRSIM_BINARY" >&2
    exit 2
}
drsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$drsim" ] || fail "no drsim binary at $1"
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/cluster/sweep_rows.sh
. "$src/tests/cluster/sweep_rows.sh"
started=$SECONDS

# ---- privileges ----------------------------------------------------------------------------------
# slurmd starts every job as the user who submitted it, which takes root. Under CI a user with
# passwordless sudo runs the whole test again as root.
if [ "$(id -u)" -ne 0 ]; then
    if [ "${CI:-}" = true ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        exec sudo -n env CI=true PATH="$PATH" bash "$0" "$drsim"
    fi
    skip "Slurm's daemons need root: run as root, or with CI=true and passwordless sudo"
fi

# ---- packages ------------------------------------------------------------------------------------
need="munged mungekey slurmctld slurmd sbatch squeue sinfo scancel"
missing_commands() {
    local c m=""
    for c in $need; do
        PATH="$PATH:/usr/sbin:/sbin" command -v "$c" >/dev/null || m="$m $c"
    done
    echo "$m"
}
export PATH="$PATH:/usr/sbin:/sbin"
missing=$(missing_commands)
if [ -n "$missing" ]; then
    # Installing on a developer's machine only when they ran the test as root or said CI=true.
    command -v apt-get >/dev/null || skip "no$missing, and no apt-get to install slurm-wlm and munge"
    install_started=$SECONDS
    echo "installing slurm-wlm and munge (missing:$missing)"
    if ! apt-get update -q >/dev/null ||
        ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 slurm-wlm munge >/dev/null; then
        skip "installing slurm-wlm and munge failed (no network or no package archive?)"
    fi
    echo "installed in $((SECONDS - install_started)) s"
    missing=$(missing_commands)
    [ -z "$missing" ] || skip "no$missing after installing slurm-wlm and munge"
fi

# ---- a one-node cluster under a temporary folder ------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/drsim-slurm.XXXXXX")
chmod 700 "$tmp"
pids=()
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    if [ -n "${SLURM_CONF:-}" ] && [ -e "$SLURM_CONF" ]; then
        scancel --quiet --user=root 2>/dev/null || true
    fi
    # Daemons in reverse order of start: slurmd, slurmctld, then munged which they talk through.
    for ((p = ${#pids[@]} - 1; p >= 0; p--)); do kill "${pids[p]}" 2>/dev/null || true; done
    for ((p = ${#pids[@]} - 1; p >= 0; p--)); do
        for _ in $(seq 50); do kill -0 "${pids[p]}" 2>/dev/null || break; sleep 0.1; done
        kill -9 "${pids[p]}" 2>/dev/null || true
    done
    if [ "$rc" -ne 0 ] && [ "$rc" -ne $SKIP ]; then
        for f in "$tmp"/log/*.log "$tmp"/work/*.out "$tmp"/work/sweep/*.out; do
            [ -e "$f" ] || continue
            echo "---- $f (last lines)"
            tail -n 20 "$f"
        done
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$tmp/munge" "$tmp/log" "$tmp/spool" "$tmp/state" "$tmp/run" "$tmp/work"
chmod 711 "$tmp/munge" # munged: the socket in it is for every user

# Two free TCP ports for slurmctld and slurmd, so the test never meets a Slurm already on the
# machine (or this test running in another build tree).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_port=""
for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    if port_free "$p" && port_free $((p + 1)); then
        ctld_port=$p
        break
    fi
done
[ -n "$ctld_port" ] || fail "no two free ports found"
slurmd_port=$((ctld_port + 1))

mungekey --create --keyfile="$tmp/munge/munge.key" --force 2>/dev/null ||
    dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munge_socket=$tmp/munge/munge.socket
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$munge_socket" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" \
    --seed-file="$tmp/munge/munged.seed" >>"$tmp/log/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$munge_socket" ] && break; sleep 0.1; done
[ -S "$munge_socket" ] || fail "munged did not start"

cpus=$(nproc)
((cpus <= 2)) || cpus=2
# Half the machine's memory, in MB, so a job's --mem can be checked against it.
mem_mb=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 2048))
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
# A one-node Slurm for tests/cluster/slurm_sweep.sh: no cgroups, no accounting.
ClusterName=drsim-test
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
# Poll often: the sweep takes seconds, not the default scheduling intervals.
SchedulerParameters=sched_interval=2,bf_interval=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -c -i -f "$SLURM_CONF" >>"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >>"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)

# The node is ready when slurmctld has it idle (slurmd registered). 60 s: slurmctld may take a few
# seconds to listen, and slurmd retries its registration.
state=""
for _ in $(seq 120); do
    state=$(sinfo --noheader --nodes=localhost --format=%T 2>/dev/null || true)
    [ "$state" = idle ] && break
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a Slurm daemon exited (pid $p)"; done
    sleep 0.5
done
[ "$state" = idle ] || fail "the node is not idle after 60 s (state: ${state:-none})"
echo "Slurm up in $((SECONDS - started)) s: $(sinfo --version), node localhost idle with $cpus CPUs"

# ---- the sweep on Slurm --------------------------------------------------------------------------
scenario=$src/tests/data/plan_one_vm.json
options=(--target-rpo 5m
    --grid 'links[0].bandwidth=10Mbps,20Mbps,40Mbps'
    --grid 'recovery.cloud_pairs[0].settings.copy_frequency=30s,5m')
shards=3
work=$tmp/work
cd "$work"
# The script's #SBATCH lines ask for 2 CPUs and 4 GB for two hours; one CPU and 64 MB a task lets
# two shards run at once on this node and shows that the merge job gets what the array was given.
job=$(DRSIM=$drsim sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 --mem=64M \
    --time=10 --output="$work/task-%A_%a.out" "$src/scenarios/cluster/slurm-sweep.sh" \
    "$scenario" sweep "${options[@]}")
job=${job%%;*}
echo "submitted array job $job ($shards tasks)"

# Until the array and the merge job have left the queue; 3 minutes is plenty for 6 runs of 2
# simulated hours on a busy machine.
deadline=$((SECONDS + 180))
while :; do
    queue=$(squeue --noheader --format='%i %j %T' 2>/dev/null) || fail "squeue failed"
    [ -z "$queue" ] && break
    ((SECONDS < deadline)) || fail "jobs still queued after 3 minutes: $queue"
    sleep 1
done
echo "array and merge job done in $((SECONDS - started)) s since start"

# ---- checks --------------------------------------------------------------------------------------
count() { sqlite3 "$1" "SELECT count(*) FROM runs"; }
for ((i = 0; i < shards; i++)); do
    out=$work/task-${job}_$i.out
    [ -e "$out" ] || fail "no output of array task $i"
    grep -q "^shard $i of $shards -> sweep/shard-$i.db" "$out" || fail "task $i did not run shard $i"
    # The round robin gives each of 3 shards 2 of the 6 runs.
    [ "$(count "sweep/shard-$i.db")" = 2 ] || fail "shard $i holds $(count "sweep/shard-$i.db") runs, not 2"
done
# slurmctld keeps finished jobs for 5 minutes (MinJobAge): every task and the merge job completed
# with exit 0, and the merge job, submitted by task 0, got the array's memory and time limit, not
# the #SBATCH lines' 4 GB and two hours.
jobs=$(scontrol --oneliner show job)
field() { sed -n "s/\(^\|.* \)$1=\([^ ]*\).*/\2/p"; }
for ((i = 0; i < shards; i++)); do
    line=$(grep "ArrayJobId=$job ArrayTaskId=$i " <<<"$jobs") || fail "Slurm knows no task $i"
    [ "$(field JobState <<<"$line") $(field ExitCode <<<"$line")" = "COMPLETED 0:0" ] ||
        fail "task $i: $(field JobState <<<"$line") $(field ExitCode <<<"$line")"
done
line=$(grep "JobName=drsim-sweep-merge " <<<"$jobs") || fail "task 0 submitted no merge job"
merge_job=$(field JobId <<<"$line")
[ "$(field JobState <<<"$line") $(field ExitCode <<<"$line")" = "COMPLETED 0:0" ] ||
    fail "merge job: $(field JobState <<<"$line") $(field ExitCode <<<"$line")"
[ "$(field MinMemoryNode <<<"$line") $(field TimeLimit <<<"$line")" = "64M 00:10:00" ] ||
    fail "merge job given $(field MinMemoryNode <<<"$line") and $(field TimeLimit <<<"$line")," \
        "not the array's 64M and 00:10:00"
# The merge job left its output, sweep.db and no work file.
[ -e "sweep/merge-$merge_job.out" ] || fail "the merge job left no output"
[ -e sweep/sweep.db ] || fail "no sweep/sweep.db after the merge job"
[ ! -e sweep/sweep.db.new ] || fail "the merge job left sweep.db.new behind"
[ "$(count sweep/sweep.db)" = 6 ] || fail "sweep.db holds $(count sweep/sweep.db) runs, not 6"

# The same sweep unsharded, here. Exit 0 or 1: whether a value meets the target is not the point.
rc=0
"$drsim" plan "$scenario" --db whole.db --jobs 1 "${options[@]}" >/dev/null || rc=$?
((rc <= 1)) || fail "drsim plan of the whole sweep exited $rc"
[ "$(count whole.db)" = 6 ] || fail "the whole sweep holds $(count whole.db) runs, not 6"

# 6 runs of 2 h sampled every minute: over a thousand rows (runs, samples, metrics, events...).
sweep_same whole.db sweep/sweep.db 600 || fail "the merged sweep is not the whole sweep"
echo "PASS: $shards shards on Slurm, merged by job $merge_job:" \
    "$sweep_row_count rows in $sweep_table_count tables equal to the unsharded sweep; $((SECONDS - started)) s in all"
