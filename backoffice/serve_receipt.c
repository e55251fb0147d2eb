/* serve_receipt: GET /v1/receipt, the data a terminal of the server prints a receipt again from: a sale's, a void's or a shift close's (doc/protocol.md).
 *
 * A terminal on the server keeps no store, so a copy of a receipt is built
 * at the terminal from what the store holds, read here: the same facts the
 * store's own terminals read in pos/printq.c. Every answer is limited to
 * the signing terminal's canteen: a terminal reads no other canteen's
 * diners. The balances printed are those right after the sale or the void,
 * so that a copy prints what the original did. */
#include <stdio.h>
#include <string.h>

#include "backoffice/serve_int.h"
#include "core/jsonl.h"
#include "core/utf8.h"
#include "pos/shift.h"
#include "pos/ui_data.h"

/* The sale's lines, in order. */
static cp_err receipt_lines(db *d, const char *sale, json_t *lines)
{
    static const char sql[] =
        "SELECT item_code, name, quantity, amount_fen FROM sale_lines WHERE sale_id = ?1"
        " ORDER BY line_no";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, sale);
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(lines, json_pack("{s:o, s:o, s:I, s:I}",
                                               "item", jsonl_str(db_col_text(st, 0)),
                                               "name", jsonl_str(db_col_text(st, 1)),
                                               "quantity", (json_int_t)db_col_int64(st, 2),
                                               "amount_fen", (json_int_t)db_col_int64(st, 3)));
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "reading the sale's lines") : CP_OK;
}

/* Adds the diner's balances as they were at time at to o. */
static cp_err add_balances(db *d, json_t *o, int64_t diner, const char *at)
{
    int64_t cash = 0, subsidy = 0;
    cp_err err = ui_data_balances_at(d, diner, at, &cash, &subsidy);

    if (err)
        return err;
    json_object_set_new(o, "cash_left_fen", json_integer((json_int_t)cash));
    json_object_set_new(o, "subsidy_left_fen", json_integer((json_int_t)subsidy));
    return CP_OK;
}

/* The data of sale (of canteen_id) into *out, with its lines and the
 * balances right after it; CP_ERR_NOT_FOUND when there is no such sale. */
static cp_err sale_object(db *d, const char *sale, int64_t canteen_id, json_t **out)
{
    static const char sql[] =
        "SELECT s.id, s.terminal, coalesce(di.staff_no, ''), coalesce(di.name, ''),"
        " coalesce(de.name, ''), coalesce(p.name, ''), s.total_fen, s.subsidy_fen, s.cash_fen,"
        " s.business_date, s.created_at, s.actor,"
        " (SELECT count(*) FROM voids v WHERE v.sale_id = s.id), coalesce(s.card_no, ''),"
        " s.diner_id"
        " FROM sales s LEFT JOIN diners di ON di.id = s.diner_id"
        " LEFT JOIN departments de ON de.id = s.department_id"
        " LEFT JOIN meal_periods p ON p.id = s.period_id"
        " WHERE s.id = ?1 AND s.canteen_id = ?2";
    char at[CP_TIME_ISO_LEN] = "";
    json_t *o = NULL, *lines = json_array();
    int64_t diner = 0;
    db_stmt *st;
    cp_err err = CP_OK;
    int rc;

    *out = NULL;
    if (!lines)
        return cp_fail(CP_ERR_NOMEM, "out of memory for a receipt");
    if (!(st = db_prepare(d, sql))) {
        json_decref(lines);
        return CP_ERR_DB;
    }
    db_bind_text(st, 1, sale);
    db_bind_int64(st, 2, canteen_id);
    if ((rc = db_step(st)) == DB_ROW) {
        o = json_pack(
            "{s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:b}",
            "ok", 1, "kind", "sale", "sale_id", jsonl_str(db_col_text(st, 0)),
            "terminal", jsonl_str(db_col_text(st, 1)), "card", jsonl_str(db_col_text(st, 13)),
            "staff_no", jsonl_str(db_col_text(st, 2)), "name", jsonl_str(db_col_text(st, 3)),
            "department", jsonl_str(db_col_text(st, 4)), "period",
            jsonl_str(db_col_text(st, 5)), "charged_fen", (json_int_t)db_col_int64(st, 6),
            "subsidy_fen", (json_int_t)db_col_int64(st, 7), "cash_fen",
            (json_int_t)db_col_int64(st, 8), "business_date", jsonl_str(db_col_text(st, 9)),
            "created_at", jsonl_str(db_col_text(st, 10)), "cashier",
            jsonl_str(db_col_text(st, 11)), "voided", db_col_int64(st, 12) > 0);
        diner = db_col_int64(st, 14);
        utf8_copy(at, sizeof at, db_col_text(st, 10));
    }
    db_reset(st);
    if (rc == DB_DONE)
        err = cp_fail(CP_ERR_NOT_FOUND, "no sale %s at this canteen", sale);
    else if (rc != DB_ROW)
        err = db_fail(d, "reading the sale for its receipt");
    else if (!o)
        err = cp_fail(CP_ERR_NOMEM, "out of memory for a receipt");
    else if (!(err = receipt_lines(d, sale, lines)) && !(err = add_balances(d, o, diner, at)))
        json_object_set(o, "lines", lines);
    json_decref(lines);
    if (err)
        json_decref(o);
    else
        *out = o;
    return err;
}

