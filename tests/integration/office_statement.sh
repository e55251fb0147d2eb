# A diner's statement (`report statement`): every movement of a month in time
# order (a grant, a top-up, meals split between subsidy and cash, a void, an
# offline lunch posted the next day at its tap time, the expiry the month
# after), the balances carried from the month's start to its end, the end
# equal to `balance`, in text and CSV (a period named like a formula stays
# text); an unknown staff number and a month that is not one refused.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

POST="$BUILD/tools/post_offline"
setup_canteen 3
"$OFFICE" period name dinner "=1+2" >/dev/null
export CLEANPLATE_NOW=2026-11-02T09:00:00
as_manager subsidy grant --month 2026-11 10 >/dev/null
export CLEANPLATE_NOW=2026-11-02T09:30:00
as_manager topup S0001 50 >/dev/null
export CLEANPLATE_NOW=2026-11-19T12:00:00
echo 0000000001 | "$POS" --headless --terminal POS1 >/dev/null
export CLEANPLATE_NOW=2026-11-19T17:30:00
echo 0000000001 | "$POS" --headless --terminal POS1 >/dev/null
dinner=$(sql "SELECT id FROM sales WHERE created_at = '2026-11-19T17:30:00'")
as_manager void "$dinner" --reason "wrong tray" >/dev/null
# tapped offline on the 18th, posted on the 20th: it took what the 19th left
# (its line comes after theirs, as the money moved, with its tap time)
export CLEANPLATE_NOW=2026-11-20T09:00:00
"$POST" POS5 0000000001 2026-11-18T12:04:10 POS5/1 | grep -q '^ok ' || fail "offline lunch"
# a top-up and the lunch it paid for in the same second: the top-up first
# (in the order of their ids it read as a lunch the wallet could not pay)
for day in 03 04 05 06 09 10 11 12; do
    export CLEANPLATE_NOW=2026-11-${day}T12:00:00
    as_manager topup S0002 8 >/dev/null
    echo 0000000002 | "$POS" --headless --terminal POS1 | grep -q '"ok":true' || fail "S0002 $day"
done
"$OFFICE" report statement S0002 --month 2026-11 --csv | tr -d '\r' >"$TMPDIR/s2.csv"
[ "$(awk -F, 'NR > 2 && ($(NF-1) ~ /^-/ || $NF ~ /^-/)' "$TMPDIR/s2.csv" | wc -l)" = 0 ] &&
    [ "$(wc -l <"$TMPDIR/s2.csv")" = 20 ] || fail "same second: $(cat "$TMPDIR/s2.csv")"

export CLEANPLATE_NOW=2026-12-01T08:00:00
as_manager subsidy expire --month 2026-11 >/dev/null

"$OFFICE" report statement S0001 --month 2026-11 >"$TMPDIR/nov.txt" ||
    fail "statement: $(cat "$TMPDIR/nov.txt")"
grep -q '^Statement of 职工1 (S0001), ' "$TMPDIR/nov.txt" || fail "head: $(cat "$TMPDIR/nov.txt")"
# the lines in time order, what each was, and the balances after each
body=$(sed -n '3,$p' "$TMPDIR/nov.txt" | awk '{$1=$1; print}')
want="0.00 0.00 balance at the start of the month
2026-11-02 09:00 +10.00 0.00 10.00 $(sql "SELECT l.id FROM ledger l JOIN diners d ON d.id = l.diner_id WHERE l.kind = 'subsidy_grant' AND d.staff_no = 'S0001'") subsidy for 2026-11
2026-11-02 09:30 +50.00 50.00 10.00 $(sql "SELECT l.id FROM ledger l JOIN diners d ON d.id = l.diner_id WHERE l.kind = 'topup' AND d.staff_no = 'S0001'") top-up
2026-11-19 12:00 -8.00 50.00 2.00 POS1-000001 lunch at POS1
2026-11-19 17:30 -6.00 -2.00 44.00 0.00 $dinner =1+2 at POS1
2026-11-19 17:30 +6.00 +2.00 50.00 2.00 $dinner void: the sale's money back
2026-11-18 12:04 -6.00 -2.00 44.00 0.00 POS5-000001 lunch at POS5, receipt POS5/1, posted 2026-11-20 09:00
44.00 0.00 balance at the end of the month"
[ "$body" = "$want" ] || fail "statement lines:
$body
wanted:
$want"
# the next month starts where this one ended; its end is the balance now
"$OFFICE" report statement S0001 >"$TMPDIR/dec.txt"
grep -q ' 44.00 *0.00  *balance at the start of the month$' "$TMPDIR/dec.txt" &&
    grep -q ' 44.00 *0.00  *balance at the end of the month$' "$TMPDIR/dec.txt" ||
    fail "December: $(cat "$TMPDIR/dec.txt")"
