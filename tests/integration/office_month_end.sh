# A month end as a manager does it: meals through the headless terminal, trays
# weighed by hand, then metrics, the red/black list (PDF, CSV and HTML read back,
# the HTML opened in headless Chromium), a correction, tampering found, reports.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

setup_month

export CLEANPLATE_NOW=2026-12-01T09:00:00
"$OFFICE" metrics --month 2026-11 --json >"$TMPDIR/m.json"
grep -q '"code": "A"' "$TMPDIR/m.json" || fail "metrics json"
for field in code name meals diners trays plate_g g_per_tray clean_rate coverage eligible rank \
    list change_g_per_tray; do
    grep -q "\"$field\":" "$TMPDIR/m.json" || fail "metrics json lacks $field"
done
# A: trays of 7..12 g -> 9.5 g per tray, first; G: 43..48 g -> 45.5, last
"$OFFICE" metrics --month 2026-11 --csv | grep -q '^A,第A处,24,6,24,228,9.5,' ||
    fail "metrics csv: $("$OFFICE" metrics --month 2026-11 --csv | head -3)"
must_fail "not a month" "$OFFICE" metrics --month 2026-13
must_fail "exactly one of --month" "$OFFICE" metrics

out="$TMPDIR/pub"
"$OFFICE" publish redblack --month 2026-11 --out "$out" >"$TMPDIR/p1" || fail "publish"
grep -q "3 on the red list, 3 on the black list" "$TMPDIR/p1" || fail "lists: $(cat "$TMPDIR/p1")"
pdf="$out/redblack-2026-11-v1.pdf"
pdftotext "$pdf" - 2>/dev/null >"$TMPDIR/pdf.txt"
for want in 食堂浪费红黑榜 红榜 黑榜 评比规则 第A处 第G处 9.5 45.5; do
    grep -q "$want" "$TMPDIR/pdf.txt" || fail "the PDF lacks $want"
done
# the first page is not blank: count the inked pixels of a small grey rendering
# (a blank A4 page at 30 dpi has none; this one has thousands)
pdftoppm -gray -r 30 -f 1 -l 1 "$pdf" "$TMPDIR/page" 2>/dev/null
page=$(ls "$TMPDIR"/page-*1.pgm)
inked=$(od -An -v -tu1 "$page" | tr -s ' ' '\n' | awk '$1 != "" && $1 < 200' | wc -l)
[ "$inked" -gt 1500 ] || fail "page 1 of the PDF looks blank ($inked inked pixels)"
grep -q "^1,red,A,第A处,24,6,24,228,9.5" "$out/redblack-2026-11-v1.csv" || fail "published csv"

# the HTML page in headless Chromium: its text, and a screenshot that is not blank
html="$out/redblack-2026-11-v1.html"
! grep -q "<script" "$html" || fail "the page has a script"
chrome() {
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$TMPDIR/chrome" "$@" 2>/dev/null
}
chrome --dump-dom "file://$html" >"$TMPDIR/dom.html" || fail "chromium could not open the page"
grep -q "第G处" "$TMPDIR/dom.html" || fail "chromium does not show the departments"
chrome --print-to-pdf="$TMPDIR/printed.pdf" "file://$html" || fail "chromium could not print"
pdftotext "$TMPDIR/printed.pdf" - 2>/dev/null | grep -q "红榜" || fail "printed page lacks 红榜"
chrome --screenshot="$TMPDIR/shot.png" --window-size=900,1200 "file://$html" || fail "screenshot"
[ "$(wc -c <"$TMPDIR/shot.png")" -gt 20000 ] || fail "the screenshot looks blank"

# publishing again needs a reason; the database refuses changed rows
must_fail "already published" "$OFFICE" publish redblack --month 2026-11 --out "$out"
"$OFFICE" publish redblack --month 2026-11 --out "$out" --reason "补录称重" | grep -q "v2" ||
    fail "second version"
"$OFFICE" publications | grep -q "reason: 补录称重" || fail "publications list"
if sql "UPDATE publication_rows SET list = 'red' WHERE rank = 7" 2>"$TMPDIR/e"; then
    fail "a published row was changed"
