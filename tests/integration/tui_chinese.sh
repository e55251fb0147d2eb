# The terminals in Chinese, driven in tmux as staff use them, with LANG=zh_CN.UTF-8 on a
# machine that need not have that locale (then the programs use C.UTF-8 with the Chinese
# catalog and say so once): the cashier's terminal (login, open shift, tap, items, void,
# Z report) and the waste station (plate and kitchen mode) at 80x24 and 100x30, reading
# Chinese back: display names for the codes, ¥ and 2026年11月20日, no English left on the
# screen, nothing cut ("…") or drawn as '?'. The receipts come out in Chinese, in
# GB18030, with the category names. The same terminal under LANG=C speaks English.
. tests/integration/lib.sh

setup_canteen 6
for s in S0001 S0002 S0004 S0005; do as_manager topup "$s" 50 >/dev/null; done
"$OFFICE" card block 0000000003 >/dev/null
"$OFFICE" item set --canteen C1 BUN 包子 1.5 >/dev/null
"$OFFICE" item set --canteen C1 --per-100g VEG 称重素菜 2.5 >/dev/null
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
"$OFFICE" terminal add W2 --canteen C1 --kind waste >/dev/null
add_user li cashier 1357
add_user wang manager 246802

tmux_start zh
trap 'exec 4>&- 2>/dev/null; $T kill-server 2>/dev/null || true; [ -z "${sim:-}" ] || kill "$sim" 2>/dev/null || true' EXIT
tap() { $T send-keys -t "$S" "$1" Enter; }
sql() { sqlite3 "$CLEANPLATE_DB" "$1"; }
# The screen holds no English beyond what stays as it is (keys, codes, names typed
# in, the scale's port, the audit head's hex digits), nothing cut short with "…" and
# no character drawn as '?'.
ALLOWED=" Esc Ctrl Del Tab CleanPlate POS BUN VEG file bin toledo cont "
all_chinese() {
    screen | grep -vF "$TMPDIR" | sed 's/[0-9a-f]\{64\}//' >"$TMPDIR/screen"
    for w in $(grep -o '[A-Za-z]\{3,\}' "$TMPDIR/screen" | sort -u); do
        case "$ALLOWED" in *" $w "*) ;; *) fail "English '$w' on the screen ($1):
$(cat "$TMPDIR/screen")" ;; esac
    done
    ! grep -qF '…' "$TMPDIR/screen" || fail "text cut short on the screen ($1):
$(cat "$TMPDIR/screen")"
    ! grep -qF '?' "$TMPDIR/screen" || fail "a character drawn as '?' ($1):
$(cat "$TMPDIR/screen")"
}
# The line of the screen that holds $1.
line_of() { screen | grep -F -- "$1" | head -n 1; }
ZH="env LANG=zh_CN.UTF-8 TERM=xterm-256color CLEANPLATE_DB=$CLEANPLATE_DB CLEANPLATE_NOW=$CLEANPLATE_NOW"

