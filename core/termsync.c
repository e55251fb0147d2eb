/* termsync: store and forward for a networked terminal (doc/protocol.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/nls.h"
#include "core/remote.h"
#include "core/termsync.h"

#define KEEP_DAYS 31 /* delivered events are kept this long (a month's questions) */
#define BATCH 500 /* events per request when replaying: well under the server's 1,000 */
/* A snapshot is larger than an event and not needed within a tap's budget:
 * it gets this many budgets, and at least SNAPSHOT_MIN_MS. */
#define SNAPSHOT_BUDGETS 10
#define SNAPSHOT_MIN_MS 5000
/* After a request that ran out of its budget (remote_timed_out: a hung
 * server, a cable pulled; not a refused connection, which fails at once),
 * the link rests this long: cards are decided from the snapshot at once,
 * where each would wait the whole budget first, and the idle turns do not
 * try either. The first try after it, an idle turn's or a card's, tests
 * the link again: a server back is found within this and an idle turn. */
#define REST_MS 10000

struct termsync {
    journal *j;
    remote *r;
    char terminal[64];
    int offline;         /* the last request found no answer */
    int64_t rest_until;  /* monotonic ms: no request before (REST_MS); 0: none */
    json_t *snapshot;    /* what offline decisions read, NULL before the first */
    int64_t snapshot_version;
    time_t snapshot_taken; /* real clock; 0: not in this run */
    json_t *unrecorded;  /* the last answer the server applied that the journal could
                          * not record (a full disk), for answer_of; NULL: none */
};

static int64_t monotonic_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Whether the link rests after a request that ran out of time (REST_MS). */
static int resting(const termsync *t)
{
    return t->rest_until && monotonic_ms() < t->rest_until;
}

/* A request found no answer: offline, and resting when it waited in vain. */
static termsync_state no_answer(termsync *t)
{
    t->offline = 1;
    if (remote_timed_out(t->r))
        t->rest_until = monotonic_ms() + REST_MS;
    return TERMSYNC_NO_ANSWER;
}

/* A request had an answer (whatever it said): the link is up. */
static void answered(termsync *t)
{
    t->offline = 0;
    t->rest_until = 0;
}

/* Forgets what the server had for more than KEEP_DAYS: a terminal makes
 * about a thousand events a day. */
static cp_err forget_old(termsync *t)
{
    char before[CP_TIME_ISO_LEN];
    cp_time now;
    int64_t n = 0;
    cp_err err = clock_now(&now);

    if (err)
        return err;
    now = clock_add_seconds(&now, -KEEP_DAYS * 86400L);
    clock_iso(&now, before);
    return journal_prune(t->j, before, &n);
}

cp_err termsync_open(const termsync_config *c, termsync **out)
{
    termsync *t = calloc(1, sizeof *t);
    char *snap = NULL, at[32];
    int64_t offset = 0;
    cp_err err;

    *out = NULL;
    if (!t)
        return cp_fail(CP_ERR_NOMEM, "out of memory starting the link to the server");
    snprintf(t->terminal, sizeof t->terminal, "%s", c->terminal);
    if ((err = journal_open(c->journal, c->terminal, &t->j)) ||
        (err = remote_new(c->server, c->terminal, c->key, c->budget_ms, c->ca, &t->r)) ||
        (err = journal_clock_offset(t->j, &offset)) ||
        (err = journal_snapshot_load(t->j, &snap, &t->snapshot_version, at)))
        goto out;
    remote_set_clock_offset(t->r, offset);
    if ((err = forget_old(t)))
        goto out;
    /* a stored snapshot that no longer parses is as good as none; its
     * cards stay in the journal, read one at a time (termsync_card) */
    t->snapshot = snap ? json_loads(snap, 0, NULL) : NULL;
    *out = t;
    t = NULL;
out:
    free(snap);
    termsync_close(t);
    return err;
}

void termsync_close(termsync *t)
{
    if (!t)
        return;
    json_decref(t->snapshot);
    json_decref(t->unrecorded);
    remote_free(t->r);
    journal_close(t->j);
    free(t);
}

remote *termsync_remote(termsync *t)
{
    return t->r;
}

journal *termsync_journal(termsync *t)
{
    return t->j;
}

