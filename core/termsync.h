/* termsync: store and forward for a networked terminal (doc/protocol.md).
 *
 * Ties a terminal's journal (core/journal.h) to its link (core/remote.h):
 * every event is appended to the journal before it is sent; pending events
 * go to the server oldest first, in batches; the server's answers and
 * high-water mark mark them delivered. The POS and the station both use it;
 * what a terminal decides when the server does not answer is theirs. */
#ifndef CP_TERMSYNC_H
#define CP_TERMSYNC_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/journal.h"
#include "core/remote.h"

typedef struct termsync termsync;

typedef struct termsync_config {
    const char *server;   /* http://HOST:PORT */
    const char *terminal; /* this terminal's code */
    const char *key;      /* its key, 64 hex digits */
    const char *journal;  /* the journal file */
    long budget_ms;       /* a request's budget; 0: 800 ms */
    const char *ca;       /* the CA file of an https server; NULL: the system's */
} termsync_config;

/* What became of a request to the server. */
typedef enum termsync_state {
    TERMSYNC_ANSWERED,  /* the server answered and took what was sent */
    TERMSYNC_NO_ANSWER, /* no answer within the budget: decide offline */
    TERMSYNC_REFUSED,   /* the server answered with an error (a wrong key, a
                         * sequence gap, ...): show it; it is not offline */
} termsync_state;

/* What termsync_submit did with one event. */
typedef struct termsync_result {
    termsync_state state;
    int64_t seq;    /* the event's seq; 0 when it was not appended (REFUSED) */
    json_t *answer; /* ANSWERED: the server's answer to the event (its "seq"
                     * taken out); REFUSED: the error object; else NULL.
                     * Caller owns it. */
} termsync_result;

/* Opens the journal and the link; nothing is sent yet. Caller owns *out. */
cp_err termsync_open(const termsync_config *c, termsync **out);
void termsync_close(termsync *t);

journal *termsync_journal(termsync *t);
/* The link, for the requests that are not events (login, shift, void). */
remote *termsync_remote(termsync *t);
const char *termsync_terminal(const termsync *t);

/* Whether the last request had no answer (the terminal is offline). After
 * one that ran out of its budget (a silent server or link, not a refused
 * connection) the link rests for 10 s: flush, probe and snapshot send
 * nothing and say NO_ANSWER at once, so that the cards meanwhile are each
 * decided offline without waiting the budget first. */
int termsync_offline(const termsync *t);

/* The first contact: learns the server's high-water mark for this terminal
 * (so that a journal restored from an older copy goes on after it) and its
 * clock, then sends what is pending. */
termsync_state termsync_hello(termsync *t, json_t **error);

/* Sends every pending event, oldest first, in batches. ANSWERED when none
 * is left; REFUSED puts the server's error object in *error (caller owns). */
termsync_state termsync_flush(termsync *t, json_t **error);

/* Decides an event without the server (the link is down): returns 1 when
 * the terminal served it, so that it is queued, 0 when it refused it. */
typedef int (*termsync_decide)(void *ctx, json_t *event);

/* Sends what is pending, then the event of kind ("charge", "weighing"):
 *   - the pending ones refused: REFUSED with the error; event not appended;
 *   - the pending ones found no answer: NO_ANSWER; decide(ctx, event) says
 *     whether to append event, marked offline, to be sent later (res->seq
 *     0 when not);
 *   - else event is appended (online) and sent: ANSWERED with its answer;
 *     REFUSED with the error, event taken back (the server applied
 *     nothing); or NO_ANSWER, event kept as it is for later and decide
 *     called for the terminal's own answer. */
cp_err termsync_submit(termsync *t, const char *kind, json_t *event, termsync_decide decide,
                       void *ctx, termsync_result *res);

/* Fetches the snapshot (GET /v1/snapshot) and keeps it in the journal, when
 * nothing is pending (the server's balances would not yet hold the queued
 * events) and at least min_age_s seconds passed since the last one. */
cp_err termsync_refresh_snapshot(termsync *t, long min_age_s);

/* The snapshot the terminal decides from, its cards left out (NULL when
 * it has none; owned by t, valid until the next refresh), and its
 * version. */
json_t *termsync_snapshot(termsync *t);
int64_t termsync_snapshot_version(const termsync *t);

/* The snapshot's card card_no, a new object (caller owns it), or NULL when
 * the terminal holds no such card (or cannot read its journal: said on
 * stderr). The cards are kept in the journal, not in memory: a city's are
 * 100,000 (journal_card_load). */
json_t *termsync_card(termsync *t, const char *card_no);
/* Stores card as a decision made offline changed it (balances, today's
 * meals), so that the next tap and a restart see it (journal_card_save). */
cp_err termsync_card_store(termsync *t, const json_t *card);

/* The same for a card as the server's answer changed it (journal_card_note:
 * not waiting for the disk, on every online tap). */
cp_err termsync_card_note(termsync *t, const json_t *card);

/* The text member key of a server's answer ("error", "message"), "" when
 * it has none: for messages, never NULL. */
const char *termsync_text(const json_t *answer, const char *key);

#endif
