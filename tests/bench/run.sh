#!/bin/sh
# make bench: every benchmark, each beside a baseline measured in the same run,
# then one table of all their results.
# Usage: tests/bench/run.sh BUILD_DIR
# Each BUILD_DIR/bench/* program shows its progress on stderr and appends one
# tab-separated row per measure to $BENCH_ROWS (bench_row_emit in bench.h); the
# rows of this run stay in BUILD_DIR/bench-results.tsv. Exits 1 when a program
# failed or a goal was missed, after the table.
#
# The PostgreSQL benchmarks (bench_pg, bench_pgcity, bench_writers' rows)
# run on the server CLEANPLATE_BENCH_PG names; when it is not set, on a
# throw-away one started for the whole run (tests/with-pg.sh --sync), which
# syncs every commit as a real server does. CLEANPLATE_BENCH_PG=off: none.
set -eu
build=${1:-build}
if [ -z "${CLEANPLATE_BENCH_PG:-}" ]; then
    # The run's status comes back through a file and the run inside exits 0:
    # pg_virtualenv prints the server's last 100 lines of log after a command
    # that failed, which would bury the table whenever a goal is missed.
    CLEANPLATE_BENCH_PG=off
    CLEANPLATE_BENCH_STATUS=$build/bench-status
    export CLEANPLATE_BENCH_PG CLEANPLATE_BENCH_STATUS
    echo 1 >"$CLEANPLATE_BENCH_STATUS"
    "$(dirname "$0")/../with-pg.sh" --sync \
        sh -c 'CLEANPLATE_BENCH_PG=${CLEANPLATE_TEST_PG:-off} "$0" "$@"
               echo $? >"$CLEANPLATE_BENCH_STATUS"' "$0" "$@"
    status=$(cat "$CLEANPLATE_BENCH_STATUS")
    rm -f "$CLEANPLATE_BENCH_STATUS"
    exit "$status"
fi
[ "$CLEANPLATE_BENCH_PG" != off ] || unset CLEANPLATE_BENCH_PG
BENCH_ROWS=$build/bench-results.tsv
export BENCH_ROWS
: >"$BENCH_ROWS"
failed=""
echo "CleanPlate benchmarks ($(nproc) cores, $(date '+%Y-%m-%d %H:%M'))"
for b in "$build"/bench/*; do
    [ -f "$b" ] && [ -x "$b" ] || continue
    name=$(basename "$b")
    echo
    echo "## $name"
    start=$(date +%s)
    if "$b" "$build"; then
        echo "($name: $(($(date +%s) - start)) s)"
    else
        rc=$?
        echo "($name: FAILED with exit status $rc after $(($(date +%s) - start)) s)"
        failed="$failed $name"
    fi
done

# One aligned table. Widths count characters, not bytes (UTF-8 continuation
# bytes are not counted), so that a dash or a sign does not shift a column.
echo
LC_ALL=C awk -F '\t' -v failed="$failed" '
function width(s,  t) { t = s; gsub(/[\200-\277]/, "", t); return length(t) }
function pad(s, w, right,  sp) {
    sp = sprintf("%" (w - width(s) > 0 ? w - width(s) : 0) "s", "")
    return right ? sp s : s sp
}
function num(v,  a) {
    a = v < 0 ? -v : v
    if (a >= 100) return sprintf("%.0f", v)
    if (a >= 10) return sprintf("%.1f", v)
    if (a >= 1) return sprintf("%.2f", v)
    if (a >= 0.01) return sprintf("%.3f", v)
    return sprintf("%.2g", v)
}
function ratio(v) { return (v >= 10 ? sprintf("%.1f", v) : v >= 0.01 ? sprintf("%.2f", v) \
                                                                      : sprintf("%.2g", v)) "x" }
BEGIN {
    dash = "\342\200\224"
    n = 1
    cell[1, 1] = "bench"; cell[1, 2] = "measure"; cell[1, 3] = "measured"
    cell[1, 4] = "baseline"; cell[1, 5] = "ratio"; cell[1, 6] = "goal"
    cell[1, 7] = "result"; cell[1, 8] = "baseline is (same run)"
    cols = 8
    right[3] = right[4] = right[5] = 1
}
NF >= 10 {
    n++
    cell[n, 1] = $1
    cell[n, 2] = $2
    cell[n, 3] = num($3) " " $4
    cell[n, 4] = $5 == "-" ? dash : num($5) " " $4
    cell[n, 5] = $6 == "-" ? dash : ratio($6) " " $7
    cell[n, 6] = $8 == "-" ? dash : $8
    cell[n, 7] = $9 == "-" ? dash : $9
    cell[n, 8] = $10 == "-" ? dash : $10
    if ($9 == "PASS") pass++
    else if ($9 == "FAIL") fail++
    else none++
}
END {
    for (r = 1; r <= n; r++)
        for (c = 1; c <= cols; c++)
            if (width(cell[r, c]) > w[c]) w[c] = width(cell[r, c])
    for (r = 1; r <= n; r++) {
        line = "|"
        for (c = 1; c <= cols; c++)
            line = line " " pad(cell[r, c], w[c], right[c] && r > 1) " |"
        print line
        if (r == 1) {
            line = "|"
            for (c = 1; c <= cols; c++) {
                rule = sprintf("%" (w[c] + 2) "s", "")
                gsub(/ /, "-", rule)
                if (right[c]) sub(/-$/, ":", rule)
                line = line rule "|"
            }
            print line
        }
    }
    print ""
    print "ratio: m/b = measured / baseline (times the baseline: time, size or rate);"
    print "       b/m = baseline / measured (times faster than the baseline)."
    printf "%d measures: %d PASS, %d FAIL, %d without a goal\n", n - 1, pass, fail, none
    if (failed != "")
        print "programs that FAILED (their table rows may be missing):" failed
}' "$BENCH_ROWS"

[ -z "$failed" ] && ! cut -f9 "$BENCH_ROWS" | grep -qx FAIL
