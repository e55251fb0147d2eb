# The office commands as a manager runs them, including bad input and the JSON contract.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

must_fail "cleanplate-office init" "$OFFICE" balance S0001
setup_canteen 5
"$OFFICE" init | grep -q "schema version" || fail "init twice"
"$OFFICE" --help | grep -q "import diners" || fail "--help"
"$OFFICE" topup --help | grep -q "STAFF_NO YUAN" || fail "command --help"

# amounts
must_fail "not an amount" "$OFFICE" topup S0001 -5
must_fail "not an amount" "$OFFICE" topup S0001 8.505
must_fail "not an amount" "$OFFICE" topup S0001 abc
as_manager topup S0001 12.5 >/dev/null
as_manager topup S0001 8 >/dev/null
[ "$("$OFFICE" balance S0001 --json)" = '{"staff_no":"S0001","cash_fen":2050,"subsidy_fen":0,"status":"active"}' ] ||
    fail "balance json: $("$OFFICE" balance S0001 --json)"
must_fail "no diner" as_manager topup S9999 5
# a store this user may not write is said as such, with what to do (as root,
# run as nobody): a file copied back by root read as a missing folder, and a
# folder only root may write as a damaged database
if ! on_pg && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    perm=$(mktemp -d /tmp/cp-perm.XXXXXX)
    trap 'rm -rf "$perm"' EXIT
    chmod 755 "$perm"
    mkdir -m 777 "$perm/open" && mkdir -m 755 "$perm/closed"
    sqlite3 "$CLEANPLATE_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    cp "$CLEANPLATE_DB" "$perm/open/root.db" && chmod 640 "$perm/open/root.db"
    cp "$CLEANPLATE_DB" "$perm/closed/mine.db" && chown nobody "$perm/closed/mine.db"
    chmod 660 "$perm/closed/mine.db"
    nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
    must_fail "root.db belongs to root with mode 0640, and this user may not read and write it" \
        nobody "$OFFICE" --db "$perm/open/root.db" balance S0001
    must_fail "may not write the folder $perm/closed (it belongs to root with mode 0755)" \
        nobody "$OFFICE" --db "$perm/closed/mine.db" balance S0001
fi
# output that cannot be written (a redirection onto a full disk) is an error:
# a cut table or an empty `audit head > FILE` exited 0
for args in "balance S0001" "audit head" "report balances" "metrics --month 2026-11"; do
    if "$OFFICE" $args >/dev/full 2>"$TMPDIR/err"; then fail "$args to a full disk: exit 0"; fi
    grep -q "could not write" "$TMPDIR/err" || fail "$args to a full disk said: $(cat "$TMPDIR/err")"
done

# usage errors
must_fail "unknown command" "$OFFICE" frobnicate
must_fail "expected 2 arguments" "$OFFICE" topup S0001
must_fail "unknown option" "$OFFICE" topup S0001 5 --bogus
must_fail "missing --kind" "$OFFICE" terminal add T9 --canteen C1
must_fail "use pos or waste" "$OFFICE" terminal add T9 --canteen C1 --kind cash
must_fail "no canteen" "$OFFICE" terminal add T9 --canteen C9 --kind pos
must_fail "already exists" "$OFFICE" canteen add C1 again
must_fail "overlaps" "$OFFICE" period set --canteen C1 late 13:00-14:00
must_fail "not a span" "$OFFICE" period set --canteen C1 late 25:00-26:00
must_fail "no period" as_manager price set --canteen C1 --period brunch --category staff 5
must_fail "--red ranks departments: it goes with --by department, not --by period" \
    "$OFFICE" metrics --month 2026-11 --by period --red 5
must_fail "no canteen 'C9'" as_manager price set --canteen C9 --period lunch --category staff 5

# an import with a bad line changes nothing and names the line and field
printf 'staff_no,name,department_code,category,card\r\nS0100,"王, 小明",D01,staff,100\r\nS0101,李四,D09,staff,\r\n' >"$TMPDIR/bad.csv"
must_fail "bad.csv:3: field department_code" "$OFFICE" import diners "$TMPDIR/bad.csv"
[ "$(sql "SELECT count(*) FROM diners")" = 5 ] || fail "half-imported"
must_fail "cannot open" "$OFFICE" import diners "$TMPDIR/missing.csv"

# cards
"$OFFICE" card block 0000000002 >/dev/null
printf '0000000002\n' | "$POS" --headless --terminal POS1 | grep -q '"error":"card_blocked"' ||
    fail "blocked card charged"
must_fail "is lost, not active" "$OFFICE" card block 0000000002
"$OFFICE" card replace S0002 77 >/dev/null
must_fail "already registered" "$OFFICE" card replace S0003 77
as_manager topup S0002 10 >/dev/null
printf '77\n' | "$POS" --headless --terminal POS1 | grep -q '"ok":true' || fail "new card"

# users and a void with a manager PIN from stdin
add_user cashier1 cashier 1111
must_fail "4 to 12 digits" add_user short cashier 12
sale=$(printf '0000000001\n' | "$POS" --headless --terminal POS1 | sed 's/.*"sale_id":"\([^"]*\)".*/\1/')
must_fail "wrong name or PIN" sh -c "echo 9999 | '$OFFICE' void $sale --manager boss"
must_fail "needs a manager" sh -c "echo 1111 | '$OFFICE' void $sale --manager cashier1"
as_manager void "$sale" --reason "wrong tray" >/dev/null
must_fail "already void" as_manager void "$sale"
[ "$("$OFFICE" balance S0001 --json)" = '{"staff_no":"S0001","cash_fen":2050,"subsidy_fen":0,"status":"active"}' ] ||
    fail "void did not refund"

