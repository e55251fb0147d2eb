# The tap time of an offline charge is bounded (doc/protocol.md, POST
# /v1/events): one more than 7 days before the server's business clock
# (serve --offline-max-age-days N) or more than 5 minutes after it is
# refused (at_out_of_range, its seq counts), charges nothing, raises the
# alarm served_but_refused once, and does not move the terminal's
# high-water time; the ends of the window are posted. A wider window takes
# the old tap, but not one a day before the terminal's previous event (a
# stolen key back-dated lunches on every card: at_out_of_order); a clock
# set back some minutes, within a day or across midnight, is no reason to
# refuse a meal served. A charge the store answered before (the server
# died before recording the event) is answered again, not refused, however
# old its tap.
# verify passes.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/tools/serve_lib.sh

setup_canteen 8
for s in S0001 S0002 S0003 S0004 S0005 S0006 S0007; do as_manager topup "$s" 50 >/dev/null; done
KEY=$("$OFFICE" terminal key POS1)
KEY2=$("$OFFICE" terminal key POS2)
KEY3=$("$OFFICE" terminal key POS3)
"$OFFICE" period set --canteen C1 night 23:30-23:59 >/dev/null
"$OFFICE" period set --canteen C1 early 00:00-00:30 >/dev/null
as_manager price set --canteen C1 --period night --category staff 6 >/dev/null
as_manager price set --canteen C1 --period early --category staff 6 >/dev/null
# ev SEQ CARD AT: an offline charge event
ev() { printf '{"seq":%s,"kind":"charge","at":"%s","offline":true,"card":"%s","cashier":""}' "$1" "$3" "$2"; }
sales_of() { sql "SELECT count(*) FROM sales WHERE request_id = 'POS1/$1'"; }
alarms() { sql "SELECT count(*) FROM terminal_alarms WHERE kind = 'served_but_refused'"; }

# the option is checked before anything starts
must_fail "offline-max-age-days" "$OFFICE" serve --listen 127.0.0.1:1 --offline-max-age-days 0

serve_start
# now is 2026-11-20T12:00:00: 8 days old, 7 days old to the second, 5 min
# ahead to the second, 6 min ahead
batch="{\"events\":[$(ev 1 0000000001 2026-11-12T12:00:00),$(ev 2 0000000002 2026-11-13T12:00:00),$(ev 3 0000000003 2026-11-20T12:05:00),$(ev 4 0000000004 2026-11-20T12:06:00)]}"
req POS1 "$KEY" POST /v1/events "$batch"
expect 200 ok
[ "$(answer .high_water)" = 4 ] || fail "high water $(answer .high_water): $(cat "$TMPDIR/answer")"
[ "$(answer '[.answers[] | .ok] | map(tostring) | join(" ")')" = "false true true false" ] ||
    fail "answers: $(cat "$TMPDIR/answer")"
[ "$(answer '.answers[0].error + " " + .answers[3].error')" = "at_out_of_range at_out_of_range" ] ||
    fail "errors: $(cat "$TMPDIR/answer")"
answer '.answers[0].message' | grep -qF "from 2026-11-13T12:00:00 to 2026-11-20T12:05:00" ||
    fail "the message does not say the range: $(answer '.answers[0].message')"
answer '.answers[3].message' | grep -qF "offline-max-age-days" || fail "the message does not say what to do"
# posted on their own tap time's day; nothing at all of the refused ones
[ "$(sql "SELECT business_date FROM sales WHERE request_id = 'POS1/2'")" = 2026-11-13 ] ||
    fail "the 7-day-old tap not posted on its day"
[ "$(sales_of 3)" = 1 ] || fail "the tap 5 minutes ahead not posted"
for s in 1 4; do
    [ "$(sales_of $s)" = 0 ] || fail "event $s charged"
    [ "$(sql "SELECT count(*) FROM charge_requests WHERE request_id = 'POS1/$s'")" = 0 ] ||
        fail "event $s reached the store's charge"
done
[ "$(sql "SELECT w.cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id WHERE d.staff_no IN ('S0001', 'S0004') ORDER BY d.staff_no" | tr '\n' ' ')" = "5000 5000 " ] ||
    fail "a refused event took money"
