# The terminal keeps its snapshot fresh with deltas: the first contact takes
# the whole snapshot; later ones ask GET /v1/snapshot?since=VERSION and fold
# the changed cards into the held one (a card blocked, a wallet topped up),
# keeping every other card; a new business day takes a delta too, the held
# cards' meals kept as the day before's.
# Page by page (?after=): a canteen of 4,100 cards comes in three pages of
# at most 2,000, every card once, today's meals with the cards of every page.
# A delta comes in one answer, and a whole snapshot instead when the
# terminal is more than 10,000 audit entries behind or the delta would
# hold more than 10,000 cards.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 4100
for s in S0001 S0002 S3001 S3002; do as_manager topup "$s" 30 >/dev/null; done
KEY=$("$OFFICE" terminal key POS1)
JOURNAL=$TMPDIR/pos1.journal
trap '[ -z "$SERVE" ] || kill -9 "$SERVE" 2>/dev/null || true' EXIT
pos() {
    printf '' | "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" \
        --journal "$JOURNAL" >/dev/null 2>"$TMPDIR/pos.err" || fail "pos: $(cat "$TMPDIR/pos.err")"
}
held() { journal "SELECT body FROM journal_snapshot" | jq -r "$1"; }
# the cards are kept one by one beside it
card() { journal "SELECT body FROM journal_cards WHERE card = '$1'" | jq -r "$2"; }
cards() { journal "SELECT count(*) FROM journal_cards"; }
# snapshots QUERY: the snapshot requests logged with ?QUERY (a page's after= included)
snapshots() { grep -cF "GET /v1/snapshot?$1 (snapshot) 200" "$TMPDIR/serve.log" || true; }
requests() { grep -c "GET /v1/snapshot" "$TMPDIR/serve.log" || true; }

# a dinner dearer than lunch: the offline allowance the snapshot carries is
# one lunch, as the server counts it (it carried the dearest meal, and a
# dinner served offline within it was refused at the server, never charged)
as_manager price set --canteen C1 --period dinner --category staff 12 >/dev/null
start_serve
# a meal today on the second page, before the first snapshot
echo 0000003001 | "$POS" --headless --terminal POS2 >/dev/null || fail "charging card 3001"
pos
[ "$(snapshots 'after=')" = 1 ] && [ "$(snapshots 'after=0000002000')" = 1 ] &&
    [ "$(snapshots 'after=0000004000')" = 1 ] && [ "$(requests)" = 3 ] ||
    fail "not three pages first: $(cat "$TMPDIR/serve.log")"
n=$(cards)
v=$(held .version)
[ "$n" = 4100 ] || fail "$n cards held"
[ "$(held .more)" = null ] && [ "$(held .cards)" = null ] || fail "held: $(held 'del(.names)')"
[ "$(card 0000000002 .cash_fen)" = 3000 ] || fail "card 2: $(card 0000000002 .)"
allowance=$("$OFFICE" rules list --canteen C1 --json | jq '.[] | select(.category == "staff") | .offline_daily_cap_fen')
[ "$allowance" = 800 ] && [ "$(held '.rules[] | select(.category == "staff") | .offline_daily_cap_fen')" = 800 ] ||
    fail "offline allowance: $allowance at the server, $(held .rules) held"
[ "$(card 0000003001 .meals_today.lunch)" = 1 ] && [ "$(card 0000003001 .cash_fen)" = 2200 ] ||
    fail "card 3001 on the second page: $(card 0000003001 .)"
[ "$(card 0000003002 .meals_today.lunch)" = null ] || fail "card 3002: $(card 0000003002 .)"

"$OFFICE" card block 0000000003 >/dev/null
as_manager topup S0002 20 >/dev/null
"$OFFICE" card block 0000004050 >/dev/null
pos
[ "$(snapshots "since=$v&after=")" = 1 ] || fail "no delta since $v: $(cat "$TMPDIR/serve.log")"
[ "$(cards)" = "$n" ] || fail "cards lost or added: $(cards) not $n"
[ "$(card 0000000003 .status)" = lost ] && [ "$(card 0000000002 .cash_fen)" = 5000 ] &&
    [ "$(card 0000004050 .status)" = lost ] || fail "the delta was not folded in"
[ "$(card 0000000001 .cash_fen)" = 3000 ] || fail "an unchanged card changed: $(card 0000000001 .)"
[ "$(held .version)" -gt "$v" ] || fail "the version did not move"

# the next day: a delta too; the held cards' meals are yesterday's ("day"),
# a card with a meal today comes with it
kill_serve
CLEANPLATE_NOW=2026-11-21T12:00:00
echo 0000003002 | "$POS" --headless --terminal POS2 >/dev/null || fail "charging card 3002"
v=$(held .version)
start_serve # a new log
pos
[ "$(snapshots "since=$v&after=")" = 1 ] && [ "$(requests)" = 1 ] ||
    fail "not one delta on a new day: $(cat "$TMPDIR/serve.log")"
[ "$(held .business_date)" = 2026-11-21 ] || fail "date: $(held .business_date)"
[ "$(cards)" = "$n" ] || fail "cards lost or added: $(cards) not $n"
[ "$(card 0000003001 .day)" = 2026-11-20 ] || fail "card 3001 not kept as yesterday's: $(card 0000003001 .)"
[ "$(card 0000003002 .meals_today.lunch)" = 1 ] && [ "$(card 0000003002 .day)" = null ] ||
    fail "card 3002's meal today: $(card 0000003002 .)"
