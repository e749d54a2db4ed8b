#!/bin/bash
# tests/cluster/k8s_manifest.sh — scenarios/cluster/k8s-sweep.yaml without Kubernetes: the file
# parses as YAML, its objects agree with each other (shard count, sweep name, volume claim, config
# map, image), and the shell its pods run, taken from the file as written, works with this drsim:
# every index of the Indexed Job (one twice, as a retried pod), then the merge Job, with /results
# and /scenario moved to a temporary folder. The merged sweep must equal the sweep run in one go,
# row for row.
#
#   tests/cluster/k8s_manifest.sh DRSIM_BINARY
#
# Exits 77 (skipped) with the reason on stdout without a python3 that has the yaml module.
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
[ $# -eq 1 ] || {
    echo "usage: tests/cluster/k8s_manifest.sh DRSIM_BINARY" >&2
    exit 2
}
drsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$drsim" ] || fail "no drsim binary at $1"
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/cluster/sweep_rows.sh
. "$src/tests/cluster/sweep_rows.sh"
manifest=$src/scenarios/cluster/k8s-sweep.yaml

python=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import yaml' 2>/dev/null; then
        python=$p
        break
    fi
done
if [ -z "$python" ]; then
    echo "SKIP: no python3 with the yaml module (Debian: python3-yaml)"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drsim-k8s.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The checks of the objects, and the pieces the pods run written out for the shell below.
"$python" - "$manifest" "$tmp" <<'EOF'
import sys, yaml

manifest, out = sys.argv[1], sys.argv[2]
with open(manifest) as f:
    docs = [d for d in yaml.safe_load_all(f) if d is not None]

def fail(msg):
    sys.exit("FAIL: %s: %s" % (manifest, msg))

by_kind = {}
for d in docs:
    for key in ("apiVersion", "kind", "metadata"):
        if key not in d:
            fail("an object without %s" % key)
    by_kind.setdefault(d["kind"], []).append(d)
if sorted((k, len(v)) for k, v in by_kind.items()) != [("Job", 2), ("PersistentVolumeClaim", 1)]:
    fail("expected one PersistentVolumeClaim and two Jobs, found %s"
         % {k: len(v) for k, v in by_kind.items()})
claim = by_kind["PersistentVolumeClaim"][0]
if "ReadWriteMany" not in claim["spec"]["accessModes"]:
    fail("the results volume must be ReadWriteMany: pods on several nodes write it")
jobs = {j["metadata"]["name"]: j for j in by_kind["Job"]}
if sorted(jobs) != ["drsim-sweep", "drsim-sweep-merge"]:
    fail("Jobs named %s, not drsim-sweep and drsim-sweep-merge (the README's kubectl wait)"
         % sorted(jobs))
sweep, merge = jobs["drsim-sweep"]["spec"], jobs["drsim-sweep-merge"]["spec"]

def container(spec):
    pod = spec["template"]["spec"]
    if pod.get("restartPolicy") != "Never":
        fail("a pod must not restart in place: its Job retries it from an empty shard")
    (c,) = pod["containers"]
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for path, name in mounts.items():
        if name not in volumes:
            fail("%s mounts volume %s, which the pod does not have" % (c["name"], name))
    return c, env, mounts, volumes

shard_c, shard_env, shard_mounts, shard_vols = container(sweep)
merge_c, merge_env, merge_mounts, merge_vols = container(merge)

if sweep.get("completionMode") != "Indexed":
    fail("drsim-sweep must be an Indexed Job: JOB_COMPLETION_INDEX is the shard")
shards = int(shard_env["SHARDS"])
if sweep["completions"] != shards or int(merge_env["SHARDS"]) != shards:
    fail("completions %s and SHARDS %s / %s differ"
         % (sweep["completions"], shard_env["SHARDS"], merge_env["SHARDS"]))
if not 1 <= sweep.get("parallelism", 1) <= shards:
    fail("parallelism %s outside 1..%d" % (sweep.get("parallelism"), shards))
if shard_env["SWEEP"] != merge_env["SWEEP"]:
    fail("SWEEP %s and %s differ: the merge Job would wait for another sweep"
         % (shard_env["SWEEP"], merge_env["SWEEP"]))
if shard_c["image"] != merge_c["image"]:
    fail("the two Jobs run different images: %s, %s" % (shard_c["image"], merge_c["image"]))
for c, mounts, vols in ((shard_c, shard_mounts, shard_vols), (merge_c, merge_mounts, merge_vols)):
    if "/results" not in mounts:
        fail("%s does not mount /results" % c["name"])
    pvc = vols[mounts["/results"]].get("persistentVolumeClaim", {}).get("claimName")
    if pvc != claim["metadata"]["name"]:
        fail("%s's /results is claim %s, not %s" % (c["name"], pvc, claim["metadata"]["name"]))
# The README's kubectl create configmap drsim-scenario --from-file=scenario.json=...
cm = shard_vols[shard_mounts.get("/scenario", "")].get("configMap", {}).get("name") \
    if "/scenario" in shard_mounts else None
