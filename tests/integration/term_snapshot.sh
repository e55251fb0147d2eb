# The terminal keeps its snapshot fresh with deltas: the first contact takes
# the whole snapshot; later ones ask GET /v1/snapshot?since=VERSION and fold
# the changed cards into the held one (a card blocked, a wallet topped up),
# keeping every other card; a new business day takes a whole one again.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 6
for s in S0001 S0002; do as_manager topup "$s" 30 >/dev/null; done
KEY=$("$OFFICE" terminal key POS1)
JOURNAL=$TMPDIR/pos1.journal
trap '[ -z "$SERVE" ] || kill -9 "$SERVE" 2>/dev/null || true' EXIT
pos() {
    printf '' | "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" \
        --journal "$JOURNAL" >/dev/null 2>"$TMPDIR/pos.err" || fail "pos: $(cat "$TMPDIR/pos.err")"
}
held() { journal "SELECT body FROM journal_snapshot" | jq -r "$1"; }
card() { held ".cards[] | select(.card == \"$1\") | $2"; }
snapshots() { grep -c "GET /v1/snapshot$1 (snapshot) 200" "$TMPDIR/serve.log" || true; }

start_serve
pos
[ "$(snapshots '')" = 1 ] || fail "no whole snapshot first: $(cat "$TMPDIR/serve.log")"
n=$(held '.cards | length')
v=$(held .version)
[ "$n" -ge 6 ] || fail "$n cards held"
[ "$(card 0000000002 .cash_fen)" = 3000 ] || fail "card 2: $(card 0000000002 .)"

"$OFFICE" card block 0000000003 >/dev/null
as_manager topup S0002 20 >/dev/null
pos
[ "$(snapshots "?since=$v")" = 1 ] || fail "no delta since $v: $(cat "$TMPDIR/serve.log")"
[ "$(held '.cards | length')" = "$n" ] || fail "cards lost or doubled: $(held '.cards | length') not $n"
[ "$(card 0000000003 .status)" = lost ] && [ "$(card 0000000002 .cash_fen)" = 5000 ] ||
    fail "the delta was not folded in: $(held .cards)"
[ "$(card 0000000001 .cash_fen)" = 3000 ] || fail "an unchanged card changed: $(card 0000000001 .)"
[ "$(held .version)" -gt "$v" ] || fail "the version did not move"

# the next day: a whole snapshot (today's meals start again)
kill_serve
CLEANPLATE_NOW=2026-11-21T12:00:00
start_serve # a new log
pos
[ "$(snapshots '')" = 1 ] || fail "no whole snapshot on a new day: $(cat "$TMPDIR/serve.log")"
[ "$(held .business_date)" = 2026-11-21 ] || fail "date: $(held .business_date)"
echo "term_snapshot: ok"
