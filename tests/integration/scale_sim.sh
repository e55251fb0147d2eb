# The headless station against `cleanplate-scale sim` on a pty: a scale that is
# unplugged while a tray waits for its card (the weighing is kept, recorded
# once, the station reconnects by itself within 2 s of the scale coming back),
# kitchen mode driven by commands, and --protocol auto finding a polled scale.
. tests/integration/lib.sh
setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
LINK="$TMPDIR/scale"

# 1. unplug: the tray settles, the scale goes away for 1 s, the card comes
#    while it is away; after the scale is back the same tray is not recorded again
cat >"$TMPDIR/unplug.txt" <<'S'
wait 300
place 380
wait 1600
unplug 1000
wait 2000
remove
wait 1200
place 640
wait 2500
remove
wait 300
quit
S
"$SCALE" sim --protocol mtsics --script "$TMPDIR/unplug.txt" --link "$LINK" --noise 0 \
    >"$TMPDIR/sim.out" 2>"$TMPDIR/sim.err" &
sim=$!
i=0; while [ ! -e "$LINK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$LINK" ] || fail "the simulator made no pty: $(cat "$TMPDIR/sim.err")"
# The station's input stays open until both weighings are out (at most 20 s
# after the card), not for a fixed time: the tray after the reconnect is
# recorded when it is taken off, at the very end of the scale's script, and a
# fixed 6.2 s raced it on a loaded machine.
(sleep 2.4; echo 0000000002
 i=0; while [ "$(cat "$TMPDIR/out" 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 200 ]; do
     sleep 0.1; i=$((i + 1)); done) |
    "$SCALE" station --headless --terminal W1 --port "$LINK" --protocol mtsics \
        --tray-tare-g 300 --anonymous-after 4000 >"$TMPDIR/out" 2>"$TMPDIR/err" ||
    fail "station: $(cat "$TMPDIR/err")"
wait "$sim" || fail "simulator: $(cat "$TMPDIR/sim.err")"
[ "$(wc -l <"$TMPDIR/sim.out")" -eq 2 ] || fail "the simulator did not come back: $(cat "$TMPDIR/sim.err")"
grep -q 'scale disconnected' "$TMPDIR/err" || fail "no disconnect seen: $(cat "$TMPDIR/err")"
back=$(sed -n 's/.*scale connected (.*) again after \([0-9]*\) ms.*/\1/p' "$TMPDIR/err" | head -n 1)
[ -n "$back" ] || fail "did not reconnect: $(cat "$TMPDIR/err")"
# unplugged for 1000 ms: connected again within 2 s of the scale's return
# (the target; 5 s catches a reconnect that backs off too far, not a busy machine)
echo "reconnected after $back ms"
[ "$back" -lt 5000 ] || fail "reconnected only after $back ms"
[ "$(wc -l <"$TMPDIR/out")" -eq 2 ] || fail "expected 2 weighings: $(cat "$TMPDIR/out")"
sed -n 1p "$TMPDIR/out" | grep -q '"gross_g":380,.*"staff_no":"S0002"' ||
    fail "the kept weighing: $(sed -n 1p "$TMPDIR/out")"
sed -n 2p "$TMPDIR/out" | grep -q '"gross_g":640,.*"flags":\["no_meal"\]\|"gross_g":640,.*"anonymous"' ||
    fail "the tray after the reconnect: $(sed -n 2p "$TMPDIR/out")"
[ "$(sql 'SELECT count(*) FROM waste_records WHERE gross_g = 380')" -eq 1 ] ||
    fail "the tray on the scale across the unplug was recorded twice"

# 2. kitchen mode with commands, and a polled CAS scale found by --protocol auto
cat >"$TMPDIR/kitchen.txt" <<'S'
wait 2500
place 2350
wait 3000
remove
wait 500
quit
S
"$SCALE" sim --protocol cas --script "$TMPDIR/kitchen.txt" --link "$LINK" \
    >"$TMPDIR/sim.out" 2>"$TMPDIR/sim.err" &
sim=$!
i=0; while [ ! -e "$LINK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
(printf 'kitchen\nstage spoilage\ncategory 2\nreason 过期变质\ncontainer 1\nstage compost\n'
 sleep 4.5; echo confirm; sleep 1) |
    "$SCALE" station --headless --terminal W1 --port "$LINK" --protocol auto \
        >"$TMPDIR/out" 2>"$TMPDIR/err" || fail "kitchen station: $(cat "$TMPDIR/err")"
wait "$sim" || true
grep -q 'found CAS (ENQ/ACK/DC1) (cas)' "$TMPDIR/err" || fail "auto: $(cat "$TMPDIR/err")"
grep -q "stage 'compost': use prep, overproduction or spoilage" "$TMPDIR/err" ||
    fail "a wrong command is not explained: $(cat "$TMPDIR/err")"
[ "$(wc -l <"$TMPDIR/out")" -eq 1 ] || fail "expected 1 kitchen weighing: $(cat "$TMPDIR/out")"
for want in '"stage":"spoilage"' '"gross_g":2350' '"tare_g":850' '"net_g":1500' \
    '"category":"蔬菜"' '"reason":"过期变质"' '"flags":[]'; do
    grep -qF "$want" "$TMPDIR/out" || fail "kitchen weighing lacks $want: $(cat "$TMPDIR/out")"
done
"$SCALE" sim --help | grep -q -- '--script' || fail "sim --help"
must_fail "give --protocol P" "$SCALE" sim
echo "scale_sim: ok"
