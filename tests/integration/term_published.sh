# Once a month's red/black list is published, nothing a terminal decided
# offline goes into that month (review N2): the server had posted offline
# lunches and trays dated in a published month (a stolen key's, or a
# terminal back after a forced publication), the month's ranking changed
# under the published list and verify passed. An offline charge tapped in
# a published month is refused `month_published` (the meal was served: the
# alarm served_but_refused tells the office to charge it by hand or write
# it off); one of the next month is posted. An offline weighing of the
# published month is posted now, as one weighed at a time the server does
# not take (a weighing is never refused). The month's metrics stay those
# published; verify passes. A meal of the month that comes in while its
# list is being made (after the list was read, before the publication is
# recorded: the PDF being written) refuses the publication, and nothing is
# recorded; published again, the list has it (review K2-1).
# store-both: run-integration.sh runs it on SQLite and on PostgreSQL.
. tests/integration/lib.sh
. tests/integration/helpers/term.sh

setup_month
"$OFFICE" terminal add POS2 --canteen C1 --kind pos >/dev/null
export CLEANPLATE_NOW=2026-12-02T09:00:00
KEY=$("$OFFICE" terminal key POS1)
WKEY=$("$OFFICE" terminal key W1)
KEY2=$("$OFFICE" terminal key POS2)
trap '[ -z "$SERVE" ] || kill -9 "$SERVE" 2>/dev/null || true' EXIT
# req CODE KEY BODY: POST /v1/events as CODE; the answer's body in $TMPDIR/req.out
req() {
    python3 tests/tools/termreq.py "127.0.0.1:$PORT" "$1" "$2" POST /v1/events "$3" \
        >"$TMPDIR/req" || fail "termreq: $(cat "$TMPDIR/req")"
    [ "$(head -1 "$TMPDIR/req")" = 200 ] || fail "status: $(cat "$TMPDIR/req")"
    sed -n 2p "$TMPDIR/req" >"$TMPDIR/req.out"
}
ans() { jq -r "$1" "$TMPDIR/req.out"; }

# publish, held just after it read its list (strace delays its mkdir of
# --out by 4 s); a lunch of 30 November comes in meanwhile
start_serve
strace -f -qq -o /dev/null -e trace=mkdir,mkdirat -e inject=mkdir,mkdirat:delay_enter=4000000 \
    "$OFFICE" publish redblack --month 2026-11 --out "$TMPDIR/pub" >"$TMPDIR/p1" 2>&1 &
PUB=$!
i=0
# the syscall publish is in: mkdir (83) or mkdirat (258) on x86-64
until grep -qE '^(83|258) ' "/proc/$(pgrep -P "$PUB" | head -1)/syscall" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 1000 ] || fail "publish did not get to its files: $(cat "$TMPDIR/p1")"
    sleep 0.01
done
req POS2 "$KEY2" '{"events":[
  {"seq":1,"kind":"charge","at":"2026-11-30T12:00:00","offline":true,"card":"4"}],"pending":0}'
[ "$(ans '.answers[0].ok')" = true ] || fail "the lunch before the publication: $(cat "$TMPDIR/req.out")"
kill_serve
if wait "$PUB"; then fail "published with a list made before a lunch of the month: $(cat "$TMPDIR/p1")"; fi
grep -q "records of 2026-11 came in while its list was made .*nothing was recorded; publish again" \
    "$TMPDIR/p1" || fail "publish said: $(cat "$TMPDIR/p1")"
[ "$(sql "SELECT count(*) FROM publications")" = 0 ] || fail "a publication was recorded"
[ -z "$(ls "$TMPDIR/pub")" ] || fail "files left: $(ls "$TMPDIR/pub")"
"$OFFICE" publish redblack --month 2026-11 --out "$TMPDIR/pub" >/dev/null || fail "publish"
"$OFFICE" metrics --month 2026-11 --csv >"$TMPDIR/before.csv" || fail "metrics"

