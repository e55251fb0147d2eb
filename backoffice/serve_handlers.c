/* serve_handlers: the server's routes: events (charges and weighings, applied once per terminal and seq) and voids (doc/protocol.md).
 *
 * Exactly once. An event's request id ("CODE/SEQ") makes its effect
 * idempotent: the charge keeps its request in charge_requests, the
 * weighing its placement, and a repeat of either answers with the first
 * result and writes nothing. An event's record (terminal_events: its
 * content hash and answer, the high-water mark, the contact) is written in
 * the charge's or the weighing's own transaction (charge_req.also,
 * waste_req.also), with its COMMIT: in the store exactly when the effect
 * is, at no commit of its own. The other events a request applied
 * (refusals decided here, events answered again) are recorded together in
 * one transaction after the walk.
 * When the server dies before that record, the retry applies the request
 * ids again, gets the first answers (repeated) and records them then; the
 * one thing that window loses is the id_conflict check of a retry with
 * other content: it is answered with the first effect instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/serve_int.h"
#include "core/cardno.h"
#include "core/clock.h"
#include "core/hash.h"
#include "core/jsonl.h"
#include "core/ledger.h"
#include "core/nls.h"
#include "core/termauth.h"
#include "core/users.h"
#include "core/waste.h"
#include "core/utf8.h"
#include "pos/ui_data.h"

/* ---- one event ------------------------------------------------------------ */

/* Whether err leaves the event undone, to be sent again (the store busy,
 * full or gone), rather than answered. */
static int retryable(cp_err err)
{
    return err == CP_ERR_BUSY || err == CP_ERR_DB || err == CP_ERR_FULL || err == CP_ERR_IO ||
           err == CP_ERR_NOMEM || err == CP_ERR_TIMEOUT || err == CP_ERR_DISCONNECTED;
}

/* The card of an event, normalised; "" when it has none. 0 when it is not
 * a card number (then *answer is the refusal). */
static int event_card(json_t *ev, int64_t seq, char card[CARDNO_LEN + 1], json_t **answer)
{
    const char *raw = json_string_value(json_object_get(ev, "card"));

    card[0] = '\0';
    if (!raw || !*raw)
        return 1;
    if (cardno_normalize(raw, CARDNO_AUTO, card) == CP_OK)
        return 1;
    *answer = jsonl_refusal(seq, "unknown_card", cp_detail());
    return 0;
}

/* The lines of a charge (absent: the fixed-price meal), into lines (at most
 * max). -1 when they are not an array of {item, quantity}. */
static int charge_lines(json_t *ev, charge_line *lines, size_t max)
{
    json_t *arr = json_object_get(ev, "lines"), *l;
    size_t i;

    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > max)
        return -1;
    json_array_foreach(arr, i, l) {
        json_t *q = json_object_get(l, "quantity");
        lines[i].item_code = json_string_value(json_object_get(l, "item"));
        if (!lines[i].item_code || !json_is_integer(q) || json_integer_value(q) < 1 ||
            json_integer_value(q) > 100000)
            return -1;
        lines[i].quantity = (int)json_integer_value(q);
    }
    return (int)json_array_size(arr);
}

#define MAX_LINES 64

/* What the record of an event written in its transaction needs
 * (record_charge, record_weighing). */
typedef struct event_record {
    const serve_req *r;
    json_t *ev;
    int64_t seq;
    const char *kind, *hash;
    json_t *answer; /* the answer recorded by the last attempt (owned) */
} event_record;

/* The server's record of the event, with answer (taken), in the event's
 * transaction; the answer is the one apply_event gives (kept in c->answer,
 * to give when this attempt commits). */
static cp_err record_answer(db *d, event_record *c, json_t *answer)
{
    char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    cp_err err = text ? CP_OK : cp_fail(CP_ERR_NOMEM, "out of memory answering event %lld",
                                        (long long)c->seq);

    if (!err)
        err = terminals_event_record_in_txn(
            d, &(terminals_event){c->r->terminal, c->seq, c->kind, c->hash, text,
                                  json_is_true(json_object_get(c->ev, "offline")),
                                  json_string_value(json_object_get(c->ev, "at")), c->r->now,
                                  c->r->pending, c->r->snapshot_version});
    free(text);
    json_decref(c->answer);
    c->answer = answer;
    return err;
}

