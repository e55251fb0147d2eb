# kill -9 of a headless waste station at random moments, CRASH_KILLS times
# (make check: 8, make soak: 50), while trays come and go on a simulated scale
# (`cleanplate-scale sim --script -` on a pty, driven from here) and cards come
# on the station's stdin. The station is restarted against the same scale.
# After each kill: verify passes, every acknowledged weighing (a JSON line
# printed) is stored, no tray is stored twice, at most one weighing was stored
# but not acknowledged. Half the kills come right after a tray was recorded,
# with the tray still on the scale: the restarted station must not record it
# again. Every tray not touched by a kill is recorded exactly once.
. tests/reliability/lib.sh

KILLS=${CRASH_KILLS:-8}
setup_canteen 20
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager subsidy grant --month 2026-11 50 >/dev/null
# a short stability window, so that trays come quickly
fast_station_ini "$TMPDIR/w1.ini"
started=$(now_s)

# The scale, driven through fd 7; the cards, through fd 8. Both FIFOs stay
# open here, so that a killed station never ends the simulator or the cards.
mkfifo "$TMPDIR/simcmd" "$TMPDIR/cards"
exec 7<>"$TMPDIR/simcmd" 8<>"$TMPDIR/cards"
"$SCALE" sim --protocol mtsics --script - --link "$TMPDIR/scale" --noise 0 --settle 80 \
    <&7 7>&- 8>&- >"$TMPDIR/sim.out" 2>"$TMPDIR/sim.err" &
track $!
i=0
while [ ! -e "$TMPDIR/scale" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$TMPDIR/scale" ] || fail "the simulator made no pty: $(cat "$TMPDIR/sim.err")"

run=0 station=""
start_station() {
    run=$((run + 1))
    : >"$TMPDIR/st$run.out"
    "$SCALE" station --headless --config "$TMPDIR/w1.ini" --port "$TMPDIR/scale" \
        --protocol mtsics <&8 7>&- 8>&- >"$TMPDIR/st$run.out" 2>"$TMPDIR/st$run.err" &
    station=$!
    track "$station"
}
acked_count() { cat "$TMPDIR"/st*.out | wc -l; }
# Waits until the stations have acknowledged N weighings in all (5 s at most).
wait_acked() {
    _i=0
    while [ "$(acked_count)" -lt "$1" ]; do
        _i=$((_i + 1))
        [ "$_i" -lt 250 ] || return 1
        sleep 0.02
    done
}

: >"$TMPDIR/unacked"
# What the store holds must agree with what was acknowledged.
check_store() {
    "$OFFICE" verify >"$TMPDIR/verify" 2>&1 || fail "verify after kill $1: $(cat "$TMPDIR/verify")"
    cat "$TMPDIR"/st*.out | sed -n 's/^{"id":"\([^"]*\)".*/\1/p' | sort >"$TMPDIR/acked"
    [ "$(wc -l <"$TMPDIR/acked")" -eq "$(acked_count)" ] || fail "a station printed a line that is not a weighing"
    sqlite3 "$CLEANPLATE_DB" "SELECT id FROM waste_records ORDER BY id" | sort >"$TMPDIR/stored"
    missing=$(comm -23 "$TMPDIR/acked" "$TMPDIR/stored" | wc -l)
    [ "$missing" -eq 0 ] || fail "after kill $1, $missing acknowledged weighings are missing"
    [ "$(sort "$TMPDIR/acked" | uniq -d | wc -l)" -eq 0 ] || fail "a weighing was acknowledged twice"
    twice=$(sqlite3 "$CLEANPLATE_DB" "SELECT group_concat(gross_g) FROM (SELECT gross_g FROM
        waste_records GROUP BY gross_g HAVING count(*) > 1)")
    [ -z "$twice" ] || fail "after kill $1, trays recorded twice (gross g): $twice"
    comm -13 "$TMPDIR/acked" "$TMPDIR/stored" >"$TMPDIR/unacked.now"
    new=$(comm -13 "$TMPDIR/unacked" "$TMPDIR/unacked.now" | wc -l)
    [ "$new" -le 1 ] || fail "kill $1 left $new weighings stored but not acknowledged (at most 1)"
    mv "$TMPDIR/unacked.now" "$TMPDIR/unacked"
}

kill_station() {
    kill -9 "$station" 2>/dev/null || true
    wait "$station" 2>/dev/null || true
    untrack "$station"
}

# One tray: gross 1000 + 3 * tray grams (each tray its own weight), every other
# one after a card.
tray=0
place() {
    tray=$((tray + 1))
    [ $((tray % 2)) -eq 0 ] && printf '%010d\n' $((tray % 20 + 1)) >&8
    echo "place $((1000 + 3 * tray))" >&7
}
remove() { echo remove >&7; }

: >"$TMPDIR/untouched"   # trays no kill came near: each must be recorded once
start_station
sleep 1
k=1 after_ack=0
while [ "$k" -le "$KILLS" ]; do
    # zero or one quiet tray, recorded before it is taken off
    if [ "$(rand 2)" -eq 1 ]; then
        before=$(acked_count)
        place
        echo $((1000 + 3 * tray)) >>"$TMPDIR/untouched"
        wait_acked $((before + 1)) || fail "quiet tray $tray was not recorded: $(tail -n 3 "$TMPDIR/st$run.err")"
        sleep 0.1
        remove
        sleep 0.3
    fi
    # the tray during which the station dies
    before=$(acked_count)
    place
    if [ $((k % 2)) -eq 0 ]; then
        # right after the tray is recorded, still on the scale
        wait_acked $((before + 1)) ||
            fail "tray $tray was not recorded: $(tail -n 3 "$TMPDIR/st$run.err")"
        after_ack=$((after_ack + 1))
    else
        sleep "0.$(printf %03d "$(rand 900)")"   # anywhere in 0-0.9 s: settling, saving, printing
    fi
    kill_station
    check_store "$k"
    start_station
    sleep "0.$(printf %03d "$(( $(rand 500) + 300 ))")"   # the tray stays a little longer
    remove
    sleep 0.5   # the new station is connected and has seen the empty scale
    k=$((k + 1))
done
# one last tray after the last restart, then the station leaves by itself
before=$(acked_count)
place
echo $((1000 + 3 * tray)) >>"$TMPDIR/untouched"
wait_acked $((before + 1)) || fail "the last tray was not recorded: $(tail -n 3 "$TMPDIR/st$run.err")"
sleep 0.2
remove
sleep 0.3
exec 8>&-
kill -TERM "$station" 2>/dev/null || true
wait "$station" || fail "the station did not end cleanly: $(cat "$TMPDIR/st$run.err")"
untrack "$station"
check_store final
for g in $(cat "$TMPDIR/untouched"); do
    n=$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM waste_records WHERE gross_g = $g")
    [ "$n" -eq 1 ] || fail "a tray of $g g that no kill came near was recorded $n times"
done
acked=$(wc -l <"$TMPDIR/acked")
stored=$(wc -l <"$TMPDIR/stored")
echo "crash_station: $KILLS kills ($after_ack right after a recorded tray), $tray trays," \
    "$acked acknowledged, $stored stored, $((tray - stored)) trays lost in a kill (never" \
    "acknowledged), $(wc -l <"$TMPDIR/untouched") quiet trays each recorded once; $(elapsed "$started") s"
echo "crash_station ok"
