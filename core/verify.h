/* verify: checks every invariant of the books and the audit chain. */
#ifndef CP_VERIFY_H
#define CP_VERIFY_H

#include <stdio.h>

#include "core/audit.h"
#include "core/db.h"

/* Runs every check, writing one line per problem found (and a summary) to
 * report: the ledger's invariants, the guards of the append-only tables
 * (and on PostgreSQL that no role granted rights in the store may change them),
 * the audit chain with the content of every event, and with head (may be
 * NULL, else 64 hex digits) that the entry with that hash is still there.
 * *problems gets the count. Returns CP_OK when the checks could run
 * (whatever they found), an error when they could not. */
cp_err verify_books(db *d, const char *head, FILE *report, long *problems);

/* verify_books, telling progress (may be NULL) how far the audit log's
 * checks have gone. */
cp_err verify_books_progress(db *d, const char *head, audit_progress_fn *progress, void *arg,
                             FILE *report, long *problems);

/* What verify_books checks of the figures derived from the records, for
 * the business dates from to to: each rolled-up day summed again from its
 * sales and trays, and each month's diners listed again from the sales
 * (the metrics and the rankings read both). Adds to *problems and writes a
 * line for each, as verify_books does; in the caller's transaction. */
cp_err verify_derived(db *d, const char *from, const char *to, FILE *report, long *problems);

#endif
