/* db_int: what the store's engines implement behind core/db.h; only core/db.c and
 * the engines (core/db_*.c) include it.
 *
 * An engine is a const table of functions, as curl's TLS backends are:
 * core/db.c picks one by the store's target and keeps what every engine
 * shares (the statement cache, migrations, the step helpers). */
#ifndef CP_DB_INT_H
#define CP_DB_INT_H

#include "core/db.h"

/* Room for every statement one program uses (about 150 in all, far fewer in
 * any one program); past it, statements are prepared for one use and
 * finalized at the next db_prepare of the same text, never leaked. */
#define DB_MAX_STMTS 256

typedef struct db_engine db_engine;

struct db_stmt {
    db *owner;
    void *impl;  /* the engine's statement */
};

struct db {
    const db_engine *eng;
    void *conn;  /* the engine's connection */
    char *path;  /* what was opened, for messages */
    int nstmts;
    struct {
        const char *sql;
        db_stmt *st;
    } stmts[DB_MAX_STMTS];
    db_stmt *overflow; /* a statement prepared past the cache, finalized at the next */
    cp_err prepare_err; /* what the last db_prepare that returned NULL met */
};

struct db_engine {
    const char *name;
    db_dialect dialect;
    /* Opens d->path into d->conn; with DB_OPEN_CREATE it may create it. The
     * engine refuses a store that is not CleanPlate's. */
    cp_err (*open)(db *d, int flags);
    void (*close)(db *d);
    /* The schema version stored in d (0 for a new store). */
    cp_err (*get_version)(db *d, int *v);
    cp_err (*set_version)(db *d, int v);
    cp_err (*prepare)(db *d, const char *sql, void **impl);
    void (*finalize)(void *impl);
    void (*reset)(void *impl);
    void (*clear_bindings)(void *impl);
    void (*bind_int64)(void *impl, int idx, int64_t v);
    void (*bind_text)(void *impl, int idx, const char *s);
    void (*bind_null)(void *impl, int idx);
    int (*step)(void *impl);
    /* db_step_later and db_prefetch; NULL for an engine that runs each
     * statement at once (then a write runs now, and rows at the first step). */
    cp_err (*step_later)(db *d, void *impl, const char *what);
    cp_err (*prefetch)(db *d, void **impls, int n);
    int (*col_count)(void *impl);
    int (*col_is_null)(void *impl, int col);
    int64_t (*col_int64)(void *impl, int col);
    const char *(*col_text)(void *impl, int col);
    const char *(*col_name)(void *impl, int col);
    int64_t (*changes)(db *d);
    cp_err (*exec)(db *d, const char *sql);
    cp_err (*begin)(db *d);
    cp_err (*begin_lazy)(db *d);
    cp_err (*begin_read)(db *d);
    /* db_begin_shared, db_lock_chain, db_conflict and db_set_writers (core/db.h) */
    cp_err (*begin_shared)(db *d);
    cp_err (*lock_chain)(db *d, const char *chain);
    int (*conflict)(db *d);
    void (*set_writers)(db *d, db_writers w);
    cp_err (*commit)(db *d);
    void (*rollback)(db *d);
    int (*in_txn)(db *d);
    cp_err (*fail)(db *d, const char *what);
    cp_err (*has_guard)(db *d, const char *table, const char *event, int *yes);
    cp_err (*read_only)(db *d, int *yes);
    /* In the open transaction: foreign keys are checked at its commit. */
    cp_err (*defer_checks)(db *d);
    /* After rows were written with their ids: new ids follow the largest. */
    cp_err (*sync_ids)(db *d);
    /* db_login_role; NULL for an engine without roles. */
    cp_err (*login_role)(db *d, const char *name, const char *password);
};

extern const db_engine db_sqlite_engine;
extern const db_engine db_pg_engine;

#endif
