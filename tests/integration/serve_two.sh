# Two canteen servers on one store, as a city runs several `serve` behind one
# address: a server keeps nothing of its own, so what one applied the other
# knows. The same event sent to both at the same instant (20 times) is applied
# once and both answer it alike; an answer lost on the way from one is given
# again by the other; the same seq with other content at the other is refused
# (id_conflict); a headless terminal whose server dies (kill -9) serves
# offline and, started again on the other server with its journal, delivers
# everything once. verify passes at the end.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/tools/serve_lib.sh
. tests/integration/helpers/term.sh   # answers N

setup_canteen 40
{
    echo "staff_no,yuan"
    seq 1 40 | awk '{ printf "S%04d,100\n", $1 }'
} >"$TMPDIR/topups.csv"
as_manager import topups "$TMPDIR/topups.csv" >/dev/null || fail "top-ups"
KEY2=$("$OFFICE" terminal key POS2)
KEY3=$("$OFFICE" terminal key POS3)
serve_start
A=$ADDR SA=$SERVE
serve_start
B=$ADDR SB=$SERVE
POSPID=
trap 'kill -9 $SA $SB $POSPID 2>/dev/null || true' EXIT

charge() { printf '{"events":[{"seq":%s,"kind":"charge","card":"%010d","cashier":"王芳"}],"pending":0}' "$1" "$2"; }
sent() { python3 tests/tools/termreq.py "$@" >"$TMPDIR/req.out" || fail "termreq $*"; }
sale_of() { sed -n 2p "$1" | jq -r '.answers[0].sale_id // .error'; }
in_store() { sql "SELECT count(*) FROM sales WHERE request_id = '$1'"; }

# 1. the same event at both servers at once, as a terminal's retry can be
k=1
while [ $k -le 20 ]; do
    python3 tests/tools/termreq.py "$A" POS2 "$KEY2" POST /v1/events "$(charge $k $k)" \
        >"$TMPDIR/a.out" &
    p=$!
    python3 tests/tools/termreq.py "$B" POS2 "$KEY2" POST /v1/events "$(charge $k $k)" \
        >"$TMPDIR/b.out" || fail "termreq to B"
    wait $p || fail "termreq to A"
    [ "$(sale_of "$TMPDIR/a.out")" = "$(sale_of "$TMPDIR/b.out")" ] ||
        fail "event POS2/$k answered apart: A $(sed -n 2p "$TMPDIR/a.out") B $(sed -n 2p "$TMPDIR/b.out")"
    case $(sale_of "$TMPDIR/a.out") in
    POS2-*) ;;
    *) fail "event POS2/$k not charged: $(sed -n 2p "$TMPDIR/a.out")" ;;
    esac
    [ "$(in_store POS2/$k)" = 1 ] || fail "event POS2/$k is in the store $(in_store POS2/$k) times"
    k=$((k + 1))
done
[ "$(sql "SELECT sum(cash_fen) FROM wallets")" = $((40 * 10000 - 20 * 800)) ] ||
    fail "the wallets hold $(sql "SELECT sum(cash_fen) FROM wallets"): not 20 lunches less"

# 2. an answer lost on the way from A, the event sent again to B
sent "$A" POS2 "$KEY2" POST /v1/events "$(charge 21 21)" --close-early
i=0
until [ "$(in_store POS2/21)" = 1 ]; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "A did not apply the event whose answer was lost"
    sleep 0.05
done
sent "$B" POS2 "$KEY2" POST /v1/events "$(charge 21 21)"
[ "$(sed -n 2p "$TMPDIR/req.out" | jq -r '.answers[0].repeated')" = true ] ||
    fail "B did not give A's answer again: $(cat "$TMPDIR/req.out")"
[ "$(in_store POS2/21)" = 1 ] || fail "POS2/21 charged twice"

# 3. the same seq with other content at the other server
sent "$A" POS2 "$KEY2" POST /v1/events "$(charge 21 22)"
[ "$(sed -n 1p "$TMPDIR/req.out")" = 409 ] &&
    [ "$(sed -n 2p "$TMPDIR/req.out" | jq -r .error)" = id_conflict ] ||
    fail "other content for POS2/21 at A: $(cat "$TMPDIR/req.out")"
[ "$(sql "SELECT count(*) FROM sales WHERE card_no = '0000000022'")" = 0 ] ||
    fail "the conflicting event was charged"

# 4. a terminal on A; A dies; the terminal, started again on B with its
#    journal, delivers what it served offline
JOURNAL=$TMPDIR/pos3.journal   # pending (helpers/term.sh) reads it
mkfifo "$TMPDIR/cards"
: >"$TMPDIR/answers"
"$POS" --headless --terminal POS3 --server "http://$A" --key "$KEY3" --journal "$JOURNAL" \
    --offline-after-ms 300 <"$TMPDIR/cards" >>"$TMPDIR/answers" 2>"$TMPDIR/pos.err" &
POSPID=$!
exec 3>"$TMPDIR/cards"
for c in 23 24 25 26; do printf '%010d\n' $c >&3; done
answers 4
kill -9 "$SA"
wait "$SA" 2>/dev/null || true
for c in 27 28 29 30; do printf '%010d\n' $c >&3; done
answers 8
exec 3>&-
wait "$POSPID" || fail "POS3 on A: $(tail -n 3 "$TMPDIR/pos.err")"
[ "$(grep -c '"offline":true' "$TMPDIR/answers")" -ge 4 ] ||
    fail "POS3 did not serve offline once A was gone: $(cat "$TMPDIR/answers")"
"$POS" --headless --terminal POS3 --server "http://$B" --key "$KEY3" --journal "$JOURNAL" \
    --offline-after-ms 300 <"$TMPDIR/cards" >>"$TMPDIR/answers" 2>>"$TMPDIR/pos.err" &
POSPID=$!
exec 3>"$TMPDIR/cards"
for c in 31 32; do printf '%010d\n' $c >&3; done
answers 10
i=0
until [ "$(pending)" = 0 ]; do
    i=$((i + 1)); [ $i -lt 300 ] || fail "POS3's queue was not delivered to B: $(tail -n 3 "$TMPDIR/pos.err")"
    sleep 0.05
done
exec 3>&-
wait "$POSPID" || fail "POS3 on B: $(tail -n 3 "$TMPDIR/pos.err")"
POSPID=
[ "$(grep -c '"ok":true' "$TMPDIR/answers")" = 10 ] || fail "POS3's answers: $(cat "$TMPDIR/answers")"
seq=1
while [ $seq -le 10 ]; do
    [ "$(in_store POS3/$seq)" = 1 ] || fail "POS3/$seq is in the store $(in_store POS3/$seq) times"
    seq=$((seq + 1))
done
"$OFFICE" terminals --json >"$TMPDIR/terms.json"
jq -e '.[] | select(.code == "POS3") | .high_water == 10 and .pending == 0' \
    "$TMPDIR/terms.json" >/dev/null || fail "POS3 as the servers saw it: $(cat "$TMPDIR/terms.json")"

kill "$SB"
wait "$SB" || fail "B did not stop cleanly"
"$OFFICE" verify >"$TMPDIR/verify" 2>&1 && grep -q " 0 problems" "$TMPDIR/verify" ||
    fail "verify: $(cat "$TMPDIR/verify")"
echo "serve_two ok: 20 events sent to both servers at once, each applied once; a lost answer given again by the other; POS3 moved from a dead server to the other with its journal, 10 of 10 once"
