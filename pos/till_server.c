/* till_server: the till through the canteen server (--server): the snapshot for what the screen shows, the server for what it records, offline charges when it does not answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/nls.h"
#include "core/utf8.h"
#include "core/jsonl.h"
#include "pos/netcharge.h"
#include "pos/offline.h"
#include "pos/till_int.h"
#include "receipts/receipt.h"

/* A person waits on these (a PIN is hashed at the server, a Z report
 * counted): longer than a charge's budget, which decides offline. */
#define TILL_SERVER_WAIT_MS 5000
/* While no key comes: the queue tried again, the snapshot kept fresh. */
#define TILL_IDLE_S 3
#define TILL_SNAPSHOT_MAX_AGE_S 300

cp_err till_open_server(termsync *ts, printq *pq, till **out)
{
    till *t = calloc(1, sizeof *t);

    if (!t)
        return cp_fail(CP_ERR_NOMEM, "out of memory");
    t->ops = &till_server_ops;
    t->terminal = termsync_terminal(ts);
    t->ts = ts;
    t->pq = pq;
    *out = t;
    return CP_OK;
}

/* Sends a request that a person waits on; *a gets the answer object. A
 * server that does not answer is CP_ERR_DISCONNECTED, said for the cashier;
 * an answer that is an error is CP_ERR_INVALID (or code's) with its message. */
static cp_err ask(till *t, const char *method, const char *path, json_t *body, json_t **a)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    long status = 0;
    cp_err err;

    *a = NULL;
    if (body && !text)
        return cp_fail(CP_ERR_NOMEM, "out of memory");
    err = remote_request(termsync_remote(t->ts), method, path, text, TILL_SERVER_WAIT_MS,
                         &status, a);
    free(text);
    /* the cashier reads what to do, first and short; the why (the server's
     * address, libcurl's words) goes to the log (the journal, under
     * systemd: not a terminal the screen is drawn on), it did not fit on
     * the screen and was English on a Chinese one */
    if (err) {
        if (!isatty(STDERR_FILENO))
            fprintf(stderr, "cleanplate-pos: %s %s: %s\n", method, path, cp_detail());
        return cp_fail(CP_ERR_DISCONNECTED, "%s", _("no answer from the server: this needs it; "
                                                    "try again when it is back"));
    }
    if (!json_is_true(json_object_get(*a, "ok")))
        return cp_fail(cp_errcode(json_string_value(json_object_get(*a, "error")),
                                  CP_ERR_INVALID),
                       "%s", termsync_text(*a, "message"));
    return CP_OK;
}

/* The snapshot's array key, or an empty one when there is no snapshot yet. */
static json_t *snap_array(till *t, const char *key)
{
    return json_object_get(termsync_snapshot(t->ts), key);
}

static const char *server_canteen(till *t)
{
    json_t *snap = termsync_snapshot(t->ts);
    const char *name = json_string_value(json_object_get(snap, "canteen_name"));

    if (!name)
        name = json_string_value(json_object_get(snap, "canteen"));
    utf8_copy(t->canteen, sizeof t->canteen, name ? name : "");
    return t->canteen;
}

static int server_online(till *t)
{
    return !termsync_offline(t->ts);
}

/* The period of the snapshot open at minute, or the next one today, as
 * ui_data_period reads it from the store (prices cheapest first). */
