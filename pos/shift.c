/* shift: a cashier's shift on a terminal: open with a cash count, close with a Z report. */
#include "pos/shift.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/jsonl.h"
#include "core/money.h"
#include "core/utf8.h"

/* The sales (or voids) of terminal ?1 numbered after ?2 and before ?3: the
 * id range keeps the scan to the terminal's own rows (primary key order),
 * the numeric test is exact however wide the numbers grow. BIGINT, not
 * INTEGER: the same 64 bits on SQLite, where ?3 may be INT64_MAX, and on
 * PostgreSQL, whose INTEGER is 32 bits. */
#define SEQ_OF(col) "CAST(substr(" col ", length(?1) + 2) AS BIGINT)"
#define IN_SHIFT(col)                                                                       \
    col " >= ?1 || '-' AND " col " < ?1 || '.' AND " SEQ_OF(col) " > ?2 AND " SEQ_OF(col) \
        " < ?3"

long long shift_seq(const char *terminal, const char *id)
{
    size_t n = strlen(terminal);
    char *end;
    long long v;

    if (strncmp(id, terminal, n) != 0 || id[n] != '-' || id[n + 1] < '0' || id[n + 1] > '9')
        return -1;
    v = strtoll(id + n + 1, &end, 10);
    return *end ? -1 : v;
}

cp_err shift_current(db *d, const char *terminal, shift_info *out, int *is_open)
{
    static const char sql[] =
        "SELECT o.id, o.cashier, o.created_at, o.counted_cash_fen FROM shift_events o"
        " WHERE o.terminal = ? AND o.kind = 'open' AND NOT EXISTS"
        " (SELECT 1 FROM shift_events c WHERE c.opens = o.id AND c.kind = 'close')"
        " ORDER BY length(o.id) DESC, o.id DESC LIMIT 1";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    *is_open = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *is_open = 1;
        if (out) {
            db_copy_col(out->id, sizeof out->id, st, 0);
            db_copy_col(out->cashier, sizeof out->cashier, st, 1);
            db_copy_col(out->opened, sizeof out->opened, st, 2);
            out->counted_cash_fen = db_col_int64(st, 3);
        }
    }
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_fail(d, "reading the open shift");
    return CP_OK;
}

cp_err shift_open(db *d, const char *terminal, const char *cashier, int64_t counted_cash_fen,
                  shift_info *out)
{
    static const char sql[] =
        "INSERT INTO shift_events(id, terminal, kind, cashier, counted_cash_fen, created_at)"
        " VALUES (?, ?, 'open', ?, ?, ?)";
    char money[MONEY_STR_LEN];
    shift_info s = {0};
    db_stmt *st;
    int is_open;
    cp_err err;

    if (counted_cash_fen < 0)
        return cp_fail(CP_ERR_INVALID, "the cash count cannot be negative");
    if ((err = clock_now_iso(s.opened)) || (err = db_begin(d)))
        return err;
    if ((err = shift_current(d, terminal, &s, &is_open)))
        goto fail;
    if (is_open) {
        err = cp_fail(CP_ERR_EXISTS, "shift %s (opened by %s at %s) is still open: close it "
                      "first", s.id, s.cashier, s.opened);
        goto fail;
    }
    if ((err = clock_now_iso(s.opened)) || (err = ids_next(d, terminal, s.id)))
        goto fail;
    utf8_copy(s.cashier, sizeof s.cashier, cashier);
    s.counted_cash_fen = counted_cash_fen;
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, s.id);
    db_bind_text(st, 2, terminal);
    db_bind_text(st, 3, cashier);
    db_bind_int64(st, 4, counted_cash_fen);
    db_bind_text(st, 5, s.opened);
    if ((err = db_step_done(d, st, "opening the shift")))
        goto fail;
    if ((err = audit_event(d, cashier, terminal, "shift.open", s.id,
                           money_format(counted_cash_fen, money), NULL)))
        goto fail;
    if ((err = db_commit(d)))
        return err;
    if (out)
        *out = s;
    return CP_OK;
fail:
    db_rollback(d);
    return err;
}

