#!/bin/sh
# Runs every cmocka unit-test binary given; prints one closing count line.
# Usage: tests/run-unit.sh BUILD_DIR TEST...
set -u
build=$1; shift
passed=0; failed=0; failed_names=""
for t in "$@"; do
    log="$build/tests/$(basename "$t").log"
    if "$t" >"$log" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $(basename "$t")"
        cat "$log"
    fi
done
echo "unit tests ($build): $passed passed, $failed failed"
[ -z "${CHECK_COUNTS:-}" ] || echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names" >&2; exit 1; }