# pos_flow COLUMNS LINES TERMINAL MEAL_CARD ITEMS_CARD: the whole shift of a cashier.
pos_flow() {
    S=pos$1
    n=$3
    $T new-session -d -s "$S" -x "$1" -y "$2" -c "$TMPDIR" \
        "$ZH $POS --terminal POS$n --printer file:r$n.bin 2>err$n; echo EXITED \$?; sleep 60"
    wait_for "收银员姓名"
    wait_for "机关一食堂 · POS$n"
    wait_for "未登录  2026年11月20日 12:00"
    wait_for "午餐 11:00-13:30   在编职工 ¥8.00"
    all_chinese "login, $1x$2"

    type_in li
    type_in 9999
    wait_for "姓名或密码错误（第 1 次，共 3 次）：请重新输入"
    type_in 1357
    wait_for "开班"
    wait_for "钱箱现金（元）"
    line_of "收银员 li" | grep -qF "机关一食堂 · POS$n" || fail "the header is not one line: $(screen)"
    type_in 200
    wait_for "请刷卡"
    wait_for "班次 POS$n-000001 已开班，钱箱现金 200.00 元"
    wait_for " F2/I 单点  F3/V 撤销  F4/R 补打  F5/Z 交班  F10/L 退出"
    all_chinese "idle, $1x$2"

    # a tap: the amount, the name, how it was paid, the balances
    tap "$4"
    wait_for "实付 ¥8.00：补贴 ¥0.00 + 现金 ¥8.00"
    wait_for "余额：补贴 ¥0.00  现金 ¥42.00   今日就餐 1 次"
    wait_for "单号 POS$n-000002 午餐  小票已打印"
    wait_for "读卡器最后一个按键后"
    all_chinese "charged, $1x$2"
    # a blocked card: the reason in red, in Chinese
    tap 0000000003
    wait_for "卡已停用"
    wait_for "请收下此卡，让就餐人员到办公室"
    all_chinese "refused, $1x$2"

    # items: two buns, 350 g by weight, a bun cancelled, then the card
    key i
    wait_for "单点菜品"
    wait_for "菜品代码（多份：份数*代码）"
    type_in "2*BUN"
    type_in VEG
    wait_for "称重素菜 按重量计价：请输入克数并回车"
    type_in 350
    type_in BUN
    wait_for "3 行   合计 ¥13.25   刷卡结算"
    key DC
    wait_for "已取消 包子 这一行"
    wait_for "2 行   合计 ¥11.75   刷卡结算"
    screen | grep -q "称重素菜 *350 g *¥8.75" || fail "weighed line: $(screen)"
    all_chinese "items, $1x$2"
    tap "$5"
    wait_for "实付 ¥11.75：补贴 ¥0.00 + 现金 ¥11.75"
    wait_for "单号 POS$n-000003 午餐"

    # void the last sale with the manager's PIN
    key v
    wait_for "撤销消费"
    wait_for "单号"
    wait_for "，午餐 11.75 元，12:00"
    wait_for "主管姓名"
    all_chinese "void, $1x$2"
    key Enter
    type_in wang
    type_in 246802
    type_in "拿错餐盘"
    wait_for "消费 POS$n-000003 已由 wang 撤销"
    [ "$(sql "SELECT reason FROM voids WHERE sale_id = 'POS$n-000003'")" = "拿错餐盘" ] || fail "void row"

    # the Z report: the rows by meal period and category, by their names
    key z
    wait_for "交班（Z 报表）"
    type_in 180.5
    wait_for "Z 报表  班次 POS$n-000001 / POS$n-000005"
    screen | grep -q "午餐 *单点 *1 *¥11.75" || fail "Z row of items: $(screen)"
    screen | grep -q "午餐 *在编职工 *1 *¥8.00" || fail "Z row of staff: $(screen)"
    wait_for "销售 2 笔  ¥19.75     撤销 1 笔  ¥11.75"
    wait_for "净额 ¥8.00"
    wait_for "钱箱：开班 ¥200.00，交班 ¥180.50"
    all_chinese "Z report, $1x$2"
    key l
    wait_for "li 已退出；班次保持开着"
    key C-q
    wait_for "EXITED 0"
    # said once on stderr when the zh_CN locale is missing, else nothing
    if locale -a 2>/dev/null | grep -qi '^zh_CN.utf-\?8$'; then
        [ ! -s "$TMPDIR/err$n" ] || fail "stderr: $(cat "$TMPDIR/err$n")"
    else
        [ "$(wc -l <"$TMPDIR/err$n")" -eq 1 ] && grep -q 'C.UTF-8' "$TMPDIR/err$n" ||
            fail "the fallback is not said once: $(cat "$TMPDIR/err$n")"
    fi
    $T kill-session -t "$S"

    # the paper: Chinese labels, the names, ¥, the date, in GB18030
    "$POS" --print-preview "$TMPDIR/r$n.bin" >"$TMPDIR/paper$n.txt"
    for want in "消费凭条" "单号: POS$n-000002" "时间: 2026年11月20日 12:00" "午餐" "合计" \
        "￥8.00" "撤销凭条" "原单号: POS$n-000003" "授权: wang" "原因: 拿错餐盘" "交班报表 (Z)" \
        "班次: POS$n-000001 / POS$n-000005" "[B]午餐" "  在编职工" "  单点" "净额"; do
        grep -qF -- "$want" "$TMPDIR/paper$n.txt" || fail "paper lacks '$want': $(cat "$TMPDIR/paper$n.txt")"
    done
    ! grep -q 'lunch\|staff\|items' "$TMPDIR/paper$n.txt" || fail "codes on paper: $(cat "$TMPDIR/paper$n.txt")"
    # 在编职工 in GB18030 (D4DA B1E0 D6B0 B9A4), no UTF-8 on the wire
    LC_ALL=C grep -q "$(printf '\324\332\261\340\326\260\271\244')" "$TMPDIR/r$n.bin" ||
        fail "the category name is not GB18030 on paper"
    ! LC_ALL=C grep -q "$(printf '在编')" "$TMPDIR/r$n.bin" || fail "UTF-8 reached the printer"
}

