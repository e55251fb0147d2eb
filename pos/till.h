/* till: what the cashier's screen does with the canteen's records, on the store (--db) or through the canteen server (--server).
 *
 * The screen (pos/ui.c) decides what to show and asks the till: who may log
 * in, the shift, the meal period and items, a charge, a void, the last
 * sale. Two backends answer, as libserialport's platforms do behind one
 * header: till_store.c straight on the store, and till_server.c through the
 * server (doc/protocol.md), which charges offline from the terminal's
 * snapshot when the server does not answer. */
#ifndef CP_TILL_H
#define CP_TILL_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/ledger.h"
#include "core/names.h"
#include "core/termsync.h"
#include "core/users.h"
#include "pos/printq.h"
#include "pos/shift.h"
#include "pos/ui_data.h"

typedef struct till till;

/* A till on the store d for terminal, printing on pq (all borrowed).
 * CP_ERR_NOT_FOUND (with what to do) when terminal is no POS of the store. */
cp_err till_open_store(db *d, const char *terminal, printq *pq, till **out);

/* A till through ts, printing on pq (borrowed; its snapshot fetched already
 * when the server answered). Its receipts are built from the server's
 * answers (a sale's from GET /v1/receipt, an offline one from the
 * terminal's own answer, marked 离线). */
cp_err till_open_server(termsync *ts, printq *pq, till **out);

/* Who is charging, for the receipts, when nobody logs in (the headless
 * terminal's --cashier); a login sets it too. */
void till_set_cashier(till *t, const char *cashier);

/* Frees t; accepts NULL. */
void till_free(till *t);

/* The canteen's name for the header ("" when not known yet, offline). */
const char *till_canteen(till *t);

/* Whether the last request found the server (always 1 on the store). */
int till_online(till *t);

/* The meal period at minute (since midnight) with its prices. */
cp_err till_period(till *t, int minute, ui_period *out);

/* An a-la-carte item by code (ui_data_item). */
cp_err till_item(till *t, const char *code, char name[128], int64_t *price_fen, int *per_100g);

/* The name people read for code (names_show). Returns buf. */
const char *till_name(till *t, names_kind kind, const char *code, char buf[NAMES_SIZE]);

/* Checks a cashier's name and PIN (users_authenticate: the count and the
 * lock shared with every terminal and the office) and records the login.
 * CP_ERR_AUTH with *auth saying why; CP_ERR_DISCONNECTED when the server
 * does not answer (a login needs it). */
cp_err till_login(till *t, const char *name, const char *pin, users_auth *auth);

/* Records that cashier logged out (why may be NULL). */
void till_logout(till *t, const char *cashier, const char *why);

/* The shift open on this terminal (shift_current, shift_open, shift_close). */
cp_err till_shift_current(till *t, shift_info *out, int *is_open);
cp_err till_shift_open(till *t, const char *cashier, int64_t fen, shift_info *out);
cp_err till_shift_close(till *t, const char *cashier, int64_t fen, shift_report *out);

/* Charges req (its terminal, request id and duplicate window are the
 * till's concern on the server) into *res, as ledger_charge does: CP_OK
 * when answered (res->result says how; res->offline when the terminal
 * decided without the server), else nothing was charged. */
cp_err till_charge(till *t, const charge_req *req, charge_res *res);

/* The last sale of this terminal; one line about a sale (ui_data). */
cp_err till_last_sale(till *t, char id[IDS_LEN]);
cp_err till_sale_brief(till *t, const char *sale_id, char *text, size_t size);

/* Voids sale_id when manager's PIN is right (checked where the store is),
 * actor being who is logged in. CP_ERR_AUTH with *auth saying why. */
cp_err till_void(till *t, const char *sale_id, const char *manager, const char *pin,
                 const char *actor, const char *reason, char void_id[IDS_LEN], users_auth *auth);

/* Receipts (pos/printq.h); *printed 1, 0 (kept to print later) or -1 (no
 * printer here). */
cp_err till_print_sale(till *t, const charge_res *res, int *printed);
cp_err till_print_void(till *t, const char *void_id, const char *cashier, int *printed);
cp_err till_print_z(till *t, const shift_report *z, int *printed);
cp_err till_reprint(till *t, const char *id, int *printed);
cp_err till_print_flush(till *t, int *left);

/* Work while no key comes: the queue of offline charges sent, the snapshot
 * kept fresh. Nothing on the store. */
void till_idle(till *t);

#endif
