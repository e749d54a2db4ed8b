#!/bin/sh
# Builds the libFuzzer harnesses (build-fuzz/, clang) when needed and runs them for SECONDS in all:
#   tests/fuzz/run.sh SECONDS [scenario|msr|all]
# "all" (the default) gives two thirds of the time to the scenario loader, one third to the MSR
# trace reader, one fuzzer after the other. Each starts from the seed corpus (example, regression
# and broken scenarios; the test traces) plus what earlier runs in the same build folder found
# (build-fuzz/corpus/). Prints each fuzzer's executions, executions per second and findings (a
# fuzzer stops at its first); a finding's input is kept in build-fuzz/findings/. Exits 1 when any fuzzer found a crash, a
# leak, undefined behaviour, a timeout or runaway memory.
set -eu
cd "$(dirname "$0")/../.."

usage() {
    echo "usage: tests/fuzz/run.sh SECONDS [scenario|msr|all]" >&2
    exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
secs=$1
which=${2:-all}
case $secs in '' | *[!0-9]*) usage ;; esac
[ "$secs" -gt 0 ] || usage
case $which in
scenario) scenario_secs=$secs msr_secs=0 ;;
msr) scenario_secs=0 msr_secs=$secs ;;
all)
    scenario_secs=$((secs * 2 / 3))
    msr_secs=$((secs - scenario_secs))
    ;;
*) usage ;;
esac

build=${DRSIM_FUZZ_BUILD:-build-fuzz}
cmake -S . -B "$build" -DDRSIM_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$build" -j2 >/dev/null
mkdir -p "$build/findings"
tests/fuzz/make_dict.sh >"$build/scenario.dict"

crashes=0
clean=0
total_execs=0

# run NAME SECONDS DICT SEED_DIR...
run() {
    name=$1 t=$2 dict=$3
    shift 3
    [ "$t" -gt 0 ] || return 0
    corpus="$build/corpus/$name"
    log="$build/fuzz_$name.log"
    mkdir -p "$corpus"
    status=0
    # -timeout: one input taking 10 s is a finding; -rss_limit_mb: so is one needing 2 GiB.
    "$build/tests/fuzz/fuzz_$name" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -dict="$dict" -artifact_prefix="$build/findings/$name-" \
        "$corpus" "$@" >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    execs=${execs:-0}
    total_execs=$((total_execs + execs))
    if [ "$status" -eq 0 ]; then
        clean=$((clean + 1))
        echo "fuzz $name: $execs executions in ${t} s ($rate/s), no crash"
    else
        crashes=$((crashes + 1))
        echo "fuzz $name: FOUND A PROBLEM after $execs executions (exit $status); log: $log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$log" |
            head -20
        grep -E -A12 '^==[0-9]+==ERROR' "$log" | grep -E '^ +#' | head -12
    fi
}

run scenario "$scenario_secs" "$build/scenario.dict" scenarios/examples scenarios/regression \
    tests/broken
run msr "$msr_secs" tests/fuzz/msr.dict tests/data

echo "fuzz: $total_execs executions in total, $crashes crash(es)"
echo "fuzz: $clean passed, $crashes failed"
[ "$crashes" -eq 0 ]
