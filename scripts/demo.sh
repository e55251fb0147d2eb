#!/bin/sh
# make demo: a month end from nothing. Two canteens, 30 departments and 1,500
# diners; every meal of October 2026 goes through the real headless terminal
# (cleanplate-pos, clock set per tap) and every tray and kitchen bin through the
# real waste station (cleanplate-scale station) reading a simulated scale
# (cleanplate-scale sim --fast, whose frame count is the station's clock); the
# terminals and the stations talk to the canteen server (cleanplate-office
# serve on loopback) with their keys and journals, and POS2 loses it for a
# quarter of an hour of one lunch (charges answered offline, replayed after);
# then the red/black list is published and the monthly report written.
# Everything goes to demo-out/, made anew on each run.
# With pg (make demo STORE=pg, under tests/with-pg.sh) the same month runs on
# PostgreSQL, in the schema cleanplate_demo of $CLEANPLATE_TEST_PG's server (a
# throw-away one), into demo-out-pg/; when demo-out/ holds a SQLite run of the
# same programs, the metrics and the published CSV must be the same bytes.
# Usage: scripts/demo.sh BUILD_DIR [sqlite|pg]
set -eu
build=$(cd "${1:-build}" && pwd)
store=${2:-sqlite}
OFFICE="$build/cleanplate-office"
POS="$build/cleanplate-pos"
SCALE="$build/cleanplate-scale"
. scripts/store.sh
case $store in
sqlite) out=$(pwd)/demo-out ;;
pg)
    out=$(pwd)/demo-out-pg
    [ -n "${CLEANPLATE_TEST_PG:-}" ] || {
        echo "demo: no PostgreSQL server: run make demo STORE=pg (it starts one), or set" \
            "CLEANPLATE_TEST_PG to a server of yours" >&2
        exit 1
    } ;;
*)
    echo "usage: scripts/demo.sh BUILD_DIR [sqlite|pg]" >&2
    exit 2 ;;
esac
rm -rf "$out"
mkdir -p "$out/replay" "$out/published"
log="$out/demo.log"
if [ "$store" = pg ]; then
    psql -X -q -d "$CLEANPLATE_TEST_PG" -c "DROP SCHEMA IF EXISTS cleanplate_demo CASCADE" \
        -c "CREATE SCHEMA cleanplate_demo" >>"$log" 2>&1
    CLEANPLATE_DB=$(store_schema_target "$CLEANPLATE_TEST_PG" cleanplate_demo)
else
    CLEANPLATE_DB="$out/canteen.db"
fi
export CLEANPLATE_DB
# q SQL: the rows of a query on the store, columns separated by a blank
q() { store_sql "$CLEANPLATE_DB" ' ' "$1"; }
export CLEANPLATE_USER=demo-manager
export CLEANPLATE_NOW=2026-09-30T17:00:00
MONTH=2026-10
# Weekdays of October 2026 after the National Day holiday (1-7 October).
DAYS="08 09 12 13 14 15 16 19 20 21 22 23 26 27 28 29 30"
started=$(date +%s)

