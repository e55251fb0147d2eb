# Cost accounting as a manager does it at a month end: a small November made
# with the real headless POS and `waste add`, the month's purchases imported
# from a real CSV (BOM, CRLF, quoted supplier names with commas and quotes), a
# mistaken purchase reversed, stock counts and a recount; then `report cost`
# read back as JSON and from the monthly PDF (pdftotext), checked against
# figures computed here independently (python3), the year on one signed page,
# the quarterly evaluation, and verify.
. tests/integration/lib.sh

setup_canteen 12
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager subsidy grant --month 2026-11 20 >/dev/null
{ echo "staff_no,yuan"; for i in $(seq 1 12); do printf 'S%04d,50\n' "$i"; done; } >"$TMPDIR/cash.csv"
as_manager import topups "$TMPDIR/cash.csv" >/dev/null

# four lunches: everybody on the 2nd and 3rd, S0001-S0010 on the 4th and 5th
meals=0
for day in 02 03 04 05; do
    n=12; [ "$day" -ge 04 ] && n=10
    seq 1 $n | CLEANPLATE_NOW=2026-11-${day}T12:00:00 "$POS" --headless --terminal POS1 \
        >"$TMPDIR/lunch$day" || fail "lunch $day"
    [ "$(grep -c '"ok":true' "$TMPDIR/lunch$day")" -eq $n ] || fail "lunch $day: $(cat "$TMPDIR/lunch$day")"
    meals=$((meals + n))
done

