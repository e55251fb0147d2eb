# cleanplate-office init --create-roles: on PostgreSQL the back office's role owns the
# store and the terminals' role charges, weighs and voids, but the server refuses it
# UPDATE, DELETE and TRUNCATE on every event table even after the owner dropped the
# guards; it cannot read the networked terminals' keys, which the servers' role alone
# reads (serve refuses to start as the terminals' role, and serves as its own);
# verify reports a role that was granted too much, init takes the grant back. On
# SQLite --create-roles is refused before any file is made.
# store-both: the refusal on a SQLite file, the roles on PostgreSQL.
. tests/integration/lib.sh
. tests/tools/serve_lib.sh

OFFICE_PW=office-secret-1 TERMINAL_PW=terminal-secret-2 SERVER_PW=server-secret-3
passwords() {
    printf '%s\n%s\n%s\n%s\n%s\n%s\n' "$OFFICE_PW" "$OFFICE_PW" "$TERMINAL_PW" "$TERMINAL_PW" \
        "$SERVER_PW" "$SERVER_PW"
}

if ! on_pg; then
    passwords >"$TMPDIR/pw"
    must_fail "roles are PostgreSQL's" "$OFFICE" init --create-roles <"$TMPDIR/pw"
    [ ! -e "$CLEANPLATE_DB" ] || fail "init --create-roles made the SQLite file it refused"
    echo "office_roles ok (SQLite: refused; the roles are tested on PostgreSQL)"
    exit 0
fi

# Roles belong to the whole server: names of this run's own, dropped at the end.
office=cpt_office_$$ terminal=cpt_terminal_$$ server=cpt_server_$$
roles="--office-role $office --terminal-role $terminal --server-role $server"
owner_db=$CLEANPLATE_DB
drop_roles() {
    psql -X -q -d "$owner_db" -c "DROP OWNED BY $office, $terminal, $server CASCADE;
        DROP ROLE $office; DROP ROLE $terminal; DROP ROLE $server" >/dev/null 2>&1 || true
}
trap drop_roles EXIT
# as_role ROLE PASSWORD: the store's target, logged in as that role
as_role() {
    case $owner_db in
    *://*\?*) echo "$owner_db&user=$1&password=$2" ;;
    *://*) echo "$owner_db?user=$1&password=$2" ;;
    *) echo "$owner_db user=$1 password=$2" ;;
    esac
}
# a TLS connection without the CA's certificate: said as TLS, not "create the
# database" (its "root certificate file ... does not exist")
case $owner_db in
*://*\?*) tls_db="$owner_db&sslmode=verify-full&sslrootcert=$TMPDIR/none.crt" ;;
*://*) tls_db="$owner_db?sslmode=verify-full&sslrootcert=$TMPDIR/none.crt" ;;
*) tls_db="$owner_db sslmode=verify-full sslrootcert=$TMPDIR/none.crt" ;;
esac
must_fail "cannot open the database over TLS" env CLEANPLATE_DB="$tls_db" "$OFFICE" verify
! grep -q "createdb" "$TMPDIR/err" || fail "TLS said as a database to create: $(cat "$TMPDIR/err")"
OFFICE_DB=$(as_role "$office" "$OFFICE_PW")
TERMINAL_DB=$(as_role "$terminal" "$TERMINAL_PW")
SERVER_DB=$(as_role "$server" "$SERVER_PW")

# 1. what is refused before anything changes
printf 'short\nshort\n' >"$TMPDIR/pw"
must_fail "fewer than 12" "$OFFICE" init --create-roles $roles <"$TMPDIR/pw"
must_fail "does not start with pg_" "$OFFICE" init --create-roles --office-role pg_office \
    --terminal-role "$terminal" <"$TMPDIR/pw"
must_fail "give it too" "$OFFICE" init --server-role "$server"
must_fail "three names" "$OFFICE" init --create-roles --office-role "$office" \
    --terminal-role "$terminal" --server-role "$terminal" <"$TMPDIR/pw"