static cp_err server_period(till *t, int minute, ui_period *out)
{
    json_t *periods = snap_array(t, "periods"), *prices = snap_array(t, "prices"), *p, *best = NULL;
    size_t i;

    memset(out, 0, sizeof *out);
    if (!termsync_snapshot(t->ts))
        return cp_fail(CP_ERR_DISCONNECTED, _("no snapshot from the server yet: meals cannot be "
                                              "sold until it answers"));
    json_array_foreach(periods, i, p) {
        json_int_t start = json_integer_value(json_object_get(p, "start_min"));
        if (json_integer_value(json_object_get(p, "end_min")) > minute &&
            (!best || start < json_integer_value(json_object_get(best, "start_min"))))
            best = p;
    }
    if (!best)
        return CP_OK;
    utf8_copy(out->name, sizeof out->name, json_string_value(json_object_get(best, "name")));
    out->start_min = (int)json_integer_value(json_object_get(best, "start_min"));
    out->end_min = (int)json_integer_value(json_object_get(best, "end_min"));
    out->open = out->start_min <= minute;
    json_array_foreach(prices, i, p) {
        const char *period = json_string_value(json_object_get(p, "period"));
        ui_price pr;
        int at;
        if (!period || strcmp(period, out->name) != 0 || out->n_prices == UI_DATA_MAX_PRICES)
            continue;
        utf8_copy(pr.category, sizeof pr.category,
                  json_string_value(json_object_get(p, "category")));
        pr.fen = json_integer_value(json_object_get(p, "price_fen"));
        /* insertion in order of price, then category */
        for (at = out->n_prices; at > 0; at--) {
            const ui_price *q = &out->prices[at - 1];
            if (q->fen < pr.fen || (q->fen == pr.fen && strcmp(q->category, pr.category) <= 0))
                break;
            out->prices[at] = *q;
        }
        out->prices[at] = pr;
        out->n_prices++;
    }
    return CP_OK;
}

static cp_err server_item(till *t, const char *code, char name[128], int64_t *price_fen,
                          int *per_100g)
{
    json_t *items = snap_array(t, "items"), *it;
    size_t i;

    json_array_foreach(items, i, it) {
        const char *c = json_string_value(json_object_get(it, "code"));
        const char *unit = json_string_value(json_object_get(it, "unit"));
        if (!c || strcmp(c, code) != 0)
            continue;
        utf8_copy(name, 128, json_string_value(json_object_get(it, "name")));
        *price_fen = json_integer_value(json_object_get(it, "price_fen"));
        *per_100g = unit && strcmp(unit, "100g") == 0;
        return CP_OK;
    }
    return cp_fail(CP_ERR_NOT_FOUND, "no item '%s' here: check the code on the price list", code);
}

static const char *server_name(till *t, names_kind kind, const char *code, char buf[NAMES_SIZE])
{
    json_t *names = snap_array(t, "names"), *n;
    size_t i;

    utf8_copy(buf, NAMES_SIZE, names_builtin(kind, code));
    json_array_foreach(names, i, n) {
        const char *k = json_string_value(json_object_get(n, "kind"));
        const char *c = json_string_value(json_object_get(n, "code"));
        if (k && c && code && strcmp(k, names_kind_word(kind)) == 0 && strcmp(c, code) == 0) {
            utf8_copy(buf, NAMES_SIZE, json_string_value(json_object_get(n, "name")));
            break;
        }
    }
    return buf;
}

static json_t *sale_data(till *t, const char *sale_id);

/* What users_authenticate found at the server, from a refusal. */
static void auth_of(const json_t *a, users_auth *auth)
{
    memset(auth, 0, sizeof *auth);
    utf8_copy(auth->role, sizeof auth->role, json_string_value(json_object_get(a, "role")));
    auth->failures = (int)json_integer_value(json_object_get(a, "failures"));
    auth->tries = (int)json_integer_value(json_object_get(a, "tries"));
    auth->locked_s = (int)json_integer_value(json_object_get(a, "locked_s"));
    auth->locked_now = json_is_true(json_object_get(a, "locked_now"));
    auth->denied = json_is_true(json_object_get(a, "denied"));
}

/* A PIN the server refused (bad_pin, locked) is CP_ERR_AUTH, with *auth. */
static cp_err pin_refusal(cp_err err, const json_t *a, users_auth *auth)
{
    const char *code = json_string_value(json_object_get(a, "error"));

    if (err && code && (strcmp(code, "bad_pin") == 0 || strcmp(code, "locked") == 0)) {
        auth_of(a, auth);
        return CP_ERR_AUTH;
    }
    return err;
}