pids=""
serve_A="" serve_B=""
cleanup() {
    for p in $pids $serve_A $serve_B ${pos_POS1:-} ${pos_POS2:-} ${pos_POS3:-} ${pos_POS4:-}; do
        kill "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM
step() { printf '\n== [%3ss] %s\n' $(($(date +%s) - started)) "$*"; }
fail() { echo "demo: $*; the log is $log" >&2; exit 1; }
# Commands that move money name the manager who authorises them; the PIN comes
# on stdin here (a person types it). PINs of admins and managers have 6 digits.
ADMIN_PIN=135790 MANAGER_PIN=246810
as_manager() { echo $MANAGER_PIN | "$OFFICE" "$@" --manager demo-manager; }

# The canteen server. Each serving line reaches it on a port of its own:
# A for POS1, POS3 and POS4, B for POS2 (stopping B takes POS2 alone offline,
# as when its switch or cable fails), C1 and C2 for the stations of each
# canteen. The server's business clock is fixed (CLEANPLATE_NOW) and charges
# online at its own time, so each instance is started anew with the time of
# the meal or weighing session it serves (at a pause: nothing is in flight).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_A=$(free_port) port_B=$(free_port) port_C1=$(free_port) port_C2=$(free_port)
url() { eval "echo http://127.0.0.1:\$port_$1"; }
# serve_up NAME TIME: serve on port NAME with the business clock at TIME, its
# pid in serve_NAME; the terminals' card FIFOs (fds 3-6) stay closed for it
serve_up() {
    eval "sport=\$port_$1"
    : >"$out/serve-$1.err"
    CLEANPLATE_NOW=$2 "$OFFICE" serve --listen "127.0.0.1:$sport" \
        2>>"$out/serve-$1.err" 3>&- 4>&- 5>&- 6>&- &
    eval "serve_$1=$!"
    i=0
    until grep -q "listening on" "$out/serve-$1.err"; do
        i=$((i + 1))
        [ $i -lt 400 ] || fail "serve on port $sport did not start: $(tail -n 2 "$out/serve-$1.err")"
        sleep 0.02
    done
}
# serve_down NAME: SIGTERM, and it must stop cleanly; its log goes to serve.log
serve_down() {
    eval "spid=\$serve_$1"
    kill -TERM "$spid"
    wait "$spid" || fail "serve on port $1 exited $? on SIGTERM: $(tail -n 2 "$out/serve-$1.err")"
    eval "serve_$1="
    cat "$out/serve-$1.err" >>"$out/serve.log"
    rm -f "$out/serve-$1.err"
}
# pending TERMINAL: the events its journal still holds unsent
pending() {
    sqlite3 -cmd ".timeout 5000" "$out/journals/$1.journal" \
        "SELECT count(*) FROM journal_events WHERE delivered = 0"
}

step "Setting up two canteens (database $CLEANPLATE_DB)"
"$OFFICE" init >>"$log"
# the first user of a new database is its admin (the only one added without a
# manager); the admin adds the manager: stdin has the admin's PIN, then the new one twice
printf '%s\n%s\n' $ADMIN_PIN $ADMIN_PIN | "$OFFICE" user add demo-admin --role admin >>"$log"
printf '%s\n%s\n%s\n' $ADMIN_PIN $MANAGER_PIN $MANAGER_PIN |
    "$OFFICE" user add demo-manager --role manager --manager demo-admin >>"$log"
"$OFFICE" canteen add C1 "市机关第一食堂" >>"$log"
"$OFFICE" canteen add C2 "市政务中心食堂" >>"$log"
for t in POS1:C1:pos POS2:C1:pos W1:C1:waste K1:C1:waste \
         POS3:C2:pos POS4:C2:pos W2:C2:waste K2:C2:waste; do
    IFS=: read -r code canteen kind <<EOF
$t
EOF
    "$OFFICE" terminal add "$code" --canteen "$canteen" --kind "$kind" >>"$log"
done
for c in C1 C2; do
    "$OFFICE" period set --canteen $c breakfast 07:00-09:00 >>"$log"
    "$OFFICE" period set --canteen $c lunch 11:00-13:30 >>"$log"
    "$OFFICE" period set --canteen $c dinner 17:00-19:00 >>"$log"
    for p in breakfast:3:6 lunch:8:15 dinner:6:12; do
        IFS=: read -r period staff guest <<EOF
$p
EOF
        as_manager price set --canteen $c --period "$period" --category staff "$staff" >>"$log"
        as_manager price set --canteen $c --period "$period" --category guest "$guest" >>"$log"
        as_manager price set --canteen $c --period "$period" --category contractor "$guest" >>"$log"
    done
done
as_manager rules set contractor --overdraft 20 >>"$log"
# each terminal's key (terminal key prints it alone); a terminal keeps it in
# its INI file, here it is given with --key
mkdir -p "$out/journals"
for t in POS1 POS2 POS3 POS4 W1 K1 W2 K2; do
    eval "key_$t=\$(\"\$OFFICE\" terminal key $t)"
done
echo "canteens C1 and C2, terminals POS1-POS4, tray stations W1 W2, kitchen stations K1 K2, each with its key"

step "Importing 30 departments and 1,500 diners"
{
    echo "code,name,parent_code"
    echo "GOV,市人民政府,"
    i=1
    for n in 办公室 发展和改革委员会 教育局 科学技术局 工业和信息化局 公安局 民政局 司法局 \
             财政局 人力资源和社会保障局 自然资源和规划局 生态环境局 住房和城乡建设局 交通运输局 \
             水务局 农业农村局 商务局 文化广电旅游局 卫生健康委员会 退役军人事务局 应急管理局 \
             审计局 市场监督管理局 统计局 医疗保障局 城市管理局 林业局 信访局 机关事务管理局 \
             政务服务数据管理局; do
        printf 'D%02d,%s,GOV\n' "$i" "$n"
        i=$((i + 1))
    done
} >"$out/departments.csv"
# Departments D01-D18 eat in C1, D19-D30 in C2. Department sizes vary (10 to 90).
awk 'BEGIN {
    srand(20261001)
    split("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 蒋 蔡 余", sur, " ")
    split("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 华 慧 建国 志强 海燕 丹 平 刚 桂英 玉兰 鹏 辉 玲 雪 婷 斌 宇 浩 凯 晨 欣 佳 俊 文 红 霞 琳 颖 帆 亮 峰 莉", giv, " ")
    print "staff_no,name,department_code,category,card"
    total = 0
    for (d = 1; d <= 30; d++) { size[d] = 10 + int(rand() * 81); total += size[d] }
    n = 0
    for (d = 1; d <= 30 && n < 1500; d++) {
        want = (d == 30) ? 1500 - n : int(size[d] * 1500 / total + 0.5)
        for (k = 0; k < want && n < 1500; k++) {
            n++
            r = rand()
            cat = r < 0.93 ? "staff" : r < 0.98 ? "contractor" : "guest"
            printf "S%04d,%s%s,D%02d,%s,261%07d\n", n, sur[int(rand() * 40) + 1],
                   giv[int(rand() * 50) + 1], d, cat, n * 7
        }
    }
}' >"$out/diners.csv"
"$OFFICE" import departments "$out/departments.csv" >>"$log"
"$OFFICE" import diners "$out/diners.csv"
echo "$(($(wc -l <"$out/diners.csv") - 1)) diners in $(($(wc -l <"$out/departments.csv") - 2)) departments"

