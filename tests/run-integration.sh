#!/bin/sh
# Runs every tests/integration/*.sh against the programs in BUILD_DIR; each
# script gets BUILD (absolute) and a private TMPDIR, and fails by exiting non-zero.
# A script that says "store-both" runs again on PostgreSQL when
# CLEANPLATE_TEST_PG names a server (tests/with-pg.sh starts one): in a schema
# of its own there (CLEANPLATE_TEST_STORE, which lib.sh makes the store),
# dropped afterwards. Both runs are counted.
set -u
build=$(cd "$1" && pwd)
pg=${CLEANPLATE_TEST_PG:-}
passed=0; failed=0; failed_names=""

. scripts/store.sh

# run_one SCRIPT NAME STORE: STORE is empty for a SQLite file, else a schema name
run_one() {
    work=$(mktemp -d)
    log="$build/integration-$2.log"
    store=""
    if [ -n "$3" ]; then
        psql -X -q -d "$pg" -c "DROP SCHEMA IF EXISTS $3 CASCADE; CREATE SCHEMA $3" >"$log" 2>&1
        store=$(store_schema_target "$pg" "$3")
    fi
    if BUILD="$build" TMPDIR="$work" CLEANPLATE_TEST_STORE="$store" sh "$1" >>"$log" 2>&1; then
        passed=$((passed + 1))
        rm -rf "$work"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $2"
        echo "---- $2 failed (work dir $work) ----"
        tail -n 40 "$log"
    fi
    [ -z "$3" ] || psql -X -q -d "$pg" -c "DROP SCHEMA $3 CASCADE" >/dev/null 2>&1
}

for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" = lib.sh ] && continue   # shared helpers, not a test
    name=$(basename "$t" .sh)
    run_one "$t" "$name" ""
    if [ -n "$pg" ] && grep -q "store-both" "$t"; then
        run_one "$t" "$name-postgresql" "cp_it_${name}_$$"
    fi
done
echo "integration tests: $passed passed, $failed failed"
[ -z "${CHECK_COUNTS:-}" ] || echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names" >&2; exit 1; }
