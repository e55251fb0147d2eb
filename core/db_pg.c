/* db_pg: the PostgreSQL engine of the store (libpq), for canteens and cities that share one.
 *
 * Here: the connection (opened, set up for the session, made again after it
 * was lost), its errors in the project's codes, transactions and the locks
 * they take, the append-only guards, roles, and the engine's table. How
 * statements are prepared and run, and the queue that sends several in one
 * round trip, are in core/db_pg_stmt.c; what both files share is in
 * core/db_pg_int.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db_pg_int.h"

/* How long a writer waits for the write lock (pg_begin) before answering
 * busy: the SQLite engine's busy timeout, so that both engines give up at
 * the same moment. */
#define LOCK_TIMEOUT "5s"

/* How long connecting may take when the target does not say (libpq waits
 * for as long as TCP does otherwise, minutes): a terminal then answers busy. */
#define CONNECT_TIMEOUT "5"

/* The advisory lock every write transaction takes (pg_begin; shared by
 * pg_begin_shared's): any fixed number, here "CLEANPLT" in ASCII, unlikely
 * to be another program's. */
#define WRITE_LOCK_KEY "4848570296880960596"
/* The lock of one audit chain (pg_lock_chain) is a pair of 32-bit keys,
 * which PostgreSQL keeps apart from the 64-bit ones: this ("CPCH"), and a
 * hash of the chain's name. Two chains whose names hash alike share a lock:
 * they only wait for each other. */
#define CHAIN_LOCK_KEY "1129333576"

/* Notes one round trip to the server (how: exec, prepare, describe,
 * pipeline), which sends nstmts statements, sql the last of them, as a line
 * of the trace file when CLEANPLATE_PG_TRACE names one: the benchmarks
 * count the round trips of a charge (tests/bench/bench_pg.c), which decide
 * its speed on a server that answers quickly. */
void pg_trip(pg *c, const char *how, int nstmts, const char *sql)
{
    if (!c->trace)
        return;
    /* one line of at most 200 bytes of the statement, so that lines count trips */
    fprintf(c->trace, "%s\t%d\t%.*s\n", how, nstmts, (int)strcspn(sql, "\n") < 200
            ? (int)strcspn(sql, "\n") : 200, sql);
    fflush(c->trace);
}

/* ---- errors ------------------------------------------------------------ */

static void trim_copy(char *dst, size_t size, const char *src)
{
    size_t n;

    snprintf(dst, size, "%s", src ? src : "");
    n = strlen(dst);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
}

/* Keeps what went wrong: res's error, or the connection's when res has
 * none (the server was not reached). */
void pg_remember(pg *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    c->failed_what = NULL;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    trim_copy(c->msg, sizeof c->msg, primary ? primary : PQerrorMessage(c->conn));
    c->committing = 0;
}

/* Whether the last error means that the server could not be reached or
 * went away: no connection, a connection exception (class 08), or the server
 * shutting down (57P01-57P03). */
static int lost(const pg *c)
{
    return PQstatus(c->conn) == CONNECTION_BAD || strncmp(c->sqlstate, "08", 2) == 0 ||
           (strncmp(c->sqlstate, "57P0", 4) == 0 && c->sqlstate[4] >= '1' &&
            c->sqlstate[4] <= '3');
}

/* Translates the last error into the project's codes; what is being done
 * is said first, as the SQLite engine does. */