step "Money and cards: October subsidy, cash top-ups, lost cards"
as_manager subsidy grant --month $MONTH 200
# the cash the finance office collected, as one file: one manager PIN for all,
# all or nothing (a PIN check costs ~0.3 s: one command each took minutes)
awk -F, 'NR == 1 { print "staff_no,yuan" } NR > 1 && NR % 5 == 0 { print $1 ",100" }' \
    "$out/diners.csv" >"$out/topups.csv"
as_manager import topups "$out/topups.csv"
# Two diners lost their cards and got new ones; two lost cards stay blocked
# (their owners pay at the window) and are tried by whoever found them.
"$OFFICE" card replace S0101 2619990101 >>"$log"
"$OFFICE" card replace S0502 2619990502 >>"$log"
"$OFFICE" card block "$(printf '%010d' $((2610000000 + 903 * 7)))" >>"$log"
"$OFFICE" card block "$(printf '%010d' $((2610000000 + 1304 * 7)))" >>"$log"
echo "cards replaced for S0101, S0502; cards of S0903, S1304 blocked"

step "Writing a month of card taps for four terminals"
# Each weekday a diner has breakfast (35 %), lunch (80 %), dinner (15 %) at the
# canteen of the department, at a random time and one of its two terminals.
# A few taps twice (duplicate), at both terminals (one meal a period), with a
# blocked card or with a card nobody registered.
awk -F, -v days="$DAYS" -v month=$MONTH -v dir="$out" 'BEGIN { srand(7); nd = split(days, day, " ") }
NR > 1 {
    n++; card[n] = $5; dep[n] = substr($3, 2) + 0
    if ($1 == "S0101") card[n] = "2619990101"
    if ($1 == "S0502") card[n] = "2619990502"
    blocked[n] = ($1 == "S0903" || $1 == "S1304")
}
function tap(term, secs, c) {
    printf "%s\t%09d\t@%sT%02d:%02d:%02d %s\n", term, D * 100000 + secs, stamp,
           int(secs / 3600), int(secs / 60) % 60, secs % 60, c > (dir "/taps.tmp")
}
END {
    split("breakfast lunch dinner", pname, " ")
    split("0.35 0.80 0.15", pprob, " ")
    split("25200 39600 61200", pfrom, " ")   # 07:00 11:00 17:00
    split("6600 7200 6600", plen, " ")       # till 08:50 13:00 18:50
    for (D = 1; D <= nd; D++) {
        stamp = month "-" day[D]
        for (i = 1; i <= n; i++) {
            c1 = dep[i] <= 18 ? 1 : 3
            for (p = 1; p <= 3; p++) {
                if (blocked[i] || rand() >= pprob[p] + 0) continue
                t = pfrom[p] + 600 + int(rand() * (plen[p] - 600))
                term = "POS" (c1 + int(rand() * 2))
                tap(term, t, card[i])
                r = rand()
                if (r < 0.004) tap(term, t + 2, card[i])
                else if (r < 0.006) tap("POS" (c1 + (term == "POS" c1 ? 1 : 0)), t + 90, card[i])
            }
        }
        if (D % 6 == 1) tap("POS1", 43200 + D, card[903])
        if (D % 6 == 4) tap("POS3", 44000 + D, card[1304])
        if (D % 5 == 2) tap("POS2", 45000 + D, "0000" int(100000 + rand() * 899999))
    }
}' "$out/diners.csv"
sort -t "$(printf '\t')" -k1,1 -k2,2 "$out/taps.tmp" >"$out/taps.sorted"
rm -f "$out/taps.tmp"
for t in POS1 POS2 POS3 POS4; do
    awk -F'\t' -v t=$t '$1 == t { print $3 }' "$out/taps.sorted" >"$out/taps-$t.txt"
done
rm -f "$out/taps.sorted"
total_taps=$(cat "$out"/taps-POS*.txt | wc -l)
echo "$total_taps taps over $(echo $DAYS | wc -w) weekdays"

step "Serving the month: four cleanplate-pos --headless terminals at once, through the server"
# The four terminals serve each meal at the same time, and the meals one after
# the other: each terminal is handed its taps of one meal (a day's breakfast,
# lunch or dinner) and all four answer them before the next meal is handed
# out. Left to run free, a fast terminal charged the 25th before a slow one
# charged the 20th, and which meals a low balance still paid for changed from
# run to run; this way two runs charge the same meals.
# The lunch when POS2 loses the server (port B stopped), from when to when:
OFF_TERM=POS2 OFF_DAY=$MONTH-21 OFF_FROM=12:05:00 OFF_TO=12:20:00
for t in POS1 POS2 POS3 POS4; do
    # MEAL<TAB>TAP, MEAL being the day and a, b or c (breakfast, lunch, dinner)
    awk '{ h = substr($1, 13, 2) + 0
           print substr($1, 2, 10) (h < 10 ? "a" : h < 15 ? "b" : "c") "\t" $0 }' \
        "$out/taps-$t.txt" >"$out/meals-$t.tmp"