# trays and kitchen bins, written down by hand (a broken scale) and imported
# (import weighings); every weighing also in weighings.txt
: >"$TMPDIR/weighings.txt"
echo "at,stage,staff_no,department,canteen,grams,category,reason" >"$TMPDIR/trays.csv"
weigh() { # date stage grams category (--staff-no N | --canteen C)
    staff=; canteen=
    case $5 in --staff-no) staff=$6 ;; --canteen) canteen=$6 ;; esac
    echo "${1}T12:40:00,$2,$staff,,$canteen,$3,$4," >>"$TMPDIR/trays.csv"
}
for day in 02 03 04 05; do
    n=12; [ "$day" -ge 04 ] && n=10
    for i in $(seq 1 $n); do
        g=$(( (i * 7 + ${day#0} * 11) % 40 + 5 ))
        weigh 2026-11-$day plate $g "" --staff-no "$(printf 'S%04d' "$i")"
        echo "plate - $g" >>"$TMPDIR/weighings.txt"
    done
done
weigh 2026-11-02 prep 1200 蔬菜 --canteen C1;           echo "kitchen 蔬菜 1200" >>"$TMPDIR/weighings.txt"
weigh 2026-11-03 overproduction 2500 主食 --canteen C1; echo "kitchen 主食 2500" >>"$TMPDIR/weighings.txt"
weigh 2026-11-04 spoilage 800 汤 --canteen C1;          echo "kitchen 汤 800" >>"$TMPDIR/weighings.txt"
weigh 2026-11-05 prep 600 肉禽 --canteen C1;            echo "kitchen 肉禽 600" >>"$TMPDIR/weighings.txt"
# S0011 ate no lunch on the 5th: the tray is flagged no_meal and left out of the waste
weigh 2026-11-05 plate 300 "" --staff-no S0011
CLEANPLATE_NOW=2026-11-05T13:00:00 as_manager import weighings "$TMPDIR/trays.csv" --terminal W1 \
    >/dev/null || fail "import weighings"

export CLEANPLATE_NOW=2026-12-01T09:00:00
# the stock at the end of October: November's opening
as_manager stock count --canteen C1 --month 2026-10 --category 蔬菜 --yuan 100 --kg 20 >/dev/null
as_manager stock count --canteen C1 --month 2026-10 --category 主食 --yuan 90 --kg 20 >/dev/null

# November's purchases as the supplier's spreadsheet saves them: BOM, CRLF, quotes
printf '\357\273\277date,supplier,category,kg,yuan,invoice\r\n' >"$TMPDIR/purchases.csv"
printf '%s\r\n' \
    '2026-11-01,"绿源蔬菜, 配送中心",蔬菜,40,160.00,FP1101' \
    '2026-11-01,"He said ""fresh""",肉禽,15.5,620.00,' \
    '2026-11-02,粮油公司,主食,100,450.00,FP1102' \
    '2026-11-08,"绿源蔬菜, 配送中心",蔬菜,35.5,149.10,FP1108' \
    '2026-11-09,海鲜行,水产,8.25,330.00,FP1109' \
    '2026-11-15,"绿源蔬菜, 配送中心",蔬菜,42,176.40,FP1115' \
    '2026-11-16,蛋奶站,蛋奶,20,180.00,' \
    '2026-11-20,粮油公司,调料,5.125,61.50,FP1120' \
    '2026-11-22,"=HYPERLINK(""x"")",其他,3,30.00,' \
    '2026-11-28,"绿源蔬菜, 配送中心",蔬菜,30,129.00,FP1128' >>"$TMPDIR/purchases.csv"

# a bad line: nothing of the file is imported, the line and field are named
{ head -c 3 "$TMPDIR/purchases.csv"; printf 'date,supplier,category,kg,yuan,invoice\r\n'
  printf '2026-11-03,a,蔬菜,1,1,\r\n2026-11-04,b,水果,1,1,\r\n'; } >"$TMPDIR/bad.csv"
must_fail "bad.csv:3: field category: no food category '水果'" \
    as_manager import purchases "$TMPDIR/bad.csv" --canteen C1
grep -q "nothing was imported" "$TMPDIR/err" || fail "the refusal does not say nothing was imported"
must_fail "--manager NAME" "$OFFICE" import purchases "$TMPDIR/purchases.csv" --canteen C1
must_fail "not a weight in kg" as_manager purchase add --canteen C1 --date 2026-11-03 \
    --supplier x --category 蔬菜 --kg 1.2345 --yuan 1
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM purchases")" = 0 ] || fail "a refused purchase was written"

as_manager import purchases "$TMPDIR/purchases.csv" --canteen C1 >"$TMPDIR/out" ||
    fail "import purchases: $(cat "$TMPDIR/err" 2>/dev/null)"
grep -q "imported 10 purchases for canteen C1: 299.375 kg, 2286.00 yuan" "$TMPDIR/out" ||
    fail "import: $(cat "$TMPDIR/out")"
# the file imported twice (the supplier sent it again), or an invoice typed
# again: refused, naming the purchase that has it; the month's cost was doubled
must_fail "invoice FP1101 is recorded already: purchase " \
    as_manager import purchases "$TMPDIR/purchases.csv" --canteen C1
must_fail "invoice FP1109 is recorded already: purchase " as_manager purchase add \
    --canteen C1 --date 2026-11-09 --supplier 海鲜行 --category 水产 --kg 8.25 --yuan 330 \
    --invoice FP1109
[ "$(sql "SELECT count(*) FROM purchases")" = 10 ] || fail "a purchase recorded twice"
# a delivery without its invoice typed twice, taken back
id=$(as_manager purchase add --canteen C1 --date 2026-11-09 --supplier 海鲜行 --category 水产 \
    --kg 8.25 --yuan 330 | sed -n 's/^purchase \([0-9a-f]*\):.*/\1/p')
[ -n "$id" ] || fail "purchase add printed no id"
as_manager purchase reverse "$id" --reason "送货单录了两次" | grep -q "reversed by" || fail "reverse"
must_fail "reversed already" as_manager purchase reverse "$id" --reason again
"$OFFICE" purchase list --month 2026-11 --csv >"$TMPDIR/list.csv"
grep -q "^[0-9a-f]*,C1,2026-11-22,其他,3.000,30.00,\"'=HYPERLINK(\"\"x\"\")\"" "$TMPDIR/list.csv" ||
    fail "purchase list: a supplier's formula is not neutralised: $(grep 其他 "$TMPDIR/list.csv")"
[ "$(grep -c "$id" "$TMPDIR/list.csv")" = 2 ] || fail "purchase list lacks the reversal"
# the table a manager reads names each invoice, as the CSV does
"$OFFICE" purchase list --month 2026-11 >"$TMPDIR/list.txt"
grep -q " 2026-11-09 .*海鲜行  invoice FP1109$" "$TMPDIR/list.txt" ||
    fail "purchase list: no invoice: $(grep 海鲜行 "$TMPDIR/list.txt")"

# November's counts: 蔬菜 in yuan only, 主食 counted twice (the recount counts)
as_manager stock count --canteen C1 --month 2026-11 --category 蔬菜 --yuan 60 >/dev/null
as_manager stock count --canteen C1 --month 2026-11 --category 主食 --yuan 180 >/dev/null
as_manager stock count --canteen C1 --month 2026-11 --category 主食 --yuan 200 --kg 45 |
    grep -q "a recount" || fail "a recount is not said to be one"
must_fail "has not begun" as_manager stock count --canteen C1 --month 2027-01 --category 主食 --yuan 1
# on December 1st, December's closing stock is not counted yet (it would
# be taken as the month's, with the month's deliveries still to come)
must_fail "has not ended (today is day 1)" as_manager stock count --canteen C1 --month 2026-12 --category 主食 --yuan 1
# a count typed with two zeros too many: said at once, and the month's food used is
# below zero, which the report says (not "no meals"); a recount puts it right
as_manager stock count --canteen C1 --month 2026-11 --category 主食 --yuan 20000 --kg 45 \
    >/dev/null 2>"$TMPDIR/err" || fail "stock count: $(cat "$TMPDIR/err")"
grep -q "warning: that is [0-9]* times the highest price ever paid for 主食 here" "$TMPDIR/err" ||
    fail "a count 100 times the price: $(cat "$TMPDIR/err")"
"$OFFICE" report cost --month 2026-11 --canteen C1 >"$TMPDIR/cost.txt" || fail "report cost"
grep -q "below zero: a closing stock count is more than" "$TMPDIR/cost.txt" &&
    grep -q "^cost per meal   - (food used is below zero)" "$TMPDIR/cost.txt" ||
    fail "food used below zero: $(cat "$TMPDIR/cost.txt")"
as_manager stock count --canteen C1 --month 2026-11 --category 主食 --yuan 200 --kg 45 \
    >/dev/null 2>"$TMPDIR/err" && [ ! -s "$TMPDIR/err" ] || fail "the recount: $(cat "$TMPDIR/err")"

"$OFFICE" report cost --month 2026-11 --canteen C1 --json >"$TMPDIR/cost.json" || fail "report cost --json"
python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); assert d["stock_counted"] is False, d' \
    "$TMPDIR/cost.json" || fail "stock_counted is true while 肉禽 and others were not counted"
for c in 肉禽 水产 蛋奶 调料 其他; do
    as_manager stock count --canteen C1 --month 2026-11 --category "$c" --yuan 0 --kg 0 >/dev/null
done
"$OFFICE" report cost --month 2026-11 --canteen C1 --json >"$TMPDIR/cost.json" || fail "report cost --json"

# The same month computed here, from what was typed and imported, not from the store:
# food used = opening + purchases - closing per category; a count without kg is
# weighed at the category's price; kitchen waste at its category's price (汤, never
# bought, at the average of all food used), plate waste at that average; rounding
# half up, as integers.
python3 - "$TMPDIR" "$meals" <<'EOF' || fail "the cost report differs from the figures computed here"
import csv, json, sys
from decimal import Decimal, ROUND_HALF_UP
tmp, meals = sys.argv[1], int(sys.argv[2])
def rnd(x): return int(Decimal(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))
def frac(a, b, scale): return rnd(Decimal(a) * scale / Decimal(b)) / scale
bought = {}
with open(f"{tmp}/purchases.csv", encoding="utf-8-sig", newline="") as f:
    for r in csv.DictReader(f):
        fen, g = rnd(Decimal(r["yuan"]) * 100), rnd(Decimal(r["kg"]) * 1000)
        b = bought.setdefault(r["category"], [0, 0]); b[0] += fen; b[1] += g
opening = {"蔬菜": (10000, 20000), "主食": (9000, 20000)}
closing = {"蔬菜": (6000, None), "主食": (20000, 45000)}
used_fen = used_g = 0
for c in set(bought) | set(opening):
    bf, bg = bought.get(c, (0, 0))
    of, og = opening.get(c, (0, 0))
    cf, cg = closing.get(c, (0, 0))
    if cg is None: cg = rnd(Decimal(cf) * bg / bf)
    used_fen += of + bf - cf; used_g += og + bg - cg
kitchen = plate = waste_fen = 0
for line in open(f"{tmp}/weighings.txt"):
    kind, cat, g = line.split(); g = int(g)
    if kind == "plate": plate += g; continue
    kitchen += g
    price = bought.get(cat)
    waste_fen += rnd(Decimal(g) * price[0] / price[1]) if price else rnd(Decimal(g) * used_fen / used_g)
waste_fen += rnd(Decimal(plate) * used_fen / used_g)
waste_g = kitchen + plate
want = {"food_used_fen": used_fen, "food_used_g": used_g, "meals": meals,
        "cost_per_meal_fen": rnd(Decimal(used_fen) / meals), "revenue_fen": 800 * meals,
        "surplus_fen": 800 * meals - used_fen, "waste_g": waste_g, "waste_cost_fen": waste_fen,
        "waste_share_by_weight": frac(waste_g, used_g, 10000),
        "waste_share_by_money": frac(waste_fen, used_fen, 10000),
        "waste_g_per_meal": frac(waste_g, meals, 10), "stock_counted": True,
        "waste_priced_at": "purchases", "flagged_weighings": 1}
got = json.load(open(f"{tmp}/cost.json"))
bad = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
assert got["subsidy_fen"] + got["cash_fen"] == got["revenue_fen"], got
# October's counts were the starting stock: the year so far is November alone
assert got["year_to_date"]["food_used_fen"] == used_fen, got["year_to_date"]
soup = [c for c in got["categories"] if c["category"] == "汤"][0]
assert soup["waste_priced_at"] == "all_food" and soup["food_category"] is False, soup
if bad:
    print("report cost --json differs (want, got):", bad, file=sys.stderr); sys.exit(1)
with open(f"{tmp}/want.txt", "w") as f:
    f.write("%.2f %.2f %.2f %.1f\n" % (want["cost_per_meal_fen"] / 100,
            want["waste_share_by_weight"] * 100, want["waste_share_by_money"] * 100,
            want["waste_g_per_meal"]))
EOF
read -r per_meal share_w share_m g_meal <"$TMPDIR/want.txt"

# the monthly PDF shows the same figures
"$OFFICE" report monthly --month 2026-11 --canteen C1 --out "$TMPDIR/m.pdf" >/dev/null || fail "report monthly"
pdftotext -layout "$TMPDIR/m.pdf" - 2>/dev/null | tr -d ' ' >"$TMPDIR/m.txt"
for want in "成本核算" "每餐成本：${per_meal}元" "浪费占耗用（重量）：${share_w}%" \
    "浪费占耗用（金额）：${share_m}%" "人均每餐浪费：${g_meal}克" "汤：本月未采购，浪费按全部食品均价计"; do
    grep -qF "$want" "$TMPDIR/m.txt" || fail "the monthly PDF lacks $want"
done
# its meals by period and category by the names people read, not the codes
grep -q "^午餐职工[0-9]" "$TMPDIR/m.txt" || fail "the cost section's meals: $(grep -A3 人员类别 "$TMPDIR/m.txt")"
! grep -q "^lunchstaff" "$TMPDIR/m.txt" || fail "the cost section shows the codes lunch, staff"

# the table and the CSV (for Excel: BOM, CRLF)
"$OFFICE" report cost --month 2026-11 --canteen C1 | grep -q "^cost per meal   $per_meal" ||
    fail "report cost: $("$OFFICE" report cost --month 2026-11 --canteen C1 | head -8)"
"$OFFICE" report cost --month 2026-11 --canteen C1 --csv >"$TMPDIR/cost.csv"
head -c 3 "$TMPDIR/cost.csv" | od -An -tx1 | grep -q "ef bb bf" || fail "the cost CSV has no BOM"
grep -q "^汤,,0.00,0.00,0.00,0.000,0.00,0.00,0.000,0.800," "$TMPDIR/cost.csv" || fail "cost CSV: $(cat "$TMPDIR/cost.csv")"
[ "$(grep -c "$(printf '\r')\$" "$TMPDIR/cost.csv")" = "$(wc -l <"$TMPDIR/cost.csv")" ] || fail "CSV lines without CRLF"
# in Chinese: the summary's lines are translated and their figures line up (the labels
# are padded by display width); the table keeps the column names of the CSV and JSON
env LANG=zh_CN.UTF-8 "$OFFICE" report cost --month 2026-11 --canteen C1 >"$TMPDIR/cost.zh" 2>/dev/null
grep -q "^每餐成本  *$per_meal\$" "$TMPDIR/cost.zh" && grep -q '^浪费占比  *按重量' "$TMPDIR/cost.zh" &&
    grep -q '^counted  *opening  *starting  *purchases' "$TMPDIR/cost.zh" || fail "report cost in Chinese: $(cat "$TMPDIR/cost.zh")"
python3 - "$TMPDIR/cost.zh" <<'EOF' || fail "the Chinese summary's figures do not line up: $(head -14 "$TMPDIR/cost.zh")"
import re, sys, unicodedata
starts = set()
for line in open(sys.argv[1], encoding="utf-8").read().split("\n\n")[0].splitlines()[1:]:
    m = re.match(r"(\S+)( {2,})", line)
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in m.group(1)) if m else -1
    starts.add(width + len(m.group(2)) if m else -1)
sys.exit(len(starts) != 1 or -1 in starts)
EOF
must_fail "give --json or --csv" "$OFFICE" report cost --month 2026-11 --json --csv
must_fail "--month YYYY-MM or --year YYYY" "$OFFICE" report cost

# October: nothing bought; its waste would be priced at --food-cost, and says so; its
# counts, the first of the canteen, are its starting stock, no (negative) food used
"$OFFICE" report cost --month 2026-10 --canteen C1 --json --food-cost 25 >"$TMPDIR/oct.json"
for want in '"waste_priced_at": "food_cost"' '"food_used_fen": 0,' '"starting_stock_fen": 19000,'; do
    grep -qF "$want" "$TMPDIR/oct.json" || fail "October lacks $want: $(head -30 "$TMPDIR/oct.json")"
done

# the year on one page with its signatures; the quarter uses the real cost
"$OFFICE" report cost --year 2026 --canteen C1 --out "$TMPDIR/year.pdf" | grep -q "1 page" ||
    fail "the year is not on one page"
pdftotext "$TMPDIR/year.pdf" - 2>/dev/null | tr -d ' \n' >"$TMPDIR/year.txt"
food_used=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["food_used_fen"] / 100))' "$TMPDIR/cost.json")
# December 1st: December has not ended and is left out (its opening stock,
# November's closing count, was shown as food used, and summed into the year)
for want in 食堂成本核算年度报表 "11月${food_used}" 12月未结束 "全年${food_used}" 全年结果 "食堂负责人（签字）" 审计链头; do
    grep -qF "$want" "$TMPDIR/year.txt" || fail "the year's PDF lacks $want"
