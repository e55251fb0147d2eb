/* report_books: the sales and balances for the books, as CSV or a table. */
#include "backoffice/report.h"

#include <stdio.h>
#include <string.h>

#include "backoffice/csvout.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/utf8.h"
#include "core/names.h"
#include "core/nls.h"

/* One row of the sales CSV: the key (people's text: a cashier's name, a
 * period), for a period its name (NULL: no such column), two counts and four
 * amounts. */
static void sales_csv_row(csvout *w, const char *key, const char *name, const int64_t v[6])
{
    char m[MONEY_STR_LEN];

    csvout_text(w, key);
    if (name)
        csvout_text(w, name);
    csvout_int(w, v[0]);
    csvout_int(w, v[1]);
    for (int k = 2; k < 6; k++)
        csvout_number(w, money_format(v[k], m));
    csvout_end_row(w);
}

/* True when s is a calendar date like 2026-11-01. */
static int valid_date(const char *s)
{
    char iso[32];
    cp_time t;
    if (strlen(s) != 10)
        return 0;
    snprintf(iso, sizeof iso, "%sT00:00", s);
    return clock_parse(iso, &t) == CP_OK;
}

/* The text table's columns: a cashier's or a period's name (padded by the
 * columns it takes on screen: a Chinese name of 3 characters is 9 bytes
 * and 6 columns), then the counts and amounts, right-aligned. */
static const int sales_cols[7] = {16, -7, -6, -12, -12, -12, -12};

static void sales_text_row(FILE *f, const char *key, const int64_t v[6])
{
    char n[2][24], m[4][MONEY_STR_LEN];

    snprintf(n[0], sizeof n[0], "%lld", (long long)v[0]);
    snprintf(n[1], sizeof n[1], "%lld", (long long)v[1]);
    utf8_row(f, (const char *const[7]){key, n[0], n[1], money_format(v[2], m[0]),
                                      money_format(v[3], m[1]), money_format(v[4], m[2]),
                                      money_format(v[5], m[3])}, sales_cols, 7);
}

cp_err report_sales(db *d, const char *from, const char *to, const char *by, int csv, FILE *f)
{
#define SALES_SQL(KEY)                                                                         \
    "SELECT " KEY ", count(*) - count(v.id), count(v.id),"                                     \
    " coalesce(sum(CASE WHEN v.id IS NULL THEN s.total_fen END), 0),"                          \
    " coalesce(sum(CASE WHEN v.id IS NULL THEN s.subsidy_fen END), 0),"                        \
    " coalesce(sum(CASE WHEN v.id IS NULL THEN s.cash_fen END), 0),"                           \
    " coalesce(sum(CASE WHEN v.id IS NOT NULL THEN s.total_fen END), 0)"                       \
    " FROM sales s LEFT JOIN voids v ON v.sale_id = s.id"                                      \
    " LEFT JOIN meal_periods p ON p.id = s.period_id"                                          \
    " WHERE s.business_date BETWEEN ?1 AND ?2 GROUP BY 1 ORDER BY 1"
    static const char by_day[] = SALES_SQL("s.business_date");
    static const char by_terminal[] = SALES_SQL("s.terminal");
    static const char by_cashier[] = SALES_SQL("s.actor");
    static const char by_period[] = SALES_SQL("coalesce(p.name, '(items)')");
#undef SALES_SQL
    const char *sql = strcmp(by, "day") == 0        ? by_day
                      : strcmp(by, "terminal") == 0 ? by_terminal
                      : strcmp(by, "cashier") == 0  ? by_cashier
                      : strcmp(by, "period") == 0   ? by_period
                                                    : NULL;
    db_stmt *st;
    int64_t tot[6] = {0};
    char head[128], shown[NAMES_SIZE];
    csvout w;
    int rc;

    if (!sql)
        return cp_fail(CP_ERR_INVALID, "--by '%s': use day, terminal, cashier or period", by);
    if (!valid_date(from))
        return cp_fail(CP_ERR_INVALID, "--from '%s' is not a date like 2026-11-01", from);
    if (!valid_date(to))
        return cp_fail(CP_ERR_INVALID, "--to '%s' is not a date like 2026-11-30", to);
    if (strcmp(from, to) > 0)
        return cp_fail(CP_ERR_INVALID, "--from %s is after --to %s: swap them", from, to);
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    if (csv) {
        csvout_begin(&w, f);
        /* by period, the code stays and the name people read is added */
        snprintf(head, sizeof head, "%s,%ssales,voids,total_yuan,subsidy_yuan,cash_yuan,voided_yuan",
                 by, sql == by_period ? "period_name," : "");
        csvout_header(&w, head);
    } else
        utf8_row(f, (const char *const[7]){by, "sales", "voids", "total", "subsidy", "cash",
                                          "voided"}, sales_cols, 7);
    while ((rc = db_step(st)) == DB_ROW) {
        const char *key = db_col_text(st, 0);
        int64_t v[6];
        for (int k = 0; k < 6; k++)
            tot[k] += v[k] = db_col_int64(st, k + 1);
        if (csv) {
            const char *name = NULL;
            if (sql == by_period)
                name = strcmp(key, "(items)") == 0 ? names_builtin(NAMES_CATEGORY, "items")
                                                   : names_show(d, NAMES_PERIOD, key, shown);
            sales_csv_row(&w, key, name, v);
        } else {
            sales_text_row(f, key, v);
        }
    }
    db_reset(st);
    if (rc != DB_DONE)
        return db_fail(d, "reading sales");
    if (csv) {
        sales_csv_row(&w, "total", sql == by_period ? "" : NULL, tot);
        return csvout_finish(&w);
    }
    sales_text_row(f, "total", tot);
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the report") : CP_OK;
}

