# A networked POS killed (kill -9) after it stored a charge in its journal
# and while it waited for the server's answer: the server is stopped
# (SIGSTOP) so that the request waits, the terminal killed, the server let
# go on (it may or may not apply the request of the dead terminal). The
# terminal started again sends the charge from its journal: it is in the
# store exactly once whatever the server did first, the next charge follows
# it, nothing is left queued, and verify passes. Then a journal restored
# from an older copy: it numbers its next charge after the server's
# high-water mark, not with an id already applied.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 6
for s in S0001 S0002 S0003 S0004 S0005; do as_manager topup "$s" 100 >/dev/null; done
KEY=$("$OFFICE" terminal key POS1)
JOURNAL=$TMPDIR/pos1.journal
start_serve
POSPID=
trap 'kill -CONT "$SERVE" 2>/dev/null; kill -9 "$SERVE" $POSPID 2>/dev/null || true' EXIT
events() { journal "SELECT count(*) FROM journal_events"; }
pos() {
    "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" --journal "$JOURNAL" "$@"
}

# card 1 online; card 2 stored, sent, and the terminal killed before the answer
pos_on_fifo --offline-after-ms 60000
echo 0000000001 >&3
answers 1
pause_serve
echo 0000000002 >&3
i=0
until [ "$(events)" = 2 ]; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "card 2 not in the journal: $(cat "$TMPDIR/pos.err")"
    sleep 0.05
done
sleep 0.2
kill -9 "$POSPID"; wait "$POSPID" 2>/dev/null || true; POSPID=
exec 3>&-
kill -CONT "$SERVE"
[ "$(wc -l <"$TMPDIR/answers")" = 1 ] || fail "card 2 was answered before the kill"
[ "$(pending)" = 1 ] || fail "$(pending) events pending after the kill, not card 2"

# started again: card 2 goes first, once, then card 3
echo 0000000003 | pos >"$TMPDIR/answers" 2>"$TMPDIR/pos.err" || fail "pos: $(cat "$TMPDIR/pos.err")"
[ "$(jq -r .ok "$TMPDIR/answers")" = true ] || fail "card 3: $(cat "$TMPDIR/answers")"
[ "$(pending)" = 0 ] || fail "$(pending) events still pending"
once POS1/1
once POS1/2
once POS1/3
[ "$(sql "SELECT count(*) FROM sales")" = 3 ] || fail "$(sql "SELECT count(*) FROM sales") sales, not 3"

# a journal restored from a copy taken before card 3: the next charge is
# numbered after the server's mark (3), not 3 again with other content
cp "$JOURNAL" "$TMPDIR/backup.journal"
echo 0000000004 | pos >"$TMPDIR/answers" 2>"$TMPDIR/pos.err" || fail "pos: $(cat "$TMPDIR/pos.err")"
sqlite3 "$TMPDIR/backup.journal" "DELETE FROM journal_events WHERE seq >= 3"
cp "$TMPDIR/backup.journal" "$JOURNAL"
rm -f "$JOURNAL-wal" "$JOURNAL-shm"
echo 0000000005 | pos >"$TMPDIR/answers" 2>"$TMPDIR/pos.err" || fail "pos: $(cat "$TMPDIR/pos.err")"
[ "$(jq -r .ok "$TMPDIR/answers")" = true ] || fail "after the restore: $(cat "$TMPDIR/answers")"
once POS1/5
[ "$("$OFFICE" terminals --json | jq -r '.[] | select(.code == "POS1") | .alarms.count')" = 0 ] ||
    fail "an alarm was raised: $("$OFFICE" terminals --json)"

"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_crash: ok"
