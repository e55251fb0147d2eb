# A city's store fails over. On this machine, a PostgreSQL primary with a synchronous
# hot standby (initdb, pg_basebackup -R, synchronous_standby_names, loopback ports
# picked free), four headless terminals charging through a multi-host target
# (host=127.0.0.1,127.0.0.1 port=P1,P2 target_session_attrs=read-write), a request id
# on every line; the primary is killed with SIGKILL mid-stream and the standby
# promoted (pg_ctl promote), and the same terminal processes carry on by reconnecting:
# a tap answered busy is sent again with the same request id, as a cashier taps again.
# Afterwards every charge answered ok is in the store exactly once (its request id
# and sale id), no charge that was never answered ok is there, and verify passes on
# the promoted server. Before the failover the office reads on the standby (metrics,
# the sales report, verify; target_session_attrs=prefer-standby): the figures from
# the records there, nothing being rolled up, are the primary's from its rollups,
# and rollup is refused there. Sizes: FAILOVER_ROUNDS failovers (1; make soak: 3, each time a
# new standby is made from the new primary on the old one's port), each after
# FAILOVER_TAPS taps of every terminal (40; make soak: 400). Needs PostgreSQL's
# server programs (postgresql-15); as root they run as the postgres user, in a folder
# of their own, never touching the system's clusters. Everything it starts is
# stopped and its folders removed, also when it fails.
. tests/integration/lib.sh

ROUNDS=${FAILOVER_ROUNDS:-1}
TAPS=${FAILOVER_TAPS:-40}
PAUSE=${FAILOVER_PAUSE:-0.5}   # from the kill to the promotion: a failure being noticed
# Each terminal taps its own quarter of the diners, each a meal after another (30 days,
# lunch and dinner: 60 meals); enough of them for every round's taps and what the
# terminals charge while the store is being switched and a new standby made.
per=$(((ROUNDS * (2 * TAPS + 500) + 59) / 60))
[ $per -ge 50 ] || per=50
DINERS=$((4 * per))
# the libpq settings of make check's own server are not for these two
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSYSCONFDIR PGPASSFILE \
    PGOPTIONS PGTARGETSESSIONATTRS PGSSLMODE PGCONNECT_TIMEOUT

bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || fail "no PostgreSQL server programs: apt-get install postgresql-15"
if [ "$(id -u)" -eq 0 ]; then
    # the server refuses to run as root: its programs run as postgres, in a folder
    # it owns outside TMPDIR (which only root may enter)
    id postgres >/dev/null 2>&1 || fail "no postgres user to run the servers as"
    base=$(mktemp -d /tmp/cp-failover-XXXXXX)
    chown postgres "$base"
    pgrun() { (cd "$base" && runuser -u postgres -- "$@"); }
else
    base=$TMPDIR/pg
    mkdir "$base"
    pgrun() { "$@"; }
fi

