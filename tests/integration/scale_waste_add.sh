# cleanplate-office waste add: weighings typed in when a scale is broken,
# flagged manual, attributed to a diner (and their department now), a
# department or the canteen, a manager answering for each with a PIN;
# import weighings: a file of them, all or nothing; mistakes explained on
# one line.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null

as_manager waste add --stage plate --staff-no S0001 --grams 150 --terminal W1 >"$TMPDIR/out" ||
    fail "waste add"
grep -q '^recorded W1-000001: plate 150 g for 职工1 (S0001), D02 财务处; flags no_meal, manual$' \
    "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
as_manager waste add --stage prep --department D01 --grams 2500 --category 蔬菜 --reason 备餐过量 \
    --terminal W1 >"$TMPDIR/out" || fail "waste add prep"
grep -q 'prep 2500 g, D01 办公室, 蔬菜 / 备餐过量; flags manual$' "$TMPDIR/out" ||
    fail "said: $(cat "$TMPDIR/out")"
as_manager waste add --stage spoilage --canteen C1 --grams 0 --terminal W1 >"$TMPDIR/out" ||
    fail "waste add spoilage"
grep -q 'spoilage 0 g, canteen C1; flags manual$' "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
as_manager waste add --stage plate --canteen C1 --grams 80 --terminal W1 >"$TMPDIR/out" ||
    fail "waste add anonymous"
grep -q 'flags manual, anonymous$' "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"
# in Chinese, the flags too
echo "$MANAGER_PIN" | LANG=zh_CN.UTF-8 "$OFFICE" waste add --stage plate --canteen C1 --grams 70 \
    --terminal W1 --manager "$MANAGER" \
    >"$TMPDIR/out" 2>/dev/null || fail "waste add in Chinese"
grep -q '标记 手工录入，匿名$' "$TMPDIR/out" || fail "said: $(cat "$TMPDIR/out")"

[ "$(sql "SELECT stage || ':' || net_g || ':' || flags || ':' || actor FROM waste_records
     ORDER BY id" | paste -sd ' ')" = \
  "plate:150:12:$MANAGER prep:2500:8:$MANAGER spoilage:0:8:$MANAGER plate:80:24:$MANAGER plate:70:24:$MANAGER" ] ||
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
must_fail "no diner with staff number 'S9999'" as_manager waste add --stage plate \
    --staff-no S9999 --grams 5 --terminal W1
must_fail "no department 'D99'" as_manager waste add --stage prep --department D99 \
    --grams 5 --terminal W1
must_fail "is kitchen waste" as_manager waste add --stage prep --staff-no S0001 --grams 5 \
    --terminal W1
must_fail "terminal add W9" as_manager waste add --stage prep --canteen C1 --grams 5 --terminal W9
must_fail "belongs to canteen C1, not C2" as_manager waste add --stage prep --canteen C2 \
    --grams 5 --terminal W1
# a department's leftovers are no diner's tray (they were counted as nobody's
# while the answer named the department); a cash terminal's numbers are its receipts'
must_fail "a plate weighing is one diner's tray" as_manager waste add --stage plate \
    --department D01 --grams 5000 --terminal W1
must_fail "terminal POS1 is a cash terminal" as_manager waste add --stage prep --canteen C1 \
    --grams 50 --terminal POS1
# a weighing typed in counts in the ranking: a manager answers for it
must_fail "--manager" "$OFFICE" waste add --stage plate --staff-no S0001 --grams 5 --terminal W1
if echo 999999 | "$OFFICE" waste add --stage plate --staff-no S0001 --grams 5 --terminal W1 \
    --manager "$MANAGER" >/dev/null 2>&1; then fail "a wrong PIN recorded a weighing"; fi
[ "$(sql 'SELECT count(*) FROM waste_records')" -eq 5 ] ||
    fail "a refused entry was written"

# import weighings: what was written down while the scale was broken, all or
# nothing, each flagged manual with the manager as its actor
csv() { printf 'at,stage,staff_no,department,canteen,grams,category,reason\n%s' "$1" >"$TMPDIR/w.csv"; }
csv "2026-11-20T11:50:00,plate,S0002,,,120,,
2026-11-20T10:00:00,prep,,D01,,3000,蔬菜,备餐过量
"
as_manager import weighings "$TMPDIR/w.csv" --terminal W1 >"$TMPDIR/out" || fail "import weighings"
grep -qx "imported 2 weighings typed in by hand at W1 (1 trays, 1 kitchen): 3120 g, flagged manual, by $MANAGER" \
    "$TMPDIR/out" || fail "import said: $(cat "$TMPDIR/out")"
[ "$(sql "SELECT stage || ':' || net_g || ':' || flags || ':' || actor || ':' || business_date FROM waste_records
     WHERE id > 'W1-000005' ORDER BY id" | paste -sd ' ')" = \
  "plate:120:12:$MANAGER:2026-11-20 prep:3000:8:$MANAGER:2026-11-20" ] ||
    fail "imported: $(sql "SELECT * FROM waste_records WHERE id > 'W1-000005'")"
