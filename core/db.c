/* db: the one door to the store: picks the engine, caches statements, runs migrations.
 *
 * What every engine shares lives here; what differs lives in core/db_*.c
 * behind struct db_engine (core/db_int.h). */
#include "core/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/db_int.h"
#include "core/nls.h"
#include "core/schema.h"
#include "core/utf8.h"

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

/* Whether target names a PostgreSQL database: a URI of libpq's, or one of
 * its key=value strings ("host=db1 dbname=canteen"): a lowercase keyword
 * and '=' first, which no file name a person gives starts with. */
static int is_postgres(const char *target)
{
    size_t word = strspn(target, "abcdefghijklmnopqrstuvwxyz_");

    return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0 ||
           (word > 0 && target[word + strspn(target + word, " ")] == '=');
}

/* The engine for a target; the SQLite file is the default. */
static const db_engine *engine_for(const char *target)
{
    return is_postgres(target) ? &db_pg_engine : &db_sqlite_engine;
}

cp_err db_target_in_schema(const char *base, const char *schema, char *out, size_t size)
{
    int n;

    if (!is_postgres(base))
        return cp_fail(CP_ERR_INVALID, "'%s' is not a PostgreSQL database", base);
    if (strstr(base, "://"))
        n = snprintf(out, size, "%s%coptions=-csearch_path%%3D%s", base,
                     strchr(base, '?') ? '&' : '?', schema);
    else
        n = snprintf(out, size, "%s options='-csearch_path=%s'", base, schema);
    if (n < 0 || (size_t)n >= size)
        return cp_fail(CP_ERR_INVALID, "the target of schema %s is too long", schema);
    return CP_OK;
}

db_dialect db_dialect_of(db *d)
{
    return d->eng->dialect;
}

db_dialect db_target_dialect(const char *target)
{
    return engine_for(db_default_path(target))->dialect;
}

const char *db_word(db *d, db_word_id w)
{
    static const char *const words[][2] = {
        [DB_WORD_INSTR] = {"instr", "strpos"},
    };
    return words[w][d->eng->dialect == DB_DIALECT_PG];
}