done
# pos_up TERMINAL PORT TIME: the terminal through the server on PORT, its
# clock at TIME, reading cards from a FIFO (opened by the caller), its pid in
# pos_TERMINAL
pos_up() {
    mkfifo "$out/in-$1"
    eval "pkey=\$key_$1"
    CLEANPLATE_NOW=$3 "$POS" --headless --terminal "$1" --cashier "cashier-$1" \
        --server "$(url "$2")" --key "$pkey" --journal "$out/journals/$1.journal" \
        <"$out/in-$1" >>"$out/answers-$1.jsonl" 2>>"$log" &
    eval "pos_$1=$!"
}
for t in POS1:A POS2:B POS3:A POS4:A; do pos_up ${t%:?} ${t#*:} $MONTH-08T07:00:00; done
trap '' PIPE   # a terminal gone: the write fails and says so, instead of a silent end
exec 3>"$out/in-POS1" 4>"$out/in-POS2" 5>"$out/in-POS3" 6>"$out/in-POS4"
rm -f "$out"/in-POS*
# feed MEAL TERMINAL [FROM [TO]]: hands the terminal its taps of the meal
# (those from FROM and before TO, HH:MM:SS, when given); adds them to $sent
feed() {
    n=$(awk -F '\t' -v m="$1" -v from="${3:-}" -v to="${4:-}" '$1 == m {
            hms = substr($2, 13, 8)
            if ((from == "" || hms >= from) && (to == "" || hms < to)) { print $2; n++ } }
        END { print n + 0 > "/dev/stderr" }' "$out/meals-$2.tmp" 2>&1 >&$((2 + ${2#POS}))) ||
        fail "$2 stopped early"
    sent=$((sent + n))
}
# answered: waits until the terminals have answered the $sent taps handed out
answered() {
    while [ "$(cat "$out"/answers-POS*.jsonl | wc -l)" -lt "$sent" ]; do
        for p in $pos_POS1 $pos_POS2 $pos_POS3 $pos_POS4; do
            kill -0 "$p" 2>/dev/null || fail "a terminal stopped early"
        done
        sleep 0.02
    done
}
meals=$(cut -f 1 "$out"/meals-POS*.tmp | sort -u)
# progress: one line kept up to date on a terminal, a line a day in a log
if [ -t 1 ]; then cr=$(printf '\r'); else cr=""; fi
sent=0
for meal in $meals; do
    # the server's clock: the meal's first tap
    first=$(awk -F '\t' -v m="$meal" '$1 == m { print substr($2, 2, 19) }' "$out"/meals-POS*.tmp |
        sort | sed -n 1p)
    serve_up A "$first"
    serve_up B "$first"
    if [ "$meal" = "${OFF_DAY}b" ]; then
        # the others serve their whole lunch, POS2 until OFF_FROM; then POS2
        # starts anew (as after a restart: the snapshot it decides from is
        # fetched now) and its port is closed until OFF_TO
        feed "$meal" POS1; feed "$meal" POS3; feed "$meal" POS4
        feed "$meal" $OFF_TERM "" $OFF_FROM
        answered
        exec 4>&-
        wait "$pos_POS2" || fail "$OFF_TERM stopped with an error"
        pos_up $OFF_TERM B "${OFF_DAY}T$OFF_FROM"
        exec 4>"$out/in-$OFF_TERM"
        rm -f "$out/in-$OFF_TERM"
        serve_down B
        before=$(wc -l <"$out/answers-$OFF_TERM.jsonl")
        feed "$meal" $OFF_TERM $OFF_FROM $OFF_TO
        answered
        tail -n +$((before + 1)) "$out/answers-$OFF_TERM.jsonl" >"$out/offline-$OFF_TERM.jsonl"
        # the port open again: the queue goes out before the next card
        serve_up B "${OFF_DAY}T$OFF_TO"
        feed "$meal" $OFF_TERM $OFF_TO
        answered
        i=0
        until [ "$(pending $OFF_TERM)" = 0 ]; do
            i=$((i + 1)); [ $i -lt 500 ] || fail "$OFF_TERM did not send its queue"
            sleep 0.02
        done
    else
        for t in POS1 POS2 POS3 POS4; do feed "$meal" $t; done
        answered
    fi
    serve_down A
    serve_down B
    if [ -n "$cr" ]; then
        printf '%s  %6d of %d taps answered (%s)' "$cr" "$sent" "$total_taps" "${meal%?}"
    elif [ "${meal#??????????}" = c ]; then
        printf '  %6d of %d taps answered (%s)\n' "$sent" "$total_taps" "${meal%?}"
    fi
done
[ -n "$cr" ] && echo
exec 3>&- 4>&- 5>&- 6>&-   # the terminals' input ends: they leave
rm -f "$out"/meals-POS*.tmp
for p in $pos_POS1 $pos_POS2 $pos_POS3 $pos_POS4; do
    wait "$p" || fail "a terminal stopped with an error"
done
cat "$out"/answers-POS*.jsonl >"$out/answers.jsonl"
[ "$(wc -l <"$out/answers.jsonl")" -eq "$total_taps" ] || fail "not every tap was answered"
printf '  charged %d meals; refused: ' "$(grep -c '"ok":true' "$out/answers.jsonl")"
grep -o '"error":"[a-z_]*"' "$out/answers.jsonl" | sort | uniq -c |
    awk '{ sub(/"error":/, "", $2); gsub(/"/, "", $2); printf "%s%s %s", sep, $1, $2; sep = ", " }'
echo
printf '  %s offline on %s %s-%s: %d charges answered "offline":true, %d refused\n' $OFF_TERM \
    $OFF_DAY ${OFF_FROM%:00} ${OFF_TO%:00} "$(grep -c '"ok":true.*"offline":true' "$out/offline-$OFF_TERM.jsonl")" \
    "$(grep -c '"ok":false' "$out/offline-$OFF_TERM.jsonl")"

step "Trays and kitchen bins: writing the scale's and the station's scripts"
# Trays of lunch and dinner, in a shuffled but fixed order: not by the time
# of the sale, which for a diner who tapped at two terminals depends on which
# answered first, and would make two runs weigh different trays. A tray weighs
# 300 g; the leftovers depend on the department (a few grams to ~60 g) and the
# person; some trays are clean, 2 % are returned without a tap (anonymous).
q "SELECT c.code, s.business_date, p.name, s.card_no, CAST(substr(d.code, 2) AS BIGINT), s.diner_id
    FROM sales s JOIN canteens c ON c.id = s.canteen_id
    JOIN meal_periods p ON p.id = s.period_id JOIN departments d ON d.id = s.department_id
    WHERE p.name IN ('lunch', 'dinner')
    ORDER BY c.code, s.business_date, p.name, s.diner_id * 7919 % 1501, s.diner_id" |
awk -v dir="$out/replay" 'BEGIN { srand(11) }
function flush() {
    if (key == "") return
    printf "wait 5000\n" >> sim; printf "@%d end\n", t + 5000 >> cards
    close(sim); close(cards)
}
{
    k = $1 " " $2 " " $3
    if (k != key) {
        flush(); key = k
        base = dir "/" $1 "-" $2 "-" $3
        sim = base ".sim"; cards = base ".cards"
        printf "wait 1000\n" > sim; printf "" > cards
        t = 1000
        print $1, $2, $3, base >> (dir "/trays.list")
    }
    dmean = 8 + ($5 * 37) % 55          # the department: 8-62 g a tray
    pf = 0.5 + ($6 * 7919 % 100) / 90    # the person: 0.5-1.6
    if (rand() < 0.45 - dmean / 200) net = int(rand() * 9)
    else net = 11 + int(dmean * pf * (0.3 + 1.4 * rand()))
    # an untapped tray waits 3 s for a card before it counts as anonymous:
    # the next diner comes after that
    anon = rand() < 0.02
    if (!anon) printf "@%d %s\n", t, $4 >> cards
    printf "place %d\nwait 1700\nremove\nwait %d\n", 300 + net, anon ? 3800 : 800 >> sim
    t += anon ? 5500 : 2500
}
END { flush() }'
# Kitchen waste: each canteen weighs prep trimmings, what was cooked and not
# served, and now and then spoiled stock, in 小桶 (850 g) bins at 14:00.
for c in C1 C2; do
    for d in $DAYS; do
        awk -v seed="$d${c#C}" -v dir="$out/replay" -v c=$c -v day="$MONTH-$d" 'BEGIN {
            srand(seed); base = dir "/" c "-" day "-kitchen"
            sim = base ".sim"; cards = base ".cards"; t = 1000
            printf "wait 1000\n" > sim
            split("prep overproduction spoilage", stage, " ")
            split("2 1 5", cat, " "); split("4 1 3", why, " ")
            for (i = 1; i <= 3; i++) {
                if (i == 3 && rand() > 0.3) continue
                g = i == 1 ? 1500 + int(rand() * 2500) : i == 2 ? 2000 + int(rand() * 7000) : 300 + int(rand() * 1200)
                printf "@%d stage %s\n@%d category %d\n@%d reason %d\n@%d container 1\n",
                       t, stage[i], t, cat[i], t, why[i], t >> cards
                printf "place %d\nwait 2500\nremove\nwait 1000\n", 850 + g >> sim
                printf "@%d confirm\n", t + 2000 >> cards
                t += 3500
            }
            printf "wait 2000\n" >> sim; printf "@%d end\n", t + 2000 >> cards
            print c, day, "kitchen", base >> (dir "/kitchen.list")
        }'
    done
