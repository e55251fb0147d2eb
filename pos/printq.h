/* printq: the terminal's receipts, built from the store, sent to the printer, kept for reprint. */
#ifndef CP_PRINTQ_H
#define CP_PRINTQ_H

#include <stdint.h>
#include <stdio.h>

#include "core/db.h"
#include "core/names.h"
#include "pos/shift.h"
#include "receipts/escpos.h"

/*
 * A printer failure never touches a sale: the sale is committed before its
 * receipt is built. A receipt that could not be printed stays pending and is
 * printed by printq_flush() (the reprint key) once the printer is back. After
 * a failure the printer is left alone for PRINTQ_RETRY_MS, so that a dead
 * network printer costs one timeout, not one per tap.
 */

#define PRINTQ_RETRY_MS 10000  /* wait this long after a failure before trying again */
#define PRINTQ_TIMEOUT_MS 2000 /* connect and write timeout */
#define PRINTQ_KEEP 64         /* recent receipts remembered (balances, pending) */

typedef struct printq printq;

/* Makes a print queue for the printer at uri ("none" when NULL) with profile
 * prof. The printer is opened now; if that fails the queue is still made and
 * printq_status() says why (a wrong URI, though, is CP_ERR_INVALID). The
 * caller owns *out (printq_free). */
cp_err printq_new(const char *uri, const escpos_profile *prof, printq **out);

/* Frees the queue and closes its printer; accepts NULL. */
void printq_free(printq *q);

/* Where the preview transport writes its text (borrowed). */
void printq_set_preview(printq *q, FILE *f);

/* Sets the connect/write timeout and the pause after a failure, in ms (tests). */
void printq_set_timing(printq *q, int timeout_ms, int retry_ms);

/* Prints the receipt of sale_id. The balances after the sale are given by
 * the charge that made it (cash_left, subsidy_left); a copy is a reprint.
 * *printed (may be NULL) says whether it reached the printer; a receipt that
 * did not stays pending. Errors are about the store or the receipt itself,
 * never about the printer. */
cp_err printq_sale(printq *q, db *d, const char *sale_id, int64_t cash_left,
                   int64_t subsidy_left, int *printed);

/* Prints the void receipt of void_id; cashier is who is logged in (may be NULL). */
cp_err printq_void(printq *q, db *d, const char *void_id, const char *cashier, int *printed);

/* Prints a Z report (or an X report of an open shift) of terminal. */
cp_err printq_zreport(printq *q, db *d, const char *terminal, const shift_report *r,
                      int *printed);

/* Prints again what id names (a sale, a void or a shift close), marked as a
 * copy. CP_ERR_NOT_FOUND with a detail when there is no such receipt. */
cp_err printq_reprint(printq *q, db *d, const char *id, int *printed);

/* Prints the pending receipts, oldest first, as originals; *left gets how
 * many are still pending. */
cp_err printq_flush(printq *q, db *d, int *left);

/* Receipts built by the caller (a terminal of the canteen server builds
 * them from the server's answers, having no store): a new encoder with the
 * queue's paper and code page, owned by the caller until it gives it back. */
cp_err printq_encoder(printq *q, escpos **e);

/* Prints the receipt built in e (taking e). An original (copy 0) is kept as
 * id: when it did not print it stays pending, and printq_flush() prints it
 * (with d NULL when every pending receipt was built so). A copy is sent once. */
cp_err printq_print_built(printq *q, const char *id, escpos *e, int copy, int *printed);

/* The name people read for a code (names_show, or a terminal's snapshot). */
typedef const char *(*printq_namer)(void *ctx, names_kind kind, const char *code,
                                    char buf[NAMES_SIZE]);

/* Encodes a Z (or X) report of terminal at canteen into e, the periods and
 * categories named by name(ctx, ...). */
cp_err printq_encode_z(escpos *e, const char *canteen, const char *terminal,
                       const shift_report *r, printq_namer name, void *ctx, int copy);

/* An item sold by weight as its receipt line says it: "称重素菜 350g", the
 * name cut (on a character) before the grams when it is too long. */
void printq_weighed_name(char *out, size_t size, const char *name, int grams);

/* Whether the receipt id is waiting for the printer. */
int printq_is_pending(printq *q, const char *id);

/* Receipts not printed yet. */
int printq_pending(const printq *q);

/* One line for the status bar: "printer ok (tcp:...)", "printer offline:
 * connection refused; 2 receipts to print". Owned by q, valid until its next call. */
const char *printq_status(printq *q);

/* Whether the last attempt reached the printer (1), failed (0), or nothing was printed yet (-1). */
int printq_ok(const printq *q);

/* The bytes of the last receipt built (printed or not), owned by q; for preview. */
const unsigned char *printq_last(const printq *q, size_t *len);

#endif
