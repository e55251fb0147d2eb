/* storecopy: the whole store copied into a new one (a canteen's SQLite file into PostgreSQL), all or nothing. */
#ifndef CP_STORECOPY_H
#define CP_STORECOPY_H

#include <stdint.h>

#include "core/db.h"
#include "core/hash.h"

/* What a copy did and what both stores say after it. */
typedef struct storecopy_res {
    long tables, rows;
    char head[HASH_HEX_LEN];          /* the office chain's audit head, the same in both */
    char published[HASH_HEX_LEN];     /* the hash of the last publication ("" for none) */
    int64_t cash_fen, subsidy_fen;    /* what the wallets hold in all, the same in both */
} storecopy_res;

/* Told of a copy's progress: rows of table copied so far, and done once
 * when the table is whole. */
typedef void (*storecopy_progress_fn)(const char *table, long rows, int done, void *arg);

/* Copies every row of every table of from (schema_tables) into to, which
 * must be new: of schema version 0 (it is migrated first) or of this
 * version with no rows. from is read in one transaction that keeps its
 * writers out (a consistent copy); to is written in one transaction with
 * its foreign keys checked at the commit: on any error nothing of the copy
 * stays in to (its empty tables do). Then the heads of every audit chain, the last
 * published hash and the wallets' sums of both are compared: a difference
 * is CP_ERR_DB. verify is for the caller to run on to. progress (may be
 * NULL) is called with arg as the tables are copied. */
cp_err storecopy_run(db *from, db *to, storecopy_progress_fn progress, void *arg,
                     storecopy_res *res);

#endif