done
echo "$(wc -l <"$out/replay/trays.list") tray sessions, $(wc -l <"$out/replay/kitchen.list") kitchen sessions"

# One session: a simulated scale plays its script as fast as the station reads;
# the station (clock: 100 ms a frame, from CLEANPLATE_NOW) records what settles
# and sends it to the server on port SERVE, started for the session with the
# session's time (every weighing is delivered before the station leaves).
station() { # SERVE TERMINAL TIME BASE [OPTION...]
    sserve=$1 sterm=$2 sat=$3 sbase=$4
    shift 4
    serve_up "$sserve" "$sat"
    rm -f "$sbase.port"
    "$SCALE" sim --protocol toledo-cont --fast --script "$sbase.sim" >"$sbase.port" 2>>"$sbase.log" &
    sim=$!
    while [ ! -s "$sbase.port" ] && kill -0 $sim 2>/dev/null; do sleep 0.01; done
    eval "skey=\$key_$sterm"
    CLEANPLATE_NOW=$sat "$SCALE" station --headless --terminal "$sterm" --port "$(cat "$sbase.port")" \
        --protocol toledo-cont --frame-clock 100 --server "$(url "$sserve")" --key "$skey" \
        --journal "$out/journals/$sterm.journal" "$@" <"$sbase.cards" >"$sbase.jsonl" 2>>"$sbase.log" ||
        { kill $sim 2>/dev/null; fail "the station $sterm at $sat failed: $(tail -n 3 "$sbase.log")"; }
    wait $sim || fail "the scale of $sterm at $sat failed: $(tail -n 3 "$sbase.log")"
    [ "$(pending "$sterm")" = 0 ] || fail "the station $sterm left weighings unsent at $sat"
    # every plate or bin the scale played was weighed (a station that lost its
    # scale early would leave the month short without saying so)
    [ "$(grep -c '^place' "$sbase.sim")" -eq "$(wc -l <"$sbase.jsonl")" ] ||
        fail "the station $sterm at $sat weighed $(wc -l <"$sbase.jsonl") of" \
            "$(grep -c '^place' "$sbase.sim") placements: $(tail -n 3 "$sbase.log")"
    serve_down "$sserve"
}
replay() { # canteen date period base
    case $3 in
        lunch) station $1 W${1#C} "$2T12:20:00" "$4" --tray-tare-g 300 ;;
        dinner) station $1 W${1#C} "$2T18:05:00" "$4" --tray-tare-g 300 ;;
        kitchen) station $1 K${1#C} "$2T14:00:00" "$4" --mode kitchen ;;
    esac
}

