# Who may move money, tried as a user and as an attacker at the office: every command that
# moves money or changes who may needs --manager and that manager's PIN; a cashier's PIN is
# refused; 20 wrong PINs in a row lock after 3 and are every one audited; a name nobody has
# is answered like a wrong PIN; the audit names the verified manager, not --user; the first
# admin; user add, list, disable and pin; top-ups from a file, all or nothing.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

# the first user of a new database is its admin, added without a manager; the only one
"$OFFICE" init >/dev/null
must_fail "add its admin first" sh -c "printf '1357\n1357\n' | '$OFFICE' user add li --role cashier"
must_fail "no users yet" sh -c "printf '135790\n135790\n' | '$OFFICE' user add root --role admin --manager root"
must_fail "6 to 12 digits" sh -c "printf '1357\n1357\n' | '$OFFICE' user add root --role admin"
must_fail "the two PINs differ" sh -c "printf '135790\n135791\n' | '$OFFICE' user add root --role admin"
must_fail "given twice" sh -c "echo 135790 | '$OFFICE' user add root --role admin"
[ "$(sql "SELECT count(*) FROM users")" = 0 ] || fail "a refused first admin was added"
setup_canteen 3
must_fail "moves money or changes who may" sh -c "printf '111111\n111111\n' | '$OFFICE' user add root2 --role admin"
as_manager topup S0001 20 >/dev/null
as_manager topup S0002 20 >/dev/null

# 1. without --manager every such command is refused, and changes nothing
sale=$(echo 0000000001 | "$POS" --headless --terminal POS1 | sed 's/.*"sale_id":"\([^"]*\)".*/\1/')
printf 'staff_no,yuan\nS0001,5\n' >"$TMPDIR/t.csv"
for cmd in "topup S0001 5" "subsidy grant --month 2026-11 5" "subsidy expire --month 2026-10" \
    "diner leave S0003" "price set --canteen C1 --period lunch --category staff 9" \
    "rules set staff --meals 2" "user add x --role cashier" "user disable $MANAGER" \
    "user pin $MANAGER" "void $sale" "import topups $TMPDIR/t.csv"; do
    # shellcheck disable=SC2086 # the command's words
    must_fail "give --manager NAME" sh -c "echo $MANAGER_PIN | '$OFFICE' $cmd"
done
cash() { sql "SELECT cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id WHERE staff_no = '$1'"; }
[ "$(cash S0001)" = 1200 ] || fail "a command without --manager moved money: $(cash S0001)"

# 2. a cashier's right PIN is no manager's (refused, audited); nor is a manager an admin
add_user li cashier 1357
must_fail "li is a cashier: topup needs a manager or an admin" sh -c "echo 1357 | '$OFFICE' topup S0001 5 --manager li"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.denied' AND subject = 'li'")" = 1 ] ||
    fail "a cashier's attempt is not audited"
must_fail "boss is a manager: user add needs an admin" sh -c "printf '$MANAGER_PIN\n2468100\n2468100\n' | '$OFFICE' user add boss2 --role manager --manager $MANAGER"
[ "$(cash S0001)" = 1200 ] || fail "a cashier moved money"

# 3. 20 wrong PINs in a row: locked after 3, every one refused and audited, the right
#    PIN refused while locked; a minute later it works again
for n in $(seq 1 20); do
    must_fail "" sh -c "echo 99999$((n % 10)) | '$OFFICE' topup S0001 5 --manager $MANAGER"
    case $n in
        1 | 2) grep -qF "wrong name or PIN for '$MANAGER' ($n of 3 tries before a lock)" "$TMPDIR/err" ;;
        3) grep -qF "3 wrong PINs in a row, locked for 60 s (recorded)" "$TMPDIR/err" ;;
        *) grep -qF "'$MANAGER' is locked for 60 s more" "$TMPDIR/err" ;;
    esac || fail "wrong PIN $n: $(cat "$TMPDIR/err")"