static cp_err server_login(till *t, const char *name, const char *pin, users_auth *auth)
{
    json_t *body = json_pack("{s:o, s:o}", "name", jsonl_str(name), "pin", jsonl_str(pin)), *a;
    cp_err err = ask(t, "POST", "/v1/login", body, &a);

    memset(auth, 0, sizeof *auth);
    err = pin_refusal(err, a, auth);
    if (!err)
        utf8_copy(t->cashier, sizeof t->cashier, name);
    json_decref(body);
    json_decref(a);
    return err;
}

static void server_logout(till *t, const char *cashier, const char *why)
{
    t->cashier[0] = '\0';
    json_t *body = json_pack("{s:o, s:o}", "name", jsonl_str(cashier), "reason", jsonl_str(why)),
           *a;

    ask(t, "POST", "/v1/logout", body, &a); /* a logout the server missed only goes unrecorded */
    json_decref(body);
    json_decref(a);
}

/* A shift object of the server's into *out. */
static void shift_of(const json_t *o, shift_info *out)
{
    memset(out, 0, sizeof *out);
    utf8_copy(out->id, sizeof out->id, json_string_value(json_object_get(o, "id")));
    utf8_copy(out->cashier, sizeof out->cashier, json_string_value(json_object_get(o, "cashier")));
    utf8_copy(out->opened, sizeof out->opened, json_string_value(json_object_get(o, "opened")));
    out->counted_cash_fen = json_integer_value(json_object_get(o, "counted_cash_fen"));
}

static cp_err server_shift_current(till *t, shift_info *out, int *is_open)
{
    json_t *a;
    cp_err err = ask(t, "GET", "/v1/shift", NULL, &a);

    *is_open = 0;
    if (!err && (*is_open = json_is_true(json_object_get(a, "open"))))
        shift_of(json_object_get(a, "shift"), out);
    json_decref(a);
    return err;
}

/* POST /v1/shift with action for cashier and the drawer's count; *a the answer. */
static cp_err shift_post(till *t, const char *action, const char *cashier, int64_t fen,
                         json_t **a)
{
    json_t *body = json_pack("{s:s, s:o, s:I}", "action", action, "cashier", jsonl_str(cashier),
                             "cash_fen", (json_int_t)fen);
    cp_err err = ask(t, "POST", "/v1/shift", body, a);

    json_decref(body);
    return err;
}

static cp_err server_shift_open(till *t, const char *cashier, int64_t fen, shift_info *out)
{
    json_t *a;
    cp_err err = shift_post(t, "open", cashier, fen, &a);

    if (!err)
        shift_of(json_object_get(a, "shift"), out);
    json_decref(a);
    return err;
}

static cp_err server_shift_close(till *t, const char *cashier, int64_t fen, shift_report *out)
{
    json_t *a;
    cp_err err = shift_post(t, "close", cashier, fen, &a);
    char *text = NULL;

    memset(out, 0, sizeof *out);
    if (!err && !(text = json_dumps(json_object_get(a, "report"), JSON_COMPACT)))
        err = cp_fail(CP_ERR_PARSE, "the server's Z report cannot be read");
    if (!err)
        err = shift_report_parse(text, out);
    free(text);
    json_decref(a);
    return err;
}

static cp_err server_charge(till *t, const charge_req *req, charge_res *res)
{
    netcharge_req nr = {.card = req->card_no, .cashier = req->actor, .lines = req->lines,
                        .nlines = req->nlines, .dup_seconds = req->dup_tap_seconds};
    int refused = 0;
    json_t *a = netcharge(t->ts, &nr, &refused);

    t->charged_lines = req->nlines;
    /* who charged, for the receipt (the headless terminal has no login) */
    if (req->actor && *req->actor)
        utf8_copy(t->cashier, sizeof t->cashier, req->actor);
    if (!a)
        return cp_fail(CP_ERR_IO, "%s", cp_detail());
    netcharge_result(a, res);
    json_decref(a);
    return CP_OK;
}

