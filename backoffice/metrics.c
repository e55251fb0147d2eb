/* metrics: waste figures per department, canteen and meal period, and the fair ranking.
 *
 * Figures come from two places: rollup_day, which holds per closed day the
 * sums the metrics need, and the raw sales and waste records for the days
 * not rolled up yet (today, or any day when another clean-plate threshold is
 * asked for). Distinct diners come from diner_month, kept by triggers. */
#include "backoffice/metrics.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoffice/csvout.h"
#include "backoffice/text.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/waste.h"

/* Sums for one department while they are gathered. */
typedef struct acc {
    int64_t id;
    char code[64];                 /* 1-32 letters, digits, - or _ (the import's rule) */
    char *name;                    /* owned; NULL when the names were not asked for */
    int64_t meals, diners, trays, plate_g, clean, flagged;
} acc;

typedef struct accs {
    acc *a; /* sorted by id */
    size_t n;
    int64_t flagged_anonymous;     /* flagged trays of nobody known (department 0) */
} accs;

static void accs_free(accs *all)
{
    for (size_t i = 0; all->a && i < all->n; i++)
        free(all->a[i].name);
    free(all->a);
    all->a = NULL;
    all->n = 0;
}

void metrics_opts_init(metrics_opts *o)
{
    memset(o, 0, sizeof *o);
    o->clean_threshold_g = METRICS_ROLLUP_THRESHOLD_G;
    o->min_meals = 20;
    o->min_coverage_pct = 50;
    o->red = 3;
    o->black = 3;
    o->food_cost_fen_per_kg = 2000;
    o->co2e_milli_per_kg = 2500;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Fills span with months first..last of year y, labelled label, after prev. */
static void span_fill(metrics_span *span, int y, int first, int last, const char *label,
                      const char *prev)
{
    memset(span, 0, sizeof *span);
    snprintf(span->label, sizeof span->label, "%s", label);
    snprintf(span->prev_label, sizeof span->prev_label, "%s", prev);
    for (int k = first; k <= last; k++)
        snprintf(span->months[span->nmonths++], sizeof span->months[0], "%04d-%02d", y, k);
    snprintf(span->from, sizeof span->from, "%04d-%02d-01", y, first);
    snprintf(span->to, sizeof span->to, "%04d-%02d-%02d", y, last, days_in_month(y, last));
}

void metrics_span_of_month(int year, int month, metrics_span *span)
{
    char label[16], prev[16];

    snprintf(label, sizeof label, "%04u-%02u", (unsigned)year % 10000, (unsigned)month % 100);
    snprintf(prev, sizeof prev, "%04u-%02u", (unsigned)(month == 1 ? year - 1 : year) % 10000,
             (unsigned)(month == 1 ? 12 : month - 1) % 100);
    span_fill(span, year, month, month, label, prev);
}

/* The span of quarter q (1-4) of year. */
static void span_of_quarter(int year, int q, metrics_span *span)
{
    char label[16], prev[16];

    snprintf(label, sizeof label, "%04uQ%u", (unsigned)year % 10000, (unsigned)q % 10);
    snprintf(prev, sizeof prev, "%04uQ%u", (unsigned)(q == 1 ? year - 1 : year) % 10000,
             (unsigned)(q == 1 ? 4 : q - 1) % 10);
    span_fill(span, year, q * 3 - 2, q * 3, label, prev);
}

cp_err metrics_span_parse(const char *month, const char *quarter, metrics_span *span)
{
    int y, k;
    cp_err err = CP_OK;

    memset(span, 0, sizeof *span);
    if ((month != NULL) == (quarter != NULL))
        return cp_fail(CP_ERR_INVALID, "give exactly one of --month YYYY-MM or --quarter YYYYQn");
    /* the one month and quarter parsers: they take only years a canteen can have */
    if (month && !(err = clock_parse_month(month, &y, &k)))
        metrics_span_of_month(y, k, span);
    else if (quarter && !(err = clock_parse_quarter(quarter, &y, &k)))
        span_of_quarter(y, k, span);
    return err;
}

void metrics_span_before(const metrics_span *span, metrics_span *prev)
{
    int y = atoi(span->label), k = atoi(span->label + 5);

    /* not parsed again: the span before 2000-01 (1999-12) is no month anyone
     * types, but it is the one a January report compares with */
    if (strchr(span->label, 'Q'))
        span_of_quarter(k == 1 ? y - 1 : y, k == 1 ? 4 : k - 1, prev);
    else
        metrics_span_of_month(k == 1 ? y - 1 : y, k == 1 ? 12 : k - 1, prev);
}

static void today(char out[CP_DATE_LEN])
{
    cp_time now;
    if (clock_now(&now) != CP_OK) /* a bad CLEANPLATE_NOW: treat no day as closed */
        snprintf(out, CP_DATE_LEN, "0000-00-00");
    else
        clock_date(&now, out);
}

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

static cp_err load_canteen(db *d, const char *code, int64_t *id)
{
    static const char sql[] = "SELECT id FROM canteens WHERE code = ?";
    db_stmt *st = db_prepare(d, sql);
    cp_err err;

    *id = 0;
    if (!code)
        return CP_OK;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    err = db_step_int64(d, st, id);
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no canteen '%s'", code);
    return err;
}

/* 1 when cond holds, else 0: a truth value is a number on SQLite only, so
 * that sum() can add it up; PostgreSQL's booleans are summed through this. */
#define ONE_IF(cond) "CASE WHEN " cond " THEN 1 ELSE 0 END"

/* The sums of one closed day per canteen, department and meal period, as
 * rows of (canteen_id, dept, period, meals, trays, grams, clean, flagged); ?1
 * is the day, ?2 the clean-plate threshold, ?3 the flags that leave a tray
 * out (WASTE_FLAGS_LEFT_OUT): such a tray adds to flagged only.
 * CROSS JOIN keeps canteens the outer loop, so that the day's trays are found
 * through waste_canteen_day (canteen, day): with a plain JOIN the planner
 * scanned that whole index for every day, ~0.1 s a day with half a million
 * trays. */
#define ROLLUP_SUMS_SQL                                                                   \
    " SELECT canteen_id, dept, period, sum(meals), sum(trays), sum(grams), sum(clean),"  \
    "   sum(flagged)"                                                                    \
    " FROM (SELECT canteen_id, department_id AS dept, coalesce(period_id, 0) AS period," \
    "         1 AS meals, 0 AS trays, 0 AS grams, 0 AS clean, 0 AS flagged"              \
    "       FROM sales s WHERE s.business_date = ?1"                                     \
    "       AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"               \
    "       UNION ALL"                                                                   \
    "       SELECT w.canteen_id, CASE WHEN w.diner_id IS NULL THEN 0 ELSE w.department_id END," \
    "         coalesce(w.period_id, 0), 0, " ONE_IF("(w.flags & ?3) = 0") ","            \
    "         CASE WHEN (w.flags & ?3) = 0 THEN w.net_g ELSE 0 END,"                     \
    "         " ONE_IF("(w.flags & ?3) = 0 AND w.net_g <= ?2") ","                       \
    "         " ONE_IF("(w.flags & ?3) <> 0")                                            \
    "       FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"           \
    "       AND w.business_date = ?1 AND w.stage = 'plate'"                              \
    "       AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id))"     \
    "   AS day_rows GROUP BY canteen_id, dept, period"

/* The meals and money of one day's sales that were not voided, per canteen,
 * meal period (0: outside one) and diner category (rollup_sales); ?1 is the
 * day, and the columns are those of rollup_sales after the day. */
#define SALES_SUMS_SQL(FROM, TO)                                                            \
    " SELECT canteen_id, coalesce(period_id, 0), category, count(*), sum(total_fen),"     \
    "   sum(subsidy_fen), sum(cash_fen) FROM sales s"                                      \
    " WHERE s.business_date BETWEEN " FROM " AND " TO                                      \
    " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"                       \
    " GROUP BY canteen_id, coalesce(period_id, 0), category"

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
    static const char fill_sql[] = "INSERT INTO rollup_stage" ROLLUP_SUMS_SQL;
    static const char fill_sales_sql[] =
        "INSERT INTO rollup_sales_stage" SALES_SUMS_SQL("?1", "?1");
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
    if ((err = rollup_mark(d, date, token)))
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

cp_err metrics_rollup(db *d, const metrics_span *span, int progress, long *days)
{
    static const char have_sql[] =
        "SELECT 1 FROM rollup_days WHERE business_date = ? AND threshold_g = ?";
    char date[CP_DATE_LEN], now[CP_DATE_LEN];
    int total = 0, done = 0, more;
    int64_t began_us, held_us = 0;
    cp_err err = CP_OK;

    *days = 0;
    today(now);
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

static int acc_cmp(const void *a, const void *b)
{
    const acc *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static acc *acc_find(accs *all, int64_t id)
{
    acc key = {.id = id};
    return bsearch(&key, all->a, all->n, sizeof *all->a, acc_cmp);
}

/* Every department, sorted by id; with_names also copies their names. */
static cp_err load_departments(db *d, accs *all, int with_names)
{
    static const char sql[] = "SELECT id, code, name FROM departments ORDER BY id";
    db_stmt *st = db_prepare(d, sql);
    size_t cap = 0;
    int rc;

    memset(all, 0, sizeof *all);
    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        if (all->n == cap) {
            acc *p = realloc(all->a, (cap = cap ? cap * 2 : 64) * sizeof *p);
            if (!p) {
                db_reset(st);
                return cp_fail(CP_ERR_NOMEM, "out of memory reading departments");
            }
            all->a = p;
        }
        acc *a = &all->a[all->n++];
        memset(a, 0, sizeof *a);
        a->id = db_col_int64(st, 0);
        snprintf(a->code, sizeof a->code, "%s", db_col_text(st, 1));
        /* a name of any length, never cut (it is published) */
        if (with_names && !(a->name = strdup(db_col_text(st, 2)))) {
            db_reset(st);
            return cp_fail(CP_ERR_NOMEM, "out of memory reading departments");
        }
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading departments");
}

/* Adds rows of (department_id, meals, trays, grams, clean, flagged) from st to all. */
static cp_err add_rows(db *d, db_stmt *st, accs *all)
{
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        acc *a = acc_find(all, db_col_int64(st, 0));
        if (!a) { /* department 0: anonymous trays, not a department's */
            all->flagged_anonymous += db_col_int64(st, 5);
            continue;
        }
        a->meals += db_col_int64(st, 1);
        a->trays += db_col_int64(st, 2);
        a->plate_g += db_col_int64(st, 3);
        a->clean += db_col_int64(st, 4);
        a->flagged += db_col_int64(st, 5);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading figures");
}

/* Department sums from the raw records of [from, to]. */
static cp_err collect_raw(db *d, const char *from, const char *to, int64_t canteen_id,
                          int threshold, accs *all)
{
    static const char meals_sql[] =
        "SELECT department_id, count(*), 0, 0, 0, 0 FROM sales s"
        " WHERE s.business_date BETWEEN ?1 AND ?2 AND (?3 = 0 OR s.canteen_id = ?3)"
        " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
        " GROUP BY department_id";
    /* the trays of diners by department, those of nobody known as department 0
     * (as in rollup_day); a flagged tray adds to the last column only */
    static const char trays_sql[] =
        "SELECT CASE WHEN w.diner_id IS NULL THEN 0 ELSE w.department_id END, 0,"
        " count(*) FILTER (WHERE (w.flags & ?5) = 0),"
        " sum(CASE WHEN (w.flags & ?5) = 0 THEN w.net_g ELSE 0 END),"
        " count(*) FILTER (WHERE (w.flags & ?5) = 0 AND w.net_g <= ?4),"
        " count(*) FILTER (WHERE (w.flags & ?5) <> 0)"
        " FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"
        " AND w.business_date BETWEEN ?1 AND ?2 AND w.stage = 'plate'"
        " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"
        " WHERE ?3 = 0 OR c.id = ?3 GROUP BY 1";
    db_stmt *st;
    cp_err err;

    if (!(st = db_prepare(d, meals_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    db_bind_int64(st, 3, canteen_id);
    if ((err = add_rows(d, st, all)))
        return err;
    if (!(st = db_prepare(d, trays_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    db_bind_int64(st, 3, canteen_id);
    db_bind_int(st, 4, threshold);
    db_bind_int(st, 5, WASTE_FLAGS_LEFT_OUT);
    return add_rows(d, st, all);
}

/* Department sums for span: rollups for closed days, raw records for the rest. */
static cp_err collect(db *d, const metrics_span *span, const metrics_opts *o,
                      int64_t canteen_id, accs *all)
{
    static const char rolled_sql[] =
        "SELECT department_id, sum(meals), sum(trays), sum(plate_g), sum(clean_trays),"
        " sum(flagged) FROM rollup_day WHERE business_date BETWEEN ?1 AND ?2"
        " AND (?3 = 0 OR canteen_id = ?3) GROUP BY department_id";
    static const char diners_sql[] =
        "SELECT department_id, count(DISTINCT diner_id) FROM diner_month"
        " WHERE month BETWEEN ?1 AND ?2 AND (?3 = 0 OR canteen_id = ?3) GROUP BY department_id";
    char now[CP_DATE_LEN];
    db_stmt *st;
    long days;
    cp_err err;
    int rc;

    if (o->clean_threshold_g != METRICS_ROLLUP_THRESHOLD_G) {
        err = collect_raw(d, span->from, span->to, canteen_id, o->clean_threshold_g, all);
    } else {
        if ((err = metrics_rollup(d, span, o->progress, &days)))
            return err;
        if (!(st = db_prepare(d, rolled_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, span->from);
        db_bind_text(st, 2, span->to);
        db_bind_int64(st, 3, canteen_id);
        if ((err = add_rows(d, st, all)))
            return err;
        /* the days not closed yet: today and after */
        today(now);
        if (strcmp(now, span->to) <= 0)
            err = collect_raw(d, strcmp(now, span->from) > 0 ? now : span->from, span->to,
                              canteen_id, o->clean_threshold_g, all);
    }
    if (err)
        return err;
    if (!(st = db_prepare(d, diners_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->months[0]);
    db_bind_text(st, 2, span->months[span->nmonths - 1]);
    db_bind_int64(st, 3, canteen_id);
    while ((rc = db_step(st)) == DB_ROW) {
        acc *a = acc_find(all, db_col_int64(st, 0));
        if (a)
            a->diners = db_col_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "counting diners");
}

int64_t metrics_scaled(int64_t a, int64_t b, int64_t scale)
{
    return b > 0 ? (a * scale * 2 + b) / (2 * b) : -1;
}

int64_t metrics_coverage(int64_t trays, int64_t meals, int64_t scale)
{
    /* Coverage is the share of meals that were weighed, so it stops at all of
     * them. Trays can still outnumber meals without any flag: a sale voided
     * after its tray was weighed (the tray had its meal when it was weighed),
     * a diner who brings back two trays for one meal, or one who moved to
     * another department between paying (the meal counts for the old one)
     * and bringing the tray back (the tray counts for the new one). */
    return metrics_scaled(trays < meals ? trays : meals, meals, scale);
}

/* Order of the ranking: g per tray ascending (as published, in tenths), then
 * clean rate descending (exactly, by cross-multiplying), then code. */
static int rank_cmp(const void *pa, const void *pb)
{
    const metrics_row *a = pa, *b = pb;
    if (a->eligible != b->eligible)
        return b->eligible - a->eligible;
    if (a->eligible) {
        if (a->g_per_tray_x10 != b->g_per_tray_x10)
            return a->g_per_tray_x10 < b->g_per_tray_x10 ? -1 : 1;
        int64_t ca = a->clean_trays * b->trays, cb = b->clean_trays * a->trays;
        if (ca != cb)
            return ca > cb ? -1 : 1;
    }
    return strcmp(a->code, b->code);
}

cp_err metrics_departments(db *d, const metrics_span *span, const metrics_opts *o,
                           metrics_table **out)
{
    accs cur = {0}, prev = {0};
    metrics_span before;
    metrics_table *t = NULL;
    int64_t canteen_id;
    long r, b;
    cp_err err;

    *out = NULL;
    if ((err = load_canteen(d, o->canteen, &canteen_id)) ||
        (err = load_departments(d, &cur, 1)) || (err = load_departments(d, &prev, 0)) ||
        (err = collect(d, span, o, canteen_id, &cur)) ||
        (metrics_span_before(span, &before), (err = collect(d, &before, o, canteen_id, &prev))))
        goto out;
    if (!(t = calloc(1, sizeof *t)) || !(t->rows = calloc(cur.n + 1, sizeof *t->rows))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory computing metrics");
        goto out;
    }
    t->span = *span;
    t->opts = *o;
    t->flagged_trays = cur.flagged_anonymous;
    for (size_t i = 0; i < cur.n; i++) {
        acc *a = &cur.a[i];
        metrics_row *row = &t->rows[t->n];
        t->flagged_trays += a->flagged;
        if (!a->meals && !a->trays && !a->diners && !a->flagged)
            continue;
        snprintf(row->code, sizeof row->code, "%s", a->code);
        row->name = a->name; /* the row owns it now */
        a->name = NULL;
        row->meals = a->meals;
        row->diners = a->diners;
        row->trays = a->trays;
        row->plate_g = a->plate_g;
        row->clean_trays = a->clean;
        row->flagged_trays = a->flagged;
        row->g_per_tray_x10 = metrics_scaled(a->plate_g, a->trays, 10);
        row->clean_rate_permille = (int)metrics_scaled(a->clean, a->trays, 1000);
        row->coverage_permille = (int)metrics_coverage(a->trays, a->meals, 1000);
        row->eligible = a->meals >= o->min_meals && a->meals > 0 &&
                        a->trays * 100 >= (int64_t)o->min_coverage_pct * a->meals &&
                        a->diners >= METRICS_MIN_DINERS && a->trays > 0;
        if (prev.a[i].trays > 0 && a->trays > 0) {
            row->has_change = 1;
            row->change_x10 = row->g_per_tray_x10 - metrics_scaled(prev.a[i].plate_g, prev.a[i].trays, 10);
        }
        t->eligible += row->eligible;
        t->n++;
    }
    qsort(t->rows, t->n, sizeof *t->rows, rank_cmp);
    /* With fewer eligible than both lists need, each list takes at most half,
     * so no department is ever on both. */
    r = o->red, b = o->black;
    if (t->eligible < r + b) {
        r = r < t->eligible / 2 ? r : t->eligible / 2;
        b = b < t->eligible / 2 ? b : t->eligible / 2;
    }
    for (long i = 0; i < t->eligible; i++) {
        t->rows[i].rank = (int)i + 1;
        if (i < r)
            t->rows[i].list = "red";
        else if (i >= t->eligible - b)
            t->rows[i].list = "black";
    }
    *out = t;
    t = NULL;
out:
    accs_free(&cur);
    accs_free(&prev);
    metrics_free(t);
    return err;
}

void metrics_free(metrics_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->rows && i < t->n; i++)
        free(t->rows[i].name);
    free(t->rows);
    free(t);
}

const char *metrics_x10(int64_t v, char *buf)
{
    if (v < 0 && v != INT64_MIN)
        snprintf(buf, 24, "-%lld.%lld", (long long)(-v / 10), (long long)(-v % 10));
    else
        snprintf(buf, 24, "%lld.%lld", (long long)(v / 10), (long long)(v % 10));
    return buf;
}

const char *metrics_ratio(int v, char *buf)
{
    if (v < 0)
        buf[0] = '\0';
    else
        snprintf(buf, 24, "%d.%03d", v / 1000, v % 1000);
    return buf;
}

cp_err metrics_print_text(const metrics_table *t, FILE *f)
{
    char a[24], b[24], c[24], e[24];

    fprintf(f, _("%s (%s to %s): %zu departments, %ld eligible; clean plate <= %d g, "
                 "eligible with >= %d meals, >= %d%% weighed, >= %d diners\n"),
            t->span.label, t->span.from, t->span.to, t->n, t->eligible,
            t->opts.clean_threshold_g, t->opts.min_meals, t->opts.min_coverage_pct,
            METRICS_MIN_DINERS);
    fprintf(f, P_("%lld flagged tray left out (overload, negative, impossible weight or no meal; "
                  "kitchen weighings: --by canteen)\n",
                  "%lld flagged trays left out (overload, negative, impossible weight or no meal; "
                  "kitchen weighings: --by canteen)\n", (unsigned long)t->flagged_trays),
            (long long)t->flagged_trays);
    fprintf(f, "%4s %-6s %-12s %7s %6s %6s %9s %7s %6s %6s %7s %7s %s\n", "rank", "list",
            "code", "meals", "diners", "trays", "plate_g", "g/tray", "clean", "cover", "change",
            "flagged", "name");
    for (size_t i = 0; i < t->n; i++) {
        const metrics_row *r = &t->rows[i];
        fprintf(f, "%4s %-6s %-12s %7lld %6lld %6lld %9lld %7s %6s %6s %7s %7lld %s\n",
                r->rank ? (snprintf(e, sizeof e, "%d", r->rank), e) : "-",
                r->list ? r->list : "", r->code, (long long)r->meals, (long long)r->diners,
                (long long)r->trays, (long long)r->plate_g,
                r->g_per_tray_x10 >= 0 ? metrics_x10(r->g_per_tray_x10, a) : "",
                metrics_ratio(r->clean_rate_permille, b), metrics_ratio(r->coverage_permille, c),
                r->has_change ? metrics_x10(r->change_x10, e) : "",
                (long long)r->flagged_trays, r->name);
    }
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the output") : CP_OK;
}

/* A JSON number with the given decimals from an integer scaled by 10^decimals. */
static json_t *scaled(int64_t v, int decimals)
{
    char buf[32];
    if (decimals == 1)
        metrics_x10(v, buf);
    else
        metrics_ratio((int)v, buf);
    return json_real(strtod(buf, NULL)); /* for display only; the figures stay integers */
}

/* Sets key of o to v (a new reference, taken); returns 1 when that failed
 * (v NULL: out of memory), so that a caller never leaves a field out unseen. */
static int put(json_t *o, const char *key, json_t *v)
{
    if (!o || !v) {
        json_decref(v);
        return 1;
    }
    return json_object_set_new(o, key, v) != 0;
}

/* Writes arr as indented JSON and a newline. */
static cp_err dump_json(json_t *arr, FILE *f)
{
    if (json_dumpf(arr, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0 ||
        fputc('\n', f) == EOF)
        return cp_fail(CP_ERR_IO, "could not write the JSON output");
    return CP_OK;
}

cp_err metrics_print_json(const metrics_table *t, FILE *f)
{
    json_t *arr = json_array();
    cp_err err = CP_OK;
    int bad = !arr;

    for (size_t i = 0; i < t->n && !bad; i++) {
        const metrics_row *r = &t->rows[i];
        json_t *o = json_object();
        bad |= put(o, "code", text_json(r->code));
        bad |= put(o, "name", text_json(r->name)); /* valid JSON whatever the name holds */
        bad |= put(o, "meals", json_integer(r->meals));
        bad |= put(o, "diners", json_integer(r->diners));
        bad |= put(o, "trays", json_integer(r->trays));
        bad |= put(o, "plate_g", json_integer(r->plate_g));
        bad |= put(o, "g_per_tray",
                   r->g_per_tray_x10 >= 0 ? scaled(r->g_per_tray_x10, 1) : json_null());
        bad |= put(o, "clean_rate",
                   r->clean_rate_permille >= 0 ? scaled(r->clean_rate_permille, 3) : json_null());
        bad |= put(o, "coverage",
                   r->coverage_permille >= 0 ? scaled(r->coverage_permille, 3) : json_null());
        bad |= put(o, "eligible", json_boolean(r->eligible));
        bad |= put(o, "rank", r->rank ? json_integer(r->rank) : json_null());
        bad |= put(o, "list", r->list ? json_string(r->list) : json_null());
        bad |= put(o, "change_g_per_tray", r->has_change ? scaled(r->change_x10, 1) : json_null());
        /* the trays of the department left out of the figures above (a contract) */
        bad |= put(o, "flagged_trays", json_integer(r->flagged_trays));
        bad |= !o || json_array_append_new(arr, o) != 0;
    }
    err = bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the JSON output")
              : dump_json(arr, f);
    json_decref(arr);
    return err;
}

void metrics_csv_figures(csvout *w, const metrics_row *r)
{
    char a[24], b[24], c[24];

    csvout_int(w, r->meals);
    csvout_int(w, r->diners);
    csvout_int(w, r->trays);
    csvout_int(w, r->plate_g);
    csvout_number(w, r->g_per_tray_x10 >= 0 ? metrics_x10(r->g_per_tray_x10, a) : "");
    csvout_number(w, metrics_ratio(r->clean_rate_permille, b));
    csvout_number(w, metrics_ratio(r->coverage_permille, c));
}

cp_err metrics_print_csv(const metrics_table *t, FILE *f)
{
    char e[24];
    csvout w;

    csvout_begin(&w, f);
    csvout_header(&w, "code,name,meals,diners,trays,plate_g,g_per_tray,clean_rate,coverage,"
                      "eligible,rank,list,change_g_per_tray,flagged_trays");
    for (size_t i = 0; i < t->n; i++) {
        const metrics_row *r = &t->rows[i];
        csvout_text(&w, r->code);
        csvout_text(&w, r->name);
        metrics_csv_figures(&w, r);
        csvout_text(&w, r->eligible ? "yes" : "no");
        csvout_number(&w, r->rank ? (snprintf(e, sizeof e, "%d", r->rank), e) : "");
        csvout_text(&w, r->list);
        csvout_number(&w, r->has_change ? metrics_x10(r->change_x10, e) : "");
        csvout_int(&w, r->flagged_trays);
        csvout_end_row(&w);
    }
    return csvout_finish(&w);
}

/* ---- the canteen and meal-period views ------------------------------------ */

/* Plate figures of one canteen or one meal period. */
typedef struct plate {
    int64_t key;
    int64_t meals, trays, plate_g, clean, anon_trays, anon_g;
    int64_t flagged;               /* plate weighings left out, of diners and anonymous */
} plate;

/* The last closed day of span to read from rollups, and the first open day. */
static void split_span(const metrics_span *span, const metrics_opts *o, char closed_to[11],
                       char open_from[11])
{
    char now[CP_DATE_LEN];

    today(now);
    if (o->clean_threshold_g != METRICS_ROLLUP_THRESHOLD_G || strcmp(now, span->from) <= 0) {
        snprintf(closed_to, 11, "0000-00-00");  /* nothing from rollups */
        snprintf(open_from, 11, "%.10s", span->from);
    } else if (strcmp(now, span->to) > 0) {
        snprintf(closed_to, 11, "%.10s", span->to); /* everything from rollups */
        snprintf(open_from, 11, "9999-99-99");
    } else {
        cp_time t = {0};
        sscanf(now, "%4d-%2d-%2d", &t.year, &t.month, &t.day);
        t.hour = 12;
        t = clock_add_seconds(&t, -86400);
        clock_date(&t, closed_to);
        snprintf(open_from, 11, "%s", now);
    }
}

/* How collect_plates groups its figures. */
enum { BY_CANTEEN, BY_PERIOD, BY_DAY };

/* Plate figures grouped by canteen, by canteen and meal period (key canteen
 * x 1000000 + period), or by day (key YYYYMMDD). ?7 is the flags that leave
 * a weighing out: it adds to flagged, nothing else. */
static cp_err collect_plates(db *d, const metrics_span *span, const metrics_opts *o,
                             int64_t canteen_id, int by, plate **out, size_t *n)
{
#define PLATE_OK "(w.flags & ?7) = 0"
#define PLATE_SQL(KEY, WKEY)                                                                   \
    "SELECT key, sum(meals), sum(trays), sum(grams), sum(clean), sum(anon), sum(anon_g),"     \
    " sum(flagged) FROM ("                                                                     \
    " SELECT " KEY " AS key, meals,"                                                           \
    "   CASE WHEN department_id <> 0 THEN trays ELSE 0 END AS trays,"                          \
    "   CASE WHEN department_id <> 0 THEN plate_g ELSE 0 END AS grams,"                        \
    "   CASE WHEN department_id <> 0 THEN clean_trays ELSE 0 END AS clean,"                    \
    "   CASE WHEN department_id = 0 THEN trays ELSE 0 END AS anon,"                            \
    "   CASE WHEN department_id = 0 THEN plate_g ELSE 0 END AS anon_g, flagged"                \
    " FROM rollup_day WHERE business_date BETWEEN ?1 AND ?2 AND (?5 = 0 OR canteen_id = ?5)"  \
    " UNION ALL"                                                                               \
    " SELECT " KEY ", 1, 0, 0, 0, 0, 0, 0 FROM sales s WHERE s.business_date BETWEEN ?3 AND ?4" \
    "   AND (?5 = 0 OR s.canteen_id = ?5)"                                                     \
    "   AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"                         \
    " UNION ALL"                                                                               \
    " SELECT " WKEY ", 0, " ONE_IF(PLATE_OK " AND w.diner_id IS NOT NULL") ","                 \
    "   CASE WHEN " PLATE_OK " AND w.diner_id IS NOT NULL THEN w.net_g ELSE 0 END,"            \
    "   " ONE_IF(PLATE_OK " AND w.diner_id IS NOT NULL AND w.net_g <= ?6") ","                 \
    "   " ONE_IF(PLATE_OK " AND w.diner_id IS NULL") ","                                       \
    "   CASE WHEN " PLATE_OK " AND w.diner_id IS NULL THEN w.net_g ELSE 0 END,"                \
    "   " ONE_IF("NOT " PLATE_OK)                                                              \
    " FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"                       \
    "   AND w.business_date BETWEEN ?3 AND ?4 AND w.stage = 'plate'"                           \
    "   AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"                 \
    " WHERE ?5 = 0 OR c.id = ?5"                                                               \
    ") AS key_rows GROUP BY key ORDER BY key"
    static const char by_canteen_sql[] = PLATE_SQL("canteen_id", "w.canteen_id");
    static const char by_period_sql[] =
        PLATE_SQL("canteen_id * 1000000 + coalesce(period_id, 0)",
                  "w.canteen_id * 1000000 + coalesce(w.period_id, 0)");
    static const char by_day_sql[] =
        PLATE_SQL("CAST(replace(business_date, '-', '') AS INTEGER)",
                  "CAST(replace(w.business_date, '-', '') AS INTEGER)");
#undef PLATE_SQL
#undef PLATE_OK
    char closed_to[11], open_from[11];
    db_stmt *st;
    size_t cap = 0;
    long days;
    cp_err err;
    int rc;

    *out = NULL;
    *n = 0;
    if (o->clean_threshold_g == METRICS_ROLLUP_THRESHOLD_G &&
        (err = metrics_rollup(d, span, o->progress, &days)))
        return err;
    split_span(span, o, closed_to, open_from);
    if (!(st = db_prepare(d, by == BY_DAY ? by_day_sql : by == BY_PERIOD ? by_period_sql
                                                                      : by_canteen_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, closed_to);
    db_bind_text(st, 3, open_from);
    db_bind_text(st, 4, span->to);
    db_bind_int64(st, 5, canteen_id);
    db_bind_int(st, 6, o->clean_threshold_g);
    db_bind_int(st, 7, WASTE_FLAGS_LEFT_OUT);
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            plate *p = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof *p);
            if (!p) {
                db_reset(st);
                return cp_fail(CP_ERR_NOMEM, "out of memory");
            }
            *out = p;
        }
        plate *p = &(*out)[(*n)++];
        p->key = db_col_int64(st, 0);
        p->meals = db_col_int64(st, 1);
        p->trays = db_col_int64(st, 2);
        p->plate_g = db_col_int64(st, 3);
        p->clean = db_col_int64(st, 4);
        p->anon_trays = db_col_int64(st, 5);
        p->anon_g = db_col_int64(st, 6);
        p->flagged = db_col_int64(st, 7);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading plate figures");
}

cp_err metrics_sales(db *d, const metrics_span *span, int64_t canteen_id,
                     metrics_sales_row **out, size_t *n)
{
    /* closed days from rollup_sales, the others from the sales themselves;
     * periods of every canteen that share a name are one */
    static const char sql[] =
        "SELECT coalesce(p.name, ''), x.category, sum(x.meals), sum(x.total_fen),"
        " sum(x.subsidy_fen), sum(x.cash_fen) FROM ("
        " SELECT canteen_id, period_id, category, meals, total_fen, subsidy_fen, cash_fen"
        " FROM rollup_sales WHERE business_date BETWEEN ?1 AND ?2"
        " UNION ALL" SALES_SUMS_SQL("?3", "?4") ") x"
        " LEFT JOIN meal_periods p ON p.id = x.period_id"
        " WHERE ?5 = 0 OR x.canteen_id = ?5"
        " GROUP BY coalesce(p.name, ''), x.category ORDER BY 1, 2";
    metrics_opts o;
    char closed_to[11], open_from[11];
    size_t cap = 0;
    db_stmt *st;
    long days;
    cp_err err;
    int rc;

    *out = NULL;
    *n = 0;
    metrics_opts_init(&o);
    if ((err = metrics_rollup(d, span, 0, &days)))
        return err;
    split_span(span, &o, closed_to, open_from);
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, closed_to);
    db_bind_text(st, 3, open_from);
    db_bind_text(st, 4, span->to);
    db_bind_int64(st, 5, canteen_id);
    while ((rc = db_step(st)) == DB_ROW) {
        metrics_sales_row *r;
        if (*n == cap) {
            metrics_sales_row *p = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof *p);
            if (!p) {
                db_reset(st);
                return cp_fail(CP_ERR_NOMEM, "out of memory reading sales");
            }
            *out = p;
        }
        r = &(*out)[(*n)++];
        db_copy_col(r->period, sizeof r->period, st, 0);
        db_copy_col(r->category, sizeof r->category, st, 1);
        r->meals = db_col_int64(st, 2);
        r->total_fen = db_col_int64(st, 3);
        r->subsidy_fen = db_col_int64(st, 4);
        r->cash_fen = db_col_int64(st, 5);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading sales");
}

/* Adds the shared plate fields to a JSON object; returns 1 when one could not be. */
static int plate_json(json_t *o, const plate *p)
{
    int bad = 0;

    bad |= put(o, "meals", json_integer(p->meals));
    bad |= put(o, "trays", json_integer(p->trays));
    bad |= put(o, "plate_g", json_integer(p->plate_g));
    bad |= put(o, "g_per_tray",
               p->trays ? scaled(metrics_scaled(p->plate_g, p->trays, 10), 1) : json_null());
    bad |= put(o, "clean_rate",
               p->trays ? scaled(metrics_scaled(p->clean, p->trays, 1000), 3) : json_null());
    bad |= put(o, "coverage",
               p->meals ? scaled(metrics_coverage(p->trays, p->meals, 1000), 3) : json_null());
    bad |= put(o, "anonymous_trays", json_integer(p->anon_trays));
    /* plate weighings left out (a contract): overload, negative, impossible, no meal */
    bad |= put(o, "flagged_trays", json_integer(p->flagged));
    return bad;
}

/* Kitchen waste of span in canteen_id (0: every canteen) by stage, category
 * and reason into out->kitchen, its total into out->kitchen_g, and the
 * kitchen weighings left out into out->flagged_kitchen. */
static cp_err collect_kitchen(db *d, const metrics_span *span, int64_t canteen_id,
                              metrics_summary *out)
{
    /* a group of flagged weighings only has ok = 0: counted, not listed */
    static const char sql[] =
        "SELECT w.stage, coalesce(w.category, ''), coalesce(w.reason, ''),"
        " sum(CASE WHEN (w.flags & ?4) = 0 THEN w.net_g ELSE 0 END),"
        " count(*) FILTER (WHERE (w.flags & ?4) = 0), count(*) FILTER (WHERE (w.flags & ?4) <> 0)"
        " FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"
        " AND w.business_date BETWEEN ?1 AND ?2 AND w.stage <> 'plate'"
        " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"
        " WHERE ?3 = 0 OR c.id = ?3 GROUP BY 1, 2, 3"
        " ORDER BY CASE w.stage WHEN 'prep' THEN 1 WHEN 'overproduction' THEN 2 ELSE 3 END, 2, 3";
    db_stmt *st = db_prepare(d, sql);
    size_t cap = 0;
    cp_err err = CP_OK;
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, span->to);
    db_bind_int64(st, 3, canteen_id);
    db_bind_int(st, 4, WASTE_FLAGS_LEFT_OUT);
    while ((rc = db_step(st)) == DB_ROW) {
        out->flagged_kitchen += db_col_int64(st, 5);
        if (db_col_int64(st, 4) == 0)
            continue;
        if (out->nkitchen == cap) {
            metrics_kitchen *k = realloc(out->kitchen, (cap = cap ? cap * 2 : 16) * sizeof *k);
            if (!k) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory");
                break;
            }
            out->kitchen = k;
        }
        metrics_kitchen *k = &out->kitchen[out->nkitchen];
        snprintf(k->stage, sizeof k->stage, "%s", db_col_text(st, 0));
        k->category = strdup(db_col_text(st, 1));
        k->reason = strdup(db_col_text(st, 2));
        k->grams = db_col_int64(st, 3);
        out->nkitchen++;
        out->kitchen_g += k->grams;
        if (!k->category || !k->reason) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory");
            break;
        }
    }
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading kitchen waste");
    return err;
}

/* Adds g to the count under key (text of any bytes; "(none)" when empty) of obj. */
static int add_grams(json_t *obj, const char *key, int64_t g)
{
    char *clean = text_clean(*key ? key : "(none)", 0, NULL); /* keys must be UTF-8 */
    json_t *old;
    int bad;

    if (!clean)
        return 1;
    old = json_object_get(obj, clean);
    bad = put(obj, clean, json_integer((old ? json_integer_value(old) : 0) + g));
    free(clean);
    return bad;
}

/* The kitchen fields of one canteen's row: kitchen_g, the grams by stage,
 * category and reason, and the kitchen weighings left out. */
static cp_err kitchen_json(db *d, const metrics_span *span, int64_t canteen_id, json_t *row,
                           int64_t *total_g)
{
    metrics_summary k = {0};
    json_t *by[3] = {json_object(), json_object(), json_object()}, *kitchen = json_object();
    static const char *const names[3] = {"by_stage", "by_category", "by_reason"};
    cp_err err;
    int bad = 0;

    if ((err = collect_kitchen(d, span, canteen_id, &k)))
        goto out;
    for (size_t i = 0; i < k.nkitchen; i++) {
        bad |= add_grams(by[0], k.kitchen[i].stage, k.kitchen[i].grams);
        bad |= add_grams(by[1], k.kitchen[i].category, k.kitchen[i].grams);
        bad |= add_grams(by[2], k.kitchen[i].reason, k.kitchen[i].grams);
    }
    for (int i = 0; i < 3; i++) {
        bad |= put(kitchen, names[i], by[i]);
        by[i] = NULL;
    }
    bad |= put(row, "kitchen_g", json_integer(k.kitchen_g));
    bad |= put(row, "kitchen", kitchen);
    kitchen = NULL;
    bad |= put(row, "flagged_kitchen", json_integer(k.flagged_kitchen));
    *total_g = k.kitchen_g;
    if (bad)
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing kitchen waste");
out:
    for (int i = 0; i < 3; i++)
        json_decref(by[i]);
    json_decref(kitchen);
    metrics_summary_free(&k);
    return err;
}

/* Writes the rows of a JSON array of flat objects as CSV (nested objects as
 * JSON text): strings as people's text, numbers as numbers. */
static cp_err json_rows_csv(json_t *arr, FILE *f)
{
    size_t i;
    json_t *row, *v;
    const char *key;
    csvout w;
    int bad = 0;

    csvout_begin(&w, f);
    if (json_array_size(arr) == 0)
        return csvout_finish(&w);
    json_object_foreach(json_array_get(arr, 0), key, v)
        csvout_text(&w, key);
    csvout_end_row(&w);
    json_array_foreach(arr, i, row) {
        json_object_foreach(row, key, v) {
            char *text;
            if (json_is_string(v)) {
                csvout_text(&w, json_string_value(v));
                continue;
            }
            if (json_is_null(v)) {
                csvout_number(&w, "");
                continue;
            }
            text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
            bad |= !text;
            if (json_is_object(v) || json_is_array(v))
                csvout_text(&w, text ? text : "");
            else
                csvout_number(&w, text ? text : "");
            free(text);
        }
        csvout_end_row(&w);
    }
    return bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the CSV output") : csvout_finish(&w);
}

static cp_err print_rows(json_t *arr, int json, int csv, FILE *f)
{
    size_t i;
    json_t *row;

    if (csv)
        return json_rows_csv(arr, f);
    if (json)
        return dump_json(arr, f);
    /* JSON is also the readable form here: one object per line */
    json_array_foreach(arr, i, row) {
        json_dumpf(row, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        fputc('\n', f);
    }
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the output") : CP_OK;
}

/* Reads the text columns of the one row st yields into fields of o (text_json:
 * valid JSON whatever they hold; json null when there is no row). */
static int text_columns(db_stmt *st, json_t *o, const char *const *keys, int n)
{
    int row = db_step(st) == DB_ROW, bad = 0;

    for (int k = 0; k < n; k++)
        bad |= put(o, keys[k], row ? text_json(db_col_text(st, k))
                                   : json_null());
    db_reset(st);
    return bad;
}

cp_err metrics_print_canteens(db *d, const metrics_span *span, const metrics_opts *o,
                              int json, int csv, FILE *f)
{
    static const char canteen_sql[] = "SELECT code, name FROM canteens WHERE id = ?";
    static const char diners_sql[] =
        "SELECT count(DISTINCT diner_id) FROM diner_month WHERE month BETWEEN ?1 AND ?2"
        " AND canteen_id = ?3";
    static const char *const keys[] = {"code", "name"};
    json_t *arr = json_array();
    plate *plates = NULL;
    int64_t canteen_id, v;
    size_t n = 0;
    cp_err err;
    int bad = 0;

    if ((err = load_canteen(d, o->canteen, &canteen_id)) ||
        (err = collect_plates(d, span, o, canteen_id, BY_CANTEEN, &plates, &n)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        const plate *p = &plates[i];
        json_t *row = json_object();
        db_stmt *st = db_prepare(d, canteen_sql);
        int64_t kitchen_g = 0, total_g;
        char money[32];
        bad |= !row || json_array_append_new(arr, row) != 0;
        if (!st) {
            err = CP_ERR_DB;
            goto out;
        }
        db_bind_int64(st, 1, p->key);
        bad |= text_columns(st, row, keys, 2);
        bad |= put(row, "period", json_string(span->label));
        if (!(st = db_prepare(d, diners_sql))) {
            err = CP_ERR_DB;
            goto out;
        }
        db_bind_text(st, 1, span->months[0]);
        db_bind_text(st, 2, span->months[span->nmonths - 1]);
        db_bind_int64(st, 3, p->key);
        if ((err = db_step_int64(d, st, &v)))
            goto out;
        bad |= plate_json(row, p);
        bad |= put(row, "diners", json_integer(v));
        bad |= put(row, "anonymous_g", json_integer(p->anon_g));
        if ((err = kitchen_json(d, span, p->key, row, &kitchen_g)))
            goto out;
        bad |= put(row, "kitchen_g_per_meal",
                   p->meals ? scaled(metrics_scaled(kitchen_g, p->meals, 10), 1) : json_null());
        total_g = p->plate_g + p->anon_g + kitchen_g;
        bad |= put(row, "total_waste_g", json_integer(total_g));
        bad |= put(row, "waste_g_per_meal",
                   p->meals ? scaled(metrics_scaled(total_g, p->meals, 10), 1) : json_null());
        /* cost in fen = grams x fen per kg / 1000, rounded half up; CO2e in grams alike */
        snprintf(money, sizeof money, "%lld.%02lld",
                 (long long)((total_g * o->food_cost_fen_per_kg + 500) / 1000 / 100),
                 (long long)((total_g * o->food_cost_fen_per_kg + 500) / 1000 % 100));
        bad |= put(row, "cost_yuan", json_string(money));
        bad |= put(row, "co2e_kg",
                   scaled(metrics_scaled(total_g * o->co2e_milli_per_kg, 1000 * 1000, 10), 1));
    }
    err = bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the canteen figures")
              : print_rows(arr, json, csv, f);
out:
    free(plates);
    json_decref(arr);
    return err;
}

cp_err metrics_print_periods(db *d, const metrics_span *span, const metrics_opts *o, int json,
                             int csv, FILE *f)
{
    static const char names_sql[] =
        "SELECT c.code, coalesce((SELECT name FROM meal_periods WHERE id = ?2), 'outside periods')"
        " FROM canteens c WHERE c.id = ?1";
    static const char *const keys[] = {"canteen", "meal_period"};
    char name[NAMES_SIZE];
    json_t *arr = json_array();
    plate *plates = NULL;
    int64_t canteen_id;
    size_t n = 0;
    cp_err err;
    int bad = 0;

    if ((err = load_canteen(d, o->canteen, &canteen_id)) ||
        (err = collect_plates(d, span, o, canteen_id, BY_PERIOD, &plates, &n)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        db_stmt *st = db_prepare(d, names_sql);
        json_t *row = json_object();
        bad |= !row || json_array_append_new(arr, row) != 0;
        if (!st) {
            err = CP_ERR_DB;
            goto out;
        }
        db_bind_int64(st, 1, plates[i].key / 1000000);
        db_bind_int64(st, 2, plates[i].key % 1000000);
        bad |= text_columns(st, row, keys, 2);
        /* the code stays (scripts read it); the name people read is added */
        if (!bad && json_is_string(json_object_get(row, "meal_period")))
            bad |= put(row, "meal_period_name",
                       text_json(names_show(d, NAMES_PERIOD,
                                            json_string_value(json_object_get(row, "meal_period")),
                                            name)));
        bad |= put(row, "period", json_string(span->label));
        bad |= plate_json(row, &plates[i]);
    }
    err = bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the meal-period figures")
              : print_rows(arr, json, csv, f);
out:
    free(plates);
    json_decref(arr);
    return err;
}

/* ---- a whole canteen's summary -------------------------------------------------- */

/* metrics_summarize, with the distinct diners counted only when with_diners
 * is set (that count reads every diner of the span). */
static cp_err summarize(db *d, const metrics_span *span, const metrics_opts *o,
                        metrics_summary *out, int with_diners)
{
    static const char diners_sql[] =
        "SELECT count(DISTINCT diner_id) FROM diner_month WHERE month BETWEEN ?1 AND ?2"
        " AND (?3 = 0 OR canteen_id = ?3)";
    plate *plates = NULL;
    int64_t canteen_id;
    size_t n = 0;
    db_stmt *st;
    cp_err err;

    memset(out, 0, sizeof *out);
    if ((err = load_canteen(d, o->canteen, &canteen_id)) ||
        (err = collect_plates(d, span, o, canteen_id, BY_DAY, &plates, &n)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        out->meals += plates[i].meals;
        out->trays += plates[i].trays;
        out->plate_g += plates[i].plate_g;
        out->clean_trays += plates[i].clean;
        out->anon_trays += plates[i].anon_trays;
        out->anon_g += plates[i].anon_g;
        out->flagged_trays += plates[i].flagged;
        out->serving_days += plates[i].meals > 0;
        out->weighing_days += plates[i].meals > 0 && plates[i].trays + plates[i].anon_trays > 0;
    }
    if (with_diners && !(st = db_prepare(d, diners_sql))) {
        err = CP_ERR_DB;
        goto out;
    }
    if (with_diners) {
        db_bind_text(st, 1, span->months[0]);
        db_bind_text(st, 2, span->months[span->nmonths - 1]);
        db_bind_int64(st, 3, canteen_id);
        if ((err = db_step_int64(d, st, &out->diners)))
            goto out;
    }
    err = collect_kitchen(d, span, canteen_id, out);
out:
    free(plates);
    if (err)
        metrics_summary_free(out);
    return err;
}

cp_err metrics_summarize(db *d, const metrics_span *span, const metrics_opts *o,
                         metrics_summary *out)
{
    return summarize(d, span, o, out, 1);
}

cp_err metrics_summarize_waste(db *d, const metrics_span *span, const metrics_opts *o,
                               metrics_summary *out)
{
    return summarize(d, span, o, out, 0);
}

void metrics_summary_free(metrics_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->kitchen && i < s->nkitchen; i++) {
        free(s->kitchen[i].category);
        free(s->kitchen[i].reason);
    }
    free(s->kitchen);
    s->kitchen = NULL;
    s->nkitchen = 0;
}

int metrics_summary_has_data(const metrics_summary *s)
{
    return s->meals > 0 || s->trays > 0 || s->anon_trays > 0 || s->kitchen_g > 0 ||
           s->nkitchen > 0 || s->flagged_trays > 0 || s->flagged_kitchen > 0;
}

int64_t metrics_total_g(const metrics_summary *s)
{
    return s->plate_g + s->anon_g + s->kitchen_g;
}

int64_t metrics_cost_fen(const metrics_summary *s, const metrics_opts *o)
{
    return (metrics_total_g(s) * o->food_cost_fen_per_kg + 500) / 1000;
}

int64_t metrics_co2e_g(const metrics_summary *s, const metrics_opts *o)
{
    return (metrics_total_g(s) * o->co2e_milli_per_kg + 500) / 1000;
}
