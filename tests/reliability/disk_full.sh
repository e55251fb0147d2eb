# The disk fills up under a running headless terminal (the LD_PRELOAD shim
# tests/shim/enospc_shim.c: while a flag file exists, writes to the database
# files fail with ENOSPC). The terminal refuses the sale with "full" and a
# message that says what to do, stays up, and charges again when space comes
# back; nothing is half-written (integrity_check, verify, balances = ledger).
# Then the disk comes and goes DISK_TOGGLES times (make check: 10, make soak:
# 100) under a stream of taps; a back-office command and a waste station meet
# a full disk too. Where this runs as root and may mount, the same on a real
# full tmpfs (otherwise that part is skipped).
. tests/reliability/lib.sh

TOGGLES=${DISK_TOGGLES:-10}
SHIM_SO="$BUILD/enospc_shim.so"
[ -f "$SHIM_SO" ] || fail "no $SHIM_SO: build it with make $SHIM_SO"
N=$((TOGGLES * 40 + 20))
setup_canteen "$N"
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
as_manager subsidy grant --month 2026-11 10 >/dev/null   # one meal of 8 each
money_before=$(sqlite3 "$CLEANPLATE_DB" "SELECT sum(cash_fen + subsidy_fen) FROM wallets")
FULL="$TMPDIR/disk-full"
started=$(now_s)
shimmed() { ENOSPC_SHIM_FLAG="$FULL" LD_PRELOAD="$SHIM_SO" "$@"; }

# 1. One terminal, taps one at a time: before, during and after.
mkfifo "$TMPDIR/taps"
exec 7<>"$TMPDIR/taps"
: >"$TMPDIR/out1"
ENOSPC_SHIM_FLAG="$FULL" LD_PRELOAD="$SHIM_SO" "$POS" --headless --terminal POS1 \
    <"$TMPDIR/taps" 7>&- >"$TMPDIR/out1" 2>"$TMPDIR/err1" &
pos=$!
track "$pos"
tap() { # CARD [REQUEST_ID]: one tap, and its answer in $answer
    n=$(( $(wc -l <"$TMPDIR/out1") + 1 ))
    echo "$*" >&7
    wait_lines "$TMPDIR/out1" "$n" 10 || fail "no answer to $1: $(cat "$TMPDIR/err1")"
    answer=$(sed -n "${n}p" "$TMPDIR/out1")
}
tap 0000000001
echo "$answer" | grep -q '"ok":true' || fail "before: $answer"
: >"$FULL"
for card in 0000000002 0000000003 0999999999; do
    tap "$card" "req-$card"
    echo "$answer" | grep -q '"ok":false,"error":"full"' || fail "disk full, $card: $answer"
    for want in 'is full' 'nothing was saved' 'free some space' "$CLEANPLATE_DB"; do
        echo "$answer" | grep -qF "$want" || fail "the message does not say '$want': $answer"
    done
    kill -0 "$pos" 2>/dev/null || fail "the terminal died on a full disk: $(cat "$TMPDIR/err1")"
done
echo "disk_full: the terminal said: $(echo "$answer" | sed 's/.*"message":"\([^"]*\)".*/\1/')"
# the back office says so too, in one line, and changes nothing
shimmed_topup() { echo "$MANAGER_PIN" | shimmed "$OFFICE" topup "$@" --manager "$MANAGER"; }
must_fail "is full" shimmed_topup S0005 20
# ... an import of a file as well, without blaming one of its lines (it named
# line 2's staff_no for the full disk)
printf 'staff_no,yuan\nS0005,20\nS0006,20\n' >"$TMPDIR/topups.csv"
echo "$MANAGER_PIN" | shimmed "$OFFICE" import topups "$TMPDIR/topups.csv" --manager "$MANAGER" \
    >/dev/null 2>"$TMPDIR/err" && fail "a top-up file imported on a full disk"
grep -q "is full" "$TMPDIR/err" || fail "import topups on a full disk: $(cat "$TMPDIR/err")"
! grep -q "topups.csv:[0-9]" "$TMPDIR/err" || fail "a line was blamed for the disk: $(cat "$TMPDIR/err")"
rm -f "$FULL"
tap 0000000002 req-0000000002   # the same request again: now it is charged
echo "$answer" | grep -q '"ok":true.*"repeated":false' || fail "space is back, 2: $answer"
tap 0000000003
echo "$answer" | grep -q '"ok":true' || fail "space is back, 3: $answer"
tap 0999999999
echo "$answer" | grep -q '"error":"unknown_card"' || fail "space is back, 99: $answer"
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM sales")" = 3 ] || fail "3 sales expected"
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM wallets w JOIN diners d ON d.id = w.diner_id
    WHERE d.staff_no = 'S0005' AND w.cash_fen > 0")" = 0 ] || fail "the refused top-up was kept"

