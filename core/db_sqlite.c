/* db_sqlite: the SQLite engine of the store: a file in WAL mode, the embedded default. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/db_int.h"
#include "core/nls.h"

#define BUSY_TIMEOUT_MS 5000 /* how long a write waits for another writer */

/* The connection and what the busy handler keeps between its calls. */
typedef struct lite {
    sqlite3 *conn;
    struct timespec busy_since; /* when the current wait for a lock began */
    unsigned busy_seed;
    int lazy;                   /* the open transaction is db_begin_lazy's */
} lite;

static sqlite3 *conn_of(db *d)
{
    return ((lite *)d->conn)->conn;
}

/* Waits for a lock another connection holds, for up to BUSY_TIMEOUT_MS:
 * first as SQLite's own handler does (1, 2, 5, 10 ms), then in short
 * jittered sleeps of 0.1-0.5 ms. SQLite's handler (sqlite3_busy_timeout) goes
 * on backing off to 100 ms sleeps, and a terminal that has waited a while then
 * hardly ever finds the lock free while the others keep taking it: with eight
 * busy terminals one starved for 5 s and answered "busy". Polling often once
 * the wait is long gives the longest waiter the best chance of the next turn. */
static int busy_wait(void *arg, int count)
{
    static const long first_us[] = {1000, 2000, 5000, 10000};
    lite *l = arg;
    struct timespec now, pause;
    long waited_ms, us;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0)
        l->busy_since = now;
    waited_ms = (now.tv_sec - l->busy_since.tv_sec) * 1000 +
                (now.tv_nsec - l->busy_since.tv_nsec) / 1000000;
    if (waited_ms >= BUSY_TIMEOUT_MS)
        return 0;
    if (count < (int)(sizeof first_us / sizeof first_us[0])) {
        us = first_us[count];
    } else {
        l->busy_seed = l->busy_seed * 1103515245u + 12345u;
        us = 100 + (long)((l->busy_seed >> 16) % 400);
    }
    pause.tv_sec = 0;
    pause.tv_nsec = us * 1000;
    nanosleep(&pause, NULL);
    return 1;
}

