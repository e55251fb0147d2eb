/* netcharge: a charge through the canteen server, or decided at the terminal when it does not answer. */
#include "pos/netcharge.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/nls.h"
#include "core/utf8.h"
#include "core/jsonl.h"
#include "pos/offline.h"

/* An offline decision in the making: what termsync_submit's decide sees. */
typedef struct decision {
    termsync *ts;
    const netcharge_req *req;
    cp_time at;
    json_t *answer; /* the terminal's own answer */
} decision;

/* A refusal the terminal makes itself, marked offline. */
static json_t *offline_refusal(const char *code, const char *message)
{
    return json_pack("{s:b, s:s, s:o, s:b}", "ok", 0, "error", code, "message",
                     jsonl_str(message), "offline", 1);
}

/* Decides a charge without the server, from the snapshot (termsync_decide). */
static int decide_offline(void *ctx, json_t *event)
{
    decision *o = ctx;
    json_t *snap = termsync_snapshot(o->ts), *card;
    int charged = 0;

    (void)event;
    if (!snap) {
        o->answer = offline_refusal("offline_no_snapshot",
                                    _("the server does not answer and this terminal has no "
                                      "snapshot yet to decide from: nothing charged; check the "
                                      "network and the server"));
        return 0;
    }
    if (o->req->nlines > 0) {
        o->answer = offline_refusal("offline_items",
                                    _("the server does not answer: a-la-carte items need it; "
                                      "nothing charged. Sell the fixed-price meal, or wait for "
                                      "the server"));
        return 0;
    }
    card = termsync_card(o->ts, o->req->card);
    o->answer = offline_charge(snap, card, o->req->card, &o->at,
                               o->req->dup_seconds ? o->req->dup_seconds : LEDGER_DUP_TAP_SECONDS,
                               &charged);
    /* the card changed: kept, so that the next tap and a restart see it */
    if (charged && termsync_card_store(o->ts, card))
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
    json_decref(card);
    return charged;
}

/* A charge the server made: kept in the held card (offline_note_charge),
 * for the decisions made offline before the next snapshot. */
static void note_online(termsync *ts, const netcharge_req *req, const json_t *answer,
                        const cp_time *at)
{
    json_t *snap = termsync_snapshot(ts), *card;

    if (!snap || !(card = termsync_card(ts, req->card)))
        return;
    offline_note_charge(snap, card, answer, at);
    if (termsync_card_note(ts, card))
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
    json_decref(card);
}

/* The event of a charge: when, the card, who, and the lines if any. */
static json_t *charge_event(const netcharge_req *req, const cp_time *at)
{
    char iso[CP_TIME_ISO_LEN];
    json_t *ev, *lines;

    clock_iso(at, iso);
    ev = json_pack("{s:s, s:s, s:o}", "at", iso, "card", req->card, "cashier",
                   jsonl_str(req->cashier));
    if (!ev || req->nlines == 0)
        return ev;
    if (!(lines = json_array()) || json_object_set_new(ev, "lines", lines)) {
        json_decref(ev);
        return NULL;
    }
    for (size_t i = 0; i < req->nlines; i++)
        if (json_array_append_new(lines, json_pack("{s:o, s:i}", "item",
                                                   jsonl_str(req->lines[i].item_code),
                                                   "quantity", req->lines[i].quantity))) {
            json_decref(ev);
            return NULL;
        }
    return ev;
}

json_t *netcharge(termsync *ts, const netcharge_req *req, int *refused)
{
    decision o = {.ts = ts, .req = req};
    termsync_result res;
    json_t *ev = NULL;
    char reqid[96];

    *refused = 0;
    if (clock_now(&o.at) || !(ev = charge_event(req, &o.at)))
        return NULL;
    if (termsync_submit(ts, "charge", ev, decide_offline, &o, &res)) {
        json_decref(ev);
        json_decref(o.answer);
        return NULL;
    }
    json_decref(ev);
    if (res.state == TERMSYNC_NO_ANSWER) {
        if (res.seq && o.answer) {
            snprintf(reqid, sizeof reqid, "%s/%lld", termsync_terminal(ts), (long long)res.seq);
            json_object_set_new(o.answer, "request_id", json_string(reqid));
        }
        return o.answer;
    }
    json_decref(o.answer);
    if (res.state == TERMSYNC_ANSWERED && json_is_true(json_object_get(res.answer, "ok")))
        note_online(ts, req, res.answer, &o.at);
    if (res.state == TERMSYNC_REFUSED) {
        *refused = 1;
        json_object_del(res.answer, "server_time");
    }
    return res.answer;
}

/* Copies the string member key of o into dst (size bytes), "" when absent. */
static void get_str(const json_t *o, const char *key, char *dst, size_t size)
{
    utf8_copy(dst, size, json_string_value(json_object_get(o, key)));
}

static int64_t get_int(const json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

void netcharge_result(const json_t *a, charge_res *res)
{
    memset(res, 0, sizeof *res);
    if (!json_is_true(json_object_get(a, "ok"))) {
        res->result = cp_errcode(json_string_value(json_object_get(a, "error")), CP_ERR_INVALID);
        get_str(a, "message", res->message, sizeof res->message);
    }
    get_str(a, "sale_id", res->sale_id, sizeof res->sale_id);
    if (!res->sale_id[0]) /* an offline charge has its request id until the server numbers it */
        get_str(a, "request_id", res->sale_id, sizeof res->sale_id);
    get_str(a, "staff_no", res->staff_no, sizeof res->staff_no);
    get_str(a, "name", res->name, sizeof res->name);
    get_str(a, "department", res->department, sizeof res->department);
    get_str(a, "period", res->period, sizeof res->period);
    res->charged_fen = get_int(a, "charged_fen");
    res->subsidy_fen = get_int(a, "subsidy_fen");
    res->cash_fen = get_int(a, "cash_fen");
    res->cash_left_fen = get_int(a, "cash_left_fen");
    res->subsidy_left_fen = get_int(a, "subsidy_left_fen");
    res->meals_today = (int)get_int(a, "meals_today");
    res->repeated = json_is_true(json_object_get(a, "repeated"));
    res->offline = json_is_true(json_object_get(a, "offline"));
    res->over_limit = json_is_true(json_object_get(a, "over_limit"));
}
