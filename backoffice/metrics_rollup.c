/* metrics_rollup: the daily rollups, the sums of each closed day that the
 * metrics read instead of every sale and weighing. */
#include "backoffice/metrics.h"
#include "backoffice/metrics_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/nls.h"
#include "core/waste.h"

/* Moves date (YYYY-MM-DD) to the next calendar day; returns 0, leaving it
 * as it was, when that day would not be a later date (beyond year 9999), so
 * that no loop over days can run for ever whatever span it is given. */
static int next_day(char date[CP_DATE_LEN])
{
    char next[CP_DATE_LEN];
    cp_time t = {0};

    sscanf(date, "%4d-%2d-%2d", &t.year, &t.month, &t.day);
    t.hour = 12;
    t = clock_add_seconds(&t, 86400);
    clock_date(&t, next);
    if (strcmp(next, date) <= 0)
        return 0;
    memcpy(date, next, CP_DATE_LEN);
    return 1;
}


/* Sums one day into the temporary rollup_stage and rollup_sales_stage. Each
 * is one statement, so one snapshot of the day (a sale arriving between the
 * two deletes the day's mark, and the sums are taken again); they write only
 * the connection's TEMP database, so they take no write lock on the main one
 * and the terminals charge on meanwhile (on PostgreSQL, temporary tables of
 * the session, which lock nothing either). The stages are named without their
 * schema (SQLite's temp., PostgreSQL's pg_temp.): both engines look in the
 * temporary one first, and no table of the store has their names. */