const char *termsync_terminal(const termsync *t)
{
    return t->terminal;
}

int termsync_offline(const termsync *t)
{
    return t->offline;
}

json_t *termsync_snapshot(termsync *t)
{
    return t->snapshot;
}

int64_t termsync_snapshot_version(const termsync *t)
{
    return t->snapshot_version;
}

/* Keeps the clock offset the link learnt, when it changed. */
static void keep_clock(termsync *t)
{
    int64_t stored = 0;

    if (journal_clock_offset(t->j, &stored) == CP_OK && stored != remote_clock_offset(t->r))
        journal_set_clock_offset(t->j, remote_clock_offset(t->r)); /* a hint: a failure is harmless */
}

/* Stores the answers of an events answer and its high-water mark; *hw gets
 * the mark (-1 when the answer has none). All in one journal transaction
 * (journal_delivered_batch): a commit per answer cost a replay one fsync
 * per event at the terminal, as much as the server's own commits. */
static cp_err take_answers(termsync *t, const json_t *answer, int64_t *hw)
{
    json_t *answers = json_object_get(answer, "answers"), *a, *mark;
    size_t i, n = 0, cap = json_array_size(answers);
    int64_t *seqs = calloc(cap + 1, sizeof *seqs);
    char **texts = calloc(cap + 1, sizeof *texts);
    cp_err err = CP_OK;

    mark = json_object_get(answer, "high_water");
    *hw = json_is_integer(mark) ? json_integer_value(mark) : -1;
    if (!seqs || !texts)
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing the journal");
    json_array_foreach(answers, i, a) {
        json_t *seq = json_object_get(a, "seq");
        if (err || !json_is_integer(seq))
            continue;
        seqs[n] = json_integer_value(seq);
        if (!(texts[n++] = json_dumps(a, JSON_COMPACT)))
            err = cp_fail(CP_ERR_NOMEM, "out of memory writing the journal");
    }
    if (!err && (n > 0 || *hw >= 0))
        err = journal_delivered_batch(t->j, seqs, texts, n, *hw);
    if (!err && journal_requeued(t->j) > 0)
        fprintf(stderr, _("cleanplate: the server has this terminal's events only up to %lld "
                          "(its store restored from an older copy?): sending the %lld after it "
                          "that this terminal still holds again\n"),
                (long long)*hw, (long long)journal_requeued(t->j));
    for (i = 0; i < n; i++)
        free(texts[i]);
    free(seqs);
    free(texts);
    return err;
}

/* An error object of our own, shaped as the server's, for an answer that
 * says ok but does not take what was sent (it would loop for ever). */
static json_t *stuck_error(int64_t first)
{
    char msg[128];

    snprintf(msg, sizeof msg, "the server answered but did not apply event %lld",
             (long long)first);
    return json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "not_applied", "message", msg);
}

/* Sends one batch of up to BATCH pending events; *left gets how many were
 * pending before it (0: nothing was sent). */
static termsync_state send_batch(termsync *t, int64_t *left, json_t **error)
{
    journal_event *ev = NULL;
    const char *texts[BATCH];
    json_t *answer = NULL;
    int64_t hw = -1;
    size_t n = 0;
    long status = 0;
    termsync_state st = TERMSYNC_REFUSED;
    int recorded;

    if (journal_pending_count(t->j, left) || journal_pending(t->j, BATCH, &ev, &n))
        goto local_error;
    if (n == 0) {
        st = TERMSYNC_ANSWERED;
        goto out;
    }
    if (resting(t)) {
        st = TERMSYNC_NO_ANSWER;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        texts[i] = ev[i].body;
    if (remote_post_events(t->r, texts, n, *left - (int64_t)n, t->snapshot_version, &status,
                           &answer)) {
        st = no_answer(t);
        goto out;
    }
    answered(t);
    keep_clock(t);
    /* an error object may carry the answers before the refused event */
    recorded = take_answers(t, answer, &hw) == CP_OK;
    if (status != 200 || !json_is_true(json_object_get(answer, "ok"))) {
        *error = answer; /* the server's refusal, whatever the journal did */
        answer = NULL;
        goto out;
    }
    if (hw < ev[0].seq) {
        *error = stuck_error(ev[0].seq);
        goto out;
    }
    if (!recorded) {
        /* The server applied the batch, but the journal could not mark it
         * delivered (a full disk). Its answers are the truth: a charge made
         * is answered as made, never as "nothing saved" (the diner would be
         * charged again). The events stay pending here and are sent again
         * later, when the server answers them as repeated. Not again now:
         * the same batch would come back. */
        fprintf(stderr, _("cleanplate: the server took %zu events but this terminal's journal "
                          "could not record its answers (%s): they are sent again, and "
                          "answered as repeated, once the journal can be written\n"),
                n, cp_detail());
        json_decref(t->unrecorded);
        t->unrecorded = answer;
        answer = NULL;
        *left = 0;
        st = TERMSYNC_ANSWERED;
        goto out;
    }
    st = TERMSYNC_ANSWERED;
    goto out;
local_error:
    /* the journal failed: said as an error object, as the server would */
    *error = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "journal", "message", cp_detail());
out:
    json_decref(answer);
    journal_events_free(ev, n);
    return st;
}

