# cleanplate-office serve on loopback (doc/protocol.md), requests signed as a
# terminal would (tests/tools/termreq.py): an online charge; the same seq
# again gives the first answer and charges nothing; the same seq with other
# content is refused (id_conflict) and raises an alarm; a gap is refused
# with the events before it applied; malformed JSON, an oversized body, a
# wrong key, an old timestamp, another terminal's code are each refused,
# counted and write nothing; a new key makes the old one fail; an answer
# lost on the way (the connection closed before it was read) is given again
# on the retry; weighing, receipt, void and snapshot answer; SIGTERM stops
# the server cleanly; a request over TLS is answered; verify passes at the end.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

. tests/tools/serve_lib.sh
setup_canteen 5
"$OFFICE" terminal add W1 --canteen C1 --kind waste >"$TMPDIR/w1.out"
WKEY=$(tail -n 1 "$TMPDIR/w1.out")
grep -q "0600" "$TMPDIR/w1.out" || fail "terminal add does not say how to keep the key"
as_manager topup S0001 100 >/dev/null
as_manager topup S0002 10 >/dev/null
KEY=$("$OFFICE" terminal key POS1)
[ "$(printf '%s' "$KEY" | wc -c)" -eq 64 ] || fail "terminal key printed '$KEY', not 64 hex digits"

serve_start

cash() { sql "SELECT w.cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id WHERE d.staff_no = '$1'"; }
sales() { sql "SELECT count(*) FROM sales"; }
charge() { printf '{"events":[{"seq":%s,"kind":"charge","card":"%s","cashier":"王芳"}],"pending":0,"snapshot_version":3}' "$1" "$2"; }

# an online charge, then the same seq again: the first answer, charged once
req POS1 "$KEY" POST /v1/events "$(charge 1 0000000001)"
expect 200 ok
[ "$(answer '.answers[0].charged_fen')" = 800 ] || fail "charge: $(cat "$TMPDIR/answer")"
[ "$(answer .high_water)" = 1 ] || fail "high water after 1: $(cat "$TMPDIR/answer")"
SALE=$(answer '.answers[0].sale_id')
req POS1 "$KEY" POST /v1/events "$(charge 1 0000000001)"
expect 200 ok
[ "$(answer '.answers[0].sale_id')" = "$SALE" ] || fail "repeat gave another sale"
[ "$(answer '.answers[0].repeated')" = true ] || fail "repeat not marked repeated"
[ "$(cash S0001)" = 9200 ] || fail "charged twice: cash $(cash S0001)"
[ "$(sql "SELECT request_id FROM sales WHERE id = '$SALE'")" = POS1/1 ] || fail "request id is not CODE/SEQ"

# the same seq with other content: refused, an alarm, nothing charged
before=$(sales)
req POS1 "$KEY" POST /v1/events "$(charge 1 0000000002)"
expect 409 id_conflict
[ "$(sales)" = "$before" ] || fail "id_conflict wrote a sale"
"$OFFICE" terminals --json >"$TMPDIR/terms.json"
[ "$(jq -r '.[] | select(.code == "POS1") | .alarms.latest[0].kind' "$TMPDIR/terms.json")" = id_conflict ] ||
    fail "no id_conflict alarm: $(cat "$TMPDIR/terms.json")"

# a batch with a gap: seq 2 applied and answered, seq 4 refused (sequence_gap)
req POS1 "$KEY" POST /v1/events \
    '{"events":[{"seq":2,"kind":"charge","card":"0000000001"},{"seq":4,"kind":"charge","card":"0000000001"}],"pending":2}'
expect 409 sequence_gap
[ "$(answer '.answers | length')" = 1 ] && [ "$(answer .high_water)" = 2 ] ||
    fail "the events before the gap: $(cat "$TMPDIR/answer")"
[ "$(answer '.answers[0].ok')" = false ] ||
    fail "a second tap of the card should be refused by the rules: $(cat "$TMPDIR/answer")"
"$OFFICE" terminals --json >"$TMPDIR/terms.json"
jq -e '.[] | select(.code == "POS1") | .alarms.count == 2 and .pending == 2 and .high_water == 2' \
    "$TMPDIR/terms.json" >/dev/null || fail "terminals after the gap: $(cat "$TMPDIR/terms.json")"

