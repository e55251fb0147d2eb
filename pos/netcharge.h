/* netcharge: a charge through the canteen server, decided at the terminal from its snapshot when the server does not answer (doc/protocol.md). The headless POS and the full screen both charge through it. */
#ifndef CP_NETCHARGE_H
#define CP_NETCHARGE_H

#include <jansson.h>
#include <stddef.h>

#include "core/ledger.h"
#include "core/termsync.h"

typedef struct netcharge_req {
    const char *card;          /* normalised (cardno_normalize) */
    const char *cashier;       /* who is charging, for the records */
    const charge_line *lines;  /* NULL: the fixed-price meal */
    size_t nlines;
    int dup_seconds;           /* the duplicate-tap window offline (0: the ledger's) */
} netcharge_req;

/* Charges through ts. Returns the answer, as the headless POS prints it:
 * the server's ({"ok":true,"sale_id":...} or a refusal), or the terminal's
 * own when the server did not answer ("offline":true and "request_id"
 * CODE/SEQ; a-la-carte lines are refused offline: the snapshot prices only
 * the meal). *refused is set when the server refused the terminal's request
 * itself (a wrong key, a sequence gap): for a person to fix, not a card to
 * tap again; the answer is then the error object. NULL only when out of
 * memory or the journal failed (cp_detail says). */
json_t *netcharge(termsync *ts, const netcharge_req *req, int *refused);

/* The answer of a charge (netcharge's or the store's, as JSON) into *res:
 * res->result CP_OK for an ok answer, else the code its "error" names. */
void netcharge_result(const json_t *answer, charge_res *res);

#endif