passwords | sed 6s/3/9/ >"$TMPDIR/pw"
must_fail "the two passwords differ" "$OFFICE" init --create-roles $roles <"$TMPDIR/pw"
[ -z "$(sql "SELECT rolname FROM pg_roles WHERE rolname IN ('$office', '$terminal', '$server')")" ] ||
    fail "a refused init made a role"

# 2. the roles, by the server's superuser; no password is ever printed
passwords | "$OFFICE" init --create-roles $roles \
    >"$TMPDIR/init" 2>&1 || fail "init --create-roles: $(cat "$TMPDIR/init")"
grep -q "roles ready: $office owns the store" "$TMPDIR/init" || fail "init said: $(cat "$TMPDIR/init")"
! grep -qF -e "$OFFICE_PW" -e "$TERMINAL_PW" -e "$SERVER_PW" "$TMPDIR/init" ||
    fail "init printed a password"
[ "$(sql "SELECT tableowner FROM pg_tables WHERE tablename = 'sales'
        AND schemaname = current_schema()")" = "$office" ] || fail "the office does not own sales"
# again (another store of the same server would do the same): roles belong to
# the server, so existing ones keep their passwords and none is asked; every
# login of the stores they serve goes on working (they were all set anew)
"$OFFICE" init --create-roles $roles \
    </dev/null >"$TMPDIR/init" 2>&1 || fail "init --create-roles again: $(cat "$TMPDIR/init")"
grep -q "the role $terminal exists already on this server: its password is kept" "$TMPDIR/init" ||
    fail "init again said: $(cat "$TMPDIR/init")"
psql -X -q -d "$(as_role "$terminal" "$TERMINAL_PW")" -c "SELECT 1" >/dev/null 2>&1 ||
    fail "the terminals' password was changed by a second init"

# 3. the office sets up a canteen on its own store; a terminal charges, a void and
#    a weighing go through the terminals' role (the triggers they fire included)
export CLEANPLATE_DB=$OFFICE_DB
setup_canteen 3
as_manager topup S0003 50 >/dev/null || fail "topup as the office"
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager topup S0001 50 >/dev/null || fail "topup as the office"
export CLEANPLATE_DB=$TERMINAL_DB
echo "0000000001 POS1:1" | "$POS" --headless --terminal POS1 >"$TMPDIR/tap" 2>&1
grep -q '"ok":true,"sale_id":"POS1-000001"' "$TMPDIR/tap" || fail "charge as the terminals' role: $(cat "$TMPDIR/tap")"
echo "0000000001 POS1:1" | "$POS" --headless --terminal POS1 >"$TMPDIR/tap" 2>&1
grep -q '"sale_id":"POS1-000001"' "$TMPDIR/tap" || fail "a repeated request: $(cat "$TMPDIR/tap")"
as_manager void POS1-000001 --reason 刷错 >/dev/null || fail "void as the terminals' role"
as_manager waste add --stage plate --staff-no S0002 --grams 35 --terminal W1 >/dev/null ||
    fail "a weighing as the terminals' role"
must_fail "permission denied" "$OFFICE" canteen add C2 "第二食堂"
# the full screen too: a wrong PIN (counted), the login, a shift opened, a tap, the Z report
CLEANPLATE_DB=$OFFICE_DB add_user li cashier 1357
tmux_start roles
trap '$T kill-server 2>/dev/null || true; drop_roles' EXIT
$T new-session -d -s pos -x 80 -y 24 \
    "env LANG=C.UTF-8 TERM=xterm-256color CLEANPLATE_DB='$TERMINAL_DB' CLEANPLATE_NOW=$CLEANPLATE_NOW \
     $POS --terminal POS3 --printer none 2>$TMPDIR/stderr; echo EXITED \$?; sleep 60"
wait_for "Cashier name"
type_in li
type_in 9999
wait_for "wrong name or PIN (1 of 3 tries)"
type_in 1357
wait_for "Open the shift"
type_in 100
wait_for "Tap a card"
$T send-keys -t pos 0000000003 Enter
wait_for "sale POS3-000002"
key z
wait_for "Close the shift"
type_in 100
wait_for "Z REPORT  shift POS3-000001 / POS3-000003"
key Enter
wait_for "Cash in the drawer (yuan)"
key C-q
wait_for "EXITED 0"
[ ! -s "$TMPDIR/stderr" ] || fail "the terminal as the terminals' role: $(cat "$TMPDIR/stderr")"

