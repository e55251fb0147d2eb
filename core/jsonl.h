/* jsonl: the headless terminals' answers, one JSON object a line: strings valid whatever their bytes, and a line for every answer even when it cannot be made. */
#ifndef CP_JSONL_H
#define CP_JSONL_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "core/ledger.h"
#include "core/waste.h"

/* A JSON string of s (NULL is ""); bytes that are not UTF-8 (a name cut by
 * bytes in an old database, a request id typed in GBK) become U+FFFD, so
 * that the string is always made: jansson refuses invalid UTF-8, which left
 * an answer blank. The caller owns it; NULL only when out of memory. */
json_t *jsonl_str(const char *s);

/* Writes o as one compact line on f and flushes it (a printed ok is a
 * committed sale), taking o. When o is NULL (it could not be made) or
 * cannot be serialised, the line is an error object instead, never a blank
 * line and never nothing. */
void jsonl_emit(FILE *f, json_t *o);

/* The answers of a charge and a weighing: one function each makes the
 * object that the headless POS and station print and the canteen server
 * answers for an event (doc/protocol.md), so that the two cannot drift.
 * With seq >= 1 (the server's answer to an event) the object starts with
 * "seq" and, for a weighing, "ok"; with 0 it has no seq. The caller owns
 * what they return; NULL only when out of memory. */

/* A refusal: {"seq"?, "ok": false, "error": error, "message": message}. */
json_t *jsonl_refusal(int64_t seq, const char *error, const char *message);

/* A charge: {"ok": true, "sale_id", ..., "meals_today", "repeated"}, or its
 * refusal (r->result and r->message). The POS adds its own flags after. */
json_t *jsonl_charge(int64_t seq, const charge_res *r);

/* A recorded weighing: {"id", "stage", ..., "created_at", "rate_pct"} and
 * "message" when the station has a note to show. */
json_t *jsonl_weighing(int64_t seq, const waste_res *r);

#endif