static cp_err server_last_sale(till *t, char id[IDS_LEN])
{
    json_t *a;
    cp_err err = ask(t, "GET", "/v1/last-sale", NULL, &a);

    if (!err)
        utf8_copy(id, IDS_LEN, json_string_value(json_object_get(a, "sale_id")));
    json_decref(a);
    return err;
}

static cp_err server_sale_brief(till *t, const char *sale_id, char *text, size_t size)
{
    char what[NAMES_SIZE], hhmm[8] = "";
    json_t *a = sale_data(t, sale_id);
    const char *at;

    if (!a)
        return cp_fail(CP_ERR_NOT_FOUND, "%s", cp_detail());
    /* a sale of items has no period: its kind, as the store's brief says */
    if (json_array_size(json_object_get(a, "lines")) > 0)
        utf8_copy(what, sizeof what, names_builtin(NAMES_CATEGORY, "items"));
    else
        server_name(t, NAMES_PERIOD, termsync_text(a, "period"), what);
    at = termsync_text(a, "created_at");
    if (strlen(at) >= 16)
        snprintf(hhmm, sizeof hhmm, "%.5s", at + 11);
    ui_data_brief(text, size, termsync_text(a, "name"), termsync_text(a, "staff_no"), what,
                  json_integer_value(json_object_get(a, "charged_fen")), hhmm,
                  json_is_true(json_object_get(a, "voided")));
    json_decref(a);
    return CP_OK;
}

/* A void the server made: kept in the held card of the sale's card
 * (offline_note_void), for the decisions made offline before the next
 * snapshot. sale is the sale's receipt data, answer the void's. */
static void note_void(till *t, const json_t *sale, const json_t *answer)
{
    const char *card_no = json_string_value(json_object_get(sale, "card"));
    json_t *snap = termsync_snapshot(t->ts), *card;
    cp_time now;

    if (!snap || !card_no || !*card_no || clock_now(&now) ||
        !(card = termsync_card(t->ts, card_no)))
        return;
    offline_note_void(snap, card, sale, answer, &now);
    if (termsync_card_note(t->ts, card))
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
    json_decref(card);
}

static cp_err server_void(till *t, const char *sale_id, const char *manager, const char *pin,
                          const char *actor, const char *reason, char void_id[IDS_LEN],
                          users_auth *auth)
{
    json_t *body = json_pack("{s:o, s:o, s:o, s:o}", "sale_id", jsonl_str(sale_id), "manager",
                             jsonl_str(manager), "pin", jsonl_str(pin), "reason",
                             jsonl_str(reason)), *a;
    cp_err err;

    (void)actor; /* the server records the signing terminal; the manager voids */
    memset(auth, 0, sizeof *auth);
    err = ask(t, "POST", "/v1/void", body, &a);
    err = pin_refusal(err, a, auth);
    if (!err) {
        utf8_copy(void_id, IDS_LEN, json_string_value(json_object_get(a, "void_id")));
        /* what the void's receipt prints: the sale's diner and amounts */
        json_object_set_new(a, "manager", jsonl_str(manager));
        json_object_set_new(a, "reason", jsonl_str(reason));
        json_object_set_new(a, "sale", sale_data(t, sale_id));
        note_void(t, json_object_get(a, "sale"), a);
        json_decref(t->voided);
        t->voided = json_incref(a);
    }
    json_decref(body);
    json_decref(a);
    return err;
}

/* ---- receipts, built from the server's answers ------------------------------- */

/* Takes encoder e with a receipt for id (a copy or not) to the printer. */
static cp_err print_built(till *t, const char *id, escpos *e, cp_err err, int copy, int *printed)
{
    if (err) {
        escpos_free(e);
        return err;
    }
    return printq_print_built(t->pq, id, e, copy, printed);
}

/* A name for the printed Z report: the snapshot's (printq_namer). */
static const char *snap_namer(void *ctx, names_kind kind, const char *code, char buf[NAMES_SIZE])
{
    return server_name(ctx, kind, code, buf);
}

