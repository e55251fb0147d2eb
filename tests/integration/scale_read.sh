# cleanplate-scale read and list-ports through the real libserialport, with the
# scale emulated by umockdev (a tty device backed by a pty, scripted output) and
# the TIOCM shim (DESIGN.md): A&D 7E1 stream, Toledo 8217 polled at 7E1, MT-SICS
# statuses, --settled, a port that is missing. Every script waits for the port
# to be set up ($PORT_READY, lib.sh) before the scale says anything: the first
# frame used to be lost when it came before the port was ready.
. tests/integration/lib.sh

# list-ports shows the emulated adapter with its USB description
umockdev-run -d "$SCALE_DEV" -- "$SCALE" list-ports >"$TMPDIR/ports"
grep -q '^/dev/ttyUSB0  FT232R USB UART' "$TMPDIR/ports" || fail "list-ports: $(cat "$TMPDIR/ports")"
grep -q 'USB 0403:6001 FTDI serial A5XK3RJT' "$TMPDIR/ports" || fail "no USB details: $(cat "$TMPDIR/ports")"

# A&D streams at 2400 7E1 by default: the port must report 7E1 back (the shim
# keeps what libserialport set; a pty alone would say 8N1)
cat >"$TMPDIR/and.script" <<S
w 0 $PORT_READY
r 0 ST,+00012.34  g^M^J
r 20 US,+00020.00  g^M^J
r 20 garbage^M^J
r 20 OL,+99999.99  g^M^J
r 20 ST,NT,+0000.356kg^M^J
S
scale_replay "$TMPDIR/and.script" read --port /dev/ttyUSB0 --protocol and --count 4 \
    >"$TMPDIR/out" 2>"$TMPDIR/err" || fail "read and: $(cat "$TMPDIR/err")"
grep -q 'scale connected (/dev/ttyUSB0, libserialport), and, line 2400 7E1' "$TMPDIR/err" ||
    fail "not libserialport at 7E1: $(cat "$TMPDIR/err")"
cat >"$TMPDIR/want" <<'W'
{"grams":12,"stable":true,"status":"ok"}
{"grams":20,"stable":false,"status":"ok"}
{"grams":null,"stable":false,"status":"overload"}
{"grams":356,"stable":true,"status":"ok","net":true}
W
diff "$TMPDIR/want" "$TMPDIR/out" >&2 || fail "A&D readings differ"

# framing from the command line is what the port gets
scale_replay "$TMPDIR/and.script" read --port /dev/ttyUSB0 --protocol and --count 1 \
    --baud 9600 --framing 8N1 >"$TMPDIR/out" 2>"$TMPDIR/err" || fail "read 8N1: $(cat "$TMPDIR/err")"
grep -q 'line 9600 8N1' "$TMPDIR/err" || fail "--framing 8N1 not applied: $(cat "$TMPDIR/err")"

# Toledo 8217 is polled with W at 7E1: the script checks each poll, the scale
# answers a weight, then moving (status ?), then a weight again
cat >"$TMPDIR/t8217.script" <<S
w 0 $PORT_READY
w 0 W
r 5 ^B01.250^M
w 0 W
r 5 ^B?A^M
w 0 W
r 5 ^B00.355^M
S
scale_replay "$TMPDIR/t8217.script" read --port /dev/ttyUSB0 --protocol toledo8217 --count 3 \
    >"$TMPDIR/out" 2>"$TMPDIR/err" || fail "read toledo8217: $(cat "$TMPDIR/err")"
grep -q 'toledo8217, line 9600 7E1' "$TMPDIR/err" || fail "8217 not at 7E1: $(cat "$TMPDIR/err")"
cat >"$TMPDIR/want" <<'W'
{"grams":1250,"stable":true,"status":"ok"}
{"grams":null,"stable":false,"status":"ok"}
{"grams":355,"stable":true,"status":"ok"}
W
diff "$TMPDIR/want" "$TMPDIR/out" >&2 || fail "Toledo 8217 readings differ"

# --settled: one line per placement however long the tray stays
{
    echo "w 0 $PORT_READY"
    for i in 1 2 3 4 5; do echo 'r 100 ST,+00000.00  g^M^J'; done
    echo 'r 100 US,+00200.00  g^M^J'
    i=0; while [ $i -lt 25 ]; do echo 'r 100 ST,+00352.00  g^M^J'; i=$((i + 1)); done
    for i in 1 2 3 4 5; do echo 'r 100 ST,+00000.00  g^M^J'; done
    i=0; while [ $i -lt 12 ]; do echo 'r 100 ST,+00118.00  g^M^J'; i=$((i + 1)); done
} >"$TMPDIR/settle.script"
scale_replay "$TMPDIR/settle.script" read --port /dev/ttyUSB0 --protocol and --framing 8N1 \
    --settled --count 2 >"$TMPDIR/out" 2>"$TMPDIR/err" || fail "read --settled: $(cat "$TMPDIR/err")"
cat >"$TMPDIR/want" <<'W'
{"grams":352,"stable":true,"status":"ok","settled":true}
{"grams":118,"stable":true,"status":"ok","settled":true}
W
diff "$TMPDIR/want" "$TMPDIR/out" >&2 || fail "settled weights differ"

# mistakes say what to do
must_fail "give --port DEV and --protocol P" "$SCALE" read --port /dev/ttyUSB0
must_fail "unknown" "$SCALE" read --port /dev/ttyUSB0 --protocol nosuch
"$SCALE" read --help | grep -q -- '--settled' || fail "read --help"
"$SCALE" --help | grep -q 'list-ports' || fail "--help"
echo "scale_read: ok"