# 3b. the networked terminals' keys: the terminals' role cannot read them (with
#     them a serving line's login could sign requests as any networked terminal),
#     so serve refuses to start as it; as the servers' role it serves
CLEANPLATE_DB=$OFFICE_DB "$OFFICE" terminal add POS9 --canteen C1 --kind pos >/dev/null
KEY=$(CLEANPLATE_DB=$OFFICE_DB "$OFFICE" terminal key POS9)
if psql -X -q -v ON_ERROR_STOP=1 -d "$TERMINAL_DB" -c "SELECT key_hex FROM terminal_keys" \
    >"$TMPDIR/keys" 2>"$TMPDIR/err"; then
    fail "the terminals' role read the keys: $(cat "$TMPDIR/keys")"
fi
grep -q "permission denied for table terminal_keys" "$TMPDIR/err" || fail "reading the keys: $(cat "$TMPDIR/err")"
must_fail "the servers' role (cleanplate_server" timeout 20 "$OFFICE" serve --listen 127.0.0.1:0
CLEANPLATE_DB=$SERVER_DB serve_start
req POS9 "$KEY" POST /v1/events '{"events":[{"seq":1,"kind":"charge","card":"0000000001"}]}'
expect 200 ok
[ "$(answer '.answers[0].sale_id')" = POS9-000001 ] || fail "a charge through serve as the servers' role: $(cat "$TMPDIR/answer")"
serve_stop
# serve_start and serve_stop set and cleared the EXIT trap: the screen's
# tmux server and this run's roles are cleaned up again at the end
trap '$T kill-server 2>/dev/null || true; drop_roles' EXIT
[ "$(CLEANPLATE_DB=$OFFICE_DB sql "SELECT count(*) FROM terminal_events WHERE terminal = 'POS9'")" = 1 ] ||
    fail "the event through serve is not in the store"

# 3c. a card's status: the terminals' role blocks a card charged offline beyond
#     its limit and nothing else; it made a lost card active again (review N4)
CLEANPLATE_DB=$OFFICE_DB "$OFFICE" card block 0000000002 >/dev/null || fail "card block"
if psql -X -q -v ON_ERROR_STOP=1 -d "$TERMINAL_DB" \
    -c "UPDATE cards SET status = 'active' WHERE card_no = '0000000002'" 2>"$TMPDIR/err"; then
    fail "the terminals' role made a lost card active"
fi
grep -q "only the back office changes a card's status" "$TMPDIR/err" ||
    fail "unblocking as the terminals' role said: $(cat "$TMPDIR/err")"
[ "$(CLEANPLATE_DB=$OFFICE_DB sql "SELECT status FROM cards WHERE card_no = '0000000002'")" = lost ] ||
    fail "the lost card's status changed"
psql -X -q -v ON_ERROR_STOP=1 -d "$TERMINAL_DB" -c "BEGIN; UPDATE cards SET status =
    'blocked_offline' WHERE card_no = '0000000003'; ROLLBACK" 2>"$TMPDIR/err" ||
    fail "the terminals' role cannot block a card offline: $(cat "$TMPDIR/err")"
CLEANPLATE_DB=$OFFICE_DB "$OFFICE" card unblock 0000000002 >/dev/null || fail "the office unblocks"

