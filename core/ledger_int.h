/* ledger_int: the internals that charges (core/ledger.c) and the back office's money events (core/ledger_money.c) share, kept in core/ledger_post.c. Not for use outside the ledger. */
#ifndef CP_CORE_LEDGER_INT_H
#define CP_CORE_LEDGER_INT_H

#include <stdint.h>

#include "core/db.h"
#include "core/err.h"

/* How ledger_post_by runs a write: db_step_done, or db_step_later. */
typedef cp_err (*ledger_step_fn)(db *d, db_stmt *st, const char *what);

/* Writes one ledger entry and moves the wallet balance by the same amount,
 * each statement run by step: db_step_done, which checks that the wallet
 * exists, or db_step_later for a wallet that the transaction locked and
 * read already (a charge's, gather_facts): then nothing waits for them. */
cp_err ledger_post_by(db *d, ledger_step_fn step, const char *id, int64_t diner_id,
                      const char *wallet, int64_t fen, const char *kind, const char *sale_id,
                      const char *ref, const char *terminal, const char *actor, const char *at);

/* ledger_post_by, each write run at once and the wallet checked. */
cp_err ledger_post(db *d, const char *id, int64_t diner_id, const char *wallet, int64_t fen,
                   const char *kind, const char *sale_id, const char *ref, const char *terminal,
                   const char *actor, const char *at);

/* The statement that reads diner_id's balances, bound; with lock, it locks
 * the wallet until the transaction ends (SELECT ... FOR UPDATE: a charge
 * reads it so before it reads what it decides on). NULL when it does not
 * prepare. Owned by d. */
db_stmt *ledger_balances_stmt(db *d, int lock, int64_t diner_id);

/* The balances of diner_id's wallet, read by st (ledger_balances_stmt). */
cp_err ledger_step_balances(db *d, db_stmt *st, int64_t diner_id, int64_t *cash,
                            int64_t *subsidy);

/* The balances of diner_id's wallet, without a lock. */
cp_err ledger_read_balances(db *d, int64_t diner_id, int64_t *cash, int64_t *subsidy);

/* block 1: blocks the active cards of diner_id after an offline charge took
 * the wallet below its limit (cards.status 'blocked_offline'); block 0:
 * lifts exactly those blocks, when a top-up brought the wallet back within
 * its limit. Each card changed is a note in the audit log. */
cp_err ledger_offline_block(db *d, int64_t diner_id, int block, const char *terminal,
                            const char *actor);

#endif
