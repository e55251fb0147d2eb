# The full-screen terminal driven for real in tmux, as a cashier uses it: log in, open the
# shift, taps through the keyboard reader (a fast burst and Enter), a blocked card in red,
# items with a cancelled line, a void with a manager PIN (and the lockout), a reprint, the Z report.
. tests/integration/lib.sh

setup_canteen 5
as_manager topup S0001 50 >/dev/null
as_manager topup S0002 50 >/dev/null
"$OFFICE" card block 0000000003 >/dev/null
"$OFFICE" item set --canteen C1 BUN 包子 1.5 >/dev/null
"$OFFICE" item set --canteen C1 --per-100g VEG 称重素菜 2.5 >/dev/null
add_user li cashier 1357
add_user wang manager 246802
add_user zhang manager 135792

tmux_start tui
trap '$T kill-server 2>/dev/null || true' EXIT
# A card reader left as a keyboard: the digits and Enter in one burst.
tap() { $T send-keys -t pos "$1" Enter; }
sql() { sqlite3 "$CLEANPLATE_DB" "$1"; }

$T new-session -d -s pos -x 80 -y 24 \
    "env LANG=C.UTF-8 TERM=xterm-256color CLEANPLATE_DB=$CLEANPLATE_DB CLEANPLATE_NOW=$CLEANPLATE_NOW \
     $POS --terminal POS1 --printer file:$TMPDIR/receipts.bin 2>$TMPDIR/stderr; echo EXITED \$?; sleep 60"
wait_for "Cashier name"
wait_for "机关一食堂 · POS1"
wait_for "lunch 11:00-13:30"
wait_for "staff 8.00"

# a tap before anyone logs in charges nothing
tap 0000000001
wait_for "NOT charged: no cashier is logged in"
[ "$(sql "SELECT count(*) FROM sales")" = 0 ] || fail "a tap was charged before login"

# a wrong PIN says so, the right one logs in and asks for the cash count; a
# diner's card tapped while the cashier is at the PIN is no wrong PIN (three
# of them locked the cashier out everywhere)
type_in li
tap 0000000001
wait_for "a card was read and NOT charged: no cashier is logged in"
[ "$(sql "SELECT count(*) FROM pin_failures WHERE name = 'li'")" = 0 ] || fail "a card counted as a wrong PIN"
type_in 9999
wait_for "wrong name or PIN (1 of 3 tries)"
type_in 1357
wait_for "Open the shift"
wait_for "cashier li"
type_in 200
wait_for "Tap a card"
wait_for "shift POS1-000001 opened with 200.00 yuan"
[ "$(sql "SELECT count(*) FROM shift_events WHERE kind = 'open' AND counted_cash_fen = 20000")" = 1 ] ||
    fail "no shift open row"

# a tap: name, department, how it was paid, balances, meals today; the terminal
# shows how long the answer took (the < 100 ms target is checked by make bench,
# not here: a busy test machine must not fail a correct terminal)
tap 0000000001
wait_for "职工1  S0001  财务处"
wait_for "paid 8.00: subsidy 0.00 + cash 8.00"
wait_for "left: subsidy 0.00  cash 42.00   meals today 1"
wait_for "sale POS1-000002 lunch  receipt printed"
wait_for "ms after the reader's last key"
ms=$(screen | sed -n "s/.*on screen \([0-9]*\) ms after the reader's last key.*/\1/p")
[ -n "$ms" ] || fail "the terminal did not show how long the tap took: $(screen)"
echo "tap to screen: $ms ms (keyboard reader, measured by the terminal)"

# a blocked card: a large red reason and what to do
tap 0000000003
wait_for "CARD BLOCKED"
wait_for "keep the card and send the diner to the"
$T capture-pane -p -e -t pos | grep 'CARD BLOCKED' | grep -q '\[41m' ||
    fail "the refusal is not on red: $($T capture-pane -p -e -t pos | grep 'CARD BLOCKED' | cat -v)"

# items: 2 buns, 350 g by weight, one more bun cancelled, then the card; a
# card before any item, or while an item's grams are asked for, charges
# nothing (it charged the lunch the screen did not show, or left the item out);
# several portions by weight are each weighed
key i
wait_for "A-la-carte items"
tap 0000000002
wait_for "NOT charged: no items on this sale"
type_in "3*VEG"
wait_for "is sold by weight: add each portion on its own"
type_in "2*BUN"
type_in VEG
wait_for "type the grams and Enter"
tap 0000000002
wait_for "NOT charged: type the grams of 称重素菜 first"
[ "$(sql "SELECT count(*) FROM sales WHERE card_no = '0000000002'")" = 0 ] || fail "an items screen tap charged"
type_in 350
type_in BUN
wait_for "3 lines   TOTAL 13.25"
key DC
wait_for "line 包子 cancelled"
wait_for "2 lines   TOTAL 11.75"
screen | grep -q "称重素菜 *350 g *8.75" || fail "weighed line: $(screen)"
tap 0000000002
wait_for "paid 11.75: subsidy 0.00 + cash 11.75"
wait_for "sale POS1-000003"
[ "$(sql "SELECT group_concat(item_code || 'x' || quantity, ' ') FROM sale_lines WHERE sale_id = 'POS1-000003'")" = "BUNx2 VEGx350" ] ||
    fail "sale lines: $(sql "SELECT * FROM sale_lines")"

