# Shared by the tests of cleanplate-office serve (sourced after
# tests/integration/lib.sh): start and stop a server on a free loopback port,
# send signed requests as a terminal (tests/tools/termreq.py), read answers.

# serve_start [OPTION...]: a server on a free loopback port ($ADDR, pid
# $SERVE, log $TMPDIR/serve.log), with the environment's store and business
# clock and the options given (--tls-cert ...).
serve_start() {
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    ADDR=127.0.0.1:$PORT
    # emptied here, not only by the server's redirection, which its own
    # process makes after the fork: until then the wait below could read the
    # last server's "listening on" and a request go to no one (a loaded
    # machine: serve_basic's request over TLS after a restart, in two full runs)
    : >"$TMPDIR/serve.log"
    "$OFFICE" serve --listen "$ADDR" "$@" 2>>"$TMPDIR/serve.log" &
    SERVE=$!
    trap 'kill "$SERVE" 2>/dev/null || true' EXIT
    i=0
    until grep -q "listening on" "$TMPDIR/serve.log"; do
        i=$((i + 1)); [ $i -lt 100 ] || fail "serve did not start: $(cat "$TMPDIR/serve.log")"
        sleep 0.05
    done
}

# serve_stop: SIGTERM, and the server must stop cleanly (exit 0, "stopped").
serve_stop() {
    kill -TERM "$SERVE"
    wait "$SERVE" || fail "serve exited $? on SIGTERM"
    trap - EXIT
    grep -q "stopped" "$TMPDIR/serve.log" || fail "no clean stop in the log"
}

# req CODE KEY METHOD PATH [BODY] [options]: status in $TMPDIR/status, answer in $TMPDIR/answer
req() {
    python3 tests/tools/termreq.py "$ADDR" "$@" >"$TMPDIR/req.out" || fail "termreq $*"
    sed -n 1p "$TMPDIR/req.out" >"$TMPDIR/status"
    sed -n 2p "$TMPDIR/req.out" >"$TMPDIR/answer"
}
status() { cat "$TMPDIR/status"; }
answer() { jq -r "$1" "$TMPDIR/answer"; }
# expect STATUS ERROR-or-ok: the last answer's status and error (or ok), and its server_time
expect() {
    [ "$(status)" = "$1" ] || fail "status $(status), not $1: $(cat "$TMPDIR/answer")"
    if [ "$2" = ok ]; then
        [ "$(answer .ok)" = true ] || fail "not ok: $(cat "$TMPDIR/answer")"
    else
        [ "$(answer .error)" = "$2" ] || fail "error '$(answer .error)', not $2: $(cat "$TMPDIR/answer")"
    fi
    [ "$(answer .server_time)" -gt 0 ] || fail "no server_time: $(cat "$TMPDIR/answer")"
}
