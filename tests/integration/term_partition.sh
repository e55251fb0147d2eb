# A partition (issue 14): the same card tapped at two terminals that are
# both offline (the server down). Each decides from its own snapshot (10
# yuan, no lunch yet) and serves a lunch. Replayed, the store holds both
# meals: the wallet went below its limit (0) by 6 yuan, at most the offline
# allowance (one lunch, 8 yuan) per terminal; the second sale is flagged
# over_limit and the card blocked (blocked_offline) until a top-up brings
# the wallet back, when it is active again; verify passes.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 3
as_manager topup S0001 10 >/dev/null
K1=$("$OFFICE" terminal key POS1)
K2=$("$OFFICE" terminal key POS2)
trap '[ -z "$SERVE" ] || kill -9 "$SERVE" 2>/dev/null || true' EXIT
# pos T [CARD]: POS$T with its own journal, the card on stdin (none: it only
# talks to the server), answers in $TMPDIR/answers.T
pos() {
    eval "key=\$K$1"
    printf '%s' "${2:+$2
}" | "$POS" --headless --terminal "POS$1" --server "$URL" --key "$key" \
        --journal "$TMPDIR/pos$1.journal" >"$TMPDIR/answers.$1" 2>"$TMPDIR/pos$1.err" ||
        fail "POS$1: $(cat "$TMPDIR/pos$1.err")"
}
cash() { sql "SELECT w.cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id WHERE d.staff_no = 'S0001'"; }
status() { sql "SELECT status FROM cards WHERE card_no = '0000000001'"; }

# both take their snapshot, then the server goes down
start_serve
pos 1
pos 2
kill_serve
for t in 1 2; do
    pos "$t" 0000000001
    [ "$(jq -r '.ok, .offline' "$TMPDIR/answers.$t" | tr '\n' ' ')" = "true true " ] ||
        fail "POS$t did not serve it offline: $(cat "$TMPDIR/answers.$t")"
done
[ "$(cash)" = 1000 ] || fail "the store changed while the server was down"

# back: both replay; both meals are in the store
start_serve
pos 1
pos 2
[ "$(sql "SELECT count(*) FROM sales WHERE card_no = '0000000001' AND offline = 1")" = 2 ] ||
    fail "not both meals: $(sql "SELECT request_id, offline, over_limit FROM sales")"
[ "$(sql "SELECT count(*) FROM sales WHERE over_limit = 1")" = 1 ] || fail "the sale past the limit not flagged"
[ "$(cash)" = -600 ] || fail "cash $(cash), not -600 (10 - 2 x 8 yuan)"
[ "$((-$(cash)))" -le 1600 ] || fail "below the limit by more than the allowance of two terminals"
[ "$(status)" = blocked_offline ] || fail "the card is $(status), not blocked"
pos 1 0000000001
[ "$(jq -r .ok "$TMPDIR/answers.1")" = false ] || fail "a blocked card charged online: $(cat "$TMPDIR/answers.1")"

# a top-up that brings the wallet back unblocks it
as_manager topup S0001 20 >/dev/null
[ "$(status)" = active ] || fail "after the top-up the card is $(status)"
kill_serve
"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_partition: ok"
