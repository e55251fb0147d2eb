/* remote: a terminal's side of the link to the canteen server (doc/protocol.md).
 *
 * One libcurl handle kept for the terminal's life (the connection stays
 * open between requests); every request signed with the terminal's key and
 * given at most the terminal's time budget. Two outcomes matter to the
 * caller and are kept apart:
 *   - an answer: the server said something, a JSON object, whatever its
 *     HTTP status (a refusal like bad_signature is an answer to show, never
 *     a reason to go offline);
 *   - no answer (CP_ERR_DISCONNECTED): nothing came back within the budget,
 *     the connection failed, or what came back was not the server's (not
 *     JSON: a proxy's error page), or the server said busy (503: the same
 *     is to be sent again). The terminal then decides offline. */
#ifndef CP_REMOTE_H
#define CP_REMOTE_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

#define REMOTE_DEFAULT_BUDGET_MS 800

typedef struct remote remote;

/* A link to the server at url (http://HOST:PORT or https://...) for
 * terminal, with its key (64 hex digits) and a budget in milliseconds for
 * each request (0: REMOTE_DEFAULT_BUDGET_MS). ca (may be NULL: the
 * system's) is the file of the certificate authority an https server's
 * certificate must come from: a canteen's own CA. Nothing is sent yet.
 * Caller owns *out (remote_free). */
cp_err remote_new(const char *url, const char *terminal, const char *key_hex, long budget_ms,
                  const char *ca, remote **out);

/* Frees r; accepts NULL. */
void remote_free(remote *r);

/* The server's clock minus this one's, in seconds: learnt from every
 * answer's server_time, kept by the caller across restarts (the journal). */
int64_t remote_clock_offset(const remote *r);
void remote_set_clock_offset(remote *r, int64_t offset_s);

/* Sends a signed request (method "GET" or "POST", path from "/v1/...",
 * body NULL for GET) and waits at most timeout_ms (0: the budget). On an
 * answer returns CP_OK with *status the HTTP status and *answer the JSON
 * object (caller owns it); otherwise CP_ERR_DISCONNECTED, with the reason
 * in cp_detail. A clock_skew refusal is retried once with the clock the
 * refusal gave. */
cp_err remote_request(remote *r, const char *method, const char *path, const char *body,
                      long timeout_ms, long *status, json_t **answer);

/* POST /v1/events with the events' texts, each as the journal stores it,
 * joined into the array as they are (their bytes are what the server
 * compares when an id comes again). */
cp_err remote_post_events(remote *r, const char *const *events, size_t n, int64_t pending,
                          int64_t snapshot_version, long *status, json_t **answer);

/* Whether the last request found no answer because its time ran out (a
 * server or a link that says nothing: a hung server, packets dropped),
 * rather than at once (a connection refused, a busy answer): the first
 * costs whoever waits the whole budget again at the next try. */
int remote_timed_out(const remote *r);

/* The budget given to remote_new. */
long remote_budget_ms(const remote *r);

#endif