step "Weighing: cleanplate-scale station --headless on cleanplate-scale sim, both canteens at once"
for c in C1 C2; do
    (
        trap 'eval "[ -z \"\$serve_$c\" ] || kill \$serve_$c 2>/dev/null || true"' EXIT
        n=0
        for d in $DAYS; do
            n=$((n + 1))
            for p in lunch dinner kitchen; do
                base="$out/replay/$c-$MONTH-$d-$p"
                [ -f "$base.sim" ] && replay $c "$MONTH-$d" $p "$base"
            done
            printf '  %s %s-%s (%d of %d days): %d weighings\n' $c $MONTH $d $n \
                "$(echo $DAYS | wc -w)" "$(cat "$out/replay/$c-$MONTH-$d"-*.jsonl | wc -l)"
        done
    ) &
    pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "weighing stopped"; done
pids=""
cat "$out"/replay/*.jsonl >"$out/weighings.jsonl"
echo "  $(wc -l <"$out/weighings.jsonl") weighings recorded"

step "Corrections: a manager voids five sales"
# chosen by diner and day, not by sale number: which terminal's number a sale
# got can change between runs (a diner who tapped at two terminals)
for sale in $(q "SELECT id FROM (SELECT id, business_date,
            row_number() OVER (PARTITION BY business_date ORDER BY period_id, diner_id) AS k
        FROM sales WHERE diner_id % 300 = 17
        AND substr(business_date, 9) IN ('09', '15', '21', '27', '29')) AS firsts
    WHERE k = 1 ORDER BY business_date"); do
    CLEANPLATE_NOW=2026-10-30T15:00:00 as_manager void "$sale" --reason "收银员误刷" >>"$log"
    echo "  voided $sale"
done

step "Cost accounting: a month of purchases and the stock counts of both canteens"
export CLEANPLATE_NOW=2026-11-02T09:00:00
# What each canteen's kitchen bought in October, as its suppliers' spreadsheets
# (quoted names with commas, a BOM and CRLF as Excel saves them), and its stock
# of each food category at the end of September (when it started recording:
# its starting stock) and of October. The amounts follow the money each canteen
# took, so that C1's meals come out priced at cost (within 2 %) and C2's below it.
q "SELECT c.code, sum(s.total_fen) FROM sales s
    JOIN canteens c ON c.id = s.canteen_id
    WHERE NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id) GROUP BY c.code ORDER BY c.code" |
while read -r c taken; do
    awk -v c=$c -v taken="$taken" -v days="$DAYS" -v month=$MONTH -v dir="$out" 'BEGIN {
        srand(c == "C1" ? 1031 : 1032)
        used = taken * (c == "C1" ? 0.992 : 1.035)       # the food used to aim at, fen
        n = split("蔬菜 肉禽 水产 主食 蛋奶 调料 其他", cat, " ")
        split("0.25 0.30 0.10 0.15 0.08 0.04 0.08", share, " ")
        split("450 2800 4000 420 1200 1500 800", price, " ")   # fen per kg
        split("\"绿源蔬菜, 配送中心\"|\"鲜达肉禽, 冷链\"|海鲜行|粮油公司|蛋奶站|调味品商行|综合批发", who, "|")
        nd = split(days, day, " ")
        csv = dir "/purchases-" c ".csv"; counts = dir "/counts-" c ".txt"
        printf "\357\273\277date,supplier,category,kg,yuan,invoice\r\n" > csv
        for (k = 1; k <= n; k++) {
            want = int(used * share[k])
            sep = int(want * (0.05 + rand() * 0.05)); oct = int(want * (0.05 + rand() * 0.05))
            buy = want - sep + oct
            print "2026-09", cat[k], sep, int(sep * 1000 / price[k]) >> counts
            print month, cat[k], oct, int(oct * 1000 / price[k]) >> counts
            lines = k <= 4 ? nd : int(nd / 3)      # fresh food daily, the rest now and then
            for (i = 1; i <= lines; i++) {
                fen = i < lines ? int(buy / lines) : buy - int(buy / lines) * (lines - 1)
                d = k <= 4 ? day[i] : day[1 + (i - 1) * 3]
                printf "%s-%s,%s,%s,%.3f,%d.%02d,FP%s%02d%d\r\n", month, d, who[k], cat[k],
                       int(fen * 1000 / price[k]) / 1000, int(fen / 100), fen % 100, d, k, i > csv
            }
        }
    }'
    as_manager import purchases "$out/purchases-$c.csv" --canteen $c
    while read -r m cat fen g; do
        as_manager stock count --canteen $c --month $m --category $cat \
            --yuan "$((fen / 100)).$(printf '%02d' $((fen % 100)))" \
            --kg "$((g / 1000)).$(printf '%03d' $((g % 1000)))" >>"$log"
    done <"$out/counts-$c.txt"
    echo "  $c: stock counted at the end of September (its starting stock) and of October"
done

step "Month end (2 November): red/black list, monthly report and the cost accounting"
# The terminals are switched on on the 2nd and check in: publish waits until
# every terminal that talks to the server has said it holds nothing of October.
mkdir -p "$out/checkin"
printf 'wait 1000\n' >"$out/checkin/empty.sim"
printf '@1000 end\n' >"$out/checkin/empty.cards"
serve_up A "$CLEANPLATE_NOW"
for t in POS1 POS2 POS3 POS4; do
    eval "pkey=\$key_$t"
    "$POS" --headless --terminal $t --server "$(url A)" --key "$pkey" \
        --journal "$out/journals/$t.journal" </dev/null >>"$log" 2>&1 || fail "$t did not check in"
done
serve_down A
for t in W1 K1 W2 K2; do
    station A $t "$CLEANPLATE_NOW" "$out/checkin/empty"
done
"$OFFICE" publish redblack --month $MONTH --out "$out/published"
"$OFFICE" report monthly --month $MONTH --out "$out/report-$MONTH.pdf"
"$OFFICE" report cost --month $MONTH --csv >"$out/cost-$MONTH.csv"
"$OFFICE" report cost --year 2026 --out "$out/cost-2026.pdf"
"$OFFICE" metrics --month $MONTH --by canteen --csv >"$out/metrics-canteens.csv"
"$OFFICE" metrics --month $MONTH --csv >"$out/metrics-departments.csv"
"$OFFICE" verify --out "$out/published"

step "Summary"
# Weighings flagged negative, overload, no meal or impossible are left out of the
# waste, as in the metrics (WASTE_FLAGS_LEFT_OUT in core/waste.h), and counted apart.
LEFT_OUT=$((1 | 2 | 4 | 32))
# Whole fen and grams from the store (the same query on both engines), written
# as yuan and kg here.
q "SELECT c.code,
       (SELECT count(*) FROM sales s WHERE s.canteen_id = c.id
          AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)),
       (SELECT coalesce(sum(total_fen), 0) FROM sales s WHERE s.canteen_id = c.id
          AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)),
       (SELECT count(*) FROM waste_records w WHERE w.canteen_id = c.id AND stage = 'plate'
          AND (flags & $LEFT_OUT) = 0),
       (SELECT coalesce(sum(net_g), 0) FROM waste_records w
          WHERE w.canteen_id = c.id AND stage = 'plate' AND (flags & $LEFT_OUT) = 0),
       (SELECT coalesce(sum(net_g), 0) FROM waste_records w
          WHERE w.canteen_id = c.id AND stage <> 'plate' AND (flags & $LEFT_OUT) = 0),
       (SELECT count(*) FROM waste_records w WHERE w.canteen_id = c.id
          AND (flags & $LEFT_OUT) <> 0),
       c.name
    FROM canteens c ORDER BY c.code" |
awk 'function kg(g) { g = int((g + 50) / 100); return sprintf("%d.%d", int(g / 10), g % 10) }
    BEGIN { printf "%-8s %7s %11s %7s %9s %11s %8s  %s\n", "canteen", "meals", "yuan", "trays",
                   "plate_kg", "kitchen_kg", "flagged", "name" }
    { name = $8; for (i = 9; i <= NF; i++) name = name " " $i
      printf "%-8s %7d %11s %7d %9s %11s %8d  %s\n", $1, $2,
             sprintf("%d.%02d", int($3 / 100), $3 % 100), $4, kg($5), kg($6), $7, name }'
echo
echo "the terminals, as the server saw them (cleanplate-office terminals):"
"$OFFICE" terminals | sed 's/^/  /'
# Every charge and weighing answered ok is in the store exactly once, counted
# by its request id (TERMINAL/SEQ); the offline ones of POS2 too.
ids=$(grep '"ok":true' "$out/offline-$OFF_TERM.jsonl" | grep -o '"request_id":"[^"]*"' |
    sed 's/"request_id":"\(.*\)"/\1/')
n_off=$(echo "$ids" | grep -c .)
in_list=$(echo "$ids" | sed "s/.*/'&'/" | paste -s -d, -)
q "SELECT count(*) FROM sales WHERE request_id IN (${in_list:-''}) GROUP BY request_id" |
awk -v n="$n_off" -v t=$OFF_TERM -v day=$OFF_DAY -v from=${OFF_FROM%:00} -v to=${OFF_TO%:00} '
    $1 == 1 { once++ } $1 > 1 { twice++ }
    END { printf "offline: %d charges at %s on %s between %s and %s, %s%d replayed, %d lost, %d twice\n",
                 n, t, day, from, to, once == n ? "all " : "", once, n - once - twice, twice }'
