# Offline charges in the back office: `rules set --offline-daily-cap` and `rules
# list`, charges a terminal served offline posted as the canteen server does on
# replay (one over its wallet's limit blocks the card until a top-up), `report
# offline` in text and CSV, the headless POS answer refusing the blocked card,
# and verify passing throughout.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh

POST="$BUILD/tools/post_offline"
setup_canteen 3
as_manager topup S0001 10 >/dev/null
as_manager topup S0002 20 >/dev/null

# the offline allowance: one lunch by default, set in yuan, back to one lunch
"$OFFICE" rules list | grep -q '^staff .* one lunch$' || fail "rules list: $("$OFFICE" rules list)"
"$OFFICE" rules list --canteen C1 --json | grep -qF '"offline_daily_cap_fen":800,"offline_daily_cap_set":false' ||
    fail "rules list --json: $("$OFFICE" rules list --canteen C1 --json)"
as_manager rules set staff --offline-daily-cap 12.50 >"$TMPDIR/out" || fail "rules set"
grep -qx 'category staff: offline at most 12.50 a day' "$TMPDIR/out" || fail "rules set: $(cat "$TMPDIR/out")"
grep -q '^category staff: 1 meal per period, daily cap none, overdraft 0.00$' "$TMPDIR/out" ||
    fail "the other rules changed: $(cat "$TMPDIR/out")"
"$OFFICE" rules list --json | grep -qF '"offline_daily_cap_fen":1250,"offline_daily_cap_set":true' ||
    fail "rules list --json: $("$OFFICE" rules list --json)"
as_manager rules set staff --overdraft 1 >/dev/null
"$OFFICE" rules list | grep -q '^staff  *1  *none  *1.00  *12.50$' || fail "rules list: $("$OFFICE" rules list)"
must_fail "yuan" as_manager rules set staff --offline-daily-cap -3
as_manager rules set staff --offline-daily-cap lunch | grep -qx 'category staff: offline at most one lunch a day' ||
    fail "rules set back to one lunch"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'rules.offline_cap'")" = 2 ] || fail "not audited"

# replayed the next morning: two lunches of S0001 (10 yuan), at two terminals
# cut off together, and one of S0002
export CLEANPLATE_NOW=2026-11-21T09:00:00
"$POST" POS5 0000000001 2026-11-20T12:04:10 POS5/1 | grep -q '^ok .* 200 within$' || fail "first offline lunch"
"$POST" POS3 0000000001 2026-11-20T12:06:00 POS3/2 >"$TMPDIR/out"
grep -q '^ok .* -600 over_limit$' "$TMPDIR/out" || fail "second offline lunch: $(cat "$TMPDIR/out")"
over=$(cut -d' ' -f2 "$TMPDIR/out")
"$POST" POS3 0000000001 2026-11-20T12:06:00 POS3/2 | grep -q "^ok $over -600 over_limit$" ||
    fail "a replayed event is not answered as the first time"
# a third at POS3: more than one terminal deciding alone could have served
"$POST" POS3 0000000001 2026-11-20T12:08:00 POS3/3 | grep -qx 'refused limit_reached' ||
    fail "a second lunch at one terminal was posted"
"$POST" POS4 0000000002 2026-11-20T12:10:00 POS4/1 | grep -q '^ok .* 1200 within$' || fail "S0002"
"$POST" POS4 0000000009 2026-11-20T12:10:00 POS4/2 | grep -qx 'refused unknown_card' || fail "unknown card"
[ "$(sql "SELECT status FROM cards WHERE card_no = '0000000001'")" = blocked_offline ] || fail "not blocked"
"$OFFICE" verify >/dev/null || fail "verify after an offline charge over the limit"

