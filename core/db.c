/* db: the SQLite store: opening with the project's pragmas, migrations, cached statements. */
#include "core/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/schema.h"
#include "core/utf8.h"

/* Room for every statement one program uses (about 150 in all, far fewer in
 * any one program): a statement past the end is prepared anew on every use. */
#define DB_MAX_STMTS 256
#define DB_BUSY_TIMEOUT_MS 5000 /* how long a write waits for another writer */

struct db {
    sqlite3 *conn;
    char *path;
    int nstmts;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } stmts[DB_MAX_STMTS];
    struct timespec busy_since;  /* when the current wait for a lock began */
    unsigned busy_seed;
};

const char *db_default_path(const char *path)
{
    const char *env;

    if (path && *path)
        return path;
    env = getenv("CLEANPLATE_DB");
    if (env && *env)
        return env;
    return "cleanplate.db";
}

/* Waits for a lock another connection holds, for up to DB_BUSY_TIMEOUT_MS:
 * first as SQLite's own handler does (1, 2, 5, 10 ms), then in short
 * jittered sleeps of 0.1-0.5 ms. SQLite's handler (sqlite3_busy_timeout) goes
 * on backing off to 100 ms sleeps, and a terminal that has waited a while then
 * hardly ever finds the lock free while the others keep taking it: with eight
 * busy terminals one starved for 5 s and answered "busy". Polling often once
 * the wait is long gives the longest waiter the best chance of the next turn. */
static int db_busy_wait(void *arg, int count)
{
    static const long first_us[] = {1000, 2000, 5000, 10000};
    db *d = arg;
    struct timespec now, pause;
    long waited_ms, us;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0)
        d->busy_since = now;
    waited_ms = (now.tv_sec - d->busy_since.tv_sec) * 1000 +
                (now.tv_nsec - d->busy_since.tv_nsec) / 1000000;
    if (waited_ms >= DB_BUSY_TIMEOUT_MS)
        return 0;
    if (count < (int)(sizeof first_us / sizeof first_us[0])) {
        us = first_us[count];
    } else {
        d->busy_seed = d->busy_seed * 1103515245u + 12345u;
        us = 100 + (long)((d->busy_seed >> 16) % 400);
    }
    pause.tv_sec = 0;
    pause.tv_nsec = us * 1000;
    nanosleep(&pause, NULL);
    return 1;
}

cp_err db_fail(db *d, const char *what)
{
    int code = sqlite3_extended_errcode(d->conn) & 0xff;
    const char *msg = sqlite3_errmsg(d->conn);

    /* a write refused for want of space shows as an I/O error in some places */
    if (code == SQLITE_IOERR &&
        (sqlite3_system_errno(d->conn) == ENOSPC || sqlite3_system_errno(d->conn) == EDQUOT))
        code = SQLITE_FULL;
    switch (code) {
    case SQLITE_FULL:
        return cp_fail(CP_ERR_FULL, "%s: the disk that holds %s is full, so nothing was saved: "
                       "free some space on it, then try again", what, d->path);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return cp_fail(CP_ERR_BUSY, "%s: the database stayed busy (%s); try again", what, msg);
    case SQLITE_CONSTRAINT:
        return cp_fail(CP_ERR_EXISTS, "%s: %s", what, msg);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
        return cp_fail(CP_ERR_IO, "%s: %s (%s)", what, msg, d->path);
    default:
        return cp_fail(CP_ERR_DB, "%s: %s", what, msg);
    }
}

