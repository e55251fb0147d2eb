# A replayed service, as `make demo` runs one: `sim --fast` plays a script of
# trays as fast as the station reads, and `station --frame-clock` counts the
# frames as its clock and takes timed cards from stdin. Every tray must go to
# the card tapped for it with the script's weight, in the script's time.
. tests/integration/lib.sh
setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager subsidy grant --month 2026-11 100 >/dev/null
# lunch for the three diners, so that their trays find their meals
printf '0000000001\n0000000002\n0000000003\n' | "$POS" --headless --terminal POS1 >/dev/null

# 150 trays: card i%3+1 with 300 g tray + (i*7 % 90) g; tray 50 nobody taps for
{
    echo "wait 1000"
    i=0
    while [ $i -lt 150 ]; do
        printf 'place %d\nwait 1700\nremove\nwait %d\n' $((300 + i * 7 % 90)) \
            "$([ $i -eq 50 ] && echo 3800 || echo 800)"
        i=$((i + 1))
    done
    echo "wait 3000"
} >"$TMPDIR/trays.sim"
awk 'BEGIN { t = 1000
    for (i = 0; i < 150; i++) {
        if (i != 50) printf "@%d %010d\n", t, i % 3 + 1
        t += (i == 50) ? 5500 : 2500
    }
    printf "@%d end\n", t + 3000 }' >"$TMPDIR/trays.cards"

replay() { # sim-script cards out [station options]
    sim_script=$1 cards=$2 res=$3; shift 3
    rm -f "$TMPDIR/port"
    "$SCALE" sim --protocol toledo-cont --fast --script "$sim_script" >"$TMPDIR/port" \
        2>"$TMPDIR/sim.err" &
    sim=$!
    i=0; while [ ! -s "$TMPDIR/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$TMPDIR/port" ] || fail "the simulator made no pty: $(cat "$TMPDIR/sim.err")"
    sleep 0.05 # the whole path written
    rc=0
    "$SCALE" station --headless --terminal W1 --port "$(cat "$TMPDIR/port")" \
        --protocol toledo-cont --frame-clock 100 "$@" <"$cards" >"$res" 2>"$TMPDIR/err" || rc=$?
    wait "$sim" || fail "simulator: $(cat "$TMPDIR/sim.err")"
    return $rc
}

start=$(date +%s)
replay "$TMPDIR/trays.sim" "$TMPDIR/trays.cards" "$TMPDIR/out" --tray-tare-g 300 ||
    fail "station: $(cat "$TMPDIR/err")"
[ "$(wc -l <"$TMPDIR/out")" -eq 150 ] || fail "$(wc -l <"$TMPDIR/out") trays recorded, not 150"
# each tray: the card tapped for it and the weight the script put on the scale
awk 'BEGIN { for (i = 0; i < 150; i++) printf "%s %d\n", i == 50 ? "-" : sprintf("%010d", i % 3 + 1), i * 7 % 90 }' \
    >"$TMPDIR/want"
sed 's/.*"net_g":\([0-9-]*\).*"card":"\([0-9]*\)".*/\2 \1/; s/^ /- /' "$TMPDIR/out" >"$TMPDIR/got"
diff "$TMPDIR/want" "$TMPDIR/got" >"$TMPDIR/diff" || fail "trays went wrong: $(head "$TMPDIR/diff")"
[ "$(grep -c '"anonymous"' "$TMPDIR/out")" -eq 1 ] || fail "tray 50 is not the one anonymous tray"
[ "$(grep -c '"sale_id":"POS1-' "$TMPDIR/out")" -eq 149 ] || fail "trays not linked to their lunches"
# the clock: 12:00:00 plus the script's time (the first tray settles ~2.4 s in,
# the last after 1000 + 149 * 2500 + 3000 ms = 6 min 17 s)
head -n 1 "$TMPDIR/out" | grep -q '"created_at":"2026-11-20T12:00:0[23]"' ||
    fail "first tray's time: $(head -n 1 "$TMPDIR/out")"
tail -n 1 "$TMPDIR/out" | grep -q '"created_at":"2026-11-20T12:06:1[0-9]"' ||
    fail "last tray's time: $(tail -n 1 "$TMPDIR/out")"
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM waste_records WHERE terminal = 'W1'")" = 150 ] ||
    fail "the store does not hold 150 trays"
echo "replayed 150 trays (6 min of scale time) in $(($(date +%s) - start)) s"

# kitchen mode: stage, category, reason and container by command, then confirm
printf 'wait 500\nplace 4350\nwait 3000\nremove\nwait 1000\n' >"$TMPDIR/k.sim"
printf '@100 stage overproduction\n@100 category 主食\n@100 reason 1\n@100 container 1\n@3000 confirm\n@4000 end\n' \
    >"$TMPDIR/k.cards"
replay "$TMPDIR/k.sim" "$TMPDIR/k.cards" "$TMPDIR/k.out" --mode kitchen ||
    fail "kitchen: $(cat "$TMPDIR/err")"
grep -q '"stage":"overproduction","gross_g":4350,"tare_g":850,"net_g":3500' "$TMPDIR/k.out" ||
    fail "kitchen weighing: $(cat "$TMPDIR/k.out")"

# a line that is not "@MS CARD" is reported and skipped; the run says so by its exit
printf '@100 0000000001\nnot timed\n@2000 end\n' >"$TMPDIR/bad.cards"
printf 'wait 500\nplace 350\nwait 2000\nremove\n' >"$TMPDIR/bad.sim"
if replay "$TMPDIR/bad.sim" "$TMPDIR/bad.cards" "$TMPDIR/bad.out"; then
    fail "a bad line did not fail the run"
fi
grep -q "'not timed' is not \"@MS CARD\"" "$TMPDIR/err" || fail "bad line: $(cat "$TMPDIR/err")"
[ "$(wc -l <"$TMPDIR/bad.out")" -eq 1 ] || fail "the good tray around the bad line was lost"

# misuse is refused with a message
must_fail "needs CLEANPLATE_NOW" env CLEANPLATE_NOW= "$SCALE" station --headless --terminal W1 \
    --port /dev/null --frame-clock 100
must_fail "--frame-clock MS" "$SCALE" station --terminal W1 --port /dev/null --frame-clock 100
must_fail "--fast plays a --script" "$SCALE" sim --protocol toledo-cont --fast
must_fail "--fast plays a --script" "$SCALE" sim --protocol mtsics --fast --script "$TMPDIR/k.sim"
# a POS may move the clock only when it is fixed
printf '@2026-11-21T12:00:00 0000000001\n' | env CLEANPLATE_NOW= "$POS" --headless --terminal POS1 |
    grep -q '"error":"invalid".*CLEANPLATE_NOW' || fail "@TIME accepted on the real clock"
echo "scale_replay ok"
