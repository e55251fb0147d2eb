/* offline: a charge decided at the terminal while the server does not answer.
 *
 * The facts come from the terminal's snapshot (GET /v1/snapshot, kept in
 * its journal) and the decision from the same rules the server uses
 * (core/rules.h), in their offline mode: on top of every rule, the
 * category's offline daily allowance per card. A charge made here changes
 * the snapshot's card (balances, today's meals and spending, what was spent
 * offline), which the terminal keeps, so that the next tap of the same card
 * sees it. */
#ifndef CP_OFFLINE_H
#define CP_OFFLINE_H

#include <jansson.h>

#include "core/clock.h"
#include "core/err.h"

/* Decides a charge of the fixed-price meal for card number card_no at
 * `at` from snapshot (its periods, prices and rules) and card, the
 * snapshot's card of that number (NULL when it has none: refused as
 * unknown; changed in place when it charges: the caller keeps it), with a
 * duplicate-tap window of dup_seconds. Returns the headless answer,
 * {"ok":true,...} or {"ok":false,"error":...}, with "offline":true;
 * *charged says which. NULL only when out of memory. */
json_t *offline_charge(const json_t *snapshot, json_t *card, const char *card_no,
                       const cp_time *at, int dup_seconds, int *charged);

/* Folds a charge the server made for this card into the held card: the
 * server's balances, one more sale in the answer's period, the day's
 * spending, and `at` as its last sale here (the duplicate tap). Otherwise
 * a decision made offline before the next snapshot would not know of it:
 * a second lunch, or the same card tapped twice, charged the moment the
 * link drops. answer is the server's {"ok":true,...}; card is changed in
 * place, for the caller to keep. */
void offline_note_charge(const json_t *snapshot, json_t *card, const json_t *answer,
                         const cp_time *at);

/* Folds a void the server made of a sale of this card into the held card:
 * the server's balances after it (answer: the void's {"ok":true,...}), and,
 * for a sale of today (sale: its receipt data, GET /v1/receipt), one meal of
 * its period and its amount fewer in the day's counts. Otherwise a decision
 * made offline before the next snapshot would still count the voided meal:
 * the diner charged by mistake refused lunch as a second one. card is
 * changed in place, for the caller to keep. */
void offline_note_void(const json_t *snapshot, json_t *card, const json_t *sale,
                       const json_t *answer, const cp_time *now);

#endif