cp_err pg_fail(db *d, const char *what)
{
    pg *c = pg_of(d);
    const char *s = c->sqlstate;

    if (c->failed_what) { /* a statement sent with another failed: say what it did */
        what = c->failed_what;
        c->failed_what = NULL;
    }
    if (lost(c) && c->committing)
        return cp_fail(CP_ERR_BUSY, "%s: the connection to the database server %s was lost "
                       "while committing (%s): it may or may not have been saved; send the "
                       "same request again (a repeated request is answered once)", what,
                       d->path, c->msg);
    if (lost(c))
        return cp_fail(CP_ERR_BUSY, "%s: the database server %s was unreachable (%s), so "
                       "nothing was done; try again when it is back", what, d->path, c->msg);
    /* class 23, as SQLite's SQLITE_CONSTRAINT: unique, check, foreign key, and
     * the guards of the append-only tables, which raise integrity_constraint_violation */
    if (strncmp(s, "23", 2) == 0)
        return cp_fail(CP_ERR_EXISTS, "%s: %s", what, c->msg);
    /* serialization failure, deadlock, lock timeout, statement timeout */
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0 ||
        strcmp(s, "57014") == 0)
        return cp_fail(CP_ERR_BUSY, "%s: the database stayed busy (%s); try again", what,
                       c->msg);
    if (strcmp(s, "53100") == 0)
        return cp_fail(CP_ERR_FULL, "%s: the disk of the database server %s is full, so "
                       "nothing was saved: free some space on it, then try again", what,
                       d->path);
    if (strcmp(s, "53200") == 0)
        return cp_fail(CP_ERR_NOMEM, "%s: the database server %s is out of memory (%s)", what,
                       d->path, c->msg);
    /* read_only_sql_transaction: a hot standby (a --db naming it alone, or
     * target_session_attrs=standby), or a read-only role */
    if (strcmp(s, "25006") == 0)
        return cp_fail(CP_ERR_ACCESS, "%s: the database server %s takes no writes (a standby, "
                       "or a read-only session), and this command writes: give --db the "
                       "primary (with several hosts, target_session_attrs=read-write)", what,
                       d->path);
    if (strcmp(s, "42501") == 0 || strncmp(s, "28", 2) == 0)
        return cp_fail(CP_ERR_ACCESS, "%s: %s (%s): ask the database's owner for the rights "
                       "this program needs", what, c->msg, d->path);
    return cp_fail(CP_ERR_DB, "%s: %s", what, c->msg);
}

static cp_err pg_exec(db *d, const char *sql)
{
    return pg_run(d, sql, "running SQL", NULL);
}