export CLEANPLATE_NOW=2026-12-03T09:00:00
start_serve
# lunches served offline on 30 November (published) and on 1 December
req POS1 "$KEY" '{"events":[
  {"seq":1,"kind":"charge","at":"2026-11-30T12:01:00","offline":true,"card":"1"},
  {"seq":2,"kind":"charge","at":"2026-11-30T12:02:00","offline":true,"card":"2"},
  {"seq":3,"kind":"charge","at":"2026-12-01T12:03:00","offline":true,"card":"3"}],"pending":0}'
[ "$(ans '[.answers[] | .error // "ok"] | join(" ")')" = "month_published month_published ok" ] ||
    fail "answers: $(cat "$TMPDIR/req.out")"
ans '.answers[0].message' | grep -q "2026-11-30.*published.*by hand" ||
    fail "the refusal does not say what to do: $(ans '.answers[0].message')"
[ "$(sql "SELECT count(*) FROM sales WHERE business_date = '2026-11-30' AND terminal = 'POS1'")" = 0 ] ||
    fail "a meal was posted into the published month"
[ "$(sql "SELECT business_date FROM sales WHERE request_id = 'POS1/3'")" = 2026-12-01 ] ||
    fail "the December meal: $(sql "SELECT * FROM sales WHERE request_id = 'POS1/3'")"
# the office is told, once per meal
"$OFFICE" terminals --json >"$TMPDIR/terms.json"
[ "$(jq '[.[] | select(.code == "POS1") | .alarms.latest[]? | select(.kind == "served_but_refused")] | length' \
    "$TMPDIR/terms.json")" = 2 ] || fail "alarms: $(cat "$TMPDIR/terms.json")"
# sent again: the same answer, no second alarm
req POS1 "$KEY" '{"events":[
  {"seq":1,"kind":"charge","at":"2026-11-30T12:01:00","offline":true,"card":"1"}],"pending":0}'
[ "$(ans '.answers[0].error')" = month_published ] || fail "again: $(cat "$TMPDIR/req.out")"
[ "$(sql "SELECT count(*) FROM terminal_alarms WHERE kind = 'served_but_refused'")" = 2 ] ||
    fail "$(sql "SELECT count(*) FROM terminal_alarms WHERE kind = 'served_but_refused'") alarms"

# trays weighed offline on 30 November: posted today
req W1 "$WKEY" '{"events":[
  {"seq":1,"kind":"weighing","at":"2026-11-30T12:30:00","offline":true,"stage":"plate","card":"1","gross_g":700,"tare_g":300},
  {"seq":2,"kind":"weighing","at":"2026-11-30T12:31:00","offline":true,"stage":"prep","category":"蔬菜","reason":"trim","gross_g":900}],"pending":0}'
[ "$(ans '[.answers[] | .ok | tostring] | join(" ")')" = "true true" ] ||
    fail "weighings: $(cat "$TMPDIR/req.out")"
[ "$(sql "SELECT count(*) FROM waste_records WHERE business_date = '2026-11-30'")" = 0 ] &&
    [ "$(sql "SELECT count(*) FROM waste_records WHERE business_date = '2026-12-03'")" = 2 ] ||
    fail "the weighings: $(sql "SELECT placement, business_date FROM waste_records WHERE business_date >= '2026-11-30'")"
kill_serve

"$OFFICE" metrics --month 2026-11 --csv >"$TMPDIR/after.csv" || fail "metrics"
cmp -s "$TMPDIR/before.csv" "$TMPDIR/after.csv" ||
    fail "the published month changed: $(diff "$TMPDIR/before.csv" "$TMPDIR/after.csv" | head -5)"
"$OFFICE" verify --out "$TMPDIR/pub" >/dev/null || fail "verify: $("$OFFICE" verify 2>&1 | tail -3)"
echo "term_published: ok"