# bad input: each refused with its error, counted, nothing written
before=$(sales)
audit_before=$(sql "SELECT count(*) FROM audit")
req POS1 "$KEY" POST /v1/events '{"events":[{"seq":3,"kind":"charge",'
expect 400 bad_json
req POS1 "$KEY" POST /v1/events '{"events":[{"seq":"3","kind":"charge"}]}'
expect 400 bad_json
python3 -c 'print("{\"events\":[" + "x" * (1024 * 1024 + 10) + "]}")' >"$TMPDIR/big.json"
req POS1 "$KEY" POST /v1/events "@$TMPDIR/big.json"
expect 413 too_large
req POS1 "$WKEY" POST /v1/events "$(charge 3 0000000001)"
expect 401 bad_signature
req POS1 "$KEY" POST /v1/events "$(charge 3 0000000001)" --skew -1000
expect 401 clock_skew
req POS2 "$KEY" POST /v1/events "$(charge 3 0000000001)" --sign-as POS1
expect 401 bad_signature
req POS1 "$KEY" POST /v1/events '{"events":[{"seq":3,"kind":"charge","terminal":"POS2","card":"0000000001"}]}'
expect 403 not_this_terminal
req NOPE "$KEY" POST /v1/events "$(charge 3 0000000001)"
expect 401 unknown_terminal
req POS1 "$KEY" GET /v1/nothing
expect 404 not_found
req POS1 "$KEY" GET /v1/events
expect 405 bad_method
[ "$(sales)" = "$before" ] || fail "a refused request wrote a sale"
[ "$(sql "SELECT count(*) FROM terminal_events WHERE seq > 2")" = 0 ] || fail "a refused event was recorded"
# the two bad signatures are the only audit entries the refusals made
[ "$(sql "SELECT count(*) FROM audit")" = $((audit_before + 2)) ] || fail "refusals audited wrongly"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'terminal.refused'")" = 2 ] || fail "bad signature not audited"
"$OFFICE" terminals --json >"$TMPDIR/terms.json"
jq -e '.[] | select(.code == "POS1") | .refused | .bad_json == 2 and .too_large == 1 and
       .bad_signature == 1 and .clock_skew == 1 and .not_this_terminal == 1' "$TMPDIR/terms.json" \
    >/dev/null || fail "refusal counts: $(cat "$TMPDIR/terms.json")"
jq -e '.[] | select(.code == "POS2") | .refused.bad_signature == 1' "$TMPDIR/terms.json" >/dev/null ||
    fail "the claimed terminal's count: $(cat "$TMPDIR/terms.json")"
# a flood of bad signatures: each counted, one alarm and one audited note until
# the alarm is acknowledged (anyone could fill both), naming where they came from
for i in 1 2 3 4 5; do
    req POS1 "$WKEY" POST /v1/events "$(charge 3 0000000001)"
    expect 401 bad_signature
done
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'terminal.refused'")" = 2 ] ||
    fail "a flood was audited one by one"
[ "$(sql "SELECT count(*) FROM terminal_alarms WHERE terminal = 'POS1' AND kind = 'bad_signature'")" = 1 ] ||
    fail "a flood raised $(sql "SELECT count(*) FROM terminal_alarms WHERE kind = 'bad_signature'") alarms"
[ "$(sql "SELECT count FROM terminal_refusals WHERE terminal = 'POS1' AND reason = 'bad_signature'")" = 6 ] ||
    fail "the flood was not counted"
sql "SELECT detail FROM terminal_alarms WHERE terminal = 'POS1' AND kind = 'bad_signature'" |
    grep -q "(from 127.0.0.1)" || fail "the alarm does not say where the request came from"
grep -q "POS1 POST /v1/events (events) 200" "$TMPDIR/serve.log" || fail "no log line of a request"
grep -Eq "401 [0-9.]+ ms bad_signature" "$TMPDIR/serve.log" || fail "no log line of a refusal"

# the answer lost: the request arrives, the connection closes before the answer
req POS1 "$KEY" POST /v1/events "$(charge 3 0000000002)" --close-early
i=0
until [ "$(sql "SELECT count(*) FROM terminal_events WHERE terminal = 'POS1' AND seq = 3")" = 1 ]; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the request whose answer was lost was not applied"
    sleep 0.05
done
req POS1 "$KEY" POST /v1/events "$(charge 3 0000000002)"
expect 200 ok
[ "$(answer '.answers[0].repeated')" = true ] || fail "retry after the lost answer: $(cat "$TMPDIR/answer")"
[ "$(sql "SELECT count(*) FROM sales WHERE request_id = 'POS1/3'")" = 1 ] || fail "charged twice after a lost answer"

