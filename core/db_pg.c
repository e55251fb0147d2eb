/* db_pg: the PostgreSQL engine of the store (libpq), for canteens and cities that share one.
 *
 * A statement is written once, for both engines, with ? and ?N placeholders;
 * here they become $n at prepare time. Each statement is prepared once per
 * connection (PQprepare under a generated name), executed at the first step
 * after its parameters were bound (all sent as text, typed by the server
 * from their use), and its rows are read from the whole PGresult: a caller
 * may run other statements while it walks a result (the audit chain does),
 * which a row-at-a-time protocol on one connection would not allow.
 *
 * What need not be answered at once waits in a queue (pg->pending) and goes
 * with the next statement that must be, in one round trip (libpq's pipeline
 * mode, or one string of the simple protocol): what starts a transaction
 * (BEGIN and the writers' lock), the audit chain's lock, writes whose rows
 * nobody reads (db_step_later: they may also go with the COMMIT) and reads
 * asked for ahead (db_prefetch). Each is still a statement of its own, run
 * in order, so that what follows a lock sees what was committed before it
 * was granted; the first that fails makes the server skip the rest, and
 * its error is the one reported. A charge is some twenty statements and
 * four round trips (bench_pg counts them: CLEANPLATE_PG_TRACE). */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/db_int.h"

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
/* The chains one transaction may append to (an office transaction appends
 * to one, a charge to its terminal's). */
#define CHAINS_MAX 4

typedef struct pg_stmt pg_stmt;

/* A statement waiting to go with the next one sent (see the file's comment). */
typedef struct queued {
    const char *sql;   /* a literal (BEGIN, a lock), or NULL for st */
    pg_stmt *st;       /* a prepared statement, run with vals */
    char **vals;       /* st's parameters when it was queued (owned): st may be bound again */
    const char *what;  /* for the message when it fails (a write) */
    int keep;          /* its rows are kept in st for its caller to step (db_prefetch) */
} queued;

/* Statements that can wait for the next round trip; more are sent first. */
#define QUEUE_MAX 16

typedef struct pg {
    db *owner;
    PGconn *conn;
    unsigned gen;      /* bumped at each reconnection: statements made before are gone */
    unsigned next_id;  /* for the names of prepared statements */
    int64_t changes;   /* rows of the last INSERT, UPDATE or DELETE */
    int txn;           /* a transaction of ours is open (also across a lost connection) */
    int committing;    /* the last error came from COMMIT: its outcome is unknown */
    db_writers writers; /* how db_begin_shared's transactions meet (core/db.h) */
    int alone;         /* the open transaction is the only writer (pg_begin's) */
    int nchains;       /* the chains whose lock the open shared transaction holds */
    int32_t chain_key[CHAINS_MAX];
    char chain_sql[CHAINS_MAX][64]; /* their lock statements, queued (queue_literal) */
    int shared;        /* the open (or last) transaction is db_begin_shared's */
    queued pending[QUEUE_MAX]; /* statements to send before the next one, in order */
    int npending;
    const char *failed_what; /* what the queued statement that failed was doing */
    char sqlstate[6];  /* of the last error, "" when it had none (a connection error) */
    char msg[512];     /* the server's message of the last error */
    FILE *trace;       /* $CLEANPLATE_PG_TRACE: a line per round trip (benchmarks), or NULL */
} pg;

struct pg_stmt {
    pg *c;
    char *sql;         /* with $n placeholders */
    char name[24];
    unsigned gen;      /* the connection generation it was prepared in */
    int nparams;
    char **vals;       /* nparams bound values as text; NULL is SQL NULL */
    int ncols;         /* -1 until known */
    int failed;        /* binding or describing it failed: its next step is an error */
    PGresult *res;     /* the rows of the current execution, NULL before it */
    int row;           /* the current row of res */
    int queued;        /* waiting in c->pending for its rows (db_prefetch) */
    int aborted;       /* it was queued and the statements sent with it failed */
};

static pg *pg_of(db *d)
{
    return d->conn;
}

/* Notes one round trip to the server (how: exec, prepare, describe,
 * pipeline), which sends nstmts statements, sql the last of them, as a line
 * of the trace file when CLEANPLATE_PG_TRACE names one: the benchmarks
 * count the round trips of a charge (tests/bench/bench_pg.c), which decide
 * its speed on a server that answers quickly. */
