# Shared by the integration tests (sourced, not run): programs, a small canteen, checks.
set -eu
OFFICE="$BUILD/cleanplate-office"
POS="$BUILD/cleanplate-pos"
SCALE="$BUILD/cleanplate-scale"
# The store: a SQLite file, or the PostgreSQL schema that run-integration.sh
# made for a script that runs on both engines (CLEANPLATE_TEST_STORE).
export CLEANPLATE_DB="${CLEANPLATE_TEST_STORE:-$TMPDIR/canteen.db}"
export CLEANPLATE_USER=test
export CLEANPLATE_NOW=2026-11-20T12:00:00
# The programs speak the language of the locale: the tests read English unless they
# ask for Chinese themselves (env LANG=zh_CN.UTF-8, --language zh_CN), whatever the
# machine that runs them is set to.
unset LC_ALL LC_MESSAGES LC_CTYPE LANGUAGE
export LANG=C.UTF-8

fail() { echo "FAIL: $*" >&2; exit 1; }

. scripts/store.sh
# sql QUERY: runs QUERY on the store with its engine's client, rows one a
# line, columns separated by | (sqlite3's and psql -A's way alike).
sql() { store_sql "$CLEANPLATE_DB" '|' "$1"; }

# Whether the store is on PostgreSQL (a few checks are of SQLite files).
on_pg() { store_is_pg "$CLEANPLATE_DB"; }

# drop_trigger NAME TABLE: drops a guard as someone with the owner's rights could.
drop_trigger() {
    if on_pg; then sql "DROP TRIGGER $1 ON $2"; else sql "DROP TRIGGER $1"; fi
}

# Runs a command that must fail; its stderr must contain the given text.
must_fail() {
    want=$1; shift
    if "$@" >"$TMPDIR/out" 2>"$TMPDIR/err"; then
        fail "expected failure: $*"
    fi
    grep -qF -- "$want" "$TMPDIR/err" || fail "'$*' said '$(cat "$TMPDIR/err")', not '$want'"
    [ "$(wc -l <"$TMPDIR/err")" -eq 1 ] || fail "'$*' wrote more than one line on stderr"
}

# Who may move money: the database's first admin, and a manager that the
# money commands name. PINs of managers and admins have six digits or more.
ADMIN=root ADMIN_PIN=135790
MANAGER=boss MANAGER_PIN=246810
# Runs an office command that moves money as the manager: --manager and the
# PIN on stdin, as a script gives it (`as_manager topup S0001 10`).
as_manager() { echo "$MANAGER_PIN" | "$OFFICE" "$@" --manager "$MANAGER"; }
# add_user NAME ROLE PIN: the admin adds a user (stdin: the admin's PIN, then
# the new PIN twice, as typed and confirmed on a terminal).
add_user() {
    printf '%s\n%s\n%s\n' "$ADMIN_PIN" "$3" "$3" |
        "$OFFICE" user add "$1" --role "$2" --manager "$ADMIN" >/dev/null
}
# A new database with its admin (added without a manager: the only one) and the manager.
setup_users() {
    "$OFFICE" init >/dev/null
    printf '%s\n%s\n' "$ADMIN_PIN" "$ADMIN_PIN" | "$OFFICE" user add "$ADMIN" --role admin >/dev/null
    add_user "$MANAGER" manager "$MANAGER_PIN"
}

# A canteen C1 with POS1..POS8, lunch and dinner, departments D01-D03 and
# N diners (default 20) S0001.. with cards 0000000001.., staff category;
# its users are those of setup_users.
setup_canteen() {
    n=${1:-20}
    setup_users
    "$OFFICE" canteen add C1 "机关一食堂" >/dev/null
    for t in 1 2 3 4 5 6 7 8; do "$OFFICE" terminal add "POS$t" --canteen C1 --kind pos >/dev/null; done
    "$OFFICE" period set --canteen C1 lunch 11:00-13:30 >/dev/null
    "$OFFICE" period set --canteen C1 dinner 17:00-19:00 >/dev/null
    as_manager price set --canteen C1 --period lunch --category staff 8 >/dev/null
    as_manager price set --canteen C1 --period dinner --category staff 8 >/dev/null
    printf 'code,name,parent_code\nU1,市政府,\nD01,办公室,U1\nD02,财务处,U1\nD03,人事处,U1\n' >"$TMPDIR/dep.csv"
    "$OFFICE" import departments "$TMPDIR/dep.csv" >/dev/null
    {
        echo "staff_no,name,department_code,category,card"
        i=1
        while [ "$i" -le "$n" ]; do
            printf 'S%04d,职工%d,D0%d,staff,%010d\n' "$i" "$i" $((i % 3 + 1)) "$i"
            i=$((i + 1))
        done
    } >"$TMPDIR/diners.csv"
    "$OFFICE" import diners "$TMPDIR/diners.csv" >/dev/null
}

