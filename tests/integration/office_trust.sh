# Records nobody can quietly get wrong, tried as a manager and as an attacker with
# write access to the file would: the audit chain and verify --head, two writers at
# once, subsidy by grant month, top-up reversal, partial rule changes.
. tests/integration/lib.sh

setup_canteen 12
[ "$(stat -c %a "$CLEANPLATE_DB")" = 640 ] || [ "$(stat -c %a "$CLEANPLATE_DB")" = 660 ] ||
    fail "the database file is readable by others: $(stat -c %a "$CLEANPLATE_DB")"

# ---- rules: only what is given changes
as_manager rules set staff --meals 2 --daily-cap 30 >/dev/null
out=$(as_manager rules set staff --overdraft 20)
[ "$out" = "category staff: 2 meals per period, daily cap 30.00, overdraft 20.00" ] ||
    fail "rules set reset what was not given: $out"
must_fail "give --meals, --daily-cap or --overdraft" as_manager rules set staff
as_manager rules set staff --meals 1 --daily-cap none --overdraft 0 >/dev/null

# ---- subsidy by month and category
export CLEANPLATE_NOW=2026-11-28T10:00:00
as_manager subsidy grant --month 2026-11 10 >/dev/null
as_manager subsidy grant --month 2026-12 30 >/dev/null
# a category nobody is in (a typo) is refused, not granted to nobody with exit 0;
# a month more than one ahead is refused (its subsidy could be spent at once)
must_fail "no diner is in category 'staf' (in use: staff)" as_manager subsidy grant \
    --month 2026-12 5 --category staf
must_fail "2027-10 is more than a month ahead" as_manager subsidy grant --month 2027-10 200
must_fail "2027-01 is more than a month ahead" as_manager subsidy grant --month 2027-01 200
# a month that has ended (a typed year): it would be spent now and never expired
must_fail "2025-11 has ended" as_manager subsidy grant --month 2025-11 100
must_fail "use lowercase letters" as_manager subsidy grant --month 2026-12 5 --category 职工
must_fail "has not ended yet" as_manager subsidy expire --month 2026-11
export CLEANPLATE_NOW=2026-11-28T12:00:00
printf '0000000001\n' | "$POS" --headless --terminal POS1 | grep -q '"subsidy_fen":800' ||
    fail "lunch not paid from subsidy"
export CLEANPLATE_NOW=2026-12-01T08:00:00
out=$(as_manager subsidy expire --month 2026-11)
# S0001 had 2.00 of November left, the eleven others 10.00 each; December's grant stays
echo "$out" | grep -q "expired 112.00 yuan" || fail "expire took the wrong amount: $out"
[ "$("$OFFICE" balance S0001 --json)" = '{"staff_no":"S0001","cash_fen":0,"subsidy_fen":3000,"status":"active"}' ] ||
    fail "December's subsidy was touched: $("$OFFICE" balance S0001 --json)"

# ---- a mistaken top-up is reversed by a new entry, once
entry=$(as_manager topup S0002 1000 | sed -n 's/.*(entry \([0-9a-f]*\)).*/\1/p')
[ -n "$entry" ] || fail "topup does not print its entry"
must_fail "--reason" as_manager topup reverse "$entry"
as_manager topup reverse "$entry" --reason "typed 1000 for 100" | grep -q "1000.00 yuan taken back" ||
    fail "reverse"
must_fail "was reversed already" as_manager topup reverse "$entry" --reason again
must_fail "no ledger entry" as_manager topup reverse nope --reason x
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM ledger WHERE id = '$entry' AND amount_fen = 100000")" = 1 ] ||
    fail "the top-up itself was changed"

# ---- a sale voided after its diner left: its money is paid out at once, not left
# in a wallet nobody can spend from or be paid out of
printf 'staff_no,name,department_code,category,card\nS0099,临时工,D01,staff,99\n' >"$TMPDIR/d99.csv"
"$OFFICE" import diners "$TMPDIR/d99.csv" >/dev/null
as_manager topup S0099 10 >/dev/null
sale=$(printf '0000000099\n' | CLEANPLATE_NOW=2026-12-01T12:00:00 "$POS" --headless --terminal POS1 |
    jq -r .sale_id)
as_manager diner leave S0099 | grep -q "pay out 2.00" || fail "leave"
out=$(as_manager void "$sale" --reason "wrong card")
echo "$out" | grep -q "its diner has left: give them back 8.00 yuan in cash" || fail "void: $out"
[ "$("$OFFICE" balance S0099 --json)" = '{"staff_no":"S0099","cash_fen":0,"subsidy_fen":0,"status":"left"}' ] ||
    fail "a left diner's wallet after a void: $("$OFFICE" balance S0099 --json)"
"$OFFICE" balance S0099 | grep -qx 'S0099: cash 0.00 yuan, subsidy 0.00 yuan (has left)' ||
    fail "balance does not say the diner left: $("$OFFICE" balance S0099)"
