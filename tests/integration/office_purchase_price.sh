# A purchase whose price per kg is 5 times or more above or below every
# price paid for its category at its canteen before is recorded, with a
# warning on stderr that says what was likely typed and what to do (review
# C8: 50 kg of rice typed as 50000 in a supplier's sheet was imported
# without a word, and the month's kitchen waste of it was priced at
# nothing). A stock count's check is the same prices. Prices of reversed
# purchases do not count.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

setup_canteen 3
export CLEANPLATE_NOW=2026-11-30T20:00:00
buy() { as_manager purchase add --canteen C1 --supplier 粮油公司 --category 主食 "$@"; }
# nothing bought before: nothing to compare with
buy --date 2026-11-02 --kg 100 --yuan 450 --invoice A1 >/dev/null 2>"$TMPDIR/err" || fail "A1"
[ ! -s "$TMPDIR/err" ] || fail "a first purchase warned: $(cat "$TMPDIR/err")"
# within 5 times: no word
buy --date 2026-11-03 --kg 10 --yuan 60 --invoice A2 >/dev/null 2>"$TMPDIR/err" || fail "A2"
[ ! -s "$TMPDIR/err" ] || fail "a fair price warned: $(cat "$TMPDIR/err")"
# a sheet with the weight in grams: recorded, and said, line by line
printf 'date,supplier,category,kg,yuan,invoice\n2026-11-04,粮油公司,主食,50,230,A3\n2026-11-05,粮油公司,主食,50000,225,A4\n' \
    >"$TMPDIR/nov.csv"
as_manager import purchases "$TMPDIR/nov.csv" --canteen C1 >"$TMPDIR/out" 2>"$TMPDIR/err" ||
    fail "import: $(cat "$TMPDIR/err")"
grep -q "imported 2 purchases" "$TMPDIR/out" || fail "import said: $(cat "$TMPDIR/out")"
[ "$(wc -l <"$TMPDIR/err")" = 1 ] || fail "warnings: $(cat "$TMPDIR/err")"
grep -q "nov.csv:3: warning: 225.00 yuan for 50000.000 kg is 1000 times below the lowest price paid for 主食 here before (4.50 to 6.00 yuan/kg): a weight in grams, not kg? If so, \`purchase reverse\` it" \
    "$TMPDIR/err" || fail "the warning: $(cat "$TMPDIR/err")"
# a price typed ten times too high, by hand
buy --date 2026-11-06 --kg 10 --yuan 450 --invoice A5 >/dev/null 2>"$TMPDIR/err" || fail "A5"
grep -q "warning: 450.00 yuan for 10.000 kg is 7 times the highest price paid for 主食 here before (0.00 to 6.00 yuan/kg): a typo?" \
    "$TMPDIR/err" || fail "a price too high: $(cat "$TMPDIR/err")"
# reversed, the grams line no longer counts among the prices paid
id=$(sql "SELECT id FROM purchases WHERE invoice = 'A4'")
as_manager purchase reverse "$id" --reason "克当千克" >/dev/null || fail "reverse"
buy --date 2026-11-07 --kg 10 --yuan 40 --invoice A6 >/dev/null 2>"$TMPDIR/err" || fail "A6"
[ ! -s "$TMPDIR/err" ] || fail "a fair price beside a reversed one warned: $(cat "$TMPDIR/err")"
[ "$(sql "SELECT count(*) FROM purchases")" = 7 ] || fail "$(sql "SELECT count(*) FROM purchases") rows"
"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "office_purchase_price: ok"
