/* serve_till: the routes a cashier's full screen needs besides charges: the login, the shift (open, close and its Z report) and the terminal's last sale (doc/protocol.md).
 *
 * A terminal on the server keeps no store of its own, so what the screen
 * did on the store with --db it asks the server for here, with the same
 * functions underneath: the PIN through users_authenticate (its count and
 * lock shared with the office and every terminal), the shift through
 * pos/shift.h on the signing terminal's own sequence. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/serve_int.h"
#include "core/audit.h"
#include "core/nls.h"
#include "core/utf8.h"
#include "core/users.h"
#include "core/jsonl.h"
#include "pos/shift.h"
#include "pos/ui_data.h"

/* The most cash a drawer count may say: a million yuan (a typo, not a drawer). */
#define SHIFT_MAX_CASH_FEN INT64_C(100000000)

/* The request's body as a JSON object, or NULL with a 400 answered. */
static json_t *body_object(const serve_req *r, serve_answer *a)
{
    json_t *in = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL);

    if (!json_is_object(in)) {
        json_decref(in);
        serve_error(a, 400, "bad_json", "the body must be one JSON object");
        return NULL;
    }
    return in;
}

/* A store failure: busy (the terminal may send the same again). */
static void store_busy(serve_answer *a)
{
    serve_error(a, 503, "busy", "%s", cp_detail());
}

/* ---- POST /v1/login, POST /v1/logout ----------------------------------------- */

void serve_auth_fields(serve_answer *a, const users_auth *auth)
{
    json_object_set_new(a->body, "failures", json_integer(auth->failures));
    json_object_set_new(a->body, "tries", json_integer(auth->tries));
    json_object_set_new(a->body, "locked_s", json_integer(auth->locked_s));
    json_object_set_new(a->body, "locked_now", json_boolean(auth->locked_now));
    json_object_set_new(a->body, "denied", json_boolean(auth->denied));
    json_object_set_new(a->body, "role", json_string(auth->role));
}

int serve_bad_text(serve_answer *a, const char *what, const char *s, size_t max)
{
    if (!s || !*s || utf8_name_valid(what, s, max) == CP_OK)
        return 0;
    serve_error(a, 400, "bad_json", "%s", cp_detail());
    return 1;
}

/* Whether name is the cashier logged in at the signing terminal now: its
 * chain's last login or logout is a login of name. A shift is opened and
 * closed, and a cashier logged out, in the name of the one who typed the
 * PIN there: the terminal's key alone put the manager's name on a shift
 * and on an audited logout. 0: yes; otherwise a refusal in a. */
static int not_logged_in(const serve_req *r, serve_answer *a, const char *name)
{
    int in;

    if (audit_logged_in(r->d, r->terminal, name, &in)) {
        store_busy(a);
        return 1;
    }
    if (!in)
        serve_error(a, 403, "not_logged_in", "%s is not logged in at %s: log in with the PIN "
                    "first", name, r->terminal);
    return !in;
}

/* The terminals with a PIN check under way, one each at most: a check
 * takes ~0.3 s of a worker (crypto_pwhash), and one terminal's key sending
 * them on 40 connections at once held every worker, so that every other
 * terminal's charges waited past their budget and went offline. A person
 * types one PIN at a time. */
static struct {
    pthread_mutex_t lock;
    char codes[SERVE_PIN_CHECKS][64];
} pin_checks = {PTHREAD_MUTEX_INITIALIZER, {{0}}};

int serve_pin_claim(const char *terminal, serve_answer *a)
{
    int free_slot = -1, taken = 0;

    pthread_mutex_lock(&pin_checks.lock);
    for (int i = 0; i < SERVE_PIN_CHECKS && !taken; i++) {
        if (!pin_checks.codes[i][0] && free_slot < 0)
            free_slot = i;
        taken = strcmp(pin_checks.codes[i], terminal) == 0;
    }
    if (!taken && free_slot >= 0)
        snprintf(pin_checks.codes[free_slot], sizeof pin_checks.codes[free_slot], "%s",
                 terminal);
    pthread_mutex_unlock(&pin_checks.lock);
    if (taken || free_slot < 0) {
        serve_error(a, 429, "busy", "%s", taken ? "a PIN of this terminal is being checked: one "
                    "at a time; try again" : "too many PINs are being checked; try again");
        return 0;
    }
    return 1;
}