done
must_fail "'$MANAGER' is locked" as_manager topup S0001 5
audited() { sql "SELECT count(*) FROM audit WHERE action = '$1' AND subject = '$MANAGER'"; }
[ "$(audited auth.failed)" = 3 ] && [ "$(audited auth.locked)" = 1 ] && [ "$(audited auth.refused)" = 18 ] ||
    fail "not every attempt audited: $(sql "SELECT action, count(*) FROM audit GROUP BY action")"
[ "$(cash S0001)" = 1200 ] || fail "money moved while locked"
"$OFFICE" user list | grep -q "^manager   yes            3  2026-11-20T12:01:00  $MANAGER\$" ||
    fail "user list: $("$OFFICE" user list)"
CLEANPLATE_NOW=2026-11-20T12:01:00 as_manager topup S0001 5 >/dev/null || fail "the lock did not end"
"$OFFICE" user list | grep -q "^manager   yes            0  -                    $MANAGER\$" ||
    fail "the right PIN did not clear the count: $("$OFFICE" user list)"

# 4. a name nobody has: the same answers as a wrong PIN, counted, locked and audited
add_user chen cashier 2580
for who in ghost chen; do
    for n in 1 2 3 4; do
        must_fail "" sh -c "echo 0000 | '$OFFICE' topup S0001 5 --manager $who"
        sed "s/'$who'/'NAME'/" "$TMPDIR/err" >>"$TMPDIR/answers-$who"
    done
done
cmp -s "$TMPDIR/answers-ghost" "$TMPDIR/answers-chen" ||
    fail "a name nobody has is answered otherwise: $(diff "$TMPDIR/answers-ghost" "$TMPDIR/answers-chen")"
[ "$(sql "SELECT count(*) FROM audit WHERE subject = 'ghost' AND action LIKE 'auth.%'")" = 5 ] ||
    fail "a name nobody has is not audited"

# 5. the audit names the verified manager, not the free --user
as_manager topup S0002 7 --user mallory >/dev/null
[ "$(sql "SELECT actor FROM audit WHERE action = 'wallet.topup' ORDER BY seq DESC LIMIT 1")" = "$MANAGER" ] ||
    fail "the audit does not name the manager"
[ "$(sql "SELECT actor FROM ledger WHERE amount_fen = 700")" = "$MANAGER" ] ||
    fail "the ledger does not name the manager"

# 6. users: a manager adds a cashier, an admin adds a manager; list, disable, a new PIN
printf '%s\n8642\n8642\n' "$MANAGER_PIN" | "$OFFICE" user add zhou --role kitchen --manager "$MANAGER" >/dev/null ||
    fail "a manager could not add kitchen staff"
must_fail "6 to 12 digits" sh -c "printf '$ADMIN_PIN\n2468\n2468\n' | '$OFFICE' user add wang --role manager --manager $ADMIN"
add_user wang manager 975310
"$OFFICE" user list >"$TMPDIR/users"
[ "$(head -n 1 "$TMPDIR/users")" = "ROLE      ACTIVE  FAILURES  LOCKED UNTIL         NAME" ] || fail "user list header: $(cat "$TMPDIR/users")"
for u in root:admin boss:manager li:cashier chen:cashier wang:manager zhou:kitchen; do
    grep -q "^${u#*:} *yes .* ${u%:*}\$" "$TMPDIR/users" || fail "user list lacks $u: $(cat "$TMPDIR/users")"
