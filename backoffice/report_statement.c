/* report_statement: one diner's statement of a month: every movement of their cash and subsidy, with the balances after each.
 *
 * The statement is the ledger itself, read for one diner: the balances at
 * the month's start are the sums of the entries before it, each line is one
 * movement (the entries of a meal from the subsidy and from cash are one
 * line, as the receipt shows them), and the balances after each are those
 * sums carried on. It hides nothing and adds nothing: what it says is what
 * verify checks the wallets against. */
#include "backoffice/report_statement.h"

#include <stdio.h>
#include <string.h>

#include "backoffice/csvout.h"
#include "core/clock.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/utf8.h"

/* The diner, their department now, and the sums of their entries before
 * the month (?2). */
static const char diner_sql[] =
    "SELECT di.id, di.name, dep.name, di.category, di.status,"
    " (SELECT coalesce(sum(l.amount_fen), 0) FROM ledger l WHERE l.diner_id = di.id"
    "   AND l.wallet = 'cash' AND l.created_at < ?2),"
    " (SELECT coalesce(sum(l.amount_fen), 0) FROM ledger l WHERE l.diner_id = di.id"
    "   AND l.wallet = 'subsidy' AND l.created_at < ?2)"
    " FROM diners di JOIN departments dep ON dep.id = di.department_id WHERE di.staff_no = ?1";

/* The month's movements (from ?2 to before ?3): the entries of one sale, one
 * void or one money event at one time are one line, its cash and subsidy
 * apart. A charge's line names its sale and the sale's period (or items).
 * They come in the order the money moved (LEDGER_MOVED_ORDER, core/ledger.h):
 * a charge by when it reached the store (its request's time), which for an
 * offline meal posted late is after its tap, the time its entries carry.
 * In tap order, a lunch tapped offline on the 18th and posted on the 20th
 * took subsidy that the 19th's meals had already spent, and the subsidy
 * left read -2.00. The month's lines and its opening balance are chosen by
 * the entries' (tap) time: a meal tapped on the 31st and posted on the 1st
 * is in the month it was eaten. */
static const char moves_sql[] =
    "SELECT l.created_at, l.kind, coalesce(l.sale_id, l.id),"
    " sum(CASE WHEN l.wallet = 'cash' THEN l.amount_fen ELSE 0 END),"
    " sum(CASE WHEN l.wallet = 'subsidy' THEN l.amount_fen ELSE 0 END),"
    " max(coalesce(l.ref, '')), max(coalesce(l.terminal, '')), max(coalesce(s.kind, '')),"
    " max(coalesce(p.name, '')), coalesce(r.created_at, l.created_at),"
    " max(CASE WHEN s.offline = 1 THEN coalesce(s.request_id, '') ELSE '' END),"
    /* a networked terminal's number for the sale (TERMINAL/SEQ) */
    " max(CASE WHEN s.request_id LIKE '%/%' THEN s.request_id ELSE '' END)"
    " FROM ledger l LEFT JOIN sales s ON s.id = l.sale_id"
    " LEFT JOIN meal_periods p ON p.id = s.period_id"
    " LEFT JOIN charge_requests r ON r.request_id = s.request_id AND l.kind = 'charge'"
    " WHERE l.diner_id = ?1 AND l.created_at >= ?2 AND l.created_at < ?3"
    " GROUP BY l.created_at, l.kind, coalesce(l.sale_id, l.id),"
    " coalesce(r.created_at, l.created_at)"
    " ORDER BY " LEDGER_MOVED_ORDER("l", "r");

enum {
    M_AT, M_KIND, M_REF_ID, M_CASH, M_SUBSIDY, M_REF, M_TERMINAL, M_SALE_KIND, M_PERIOD,
    M_POSTED, M_OFFLINE_REQ, M_NET_REQ,
};

