#!/bin/sh
# Runs every tests/integration/*.sh against the programs in BUILD_DIR; each
# script gets BUILD (absolute) and a private TMPDIR, and fails by exiting non-zero.
set -u
build=$(cd "$1" && pwd)
passed=0; failed=0; failed_names=""
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" = lib.sh ] && continue   # shared helpers, not a test
    name=$(basename "$t" .sh)
    work=$(mktemp -d)
    log="$build/integration-$name.log"
    if BUILD="$build" TMPDIR="$work" sh "$t" >"$log" 2>&1; then
        passed=$((passed + 1))
        rm -rf "$work"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
        echo "---- $name failed (work dir $work) ----"
        tail -n 40 "$log"
    fi
done
echo "integration tests: $passed passed, $failed failed"
[ -z "${CHECK_COUNTS:-}" ] || echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names" >&2; exit 1; }
