# kill -9 of a headless terminal at a random moment, CRASH_KILLS times (make
# check: 8, make soak: 50), while taps stream in, each with its request id.
# After each kill: verify passes, every acknowledged sale (a printed ok answer)
# is stored, and at most one sale was committed but not acknowledged. The next
# terminal is given the taps that got no answer again, with the same request
# ids, as a careful script would retry them: a sale that was committed but not
# acknowledged is answered again ("repeated"), never charged twice. At the end
# every tap is charged exactly once.
. tests/reliability/lib.sh

KILLS=${CRASH_KILLS:-8}
PER_ROUND=${CRASH_PER_ROUND:-300}
TOTAL=$((KILLS * PER_ROUND))
setup_canteen 0
awk -v n="$TOTAL" 'BEGIN {
    print "staff_no,name,department_code,category,card"
    for (i = 1; i <= n; i++) printf "S%05d,职工%d,D0%d,staff,%010d\n", i, i, i % 3 + 1, i
}' >"$TMPDIR/crash.csv"
"$OFFICE" import diners "$TMPDIR/crash.csv" >/dev/null
as_manager subsidy grant --month 2026-11 10 >/dev/null   # one meal of 8 each
started=$(now_s)

: >"$TMPDIR/pending"     # taps not answered yet: "CARD REQUEST_ID"
: >"$TMPDIR/acked"       # sale ids acknowledged so far
: >"$TMPDIR/unacked"     # stored sales not acknowledged (after the last kill)
cut_short=0 repeated=0

# Runs one terminal on the pending taps plus new ones; kills it after $1 ms
# (0: lets it finish). Leaves the answers in $TMPDIR/out.
run_terminal() {
    fifo="$TMPDIR/taps"
    rm -f "$fifo"
    mkfifo "$fifo"
    "$POS" --headless --terminal POS1 <"$fifo" >"$TMPDIR/out" 2>"$TMPDIR/err" &
    pos=$!
    track "$pos"
    # the writer: ten taps every 10 ms or so, until the terminal is gone
    (
        n=0
        while IFS= read -r line; do
            printf '%s\n' "$line"
            n=$((n + 1))
            [ $((n % 10)) -eq 0 ] && sleep 0.01
        done <"$TMPDIR/input"
    ) >"$fifo" 2>/dev/null &
    writer=$!
    track "$writer"
    if [ "$1" -gt 0 ]; then
        sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"
        kill -9 "$pos" 2>/dev/null || true
        wait "$pos" 2>/dev/null || true
    else
        wait "$pos" || fail "the terminal failed: $(cat "$TMPDIR/err")"
    fi
    untrack "$pos"
    kill "$writer" 2>/dev/null || true
    wait "$writer" 2>/dev/null || true
    untrack "$writer"
}

# Files the answers of the last run: the k-th answer is the k-th tap of the input.
take_answers() {
    k=$(wc -l <"$TMPDIR/out")
    bad=$(grep -vc '"ok":true' "$TMPDIR/out" || true)
    [ "$bad" -eq 0 ] || fail "not every answer is a charge: $(grep -v '"ok":true' "$TMPDIR/out" | head -n 3)"
    repeated=$((repeated + $(grep -c '"repeated":true' "$TMPDIR/out" || true)))
    sed -n 's/.*"sale_id":"\([^"]*\)".*/\1/p' "$TMPDIR/out" >>"$TMPDIR/acked"
    sort -u -o "$TMPDIR/acked" "$TMPDIR/acked"
    tail -n +$((k + 1)) "$TMPDIR/input" >"$TMPDIR/pending"
}

# What the store holds must agree with what was acknowledged.
check_store() {
    "$OFFICE" verify >"$TMPDIR/verify" 2>&1 || fail "verify after kill $1: $(cat "$TMPDIR/verify")"
    sqlite3 "$CLEANPLATE_DB" "SELECT id FROM sales ORDER BY id" | sort >"$TMPDIR/stored"
    missing=$(comm -23 "$TMPDIR/acked" "$TMPDIR/stored" | wc -l)
    [ "$missing" -eq 0 ] || fail "after kill $1, $missing acknowledged sales are missing:" \
        "$(comm -23 "$TMPDIR/acked" "$TMPDIR/stored" | head -n 3)"
    twice=$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) - count(DISTINCT diner_id) FROM sales")
    [ "$twice" = 0 ] || fail "after kill $1, $twice diners were charged twice"
    comm -13 "$TMPDIR/acked" "$TMPDIR/stored" >"$TMPDIR/unacked.now"
    new=$(comm -13 "$TMPDIR/unacked" "$TMPDIR/unacked.now" | wc -l)
    [ "$new" -le 1 ] || fail "kill $1 left $new sales committed but not acknowledged (at most 1)"
    mv "$TMPDIR/unacked.now" "$TMPDIR/unacked"
}

round=1 next=1
while [ "$round" -le "$KILLS" ]; do
    # the retries first, then this round's new diners, each with its request id
    {
        cat "$TMPDIR/pending"
        awk -v a="$next" -v n="$PER_ROUND" 'BEGIN {
            for (i = a; i < a + n; i++) printf "%010d crash:%d\n", i, i }'
    } >"$TMPDIR/input"
    next=$((next + PER_ROUND))
    run_terminal $(( $(rand 350) + 50 ))   # 50-400 ms
    take_answers
    [ -s "$TMPDIR/pending" ] && cut_short=$((cut_short + 1))
    check_store "$round"
    round=$((round + 1))
done

# The last terminal answers everything still pending, without a kill.
cp "$TMPDIR/pending" "$TMPDIR/input"
run_terminal 0
take_answers
[ ! -s "$TMPDIR/pending" ] || fail "$(wc -l <"$TMPDIR/pending") taps got no answer at the end"
check_store final
[ ! -s "$TMPDIR/unacked" ] || fail "stored but never acknowledged, even when asked again: $(cat "$TMPDIR/unacked")"
stored=$(wc -l <"$TMPDIR/stored")
[ "$stored" -eq "$TOTAL" ] || fail "$TOTAL diners tapped once each, $stored sales stored"
[ "$repeated" -le "$KILLS" ] || fail "$repeated repeated answers for $KILLS kills"
# the kills must have hit the stream, not the quiet after it
[ "$cut_short" -ge $(( (KILLS + 1) / 2 )) ] || fail "only $cut_short of $KILLS kills cut a stream short"
echo "crash_pos: $KILLS kills ($cut_short mid-stream), $TOTAL taps, $stored sales stored," \
    "each acknowledged once; $repeated committed before a kill but answered only on the retry;" \
    "$(elapsed "$started") s"
echo "crash_pos ok"
