# The event in flight when the server stops answering (doc/protocol.md,
# "The event in flight"). The terminal sent it, no answer came, it served
# the meal offline: its journal copy is rewritten "offline": true, and the
# server, which had not applied it, posts it as an offline charge on the
# period of its "at" although the server's clock is past lunch by then (an
# online charge would be refused), with no id_conflict. Sent as a terminal
# would (termreq.py): an event the server had applied online and refused,
# sent again marked offline, gets its first answer again (no conflict) and
# raises one served_but_refused alarm, however often it is sent; one it had
# charged while the terminal refused it offline raises charged_not_served.
# A second outage: the event in flight refused offline is marked
# "served": false and charges nothing at the replay (refused_offline).
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 6
for s in S0001 S0002 S0003 S0004; do as_manager topup "$s" 100 >/dev/null; done
KEY=$("$OFFICE" terminal key POS1)
KEY2=$("$OFFICE" terminal key POS2)
JOURNAL=$TMPDIR/pos1.journal
POSPID=
trap 'kill -CONT "$SERVE" 2>/dev/null; kill -9 "$SERVE" $POSPID 2>/dev/null || true' EXIT
drained() {
    i=0
    until [ "$(pending)" = 0 ]; do
        i=$((i + 1)); [ $i -lt 300 ] || fail "the queue was not sent: $(cat "$TMPDIR/pos.err")"
        sleep 0.05
    done
}
alarms() { "$OFFICE" terminals --json | jq -r ".[] | select(.code == \"$1\") | .alarms.count"; }

# the terminal's side: card 1 online, card 2 sent to a server that does not answer
start_serve
pos_on_fifo --offline-after-ms 300
echo 0000000001 >&3
answers 1
pause_serve
echo 0000000002 >&3
answers 2
[ "$(sed -n 2p "$TMPDIR/answers" | jq -r '.ok, .offline, .request_id' | tr '\n' ' ')" = "true true POS1/2 " ] ||
    fail "the event in flight was not served offline: $(sed -n 2p "$TMPDIR/answers")"
[ "$(journal "SELECT offline || ' ' || json_extract(body, '$.offline') FROM journal_events WHERE seq = 2")" = "1 1" ] ||
    fail "the journal still has it online: $(journal "SELECT body FROM journal_events WHERE seq = 2")"
# the server dies without having applied it, and comes back after lunch
kill -9 "$SERVE"; kill -CONT "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true
CLEANPLATE_NOW=2026-11-20T14:00:00
start_serve
CLEANPLATE_NOW=2026-11-20T12:00:00
i=0
drained
# a second outage: card 5 (no money) in flight, refused offline: marked
# served false, the server that had not applied it charges nothing
pause_serve
echo 0000000005 >&3
answers 3
[ "$(sed -n 3p "$TMPDIR/answers" | jq -r '.ok, .offline, .error' | tr '\n' ' ')" = "false true insufficient_funds " ] ||
    fail "card 5 in flight: $(sed -n 3p "$TMPDIR/answers")"
[ "$(journal "SELECT json_extract(body, '$.offline') || json_extract(body, '$.served') FROM journal_events WHERE seq = 3")" = 10 ] ||
    fail "the refused event in flight not marked: $(journal "SELECT body FROM journal_events WHERE seq = 3")"
kill -9 "$SERVE"; kill -CONT "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true
start_serve
drained
[ "$(sql "SELECT count(*) FROM sales WHERE request_id = 'POS1/3'")" = 0 ] || fail "a refused meal was charged"
[ "$(journal "SELECT json_extract(answer, '$.error') FROM journal_events WHERE seq = 3")" = refused_offline ] ||
    fail "answer to 3: $(journal "SELECT answer FROM journal_events WHERE seq = 3")"
exec 3>&-
wait "$POSPID" || fail "pos: $(cat "$TMPDIR/pos.err")"; POSPID=
once POS1/2
[ "$(sql "SELECT s.offline || ' ' || p.name FROM sales s JOIN meal_periods p ON p.id = s.period_id
          WHERE s.request_id = 'POS1/2'")" = "1 lunch" ] ||
    fail "not posted as an offline lunch: $(sql "SELECT * FROM sales WHERE request_id = 'POS1/2'")"
[ "$(alarms POS1)" = 0 ] || fail "an alarm: $("$OFFICE" terminals --json)"
kill_serve

# the server's side: event 1 of POS2 applied online and refused (blocked card)
. tests/tools/serve_lib.sh
serve_start
"$OFFICE" card block 0000000003 >/dev/null
ev() {
    printf '{"events":[{"seq":1,"kind":"charge","at":"2026-11-20T12:00:00","offline":%s,"card":"0000000003","cashier":""}]}' "$1"
}
req POS2 "$KEY2" POST /v1/events "$(ev false)"
expect 200 ok
[ "$(answer '.answers[0].ok')" = false ] || fail "a blocked card was charged: $(cat "$TMPDIR/answer")"
for n in 1 2; do
    req POS2 "$KEY2" POST /v1/events "$(ev true)"
    expect 200 ok
    [ "$(answer '.answers[0].repeated')" = true ] && [ "$(answer '.answers[0].ok')" = false ] ||
        fail "marked offline, not its first answer: $(cat "$TMPDIR/answer")"
done
"$OFFICE" terminals --json >"$TMPDIR/terms.json"
jq -e '.[] | select(.code == "POS2") | .alarms.count == 1 and
       .alarms.latest[0].kind == "served_but_refused"' "$TMPDIR/terms.json" >/dev/null ||
    fail "served_but_refused: $(cat "$TMPDIR/terms.json")"
[ "$(sql "SELECT count(*) FROM sales WHERE request_id = 'POS2/1'")" = 0 ] || fail "charged after all"

# event 2 applied online and charged; the terminal had refused it offline
ev2() {
    printf '{"events":[{"seq":2,"kind":"charge","at":"2026-11-20T12:00:00","offline":%s,%s"card":"0000000004","cashier":""}]}' "$1" "$2"
}
req POS2 "$KEY2" POST /v1/events "$(ev2 false '')"
expect 200 ok
[ "$(answer '.answers[0].ok')" = true ] || fail "event 2: $(cat "$TMPDIR/answer")"
req POS2 "$KEY2" POST /v1/events "$(ev2 true '"served":false,')"
expect 200 ok
[ "$(answer '.answers[0].repeated')" = true ] || fail "event 2 again: $(cat "$TMPDIR/answer")"
"$OFFICE" terminals --json >"$TMPDIR/terms.json"
jq -e '.[] | select(.code == "POS2") | .alarms.count == 2 and
       .alarms.latest[0].kind == "charged_not_served"' "$TMPDIR/terms.json" >/dev/null ||
    fail "charged_not_served: $(cat "$TMPDIR/terms.json")"

"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_inflight: ok"
