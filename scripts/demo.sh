#!/bin/sh
# make demo: a month end from nothing. Two canteens, 30 departments and 1,500
# diners; every meal of October 2026 goes through the real headless terminal
# (cleanplate-pos, clock set per tap) and every tray and kitchen bin through the
# real waste station (cleanplate-scale station) reading a simulated scale
# (cleanplate-scale sim --fast, whose frame count is the station's clock); then
# the red/black list is published and the monthly report written.
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
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
step() { printf '\n== [%3ss] %s\n' $(($(date +%s) - started)) "$*"; }
fail() { echo "demo: $*; the log is $log" >&2; exit 1; }
# Commands that move money name the manager who authorises them; the PIN comes
# on stdin here (a person types it). PINs of admins and managers have 6 digits.
ADMIN_PIN=135790 MANAGER_PIN=246810
as_manager() { echo $MANAGER_PIN | "$OFFICE" "$@" --manager demo-manager; }

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
echo "canteens C1 and C2, terminals POS1-POS4, tray stations W1 W2, kitchen stations K1 K2"

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

step "Serving the month: four cleanplate-pos --headless terminals at once"
# The four terminals serve each meal at the same time, and the meals one after
# the other: each terminal is handed its taps of one meal (a day's breakfast,
# lunch or dinner) and all four answer them before the next meal is handed
# out. Left to run free, a fast terminal charged the 25th before a slow one
# charged the 20th, and which meals a low balance still paid for changed from
# run to run; this way two runs charge the same meals.
for t in POS1 POS2 POS3 POS4; do
    # MEAL<TAB>TAP, MEAL being the day and a, b or c (breakfast, lunch, dinner)
    awk '{ h = substr($1, 13, 2) + 0
           print substr($1, 2, 10) (h < 10 ? "a" : h < 15 ? "b" : "c") "\t" $0 }' \
        "$out/taps-$t.txt" >"$out/meals-$t.tmp"
    mkfifo "$out/in-$t"
    CLEANPLATE_NOW=2026-10-08T07:00:00 "$POS" --headless --terminal $t --cashier "cashier-$t" \
        <"$out/in-$t" >"$out/answers-$t.jsonl" 2>>"$log" &
    pids="$pids $!"
done
trap '' PIPE   # a terminal gone: the write fails and says so, instead of a silent end
exec 3>"$out/in-POS1" 4>"$out/in-POS2" 5>"$out/in-POS3" 6>"$out/in-POS4"
rm -f "$out"/in-POS*
meals=$(cut -f 1 "$out"/meals-POS*.tmp | sort -u)
# progress: one line kept up to date on a terminal, a line a day in a log
if [ -t 1 ]; then cr=$(printf '\r'); else cr=""; fi
sent=0
for meal in $meals; do
    fd=3
    for t in POS1 POS2 POS3 POS4; do
        awk -F '\t' -v m="$meal" '$1 == m { print $2 }' "$out/meals-$t.tmp" >&$fd ||
            fail "$t stopped early"
        fd=$((fd + 1))
    done
    sent=$((sent + $(cut -f 1 "$out"/meals-POS*.tmp | grep -c "^$meal\$")))
    while [ "$(cat "$out"/answers-POS*.jsonl | wc -l)" -lt "$sent" ]; do
        for p in $pids; do kill -0 "$p" 2>/dev/null || fail "a terminal stopped early"; done
        sleep 0.02
    done
    if [ -n "$cr" ]; then
        printf '%s  %6d of %d taps answered (%s)' "$cr" "$sent" "$total_taps" "${meal%?}"
    elif [ "${meal#??????????}" = c ]; then
        printf '  %6d of %d taps answered (%s)\n' "$sent" "$total_taps" "${meal%?}"
    fi
done
[ -n "$cr" ] && echo
exec 3>&- 4>&- 5>&- 6>&-   # the terminals' input ends: they leave
rm -f "$out"/meals-POS*.tmp
for p in $pids; do wait "$p" || fail "a terminal stopped with an error"; done
pids=""
cat "$out"/answers-POS*.jsonl >"$out/answers.jsonl"
[ "$(wc -l <"$out/answers.jsonl")" -eq "$total_taps" ] || fail "not every tap was answered"
printf '  charged %d meals; refused: ' "$(grep -c '"ok":true' "$out/answers.jsonl")"
grep -o '"error":"[a-z_]*"' "$out/answers.jsonl" | sort | uniq -c |
    awk '{ sub(/"error":/, "", $2); gsub(/"/, "", $2); printf "%s%s %s", sep, $1, $2; sep = ", " }'
echo

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
# the station (clock: 100 ms a frame, from CLEANPLATE_NOW) records what settles.
replay() { # canteen date period base
    case $3 in
        lunch) at="$2T12:20:00"; term=W${1#C}; extra="--tray-tare-g 300" ;;
        dinner) at="$2T18:05:00"; term=W${1#C}; extra="--tray-tare-g 300" ;;
        kitchen) at="$2T14:00:00"; term=K${1#C}; extra="--mode kitchen" ;;
    esac
    "$SCALE" sim --protocol toledo-cont --fast --script "$4.sim" >"$4.port" 2>>"$4.log" &
    sim=$!
    while [ ! -s "$4.port" ] && kill -0 $sim 2>/dev/null; do sleep 0.01; done
    # shellcheck disable=SC2086
    CLEANPLATE_NOW=$at "$SCALE" station --headless --terminal "$term" --port "$(cat "$4.port")" \
        --protocol toledo-cont --frame-clock 100 $extra <"$4.cards" >"$4.jsonl" 2>>"$4.log" ||
        { kill $sim 2>/dev/null; fail "the station of $1 $2 $3 failed: $(tail -n 3 "$4.log")"; }
    wait $sim || fail "the scale of $1 $2 $3 failed: $(tail -n 3 "$4.log")"
}

step "Weighing: cleanplate-scale station --headless on cleanplate-scale sim, both canteens at once"
for c in C1 C2; do
    (
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
