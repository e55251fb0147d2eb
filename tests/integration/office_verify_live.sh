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
echo "office_verify_live ok: $runs runs of verify while $N lunches were charged, each 0 problems"
