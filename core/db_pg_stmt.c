/* db_pg_stmt: the PostgreSQL engine's statements (core/db_pg.c): translated, prepared, bound, run and read, and the queue that sends several in one round trip.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/db_pg_int.h"

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
void pg_drop_queue(pg *c)
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
int pg_queue_has_statements(const pg *c)
{
    for (int i = 0; i < c->npending; i++)
        if (c->pending[i].st)
            return 1;
    return 0;
}

void pg_queue_literal(pg *c, const char *sql)
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
int pg_send_queue(pg *c, pg_stmt *last, const char *last_sql, PGresult **out)
{
    PGconn *conn = c->conn;
    int n = c->npending, total = n + (last || last_sql ? 1 : 0), done = 0, ok;
    PGresult *res, *mine = NULL, *failed = NULL;
    const char *failed_what = NULL;

    if (out)
        *out = NULL;
    if (!total)
        return 0;
    pg_trip(c, "pipeline", total, last ? last->sql : last_sql ? last_sql
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
    pg_drop_queue(c);
    if (ok && !failed && (mine || total == n)) {
        if (out)
            *out = mine;
        else
            PQclear(mine);
        return 0;
    }
    pg_remember(c, failed);
    c->failed_what = failed_what;
    PQclear(failed);
    PQclear(mine);
    return -1;
}

/* Runs sql through the simple protocol (one or more statements), after
 * what is queued (literals in the same string, else a round trip of its
 * own first), and keeps the result of the last one in *out when out is
 * not NULL. */
cp_err pg_run(db *d, const char *sql, const char *what, PGresult **out)
{
    pg *c = pg_of(d);
    PGresult *res;
    ExecStatusType st;
    char *joined = NULL;

    if (out)
        *out = NULL;
    if (pg_queue_has_statements(c) && pg_send_queue(c, NULL, NULL, NULL))
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
        pg_drop_queue(c);
    }
    pg_trip(c, "exec", 1, joined ? joined : sql);
    res = PQexec(c->conn, joined ? joined : sql);
    st = PQresultStatus(res);
    free(joined);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_remember(c, res);
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
cp_err pg_flush(db *d)
{
    pg *c = pg_of(d);

    return c->npending && pg_send_queue(c, NULL, NULL, NULL) ? pg_fail(d, "sending statements")
                                                             : CP_OK;
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
    cp_err err;

    /* what was queued (a BEGIN and its lock) goes out first: its error,
     * busy when the lock was not had in time, is this one's */
    if ((err = pg_flush(d)))
        return err;
    snprintf(st->name, sizeof st->name, "cp%u", ++c->next_id);
    pg_trip(c, "prepare", 1, st->sql);
    res = PQprepare(c->conn, st->name, st->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        pg_remember(c, res);
        PQclear(res);
        return pg_fail(d, "preparing a statement");
    }
    PQclear(res);
    st->gen = c->gen;
    return CP_OK;
}

cp_err pg_prepare(db *d, const char *sql, void **impl)
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
    if ((err = pg_reconnect(d)) || (err = prepare_now(d, st))) {
        free(st->vals);
        free(st->sql);
        free(st);
        return err;
    }
    *impl = st;
    return CP_OK;
}

void pg_clear_bindings(void *impl)
{
    pg_stmt *st = impl;

    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
    }
}

void pg_reset(void *impl)
{
    pg_stmt *st = impl;

    if (st->queued) /* its rows are no longer wanted */
        unqueue(st->c, st, 0);
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->aborted = 0;
}

void pg_finalize(void *impl)
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
        pg_trip(st->c, "exec", 1, sql);
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

void pg_bind_int64(void *impl, int idx, int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    bind_copy(impl, idx, text);
}

void pg_bind_text(void *impl, int idx, const char *s)
{
    bind_copy(impl, idx, s);
}

void pg_bind_null(void *impl, int idx)
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
    cp_err err = pg_reconnect(d);

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
        if (pg_send_queue(c, NULL, NULL, NULL) || !st->res) {
            st->aborted = 0;
            return DB_ERROR;
        }
    } else if (ready(d, st)) {
        return DB_ERROR;
    } else if (c->npending) {
        if (pg_send_queue(c, st, NULL, &st->res))
            return DB_ERROR;
    } else {
        pg_trip(c, "exec", 1, st->sql);
        st->res = PQexecPrepared(c->conn, st->name, st->nparams,
                                 (const char *const *)st->vals, NULL, NULL, 0);
    }
    rs = PQresultStatus(st->res);
    if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
        pg_remember(c, st->res);
        pg_reset(st);
        return DB_ERROR;
    }
    if (changes_rows(PQcmdStatus(st->res)))
        c->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
    st->ncols = PQnfields(st->res);
    return DB_DONE;
}

int pg_step(void *impl)
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

int pg_col_count(void *impl)
{
    pg_stmt *st = impl;
    PGresult *res;

    if (st->ncols >= 0)
        return st->ncols;
    /* asked before the first step: the server describes the statement. When
     * it cannot, the next step fails too, so that nobody reads a row with
     * a column count of 0 (the audit chain hashes every column) */
    if (ready(st->c->owner, st) || pg_flush(st->c->owner)) {
        st->aborted = 1; /* the error is kept for its step */
        return 0;
    }
    if (st->ncols >= 0) /* its rows came with the queue */
        return st->ncols;
    pg_trip(st->c, "describe", 1, st->sql);
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

int pg_col_is_null(void *impl, int col)
{
    pg_stmt *st = impl;
    return !has_cell(st, col) || PQgetisnull(st->res, st->row, col);
}

const char *pg_col_text(void *impl, int col)
{
    pg_stmt *st = impl;
    return pg_col_is_null(st, col) ? NULL : PQgetvalue(st->res, st->row, col);
}

/* A boolean (a comparison or EXISTS in a select list) reads as 1 or 0, as
 * SQLite gives it; a numeric (sum() of integers) as its whole part. */
int64_t pg_col_int64(void *impl, int col)
{
    const char *text = pg_col_text(impl, col);

    if (!text)
        return 0;
    if (text[0] == 't' || text[0] == 'f')
        return text[0] == 't';
    return strtoll(text, NULL, 10);
}

const char *pg_col_name(void *impl, int col)
{
    pg_stmt *st = impl;
    return has_cell(st, col) ? PQfname(st->res, col) : NULL;
}

/* Makes room for one more statement in the queue. */
cp_err pg_queue_room(db *d)
{
    return pg_of(d)->npending < QUEUE_MAX ? CP_OK : pg_flush(d);
}

/* db_step_later: the write st is queued with a copy of its parameters, so
 * that its caller may bind st again for the next write. */
cp_err pg_step_later(db *d, void *impl, const char *what)
{
    pg *c = pg_of(d);
    pg_stmt *st = impl;
    char **vals = NULL;
    cp_err err;

    if (st->failed) {
        st->failed = 0;
        return cp_fail(CP_ERR_NOMEM, "%s: out of memory", what);
    }
    if ((err = ready(d, st)) || (err = pg_queue_room(d)))
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
cp_err pg_prefetch(db *d, void **impls, int n)
{
    pg *c = pg_of(d);
    cp_err err;

    for (int i = 0; i < n; i++) {
        pg_stmt *st = impls[i];
        if (st->queued || st->failed)
            continue; /* queued already; a failed binding fails at its step */
        pg_reset(st);
        if ((err = ready(d, st)) || (err = pg_queue_room(d)))
            return err;
        c->pending[c->npending++] = (queued){.st = st, .keep = 1};
        st->queued = 1;
    }
    return CP_OK;
}
