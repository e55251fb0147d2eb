# The back office's figures and outputs as a manager, and an attacker, meets them:
# flagged weighings (overload, no meal) counted apart and never summed, coverage
# never above 100 %, months a canteen cannot have, department names that are
# long, right-to-left or formulas, every CSV for Excel, an empty month, a quarter
# not over, and a first month with nothing before it.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

# the number of lines of a file that do not end in CRLF (none may)
bare_lf() { awk '!/\r$/ { n++ } END { print n + 0 }' "$1"; }
# checks that a CSV file opens in Excel on Chinese Windows: BOM, CRLF, UTF-8
excel_csv() {
    [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "$2: no UTF-8 BOM"
    [ "$(bare_lf "$1")" -eq 0 ] || fail "$2: a line ends without CR"
    iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 || fail "$2: not UTF-8"
}

setup_canteen 30
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
printf 'staff_no,name,department_code,category,card\r\nS0099,=2+5,D01,staff,99\r\n' >"$TMPDIR/d2.csv"
"$OFFICE" import diners "$TMPDIR/d2.csv" >/dev/null
CLEANPLATE_NOW=2026-10-01T08:00:00 as_manager subsidy grant --month 2026-10 200 >/dev/null
as_manager topup S0099 5 >/dev/null

# four lunches in October: every diner eats and brings the tray back (10 g + diner % 7),
# the trays written down (the scale broken) and imported (import weighings)
echo "at,stage,staff_no,department,canteen,grams,category,reason" >"$TMPDIR/trays.csv"
for day in 05 06 07 08; do
    seq 1 30 | CLEANPLATE_NOW=2026-10-${day}T12:00:00 "$POS" --headless --terminal POS1 \
        >"$TMPDIR/lunch$day" || fail "lunch $day"
    [ "$(grep -c '"ok":true' "$TMPDIR/lunch$day")" -eq 30 ] || fail "not every lunch was charged"
    for i in $(seq 1 30); do
        echo "2026-10-${day}T12:30:00,plate,$(printf 'S%04d' "$i"),,,$((10 + i % 7)),," >>"$TMPDIR/trays.csv"
    done
done
CLEANPLATE_NOW=2026-10-08T13:00:00 as_manager import weighings "$TMPDIR/trays.csv" --terminal W1 \
    >"$TMPDIR/out" || fail "import weighings"
grep -qx "imported 120 weighings typed in by hand at W1 (120 trays, 0 kitchen): 1548 g, flagged manual, by $MANAGER" \
    "$TMPDIR/out" || fail "import weighings said: $(cat "$TMPDIR/out")"
# a tray of a diner who bought no meal that day: flagged no_meal, never counted
CLEANPLATE_NOW=2026-10-09T12:30:00 as_manager waste add --stage plate --staff-no S0003 \
    --grams 35 --terminal W1 | grep -q "no_meal" || fail "a tray without a meal was not flagged"
# a second tray for one meal (S0002, D03): more trays than meals, no flag
CLEANPLATE_NOW=2026-10-08T12:40:00 as_manager waste add --stage plate --staff-no S0002 \
    --grams 12 --terminal W1 >/dev/null
# an overloaded scale with nobody's card, as the station records it (flagged)
printf 'wait 1000\noverload\nwait 6000\nremove\nwait 3000\n' >"$TMPDIR/over.sim"
echo "@10000 end" >"$TMPDIR/over.cards"
"$SCALE" sim --protocol toledo-cont --fast --script "$TMPDIR/over.sim" >"$TMPDIR/port" \
    2>"$TMPDIR/sim.err" &
i=0; while [ ! -s "$TMPDIR/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.05
CLEANPLATE_NOW=2026-10-06T12:31:00 "$SCALE" station --headless --terminal W1 \
    --port "$(cat "$TMPDIR/port")" --protocol toledo-cont --frame-clock 100 --tray-tare-g 300 \
    <"$TMPDIR/over.cards" >"$TMPDIR/over.out" 2>"$TMPDIR/over.err" ||
    fail "station: $(cat "$TMPDIR/over.err")"
wait
grep -q '"overload"' "$TMPDIR/over.out" || fail "the overload was not recorded: $(cat "$TMPDIR/over.out")"

# the departments get names no fixed buffer, font or spreadsheet may spoil (after
# the meals: the terminals' own answers with such names are tested elsewhere)
rlo=$(printf '\342\200\256')       # U+202E RIGHT-TO-LEFT OVERRIDE
rice=$(printf '\360\237\215\232')  # U+1F35A, not in the PDF font
long=""
for i in $(seq 60); do long="$long人"; done # 180 bytes: cut at 127 before
{
    echo "code,name,parent_code"
    echo "U1,市政府,"
    echo 'D01,"=HYPERLINK(""http://evil.example"",""点我"")",U1'
    echo "D02,财务处${rlo}evil${rice},U1"
    echo "D03,$long,U1"
} >"$TMPDIR/dep2.csv"
"$OFFICE" import departments "$TMPDIR/dep2.csv" | grep -q "3 updated" || fail "renaming departments"

# ---- flagged weighings in every view -------------------------------------------------
"$OFFICE" metrics --month 2026-10 --by canteen --json >"$TMPDIR/c.json"
python3 - "$TMPDIR/c.json" <<'EOF' || fail "canteen figures: $(cat "$TMPDIR/c.json")"
import json, sys
c = json.load(open(sys.argv[1]))[0]
assert c["flagged_trays"] == 2, c            # the no-meal tray and the overload
assert c["anonymous_trays"] == 0 and c["anonymous_g"] == 0, c
assert c["total_waste_g"] < 29700, c         # the 29.7 kg is not waste
assert c["trays"] == 121 and c["meals"] == 120, c
assert c["coverage"] == 1.0, c               # 121 trays for 120 meals: not 100.8 %
EOF
"$OFFICE" metrics --month 2026-10 --json >"$TMPDIR/m.json"
python3 - "$TMPDIR/m.json" <<'EOF' || fail "department figures: $(cat "$TMPDIR/m.json")"
import json, sys
rows = {r["code"]: r for r in json.load(open(sys.argv[1]))}
assert all("flagged_trays" in r for r in rows.values())
assert rows["D01"]["flagged_trays"] == 1 and rows["D01"]["trays"] == 40, rows["D01"]
assert rows["D03"]["coverage"] == 1.0 and rows["D03"]["trays"] == 41, rows["D03"]
assert len(rows["D03"]["name"]) == 60, rows["D03"]["name"]   # whole, never cut
assert rows["D02"]["name"].startswith("财务处\u202eevil"), rows["D02"]["name"]
EOF
"$OFFICE" metrics --month 2026-10 --by period --json | grep -q '"flagged_trays": 2' ||
    fail "meal-period figures lack flagged_trays"
"$OFFICE" metrics --month 2026-10 | grep -q "^2 flagged trays left out" || fail "metrics text"
# the rollups agree with the raw rows (another threshold is counted from the raw rows)
"$OFFICE" metrics --month 2026-10 --json --clean-threshold 9 >"$TMPDIR/raw.json"
python3 - "$TMPDIR/m.json" "$TMPDIR/raw.json" <<'EOF' || fail "rollups and raw rows disagree"
import json, sys
keys = ("meals", "diners", "trays", "plate_g", "coverage", "flagged_trays")
a, b = ({r["code"]: [r[k] for k in keys] for r in json.load(open(f))} for f in sys.argv[1:])
assert a == b, (a, b)
EOF
# a rollup edited in the store (leftovers made lighter for one day) agrees with
# every other table, but not with its records: verify names the day, and
# `rollup --redo` sums the month again
day=$(sql "SELECT min(business_date) FROM rollup_day WHERE business_date LIKE '2026-10-%' AND plate_g > 0")
sql "UPDATE rollup_day SET plate_g = 0 WHERE business_date = '$day'"
if "$OFFICE" verify >"$TMPDIR/v"; then fail "verify missed an edited rollup"; fi
grep -q "a day's rollup differs from its records: $day: .*rollup --month 2026-10 --redo" \
    "$TMPDIR/v" || fail "verify: $(cat "$TMPDIR/v")"
# ... and a diner taken out of the month's diners: nothing is published from them
sql "DELETE FROM diner_month WHERE month = '2026-10' AND diner_id = (SELECT min(diner_id)
    FROM diner_month WHERE month = '2026-10')"
must_fail "2026-10: the figures the list is made from differ from the records (2 found; the first: " \
    "$OFFICE" publish redblack --month 2026-10 --out "$TMPDIR/nopub"
[ ! -e "$TMPDIR/nopub" ] || [ -z "$(ls "$TMPDIR/nopub")" ] || fail "files of a refused publication"
[ "$(sql "SELECT count(*) FROM publications")" = 0 ] || fail "a publication from edited rollups"
"$OFFICE" rollup --month 2026-10 --redo | grep -q "^rolled up 31 closed days of 2026-10" ||
    fail "rollup --redo"
"$OFFICE" verify >"$TMPDIR/v" || fail "verify after rollup --redo: $(cat "$TMPDIR/v")"

# ---- months a canteen can have ---------------------------------------------------------
must_fail "give a year from 2000 to 2099" timeout 10 "$OFFICE" metrics --month 9999-12
must_fail "give a year from 2000 to 2099" timeout 10 "$OFFICE" metrics --quarter 9999Q4
must_fail "give a year from 2000 to 2099" timeout 10 "$OFFICE" rollup --month 9999-12
must_fail "give a year from 2000 to 2099" timeout 10 "$OFFICE" report monthly --month 1999-12 \
    --out "$TMPDIR/x.pdf"
must_fail "not a quarter like 2026Q4" "$OFFICE" metrics --quarter 2026Q5

# ---- every CSV opens in Excel, and never runs a formula ----------------------------------
"$OFFICE" metrics --month 2026-10 --csv >"$TMPDIR/m.csv"
"$OFFICE" metrics --month 2026-10 --by canteen --csv >"$TMPDIR/c.csv"
"$OFFICE" metrics --month 2026-10 --by period --csv >"$TMPDIR/p.csv"
"$OFFICE" report sales --from 2026-10-01 --to 2026-10-31 --by cashier --csv >"$TMPDIR/s.csv"
"$OFFICE" report balances --csv >"$TMPDIR/b.csv"
for f in m c p s b; do excel_csv "$TMPDIR/$f.csv" "$f.csv"; done
grep -q '^D01,"'"'"'=HYPERLINK(""http://evil.example"",""点我"")",' "$TMPDIR/m.csv" ||
    fail "metrics csv: the formula was not neutralised: $(grep D01 "$TMPDIR/m.csv")"
grep -q '^S0099,"'"'"'=2+5",D01,active,5.00,' "$TMPDIR/b.csv" ||
    fail "balances csv: $(grep S0099 "$TMPDIR/b.csv")"
grep -q ',flagged_trays,' "$TMPDIR/c.csv" || fail "canteen csv lacks flagged_trays"
! grep -q ',=' "$TMPDIR/m.csv" || fail "a cell starts with ="

# ---- the publication: every name drawn or written, the month never held hostage ----------
out="$TMPDIR/pub"
must_fail "2026-09 has no meals and no weighings" "$OFFICE" publish redblack --month 2026-09 \
    --out "$out"
[ ! -e "$out" ] || fail "an empty month left files"
"$OFFICE" publications | grep -q '^redblack-' && fail "an empty month was published"
"$OFFICE" publish redblack --month 2026-10 --out "$out" --min-meals 1 --red 1 --black 1 \
    >"$TMPDIR/p1" 2>"$TMPDIR/p1.err" || fail "publish: $(cat "$TMPDIR/p1.err")"
grep -q "3 eligible departments" "$TMPDIR/p1" || fail "publish: $(cat "$TMPDIR/p1")"
[ "$(grep -c 'U+202E' "$TMPDIR/p1.err")" -eq 1 ] || fail "the name was not reported once: $(cat "$TMPDIR/p1.err")"
grep -q '财务处<U+202E>evil<U+1F35A>' "$TMPDIR/p1.err" || fail "which name: $(cat "$TMPDIR/p1.err")"
! grep -q "$rlo" "$TMPDIR/p1.err" || fail "the override itself went to the terminal"
csv="$out/redblack-2026-10-v1.csv"
html="$out/redblack-2026-10-v1.html"
pdf="$out/redblack-2026-10-v1.pdf"
excel_csv "$csv" "published csv"
grep -q ',D01,"'"'"'=HYPERLINK(' "$csv" || fail "published csv: formula"
grep -q "财务处${rlo}evil${rice}" "$csv" || fail "published csv does not keep the real name"
grep -q ",D03,$long," "$csv" || fail "published csv cut the long name"
grep -q 'rank,list,code,name,.*,flagged_trays' "$csv" || fail "published csv: no flagged_trays"
iconv -f UTF-8 -t UTF-8 "$html" >/dev/null 2>&1 || fail "the page is not UTF-8"
! grep -q "$rlo" "$html" || fail "the page kept a right-to-left override"
grep -q "<bdi>财务处evil${rice}</bdi>" "$html" || fail "the page: $(grep -o '<bdi>[^<]*' "$html" | head -3)"
grep -q "$long" "$html" || fail "the page cut the long name"
grep -q "本月有 2 次餐盘称重为异常" "$html" || fail "the page does not count the flagged trays"
# every tray here was typed in (waste add): the page says how many were counted
typed=$(sql "SELECT count(*) FROM waste_records WHERE business_date LIKE '2026-10-%' AND stage = 'plate'
    AND diner_id IS NOT NULL AND (flags & 8) <> 0 AND (flags & 39) = 0")
[ "$typed" -gt 0 ] || fail "no typed trays to count"
grep -q "计入的餐盘中有 $typed 盘是秤故障时手工录入的" "$html" ||
    fail "the page does not say the $typed trays typed in: $(grep -o '计入的餐盘[^。]*' "$html")"
pdftotext "$pdf" - 2>/dev/null | tr -d '\n' >"$TMPDIR/pdf.txt"
grep -q "D02 财务处evil?" "$TMPDIR/pdf.txt" || fail "the PDF does not show the code and the name"
# a long name wraps (four lines of the column), not cut to one: two offices
# whose names differ at the end are told apart, and by the code before them
forty=$(printf '%.0s人' $(seq 40))
grep -q "D03 $forty" "$TMPDIR/pdf.txt" ||
    fail "the PDF cut the long name: $(grep -o 'D03 人*' "$TMPDIR/pdf.txt")"
grep -q "本月有 2 次餐盘称重为异常" "$TMPDIR/pdf.txt" || fail "the PDF does not count the flagged trays"
"$OFFICE" verify --out "$out" >"$TMPDIR/v" || fail "verify: $(cat "$TMPDIR/v")"
# a list's files whose publication the store does not have (removed from it, or
# never made) are not passed over
cp "$pdf" "$out/redblack-2026-09-v1.pdf"
if "$OFFICE" verify --out "$out" >"$TMPDIR/v"; then fail "verify passed a list no publication names"; fi
grep -q "redblack-2026-09-v1.pdf is a published list's file that no publication in the store names" \
    "$TMPDIR/v" || fail "verify: $(cat "$TMPDIR/v")"
rm "$out/redblack-2026-09-v1.pdf"
# a publish cut off (kill -9, a power cut) after it recorded the publication and
# before it renamed its files leaves them as .part: verify says so and how to
# finish, and the same publish again finishes it (it was refused as published)
for f in "$out"/redblack-2026-10-v1.*; do mv "$f" "$f.part"; done
if "$OFFICE" verify --out "$out" >"$TMPDIR/v"; then fail "verify passed without the files"; fi
[ "$(grep -c "redblack-2026-10-v1.* is missing, but .*\.part holds it" "$TMPDIR/v")" = 3 ] ||
    fail "verify: $(cat "$TMPDIR/v")"
"$OFFICE" publish redblack --month 2026-10 --out "$out" --min-meals 1 --red 1 --black 1 \
    >"$TMPDIR/p1again" || fail "publish again: $(cat "$TMPDIR/p1again")"
grep -q "redblack-2026-10-v1 was published already, .* renamed 3 files left as .part" \
    "$TMPDIR/p1again" || fail "publish again said: $(cat "$TMPDIR/p1again")"
"$OFFICE" verify --out "$out" >"$TMPDIR/v" || fail "verify after finishing: $(cat "$TMPDIR/v")"
must_fail "already published" "$OFFICE" publish redblack --month 2026-10 --out "$out"
# a file that cannot take its final name once the publication is recorded is
# kept under its .part name, for a person to rename
mkdir -p "$TMPDIR/pub2/redblack-2026-10-v2.html"
"$OFFICE" publish redblack --month 2026-10 --out "$TMPDIR/pub2" --reason "a second copy" \
    --clean-threshold 12 >/dev/null 2>"$TMPDIR/err" && fail "a file that could not be renamed"
grep -q "could not rename .*redblack-2026-10-v2.html.part.*: Is a directory; the file is kept: rename it by hand" \
    "$TMPDIR/err" || fail "publish said: $(cat "$TMPDIR/err")"
[ -s "$TMPDIR/pub2/redblack-2026-10-v2.html.part" ] || fail "the file that could not be renamed is gone"
[ -s "$TMPDIR/pub2/redblack-2026-10-v2.pdf" ] && [ -s "$TMPDIR/pub2/redblack-2026-10-v2.csv" ] ||
    fail "the others were not renamed: $(ls "$TMPDIR/pub2")"
rmdir "$TMPDIR/pub2/redblack-2026-10-v2.html"
mv "$TMPDIR/pub2/redblack-2026-10-v2.html.part" "$TMPDIR/pub2/redblack-2026-10-v2.html"
cp "$out"/redblack-2026-10-v1.* "$TMPDIR/pub2/"
"$OFFICE" verify --out "$TMPDIR/pub2" >"$TMPDIR/v" || fail "verify after the rename: $(cat "$TMPDIR/v")"
# every row is in the content hash: an edit of the long name is found
drop_trigger publication_rows_no_update publication_rows
sql "UPDATE publication_rows SET name = name || '了' WHERE code = 'D03'"
if "$OFFICE" verify >"$TMPDIR/v"; then fail "verify missed an edited long name"; fi
grep -q "published rows were changed" "$TMPDIR/v" || fail "verify: $(cat "$TMPDIR/v")"

# ---- reports ---------------------------------------------------------------------------------
"$OFFICE" report monthly --month 2026-10 --out "$TMPDIR/m.pdf" >/dev/null 2>"$TMPDIR/r.err" ||
    fail "monthly report: $(cat "$TMPDIR/r.err")"
pdftotext "$TMPDIR/m.pdf" - 2>/dev/null >"$TMPDIR/m.txt"
grep -q "上期无数据" "$TMPDIR/m.txt" || fail "the first month compares with a 0"
! grep -q "上期 0" "$TMPDIR/m.txt" || fail "the first month says 上期 0"
grep -q "异常称重" "$TMPDIR/m.txt" || fail "the monthly report does not count the flagged weighings"
grep -q "其中手工录入 $typed 盘" "$TMPDIR/m.txt" || fail "the monthly report does not count the trays typed in"
grep -q "财务处evil?" "$TMPDIR/m.txt" || fail "the monthly report does not show the name"
# a list of one canteen is not published (it would replace the month's list of
# every canteen); a report of one canteen does not cite the published list
pubs=$(sql "SELECT count(*) FROM publications")
must_fail "published for every canteen of the store at once" "$OFFICE" publish redblack \
    --month 2026-10 --out "$TMPDIR/pub3" --canteen C1 --reason "one canteen"
[ "$(sql "SELECT count(*) FROM publications")" = "$pubs" ] || fail "a canteen's list was published"
"$OFFICE" report monthly --month 2026-10 --canteen C1 --out "$TMPDIR/c1.pdf" >"$TMPDIR/out" \
    2>/dev/null || fail "report monthly --canteen"
grep -q "for canteen C1 alone" "$TMPDIR/out" || fail "report --canteen said: $(cat "$TMPDIR/out")"
pdftotext "$TMPDIR/c1.pdf" - 2>/dev/null | tr -d '\n' >"$TMPDIR/c1.txt"
grep -q "只计本食堂" "$TMPDIR/c1.txt" && ! grep -q "红黑榜 redblack-" "$TMPDIR/c1.txt" ||
    fail "a canteen's report cites the published list"
# one snapshot: a tray weighed late for October arrives while the report is made,
# after it has read the month's figures and before the year's trend (the shim
# writes it when the PDF is begun): the trend's October is the month's own
# figure, and the next report has the tray in both
gpt() { grep -o "盘均剩餐： *[0-9.]* 克" "$1" | grep -o "[0-9][0-9.]*"; }
trend() { sed -n "/近12个月趋势/,/后厨浪费/p" "$1" | awk -v v="$2" 'NF == 1 && $1 == v { n++ } END { print n + 0 }'; }
LD_PRELOAD="$BUILD/pdfnew_shim.so" PDFNEW_SHIM_RUN="echo $MANAGER_PIN | CLEANPLATE_NOW=2026-10-07T12:50:00 \
    \"$OFFICE\" waste add --stage plate --staff-no S0001 --grams 900 --terminal W1 --manager $MANAGER" \
    "$OFFICE" report monthly --month 2026-10 --out "$TMPDIR/m1.pdf" >/dev/null 2>"$TMPDIR/r.err" ||
    fail "monthly report: $(cat "$TMPDIR/r.err")"
grep -q "pdfnew_shim: ran .*exit 0" "$TMPDIR/r.err" || fail "the late tray: $(cat "$TMPDIR/r.err")"
"$OFFICE" report monthly --month 2026-10 --out "$TMPDIR/m2.pdf" >/dev/null
pdftotext -layout "$TMPDIR/m1.pdf" "$TMPDIR/m1.txt" 2>/dev/null
pdftotext -layout "$TMPDIR/m2.pdf" "$TMPDIR/m2.txt" 2>/dev/null
before=$(gpt "$TMPDIR/m1.txt") after=$(gpt "$TMPDIR/m2.txt")
[ -n "$before" ] && [ "$before" != "$after" ] || fail "the late tray: $before g, then $after g"
[ "$(trend "$TMPDIR/m1.txt" "$before")" -ge 1 ] && [ "$(trend "$TMPDIR/m1.txt" "$after")" -eq 0 ] ||
    fail "the trend read after the late tray: $(sed -n '/近12个月趋势/,/后厨浪费/p' "$TMPDIR/m1.txt")"
[ "$(trend "$TMPDIR/m2.txt" "$after")" -ge 1 ] || fail "the next report's trend"
must_fail "2026Q4 has not ended" "$OFFICE" report quarterly --quarter 2026Q4 --out "$TMPDIR/q.pdf"
[ ! -e "$TMPDIR/q.pdf" ] || fail "a quarter not ended was graded"
"$OFFICE" report quarterly --quarter 2026Q4 --out "$TMPDIR/q.pdf" --provisional >"$TMPDIR/q" ||
    fail "provisional quarter"
grep -q "PROVISIONAL.*no grade" "$TMPDIR/q" && ! grep -q "points, grade" "$TMPDIR/q" || fail "output: $(cat "$TMPDIR/q")"
pages=$(pdfinfo "$TMPDIR/q.pdf" | awk '/^Pages:/ { print $2 }')
[ "$pages" -ge 2 ] || fail "the provisional report has $pages page"
for p in $(seq 1 "$pages"); do
    pdftotext -f "$p" -l "$p" "$TMPDIR/q.pdf" - 2>/dev/null | grep -q "临时报告" ||
        fail "page $p of the provisional report is not marked"
done
pdftotext "$TMPDIR/q.pdf" - 2>/dev/null | grep -q "等级：" && fail "the provisional report has a grade"
CLEANPLATE_NOW=2027-01-05T09:00:00 "$OFFICE" report quarterly --quarter 2026Q4 \
    --out "$TMPDIR/q4.pdf" | grep -q "grade" || fail "a quarter that has ended is graded"
# a quarter without a meal or a weighing is not graded (it got 10 points and 差)
must_fail "2026Q3 has no meals and no weighings: there is nothing to evaluate" \
    "$OFFICE" report quarterly --quarter 2026Q3 --out "$TMPDIR/q3.pdf"
[ ! -e "$TMPDIR/q3.pdf" ] || fail "an empty quarter was written"
echo "office_reports ok"