csv "2026-11-20T11:50:00,plate,S0003,,,120,,
2026-11-20T12:01:00,plate,S0001,,,80,,
"
must_fail "w.csv:3: field at: 2026-11-20T12:01:00 is after now" as_manager import weighings \
    "$TMPDIR/w.csv" --terminal W1
csv "2026-11-20T11:50:00,plate,S0003,,,120,,
2026-11-20T11:51:00,plate,S9999,,,80,,
"
must_fail "w.csv:3: no diner with staff number 'S9999'" as_manager import weighings \
    "$TMPDIR/w.csv" --terminal W1
csv "2026-11-20T11:50:00,plate,S0003,,C1,120,,
"
must_fail "w.csv:2: give one of staff_no" as_manager import weighings "$TMPDIR/w.csv" --terminal W1
csv "2026-11-20T11:50:00,plate,S0003,,,12kg,,
"
must_fail "w.csv:2: field grams: '12kg'" as_manager import weighings "$TMPDIR/w.csv" --terminal W1
must_fail "--manager" "$OFFICE" import weighings "$TMPDIR/w.csv" --terminal W1
[ "$(sql 'SELECT count(*) FROM waste_records')" -eq 7 ] || fail "a refused import wrote weighings"
"$OFFICE" verify >/dev/null || fail "verify after the imports"
"$OFFICE" waste add --help | grep -q 'flagged manual' || fail "waste add --help"

# waste correct: a tray typed 1500 g for 150 g is corrected, then the
# correction taken back (it was nobody's tray of S0002): the old records
# stay, left out; the month's figures follow (they could not be corrected)
as_manager topup S0002 20 >/dev/null
echo 0000000002 | "$POS" --headless --terminal POS1 | grep -q '"ok":true' || fail "S0002's lunch"
as_manager waste add --stage plate --staff-no S0002 --grams 1500 --terminal W1 >"$TMPDIR/out"
wrong=$(sed -n 's/^recorded \([^:]*\):.*/\1/p' "$TMPDIR/out")
grams() { "$OFFICE" metrics --month 2026-11 --json | jq '[.[] | .plate_g] | add'; }
before=$(grams)
as_manager waste correct "$wrong" --grams 150 --reason "typed 1500 for 150" >"$TMPDIR/out" ||
    fail "waste correct: $(cat "$TMPDIR/out")"
fixed=$(sed -n "s/^weighing $wrong corrected by \([^:]*\): 150 g now counts in its place$/\1/p" "$TMPDIR/out")
[ -n "$fixed" ] || fail "waste correct said: $(cat "$TMPDIR/out")"
[ "$(grams)" = $((before - 1350)) ] || fail "corrected: $(grams) g, was $before g"
must_fail "was corrected already, by $fixed: correct $fixed" as_manager waste correct "$wrong" \
    --grams 15 --reason again
as_manager waste correct "$fixed" --void --reason "not S0002's tray" | grep -q "taken back" ||
    fail "waste correct --void"
[ "$(grams)" = $((before - 1500)) ] || fail "taken back: $(grams) g, was $before g"
# two corrections of one weighing at once (two managers): the store keeps one
sql "INSERT INTO waste_records(id, terminal, canteen_id, stage, business_date, gross_g,
    tare_g, net_g, flags, actor, created_at, corrects) VALUES ('W1-999998', 'W1', 1, 'plate',
    '2026-11-20', 1, 0, 1, 8, 'x', '2026-11-20T12:00:00', '$wrong')" 2>/dev/null &&
    fail "a second correction of $wrong was stored"
must_fail "give --grams N" as_manager waste correct "$fixed" --reason x
must_fail "--reason" as_manager waste correct "$fixed" --grams 1
must_fail "no weighing 'W9-999999'" as_manager waste correct W9-999999 --void --reason x
# a reason of 200 Chinese characters is kept whole (600 bytes)
long=$(printf '错%.0s' $(seq 1 200))
must_fail "at most 200 characters" as_manager waste correct "$fixed" --void --reason "${long}多"
as_manager topup S0003 20 >/dev/null
echo 0000000003 | "$POS" --headless --terminal POS1 >/dev/null
as_manager waste add --stage plate --staff-no S0003 --grams 90 --terminal W1 >"$TMPDIR/out"
third=$(sed -n 's/^recorded \([^:]*\):.*/\1/p' "$TMPDIR/out")
as_manager waste correct "$third" --grams 9 --reason "$long" >/dev/null || fail "a long reason"
[ "$(sql "SELECT detail FROM audit WHERE detail LIKE 'corrects $third:%'")" = "corrects $third: $long" ] ||
    fail "the reason was cut: $(sql "SELECT detail FROM audit WHERE detail LIKE 'corrects $third:%'")"
[ "$(sql "SELECT count(*) FROM waste_records WHERE corrects IS NOT NULL")" = 3 ] &&
    [ "$(sql "SELECT count(*) FROM audit WHERE subject = '$fixed' AND detail LIKE 'corrects $wrong: typed%'")" = 1 ] ||
    fail "the corrections and their reasons are not kept"
"$OFFICE" verify >/dev/null || fail "verify after the corrections"
echo "scale_waste_add: ok"