static cp_err rollup_stage(db *d, const char *date)
{
    static const char create_sql[] =
        "CREATE TEMP TABLE IF NOT EXISTS rollup_stage(canteen_id BIGINT, department_id"
        " BIGINT, period_id BIGINT, meals BIGINT, trays BIGINT, plate_g BIGINT,"
        " clean_trays BIGINT, flagged BIGINT);"
        "CREATE TEMP TABLE IF NOT EXISTS rollup_sales_stage(canteen_id BIGINT, period_id"
        " BIGINT, category TEXT, meals BIGINT, total_fen BIGINT, subsidy_fen BIGINT,"
        " cash_fen BIGINT)";
    static const char clear_sql[] = "DELETE FROM rollup_stage";
    static const char clear_sales_sql[] = "DELETE FROM rollup_sales_stage";
    static const char fill_sql[] = "INSERT INTO rollup_stage" ROLLUP_DAY_SUMS_SQL;
    static const char fill_sales_sql[] =
        "INSERT INTO rollup_sales_stage" ROLLUP_SALES_SUMS_SQL("?1", "?1");
    db_stmt *st;
    cp_err err;

    if (db_exec(d, create_sql) != CP_OK)
        return db_fail(d, "making a table for a rollup");
    if (!(st = db_prepare(d, clear_sql)))
        return CP_ERR_DB;
    if ((err = db_step_done(d, st, "clearing a rollup")))
        return err;
    if (!(st = db_prepare(d, clear_sales_sql)))
        return CP_ERR_DB;
    if ((err = db_step_done(d, st, "clearing a rollup")))
        return err;
    if (!(st = db_prepare(d, fill_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, date);
    db_bind_int(st, 2, METRICS_ROLLUP_THRESHOLD_G);
    db_bind_int(st, 3, WASTE_FLAGS_LEFT_OUT);
    if ((err = db_step_done(d, st, "rolling up a day")))
        return err;
    if (!(st = db_prepare(d, fill_sales_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, date);
    return db_step_done(d, st, "rolling up a day's sales");
}

/* Marks date in rollup_days: METRICS_ROLLUP_THRESHOLD_G when its rows are
 * in rollup_day, or a negative token while one rollup is under way. */
static cp_err rollup_mark(db *d, const char *date, int mark)
{
    static const char sql[] =
        "INSERT INTO rollup_days(business_date, threshold_g) VALUES (?, ?)"
        " ON CONFLICT(business_date) DO UPDATE SET threshold_g = excluded.threshold_g";
    db_stmt *st = db_prepare(d, sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, date);
    db_bind_int(st, 2, mark);
    return db_step_done(d, st, "marking a rollup");
}

/* Marks date's rollup under way (token), in a write transaction of its own:
 * under the writers' lock, which every transaction that writes records holds
 * (shared, on PostgreSQL) to its end. So none that wrote a record of the day
 * before the mark is still open when the sums are taken, and any that writes
 * one after finds the mark and takes it (the triggers). In autocommit, a
 * charge whose trigger had run before the mark existed committed after the
 * sums were taken, and the day was marked done without it. */
static cp_err mark_under_way(db *d, const char *date, int token)
{
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    if ((err = rollup_mark(d, date, token))) {
        db_rollback(d);
        return err;
    }
    return db_commit(d);
}

/* Inside a write transaction: replaces date's rows in rollup_day and
 * rollup_sales by the staged ones and marks the day done. */
static cp_err rollup_write(db *d, const char *date)
{
    static const char clear_sql[] = "DELETE FROM rollup_day WHERE business_date = ?";
    static const char clear_sales_sql[] = "DELETE FROM rollup_sales WHERE business_date = ?";
    static const char copy_sql[] =
        "INSERT INTO rollup_day(business_date, canteen_id, department_id, period_id, meals,"
        " trays, plate_g, clean_trays, threshold_g, flagged)"
        " SELECT ?1, canteen_id, department_id, period_id, meals, trays, plate_g, clean_trays,"
        " ?2, flagged FROM rollup_stage";
    static const char copy_sales_sql[] =
        "INSERT INTO rollup_sales(business_date, canteen_id, period_id, category, meals,"
        " total_fen, subsidy_fen, cash_fen)"
        " SELECT ?1, canteen_id, period_id, category, meals, total_fen, subsidy_fen, cash_fen"
        " FROM rollup_sales_stage";
    const char *const clears[] = {clear_sql, clear_sales_sql};
    db_stmt *st;
    cp_err err;

    for (int k = 0; k < 2; k++) {
        if (!(st = db_prepare(d, clears[k])))
            return CP_ERR_DB;
        db_bind_text(st, 1, date);
        if ((err = db_step_done(d, st, "clearing a rollup")))
            return err;
    }
    if (!(st = db_prepare(d, copy_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, date);
    db_bind_int(st, 2, METRICS_ROLLUP_THRESHOLD_G);
    if ((err = db_step_done(d, st, "writing a rollup")))
        return err;
    if (!(st = db_prepare(d, copy_sales_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, date);
    if ((err = db_step_done(d, st, "writing a rollup")))
        return err;
    return rollup_mark(d, date, METRICS_ROLLUP_THRESHOLD_G);
}

/* A negative mark of our own: told apart from another process's rollup of
 * the same day, which may have started after a late record. */
static int rollup_token(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return -1 - (int)(((unsigned)getpid() * 2654435761u ^ (unsigned)ts.tv_nsec) & 0x3fffffff);
}

cp_err metrics_rollup_day(db *d, const char *date, void (*between)(void *), void *arg)
{
    static const char mark_sql[] = "SELECT threshold_g FROM rollup_days WHERE business_date = ?";
    int token = rollup_token();
    int64_t mark = 0;
    db_stmt *st;
    cp_err err;

    /* 1. a late sale, void or weighing of the day deletes this mark (the
     *    triggers in core/schema.c) */
    if ((err = mark_under_way(d, date, token)))
        return err;
    /* 2. the sums, outside the write lock */
    if ((err = rollup_stage(d, date)))
        return err;
    if (between)
        between(arg);
    /* 3. with the write lock: our mark still there means nothing of the day
     *    arrived since the sums were taken; otherwise they are taken again,
     *    inside the lock this time */
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, mark_sql))) {
        db_rollback(d);
        return CP_ERR_DB;
    }
    db_bind_text(st, 1, date);
    err = db_step_int64(d, st, &mark);
    if (err == CP_OK && mark == METRICS_ROLLUP_THRESHOLD_G) {
        db_rollback(d);   /* another process finished it since */
        return CP_OK;
    }
    if (err == CP_ERR_NOT_FOUND || (err == CP_OK && mark != token))
        err = rollup_stage(d, date);
    if (!err)
        err = rollup_write(d, date);
    if (!err)
        err = db_commit(d);
    else
        db_rollback(d);
    return err;
}

cp_err metrics_rollup_forget(db *d, const metrics_span *span)
{
    /* diner_month is kept by the triggers of sales and voids, and
     * tray_diner_month by that of weighings: listed again from the records
     * here (ON CONFLICT: a terminal's sale or a station's weighing that came
     * meanwhile listed its diner first) */
    static const char *const sqls[] = {
        "DELETE FROM rollup_days WHERE business_date BETWEEN ?1 AND ?2",
        "DELETE FROM diner_month WHERE month BETWEEN substr(?1, 1, 7) AND substr(?2, 1, 7)",
        "INSERT INTO diner_month SELECT DISTINCT substr(business_date, 1, 7), canteen_id,"
        " department_id, diner_id FROM sales s WHERE s.business_date BETWEEN ?1 AND ?2"
        " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
        " ON CONFLICT DO NOTHING",
        "DELETE FROM tray_diner_month WHERE month BETWEEN substr(?1, 1, 7) AND substr(?2, 1, 7)",
        "INSERT INTO tray_diner_month SELECT DISTINCT substr(w.business_date, 1, 7),"
        " w.canteen_id, w.department_id, w.diner_id FROM waste_records w"
        " WHERE w.business_date BETWEEN ?1 AND ?2 AND " WASTE_DINER_TRAY("w")
        " ON CONFLICT DO NOTHING",
    };
    db_stmt *st;
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        if (!(st = db_prepare(d, sqls[i]))) {
            db_rollback(d);
            return CP_ERR_DB;
        }
        db_bind_text(st, 1, span->from);
        db_bind_text(st, 2, span->to);
        if ((err = db_step_done(d, st, "forgetting the rollups"))) {
            db_rollback(d);
            return err;
        }
    }
    return db_commit(d);
}

/* Microseconds on the monotonic clock. */
static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Leaves the machine and the write lock to the terminals for a moment
 * between two days: a quarter of the time the last day took, 1 to 20 ms.
 * The sums no longer hold the lock, but they keep a core busy, and on a small
 * machine the terminals charging meanwhile answered slower without the pause
 * (a day of 60,000 meals: p99 136 ms without it, 65 ms with it). */
static void let_terminals_in(int64_t held_us)
{
    int64_t us = 1000 + held_us / 4;
    struct timespec pause;

    if (us > 20000)
        us = 20000;
    pause.tv_sec = 0;
    pause.tv_nsec = (long)us * 1000;
    nanosleep(&pause, NULL);
}

/* Says once per program, on stderr, that span's figures come from the
 * records because date is not rolled up and the store takes no writes. */
static void say_from_records(const char *date)
{
    static int said;

    if (said++)
        return;
    fprintf(stderr, _("cleanplate-office: %s is not rolled up and this store takes no writes "
                      "(a standby): the figures are read from the records themselves, which "
                      "takes longer; `cleanplate-office rollup --month %.7s` on the primary "
                      "(nightly) makes them quick\n"),
            date, date);
}

cp_err metrics_rollup(db *d, const metrics_span *span, int progress, long *days,
                      int *from_records)
{
    static const char have_sql[] =
        "SELECT 1 FROM rollup_days WHERE business_date = ? AND threshold_g = ?";
    char date[CP_DATE_LEN], now[CP_DATE_LEN];
    int total = 0, done = 0, more;
    int64_t began_us, held_us = 0;
    cp_err err = CP_OK;

    *days = 0;
    *from_records = 0;
    metrics_today(now);
    for (snprintf(date, sizeof date, "%.10s", span->from), more = 1;
         more && strcmp(date, span->to) <= 0; more = next_day(date))
        total++;
    progress = progress && isatty(STDERR_FILENO);
    for (snprintf(date, sizeof date, "%.10s", span->from), more = 1;
         more && strcmp(date, span->to) <= 0 && strcmp(date, now) < 0; more = next_day(date)) {
        db_stmt *st = db_prepare(d, have_sql);
        int64_t one;
        done++;
        if (!st)
            return CP_ERR_DB;
        db_bind_text(st, 1, date);
        db_bind_int(st, 2, METRICS_ROLLUP_THRESHOLD_G);
        err = db_step_int64(d, st, &one);
        if (err == CP_OK)
            continue;
        if (err != CP_ERR_NOT_FOUND)
            return err;
        /* inside a read transaction (metrics_begin_read) nothing is
         * written: a day whose rollup a late record undid since is read from
         * the records, as of the snapshot */
        if (!*days && db_in_txn(d)) {
            *from_records = 1;
            return CP_OK;
        }
        if (!*days && (err = db_read_only(d, from_records)))
            return err;
        if (*from_records) {
            say_from_records(date);
            return CP_OK;
        }
        if (progress) {
            /* the carriage return apart: a catalog's messages do not carry one */
            fputc('\r', stderr);
            fprintf(stderr, _("rolling up %s (day %d of %d)..."), date, done, total);
        }
        if (*days > 0)
            let_terminals_in(held_us);
        began_us = mono_us();
        if ((err = metrics_rollup_day(d, date, NULL, NULL)))
            return err;
        held_us = mono_us() - began_us;
        (*days)++;
    }
    if (progress && *days) {
        fputc('\r', stderr);
        fprintf(stderr, P_("rolled up %ld day of %s.%30s\n", "rolled up %ld days of %s.%30s\n",
                           (unsigned long)*days), *days, span->label, "");
    }
    return CP_OK;
}

cp_err metrics_begin_read(db *d, const metrics_span *last, int months_back,
                          const metrics_opts *o)
{
    metrics_span first, window;
    long days;
    int y = atoi(last->months[0]), m = atoi(last->months[0] + 5) - months_back;
    int from_records = o && o->clean_threshold_g != METRICS_ROLLUP_THRESHOLD_G;
    cp_err err;

    while (m < 1)
        m += 12, y--;
    metrics_span_of_month(y, m, &first);
    window = *last;
    memcpy(window.from, first.from, sizeof window.from);
    if (months_back > 0)
        snprintf(window.label, sizeof window.label, "%.7s..%.7s", first.label,
                 last->months[last->nmonths - 1]);
    /* a threshold of the caller's own is read from the records: no rollup
     * would serve it */
    if (!from_records &&
        (err = metrics_rollup(d, &window, o ? o->progress : 0, &days, &from_records)))
        return err;
    return db_begin_read(d);
}