# 2. The disk comes and goes under a stream of taps (commits cut anywhere):
#    each answer is a charge or "full", and a "full" tap is charged on its retry.
first=$(wc -l <"$TMPDIR/out1")
(
    i=4
    while [ "$i" -le "$N" ]; do
        printf '%010d stream-%d\n' "$i" "$i"
        i=$((i + 1))
        if [ $((i % 2)) -eq 0 ]; then sleep 0.01; fi   # about 150 taps a second
    done
) >&7 &
writer=$!
track "$writer"
t=0
while [ "$t" -lt "$TOGGLES" ]; do
    sleep "0.$(printf %03d $(( $(rand 150) + 30 )))"
    : >"$FULL"
    sleep "0.$(printf %03d $(( $(rand 150) + 30 )))"
    rm -f "$FULL"
    t=$((t + 1))
done
wait "$writer"
untrack "$writer"
wait_lines "$TMPDIR/out1" $((first + N - 3)) 30 ||
    fail "the stream was not answered: $(tail -n 2 "$TMPDIR/out1")"
tail -n +$((first + 1)) "$TMPDIR/out1" >"$TMPDIR/stream"
odd=$(grep -v '"ok":true' "$TMPDIR/stream" | grep -vc '"error":"full"' || true)
[ "$odd" -eq 0 ] || fail "answers other than a charge or full: $(grep -v '"ok":true' "$TMPDIR/stream" | grep -v full | head -n 3)"
refused=$(grep -c '"error":"full"' "$TMPDIR/stream" || true)
[ "$refused" -gt 0 ] || fail "the disk was never full when a tap came"
# the k-th answer is the k-th tap (card k + 3): retry the refused ones, same ids
grep -n '"error":"full"' "$TMPDIR/stream" | cut -d: -f1 |
    awk '{ printf "%010d stream-%d\n", $1 + 3, $1 + 3 }' >"$TMPDIR/retry"
before=$(wc -l <"$TMPDIR/out1")
cat "$TMPDIR/retry" >&7
wait_lines "$TMPDIR/out1" $((before + refused)) 30 || fail "the retries were not answered"
tail -n +$((before + 1)) "$TMPDIR/out1" >"$TMPDIR/retried"
[ "$(grep -c '"ok":true.*"repeated":false' "$TMPDIR/retried" || true)" -eq "$refused" ] ||
    fail "not every retry was charged: $(grep -v '"ok":true' "$TMPDIR/retried" | head -n 3)"
exec 7>&-
wait "$pos" || fail "the terminal failed: $(cat "$TMPDIR/err1")"
untrack "$pos"

charges=$(grep -c '"ok":true' "$TMPDIR/out1" || true)
answered_fen=$(sed -n 's/.*"ok":true.*"charged_fen":\([0-9]*\).*/\1/p' "$TMPDIR/out1" |
    awk '{ s += $1 } END { print s + 0 }')
