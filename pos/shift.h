/* shift: a cashier's shift on a terminal: open with a cash count, close with a Z report. */
#ifndef CP_SHIFT_H
#define CP_SHIFT_H

#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/hash.h"
#include "core/ids.h"

/*
 * A shift is an 'open' row in shift_events and, later, a 'close' row pointing
 * at it. Both take their ids from the terminal's sequence, the same one sales
 * and voids take theirs from, so the sales of a shift are exactly the
 * terminal's sales numbered between the open and the close, whatever the
 * clock says. At most one shift is open per terminal; the next one starts at
 * zero because it counts only what was numbered after its own open.
 */

typedef struct shift_info {
    char id[IDS_LEN];            /* the open event, e.g. "POS1-000007" */
    char cashier[128];
    char opened[CP_TIME_ISO_LEN];
    int64_t counted_cash_fen;    /* cash in the drawer at the open */
} shift_info;

/* One row of the Z report: sales of one meal period and one diner category
 * ("items" for a-la-carte sales), voided ones included. */
typedef struct shift_row {
    char period[64];             /* "" when no meal period was open */
    char category[64];
    int64_t count, amount_fen;
} shift_row;

typedef struct shift_report {
    shift_info open;
    char close_id[IDS_LEN];      /* "" for a report of a shift still open (X report) */
    char closed_by[128];
    char closed[CP_TIME_ISO_LEN];
    int64_t closing_cash_fen;    /* cash in the drawer at the close */
    shift_row *rows;             /* ordered by period start, then category */
    size_t n_rows;
    int64_t sale_count, sale_fen;      /* every sale of the shift, voided ones included */
    int64_t void_count, void_fen;      /* voids made on this terminal during the shift */
    int64_t subsidy_fen, cash_fen;     /* sales minus voids, by wallet */
    int64_t net_fen;                   /* sale_fen - void_fen */
    char audit_head[HASH_HEX_LEN];     /* the audit log's head at the close, "" when open */
} shift_report;

/* The shift open on terminal: *is_open says whether there is one, and *out
 * (may be NULL) gets it. */
cp_err shift_current(db *d, const char *terminal, shift_info *out, int *is_open);

/* Opens a shift for cashier with counted_cash_fen in the drawer, audited.
 * CP_ERR_EXISTS (with a detail naming it) when one is already open. *out
 * (may be NULL) gets the new shift. */
cp_err shift_open(db *d, const char *terminal, const char *cashier, int64_t counted_cash_fen,
                  shift_info *out);

/* The report of the shift open on terminal so far (an X report: nothing is
 * written). CP_ERR_NOT_FOUND when no shift is open. The caller frees *out's
 * rows with shift_report_free(). */
cp_err shift_peek(db *d, const char *terminal, shift_report *out);

/* Closes the shift open on terminal in one transaction: numbers the close,
 * counts the shift's sales and voids, stores the report as JSON with the
 * close event and audits it. CP_ERR_NOT_FOUND when no shift is open. The
 * caller frees *out's rows with shift_report_free(). */
cp_err shift_close(db *d, const char *terminal, const char *cashier, int64_t counted_cash_fen,
                   shift_report *out);

/* The report stored with the close event close_id (for a reprint). The
 * caller frees *out's rows with shift_report_free(). */
cp_err shift_load(db *d, const char *close_id, shift_report *out);

/* The report as one JSON object; the caller frees the string with free(). */
char *shift_report_json(const shift_report *r);

/* The report from its JSON (shift_report_json's, or the server's: doc/protocol.md,
 * POST /v1/shift); CP_ERR_PARSE when it is not one. The caller frees *out's rows. */
cp_err shift_report_parse(const char *text, shift_report *out);

/* Frees the rows of r and empties it; accepts NULL. */
void shift_report_free(shift_report *r);

/* The sequence number in an event id of terminal ("POS1-000042" → 42), or -1
 * when id is not one of terminal's ids. */
long long shift_seq(const char *terminal, const char *id);

#endif
