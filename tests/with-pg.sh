#!/bin/sh
# Runs a command with a throw-away PostgreSQL server, its target in
# CLEANPLATE_TEST_PG, so that the tests run on both engines; the server and
# its files are gone afterwards. One server for the whole command (make check).
#   - CLEANPLATE_TEST_PG already set: that server is used, none is started;
#   - root: Debian's pg_virtualenv (postgresql-common) makes a temporary
#     cluster owned by the postgres user, in a temporary folder (-t), so that
#     two runs at once do not meet (CI runs as root on a fresh Debian);
#   - any other user: initdb in a temporary folder, a socket there, no TCP;
#   - no PostgreSQL installed, or CLEANPLATE_TEST_PG=off: the command runs
#     without one, and the tests run on SQLite only (said on stderr).
# The test server does not sync to disk (fsync=off): it dies with the tests.
# With --sync (make bench) it syncs every commit as a real server does
# (fsync, synchronous_commit and full_page_writes on, PostgreSQL's defaults),
# it is always a new one (a server given in CLEANPLATE_TEST_PG may not sync),
# and CLEANPLATE_TEST_PG reaches it over its local socket.
# Usage: tests/with-pg.sh [--sync] COMMAND [ARG...]
set -u

sync=""
if [ "${1:-}" = --sync ]; then
    sync=1
    shift
fi
if [ "${CLEANPLATE_TEST_PG:-}" = off ]; then
    unset CLEANPLATE_TEST_PG
    exec "$@"
fi
[ -n "${CLEANPLATE_TEST_PG:-}" ] && [ -z "$sync" ] && exec "$@"

bindir=$(pg_config --bindir 2>/dev/null)
[ -n "$bindir" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
durability=${sync:+on}
durability=${durability:-off}
settings="-c fsync=$durability -c synchronous_commit=$durability -c full_page_writes=$durability"

if [ "$(id -u)" -eq 0 ] && command -v pg_virtualenv >/dev/null 2>&1 &&
    [ -x "$bindir/postgres" ] && [ -n "$sync" ]; then
    # local connections are trusted (root is not the postgres user, whom peer
    # authentication would ask for); the socket's folder is the server's own
    exec pg_virtualenv -t -o fsync=on -o synchronous_commit=on -o full_page_writes=on \
        -i --auth-local=trust sh -c 'socket=$(psql -XAtc "SHOW unix_socket_directories") ||
            exit 1
        CLEANPLATE_TEST_PG="postgresql:///postgres?host=${socket%%,*}&port=$PGPORT&user=$PGUSER"
        export CLEANPLATE_TEST_PG
        exec "$@"' with-pg "$@"
fi
if [ "$(id -u)" -eq 0 ] && command -v pg_virtualenv >/dev/null 2>&1 &&
    [ -x "$bindir/postgres" ]; then
    # pg_virtualenv exports PGHOST, PGPORT, PGUSER and PGPASSWORD: an empty
    # URI reaches its server through them
    exec pg_virtualenv -t -o fsync=off -o synchronous_commit=off -o full_page_writes=off \
        sh -c 'CLEANPLATE_TEST_PG=postgresql:// exec "$@"' with-pg "$@"
fi

if [ "$(id -u)" -ne 0 ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/cp-pg-XXXXXX")
    stop() {
        "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
        rm -rf "$dir"
    }
    trap stop EXIT
    trap 'exit 1' INT TERM
    if "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync \
            >"$dir/initdb.log" 2>&1 &&
        "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
            -o "-k $dir -c listen_addresses= $settings" start >/dev/null 2>&1; then
        CLEANPLATE_TEST_PG="postgresql:///postgres?host=$dir&user=postgres"
        export CLEANPLATE_TEST_PG
        "$@"
        exit $?
    fi
    echo "with-pg: could not start a PostgreSQL in $dir:" >&2
    tail -n 5 "$dir/initdb.log" "$dir/server.log" >&2 2>/dev/null
    exit 1
fi

echo "with-pg: no PostgreSQL server to start (install postgresql-15: scripts/install-deps.sh);" \
    "the tests run on SQLite only" >&2
exec "$@"