# the canteen names its staff category itself; lunch keeps the built-in 午餐
"$OFFICE" category set staff 在编职工 >/dev/null
pos_flow 80 24 1 0000000001 0000000002
"$OFFICE" category set staff "" >/dev/null
wait_cleared=$(LANG=zh_CN.UTF-8 "$OFFICE" category list 2>/dev/null | grep '^staff')
echo "$wait_cleared" | grep -q '职工' || fail "category list: $wait_cleared"
"$OFFICE" category set staff 在编职工 >/dev/null
pos_flow 100 30 2 0000000004 0000000005

# the same terminal under LANG=C: English
S=en
$T new-session -d -s $S -x 80 -y 24 \
    "env LANG=C TERM=xterm-256color CLEANPLATE_DB=$CLEANPLATE_DB CLEANPLATE_NOW=$CLEANPLATE_NOW $POS --terminal POS3; sleep 60"
wait_for "Cashier name"
wait_for "not logged in  2026-11-20 12:00"
wait_for "Enter: next / log in   Esc: clear   Ctrl-Q: quit"
screen | grep -q '收银员\|登录' && fail "Chinese under LANG=C: $(screen)"
$T kill-session -t $S

# the waste station, plate and kitchen mode: the scale is driven from here (sim --script -)
mkfifo "$TMPDIR/scale.cmd"
# scale_sim: a simulated scale at $TMPDIR/scale (pid $sim), driven by lines on fd 4
scale_sim() {
    rm -f "$TMPDIR/scale"
    "$SCALE" sim --protocol toledo-cont --script - --link "$TMPDIR/scale" --noise 0 \
        <"$TMPDIR/scale.cmd" >/dev/null 2>"$TMPDIR/sim.err" &
    sim=$!
    exec 4>"$TMPDIR/scale.cmd"
    i=0; while [ ! -e "$TMPDIR/scale" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -e "$TMPDIR/scale" ] || fail "the simulator made no pty: $(cat "$TMPDIR/sim.err")"
}
station_flow() {
    S=st$1
    scale_sim
    $T new-session -d -s "$S" -x "$1" -y "$2" "$ZH $SCALE station --terminal W$3 --port $TMPDIR/scale \
        --protocol toledo-cont --tray-tare-g 300 --reader keyboard 2>$TMPDIR/st.err; sleep 60"
    wait_for "CleanPlate 称重站 W$3 — 餐盘（回收处）模式"
    wait_for "请刷卡，再把餐盘放到秤上"
    wait_for " m 切换模式   t 去皮   z 清零   F10 退出"
    all_chinese "station, $1x$2"
    # plate mode: a card, then the tray
    tap "$4"
    wait_for "请把餐盘放到秤上"
    echo "place 355" >&4
    wait_for "上一次：55 g  职工"
    wait_for "今日光盘率"
    all_chinese "tray weighed, $1x$2"
    echo "remove" >&4
    # kitchen mode: stage, category, reason and container by number, weigh, Enter
    key m
    wait_for "厨房模式：请按数字键选择环节"
    wait_for "1 备餐损耗   2 剩余   3 变质"
    all_chinese "kitchen, $1x$2"
    key 2
    wait_for "环节：剩余"
    wait_for "1 主食"
    key 1
    wait_for "类别：主食"
    key 2
    wait_for "原因：卖剩"
    key 2
    wait_for "容器：大桶"
    wait_for "请把容器放到秤上"
    echo "place 4500" >&4
    wait_for "回车：记录这个重量"
    all_chinese "kitchen weighing, $1x$2"
    key Enter
    wait_for "上一次：3.000 kg  剩余 · 主食"
    [ "$(sql "SELECT stage || ' ' || category || ' ' || net_g FROM waste_records WHERE terminal = 'W$3' AND stage <> 'plate'")" = "overproduction 主食 3000" ] ||
        fail "kitchen record: $(sql "SELECT * FROM waste_records WHERE terminal = 'W$3'")"
    echo "quit" >&4
    exec 4>&-
    wait "$sim" 2>/dev/null || true
    sim=
    $T kill-session -t "$S"
}
station_flow 80 24 1 0000000001
station_flow 100 30 2 0000000004

