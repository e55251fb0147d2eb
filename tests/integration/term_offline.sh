# A networked POS (cleanplate-pos --headless --server) through
# `cleanplate-office serve` on loopback: charges online; the server killed
# mid-lunch: charges answered offline from the snapshot within the offline
# allowance (one lunch price), refused beyond it, for a blocked card and
# without the money; the server back: the queue replayed in order, every
# charge answered ok in the store exactly once (counted by request id),
# none that was refused; a wrong key shown as the server's refusal, not as
# offline; a key in a config file others may read refused; verify passes.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 10
for s in S0001 S0002 S0003 S0004 S0005 S0006 S0007 S0008; do as_manager topup "$s" 100 >/dev/null; done
KEY=$("$OFFICE" terminal key POS1)
JOURNAL=$TMPDIR/pos1.journal

trap '[ -z "$SERVE" ] || kill -9 "$SERVE" 2>/dev/null || true' EXIT
# pos [OPTION...]: the terminal on stdin, answers in $TMPDIR/answers
pos() {
    "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" --journal "$JOURNAL" "$@" \
        >"$TMPDIR/answers" 2>"$TMPDIR/pos.err" || fail "pos: $(cat "$TMPDIR/pos.err")"
}
line() { sed -n "$1p" "$TMPDIR/answers"; }
field() { line "$1" | jq -r "$2"; }

# online: the server's answers, as the headless POS prints them
start_serve
printf '0000000001\n0000000002\n' | pos
[ "$(field 1 .ok)" = true ] && [ "$(field 1 .charged_fen)" = 800 ] || fail "online: $(line 1)"
[ "$(field 1 .offline)" = null ] || fail "an online answer says offline: $(line 1)"
[ "$(field 2 .sale_id)" != "" ] || fail "online: $(line 2)"
[ -z "$(line 1 | jq -r '.seq // empty')" ] || fail "the answer keeps the protocol's seq: $(line 1)"
[ "$(stat -c %a "$JOURNAL")" = 600 ] || fail "the journal is mode $(stat -c %a "$JOURNAL")"
once POS1/1
once POS1/2
"$OFFICE" card block 0000000006 >/dev/null
# the snapshot is taken at the start: run once more so that it has card 6 blocked
printf '' | pos

# the server dies mid-lunch
kill_serve
printf '0000000003\n0000000004\n@2026-11-20T12:10:00 0000000003\n@2026-11-20T17:30:00 0000000004\n0000000006\n0000000009\n' |
    pos
grep -q "no answer from the server .*: working offline" "$TMPDIR/pos.err" || fail "offline not said: $(cat "$TMPDIR/pos.err")"
for n in 1 2 3 4 5 6; do
    [ "$(field $n .offline)" = true ] || fail "answer $n not offline: $(line $n)"
done
[ "$(field 1 .ok)" = true ] && [ "$(field 1 .charged_fen)" = 800 ] || fail "offline charge: $(line 1)"
[ "$(field 1 .request_id)" = POS1/3 ] || fail "offline request id: $(line 1)"
[ "$(field 2 .ok)" = true ] && [ "$(field 2 .request_id)" = POS1/4 ] || fail "offline: $(line 2)"
[ "$(field 3 .error)" = limit_reached ] || fail "a second lunch offline: $(line 3)"
# dinner: allowed online, but past the offline allowance of one lunch price
[ "$(field 4 .error)" = limit_reached ] || fail "beyond the allowance: $(line 4)"
[ "$(field 5 .ok)" = false ] || fail "a blocked card offline: $(line 5)"
[ "$(field 6 .error)" = insufficient_funds ] || fail "no money offline: $(line 6)"
[ "$(pending)" = 2 ] || fail "$(pending) events queued, not the 2 charged offline"
[ "$(sql "SELECT count(*) FROM sales")" = 2 ] || fail "the store changed while the server was down"
# restarted, the terminal still knows what it charged offline (each card
# it changed is written into its journal's cards)
changed() { journal "SELECT count(*) FROM journal_cards WHERE json_extract(body, '$.offline_spent_today_fen') > 0"; }
printf '@2026-11-20T12:20:00 0000000003\n' | pos
[ "$(field 1 .offline)" = true ] && [ "$(field 1 .error)" = limit_reached ] ||
    fail "a second lunch offline after a restart: $(line 1)"
