/* db: the one door to the store: opening, migrations, transactions, cached statements.
 *
 * Callers see an opaque store (db) and opaque statements (db_stmt); which
 * engine holds the data is chosen when the store is opened and said nowhere
 * else. Only the engines (core/db_*.c, through core/db_int.h) call a
 * database library. SQL is written with ? or ?N placeholders.
 *
 * A statement is written once, in what SQLite and PostgreSQL both run:
 *   - CASE, coalesce, substr, ||, LIKE, count(*) FILTER (WHERE ...),
 *     ON CONFLICT ... DO NOTHING / DO UPDATE (naming the table's columns as
 *     table.column: a bare one is ambiguous on PostgreSQL), RETURNING;
 *   - dates and times are ISO text compared as text; date arithmetic is
 *     done in C (core/clock.h), never in SQL;
 *   - a comparison is never a number: sum(CASE WHEN c THEN 1 ELSE 0 END) or
 *     count(*) FILTER (WHERE c), and WHERE x <> 0, not WHERE x;
 *   - a parameter's type comes from its first use on PostgreSQL:
 *     "code = ?1 OR ?1 IS NULL", not the other way round;
 *   - every subquery in FROM has an alias; every list that people or files
 *     see has an ORDER BY (an engine gives rows in whatever order it finds
 *     them); text compares by bytes on both (COLLATE "C" on PostgreSQL);
 *   - CAST to BIGINT, not INTEGER (32 bits on PostgreSQL).
 * What has no common form is handled here: the placeholders and SQLite's
 * CROSS JOIN (a join in the order written) are rewritten by the PostgreSQL
 * engine when it prepares a statement, a SELECT that ends in FOR UPDATE (a
 * row lock, see db_begin_shared) is run without it by the SQLite engine,
 * whose writers hold every row anyway, db_word gives the few function names
 * that differ, and DDL has a text per engine (core/schema.c). */
#ifndef CP_DB_H
#define CP_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct db db;
typedef struct db_stmt db_stmt;

enum {
    DB_OPEN_EXISTING = 0, /* the store must exist and be at the current schema */
    DB_OPEN_CREATE = 1,   /* create the store if missing; schema left to db_migrate */
    /* Every statement answers someone waiting (the canteen server): on
     * PostgreSQL nothing is compiled first (jit off). Its planner guesses
     * badly how many rows a join on a range of keys finds (a delta's
     * ledger events, backoffice/serve_snapshot.c) and then compiled each
     * query for 0.5 s before running it in 0.09 s. */
    DB_OPEN_SHORT = 2,
};

/* What db_step says. */
enum {
    DB_ERROR = -1, /* see db_fail */
    DB_DONE = 0,   /* no (more) rows */
    DB_ROW = 1,    /* a row is ready to be read */
};

/* The SQL dialect of a store's engine, for the few statements that cannot
 * be written once for both (DDL, and what db_sql_* below words). */
typedef enum db_dialect {
    DB_DIALECT_SQLITE = 0,
    DB_DIALECT_PG = 1,
} db_dialect;

/* The store to open: target if given, else $CLEANPLATE_DB, else ./cleanplate.db. */
const char *db_default_path(const char *target);

/* Opens the store at path with the project's settings. A path that starts
 * with postgresql:// or postgres://, or a libpq key=value string (one that
 * starts with a keyword and '=': "host=db1 dbname=canteen"), is a PostgreSQL database (the
 * current schema of its search path holds the store); anything else is a
 * SQLite file (WAL, synchronous=FULL, foreign keys on and a busy timeout). With
 * DB_OPEN_EXISTING a missing store or an old schema is an error that says to
 * run `cleanplate-office init`. Caller owns *out (db_close). */
cp_err db_open(const char *path, int flags, db **out);

/* Which dialect d's engine speaks. */
db_dialect db_dialect_of(db *d);

/* Which dialect the store at target (a --db value, as db_open takes it)
 * speaks, before anything is opened. */
db_dialect db_target_dialect(const char *target);

/* The words the dialects spell differently where SQL has no form both run;
 * each is used in SQL built at run time. */
typedef enum db_word_id {
    DB_WORD_INSTR, /* position of a text in another, 1-based, 0 when absent: f(hay, needle) */
} db_word_id;

/* The word w in d's dialect: instr (SQLite) or strpos (PostgreSQL), ... */
const char *db_word(db *d, db_word_id w);

/* The target that opens the PostgreSQL database base with schema first in
 * its search path (libpq's options=-csearch_path=...), into out of size
 * bytes: a store of its own on a shared server (tests, benchmarks).
 * CP_ERR_INVALID when base is not PostgreSQL's or out is too small. */
cp_err db_target_in_schema(const char *base, const char *schema, char *out, size_t size);

/* Closes the store and its cached statements; accepts NULL. */
void db_close(db *d);