/* The item of code in the snapshot is sold by weight. */
static int weighed(till *t, const char *code)
{
    json_t *items = snap_array(t, "items"), *it;
    size_t i;

    json_array_foreach(items, i, it)
        if (code && strcmp(termsync_text(it, "code"), code) == 0)
            return strcmp(termsync_text(it, "unit"), "100g") == 0;
    return 0;
}

/* A sale's receipt data (GET /v1/receipt), or NULL (said in cp_detail). */
static json_t *sale_data(till *t, const char *sale_id)
{
    char path[IDS_LEN + 32];
    json_t *a;

    snprintf(path, sizeof path, "/v1/receipt?sale=%s", sale_id);
    if (ask(t, "GET", path, NULL, &a)) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* Encodes the receipt of a sale from its data (GET /v1/receipt) into e.
 * The items' names: from the data, a weighed one with its grams. */
static cp_err encode_sale_data(till *t, escpos *e, const json_t *a, int copy)
{
    json_t *lines = json_object_get(a, "lines"), *l;
    size_t n = json_array_size(lines), i;
    receipt_item *items = calloc(n ? n : 1, sizeof *items);
    char (*names)[160] = calloc(n ? n : 1, sizeof *names);
    char when[CLOCK_SHOW_LEN], period[NAMES_SIZE];
    receipt_sale r = {0};
    cp_err err;

    if (!items || !names) {
        free(items);
        free(names);
        return cp_fail(CP_ERR_NOMEM, "out of memory for a receipt");
    }
    json_array_foreach(lines, i, l) {
        int qty = (int)json_integer_value(json_object_get(l, "quantity"));
        if (weighed(t, termsync_text(l, "item"))) {
            printq_weighed_name(names[i], sizeof names[i], termsync_text(l, "name"), qty);
            qty = 1;
        } else {
            utf8_copy(names[i], sizeof names[i], termsync_text(l, "name"));
        }
        items[i] = (receipt_item){.name = names[i], .qty = qty,
                                  .amount_fen = json_integer_value(json_object_get(l,
                                                                                   "amount_fen"))};
    }
    r.total_fen = json_integer_value(json_object_get(a, "charged_fen"));
    if (n == 0) { /* the fixed-price meal: one line, the period's name */
        items[0] = (receipt_item){.name = server_name(t, NAMES_PERIOD,
                                                      termsync_text(a, "period"), period),
                                  .qty = 1, .amount_fen = r.total_fen};
        n = 1;
    }
    r.canteen = server_canteen(t);
    r.terminal = t->terminal;
    r.cashier = termsync_text(a, "cashier");
    r.time = clock_show_iso(termsync_text(a, "created_at"), when);
    r.diner_name = termsync_text(a, "name");
    r.staff_no = termsync_text(a, "staff_no");
    r.items = items;
    r.n_items = n;
    r.subsidy_fen = json_integer_value(json_object_get(a, "subsidy_fen"));
    r.cash_fen = json_integer_value(json_object_get(a, "cash_fen"));
    r.subsidy_left_fen = json_integer_value(json_object_get(a, "subsidy_left_fen"));
    r.cash_left_fen = json_integer_value(json_object_get(a, "cash_left_fen"));
    r.sale_no = termsync_text(a, "sale_id");
    r.offline = json_is_true(json_object_get(a, "offline"));
    r.voided = json_is_true(json_object_get(a, "voided"));
    r.copy = copy != 0;
    err = receipt_encode_sale(e, &r);
    free(items);
    free(names);
    return err;
}

/* The receipt data of a charge the server did not number (offline) or
 * whose data it did not give: from the charge's own answer. */
static json_t *charge_data(till *t, const charge_res *res)
{
    char now[CP_TIME_ISO_LEN] = "";

    clock_now_iso(now);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:[]}",
                     "sale_id", jsonl_str(res->sale_id), "cashier", jsonl_str(t->cashier),
                     "name", jsonl_str(res->name), "staff_no", jsonl_str(res->staff_no),
                     "period", jsonl_str(res->period), "created_at", now, "charged_fen",
                     (json_int_t)res->charged_fen, "subsidy_fen", (json_int_t)res->subsidy_fen,
                     "cash_fen", (json_int_t)res->cash_fen, "cash_left_fen",
                     (json_int_t)res->cash_left_fen, "subsidy_left_fen",
                     (json_int_t)res->subsidy_left_fen, "offline", res->offline, "lines");
}