[ "$(sql "SELECT count(*) FROM sales")" = 2 ] || fail "$(sql "SELECT count(*) FROM sales") sales, not 2"
# the alarm, once per event, and the office sees it
[ "$(alarms)" = 2 ] || fail "$(alarms) served_but_refused alarms, not 2"
sql "SELECT detail FROM terminal_alarms WHERE kind = 'served_but_refused' ORDER BY id" | grep -c at_out_of_range |
    grep -qx 2 || fail "the alarms do not say why: $(sql "SELECT detail FROM terminal_alarms")"
"$OFFICE" terminals --json | jq -e '.[] | select(.code == "POS1") | .alarms.count == 2
    and (.alarms.latest[0].kind == "served_but_refused")' >/dev/null ||
    fail "terminals: $("$OFFICE" terminals --json)"
# the refused future tap does not become the terminal's high-water time
hwat=$(sql "SELECT high_water_at FROM terminal_status WHERE terminal = 'POS1'")
[ "$hwat" != 2026-11-20T12:06:00 ] || fail "high_water_at moved to the refused tap time"
[ "$(sql "SELECT count(*) FROM terminal_events WHERE terminal = 'POS1' AND at = '2026-11-20T12:06:00'")" = 0 ] ||
    fail "the refused tap time kept"

# sent again: the same answers, repeated, no second alarm, nothing charged
req POS1 "$KEY" POST /v1/events "$batch"
expect 200 ok
[ "$(answer '[.answers[] | select(.repeated)] | length')" = 4 ] || fail "not repeats: $(cat "$TMPDIR/answer")"
[ "$(answer '.answers[0].error')" = at_out_of_range ] || fail "another answer the second time"
[ "$(alarms)" = 2 ] || fail "the alarm raised again"
[ "$(sql "SELECT count(*) FROM sales")" = 2 ] || fail "charged on the repeat"
grep -q "POS1 POST /v1/events (events) 200" "$TMPDIR/serve.log" || fail "log: $(cat "$TMPDIR/serve.log")"
serve_stop

# a wider window takes the 8-day-old tap of a terminal whose events so far
# are older; a tap beyond it is still refused; and POS1's 8-day-old tap,
# after its events of today, is out of order: refused, with its alarm
serve_start --offline-max-age-days 10
grep -q "up to 10 days old" "$TMPDIR/serve.log" || fail "the window not logged: $(cat "$TMPDIR/serve.log")"
req POS2 "$KEY2" POST /v1/events "{\"events\":[$(ev 1 0000000005 2026-11-12T12:00:00)]}"
expect 200 ok
[ "$(answer '.answers[0].ok')" = true ] || fail "8 days old within 10: $(cat "$TMPDIR/answer")"
req POS1 "$KEY" POST /v1/events "{\"events\":[$(ev 5 0000000005 2026-11-12T12:30:00),$(ev 6 0000000006 2026-11-09T12:00:00)]}"
expect 200 ok
[ "$(answer '.answers[0].error')" = at_out_of_order ] || fail "a day before POS1's last: $(cat "$TMPDIR/answer")"
answer '.answers[0].message' | grep -q "a day before this terminal's previous event (2026-11-20T12:05:00)" ||
    fail "the refusal: $(answer '.answers[0].message')"
[ "$(answer '.answers[1].error')" = at_out_of_range ] || fail "11 days old: $(cat "$TMPDIR/answer")"
[ "$(sales_of 5)" = 0 ] && [ "$(sales_of 6)" = 0 ] || fail "events 5 and 6 charged wrongly"
[ "$(sql "SELECT count(*) FROM sales WHERE request_id = 'POS2/1'")" = 1 ] || fail "POS2/1 not charged"
[ "$(alarms)" = 4 ] || fail "$(alarms) alarms, not 4"

# event 7 was charged before (as when the server died before recording
# it), 10 days ago; sent now, it is answered again from the store, not refused
CLEANPLATE_NOW=2026-11-08T12:10:00 "$BUILD/tools/post_offline" POS1 0000000007 2026-11-08T12:00:00 POS1/7 |
    grep -q '^ok ' || fail "post_offline"
req POS1 "$KEY" POST /v1/events "{\"events\":[$(ev 7 0000000007 2026-11-08T12:00:00)]}"
expect 200 ok
[ "$(answer '.answers[0].ok') $(answer '.answers[0].repeated')" = "true true" ] ||
    fail "a charge answered before: $(cat "$TMPDIR/answer")"