/* What a movement was, in the reader's words, into buf. */
static const char *what_of(db *d, db_stmt *st, char *buf, size_t size)
{
    const char *kind = db_col_text(st, M_KIND), *ref = db_col_text(st, M_REF);
    char shown[NAMES_SIZE];

    if (strcmp(kind, "charge") == 0) {
        const char *posted = db_col_text(st, M_POSTED);
        char what[256], when[CLOCK_SHOW_LEN];

        char place[160];

        if (strcmp(db_col_text(st, M_SALE_KIND), "items") == 0)
            utf8_format(place, sizeof place, _("items at %s"), db_col_text(st, M_TERMINAL));
        else
            utf8_format(place, sizeof place, _("%s at %s"),
                        names_show(d, NAMES_PERIOD, db_col_text(st, M_PERIOD), shown),
                        db_col_text(st, M_TERMINAL));
        /* served offline: its receipt bore the terminal's number for it,
         * not the sale's, which was not known yet (review U2) */
        if (*db_col_text(st, M_OFFLINE_REQ))
            utf8_format(what, sizeof what, _("%s, receipt %s"), place,
                        db_col_text(st, M_OFFLINE_REQ));
        /* charged online while the terminal, its answer lost, served it
         * offline and printed its own number (review K3): every networked
         * sale names that number too */
        else if (*db_col_text(st, M_NET_REQ))
            utf8_format(what, sizeof what, "%s (%s)", place, db_col_text(st, M_NET_REQ));
        else
            utf8_format(what, sizeof what, "%s", place);
        /* a meal served offline, posted when its terminal was back */
        if (strncmp(posted, db_col_text(st, M_AT), 16) > 0)
            utf8_format(buf, size, _("%s, posted %s"), what, clock_show_iso(posted, when));
        else
            utf8_format(buf, size, "%s", what);
    } else if (strcmp(kind, "void") == 0) {
        utf8_format(buf, size, _("void: the sale's money back"));
    } else if (strcmp(kind, "topup") == 0) {
        if (db_col_int64(st, M_CASH) < 0)
            utf8_format(buf, size, _("top-up %s taken back"), ref);
        else
            utf8_format(buf, size, _("top-up"));
    } else if (strcmp(kind, "refund") == 0) {
        utf8_format(buf, size, _("cash paid out"));
    } else if (strcmp(kind, "subsidy_grant") == 0) {
        utf8_format(buf, size, _("subsidy for %s"), ref);
    } else if (strcmp(kind, "subsidy_expire") == 0) {
        utf8_format(buf, size, _("subsidy of %s expired"), ref);
    } else {
        utf8_format(buf, size, "%s", kind);
    }
    return buf;
}

/* A change as the statement shows it: signed, empty for none. */
static const char *change(int64_t fen, char buf[MONEY_STR_LEN + 1])
{
    if (fen == 0)
        return "";
    buf[0] = fen > 0 ? '+' : '\0';
    money_format(fen, buf + (fen > 0));
    return buf;
}

/* The running balances, and how the statement is written. */
typedef struct statement {
    db *d;
    FILE *f;
    int csv;
    csvout w;
    int64_t cash, subsidy;
} statement;

/* One line of the text table: each cell padded by the columns it takes on
 * screen (core/utf8.h, utf8_pad), so that an amount stands under its
 * heading in Chinese too; the time column as wide as a time shows in the
 * language (2026年11月20日 12:00 takes 20). */
static void table_row(FILE *f, const char *const cell[7])
{
    char when[CLOCK_SHOW_LEN];
    int time_cols = utf8_width(clock_show_iso("2026-12-31T23:59:00", when));
    const int cols[7] = {time_cols < 16 ? 16 : time_cols, -9, -9, -10, -12, 34, 0};

    utf8_row(f, cell, cols, 7);
}