/* charge_req.also: the record of a charge. */
static cp_err record_charge(db *d, const charge_res *res, void *arg)
{
    event_record *c = arg;
    return record_answer(d, c, jsonl_charge(c->seq, res));
}

/* waste_req.also: the record of a weighing. */
static cp_err record_weighing(db *d, const waste_res *res, void *arg)
{
    event_record *c = arg;
    return record_answer(d, c, jsonl_weighing(c->seq, res));
}

/* Applies a charge; CP_OK with *answer, or a retryable error. *recorded
 * says whether its record went with it (record_charge). */
static cp_err apply_charge(const serve_req *r, json_t *ev, int64_t seq, const char *reqid,
                           const char *hash, json_t **answer, int *recorded)
{
    event_record rec = {r, ev, seq, "charge", hash, NULL};
    charge_line lines[MAX_LINES];
    char card[CARDNO_LEN + 1];
    const char *cashier = json_string_value(json_object_get(ev, "cashier"));
    charge_req req = {0};
    charge_res res;
    char from[CP_TIME_ISO_LEN];
    int n = charge_lines(ev, lines, MAX_LINES);
    cp_err err;

    if (n < 0) {
        *answer = jsonl_refusal(seq, "bad_json", "lines: a list of {\"item\", \"quantity\"}");
        return CP_OK;
    }
    if (!event_card(ev, seq, card, answer))
        return CP_OK;
    /* the cashier is written into the sale and shown in the reports: a
     * name on one line, as every name */
    if (cashier && *cashier && utf8_name_valid(_("the cashier"), cashier, UTF8_NAME_MAX)) {
        *answer = jsonl_refusal(seq, "bad_json", cp_detail());
        return CP_OK;
    }
    if (json_is_false(json_object_get(ev, "served"))) {
        /* the event in flight the terminal refused offline: the diner was
         * not served; its seq counts, nothing is charged */
        *answer = jsonl_refusal(seq, "refused_offline", "the terminal refused this charge "
                                "offline: nothing charged");
        return CP_OK;
    }
    req.terminal = r->terminal;
    req.card_no = card;
    req.request_id = reqid;
    req.actor = cashier && *cashier ? cashier : "terminal";
    req.lines = n ? lines : NULL;
    req.nlines = (size_t)n;
    /* An offline charge was decided and served by the terminal: it is
     * posted whatever the balance is now (flagged, the card blocked when it
     * went over its limit), on the business date and period of its tap time
     * "at" (core/rules.c, RULES_SERVED). An online one is decided on the
     * server's clock when it comes: its "at" is only kept. */
    req.offline = json_is_true(json_object_get(ev, "offline"));
    req.resent = json_is_true(json_object_get(ev, "resent"));
    req.at = req.offline ? json_string_value(json_object_get(ev, "at")) : NULL;
    if (req.offline && ((err = serve_offline_check(r, req.at, seq, reqid, answer)) || *answer))
        return err;
    if (req.offline && (err = serve_offline_seen(r, ev, &req, from)))
        return err;
    req.also = record_charge;
    req.also_arg = &rec;
    if ((err = ledger_charge(r->d, &req, &res)) && retryable(err)) {
        json_decref(rec.answer);
        return err;
    }
    /* the attempt that committed wrote its record, and its answer, unless
     * it only found the first answer of the request */
    if ((*recorded = !err && !res.repeated)) {
        *answer = rec.answer;
        return CP_OK;
    }
    json_decref(rec.answer);
    *answer = err ? jsonl_refusal(seq, cp_errname(err), cp_detail()) : jsonl_charge(seq, &res);
    return CP_OK;
}

/* Applies a weighing; CP_OK with *answer, or a retryable error. *recorded
 * says whether its record went with it (record_weighing). */