[ "$(sqlite3 "$CLEANPLATE_DB" "PRAGMA integrity_check")" = ok ] || fail "integrity_check failed"
"$OFFICE" verify >"$TMPDIR/verify" 2>&1 || fail "verify: $(cat "$TMPDIR/verify")"
set -- $(sqlite3 -separator ' ' "$CLEANPLATE_DB" "SELECT count(*), count(DISTINCT diner_id),
    coalesce(sum(total_fen), 0) FROM sales")
[ "$1" -eq "$N" ] && [ "$2" -eq "$N" ] || fail "$N diners, $1 sales for $2 of them"
[ "$1" -eq "$charges" ] || fail "$charges charges answered, $1 stored"
[ "$3" -eq "$answered_fen" ] || fail "answers charged $answered_fen fen, the store holds $3"
money_after=$(sqlite3 "$CLEANPLATE_DB" "SELECT sum(cash_fen + subsidy_fen) FROM wallets")
[ $((money_before - money_after)) -eq "$answered_fen" ] || fail "wallets lost $((money_before - money_after)) fen, $answered_fen charged"
echo "disk_full: terminal: $TOGGLES times full under $((N - 3)) streamed taps: $refused refused" \
    "with full, all charged on the retry; $charges charges, all stored once"

# 3. A waste station keeps a tray it cannot save and saves it once when space is back.
mkfifo "$TMPDIR/simcmd"
exec 8<>"$TMPDIR/simcmd"
"$SCALE" sim --protocol mtsics --script - --link "$TMPDIR/scale" --noise 0 --settle 80 \
    <&8 7>&- 8>&- >"$TMPDIR/sim.out" 2>"$TMPDIR/sim.err" &
track $!
i=0
while [ ! -e "$TMPDIR/scale" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
printf '[station]\nterminal = W1\ntray_tare_g = 300\nanonymous_after_ms = 0\n[scale]\nwindow_ms = 150\npoll_ms = 30\n' \
    >"$TMPDIR/w1.ini"
: >"$TMPDIR/st.out"
mkfifo "$TMPDIR/cards"
exec 9<>"$TMPDIR/cards"
ENOSPC_SHIM_FLAG="$FULL" LD_PRELOAD="$SHIM_SO" "$SCALE" station --headless --config "$TMPDIR/w1.ini" \
    --port "$TMPDIR/scale" --protocol mtsics <&9 8>&- 9>&- >"$TMPDIR/st.out" 2>"$TMPDIR/st.err" &
station=$!
track "$station"
sleep 0.8
: >"$FULL"
echo "place 777" >&8
sleep 1.5
[ ! -s "$TMPDIR/st.out" ] || fail "a weighing was acknowledged on a full disk: $(cat "$TMPDIR/st.out")"
kill -0 "$station" 2>/dev/null || fail "the station died on a full disk: $(cat "$TMPDIR/st.err")"
rm -f "$FULL"
wait_lines "$TMPDIR/st.out" 1 10 || fail "the kept tray was not saved when space came back: $(cat "$TMPDIR/st.err")"
echo remove >&8
sleep 0.5
kill "$station" 2>/dev/null || true
wait "$station" 2>/dev/null || true
untrack "$station"
grep -q '"gross_g":777' "$TMPDIR/st.out" || fail "station: $(cat "$TMPDIR/st.out")"
[ "$(wc -l <"$TMPDIR/st.out")" -eq 1 ] || fail "the tray was acknowledged twice: $(cat "$TMPDIR/st.out")"
[ "$(sqlite3 "$CLEANPLATE_DB" "SELECT count(*) FROM waste_records WHERE gross_g = 777")" = 1 ] ||
    fail "the kept tray is not stored exactly once"
echo "disk_full: station: a tray settled on a full disk was kept and saved once when space came back"

# 4. A real full disk: a small tmpfs in a mount namespace of its own (root
#    only). The terminal is running when the disk fills, as in a canteen.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -m sh -c "mount -t tmpfs -o size=1m none '$TMPDIR'" 2>/dev/null; then
    as_manager topup S0001 20 >/dev/null
    sqlite3 "$CLEANPLATE_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    size_k=$(( $(wc -c <"$CLEANPLATE_DB") / 1024 + 1024 ))
    mkfifo "$TMPDIR/realtaps"
    unshare -m sh -c '
        set -u
        dir=$1 pos=$2 size=$3
        mkdir -p "$dir/mnt" && mount -t tmpfs -o "size=${size}k" none "$dir/mnt" || exit 3
        cp "$CLEANPLATE_DB" "$dir/mnt/canteen.db" || exit 3
        exec 7<>"$dir/realtaps"
        : >"$dir/real.out"
        "$pos" --headless --terminal POS2 --db "$dir/mnt/canteen.db" <"$dir/realtaps" 7>&- \
            >"$dir/real.out" 2>&1 &
        p=$!
        answers() { i=0; while [ "$(wc -l <"$dir/real.out")" -lt "$1" ] && [ $i -lt 500 ]; do
            sleep 0.02; i=$((i + 1)); done; }
        echo "@2026-11-21T12:00:00 0000000002" >&7; answers 1   # running, WAL in use
        dd if=/dev/zero of="$dir/mnt/filler" bs=4k 2>/dev/null  # no space left at all
        echo 0000000001 >&7; answers 2
        kill -0 $p || exit 4
        rm -f "$dir/mnt/filler"
        echo 0000000001 >&7; answers 3
        exec 7>&-
        wait $p || exit 5
        sqlite3 "$dir/mnt/canteen.db" "PRAGMA integrity_check" >"$dir/real.check"
        CLEANPLATE_DB="$dir/mnt/canteen.db" "$4" verify >"$dir/real.verify" 2>&1 || exit 6
        umount "$dir/mnt"
    ' sh "$TMPDIR" "$POS" "$size_k" "$OFFICE" ||
        fail "the tmpfs part failed ($?): $(cat "$TMPDIR"/real.* 2>/dev/null)"
    sed -n 2p "$TMPDIR/real.out" | grep -q '"error":"full".*is full' ||
        fail "a real full disk: $(cat "$TMPDIR/real.out")"
    sed -n 3p "$TMPDIR/real.out" | grep -q '"ok":true' ||
        fail "a real disk with space again: $(cat "$TMPDIR/real.out")"
    [ "$(cat "$TMPDIR/real.check")" = ok ] || fail "integrity_check on the tmpfs: $(cat "$TMPDIR/real.check")"
    echo "disk_full: a real full tmpfs under a running terminal: refused with full, charged when" \
        "space was back, verify and integrity_check pass"
else
    echo "disk_full: the real tmpfs part skipped (needs root and mounts in a namespace)"
fi
# 5. A networked terminal whose journal fills while the server charges: the
#    server has applied the sale when the journal cannot mark it delivered.
#    The diner was charged, so the answer says so (it said "nothing was
#    saved", and a second tap was refused as a duplicate); the event stays in
#    the journal and is sent again later, answered as repeated: one sale.
. tests/integration/helpers/term.sh
"$OFFICE" terminal add NET1 --canteen C1 --kind pos >/dev/null
for s in S0001 S0002 S0003; do as_manager topup "$s" 50 >/dev/null; done
KEY=$("$OFFICE" terminal key NET1)
JOURNAL=$TMPDIR/net1-journal.db
export CLEANPLATE_NOW=2026-11-27T12:00:00
start_serve
track "$SERVE"
mkfifo "$TMPDIR/nettaps"
: >"$TMPDIR/net.out"
# the budget is long: the paused server below must not send the tap offline;
# the FIFO is opened for writing after the terminal started (which waits for
# it), so that no other process holds it open and closing it ends the run
shimmed "$POS" --headless --terminal NET1 --server "$URL" --key "$KEY" --journal "$JOURNAL" \
    --offline-after-ms 20000 <"$TMPDIR/nettaps" >"$TMPDIR/net.out" 2>"$TMPDIR/net.err" &
netpos=$!
track "$netpos"
exec 6>"$TMPDIR/nettaps"
echo 0000000001 >&6
wait_lines "$TMPDIR/net.out" 1 20 || fail "no answer online: $(cat "$TMPDIR/net.err")"
cash2=$(sql "SELECT w.cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id WHERE d.staff_no = 'S0002'")
pause_serve
echo 0000000002 >&6
i=0
until [ "$(pending)" = 1 ]; do   # in the journal, sent, the server stopped
    i=$((i + 1)); [ $i -lt 400 ] || fail "the tap never reached the journal: $(cat "$TMPDIR/net.err")"
    sleep 0.05
done
: >"$FULL"
kill -CONT "$SERVE"
wait_lines "$TMPDIR/net.out" 2 20 || fail "no answer with the journal full: $(cat "$TMPDIR/net.err")"
answer=$(sed -n 2p "$TMPDIR/net.out")
echo "$answer" | grep -q '"ok":true.*"sale_id":"NET1-' ||
    fail "the server charged, the terminal said: $answer"
grep -q "could not record its answers" "$TMPDIR/net.err" || fail "not said: $(cat "$TMPDIR/net.err")"
rm -f "$FULL"
echo 0000000003 >&6
wait_lines "$TMPDIR/net.out" 3 20 || fail "no answer with space back: $(cat "$TMPDIR/net.err")"
sed -n 3p "$TMPDIR/net.out" | grep -q '"ok":true' || fail "space back: $(sed -n 3p "$TMPDIR/net.out")"
exec 6>&-
wait "$netpos" 2>/dev/null || true
untrack "$netpos"
once NET1/2
once NET1/3
[ "$(pending)" = 0 ] || fail "the journal still holds $(pending) events"
[ "$(sql "SELECT w.cash_fen FROM wallets w JOIN diners d ON d.id = w.diner_id
    WHERE d.staff_no = 'S0002'")" -lt "$cash2" ] || fail "S0002 was not charged"
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true
untrack "$SERVE"
"$OFFICE" verify >"$TMPDIR/net.verify" || fail "verify: $(cat "$TMPDIR/net.verify")"
echo "disk_full: a networked terminal whose journal filled as the server charged answered the" \
    "charge made, and sent it again once: one sale"
echo "disk_full ok ($(elapsed "$started") s)"