# the report: the one over the limit, its card still blocked
"$OFFICE" report offline --month 2026-11 >"$TMPDIR/report" || fail "report offline"
grep -q "^$over .* POS3 *S0001 *8.00 *-6.00  *yes *职工1 " "$TMPDIR/report" || fail "report: $(cat "$TMPDIR/report")"
grep -qx '1 offline charge over a limit in 2026-11' "$TMPDIR/report" || fail "report total: $(cat "$TMPDIR/report")"
"$OFFICE" report offline --month 2026-11 --csv | tr -d '\r' >"$TMPDIR/csv"
grep -q "^$over,2026-11-20T12:06:00,POS3,S0001,职工1,.*,8.00,-6.00,yes$" "$TMPDIR/csv" || fail "csv: $(cat "$TMPDIR/csv")"
[ "$(wc -l <"$TMPDIR/csv")" -eq 2 ] || fail "csv rows: $(cat "$TMPDIR/csv")"
"$OFFICE" report offline --month 2026-10 | grep -qx '0 offline charges over a limit in 2026-10' || fail "October"
must_fail "not a month" "$OFFICE" report offline --month 2026-13

# blocked at the POS until a top-up brings the wallet back within its limit
export CLEANPLATE_NOW=2026-11-21T12:00:00
echo 0000000001 | "$POS" --headless --terminal POS1 | grep -q '"error":"card_blocked"' || fail "not refused"
as_manager topup S0001 4 >/dev/null
[ "$(sql "SELECT status FROM cards WHERE card_no = '0000000001'")" = blocked_offline ] || fail "unblocked too soon"
as_manager topup S0001 1 >/dev/null
[ "$(sql "SELECT status FROM cards WHERE card_no = '0000000001'")" = active ] || fail "not unblocked"
"$OFFICE" report offline --month 2026-11 --csv | tr -d '\r' | grep -q ',-6.00,no$' || fail "still blocked in the report"
as_manager topup S0001 10 >/dev/null
echo 0000000001 | "$POS" --headless --terminal POS1 | grep -q '"ok":true' || fail "not served after the top-up"
echo 0000000002 | "$POS" --headless --terminal POS1 | grep -q '"offline"' && fail "an online answer says offline"
# a diner who left between an offline lunch and its posting: the cash after
# it is counted as it was posted, after the pay-out (it said 3.00, the cash
# before the pay-out less the lunch, where the wallet is at -8.00)
as_manager topup S0003 11 >/dev/null
export CLEANPLATE_NOW=2026-11-22T09:00:00
as_manager diner leave S0003 >/dev/null
export CLEANPLATE_NOW=2026-11-22T09:05:00
"$POST" POS6 0000000003 2026-11-21T12:00:00 POS6/1 | grep -q '^ok .* -800 over_limit$' ||
    fail "the leaver's offline lunch"
"$OFFICE" report offline --month 2026-11 >"$TMPDIR/report"
grep -q " POS6 *S0003 *8.00 *-8.00 " "$TMPDIR/report" || fail "leaver: $(cat "$TMPDIR/report")"
# two offline meals of S0002 posted in the same second: each with the cash
# after it in the order of their taps (both said the cash after the second)
cash=$(sql "SELECT cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id WHERE d.staff_no = 'S0002'")
export CLEANPLATE_NOW=2026-11-23T09:00:00
"$POST" POS7 0000000002 2026-11-22T12:00:00 POS7/1 >/dev/null
"$POST" POS8 0000000002 2026-11-22T17:30:00 POS8/1 >/dev/null
"$OFFICE" report offline --month 2026-11 --csv | tr -d '\r' >"$TMPDIR/csv"
first=$(grep "^POS7-" "$TMPDIR/csv" | cut -d, -f8) second=$(grep "^POS8-" "$TMPDIR/csv" | cut -d, -f8)
[ "$first" = "$(awk "BEGIN { printf \"%.2f\", ($cash - 800) / 100 }")" ] &&
    [ "$second" = "$(awk "BEGIN { printf \"%.2f\", ($cash - 1600) / 100 }")" ] ||
    fail "same second: $first and $second after $cash fen: $(cat "$TMPDIR/csv")"
"$OFFICE" verify >/dev/null || fail "verify at the end"
exit 0
