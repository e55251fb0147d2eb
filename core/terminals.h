/* terminals: what the store keeps of networked terminals: their keys, the events the server applied, their status, refusals and alarms. */
#ifndef CP_TERMINALS_H
#define CP_TERMINALS_H

#include <stdint.h>

#include "core/db.h"
#include "core/termauth.h"

/* A new key for terminal code (the old one stops working at once), audited
 * as actor ("terminal.key"). out gets the key, to be shown once. */
cp_err terminals_new_key(db *d, const char *code, const char *actor,
                         char out[TERMAUTH_HEX_LEN]);

/* What the server needs to know of a terminal that signs a request. */
typedef struct terminals_info {
    char key[TERMAUTH_HEX_LEN]; /* its newest key, "" when it has none */
    char kind[16];              /* "pos" or "waste" */
    char canteen[64];           /* its canteen's code */
    int64_t canteen_id;
    int64_t high_water;         /* the highest seq of it applied, 0: none */
} terminals_info;

/* The terminal code's key, kind, canteen and high-water mark, in one
 * statement: every request through the server reads them before anything
 * else, so a charge waits for one round trip here, not two.
 * CP_ERR_NOT_FOUND when there is no such terminal. */
cp_err terminals_info_of(db *d, const char *code, terminals_info *out);

/* Counts one refused request of terminal code for reason (an error code of
 * doc/protocol.md), in one transaction of its own. With alarm (a wrong key
 * or signature) it is also an audited note (terminal.refused) and an alarm
 * of kind reason with detail, unless the terminal has such an alarm nobody
 * acknowledged yet (a flood makes one). Nothing else is written. */
cp_err terminals_refused(db *d, const char *code, const char *reason, int alarm,
                         const char *detail);

/* Notes a contact of terminal code at now (real Unix seconds) with what it
 * reported: pending events and snapshot version (< 0: not reported). */
cp_err terminals_contact(db *d, const char *code, int64_t now, int64_t pending,
                         int64_t snapshot_version);

/* The event (code, seq) as applied: *found 0 when it was not; else hash
 * (HASH_HEX_LEN bytes) gets its content hash and *answer (the caller frees
 * it) the JSON text of the answer given. */
cp_err terminals_event_find(db *d, const char *code, int64_t seq, int *found, char *hash,
                            char **answer);

/* One applied event, as terminals_event_record writes it. */
typedef struct terminals_event {
    const char *terminal;
    int64_t seq;
    const char *kind;   /* "charge" or "weighing" */
    const char *hash;   /* of its content */
    const char *answer; /* JSON text */
    int offline;
    const char *at;     /* its own time (business clock), or NULL */
    int64_t now;        /* the contact: real Unix time of the request */
    int64_t pending, snapshot_version; /* as reported, < 0: not reported */
} terminals_event;

/* Records that the n events evs (of one terminal) were applied, moves the
 * terminal's high-water mark and notes the contact of evs[0] (as
 * terminals_contact does), in one transaction: one commit for a whole
 * batch besides the events' own. An event (terminal, seq) recorded already
 * is not written again (another server thread applied it first: same
 * request id, same effect). */
cp_err terminals_events_record(db *d, const terminals_event *evs, size_t n);

/* The same for the one event ev, inside the open transaction that applies
 * it (a charge's, charge_req.also): written with its COMMIT, the record is
 * in the store exactly when the effect is, and costs no commit of its own. */
cp_err terminals_event_record_in_txn(db *d, const terminals_event *ev);

/* Raises an alarm of kind (id_conflict, sequence_gap, ...) for code at now. */
cp_err terminals_alarm(db *d, const char *code, int64_t now, const char *kind,
                       const char *detail);

/* The same, unless code has that alarm (kind and detail) already: for an
 * alarm about one event, which the terminal may send again. */
cp_err terminals_alarm_once(db *d, const char *code, int64_t now, const char *kind,
                            const char *detail);

