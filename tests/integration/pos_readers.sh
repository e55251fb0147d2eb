# cleanplate-pos --list-readers through the real libusb, with a reader emulated by umockdev:
# the line names the device and the --reader spec to use; a bad spec is refused.
. tests/integration/lib.sh
command -v umockdev-run >/dev/null || fail "umockdev is missing: apt-get install umockdev"

umockdev-run --device tests/umockdev/reader-boot-keyboard.umockdev -- \
    "$POS" --list-readers >"$TMPDIR/list" 2>"$TMPDIR/err" || fail "list-readers: $(cat "$TMPDIR/err")"
grep -q 'ffff:0035.*--reader usb:ffff:0035' "$TMPDIR/list" || fail "list: $(cat "$TMPDIR/list")"
# with a usb: spec, its VID:PID are looked for as well
umockdev-run --device tests/umockdev/reader-boot-keyboard.umockdev -- \
    "$POS" --list-readers --reader usb:ffff:0035 >"$TMPDIR/list2" || fail "list with spec"
grep -q 'usb:ffff:0035' "$TMPDIR/list2" || fail "list with spec: $(cat "$TMPDIR/list2")"
must_fail "not VID:PID in hex" "$POS" --list-readers --reader usb:zz:1
echo "pos_readers ok"