termsync_state termsync_flush(termsync *t, json_t **error)
{
    termsync_state st;
    int64_t left = 0;

    *error = NULL;
    do
        st = send_batch(t, &left, error);
    while (st == TERMSYNC_ANSWERED && left > BATCH);
    return st;
}

/* An empty upload: its answer says the server's high-water mark and time,
 * and whether the link is up. */
static termsync_state probe(termsync *t, json_t **error)
{
    json_t *answer = NULL;
    int64_t hw = -1;
    long status = 0;

    *error = NULL;
    if (resting(t))
        return TERMSYNC_NO_ANSWER;
    if (remote_post_events(t->r, NULL, 0, 0, t->snapshot_version, &status, &answer))
        return no_answer(t);
    answered(t);
    keep_clock(t);
    take_answers(t, answer, &hw);
    if (status != 200 || !json_is_true(json_object_get(answer, "ok"))) {
        *error = answer;
        return TERMSYNC_REFUSED;
    }
    json_decref(answer);
    return TERMSYNC_ANSWERED;
}

termsync_state termsync_hello(termsync *t, json_t **error)
{
    termsync_state st = probe(t, error);
    return st == TERMSYNC_ANSWERED ? termsync_flush(t, error) : st;
}

/* The answer to seq in the last answer the journal could not record, a
 * copy; NULL when it has none. */
static json_t *unrecorded_answer(const termsync *t, int64_t seq)
{
    json_t *a;
    size_t i;

    json_array_foreach(json_object_get(t->unrecorded, "answers"), i, a)
        if (json_integer_value(json_object_get(a, "seq")) == seq)
            return json_deep_copy(a);
    return NULL;
}

/* The server's answer to seq, from the journal (or, when the journal could
 * not record it, as the server gave it), its "seq" taken out (the headless
 * answer is the same object as without the server). */
static json_t *answer_of(termsync *t, int64_t seq)
{
    char *text = NULL;
    json_t *a = NULL;

    if (journal_answer(t->j, seq, &text) == CP_OK && text)
        a = json_loads(text, 0, NULL);
    if (!a)
        a = unrecorded_answer(t, seq);
    if (a)
        json_object_del(a, "seq");
    free(text);
    if (!a) { /* delivered by the high-water mark alone: an earlier run had its answer */
        char id[96];
        snprintf(id, sizeof id, "%s/%lld", t->terminal, (long long)seq);
        a = json_pack("{s:b, s:b, s:s}", "ok", 1, "repeated", 1, "request_id", id);
    }
    return a;
}

/* What an event decided offline says of the snapshot held: its version
 * and the hash the server gave with it (a new reference; an empty object
 * before the first snapshot, NULL when out of memory). The server charges
 * a meal the price that snapshot held (doc/protocol.md). */
static json_t *snapshot_fields(const termsync *t)
{
    const char *hash = termsync_text(t->snapshot, "version_hash");
    json_t *f = json_object();

    if (f && t->snapshot_version > 0 &&
        (json_object_set_new(f, "snapshot_version", json_integer(t->snapshot_version)) ||
         (*hash && json_object_set_new(f, "snapshot_hash", json_string(hash))))) {
        json_decref(f);
        return NULL;
    }
    return f;
}

