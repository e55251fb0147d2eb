/* verify: checks every invariant of the books and the audit chain. */
#include "core/verify.h"

#include <string.h>

#include "core/audit.h"
#include "core/nls.h"
#include "core/roles.h"
#include "core/rollup.h"
#include "core/waste.h"
#include "core/schema.h"

/* One check: a query whose every row is a problem, described by column 0.
 * Each lists its rows in an order it says, so that both engines print the
 * same report (a query without ORDER BY gives rows in whatever order the
 * engine finds them). */
typedef struct check {
    const char *what;
    const char *sql;
} check;

static const check checks[] = {
    {N_("wallet balance differs from its ledger"),
     "SELECT 'diner ' || di.staff_no || ': wallet cash ' || w.cash_fen || ' fen, subsidy '"
     " || w.subsidy_fen || ' fen; ledger cash ' || coalesce(l.cash, 0) || ', subsidy '"
     " || coalesce(l.subsidy, 0)"
     " FROM wallets w JOIN diners di ON di.id = w.diner_id"
     " LEFT JOIN (SELECT diner_id,"
     "   sum(CASE WHEN wallet = 'cash' THEN amount_fen ELSE 0 END) AS cash,"
     "   sum(CASE WHEN wallet = 'subsidy' THEN amount_fen ELSE 0 END) AS subsidy"
     "   FROM ledger GROUP BY diner_id) l ON l.diner_id = w.diner_id"
     " WHERE w.cash_fen <> coalesce(l.cash, 0) OR w.subsidy_fen <> coalesce(l.subsidy, 0)"
     " ORDER BY di.staff_no"},
    {N_("ledger entries of a diner without a wallet"),
     "SELECT 'ledger entry ' || id || ' has no wallet' FROM ledger l"
     " WHERE NOT EXISTS (SELECT 1 FROM wallets w WHERE w.diner_id = l.diner_id) ORDER BY id"},
    {N_("wallet below its limit"),
     "SELECT 'diner ' || di.staff_no || ': cash ' || w.cash_fen || ' fen, subsidy '"
     " || w.subsidy_fen || ' fen, overdraft allowed ' || coalesce(r.overdraft_fen, 0)"
     " FROM wallets w JOIN diners di ON di.id = w.diner_id"
     " LEFT JOIN category_rules r ON r.category = di.category"
     /* an offline charge may take cash below its limit (over_limit): then
      * no card of the diner may be in use (core/ledger.c blocks the active
      * ones) until a top-up brings the wallet back */
     " WHERE w.subsidy_fen < 0 OR (w.cash_fen < -coalesce(r.overdraft_fen, 0)"
     "   AND NOT (EXISTS (SELECT 1 FROM sales s WHERE s.diner_id = w.diner_id"
     "       AND s.over_limit <> 0)"
     "     AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.diner_id = w.diner_id"
     "       AND c.status = 'active')))"
     " ORDER BY di.staff_no"},
    {N_("sale not matched by its ledger entries"),
     "SELECT 'sale ' || s.id || ': subsidy ' || s.subsidy_fen || ', cash ' || s.cash_fen"
     " || ' fen; ledger subsidy ' || coalesce(-l.subsidy, 0) || ', cash ' || coalesce(-l.cash, 0)"
     " FROM sales s LEFT JOIN (SELECT sale_id,"
     "   sum(CASE WHEN wallet = 'cash' THEN amount_fen ELSE 0 END) AS cash,"
     "   sum(CASE WHEN wallet = 'subsidy' THEN amount_fen ELSE 0 END) AS subsidy"
     "   FROM ledger WHERE kind = 'charge' GROUP BY sale_id) l ON l.sale_id = s.id"
     " WHERE s.subsidy_fen <> coalesce(-l.subsidy, 0) OR s.cash_fen <> coalesce(-l.cash, 0)"
     " ORDER BY s.id"},
    /* each wallet gets back what was taken from it: a total alone let a
     * void of a meal paid with subsidy put the money back as cash (review
     * N1: with the terminals' store login, subsidy that expires and is
     * never paid out became cash that is) */
    {N_("void not matched by its refunds"),
     "SELECT 'sale ' || s.id || ' (void ' || coalesce(v.id, 'none') || '): charged subsidy '"
     " || s.subsidy_fen || ', cash ' || s.cash_fen || ' fen; put back subsidy '"
     " || coalesce(r.subsidy, 0) || ', cash ' || coalesce(r.cash, 0)"
     " FROM sales s LEFT JOIN voids v ON v.sale_id = s.id"
     " LEFT JOIN (SELECT sale_id,"
     "   sum(CASE WHEN wallet = 'cash' THEN amount_fen ELSE 0 END) AS cash,"
     "   sum(CASE WHEN wallet = 'subsidy' THEN amount_fen ELSE 0 END) AS subsidy"
     "   FROM ledger WHERE kind = 'void' GROUP BY sale_id) r ON r.sale_id = s.id"
     " WHERE coalesce(r.cash, 0) <> CASE WHEN v.id IS NULL THEN 0 ELSE s.cash_fen END"
     " OR coalesce(r.subsidy, 0) <> CASE WHEN v.id IS NULL THEN 0 ELSE s.subsidy_fen END"
     " ORDER BY s.id"},
    /* a sale's money moves in its diner's wallets only: the sums by sale
     * above held while a sale's cash was taken from another diner's wallet
     * (review N1) */
    {N_("ledger entry in another diner's wallet than its sale's"),
     "SELECT 'ledger entry ' || l.id || ' (' || l.kind || ', sale ' || s.id || '): diner '"
     " || l.diner_id || ', the sale''s ' || s.diner_id"
     " FROM ledger l JOIN sales s ON s.id = l.sale_id"
     " WHERE l.kind IN ('charge', 'void') AND l.diner_id <> s.diner_id ORDER BY l.id"},
    /* a charge or a void belongs to its sale (the two checks above sum
     * them by sale: one without a sale was summed by none); each kind
     * moves money one way only */
    {N_("ledger entry without its sale or of the wrong sign"),
     "SELECT 'ledger entry ' || id || ' (' || kind || ', ' || amount_fen || ' fen'"
     " || CASE WHEN sale_id IS NULL THEN ', no sale' ELSE ', sale ' || sale_id END || ')'"
     " FROM ledger WHERE (kind IN ('charge', 'void') AND (sale_id IS NULL"
     "   OR NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = sale_id)))"
     " OR (kind = 'charge' AND amount_fen > 0) OR (kind = 'void' AND amount_fen < 0)"
     " OR (kind IN ('refund', 'subsidy_expire') AND amount_fen > 0)"
     " OR (kind = 'subsidy_grant' AND amount_fen < 0)"
     " ORDER BY id"},
    {N_("sale total differs from its lines"),
     "SELECT 'sale ' || s.id || ': total ' || s.total_fen || ' fen, lines ' || l.sum"
     " FROM sales s JOIN (SELECT sale_id, sum(amount_fen) AS sum FROM sale_lines"
     "   GROUP BY sale_id) l ON l.sale_id = s.id WHERE s.total_fen <> l.sum ORDER BY s.id"},
    {N_("answered request without its sale"),
     "SELECT 'request ' || request_id || ' answered ok without a sale' FROM charge_requests"
     " WHERE result = 'ok' AND (sale_id IS NULL"
     "   OR NOT EXISTS (SELECT 1 FROM sales s WHERE s.id = sale_id)) ORDER BY request_id"},
};

