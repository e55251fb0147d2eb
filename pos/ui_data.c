/* ui_data: what the cashier's screen reads from the store: canteen, meal period, prices, items, sales. */
#include "pos/ui_data.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/money.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/utf8.h"

cp_err ui_data_terminal(db *d, const char *terminal, int64_t *canteen_id, char name[128])
{
    static const char sql[] =
        "SELECT c.id, c.name, t.kind FROM terminals t JOIN canteens c ON c.id = t.canteen_id"
        " WHERE t.code = ?";
    db_stmt *st = db_prepare(d, sql);
    char kind[16] = "";
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *canteen_id = db_col_int64(st, 0);
        db_copy_col(name, 128, st, 1);
        db_copy_col(kind, sizeof kind, st, 2);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no terminal '%s': add it with `cleanplate-office "
                       "terminal add %s --canteen CODE --kind pos`", terminal, terminal);
    if (rc != DB_ROW)
        return db_fail(d, "reading the terminal");
    if (strcmp(kind, "pos") != 0)
        return cp_fail(CP_ERR_INVALID, "terminal '%s' is a waste station, not a POS", terminal);
    return CP_OK;
}

cp_err ui_data_period(db *d, int64_t canteen_id, int minute, ui_period *out)
{
    static const char period_sql[] =
        "SELECT id, name, start_min, end_min, start_min <= ?2 FROM meal_periods"
        " WHERE canteen_id = ?1 AND end_min > ?2 ORDER BY start_min LIMIT 1";
    static const char prices_sql[] =
        "SELECT category, price_fen FROM prices WHERE period_id = ? ORDER BY price_fen, category";
    db_stmt *st = db_prepare(d, period_sql);
    int64_t period_id = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    db_bind_int(st, 2, minute);
    rc = db_step(st);
    if (rc == DB_ROW) {
        period_id = db_col_int64(st, 0);
        db_copy_col(out->name, sizeof out->name, st, 1);
        out->start_min = db_col_int(st, 2);
        out->end_min = db_col_int(st, 3);
        out->open = db_col_int(st, 4);
    }
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_fail(d, "reading meal periods");
    if (!period_id)
        return CP_OK;
    if (!(st = db_prepare(d, prices_sql)))
        return CP_ERR_DB;
    db_bind_int64(st, 1, period_id);
    while ((rc = db_step(st)) == DB_ROW && out->n_prices < UI_DATA_MAX_PRICES) {
        ui_price *p = &out->prices[out->n_prices++];
        db_copy_col(p->category, sizeof p->category, st, 0);
        p->fen = db_col_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading prices");
}

cp_err ui_data_item(db *d, int64_t canteen_id, const char *code, char name[128],
                    int64_t *price_fen, int *per_100g)
{
    static const char sql[] =
        "SELECT name, price_fen, unit FROM items WHERE canteen_id = ? AND code = ?";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    db_bind_text(st, 2, code);
    rc = db_step(st);
    if (rc == DB_ROW) {
        db_copy_col(name, 128, st, 0);
        *price_fen = db_col_int64(st, 1);
        *per_100g = strcmp(db_col_text(st, 2), "100g") == 0;
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no item '%s' here: check the code on the price list",
                       code);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading items");
}

cp_err ui_data_last_sale(db *d, const char *terminal, char id[IDS_LEN])
{
    /* the highest number: longer ids are later ones */
    static const char sql[] =
        "SELECT id FROM sales WHERE id >= ?1 || '-' AND id < ?1 || '.' AND terminal = ?1"
        " ORDER BY length(id) DESC, id DESC LIMIT 1";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    rc = db_step(st);
    if (rc == DB_ROW)
        db_copy_col(id, IDS_LEN, st, 0);
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no sale on %s yet", terminal);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading the last sale");
}

void ui_data_brief(char *text, size_t size, const char *name, const char *staff_no,
                   const char *what, int64_t fen, const char *hhmm, int voided)
{
    char money[MONEY_STR_LEN];

    utf8_format(text, size, _("%s %s, %s %s yuan at %s%s"), name, staff_no, what,
                money_format(fen, money), hhmm, voided ? _(" (already void)") : "");
}

cp_err ui_data_sale_brief(db *d, const char *sale_id, char *text, size_t size)
{
    static const char sql[] =
        "SELECT di.name, di.staff_no, coalesce(p.name, s.kind), s.total_fen, substr(s.created_at, 12, 5),"
        " EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
        " FROM sales s JOIN diners di ON di.id = s.diner_id"
        " LEFT JOIN meal_periods p ON p.id = s.period_id WHERE s.id = ?";
    db_stmt *st = db_prepare(d, sql);
    char what[NAMES_SIZE];
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, sale_id);
    rc = db_step(st);
    if (rc == DB_ROW) { /* a long name is cut on a character, never inside one */
        /* the meal period as people read it, or the a-la-carte kind "items" */
        if (strcmp(db_col_text(st, 2), "items") == 0)
            utf8_copy(what, sizeof what, names_builtin(NAMES_CATEGORY, "items"));
        else
            names_show(d, NAMES_PERIOD, db_col_text(st, 2), what);
        ui_data_brief(text, size, db_col_text(st, 0), db_col_text(st, 1), what,
                      db_col_int64(st, 3), db_col_text(st, 4), db_col_int(st, 5));
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no sale '%s'", sale_id);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading the sale");
}


cp_err ui_data_balances_at(db *d, int64_t diner_id, const char *at, int64_t *cash,
                           int64_t *subsidy)
{
    static const char sql[] =
        "SELECT coalesce(sum(amount_fen) FILTER (WHERE wallet = 'cash'), 0),"
        " coalesce(sum(amount_fen) FILTER (WHERE wallet = 'subsidy'), 0)"
        " FROM ledger WHERE diner_id = ? AND created_at <= ?";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, diner_id);
    db_bind_text(st, 2, at);
    if ((rc = db_step(st)) == DB_ROW) {
        *cash = db_col_int64(st, 0);
        *subsidy = db_col_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading balances for the receipt");
}