/* Puts snapshot_fields into an event decided offline. */
static cp_err with_snapshot(const termsync *t, json_t *event)
{
    json_t *f = snapshot_fields(t);
    int bad = !f || json_object_update(event, f);

    json_decref(f);
    return bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the journal") : CP_OK;
}

/* The event seq was sent and no answer came: the server may or may not
 * have applied it. The terminal decides it offline all the same, and marks
 * the journal's copy offline, served or not (the server leaves these flags
 * out of the content it compares): a server that had not applied it posts
 * a served one as the offline charge it was, on the business date and
 * period of its "at", whatever the balance is by then, and charges nothing
 * for a refused one; one that had applied it answers the first answer
 * again, and raises an alarm when that answer and the terminal disagree
 * (served_but_refused, charged_not_served: doc/protocol.md). */
static cp_err decide_in_flight(termsync *t, json_t *event, termsync_decide decide, void *ctx,
                               int64_t seq)
{
    int served = decide(ctx, event), marked = 0;

    /* not marked: an answer covered it meanwhile (it cannot, the link
     * being one thread; said for the reader) */
    json_t *f = snapshot_fields(t);
    cp_err err = f ? journal_mark_offline(t->j, seq, served, f, &marked)
                   : cp_fail(CP_ERR_NOMEM, "out of memory writing the journal");

    json_decref(f);
    return err;
}

cp_err termsync_submit(termsync *t, const char *kind, json_t *event, termsync_decide decide,
                       void *ctx, termsync_result *res)
{
    json_t *error = NULL;
    termsync_state before = TERMSYNC_ANSWERED;
    int64_t pending = 0;
    cp_err err;

    memset(res, 0, sizeof *res);
    /* what waits goes first: the new event must follow it, and whether it
     * comes through says whether the link is back */
    if ((err = journal_pending_count(t->j, &pending)))
        return err;
    if (pending > 0)
        before = termsync_flush(t, &error);
    else if (t->offline) /* nothing waits, but the last request found no answer */
        before = probe(t, &error);
    if (before == TERMSYNC_REFUSED) {
        res->state = TERMSYNC_REFUSED;
        res->answer = error;
        return CP_OK;
    }
    if (before == TERMSYNC_NO_ANSWER) {
        /* decided here; only what the terminal served goes to the server,
         * with the version of the snapshot it decided from: a meal is
         * charged the price that snapshot held, the one it printed */
        res->state = TERMSYNC_NO_ANSWER;
        if (decide(ctx, event) && !(err = with_snapshot(t, event)))
            err = journal_append(t->j, kind, event, 1, &res->seq);
        return err;
    }
    if ((err = journal_append(t->j, kind, event, 0, &res->seq)))
        return err;
    res->state = termsync_flush(t, &error);
    if (res->state == TERMSYNC_ANSWERED) {
        res->answer = answer_of(t, res->seq);
    } else if (res->state == TERMSYNC_REFUSED) {
        res->answer = error;
        err = journal_retract(t->j, res->seq);
    } else {
        err = decide_in_flight(t, event, decide, ctx, res->seq);
    }
    return err;
}

/* Whether the held snapshot can take a delta: there is one (a whole one
 * is fetched otherwise, or when the server says an import made the held
 * one stale). */
static int delta_ok(termsync *t)
{
    return t->snapshot != NULL;
}

/* Fetches the snapshot from query ("since=V&" for a delta, or "") page
 * by page (?after= the last card of the page before, doc/protocol.md),
 * each page's cards put aside in the journal (journal_cards_stage): *out
 * gets the first page's answer without its cards. A server that answers
 * whole (no "more") is one page. */