/* The triggers that make the event tables append-only: someone who dropped
 * one could edit rows, which the audit chain then shows, but a missing guard
 * is a problem in itself. */
static cp_err check_guards(db *d, FILE *report, long *problems)
{
    static const char *const events[] = {"UPDATE", "DELETE"};

    for (int t = 0; schema_append_only[t]; t++) {
        for (int e = 0; e < 2; e++) {
            int yes;
            cp_err err = db_has_guard(d, schema_append_only[t], events[e], &yes);
            if (err)
                return err;
            if (yes)
                continue;
            fprintf(report, _("BROKEN: guards: nothing refuses %s on %s (its trigger was "
                      "dropped): its rows could have been changed\n"), events[e],
                    schema_append_only[t]);
            (*problems)++;
        }
    }
    return CP_OK;
}

/* The diners of each month from ?1 to ?2 (business dates) that diner_month
 * and the sales disagree on. The rankings count a department's diners from
 * diner_month (its triggers keep it), and a group of fewer than five is
 * not ranked: a row taken out moved a department off the black list. */
static const char diner_month_sql[] =
    "SELECT 'month ' || m.month || ', canteen ' || m.canteen_id || ', department '"
    " || m.department_id || ', diner ' || m.diner_id || ': listed without a sale'"
    " FROM diner_month m WHERE m.month BETWEEN substr(?1, 1, 7) AND substr(?2, 1, 7)"
    " AND NOT EXISTS (SELECT 1 FROM sales s"
    "   WHERE s.diner_id = m.diner_id AND s.canteen_id = m.canteen_id"
    "   AND s.department_id = m.department_id"
    "   AND s.business_date BETWEEN m.month || '-01' AND m.month || '-31'"
    "   AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id))"
    " UNION ALL"
    " SELECT DISTINCT 'month ' || substr(s.business_date, 1, 7) || ', canteen '"
    " || s.canteen_id || ', department ' || s.department_id || ', diner ' || s.diner_id"
    " || ': a sale, not listed' FROM sales s WHERE s.business_date BETWEEN ?1 AND ?2"
    " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
    " AND NOT EXISTS (SELECT 1 FROM diner_month m WHERE m.month = substr(s.business_date, 1, 7)"
    "   AND m.canteen_id = s.canteen_id AND m.department_id = s.department_id"
    "   AND m.diner_id = s.diner_id)"
    " ORDER BY 1";