fi
grep -q "cannot be changed" "$TMPDIR/e" || fail "trigger message: $(cat "$TMPDIR/e")"
"$OFFICE" verify --out "$out" >"$TMPDIR/v" || fail "verify: $(cat "$TMPDIR/v")"
echo "<!-- edited -->" >>"$html"
if "$OFFICE" verify --out "$out" >"$TMPDIR/v"; then fail "verify missed an edited page"; fi
grep -q "redblack-2026-11-v1.html was changed" "$TMPDIR/v" || fail "verify message"

# the reports
"$OFFICE" report monthly --month 2026-11 --out "$TMPDIR/monthly.pdf" | grep -q "pages" ||
    fail "monthly report"
pdftotext "$TMPDIR/monthly.pdf" - 2>/dev/null >"$TMPDIR/monthly.txt"
for want in 食堂反食品浪费月报 主要数字 各部门盘均剩餐 趋势 后厨浪费 红榜 各部门明细 方法说明 \
    "第 1 页"; do
    grep -q "$want" "$TMPDIR/monthly.txt" || fail "the monthly report lacks $want"
done
CLEANPLATE_NOW=2027-01-05T09:00:00 "$OFFICE" report quarterly --quarter 2026Q4 \
    --out "$TMPDIR/q.pdf" | grep -q "grade" || fail "quarterly report"
pdftotext "$TMPDIR/q.pdf" - 2>/dev/null | grep -q "反食品浪费工作评价" || fail "quarterly text"
"$OFFICE" report sales --from 2026-11-01 --to 2026-11-30 --by day --csv |
    grep -q "^2026-11-02,42,0,336.00" || fail "sales report"
"$OFFICE" report balances --csv | grep -q "^total,42 diners" || fail "balances report"
# November's books are closed: a void of its sale is refused on December 1st
# (it would change the month's takings and give back its expired subsidy),
# and nothing is written
sale=$(sql "SELECT min(id) FROM sales")
voids=$(sql "SELECT count(*) FROM voids")
must_fail "a month that has ended (today is 2026-12-01)" as_manager void "$sale" --reason 刷错
[ "$(sql "SELECT count(*) FROM voids")" = "$voids" ] || fail "a refused void was written"
# a correction after the list was published: six lunches of A on the 20th and
# their trays, 900 g each, come in late (a terminal that was offline); A goes
# from the red list to the black one. The monthly report, which cites the
# publication, says its lists are not the published ones, until a new version
seq 1 6 | CLEANPLATE_NOW=2026-11-20T12:00:00 "$POS" --headless --terminal POS1 >"$TMPDIR/late" ||
    fail "late lunches"
{
    echo "at,stage,staff_no,department,canteen,grams,category,reason"
    for i in 1 2 3 4 5 6; do echo "2026-11-20T12:30:00,plate,A$i,,,900,,"; done
} >"$TMPDIR/late.csv"
as_manager import weighings "$TMPDIR/late.csv" --terminal W1 >/dev/null || fail "late trays"
"$OFFICE" report monthly --month 2026-11 --out "$TMPDIR/m2.pdf" >"$TMPDIR/r2" || fail "monthly report"
grep -q "are NOT those of the published list redblack-2026-11-v2" "$TMPDIR/r2" ||
    fail "the report did not say its lists differ: $(cat "$TMPDIR/r2")"
pdftotext "$TMPDIR/m2.pdf" - 2>/dev/null | tr -d '\n' >"$TMPDIR/m2.txt"
grep -q "与已发布的 redblack-2026-11-v2 不同" "$TMPDIR/m2.txt" || fail "the PDF does not say the lists differ"
grep -q "redblack-2026-11-v2（与本报告名单不同）" "$TMPDIR/m2.txt" || fail "the footer does not say it"
"$OFFICE" publish redblack --month 2026-11 --out "$out" --reason "补录 20 日午餐" >/dev/null ||
    fail "publish v3"
"$OFFICE" report monthly --month 2026-11 --out "$TMPDIR/m3.pdf" >"$TMPDIR/r3" || fail "monthly report"
grep -q "with the published list redblack-2026-11-v3" "$TMPDIR/r3" || fail "after v3: $(cat "$TMPDIR/r3")"
! pdftotext "$TMPDIR/m3.pdf" - 2>/dev/null | grep -q -e "名单不同" -e "与已发布的" || fail "v3's report still says the lists differ"
echo "office_month_end ok"