[ "$(changed)" = 2 ] || fail "cards charged offline: $(journal "SELECT body FROM journal_cards")"

# the server is back: the queue goes first, then the new charge, online
start_serve
printf '0000000005\n' | pos
[ "$(field 1 .ok)" = true ] && [ "$(field 1 .offline)" = null ] || fail "back online: $(line 1)"
[ "$(pending)" = 0 ] || fail "$(pending) events still queued after the replay"
# the snapshot fetched anew holds those cards as the server has them
[ "$(changed)" = 0 ] || fail "cards as charged offline after a new snapshot: $(journal "SELECT body FROM journal_cards")"
for r in POS1/1 POS1/2 POS1/3 POS1/4 POS1/5; do once "$r"; done
[ "$(sql "SELECT count(*) FROM sales")" = 5 ] || fail "$(sql "SELECT count(*) FROM sales") sales, not 5"
# the two charged offline are posted as offline ones (served, never refused
# again), the others as online ones
[ "$(sql "SELECT request_id FROM sales WHERE offline = 1 ORDER BY request_id" | tr '\n' ' ')" = "POS1/3 POS1/4 " ] ||
    fail "offline sales: $(sql "SELECT request_id, offline FROM sales")"

# a wrong key is the server's refusal, said as such, not offline
printf '0000000007\n' | "$POS" --headless --terminal POS1 --server "$URL" --journal "$JOURNAL" \
    --key 0000000000000000000000000000000000000000000000000000000000000000 \
    >"$TMPDIR/answers" 2>"$TMPDIR/pos.err" && fail "a wrong key was taken"
grep -q "bad_signature" "$TMPDIR/pos.err" || fail "wrong key: $(cat "$TMPDIR/pos.err")"
[ "$(pending)" = 0 ] || fail "a refused charge was queued"

# the key in a config file that others may read is refused
printf '[terminal]\ncode = POS1\nserver = %s\nkey = %s\njournal = %s\n' "$URL" "$KEY" "$JOURNAL" \
    >"$TMPDIR/pos.ini"
chmod 644 "$TMPDIR/pos.ini"
must_fail "chmod 600" "$POS" --headless --config "$TMPDIR/pos.ini"
chmod 600 "$TMPDIR/pos.ini"
printf '0000000007\n' | "$POS" --headless --config "$TMPDIR/pos.ini" >"$TMPDIR/answers" 2>&1 ||
    fail "pos.ini: $(cat "$TMPDIR/answers")"
[ "$(field 1 .ok)" = true ] || fail "charge with pos.ini: $(line 1)"
once POS1/6

# a terminal left running: the server dies, a card is charged offline, the
# server comes back; the queue goes out while no card comes (the idle poll)
pos_on_fifo
kill_serve
echo 0000000008 >&3
answers 1
[ "$(field 1 .offline)" = true ] && [ "$(pending)" = 1 ] || fail "idle: $(line 1)"
start_serve
i=0
until [ "$(pending)" = 0 ]; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "the queue was not sent while idle"
    sleep 0.05
done
exec 3>&-
wait "$POSPID" || fail "pos: $(cat "$TMPDIR/pos.err")"
once POS1/7

# what the terminal charged online it knows offline: the server dies right
# after a card's lunch; the same card at once is a duplicate tap, ten minutes
# later a second lunch, both refused as the server would (they were charged
# offline from the snapshot of before the lunch)
as_manager topup S0009 100 >/dev/null
rm -f "$TMPDIR/cards"
pos_on_fifo
echo "@2026-11-20T12:30:00 0000000009" >&3
answers 1
[ "$(field 1 .ok)" = true ] && [ "$(field 1 .offline)" = null ] || fail "online: $(line 1)"
kill_serve
echo "@2026-11-20T12:30:02 0000000009" >&3
echo "@2026-11-20T12:40:00 0000000009" >&3
answers 3
exec 3>&-
wait "$POSPID" || fail "pos: $(cat "$TMPDIR/pos.err")"
[ "$(field 2 .offline)" = true ] && [ "$(field 2 .error)" = duplicate_tap ] ||
    fail "the same card at once, offline after an online lunch: $(line 2)"
