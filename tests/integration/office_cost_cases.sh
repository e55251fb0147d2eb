# Cost accounting at its edges, each found wrong once (store-both): the
# notes of a month with many categories, whole in the PDF and the text.
. tests/integration/lib.sh

# A month of many categories not counted and of kitchen waste in categories
# never bought: the PDF's notes under 成本核算 and the text's "stock counted"
# list are as long as the names make them. Fixed buffers cut them inside a
# character (汤(例汤) puts the cut off a character boundary) and the PDF
# writer refused the whole report; the notes after the cut were lost.
setup_month
export CLEANPLATE_NOW=2026-11-30T20:00:00
# seven categories of 32 characters (96 bytes each): the list is longer than 512 bytes
long=一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一
for k in 1 2 3 4 5 6 7; do
    as_manager food add "$long$k" >/dev/null || fail "food add"
done
i=0
for c in 蔬菜 肉禽 水产 主食 蛋奶 调料 其他; do
    i=$((i + 1))
    as_manager purchase add --canteen C1 --date 2026-11-0$i --supplier "供应商$i" --category $c \
        --kg 10 --yuan 100 --invoice "F$i" >/dev/null || fail "purchase $c"
done
"$OFFICE" food list | tail -n 7 >"$TMPDIR/long"
while read -r c; do
    i=$((i + 1))
    as_manager purchase add --canteen C1 --date 2026-11-1$((i - 8)) --supplier "供应商$i" \
        --category "$c" --kg 1 --yuan 10 --invoice "F$i" >/dev/null || fail "purchase $c"
done <"$TMPDIR/long"
for c in "汤(例汤)" 米饭 面条 馒头 包子 饺子 凉菜 稀饭 水果 剩菜 豆浆; do
    as_manager waste add --stage overproduction --canteen C1 --grams 1500 --category "$c" \
        --terminal W1 >/dev/null || fail "waste add $c"
done
export CLEANPLATE_NOW=2026-12-01T09:00:00
"$OFFICE" report monthly --month 2026-11 --canteen C1 --out "$TMPDIR/m.pdf" >/dev/null ||
    fail "report monthly with many notes"
pdftotext "$TMPDIR/m.pdf" - 2>/dev/null | tr -d ' \n' >"$TMPDIR/m.txt"
# every note is there, the last one too
for c in 蔬菜 其他 "$(tail -n 1 "$TMPDIR/long")" 米饭 豆浆; do
    grep -q "$c：" "$TMPDIR/m.txt" || fail "the PDF's notes leave out $c"
done
"$OFFICE" report cost --month 2026-11 --canteen C1 >"$TMPDIR/cost.txt" || fail "report cost"
line=$(grep -a "^stock counted" "$TMPDIR/cost.txt")
printf '%s' "$line" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || fail "stock counted: not UTF-8: $line"
while read -r c; do
    case $line in *"$c"*) ;; *) fail "stock counted leaves out $c: $line" ;; esac
done <"$TMPDIR/long"

echo "office_cost_cases: ok"