/* Brings the schema up to the current version; harmless when it already is. */
cp_err db_migrate(db *d);

/* The schema version this build writes. */
int db_schema_version(void);

/* The cached statement for sql, prepared once per connection and reset (its
 * bindings cleared) for reuse; sql must be a string that lives as long as d
 * (a literal). Returns NULL with the error recorded (cp_detail) when sql does
 * not prepare. Owned by d. */
db_stmt *db_prepare(db *d, const char *sql);

/* The error the last db_prepare that returned NULL met (CP_ERR_DB when it
 * said none): CP_ERR_BUSY when the statements queued before it (a BEGIN
 * and its lock) waited in vain, which a terminal answers `busy`. */
cp_err db_prepare_error(const db *d);

/* A statement for SQL made at run time, prepared for this use only; the
 * caller finalizes it (db_finalize, which accepts NULL). */
cp_err db_prepare_once(db *d, const char *sql, db_stmt **out);
void db_finalize(db_stmt *st);

/* Binds parameter idx (from 1). Text is copied; NULL text binds NULL. */
void db_bind_int64(db_stmt *st, int idx, int64_t v);
void db_bind_int(db_stmt *st, int idx, int v);
void db_bind_text(db_stmt *st, int idx, const char *s);
void db_bind_null(db_stmt *st, int idx);

/* Steps st: DB_ROW, DB_DONE or DB_ERROR (then db_fail says why). */
int db_step(db_stmt *st);

/* In the open transaction: runs the write st (an INSERT or UPDATE, bound)
 * with the next statement sent to the store, in its round trip, or with the
 * COMMIT (PostgreSQL's pipeline); st may be bound again at once. Its
 * failure is then that statement's (db_fail names what this one did), and
 * db_changes does not count its rows: use it for writes that cannot miss
 * their row. On SQLite, and outside a transaction, db_step_done. */
cp_err db_step_later(db *d, db_stmt *st, const char *what);

/* In the open transaction: sends the bound statements sts (n of them, not
 * to be bound again before they are stepped) with the next statement sent,
 * in one round trip (PostgreSQL's pipeline), in order after what is
 * already waiting, writes included; each is then stepped as usual, its
 * error reported at its step. On SQLite nothing: each runs at its step. */
cp_err db_prefetch(db *d, db_stmt **sts, int n);

/* Makes st ready to run again (bindings kept until the next db_prepare). */
void db_reset(db_stmt *st);

/* Columns of the current row, from 0. Text is valid until the next step or
 * reset; NULL reads as NULL text and 0. */
int db_col_count(db_stmt *st);
int db_col_is_null(db_stmt *st, int col);
int64_t db_col_int64(db_stmt *st, int col);
int db_col_int(db_stmt *st, int col);
const char *db_col_text(db_stmt *st, int col);

/* The name of column col, once a step gave a row (NULL before). */
const char *db_col_name(db_stmt *st, int col);

/* Copies column col of the current row as text into dst (size bytes, always
 * NUL-terminated, never cut inside a character: a cut ends in an ellipsis;
 * NULL becomes ""). */
void db_copy_col(char *dst, size_t size, db_stmt *st, int col);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t db_changes(db *d);

/* A write transaction (on SQLite BEGIN IMMEDIATE: the write lock is taken
 * at once; on PostgreSQL BEGIN and the writers' lock go with the
 * transaction's first statement, one round trip fewer: the wait for the
 * lock, or a busy answer, comes from that statement) / COMMIT / ROLLBACK.
 * Rollback is safe when none is open, and due after any failure. */
cp_err db_begin(db *d);
cp_err db_commit(db *d);
void db_rollback(db *d);

/* A read transaction: every statement in it reads the store as it was at
 * its first (SQLite: a deferred BEGIN, in WAL mode one snapshot; PostgreSQL:
 * REPEATABLE READ, READ ONLY, which a hot standby also runs). Writers go on
 * beside it and are not seen. For what reads many tables and compares them
 * (verify), which would otherwise see a charge's rows in one table and not
 * yet in another; on PostgreSQL nothing is compiled first (jit off), as
 * with DB_OPEN_SHORT. Ends with db_rollback (or db_commit). */
cp_err db_begin_read(db *d);

/* A write transaction (db_begin's) whose COMMIT does not wait for the
 * disk: a crash may lose it whole, never half (SQLite: WAL with synchronous
 * NORMAL for it; PostgreSQL: synchronous_commit off for it). Only for what
 * may be lost because it is written again: a record the next request
 * rebuilds, a mark that only says what is known elsewhere. Ends with
 * db_commit or db_rollback as any other. */
cp_err db_begin_lazy(db *d);

/* How write transactions meet on a PostgreSQL store. A SQLite store has
 * one writer at a time whatever is asked (BEGIN IMMEDIATE locks the file).
 * Every mode keeps the same guarantees (tests/unit/test_ledger.c charges one
 * card from several processes at once in each); they differ in speed, which
 * tests/bench/bench_pg.c measures. */