cp_err db_open(const char *path, int flags, db **out)
{
    int version = 0;
    db *d = NULL;
    cp_err err = CP_OK;

    *out = NULL;
    path = db_default_path(path);
    d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(path))) {
        free(d);
        return cp_fail(CP_ERR_NOMEM, "out of memory opening %s", path);
    }
    d->eng = engine_for(path);
    if ((err = d->eng->open(d, flags)))
        goto out;
    if (!(flags & DB_OPEN_CREATE)) {
        if ((err = d->eng->get_version(d, &version)))
            goto out;
        if (version != schema_version()) {
            err = cp_fail(CP_ERR_INVALID,
                          version < schema_version()
                              ? N_("%s has schema version %d, this program needs %d: run "
                                   "`cleanplate-office init` to migrate it")
                              : N_("%s has schema version %d, newer than this program's %d: "
                                   "install the newer CleanPlate"),
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
        db_finalize(d->stmts[i].st);
    db_finalize(d->overflow);
    if (d->conn)
        d->eng->close(d);
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
    if ((err = d->eng->get_version(d, &version)))
        goto fail;
    if (version > schema_version()) {
        err = cp_fail(CP_ERR_INVALID, "%s has schema version %d, newer than this program's %d",
                      d->path, version, schema_version());
        goto fail;
    }
    for (int v = version + 1; v <= schema_version(); v++) {
        if ((err = db_exec(d, schema_migration(v, d->eng->dialect))) ||
            (err = schema_after_migration(d, v))) {
            err = cp_fail(err, "migrating to schema version %d: %s", v, cp_detail());
            goto fail;
        }
        if ((err = d->eng->set_version(d, v)))
            goto fail;
    }
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err db_prepare_once(db *d, const char *sql, db_stmt **out)
{
    db_stmt *st = calloc(1, sizeof *st);
    cp_err err;

    *out = NULL;
    if (!st)
        return cp_fail(CP_ERR_NOMEM, "out of memory preparing a statement");
    st->owner = d;
    if ((err = d->eng->prepare(d, sql, &st->impl))) {
        free(st);
        return err;
    }
    *out = st;
    return CP_OK;
}

void db_finalize(db_stmt *st)
{
    if (!st)
        return;
    st->owner->eng->finalize(st->impl);
    free(st);
}

cp_err db_prepare_error(const db *d)
{
    return d->prepare_err ? d->prepare_err : CP_ERR_DB;
}

db_stmt *db_prepare(db *d, const char *sql)
{
    db_stmt *st;

    /* the cache is keyed by the string's address: each statement is a literal */
    for (int i = 0; i < d->nstmts; i++) {
        if (d->stmts[i].sql == sql) {
            st = d->stmts[i].st;
            d->eng->reset(st->impl);
            d->eng->clear_bindings(st->impl);
            return st;
        }
    }
    if ((d->prepare_err = db_prepare_once(d, sql, &st)))
        return NULL;
    if (d->nstmts == DB_MAX_STMTS) {
        /* A programming error (more statements than any program has), but
         * still correct: the caller is done with the previous one by now. */
        db_finalize(d->overflow);
        d->overflow = st;
        return st;
    }
    d->stmts[d->nstmts].sql = sql;
    d->stmts[d->nstmts].st = st;
    d->nstmts++;
    return st;
}

void db_bind_int64(db_stmt *st, int idx, int64_t v)
{
    st->owner->eng->bind_int64(st->impl, idx, v);
}

void db_bind_int(db_stmt *st, int idx, int v)
{
    st->owner->eng->bind_int64(st->impl, idx, v);
}

void db_bind_text(db_stmt *st, int idx, const char *s)
{
    st->owner->eng->bind_text(st->impl, idx, s);
}

void db_bind_null(db_stmt *st, int idx)
{
    st->owner->eng->bind_null(st->impl, idx);
}

int db_step(db_stmt *st)
{
    return st->owner->eng->step(st->impl);
}

void db_reset(db_stmt *st)
{
    st->owner->eng->reset(st->impl);
}

int db_col_count(db_stmt *st)
{
    return st->owner->eng->col_count(st->impl);
}

int db_col_is_null(db_stmt *st, int col)
{
    return st->owner->eng->col_is_null(st->impl, col);
}

int64_t db_col_int64(db_stmt *st, int col)
{
    return st->owner->eng->col_int64(st->impl, col);
}

int db_col_int(db_stmt *st, int col)
{
    return (int)st->owner->eng->col_int64(st->impl, col);
}

const char *db_col_text(db_stmt *st, int col)
{
    return st->owner->eng->col_text(st->impl, col);
}

const char *db_col_name(db_stmt *st, int col)
{
    return st->owner->eng->col_name(st->impl, col);
}

cp_err db_defer_checks(db *d)
{
    return d->eng->defer_checks(d);
}

cp_err db_sync_ids(db *d)
{
    return d->eng->sync_ids(d);
}

void db_copy_col(char *dst, size_t size, db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);

    /* never snprintf: a name cut by bytes can end inside a character */
    utf8_copy(dst, size, s ? s : "");
}

int64_t db_changes(db *d)
{
    return d->eng->changes(d);
}

cp_err db_begin(db *d)
{
    return d->eng->begin(d);
}

cp_err db_begin_read(db *d)
{
    return d->eng->begin_read(d);
}

cp_err db_begin_lazy(db *d)
{
    return d->eng->begin_lazy(d);
}

cp_err db_begin_shared(db *d)
{
    return d->eng->begin_shared(d);
}

cp_err db_lock_chain(db *d, const char *chain)
{
    return d->eng->lock_chain(d, chain);
}

int db_conflict(db *d)
{
    return d->eng->conflict(d);
}

void db_back_off(int retry)
{
    static _Thread_local unsigned seed;
    struct timespec ts;
    long most_us = 500L << (retry < 8 ? retry - 1 : 7);

    if (!seed)
        seed = (unsigned)getpid() * 2654435761u ^ (unsigned)(uintptr_t)&ts;
    seed = seed * 1103515245u + 12345u;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)((seed >> 8) % (unsigned long)most_us) * 1000;
    nanosleep(&ts, NULL);
}

void db_set_writers(db *d, db_writers w)
{
    d->eng->set_writers(d, w);
}

cp_err db_commit(db *d)
{
    return d->eng->commit(d);
}

void db_rollback(db *d)
{
    d->eng->rollback(d);
}

int db_in_txn(db *d)
{
    return d->eng->in_txn(d);
}

cp_err db_exec(db *d, const char *sql)
{
    return d->eng->exec(d, sql);
}

/* what ("writing the ledger") is worded in the user's language here: db_fail
 * db_step_done and db_step_later are xgettext keywords, so their callers stay as they are */
cp_err db_fail(db *d, const char *what)
{
    return d->eng->fail(d, _(what));
}

cp_err db_login_role(db *d, const char *name, const char *password)
{
    if (!d->eng->login_role)
        return cp_fail(CP_ERR_INVALID, "%s is a SQLite file, which has no roles: database "
                       "roles are PostgreSQL's; the file's permissions decide who may write "
                       "it (chmod, chown)", d->path);
    return d->eng->login_role(d, name, password);
}

cp_err db_read_only(db *d, int *yes)
{
    return d->eng->read_only(d, yes);
}

cp_err db_has_guard(db *d, const char *table, const char *event, int *yes)
{
    return d->eng->has_guard(d, table, event, yes);
}

cp_err db_step_int64(db *d, db_stmt *st, int64_t *out)
{
    int rc = db_step(st);
    cp_err err = CP_OK;

    if (rc == DB_ROW)
        *out = db_col_int64(st, 0);
    else if (rc == DB_DONE)
        err = CP_ERR_NOT_FOUND;
    else
        err = db_fail(d, "reading");
    db_reset(st);
    return err;
}

cp_err db_step_later(db *d, db_stmt *st, const char *what)
{
    if (!d->eng->step_later || !db_in_txn(d))
        return db_step_done(d, st, what);
    return d->eng->step_later(d, st->impl, _(what));
}

cp_err db_prefetch(db *d, db_stmt **sts, int n)
{
    void *impls[16];

    /* more than a round trip holds is simply stepped one by one */
    if (!d->eng->prefetch || !db_in_txn(d) || n > (int)(sizeof impls / sizeof impls[0]))
        return CP_OK;
    for (int i = 0; i < n; i++)
        impls[i] = sts[i]->impl;
    return d->eng->prefetch(d, impls, n);
}

cp_err db_step_done(db *d, db_stmt *st, const char *what)
{
    int rc = db_step(st);
    cp_err err = CP_OK;

    if (rc == DB_ERROR)
        err = db_fail(d, what);
    db_reset(st);
    return err;
}
