# Alarms acknowledged (doc/protocol.md, "The office's view"): a manager
# acknowledges one alarm of a terminal by its id, or all its open ones,
# with a reason (`terminal ack`), recorded append-only and audited;
# `terminals` then counts the open ones (alarms.count, latest) apart from
# the acknowledged; `report alarms` lists every alarm with who acknowledged
# it. Without a manager, with a wrong PIN, without a reason, with an alarm
# of another terminal or one acknowledged already, nothing is written.
# A gap written off (`terminal skip`) lets the terminal's next event in.
# Acknowledgements and alarms cannot be changed or deleted; verify passes.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/tools/serve_lib.sh

setup_canteen 4
KEY=$("$OFFICE" terminal key POS1)
KEY2=$("$OFFICE" terminal key POS2)
acks() { sql "SELECT count(*) FROM terminal_alarm_acks"; }
audited() { sql "SELECT count(*) FROM audit WHERE action = 'terminal.ack'"; }
terms() { "$OFFICE" terminals --json | jq -c ".[] | select(.code == \"$1\") | .alarms | $2"; }

# three alarms of POS1 (two offline meals refused for their tap time, a
# sequence gap) and one of POS2
serve_start
old='"at":"2026-10-01T12:00:00","offline":true'
req POS1 "$KEY" POST /v1/events "{\"events\":[{\"seq\":1,\"kind\":\"charge\",$old,\"card\":\"0000000001\"},{\"seq\":2,\"kind\":\"charge\",$old,\"card\":\"0000000002\"}]}"
expect 200 ok
req POS1 "$KEY" POST /v1/events '{"events":[{"seq":5,"kind":"charge","card":"0000000003"}]}'
expect 409 sequence_gap
req POS2 "$KEY2" POST /v1/events '{"events":[{"seq":3,"kind":"charge","card":"0000000003"}]}'
expect 409 sequence_gap
serve_stop
[ "$(terms POS1 '[.count, .acknowledged, (.latest | length)]')" = "[3,0,3]" ] ||
    fail "before: $("$OFFICE" terminals --json)"
first=$(sql "SELECT min(id) FROM terminal_alarms WHERE terminal = 'POS1'")
pos2=$(sql "SELECT id FROM terminal_alarms WHERE terminal = 'POS2'")
"$OFFICE" terminals | grep -q "^  alarm $first .* served_but_refused: " || fail "no alarm id in: $("$OFFICE" terminals)"

# refused, nothing written
must_fail "--manager" "$OFFICE" terminal ack POS1 --alarm "$first" --reason "charged by hand"
must_fail "--reason" as_manager terminal ack POS1 --alarm "$first"
must_fail "--alarm ID" as_manager terminal ack POS1 --reason x
must_fail "--alarm ID" as_manager terminal ack POS1 --alarm "$first" --all --reason x
must_fail "--alarm 'x1'" as_manager terminal ack POS1 --alarm x1 --reason x
if echo 999999 | "$OFFICE" terminal ack POS1 --alarm "$first" --reason x --manager "$MANAGER" \
    >/dev/null 2>"$TMPDIR/err"; then fail "a wrong PIN acknowledged"; fi
must_fail "has no alarm $pos2" as_manager terminal ack POS1 --alarm "$pos2" --reason x
must_fail "no terminal" as_manager terminal ack POS9 --all --reason x
[ "$(acks) $(audited)" = "0 0" ] || fail "a refused ack wrote $(acks) acks, $(audited) audit entries"

# one by its id: recorded with who and why, audited, counted apart
as_manager terminal ack POS1 --alarm "$first" --reason "charged by hand: sale 12" >"$TMPDIR/out"
grep -qx "acknowledged 1 alarm of terminal POS1" "$TMPDIR/out" || fail "ack said: $(cat "$TMPDIR/out")"
[ "$(sql "SELECT alarm_id, actor, reason FROM terminal_alarm_acks")" = "$first|$MANAGER|charged by hand: sale 12" ] ||
    fail "ack row: $(sql "SELECT * FROM terminal_alarm_acks")"
[ "$(sql "SELECT actor, terminal, subject, detail FROM audit WHERE action = 'terminal.ack'")" = "$MANAGER|POS1|alarm $first|charged by hand: sale 12" ] ||
    fail "audit: $(sql "SELECT * FROM audit WHERE action = 'terminal.ack'")"