static void trip(pg *c, const char *how, int nstmts, const char *sql)
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
static void remember(pg *c, const PGresult *res)
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
static cp_err pg_fail(db *d, const char *what)
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
    if (strcmp(s, "42501") == 0 || strncmp(s, "28", 2) == 0)
        return cp_fail(CP_ERR_ACCESS, "%s: %s (%s): ask the database's owner for the rights "
                       "this program needs", what, c->msg, d->path);
    return cp_fail(CP_ERR_DB, "%s: %s", what, c->msg);
}

/* ---- the queue: statements sent together ------------------------------ */

/* Frees what queued entry q owns and forgets it in its statement. */
static void drop_queued(queued *q)
{
    if (q->vals)
        for (int i = 0; i < q->st->nparams; i++)
            free(q->vals[i]);
    free(q->vals);
    if (q->keep)
        q->st->queued = 0;
}

/* Forgets every statement waiting to be sent. */
static void drop_queue(pg *c)
{
    for (int i = 0; i < c->npending; i++)
        drop_queued(&c->pending[i]);
    c->npending = 0;
}

/* Takes st out of the queue: the entry waiting for its rows, and with
 * writes_too its writes (st is being freed). */
static void unqueue(pg *c, pg_stmt *st, int writes_too)
{
    int n = 0;

    for (int i = 0; i < c->npending; i++) {
        queued *q = &c->pending[i];
        if (q->st == st && (q->keep || writes_too))
            drop_queued(q);
        else
            c->pending[n++] = *q;
    }
    c->npending = n;
}

/* Whether a prepared statement is queued (else only literals, or nothing). */
static int queue_has_statements(const pg *c)
{
    for (int i = 0; i < c->npending; i++)
        if (c->pending[i].st)
            return 1;
    return 0;
}

static void queue_literal(pg *c, const char *sql)
{
    c->pending[c->npending++] = (queued){.sql = sql};
}

/* The rows res of a queued statement, for its caller to step. */
static void keep_rows(pg_stmt *st, PGresult *res)
{
    st->res = res;
    st->row = -1;
    st->ncols = PQnfields(res);
}

/* Sends the queue, then last (a statement with its bindings) or last_sql (a
 * literal) when given, in one round trip: libpq's pipeline mode, each still
 * a statement of its own that the server runs in order, so that one after a
 * lock sees what was committed before the lock was granted. Queued rows go
 * to their statements; *out (may be NULL) gets last's result. Returns -1
 * with the first error remembered when one failed (the server skips the
 * rest up to the end of the pipeline) or the connection did. */
static int send_queue(pg *c, pg_stmt *last, const char *last_sql, PGresult **out)
{
    PGconn *conn = c->conn;
    int n = c->npending, total = n + (last || last_sql ? 1 : 0), done = 0, ok;
    PGresult *res, *mine = NULL, *failed = NULL;
    const char *failed_what = NULL;

    if (out)
        *out = NULL;
    if (!total)
        return 0;
    trip(c, "pipeline", total, last ? last->sql : last_sql ? last_sql
                           : c->pending[n - 1].sql ? c->pending[n - 1].sql
                           : c->pending[n - 1].st->sql);
    ok = PQenterPipelineMode(conn) == 1;
    for (int i = 0; ok && i < n; i++) {
        const queued *q = &c->pending[i];
        ok = (q->sql ? PQsendQueryParams(conn, q->sql, 0, NULL, NULL, NULL, NULL, 0)
                     : PQsendQueryPrepared(conn, q->st->name, q->st->nparams,
                                           (const char *const *)(q->vals ? q->vals : q->st->vals),
                                           NULL, NULL, 0)) == 1;
    }
    if (ok && last)
        ok = PQsendQueryPrepared(conn, last->name, last->nparams,
                                 (const char *const *)last->vals, NULL, NULL, 0) == 1;
    else if (ok && last_sql)
        ok = PQsendQueryParams(conn, last_sql, 0, NULL, NULL, NULL, NULL, 0) == 1;
    ok = ok && PQpipelineSync(conn) == 1;
    /* each query's result, then NULL; then the sync's */
    while (ok && done < total) {
        ExecStatusType rs;
        if (!(res = PQgetResult(conn))) {
            done++;
            ok = PQstatus(conn) == CONNECTION_OK;
            continue;
        }
        rs = PQresultStatus(res);
        if (rs == PGRES_FATAL_ERROR && !failed) {
            failed = res;
            failed_what = done < n ? c->pending[done].what : NULL;
        } else if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
            PQclear(res); /* a later error, or one skipped after it */
        } else if (done == n && !mine) {
            mine = res;
        } else if (done < n && c->pending[done].keep && !c->pending[done].st->res) {
            keep_rows(c->pending[done].st, res);
        } else {
            PQclear(res);
        }
    }
    if (ok && (res = PQgetResult(conn)))
        PQclear(res); /* PGRES_PIPELINE_SYNC */
    PQexitPipelineMode(conn);
    for (int i = 0; i < n; i++)
        if (c->pending[i].keep && !c->pending[i].st->res)
            c->pending[i].st->aborted = 1;
    drop_queue(c);
    if (ok && !failed && (mine || total == n)) {
        if (out)
            *out = mine;
        else
            PQclear(mine);
        return 0;
    }
    remember(c, failed);
    c->failed_what = failed_what;
    PQclear(failed);
    PQclear(mine);
    return -1;
}

