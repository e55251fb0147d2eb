# A networked POS whose server falls silent rather than refusing (SIGSTOP:
# the kernel still takes the connections and nobody answers, as with a hung
# server or a cable that drops packets): the first card waits the budget and
# is decided offline; the link then rests, and the cards after it are each
# decided offline at once, as the terminal times them (--timing), where each
# waited the whole budget before; the server back, the queue goes out by
# itself while no card comes and the next card is online; every charge in
# the store once. A refused connection (the server killed) does not rest:
# the card after the server's return is online at once. verify passes.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 10
for s in S0001 S0002 S0003 S0004 S0005 S0006 S0007 S0008 S0009; do
    as_manager topup "$s" 100 >/dev/null
done
KEY=$("$OFFICE" terminal key POS1)
JOURNAL=$TMPDIR/pos1.journal
BUDGET_MS=500
POSPID=
trap 'kill -CONT "$SERVE" 2>/dev/null; kill -9 "$SERVE" $POSPID 2>/dev/null || true' EXIT
line() { sed -n "$1p" "$TMPDIR/answers"; }
field() { line "$1" | jq -r "$2"; }
# tap N CARD: card CARD, the terminal's Nth answer
tap() { echo "$2" >&3; answers "$1"; }

start_serve
pos_on_fifo --offline-after-ms $BUDGET_MS --timing
tap 1 0000000001
[ "$(field 1 .ok)" = true ] && [ "$(field 1 .offline)" = null ] || fail "online: $(line 1)"

# silent: the first card waits the budget, the next ones do not
pause_serve
tap 2 0000000002
[ "$(field 2 .ok)" = true ] && [ "$(field 2 .offline)" = true ] || fail "not offline: $(line 2)"
[ "$(field 2 .us)" -ge $((BUDGET_MS * 1000)) ] || fail "decided before the budget ran out: $(line 2)"
n=3
for card in 0000000003 0000000004 0000000005 0000000006; do
    tap $n $card
    [ "$(field $n .ok)" = true ] && [ "$(field $n .offline)" = true ] || fail "card $card: $(line $n)"
    # a tenth of the budget: an offline decision takes about a millisecond
    [ "$(field $n .us)" -lt $((BUDGET_MS * 100)) ] ||
        fail "card $card waited for the silent server: $(line $n)"
    n=$((n + 1))
done
[ "$(pending)" = 5 ] || fail "$(pending) events queued, not 5"
[ "$(sql "SELECT count(*) FROM sales")" = 1 ] || fail "the store changed while the server was stopped"

# the server answers again: the queue goes out by itself, after the rest
kill -CONT "$SERVE"
i=0
until [ "$(pending)" = 0 ]; do
    i=$((i + 1)); [ $i -lt 600 ] || fail "the queue was not sent within 30 s: $(cat "$TMPDIR/pos.err")"
    sleep 0.05
done
tap 7 0000000007
[ "$(field 7 .ok)" = true ] && [ "$(field 7 .offline)" = null ] || fail "not online again: $(line 7)"

# refused (the server killed): no rest, the card after its return is online
kill_serve
tap 8 0000000008
[ "$(field 8 .offline)" = true ] || fail "not offline with the server killed: $(line 8)"
[ "$(field 8 .us)" -lt $((BUDGET_MS * 1000)) ] || fail "a refused connection waited: $(line 8)"
start_serve
tap 9 0000000009
[ "$(field 9 .ok)" = true ] && [ "$(field 9 .offline)" = null ] ||
    fail "a refused connection made the link rest: $(line 9)"
exec 3>&-
wait "$POSPID" || fail "pos: $(cat "$TMPDIR/pos.err")"; POSPID=
for r in 1 2 3 4 5 6 7 8 9; do once POS1/$r; done
[ "$(sql "SELECT count(*) FROM sales")" = 9 ] || fail "$(sql "SELECT count(*) FROM sales") sales, not 9"
# posted offline, those decided without the server (POS1/2 either way: the
# server may have read it from its socket when it woke)
for r in 3 4 5 6 8; do
    [ "$(sql "SELECT offline FROM sales WHERE request_id = 'POS1/$r'")" = 1 ] || fail "POS1/$r not offline"
done
for r in 1 7 9; do
    [ "$(sql "SELECT offline FROM sales WHERE request_id = 'POS1/$r'")" = 0 ] || fail "POS1/$r offline"
done
"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_silent: ok"