"$OFFICE" verify >"$TMPDIR/v" || fail "verify after a void paid out: $(cat "$TMPDIR/v")"

# ---- two writers at once never fork a chain: publications of two months and
# notes from many processes
export CLEANPLATE_NOW=2026-10-15T12:00:00
printf '0000000003\n0000000004\n' | "$POS" --headless --terminal POS1 >/dev/null
export CLEANPLATE_NOW=2026-12-02T09:00:00
as_manager topup S0003 50 >/dev/null
publish() { # MONTH ROUND: a first publication, then corrections with a reason
    if [ "$2" = 1 ]; then "$OFFICE" publish redblack --month "$1" --out "$TMPDIR/pub"
    else "$OFFICE" publish redblack --month "$1" --out "$TMPDIR/pub" --reason "round $2"; fi
}
for round in 1 2 3; do
    publish 2026-10 $round >"$TMPDIR/p1.out" 2>&1 &
    publish 2026-11 $round >"$TMPDIR/p2.out" 2>&1 &
    i=0
    while [ $i -lt 10 ]; do
        "$OFFICE" card block 0000000012 >/dev/null
        "$OFFICE" card unblock 0000000012 >/dev/null
        i=$((i + 1))
    done
    wait
done
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM publications")" = 6 ] ||
    fail "publications: $(cat "$TMPDIR/p1.out" "$TMPDIR/p2.out")"
"$OFFICE" verify --out "$TMPDIR/pub" >"$TMPDIR/verify.out" || fail "verify after two writers: $(cat "$TMPDIR/verify.out")"

# every publication prints the audit head of when it was made, on the page and in the PDF
h=$(sed -n 's/.*发布时审计链头 \([0-9a-f]*\).*/\1/p' "$TMPDIR/pub/redblack-2026-10-v1.html")
[ ${#h} -eq 64 ] || fail "no audit head in the published page"
"$OFFICE" verify --head "$h" >/dev/null || fail "the published head does not verify"
pdftotext "$TMPDIR/pub/redblack-2026-10-v1.pdf" - 2>/dev/null | tr -d '\n' | grep -q "$h" ||
    fail "no audit head in the published PDF"
grep -q "audit head [0-9a-f]\{64\}" "$TMPDIR/p1.out" || fail "publish does not print the head"

# ---- verify --head: a head kept on paper proves nothing up to it was removed
head=$("$OFFICE" audit head)
[ ${#head} -eq 64 ] || fail "audit head: '$head'"
"$OFFICE" verify --head "$head" >/dev/null || fail "verify --head on an intact log"
must_fail "give the 64 hex digits" "$OFFICE" verify --head 1234
as_manager topup S0004 20 >/dev/null
"$OFFICE" verify --head "$head" >/dev/null || fail "an older head must stay provable"
later=$("$OFFICE" audit head)
# the attacker removes the last top-up, its entry and its balance: the rest agrees
sqlite3 "$CLEANPLATE_DB" "DROP TRIGGER ledger_no_delete; DROP TRIGGER audit_no_delete;
    DELETE FROM ledger WHERE id = (SELECT subject FROM audit WHERE action = 'wallet.topup'
                                   ORDER BY seq DESC LIMIT 1);
    DELETE FROM audit WHERE chain = '' AND seq >= (SELECT max(seq) FROM audit
                                                   WHERE action = 'wallet.topup');
    UPDATE wallets SET cash_fen = cash_fen - 2000 WHERE diner_id = 4;"
if "$OFFICE" verify --head "$later" >"$TMPDIR/verify.out"; then fail "a cut end passed verify --head"; fi
grep -q "no entry has the head $later" "$TMPDIR/verify.out" || fail "$(cat "$TMPDIR/verify.out")"
grep -q "nothing refuses DELETE on ledger" "$TMPDIR/verify.out" || fail "dropped guard not named"

# ---- an edit made consistently across the tables is found
w=$TMPDIR/edit.db
cp "$CLEANPLATE_DB" "$w"
sqlite3 "$w" "DROP TRIGGER sales_no_update; DROP TRIGGER ledger_no_update;
    UPDATE sales SET total_fen = 100, subsidy_fen = 100 WHERE id = 'POS1-000001';
    UPDATE ledger SET amount_fen = -100 WHERE id = 'POS1-000001.s';
    UPDATE wallets SET subsidy_fen = subsidy_fen + 700 WHERE diner_id = 1;"
if "$OFFICE" --db "$w" verify >"$TMPDIR/verify.out"; then fail "a consistent edit passed verify"; fi
grep -q "sale POS1-000001 (entry .*) was changed after it was recorded" "$TMPDIR/verify.out" ||
    fail "$(cat "$TMPDIR/verify.out")"
echo "office_trust: ok"
