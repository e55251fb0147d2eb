# A waste station of the canteen server (cleanplate-scale station --server):
# trays weighed while `serve` answers are recorded by it (its answers
# printed, the request id W1/SEQ); with the server killed the trays are
# never refused: each is answered "offline":true and kept in the journal;
# the server back, the station sends them first, each recorded once.
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >"$TMPDIR/added"
# a station's key goes in [station] (a POS's in [terminal]): said when it is added,
# and said where it goes when it is put under [terminal] as in pos.ini
grep -q "as \[station\] key" "$TMPDIR/added" || fail "terminal add said: $(cat "$TMPDIR/added")"
KEY=$("$OFFICE" terminal key W1)
printf '[station]\nterminal = W1\nserver = %s\n[terminal]\nkey = %s\n' "$URL" "$KEY" \
    >"$TMPDIR/moved.ini"
chmod 600 "$TMPDIR/moved.ini"
must_fail "moved.ini:5: 'key' goes in [station] here, not in [terminal]" \
    "$SCALE" station --config "$TMPDIR/moved.ini"
JOURNAL=$TMPDIR/w1.journal
trap '[ -z "$SERVE" ] || kill -9 "$SERVE" 2>/dev/null || true' EXIT

# two trays, cards 1 and 2, on a simulated scale replayed by frame count
printf 'wait 1000\nplace 355\nwait 1700\nremove\nwait 800\nplace 420\nwait 1700\nremove\nwait 1500\n' \
    >"$TMPDIR/trays.sim"
printf '@1000 0000000001\n@3500 0000000002\n@7000 end\n' >"$TMPDIR/trays.cards"
weigh() { # weigh OUT: the two trays through the station of the server
    rm -f "$TMPDIR/port"
    "$SCALE" sim --protocol toledo-cont --fast --script "$TMPDIR/trays.sim" >"$TMPDIR/port" \
        2>"$TMPDIR/sim.err" &
    sim=$!
    i=0; while [ ! -s "$TMPDIR/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$TMPDIR/port" ] || fail "the simulator made no pty: $(cat "$TMPDIR/sim.err")"
    sleep 0.05
    "$SCALE" station --headless --terminal W1 --port "$(cat "$TMPDIR/port")" \
        --protocol toledo-cont --frame-clock 100 --tray-tare-g 300 \
        --server "$URL" --key "$KEY" --journal "$JOURNAL" \
        <"$TMPDIR/trays.cards" >"$1" 2>"$TMPDIR/err" || fail "station: $(cat "$TMPDIR/err")"
    wait "$sim" || fail "simulator: $(cat "$TMPDIR/sim.err")"
}

start_serve
weigh "$TMPDIR/online"
[ "$(wc -l <"$TMPDIR/online")" = 2 ] || fail "online: $(cat "$TMPDIR/online")"
sed -n 1p "$TMPDIR/online" | grep -q '"net_g":55' || fail "first tray: $(cat "$TMPDIR/online")"
grep -q '"offline"' "$TMPDIR/online" && fail "online trays said offline: $(cat "$TMPDIR/online")"
[ "$(sql "SELECT count(*) FROM waste_records WHERE terminal = 'W1'")" = 2 ] ||
    fail "the store does not hold the 2 trays"

kill_serve
export CLEANPLATE_NOW=2026-11-20T12:40:00
weigh "$TMPDIR/offline"
[ "$(grep -c '"offline":true' "$TMPDIR/offline")" = 2 ] || fail "offline: $(cat "$TMPDIR/offline")"
grep -q '"request_id":"W1/3"' "$TMPDIR/offline" || fail "offline ids: $(cat "$TMPDIR/offline")"
[ "$(pending)" = 2 ] || fail "$(pending) weighings queued, not 2"

# the server back the next morning: the trays weighed offline at lunch are
# posted when they were weighed, not when they came
export CLEANPLATE_NOW=2026-11-21T09:00:00
start_serve
weigh "$TMPDIR/back"
[ "$(pending)" = 0 ] || fail "$(pending) weighings still queued"
[ "$(sql "SELECT count(*) FROM waste_records WHERE placement IN ('W1/3', 'W1/4')
     AND business_date = '2026-11-20' AND created_at LIKE '2026-11-20T12:40:%'")" = 2 ] ||
    fail "the offline trays' days: $(sql "SELECT placement, business_date, created_at FROM waste_records")"
for seq in 1 2 3 4 5 6; do
    [ "$(sql "SELECT count(*) FROM waste_records WHERE placement = 'W1/$seq'")" = 1 ] ||
        fail "weighing W1/$seq is not in the store once: $(sql 'SELECT placement FROM waste_records')"
done
"$OFFICE" verify >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_station: ok"