# decided from it without the server: 3001's meal was yesterday, 3002's today
kill_serve
printf '0000003001\n0000003002\n' | "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" \
    --journal "$JOURNAL" >"$TMPDIR/answers" 2>/dev/null || fail "offline taps"
[ "$(sed -n 1p "$TMPDIR/answers" | jq -r '.ok, .offline' | tr '\n' ' ')" = "true true " ] ||
    fail "card 3001 offline on the new day: $(sed -n 1p "$TMPDIR/answers")"
[ "$(sed -n 2p "$TMPDIR/answers" | jq -r '.error, .offline' | tr '\n' ' ')" = "limit_reached true " ] ||
    fail "card 3002's second lunch offline: $(sed -n 2p "$TMPDIR/answers")"

# a delta of 4,100 cards comes in one answer (each page of a delta would
# read every audit entry after its version again); more than 10,000
# entries behind, the server answers a whole snapshot and the terminal
# asks its later pages whole too
topups() { { echo staff_no,yuan; seq -f 'S%04g,1' 1 4100; } >"$TMPDIR/t.csv"
    as_manager import topups "$TMPDIR/t.csv" >/dev/null; }
# changed COMMAND...: the held version into $v, COMMAND run, then the
# terminal's refresh through a new server (its requests in serve.log)
changed() { v=$(held .version); "$@" >/dev/null; start_serve; pos; kill_serve; }
# one_delta WHAT: that refresh was one delta since $v
one_delta() {
    [ "$(snapshots "since=$v&after=")" = 1 ] && [ "$(requests)" = 1 ] ||
        fail "not one delta $1: $(cat "$TMPDIR/serve.log")"
}
start_serve
pos # the queue goes out, then the snapshot
kill_serve
changed topups
one_delta "of 4,100 cards"
[ "$(card 0000000001 .cash_fen)" = 3100 ] && [ "$(card 0000004100 .cash_fen)" = 100 ] ||
    fail "the delta's cards: $(card 0000000001 .) $(card 0000004100 .)"
changed eval "topups; topups; topups"
[ "$(snapshots "since=$v&after=")" = 1 ] && [ "$(snapshots 'after=0000002000')" = 1 ] &&
    [ "$(snapshots 'after=0000004000')" = 1 ] && [ "$(requests)" = 3 ] ||
    fail "not a whole snapshot 12,300 entries behind: $(cat "$TMPDIR/serve.log")"
[ "$(cards)" = "$n" ] && [ "$(card 0000000001 .cash_fen)" = 3400 ] &&
    [ "$(card 0000004100 .cash_fen)" = 400 ] || fail "the whole snapshot's cards"
[ "$(held .version)" -gt "$((v + 10000))" ] || fail "the version did not move"

# an import of diners names each one added or changed: a delta, here of
# 5,901 new diners and one renamed
{
    echo "staff_no,name,department_code,category,card"
    echo "S0002,王二,D03,staff,0000000002"
    seq 4101 10001 | awk '{ printf "S%04d,职工%d,D01,staff,%010d\n", $1, $1, $1 }'
} >"$TMPDIR/more.csv"
changed "$OFFICE" import diners "$TMPDIR/more.csv"
one_delta "after an import of diners"
[ "$(cards)" = 10001 ] || fail "$(cards) cards held after the import, not 10001"
[ "$(card 0000010001 .name)" = 职工10001 ] && [ "$(card 0000000002 .name)" = 王二 ] &&
    [ "$(card 0000000002 .cash_fen)" = 5400 ] || fail "the imported: $(card 0000000002 .)"
# a department renamed is on every card of it (D01: 7,267 of them), a new
# one on none: one delta with D01's cards
printf 'code,name,parent_code\nD01,综合办公室,U1\nD04,信息中心,U1\n' >"$TMPDIR/dep2.csv"
changed "$OFFICE" import departments "$TMPDIR/dep2.csv"
one_delta "after a department was renamed"
[ "$(card 0000000003 .department)" = 综合办公室 ] && [ "$(card 0000010001 .department)" = 综合办公室 ] &&
    [ "$(card 0000000001 .department)" = 财务处 ] || fail "the renamed: $(card 0000000003 .)"

# one entry can name more cards than a delta holds: a month's subsidy
# granted to all 10,001 diners is a whole snapshot (6 pages)
changed as_manager subsidy grant --month 2026-11 2
[ "$(snapshots "since=$v&after=")" = 1 ] && [ "$(snapshots 'after=0000010000')" = 1 ] &&
    [ "$(requests)" = 6 ] || fail "not a whole snapshot for 10,001 cards: $(cat "$TMPDIR/serve.log")"
[ "$(cards)" = 10001 ] && [ "$(card 0000010001 .subsidy_fen)" = 200 ] &&
    [ "$(card 0000000001 .subsidy_fen)" = 200 ] || fail "the grant: $(card 0000010001 .)"
# a terminal of the programs before asks a later page of it with since:
# whole too (a delta of the cards after 2000 alone would lose the others)
start_serve
python3 tests/tools/termreq.py "127.0.0.1:$PORT" POS1 "$KEY" GET \
    "/v1/snapshot?since=$v&after=0000002000" >"$TMPDIR/req.out" || fail "termreq"
sed -n 2p "$TMPDIR/req.out" | jq -e '.delta == false and (.cards | length) == 2000 and
    .cards[0].card == "0000002001" and .more' >/dev/null ||
    fail "a later page asked with since: $(sed -n 2p "$TMPDIR/req.out" | cut -c1-300)"
kill_serve
echo "term_snapshot: ok"