static cp_err apply_weighing(const serve_req *r, json_t *ev, int64_t seq, const char *reqid,
                             const char *hash, json_t **answer, int *recorded)
{
    event_record rec = {r, ev, seq, "weighing", hash, NULL};
    char card[CARDNO_LEN + 1];
    const char *actor = json_string_value(json_object_get(ev, "actor"));
    waste_req req = {0};
    waste_res res;
    cp_err err;

    if (!event_card(ev, seq, card, answer))
        return CP_OK;
    /* a weight that is missing or not a whole number is no reading: it was
     * taken for 0 g, a clean plate */
    if (!json_is_integer(json_object_get(ev, "gross_g")) ||
        (json_object_get(ev, "tare_g") && !json_is_integer(json_object_get(ev, "tare_g")))) {
        *answer = jsonl_refusal(seq, "bad_json", "a weighing needs gross_g (and tare_g, when "
                                "given) in whole grams");
        return CP_OK;
    }
    if (actor && *actor && utf8_name_valid(_("the actor"), actor, UTF8_NAME_MAX)) {
        *answer = jsonl_refusal(seq, "bad_json", cp_detail());
        return CP_OK;
    }
    req.terminal = r->terminal;
    req.placement = reqid;
    req.stage = json_string_value(json_object_get(ev, "stage"));
    req.card_no = *card ? card : NULL;
    req.gross_g = json_integer_value(json_object_get(ev, "gross_g"));
    req.tare_g = json_integer_value(json_object_get(ev, "tare_g"));
    req.overload = json_is_true(json_object_get(ev, "overload"));
    req.category = json_string_value(json_object_get(ev, "category"));
    req.reason = json_string_value(json_object_get(ev, "reason"));
    req.actor = actor && *actor ? actor : "station";
    req.clean_plate_g = -1;
    req.also = record_weighing;
    req.also_arg = &rec;
    if (!req.stage) {
        *answer = jsonl_refusal(seq, "bad_json", "a weighing needs its stage");
        return CP_OK;
    }
    /* An offline weighing is posted when it was weighed, on that day and
     * meal period and against that day's meal (it came back with the
     * tray); one weighed at a time the server does not take (a clock gone
     * wrong), or in a month whose red/black list is out (core/waste.c), is
     * posted now, as before: a weighing is never refused. */
    req.offline = json_is_true(json_object_get(ev, "offline"));
    if (req.offline && serve_offline_at_ok(r, json_string_value(json_object_get(ev, "at")),
                                           seq))
        req.at = json_string_value(json_object_get(ev, "at"));
    if ((err = waste_record(r->d, &req, &res)) && retryable(err)) {
        json_decref(rec.answer);
        return err;
    }
    /* as for a charge: the attempt that committed wrote its record */
    if ((*recorded = !err && !res.repeated)) {
        *answer = rec.answer;
        return CP_OK;
    }
    json_decref(rec.answer);
    *answer = err ? jsonl_refusal(seq, cp_errname(err), cp_detail()) : jsonl_weighing(seq, &res);
    return CP_OK;
}

/* The hash of an event's content: its canonical JSON (keys sorted),
 * without "offline", "served", "resent", "snapshot_version" and
 * "snapshot_hash". A terminal
 * that sent an event and got no answer decides it offline and sends it
 * again marked so
 * (core/journal.h, journal_mark_offline), and one the server lost after
 * taking it is sent again marked resent (core/journal.c): the same event,
 * not a reused id. */
static int event_hash(json_t *ev, char hash[HASH_HEX_LEN])
{
    json_t *content = json_copy(ev);
    char *text = NULL;

    if (content) {
        json_object_del(content, "offline");
        json_object_del(content, "served");
        json_object_del(content, "resent");
        json_object_del(content, "snapshot_version");
        json_object_del(content, "snapshot_hash");
    }
    if (!content || !(text = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS))) {
        json_decref(content);
        return -1;
    }
    hash_bytes(text, strlen(text), hash);
    json_decref(content);
    free(text);
    return 0;
}

/* Whether the terminal and the answer disagree about an offline charge:
 * served at the terminal and refused here (its first answer, when it had
 * been applied online before the link went down, or an unknown card), or
 * refused at the terminal and charged here (applied online before). The
 * alarm is raised once per event, however often it comes again. */
