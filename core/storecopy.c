/* storecopy: the whole store copied into a new one (a canteen's SQLite file into PostgreSQL), all or nothing.
 *
 * Rows go through the door as text, as the audit chain hashes them, so that
 * the chain and the publications verify on the copy exactly as they did on
 * the original; a row the new store cannot hold (text that is not UTF-8, on
 * PostgreSQL) fails the copy, naming it, and leaves the new store empty. */
#include "core/storecopy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/schema.h"

/* Refuses a store that holds any row: the copy goes into a new one only.
 * Derived tables are left out: what a new store made in them itself (a
 * migration's seed) is replaced by the original's. */
static cp_err check_empty(db *to)
{
    for (const schema_table *t = schema_tables; t->name; t++) {
        char sql[128];
        db_stmt *st = NULL;
        int64_t n = 0;
        cp_err err;

        if (t->derived)
            continue;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t->name);
        if ((err = db_prepare_once(to, sql, &st)))
            return err;
        err = db_step_int64(to, st, &n);
        db_finalize(st);
        if (err)
            return err;
        if (n > 0)
            return cp_fail(CP_ERR_EXISTS, "the store to copy into already holds rows (%lld in "
                           "%s): give --to a new, empty database", (long long)n, t->name);
    }
    return CP_OK;
}

/* The INSERT into table of the columns of src's current row, prepared on to. */
static cp_err insert_for(db *to, const char *table, db_stmt *src, db_stmt **out)
{
    int n = db_col_count(src);
    size_t size = strlen(table) + 48, len;
    char *sql;
    cp_err err;

    for (int c = 0; c < n; c++)
        size += strlen(db_col_name(src, c)) + 5;
    if (!(sql = malloc(size)))
        return cp_fail(CP_ERR_NOMEM, "out of memory copying %s", table);
    len = (size_t)snprintf(sql, size, "INSERT INTO %s(", table);
    for (int c = 0; c < n; c++)
        len += (size_t)snprintf(sql + len, size - len, "%s%s", c ? ", " : "",
                                db_col_name(src, c));
    len += (size_t)snprintf(sql + len, size - len, ") VALUES (");
    for (int c = 0; c < n; c++)
        len += (size_t)snprintf(sql + len, size - len, "%s?", c ? ", " : "");
    snprintf(sql + len, size - len, ")");
    err = db_prepare_once(to, sql, out);
    free(sql);
    return err;
}

/* Whether to has n rows in table, as copied: also sends what waits to be
 * written (db_step_later), so that its failure is reported now. */
static cp_err check_count(db *to, const char *table, long n)
{
    char sql[128];
    db_stmt *st = NULL;
    int64_t have = -1;
    cp_err err;

    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if ((err = db_prepare_once(to, sql, &st)))
        return err;
    err = db_step_int64(to, st, &have);
    db_finalize(st);
    if (!err && have != n)
        err = cp_fail(CP_ERR_DB, "copying %s: %ld rows copied, %lld in the new store", table, n,
                      (long long)have);
    return err;
}

/* Copies the rows of t from from into to, in t's order; a table the
 * triggers keep is emptied first of what they made while the rows that
 * feed it were copied. The rows are sent as writes that wait for the next
 * round trip (on PostgreSQL some sixteen in one: a row a trip took 40 s for
 * a month of a canteen of 1,000 diners); a failed row fails the copy of its
 * table. progress (may be NULL) hears of every PROGRESS_ROWS rows. */
#define PROGRESS_ROWS 10000
static cp_err copy_table(db *from, db *to, const schema_table *t, storecopy_progress_fn progress,
                         void *arg, long *rows)
{
    /* the writes name it when they fail, which may be after this row: it
     * lives until check_count has sent them all */
    static char what[96];
    char sql[256];
    db_stmt *src = NULL, *ins = NULL;
    cp_err err = CP_OK;
    long n = 0;
    int rc;

    snprintf(sql, sizeof sql, "DELETE FROM %s", t->name);
    if (t->derived && (err = db_exec(to, sql)))
        return err;
    snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY %s", t->name, t->order);
    snprintf(what, sizeof what, "copying %s", t->name);
    if ((err = db_prepare_once(from, sql, &src)))
        return err;
    while ((rc = db_step(src)) == DB_ROW) {
        if (!ins && (err = insert_for(to, t->name, src, &ins)))
            break;
        for (int c = 0; c < db_col_count(src); c++) {
            if (db_col_is_null(src, c))
                db_bind_null(ins, c + 1);
            else
                db_bind_text(ins, c + 1, db_col_text(src, c));
        }
        if ((err = db_step_later(to, ins, what)))
            break;
        if (++n % PROGRESS_ROWS == 0 && progress)
            progress(t->name, n, 0, arg);
    }
    if (!err && rc != DB_DONE)
        err = db_fail(from, "reading the store to copy");
    if (!err)
        err = check_count(to, t->name, n);
    db_finalize(ins);
    db_finalize(src);
    if (!err && progress)
        progress(t->name, n, 1, arg);
    *rows += n;
    return err;
}