if cm != "drsim-scenario":
    fail("the shard pods' /scenario is config map %s, not drsim-scenario" % cm)
for c in (shard_c, merge_c):
    cmd = c["command"]
    if cmd[:2] != ["/bin/sh", "-ec"] or len(cmd) != 3:
        fail("%s's command is not /bin/sh -ec SCRIPT" % c["name"])
if "/scenario/scenario.json" not in shard_c["command"][2]:
    fail("the shard pods do not read /scenario/scenario.json")

with open(out + "/shard.sh", "w") as f:
    f.write(shard_c["command"][2])
with open(out + "/merge.sh", "w") as f:
    f.write(merge_c["command"][2])
with open(out + "/env", "w") as f:
    for k in ("SWEEP", "SHARDS", "PLAN_OPTIONS"):
        f.write("%s\n" % (shard_env[k],))
print("%s: %d objects agree; %d shards of sweep %s, options: %s"
      % (manifest, len(docs), shards, shard_env["SWEEP"], shard_env["PLAN_OPTIONS"]))
EOF

{
    read -r sweep
    read -r shards
    read -r plan_options
} <"$tmp/env"

# The pods' shell as written, with the volumes' mount points under $tmp and drsim on PATH.
mkdir -p "$tmp/results" "$tmp/scenario" "$tmp/bin"
cp "$src/tests/data/plan_one_vm.json" "$tmp/scenario/scenario.json"
ln -s "$drsim" "$tmp/bin/drsim"
for s in shard merge; do
    sed -e "s|/results/|$tmp/results/|g" -e "s|/scenario/|$tmp/scenario/|g" "$tmp/$s.sh" >"$tmp/$s.run"
done
# The pods split PLAN_OPTIONS on spaces and must not glob it: links[0].bandwidth=... would turn
# into the name of a file links0.bandwidth=... in the folder they run in. Such files are there.
mkdir -p "$tmp/cwd"
set -f
for w in $plan_options; do
    case $w in *'['?']'*) : >"$tmp/cwd/$(tr -d '[]' <<<"$w")" ;; esac
done
set +f
pod() { # script [index]
    cd "$tmp/cwd"
    env PATH="$tmp/bin:$PATH" SWEEP="$sweep" SHARDS="$shards" PLAN_OPTIONS="$plan_options" \
        ${2:+JOB_COMPLETION_INDEX=$2} /bin/sh -ec "$(cat "$tmp/$1.run")" >>"$tmp/pods.log" 2>&1 ||
        fail "the $1 pod${2:+ $2} failed: $(tail -n 5 "$tmp/pods.log")"
}
for ((i = 0; i < shards; i++)); do pod shard "$i"; done
pod shard 0 # a retried pod: starts its shard afresh, the sweep keeps each run once
pod merge

dir=$tmp/results/$sweep
count() { sqlite3 "$1" "SELECT count(*) FROM runs"; }
# The sweep's runs: the product of the --grid lists' lengths. The round robin gives shard i of N
# the runs i, i + N, i + 2N...
values=0 next=""
set -f
for w in $plan_options; do
    if [ "$next" = grid ]; then
        n=$(tr ',' '\n' <<<"${w#*=}" | wc -l)
        values=$((values ? values * n : n))
    fi
    next=${w#--}
done
set +f
((values >= 1)) || fail "no --grid in PLAN_OPTIONS: $plan_options"
for ((i = 0; i < shards; i++)); do
    [ -e "$dir/shard-$i.done" ] || fail "shard $i left no .done marker"
    want=$(((values - i + shards - 1) / shards))
    [ "$(count "$dir/shard-$i.db")" = "$want" ] ||
        fail "shard $i holds $(count "$dir/shard-$i.db") runs, not $want"
done
[ -e "$dir/sweep.db" ] || fail "the merge pod left no sweep.db"
[ ! -e "$dir/sweep.db.new" ] || fail "the merge pod left sweep.db.new behind"
[ "$(count "$dir/sweep.db")" = "$values" ] ||
    fail "sweep.db holds $(count "$dir/sweep.db") runs, not $values"

# The same sweep in one go (exit 0 or 1: whether a value meets the target is not the point).
set -f # the options are split on spaces, as the pods split them
rc=0
# shellcheck disable=SC2086
"$drsim" plan "$tmp/scenario/scenario.json" --db "$tmp/whole.db" $plan_options >/dev/null || rc=$?
set +f
((rc <= 1)) || fail "drsim plan of the whole sweep exited $rc"
# Each run of 2 h sampled every minute has over a hundred rows.
sweep_same "$tmp/whole.db" "$dir/sweep.db" $((values * 100)) || fail "the merged sweep is not the whole sweep"
echo "PASS: $shards pods (one run twice) and the merge pod: $values runs, $sweep_row_count rows in" \
    "$sweep_table_count tables equal to the sweep run in one go"
