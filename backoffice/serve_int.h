/* serve_int: what the server's HTTP plumbing (serve.c) and its handlers (serve_*.c) share: a request and its answer. */
#ifndef CP_OFFICE_SERVE_INT_H
#define CP_OFFICE_SERVE_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/ledger.h"
#include "core/terminals.h"
#include "core/users.h"

/* Most bytes of a body, and most events in one POST /v1/events. */
#define SERVE_MAX_BODY (1024 * 1024)
#define SERVE_MAX_EVENTS 1000

/* How old an offline charge's tap time ("at") may be, in days, unless
 * `serve --offline-max-age-days N` says otherwise: an outage may last a
 * weekend, and a week leaves room for a terminal that stays off until the
 * Monday after. The most N may be. */
#define SERVE_OFFLINE_MAX_AGE_DAYS 7
#define SERVE_OFFLINE_MAX_AGE_DAYS_MAX 366

/* An authenticated request, as a handler sees it. */
typedef struct serve_req {
    db *d;                   /* this worker thread's store connection */
    const char *terminal;    /* the code of the terminal that signed it */
    const terminals_info *info;
    const char *body;        /* NUL-terminated; len bytes */
    size_t len;
    const char *query;       /* the query string after '?', "" when none */
    int64_t now;             /* real Unix time of the request */
    int64_t pending, snapshot_version; /* what POST /v1/events reported, < 0: not */
    int offline_max_age_days; /* --offline-max-age-days */
} serve_req;

/* A handler's answer: the HTTP status and a JSON object (owned; the
 * plumbing adds server_time, sends and frees it). */
typedef struct serve_answer {
    unsigned status;
    json_t *body;
} serve_answer;

/* One route: a designated-initializer table of them is the server's map. */
typedef struct serve_route {
    const char *method;
    const char *path;
    void (*handle)(const serve_req *r, serve_answer *a);
    const char *log_class; /* the request class named in the log */
} serve_route;

/* The routes, each table ended by a NULL method: events, voids, receipts
 * (serve_receipt.c) and the snapshot (serve_snapshot.c), in serve_handlers.c; the cashier's login, shift and last
 * sale (serve_till.c). */
extern const serve_route serve_routes[];
extern const serve_route serve_till_routes[];

/* PIN checks under way at once, one per terminal (serve_pin_claim). */
#define SERVE_PIN_CHECKS 32

/* Claims the PIN check of terminal: 1, to be released with
 * serve_pin_release after users_authenticate; 0 with a 429 busy refusal in
 * a when one of that terminal's is under way, or SERVE_PIN_CHECKS are. */
int serve_pin_claim(const char *terminal, serve_answer *a);
void serve_pin_release(const char *terminal);

/* The longest reason a terminal may give (a logout's, a void's). */
#define SERVE_REASON_MAX 200

/* Whether s (what: its name in a message) is not one line of at most max
 * characters: then a bad_json refusal in a (NULL or "": not given, no refusal).
 * Names and reasons go into the audit log, which keeps them for ever and
 * shows them one a line: a name with a newline forged a second entry there,
 * and a reason of a megabyte grew it without bound. */
int serve_bad_text(serve_answer *a, const char *what, const char *s, size_t max);


/* Makes a the error answer {"ok": false, "error": code, "message": ...}
 * with status (doc/protocol.md's table). */
void serve_error(serve_answer *a, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The value of key in a query string ("sale=L1-000311&x=1"), copied into
 * out (size bytes); 0 when absent. */
int serve_query_value(const char *query, const char *key, char *out, size_t size);

/* Adds what users_authenticate found (failures, tries, locked_s,
 * locked_now, denied, role) to a refusal of a PIN, so that the terminal says
 * it as it would on the store (serve_till.c). */
void serve_auth_fields(serve_answer *a, const users_auth *auth);

/* GET /v1/receipt: the data to print a sale, a void or a Z report again
 * (serve_receipt.c). */
void serve_receipt(const serve_req *r, serve_answer *a);

/* GET /v1/snapshot (serve_snapshot.c). */
void serve_snapshot(const serve_req *r, serve_answer *a);

/* Whether at, an offline event's tap time, is in the window the server
 * posts offline events in: from --offline-max-age-days before its business
 * clock to 5 minutes after it (serve_offline.c). */
int serve_offline_in_window(const serve_req *r, const char *at);

/* Whether the offline event seq may be posted on its tap time at: in the
 * window, and not on a day before the terminal's previous event (a
 * weighing that may not is posted now). */
int serve_offline_at_ok(const serve_req *r, const char *at, int64_t seq);

/* An offline charge whose tap time at may not be posted (out of the window,
 * or on a day before the terminal's previous event) is refused: *answer gets the
 * refusal (the meal was served: the caller's check raises
 * served_but_refused). A charge the store answered already (reqid) is let
 * through, to be answered again as it was. CP_OK with *answer NULL when it
 * may go on; else a retryable error (the store). */
cp_err serve_offline_check(const serve_req *r, const char *at, int64_t seq, const char *reqid,
                           json_t **answer);

/* The snapshot an offline charge was decided from (its "snapshot_version",
 * a version of this store's history: "snapshot_hash" is its audit entry's
 * hash) and the start of the window of offline charges before its tap,
 * into req: the meal is charged the price that snapshot held, which the
 * terminal printed, when it was still in effect then (core/ledger.h); a
 * version of another history (a store restored from an older copy) is
 * left out: the price at the tap. from holds the time. CP_OK or the
 * store's error. */
cp_err serve_offline_seen(const serve_req *r, const json_t *ev, charge_req *req,
                          char from[CP_TIME_ISO_LEN]);

#endif
