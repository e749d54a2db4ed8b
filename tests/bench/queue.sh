#!/bin/sh
# tests/bench/queue.sh BUILD_DIR — the event kernel against SimPy 3 in the same hold model.
# Runs tests/bench/bench_queue (built in BUILD_DIR) and tests/bench/hold_simpy.py at 1 k, 100 k and
# 1 M pending events (SimPy with fewer events so that it ends in seconds) and prints events/s and
# their ratio. Targets: >= 20 M events/s at 100 k pending, >= 60x SimPy there.
set -eu
build=${1:?usage: queue.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bench="$build/tests/bench_queue"
[ -x "$bench" ] || { echo "queue.sh: $bench not built (cmake --build $build --target bench_queue)" >&2; exit 2; }

# The Python that has SimPy: the first python3 on PATH, else Debian's.
py=""
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import simpy' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "queue.sh: no python3 with simpy (apt-get install python3-simpy3)" >&2; exit 2; }

rate() { sed -n 's/.*events_per_s=\([0-9]*\).*/\1/p'; }

printf '%-10s %16s %16s %8s\n' pending "drsim events/s" "SimPy events/s" ratio
for n in 1000 100000 1000000; do
    if [ "$n" -ge 1000000 ]; then ce=10000000; pe=200000; else ce=20000000; pe=300000; fi
    c=$("$bench" --events "$ce" "$n" | rate)
    p=$("$py" "$here/hold_simpy.py" "$n" "$pe" | rate)
    awk -v n="$n" -v c="$c" -v p="$p" 'BEGIN { printf "%-10d %16.0f %16.0f %7.1fx\n", n, c, p, c / p }'
done