static cp_err lite_fail(db *d, const char *what)
{
    sqlite3 *c = conn_of(d);
    int code = sqlite3_extended_errcode(c) & 0xff;
    const char *msg = sqlite3_errmsg(c);

    what = _(what); /* lite_fail is an xgettext keyword; db_fail's what comes translated */

    /* a write refused for want of space shows as an I/O error in some places */
    if (code == SQLITE_IOERR &&
        (sqlite3_system_errno(c) == ENOSPC || sqlite3_system_errno(c) == EDQUOT))
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

static cp_err lite_exec(db *d, const char *sql)
{
    if (sqlite3_exec(conn_of(d), sql, NULL, NULL, NULL) != SQLITE_OK)
        return lite_fail(d, "running SQL");
    return CP_OK;
}

/* The first column of the one row of sql, as an integer. */
static cp_err one_int(db *d, const char *sql, const char *what, int *v)
{
    sqlite3_stmt *st = NULL;
    cp_err err = CP_OK;

    if (sqlite3_prepare_v2(conn_of(d), sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        err = lite_fail(d, what);
    else
        *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return err;
}

static cp_err lite_get_version(db *d, int *v)
{
    return one_int(d, "PRAGMA user_version", "reading the schema version", v);
}

static cp_err lite_set_version(db *d, int v)
{
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v);
    return lite_exec(d, pragma);
}

/* Refuses a file of schema version 0 that already holds tables: another
 * program's database, which init must not fill with ours. */
static cp_err check_not_foreign(db *d)
{
    int n = 0;
    cp_err err = one_int(d, "SELECT count(*) FROM sqlite_master", "reading the tables", &n);
    if (!err && n > 0)
        err = cp_fail(CP_ERR_INVALID, "%s is another program's database, not CleanPlate's: "
                      "give --db the canteen's database, or a new file for init", d->path);
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

/* The owner's name of st (or its number) into out. */
static const char *owner_name(const struct stat *st, char out[64])
{
    struct passwd *pw = getpwuid(st->st_uid);

    if (pw)
        snprintf(out, 64, "%s", pw->pw_name);
    else
        snprintf(out, 64, "uid %lu", (unsigned long)st->st_uid);
    return out;
}

/* When this user may not read and write the file at path, or may not write
 * the folder that holds it (SQLite keeps its -wal and -shm files there),
 * CP_ERR_ACCESS saying which and what to do; CP_OK otherwise. A file copied
 * back by root, or a folder only root may write, read as a missing folder or
 * a damaged database. */
static cp_err access_problem(const char *path)
{
    char copy[4096], owner[64];
    const char *dir;
    struct stat st;

    if (stat(path, &st) == 0 && access(path, R_OK | W_OK) != 0)
        return cp_fail(CP_ERR_ACCESS, "%s belongs to %s with mode %04o, and this user may not "
                       "read and write it: give it to the user that runs the program (chown), "
                       "or let that user's group write it (chmod g+rw)", path,
                       owner_name(&st, owner), (unsigned)(st.st_mode & 07777));
    snprintf(copy, sizeof copy, "%s", path);
    dir = dirname(copy); /* copy, or a constant "." */
    if (stat(dir, &st) == 0 && access(dir, W_OK | X_OK) != 0)
        return cp_fail(CP_ERR_ACCESS, "this user may not write the folder %s (it belongs to "
                       "%s with mode %04o), where the database keeps its -wal and -shm files "
                       "beside %s: give the folder to the user that runs the program (chown), "
                       "or let that user's group write it (chmod g+rwx)", dir,
                       owner_name(&st, owner), (unsigned)(st.st_mode & 07777), path);
    return CP_OK;
}

static cp_err lite_open(db *d, int flags)
{
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, version = 0;
    struct stat sb;
    lite *l;
    cp_err err;

    if (!(flags & DB_OPEN_CREATE) && access(d->path, F_OK) != 0)
        return cp_fail(CP_ERR_NOT_FOUND,
                       "no database at %s: run `cleanplate-office init` first, or give --db PATH",
                       d->path);
    if (stat(d->path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cp_fail(CP_ERR_INVALID, "%s is a folder: give --db the database file in it, "
                       "like %s/cleanplate.db", d->path, d->path);
    if (flags & DB_OPEN_CREATE) {
        oflags |= SQLITE_OPEN_CREATE;
        if ((err = create_private(d->path)))
            return err;
    }
    if (!(l = calloc(1, sizeof *l)))
        return cp_fail(CP_ERR_NOMEM, "out of memory opening %s", d->path);
    d->conn = l;
    if (sqlite3_open_v2(d->path, &l->conn, oflags, NULL) != SQLITE_OK) {
        err = l->conn ? lite_fail(d, "opening the database")
                      : cp_fail(CP_ERR_NOMEM, "out of memory opening %s", d->path);
        if (err == CP_ERR_IO && access_problem(d->path) == CP_OK)
            err = cp_fail(err, "%s: check that its folder exists and that you may write there",
                          cp_detail());
        else if (err == CP_ERR_IO)
            err = CP_ERR_ACCESS; /* access_problem said which */
        return err;
    }
    sqlite3_extended_result_codes(l->conn, 1);
    l->busy_seed = (unsigned)getpid();
    sqlite3_busy_handler(l->conn, busy_wait, l);
    /* another program's database is refused before the pragmas turn it to WAL */
    if ((err = lite_get_version(d, &version)) ||
        (version == 0 && (err = check_not_foreign(d))) ||
        (err = lite_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                            "PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;"))) {
        if (err == CP_ERR_IO && access_problem(d->path) != CP_OK)
            err = CP_ERR_ACCESS; /* not damaged: this user may not write it (it said which) */
        else if (err != CP_ERR_INVALID)
            err = cp_fail(err, "%s is not a usable CleanPlate database: %s", d->path,
                          cp_detail());
        return err;
    }
    return CP_OK;
}

static void lite_close(db *d)
{
    lite *l = d->conn;
    if (!l)
        return;
    sqlite3_close(l->conn);
    free(l);
    d->conn = NULL;
}

/* A row lock (a SELECT that ends in FOR UPDATE, core/db.h) means nothing
 * here: a writer holds the whole file from BEGIN IMMEDIATE on. The
 * statement is prepared without those words (SQLite has no such clause). */
static int without_row_lock(const char *sql)
{
    static const char words[] = " FOR UPDATE";
    size_t n = strlen(sql), w = sizeof words - 1;

    return n > w && strcmp(sql + n - w, words) == 0 ? (int)(n - w) : (int)n;
}

static cp_err lite_prepare(db *d, const char *sql, void **impl)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v3(conn_of(d), sql, without_row_lock(sql), SQLITE_PREPARE_PERSISTENT,
                           &st, NULL) !=
        SQLITE_OK)
        return lite_fail(d, "preparing a statement");
    *impl = st;
    return CP_OK;
}

static void lite_finalize(void *impl)
{
    sqlite3_finalize(impl);
}

static void lite_reset(void *impl)
{
    sqlite3_reset(impl);
}

static void lite_clear_bindings(void *impl)
{
    sqlite3_clear_bindings(impl);
}

static void lite_bind_int64(void *impl, int idx, int64_t v)
{
    sqlite3_bind_int64(impl, idx, v);
}

static void lite_bind_text(void *impl, int idx, const char *s)
{
    if (s)
        sqlite3_bind_text(impl, idx, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(impl, idx);
}

static void lite_bind_null(void *impl, int idx)
{
    sqlite3_bind_null(impl, idx);
}

static int lite_step(void *impl)
{
    int rc = sqlite3_step(impl);
    return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : DB_ERROR;
}

static int lite_col_count(void *impl)
{
    return sqlite3_column_count(impl);
}

static int lite_col_is_null(void *impl, int col)
{
    return sqlite3_column_type(impl, col) == SQLITE_NULL;
}

static int64_t lite_col_int64(void *impl, int col)
{
    return sqlite3_column_int64(impl, col);
}

static const char *lite_col_text(void *impl, int col)
{
    return (const char *)sqlite3_column_text(impl, col);
}

static const char *lite_col_name(void *impl, int col)
{
    return sqlite3_column_name(impl, col);
}

static cp_err lite_defer_checks(db *d)
{
    return lite_exec(d, "PRAGMA defer_foreign_keys = ON");
}

/* An INTEGER PRIMARY KEY takes the largest rowid + 1: nothing to move. */
static cp_err lite_sync_ids(db *d)
{
    (void)d;
    return CP_OK;
}

static int64_t lite_changes(db *d)
{
    return sqlite3_changes(conn_of(d));
}

static cp_err lite_begin(db *d)
{
    if (sqlite3_exec(conn_of(d), "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return lite_fail(d, "starting a transaction");
    return CP_OK;
}

/* Deferred: the snapshot is taken by the first read, and no lock keeps
 * writers out (WAL). */
static cp_err lite_begin_read(db *d)
{
    if (sqlite3_exec(conn_of(d), "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return lite_fail(d, "starting a transaction");
    return CP_OK;
}

/* synchronous NORMAL must be set before BEGIN (set inside a transaction it
 * does not reach that transaction's COMMIT: 24 fsyncs for 20 commits either
 * way, against 4 when set before, under strace), and FULL again after. */
static cp_err lite_begin_lazy(db *d)
{
    if (sqlite3_exec(conn_of(d), "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
        return lite_fail(d, "starting a transaction");
    ((lite *)d->conn)->lazy = 1;
    return lite_begin(d);
}

/* After a lazy transaction: every other commit waits for the disk again. */
static void lite_end_lazy(db *d)
{
    lite *l = d->conn;

    if (l->lazy) {
        l->lazy = 0;
        sqlite3_exec(l->conn, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    }
}

/* One writer at a time already: a shared transaction is db_begin's, the
 * chain needs no lock of its own and no transaction meets another. */
static cp_err lite_lock_chain(db *d, const char *chain)
{
    (void)d;
    (void)chain;
    return CP_OK;
}

static int lite_conflict(db *d)
{
    (void)d;
    return 0;
}

static void lite_set_writers(db *d, db_writers w)
{
    (void)d;
    (void)w;
}

static int lite_in_txn(db *d)
{
    return !sqlite3_get_autocommit(conn_of(d));
}

static void lite_rollback(db *d)
{
    if (lite_in_txn(d))
        sqlite3_exec(conn_of(d), "ROLLBACK", NULL, NULL, NULL);
    lite_end_lazy(d);
}

static cp_err lite_commit(db *d)
{
    if (sqlite3_exec(conn_of(d), "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        cp_err err = lite_fail(d, "committing");
        lite_rollback(d);
        return err;
    }
    lite_end_lazy(d);
    return CP_OK;
}

static cp_err lite_read_only(db *d, int *yes)
{
    *yes = sqlite3_db_readonly(conn_of(d), "main") == 1;
    return CP_OK;
}

static cp_err lite_has_guard(db *d, const char *table, const char *event, int *yes)
{
    static const char sql[] =
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?";
    char want[96];
    sqlite3_stmt *st = NULL;
    int rc;

    *yes = 0;
    snprintf(want, sizeof want, "BEFORE %s ON %s ", event, table);
    if (sqlite3_prepare_v2(conn_of(d), sql, -1, &st, NULL) != SQLITE_OK)
        return lite_fail(d, "reading the triggers");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        if (text && strstr(text, want) && strstr(text, "RAISE(ABORT"))
            *yes = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CP_OK : lite_fail(d, "reading the triggers");
}

const db_engine db_sqlite_engine = {
    .name = "sqlite",
    .dialect = DB_DIALECT_SQLITE,
    .open = lite_open,
    .close = lite_close,
    .get_version = lite_get_version,
    .set_version = lite_set_version,
    .prepare = lite_prepare,
    .finalize = lite_finalize,
    .reset = lite_reset,
    .clear_bindings = lite_clear_bindings,
    .bind_int64 = lite_bind_int64,
    .bind_text = lite_bind_text,
    .bind_null = lite_bind_null,
    .step = lite_step,
    .col_count = lite_col_count,
    .col_is_null = lite_col_is_null,
    .col_int64 = lite_col_int64,
    .col_text = lite_col_text,
    .col_name = lite_col_name,
    .changes = lite_changes,
    .exec = lite_exec,
    .begin = lite_begin,
    .begin_lazy = lite_begin_lazy,
    .begin_read = lite_begin_read,
    .begin_shared = lite_begin,
    .lock_chain = lite_lock_chain,
    .conflict = lite_conflict,
    .set_writers = lite_set_writers,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .in_txn = lite_in_txn,
    .fail = lite_fail,
    .has_guard = lite_has_guard,
    .read_only = lite_read_only,
    .defer_checks = lite_defer_checks,
    .sync_ids = lite_sync_ids,
};
