# The back office in Chinese and the names of the codes: category set|list and period
# name|list, a Chinese category code refused with the way to name it, the office's
# messages and --help in Chinese (said once when the zh_CN locale is missing), English
# under LANG=C, and the CSV and JSON keeping the codes with the names added.
. tests/integration/lib.sh

setup_canteen 4
ZH="env LANG=zh_CN.UTF-8"

# codes stay lowercase ASCII; the refusal says how to name one
must_fail "category set" as_manager price set --canteen C1 --period lunch --category 职工 8
"$OFFICE" category set guest 访客 | grep -qx 'category guest is shown as 访客' ||
    fail "category set: $("$OFFICE" category set guest 访客)"
"$OFFICE" period name dinner 晚饭 >/dev/null || fail "period name"
must_fail "a control character" "$OFFICE" category set staff "$(printf '职\t工')"
must_fail "lowercase letters" "$OFFICE" category set 职工 职工

# the lists: every code in use or named, with the name people read
$ZH "$OFFICE" category list >"$TMPDIR/cats" 2>"$TMPDIR/err"
grep -q '^staff  *职工$' "$TMPDIR/cats" || fail "category list: $(cat "$TMPDIR/cats")"
grep -q '^guest  *访客$' "$TMPDIR/cats" || fail "category list: $(cat "$TMPDIR/cats")"
"$OFFICE" category list --json | grep -qF '{"code":"guest","name":"访客"}' ||
    fail "category list --json: $("$OFFICE" category list --json)"
"$OFFICE" category list --json | grep -qF '{"code":"staff","name":"staff"}' ||
    fail "in English a built-in name is the code: $("$OFFICE" category list --json)"
$ZH "$OFFICE" period list --json 2>/dev/null | grep -qF '{"code":"dinner","name":"晚饭"},{"code":"lunch","name":"午餐"}' ||
    fail "period list: $($ZH "$OFFICE" period list --json 2>&1)"
if ! locale -a 2>/dev/null | grep -qi '^zh_CN.utf-\?8$'; then
    [ "$(wc -l <"$TMPDIR/err")" -eq 1 ] && grep -q 'C.UTF-8' "$TMPDIR/err" ||
        fail "the fallback is not said once: $(cat "$TMPDIR/err")"
fi

# the office's messages, errors and --help in Chinese; English under LANG=C
$ZH "$OFFICE" --help 2>/dev/null | grep -q '^用法：cleanplate-office' || fail "--help is not Chinese"
$ZH "$OFFICE" --help 2>/dev/null | grep -q '^  category set CODE NAME$' || fail "commands are not ASCII"
echo "$MANAGER_PIN" | $ZH "$OFFICE" price set --canteen C1 --period lunch --category guest 15 \
    --manager "$MANAGER" 2>/dev/null | grep -qx '食堂 C1：午餐 访客价格为 15 元' ||
    fail "price set in Chinese: $(echo "$MANAGER_PIN" | $ZH "$OFFICE" price set --canteen C1 --period lunch --category guest 15 --manager "$MANAGER" 2>&1)"
$ZH "$OFFICE" topup S0001 5 2>"$TMPDIR/err" && fail "a top-up without a manager"
grep -q '涉及资金或用户权限：请用 --manager 姓名 指定一位主管或管理员' "$TMPDIR/err" ||
    fail "refusal in Chinese: $(cat "$TMPDIR/err")"
$ZH "$OFFICE" card block 0099999999 2>"$TMPDIR/err" && fail "an unknown card was blocked"
grep -q '没有卡 0099999999' "$TMPDIR/err" || fail "error in Chinese: $(cat "$TMPDIR/err")"
LANG=C "$OFFICE" card block 0099999999 2>"$TMPDIR/err" && fail "an unknown card was blocked"
grep -q 'no card 0099999999' "$TMPDIR/err" || fail "error in English: $(cat "$TMPDIR/err")"

# CSV and JSON keep the codes and add the names
as_manager topup S0001 50 >/dev/null
echo 0000000001 | "$POS" --headless --terminal POS1 >/dev/null
"$OFFICE" report sales --from 2026-11-20 --to 2026-11-20 --by period --csv >"$TMPDIR/s.csv"
head -n 1 "$TMPDIR/s.csv" | grep -q 'period,period_name,sales,voids' || fail "sales csv header: $(head -n 1 "$TMPDIR/s.csv")"
grep -q '^lunch,lunch,1,0,8.00' "$TMPDIR/s.csv" || fail "sales csv (English): $(cat "$TMPDIR/s.csv")"
$ZH "$OFFICE" report sales --from 2026-11-20 --to 2026-11-20 --by period --csv 2>/dev/null |
    grep -q '^lunch,午餐,1,0,8.00' || fail "sales csv (Chinese): $($ZH "$OFFICE" report sales --from 2026-11-20 --to 2026-11-20 --by period --csv 2>&1)"
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager waste add --stage plate --staff-no S0001 --grams 30 --terminal W1 >/dev/null
$ZH "$OFFICE" metrics --month 2026-11 --by period --json 2>/dev/null >"$TMPDIR/p.json"
grep -q '"meal_period": "lunch"' "$TMPDIR/p.json" && grep -q '"meal_period_name": "午餐"' "$TMPDIR/p.json" ||
    fail "metrics --by period: $(cat "$TMPDIR/p.json")"
echo "office_names ok"
