#!/bin/sh
# make demo: a canteen set up from nothing and one lunch run through the real
# headless terminal. Everything goes to demo-out/, which is made anew each run.
# Usage: scripts/demo.sh BUILD_DIR
set -eu
build=$(cd "${1:-build}" && pwd)
OFFICE="$build/cleanplate-office"
POS="$build/cleanplate-pos"
out=$(pwd)/demo-out
rm -rf "$out"
mkdir -p "$out"
export CLEANPLATE_DB="$out/canteen.db"
export CLEANPLATE_USER=demo-manager
export CLEANPLATE_NOW=2026-11-20T08:30:00
step() { printf '\n== %s\n' "$*"; }

step "Setting up canteen C1 (database $CLEANPLATE_DB)"
"$OFFICE" init
"$OFFICE" canteen add C1 "市机关第一食堂"
"$OFFICE" terminal add POS1 --canteen C1 --kind pos
"$OFFICE" terminal add POS2 --canteen C1 --kind pos
"$OFFICE" period set --canteen C1 breakfast 07:00-09:00
"$OFFICE" period set --canteen C1 lunch 11:00-13:30
"$OFFICE" period set --canteen C1 dinner 17:00-19:00
for p in breakfast lunch dinner; do
    case $p in breakfast) staff=3; guest=6 ;; *) staff=8; guest=15 ;; esac
    "$OFFICE" price set --canteen C1 --period $p --category staff $staff
    "$OFFICE" price set --canteen C1 --period $p --category guest $guest
    "$OFFICE" price set --canteen C1 --period $p --category contractor $guest
done
"$OFFICE" rules set contractor --overdraft 20

step "Importing departments and diners"
cat >"$out/departments.csv" <<'CSV'
code,name,parent_code
GOV,市人民政府,
OFF,办公室,GOV
FIN,财政局,GOV
HR,人力资源和社会保障局,GOV
EDU,教育局,GOV
ENV,生态环境局,GOV
CSV
# 60 diners with Chinese names, spread over the departments; a few guests and contractors.
awk 'BEGIN {
    split("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高", sur, " ")
    split("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 华 慧", giv, " ")
    split("OFF FIN HR EDU ENV", dep, " ")
    print "staff_no,name,department_code,category,card"
    for (i = 1; i <= 60; i++) {
        cat = (i % 15 == 0) ? "guest" : (i % 20 == 7) ? "contractor" : "staff"
        printf "D%04d,%s%s,%s,%s,%010d\n", i, sur[(i * 7) % 20 + 1], giv[(i * 3) % 20 + 1],
               dep[i % 5 + 1], cat, 1100000000 + i
    }
}' >"$out/diners.csv"
"$OFFICE" import departments "$out/departments.csv"
"$OFFICE" import diners "$out/diners.csv"
"$OFFICE" import diners "$out/diners.csv"   # a second import changes nothing

step "Money: monthly subsidy for everyone, cash top-ups for some"
"$OFFICE" subsidy grant --month 2026-11 200
i=1
while [ "$i" -le 60 ]; do
    [ $((i % 4)) -eq 0 ] && "$OFFICE" topup "$(printf 'D%04d' "$i")" 50 >/dev/null
    i=$((i + 1))
done
echo "topped up 15 diners with 50 yuan cash"
"$OFFICE" card block 1100000013   # D0013 reported a lost card

step "Lunch at 12:00 through cleanplate-pos --headless (terminal POS1)"
{
    i=1
    while [ "$i" -le 60 ]; do printf '%010d\n' $((1100000000 + i)); i=$((i + 1)); done
    echo 1100000001       # the same card again: a duplicate tap
    echo 0000009999       # a card nobody registered
    echo not-a-card
} >"$out/lunch-taps.txt"
CLEANPLATE_NOW=2026-11-20T12:00:00 "$POS" --headless --terminal POS1 \
    <"$out/lunch-taps.txt" >"$out/lunch-results.jsonl"
head -n 3 "$out/lunch-results.jsonl"
echo "..."
tail -n 3 "$out/lunch-results.jsonl"

step "A manager voids the first sale (wrong tray)"
echo 2468 | "$OFFICE" user add demo-manager --role manager >/dev/null
first=$(head -n 1 "$out/lunch-results.jsonl" | sed 's/.*"sale_id":"\([^"]*\)".*/\1/')
echo 2468 | "$OFFICE" void "$first" --manager demo-manager --reason "wrong tray"

step "Summary"
ok=$(grep -c '"ok":true' "$out/lunch-results.jsonl" || true)
printf 'taps: %s, charged: %s\n' "$(wc -l <"$out/lunch-taps.txt")" "$ok"
grep -o '"error":"[a-z_]*"' "$out/lunch-results.jsonl" | sort | uniq -c | sed 's/"error":/refused: /'
sqlite3 -header -column "$CLEANPLATE_DB" "
    SELECT dep.name AS department, count(*) AS meals,
           printf('%d.%02d', sum(s.subsidy_fen) / 100, sum(s.subsidy_fen) % 100) AS subsidy_yuan,
           printf('%d.%02d', sum(s.cash_fen) / 100, sum(s.cash_fen) % 100) AS cash_yuan
    FROM sales s JOIN departments dep ON dep.id = s.department_id
    WHERE NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)
    GROUP BY dep.name ORDER BY dep.name;"
echo
echo "balances of the first five diners:"
for s in D0001 D0002 D0003 D0004 D0005; do "$OFFICE" balance "$s"; done
echo
"$OFFICE" verify
printf '\nOutputs in %s:\n' "$out"
printf '  canteen.db           the database (sqlite3 %s)\n' "$CLEANPLATE_DB"
printf '  lunch-results.jsonl  one JSON answer per tap\n'
printf '  departments.csv, diners.csv, lunch-taps.txt  the inputs\n'
