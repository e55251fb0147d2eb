/* report_offline: the offline charges of a month that went over a wallet's limit, and whether their cards are still blocked. */
#ifndef CP_REPORT_OFFLINE_H
#define CP_REPORT_OFFLINE_H

#include <stdio.h>

#include "backoffice/office.h"
#include "core/db.h"

/* Writes to f, as text or CSV, every offline sale of month ("2026-11", by
 * business day) posted over its wallet's limit: sale, tap time, terminal,
 * diner, department at the time, amount, the cash after it as it was posted,
 * and whether a card of the diner is still blocked for it. */
cp_err report_offline(db *d, const char *month, int csv, FILE *f);

/* report offline --month YYYY-MM [--csv]. Returns the exit code. */
int cmd_report_offline(office_ctx *c);

#endif