/* Runs sql through the simple protocol (one or more statements), after
 * what is queued (literals in the same string, else a round trip of its
 * own first), and keeps the result of the last one in *out when out is
 * not NULL. */
static cp_err run(db *d, const char *sql, const char *what, PGresult **out)
{
    pg *c = pg_of(d);
    PGresult *res;
    ExecStatusType st;
    char *joined = NULL;

    if (out)
        *out = NULL;
    if (queue_has_statements(c) && send_queue(c, NULL, NULL, NULL))
        return pg_fail(d, what);
    if (c->npending) {
        size_t size = strlen(sql) + 1;
        for (int i = 0; i < c->npending; i++)
            size += strlen(c->pending[i].sql) + 2;
        if (!(joined = malloc(size)))
            return cp_fail(CP_ERR_NOMEM, "%s: out of memory", what);
        joined[0] = '\0';
        for (int i = 0; i < c->npending; i++)
            strcat(strcat(joined, c->pending[i].sql), "; ");
        strcat(joined, sql);
        drop_queue(c);
    }
    trip(c, "exec", 1, joined ? joined : sql);
    res = PQexec(c->conn, joined ? joined : sql);
    st = PQresultStatus(res);
    free(joined);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        remember(c, res);
        PQclear(res);
        return pg_fail(d, what);
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return CP_OK;
}

/* Sends what is queued on its own (before a call that cannot take it along). */
static cp_err flush(db *d)
{
    pg *c = pg_of(d);

    return c->npending && send_queue(c, NULL, NULL, NULL) ? pg_fail(d, "sending statements")
                                                          : CP_OK;
}

static cp_err pg_exec(db *d, const char *sql)
{
    return run(d, sql, "running SQL", NULL);
}