static cp_err server_print_sale(till *t, const charge_res *res, int *printed)
{
    /* A meal's receipt needs nothing the answer lacks: no request on the
     * tap's path. Items' lines (names, amounts) come from the server. */
    json_t *a = res->offline || t->charged_lines == 0 ? NULL : sale_data(t, res->sale_id);
    escpos *e = NULL;
    cp_err err;

    *printed = 0;
    if (!a) {
        a = charge_data(t, res);
    } else {
        /* the balances its charge left, as the store's receipt prints them */
        json_object_set_new(a, "cash_left_fen", json_integer((json_int_t)res->cash_left_fen));
        json_object_set_new(a, "subsidy_left_fen",
                            json_integer((json_int_t)res->subsidy_left_fen));
    }
    if (!a)
        return cp_fail(CP_ERR_NOMEM, "out of memory for a receipt");
    if (!(err = printq_encoder(t->pq, &e)))
        err = print_built(t, res->sale_id, e, encode_sale_data(t, e, a, 0), 0, printed);
    json_decref(a);
    return err;
}

/* Encodes and prints the receipt of a void from its data (the answer of
 * POST /v1/void with the sale's data added, or GET /v1/receipt?id= of a
 * void): cashier and time are the original's, or the copy's own. */
static cp_err print_void_data(till *t, const json_t *v, const char *cashier, const char *time,
                              int copy, int *printed)
{
    const json_t *sale = json_object_get(v, "sale");
    const char *void_id = termsync_text(v, "void_id");
    char when[CLOCK_SHOW_LEN];
    receipt_void r = {0};
    escpos *e = NULL;
    cp_err err;

    *printed = 0;
    if (!sale)
        return cp_fail(CP_ERR_NOT_FOUND, "the sale of void %s could not be read from the "
                       "server: no receipt", void_id);
    r.canteen = server_canteen(t);
    r.terminal = t->terminal;
    r.cashier = cashier;
    r.manager = termsync_text(v, "manager");
    r.time = clock_show_iso(time, when);
    r.diner_name = termsync_text(sale, "name");
    r.staff_no = termsync_text(sale, "staff_no");
    r.sale_no = termsync_text(v, "sale_id");
    r.void_no = void_id;
    r.reason = termsync_text(v, "reason");
    r.amount_fen = json_integer_value(json_object_get(sale, "charged_fen"));
    r.subsidy_back_fen = json_integer_value(json_object_get(sale, "subsidy_fen"));
    r.cash_back_fen = json_integer_value(json_object_get(sale, "cash_fen"));
    r.cash_left_fen = json_integer_value(json_object_get(v, "cash_left_fen"));
    r.subsidy_left_fen = json_integer_value(json_object_get(v, "subsidy_left_fen"));
    r.copy = copy != 0;
    if (!(err = printq_encoder(t->pq, &e)))
        err = print_built(t, void_id, e, receipt_encode_void(e, &r), copy, printed);
    return err;
}

static cp_err server_print_void(till *t, const char *void_id, const char *cashier, int *printed)
{
    char now[CP_TIME_ISO_LEN] = "";

    *printed = 0;
    if (!t->voided || strcmp(termsync_text(t->voided, "void_id"), void_id) != 0)
        return cp_fail(CP_ERR_NOT_FOUND, "the sale of void %s could not be read from the "
                       "server: no receipt", void_id);
    clock_now_iso(now);
    return print_void_data(t, t->voided, cashier, now, 0, printed);
}

