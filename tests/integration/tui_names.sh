# Long names on the screens, in tmux at 80 columns: the cashier's terminal and
# the waste station show a name of 64 Chinese characters (128 columns) cut by
# display width with "…", never inside a character and never spilling onto
# the next line, and the staff number and the department still beside it; a
# name with combining accents and Arabic shows whole.
. tests/integration/lib.sh

setup_canteen 3
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
long=$(python3 -c 'print("张" * 64)')
dept=$(python3 -c 'print("市人力资源和社会保障局职业能力建设处" * 3)')
mixed=$(python3 -c 'print("Zoe\u0301 محمد")')
printf 'code,name,parent_code\nD09,%s,\n' "$dept" >"$TMPDIR/dep.csv"
printf 'staff_no,name,department_code,category,card\nS0900,%s,D09,staff,0000000900\nS0901,%s,D09,staff,0000000901\n' \
    "$long" "$mixed" >"$TMPDIR/din.csv"
"$OFFICE" import departments "$TMPDIR/dep.csv" >/dev/null
"$OFFICE" import diners "$TMPDIR/din.csv" >/dev/null
as_manager topup S0900 50 >/dev/null
as_manager topup S0901 50 >/dev/null
add_user li cashier 1357

tmux_start names
trap '$T kill-server 2>/dev/null || true; [ -z "${sim:-}" ] || kill "$sim" 2>/dev/null || true' EXIT
tap() { $T send-keys -t "${S:-pos}" "$1" Enter; }
# The screen line holding $1, and the line after it.
line_of() { screen | grep -F -- "$1" | head -n 1; }
line_after() { screen | grep -F -A1 -- "$1" | sed -n 2p; }
ENV="env LANG=C.UTF-8 TERM=xterm-256color CLEANPLATE_DB=$CLEANPLATE_DB CLEANPLATE_NOW=$CLEANPLATE_NOW"

$T new-session -d -s pos -x 80 -y 24 "$ENV $POS --terminal POS1 2>$TMPDIR/stderr; sleep 60"
wait_for "Cashier name"
type_in li
type_in 1357
wait_for "Open the shift"
type_in 0
wait_for "Tap a card"
tap 0000000900
wait_for "S0900"
l=$(line_of S0900)
echo "$l" | grep -qF "张张张张张张张张" || fail "the name is not shown: $(screen)"
echo "$l" | grep -qF "…  S0900  市人力资源" || fail "name not cut with … before the staff number: $l"
line_after S0900 | grep -qF "张" && fail "the name spilled onto the next line: $(screen)"
screen | grep -qF "?" && fail "a character was drawn as '?': $(screen)"
tap 0000000901
wait_for "S0901"
line_of S0901 | grep -qF "$mixed  S0901  市人力资源" || fail "a mixed name is not whole: $(screen)"

# the waste station: the same diner's tray, a card typed by a keyboard reader
printf 'wait 2500\nplace 355\nwait 6000\nremove\nwait 30000\n' >"$TMPDIR/tray.sim"
"$SCALE" sim --protocol toledo-cont --script "$TMPDIR/tray.sim" --link "$TMPDIR/scale" --noise 0 \
    >/dev/null 2>"$TMPDIR/sim.err" &
sim=$!
i=0; while [ ! -e "$TMPDIR/scale" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$TMPDIR/scale" ] || fail "the simulator made no pty: $(cat "$TMPDIR/sim.err")"
$T new-session -d -s st -x 80 -y 24 "$ENV $SCALE station --terminal W1 --port $TMPDIR/scale \
    --protocol toledo-cont --tray-tare-g 300 --reader keyboard 2>$TMPDIR/st.err; sleep 60"
S=st
wait_for "waste station W1"
tap 0000000900
wait_for "last: 55 g"
l=$(line_of "last: 55 g")
echo "$l" | grep -qF "last: 55 g  张张张张" || fail "the tray's name is not shown: $l"
echo "$l" | grep -qF "… · 市人力资源" || fail "name not cut with … before the department: $l"
line_after "last: 55 g" | grep -qF "张" && fail "the name spilled onto the next line: $(screen)"
screen | grep -qF "?" && fail "a character was drawn as '?': $(screen)"

# the header of a canteen with a long name and five prices: the name is cut, not
# the terminal's code after it (the cashier's part hid it), and every price
# shows (the period's hours give way)
"$OFFICE" canteen add C9 "市机关事务管理局第一职工食堂东区分部第二餐厅北楼" >/dev/null
"$OFFICE" terminal add POS9 --canteen C9 --kind pos >/dev/null
"$OFFICE" period set --canteen C9 lunch 11:00-13:30 >/dev/null
for c in retiree staff intern guest visitor; do
    as_manager price set --canteen C9 --period lunch --category "$c" 12.5 >/dev/null
done
S=pos9
$T new-session -d -s pos9 -x 80 -y 24 "$ENV $POS --terminal POS9 2>$TMPDIR/stderr9; sleep 60"
wait_for "Cashier name"
type_in li
type_in 1357
wait_for "cashier li"
screen | sed -n 1p | grep -q "… · POS9 .*cashier li" || fail "the header: $(screen | sed -n 1p)"
screen | sed -n 2p | grep -q "visitor 12.50 *$" || fail "a price cut off: $(screen | sed -n 2p)"
echo "tui_names ok"
