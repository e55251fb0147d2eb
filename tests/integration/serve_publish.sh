# publish redblack waits for the networked terminals: a month is refused
# while a terminal that has talked to the server was last heard before the
# month ended, or still reports events pending from before its end; --force
# needs --reason, and a forced publication says so in its recorded reason;
# verify passes after.
. tests/integration/lib.sh
. tests/tools/serve_lib.sh

setup_month
KEY=$("$OFFICE" terminal key POS1)
event='{"events":[{"seq":1,"kind":"charge","card":"1"}],"pending":0}'

# POS1 is heard on 2026-11-20 and not since: November may lack its events
export CLEANPLATE_NOW=2026-11-20T13:00:00
serve_start
req POS1 "$KEY" POST /v1/events "$event"
expect 200 ok
serve_stop
export CLEANPLATE_NOW=2026-12-02T09:00:00
must_fail "terminal POS1 may not have delivered" "$OFFICE" publish redblack --month 2026-11 --out "$TMPDIR/pub"
must_fail "--force needs --reason" "$OFFICE" publish redblack --month 2026-11 --out "$TMPDIR/pub" --force

# heard on 2026-12-01 with nothing pending: November is complete
export CLEANPLATE_NOW=2026-12-01T08:00:00
serve_start
req POS1 "$KEY" GET /v1/snapshot
expect 200 ok
serve_stop
export CLEANPLATE_NOW=2026-12-02T09:00:00
"$OFFICE" publish redblack --month 2026-11 --out "$TMPDIR/pub" >/dev/null || fail "publish after delivery"

# heard on 2026-12-02 with 3 events pending after one of November: a
# correction is refused, then forced with its reason recorded
serve_start
req POS1 "$KEY" POST /v1/events '{"events":[{"seq":1,"kind":"charge","card":"1"}],"pending":3}'
expect 200 ok
serve_stop
must_fail "still reports events pending" "$OFFICE" publish redblack --month 2026-11 --out "$TMPDIR/pub" --reason "新数据"
"$OFFICE" publish redblack --month 2026-11 --out "$TMPDIR/pub" --force --reason "POS1 坏了" >/dev/null ||
    fail "forced publication"
"$OFFICE" publications | grep -q "forced before terminal POS1 delivered (pending): POS1 坏了" ||
    fail "the forced reason is not recorded: $("$OFFICE" publications)"
"$OFFICE" verify --out "$TMPDIR/pub" >"$TMPDIR/verify.out" || fail "verify: $(cat "$TMPDIR/verify.out")"
echo "serve_publish: ok"