killed=""
cleanup() {
    rc=$?
    set +e   # whatever is already gone, the rest is still cleaned up
    touch "$TMPDIR/stop"
    for f in "$TMPDIR"/pos*.pid "$TMPDIR"/drive*.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    for d in "$base"/*/; do
        [ -f "$d/postmaster.pid" ] &&
            pgrun "$bindir/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
    done
    # what was left of a killed primary (its processes end by themselves)
    [ -z "$killed" ] || kill -KILL $killed 2>/dev/null
    rm -rf "$base"
    exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }
psql_at() { # PORT SQL
    psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"
}

# start_server NAME [PORT]: starts the cluster in $base/NAME on PORT, or on a free
# loopback port (a taken one fails to bind, and the next is tried); prints the port
start_server() {
    for try in 1 2 3 4 5 6 7 8; do
        port=${2:-$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))}
        if pgrun "$bindir/pg_ctl" -D "$base/$1" -l "$base/$1.log" -w -t 60 -o "-p $port" \
                start >/dev/null 2>&1; then
            echo "$port"
            return 0
        fi
        [ -z "${2:-}" ] || break
    done
    echo "could not start the server $1: $(tail -n 3 "$base/$1.log")" >&2
    return 1
}

# make_standby NAME PRIMARY_PORT [PORT]: a hot standby of the primary, streaming from
# it; it waits for no standby of its own once promoted (until one is made for it)
make_standby() {
    rm -rf "${base:?}/$1"
    pgrun "$bindir/pg_basebackup" -h 127.0.0.1 -p "$2" -U postgres -D "$base/$1" -R \
        -X stream -c fast --no-sync >"$TMPDIR/basebackup.log" 2>&1 ||
        { echo "pg_basebackup: $(tail -n 3 "$TMPDIR/basebackup.log")" >&2; return 1; }
    echo "synchronous_standby_names = ''" >>"$base/$1/postgresql.auto.conf"
    start_server "$1" "${3:-}"
}

# make_sync PORT: the primary on PORT commits only once its standby has the commit
make_sync() {
    psql_at "$1" "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
    psql_at "$1" "SELECT pg_reload_conf()" >/dev/null
    i=0
    until [ "$(psql_at "$1" "SELECT count(*) FROM pg_stat_replication
            WHERE sync_state = 'sync' AND state = 'streaming'")" = 1 ]; do
        i=$((i + 1))
        [ $i -lt 600 ] || fail "the standby never became synchronous"
        sleep 0.05
    done
}

# kill_server NAME: SIGKILL to the postmaster and every process of it at once, as
# when its machine dies
kill_server() {
    pm=$(head -n 1 "$base/$1/postmaster.pid")
    kids=$(cat /proc/[0-9]*/stat 2>/dev/null |
        awk -v pm="$pm" '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); if (f[2] == pm) print $1 }')
    killed="$killed $pm $kids"
    # shellcheck disable=SC2086
    kill -KILL $pm $kids
}

# 1. the primary and its synchronous standby
pgrun "$bindir/initdb" -D "$base/a" -A trust -U postgres -E UTF8 --no-sync \
    >"$TMPDIR/initdb.log" 2>&1 || fail "initdb: $(tail -n 3 "$TMPDIR/initdb.log")"
# fsync off: the processes are killed, not the machine, so what was written stays
cat >>"$base/a/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$base'
fsync = off
shared_buffers = 16MB
max_connections = 30
EOF
primary=a standby=b
port_a=$(start_server a) || fail "the primary did not start"
port_b=$(make_standby b "$port_a") || fail "the standby did not start"
make_sync "$port_a"
TARGET="host=127.0.0.1,127.0.0.1 port=$port_a,$port_b user=postgres dbname=postgres"
TARGET="$TARGET target_session_attrs=read-write connect_timeout=2"

# 2. the canteen, written on the primary through the same target
export CLEANPLATE_DB="$TARGET"
setup_canteen $DINERS
{
    echo "staff_no,yuan"
    seq 1 $DINERS | awk '{ printf "S%04d,500\n", $1 }'
} >"$TMPDIR/topups.csv"
as_manager import topups "$TMPDIR/topups.csv" >/dev/null || fail "top-ups"

# 2b. the office's reads on the standby, a city's reports kept off the primary:
#     two October lunches of 12 diners and their trays (some clean) and a tray of a
#     diner who had no meal (flagged), then metrics, verify and the sales report on the standby, where
#     nothing is rolled up and nothing can be: the figures come from the records,
#     and are the same as the primary's from its rollups; rollup there is refused
"$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
echo "at,stage,staff_no,department,canteen,grams,category,reason" >"$TMPDIR/trays.csv"
for day in 06 07; do
    seq 1 12 | CLEANPLATE_NOW=2026-10-${day}T12:00:00 "$POS" --headless --terminal POS5 \
        >"$TMPDIR/oct$day" || fail "October lunch $day"
    [ "$(grep -c '"ok":true' "$TMPDIR/oct$day")" -eq 12 ] || fail "October lunch $day: $(head -n 2 "$TMPDIR/oct$day")"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        echo "2026-10-${day}T12:30:00,plate,$(printf S%04d "$i"),,,$((i * i * 3 - 2)),," >>"$TMPDIR/trays.csv"
    done