/* The data of void void_id (of a sale of canteen_id): who voided it, why,
 * the sale's own data, and the balances right after the void. */
static cp_err void_object(db *d, const char *void_id, int64_t canteen_id, json_t **out)
{
    static const char sql[] =
        "SELECT v.sale_id, coalesce(v.terminal, ''), v.actor, coalesce(v.reason, ''),"
        " v.created_at, s.diner_id FROM voids v JOIN sales s ON s.id = v.sale_id"
        " WHERE v.id = ?1 AND s.canteen_id = ?2";
    char sale[128] = "", at[CP_TIME_ISO_LEN] = "";
    json_t *o = NULL, *sale_data = NULL;
    int64_t diner = 0;
    db_stmt *st;
    cp_err err = CP_OK;
    int rc;

    *out = NULL;
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, void_id);
    db_bind_int64(st, 2, canteen_id);
    if ((rc = db_step(st)) == DB_ROW) {
        o = json_pack("{s:b, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "ok", 1, "kind", "void",
                      "void_id", void_id, "sale_id", jsonl_str(db_col_text(st, 0)),
                      "terminal", jsonl_str(db_col_text(st, 1)),
                      "manager", jsonl_str(db_col_text(st, 2)),
                      "reason", jsonl_str(db_col_text(st, 3)),
                      "created_at", jsonl_str(db_col_text(st, 4)));
        utf8_copy(sale, sizeof sale, db_col_text(st, 0));
        utf8_copy(at, sizeof at, db_col_text(st, 4));
        diner = db_col_int64(st, 5);
    }
    db_reset(st);
    if (rc == DB_DONE)
        err = cp_fail(CP_ERR_NOT_FOUND, "no void %s at this canteen", void_id);
    else if (rc != DB_ROW)
        err = db_fail(d, "reading the void for its receipt");
    else if (!o)
        err = cp_fail(CP_ERR_NOMEM, "out of memory for a receipt");
    else if (!(err = sale_object(d, sale, canteen_id, &sale_data)) &&
             !(err = add_balances(d, o, diner, at)))
        json_object_set_new(o, "sale", sale_data);
    else
        json_decref(sale_data);
    if (err)
        json_decref(o);
    else
        *out = o;
    return err;
}

