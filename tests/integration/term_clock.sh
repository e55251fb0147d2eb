# Clock skew between a terminal and the server (doc/protocol.md,
# "Authentication"). A terminal whose clock is 10 minutes off (its stored
# offset to the server's clock wrong by 600 s, ahead or behind) is refused
# once (clock_skew), learns the offset from the answer's server_time, sends
# again at once and is charged online, not offline; it keeps the offset it
# learnt. A request signed 10 minutes ago with the right key (captured and
# replayed by an attacker) is refused (clock_skew) and writes nothing; one
# replayed within the window is the same event id: its first answer again,
# nothing charged twice.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh
. tests/tools/serve_lib.sh

setup_canteen 4
for s in S0001 S0002 S0003; do as_manager topup "$s" 100 >/dev/null; done
KEY=$("$OFFICE" terminal key POS1)
KEY3=$("$OFFICE" terminal key POS3)
JOURNAL=$TMPDIR/pos1.journal
trap '[ -z "$SERVE" ] || kill -9 "$SERVE" 2>/dev/null || true' EXIT
pos() {
    printf '%s' "${1:+$1
}" | "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" --journal "$JOURNAL" \
        >"$TMPDIR/answers" 2>"$TMPDIR/pos.err" || fail "pos: $(cat "$TMPDIR/pos.err")"
}
skews() { grep -Ec "POS1 POST /v1/events \(refused\) 401 [0-9.]+ ms clock_skew" "$TMPDIR/serve.log" || true; }

start_serve
pos
for off in 600 -600; do
    journal "UPDATE journal_state SET clock_offset_s = $off"
    before=$(skews)
    card=$([ "$off" = 600 ] && echo 0000000001 || echo 0000000002)
    pos "$card"
    [ "$(jq -r '.ok, .offline' "$TMPDIR/answers" | tr '\n' ' ')" = "true null " ] ||
        fail "a clock $off s off: $(cat "$TMPDIR/answers") $(cat "$TMPDIR/pos.err")"
    [ "$(skews)" -gt "$before" ] || fail "the skewed request was not refused: $(cat "$TMPDIR/serve.log")"
    learnt=$(journal "SELECT clock_offset_s FROM journal_state")
    [ "$learnt" -ge -2 ] && [ "$learnt" -le 2 ] || fail "offset $learnt kept, not the server's"
done
[ "$(sql "SELECT count(*) FROM sales")" = 2 ] || fail "$(sql "SELECT count(*) FROM sales") sales, not 2"

# an attacker replays a request of POS3 signed 10 minutes ago, then a fresh one
kill_serve
serve_start
charge='{"events":[{"seq":1,"kind":"charge","at":"2026-11-20T12:00:00","offline":false,"card":"0000000003","cashier":""}]}'
req POS3 "$KEY3" POST /v1/events "$charge" --skew -600
expect 401 clock_skew
[ "$(sql "SELECT count(*) FROM sales WHERE terminal = 'POS3'")" = 0 ] || fail "an old request was applied"
req POS3 "$KEY3" POST /v1/events "$charge"
expect 200 ok
req POS3 "$KEY3" POST /v1/events "$charge" --skew -200
expect 200 ok
[ "$(answer '.answers[0].repeated')" = true ] || fail "replayed within the window: $(cat "$TMPDIR/answer")"
[ "$(sql "SELECT count(*) FROM sales WHERE terminal = 'POS3'")" = 1 ] || fail "charged twice"
"$OFFICE" terminals --json | jq -e '.[] | select(.code == "POS3") | .refused.clock_skew == 1' >/dev/null ||
    fail "the old request not counted: $("$OFFICE" terminals --json)"
serve_stop
"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_clock: ok"
