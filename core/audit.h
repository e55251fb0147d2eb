/* audit: the append-only audit log, a BLAKE2b hash chain that verify can check.
 *
 * The log is one chain per writer: each terminal's entries (those written
 * with its code) follow one another, and the office's (written without a
 * terminal) theirs, so that terminals appending at once on PostgreSQL never
 * wait for one another's head. A terminal's Z report prints its chain's
 * head; a seal (audit_seal) in the office's chain lists the head of every
 * terminal's chain, so that one printed head vouches for the whole log.
 *
 * Two kinds of entries go into the chains:
 * - notes (audit_append): who did what, e.g. a login or a price change; the
 *   rows they speak of (prices, cards) are state, not events.
 * - events (audit_event): a sale, a void, a money movement, a weighing, a
 *   publication or a shift. The entry carries `content`, a hash of every row
 *   the event wrote, read back from the store in the same transaction (or,
 *   for a charge, hashed as written: audit_rows), so that verify can
 *   recompute it: an edit made consistently across the tables (sale,
 *   ledger and wallet together) still changes the content.
 *
 * Every entry is written inside a transaction (the event's own, or one of
 * its own for a note made outside any), and a unique index on prev_hash
 * refuses a second entry after the same one: two writers can never fork
 * the chain. */
#ifndef CP_AUDIT_H
#define CP_AUDIT_H

#include <stdio.h>

#include "core/db.h"
#include "core/hash.h"

/* Appends a note (inside the caller's transaction, or in one of its own).
 * terminal, subject and detail may be NULL. The time comes from clock_now(). */
cp_err audit_append(db *d, const char *actor, const char *terminal, const char *action,
                    const char *subject, const char *detail);

/* Whether name is the cashier logged in at terminal now (*yes): its chain's
 * last pos.login or pos.logout note is a login of name. */
cp_err audit_logged_in(db *d, const char *terminal, const char *name, int *yes);

/* Notes appended one after another in one transaction, on one chain (an
 * import's entry per row): the chain is locked and its head read at the
 * first note only, and each later note follows the one before it without
 * a round trip to the store. Zero it before the first note; it is good
 * until the transaction ends, and only while nothing else appends to the
 * same chain in it. */
typedef struct audit_run {
    char head[HASH_HEX_LEN]; /* the newest note's hash, once started */
    int started;
} audit_run;

/* audit_append inside the open transaction, as the next note of run. */
cp_err audit_run_append(db *d, audit_run *run, const char *actor, const char *terminal,
                        const char *action, const char *subject, const char *detail);

/* Appends the entry of an event that the caller has just written in its
 * open transaction. action names the kind of event and subject its id:
 *   "sale"                  a sale id: the sale, its lines, its ledger
 *                           entries (SALE.s, SALE.c) and its charge request
 *   "sale.void"             a void id: the void and its ledger entries (VOID.n)
 *   "wallet.topup", "wallet.topup_reverse", "subsidy.grant",
 *   "subsidy.expire", "diner.leave"
 *                           an event id E: the ledger entries E and E.*
 *   "waste.record"          a weighing id
 *   "publish.redblack"      a publication id: it and its rows
 *   "shift.open", "shift.close"  a shift event id
 *   "purchase.add", "purchase.reverse"  a purchase id (a reversal is a purchase
 *                           row of its own, core/food.h)
 *   "stock.count"           a stock count id
 * Any other action is a programming error (CP_ERR_INVALID). head (may be
 * NULL) gets the new head of the chain: this entry's hash. */
cp_err audit_event(db *d, const char *actor, const char *terminal, const char *action,
                   const char *subject, const char *detail, char head[HASH_HEX_LEN]);

/* ---- an event hashed as it is written ------------------------------------
 *
 * audit_event reads the event's rows back to hash them, a round trip of
 * its own. A writer that knows every row it wrote can hash them itself
 * and save that trip: the rows in the order, and with the columns, that
 * audit.c's content queries of its kind read them, each value as the store
 * gives it back as text (an integer in decimal, NULL as NULL). verify reads
 * them back and reports any difference. A charge does (core/ledger.c). */
typedef struct audit_rows {
    hash_ctx h;
} audit_rows;

void audit_rows_begin(audit_rows *r, const char *action);
/* One row: cols[0] its table's tag ("sales"), then its n - 1 columns. */
void audit_rows_add(audit_rows *r, const char *const *cols, int n);
void audit_rows_end(audit_rows *r, char content[HASH_HEX_LEN]);

/* Takes the lock of terminal's chain (NULL: the office's) in the open
 * transaction and queues the read of its head (*head_st), both to go with
 * the next round trip (db_prefetch), for audit_event_hashed. */
cp_err audit_lock_chain(db *d, const char *terminal, db_stmt **head_st);

/* audit_event with the content the caller hashed (audit_rows), appended
 * after the head that head_st reads (audit_lock_chain, earlier in this
 * transaction; NULL: locked and read here). The entry goes with the next
 * round trip, the COMMIT's: no round trip of its own. */
cp_err audit_event_hashed(db *d, db_stmt *head_st, const char *actor, const char *terminal,
                          const char *action, const char *subject, const char *detail,
                          const char *content, char head[HASH_HEX_LEN]);

/* The hash of the newest entry of the chain of terminal (NULL: the
 * office's), "" when that chain is empty. */
cp_err audit_head(db *d, const char *terminal, char head[HASH_HEX_LEN]);

/* The head of every chain, one line "CODE HASH" each, by code; with office,
 * the office's first as "- HASH" (when it has entries). *out is malloc'd,
 * "" when there are none. */
cp_err audit_heads(db *d, int office, char **out);

/* A head that vouches for the whole log, for people to keep (a publication,
 * a report, `cleanplate-office audit head`): appends a seal to the office's
 * chain, an entry "audit.seal" whose detail lists the head of every
 * terminal's chain (audit_heads), unless the office's newest entry is a
 * seal that lists the same heads; head gets the office chain's head after
 * it. verify checks that every head a seal lists is still in its chain.
 * When no terminal has a chain, nothing is appended. Inside the caller's
 * transaction, or in one of its own. */
cp_err audit_seal(db *d, const char *actor, char head[HASH_HEX_LEN]);

/* How far a long check has gone, for a person waiting (a city's month is
 * minutes): stage, a message id to translate (N_), done of total, total 0
 * when it is not known beforehand; arg is the caller's. */
typedef void audit_progress_fn(const char *stage, long done, long total, void *arg);

/* Walks the chain and recomputes every event's content (progress, when not
 * NULL, is told after each page of entries); checks that every
 * row of the event tables belongs to exactly one audited event; with head
 * (may be NULL), that the entry with that hash is in its chain, so that
 * nothing up to it was removed; and that every head a seal lists is in its
 * chain. Writes one line per problem to report and
 * adds their number to *problems; *checked gets the number of entries.
 * Returns an error only when the checks could not run. */
cp_err audit_verify(db *d, const char *head, audit_progress_fn *progress, void *arg,
                    FILE *report, long *problems, long *checked);

/* Enters every event row already in the store that no event entry covers
 * (rows written before the store had event entries), one entry per event,
 * actor "migration". Runs inside the migration's transaction. */
cp_err audit_backfill(db *d);

#endif