ok_sales=$(grep -c '"ok":true' "$out/answers.jsonl")
ok_weighings=$(grep -c '"ok":true' "$out/weighings.jsonl")
q "SELECT (SELECT count(*) FROM sales WHERE request_id LIKE 'POS_/%'),
          (SELECT count(DISTINCT request_id) FROM sales WHERE request_id LIKE 'POS_/%'),
          (SELECT count(*) FROM waste_records WHERE placement LIKE '__/%'),
          (SELECT count(DISTINCT placement) FROM waste_records WHERE placement LIKE '__/%')" |
while read -r sales sale_ids weighed weighed_ids; do
    echo "charges answered ok: $ok_sales; in the store: $sales sales of $sale_ids request ids" \
        "($((sales - sale_ids)) twice, $((ok_sales - sale_ids)) lost)"
    echo "weighings answered ok: $ok_weighings; in the store: $weighed of $weighed_ids request ids" \
        "($((weighed - weighed_ids)) twice, $((ok_weighings - weighed_ids)) lost)"
done
for c in C1 C2; do
    echo
    "$OFFICE" report cost --month $MONTH --canteen $c | sed -n '1,11p'
done
echo
echo "red list (least waste) and black list (most), from the published CSV:"
grep -E '^[0-9]+,(red|black),' "$out/published/redblack-$MONTH-v1.csv" | cut -d, -f1-4,9 | sed 's/^/  /'
printf '\nOutputs in %s:\n' "$out"
if [ "$store" = pg ]; then
    printf '  the store                           schema cleanplate_demo on PostgreSQL (a throw-away\n'
    printf '                                      server is gone with the demo)\n'