/* The first column of the one row of sql as an integer (0 for NULL). */
static cp_err one_int(db *d, const char *sql, const char *what, int *v)
{
    PGresult *res = NULL;
    cp_err err = pg_run(d, sql, what, &res);

    if (!err)
        *v = PQntuples(res) > 0 ? atoi(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    return err;
}

/* ---- the connection ------------------------------------------------------ */

static void quiet(void *arg, const char *message)
{
    /* NOTICEs ("relation already exists, skipping") are not for the user */
    (void)arg;
    (void)message;
}

/* What every connection gets: UTF-8, the write lock's timeout, no notices
 * (and with DB_OPEN_SHORT no JIT). */
static cp_err session_setup(db *d)
{
    pg *c = pg_of(d);
    cp_err err;

    PQsetNoticeProcessor(c->conn, quiet, NULL);
    pg_trip(c, "exec", 1, "SET client_encoding");
    if (PQsetClientEncoding(c->conn, "UTF8") != 0) {
        pg_remember(c, NULL);
        return pg_fail(d, "setting the encoding");
    }
    if (c->no_jit && (err = pg_exec(d, "SET jit = off")))
        return err;
    return pg_exec(d, "SET lock_timeout = '" LOCK_TIMEOUT "'");
}

/* A new connection after the old one was lost, when no transaction of ours
 * was open on it (a lost transaction is rolled back by the server and
 * reported to its caller, never continued on another connection). */
cp_err pg_reconnect(db *d)
{
    pg *c = pg_of(d);

    if (PQstatus(c->conn) == CONNECTION_OK || c->txn)
        return CP_OK;
    PQreset(c->conn);
    c->gen++;
    if (PQstatus(c->conn) != CONNECTION_OK) {
        pg_remember(c, NULL);
        return pg_fail(d, "reconnecting");
    }
    return session_setup(d);
}

static cp_err pg_get_version(db *d, int *v)
{
    int have = 0;
    cp_err err = one_int(d, "SELECT count(*) FROM pg_class WHERE oid = to_regclass('schema_version')",
                         "reading the schema version", &have);

    *v = 0;
    if (!err && have)
        err = one_int(d, "SELECT version FROM schema_version", "reading the schema version", v);
    return err;
}

/* The version is the one row of schema_version (SQLite keeps it in PRAGMA
 * user_version, which PostgreSQL has no counterpart of). */
static cp_err pg_set_version(db *d, int v)
{
    char sql[256];

    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS schema_version (one BOOLEAN PRIMARY KEY DEFAULT TRUE"
             " CHECK (one), version INTEGER NOT NULL);"
             "INSERT INTO schema_version(version) VALUES (%d)"
             " ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version", v);
    return pg_exec(d, sql);
}

/* Refuses a schema of version 0 that already holds tables: another
 * program's, which init must not fill with ours. The store is the first
 * schema of the search path (public unless the URI says otherwise). */
static cp_err check_not_foreign(db *d)
{
    PGresult *res = NULL;
    cp_err err = pg_run(d, "SELECT current_schema(), (SELECT count(*) FROM pg_class k"
                           " JOIN pg_namespace n ON n.oid = k.relnamespace"
                           " WHERE n.nspname = current_schema() AND k.relkind IN ('r', 'p', 'v', 'm', 'f'))",
                        "reading the tables", &res);

    if (err)
        return err;
    if (PQgetisnull(res, 0, 0))
        err = cp_fail(CP_ERR_NOT_FOUND, "%s: no schema of the search path exists: create it, "
                      "or give a URI without options=-csearch_path", d->path);
    else if (atol(PQgetvalue(res, 0, 1)) > 0)
        err = cp_fail(CP_ERR_INVALID, "%s (schema %s) is another program's database, not "
                      "CleanPlate's: give --db the canteen's database, or a new one for init",
                      d->path, PQgetvalue(res, 0, 0));
    PQclear(res);
    return err;
}

/* d->path is what was given, which may hold a password: messages name the
 * store as user@host:port/dbname instead. */
static cp_err name_for_messages(db *d)
{
    PGconn *conn = pg_of(d)->conn;
    const char *host = PQhost(conn);
    char *name = NULL;

    if (asprintf(&name, "postgresql://%s@%s:%s/%s", PQuser(conn),
                 host && host[0] == '/' ? "(socket)" : host ? host : "", PQport(conn),
                 PQdb(conn)) < 0)
        return cp_fail(CP_ERR_NOMEM, "out of memory opening %s", PQdb(conn));
    free(d->path);
    d->path = name;
    return CP_OK;
}

/* The secrets target names, at most max (start and length into at[],
 * len[]): a URI's userinfo password (postgresql://user:PASSWORD@host/...,
 * up to the last @ before the query: a password may hold a / that libpq
 * takes for the path), and the value of every key ending in "password"
 * (password, sslpassword), in a URI's query or a key=value conninfo. */
static size_t passwords(const char *target, const char **at, size_t *len, size_t max)
{
    const char *auth = strstr(target, "://"), *end, *amp = NULL, *colon, *p;
    size_t n = 0;

    if (auth) {
        auth += 3;
        end = auth + strcspn(auth, "?");
        for (p = auth; p < end; p++)
            if (*p == '@')
                amp = p;
        if (amp && (colon = memchr(auth, ':', (size_t)(amp - auth))) && n < max) {
            at[n] = colon + 1;
            len[n++] = (size_t)(amp - colon - 1);
        }
    }
    /* KEY=VALUE with KEY ending in "password": in a query up to & or #, in
     * a conninfo up to a space */
    for (p = target; (p = strstr(p, "password")) && n < max; p++) {
        const char *v = p + 8;
        v += strspn(v, " \t");
        if (*v != '=')
            continue;
        v++;
        v += strspn(v, " \t");
        at[n] = v;
        len[n++] = strcspn(v, auth ? "&#" : " \t");
    }
    return n;
}

/* Whether the len bytes at t are a piece of one of the secrets. */
static int in_secret(const char *t, size_t len, const char *const *at, const size_t *slen,
                     size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (size_t o = 0; len && o + len <= slen[k]; o++)
            if (memcmp(at[k] + o, t, len) == 0)
                return 1;
    return 0;
}

/* Appends src to f with target written as masked, every secret of target
 * (at[], len[], n) as ***, and a quoted "token" that is a piece of one as
 * "***" (libpq quotes what it could not read: the part of a password
 * before a / read as the port). */
static void put_masked(FILE *f, const char *src, const char *target, const char *masked,
                       const char *const *at, const size_t *len, size_t n)
{
    size_t tlen = strlen(target);

    while (*src) {
        size_t k, hit = 0;
        const char *close;
        if (tlen && strncmp(src, target, tlen) == 0) {
            fputs(masked, f);
            src += tlen;
            continue;
        }
        if (*src == '"' && (close = strchr(src + 1, '"')) &&
            in_secret(src + 1, (size_t)(close - src - 1), at, len, n)) {
            fputs("\"***\"", f);
            src = close + 1;
            continue;
        }
        for (k = 0; k < n && !hit; k++)
            if (len[k] && strncmp(src, at[k], len[k]) == 0)
                hit = len[k];
        if (hit) {
            fputs("***", f);
            src += hit;
        } else {
            fputc(*src++, f);
        }
    }
}

/* msg (libpq's) with every secret of target masked, malloc'd, trimmed of
 * its trailing newline; *secrets gets how many secrets target has. NULL
 * when out of memory. */
static char *masked_message(const char *target, const char *msg, size_t *secrets)
{
    const char *at[4];
    char *masked = NULL, *clean = NULL;
    size_t len[4], n, size = 0;
    FILE *f;

    n = passwords(target, at, len, 4);
    *secrets = n;
    /* the target with its secrets masked, then the message with it */
    if ((f = open_memstream(&masked, &size))) {
        put_masked(f, target, "", "", at, len, n);
        fclose(f);
    }
    if (masked && (f = open_memstream(&clean, &size))) {
        put_masked(f, msg, target, masked, at, len, n);
        fclose(f);
    }
    free(masked);
    if (clean) {
        size = strlen(clean);
        while (size > 0 && (clean[size - 1] == '\n' || clean[size - 1] == ' '))
            clean[--size] = '\0';
    }
    return clean;
}

/* Checks that libpq reads target before connecting: its message about a
 * target it cannot read quotes the URI, or the token it stopped at,
 * password and all (a bracket left open, a bad %-escape, ?password=), and
 * goes to stderr and serve's log. Every secret of the target is masked in
 * it, before anything is cut to length. */
static cp_err check_target(const char *target)
{
    char *libpq = NULL, *clean;
    PQconninfoOption *opts = PQconninfoParse(target, &libpq);
    size_t n = 0;
    cp_err err;

    if (opts) {
        PQconninfoFree(opts);
        return CP_OK;
    }
    clean = masked_message(target, libpq ? libpq : "out of memory", &n);
    PQfreemem(libpq);
    /* what to do first: a long URI's message is cut */
    if (n)
        err = cp_fail(CP_ERR_INVALID, "the database URI cannot be read (its password shown as "
                      "***); check it, and give the password in ~/.pgpass rather than in the "
                      "URI: %s", clean ? clean : "out of memory");
    else
        err = cp_fail(CP_ERR_INVALID, "the database URI cannot be read; check it: %s",
                      clean ? clean : "out of memory");
    free(clean);
    return err;
}

static cp_err pg_open(db *d, int flags)
{
    /* the target is expanded after the default timeout: its own one wins */
    const char *const keywords[] = {"connect_timeout", "dbname", NULL};
    const char *const values[] = {CONNECT_TIMEOUT, d->path, NULL};
    int version = 0;
    pg *c;
    cp_err err;

    /* DB_OPEN_CREATE: the database itself is made by its owner (createdb), never here */
    if ((err = check_target(d->path)))
        return err;
    if (!(c = calloc(1, sizeof *c)))
        return cp_fail(CP_ERR_NOMEM, "out of memory opening the database");
    d->conn = c;
    c->owner = d;
    c->no_jit = (flags & DB_OPEN_SHORT) != 0;
    c->writers = DB_WRITERS_DEFAULT;
    if (getenv("CLEANPLATE_PG_TRACE") && *getenv("CLEANPLATE_PG_TRACE"))
        c->trace = fopen(getenv("CLEANPLATE_PG_TRACE"), "a"); /* none when it cannot be opened */
    c->conn = PQconnectdbParams(keywords, values, 1);
    if (!c->conn)
        return cp_fail(CP_ERR_NOMEM, "out of memory opening the database");
    if (PQstatus(c->conn) != CONNECTION_OK) {
        char msg[512], *clean;
        size_t secrets;
        /* libpq's words may hold a piece of a secret it read as another
         * option (a password's part before a / as the port) */
        clean = masked_message(d->path, PQerrorMessage(c->conn), &secrets);
        trim_copy(msg, sizeof msg, clean ? clean : "out of memory");
        free(clean);
        /* TLS first: a CA file missing says "... does not exist" too */
        if (strstr(msg, "certificate") || strstr(msg, "SSL"))
            return cp_fail(CP_ERR_ACCESS, "cannot open the database over TLS: %s: give the "
                           "CA's certificate in the URI (sslrootcert=FILE), and the host name "
                           "the server's certificate names", msg);
        if (strstr(msg, "database \"") && strstr(msg, "does not exist"))
            return cp_fail(CP_ERR_NOT_FOUND, "cannot open the database: %s: create it "
                           "(createdb NAME as its owner), then run `cleanplate-office init`",
                           msg);
        if (strstr(msg, "authentication") || strstr(msg, "password") ||
            strstr(msg, "does not exist"))
            return cp_fail(CP_ERR_ACCESS, "cannot open the database: %s: check the user and "
                           "password in the URI (or ~/.pgpass)", msg);
        return cp_fail(CP_ERR_BUSY, "the database server was unreachable (%s), so nothing "
                       "was done; check the URI and that the server is up, then try again", msg);
    }
    if ((err = name_for_messages(d)) || (err = session_setup(d)) ||
        (err = pg_get_version(d, &version)) || (version == 0 && (err = check_not_foreign(d))))
        return err;
    return CP_OK;
}

static void pg_close(db *d)
{
    pg *c = d->conn;

    if (!c)
        return;
    PQfinish(c->conn);
    if (c->trace)
        fclose(c->trace);
    free(c);
    d->conn = NULL;
}

static cp_err pg_defer_checks(db *d)
{
    return pg_exec(d, "SET CONSTRAINTS ALL DEFERRED");
}

/* Moves the sequence of every identity column of the store's schema past
 * the largest id its table holds. */
static cp_err pg_sync_ids(db *d)
{
    return pg_exec(d,
        "DO $$ DECLARE r record; BEGIN"
        " FOR r IN SELECT k.relname, a.attname FROM pg_attribute a"
        "   JOIN pg_class k ON k.oid = a.attrelid JOIN pg_namespace n ON n.oid = k.relnamespace"
        "   WHERE n.nspname = current_schema() AND a.attidentity <> '' AND NOT a.attisdropped"
        " LOOP EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L),"
        "   coalesce((SELECT max(%I) FROM %I), 0) + 1, false)',"
        "   r.relname, r.attname, r.attname, r.relname);"
        " END LOOP; END $$");
}

static int64_t pg_changes(db *d)
{
    return pg_of(d)->changes;
}

/* ---- transactions ------------------------------------------------------- */

/* Opens a transaction with begin and lock (literals), which are sent with
 * its first statement; on failure, nothing is open. */
static cp_err open_txn(db *d, const char *begin, const char *lock)
{
    pg *c = pg_of(d);
    cp_err err;

    if ((err = pg_reconnect(d)))
        return err;
    pg_drop_queue(c);
    pg_queue_literal(c, begin);
    if (lock)
        pg_queue_literal(c, lock);
    c->txn = 1;
    return CP_OK;
}

/* db_begin_read: no lock, one snapshot (sent with the first statement).
 * Nothing is compiled first (jit off, as DB_OPEN_SHORT's connections):
 * verify reads the log in thousands of short pages, and the planner, which
 * cannot guess how many ledger entries a range of ids holds, took each
 * page of them for millions of rows and compiled it for 0.5 s before
 * running it in 5 ms (a city's month: 87 s, 2.2 s without). */
static cp_err pg_begin_read(db *d)
{
    pg *c = pg_of(d);
    cp_err err = open_txn(d, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                          "SET LOCAL jit = off");

    c->alone = 0;
    c->shared = 0;
    return err;
}

/* A write transaction: BEGIN, then the one advisory lock that every writer
 * takes, so that writers run one at a time as on SQLite (BEGIN IMMEDIATE).
 * The code relies on that: the audit chain reads its head and appends after
 * it in one transaction, ids_next counts a terminal's sequence, a top-up or
 * a grant reads and writes wallets, an import checks what exists before it
 * writes. Under READ COMMITTED with this lock, each of those reads sees
 * every write committed before the lock was granted, exactly as under
 * SQLite's lock: a transaction is visible before its locks are released.
 * Readers (reports, metrics, the UI's lists) take no lock and are never held
 * up. The lock is released at COMMIT or ROLLBACK, and a writer that waits
 * for it longer than LOCK_TIMEOUT is answered busy, as SQLite's busy timeout
 * does. */
static cp_err pg_begin(db *d)
{
    pg *c = pg_of(d);
    cp_err err = open_txn(d, "BEGIN", "SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")");

    c->alone = !err;
    c->shared = 0;
    return err;
}

/* db_begin's, with synchronous_commit off for this transaction only (SET
 * LOCAL ends with it): its COMMIT does not wait for the WAL to reach the
 * disk, and a crash loses it whole or not at all. */
static cp_err pg_begin_lazy(db *d)
{
    pg *c = pg_of(d);
    cp_err err = pg_begin(d);

    /* sent with BEGIN and the lock, before the first statement: no round trip of its own */
    if (!err)
        pg_queue_literal(c, "SET LOCAL synchronous_commit TO OFF");
    return err;
}

/* A charge's transaction (core/db.h, db_begin_shared). It takes the
 * writers' lock shared: charges run beside each other, never beside
 * pg_begin's writers (which hold it alone), so that a top-up, a grant or a
 * blocked card is never half seen and no charge waits on a row such a
 * writer holds while holding one it wants (no deadlock). Then, in
 * DB_WRITERS_ROW_LOCKS, READ COMMITTED: the charge locks its wallet (FOR
 * UPDATE) before it reads today's sales and the balance, so that charges of
 * one diner run one at a time and each sees what the one before committed;
 * and its audit chain's lock (its terminal's chain, core/audit.h) is taken
 * only to append (pg_lock_chain): a charge's in the round trip of its
 * wallet's lock (core/ledger.c), other events' after their writes, once
 * their content is read back and hashed. Charges of one terminal meet
 * there, those of different terminals not at all, and share the COMMIT's
 * sync to disk. In
 * DB_WRITERS_SERIALIZABLE, SERIALIZABLE without the chain's lock: the server
 * refuses the later of two charges that read what the other wrote (40001),
 * and two that append after the same head (the unique index on
 * audit.prev_hash); the caller runs it again (pg_conflict). */
static cp_err pg_begin_shared(db *d)
{
    pg *c = pg_of(d);
    cp_err err;

    if (c->writers == DB_WRITERS_ONE_LOCK)
        return pg_begin(d);
    err = open_txn(d, c->writers == DB_WRITERS_SERIALIZABLE
                          ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN",
                   "SELECT pg_advisory_xact_lock_shared(" WRITE_LOCK_KEY ")");
    c->alone = 0;
    c->nchains = 0;
    c->shared = !err;
    return err;
}

/* The chain's head is read after this lock is granted, in a statement of
 * its own: under READ COMMITTED it sees the entry of the transaction that
 * held the lock before (committed before its locks were released). A
 * SERIALIZABLE transaction reads its snapshot, taken at its first
 * statement, whatever lock it waits for afterwards: there the unique index
 * on audit.prev_hash refuses a fork and the charge runs again. */
static cp_err pg_lock_chain(db *d, const char *chain)
{
    pg *c = pg_of(d);
    uint32_t h = 2166136261u; /* FNV-1a */
    int32_t key;
    cp_err err;

    if (c->alone || !c->shared || c->writers == DB_WRITERS_SERIALIZABLE)
        return CP_OK;
    for (const unsigned char *p = (const unsigned char *)chain; *p; p++)
        h = (h ^ *p) * 16777619u;
    key = (int32_t)(h & 0x7fffffff);
    for (int i = 0; i < c->nchains; i++)
        if (c->chain_key[i] == key)
            return CP_OK;
    if (c->nchains == CHAINS_MAX)
        return cp_fail(CP_ERR_INVALID, "one transaction appends to more than %d audit chains",
                       CHAINS_MAX);
    /* sent with the head's SELECT: a failure to lock fails that one */
    if ((err = pg_queue_room(d)))
        return err;
    c->chain_key[c->nchains] = key;
    snprintf(c->chain_sql[c->nchains], sizeof c->chain_sql[0],
             "SELECT pg_advisory_xact_lock(" CHAIN_LOCK_KEY ", %ld)", (long)key);
    pg_queue_literal(c, c->chain_sql[c->nchains++]);
    return CP_OK;
}

/* A serialization failure or a deadlock; in a shared transaction, also a
 * unique key that another one wrote first (the chain's next link, the same
 * request id sent twice at once): running it again sees what was written. */
static int pg_conflict(db *d)
{
    pg *c = pg_of(d);

    return strcmp(c->sqlstate, "40001") == 0 || strcmp(c->sqlstate, "40P01") == 0 ||
           (c->shared && strcmp(c->sqlstate, "23505") == 0);
}

static void pg_set_writers(db *d, db_writers w)
{
    pg_of(d)->writers = w;
}

static int pg_in_txn(db *d)
{
    pg *c = pg_of(d);
    PGTransactionStatusType s = PQtransactionStatus(c->conn);

    if (c->npending) /* begun, nothing sent yet */
        return 1;
    if (s == PQTRANS_UNKNOWN) /* the connection is gone: ours is until rolled back */
        return c->txn;
    return s != PQTRANS_IDLE;
}

static void pg_rollback(db *d)
{
    pg *c = pg_of(d);

    pg_drop_queue(c);
    if (PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        pg_trip(c, "exec", 1, "ROLLBACK");
        PQclear(PQexec(c->conn, "ROLLBACK"));
    }
    c->txn = 0;
    c->alone = 0;
    c->nchains = 0;
}

static cp_err pg_commit(db *d)
{
    pg *c = pg_of(d);
    PGresult *res;
    cp_err err = CP_OK;

    if (c->npending && !pg_queue_has_statements(c)) { /* nothing was sent: nothing to commit */
        pg_rollback(d);
        return CP_OK;
    }
    if (c->npending) { /* the writes waiting go with the COMMIT */
        if (pg_send_queue(c, NULL, "COMMIT", &res)) {
            c->committing = 1;
            err = pg_fail(d, "committing");
        }
    } else {
        pg_trip(c, "exec", 1, "COMMIT");
        res = PQexec(c->conn, "COMMIT");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            pg_remember(c, res);
            c->committing = 1;
            err = pg_fail(d, "committing");
        }
    }
    if (!err && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        /* a transaction in which a statement failed ends in ROLLBACK, quietly */
        err = cp_fail(CP_ERR_DB, "committing: a statement of the transaction had failed, so "
                      "nothing of it was saved");
    }
    PQclear(res);
    c->txn = 0;
    c->alone = 0;
    c->nchains = 0;
    if (err)
        pg_rollback(d);
    return err;
}