/* One terminal as `cleanplate-office terminals` shows it; strings live until
 * the callback returns. */
typedef struct terminals_row {
    const char *code, *kind, *canteen;
    int has_key;
    int64_t last_contact;     /* Unix seconds, 0: never */
    int64_t pending, high_water, snapshot_version;
    const char *high_water_at; /* "" when none */
    long alarms;               /* open: not acknowledged */
    long acknowledged;         /* alarms acknowledged */
} terminals_row;

/* Calls fn for every terminal by code; stops at the first error fn returns. */
cp_err terminals_list(db *d, cp_err (*fn)(const terminals_row *row, void *arg), void *arg);

/* Calls fn(reason, count) for each refusal counter of code, by reason. */
cp_err terminals_refusals(db *d, const char *code,
                          cp_err (*fn)(const char *reason, int64_t n, void *arg), void *arg);

/* An alarm as the lists below give it; strings live until the callback
 * returns. */
typedef struct terminals_alarm {
    int64_t id;
    int64_t at;              /* real Unix seconds it was raised */
    const char *terminal, *kind, *detail;
    int acknowledged;
    const char *ack_actor, *ack_at, *ack_reason; /* "" while open */
} terminals_alarm_row;

/* Which alarms a list gives. */
typedef struct terminals_alarm_filter {
    const char *terminal; /* NULL: every terminal's */
    int open_only;        /* only those not acknowledged */
    int64_t from, to;     /* raised at from <= at < to; to 0: no bound */
    int newest_first;     /* else oldest first */
    int max;              /* at most this many; 0: all */
} terminals_alarm_filter;

/* Calls fn for each alarm f selects, in its order; stops at the first
 * error fn returns. */
cp_err terminals_alarms(db *d, const terminals_alarm_filter *f,
                        cp_err (*fn)(const terminals_alarm_row *a, void *arg), void *arg);

/* Acknowledges the open alarm alarm_id of terminal code, or with alarm_id 0
 * every open alarm of code, as actor (a manager) with reason: one
 * terminal_alarm_acks row and one audited note (terminal.ack) per alarm, in
 * one transaction. *n gets how many (0 with alarm_id 0: none was open).
 * CP_ERR_NOT_FOUND when there is no such terminal or code has no alarm
 * alarm_id, CP_ERR_EXISTS when that alarm was acknowledged already,
 * CP_ERR_INVALID without a reason. */
cp_err terminals_ack(db *d, const char *code, int64_t alarm_id, const char *actor,
                     const char *reason, long *n);

/* Writes off the events of terminal code after its high-water mark up to
 * to, that it can no longer send (a store restored from a copy older than
 * what the terminal keeps): as actor (a manager) with reason, one
 * terminal_skips row, an audited note (terminal.skip) and the terminal's
 * open sequence_gap alarms acknowledged with the same reason, in one
 * transaction. The mark moves to to: the terminal's next event is taken;
 * an event of the range that still comes is applied as it comes. *from
 * gets the first written off, *acked how many alarms were acknowledged.
 * CP_ERR_NOT_FOUND without such a terminal; CP_ERR_INVALID without a
 * reason, when to is not above the mark, or when code has no open
 * sequence_gap alarm. */
cp_err terminals_skip(db *d, const char *code, int64_t to, const char *actor,
                      const char *reason, int64_t *from, long *acked);

/* A terminal that holds back the month that ends at end (the business
 * clock's ISO time of the first second after it, "2026-12-01T00:00:00"):
 * one that has contacted a server and either was last heard before end
 * (what it did after is unknown), or still reported events pending while
 * its newest applied event is from before end (the pending ones follow it
 * in seq, so may be of the month). *code (64 bytes) gets the first such
 * terminal by code and *why (128 bytes) which case, "" when none. */
cp_err terminals_undelivered(db *d, const char *end, char code[64], char why[128]);

#endif