/* Fills r's counts with the terminal's sales and voids numbered in (lo, hi). */
static cp_err count_range(db *d, const char *terminal, long long lo, long long hi,
                          shift_report *r)
{
    static const char rows_sql[] =
        "SELECT coalesce(p.name, ''), CASE s.kind WHEN 'items' THEN 'items' ELSE s.category END,"
        " count(*), sum(s.total_fen), min(coalesce(p.start_min, 9999)) AS start"
        " FROM sales s LEFT JOIN meal_periods p ON p.id = s.period_id"
        " WHERE s.terminal = ?1 AND " IN_SHIFT("s.id")
        " GROUP BY 1, 2 ORDER BY start, 1, 2";
    static const char sales_sql[] =
        "SELECT count(*), coalesce(sum(s.total_fen), 0), coalesce(sum(s.subsidy_fen), 0),"
        " coalesce(sum(s.cash_fen), 0) FROM sales s WHERE s.terminal = ?1 AND " IN_SHIFT("s.id");
    static const char voids_sql[] =
        "SELECT count(*), coalesce(sum(s.total_fen), 0), coalesce(sum(s.subsidy_fen), 0),"
        " coalesce(sum(s.cash_fen), 0) FROM voids v JOIN sales s ON s.id = v.sale_id"
        " WHERE v.terminal = ?1 AND " IN_SHIFT("v.id");
    int64_t v_sub = 0, v_cash = 0;
    db_stmt *st;
    size_t cap = 0;
    int rc;

    if (!(st = db_prepare(d, rows_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    db_bind_int64(st, 2, lo);
    db_bind_int64(st, 3, hi);
    while ((rc = db_step(st)) == DB_ROW) {
        shift_row *row;
        if (r->n_rows == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            shift_row *grown = realloc(r->rows, ncap * sizeof *grown);
            if (!grown) {
                db_reset(st);
                return cp_fail(CP_ERR_NOMEM, "out of memory for the Z report");
            }
            r->rows = grown;
            cap = ncap;
        }
        row = &r->rows[r->n_rows++];
        db_copy_col(row->period, sizeof row->period, st, 0);
        db_copy_col(row->category, sizeof row->category, st, 1);
        row->count = db_col_int64(st, 2);
        row->amount_fen = db_col_int64(st, 3);
    }
    db_reset(st);
    if (rc != DB_DONE)
        return db_fail(d, "counting the shift's sales");

    if (!(st = db_prepare(d, sales_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    db_bind_int64(st, 2, lo);
    db_bind_int64(st, 3, hi);
    if ((rc = db_step(st)) == DB_ROW) {
        r->sale_count = db_col_int64(st, 0);
        r->sale_fen = db_col_int64(st, 1);
        r->subsidy_fen = db_col_int64(st, 2);
        r->cash_fen = db_col_int64(st, 3);
    }
    db_reset(st);
    if (rc != DB_ROW)
        return db_fail(d, "adding up the shift's sales");

    if (!(st = db_prepare(d, voids_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    db_bind_int64(st, 2, lo);
    db_bind_int64(st, 3, hi);
    if ((rc = db_step(st)) == DB_ROW) {
        r->void_count = db_col_int64(st, 0);
        r->void_fen = db_col_int64(st, 1);
        v_sub = db_col_int64(st, 2);
        v_cash = db_col_int64(st, 3);
    }
    db_reset(st);
    if (rc != DB_ROW)
        return db_fail(d, "adding up the shift's voids");
    r->subsidy_fen -= v_sub;
    r->cash_fen -= v_cash;
    r->net_fen = r->sale_fen - r->void_fen;
    return CP_OK;
}

cp_err shift_peek(db *d, const char *terminal, shift_report *out)
{
    int is_open;
    cp_err err;

    memset(out, 0, sizeof *out);
    if ((err = shift_current(d, terminal, &out->open, &is_open)))
        return err;
    if (!is_open)
        return cp_fail(CP_ERR_NOT_FOUND, "no shift is open on %s", terminal);
    err = count_range(d, terminal, shift_seq(terminal, out->open.id), LLONG_MAX, out);
    if (err)
        shift_report_free(out);
    return err;
}

cp_err shift_close(db *d, const char *terminal, const char *cashier, int64_t counted_cash_fen,
                   shift_report *out)
{
    static const char sql[] =
        "INSERT INTO shift_events(id, terminal, kind, opens, cashier, counted_cash_fen, report,"
        " created_at) VALUES (?, ?, 'close', ?, ?, ?, ?, ?)";
    char *json = NULL, money[MONEY_STR_LEN];
    db_stmt *st;
    int is_open;
    cp_err err;

    memset(out, 0, sizeof *out);
    if (counted_cash_fen < 0)
        return cp_fail(CP_ERR_INVALID, "the cash count cannot be negative");
    if ((err = db_begin(d)))
        return err;
    if ((err = shift_current(d, terminal, &out->open, &is_open)))
        goto fail;
    if (!is_open) {
        err = cp_fail(CP_ERR_NOT_FOUND, "no shift is open on %s: open one first", terminal);
        goto fail;
    }
    /* Numbering the close inside the transaction fixes the end of the range:
     * a sale committed by another process is either before it or after it. */
    if ((err = ids_next(d, terminal, out->close_id)) || (err = clock_now_iso(out->closed)))
        goto fail;
    utf8_copy(out->closed_by, sizeof out->closed_by, cashier);
    out->closing_cash_fen = counted_cash_fen;
    if ((err = count_range(d, terminal, shift_seq(terminal, out->open.id),
                           shift_seq(terminal, out->close_id), out)))
        goto fail;
    if (!(json = shift_report_json(out))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing the Z report");
        goto fail;
    }
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, out->close_id);
    db_bind_text(st, 2, terminal);
    db_bind_text(st, 3, out->open.id);
    db_bind_text(st, 4, cashier);
    db_bind_int64(st, 5, counted_cash_fen);
    db_bind_text(st, 6, json);
    db_bind_text(st, 7, out->closed);
    if ((err = db_step_done(d, st, "closing the shift")))
        goto fail;
    if ((err = audit_event(d, cashier, terminal, "shift.close", out->close_id,
                           money_format(out->net_fen, money), out->audit_head)))
        goto fail;
    if ((err = db_commit(d)))
        goto fail_done;
    free(json);
    return CP_OK;
fail:
    db_rollback(d);
fail_done:
    free(json);
    shift_report_free(out);
    return err;
}

char *shift_report_json(const shift_report *r)
{
    json_t *o = NULL, *rows = json_array();
    char *text = NULL;

    if (!rows)
        goto out;
    for (size_t i = 0; i < r->n_rows; i++) {
        const shift_row *w = &r->rows[i];
        if (json_array_append_new(rows, json_pack("{s:o, s:o, s:I, s:I}", "period",
                                                  jsonl_str(w->period), "category",
                                                  jsonl_str(w->category), "count",
                                                  (json_int_t)w->count, "amount_fen",
                                                  (json_int_t)w->amount_fen)))
            goto out;
    }
    /* names through jsonl_str: a Z report is never lost to a name's bytes */
    o = json_pack("{s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                  " s:O}",
                  "shift", jsonl_str(r->open.id), "opened_by", jsonl_str(r->open.cashier),
                  "opened", jsonl_str(r->open.opened), "opening_cash_fen",
                  (json_int_t)r->open.counted_cash_fen, "close", jsonl_str(r->close_id),
                  "closed_by", jsonl_str(r->closed_by), "closed", jsonl_str(r->closed),
                  "closing_cash_fen", (json_int_t)r->closing_cash_fen, "sale_count",
                  (json_int_t)r->sale_count, "sale_fen", (json_int_t)r->sale_fen, "void_count",
                  (json_int_t)r->void_count, "void_fen", (json_int_t)r->void_fen, "subsidy_fen",
                  (json_int_t)r->subsidy_fen, "cash_fen", (json_int_t)r->cash_fen, "net_fen",
                  (json_int_t)r->net_fen, "rows", rows);
    /* the head is known once the close is audited: the server sends it on */
    if (o && r->audit_head[0])
        json_object_set_new(o, "audit_head", json_string(r->audit_head));
    if (o)
        text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
    json_decref(o);
    json_decref(rows);
    return text;
}

/* Copies the string member key of o into dst; "" when absent. */
static void get_str(json_t *o, const char *key, char *dst, size_t size)
{
    utf8_copy(dst, size, json_string_value(json_object_get(o, key)));
}

/* The integer member key of o; 0 when absent. */
static int64_t get_int(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

/* The hash of the close's audit entry: the head printed on its Z report. */
static cp_err load_head(db *d, const char *close_id, char head[HASH_HEX_LEN])
{
    static const char sql[] =
        "SELECT hash FROM audit WHERE action = 'shift.close' AND subject = ?"
        " AND content IS NOT NULL";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    head[0] = '\0';
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, close_id);
    if ((rc = db_step(st)) == DB_ROW)
        db_copy_col(head, HASH_HEX_LEN, st, 0);
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading the audit log");
}

cp_err shift_report_parse(const char *text, shift_report *out)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL, *rows;
    cp_err err = CP_OK;

    memset(out, 0, sizeof *out);
    if (!json_is_object(o)) {
        err = cp_fail(CP_ERR_PARSE, "a Z report that cannot be read");
        goto out;
    }
    get_str(o, "shift", out->open.id, sizeof out->open.id);
    get_str(o, "opened_by", out->open.cashier, sizeof out->open.cashier);
    get_str(o, "opened", out->open.opened, sizeof out->open.opened);
    out->open.counted_cash_fen = get_int(o, "opening_cash_fen");
    get_str(o, "close", out->close_id, sizeof out->close_id);
    get_str(o, "closed_by", out->closed_by, sizeof out->closed_by);
    get_str(o, "closed", out->closed, sizeof out->closed);
    get_str(o, "audit_head", out->audit_head, sizeof out->audit_head);
    out->closing_cash_fen = get_int(o, "closing_cash_fen");
    out->sale_count = get_int(o, "sale_count");
    out->sale_fen = get_int(o, "sale_fen");
    out->void_count = get_int(o, "void_count");
    out->void_fen = get_int(o, "void_fen");
    out->subsidy_fen = get_int(o, "subsidy_fen");
    out->cash_fen = get_int(o, "cash_fen");
    out->net_fen = get_int(o, "net_fen");
    rows = json_object_get(o, "rows");
    if (json_array_size(rows) > 0) {
        out->rows = calloc(json_array_size(rows), sizeof *out->rows);
        if (!out->rows) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory for the Z report");
            goto out;
        }
    }
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *w = json_array_get(rows, i);
        shift_row *row = &out->rows[out->n_rows++];
        get_str(w, "period", row->period, sizeof row->period);
        get_str(w, "category", row->category, sizeof row->category);
        row->count = get_int(w, "count");
        row->amount_fen = get_int(w, "amount_fen");
    }
out:
    json_decref(o);
    if (err)
        shift_report_free(out);
    return err;
}

cp_err shift_load(db *d, const char *close_id, shift_report *out)
{
    static const char sql[] =
        "SELECT report FROM shift_events WHERE id = ? AND kind = 'close'";
    char *text = NULL;
    db_stmt *st;
    cp_err err;
    int rc;

    memset(out, 0, sizeof *out);
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, close_id);
    rc = db_step(st);
    if (rc == DB_ROW && db_col_text(st, 0) && !(text = strdup(db_col_text(st, 0))))
        rc = DB_ERROR;
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no shift close '%s'", close_id);
    if (rc != DB_ROW) {
        free(text);
        return db_fail(d, "reading the shift close");
    }
    err = shift_report_parse(text, out);
    free(text);
    if (err)
        return cp_fail(err, "the Z report of %s cannot be read", close_id);
    if ((err = load_head(d, close_id, out->audit_head)))
        shift_report_free(out);
    return err;
}

void shift_report_free(shift_report *r)
{
    if (!r)
        return;
    free(r->rows);
    r->rows = NULL;
    r->n_rows = 0;
}