[ "$(sales_of 7)" = 1 ] || fail "event 7 charged $(sales_of 7) times"
[ "$(alarms)" = 4 ] || fail "an alarm for a charge answered before"

# POS1's key posting more than a terminal deciding alone could have served
# (a stolen key: twenty "offline" lunches of one card): the first is
# posted, the rest refused (limit_reached), each with its alarm, nothing
# charged for them; a resent one (charged online first, the store lost
# it) is decided as a charge online is: a lost card's is refused (a stolen
# key marked its charges resent to post any amount on any card)
batch="{\"events\":[$(ev 8 0000000005 2026-11-20T11:30:00)"
for n in $(seq 9 27); do batch="$batch,$(ev "$n" 0000000005 2026-11-20T11:3$((n % 10)):30)"; done
req POS1 "$KEY" POST /v1/events "$batch]}"
expect 200 ok
[ "$(answer '[.answers[] | .ok] | map(select(.)) | length')" = 1 ] ||
    fail "more lunches posted than one terminal could serve: $(cat "$TMPDIR/answer")"
answer '.answers[1].message' | grep -q "beyond what one terminal may serve alone" ||
    fail "the refusal: $(answer '.answers[1]')"
[ "$(sql "SELECT count(*) FROM sales WHERE created_at LIKE '2026-11-20T11:3%'")" = 1 ] ||
    fail "card 5 was charged more than once"
[ "$(alarms)" = 23 ] || fail "$(alarms) alarms, not 4 + 19"
req POS1 "$KEY" POST /v1/events "{\"events\":[$(ev 28 0000000006 2026-11-20T11:40:00 | sed 's/}$/,"resent":true}/')]}"
expect 200 ok
[ "$(answer '.answers[0].ok')" = true ] || fail "a resent lunch: $(cat "$TMPDIR/answer")"
"$OFFICE" card block 0000000007 >/dev/null
req POS1 "$KEY" POST /v1/events "{\"events\":[$(ev 29 0000000007 2026-11-20T11:41:00 | sed 's/}$/,"resent":true}/')]}"
expect 200 ok
[ "$(answer '.answers[0].error')" = card_blocked ] || fail "a resent lunch of a lost card: $(cat "$TMPDIR/answer")"
[ "$(alarms)" = 24 ] || fail "$(alarms) alarms: the refused resent lunch raised none"
# a time no event may have, on an event refused for another reason (not
# served, an unknown card): not kept, the high-water time stays a real one
# (a stolen key planted 9999-12-31 there, past the publish guard)
req POS1 "$KEY" POST /v1/events '{"events":[{"seq":30,"kind":"charge","at":"9999-12-31T23:59:59","offline":true,"served":false,"card":"0000000008"},{"seq":31,"kind":"charge","at":"zzzz not a time","offline":true,"card":"not-a-card"}]}'
expect 200 ok
[ "$(answer '[.answers[].error] | join(" ")')" = "refused_offline unknown_card" ] ||
    fail "the refusals: $(cat "$TMPDIR/answer")"
hwat=$(sql "SELECT high_water_at FROM terminal_status WHERE terminal = 'POS1'")
case $hwat in 2026-*) ;; *) fail "high_water_at planted: $hwat" ;; esac
[ "$(sql "SELECT count(*) FROM terminal_events WHERE terminal = 'POS1' AND seq IN (30, 31) AND at IS NOT NULL")" = 0 ] ||
    fail "a time that never was kept with a refused event"
# an honest terminal whose clock was set back: 00:02 then 23:58 of the day
# before (5 minutes across midnight), 11:05 then 11:01 of one day
req POS3 "$KEY3" POST /v1/events "{\"events\":[$(ev 1 0000000001 2026-11-20T00:02:00),$(ev 2 0000000002 2026-11-19T23:58:00),$(ev 3 0000000003 2026-11-20T11:05:00),$(ev 4 0000000004 2026-11-20T11:01:00)]}"
expect 200 ok
[ "$(answer '[.answers[] | .ok | tostring] | join(" ")')" = "true true true true" ] ||
    fail "a clock set back a few minutes: $(cat "$TMPDIR/answer")"
serve_stop
"$OFFICE" verify >"$TMPDIR/verify.out" || fail "verify: $(cat "$TMPDIR/verify.out")"
echo "serve_offline_at: ok"