done
# a tray of a diner who had no meal: recorded, flagged, left out of the figures
echo "2026-10-06T12:40:00,plate,S0013,,,300,," >>"$TMPDIR/trays.csv"
CLEANPLATE_NOW=2026-10-07T13:00:00 as_manager import weighings "$TMPDIR/trays.csv" --terminal W1 \
    >/dev/null || fail "import weighings"
# both servers named, the standby preferred, as the README's reads from the standby
STANDBY="host=127.0.0.1,127.0.0.1 port=$port_a,$port_b user=postgres dbname=postgres"
STANDBY="$STANDBY target_session_attrs=prefer-standby connect_timeout=2"
# standby_has SQL VALUE WHAT: waits (10 s at most) until the standby has replayed
# what SQL counts
standby_has() {
    i=0
    until [ "$(psql_at "$port_b" "$1")" = "$2" ]; do
        i=$((i + 1))
        [ $i -lt 200 ] || fail "the standby never had $3"
        sleep 0.05
    done
}
standby_has "SELECT count(*) FROM waste_records" 25 "the October trays"
reads() { # NAME: the office's reads, on $CLEANPLATE_DB, into files NAME.*
    "$OFFICE" metrics --month 2026-10 --json >"$TMPDIR/$1.depts" 2>"$TMPDIR/$1.err" &&
        "$OFFICE" metrics --month 2026-10 --by canteen --json >"$TMPDIR/$1.canteen" \
            2>>"$TMPDIR/$1.err" &&
        "$OFFICE" report sales --from 2026-10-01 --to 2026-10-31 --by terminal \
            >"$TMPDIR/$1.sales" 2>>"$TMPDIR/$1.err" ||
        fail "the office's reads ($1): $(cat "$TMPDIR/$1.err")"
}
CLEANPLATE_DB="$STANDBY" reads standby
# (the month before is read too, for each department's change: its first day is named)
grep -q "2026-09-01 is not rolled up and this store takes no writes" "$TMPDIR/standby.err" ||
    fail "no word that the standby's figures came from the records: $(cat "$TMPDIR/standby.err")"
grep -q '"trays": 24,' "$TMPDIR/standby.canteen" &&
    grep -q '"flagged_trays": 1,' "$TMPDIR/standby.canteen" ||
    fail "the standby's trays: $(cat "$TMPDIR/standby.canteen")"
CLEANPLATE_DB="$STANDBY" "$OFFICE" verify >"$TMPDIR/verify" 2>&1 ||
    fail "verify on the standby: $(cat "$TMPDIR/verify")"
grep -q " 0 problems" "$TMPDIR/verify" || fail "verify on the standby: $(cat "$TMPDIR/verify")"
CLEANPLATE_DB="$STANDBY" "$OFFICE" rollup --month 2026-10 >/dev/null 2>"$TMPDIR/rollup.err" &&
    fail "rollup on the standby"
grep -q "takes no writes (a standby" "$TMPDIR/rollup.err" ||
    fail "rollup on the standby: $(cat "$TMPDIR/rollup.err")"
reads primary   # rolls up September and October on the primary
[ -s "$TMPDIR/primary.err" ] && fail "the primary's reads said: $(cat "$TMPDIR/primary.err")"
for f in depts canteen sales; do
    cmp -s "$TMPDIR/standby.$f" "$TMPDIR/primary.$f" ||
        fail "the standby's $f differ from the primary's:" \
            "$(diff "$TMPDIR/standby.$f" "$TMPDIR/primary.$f" | head -n 6)"
done
standby_has "SELECT count(*) FROM rollup_days" 61 "the rollups"
CLEANPLATE_DB="$STANDBY" reads rolled   # from the rollups now: the same, and nothing said
[ -s "$TMPDIR/rolled.err" ] &&
    fail "the standby's reads after the rollups said: $(cat "$TMPDIR/rolled.err")"
cmp -s "$TMPDIR/rolled.depts" "$TMPDIR/primary.depts" || fail "the standby's rolled-up figures differ"
echo "pg_failover: the office's reads on the standby: the same figures from the records as the primary's from its rollups"