else
    printf '  canteen.db                          the database (sqlite3 %s)\n' "$CLEANPLATE_DB"
fi
printf '  published/redblack-%s-v1.pdf   the red/black notice (also .csv, .html)\n' $MONTH
printf '  report-%s.pdf                  the monthly report (with its cost accounting)\n' $MONTH
printf '  cost-%s.csv, cost-2026.pdf     the cost by category; the year on one page to sign\n' $MONTH
printf '  purchases-C*.csv, counts-C*.txt     what the kitchens bought and counted\n'
printf '  metrics-departments.csv, metrics-canteens.csv   the month'"'"'s figures\n'
printf '  answers.jsonl, weighings.jsonl      every terminal answer and every weighing\n'
printf '  offline-POS2.jsonl                  the answers POS2 gave without the server\n'
printf '  journals/, serve.log                the terminals'"'"' journals, the server'"'"'s log\n'
printf '  departments.csv, diners.csv, taps-POS*.txt, replay/   the inputs\n'
printf '\nThe demo took %s s.\n' $(($(date +%s) - started))

# The same month on the other engine gives the same figures, to the byte.
sqlite_out=$(pwd)/demo-out
if [ "$store" = pg ]; then
    if [ -f "$sqlite_out/metrics-departments.csv" ] &&
        [ "$sqlite_out/metrics-departments.csv" -nt "$OFFICE" ]; then
        differ=""
        for f in metrics-departments.csv metrics-canteens.csv published/redblack-$MONTH-v1.csv; do
            cmp -s "$sqlite_out/$f" "$out/$f" || differ="$differ $f"
        done
        [ -z "$differ" ] || fail "on PostgreSQL these differ from the SQLite run in demo-out/:$differ"
        echo "metrics-departments.csv, metrics-canteens.csv and redblack-$MONTH-v1.csv are the" \
            "same bytes as on SQLite (demo-out/)."
    else
        echo "To compare with SQLite: make demo, then make demo STORE=pg (or tests/demo_engines.sh)."
    fi
fi