/* What both stores must agree on after the copy. */
typedef struct sums {
    char head[HASH_HEX_LEN];   /* the office chain's */
    char heads[HASH_HEX_LEN];  /* a hash of every chain's head (audit_heads) */
    char published[HASH_HEX_LEN];
    int64_t cash, subsidy;
} sums;

static cp_err read_sums(db *d, sums *s)
{
    static const char published_sql[] =
        "SELECT hash FROM publications ORDER BY rowid DESC LIMIT 1";
    static const char wallets_sql[] =
        "SELECT coalesce(sum(cash_fen), 0), coalesce(sum(subsidy_fen), 0) FROM wallets";
    db_stmt *st;
    int rc;
    cp_err err;

    char *heads;

    memset(s, 0, sizeof *s);
    if ((err = audit_head(d, NULL, s->head)) || (err = audit_heads(d, 1, &heads)))
        return err;
    hash_bytes(heads, strlen(heads), s->heads);
    free(heads);
    if (!(st = db_prepare(d, published_sql)))
        return CP_ERR_DB;
    if ((rc = db_step(st)) == DB_ROW)
        db_copy_col(s->published, sizeof s->published, st, 0);
    db_reset(st);
    if (rc == DB_ERROR)
        return db_fail(d, "reading publications");
    if (!(st = db_prepare(d, wallets_sql)))
        return CP_ERR_DB;
    if ((rc = db_step(st)) == DB_ROW) {
        s->cash = db_col_int64(st, 0);
        s->subsidy = db_col_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_ROW ? CP_OK : db_fail(d, "adding up the wallets");
}

/* Writes every table into to inside its transaction. */
static cp_err copy_all(db *from, db *to, storecopy_progress_fn progress, void *arg,
                       storecopy_res *res)
{
    cp_err err;

    if ((err = db_defer_checks(to)))
        return err;
    for (const schema_table *t = schema_tables; t->name; t++) {
        if ((err = copy_table(from, to, t, progress, arg, &res->rows)))
            return err;
        res->tables++;
    }
    return db_sync_ids(to);
}

cp_err storecopy_run(db *from, db *to, storecopy_progress_fn progress, void *arg,
                     storecopy_res *res)
{
    sums a, b;
    cp_err err;

    memset(res, 0, sizeof *res);
    if ((err = db_migrate(to)) || (err = check_empty(to)))
        return err;
    /* from's writers wait while it is read: the copy is of one moment */
    if ((err = db_begin(from)))
        return err;
    if ((err = db_begin(to))) {
        db_rollback(from);
        return err;
    }
    err = copy_all(from, to, progress, arg, res);
    if (!err)
        err = read_sums(from, &a);
    if (err) {
        db_rollback(to);
        db_rollback(from);
        return err;
    }
    err = db_commit(to);
    db_rollback(from);
    if (err || (err = read_sums(to, &b)))
        return err;
    if (strcmp(a.heads, b.heads) != 0 || strcmp(a.published, b.published) != 0 ||
        a.cash != b.cash || a.subsidy != b.subsidy)
        return cp_fail(CP_ERR_DB, "the copy differs from the original (audit heads %s / %s, "
                       "published %s / %s, cash %lld / %lld, subsidy %lld / %lld): do not use it",
                       a.heads, b.heads, a.published, b.published, (long long)a.cash,
                       (long long)b.cash, (long long)a.subsidy, (long long)b.subsidy);
    memcpy(res->head, b.head, sizeof res->head);
    memcpy(res->published, b.published, sizeof res->published);
    res->cash_fen = b.cash;
    res->subsidy_fen = b.subsidy;
    return CP_OK;
}
