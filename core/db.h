/* db: the SQLite store: opening with the project's pragmas, migrations, cached statements. */
#ifndef CP_DB_H
#define CP_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct db db;

enum {
    DB_OPEN_EXISTING = 0, /* the file must exist and be at the current schema */
    DB_OPEN_CREATE = 1,   /* create the file if missing; schema left to db_migrate */
};

/* The database path: path if given, else $CLEANPLATE_DB, else ./cleanplate.db. */
const char *db_default_path(const char *path);

/* Opens the database at path with WAL, synchronous=FULL, foreign keys on and a
 * busy timeout. With DB_OPEN_EXISTING a missing file or an old schema is an
 * error that says to run `cleanplate-office init`. Caller owns *out
 * (db_close). */
cp_err db_open(const char *path, int flags, db **out);

/* Closes the connection and its cached statements; accepts NULL. */
void db_close(db *d);

/* Brings the schema up to the current version; harmless when it already is. */
cp_err db_migrate(db *d);

/* The schema version this build writes. */
int db_schema_version(void);

/* The underlying connection (owned by d). */
sqlite3 *db_handle(db *d);

/* A prepared statement for sql, prepared once per connection and reset for
 * reuse; sql must be a string that lives as long as d (a literal). Returns NULL
 * with the error recorded (cp_detail) when sql does not prepare. Owned by d. */
sqlite3_stmt *db_stmt(db *d, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Rollback is safe when no transaction is open. */
cp_err db_begin(db *d);
cp_err db_commit(db *d);
void db_rollback(db *d);

/* True while a transaction is open on d. */
int db_in_txn(db *d);

/* Runs sql (one or more statements, no results) directly. */
cp_err db_exec(db *d, const char *sql);

/* Translates the connection's last SQLite error into a cp_err with a detail
 * naming what was being done; what is a short phrase ("saving the sale"). */
cp_err db_fail(db *d, const char *what);

/* Helpers for the common single-value queries on a cached statement already
 * bound: step once and read column 0. Return CP_ERR_NOT_FOUND on no row. */
cp_err db_step_int64(db *d, sqlite3_stmt *st, int64_t *out);

/* Steps a statement that returns no rows (INSERT/UPDATE) and resets it. */
cp_err db_step_done(db *d, sqlite3_stmt *st, const char *what);

/* Copies column col of the current row as text into dst (size bytes, always
 * NUL-terminated; NULL becomes ""). Text that does not fit is cut on a
 * character boundary and ends with "…" (utf8_copy), never inside a character. */
void db_copy_col(char *dst, size_t size, sqlite3_stmt *st, int col);

/* Binds text (copied by SQLite) or NULL when s is NULL. */
void db_bind_text(sqlite3_stmt *st, int idx, const char *s);

#endif