/* ---- the append-only guards ------------------------------------------------ */

/* A hot standby's sessions are read-only, as is one whose role or database
 * says default_transaction_read_only. */
static cp_err pg_read_only(db *d, int *yes)
{
    return one_int(d, "SELECT CASE WHEN current_setting('transaction_read_only') = 'on'"
                      " THEN 1 ELSE 0 END",
                   "asking whether the store takes writes", yes);
}

/* A guard is a BEFORE trigger for event on table, enabled, whose function
 * raises an exception (core/schema_pg.c's cp_append_only). tgtype's bits:
 * 2 BEFORE, 8 DELETE, 16 UPDATE. */
static cp_err pg_has_guard(db *d, const char *table, const char *event, int *yes)
{
    static const char sql[] =
        "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
        " WHERE t.tgrelid = to_regclass($1) AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
        " AND (t.tgtype & 2) <> 0 AND (t.tgtype & $2::int) <> 0"
        " AND p.prosrc LIKE '%RAISE EXCEPTION%'";
    const char *params[2] = {table, strcmp(event, "DELETE") == 0 ? "8" : "16"};
    pg *c = pg_of(d);
    PGresult *res;
    cp_err err = CP_OK;

    *yes = 0;
    if ((err = pg_flush(d)))
        return err;
    pg_trip(c, "exec", 1, sql);
    res = PQexecParams(c->conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_remember(c, res);
        err = pg_fail(d, "reading the triggers");
    } else {
        *yes = atol(PQgetvalue(res, 0, 0)) > 0;
    }
    PQclear(res);
    return err;
}

