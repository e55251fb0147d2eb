/* db_pg_int: what the PostgreSQL engine's two files share: the connection and statement types, and the functions one calls in the other. Only core/db_pg.c and core/db_pg_stmt.c include it. */
#ifndef CP_DB_PG_INT_H
#define CP_DB_PG_INT_H

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

#include "core/db_int.h"

/* The chains one transaction may append to (an office transaction appends
 * to one, a charge to its terminal's). */
#define CHAINS_MAX 4

typedef struct pg_stmt pg_stmt;

/* A statement waiting to go with the next one sent (see core/db_pg_stmt.c's comment). */
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
    char chain_sql[CHAINS_MAX][64]; /* their lock statements, queued (pg_queue_literal) */
    int shared;        /* the open (or last) transaction is db_begin_shared's */
    queued pending[QUEUE_MAX]; /* statements to send before the next one, in order */
    int npending;
    const char *failed_what; /* what the queued statement that failed was doing */
    char sqlstate[6];  /* of the last error, "" when it had none (a connection error) */
    char msg[512];     /* the server's message of the last error */
    int no_jit;        /* DB_OPEN_SHORT: each connection says jit = off */
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

static inline pg *pg_of(db *d)
{
    return d->conn;
}

/* core/db_pg.c: a round trip noted (CLEANPLATE_PG_TRACE), the last error kept
 * and translated, a connection made again after it was lost. */
void pg_trip(pg *c, const char *how, int nstmts, const char *sql);
void pg_remember(pg *c, const PGresult *res);
cp_err pg_fail(db *d, const char *what);
cp_err pg_reconnect(db *d);

/* core/db_pg_stmt.c: the queue of statements sent together, and SQL run
 * through the simple protocol after it. */
void pg_drop_queue(pg *c);
int pg_queue_has_statements(const pg *c);
void pg_queue_literal(pg *c, const char *sql);
cp_err pg_queue_room(db *d);
int pg_send_queue(pg *c, pg_stmt *last, const char *last_sql, PGresult **out);
cp_err pg_run(db *d, const char *sql, const char *what, PGresult **out);
cp_err pg_flush(db *d);

/* core/db_pg_stmt.c: the engine's statements (db_engine, core/db_int.h). */
cp_err pg_prepare(db *d, const char *sql, void **impl);
void pg_finalize(void *impl);
void pg_reset(void *impl);
void pg_clear_bindings(void *impl);
void pg_bind_int64(void *impl, int idx, int64_t v);
void pg_bind_text(void *impl, int idx, const char *s);
void pg_bind_null(void *impl, int idx);
int pg_step(void *impl);
cp_err pg_step_later(db *d, void *impl, const char *what);
cp_err pg_prefetch(db *d, void **impls, int n);
int pg_col_count(void *impl);
int pg_col_is_null(void *impl, int col);
int64_t pg_col_int64(void *impl, int col);
const char *pg_col_text(void *impl, int col);
const char *pg_col_name(void *impl, int col);

#endif
