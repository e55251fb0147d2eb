#!/bin/sh
# Runs every tests/reliability/*.sh against the programs in BUILD_DIR, one after
# the other: `quick` (make check, about a minute in all) or `soak` (make soak,
# the long sizes). Each script gets BUILD (absolute), a private TMPDIR and its
# size from the environment (a size already set there wins), and fails by
# exiting non-zero. Latency budgets (p99 of a charge while a report runs, how
# soon a device is back) fail only the soak: in make check they are printed,
# because a busy shared test machine must not fail correct code. The figures each script prints are shown; one line sums up.
# The soak also runs tests/integration/pg_failover.sh (make check runs it with
# its quick size among the integration tests) with its long size: three
# failovers, 400 taps of each terminal before and after each; and
# tests/integration/term_chaos.sh with 200 kills (make check: 30).
# Usage: tests/run-reliability.sh BUILD_DIR [quick|soak]
set -u
build=$(cd "$1" && pwd)
mode=${2:-quick}
case $mode in
quick)
    : "${RUSH_SECONDS:=8}" "${CRASH_KILLS:=8}" "${DISK_TOGGLES:=10}" "${BUSY_MONTHS:=1}"
    : "${DEVICE_UNPLUGS:=3}" "${RELIABILITY_BUDGETS:=report}"
    also=""
    limit=300 ;;
soak)
    : "${RUSH_SECONDS:=60}" "${CRASH_KILLS:=50}" "${DISK_TOGGLES:=100}" "${BUSY_MONTHS:=3}"
    : "${DEVICE_UNPLUGS:=15}" "${RELIABILITY_BUDGETS:=enforce}"
    : "${FAILOVER_ROUNDS:=3}" "${FAILOVER_TAPS:=400}" "${CHAOS_KILLS:=200}"
    export FAILOVER_ROUNDS FAILOVER_TAPS CHAOS_KILLS
    also="tests/integration/pg_failover.sh tests/integration/term_chaos.sh"
    limit=1800 ;;
*)
    echo "usage: $0 BUILD_DIR [quick|soak]" >&2
    exit 2 ;;
esac
export RUSH_SECONDS CRASH_KILLS DISK_TOGGLES BUSY_MONTHS DEVICE_UNPLUGS RELIABILITY_BUDGETS

passed=0; failed=0; failed_names=""
started=$(date +%s)
for t in tests/reliability/*.sh $also; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" = lib.sh ] && continue   # shared helpers, not a test
    name=$(basename "$t" .sh)
    work=$(mktemp -d)
    log="$build/reliability-$name.log"
    t0=$(date +%s)
    # a hung script is stopped (TERM: it cleans up its processes) after $limit s
    if BUILD="$build" TMPDIR="$work" timeout "$limit" sh "$t" >"$log" 2>&1; then
        passed=$((passed + 1))
        rm -rf "$work"
        echo "reliability: $name ok ($(($(date +%s) - t0)) s)"
        grep "^$name: " "$log" | sed 's/^/    /'
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
        echo "---- $name failed after $(($(date +%s) - t0)) s (work dir $work) ----"
        tail -n 40 "$log"
    fi
done
echo "reliability tests ($mode): $passed passed, $failed failed, $(($(date +%s) - started)) s"
[ -z "${CHECK_COUNTS:-}" ] || echo "$passed $failed" >>"$CHECK_COUNTS"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names" >&2; exit 1; }