/* ---- roles ------------------------------------------------------------------ */

/* db_login_role: the role is looked up first, so that an existing one keeps
 * its other attributes and a superuser is never given a password here; the
 * statement then holds the hash only, which is all that a server log can
 * show of it. */
static cp_err pg_login_role(db *d, const char *name, const char *password)
{
    static const char find[] = "SELECT rolsuper FROM pg_roles WHERE rolname = $1";
    const char *params[1] = {name};
    pg *c = pg_of(d);
    char *hashed = NULL, *ident = NULL, *lit = NULL, *sql = NULL;
    PGresult *res = NULL;
    int exists;
    cp_err err = pg_flush(d); /* what waits goes first */

    if (err)
        return err;
    pg_trip(c, "exec", 1, find);
    res = PQexecParams(c->conn, find, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_remember(c, res);
        err = pg_fail(d, "reading the roles");
        goto out;
    }
    exists = PQntuples(res) > 0;
    if (exists && PQgetvalue(res, 0, 0)[0] == 't') {
        err = cp_fail(CP_ERR_INVALID, "the role %s is a superuser: give the store's roles "
                      "names of their own", name);
        goto out;
    }
    if (!password && !exists) {
        err = cp_fail(CP_ERR_INVALID, "the role %s does not exist: give its password", name);
        goto out;
    }
    if (!password) { /* an existing role keeps its password: it may serve other stores */
        if (!(ident = PQescapeIdentifier(c->conn, name, strlen(name)))) {
            pg_remember(c, NULL);
            err = pg_fail(d, "naming the role");
            goto out;
        }
        if (asprintf(&sql, "ALTER ROLE %s LOGIN", ident) < 0) {
            sql = NULL;
            err = cp_fail(CP_ERR_NOMEM, "out of memory naming the role %s", name);
            goto out;
        }
        err = pg_run(d, sql, "letting the role log in", NULL);
        goto out;
    }
    /* NULL: the algorithm the server's password_encryption names */
    if (!(hashed = PQencryptPasswordConn(c->conn, password, name, NULL)) ||
        !(ident = PQescapeIdentifier(c->conn, name, strlen(name))) ||
        !(lit = PQescapeLiteral(c->conn, hashed, strlen(hashed)))) {
        pg_remember(c, NULL);
        err = pg_fail(d, "hashing the role's password");
        goto out;
    }
    if (asprintf(&sql, "%s ROLE %s LOGIN PASSWORD %s", exists ? "ALTER" : "CREATE", ident,
                 lit) < 0) {
        sql = NULL;
        err = cp_fail(CP_ERR_NOMEM, "out of memory creating the role %s", name);
        goto out;
    }
    err = pg_run(d, sql, exists ? "setting the role's password" : "creating the role", NULL);
out:
    PQclear(res);
    PQfreemem(hashed);
    PQfreemem(ident);
    PQfreemem(lit);
    free(sql);
    return err;
}

const db_engine db_pg_engine = {
    .name = "postgresql",
    .dialect = DB_DIALECT_PG,
    .open = pg_open,
    .close = pg_close,
    .get_version = pg_get_version,
    .set_version = pg_set_version,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .clear_bindings = pg_clear_bindings,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .step_later = pg_step_later,
    .prefetch = pg_prefetch,
    .col_count = pg_col_count,
    .col_is_null = pg_col_is_null,
    .col_int64 = pg_col_int64,
    .col_text = pg_col_text,
    .col_name = pg_col_name,
    .changes = pg_changes,
    .exec = pg_exec,
    .begin = pg_begin,
    .begin_lazy = pg_begin_lazy,
    .begin_read = pg_begin_read,
    .begin_shared = pg_begin_shared,
    .lock_chain = pg_lock_chain,
    .conflict = pg_conflict,
    .set_writers = pg_set_writers,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_txn = pg_in_txn,
    .fail = pg_fail,
    .has_guard = pg_has_guard,
    .read_only = pg_read_only,
    .defer_checks = pg_defer_checks,
    .sync_ids = pg_sync_ids,
    .login_role = pg_login_role,
};