static void check_served(const serve_req *r, json_t *ev, int64_t seq, const json_t *answer)
{
    char detail[256];
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    int served = !json_is_false(json_object_get(ev, "served"));
    int charged = json_is_true(json_object_get(answer, "ok"));
    const char *alarm = served ? "served_but_refused" : "charged_not_served";

    if (!json_is_true(json_object_get(ev, "offline")) || !kind || strcmp(kind, "charge") != 0 ||
        !answer || served == charged)
        return;
    if (served)
        snprintf(detail, sizeof detail, "event %lld (%s/%lld) was served offline but refused "
                 "here (%s): the meal is not charged; charge it by hand or write it off",
                 (long long)seq, r->terminal, (long long)seq,
                 json_string_value(json_object_get(answer, "error")));
    else
        snprintf(detail, sizeof detail, "event %lld (%s/%lld) was charged here (sale %s) but "
                 "the terminal refused it offline: the meal was not served; void the sale",
                 (long long)seq, r->terminal, (long long)seq,
                 json_string_value(json_object_get(answer, "sale_id")));
    if (terminals_alarm_once(r->d, r->terminal, r->now, alarm, detail))
        fprintf(stderr, _("serve: %s: raising the alarm %s: %s\n"), r->terminal, alarm,
                cp_detail());
}

/* The events a request applied: those not recorded in their own
 * transaction (record_charge, record_weighing) are recorded together when
 * the walk ends, whatever ends it (one commit per request besides the
 * events' own). A repeat of one in the same request is found here. */
typedef struct batch {
    terminals_event *ev;
    char (*hash)[HASH_HEX_LEN];
    char **answer;   /* owned JSON texts */
    char *recorded;  /* ev[i] was recorded with its effect */
    terminals_event *todo; /* room for those that were not (batch_record) */
    size_t n, cap;
} batch;

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->answer[i]);
    free(b->ev);
    free(b->hash);
    free(b->answer);
    free(b->recorded);
    free(b->todo);
}

/* The index of seq in b, or -1. */
static long batch_find(const batch *b, int64_t seq)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->ev[i].seq == seq)
            return (long)i;
    return -1;
}

/* Records the events of b not recorded yet (nothing when none). */
static cp_err batch_record(const serve_req *r, batch *b)
{
    size_t n = 0;

    for (size_t i = 0; i < b->n; i++)
        if (!b->recorded[i])
            b->todo[n++] = b->ev[i];
    return terminals_events_record(r->d, b->todo, n);
}

/* The tap time of ev to keep with it: only a time in the window an offline
 * event may have (serve_offline_in_window). Any other would move the terminal's
 * high-water time, which the publish guard reads, to a time that never was:
 * one refused for its tap time, and one refused for another reason (not
 * served, an unknown card, a weighing at a POS) whose time nothing checked,
 * which let a stolen key plant 9999-12-31 there. */
static const char *kept_at(const serve_req *r, json_t *ev)
{
    const char *at = json_string_value(json_object_get(ev, "at"));

    return serve_offline_in_window(r, at) ? at : NULL;
}

/* Applies ev (seq, kind checked) and adds it to b; CP_OK with *answer. */
static cp_err apply_event(const serve_req *r, json_t *ev, int64_t seq, const char *hash,
                          batch *b, json_t **answer)
{
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    char reqid[128], *text;
    size_t i = b->n;
    int recorded = 0;
    cp_err err;

    snprintf(reqid, sizeof reqid, "%s/%lld", r->terminal, (long long)seq);
    err = strcmp(kind, "charge") == 0 ? apply_charge(r, ev, seq, reqid, hash, answer, &recorded)
                                      : apply_weighing(r, ev, seq, reqid, hash, answer,
                                                       &recorded);
    if (err)
        return err;
    if (i == b->cap || !*answer || !(text = json_dumps(*answer, JSON_COMPACT)))
        return cp_fail(CP_ERR_NOMEM, "out of memory answering event %lld", (long long)seq);
    memcpy(b->hash[i], hash, HASH_HEX_LEN);
    b->answer[i] = text;
    b->ev[i] = (terminals_event){r->terminal, seq, kind, b->hash[i], text,
                                 json_is_true(json_object_get(ev, "offline")),
                                 kept_at(r, ev), r->now, r->pending, r->snapshot_version};
    b->recorded[i] = (char)recorded;
    b->n++;
    return CP_OK;
}

/* ---- POST /v1/events ---------------------------------------------------------- */

/* Checks the shape of every event before any is applied: a request with a
 * malformed event or another terminal's writes nothing. 0 or a refusal in a. */
