# Lunch rush: 8 headless terminals charge at once on one database file for
# RUSH_SECONDS (make check: 8, make soak: 60). Each terminal has a writer that
# feeds its FIFO with RUSH_RATE taps a second (default 50, a hundred times a
# real serving line; 0: as fast as the terminal answers), never more than
# RUSH_WINDOW taps ahead of the answers: mostly new diners, some taps repeated
# at once, cards of other lines, unknown, blocked and retired cards, guests
# without money. Passes when every answer is
# a charge or one of the expected refusals, verify passes, the money in the
# answers is the money in the store, nobody ate more than the rules allow, and
# the p99 of the answer time ("us" of --timing) is within RUSH_P99_MS.
. tests/reliability/lib.sh

SECONDS_=${RUSH_SECONDS:-8}
P99_MS=${RUSH_P99_MS:-250}
RATE=${RUSH_RATE:-50}
WINDOW=${RUSH_WINDOW:-16}
BATCH=4
PAUSE=$(awk -v r="$RATE" -v b="$BATCH" 'BEGIN { if (r > 0) printf "%.3f", b / r; else print 0 }')
N=${RUSH_DINERS:-$((SECONDS_ * 250))}
EXPECTED='duplicate_tap|limit_reached|insufficient_funds|unknown_card|card_blocked|diner_inactive'

# The canteen of lib.sh without its diners; then N diners: staff in D01-D03,
# every tenth a guest (15 yuan, department D04 outside U1, no subsidy).
setup_canteen 0
as_manager price set --canteen C1 --period lunch --category guest 15 >/dev/null
printf 'code,name,parent_code\nD04,访客,\n' >"$TMPDIR/dep4.csv"
"$OFFICE" import departments "$TMPDIR/dep4.csv" >/dev/null
awk -v n="$N" 'BEGIN {
    print "staff_no,name,department_code,category,card"
    for (i = 1; i <= n; i++)
        if (i % 10 == 0) printf "S%05d,访客%d,D04,guest,%010d\n", i, i, i
        else printf "S%05d,职工%d,D0%d,staff,%010d\n", i, i, i % 3 + 1, i
}' >"$TMPDIR/rush.csv"
"$OFFICE" import diners "$TMPDIR/rush.csv" >/dev/null
as_manager subsidy grant --month 2026-11 500 --department U1 >/dev/null
for i in 10 20 30 40 50; do as_manager topup "$(printf S%05d $i)" 20 >/dev/null; done
for i in 3 11 19; do "$OFFICE" card block "$(printf %010d $i)" >/dev/null; done
for i in 5 13; do as_manager diner leave "$(printf S%05d $i)" >/dev/null; done
money_before=$(sqlite3 "$CLEANPLATE_DB" "SELECT sum(cash_fen + subsidy_fen) FROM wallets")

# One writer per terminal. Terminal t walks its own eighth of the diners; when
# it has been through them all, its clock moves to the next day (@TIME) and it
# starts again. Mixed in: 5% the same card again at once, 2% unknown cards,
# 2% blocked or retired cards, 10% a diner of another line.
writer() {
    t=$1 out=$2 sent=0 day=20 next=$1 prev="" r=$(( $1 * 7919 + $(rand 100000) ))
    while [ ! -e "$TMPDIR/stop" ]; do
        b=0
        while [ "$b" -lt "$BATCH" ]; do
            r=$(( (r * 1103515245 + 12345) % 2147483648 ))
            k=$(( r / 65536 % 100 ))
            pre=""
            if [ "$k" -lt 5 ] && [ -n "$prev" ]; then
                card=$prev
            elif [ "$k" -lt 7 ]; then
                card=$(( 4000000000 + r % 1000000 ))   # valid, not issued
            elif [ "$k" -lt 9 ]; then
                case $(( r % 5 )) in 0) card=3 ;; 1) card=11 ;; 2) card=19 ;; 3) card=5 ;; *) card=13 ;; esac
            elif [ "$k" -lt 19 ]; then
                card=$(( r % N + 1 ))
            else
                card=$next
                next=$((next + 8))
                if [ "$next" -gt "$N" ]; then
                    next=$t
                    if [ "$day" -lt 30 ]; then
                        day=$((day + 1))
                        pre="@2026-11-${day}T12:00:00 "
                    fi
                fi
            fi
            printf '%s%010d\n' "$pre" "$card"
            prev=$card
            sent=$((sent + 1))
            b=$((b + 1))
        done
        [ "$RATE" -eq 0 ] || sleep "$PAUSE"
        # no further ahead of the answers than one window
        while [ "$(wc -l <"$out")" -lt $((sent - WINDOW)) ]; do sleep 0.005; done
    done
    echo "$sent" >"$TMPDIR/sent$t"
}