# 3. four terminals, each tapping its own diners a meal after another (day by day,
#    lunch and dinner) until told to stop; a busy answer is sent again with the same
#    request id after a moment. pos$N.log gets "REQUEST ANSWER" for each final
#    answer, busy$N.log the time of every busy answer and of the first charge after
drive() {
    n=$1 k=0 waiting=0
    mkfifo "$TMPDIR/in$n" "$TMPDIR/out$n"
    "$POS" --headless --terminal "POS$n" <"$TMPDIR/in$n" >"$TMPDIR/out$n" 2>"$TMPDIR/pos$n.err" &
    echo $! >"$TMPDIR/pos$n.pid"
    exec 3>"$TMPDIR/in$n" 4<"$TMPDIR/out$n"
    while [ ! -e "$TMPDIR/stop" ]; do
        slot=$((k / per)) j=$((k % per))
        [ $slot -lt 60 ] || { echo "POS$n: out of meals to charge" >"$TMPDIR/drive$n.err"; exit 1; }
        # diner j of this terminal, at 12:00 or 18:00 and j seconds
        day=$((1 + slot / 2)) hour=$((slot % 2 == 0 ? 12 : 18)) min=$((j / 60)) sec=$((j % 60))
        [ $day -ge 10 ] || day=0$day
        [ $min -ge 10 ] || min=0$min
        [ $sec -ge 10 ] || sec=0$sec
        line="@2026-11-${day}T$hour:$min:$sec $((n + 4 * j)) F$n:$k"
        while :; do
            printf '%s\n' "$line" >&3
            IFS= read -r answer <&4 || { echo "POS$n stopped" >"$TMPDIR/drive$n.err"; exit 1; }
            case $answer in
            *'"error":"busy"'*)
                echo "busy $(now_ms)" >>"$TMPDIR/busy$n.log"
                waiting=1
                sleep 0.05 ;;
            *)
                [ $waiting -eq 0 ] || echo "back $(now_ms)" >>"$TMPDIR/busy$n.log"
                waiting=0
                printf 'F%s:%s %s\n' "$n" "$k" "$answer" >>"$TMPDIR/pos$n.log"
                break ;;
            esac
        done
        k=$((k + 1))
    done
    exec 3>&-   # the terminal's input ends: it leaves
    wait "$(cat "$TMPDIR/pos$n.pid")" || { echo "POS$n exited with an error" >"$TMPDIR/drive$n.err"; exit 1; }
    rm -f "$TMPDIR/pos$n.pid"
}
# answers_of N: the final answers POS$N gave so far
answers_of() { if [ -f "$TMPDIR/pos$1.log" ]; then wc -l <"$TMPDIR/pos$1.log"; else echo 0; fi; }
# wait_answers COUNT...: until terminal N has given the Nth COUNT of answers
wait_answers() {
    i=0
    for n in 1 2 3 4; do
        eval "want=\$$n"
        while [ "$(answers_of $n)" -lt "$want" ]; do
            for t in 1 2 3 4; do
                [ ! -s "$TMPDIR/drive$t.err" ] || fail "$(cat "$TMPDIR/drive$t.err"): $(tail -n 3 "$TMPDIR/pos$t.err")"
                kill -0 "$(cat "$TMPDIR/drive$t.pid")" 2>/dev/null || fail "terminal POS$t stopped"
            done
            i=$((i + 1))
            [ $i -lt 1200 ] || fail "the terminals stopped charging (answers: $(cat "$TMPDIR"/pos?.log | wc -l))"
            sleep 0.05
        done
    done
}

for n in 1 2 3 4; do
    drive $n &
    echo $! >"$TMPDIR/drive$n.pid"
done