[ "$(terms POS1 '[.count, .acknowledged, (.latest | length), ([.latest[].id] | index('"$first"'))]')" = "[2,1,2,null]" ] ||
    fail "after one: $("$OFFICE" terminals --json)"
[ "$(terms POS2 '[.count, .acknowledged]')" = "[1,0]" ] || fail "POS2 changed: $("$OFFICE" terminals --json)"
"$OFFICE" terminals | grep -q "1 alarm acknowledged" || fail "terminals: $("$OFFICE" terminals)"
# the contract: code, last_contact, pending, alarms
"$OFFICE" terminals --json | jq -e 'all(.[]; has("code") and has("last_contact") and has("pending") and (.alarms | has("count")))' \
    >/dev/null || fail "the terminals contract"
# again: said, nothing written
must_fail "acknowledged already, by $MANAGER" as_manager terminal ack POS1 --alarm "$first" --reason again
[ "$(acks)" = 1 ] || fail "acknowledged twice"

# the rest of POS1 at once; then there is nothing open
as_manager terminal ack POS1 --all --reason "terminal clock fixed" | grep -qx "acknowledged 2 alarms of terminal POS1" ||
    fail "--all"
as_manager terminal ack POS1 --all --reason "again" | grep -qx "terminal POS1 has no open alarm" || fail "--all twice"
[ "$(acks) $(audited)" = "3 3" ] || fail "$(acks) acks, $(audited) audit entries after --all"
[ "$(terms POS1 '[.count, .acknowledged, (.latest | length)]')" = "[0,3,0]" ] ||
    fail "after all: $("$OFFICE" terminals --json)"

# the report: every alarm, acknowledged or open; by month of raising
"$OFFICE" report alarms --json >"$TMPDIR/rep.json"
[ "$(jq -c '[.[] | [.terminal, .kind, (.acknowledged.by // "-")]]' "$TMPDIR/rep.json")" = \
  "[[\"POS1\",\"served_but_refused\",\"$MANAGER\"],[\"POS1\",\"served_but_refused\",\"$MANAGER\"],[\"POS1\",\"sequence_gap\",\"$MANAGER\"],[\"POS2\",\"sequence_gap\",\"-\"]]" ] ||
    fail "report alarms --json: $(cat "$TMPDIR/rep.json")"
[ "$("$OFFICE" report alarms --month "$(date +%Y-%m)" --json | jq length)" = 4 ] || fail "this month's alarms"
[ "$("$OFFICE" report alarms --month 2020-01 --json)" = "[]" ] || fail "alarms of 2020-01"
"$OFFICE" report alarms | grep -q "acknowledged by $MANAGER at 2026-11-20T12:00:00: charged by hand: sale 12" ||
    fail "report alarms: $("$OFFICE" report alarms)"
must_fail "not a month" "$OFFICE" report alarms --month 2026-13

# POS2's gap written off (`terminal skip`, the store restored from an old
# copy): its alarm acknowledged, audited, and its event 3 now taken
as_manager terminal skip POS2 --to 2 --reason "store restored; lost" >"$TMPDIR/out"
grep -qx "acknowledged 1 sequence_gap alarm" "$TMPDIR/out" || fail "skip said: $(cat "$TMPDIR/out")"
[ "$(terms POS2 '[.count, .acknowledged]')" = "[0,1]" ] || fail "POS2 after skip: $("$OFFICE" terminals --json)"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'terminal.skip' AND terminal = 'POS2'")" = 1 ] ||
    fail "the skip is not audited"
serve_start
req POS2 "$KEY2" POST /v1/events '{"events":[{"seq":3,"kind":"charge","card":"0000000003"}]}'
expect 200 ok
serve_stop
must_fail "nothing is missing up to 3" as_manager terminal skip POS2 --to 3 --reason again
sql "DELETE FROM terminal_skips" 2>/dev/null && fail "a write-off deleted"

# neither can be changed or deleted
sql "DELETE FROM terminal_alarm_acks" 2>/dev/null && fail "an acknowledgement deleted"
sql "UPDATE terminal_alarms SET kind = 'x'" 2>/dev/null && fail "an alarm changed"
[ "$(acks)" = 4 ] || fail "acks gone"
"$OFFICE" verify >"$TMPDIR/verify.out" || fail "verify: $(cat "$TMPDIR/verify.out")"
echo "serve_alarm_ack: ok"