# a new key: the old one fails, the new one works
NEW=$("$OFFICE" terminal key POS1)
req POS1 "$KEY" GET /v1/snapshot
expect 401 bad_signature
req POS1 "$NEW" GET /v1/snapshot
expect 200 ok
[ "$(answer .canteen)" = C1 ] && [ "$(answer '.cards | length')" = 5 ] || fail "snapshot: $(cat "$TMPDIR/answer")"
[ "$(answer '.cards[0].cash_fen')" = 9200 ] && [ "$(answer '.cards[0].meals_today.lunch')" = 1 ] ||
    fail "snapshot card: $(cat "$TMPDIR/answer")"
V=$(answer .version)
req POS1 "$NEW" GET "/v1/snapshot?since=$V"
expect 200 ok
[ "$(answer .delta)" = true ] && [ "$(answer '.cards | length')" = 0 ] || fail "empty delta: $(cat "$TMPDIR/answer")"
as_manager topup S0004 5 >/dev/null
req POS1 "$NEW" GET "/v1/snapshot?since=$V"
[ "$(answer '.cards | length')" = 1 ] && [ "$(answer '.cards[0].staff_no')" = S0004 ] ||
    fail "delta after a top-up: $(cat "$TMPDIR/answer")"
# page by page (?after=CARD): the cards numbered after it, today's meals
# with them; a page not full says no more; a bad card number is refused
req POS1 "$NEW" GET "/v1/snapshot?after=0000000002"
expect 200 ok
[ "$(answer '[.cards[].card] | join(" ")')" = "0000000003 0000000004 0000000005" ] &&
    [ "$(answer .more)" = false ] || fail "a page after card 2: $(cat "$TMPDIR/answer")"
req POS1 "$NEW" GET "/v1/snapshot?after="
[ "$(answer '.cards[0].meals_today.lunch')" = 1 ] || fail "first page: $(cat "$TMPDIR/answer")"
req POS1 "$NEW" GET "/v1/snapshot?since=$V&after=0000000003"
[ "$(answer '.cards | length')" = 1 ] && [ "$(answer .delta)" = true ] ||
    fail "a delta's page: $(cat "$TMPDIR/answer")"
for bad in "after=12ab" "after=00000000001" "after=%27"; do
    req POS1 "$NEW" GET "/v1/snapshot?$bad"
    expect 400 bad_json
done

# a weighing from the station, a receipt, a void with the manager's PIN
req W1 "$WKEY" POST /v1/events '{"events":[{"seq":1,"kind":"weighing","stage":"plate","card":"0000000001","gross_g":460,"tare_g":420,"overload":false}]}'
expect 200 ok
[ "$(answer '.answers[0].net_g')" = 40 ] && [ "$(answer '.answers[0].sale_id')" = "$SALE" ] ||
    fail "weighing: $(cat "$TMPDIR/answer")"
# a weight missing, not a whole number, or beyond any scale is refused (it was
# taken for 0 g, a clean plate, or overflowed the month's sums)
for ev in '"seq":2,"stage":"plate"' '"seq":3,"stage":"plate","gross_g":"500","tare_g":0' \
    '"seq":4,"stage":"spoilage","gross_g":9000000000000000000'; do
    req W1 "$WKEY" POST /v1/events "{\"events\":[{\"kind\":\"weighing\",$ev}]}"
    expect 200 ok
    [ "$(answer '.answers[0].ok')" = false ] || fail "weighing $ev taken: $(cat "$TMPDIR/answer")"
done
[ "$(sql "SELECT count(*) FROM waste_records")" = 1 ] || fail "a bad weight was recorded"
# an offline weighing is posted when it was weighed: yesterday's lunch tray
req W1 "$WKEY" POST /v1/events '{"events":[{"seq":5,"kind":"weighing","stage":"plate","card":"0000000002","gross_g":450,"tare_g":420,"at":"2026-11-19T12:40:00","offline":true}]}'
expect 200 ok
[ "$(sql "SELECT business_date || ' ' || created_at FROM waste_records WHERE placement = 'W1/5'")" = \
    "2026-11-19 2026-11-19T12:40:00" ] ||
    fail "an offline weighing: $(sql "SELECT * FROM waste_records WHERE placement = 'W1/5'")"