# 4. the failovers
round=0 worst=0
while [ $round -lt "$ROUNDS" ]; do
    round=$((round + 1))
    set -- $(($(answers_of 1) + TAPS)) $(($(answers_of 2) + TAPS)) \
        $(($(answers_of 3) + TAPS)) $(($(answers_of 4) + TAPS))
    wait_answers "$@"
    eval "old_port=\$port_$primary new_port=\$port_$standby"
    set -- $(($(answers_of 1) + TAPS)) $(($(answers_of 2) + TAPS)) \
        $(($(answers_of 3) + TAPS)) $(($(answers_of 4) + TAPS))
    t_kill=$(now_ms)
    kill_server $primary
    sleep "$PAUSE"
    pgrun "$bindir/pg_ctl" -D "$base/$standby" -w -t 60 promote >/dev/null 2>&1 ||
        fail "pg_ctl promote: $(tail -n 5 "$base/$standby.log")"
    t_promoted=$(now_ms)
    wait_answers "$@"
    # the last terminal to charge again after the kill
    back=$(cat "$TMPDIR"/busy?.log | awk -v t="$t_kill" '$1 == "back" && $2 >= t { print $2 }' |
        sort -n | tail -n 1)
    [ -n "$back" ] || fail "no terminal was answered busy: the kill came between the taps"
    out=$((back - t_kill))
    [ $out -le $worst ] || worst=$out
    echo "pg_failover: round $round: primary killed, standby promoted $((t_promoted - t_kill)) ms" \
        "later (${PAUSE} s of it waiting, as a failure is noticed); every terminal charging again" \
        "$out ms after the kill"
    if [ $round -lt "$ROUNDS" ]; then
        # a new standby from the new primary, on the old one's port (the target stays)
        old=$primary primary=$standby standby=$old
        port=$(make_standby "$standby" "$new_port" "$old_port") || fail "a new standby"
        eval "port_$standby=\$port"
        make_sync "$new_port"
    else
        primary=$standby
    fi
done
touch "$TMPDIR/stop"
for n in 1 2 3 4; do
    wait "$(cat "$TMPDIR/drive$n.pid")" || fail "terminal POS$n: $(cat "$TMPDIR/drive$n.err" 2>/dev/null)"
    rm -f "$TMPDIR/drive$n.pid"
done
eval "port=\$port_$primary"

# 5. every charge answered ok is there once, with its sale, and nothing else
cat "$TMPDIR"/pos?.log >"$TMPDIR/answers"
total=$(wc -l <"$TMPDIR/answers")
grep -v ' {"ok":true,"sale_id":"' "$TMPDIR/answers" >"$TMPDIR/refused" &&
    fail "answers other than ok: $(head -n 3 "$TMPDIR/refused")"
sed 's/^\([^ ]*\) {"ok":true,"sale_id":"\([^"]*\)".*/\1 \2/' "$TMPDIR/answers" |
    LC_ALL=C sort >"$TMPDIR/ok"
# (POS5's October lunches of step 2b apart)
psql_at "$port" "SELECT request_id || ' ' || sale_id FROM charge_requests WHERE result = 'ok'
    AND request_id NOT LIKE 'POS5:%'" |
    LC_ALL=C sort >"$TMPDIR/requests"
psql_at "$port" "SELECT request_id || ' ' || id FROM sales WHERE request_id NOT LIKE 'POS5:%'" |
    LC_ALL=C sort >"$TMPDIR/sales"
cmp -s "$TMPDIR/ok" "$TMPDIR/requests" ||
    fail "the requests answered ok and those stored differ: $(diff "$TMPDIR/ok" "$TMPDIR/requests" | head -n 5)"
cmp -s "$TMPDIR/ok" "$TMPDIR/sales" ||
    fail "the charges answered ok and the sales stored differ: $(diff "$TMPDIR/ok" "$TMPDIR/sales" | head -n 5)"
[ "$(psql_at "$port" "SELECT count(*) FROM charge_requests
    WHERE request_id NOT LIKE 'POS5:%'")" -eq "$total" ] ||
    fail "requests stored that were never answered ok"
CLEANPLATE_DB="$TARGET" "$OFFICE" verify >"$TMPDIR/verify" 2>&1 ||
    fail "verify on the promoted server: $(cat "$TMPDIR/verify")"
grep -q " 0 problems" "$TMPDIR/verify" || fail "verify: $(cat "$TMPDIR/verify")"
busy=$(cat "$TMPDIR"/busy?.log | grep -c '^busy' || true)
repeated=$(grep -c '"repeated":true' "$TMPDIR/answers" || true)
echo "pg_failover: $ROUNDS failover(s), 4 terminals, $total charges answered ok and stored" \
    "once each; $busy taps answered busy and sent again ($repeated of them had been saved" \
    "before the answer was lost); at most $worst ms without a store"
echo "pg_failover ok"
