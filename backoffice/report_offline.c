/* report_offline: the offline charges of a month that went over a wallet's limit, and whether their cards are still blocked. */
#include "backoffice/report_offline.h"

#include <stdio.h>
#include <string.h>

#include "backoffice/csvout.h"
#include "core/clock.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/nls.h"

/* The cash after a sale is what the diner's cash entries add up to when it
 * was posted, the sale's own included: in the order the money moved, as
 * `report statement` shows it (LEDGER_MOVED_ORDER, core/ledger.h: two
 * offline meals posted in the same second are in the order of their taps). A charge was posted when its request came
 * (charge_requests.created_at); its entries carry the tap time, which for
 * an offline sale is earlier. Counted by tap time, the cash paid out to a
 * diner who left between an offline meal and its posting was not taken
 * off, and the report said 92.00 after it where the wallet was at -8.00. A
 * card is still blocked while any card of the diner is 'blocked_offline'
 * (core/ledger.c). */
static const char sql[] =
    "SELECT s.id, s.created_at, s.terminal, di.staff_no, di.name, dep.name, s.total_fen,"
    " (SELECT coalesce(sum(l.amount_fen), 0) FROM ledger l"
    "   LEFT JOIN sales ls ON ls.id = l.sale_id AND l.kind = 'charge'"
    "   LEFT JOIN charge_requests lr ON lr.request_id = ls.request_id"
    "   WHERE l.diner_id = s.diner_id AND l.wallet = 'cash'"
    "   AND (" LEDGER_MOVED_ORDER("l", "lr") ")"
    "    <= (coalesce(r.created_at, s.created_at), 1, s.created_at, s.id)),"
    " EXISTS (SELECT 1 FROM cards c WHERE c.diner_id = s.diner_id"
    "   AND c.status = 'blocked_offline')"
    " FROM sales s JOIN diners di ON di.id = s.diner_id"
    " JOIN departments dep ON dep.id = s.department_id"
    " LEFT JOIN charge_requests r ON r.request_id = s.request_id"
    " WHERE s.offline <> 0 AND s.over_limit <> 0"
    " AND s.business_date >= ?1 AND s.business_date < ?2"
    " ORDER BY s.created_at, s.id";

static void offline_csv_row(csvout *w, db_stmt *st, int blocked)
{
    char m[2][MONEY_STR_LEN];

    for (int k = 0; k < 6; k++)
        csvout_text(w, db_col_text(st, k));
    csvout_number(w, money_format(db_col_int64(st, 6), m[0]));
    csvout_number(w, money_format(db_col_int64(st, 7), m[1]));
    csvout_text(w, blocked ? "yes" : "no");
    csvout_end_row(w);
}

/* A line of the text table, each cell padded by the columns it takes on
 * screen (core/utf8.h): headings and times in Chinese are wider than their
 * bytes say, and printf's widths put the amounts under other headings. */
static void table_row(FILE *f, const char *const cell[8])
{
    char when[CLOCK_SHOW_LEN];
    int time_cols = utf8_width(clock_show_iso("2026-12-31T23:59:00", when));
    const int cols[8] = {14, time_cols < 16 ? 16 : time_cols, 6, 10, -8, -9, 6, 0};

    utf8_row(f, cell, cols, 8);
}

static void text_row(FILE *f, db_stmt *st, int blocked)
{
    char m[2][MONEY_STR_LEN], when[CLOCK_SHOW_LEN], who[512];

    utf8_format(who, sizeof who, "%s %s", db_col_text(st, 4), db_col_text(st, 5));
    table_row(f, (const char *const[8]){db_col_text(st, 0),
                                        clock_show_iso(db_col_text(st, 1), when),
                                        db_col_text(st, 2), db_col_text(st, 3),
                                        money_format(db_col_int64(st, 6), m[0]),
                                        money_format(db_col_int64(st, 7), m[1]),
                                        blocked ? _("yes") : _("no"), who});
}

cp_err report_offline(db *d, const char *month, int csv, FILE *f)
{
    char first[CP_DATE_LEN], next[CP_DATE_LEN];
    db_stmt *st;
    long n = 0;
    csvout w;
    cp_err err;
    int rc;

    if ((err = clock_month_bounds(month, first, next)))
        return err;
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, first);
    db_bind_text(st, 2, next);
    if (csv) {
        csvout_begin(&w, f);
        csvout_header(&w, "sale,tapped_at,terminal,staff_no,name,department,amount_yuan,"
                          "cash_after_yuan,still_blocked");
    } else {
        table_row(f, (const char *const[8]){_("SALE"), _("TAPPED"), _("TERMINAL"),
                                            _("STAFF NO"), _("AMOUNT"), _("CASH AFTER"),
                                            _("BLOCKED"), _("NAME, DEPARTMENT")});
    }
    while ((rc = db_step(st)) == DB_ROW) {
        int blocked = db_col_int(st, 8) != 0;
        if (csv)
            offline_csv_row(&w, st, blocked);
        else
            text_row(f, st, blocked);
        n++;
    }
    db_reset(st);
    if (rc != DB_DONE)
        return db_fail(d, "reading offline charges");
    if (csv)
        return csvout_finish(&w);
    fprintf(f, P_("%ld offline charge over a limit in %s\n",
                  "%ld offline charges over a limit in %s\n", (unsigned long)n), n, month);
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the report") : CP_OK;
}

int cmd_report_offline(office_ctx *c)
{
    cp_err err;
    int rc;

    if ((rc = office_need(c, "month")))
        return rc;
    err = report_offline(c->d, office_opt(c, "month"), office_opt(c, "csv") != NULL, stdout);
    return err ? office_fail(err) : 0;
}
