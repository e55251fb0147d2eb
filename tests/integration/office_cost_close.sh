# Closing a month's cost books (`cost close`, review C2): November's report
# is signed on 1 December; a delivery dated in November entered on the 15th,
# an import with such a line and a recount of November's stock are refused,
# saying what to do, and write nothing; a November purchase reversed then is
# dated the 15th, in December; November's report stays what was signed. A
# month that has not ended is not closed; every canteen at once skips one
# closed already; a closed month stays closed (append-only); verify passes.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

setup_canteen 6
"$OFFICE" canteen add C2 "机关二食堂" >/dev/null
seq 1 6 | CLEANPLATE_NOW=2026-11-02T12:00:00 "$POS" --headless --terminal POS1 >/dev/null ||
    fail "lunch"
export CLEANPLATE_NOW=2026-11-30T20:00:00
buy() { as_manager purchase add --canteen C1 --supplier 粮油公司 --kg 10 "$@"; }
buy --date 2026-11-02 --category 主食 --yuan 45 --invoice FP1 >/dev/null || fail "purchase FP1"
veg=$(buy --date 2026-11-03 --category 蔬菜 --yuan 80 --invoice FP2) || fail "purchase FP2"
veg=$(echo "$veg" | grep -o '[0-9a-f]\{16,\}' | head -1)
[ -n "$veg" ] || fail "no purchase id printed"
as_manager stock count --canteen C1 --month 2026-11 --category 主食 --yuan 5 >/dev/null ||
    fail "count"
purchases() { sql "SELECT count(*) FROM purchases"; }
counts() { sql "SELECT count(*) FROM stock_counts"; }
cost() { "$OFFICE" report cost --month 2026-11 --canteen C1 --json | jq -c '{food_used_fen, cost_per_meal_fen}'; }

export CLEANPLATE_NOW=2026-12-01T09:00:00
signed=$(cost) || fail "report cost"
must_fail "2026-12 has not ended (today is 2026-12-01)" as_manager cost close --month 2026-12
must_fail "is not a month like 2026-11" as_manager cost close --month 2026-13
must_fail "--manager" "$OFFICE" cost close --month 2026-11
must_fail "no canteen 'C9'" as_manager cost close --month 2026-11 --canteen C9
as_manager cost close --month 2026-11 --canteen C1 >"$TMPDIR/out" || fail "cost close"
grep -q "closed the cost books of 2026-11 at canteen C1" "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
must_fail "closed already (through 2026-11, by $MANAGER" as_manager cost close --month 2026-11 --canteen C1
# every canteen: C1 is closed already, C2 is closed now
as_manager cost close --month 2026-11 >"$TMPDIR/out" || fail "cost close, every canteen"
grep -q "at 1 canteen:" "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'cost.close'")" = 2 ] || fail "not audited"
must_fail "the cost books of 2026-10 are closed already at every canteen" \
    as_manager cost close --month 2026-10

export CLEANPLATE_NOW=2026-12-15T10:00:00
p=$(purchases); k=$(counts)
must_fail "--date: 2026-11-20 is in a month whose cost books are closed at canteen C1 (closed through 2026-11 by $MANAGER on 2026-12-01): a late delivery goes in dated today" \
    buy --date 2026-11-20 --category 水产 --yuan 30 --invoice FP9
printf 'date,supplier,category,kg,yuan,invoice\n2026-12-10,海鲜行,水产,2,60,FP10\n2026-10-31,海鲜行,水产,1,30,FP11\n' \
    >"$TMPDIR/late.csv"
must_fail "late.csv:3: field date: 2026-10-31 is in a month whose cost books are closed" \
    as_manager import purchases "$TMPDIR/late.csv" --canteen C1
must_fail "--month: 2026-11 is in a month whose cost books are closed" \
    as_manager stock count --canteen C1 --month 2026-11 --category 蔬菜 --yuan 9
must_fail "--month: 2026-10 is in a month whose cost books are closed" \
    as_manager stock count --canteen C1 --month 2026-10 --category 蔬菜 --yuan 9
[ "$(purchases) $(counts)" = "$p $k" ] || fail "a refused entry was written"
# a mistaken November purchase is reversed in December; a December one goes in
as_manager purchase reverse "$veg" --reason 录错 >"$TMPDIR/out" || fail "reverse"
grep -q "taken off 2026-12-15" "$TMPDIR/out" || fail "the reversal: $(cat "$TMPDIR/out")"
[ "$(sql "SELECT business_date FROM purchases WHERE reverses = '$veg'")" = 2026-12-15 ] ||
    fail "the reversal is not dated today"
buy --date 2026-12-10 --category 水产 --yuan 30 --invoice FP12 >/dev/null || fail "a December purchase"
# C2's November is closed too; its December is open
must_fail "closed at canteen C2" as_manager purchase add --canteen C2 --date 2026-11-30 \
    --supplier x --category 主食 --kg 1 --yuan 1
[ "$(cost)" = "$signed" ] || fail "November's cost changed: $(cost), signed $signed"
"$OFFICE" report cost --month 2026-12 --canteen C1 --json | jq -e '.purchases_fen == -5000' \
    >/dev/null || fail "December's purchases: $("$OFFICE" report cost --month 2026-12 --canteen C1 --json)"
# closed stays closed
if sql "DELETE FROM cost_closes" 2>/dev/null; then fail "a closed month was reopened"; fi
"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "office_cost_close: ok"