static int check_events(const serve_req *r, json_t *events, serve_answer *a)
{
    size_t i;
    json_t *ev;

    /* an empty list is a contact: a terminal learns its high-water mark
     * from the answer (a journal restored from an older copy goes on after it) */
    if (!json_is_array(events)) {
        serve_error(a, 400, "bad_json", "\"events\": a list of events");
        return -1;
    }
    if (json_array_size(events) > SERVE_MAX_EVENTS) {
        serve_error(a, 413, "too_large", "%zu events: send at most %d at a time",
                    json_array_size(events), SERVE_MAX_EVENTS);
        return -1;
    }
    json_array_foreach(events, i, ev) {
        json_t *seq = json_object_get(ev, "seq");
        const char *kind = json_string_value(json_object_get(ev, "kind"));
        const char *terminal = json_string_value(json_object_get(ev, "terminal"));

        if (!json_is_object(ev) || !json_is_integer(seq) || json_integer_value(seq) < 1 || !kind ||
            (strcmp(kind, "charge") != 0 && strcmp(kind, "weighing") != 0)) {
            serve_error(a, 400, "bad_json", "event %zu: needs \"seq\" (1, 2, ...) and \"kind\" "
                        "(charge or weighing)", i + 1);
            return -1;
        }
        if (terminal && strcmp(terminal, r->terminal) != 0) {
            serve_error(a, 403, "not_this_terminal", "event %lld names terminal %s, but %s "
                        "signed the request: a terminal acts only as itself",
                        (long long)json_integer_value(seq), terminal, r->terminal);
            return -1;
        }
    }
    return 0;
}

/* Refuses the event seq (id_conflict or sequence_gap) with an alarm; the
 * events before it stay applied, and the error carries their answers. */
static void refuse_event(const serve_req *r, serve_answer *a, json_t *answers, int64_t hw,
                         const char *error, const char *detail)
{
    if (terminals_alarm(r->d, r->terminal, r->now, error, detail))
        fprintf(stderr, _("serve: %s: raising the alarm %s: %s\n"), r->terminal, error, cp_detail());
    serve_error(a, 409, error, "%s", detail);
    json_object_set_new(a->body, "high_water", json_integer((json_int_t)hw));
    json_object_set(a->body, "answers", answers);
}

/* The answer of an event applied before (found in terminal_events), with
 * "repeated": true. */
static json_t *answer_again(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);

    if (o)
        json_object_set_new(o, "repeated", json_true());
    return o;
}

/* The event seq as applied before: in b (this request) or in the store.
 * *found 0 when it was not; else hash gets its content hash and *text its
 * answer (the caller frees it). Past the high-water mark hw nothing is
 * looked up: no event of the terminal above its largest applied seq was
 * applied, and most events (every online charge) are the next one. */
static cp_err find_applied(const serve_req *r, const batch *b, int64_t seq, int64_t hw,
                           int *found, char hash[HASH_HEX_LEN], char **text)
{
    long k = batch_find(b, seq);

    *found = 0;
    *text = NULL;
    if (k < 0 && seq > hw)
        return CP_OK;
    if (k < 0)
        return terminals_event_find(r->d, r->terminal, seq, found, hash, text);
    *found = 1;
    memcpy(hash, b->hash[k], HASH_HEX_LEN);
    return (*text = strdup(b->answer[k])) ? CP_OK : cp_fail(CP_ERR_NOMEM, "out of memory");
}

/* Walks the events in order: repeats answered again, new ones applied
 * (into b), a conflict or gap stops the walk. *hw follows what is applied. */