/* The Z report stored with shift close close_id of a terminal of canteen_id. */
static cp_err shift_object(db *d, const char *close_id, int64_t canteen_id, json_t **out)
{
    static const char sql[] =
        "SELECT e.terminal FROM shift_events e JOIN terminals t ON t.code = e.terminal"
        " WHERE e.id = ?1 AND e.kind = 'close' AND t.canteen_id = ?2";
    char terminal[64] = "", *text = NULL;
    shift_report z;
    json_t *report;
    db_stmt *st;
    cp_err err;
    int rc;

    *out = NULL;
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, close_id);
    db_bind_int64(st, 2, canteen_id);
    if ((rc = db_step(st)) == DB_ROW)
        utf8_copy(terminal, sizeof terminal, db_col_text(st, 0));
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no shift close %s at this canteen", close_id);
    if (rc != DB_ROW)
        return db_fail(d, "reading the shift close for its report");
    if ((err = shift_load(d, close_id, &z)))
        return err;
    if (!(text = shift_report_json(&z)) || !(report = json_loads(text, 0, NULL)) ||
        !(*out = json_pack("{s:b, s:s, s:s, s:s, s:o}", "ok", 1, "kind", "shift", "close_id",
                           close_id, "terminal", terminal, "report", report)))
        err = cp_fail(CP_ERR_NOMEM, "out of memory for the Z report");
    free(text);
    shift_report_free(&z);
    return err;
}

/* The kind of id at canteen_id: "sale", "void", "shift" (a close), or NULL
 * when it is none of them (cp_detail says so) or the store failed (*err). */
static const char *id_kind(db *d, const char *id, int64_t canteen_id, cp_err *err)
{
    static const char sql[] =
        "SELECT 1 FROM sales WHERE id = ?1 AND canteen_id = ?2"
        " UNION ALL SELECT 2 FROM voids v JOIN sales s ON s.id = v.sale_id"
        "  WHERE v.id = ?1 AND s.canteen_id = ?2"
        " UNION ALL SELECT 3 FROM shift_events e JOIN terminals t ON t.code = e.terminal"
        "  WHERE e.id = ?1 AND e.kind = 'close' AND t.canteen_id = ?2";
    static const char *const kinds[] = {NULL, "sale", "void", "shift"};
    db_stmt *st = db_prepare(d, sql);
    int64_t k = 0;

    if (!st) {
        *err = CP_ERR_DB;
        return NULL;
    }
    db_bind_text(st, 1, id);
    db_bind_int64(st, 2, canteen_id);
    *err = db_step_int64(d, st, &k);
    if (*err == CP_ERR_NOT_FOUND)
        cp_fail(*err, "no sale, void or shift close %s at this canteen", id);
    return *err || k < 1 || k > 3 ? NULL : kinds[k];
}

void serve_receipt(const serve_req *r, serve_answer *a)
{
    static const char *const keys[] = {"sale", "void", "shift", "id"};
    char id[128] = "";
    const char *kind = NULL;
    cp_err err = CP_OK;

    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !kind; i++)
        if (serve_query_value(r->query, keys[i], id, sizeof id) && *id)
            kind = keys[i];
    if (!kind) {
        serve_error(a, 400, "bad_json", "give what to print again: /v1/receipt?sale=ID, "
                    "?void=ID, ?shift=CLOSE_ID or ?id=ANY_OF_THEM");
        return;
    }
    if (strcmp(kind, "id") == 0 && !(kind = id_kind(r->d, id, r->info->canteen_id, &err)) &&
        !err)
        err = CP_ERR_NOT_FOUND;
    if (!err && strcmp(kind, "sale") == 0)
        err = sale_object(r->d, id, r->info->canteen_id, &a->body);
    else if (!err && strcmp(kind, "void") == 0)
        err = void_object(r->d, id, r->info->canteen_id, &a->body);
    else if (!err)
        err = shift_object(r->d, id, r->info->canteen_id, &a->body);
    if (err == CP_ERR_NOT_FOUND)
        serve_error(a, 404, "not_found", "%s (canteen %s)", cp_detail(), r->info->canteen);
    else if (err == CP_ERR_NOMEM)
        serve_error(a, 500, "nomem", "%s", cp_detail());
    else if (err)
        serve_error(a, 503, "busy", "%s", cp_detail());
}