done
! grep -q 'argon2' "$TMPDIR/users" || fail "user list shows hashes"
must_fail "needs an admin" sh -c "echo $MANAGER_PIN | '$OFFICE' user disable wang --manager $MANAGER"
echo "$MANAGER_PIN" | "$OFFICE" user disable zhou --manager "$MANAGER" >/dev/null || fail "disable kitchen staff"
echo "$ADMIN_PIN" | "$OFFICE" user disable wang --manager "$ADMIN" >/dev/null || fail "disable a manager"
"$OFFICE" user list | grep -q "^manager   no .* wang\$" || fail "wang still active: $("$OFFICE" user list)"
must_fail "wrong name or PIN for 'wang'" sh -c "echo 975310 | '$OFFICE' topup S0001 5 --manager wang"
must_fail "last active admin" sh -c "echo $ADMIN_PIN | '$OFFICE' user disable $ADMIN --manager $ADMIN"
# an admin sets a new PIN: the lock goes with the old one
for n in 1 2 3; do echo 000000 | "$OFFICE" topup S0001 5 --manager "$MANAGER" 2>/dev/null && fail "wrong PIN took"; done
must_fail "the two PINs differ" sh -c "printf '$ADMIN_PIN\n111222\n111223\n' | '$OFFICE' user pin $MANAGER --manager $ADMIN"
must_fail "needs an admin" sh -c "printf '1357\n111222\n111222\n' | '$OFFICE' user pin $MANAGER --manager li"
printf '%s\n111222\n111222\n' "$ADMIN_PIN" | "$OFFICE" user pin "$MANAGER" --manager "$ADMIN" >/dev/null ||
    fail "user pin"
echo 111222 | "$OFFICE" topup S0001 5 --manager "$MANAGER" >/dev/null || fail "the new PIN does not work"
must_fail "wrong name or PIN" sh -c "echo $MANAGER_PIN | '$OFFICE' topup S0001 5 --manager $MANAGER"
MANAGER_PIN=111222
for a in user.add user.disable user.pin; do
    [ "$(sql "SELECT count(*) FROM audit WHERE action = '$a' AND actor IN ('$ADMIN', '$MANAGER')")" -ge 1 ] ||
        fail "$a is not audited as the admin or manager"
done

# 7. top-ups from a file: all or nothing, FILE:LINE of the bad row; one PIN for all
before=$(cash S0003)
printf 'staff_no,yuan\r\nS0003,100\r\nS0002,50.5\r\nS9999,10\r\n' >"$TMPDIR/bad.csv"
must_fail "bad.csv:4: field staff_no: no diner" as_manager import topups "$TMPDIR/bad.csv"
grep -q "nothing was topped up" "$TMPDIR/err" || fail "the message does not say nothing changed"
printf 'staff_no,yuan\nS0003,100\nS0003,1\n' >"$TMPDIR/twice.csv"
must_fail "twice.csv:3: field staff_no: 'S0003' appears twice" as_manager import topups "$TMPDIR/twice.csv"
printf 'staff_no,yuan\nS0003,-1\n' >"$TMPDIR/neg.csv"
must_fail "neg.csv:2: field yuan" as_manager import topups "$TMPDIR/neg.csv"
[ "$(cash S0003)" = "$before" ] || fail "a bad file topped up"
printf 'staff_no,yuan\nS0003,100\nS0002,50.5\n' >"$TMPDIR/good.csv"
as_manager import topups "$TMPDIR/good.csv" >"$TMPDIR/imported" || fail "import topups"
grep -q "topped up 2 diners with 150.50 yuan" "$TMPDIR/imported" || fail "import topups: $(cat "$TMPDIR/imported")"
[ "$(cash S0003)" = $((before + 10000)) ] || fail "S0003 not topped up"
# each line's ledger entry is said, so that a wrong one is taken back
entry=$(sed -n 's/^.*good.csv:3: S0002 50.50 yuan: entry \([0-9a-f]*\)$/\1/p' "$TMPDIR/imported")
[ -n "$entry" ] || fail "no entry for line 3: $(cat "$TMPDIR/imported")"
s2=$(cash S0002)
as_manager topup reverse "$entry" --reason "50.5 was meant for S0012" >/dev/null ||
    fail "the entry the import said could not be reversed"
[ "$(cash S0002)" = $((s2 - 5050)) ] || fail "S0002's top-up was not taken back"
"$OFFICE" verify | grep -q "0 problems" || fail "verify after the top-ups: $("$OFFICE" verify)"
echo "office_auth ok"