static cp_err server_print_z(till *t, const shift_report *z, int *printed)
{
    escpos *e = NULL;
    cp_err err;

    *printed = 0;
    if (!(err = printq_encoder(t->pq, &e)))
        err = print_built(t, z->close_id, e,
                          printq_encode_z(e, server_canteen(t), t->terminal, z, snap_namer, t, 0),
                          0, printed);
    return err;
}

/* A receipt printed again: one still waiting goes out as the original;
 * else a copy of the sale, void or Z report, from its data at the server
 * (GET /v1/receipt?id=, whose answer says which it is). */
static cp_err server_reprint(till *t, const char *id, int *printed)
{
    char path[IDS_LEN + 32];
    const char *kind;
    json_t *a = NULL;
    escpos *e = NULL;
    shift_report z;
    cp_err err;
    int left = 0;

    *printed = 0;
    if (printq_is_pending(t->pq, id)) {
        err = printq_flush(t->pq, NULL, &left);
        *printed = !err && !printq_is_pending(t->pq, id);
        return err;
    }
    snprintf(path, sizeof path, "/v1/receipt?id=%s", id);
    if ((err = ask(t, "GET", path, NULL, &a)))
        goto out;
    kind = termsync_text(a, "kind");
    if (strcmp(kind, "void") == 0) {
        err = print_void_data(t, a, NULL, termsync_text(a, "created_at"), 1, printed);
    } else if (strcmp(kind, "shift") == 0) {
        char *text = json_dumps(json_object_get(a, "report"), JSON_COMPACT);
        if (!text || (err = shift_report_parse(text, &z))) {
            err = cp_fail(text ? CP_ERR_PARSE : CP_ERR_NOMEM,
                          "the server's Z report %s cannot be read", id);
        } else {
            if (!(err = printq_encoder(t->pq, &e)))
                err = print_built(t, id, e,
                                  printq_encode_z(e, server_canteen(t),
                                                  termsync_text(a, "terminal"), &z, snap_namer,
                                                  t, 1),
                                  1, printed);
            shift_report_free(&z);
        }
        free(text);
    } else if (!(err = printq_encoder(t->pq, &e))) {
        err = print_built(t, id, e, encode_sale_data(t, e, a, 1), 1, printed);
    }
out:
    json_decref(a);
    return err;
}

static cp_err server_print_flush(till *t, int *left)
{
    return printq_flush(t->pq, NULL, left);
}

/* The queue sent when it waits; else a snapshot older than a few minutes
 * fetched anew; then the journal tidied (journal_tidy). At most every
 * TILL_IDLE_S: each try may wait the budget. */
static void server_idle(till *t)
{
    json_t *error = NULL;
    int64_t pending = 0;
    time_t now = time(NULL);

    if (now - t->last_idle < TILL_IDLE_S)
        return;
    t->last_idle = now;
    if (journal_pending_count(termsync_journal(t->ts), &pending) == CP_OK && pending > 0)
        termsync_flush(t->ts, &error);
    else
        termsync_refresh_snapshot(t->ts, TILL_SNAPSHOT_MAX_AGE_S);
    journal_tidy(termsync_journal(t->ts)); /* on failure a later commit does it */
    json_decref(error);
}

const till_ops till_server_ops = {
    .canteen = server_canteen,         .online = server_online,
    .period = server_period,           .item = server_item,
    .name = server_name,               .login = server_login,
    .logout = server_logout,           .shift_current = server_shift_current,
    .shift_open = server_shift_open,   .shift_close = server_shift_close,
    .charge = server_charge,           .last_sale = server_last_sale,
    .sale_brief = server_sale_brief,   .void_sale = server_void,
    .print_sale = server_print_sale,   .print_void = server_print_void,
    .print_z = server_print_z,         .reprint = server_reprint,
    .print_flush = server_print_flush, .idle = server_idle,
};