typedef enum db_writers {
    /* Every write transaction takes the one writers' lock at BEGIN: writers
     * run one at a time, as on SQLite. */
    DB_WRITERS_ONE_LOCK = 0,
    /* Transactions begun with db_begin_shared (charges) run beside each
     * other: each locks the rows it decides on (SELECT ... FOR UPDATE) and
     * takes the audit chain's lock (db_lock_chain) only to append; db_begin's
     * writers still run alone. */
    DB_WRITERS_ROW_LOCKS = 1,
    /* db_begin_shared's transactions run SERIALIZABLE beside each other
     * without the chain's lock: the store refuses what two of them did at
     * once (a serialization failure, or the unique index on the chain's
     * links), and the caller runs the transaction again (db_conflict). */
    DB_WRITERS_SERIALIZABLE = 2,
} db_writers;

/* The mode a PostgreSQL store starts in: measured against the others by
 * tests/bench/bench_pg.c (the faster that keeps every guarantee). */
#define DB_WRITERS_DEFAULT DB_WRITERS_ROW_LOCKS

/* Sets how d's write transactions meet (a PostgreSQL store; nothing on
 * SQLite), for the transactions d begins from now on. */
void db_set_writers(db *d, db_writers w);

/* A write transaction that may run beside others begun so, as db_writers
 * says; beside db_begin's, never. Its caller locks the rows its decision
 * reads (SELECT ... FOR UPDATE) before reading what depends on them, and
 * runs it again when it fails with db_conflict true. On SQLite, db_begin. */
cp_err db_begin_shared(db *d);

/* In the open write transaction: makes it the only one that appends to the
 * audit chain called chain (a terminal's code, or "" for the office's:
 * core/audit.h) until it ends; core/audit.c calls it before reading that
 * chain's head. Transactions appending to other chains are not held up.
 * Nothing when the transaction already runs alone. */
cp_err db_lock_chain(db *d, const char *chain);

/* Whether the last failure on d came from another transaction running at
 * the same time (a serialization failure, a deadlock, or, in a transaction
 * of db_begin_shared, a unique key it wrote too): running the whole
 * transaction again may succeed. Never on SQLite. */
int db_conflict(db *d);

/* How many times a transaction of db_begin_shared is run in all before its
 * caller gives up and answers busy. */
#define DB_SHARED_ATTEMPTS 10

/* Waits before a transaction that met another runs again (retry counts from
 * 1): a random time up to 0.5 ms, doubled at each retry (at most 64 ms), so
 * that the two do not meet again at once. */
void db_back_off(int retry);

/* True while a transaction is open on d. */
int db_in_txn(db *d);

/* Runs sql (one or more statements, no results) directly. */
cp_err db_exec(db *d, const char *sql);

/* Translates the store's last error into a cp_err with a detail naming what
 * was being done; what is a short phrase ("saving the sale"). */
cp_err db_fail(db *d, const char *what);

/* Steps a statement already bound once and reads column 0 as an integer,
 * then resets it. CP_ERR_NOT_FOUND on no row. */
cp_err db_step_int64(db *d, db_stmt *st, int64_t *out);

/* Steps a statement that returns no rows (INSERT/UPDATE) and resets it. */
cp_err db_step_done(db *d, db_stmt *st, const char *what);

/* In the open transaction, foreign keys are checked at its commit instead
 * of at each statement: rows may then be written in any order (a store
 * copy). SQLite: PRAGMA defer_foreign_keys; PostgreSQL: SET CONSTRAINTS ALL
 * DEFERRED (its foreign keys are DEFERRABLE). */
cp_err db_defer_checks(db *d);

/* After rows were written with their own ids (a store copy), makes the ids
 * the store hands out next follow the largest: PostgreSQL's identity
 * sequences are moved; SQLite's rowids need nothing. */
cp_err db_sync_ids(db *d);

/* In the open transaction, creates the role name that may log in with
 * password, or gives the role of that name that password when it exists
 * (never a superuser's). The password is hashed here as the server asks
 * (SCRAM-SHA-256 by default) and only the hash is sent. Roles are
 * PostgreSQL's: on SQLite CP_ERR_INVALID saying so. */
cp_err db_login_role(db *d, const char *name, const char *password);
/* (password NULL: the role exists and keeps its password; it is only made
 * able to log in.) */

/* Whether the store takes no writes (*yes 1): a PostgreSQL hot standby
 * (or a session made read-only), or a SQLite file that could be opened only
 * for reading. What only reads (reports, verify) works on such a store. */
cp_err db_read_only(db *d, int *yes);

/* Whether table has a trigger that refuses event ("UPDATE" or "DELETE") on
 * it: the guards of the append-only tables, which verify checks. */
cp_err db_has_guard(db *d, const char *table, const char *event, int *yes);

#endif