/* The first column of the one row of sql as an integer (0 for NULL). */
static cp_err one_int(db *d, const char *sql, const char *what, int *v)
{
    PGresult *res = NULL;
    cp_err err = run(d, sql, what, &res);

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

/* What every connection gets: UTF-8, the write lock's timeout, no notices. */
static cp_err session_setup(db *d)
{
    pg *c = pg_of(d);

    PQsetNoticeProcessor(c->conn, quiet, NULL);
    trip(c, "exec", 1, "SET client_encoding");
    if (PQsetClientEncoding(c->conn, "UTF8") != 0) {
        remember(c, NULL);
        return pg_fail(d, "setting the encoding");
    }
    return pg_exec(d, "SET lock_timeout = '" LOCK_TIMEOUT "'");
}

/* A new connection after the old one was lost, when no transaction of ours
 * was open on it (a lost transaction is rolled back by the server and
 * reported to its caller, never continued on another connection). */
static cp_err reconnect(db *d)
{
    pg *c = pg_of(d);

    if (PQstatus(c->conn) == CONNECTION_OK || c->txn)
        return CP_OK;
    PQreset(c->conn);
    c->gen++;
    if (PQstatus(c->conn) != CONNECTION_OK) {
        remember(c, NULL);
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
    cp_err err = run(d, "SELECT current_schema(), (SELECT count(*) FROM pg_class k"
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

static cp_err pg_open(db *d, int flags)
{
    /* the target is expanded after the default timeout: its own one wins */
    const char *const keywords[] = {"connect_timeout", "dbname", NULL};
    const char *const values[] = {CONNECT_TIMEOUT, d->path, NULL};
    int version = 0;
    pg *c;
    cp_err err;

    (void)flags; /* the database itself is made by its owner (createdb), never here */
    if (!(c = calloc(1, sizeof *c)))
        return cp_fail(CP_ERR_NOMEM, "out of memory opening the database");
    d->conn = c;
    c->owner = d;
    c->writers = DB_WRITERS_DEFAULT;
    if (getenv("CLEANPLATE_PG_TRACE") && *getenv("CLEANPLATE_PG_TRACE"))
        c->trace = fopen(getenv("CLEANPLATE_PG_TRACE"), "a"); /* none when it cannot be opened */
    c->conn = PQconnectdbParams(keywords, values, 1);
    if (!c->conn)
        return cp_fail(CP_ERR_NOMEM, "out of memory opening the database");
    if (PQstatus(c->conn) != CONNECTION_OK) {
        char msg[512];
        trim_copy(msg, sizeof msg, PQerrorMessage(c->conn));
        if (strstr(msg, "does not exist"))
            return cp_fail(CP_ERR_NOT_FOUND, "cannot open the database: %s: create it "
                           "(createdb NAME as its owner), then run `cleanplate-office init`",
                           msg);
        if (strstr(msg, "authentication") || strstr(msg, "password"))
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

/* ---- statements ---------------------------------------------------------- */

/* Whether p starts the keywords CROSS JOIN (any case), not inside a word. */
static int cross_join_at(const char *sql, const char *p)
{
    return strncasecmp(p, "CROSS JOIN", 10) == 0 &&
           (p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
           !(isalnum((unsigned char)p[10]) || p[10] == '_');
}

/* Rewrites what SQLite and PostgreSQL spell differently in a statement:
 * - placeholders: ?N becomes $N and a bare ? the number after the largest
 *   so far, as SQLite numbers it; *nparams gets the largest number;
 * - CROSS JOIN: on SQLite an inner join (it may have ON) that the planner
 *   keeps in the order written, which the code uses to choose the outer
 *   loop (backoffice/metrics.c); PostgreSQL's takes no ON, and JOIN is
 *   SQLite's meaning on it.
 * Nothing inside a quoted string or identifier or a comment is rewritten.
 * Caller frees the result. */
static char *translate(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 6 + 1), *o = out; /* "?" becomes at most "$NNNNN" */
    int max = 0;

    if (!out)
        return NULL;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            *o++ = *p++;
            while (*p && *p != q)
                *o++ = *p++;
            if (*p) /* the closing quote; a doubled one reopens, which works out */
                *o++ = *p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            size_t len = end ? (size_t)(end + 2 - p) : strlen(p);
            memcpy(o, p, len);
            o += len;
            p += len;
        } else if (cross_join_at(sql, p)) {
            memcpy(o, "JOIN", 4);
            o += 4;
            p += 10;
        } else if (*p == '?') {
            int num = 0;
            p++;
            if (*p >= '0' && *p <= '9')
                while (*p >= '0' && *p <= '9' && num < 1000)
                    num = num * 10 + (*p++ - '0');
            else
                num = max + 1;
            if (num > max)
                max = num;
            o += sprintf(o, "$%d", num);
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    *nparams = max;
    return out;
}

/* Prepares st on the current connection (again after a reconnection). */
static cp_err prepare_now(db *d, pg_stmt *st)
{
    pg *c = pg_of(d);
    PGresult *res;

    if (flush(d))
        return CP_ERR_DB;
    snprintf(st->name, sizeof st->name, "cp%u", ++c->next_id);
    trip(c, "prepare", 1, st->sql);
    res = PQprepare(c->conn, st->name, st->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        remember(c, res);
        PQclear(res);
        return pg_fail(d, "preparing a statement");
    }
    PQclear(res);
    st->gen = c->gen;
    return CP_OK;
}

static cp_err pg_prepare(db *d, const char *sql, void **impl)
{
    pg_stmt *st = calloc(1, sizeof *st);
    cp_err err;

    if (!st || !(st->sql = translate(sql, &st->nparams)) ||
        (st->nparams && !(st->vals = calloc((size_t)st->nparams, sizeof *st->vals)))) {
        if (st)
            free(st->sql);
        free(st);
        return cp_fail(CP_ERR_NOMEM, "out of memory preparing a statement");
    }
    st->c = pg_of(d);
    st->ncols = -1;
    st->row = -1;
    if ((err = reconnect(d)) || (err = prepare_now(d, st))) {
        free(st->vals);
        free(st->sql);
        free(st);
        return err;
    }
    *impl = st;
    return CP_OK;
}

static void pg_clear_bindings(void *impl)
{
    pg_stmt *st = impl;

    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
    }
}

static void pg_reset(void *impl)
{
    pg_stmt *st = impl;

    if (st->queued) /* its rows are no longer wanted */
        unqueue(st->c, st, 0);
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->aborted = 0;
}

static void pg_finalize(void *impl)
{
    pg_stmt *st = impl;
    char sql[48];

    if (!st)
        return;
    unqueue(st->c, st, 1);
    pg_reset(st);
    pg_clear_bindings(st);
    /* the name is freed on the server too, unless the connection is gone */
    if (st->gen == st->c->gen && PQstatus(st->c->conn) == CONNECTION_OK &&
        PQtransactionStatus(st->c->conn) != PQTRANS_INERROR) {
        snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
        trip(st->c, "exec", 1, sql);
        PQclear(PQexec(st->c->conn, sql));
    }
    free(st->vals);
    free(st->sql);
    free(st);
}

static void bind_copy(pg_stmt *st, int idx, const char *text)
{
    if (idx < 1 || idx > st->nparams)
        return; /* as SQLite, which refuses a parameter the statement does not have */
    free(st->vals[idx - 1]);
    st->vals[idx - 1] = text ? strdup(text) : NULL;
    if (text && !st->vals[idx - 1])
        st->failed = 1;
}

static void pg_bind_int64(void *impl, int idx, int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    bind_copy(impl, idx, text);
}

static void pg_bind_text(void *impl, int idx, const char *s)
{
    bind_copy(impl, idx, s);
}

static void pg_bind_null(void *impl, int idx)
{
    bind_copy(impl, idx, NULL);
}

/* Whether a command's status names rows it changed, as sqlite3_changes counts them. */
static int changes_rows(const char *status)
{
    return strncmp(status, "INSERT", 6) == 0 || strncmp(status, "UPDATE", 6) == 0 ||
           strncmp(status, "DELETE", 6) == 0 || strncmp(status, "MERGE", 5) == 0;
}

/* Makes st usable on the connection: connects again and prepares st again
 * when the connection it was prepared on is gone. */
static cp_err ready(db *d, pg_stmt *st)
{
    cp_err err = reconnect(d);

    if (!err && st->gen != st->c->gen)
        err = prepare_now(d, st);
    return err;
}

/* Runs st with its bindings; its rows are then in st->res. */
static int execute(db *d, pg_stmt *st)
{
    pg *c = st->c;
    ExecStatusType rs;

    if (st->aborted) { /* queued, and what was sent with it failed: the error is kept */
        st->aborted = 0;
        return DB_ERROR;
    }
    if (st->failed) {
        st->failed = 0;
        c->sqlstate[0] = '\0';
        snprintf(c->msg, sizeof c->msg, "a parameter could not be kept (out of memory) or "
                 "the server could not describe the statement; it was not run");
        return DB_ERROR;
    }
    if (st->queued) { /* its rows come with the queue */
        if (send_queue(c, NULL, NULL, NULL) || !st->res) {
            st->aborted = 0;
            return DB_ERROR;
        }
    } else if (ready(d, st)) {
        return DB_ERROR;
    } else if (c->npending) {
        if (send_queue(c, st, NULL, &st->res))
            return DB_ERROR;
    } else {
        trip(c, "exec", 1, st->sql);
        st->res = PQexecPrepared(c->conn, st->name, st->nparams,
                                 (const char *const *)st->vals, NULL, NULL, 0);
    }
    rs = PQresultStatus(st->res);
    if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
        remember(c, st->res);
        pg_reset(st);
        return DB_ERROR;
    }
    if (changes_rows(PQcmdStatus(st->res)))
        c->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
    st->ncols = PQnfields(st->res);
    return DB_DONE;
}

static int pg_step(void *impl)
{
    pg_stmt *st = impl;

    if (!st->res && execute(st->c->owner, st) == DB_ERROR)
        return DB_ERROR;
    if (++st->row < PQntuples(st->res))
        return DB_ROW;
    /* past the last row the statement is ready to run again, as SQLite's
     * statements reset themselves when stepped after SQLITE_DONE */
    pg_reset(st);
    return DB_DONE;
}

static int pg_col_count(void *impl)
{
    pg_stmt *st = impl;
    PGresult *res;

    if (st->ncols >= 0)
        return st->ncols;
    /* asked before the first step: the server describes the statement. When
     * it cannot, the next step fails too, so that nobody reads a row with
     * a column count of 0 (the audit chain hashes every column) */
    if (ready(st->c->owner, st) || flush(st->c->owner)) {
        st->aborted = 1; /* the error is kept for its step */
        return 0;
    }
    if (st->ncols >= 0) /* its rows came with the queue */
        return st->ncols;
    trip(st->c, "describe", 1, st->sql);
    res = PQdescribePrepared(st->c->conn, st->name);
    if (PQresultStatus(res) == PGRES_COMMAND_OK)
        st->ncols = PQnfields(res);
    else
        st->failed = 1;
    PQclear(res);
    return st->ncols >= 0 ? st->ncols : 0;
}

static int has_cell(pg_stmt *st, int col)
{
    return st->res && st->row >= 0 && st->row < PQntuples(st->res) && col >= 0 &&
           col < PQnfields(st->res);
}

static int pg_col_is_null(void *impl, int col)
{
    pg_stmt *st = impl;
    return !has_cell(st, col) || PQgetisnull(st->res, st->row, col);
}

static const char *pg_col_text(void *impl, int col)
{
    pg_stmt *st = impl;
    return pg_col_is_null(st, col) ? NULL : PQgetvalue(st->res, st->row, col);
}

/* A boolean (a comparison or EXISTS in a select list) reads as 1 or 0, as
 * SQLite gives it; a numeric (sum() of integers) as its whole part. */
static int64_t pg_col_int64(void *impl, int col)
{
    const char *text = pg_col_text(impl, col);

    if (!text)
        return 0;
    if (text[0] == 't' || text[0] == 'f')
        return text[0] == 't';
    return strtoll(text, NULL, 10);
}

static const char *pg_col_name(void *impl, int col)
{
    pg_stmt *st = impl;
    return has_cell(st, col) ? PQfname(st->res, col) : NULL;
}

/* Makes room for one more statement in the queue. */
static cp_err queue_room(db *d)
{
    return pg_of(d)->npending < QUEUE_MAX ? CP_OK : flush(d);
}

/* db_step_later: the write st is queued with a copy of its parameters, so
 * that its caller may bind st again for the next write. */
static cp_err pg_step_later(db *d, void *impl, const char *what)
{
    pg *c = pg_of(d);
    pg_stmt *st = impl;
    char **vals = NULL;
    cp_err err;

    if (st->failed) {
        st->failed = 0;
        return cp_fail(CP_ERR_NOMEM, "%s: out of memory", what);
    }
    if ((err = ready(d, st)) || (err = queue_room(d)))
        return err;
    if (st->nparams && !(vals = calloc((size_t)st->nparams, sizeof *vals)))
        return cp_fail(CP_ERR_NOMEM, "%s: out of memory", what);
    c->pending[c->npending++] = (queued){.st = st, .vals = vals, .what = what};
    for (int i = 0; i < st->nparams; i++)
        if (st->vals[i] && !(vals[i] = strdup(st->vals[i])))
            return cp_fail(CP_ERR_NOMEM, "%s: out of memory", what); /* freed with the queue */
    return CP_OK;
}

/* db_prefetch: each statement waits in the queue for its rows, sent with
 * its bindings as they are then. */
static cp_err pg_prefetch(db *d, void **impls, int n)
{
    pg *c = pg_of(d);
    cp_err err;

    for (int i = 0; i < n; i++) {
        pg_stmt *st = impls[i];
        if (st->queued || st->failed)
            continue; /* queued already; a failed binding fails at its step */
        pg_reset(st);
        if ((err = ready(d, st)) || (err = queue_room(d)))
            return err;
        c->pending[c->npending++] = (queued){.st = st, .keep = 1};
        st->queued = 1;
    }
    return CP_OK;
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

    if ((err = reconnect(d)))
        return err;
    drop_queue(c);
    queue_literal(c, begin);
    queue_literal(c, lock);
    c->txn = 1;
    return CP_OK;
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
        queue_literal(c, "SET LOCAL synchronous_commit TO OFF");
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
 * only to append (pg_lock_chain), after everything else is written and the
 * event's content hashed: charges of one terminal meet there, those of
 * different terminals not at all, and share the COMMIT's sync to disk. In
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
    if ((err = queue_room(d)))
        return err;
    c->chain_key[c->nchains] = key;
    snprintf(c->chain_sql[c->nchains], sizeof c->chain_sql[0],
             "SELECT pg_advisory_xact_lock(" CHAIN_LOCK_KEY ", %ld)", (long)key);
    queue_literal(c, c->chain_sql[c->nchains++]);
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

    drop_queue(c);
    if (PQstatus(c->conn) == CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
        trip(c, "exec", 1, "ROLLBACK");
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

    if (c->npending && !queue_has_statements(c)) { /* nothing was sent: nothing to commit */
        pg_rollback(d);
        return CP_OK;
    }
    if (c->npending) { /* the writes waiting go with the COMMIT */
        if (send_queue(c, NULL, "COMMIT", &res)) {
            c->committing = 1;
            err = pg_fail(d, "committing");
        }
    } else {
        trip(c, "exec", 1, "COMMIT");
        res = PQexec(c->conn, "COMMIT");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            remember(c, res);
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

/* A guard is a BEFORE trigger for event on table, enabled, whose function
 * raises an exception (core/schema.c's cp_append_only). tgtype's bits:
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
    if ((err = flush(d)))
        return err;
    trip(c, "exec", 1, sql);
    res = PQexecParams(c->conn, sql, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        remember(c, res);
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
    cp_err err = flush(d); /* what waits goes first */

    if (err)
        return err;
    trip(c, "exec", 1, find);
    res = PQexecParams(c->conn, find, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        remember(c, res);
        err = pg_fail(d, "reading the roles");
        goto out;
    }
    exists = PQntuples(res) > 0;
    if (exists && PQgetvalue(res, 0, 0)[0] == 't') {
        err = cp_fail(CP_ERR_INVALID, "the role %s is a superuser: give the store's roles "
                      "names of their own", name);
        goto out;
    }
    /* NULL: the algorithm the server's password_encryption names */
    if (!(hashed = PQencryptPasswordConn(c->conn, password, name, NULL)) ||
        !(ident = PQescapeIdentifier(c->conn, name, strlen(name))) ||
        !(lit = PQescapeLiteral(c->conn, hashed, strlen(hashed)))) {
        remember(c, NULL);
        err = pg_fail(d, "hashing the role's password");
        goto out;
    }
    if (asprintf(&sql, "%s ROLE %s LOGIN PASSWORD %s", exists ? "ALTER" : "CREATE", ident,
                 lit) < 0) {
        sql = NULL;
        err = cp_fail(CP_ERR_NOMEM, "out of memory creating the role %s", name);
        goto out;
    }
    err = run(d, sql, exists ? "setting the role's password" : "creating the role", NULL);
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
    .begin_shared = pg_begin_shared,
    .lock_chain = pg_lock_chain,
    .conflict = pg_conflict,
    .set_writers = pg_set_writers,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_txn = pg_in_txn,
    .fail = pg_fail,
    .has_guard = pg_has_guard,
    .defer_checks = pg_defer_checks,
    .sync_ids = pg_sync_ids,
    .login_role = pg_login_role,
};