# 4. the owner drops every guard; the server still refuses the terminals' role
export CLEANPLATE_DB=$OFFICE_DB
for t in sales:sales sale_lines:sale_lines ledger:ledger voids:voids \
         charge_requests:charge_requests audit:audit waste_records:waste \
         shift_events:shift publications:publications publication_rows:publication_rows \
         purchases:purchases stock_counts:stock_counts; do
    table=${t%%:*} guard=${t#*:}
    for e in update delete truncate; do drop_trigger "${guard}_no_$e" "$table"; done
done
for table in sales sale_lines ledger voids charge_requests audit waste_records shift_events \
             publications publication_rows purchases stock_counts; do
    col=$(sql "SELECT column_name FROM information_schema.columns WHERE table_name = '$table'
        AND table_schema = current_schema() ORDER BY ordinal_position LIMIT 1")
    # the owner may (nothing guards it now) ...
    sql "UPDATE $table SET $col = $col" >/dev/null || fail "the owner could not update $table"
    # ... the terminals' role may not
    for stmt in "UPDATE $table SET $col = $col" "DELETE FROM $table" "TRUNCATE $table"; do
        if psql -X -q -v ON_ERROR_STOP=1 -d "$TERMINAL_DB" -c "$stmt" >/dev/null 2>"$TMPDIR/err"; then
            fail "the terminals' role could run: $stmt"
        fi
        grep -q "permission denied for table $table" "$TMPDIR/err" ||
            fail "$stmt said: $(cat "$TMPDIR/err")"
    done
done

# 4b. the terminals' role may add to the ledger a sale's entries only: a top-up
#     written straight into it (with the audit entry a library call would hash)
#     is refused by the ledger's row security
diner=$(sql "SELECT id FROM diners WHERE staff_no = 'S0002'")
if psql -X -q -v ON_ERROR_STOP=1 -d "$TERMINAL_DB" -c "INSERT INTO ledger(id, diner_id, wallet,
    amount_fen, kind, actor, created_at) VALUES ('mint', $diner, 'cash', 100000000, 'topup',
    'boss', '2026-11-20T12:00:00')" >/dev/null 2>"$TMPDIR/err"; then
    fail "the terminals' role wrote a top-up"
fi
grep -q "row-level security" "$TMPDIR/err" || fail "a top-up by the terminals' role: $(cat "$TMPDIR/err")"
# ... and the month's diners and the rollups' marks, which its sales, voids and
# weighings keep through triggers that run as the owner, it may only read
for stmt in "DELETE FROM diner_month" "INSERT INTO diner_month VALUES ('2026-11', 1, 1, 1)" \
            "DELETE FROM rollup_days"; do
    if psql -X -q -v ON_ERROR_STOP=1 -d "$TERMINAL_DB" -c "$stmt" >/dev/null 2>"$TMPDIR/err"; then
        fail "the terminals' role could run: $stmt"
    fi
    grep -q "permission denied" "$TMPDIR/err" || fail "$stmt said: $(cat "$TMPDIR/err")"
done
[ "$(sql "SELECT count(*) FROM diner_month")" -gt 0 ] || fail "no diner listed by the terminals' sales"

# 5. verify: the dropped guards are problems, the rights are not ...
"$OFFICE" verify >"$TMPDIR/v" && fail "verify passed without guards"
grep -q "nothing refuses UPDATE on sales" "$TMPDIR/v" || fail "verify: $(cat "$TMPDIR/v")"
! grep -q "rights:" "$TMPDIR/v" || fail "verify found rights: $(cat "$TMPDIR/v")"
# ... until the terminals' role is granted what it must never have
sql "GRANT UPDATE, DELETE ON sales TO $terminal" >/dev/null
"$OFFICE" verify >"$TMPDIR/v" && fail "verify passed with the grant"
grep -q "rights: the role $terminal may UPDATE DELETE on sales" "$TMPDIR/v" ||
    fail "verify: $(cat "$TMPDIR/v")"
# ... or the ledger's row security is turned off
sql "ALTER TABLE ledger DISABLE ROW LEVEL SECURITY" >/dev/null
"$OFFICE" verify >"$TMPDIR/v" && fail "verify passed without the ledger's row security"
grep -q "rights: the role $terminal may add any entry to the ledger" "$TMPDIR/v" ||
    fail "verify: $(cat "$TMPDIR/v")"
sql "ALTER TABLE ledger ENABLE ROW LEVEL SECURITY" >/dev/null
# init, run by the owner, grants the terminals' role exactly its rights again
"$OFFICE" init >/dev/null || fail "init as the office"
"$OFFICE" verify >"$TMPDIR/v" || true   # the guards are still gone
! grep -q "rights:" "$TMPDIR/v" || fail "init left the grant: $(cat "$TMPDIR/v")"
echo "office_roles ok"