# a cashier's name goes into the sale and the reports: one line, as every name
req POS1 "$NEW" POST /v1/events '{"events":[{"seq":4,"kind":"charge","card":"0000000003","cashier":"boss\n2026-11-20 fake"}]}'
expect 200 ok
[ "$(answer '.answers[0].error')" = bad_json ] || fail "a cashier on two lines: $(cat "$TMPDIR/answer")"
req POS1 "$NEW" GET "/v1/receipt?sale=$SALE"
expect 200 ok
[ "$(answer .charged_fen)" = 800 ] && [ "$(answer .voided)" = false ] || fail "receipt: $(cat "$TMPDIR/answer")"
req POS1 "$NEW" POST /v1/void "{\"sale_id\":\"$SALE\",\"manager\":\"$MANAGER\",\"pin\":\"000000\"}"
expect 403 bad_pin
req POS1 "$NEW" POST /v1/void "{\"sale_id\":\"$SALE\",\"manager\":\"$MANAGER\",\"pin\":\"$MANAGER_PIN\",\"reason\":\"wrong item\"}"
expect 200 ok
[ "$(answer .refunded_fen)" = 800 ] || fail "void: $(cat "$TMPDIR/answer")"
[ "$(cash S0001)" = 10000 ] || fail "void did not refund: $(cash S0001)"
req POS1 "$NEW" GET "/v1/receipt?sale=NOSUCH"
expect 404 not_found
# the void's receipt data, asked for by its number alone: the answer says what it is
VOID=$(sql "SELECT id FROM voids WHERE sale_id = '$SALE'")
req POS1 "$NEW" GET "/v1/receipt?id=$VOID"
expect 200 ok
[ "$(answer .kind)" = void ] && [ "$(answer .sale_id)" = "$SALE" ] &&
    [ "$(answer .manager)" = "$MANAGER" ] && [ "$(answer .reason)" = "wrong item" ] &&
    [ "$(answer .sale.charged_fen)" = 800 ] && [ "$(answer .sale.voided)" = true ] &&
    [ "$(answer .cash_left_fen)" = 10000 ] || fail "void's receipt: $(cat "$TMPDIR/answer")"
req POS1 "$NEW" GET "/v1/receipt?id=$SALE"
[ "$(answer .kind)" = sale ] && [ "$(answer .sale_id)" = "$SALE" ] || fail "by id: $(cat "$TMPDIR/answer")"
req POS1 "$NEW" GET "/v1/receipt?void=$SALE"
expect 404 not_found
req POS1 "$NEW" GET "/v1/receipt?shift=$VOID"
expect 404 not_found
req POS1 "$NEW" GET "/v1/receipt?id=NOSUCH"
expect 404 not_found
req POS1 "$NEW" GET "/v1/receipt"
expect 400 bad_json

