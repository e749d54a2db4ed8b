#!/bin/bash
# A drsim sweep as a Slurm job array: each array task runs one shard of the sweep into a database of
# its own, and a job that waits for every task merges the shards into one database.
#
#   sbatch --array=0-7 scenarios/cluster/slurm-sweep.sh SCENARIO.json OUTDIR [drsim plan options...]
#
# e.g.
#   sbatch --array=0-7 scenarios/cluster/slurm-sweep.sh my-site.json sweep-1 --target-rpo 15m \
#       --grid 'links[0].bandwidth=50Mbps,100Mbps,200Mbps,400Mbps' \
#       --grid 'recovery.cloud_pairs[0].settings.copy_frequency=30s,5m,15m'
#
# The array size is the number of shards (here 8). Task I writes OUTDIR/shard-I.db; the lowest task
# also submits the merge job (sbatch --dependency=afterok on the whole array), which writes
# OUTDIR/sweep.db once every task has succeeded; it gets the array's partition, account, QOS, memory
# and time limit, so `sbatch --partition=... --time=...` on the command line holds for it too. A
# task that Slurm requeues starts its shard afresh. tests/cluster/slurm_sweep.sh runs this script on
# a one-node Slurm.
#
# Without Slurm, for a smoke test on one machine:
#   scenarios/cluster/slurm-sweep.sh SCENARIO.json OUTDIR [options]    every shard in turn, then merge
#   SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=4 scenarios/cluster/slurm-sweep.sh ...   one shard
# SLURM_ARRAY_TASK_COUNT (default 2 when no Slurm array is running) sets the number of shards. DRSIM
# names the drsim binary (default: drsim on PATH).
#
# The defaults below are a starting point: one shard is one `drsim plan` process that runs its share
# of the sweep's runs on the task's CPUs.
#SBATCH --job-name=drsim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=drsim-sweep-%A_%a.out
set -euo pipefail

usage() {
    cat >&2 <<'EOF'
usage: sbatch --array=0-N-1 slurm-sweep.sh SCENARIO.json OUTDIR [drsim plan options...]
       slurm-sweep.sh SCENARIO.json OUTDIR [drsim plan options...]    (no Slurm: every shard here)
Runs `drsim plan --shard I/N` for each shard into OUTDIR/shard-I.db, then `drsim merge` into
OUTDIR/sweep.db. See the comment at the top of this script and the README.
EOF
    exit 2
}
[ $# -ge 2 ] || usage
scenario=$1
outdir=$2
shift 2
plan_options=("$@")
drsim=${DRSIM:-drsim}

# --shard I/N: the I-th of N shares of the sweep's runs, I counted from 0 like the array index.
shard_spec() {
    echo "$1/$2"
}

run_shard() { # index count
    local db="$outdir/shard-$1.db"
    rm -f "$db" "$db-journal" # a requeued task must not append to a half-finished shard
    local jobs=()
    [ -n "${SLURM_CPUS_PER_TASK:-}" ] && jobs=(--jobs "$SLURM_CPUS_PER_TASK")
    echo "shard $1 of $2 -> $db"
    # ${a[@]+"${a[@]}"}: an empty array under set -u, also for bash before 4.4
    "$drsim" plan "$scenario" --shard "$(shard_spec "$1" "$2")" --db "$db" ${jobs[@]+"${jobs[@]}"} \
        ${plan_options[@]+"${plan_options[@]}"}
}

# Shards in index order, so the merged run ids follow the shards and the same shards always give
# the same database; into a new file first, so a failed merge leaves no half-merged sweep.db.
merge_shards() { # count
    local inputs=() i
    for ((i = 0; i < $1; i++)); do inputs+=("$outdir/shard-$i.db"); done
    rm -f "$outdir/sweep.db.new" "$outdir/sweep.db.new-journal"
    "$drsim" merge "$outdir/sweep.db.new" "${inputs[@]}"
    mv -f "$outdir/sweep.db.new" "$outdir/sweep.db"
}

# sbatch options that give the merge job the partition, account, QOS, memory and time limit this
# array task has (each only when Slurm set it), one a line.
merge_job_options() {
    [ -z "${SLURM_JOB_PARTITION:-}" ] || echo "--partition=$SLURM_JOB_PARTITION"
    [ -z "${SLURM_JOB_ACCOUNT:-}" ] || echo "--account=$SLURM_JOB_ACCOUNT"
    [ -z "${SLURM_JOB_QOS:-}" ] || echo "--qos=$SLURM_JOB_QOS"
    if [ -n "${SLURM_MEM_PER_NODE:-}" ]; then
        echo "--mem=${SLURM_MEM_PER_NODE}M"
    elif [ -n "${SLURM_MEM_PER_CPU:-}" ]; then
        echo "--mem-per-cpu=${SLURM_MEM_PER_CPU}M"
    fi
    local limit
    limit=$(squeue --noheader --jobs="$SLURM_JOB_ID" --format=%l 2>/dev/null) || limit=""
    case $limit in '' | *[!0-9:-]*) ;; *) echo "--time=$limit" ;; esac
}

mkdir -p "$outdir"

if [ -n "${DRSIM_SWEEP_MERGE:-}" ]; then
    # The merge job that the lowest task submitted.
    merge_shards "$DRSIM_SWEEP_MERGE"
elif [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
    count=${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is needed with SLURM_ARRAY_TASK_ID}
    index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
    if ((index < 0 || index >= count)); then
        echo "slurm-sweep: task $SLURM_ARRAY_TASK_ID is outside an array of $count" \
            "(use --array=0-$((count - 1)), step 1)" >&2
        exit 2
    fi
    if ((index == 0)) && [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && command -v sbatch >/dev/null; then
        # Slurm keeps its own copy of a batch script: the merge job runs the copy this task runs.
        # It would get the #SBATCH lines' partition, memory and time, not what the array was
        # submitted with on the command line, so those of this task are passed on.
        mapfile -t merge_options < <(merge_job_options)
        sbatch --job-name=drsim-sweep-merge --dependency="afterok:$SLURM_ARRAY_JOB_ID" \
            --kill-on-invalid-dep=yes --cpus-per-task=1 --output="$outdir/merge-%j.out" \
            ${merge_options[@]+"${merge_options[@]}"} \
            --export="ALL,DRSIM_SWEEP_MERGE=$count" "$0" "$scenario" "$outdir"
    fi
    run_shard "$index" "$count"
else
    count=${SLURM_ARRAY_TASK_COUNT:-2}
    for ((i = 0; i < count; i++)); do run_shard "$i" "$count"; done
    merge_shards "$count"
fi