# A month of lunches at canteen C1 (POS1, waste station W1): departments A-G
# under GOV with six staff diners each (A1..G6, cards 1..42), 200 yuan of
# subsidy each, four lunches (2026-11-02..05) of all 42 and their trays, each
# weighing (department's number x 6 + diner) grams; the users of setup_users.
setup_month() {
    setup_users
    "$OFFICE" canteen add C1 "机关一食堂" >/dev/null
    "$OFFICE" terminal add POS1 --canteen C1 --kind pos >/dev/null
    "$OFFICE" terminal add W1 --canteen C1 --kind waste >/dev/null
    "$OFFICE" period set --canteen C1 lunch 11:00-13:30 >/dev/null
    as_manager price set --canteen C1 --period lunch --category staff 8 >/dev/null
    {
        echo "code,name,parent_code"
        echo "GOV,市政府,"
        for d in A B C D E F G; do echo "$d,第${d}处,GOV"; done
    } >"$TMPDIR/dep.csv"
    "$OFFICE" import departments "$TMPDIR/dep.csv" >/dev/null
    {
        echo "staff_no,name,department_code,category,card"
        n=0
        for d in A B C D E F G; do
            for i in 1 2 3 4 5 6; do
                n=$((n + 1))
                echo "$d$i,职工$n,$d,staff,$n"
            done
        done
    } >"$TMPDIR/diners.csv"
    "$OFFICE" import diners "$TMPDIR/diners.csv" >/dev/null
    as_manager subsidy grant --month 2026-11 200 >/dev/null
    # four lunches; each tray weighs (department's number x 6 + diner) grams,
    # written down and imported at the end (import weighings)
    echo "at,stage,staff_no,department,canteen,grams,category,reason" >"$TMPDIR/trays.csv"
    for day in 02 03 04 05; do
        seq 1 42 | CLEANPLATE_NOW=2026-11-${day}T12:00:00 "$POS" --headless --terminal POS1 \
            >"$TMPDIR/lunch$day" || fail "lunch $day"
        [ "$(grep -c '"ok":true' "$TMPDIR/lunch$day")" -eq 42 ] || fail "not every lunch was charged"
        k=0
        for d in A B C D E F G; do
            k=$((k + 1))
            for i in 1 2 3 4 5 6; do
                echo "2026-11-${day}T12:30:00,plate,$d$i,,,$((k * 6 + i)),," >>"$TMPDIR/trays.csv"
            done
        done
    done
    CLEANPLATE_NOW=2026-11-05T13:00:00 as_manager import weighings "$TMPDIR/trays.csv" \
        --terminal W1 >/dev/null || fail "import weighings"
}

# Screen tests run the program in a private tmux server ($T), in session $S
# (default pos); tmux_start NAME names the server, the caller sets its trap
# (kill-server). The server stays up when its last session is killed
# (exit-empty off): a script that kills a session and starts the next one
# would otherwise race the server's exit, and tmux fails the new session
# with "server exited unexpectedly" (seen 2 in 54 runs on a loaded machine).
tmux_start() {
    command -v tmux >/dev/null || fail "tmux is missing: apt-get install tmux"
    SOCK="cp-$1-$$"
    echo 'set -s exit-empty off' >"${TMPDIR:-/tmp}/tmux-$1.conf"
    T="tmux -L $SOCK -f ${TMPDIR:-/tmp}/tmux-$1.conf"
}
screen() { $T capture-pane -p -t "${S:-pos}"; }
# Waits up to 10 s for text on the screen (generous for a loaded CI machine;
# it returns as soon as the text is there); fails showing the screen.
wait_for() {
    i=0
    while ! screen | grep -qF -- "$1"; do
        i=$((i + 1))
        [ $i -lt 200 ] || fail "'$1' never appeared on screen:
$(screen)"
        sleep 0.05
    done
}
# What a person types: the keys, a pause (slower than a reader), then Enter.
type_in() {
    $T send-keys -t "${S:-pos}" -l -- "$1"; sleep 0.2
    $T send-keys -t "${S:-pos}" Enter; sleep 0.1
}
key() { $T send-keys -t "${S:-pos}" "$@"; sleep 0.15; }

# Scales under umockdev: a tty device backed by a pty (tests/umockdev/
# scale-ftdi.umockdev), found by libserialport thanks to the TIOCM shim.
# Scripts start with `w 0 $PORT_READY`: the shim writes that mark when the
# program flushes the port it has opened and set up, so the frames after it
# are never sent before the port is ready (no racing the set-up with a delay).
SCALE_DEV=tests/umockdev/scale-ftdi.umockdev
SCALE_SHIM="$BUILD/tiocm_shim.so"
PORT_READY='@@port-ready@@'

# Runs cleanplate-scale ARGS under umockdev with SCRIPT replayed on /dev/ttyUSB0.
scale_replay() {
    [ -f "$SCALE_SHIM" ] || fail "no $SCALE_SHIM: build it with make $SCALE_SHIM"
    script=$1; shift
    CP_SHIM_FLUSH_MARK="$PORT_READY" umockdev-run -d "$SCALE_DEV" -s "/dev/ttyUSB0=$script" -- \
        sh -c 'LD_PRELOAD="$0:$LD_PRELOAD" exec "$@"' "$SCALE_SHIM" "$SCALE" "$@"
}