# slow clients: 300 connections from one machine, each sending a header line and
# no more, take at most 64 of the server's; a terminal on another address is
# answered (the server had 256 and kept them all, and stopped answering)
python3 - "$PORT" >"$TMPDIR/slow.out" 2>&1 <<'EOF' &
import socket, sys, time
held = []
for i in range(300):
    try:
        s = socket.socket()
        s.bind(("127.0.0.2", 0))
        s.settimeout(2)
        s.connect(("127.0.0.1", int(sys.argv[1])))
        s.send(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        held.append(s)
    except OSError:
        pass
print("holding", len(held), flush=True)
time.sleep(60)
EOF
SLOW=$!
i=0; until grep -q holding "$TMPDIR/slow.out"; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "the slow clients did not connect: $(cat "$TMPDIR/slow.out")"
    sleep 0.05; done
timeout 10 python3 tests/tools/termreq.py "$ADDR" POS1 "$NEW" GET /v1/last-sale >"$TMPDIR/req.out" ||
    fail "a terminal was not answered while one machine held the server's connections"
[ "$(sed -n 1p "$TMPDIR/req.out")" = 200 ] || fail "last-sale: $(cat "$TMPDIR/req.out")"
kill "$SLOW"; wait "$SLOW" 2>/dev/null || true

# SIGTERM: the server stops cleanly
serve_stop

# over TLS, signed with openssl as a shell script would
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMPDIR/tls.key" -out "$TMPDIR/tls.crt" \
    -days 1 -subj /CN=localhost 2>/dev/null || fail "openssl could not make a certificate"
serve_start --tls-cert "$TMPDIR/tls.crt" --tls-key "$TMPDIR/tls.key"
T=$(date +%s)
SIG=$(printf 'POS1\n%s\nGET\n/v1/snapshot?since=0\n' "$T" |
    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$NEW" | sed 's/.*= //')
curl -sS --cacert "$TMPDIR/tls.crt" "https://localhost:$PORT/v1/snapshot?since=0" \
    -H "X-CleanPlate-Terminal: POS1" -H "X-CleanPlate-Time: $T" -H "X-CleanPlate-Signature: $SIG" \
    >"$TMPDIR/answer" || fail "no answer over TLS"
# since 0, before the imports: each diner they added is named, every card comes
[ "$(answer .ok)" = true ] && [ "$(answer .delta)" = true ] && [ "$(answer '.cards | length')" = 5 ] ||
    fail "snapshot over TLS (since before the import: every card): $(cat "$TMPDIR/answer")"
# a terminal over https, trusting the canteen's own CA (--ca, [terminal] ca):
# its PINs (a void's, a login's) no longer cross the LAN in clear
POS3KEY=$("$OFFICE" terminal key POS3)
tls_pos() {
    echo 0000000004 | "$POS" --headless --terminal POS3 --server "https://localhost:$PORT" \
        --key "$POS3KEY" --journal "$TMPDIR/pos3.journal" "$@" >"$TMPDIR/tls.out" 2>"$TMPDIR/tls.err"
}
as_manager topup S0004 20 >/dev/null
tls_pos --ca "$TMPDIR/tls.crt" || fail "pos over TLS: $(cat "$TMPDIR/tls.err")"
jq -e '.ok == true and .offline == null' "$TMPDIR/tls.out" >/dev/null ||
    fail "a charge over TLS: $(cat "$TMPDIR/tls.out") $(cat "$TMPDIR/tls.err")"
# a certificate from no CA it trusts is no server: offline, and it says why
rm -f "$TMPDIR/pos3.journal"
tls_pos || fail "pos over TLS without its CA: $(cat "$TMPDIR/tls.err")"
grep -qi "no answer from the server https://localhost:$PORT: .*certificate" "$TMPDIR/tls.err" ||
    fail "an untrusted certificate: $(cat "$TMPDIR/tls.err")"
jq -e '.offline == true' "$TMPDIR/tls.out" >/dev/null || fail "untrusted, not offline: $(cat "$TMPDIR/tls.out")"
rm -f "$TMPDIR/pos3.journal"
tls_pos --ca "$TMPDIR/no-such-ca.crt" && fail "a CA file that is not there was taken"
grep -q "the CA certificate $TMPDIR/no-such-ca.crt cannot be read" "$TMPDIR/tls.err" ||
    fail "a missing CA file: $(cat "$TMPDIR/tls.err")"
serve_stop

# the till's names: one line each, a reason of at most 200 characters (a name
# with a newline forged a second audit entry, a reason of a megabyte stayed in
# it for ever), and a shift or a logout only in the name of the cashier who
# typed the PIN at that terminal (the key alone put the manager's name there)
add_user li cashier 1357
KEY2=$("$OFFICE" terminal key POS2)
serve_start
audited=$(sql "SELECT count(*) FROM audit")
req POS2 "$KEY2" POST /v1/logout '{"name":"boss","reason":"terminal quit\nvoid POS1-000001 approved by boss"}'
expect 400 bad_json
req POS2 "$KEY2" POST /v1/logout "{\"name\":\"li\",\"reason\":\"$(printf '%0300d' 0)\"}"
expect 400 bad_json
req POS2 "$KEY2" POST /v1/shift '{"action":"open","cashier":"boss","cash_fen":0}'
expect 403 not_logged_in
req POS2 "$KEY2" POST /v1/logout '{"name":"li"}'
expect 403 not_logged_in
[ "$(sql "SELECT count(*) FROM audit")" = "$audited" ] || fail "a refused till request was audited"
[ "$(sql "SELECT count(*) FROM shift_events")" = 0 ] || fail "a shift opened without a login"
req POS2 "$KEY2" POST /v1/login '{"name":"li","pin":"1357"}'
expect 200 ok
req POS2 "$KEY2" POST /v1/shift '{"action":"open","cashier":"li","cash_fen":20000}'
expect 200 ok
req POS2 "$KEY2" POST /v1/shift '{"action":"close","cashier":"boss","cash_fen":20000}'
expect 403 not_logged_in
req POS2 "$KEY2" POST /v1/logout '{"name":"li","reason":"end of the shift"}'
expect 200 ok
# one PIN check per terminal at a time (each takes a worker ~0.3 s): four at
# once from one key, one is checked and the others answered busy (a stolen
# key's flood on 40 connections held every worker, and every other
# terminal's charges went offline)
pids=
for i in 1 2 3 4; do
    python3 tests/tools/termreq.py "$ADDR" POS2 "$KEY2" POST /v1/login \
        "{\"name\":\"x$i\",\"pin\":\"0000\"}" >"$TMPDIR/flood$i" &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done
[ "$(cat "$TMPDIR"/flood? | grep -c '^429$')" -ge 1 ] && [ "$(cat "$TMPDIR"/flood? | grep -c '^403$')" -ge 1 ] ||
    fail "four PIN checks at once from one terminal: $(head -n 1 "$TMPDIR"/flood?)"
serve_stop

"$OFFICE" verify >"$TMPDIR/verify.out" || fail "verify: $(cat "$TMPDIR/verify.out")"
echo "serve_basic: ok"
