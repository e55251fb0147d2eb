/* station_net: a waste station of the canteen server (doc/protocol.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/nls.h"
#include "core/termsync.h"
#include "core/utf8.h"
#include "scale/station_net.h"

#define IDLE_MS 3000 /* the queue is tried again this often while nothing is weighed */

struct station_net {
    termsync *ts;
    char terminal[64];
    json_t *answer;  /* the last weighing's answer, for the headless line */
    int64_t last_try_ms;
};

cp_err station_net_open(const station_cfg *c, station_net **out)
{
    termsync_config tc = {.server = c->server, .terminal = c->terminal, .key = c->key,
                          .journal = c->journal, .budget_ms = c->offline_after_ms,
                          .ca = c->ca[0] ? c->ca : NULL};
    station_net *n = calloc(1, sizeof *n);
    json_t *error = NULL;
    cp_err err = CP_OK;

    *out = NULL;
    if (!n)
        return cp_fail(CP_ERR_NOMEM, "out of memory starting the link to the server");
    snprintf(n->terminal, sizeof n->terminal, "%s", c->terminal);
    if ((err = termsync_open(&tc, &n->ts)))
        goto out;
    if (termsync_hello(n->ts, &error) == TERMSYNC_REFUSED) {
        err = cp_fail(CP_ERR_AUTH, "the server refused this terminal's request (%s): %s",
                      termsync_text(error, "error"),
                      termsync_text(error, "message"));
        goto out;
    }
    *out = n;
    n = NULL;
out:
    json_decref(error);
    station_net_close(n);
    return err;
}

void station_net_close(station_net *n)
{
    if (!n)
        return;
    json_decref(n->answer);
    termsync_close(n->ts);
    free(n);
}

json_t *station_net_take_answer(station_net *n)
{
    json_t *a = n->answer;
    n->answer = NULL;
    return a;
}

/* A weighing is kept whatever the link does (termsync_decide). */
static int always_keep(void *ctx, json_t *event)
{
    (void)ctx;
    (void)event;
    return 1;
}

/* The event of a weighing, as doc/protocol.md words it. */
static json_t *weighing_event(const waste_req *req)
{
    char at[CP_TIME_ISO_LEN];
    cp_time now;
    json_t *ev;

    if (clock_now(&now))
        return NULL;
    clock_iso(&now, at);
    ev = json_pack("{s:s, s:s, s:I, s:I, s:b, s:s}", "at", at, "stage", req->stage, "gross_g",
                   (json_int_t)req->gross_g, "tare_g", (json_int_t)req->tare_g, "overload",
                   req->overload, "actor", req->actor ? req->actor : "station");
    if (ev && req->card_no)
        json_object_set_new(ev, "card", json_string(req->card_no));
    if (ev && req->category)
        json_object_set_new(ev, "category", json_string(req->category));
    if (ev && req->reason)
        json_object_set_new(ev, "reason", json_string(req->reason));
    return ev;
}

/* The text member key of o into dst. */
static void copy_text(char *dst, size_t size, const json_t *o, const char *key)
{
    utf8_copy(dst, size, json_string_value(json_object_get(o, key)));
}