"$OFFICE" balance S0001 | grep -q 'cash 44.00 yuan, subsidy 0.00 yuan' || fail "balance"

# CSV: the same lines; the running balances are the changes added up; a
# period named like a formula is text
"$OFFICE" report statement S0001 --month 2026-11 --csv >"$TMPDIR/nov.csv"
[ "$(wc -l <"$TMPDIR/nov.csv")" = 9 ] || fail "CSV lines: $(cat "$TMPDIR/nov.csv")"
# (the amounts are the last four fields: a description may hold a comma)
awk -F, 'NR == 2 { c = $(NF-1) * 100; s = $NF * 100 }
         NR > 2 { c += $(NF-3) * 100; s += $(NF-2) * 100
                  if (c != $(NF-1) * 100 || s != $NF * 100) bad = bad " " NR }
         END { exit bad != "" }' "$TMPDIR/nov.csv" || fail "CSV does not add up: $(cat "$TMPDIR/nov.csv")"
grep -qF ",\"'=1+2 at POS1\"," "$TMPDIR/nov.csv" || fail "a formula in the CSV: $(cat "$TMPDIR/nov.csv")"

# in Chinese each amount stands under its heading, by the columns a
# character takes on screen (review U1: printf's widths count bytes, and
# the subsidy charge stood under 现金余额)
LANG=zh_CN.UTF-8 "$OFFICE" report statement S0001 --month 2026-11 >"$TMPDIR/zh.txt" 2>/dev/null ||
    fail "the statement in Chinese"
python3 - "$TMPDIR/zh.txt" <<'PY' || fail "the Chinese columns: $(cat "$TMPDIR/zh.txt")"
import re, sys, unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
head = lines[1]
# the right end of each amount heading, by display columns
ends = {m.group(): w(head[:m.end()]) for m in re.finditer(r'\S+', head)}
for l in lines[2:]:
    if not re.match(r'\d{4}年', l):
        continue
    amounts = [w(l[:m.end()]) for m in re.finditer(r'[-+]?\d+\.\d\d', l)]
    # the balances are the last two amounts: under 现金余额 and 补贴余额
    if amounts[-2:] != [ends['现金余额'], ends['补贴余额']]:
        sys.exit('%s: %s, headings end at %s' % (l, amounts, ends))
PY
# and so does the terminals' table: its numbers end under their headings
LANG=zh_CN.UTF-8 "$OFFICE" terminals >"$TMPDIR/terms.txt" 2>/dev/null || fail "terminals in Chinese"
python3 - "$TMPDIR/terms.txt" <<'PY' || fail "the terminals' columns: $(cat "$TMPDIR/terms.txt")"
import re, sys, unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
ends = [w(lines[0][:m.end()]) for m in re.finditer(r'\S+', lines[0])][-4:]
for l in lines[1:]:
    if l.startswith('POS'):
        got = [w(l[:m.end()]) for m in re.finditer(r'\S+', l)][-4:]
        if got != ends:
            sys.exit('%s: %s, headings end at %s' % (l, got, ends))
PY
must_fail "no diner with staff number 'S9999'" "$OFFICE" report statement S9999
must_fail "not a month" "$OFFICE" report statement S0001 --month 2026-13
"$OFFICE" verify >/dev/null || fail "verify"
echo "office_statement: ok"