void serve_pin_release(const char *terminal)
{
    pthread_mutex_lock(&pin_checks.lock);
    for (int i = 0; i < SERVE_PIN_CHECKS; i++)
        if (strcmp(pin_checks.codes[i], terminal) == 0)
            pin_checks.codes[i][0] = '\0';
    pthread_mutex_unlock(&pin_checks.lock);
}

static void handle_login(const serve_req *r, serve_answer *a)
{
    json_t *in = body_object(r, a);
    const char *name = json_string_value(json_object_get(in, "name"));
    const char *pin = json_string_value(json_object_get(in, "pin"));
    users_attempt at = {0};
    users_auth auth;
    cp_err err;

    if (!in)
        return;
    if (!name || !pin || !*name) {
        serve_error(a, 400, "bad_json", "a login needs name and pin");
        goto out;
    }
    if (serve_bad_text(a, _("the name"), name, UTF8_NAME_MAX))
        goto out;
    at = (users_attempt){.name = name, .pin = pin, .need = "cashier", .terminal = r->terminal,
                         .purpose = "login"};
    if (!serve_pin_claim(r->terminal, a))
        goto out;
    err = users_authenticate(r->d, &at, &auth);
    serve_pin_release(r->terminal);
    if (err) {
        if (err != CP_ERR_AUTH) {
            store_busy(a);
            goto out;
        }
        serve_error(a, 403, auth.locked_s > 0 ? "locked" : "bad_pin", "%s", cp_detail());
        serve_auth_fields(a, &auth);
        goto out;
    }
    if (audit_append(r->d, name, r->terminal, "pos.login", name, NULL)) {
        store_busy(a);
        goto out;
    }
    a->body = json_pack("{s:b, s:o, s:s}", "ok", 1, "name", jsonl_str(name), "role", auth.role);
out:
    json_decref(in);
}

static void handle_logout(const serve_req *r, serve_answer *a)
{
    json_t *in = body_object(r, a);
    const char *name = json_string_value(json_object_get(in, "name"));
    const char *why = json_string_value(json_object_get(in, "reason"));

    if (!in)
        return;
    if (!name || !*name)
        serve_error(a, 400, "bad_json", "a logout needs the cashier's name");
    else if (serve_bad_text(a, _("the name"), name, UTF8_NAME_MAX) ||
             serve_bad_text(a, _("the reason"), why, SERVE_REASON_MAX) ||
             not_logged_in(r, a, name))
        ; /* refused */
    else if (audit_append(r->d, name, r->terminal, "pos.logout", name, why))
        store_busy(a);
    else
        a->body = json_pack("{s:b}", "ok", 1);
    json_decref(in);
}

/* ---- GET /v1/shift, POST /v1/shift ---------------------------------------------- */

static json_t *shift_object(const shift_info *s)
{
    return json_pack("{s:o, s:o, s:s, s:I}", "id", jsonl_str(s->id), "cashier",
                     jsonl_str(s->cashier), "opened", s->opened, "counted_cash_fen",
                     (json_int_t)s->counted_cash_fen);
}

static void handle_shift_get(const serve_req *r, serve_answer *a)
{
    shift_info s;
    int is_open = 0;

    if (shift_current(r->d, r->terminal, &s, &is_open)) {
        store_busy(a);
        return;
    }
    a->body = json_pack("{s:b, s:b}", "ok", 1, "open", is_open);
    if (is_open)
        json_object_set_new(a->body, "shift", shift_object(&s));
}