[ "$(field 3 .offline)" = true ] && [ "$(field 3 .error)" = limit_reached ] ||
    fail "a second lunch offline after an online one: $(line 3)"
[ "$(journal "SELECT json_extract(body, '$.cash_fen') FROM journal_cards WHERE card = '0000000009'")" = \
    "$(sql "SELECT cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id WHERE d.staff_no = 'S0009'")" ] ||
    fail "the held card's balance is not the server's: $(journal "SELECT body FROM journal_cards WHERE card = '0000000009'")"
# the tap sent as the server died waits, marked not served: it charges nothing
[ "$(pending)" = 1 ] || fail "$(pending) events queued, not the one in flight"
start_serve
printf '' | pos
[ "$(pending)" = 0 ] || fail "$(pending) events still queued"
[ "$(sql "SELECT count(*) FROM sales s JOIN diners d ON d.id = s.diner_id WHERE d.staff_no = 'S0009'")" = 1 ] ||
    fail "S0009 has $(sql "SELECT count(*) FROM sales s JOIN diners d ON d.id = s.diner_id WHERE d.staff_no = 'S0009'") lunches"

# an answer not signed with the terminal's key is no answer: whoever takes the
# server's address cannot tell the terminal its queued charges were delivered
as_manager topup S0010 100 >/dev/null
printf '' | pos # the snapshot, with S0010's money
kill_serve
printf '0000000010\n' | pos
[ "$(field 1 .offline)" = true ] && [ "$(field 1 .ok)" = true ] && [ "$(pending)" = 1 ] ||
    fail "a lunch offline: $(line 1)"
cat >"$TMPDIR/fake.py" <<'EOF'
import http.server, json, sys, time
class Fake(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"ok": True, "high_water": 100, "answers": [],
                           "server_time": int(time.time())}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Fake).serve_forever()
EOF
python3 "$TMPDIR/fake.py" "$PORT" &
FAKE=$!
i=0; until python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT))" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the fake server did not start"; sleep 0.05; done
printf '' | pos
kill "$FAKE"; wait "$FAKE" 2>/dev/null || true
grep -q "is not signed with this terminal's key: taken as no answer" "$TMPDIR/pos.err" ||
    fail "an unsigned answer: $(cat "$TMPDIR/pos.err")"
[ "$(pending)" = 1 ] || fail "an unsigned answer marked $(( 1 - $(pending) )) queued charge delivered"
start_serve
printf '' | pos
[ "$(pending)" = 0 ] || fail "$(pending) events still queued after the real server came back"
once POS1/10