static void walk_events(const serve_req *r, json_t *events, json_t *answers, int64_t *hw,
                        batch *b, serve_answer *a)
{
    char hash[HASH_HEX_LEN], old[HASH_HEX_LEN], detail[400];
    size_t i;
    json_t *ev;

    json_array_foreach(events, i, ev) {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        json_t *answer = NULL;
        char *text = NULL;
        int found;
        cp_err err;

        if (event_hash(ev, hash) || (err = find_applied(r, b, seq, *hw, &found, old, &text))) {
            serve_error(a, 503, "busy", "reading event %lld: %s", (long long)seq, cp_detail());
            return;
        }
        if (found && strcmp(old, hash) != 0) {
            snprintf(detail, sizeof detail, "event %lld was applied with other content: the "
                     "terminal reused a number (a journal restored or replaced?); nothing of "
                     "it was applied", (long long)seq);
            free(text);
            refuse_event(r, a, answers, *hw, "id_conflict", detail);
            return;
        }
        if (found) {
            answer = answer_again(text);
            free(text);
        } else if (seq > *hw + 1) {
            snprintf(detail, sizeof detail, "event %lld came after %lld: events %lld to %lld "
                     "are missing; send them first (those the terminal no longer holds, a "
                     "manager writes off: cleanplate-office terminal skip %s --to %lld)",
                     (long long)seq, (long long)*hw, (long long)*hw + 1, (long long)seq - 1,
                     r->terminal, (long long)seq - 1);
            refuse_event(r, a, answers, *hw, "sequence_gap", detail);
            return;
        } else if ((err = apply_event(r, ev, seq, hash, b, &answer))) {
            json_decref(answer);
            serve_error(a, 503, "busy", "event %lld not applied: %s; send it again",
                        (long long)seq, cp_detail());
            json_object_set_new(a->body, "high_water", json_integer((json_int_t)*hw));
            json_object_set(a->body, "answers", answers);
            return;
        }
        check_served(r, ev, seq, answer);
        if (seq > *hw)
            *hw = seq;
        json_array_append_new(answers, answer ? answer : json_null());
    }
}

/* The number field key of o, or -1 when absent or not a number >= 0. */
static int64_t reported(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

static void handle_events(const serve_req *r, serve_answer *a)
{
    json_t *in = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL), *answers = NULL;
    json_t *events = json_object_get(in, "events");
    batch b = {0};
    serve_req ev_req;
    int64_t hw, before;

    if (!json_is_object(in)) {
        serve_error(a, 400, "bad_json", "the body is not a JSON object (doc/protocol.md)");
        goto out;
    }
    if (check_events(r, events, a))
        goto out;
    hw = r->info->high_water;
    if (!(answers = json_array())) {
        serve_error(a, 503, "busy", "out of memory");
        goto out;
    }
    b.cap = json_array_size(events);
    if (!(b.ev = calloc(b.cap, sizeof *b.ev)) || !(b.hash = calloc(b.cap, sizeof *b.hash)) ||
        !(b.answer = calloc(b.cap, sizeof *b.answer)) ||
        !(b.recorded = calloc(b.cap, sizeof *b.recorded)) ||
        !(b.todo = calloc(b.cap, sizeof *b.todo))) {
        serve_error(a, 503, "busy", "out of memory");
        goto out;
    }
    /* the contact is noted with the events recorded (one commit); when
     * none was applied (repeats, refusals), on its own */
    ev_req = *r;
    ev_req.pending = reported(in, "pending");
    ev_req.snapshot_version = reported(in, "snapshot_version");
    before = hw;
    a->status = 200;
    walk_events(&ev_req, events, answers, &hw, &b, a);
    if (b.n ? batch_record(&ev_req, &b)
            : terminals_contact(r->d, r->terminal, r->now, ev_req.pending,
                                ev_req.snapshot_version)) {
        /* the effects are in the store, their record is not: sent again,
         * each is answered by its request id (core/ledger.h, core/waste.h) */
        serve_error(a, 503, "busy", "recording the events applied: %s; send them again",
                    cp_detail());
        json_object_set_new(a->body, "high_water", json_integer((json_int_t)before));
        goto out;
    }
    if (a->status == 200)
        a->body = json_pack("{s:b, s:I, s:O}", "ok", 1, "high_water", (json_int_t)hw, "answers",
                            answers);
out:
    batch_free(&b);
    json_decref(answers);
    json_decref(in);
}

/* ---- POST /v1/void -------------------------------------------------------------- */

/* The total and the diner of a sale into *fen, *diner; CP_ERR_NOT_FOUND
 * when there is none of the canteen. */
