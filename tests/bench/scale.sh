#!/bin/sh
# tests/bench/scale.sh BUILD_DIR [--quick] [--with-db] — how drsim scales with VMs and simulated time.
#
# Generates capacity-planning scenarios (tests/bench/scale_scenario.py: mixed steady, poisson, diurnal
# and bursty workloads averaging about 0.3 MB/s per VM, 5-minute copies, 3 Mbit/s of link per VM) and
# simulates each with BUILD_DIR/tests/bench_scale, which runs the scenario as `drsim run` does but
# without writing a database, and prints wall and CPU time, kernel events per CPU second, CPU time
# per replication cycle (flat when the cost grows linearly in VMs x cycles) and peak memory.
#
# Targets, wall time with the results database: fluid 1,000 VMs x 30 days <= 20 s and <= 1 GiB;
# fluid 10,000 VMs x 7 days <= 60 s; extent 100 VMs x 7 days <= 15 s. The week at 250, 1,000, 2,500
# and 10,000 VMs shows how the cost grows with the fleet.
#
#   --quick    only the small sizes (about a minute)
#   --with-db  also time `drsim run` with its results database for each size (wall s / peak MiB /
#              database MB); the targets are then judged on those figures
set -eu
build=${1:?usage: scale.sh BUILD_DIR [--quick] [--with-db]}
shift
quick=0 withdb=0
for a in "$@"; do
    case $a in
    --quick) quick=1 ;;
    --with-db) withdb=1 ;;
    *) echo "scale.sh: unknown option $a" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
bench="$build/tests/bench_scale"
drsim="$build/drsim"
[ -x "$bench" ] || { echo "scale.sh: $bench not built (cmake --build $build)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fidelity vms days target
if [ "$quick" = 1 ]; then
    sizes="fluid 100 7 -
fluid 400 7 -
extent 25 7 -"
else
    sizes="fluid 250 7 -
fluid 1000 7 -
fluid 2500 7 -
fluid 10000 7 60s
fluid 250 30 -
fluid 1000 30 20s,1GiB,100MB
extent 25 7 -
extent 100 7 15s"
fi

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

printf '%-7s %6s %5s %9s %8s %11s %10s %9s %9s %-14s %s\n' fidelity vms days wall_s cpu_s \
    "events/s" cycles "us/cycle" peak_MiB target "$([ "$withdb" = 1 ] && echo 'with db: wall_s/MiB/DB_MB')"
echo "$sizes" | while read -r fid vms days target; do
    f="$tmp/scale-$fid-$vms-$days.json"
    python3 "$here/scale_scenario.py" "$vms" "$days" "$fid" "$f"
    line=$("$bench" "$f")
    wall=$(echo "$line" | field wall_s)
    mib=$(echo "$line" | field peak_rss_mib)
    mb=0
    db=""
    if [ "$withdb" = 1 ]; then
        /usr/bin/time -o "$tmp/time" -f '%e/%M' "$drsim" run "$f" --quiet --db "$tmp/run.db" \
            >/dev/null 2>&1 || true
        wall=$(tail -1 "$tmp/time" | cut -d/ -f1)
        mib=$(tail -1 "$tmp/time" | awk -F/ '{ printf "%.0f", $2 / 1024 }')
        mb=$(wc -c <"$tmp/run.db" | awk '{ printf "%.0f", $1 / 1e6 }')
        db="$wall/$mib/$mb"
        rm -f "$tmp/run.db"
    fi
    # A target (seconds, GiB, MB of database) is judged on the run as a user has it: with the
    # database when --with-db, else the simulation alone.
    verdict=$target
    if [ "$target" != - ]; then
        verdict="$target:$(echo "$target" | tr , '\n' | awk -v w="$wall" -v m="$mib" -v d="$mb" \
            -v withdb="$withdb" 'BEGIN { ok = 1 }
            /s$/ { if (w + 0 > substr($0, 1, length($0) - 1) + 0) ok = 0 }
            /GiB$/ { if (m / 1024 > substr($0, 1, length($0) - 3) + 0) ok = 0 }
            /MB$/ { if (withdb == 1 && d + 0 > substr($0, 1, length($0) - 2) + 0) ok = 0 }
            END { print ok ? "met" : "MISSED" }')"
    fi
    printf '%-7s %6s %5s %9s %8s %11s %10s %9s %9s %-14s %s\n' "$fid" "$vms" "$days" \
        "$(echo "$line" | field wall_s)" "$(echo "$line" | field cpu_s)" \
        "$(echo "$line" | field events_per_s)" "$(echo "$line" | field cycles)" \
        "$(echo "$line" | field us_per_cycle)" "$(echo "$line" | field peak_rss_mib)" "$verdict" "$db"
    [ "$fid" = fluid ] && [ "$days" = 7 ] && echo "$vms $(echo "$line" | field us_per_cycle)" >>"$tmp/week"
    rm -f "$f"
done
# Linear in VMs x cycles means a flat cost per cycle across fleet sizes.
if [ -s "$tmp/week" ]; then
    sort -n "$tmp/week" | awk '{ v[NR] = $1; c[NR] = $2; s = s (NR > 1 ? ", " : "") $1 " VMs " $2 }
        END { printf "fluid week, CPU us per cycle: %s; largest / smallest fleet %.2fx (1.00 is linear)\n",
              s, c[NR] / c[1] }'
fi