# the store restored from a copy taken before the terminal's last two sales
# (SQLite here: a file copy): the server's mark falls below the terminal's, and
# the terminal sends the two again, posted as served at their time, and goes
# on; it was refused for the gap before every new sale, for good
if ! on_pg; then
    export CLEANPLATE_NOW=2026-11-20T17:30:00
    kill_serve
    sqlite3 "$CLEANPLATE_DB" ".backup '$TMPDIR/backup.db'"
    start_serve
    printf '0000000002\n0000000003\n' | pos
    [ "$(field 1 .ok)" = true ] && [ "$(field 2 .ok)" = true ] || fail "dinners: $(cat "$TMPDIR/answers")"
    kill_serve
    cp "$TMPDIR/backup.db" "$CLEANPLATE_DB"
    rm -f "$CLEANPLATE_DB-wal" "$CLEANPLATE_DB-shm"
    [ "$(sql "SELECT count(*) FROM sales WHERE request_id IN ('POS1/11', 'POS1/12')")" = 0 ] ||
        fail "the copy already had the dinners"
    start_serve
    printf '0000000004\n' | pos
    [ "$(field 1 .ok)" = true ] && [ "$(field 1 .offline)" = null ] ||
        fail "after the store was restored: $(line 1) $(cat "$TMPDIR/pos.err")"
    grep -q "the server has this terminal's events only up to 10 .*sending the 2 after it" \
        "$TMPDIR/pos.err" || fail "the resend was not said: $(cat "$TMPDIR/pos.err")"
    for r in POS1/11 POS1/12 POS1/13; do once "$r"; done
    [ "$(pending)" = 0 ] || fail "$(pending) events still queued after the restore"

    # the same from a copy older than what the terminal keeps: its journal
    # forgot the first two sales after the copy (journal_prune: it keeps a
    # month) and holds the third, so the server finds a gap before it that
    # no one can fill; every sale is refused until a manager writes the two
    # off (`terminal skip`), audited; the third is then posted, and the
    # terminal goes on
    kill_serve
    sqlite3 "$CLEANPLATE_DB" ".backup '$TMPDIR/backup.db'"
    start_serve
    printf '0000000005\n0000000007\n0000000001\n' | pos
    [ "$(field 1 .ok) $(field 2 .ok) $(field 3 .ok)" = "true true true" ] ||
        fail "dinners: $(cat "$TMPDIR/answers")"
    kill_serve
    cp "$TMPDIR/backup.db" "$CLEANPLATE_DB"
    rm -f "$CLEANPLATE_DB-wal" "$CLEANPLATE_DB-shm"
    journal "DELETE FROM journal_events WHERE seq IN (14, 15)" >/dev/null
    start_serve
    # the terminal does not start: it says why and what a manager does
    if printf '0000000008\n' | "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" \
        --journal "$JOURNAL" >"$TMPDIR/answers" 2>"$TMPDIR/pos.err"; then
        fail "a terminal with a gap before its events started: $(cat "$TMPDIR/answers")"
    fi
    grep -q "refused .*(sequence_gap): event 16 came after 13: .*cleanplate-office terminal skip POS1 --to 15)" \
        "$TMPDIR/pos.err" || fail "the refusal does not say what to do: $(cat "$TMPDIR/pos.err")"
    skips() { sql "SELECT count(*) FROM terminal_skips"; }
    must_fail "nothing is missing up to 13" as_manager terminal skip POS1 --to 13 --reason restored
    must_fail "--to 'x'" as_manager terminal skip POS1 --to x --reason restored
    must_fail "--reason" as_manager terminal skip POS1 --to 15
    must_fail "--manager" "$OFFICE" terminal skip POS1 --to 15 --reason restored
    must_fail "no terminal" as_manager terminal skip POS9 --to 15 --reason restored
    [ "$(skips)" = 0 ] || fail "a refused skip wrote $(skips) rows"
    as_manager terminal skip POS1 --to 15 --reason "store restored from the copy of 17:30" \
        >"$TMPDIR/out"
    grep -qx "wrote off events 14 to 15 of terminal POS1; its next events are taken again" \
        "$TMPDIR/out" || fail "skip said: $(cat "$TMPDIR/out")"
    [ "$(sql "SELECT from_seq, to_seq, actor FROM terminal_skips")" = "14|15|$MANAGER" ] ||
        fail "skip row: $(sql "SELECT * FROM terminal_skips")"
    [ "$(sql "SELECT subject FROM audit WHERE action = 'terminal.skip'")" = "events 14 to 15" ] ||
        fail "the skip is not audited"
    [ "$("$OFFICE" terminals --json | jq '.[] | select(.code == "POS1") | [.alarms.latest[]? | select(.kind == "sequence_gap")] | length')" = 0 ] ||
        fail "the gap alarm is still open: $("$OFFICE" terminals --json)"
    must_fail "has no open sequence_gap alarm" as_manager terminal skip POS1 --to 20 --reason again
    printf '0000000008\n' | pos
    [ "$(field 1 .ok)" = true ] && [ "$(field 1 .offline)" = null ] ||
        fail "after the write-off: $(line 1) $(cat "$TMPDIR/pos.err")"
    once POS1/16
    once POS1/17
    [ "$(pending)" = 0 ] || fail "$(pending) events still queued after the write-off"
    [ "$(sql "SELECT count(*) FROM sales WHERE request_id IN ('POS1/14', 'POS1/15')")" = 0 ] ||
        fail "the lost sales came back"
    if sql "DELETE FROM terminal_skips" 2>/dev/null; then fail "a write-off was deleted"; fi
fi

"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_offline: ok"