static cp_err sale_total(db *d, const char *sale_id, int64_t canteen_id, int64_t *fen,
                         int64_t *diner)
{
    static const char sql[] =
        "SELECT total_fen, diner_id FROM sales WHERE id = ?1 AND canteen_id = ?2";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, sale_id);
    db_bind_int64(st, 2, canteen_id);
    if ((rc = db_step(st)) == DB_ROW) {
        *fen = db_col_int64(st, 0);
        *diner = db_col_int64(st, 1);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return CP_ERR_NOT_FOUND;
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading the sale");
}

/* Answers a PIN that did not authorise: bad_pin or locked. */
static void refuse_pin(serve_answer *a, const char *manager, const users_auth *auth)
{
    if (auth->locked_s > 0)
        serve_error(a, 403, "locked", "%s is locked for %d s after wrong PINs (recorded)",
                    manager, auth->locked_s);
    else if (auth->denied)
        serve_error(a, 403, "bad_pin", "%s is not a manager: a manager voids", manager);
    else
        serve_error(a, 403, "bad_pin", "wrong PIN or name (%d wrong in a row; recorded)",
                    auth->failures);
    serve_auth_fields(a, auth);
}

static void handle_void(const serve_req *r, serve_answer *a)
{
    json_t *in = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL);
    const char *sale = json_string_value(json_object_get(in, "sale_id"));
    const char *manager = json_string_value(json_object_get(in, "manager"));
    const char *pin = json_string_value(json_object_get(in, "pin"));
    const char *reason = json_string_value(json_object_get(in, "reason"));
    char void_id[IDS_LEN], purpose[128];
    users_attempt at = {0};
    users_auth auth;
    int64_t fen = 0, diner = 0, cash = 0, subsidy = 0;
    cp_err err;

    if (!sale || !manager || !pin) {
        serve_error(a, 400, "bad_json", "a void needs sale_id, manager and pin");
        goto out;
    }
    if (serve_bad_text(a, _("the manager"), manager, UTF8_NAME_MAX) ||
        serve_bad_text(a, _("the reason"), reason, SERVE_REASON_MAX))
        goto out;
    if ((err = sale_total(r->d, sale, r->info->canteen_id, &fen, &diner))) {
        if (err == CP_ERR_NOT_FOUND)
            serve_error(a, 404, "not_found", "no sale %s at canteen %s", sale, r->info->canteen);
        else
            serve_error(a, 503, "busy", "%s", cp_detail());
        goto out;
    }
    snprintf(purpose, sizeof purpose, "void %s", sale);
    at = (users_attempt){manager, pin, "manager", manager, r->terminal, purpose};
    if (!serve_pin_claim(r->terminal, a))
        goto out;
    err = users_authenticate(r->d, &at, &auth);
    serve_pin_release(r->terminal);
    if (err) {
        if (err == CP_ERR_AUTH)
            refuse_pin(a, manager, &auth);
        else
            serve_error(a, 503, "busy", "%s", cp_detail());
        goto out;
    }
    if ((err = ledger_void(r->d, sale, manager, r->terminal, reason, void_id))) {
        if (err == CP_ERR_ALREADY_VOID)
            serve_error(a, 409, "already_void", "%s", cp_detail());
        else
            serve_error(a, retryable(err) ? 503 : 400, retryable(err) ? "busy" : cp_errname(err),
                        "%s", cp_detail());
        goto out;
    }
    /* the balances after it, for the void's receipt at the terminal */
    if (ui_data_balances_at(r->d, diner, "9999", &cash, &subsidy))
        cash = subsidy = 0;
    a->body = json_pack("{s:b, s:s, s:s, s:I, s:I, s:I}", "ok", 1, "sale_id", sale, "void_id",
                        void_id, "refunded_fen", (json_int_t)fen, "cash_left_fen",
                        (json_int_t)cash, "subsidy_left_fen", (json_int_t)subsidy);
out:
    json_decref(in);
}

/* ---- the map ------------------------------------------------------------------- */

const serve_route serve_routes[] = {
    {.method = "POST", .path = "/v1/events", .handle = handle_events, .log_class = "events"},
    {.method = "POST", .path = "/v1/void", .handle = handle_void, .log_class = "void"},
    {.method = "GET", .path = "/v1/receipt", .handle = serve_receipt, .log_class = "receipt"},
    {.method = "GET", .path = "/v1/snapshot", .handle = serve_snapshot, .log_class = "snapshot"},
    {.method = NULL},
};
