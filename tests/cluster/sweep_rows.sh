# tests/cluster/sweep_rows.sh — sourced by the cluster tests: compares a sweep merged from shards
# with the same sweep run in one go, row for row (bash, sqlite3 on PATH).
# shellcheck shell=bash disable=SC2034 # sweep_row_count and sweep_table_count are for the caller

# Every row of every table of results database $1 as text, the run id replaced by the run's plan
# values (shards renumber the runs, nothing else) and the wall-clock columns of runs (started,
# ended) left out; sorted, so two databases with the same runs give the same lines.
sweep_rows() {
    local db=$1 t c cols key sql
    for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table' AND
                              name NOT LIKE 'sqlite_%' ORDER BY name"); do
        if [ "$t" = runs ]; then key=id; else key=run; fi
        cols="'$t'"
        for c in $(sqlite3 "$db" "SELECT name FROM pragma_table_info('$t') ORDER BY cid"); do
            case "$t.$c" in runs.id | runs.started | runs.ended | *.run) continue ;; esac
            cols="$cols || '|' || quote(\"$c\")"
        done
        sql="SELECT (SELECT group_concat(path || '=' || value, ';') FROM (SELECT path, value
                    FROM plan_values AS pv WHERE pv.run = t.\"$key\" ORDER BY path))
                    || '|' || $cols FROM \"$t\" AS t"
        sqlite3 "$db" "$sql"
    done | LC_ALL=C sort
}

# sweep_same WHOLE.db MERGED.db MIN_ROWS: returns 0 when the two hold the same rows and WHOLE.db at
# least MIN_ROWS of them, every one of a run with plan values; otherwise prints why and returns 1.
# Sets sweep_row_count and sweep_table_count.
sweep_same() {
    local a b
    a=$(mktemp) b=$(mktemp)
    sweep_rows "$1" >"$a"
    sweep_rows "$2" >"$b"
    sweep_row_count=$(wc -l <"$a")
    sweep_table_count=$(cut -d'|' -f2 "$a" | sort -u | wc -l)
    local ok=0
    if ((sweep_row_count < $3)); then
        echo "only $sweep_row_count rows in $1, expected at least $3" >&2
        ok=1
    elif grep -q '^|' "$a"; then
        echo "rows of a run without plan values in $1" >&2
        ok=1
    elif ! cmp -s "$a" "$b"; then
        echo "$2 differs from $1 (first differences):" >&2
        diff "$a" "$b" | head -n 10 >&2
        ok=1
    fi
    rm -f "$a" "$b"
    return $ok
}