/* What the station's screen shows of the server's answer. */
static void from_answer(const json_t *a, const waste_req *req, waste_res *res)
{
    json_t *flag, *pct = json_object_get(a, "rate_pct");
    size_t i;

    copy_text(res->id, sizeof res->id, a, "id");
    copy_text(res->name, sizeof res->name, a, "name");
    copy_text(res->staff_no, sizeof res->staff_no, a, "staff_no");
    copy_text(res->department, sizeof res->department, a, "department");
    copy_text(res->department_code, sizeof res->department_code, a, "department_code");
    copy_text(res->card_no, sizeof res->card_no, a, "card");
    copy_text(res->category, sizeof res->category, a, "category");
    copy_text(res->reason, sizeof res->reason, a, "reason");
    res->net_g = json_integer_value(json_object_get(a, "net_g"));
    res->clean_plate = json_is_true(json_object_get(a, "clean_plate"));
    res->repeated = json_is_true(json_object_get(a, "repeated"));
    /* what the screen says beside the weight, as a station on the store
     * says it: the flags (no meal found, overload) and today's rate (it
     * showed "0% (0 of 0 trays)" after every tray) */
    json_array_foreach(json_object_get(a, "flags"), i, flag)
        res->flags |= waste_flag_named(json_string_value(flag));
    res->rate_of_department = strcmp(json_string_value(json_object_get(a, "rate_of")) ?
                                     json_string_value(json_object_get(a, "rate_of")) : "",
                                     "department") == 0;
    res->rate_clean = (long)json_integer_value(json_object_get(a, "rate_clean"));
    res->rate_trays = (long)json_integer_value(json_object_get(a, "rate_trays"));
    res->rate_pct = json_is_integer(pct) ? (int)json_integer_value(pct) : -1;
    if (!json_is_true(json_object_get(a, "ok"))) {
        /* refused by the store (an unknown card, say): recorded as refused */
        copy_text(res->message, sizeof res->message, a, "message");
        res->net_g = req->gross_g - req->tare_g;
    }
}

/* The station's own answer to a weighing queued without the server. */
static json_t *offline_answer(const station_net *n, int64_t seq, const waste_req *req,
                              waste_res *res)
{
    char id[96];

    snprintf(id, sizeof id, "%s/%lld", n->terminal, (long long)seq);
    res->net_g = req->gross_g - req->tare_g;
    res->rate_pct = -1; /* not known until the server answers */
    utf8_copy(res->card_no, sizeof res->card_no, req->card_no ? req->card_no : "");
    utf8_copy(res->message, sizeof res->message,
              _("saved offline: sent to the server when it answers again"));
    return json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:s?, s:b, s:s}", "ok", 1, "id", "",
                     "request_id", id, "stage", req->stage, "gross_g", (json_int_t)req->gross_g,
                     "tare_g", (json_int_t)req->tare_g, "net_g", (json_int_t)res->net_g, "card",
                     req->card_no, "offline", 1, "message", res->message);
}

cp_err station_net_save(void *arg, const waste_req *req, waste_res *res)
{
    station_net *n = arg;
    termsync_result r;
    json_t *ev = weighing_event(req);
    cp_err err;

    memset(res, 0, sizeof *res);
    snprintf(res->stage, sizeof res->stage, "%s", req->stage);
    res->gross_g = req->gross_g;
    res->tare_g = req->tare_g;
    if (!ev)
        return cp_fail(CP_ERR_NOMEM, "out of memory saving the weighing");
    err = termsync_submit(n->ts, "weighing", ev, always_keep, NULL, &r);
    json_decref(ev);
    if (err)
        return err;
    json_decref(n->answer);
    n->answer = NULL;
    switch (r.state) {
    case TERMSYNC_ANSWERED:
        from_answer(r.answer, req, res);
        n->answer = r.answer;
        return CP_OK;
    case TERMSYNC_NO_ANSWER:
        n->answer = offline_answer(n, r.seq, req, res);
        return CP_OK;
    case TERMSYNC_REFUSED:
        break;
    }
    /* refused as a request (a wrong key): nothing kept, tried again later */
    err = cp_fail(CP_ERR_AUTH, "the server refused this terminal's request (%s): %s",
                  termsync_text(r.answer, "error"),
                  termsync_text(r.answer, "message"));
    json_decref(r.answer);
    return err;
}

void station_net_tick(station_net *n, int64_t now_ms)
{
    json_t *error = NULL;
    int64_t pending = 0;

    if (now_ms - n->last_try_ms < IDLE_MS)
        return;
    n->last_try_ms = now_ms;
    if (journal_pending_count(termsync_journal(n->ts), &pending) == CP_OK && pending > 0)
        termsync_flush(n->ts, &error);
    journal_tidy(termsync_journal(n->ts)); /* on failure a later commit does it */
    json_decref(error);
}