pids=""
start=$(now_s)
for t in 1 2 3 4 5 6 7 8; do
    mkfifo "$TMPDIR/taps$t"
    : >"$TMPDIR/out$t"
    "$POS" --headless --timing --terminal "POS$t" <"$TMPDIR/taps$t" >"$TMPDIR/out$t" \
        2>"$TMPDIR/err$t" &
    pids="$pids $!"
    track $!
    writer "$t" "$TMPDIR/out$t" >"$TMPDIR/taps$t" &
    track $!
done
sleep "$SECONDS_"
: >"$TMPDIR/stop"
for p in $pids; do
    wait "$p" || fail "a terminal exited with an error: $(cat "$TMPDIR"/err*)"
done
took=$(elapsed "$start")
wait   # the writers end when their terminal has answered everything

# every tap got its answer
t=1
while [ "$t" -le 8 ]; do
    sent=$(cat "$TMPDIR/sent$t")
    got=$(wc -l <"$TMPDIR/out$t")
    [ "$sent" -eq "$got" ] || fail "POS$t: $sent taps but $got answers"
    t=$((t + 1))
done
cat "$TMPDIR"/out? >"$TMPDIR/all"
taps=$(wc -l <"$TMPDIR/all")

# nothing but charges and the expected refusals (a db or full error fails;
# busy is over the latency budget, see busy_taps)
busy_taps "$TMPDIR/all"
grep -v '"ok":true' "$TMPDIR/all" | grep -Ev "\"error\":\"($EXPECTED|busy)\"" >"$TMPDIR/odd" || true
[ ! -s "$TMPDIR/odd" ] || fail "$(wc -l <"$TMPDIR/odd") unexpected answers, e.g. $(head -n 3 "$TMPDIR/odd")"
for want in duplicate_tap limit_reached insufficient_funds unknown_card card_blocked; do
    grep -q "\"error\":\"$want\"" "$TMPDIR/all" || fail "no $want refusal: the rush did not test it"
done
[ ! -s "$TMPDIR/err1" ] || echo "POS1 said on stderr: $(head -n 3 "$TMPDIR/err1")"

# the store agrees with the answers
"$OFFICE" verify >"$TMPDIR/verify" 2>&1 || fail "verify: $(cat "$TMPDIR/verify")"
charges=$(grep -c '"ok":true' "$TMPDIR/all" || true)
answered_fen=$(sed -n 's/.*"ok":true.*"charged_fen":\([0-9]*\).*/\1/p' "$TMPDIR/all" |
    awk '{ s += $1 } END { print s + 0 }')
set -- $(sqlite3 -separator ' ' "$CLEANPLATE_DB" \
    "SELECT count(*), coalesce(sum(total_fen), 0) FROM sales")
stored=$1 stored_fen=$2
[ "$charges" -eq "$stored" ] || fail "$charges charges answered, $stored sales stored"
[ "$answered_fen" -eq "$stored_fen" ] || fail "answers charged $answered_fen fen, the store holds $stored_fen"
money_after=$(sqlite3 "$CLEANPLATE_DB" "SELECT sum(cash_fen + subsidy_fen) FROM wallets")
[ $((money_before - money_after)) -eq "$answered_fen" ] ||
    fail "wallets went from $money_before to $money_after fen, but $answered_fen were charged"
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM wallets WHERE cash_fen < 0 OR subsidy_fen < 0")" = 0 ] ||
    fail "a wallet went below zero"
over=$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM (SELECT 1 FROM sales
    GROUP BY diner_id, business_date, period_id HAVING count(*) > 1)")
[ "$over" = 0 ] || fail "$over diners got more than one meal in a period"

# the figures
set -- $(us_values "$TMPDIR/all" | percentiles)
[ "$1" -eq "$taps" ] || fail "$taps answers but only $1 carry \"us\""
p50=$2 p99=$3 max=$4
refused=$((taps - charges))
pace="$RATE taps/s each"
[ "$RATE" -gt 0 ] || pace="unpaced"
echo "lunch_rush: 8 terminals, ${SECONDS_} s, $N diners, $pace: $taps taps, $charges charges," \
    "$refused refused ($(grep -v '"ok":true' "$TMPDIR/all" | sed -n 's/.*"error":"\([a-z_]*\)".*/\1/p' |
    sort | uniq -c | awk '{ printf "%s%s %s", n++ ? ", " : "", $1, $2 }'))"
echo "lunch_rush: $(awk -v c="$charges" -v s="$took" 'BEGIN { printf "%.0f", c / s }') charges/s" \
    "over ${took} s; answer time p50 $(ms "$p50") ms, p99 $(ms "$p99") ms, max $(ms "$max") ms" \
    "(budget p99 $P99_MS ms)"
[ "$p99" -le $((P99_MS * 1000)) ] || over_budget "p99 $(ms "$p99") ms is over the budget of $P99_MS ms"
echo "lunch_rush ok"
