# cleanplate-office waste add: weighings typed in when a scale is broken,
# flagged manual, attributed to a diner (and their department now), a
# department or the canteen; mistakes explained on one line.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null

"$OFFICE" waste add --stage plate --staff-no S0001 --grams 150 --terminal W1 >"$TMPDIR/out" ||
    fail "waste add"
grep -q '^recorded W1-000001: plate 150 g for 职工1 (S0001), D02 财务处; flags no_meal, manual$' \
    "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
"$OFFICE" waste add --stage prep --department D01 --grams 2500 --category 蔬菜 --reason 备餐过量 \
    --terminal W1 >"$TMPDIR/out" || fail "waste add prep"
grep -q 'prep 2500 g, D01 办公室, 蔬菜 / 备餐过量; flags manual$' "$TMPDIR/out" ||
    fail "said: $(cat "$TMPDIR/out")"
"$OFFICE" waste add --stage spoilage --canteen C1 --grams 0 --terminal W1 >"$TMPDIR/out" ||
    fail "waste add spoilage"
grep -q 'spoilage 0 g, canteen C1; flags manual$' "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
"$OFFICE" waste add --stage plate --canteen C1 --grams 80 --terminal W1 >"$TMPDIR/out" ||
    fail "waste add anonymous"
grep -q 'flags manual, anonymous$' "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
# in Chinese, the flags too
LANG=zh_CN.UTF-8 "$OFFICE" waste add --stage plate --canteen C1 --grams 70 --terminal W1 \
    >"$TMPDIR/out" 2>/dev/null || fail "waste add in Chinese"
grep -q '标记 手工录入，匿名$' "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"

[ "$(sql "SELECT stage || ':' || net_g || ':' || flags || ':' || actor FROM waste_records
     ORDER BY id" | paste -sd ' ')" = \
  "plate:150:12:test prep:2500:8:test spoilage:0:8:test plate:80:24:test plate:70:24:test" ] ||
    fail "store: $(sql 'SELECT * FROM waste_records')"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'waste.record'
     AND detail = 'typed in by hand' AND content IS NOT NULL")" -eq 5 ] ||
    fail "manual entries are not audited"
"$OFFICE" verify >/dev/null || fail "verify after manual entries"

must_fail "give one of --staff-no N" "$OFFICE" waste add --stage plate --grams 5 --terminal W1
must_fail "give one of --staff-no N" "$OFFICE" waste add --stage plate --staff-no S0001 \
    --canteen C1 --grams 5 --terminal W1
must_fail "missing --grams" "$OFFICE" waste add --stage plate --staff-no S0001 --terminal W1
must_fail "--grams '-5' is not a whole number" "$OFFICE" waste add --stage plate \
    --staff-no S0001 --grams -5 --terminal W1
must_fail "--grams '1.5' is not a whole number" "$OFFICE" waste add --stage plate \
    --staff-no S0001 --grams 1.5 --terminal W1
# 350 g with four zeros too many: more than any scale reads (1,000 kg)
must_fail "--grams '3500000' is not a whole number of grams from 0 to 1000000" "$OFFICE" \
    waste add --stage plate --staff-no S0001 --grams 3500000 --terminal W1
must_fail "unknown stage 'compost'" "$OFFICE" waste add --stage compost --canteen C1 \
    --grams 5 --terminal W1
must_fail "no diner with staff number 'S9999'" "$OFFICE" waste add --stage plate \
    --staff-no S9999 --grams 5 --terminal W1
must_fail "no department 'D99'" "$OFFICE" waste add --stage prep --department D99 \
    --grams 5 --terminal W1
must_fail "is kitchen waste" "$OFFICE" waste add --stage prep --staff-no S0001 --grams 5 \
    --terminal W1
must_fail "terminal add W9" "$OFFICE" waste add --stage prep --canteen C1 --grams 5 --terminal W9
must_fail "belongs to canteen C1, not C2" "$OFFICE" waste add --stage prep --canteen C2 \
    --grams 5 --terminal W1
# a department's leftovers are no diner's tray (they were counted as nobody's
# while the answer named the department); a cash terminal's numbers are its receipts'
must_fail "a plate weighing is one diner's tray" "$OFFICE" waste add --stage plate \
    --department D01 --grams 5000 --terminal W1
must_fail "terminal POS1 is a cash terminal" "$OFFICE" waste add --stage prep --canteen C1 \
    --grams 50 --terminal POS1
[ "$(sql 'SELECT count(*) FROM waste_records')" -eq 5 ] ||
    fail "a refused entry was written"
"$OFFICE" waste add --help | grep -q 'flagged manual' || fail "waste add --help"
echo "scale_waste_add: ok"