/* Runs st (prepared and bound), whose every row is a problem of the kind
 * what (untranslated) described by its column 0: the first 20 are written
 * to report, and counted in *problems. */
static cp_err report_rows(db *d, db_stmt *st, const char *what, FILE *report, long *problems)
{
    long found = 0;
    int rc;

    while ((rc = db_step(st)) == DB_ROW)
        if (found++ < 20)
            fprintf(report, _("BROKEN: %s: %s\n"), _(what), db_col_text(st, 0));
    db_reset(st);
    if (rc != DB_DONE)
        return db_fail(d, what);
    if (found > 20)
        fprintf(report, _("BROKEN: %s: %ld more not shown\n"), _(what), found - 20);
    *problems += found;
    return CP_OK;
}

/* The diners of each month from ?1 to ?2 that tray_diner_month and the
 * weighings disagree on (WASTE_DINER_TRAY): a department is ranked only with
 * the trays of five diners, counted from the table its trigger keeps. */
static const char tray_diner_month_sql[] =
    "SELECT 'month ' || m.month || ', canteen ' || m.canteen_id || ', department '"
    " || m.department_id || ', diner ' || m.diner_id || ': listed without a tray'"
    " FROM tray_diner_month m WHERE m.month BETWEEN substr(?1, 1, 7) AND substr(?2, 1, 7)"
    " AND NOT EXISTS (SELECT 1 FROM waste_records w"
    "   WHERE w.department_id = m.department_id"
    "   AND w.business_date BETWEEN m.month || '-01' AND m.month || '-31'"
    "   AND w.diner_id = m.diner_id AND w.canteen_id = m.canteen_id"
    "   AND " WASTE_DINER_TRAY("w") ")"
    " UNION ALL"
    " SELECT DISTINCT 'month ' || substr(w.business_date, 1, 7) || ', canteen '"
    " || w.canteen_id || ', department ' || w.department_id || ', diner ' || w.diner_id"
    " || ': a tray, not listed' FROM waste_records w WHERE w.business_date BETWEEN ?1 AND ?2"
    " AND " WASTE_DINER_TRAY("w")
    " AND NOT EXISTS (SELECT 1 FROM tray_diner_month m"
    "   WHERE m.month = substr(w.business_date, 1, 7) AND m.canteen_id = w.canteen_id"
    "   AND m.department_id = w.department_id AND m.diner_id = w.diner_id)"
    " ORDER BY 1";

