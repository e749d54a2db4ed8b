#!/bin/sh
# Prints a libFuzzer dictionary for the scenario fuzzer, taken from the loader's own tables so it
# follows every key, enum value, metric, job and event name as they are added: each string of an
# array initialiser in sim/scenario/scenario*.c becomes a JSON string token ("\"vms\""), each unit of
# sim/scenario/units.c a bare suffix to follow a number ("GiB"). A few JSON tokens and numbers at the edges
# of the loader's ranges come last.
set -eu
src="$(cd "$(dirname "$0")/../.." && pwd)"

# The string literals of every array initialiser: from a line with "[...] = {" or "[]){" to the
# brace that closes it.
literals() {
    awk '
        depth == 0 && (/\[[^]]*\](\[[0-9]+\])? *= *\{/ || /\[\]\) *\{/) { inside = 1 }
        inside {
            line = $0
            while (match(line, /"([^"\\]|\\.)*"/)) {
                print substr(line, RSTART + 1, RLENGTH - 2)
                line = substr(line, RSTART + RLENGTH)
            }
            bare = $0
            gsub(/"([^"\\]|\\.)*"/, "", bare)
            depth += gsub(/\{/, "", bare) - gsub(/\}/, "", bare)
            if (depth <= 0)
                inside = depth = 0
        }' "$@"
}

literals "$src"/sim/scenario/scenario*.c | sort -u | awk '{ printf "\"\\\"%s\\\"\"\n", $0 }'
literals "$src"/sim/scenario/units.c | grep -v ' ' | sort -u | awk '{ printf "\"%s\"\n", $0 }'
cat <<'DICT'
"{"
"}"
"["
"]"
":"
","
"true"
"false"
"null"
"0"
"-1"
"1.5"
"1e308"
"65536"
"2147483648"
"9223372036854775807"
"18446744073709551616"
"\"msr_small.csv\""
"\"/s\""
DICT