done
"$OFFICE" report cost --year 2026 --canteen C1 >"$TMPDIR/year.out"
grep -q "^2026-12 *not ended$" "$TMPDIR/year.out" || fail "report cost --year: $(cat "$TMPDIR/year.out")"
grep -q "^2026 *${food_used} " "$TMPDIR/year.out" || fail "the year is not November's: $(cat "$TMPDIR/year.out")"
# the quarter: October's starting stock is no food used, November as above, and
# December, not counted, used what November ended with (260.00 yuan)
CLEANPLATE_NOW=2027-01-05T09:00:00 "$OFFICE" report quarterly --quarter 2026Q4 --canteen C1 \
    --out "$TMPDIR/q.pdf" >/dev/null || fail "report quarterly"
q=$(python3 -c 'import json,sys; u = json.load(open(sys.argv[1]))["food_used_fen"] + 26000
m = int(sys.argv[2]); print("%.2f %.2f" % (u / 100, (2 * u + m) // (2 * m) / 100))' "$TMPDIR/cost.json" "$meals")
pdftotext -layout "$TMPDIR/q.pdf" - 2>/dev/null | tr -d ' ' |
    grep -qF "食品成本：${q% *}元，每餐${q#* }元" || fail "the quarterly evaluation lacks the real food cost ($q)"

# purchases and counts are in the audit chain: verify finds an edit
"$OFFICE" verify | grep -q " 0 problems" || fail "verify: $("$OFFICE" verify)"
sqlite3 "$CLEANPLATE_DB" "UPDATE stock_counts SET fen = 1" 2>/dev/null && fail "a stock count was changed"
sqlite3 "$CLEANPLATE_DB" "DROP TRIGGER purchases_no_update; UPDATE purchases SET fen = fen + 1 WHERE invoice = 'FP1102'"
if "$OFFICE" verify >"$TMPDIR/v"; then fail "verify missed a changed purchase"; fi
grep -q "purchase.add .* was changed after it was recorded" "$TMPDIR/v" || fail "verify: $(cat "$TMPDIR/v")"
echo "office_cost ok"