static void line(statement *s, const char *at, const char *ref, const char *what,
                 int64_t cash, int64_t subsidy)
{
    char m[4][MONEY_STR_LEN + 1], when[CLOCK_SHOW_LEN];

    s->cash += cash;
    s->subsidy += subsidy;
    if (s->csv) {
        csvout_text(&s->w, at);
        csvout_text(&s->w, ref);
        csvout_text(&s->w, what);
        csvout_number(&s->w, cash ? money_format(cash, m[0]) : "");
        csvout_number(&s->w, subsidy ? money_format(subsidy, m[1]) : "");
        csvout_number(&s->w, money_format(s->cash, m[2]));
        csvout_number(&s->w, money_format(s->subsidy, m[3]));
        csvout_end_row(&s->w);
        return;
    }
    table_row(s->f, (const char *const[7]){*at ? clock_show_iso(at, when) : "",
                                           change(cash, m[0]), change(subsidy, m[1]),
                                           money_format(s->cash, m[2]),
                                           money_format(s->subsidy, m[3]), ref, what});
}

/* The lines of the month, from the balances at its start. */
static cp_err moves(statement *s, int64_t diner, const char *first, const char *next)
{
    char what[512];
    db_stmt *st = db_prepare(s->d, moves_sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, diner);
    db_bind_text(st, 2, first);
    db_bind_text(st, 3, next);
    while ((rc = db_step(st)) == DB_ROW)
        line(s, db_col_text(st, M_AT), db_col_text(st, M_REF_ID),
             what_of(s->d, st, what, sizeof what), db_col_int64(st, M_CASH),
             db_col_int64(st, M_SUBSIDY));
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(s->d, "reading the diner's ledger");
}

cp_err report_statement(db *d, const char *staff_no, const char *month, int csv, FILE *f)
{
    char first[CP_DATE_LEN], next[CP_DATE_LEN], name[DINERS_NAME_SIZE], dept[DINERS_NAME_SIZE];
    char category[64], status[16];
    char shown[NAMES_SIZE];
    statement s = {.d = d, .f = f, .csv = csv};
    int64_t diner;
    db_stmt *st;
    cp_err err;
    int rc;

    if ((err = clock_month_bounds(month, first, next)))
        return err;
    if (!(st = db_prepare(d, diner_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, staff_no);
    db_bind_text(st, 2, first);
    if ((rc = db_step(st)) == DB_ROW) {
        diner = db_col_int64(st, 0);
        db_copy_col(name, sizeof name, st, 1);
        db_copy_col(dept, sizeof dept, st, 2);
        db_copy_col(category, sizeof category, st, 3);
        db_copy_col(status, sizeof status, st, 4);
        s.cash = db_col_int64(st, 5);
        s.subsidy = db_col_int64(st, 6);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no diner with staff number '%s'", staff_no);
    if (rc != DB_ROW)
        return db_fail(d, "reading the diner");
    if (csv) {
        csvout_begin(&s.w, f);
        csvout_header(&s.w, "time,reference,what,cash_yuan,subsidy_yuan,cash_left_yuan,"
                            "subsidy_left_yuan");
    } else {
        fprintf(f, _("Statement of %s (%s), %s, %s, for %s%s\n"), name, staff_no, dept,
                names_show(d, NAMES_CATEGORY, category, shown), month,
                strcmp(status, "left") == 0 ? _(" (has left)") : "");
        table_row(f, (const char *const[7]){_("TIME"), _("CASH"), _("SUBSIDY"), _("CASH LEFT"),
                                             _("SUBSIDY LEFT"), _("REFERENCE"), _("WHAT")});
    }
    line(&s, "", "", _("balance at the start of the month"), 0, 0);
    if ((err = moves(&s, diner, first, next)))
        return err;
    line(&s, "", "", _("balance at the end of the month"), 0, 0);
    if (csv)
        return csvout_finish(&s.w);
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the statement") : CP_OK;
}

int cmd_report_statement(office_ctx *c)
{
    char today[CP_DATE_LEN], month[8];
    const char *m = office_opt(c, "month");
    cp_err err;

    if (!m) {
        if ((err = clock_today(today)))
            return office_fail(err);
        snprintf(month, sizeof month, "%.7s", today);
        m = month;
    }
    err = report_statement(c->d, c->pos[0], m, office_opt(c, "csv") != NULL, stdout);
    return err ? office_fail(err) : 0;
}
