#!/bin/sh
# Runs every cmocka unit-test binary given; prints one closing count line.
# Each runs on SQLite files; when CLEANPLATE_TEST_PG names a PostgreSQL server
# (tests/with-pg.sh starts one), those whose source opens a store
# (fixture_open or db_open in tests/unit/NAME.c) run again on it, and both
# runs are counted. The PostgreSQL pass runs beside the SQLite one (it waits
# on the server more than on a core), each test in turn within its pass. What
# is about SQLite files themselves (test_db's old files and file modes)
# stays on SQLite inside the test; a test about SQLite files alone (the
# terminal's journal) says "run-unit.sh: SQLite only" and runs once.
# Usage: tests/run-unit.sh BUILD_DIR TEST...
set -u
build=$1; shift
pg=${CLEANPLATE_TEST_PG:-}
passed=0; failed=0; on_pg=0; failed_names=""

# run_one SERVER TEST LOG TAG: runs TEST on SERVER (empty: SQLite files)
run_one() {
    if CLEANPLATE_TEST_PG=$1 "$2" >"$3" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $(basename "$2")$4"
        cat "$3"
    fi
}

# The PostgreSQL pass; its counts go to the file $1.
pg_pass() {
    for t in "$@"; do
        name=$(basename "$t")
        grep -q 'fixture_open\|db_open' "tests/unit/$name.c" 2>/dev/null || continue
        grep -q 'run-unit.sh: SQLite only' "tests/unit/$name.c" && continue
        run_one "$pg" "$t" "$build/tests/$name.pg.log" "(postgresql)"
        on_pg=$((on_pg + 1))
    done
    echo "$passed $failed $on_pg $failed_names" >"$counts"
}

counts="$build/tests/postgresql-pass.counts"
rm -f "$counts"
[ -z "$pg" ] || { pg_pass "$@" & }
for t in "$@"; do
    run_one "" "$t" "$build/tests/$(basename "$t").log" ""
done
wait
if [ -n "$pg" ]; then
    if [ -f "$counts" ]; then
        read -r p f on_pg names <"$counts" || true
        passed=$((passed + p)); failed=$((failed + f))
        failed_names="$failed_names ${names:-}"
    else
        failed=$((failed + 1)); failed_names="$failed_names (the PostgreSQL pass)"
    fi
fi
echo "unit tests ($build): $passed passed, $failed failed${pg:+ ($on_pg of the runs on PostgreSQL)}"
[ -z "${CHECK_COUNTS:-}" ] || echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names" >&2; exit 1; }
