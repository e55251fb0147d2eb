# The headless waste station through the real libserialport, with the scale
# emulated by umockdev (scripted A&D stream) and the TIOCM shim: a tapped
# card's tray goes to the diner and their department, linked to the lunch they
# bought; an untapped tray becomes anonymous; a tray left on the scale is
# recorded once.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
DEV=tests/umockdev/scale-ftdi.umockdev
SHIM="$BUILD/tiocm_shim.so"
[ -f "$SHIM" ] || fail "no $SHIM: build it with make $SHIM"
setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager topup S0001 20 >/dev/null
echo 0000000001 | "$POS" --headless --terminal POS1 | grep -q '"ok":true' || fail "lunch not sold"

frames() { # N FRAME: N frames 100 ms apart
    i=0; while [ "$i" -lt "$1" ]; do echo "r 100 $2^M^J"; i=$((i + 1)); done
}
{
    frames 5 'ST,+00000.00  g'
    frames 2 'US,+00180.00  g'
    frames 30 'ST,+00355.00  g'      # S0001's tray: 3 s on the scale, recorded once
    frames 5 'ST,+00000.00  g'
    frames 1 'US,+00250.00  g'
    frames 12 'ST,+00302.00  g'      # nobody tapped: anonymous, clean (2 g net)
    frames 5 'ST,+00000.00  g'
} >"$TMPDIR/trays.script"

# the card is tapped before the first tray; stdin stays open while the trays come
(echo 0000000001; sleep 8) |
    umockdev-run -d "$DEV" -s "/dev/ttyUSB0=$TMPDIR/trays.script" -- \
        sh -c 'LD_PRELOAD="$0:$LD_PRELOAD" exec "$@"' "$SHIM" \
        "$SCALE" station --headless --terminal W1 --port /dev/ttyUSB0 --protocol and \
        --tray-tare-g 300 --anonymous-after 1000 >"$TMPDIR/out" 2>"$TMPDIR/err" ||
    fail "station: $(cat "$TMPDIR/err")"
grep -q 'scale connected (/dev/ttyUSB0, libserialport)' "$TMPDIR/err" || fail "$(cat "$TMPDIR/err")"
[ "$(wc -l <"$TMPDIR/out")" -eq 2 ] || fail "expected 2 weighings: $(cat "$TMPDIR/out")"
first=$(sed -n 1p "$TMPDIR/out"); second=$(sed -n 2p "$TMPDIR/out")
for want in '"stage":"plate"' '"gross_g":355' '"tare_g":300' '"net_g":55' '"flags":[]' \
    '"staff_no":"S0001"' '"department_code":"D02"' '"sale_id":"POS1-000001"' \
    '"period":"lunch"' '"clean_plate":false' '"rate_of":"department"' '"rate_pct":0'; do
    echo "$first" | grep -qF "$want" || fail "first tray lacks $want: $first"
done
for want in '"net_g":2' '"flags":["anonymous"]' '"staff_no":""' '"clean_plate":true' \
    '"rate_of":"canteen"' '"rate_clean":1' '"rate_trays":2' '"rate_pct":50'; do
    echo "$second" | grep -qF "$want" || fail "second tray lacks $want: $second"
done
# what the station printed is what the store holds
[ "$(sql "SELECT net_g || ':' || flags || ':' || coalesce(sale_id, '-') FROM waste_records
    ORDER BY id" | paste -sd ' ')" = "55:0:POS1-000001 2:16:-" ] ||
    fail "store: $(sql 'SELECT * FROM waste_records')"

# mistakes say what to do
must_fail "no terminal 'W9'" "$SCALE" station --headless --terminal W9 --port /dev/ttyUSB0 --protocol and
must_fail "is a pos terminal" "$SCALE" station --headless --terminal POS1 --port /dev/ttyUSB0 --protocol and
must_fail "give --terminal CODE" "$SCALE" station --headless
"$SCALE" station --help | grep -q -- '--headless' || fail "station --help"
echo "scale_station: ok"
