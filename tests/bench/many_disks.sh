#!/bin/sh
# tests/bench/many_disks.sh BUILD_DIR [DISKS...] — how long `drsim validate` takes on one VM with
# many disks (default 20,000 and 100,000).
#
# Checking that disk names are unique within a VM used to compare every pair of names: 100,000
# disks took 12.8 s. With a hash table per VM the time grows linearly with the disks. The unit test
# (tests/test_broken.c) checks only correctness; timings live here, where a busy machine cannot fail
# a build.
set -eu
build=${1:?usage: many_disks.sh BUILD_DIR [DISKS...]}
shift
[ $# -gt 0 ] || set -- 20000 100000
drsim="$build/drsim"
[ -x "$drsim" ] || { echo "many_disks.sh: $drsim not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%8s %9s %s\n' disks wall_s load
for n in "$@"; do
    f="$tmp/disks-$n.json"
    python3 - "$n" "$f" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
site = lambda s: {"name": s, "vmm": {"name": "vmm-" + s}, "clouds": ["c-" + s],
                  "hosts": [{"name": "h-" + s, "cloud": "c-" + s}]}
sc = {"drsim": 1, "duration": "1d", "sites": [site("sea"), site("dub")],
      "vms": [{"name": "vm1", "host": "h-sea",
               "disks": [{"name": "d%d" % i, "size": "1GiB"} for i in range(n)]}]}
json.dump(sc, open(path, "w"))
PY
    start=$(date +%s.%N)
    "$drsim" validate "$f" >/dev/null
    end=$(date +%s.%N)
    printf '%8s %9.2f %s\n' "$n" "$(echo "$end - $start" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
done