# void the last sale: wrong manager PINs are refused, counted and audited; three in a
# row lock that manager (the void screen had no lockout) here and in the office, even
# with the right PIN; a cashier's own PIN is no manager's; then wang voids
key v
wait_for "Void a sale"
wait_for "POS1-000003"
wait_for "职工2 S0002, lunch 11.75 yuan"
# a number typed replaces the one offered (review U5: 9 after POS1-000003
# made POS1-0000039); one not found clears the field for the next
key 9
key Enter
wait_for "POS1-000009"
wait_for "type the number printed on the receipt"
# ... and the field is masked from then on: a name and a PIN typed there by
# a manager who did not look show nowhere (review K3)
type_in zhang
wait_for "no sale with that number: type the number printed on the receipt"
type_in 246802
! screen | grep -q -e "zhang" -e "246802" || fail "typed after a number not found, shown: $(screen)"
type_in 3
wait_for "职工2 S0002, lunch 11.75 yuan"
type_in zhang
for n in 1 2 3; do
    type_in "99999$n"
    type_in ""
    [ $n = 3 ] || wait_for "void refused: wrong manager name or PIN ($n of 3 tries)"
    key Enter
done
wait_for "void refused: wrong PIN 3 times, zhang is locked for 60 s (recorded)"
type_in 135792
type_in ""
wait_for "void refused: zhang is locked for 60 s more after wrong PINs"
[ "$(sql "SELECT count(*) FROM voids")" = 0 ] || fail "voided with a wrong PIN"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.failed' AND subject = 'zhang' AND terminal = 'POS1' AND actor = 'li'")" = 3 ] ||
    fail "wrong void PINs not audited: $(sql "SELECT action, actor, subject, detail FROM audit")"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.locked' AND subject = 'zhang'")" = 1 ] || fail "lock not audited"
[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.refused' AND subject = 'zhang'")" = 1 ] || fail "refused void not audited"
[ "$(sql "SELECT failures FROM pin_failures WHERE name = 'zhang'")" = 3 ] || fail "failures not kept"
must_fail "'zhang' is locked" sh -c "echo 135792 | '$OFFICE' void POS1-000003 --manager zhang"
key BSpace BSpace BSpace BSpace BSpace
type_in li
type_in 1357
type_in ""
wait_for "void refused: li is a cashier, not a manager"
key BSpace BSpace
type_in wang
type_in 246802
type_in "wrong tray"
wait_for "sale POS1-000003 voided by wang"
[ "$(sql "SELECT actor || ' ' || reason FROM voids WHERE sale_id = 'POS1-000003'")" = "wang wrong tray" ] ||
    fail "void row: $(sql "SELECT * FROM voids")"

# reprint the sale: marked as a copy
key r
wait_for "Reprint a receipt"
type_in 2
wait_for "receipt POS1-000002 printed again"

# close the shift: the Z report on screen and on paper; the next shift starts at zero
key z
wait_for "Close the shift"
type_in ""
wait_for "type the cash counted in the drawer"
[ "$(sql "SELECT count(*) FROM shift_events WHERE kind = 'close'")" = 0 ] || fail "an empty count closed the shift"
type_in 180.5
wait_for "Z REPORT  shift POS1-000001 / POS1-000005"
wait_for "lunch        items             1        11.75"
wait_for "lunch        staff             1         8.00"
wait_for "sales 2  19.75     voids 1  11.75"
wait_for "NET 8.00"
wait_for "drawer: 200.00 at the open, 180.50 at the close"
[ "$(sql "SELECT json_extract(report, '\$.net_fen') FROM shift_events WHERE kind = 'close'")" = 800 ] ||
    fail "close row: $(sql "SELECT * FROM shift_events")"
key Enter
wait_for "Cash in the drawer (yuan)"
type_in 0
wait_for "Tap a card"
wait_for "shift POS1-000006"

# log out, quit
key l
wait_for "li logged out"
key C-q
wait_for "EXITED 0"
[ ! -s "$TMPDIR/stderr" ] || fail "stderr: $(cat "$TMPDIR/stderr")"

# what went to the printer: the sales, the void, the copy, the Z report, in the
# terminal's language (English here; tui_chinese.sh prints them in Chinese)
"$POS" --print-preview "$TMPDIR/receipts.bin" >"$TMPDIR/paper.txt"
for want in "Sale: POS1-000002" "Sale: POS1-000003" "VOID RECEIPT" "Voided sale: POS1-000003" \
    "Approved by: wang" "** COPY **" "SHIFT Z REPORT" "Shift: POS1-000001 / POS1-000005" \
    "Time: 2026-11-20 12:00" "  staff" "[B]lunch"; do
    grep -qF -- "$want" "$TMPDIR/paper.txt" || fail "paper lacks '$want': $(cat "$TMPDIR/paper.txt")"
done
"$OFFICE" verify >/dev/null || fail "verify after the shift"
echo "tui_cashier ok"
