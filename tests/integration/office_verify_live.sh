# verify while a terminal charges: every run reads one moment of the store, so
# none finds a charge's rows in one table and not yet in another (before it ran
# in one read transaction, two runs of two during 2,000 charges said "BROKEN:
# sales has 48 rows, its audited events 0"), and the terminal is not held up.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

N=1000
setup_canteen $N
{
    echo "staff_no,yuan"
    seq 1 $N | awk '{ printf "S%04d,100\n", $1 }'
} >"$TMPDIR/topups.csv"
as_manager import topups "$TMPDIR/topups.csv" >/dev/null || fail "top-ups"

seq 1 $N | awk '{ printf "%010d\n", $1 }' >"$TMPDIR/cards"
"$POS" --headless --terminal POS1 <"$TMPDIR/cards" >"$TMPDIR/pos.out" 2>"$TMPDIR/pos.err" &
pos=$!
runs=0
while kill -0 $pos 2>/dev/null; do
    runs=$((runs + 1))
    "$OFFICE" verify >"$TMPDIR/verify" 2>&1 ||
        fail "verify run $runs during the charges: $(head -n 5 "$TMPDIR/verify")"
    grep -q " 0 problems" "$TMPDIR/verify" || fail "verify run $runs: $(cat "$TMPDIR/verify")"
done
wait $pos || fail "the terminal: $(tail -n 3 "$TMPDIR/pos.err")"
[ "$(grep -c '"ok":true' "$TMPDIR/pos.out")" -eq $N ] ||
    fail "not every lunch was charged: $(grep -v '"ok":true' "$TMPDIR/pos.out" | head -n 3)"
[ $runs -ge 2 ] || fail "verify ran $runs times while the terminal charged: too few to tell"
"$OFFICE" verify >"$TMPDIR/verify" 2>&1 && grep -q " 0 problems" "$TMPDIR/verify" ||
    fail "verify after the charges: $(cat "$TMPDIR/verify")"
# the nightly rollup while a late charge of the day is in flight (held between
# its sale and its commit by a session that locks charge_requests): the
# rollup's mark waits for it, so the day is not marked done without it (it
# was: 1 meal rolled up of 2, for good, until verify and rollup --redo)
if on_pg; then
    # the first day the rollup visits, so that it comes to it at once
    export CLEANPLATE_NOW=2026-12-04T12:00:00
    echo "@2026-12-01T12:00:00 0000000001" | "$POS" --headless --terminal POS1 >/dev/null
    psql -X -q -d "$CLEANPLATE_DB" -c "BEGIN; LOCK TABLE charge_requests IN SHARE MODE;
        SELECT pg_sleep(2); COMMIT" >/dev/null &
    hold=$!
    sleep 0.3
    echo "@2026-12-01T12:30:00 0000000002" | "$POS" --headless --terminal POS2 >"$TMPDIR/late" &
    late=$!
    sleep 0.3
    "$OFFICE" rollup --month 2026-12 >/dev/null 2>&1 || fail "rollup"
    wait $hold $late
    grep -q '"ok":true' "$TMPDIR/late" || fail "the late charge: $(cat "$TMPDIR/late")"
    [ "$(sql "SELECT sum(meals) FROM rollup_sales WHERE business_date = '2026-12-01'")" = 2 ] ||
        fail "the rollup of December 1st left out the charge in flight"
    "$OFFICE" verify >"$TMPDIR/verify" 2>&1 || fail "verify after the rollup: $(cat "$TMPDIR/verify")"
fi
echo "office_verify_live ok: $runs runs of verify while $N lunches were charged, each 0 problems"
