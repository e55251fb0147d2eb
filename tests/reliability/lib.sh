# Shared by the reliability tests (sourced, not run): the integration helpers,
# background processes that are always cleaned up, latency figures, randomness.
. tests/integration/lib.sh

# Every background process a test starts is tracked, and killed (by PID) when
# the test ends, however it ends.
BG_PIDS=""
track() { BG_PIDS="$BG_PIDS $1"; }
cleanup_bg() {
    for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null || true; done
    for p in $BG_PIDS; do wait "$p" 2>/dev/null || true; done
    BG_PIDS=""
}
# Forgets a process that has ended (so that cleanup_bg does not touch a reused PID).
untrack() {
    keep=""
    for p in $BG_PIDS; do [ "$p" = "$1" ] || keep="$keep $p"; done
    BG_PIDS=$keep
}
trap 'cleanup_bg' EXIT
trap 'exit 130' INT TERM

# A random number in [0, N).
rand() { echo $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % $1 )); }

# Waits until FILE has at least N lines, for at most SECONDS (default 10);
# returns non-zero on time-out.
wait_lines() {
    _f=$1 _n=$2 _tries=$(( ${3:-10} * 50 ))
    while [ "$(wc -l <"$_f" 2>/dev/null || echo 0)" -lt "$_n" ]; do
        _tries=$((_tries - 1))
        [ "$_tries" -gt 0 ] || return 1
        sleep 0.02
    done
}

# The "us" figures of the JSON answers in FILES, one a line, sorted.
us_values() { cat "$@" | sed -n 's/.*"us":\([0-9]*\).*/\1/p' | sort -n; }

# "N P50 P99 MAX" of the numbers (one a line, sorted) on stdin, nearest-rank.
percentiles() {
    awk '{ v[NR] = $1 }
         END {
             if (NR == 0) { print "0 0 0 0"; exit }
             p50 = int(NR * 0.50 + 0.999999); p99 = int(NR * 0.99 + 0.999999)
             print NR, v[p50], v[p99], v[NR]
         }'
}

# A latency over its budget: fails under RELIABILITY_BUDGETS=enforce (make
# soak), is printed otherwise (make check, on a machine it shares).
over_budget() {
    if [ "${RELIABILITY_BUDGETS:-enforce}" = enforce ]; then
        fail "$*"
    else
        echo "$(basename "$0" .sh): over budget, reported only (make soak enforces it): $*"
    fi
}

# Taps in FILES answered "busy": each waited the 5 s the terminal gives the
# database and charged nothing. On a healthy disk there are none; a disk that
# stalls for seconds (measured: 4.7 s fsyncs on the CI-sized VM) makes some.
# They are over the latency budget: reported in make check, failing the soak.
busy_taps() {
    _n=$(cat "$@" | grep -c '"error":"busy"' || true)
    [ "$_n" -eq 0 ] || over_budget "$_n taps answered busy after 5 s waiting for the database"
}

# Microseconds as milliseconds with one decimal.
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }

# Seconds since the epoch with fractions (for elapsed times).
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# Writes a config for station W1 that records trays quickly: a 300 g tray, no
# wait for a card (an untapped tray is anonymous at once), a 150 ms stability
# window and polls every 30 ms.
fast_station_ini() {
    cat >"$1" <<EOF
[station]
terminal = W1
tray_tare_g = 300
anonymous_after_ms = 0
[scale]
window_ms = 150
poll_ms = 30
EOF
}
