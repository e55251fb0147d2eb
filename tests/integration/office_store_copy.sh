# cleanplate-office store copy: a month of a canteen's SQLite file (meals, trays, a
# published red/black list and its correction) copied into a new store, which then
# verifies with the same audit head, balances, metrics and published files, and on
# which the terminals charge on; a second copy into it is refused and changes nothing.
# store-both: the copy goes into a new SQLite file, and on PostgreSQL into a schema.
. tests/integration/lib.sh

to=$CLEANPLATE_DB
export CLEANPLATE_DB="$TMPDIR/original.db"   # the original is a file either way
setup_month
export CLEANPLATE_NOW=2026-12-01T09:00:00
out=$TMPDIR/published
"$OFFICE" publish redblack --month 2026-11 --out "$out" >/dev/null || fail "publish"
"$OFFICE" publish redblack --month 2026-11 --out "$out" --reason "补录" >/dev/null ||
    fail "publish v2"
"$OFFICE" audit head >"$TMPDIR/head"
"$OFFICE" report balances --csv >"$TMPDIR/balances"
"$OFFICE" metrics --month 2026-11 --csv >"$TMPDIR/metrics"
"$OFFICE" publications >"$TMPDIR/publications"

sqlite3 "$TMPDIR/foreign.db" "CREATE TABLE invoices(n)"
must_fail "another program's database" "$OFFICE" store copy --from "$CLEANPLATE_DB" \
    --to "$TMPDIR/foreign.db"
must_fail "same store" "$OFFICE" store copy --from "$CLEANPLATE_DB" --to "$CLEANPLATE_DB"

"$OFFICE" store copy --from "$CLEANPLATE_DB" --to "$to" >"$TMPDIR/copy" ||
    fail "store copy: $(cat "$TMPDIR/copy")"
grep -q "audit head $(cat "$TMPDIR/head") in both" "$TMPDIR/copy" || fail "copy: $(cat "$TMPDIR/copy")"
grep -q "0 problems" "$TMPDIR/copy" || fail "the copy does not verify: $(cat "$TMPDIR/copy")"

# the copy says what the original says, its published files included
export CLEANPLATE_DB="$to"
"$OFFICE" verify --out "$out" --head "$(cat "$TMPDIR/head")" >"$TMPDIR/v" ||
    fail "verify on the copy: $(cat "$TMPDIR/v")"
[ "$("$OFFICE" audit head)" = "$(cat "$TMPDIR/head")" ] || fail "another audit head"
"$OFFICE" report balances --csv | cmp -s - "$TMPDIR/balances" || fail "other balances"
"$OFFICE" metrics --month 2026-11 --csv | cmp -s - "$TMPDIR/metrics" || fail "other metrics"
"$OFFICE" publications | cmp -s - "$TMPDIR/publications" || fail "other publications"

# a second copy is refused and leaves the first alone
must_fail "already holds rows" "$OFFICE" store copy --from "$TMPDIR/original.db" --to "$to"
[ "$("$OFFICE" audit head)" = "$(cat "$TMPDIR/head")" ] || fail "the refused copy wrote"

# the copy is a store like any other: a terminal charges on it, ids carry on
echo 1 | CLEANPLATE_NOW=2026-12-02T12:00:00 "$POS" --headless --terminal POS1 >"$TMPDIR/tap"
grep -q '"sale_id":"POS1-000169"' "$TMPDIR/tap" || fail "charge on the copy: $(cat "$TMPDIR/tap")"
as_manager topup A1 10 >/dev/null || fail "topup on the copy"
"$OFFICE" verify --out "$out" >/dev/null || fail "verify after charging on the copy"
echo "office_store_copy ok"