cp_err report_balances(db *d, int csv, FILE *f)
{
    static const char sql[] =
        "SELECT di.staff_no, di.name, dep.code, di.status, w.cash_fen, w.subsidy_fen"
        " FROM diners di JOIN wallets w ON w.diner_id = di.id"
        " JOIN departments dep ON dep.id = di.department_id"
        " WHERE w.cash_fen <> 0 OR w.subsidy_fen <> 0 ORDER BY di.staff_no";
    db_stmt *st = db_prepare(d, sql);
    char m[3][MONEY_STR_LEN];
    int64_t cash = 0, subsidy = 0;
    long n = 0;
    csvout w;
    int rc;

    if (!st)
        return CP_ERR_DB;
    if (csv) {
        csvout_begin(&w, f);
        csvout_header(&w, "staff_no,name,department,status,cash_yuan,subsidy_yuan,total_yuan");
    }
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t c = db_col_int64(st, 4), s = db_col_int64(st, 5);
        const char *cols[4];
        for (int k = 0; k < 4; k++)
            cols[k] = db_col_text(st, k);
        if (csv) {
            for (int k = 0; k < 4; k++)
                csvout_text(&w, cols[k]);
            csvout_number(&w, money_format(c, m[0]));
            csvout_number(&w, money_format(s, m[1]));
            csvout_number(&w, money_format(c + s, m[2]));
            csvout_end_row(&w);
        } else {
            fprintf(f, "%-12s %-10s %12s %12s  %s %s\n", cols[0], cols[2], money_format(c, m[0]),
                    money_format(s, m[1]), cols[1], strcmp(cols[3], "active") ? cols[3] : "");
        }
        cash += c, subsidy += s, n++;
    }
    db_reset(st);
    if (rc != DB_DONE)
        return db_fail(d, "reading balances");
    if (csv) {
        char count[48];
        snprintf(count, sizeof count, _("%ld diners"), n);
        csvout_text(&w, "total");
        csvout_text(&w, count);
        csvout_text(&w, "");
        csvout_text(&w, "");
        csvout_number(&w, money_format(cash, m[0]));
        csvout_number(&w, money_format(subsidy, m[1]));
        csvout_number(&w, money_format(cash + subsidy, m[2]));
        csvout_end_row(&w);
        return csvout_finish(&w);
    }
    fprintf(f, _("%ld diners hold %s yuan cash and %s yuan subsidy (%s yuan in all)\n"), n,
            money_format(cash, m[0]), money_format(subsidy, m[1]),
            money_format(cash + subsidy, m[2]));
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the report") : CP_OK;
}