/* Reports what diner_month_sql and tray_diner_month_sql find from from to to. */
static cp_err check_diner_month(db *d, const char *from, const char *to, FILE *report,
                                long *problems)
{
    db_stmt *st = db_prepare(d, diner_month_sql);
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    if ((err = report_rows(d, st, N_("diners of a month differ from the sales"), report,
                           problems)))
        return err;
    if (!(st = db_prepare(d, tray_diner_month_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    return report_rows(d, st, N_("diners of a month's trays differ from the weighings"), report,
                       problems);
}

/* How many rows of day's rollups (rollup_day, rollup_sales) differ from
 * the sums of its records: rows of either not in the other. */
static const char rollup_diff_sql[] =
    "WITH r AS (" ROLLUP_DAY_SUMS_SQL "),"
    " s AS (SELECT canteen_id, department_id, period_id, meals, trays, plate_g, clean_trays,"
    "   flagged FROM rollup_day WHERE business_date = ?1),"
    " rs AS (" ROLLUP_SALES_SUMS_SQL("?1", "?1") "),"
    " ss AS (SELECT canteen_id, period_id, category, meals, total_fen, subsidy_fen, cash_fen"
    "   FROM rollup_sales WHERE business_date = ?1)"
    " SELECT (SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM s) a)"
    " + (SELECT count(*) FROM (SELECT * FROM s EXCEPT SELECT * FROM r) b)"
    " + (SELECT count(*) FROM (SELECT * FROM rs EXCEPT SELECT * FROM ss) c)"
    " + (SELECT count(*) FROM (SELECT * FROM ss EXCEPT SELECT * FROM rs) e)";

/* Sums each rolled-up day again from its sales and trays and compares:
 * the monthly metrics, the rankings and the cost reports read a closed
 * day's rollup, not its records, so a row changed or taken out there moved
 * a department on the red or black list with every table agreeing. A day
 * whose rollup is under way (a negative mark) is left. */
static cp_err check_rollups(db *d, const char *from, const char *to, FILE *report,
                            long *problems)
{
    db_stmt *days = db_prepare(d, "SELECT business_date FROM rollup_days"
                                  " WHERE threshold_g = ?1 AND business_date BETWEEN ?2 AND ?3"
                                  " ORDER BY business_date");
    cp_err err = CP_OK;
    long shown = 0;
    int rc;

    if (!days)
        return CP_ERR_DB;
    db_bind_int(days, 1, ROLLUP_THRESHOLD_G);
    db_bind_text(days, 2, from);
    db_bind_text(days, 3, to);
    while (!err && (rc = db_step(days)) == DB_ROW) {
        char day[CP_DATE_LEN];
        db_stmt *st = db_prepare(d, rollup_diff_sql);
        int64_t differ = 0;
        db_copy_col(day, sizeof day, days, 0);
        if (!st) {
            err = CP_ERR_DB;
            break;
        }
        db_bind_text(st, 1, day);
        db_bind_int(st, 2, ROLLUP_THRESHOLD_G);
        db_bind_int(st, 3, WASTE_FLAGS_LEFT_OUT);
        if ((err = db_step_int64(d, st, &differ)))
            break;
        if (differ > 0 && shown++ < 20)
            fprintf(report, _("BROKEN: a day's rollup differs from its records: %s: %lld rows "
                              "(the rankings read it; `cleanplate-office rollup --month %.7s "
                              "--redo` sums it again)\n"), day, (long long)differ, day);
        *problems += differ > 0;
    }
    db_reset(days);
    if (!err && rc == DB_ERROR)
        err = db_fail(d, "reading the rolled-up days");
    return err;
}

cp_err verify_derived(db *d, const char *from, const char *to, FILE *report, long *problems)
{
    cp_err err = check_diner_month(d, from, to, report, problems);

    return err ? err : check_rollups(d, from, to, report, problems);
}

/* Checks that head is 64 hex digits. */
static cp_err check_head_form(const char *head)
{
    size_t n = strlen(head);
    if (n != HASH_HEX_LEN - 1 || strspn(head, "0123456789abcdef") != n)
        return cp_fail(CP_ERR_INVALID, "--head '%s': give the 64 hex digits printed on a Z "
                       "report or a publication (lowercase)", head);
    return CP_OK;
}

/* verify_books' checks, inside its read transaction. */
static cp_err run_checks(db *d, const char *head, audit_progress_fn *progress, void *arg,
                         FILE *report, long *problems)
{
    long audited = 0;
    cp_err err;

    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        db_stmt *st = db_prepare(d, checks[i].sql);
        if (!st)
            return CP_ERR_DB;
        if ((err = report_rows(d, st, checks[i].what, report, problems)))
            return err;
    }
    if ((err = verify_derived(d, "0000-01-01", "9999-12-31", report, problems)) ||
        (err = check_guards(d, report, problems)) || (err = roles_verify(d, report, problems)) ||
        (err = audit_verify(d, head, progress, arg, report, problems, &audited)))
        return err;
    fprintf(report, P_("verify: %zu ledger checks and %ld audit entries checked%s%s, %ld problem\n",
                       "verify: %zu ledger checks and %ld audit entries checked%s%s, %ld "
                       "problems\n", (unsigned long)*problems),
            sizeof checks / sizeof checks[0], audited, head ? _(", head ") : "", head ? head : "",
            *problems);
    return CP_OK;
}

cp_err verify_books(db *d, const char *head, FILE *report, long *problems)
{
    return verify_books_progress(d, head, NULL, NULL, report, problems);
}

cp_err verify_books_progress(db *d, const char *head, audit_progress_fn *progress, void *arg,
                             FILE *report, long *problems)
{
    cp_err err;

    *problems = 0;
    if (head && (err = check_head_form(head)))
        return err;
    /* one snapshot for every check: a charge committed while verify runs
     * would otherwise be in the tables the coverage counts and not in the
     * audit log it walked first (a false "rows were added without an
     * event") */
    if ((err = db_begin_read(d)))
        return err;
    err = run_checks(d, head, progress, arg, report, problems);
    db_rollback(d);
    return err;
}
