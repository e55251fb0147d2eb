/* printq: the terminal's receipts, built from the store, sent to the printer, kept for reprint. */
#include "pos/printq.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/diners.h"
#include "core/clock.h"
#include "core/ledger.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/utf8.h"
#include "pos/ui_data.h"
#include "receipts/printer.h"
#include "receipts/receipt.h"

enum { JOB_SALE = 1, JOB_VOID, JOB_Z, JOB_BUILT };

/* A receipt printed (or to print) in this run. */
typedef struct printq_job {
    int kind;
    char id[IDS_LEN];
    int64_t cash_left, subsidy_left; /* sale: the balances its charge left */
    char cashier[128];               /* void: who was logged in */
    unsigned char *bytes;            /* built: the receipt as the caller built it */
    size_t len;
    int pending;
} printq_job;

struct printq {
    char *uri;
    escpos_profile prof;
    printer *p;
    FILE *preview;
    int timeout_ms, retry_ms;
    int64_t next_try_ms;   /* no attempt before this (monotonic ms) after a failure */
    int ok;                /* last attempt: 1 printed, 0 failed, -1 none yet */
    char why[256];         /* why the last attempt failed */
    printq_job jobs[PRINTQ_KEEP];
    size_t head, count;    /* ring of the latest jobs */
    unsigned char *last;
    size_t last_len;
    char status[512];
};

/* Monotonic milliseconds (the printer's pauses must not follow CLEANPLATE_NOW). */
static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

cp_err printq_new(const char *uri, const escpos_profile *prof, printq **out)
{
    printq *q = calloc(1, sizeof *q);
    cp_err err = CP_OK;

    *out = NULL;
    if (!q || !(q->uri = strdup(uri ? uri : "none"))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory for the printer");
        goto out;
    }
    q->prof = *prof;
    q->timeout_ms = PRINTQ_TIMEOUT_MS;
    q->retry_ms = PRINTQ_RETRY_MS;
    q->ok = -1;
    err = printer_open_timeout(q->uri, q->timeout_ms, &q->p);
    if (err == CP_ERR_INVALID) {
        goto out;
    } else if (err) {
        /* absent or off: the terminal works, receipts wait for it */
        utf8_copy(q->why, sizeof q->why, cp_detail());
        q->ok = 0;
        q->next_try_ms = mono_ms() + q->retry_ms;
        err = CP_OK;
    }
    *out = q;
    q = NULL;
out:
    printq_free(q);
    return err;
}

void printq_free(printq *q)
{
    if (!q)
        return;
    printer_close(q->p);
    for (size_t i = 0; i < q->count; i++)
        free(q->jobs[(q->head + i) % PRINTQ_KEEP].bytes);
    free(q->uri);
    free(q->last);
    free(q);
}

void printq_set_preview(printq *q, FILE *f)
{
    q->preview = f;
    if (q->p)
        printer_set_preview(q->p, f);
}

void printq_set_timing(printq *q, int timeout_ms, int retry_ms)
{
    q->timeout_ms = timeout_ms;
    q->retry_ms = retry_ms;
    if (q->p)
        printer_set_timeout(q->p, timeout_ms);
    if (q->ok == 0)
        q->next_try_ms = mono_ms() + retry_ms;
}

/* Sends bytes to the printer unless it failed less than retry_ms ago; 1 when printed. */
static int send_bytes(printq *q, const unsigned char *data, size_t len)
{
    int64_t now = mono_ms();
    printer_state st;
    cp_err err;

    if (q->ok == 0 && now < q->next_try_ms)
        return 0;
    if (!q->p) {
        if ((err = printer_open_timeout(q->uri, q->timeout_ms, &q->p)))
            goto failed;
        if (q->preview)
            printer_set_preview(q->p, q->preview);
    }
    if ((err = printer_write(q->p, data, len)))
        goto failed;
    st = printer_status(q->p);
    if (st == PRINTER_PAPER_OUT || st == PRINTER_OFFLINE) {
        err = cp_fail(CP_ERR_DEVICE, "printer says %s", printer_state_name(st));
        goto failed;
    }
    q->ok = 1;
    q->why[0] = '\0';
    return 1;
failed:
    utf8_copy(q->why, sizeof q->why, cp_detail());
    q->ok = 0;
    q->next_try_ms = now + q->retry_ms;
    return 0;
}

