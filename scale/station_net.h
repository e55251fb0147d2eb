/* station_net: a waste station of the canteen server (doc/protocol.md).
 *
 * Each weighing is an event in the station's journal, sent to the server
 * like a POS's charge (core/termsync.h). A weighing is never refused for
 * want of the server: without an answer within the budget it is queued,
 * marked offline, and sent when the link is back. */
#ifndef CP_SCALE_STATION_NET_H
#define CP_SCALE_STATION_NET_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "core/waste.h"
#include "scale/station.h"

typedef struct station_net station_net;

/* Opens the journal and the link for the station c describes (server, key,
 * journal, offline_after_ms) and makes the first contact; a server that
 * refuses the station (a wrong key) is an error with its message, one that
 * does not answer is not. Caller owns *out (station_net_close). */
cp_err station_net_open(const station_cfg *c, station_net **out);
void station_net_close(station_net *n);

/* Saves a weighing through the server (a station_save_fn). */
cp_err station_net_save(void *arg, const waste_req *req, waste_res *res);

/* The answer to the last weighing saved, as the headless station prints it
 * (the server's, or the station's own with "offline": true); the caller
 * takes it. NULL when there is none. */
json_t *station_net_take_answer(station_net *n);

/* Sends what is queued, and tidies the journal (journal_tidy), when the
 * last try is IDLE_MS old (now: monotonic ms). */
void station_net_tick(station_net *n, int64_t now_ms);

#endif