cp_err db_exec(db *d, const char *sql)
{
    if (sqlite3_exec(d->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(d, "running SQL");
    return CP_OK;
}

static cp_err get_user_version(db *d, int *v)
{
    sqlite3_stmt *st = NULL;
    cp_err err = CP_OK;

    if (sqlite3_prepare_v2(d->conn, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        err = db_fail(d, "reading the schema version");
    else
        *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return err;
}

/* Refuses a file of schema version 0 that already holds tables: another
 * program's database, which init must not fill with ours. */
static cp_err check_not_foreign(db *d)
{
    sqlite3_stmt *st = NULL;
    cp_err err = CP_OK;

    if (sqlite3_prepare_v2(d->conn, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        err = db_fail(d, "reading the tables");
    else if (sqlite3_column_int(st, 0) > 0)
        err = cp_fail(CP_ERR_INVALID, "%s is another program's database, not CleanPlate's: "
                      "give --db the canteen's database, or a new file for init", d->path);
    sqlite3_finalize(st);
    return err;
}

/* Creates path, when missing, for its owner and group only: nobody else may
 * read names and balances. The group also gets write unless the umask takes
 * it (terminals running as other users of one group need umask 002).
 * SQLite gives its -wal and -shm files the same mode. */
static cp_err create_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);

    if (fd >= 0) {
        close(fd);
        return CP_OK;
    }
    if (errno == EEXIST)
        return CP_OK;
    return cp_fail(errno == ENOSPC ? CP_ERR_FULL : CP_ERR_IO, "cannot create %s: %s; check that "
                   "its folder exists and that you may write there", path, strerror(errno));
}

cp_err db_open(const char *path, int flags, db **out)
{
    struct stat sb;
    db *d = NULL;
    cp_err err = CP_OK;
    int version = 0;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

    *out = NULL;
    path = db_default_path(path);
    if (!(flags & DB_OPEN_CREATE) && access(path, F_OK) != 0)
        return cp_fail(CP_ERR_NOT_FOUND,
                       "no database at %s: run `cleanplate-office init` first, or give --db PATH",
                       path);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cp_fail(CP_ERR_INVALID, "%s is a folder: give --db the database file in it, "
                       "like %s/cleanplate.db", path, path);
    if (flags & DB_OPEN_CREATE) {
        oflags |= SQLITE_OPEN_CREATE;
        if ((err = create_private(path)))
            return err;
    }

    d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(path))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory opening %s", path);
        goto out;
    }
    if (sqlite3_open_v2(path, &d->conn, oflags, NULL) != SQLITE_OK) {
        err = d->conn ? db_fail(d, "opening the database")
                      : cp_fail(CP_ERR_NOMEM, "out of memory opening %s", path);
        if (err == CP_ERR_IO)
            err = cp_fail(err, "%s: check that its folder exists and that you may write there",
                          cp_detail());
        goto out;
    }
    sqlite3_extended_result_codes(d->conn, 1);
    d->busy_seed = (unsigned)getpid();
    sqlite3_busy_handler(d->conn, db_busy_wait, d);
    /* another program's database is refused before the pragmas turn it to WAL */
    if ((err = get_user_version(d, &version)) ||
        (version == 0 && (err = check_not_foreign(d))) ||
        (err = db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                          "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;"))) {
        if (err != CP_ERR_INVALID)
            err = cp_fail(err, "%s is not a usable CleanPlate database: %s", path,
                          cp_detail());
        goto out;
    }
    if (!(flags & DB_OPEN_CREATE)) {
        if ((err = get_user_version(d, &version)))
            goto out;
        if (version != schema_version()) {
            err = cp_fail(CP_ERR_INVALID,
                          version < schema_version()
                              ? "%s has schema version %d, this program needs %d: run "
                                "`cleanplate-office init` to migrate it"
                              : "%s has schema version %d, newer than this program's %d: "
                                "install the newer CleanPlate",
                          path, version, schema_version());
            goto out;
        }
    }
    *out = d;
    d = NULL;
out:
    db_close(d);
    return err;
}

void db_close(db *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nstmts; i++)
        sqlite3_finalize(d->stmts[i].st);
    sqlite3_close(d->conn);
    free(d->path);
    free(d);
}

int db_schema_version(void)
{
    return schema_version();
}

cp_err db_migrate(db *d)
{
    int version = 0;
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    if ((err = get_user_version(d, &version)))
        goto fail;
    if (version > schema_version()) {
        err = cp_fail(CP_ERR_INVALID, "%s has schema version %d, newer than this program's %d",
                      d->path, version, schema_version());
        goto fail;
    }
    for (int v = version + 1; v <= schema_version(); v++) {
        char pragma[64];
        if ((err = db_exec(d, schema_migration(v))) != CP_OK) {
            err = cp_fail(err, "migrating to schema version %d: %s", v, cp_detail());
            goto fail;
        }
        if ((err = schema_after_migration(d, v))) {
            err = cp_fail(err, "migrating to schema version %d: %s", v, cp_detail());
            goto fail;
        }
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v);
        if ((err = db_exec(d, pragma)))
            goto fail;
    }
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

sqlite3 *db_handle(db *d)
{
    return d->conn;
}

sqlite3_stmt *db_stmt(db *d, const char *sql)
{
    sqlite3_stmt *st = NULL;

    for (int i = 0; i < d->nstmts; i++) {
        if (d->stmts[i].sql == sql) {
            sqlite3_reset(d->stmts[i].st);
            sqlite3_clear_bindings(d->stmts[i].st);
            return d->stmts[i].st;
        }
    }
    if (sqlite3_prepare_v3(d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
        SQLITE_OK) {
        db_fail(d, "preparing a statement");
        return NULL;
    }
    if (d->nstmts == DB_MAX_STMTS)
        return st; /* cache full: a programming error, but still correct (leaks until close) */
    d->stmts[d->nstmts].sql = sql;
    d->stmts[d->nstmts].st = st;
    d->nstmts++;
    return st;
}

cp_err db_begin(db *d)
{
    if (sqlite3_exec(d->conn, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(d, "starting a transaction");
    return CP_OK;
}

cp_err db_commit(db *d)
{
    if (sqlite3_exec(d->conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        cp_err err = db_fail(d, "committing");
        db_rollback(d);
        return err;
    }
    return CP_OK;
}

int db_in_txn(db *d)
{
    return !sqlite3_get_autocommit(d->conn);
}

void db_rollback(db *d)
{
    if (!sqlite3_get_autocommit(d->conn))
        sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
}

cp_err db_step_int64(db *d, sqlite3_stmt *st, int64_t *out)
{
    int rc = sqlite3_step(st);
    cp_err err = CP_OK;

    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        err = CP_ERR_NOT_FOUND;
    else
        err = db_fail(d, "reading");
    sqlite3_reset(st);
    return err;
}

cp_err db_step_done(db *d, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    cp_err err = CP_OK;

    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = db_fail(d, what);
    sqlite3_reset(st);
    return err;
}

void db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    if (s)
        sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, idx);
}

void db_copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);

    /* never snprintf: a name cut by bytes can end inside a character */
    utf8_copy(dst, size, s ? (const char *)s : "");
}