# subsidies and a leaver
as_manager subsidy grant --month 2026-11 20 --department D01 | grep -q "to 1 diner" || fail "grant"
as_manager subsidy grant --month 2026-11 20 | grep -q "to 4 diners" || fail "grant rest"
must_fail "not a month" as_manager subsidy grant --month 2026-13 20
as_manager diner leave S0005 | grep -q "pay out 0.00" || fail "leave"

"$OFFICE" verify | grep -q "0 problems" || fail "verify"
# tampering is found
sql "UPDATE wallets SET cash_fen = cash_fen + 1 WHERE diner_id = 1"
if "$OFFICE" verify >"$TMPDIR/v" 2>&1; then fail "verify missed a changed wallet"; fi
grep -q "BROKEN: wallet balance" "$TMPDIR/v" || fail "verify message"
# on a terminal (script(1) gives it one) a line on stderr says how far verify has
# gone, and the report comes whole after it is cleared, no line of it inside it
script -qec "\"$OFFICE\" verify" /dev/null >"$TMPDIR/vt" 2>&1 || true
grep -q "checking the audit chains, [0-9]* entries" "$TMPDIR/vt" ||
    fail "verify showed no progress on a terminal"
tr '\r' '\n' <"$TMPDIR/vt" | sed 's/^\x1b\[K//' | grep -q "^BROKEN: wallet balance" ||
    fail "verify's report was not after its progress line"
if tr '\r' '\n' <"$TMPDIR/vt" | grep -q "entries\.\.\..\|)\.\.\.."; then
    fail "verify wrote its report into the progress line"
fi

# bad input found by a sweep: each refused with one line, nothing changed
must_fail "not a month" as_manager subsidy grant --month 2026-+1 20
must_fail "not a month" "$OFFICE" metrics --month "2026- 1"
must_fail "not an amount" "$OFFICE" topup S0001 100000000.01
must_fail "the item's name is empty" "$OFFICE" item set --canteen C1 BUN "" 1
must_fail "--meals" "$OFFICE" rules set guest --meals ""
must_fail "not a date" "$OFFICE" report sales --from 2026-02-30 --to 2026-03-01
must_fail "after --to" "$OFFICE" report sales --from 2026-11-30 --to 2026-11-01
must_fail "is a folder" "$OFFICE" balance S0001 --db "$TMPDIR"
sqlite3 "$TMPDIR/other.db" "CREATE TABLE t(x)"
must_fail "another program's database" "$OFFICE" init --db "$TMPDIR/other.db"
[ "$(sqlite3 "$TMPDIR/other.db" .tables)" = t ] || fail "init changed another program's database"
must_fail "Is a directory" "$OFFICE" report quarterly --quarter 2026Q4 --out "$TMPDIR/q.pdf" --rubric "$TMPDIR"
printf 'code,name,parent_code\nD10,a,U1\nD11,"b,U1\nD12,c,U1\n' >"$TMPDIR/broken.csv"
must_fail "broken.csv:3:" "$OFFICE" import departments "$TMPDIR/broken.csv"
grep -q "nothing was imported" "$TMPDIR/err" || fail "a broken CSV line does not say nothing was imported"
# a month with no weighings at all still makes its report (the trend chart is empty)
"$OFFICE" report monthly --month 2025-01 --out "$TMPDIR/empty.pdf" >/dev/null || fail "report of an empty month"
must_fail "no terminal" sh -c "'$POS' --headless --terminal NOPE </dev/null"
# a PostgreSQL URI libpq cannot read (a typo): said before connecting, and
# the password it holds is not shown (review N5: the message quoted it)
long=$(printf '%0500d' 0)
for u in 'postgresql://cleanplate_server:Sup3rSecretPw@[::1' \
    'postgresql://cleanplate_server:Sup3r%zzSecretPw@db1.canteen.lan/canteen' \
    'postgresql://cleanplate_server@[::1/cp?password=Sup3rSecretPw' \
    'postgresql://cleanplate_server@db1/cp?sslmode=require&password=Sup3r%zzSecretPw' \
    "postgresql://cleanplate_server:Sup3rSecretPw@[::1/cp?application_name=$long" \
    'postgresql://cleanplate_server@[::1/cp?sslmode=verify-full&sslpassword=Sup3rSecretPw'; do
    must_fail "the database URI cannot be read" "$OFFICE" --db "$u" verify
    ! grep -q "Sup3r" "$TMPDIR/err" || fail "the password is shown: $(cat "$TMPDIR/err")"
    grep -q "password shown as \*\*\*" "$TMPDIR/err" || fail "not said: $(cat "$TMPDIR/err")"
done
# one libpq reads (a password's part before a / taken for the port): its
# complaint about that part shows no piece of it (review K3)
must_fail "the database server was unreachable" "$OFFICE" --db \
    'postgresql://cleanplate_server:Sup3r/SecretPw@localhost/canteen' verify
! grep -q "Sup3r" "$TMPDIR/err" || fail "a piece of the password is shown: $(cat "$TMPDIR/err")"
echo "office_cli ok"