/* Opens the shift; one already open is answered 409 with it. */
static void shift_do_open(const serve_req *r, serve_answer *a, const char *cashier, int64_t fen)
{
    shift_info s;
    cp_err err = shift_open(r->d, r->terminal, cashier, fen, &s);

    if (err == CP_ERR_EXISTS) {
        serve_error(a, 409, "exists", "%s", cp_detail());
        if (shift_current(r->d, r->terminal, &s, &(int){0}) == CP_OK)
            json_object_set_new(a->body, "shift", shift_object(&s));
    } else if (err) {
        store_busy(a);
    } else {
        a->body = json_pack("{s:b, s:o}", "ok", 1, "shift", shift_object(&s));
    }
}

/* Closes the shift: the answer carries its Z report. */
static void shift_do_close(const serve_req *r, serve_answer *a, const char *cashier,
                           int64_t fen)
{
    shift_report z;
    char *text = NULL;
    json_t *report;
    cp_err err = shift_close(r->d, r->terminal, cashier, fen, &z);

    if (err == CP_ERR_NOT_FOUND) {
        serve_error(a, 404, "not_found", "%s", cp_detail());
        return;
    }
    if (err) {
        store_busy(a);
        return;
    }
    if (!(text = shift_report_json(&z)) || !(report = json_loads(text, 0, NULL)))
        serve_error(a, 500, "nomem", "out of memory writing the Z report");
    else
        a->body = json_pack("{s:b, s:o}", "ok", 1, "report", report);
    free(text);
    shift_report_free(&z);
}

static void handle_shift_post(const serve_req *r, serve_answer *a)
{
    json_t *in = body_object(r, a);
    const char *action = json_string_value(json_object_get(in, "action"));
    const char *cashier = json_string_value(json_object_get(in, "cashier"));
    json_t *cash = json_object_get(in, "cash_fen");
    int64_t fen = json_integer_value(cash);

    if (!in)
        return;
    if (!action || !cashier || !*cashier || !json_is_integer(cash) || fen < 0 ||
        fen > SHIFT_MAX_CASH_FEN)
        serve_error(a, 400, "bad_json", "a shift needs action (open or close), cashier and "
                    "cash_fen (0 or more)");
    else if (serve_bad_text(a, _("the cashier"), cashier, UTF8_NAME_MAX) ||
             not_logged_in(r, a, cashier))
        ; /* refused */
    else if (strcmp(action, "open") == 0)
        shift_do_open(r, a, cashier, fen);
    else if (strcmp(action, "close") == 0)
        shift_do_close(r, a, cashier, fen);
    else
        serve_error(a, 400, "bad_json", "action is open or close, not '%s'", action);
    json_decref(in);
}

/* ---- GET /v1/last-sale ------------------------------------------------------------ */

/* The last sale numbered on this terminal, for the void screen's default. */
static void handle_last_sale(const serve_req *r, serve_answer *a)
{
    char id[IDS_LEN];
    cp_err err = ui_data_last_sale(r->d, r->terminal, id);

    if (err == CP_ERR_NOT_FOUND)
        serve_error(a, 404, "not_found", "no sale on terminal %s yet", r->terminal);
    else if (err)
        store_busy(a);
    else
        a->body = json_pack("{s:b, s:s}", "ok", 1, "sale_id", id);
}

const serve_route serve_till_routes[] = {
    {.method = "POST", .path = "/v1/login", .handle = handle_login, .log_class = "login"},
    {.method = "POST", .path = "/v1/logout", .handle = handle_logout, .log_class = "logout"},
    {.method = "GET", .path = "/v1/shift", .handle = handle_shift_get, .log_class = "shift"},
    {.method = "POST", .path = "/v1/shift", .handle = handle_shift_post, .log_class = "shift"},
    {.method = "GET", .path = "/v1/last-sale", .handle = handle_last_sale,
     .log_class = "last-sale"},
    {.method = NULL},
};
