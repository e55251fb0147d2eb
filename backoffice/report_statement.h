/* report_statement: one diner's statement of a month: every movement of their cash and subsidy, with the balances after each. */
#ifndef CP_REPORT_STATEMENT_H
#define CP_REPORT_STATEMENT_H

#include <stdio.h>

#include "backoffice/office.h"
#include "core/db.h"

/* Writes to f, as text or CSV, the statement of the diner staff_no for
 * month ("2026-10"): the balances at its start, each ledger movement of the
 * month in the order of its time (a meal's cash and subsidy on one line;
 * an offline meal posted late at its tap time), the balances after each,
 * and the balances at its end. What a diner asks the canteen for to see
 * where every fen went; the same entries verify adds up. */
cp_err report_statement(db *d, const char *staff_no, const char *month, int csv, FILE *f);

/* report statement STAFF_NO [--month YYYY-MM] [--csv]: this month when no
 * --month. Returns the exit code. */
int cmd_report_statement(office_ctx *c);

#endif