static cp_err fetch_pages(termsync *t, const char *query, json_t **out)
{
    long budget = remote_budget_ms(t->r) * SNAPSHOT_BUDGETS, status = 0;
    json_t *first = NULL, *page = NULL, *cards;
    char path[128], after[32] = "";
    const char *last;
    int more;
    cp_err err = CP_OK;

    *out = NULL;
    do {
        snprintf(path, sizeof path, "/v1/snapshot?%safter=%s", query, after);
        if ((err = remote_request(t->r, "GET", path, NULL,
                                  budget < SNAPSHOT_MIN_MS ? SNAPSHOT_MIN_MS : budget, &status,
                                  &page))) {
            no_answer(t);
            goto out;
        }
        answered(t);
        keep_clock(t);
        cards = json_object_get(page, "cards");
        if (status != 200 || !json_is_integer(json_object_get(page, "version")) ||
            !json_is_array(cards)) {
            err = cp_fail(CP_ERR_INVALID, "the server refused the snapshot: %s",
                          termsync_text(page, "message"));
            goto out;
        }
        more = json_is_true(json_object_get(page, "more")) && json_array_size(cards) > 0;
        last = termsync_text(json_array_get(cards, json_array_size(cards) - 1), "card");
        /* each page after the one before: a server that repeats itself is refused */
        if (more && (strlen(last) >= sizeof after || strcmp(last, after) <= 0)) {
            err = cp_fail(CP_ERR_INVALID, "the server's snapshot pages do not advance "
                          "(after card '%s' came '%s')", after, last);
            goto out;
        }
        if (more)
            strcpy(after, last);
        if ((err = journal_cards_stage(t->j, cards, first == NULL)))
            goto out;
        if (!first) {
            /* the server answers a whole snapshot for a delta too far
             * behind: then every page is of the whole */
            if (!json_is_true(json_object_get(page, "delta")))
                query = "";
            first = page;
            json_object_del(first, "cards");
        } else {
            json_decref(page);
        }
        page = NULL;
    } while (more);
    json_object_del(first, "more");
    *out = first;
    first = NULL;
out:
    json_decref(page);
    json_decref(first);
    return err;
}

cp_err termsync_refresh_snapshot(termsync *t, long min_age_s)
{
    json_t *answer = NULL;
    int64_t pending = 0;
    char *text = NULL, query[48] = "", days_of[CP_DATE_LEN] = "";
    int delta;
    cp_err err;

    if ((t->snapshot_taken && time(NULL) - t->snapshot_taken < min_age_s) || resting(t))
        return CP_OK;
    if ((err = journal_pending_count(t->j, &pending)) || pending > 0)
        return err;
    /* only what changed since the held one: a city's cards are many */
    if (delta_ok(t))
        snprintf(query, sizeof query, "since=%lld&", (long long)t->snapshot_version);
    if ((err = fetch_pages(t, query, &answer)))
        return err;
    delta = json_is_true(json_object_get(answer, "delta")) && t->snapshot;
    /* A delta of a later business date: its cards count the new day's
     * meals, every other held card its own day's, which it is marked with
     * ("day": pos/offline.c counts a card from zero on its first tap of a
     * new day). Once a day, where a whole snapshot each new day took a
     * city's terminal 51 requests for 100,000 cards. */
    if (delta && strcmp(termsync_text(t->snapshot, "business_date"),
                        termsync_text(answer, "business_date")) != 0)
        snprintf(days_of, sizeof days_of, "%s", termsync_text(t->snapshot, "business_date"));
    /* the cards are in the journal, put aside page by page; the rest is held here */
    json_object_del(answer, "delta");
    if (!(text = json_dumps(answer, JSON_COMPACT))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing the journal");
        goto out;
    }
    /* the first page's version: what changed after it comes in the next delta */
    if ((err = journal_snapshot_save(t->j, text,
                                     json_integer_value(json_object_get(answer, "version")),
                                     delta ? JOURNAL_CARDS_DELTA : JOURNAL_CARDS_WHOLE,
                                     *days_of ? days_of : NULL)))
        goto out;
    json_decref(t->snapshot);
    t->snapshot = json_incref(answer);
    t->snapshot_version = json_integer_value(json_object_get(answer, "version"));
    t->snapshot_taken = time(NULL);
out:
    free(text);
    json_decref(answer);
    return err;
}

json_t *termsync_card(termsync *t, const char *card_no)
{
    json_t *card = NULL;

    if (journal_card_load(t->j, card_no, &card))
        fprintf(stderr, "cleanplate: %s\n", cp_detail());
    return card;
}

cp_err termsync_card_store(termsync *t, const json_t *card)
{
    return journal_card_save(t->j, card);
}

cp_err termsync_card_note(termsync *t, const json_t *card)
{
    return journal_card_note(t->j, card);
}

const char *termsync_text(const json_t *answer, const char *key)
{
    const char *v = json_string_value(json_object_get(answer, key));
    return v ? v : "";
}