# a station of the canteen server (--server) says what one on the store says:
# the diner's name, today's clean-plate rate of the department (it said "0%
# (0 / 0 trays)" after every tray) and a tray without a meal flagged; the server
# gone, a card's tray is saved as that card's, not as an anonymous one
"$OFFICE" terminal add W3 --canteen C1 --kind waste >/dev/null
KEY=$("$OFFICE" terminal key W3)
echo 0000000005 | "$POS" --headless --terminal POS2 | grep -q '"ok":true' || fail "S0005's lunch"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$OFFICE" serve --listen "127.0.0.1:$PORT" 2>"$TMPDIR/serve.log" &
SERVE=$!
i=0; until grep -q "listening on" "$TMPDIR/serve.log"; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "serve did not start: $(cat "$TMPDIR/serve.log")"; sleep 0.05; done
S=st3
scale_sim
$T new-session -d -s "$S" -x 80 -y 24 "$ZH $SCALE station --terminal W3 --port $TMPDIR/scale \
    --protocol toledo-cont --tray-tare-g 300 --reader keyboard --server http://127.0.0.1:$PORT \
    --key $KEY --journal $TMPDIR/w3.journal 2>$TMPDIR/st3.err; sleep 60"
wait_for "请刷卡，再把餐盘放到秤上"
tap 0000000005
wait_for "请把餐盘放到秤上"
echo "place 305" >&4
wait_for "上一次：5 g  职工5"
wait_for "今日光盘率"
line_of "今日光盘率" | grep -q '人事处今日光盘率：100%（1 / 1 盘）' ||
    fail "the rate through the server: $(screen)"
all_chinese "station through the server"
echo "remove" >&4
wait_for " 0 g "
tap 0000000006
wait_for "请把餐盘放到秤上"
echo "place 600" >&4
wait_for "上一次：300 g  职工6"
wait_for "本餐次没有找到此卡的就餐记录：已标记"
echo "remove" >&4
wait_for " 0 g "
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true
tap 0000000004
wait_for "请把餐盘放到秤上"
echo "place 900" >&4
wait_for "上一次：600 g  您的餐盘"
! screen | grep -q "匿名餐盘" || fail "a card's tray saved offline shown as anonymous: $(screen)"
echo "quit" >&4
exec 4>&-
wait "$sim" 2>/dev/null || true
sim=
$T kill-session -t "$S"
echo "tui_chinese ok"