/* The job for id in the ring, or NULL. */
static printq_job *find_job(printq *q, const char *id)
{
    for (size_t i = 0; i < q->count; i++) {
        printq_job *j = &q->jobs[(q->head + i) % PRINTQ_KEEP];
        if (strcmp(j->id, id) == 0)
            return j;
    }
    return NULL;
}

/* Adds a job at the end of the ring (forgetting the oldest when full); owned by q. */
static printq_job *add_job(printq *q, int kind, const char *id)
{
    printq_job *j;

    if (q->count == PRINTQ_KEEP) {
        free(q->jobs[q->head].bytes);
        q->head = (q->head + 1) % PRINTQ_KEEP;
        q->count--;
    }
    j = &q->jobs[(q->head + q->count++) % PRINTQ_KEEP];
    memset(j, 0, sizeof *j);
    j->kind = kind;
    snprintf(j->id, sizeof j->id, "%s", id);
    return j;
}

void printq_weighed_name(char *out, size_t size, const char *name, int grams)
{
    /* the grams are what was sold: a long name is cut before them, not they */
    char g[16];
    size_t n = (size_t)snprintf(g, sizeof g, " %dg", grams);

    utf8_copy(out, size > n ? size - n : 1, name);
    strcat(out, g);
}

/* Encodes the receipt of sale_id into e; bal (cash, subsidy) NULL reads them back. */
static cp_err encode_sale(db *d, escpos *e, const char *sale_id, const int64_t *bal, int copy)
{
    static const char sale_sql[] =
        "SELECT s.terminal, c.name, s.actor, s.created_at, di.name, di.staff_no, s.kind,"
        " coalesce(p.name, ''), s.total_fen, s.subsidy_fen, s.cash_fen, s.diner_id,"
        " EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
        " FROM sales s JOIN canteens c ON c.id = s.canteen_id"
        " JOIN diners di ON di.id = s.diner_id"
        " LEFT JOIN meal_periods p ON p.id = s.period_id WHERE s.id = ?";
    static const char lines_sql[] =
        "SELECT l.name, l.quantity, l.amount_fen, coalesce(i.unit, 'piece')"
        " FROM sale_lines l JOIN sales s ON s.id = l.sale_id"
        " LEFT JOIN items i ON i.canteen_id = s.canteen_id AND i.code = l.item_code"
        " WHERE l.sale_id = ? ORDER BY l.line_no";
    char terminal[64], canteen[128], cashier[128], at[CP_TIME_ISO_LEN], staff[64];
    char name[DINERS_NAME_SIZE], kind[16], period[64], shown[NAMES_SIZE], when[CLOCK_SHOW_LEN];
    char (*names)[UTF8_SIZE(64) + 16] = NULL; /* an item's name and its grams */
    receipt_item *items = NULL, meal;
    receipt_sale s = {0};
    int64_t diner_id = 0, cash = 0, subsidy = 0;
    size_t n = 0, cap = 0;
    db_stmt *st;
    cp_err err = CP_OK;
    int rc;

    if (!(st = db_prepare(d, sale_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, sale_id);
    rc = db_step(st);
    if (rc == DB_ROW) {
        db_copy_col(terminal, sizeof terminal, st, 0);
        db_copy_col(canteen, sizeof canteen, st, 1);
        db_copy_col(cashier, sizeof cashier, st, 2);
        db_copy_col(at, sizeof at, st, 3);
        db_copy_col(name, sizeof name, st, 4);
        db_copy_col(staff, sizeof staff, st, 5);
        db_copy_col(kind, sizeof kind, st, 6);
        db_copy_col(period, sizeof period, st, 7);
        s.total_fen = db_col_int64(st, 8);
        s.subsidy_fen = db_col_int64(st, 9);
        s.cash_fen = db_col_int64(st, 10);
        diner_id = db_col_int64(st, 11);
        s.voided = db_col_int(st, 12) != 0;
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no sale '%s'", sale_id);
    if (rc != DB_ROW)
        return db_fail(d, "reading the sale for its receipt");

    if (strcmp(kind, "items") == 0) {
        if (!(st = db_prepare(d, lines_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, sale_id);
        while ((rc = db_step(st)) == DB_ROW) {
            const char *unit = db_col_text(st, 3);
            int qty = db_col_int(st, 1);
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                void *gi = realloc(items, ncap * sizeof *items);
                if (gi)
                    items = gi;
                void *gn = gi ? realloc(names, ncap * sizeof *names) : NULL;
                if (!gn) {
                    db_reset(st);
                    err = cp_fail(CP_ERR_NOMEM, "out of memory for a receipt");
                    goto out;
                }
                names = gn;
                cap = ncap;
            }
            /* an item sold by weight prints its grams with the name, as one piece */
            if (unit && strcmp(unit, "100g") == 0) {
                printq_weighed_name(names[n], sizeof names[n], db_col_text(st, 0), qty);
                qty = 1;
            } else {
                db_copy_col(names[n], sizeof names[n], st, 0);
            }
            items[n] = (receipt_item){.qty = qty, .amount_fen = db_col_int64(st, 2)};
            n++;
        }
        db_reset(st);
        if (rc != DB_DONE) {
            err = db_fail(d, "reading the sale's lines");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            items[i].name = names[i];
        s.items = items;
        s.n_items = n;
    } else {
        meal = (receipt_item){.name = period[0] ? names_show(d, NAMES_PERIOD, period, shown)
                                                : _("meal"),
                              .qty = 1, .amount_fen = s.total_fen};
        s.items = &meal;
        s.n_items = 1;
    }
    if (bal) {
        cash = bal[0];
        subsidy = bal[1];
    } else if ((err = ui_data_balances_at(d, diner_id, at, &cash, &subsidy))) {
        goto out;
    }
    s.canteen = canteen;
    s.terminal = terminal;
    s.cashier = cashier;
    s.time = clock_show_iso(at, when);
    s.diner_name = name;
    s.staff_no = staff;
    s.cash_left_fen = cash;
    s.subsidy_left_fen = subsidy;
    s.sale_no = sale_id;
    s.copy = copy != 0;
    err = receipt_encode_sale(e, &s);
out:
    free(items);
    free(names);
    return err;
}

/* Encodes the receipt of void_id into e; the balances are as of the void. */
static cp_err encode_void(db *d, escpos *e, const char *void_id, const char *cashier, int copy)
{
    static const char sql[] =
        "SELECT v.sale_id, coalesce(v.terminal, ''), v.actor, coalesce(v.reason, ''),"
        " v.created_at, c.name, di.name, di.staff_no, s.total_fen, s.subsidy_fen, s.cash_fen,"
        " s.diner_id FROM voids v JOIN sales s ON s.id = v.sale_id"
        " JOIN canteens c ON c.id = s.canteen_id JOIN diners di ON di.id = s.diner_id"
        " WHERE v.id = ?";
    char sale[IDS_LEN], terminal[64], manager[128], reason[256], at[CP_TIME_ISO_LEN];
    char canteen[128], name[DINERS_NAME_SIZE], staff[64], when[CLOCK_SHOW_LEN];
    receipt_void v = {0};
    int64_t diner_id = 0;
    db_stmt *st;
    cp_err err;
    int rc;

    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, void_id);
    rc = db_step(st);
    if (rc == DB_ROW) {
        db_copy_col(sale, sizeof sale, st, 0);
        db_copy_col(terminal, sizeof terminal, st, 1);
        db_copy_col(manager, sizeof manager, st, 2);
        db_copy_col(reason, sizeof reason, st, 3);
        db_copy_col(at, sizeof at, st, 4);
        db_copy_col(canteen, sizeof canteen, st, 5);
        db_copy_col(name, sizeof name, st, 6);
        db_copy_col(staff, sizeof staff, st, 7);
        v.amount_fen = db_col_int64(st, 8);
        v.subsidy_back_fen = db_col_int64(st, 9);
        v.cash_back_fen = db_col_int64(st, 10);
        diner_id = db_col_int64(st, 11);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no void '%s'", void_id);
    if (rc != DB_ROW)
        return db_fail(d, "reading the void for its receipt");
    if ((err = ui_data_balances_at(d, diner_id, at, &v.cash_left_fen, &v.subsidy_left_fen)))
        return err;
    v.canteen = canteen;
    v.terminal = terminal;
    v.cashier = cashier;
    v.manager = manager;
    v.time = clock_show_iso(at, when);
    v.diner_name = name;
    v.staff_no = staff;
    v.sale_no = sale;
    v.void_no = void_id;
    v.reason = reason;
    v.copy = copy != 0;
    return receipt_encode_void(e, &v);
}

/* A name people read for code, from the store (the store's printq_namer). */
static const char *store_name(void *ctx, names_kind kind, const char *code, char buf[NAMES_SIZE])
{
    return names_show(ctx, kind, code, buf);
}

cp_err printq_encode_z(escpos *e, const char *canteen, const char *terminal,
                       const shift_report *r, printq_namer name, void *ctx, int copy)
{
    receipt_zrow *rows = NULL;
    receipt_zreport z = {0};
    char shift_no[IDS_LEN * 2 + 4], opened[CLOCK_SHOW_LEN], closed[CLOCK_SHOW_LEN];
    char (*names)[2][NAMES_SIZE] = NULL; /* each row's period and category as people read them */
    cp_err err;

    if (r->n_rows && (!(rows = calloc(r->n_rows, sizeof *rows)) ||
                      !(names = calloc(r->n_rows, sizeof *names)))) {
        free(rows);
        return cp_fail(CP_ERR_NOMEM, "out of memory for the Z report");
    }
    for (size_t i = 0; i < r->n_rows; i++)
        rows[i] = (receipt_zrow){
            .period = r->rows[i].period[0] ? name(ctx, NAMES_PERIOD, r->rows[i].period,
                                                  names[i][0]) : "",
            .category = name(ctx, NAMES_CATEGORY, r->rows[i].category, names[i][1]),
            .count = r->rows[i].count, .amount_fen = r->rows[i].amount_fen};
    snprintf(shift_no, sizeof shift_no, "%s%s%s", r->open.id, r->close_id[0] ? " / " : "",
             r->close_id);
    z.canteen = canteen;
    z.terminal = terminal;
    z.cashier = r->closed_by[0] ? r->closed_by : r->open.cashier;
    z.shift_no = shift_no;
    z.opened = clock_show_iso(r->open.opened, opened);
    z.closed = r->closed[0] ? clock_show_iso(r->closed, closed) : r->closed;
    z.rows = rows;
    z.n_rows = r->n_rows;
    z.sale_count = r->sale_count;
    z.sale_fen = r->sale_fen;
    z.void_count = r->void_count;
    z.void_fen = r->void_fen;
    z.subsidy_fen = r->subsidy_fen;
    z.cash_fen = r->cash_fen;
    z.net_fen = r->net_fen;
    z.audit_head = r->audit_head;
    z.copy = copy != 0;
    err = receipt_encode_zreport(e, &z);
    free(rows);
    free(names);
    return err;
}

/* Encodes a Z (or X) report of terminal into e, its canteen read from the store. */
static cp_err encode_z(db *d, escpos *e, const char *terminal, const shift_report *r, int copy)
{
    static const char sql[] =
        "SELECT c.name FROM terminals t JOIN canteens c ON c.id = t.canteen_id WHERE t.code = ?";
    char canteen[128] = "";
    db_stmt *st = db_prepare(d, sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    if (db_step(st) == DB_ROW)
        db_copy_col(canteen, sizeof canteen, st, 0);
    db_reset(st);
    return printq_encode_z(e, canteen, terminal, r, store_name, d, copy);
}

/* Builds one receipt of job j (copy or not) and sends it; *printed gets 1 when it got out. */
static cp_err run_job(printq *q, db *d, const printq_job *j, const shift_report *z,
                      const char *terminal, int copy, int *printed)
{
    escpos *e = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    cp_err err;

    *printed = 0;
    if (j->kind == JOB_BUILT) {
        *printed = send_bytes(q, j->bytes, j->len);
        return CP_OK;
    }
    if ((err = escpos_new(&q->prof, &e)))
        return err;
    if (j->kind == JOB_SALE) {
        int64_t bal[2] = {j->cash_left, j->subsidy_left};
        err = encode_sale(d, e, j->id, copy ? NULL : bal, copy);
    } else if (j->kind == JOB_VOID) {
        err = encode_void(d, e, j->id, j->cashier[0] ? j->cashier : NULL, copy);
    } else {
        shift_report loaded;
        if (z) {
            err = encode_z(d, e, terminal, z, copy);
        } else if (!(err = shift_load(d, j->id, &loaded))) {
            /* the terminal is the id's prefix up to its last '-' */
            const char *dash = strrchr(j->id, '-');
            char term[64];
            snprintf(term, sizeof term, "%.*s", dash ? (int)(dash - j->id) : 0, j->id);
            err = encode_z(d, e, term, &loaded, copy);
            shift_report_free(&loaded);
        }
    }
    if (!err)
        err = escpos_take(e, &bytes, &len);
    escpos_free(e);
    if (err)
        return err;
    free(q->last);
    q->last = bytes;
    q->last_len = len;
    *printed = send_bytes(q, bytes, len);
    return CP_OK;
}

/* Runs a new original job; it stays pending when it did not print. */
static cp_err submit(printq *q, db *d, printq_job *j, const shift_report *z,
                     const char *terminal, int *printed)
{
    int ok = 0;
    cp_err err = run_job(q, d, j, z, terminal, 0, &ok);

    j->pending = !err && !ok;
    if (printed)
        *printed = ok;
    return err;
}

cp_err printq_sale(printq *q, db *d, const char *sale_id, int64_t cash_left,
                   int64_t subsidy_left, int *printed)
{
    printq_job *j = add_job(q, JOB_SALE, sale_id);

    j->cash_left = cash_left;
    j->subsidy_left = subsidy_left;
    return submit(q, d, j, NULL, NULL, printed);
}

cp_err printq_void(printq *q, db *d, const char *void_id, const char *cashier, int *printed)
{
    printq_job *j = add_job(q, JOB_VOID, void_id);

    snprintf(j->cashier, sizeof j->cashier, "%s", cashier ? cashier : "");
    return submit(q, d, j, NULL, NULL, printed);
}

cp_err printq_zreport(printq *q, db *d, const char *terminal, const shift_report *r,
                      int *printed)
{
    printq_job x = {.kind = JOB_Z};

    if (!r->close_id[0]) {
        /* an X report is a look, not a record: printed once, never pending */
        int ok = 0;
        cp_err err = run_job(q, d, &x, r, terminal, 0, &ok);
        if (printed)
            *printed = ok;
        return err;
    }
    return submit(q, d, add_job(q, JOB_Z, r->close_id), r, terminal, printed);
}

cp_err printq_reprint(printq *q, db *d, const char *id, int *printed)
{
    static const char kind_sql[] =
        "SELECT 1 FROM sales WHERE id = ?1 UNION ALL SELECT 2 FROM voids WHERE id = ?1"
        " UNION ALL SELECT 3 FROM shift_events WHERE id = ?1 AND kind = 'close'";
    printq_job j = {0}, *known = find_job(q, id);
    db_stmt *st = db_prepare(d, kind_sql);
    int64_t kind = 0;
    int ok = 0;
    cp_err err;

    if (printed)
        *printed = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, id);
    err = db_step_int64(d, st, &kind);
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no sale, void or shift close numbered '%s'", id);
    if (err)
        return err;
    j.kind = kind == 1 ? JOB_SALE : kind == 2 ? JOB_VOID : JOB_Z;
    snprintf(j.id, sizeof j.id, "%s", id);
    if (known && known->pending) {
        /* never printed: this is its first print, an original */
        err = run_job(q, d, known, NULL, NULL, 0, &ok);
        if (!err && ok)
            known->pending = 0;
    } else {
        err = run_job(q, d, &j, NULL, NULL, 1, &ok);
    }
    if (printed)
        *printed = ok;
    return err;
}

cp_err printq_flush(printq *q, db *d, int *left)
{
    cp_err err = CP_OK;

    /* after a failure the pause is over as soon as someone asks */
    if (q->ok == 0)
        q->next_try_ms = 0;
    for (size_t i = 0; i < q->count && !err; i++) {
        printq_job *j = &q->jobs[(q->head + i) % PRINTQ_KEEP];
        int ok = 0;
        if (!j->pending)
            continue;
        err = run_job(q, d, j, NULL, NULL, 0, &ok);
        if (err || !ok)
            break;
        j->pending = 0;
    }
    if (left)
        *left = printq_pending(q);
    return err;
}

cp_err printq_encoder(printq *q, escpos **e)
{
    return escpos_new(&q->prof, e);
}

cp_err printq_print_built(printq *q, const char *id, escpos *e, int copy, int *printed)
{
    printq_job *j;
    unsigned char *bytes = NULL;
    size_t len = 0;
    cp_err err = escpos_take(e, &bytes, &len);
    int ok;

    escpos_free(e);
    *printed = 0;
    if (err)
        return err;
    /* kept as the last receipt (the screen's preview) */
    free(q->last);
    if (!(q->last = malloc(len))) {
        free(bytes);
        q->last_len = 0;
        return cp_fail(CP_ERR_NOMEM, "out of memory for a receipt");
    }
    memcpy(q->last, bytes, len);
    q->last_len = len;
    if (copy) {
        *printed = send_bytes(q, bytes, len);
        free(bytes);
        return CP_OK;
    }
    j = add_job(q, JOB_BUILT, id);
    j->bytes = bytes;
    j->len = len;
    ok = send_bytes(q, bytes, len);
    j->pending = !ok;
    *printed = ok;
    return CP_OK;
}

int printq_is_pending(printq *q, const char *id)
{
    printq_job *j = find_job(q, id);
    return j && j->pending;
}

int printq_pending(const printq *q)
{
    int n = 0;

    for (size_t i = 0; i < q->count; i++)
        n += q->jobs[(q->head + i) % PRINTQ_KEEP].pending;
    return n;
}

const char *printq_status(printq *q)
{
    int n = printq_pending(q);
    char more[64] = "";

    if (n > 0)
        snprintf(more, sizeof more, P_("; %d receipt to print", "; %d receipts to print",
                                       (unsigned long)n), n);
    if (q->ok == 0)
        snprintf(q->status, sizeof q->status, _("printer offline: %s%s"), q->why, more);
    else
        snprintf(q->status, sizeof q->status, _("printer %s (%s)%s"),
                 q->ok ? _("ok") : _("ready"), q->uri, more);
    return q->status;
}

int printq_ok(const printq *q)
{
    return q->ok;
}

const unsigned char *printq_last(const printq *q, size_t *len)
{
    *len = q->last_len;
    return q->last;
}
