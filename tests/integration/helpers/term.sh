# Shared by the term_*.sh tests (sourced after lib.sh; not a test itself): the canteen
# server on a free loopback port, and what a terminal's journal holds.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
SERVE=
# start_serve: `cleanplate-office serve` on $PORT, its pid in $SERVE
start_serve() {
    : >"$TMPDIR/serve.log"
    # fds 3-5 are closed for it: a test may hold FIFOs of cards open there,
    # whose end the terminal must see when the test closes it
    "$OFFICE" serve --listen "127.0.0.1:$PORT" 2>"$TMPDIR/serve.log" 3>&- 4>&- 5>&- &
    SERVE=$!
    i=0
    until grep -q "listening on" "$TMPDIR/serve.log"; do
        i=$((i + 1)); [ $i -lt 100 ] || fail "serve did not start: $(cat "$TMPDIR/serve.log")"
        sleep 0.05
    done
}
# pause_serve: the server stops answering (SIGSTOP), and this returns only
# once every thread of it has stopped. kill(2) returns before that: one
# thread takes the stop and then asks the others, so on a loaded machine a
# connection thread could still answer the request sent next.
pause_serve() {
    kill -STOP "$SERVE"
    i=0
    while grep -qv '^[^)]*) [tT]' /proc/"$SERVE"/task/*/stat 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 200 ] || fail "serve did not stop"
        sleep 0.01
    done
}
# kill_serve: the server dies (kill -9), as at a power cut
kill_serve() { kill -9 "$SERVE"; wait "$SERVE" 2>/dev/null || true; SERVE=; }
# journal SQL: a query on the terminal's journal $JOURNAL
journal() { sqlite3 -cmd ".timeout 5000" "$JOURNAL" "$1"; }
pending() { journal "SELECT count(*) FROM journal_events WHERE delivered = 0"; }
# once REQUEST_ID: the sale of that request is in the store exactly once
once() {
    n=$(sql "SELECT count(*) FROM sales WHERE request_id = '$1'")
    [ "$n" = 1 ] || fail "request $1 is in the store $n times"
}
# pos_on_fifo [OPTION...]: POS1 on $URL reading cards from a FIFO the test
# writes on fd 3 (echo CARD >&3; exec 3>&- ends it); its pid in $POSPID,
# answers in $TMPDIR/answers
pos_on_fifo() {
    mkfifo "$TMPDIR/cards"
    : >"$TMPDIR/answers" # there before the terminal opens it (after the FIFO)
    "$POS" --headless --terminal POS1 --server "$URL" --key "$KEY" --journal "$JOURNAL" "$@" \
        <"$TMPDIR/cards" >"$TMPDIR/answers" 2>"$TMPDIR/pos.err" &
    POSPID=$!
    exec 3>"$TMPDIR/cards"
}
# answers N: waits until the terminal wrote N answer lines
answers() {
    i=0
    until [ "$(wc -l <"$TMPDIR/answers")" -ge "$1" ]; do
        i=$((i + 1)); [ $i -lt 200 ] || fail "no answer $1: $(cat "$TMPDIR/pos.err")"
        sleep 0.05
    done
}
