/* ledger_post: what charges (ledger.c) and the back office's money events (ledger_money.c) share: a ledger entry posted with its wallet, the wallet's balances, the cards blocked after an offline charge.
 *
 * The wallets table holds each diner's balances; every change to it goes
 * through ledger_post_by, which writes the ledger entry and the balance
 * together, so that a balance always equals the sum of its entries (verify
 * checks it). */
#include "core/ledger_int.h"

#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/nls.h"

cp_err ledger_post_by(db *d, ledger_step_fn step, const char *id, int64_t diner_id,
                      const char *wallet, int64_t fen, const char *kind, const char *sale_id,
                      const char *ref, const char *terminal, const char *actor, const char *at)
{
    static const char insert_sql[] =
        "INSERT INTO ledger(id, diner_id, wallet, amount_fen, kind, sale_id, ref, terminal,"
        " actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static const char cash_sql[] =
        "UPDATE wallets SET cash_fen = cash_fen + ? WHERE diner_id = ?";
    static const char subsidy_sql[] =
        "UPDATE wallets SET subsidy_fen = subsidy_fen + ? WHERE diner_id = ?";
    db_stmt *st = db_prepare(d, insert_sql);
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, id);
    db_bind_int64(st, 2, diner_id);
    db_bind_text(st, 3, wallet);
    db_bind_int64(st, 4, fen);
    db_bind_text(st, 5, kind);
    db_bind_text(st, 6, sale_id);
    db_bind_text(st, 7, ref);
    db_bind_text(st, 8, terminal);
    db_bind_text(st, 9, actor);
    db_bind_text(st, 10, at);
    if ((err = step(d, st, N_("writing the ledger"))))
        return err;
    if (!(st = db_prepare(d, strcmp(wallet, "cash") == 0 ? cash_sql : subsidy_sql)))
        return CP_ERR_DB;
    db_bind_int64(st, 1, fen);
    db_bind_int64(st, 2, diner_id);
    if ((err = step(d, st, N_("updating the wallet"))))
        return err;
    if (step == db_step_done && db_changes(d) != 1)
        return cp_fail(CP_ERR_DB, "diner %lld has no wallet", (long long)diner_id);
    return CP_OK;
}

cp_err ledger_post(db *d, const char *id, int64_t diner_id, const char *wallet, int64_t fen,
                   const char *kind, const char *sale_id, const char *ref, const char *terminal,
                   const char *actor, const char *at)
{
    return ledger_post_by(d, db_step_done, id, diner_id, wallet, fen, kind, sale_id, ref,
                          terminal, actor, at);
}

static const char balances_sql[] = "SELECT cash_fen, subsidy_fen FROM wallets WHERE diner_id = ?";
/* The same, locking the wallet until the transaction ends (core/db.h): a
 * charge reads it so before it reads what it decides on. */
static const char lock_balances_sql[] =
    "SELECT cash_fen, subsidy_fen FROM wallets WHERE diner_id = ? FOR UPDATE";

db_stmt *ledger_balances_stmt(db *d, int lock, int64_t diner_id)
{
    db_stmt *st = db_prepare(d, lock ? lock_balances_sql : balances_sql);

    if (st)
        db_bind_int64(st, 1, diner_id);
    return st;
}

cp_err ledger_step_balances(db *d, db_stmt *st, int64_t diner_id, int64_t *cash,
                            int64_t *subsidy)
{
    int rc = db_step(st);

    if (rc == DB_ROW) {
        *cash = db_col_int64(st, 0);
        *subsidy = db_col_int64(st, 1);
    }
    db_reset(st);
    if (rc == DB_ROW)
        return CP_OK;
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_DB, "diner %lld has no wallet", (long long)diner_id);
    return db_fail(d, "reading the wallet");
}

cp_err ledger_read_balances(db *d, int64_t diner_id, int64_t *cash, int64_t *subsidy)
{
    db_stmt *st = ledger_balances_stmt(d, 0, diner_id);

    return st ? ledger_step_balances(d, st, diner_id, cash, subsidy) : CP_ERR_DB;
}

cp_err ledger_offline_block(db *d, int64_t diner_id, int block, const char *terminal,
                                const char *actor)
{
    /* one card at a time (a diner has one in use, rarely two): each one
     * changed leaves the status looked for, so the loop ends */
    static const char next_sql[] =
        "SELECT card_no FROM cards WHERE diner_id = ? AND status = ? ORDER BY card_no LIMIT 1";
    static const char set_sql[] = "UPDATE cards SET status = ? WHERE card_no = ?";
    const char *from = block ? "active" : "blocked_offline";
    const char *to = block ? "blocked_offline" : "active";
    char card[64];
    db_stmt *st;
    cp_err err;
    int rc;

    for (;;) {
        if (!(st = db_prepare(d, next_sql)))
            return CP_ERR_DB;
        db_bind_int64(st, 1, diner_id);
        db_bind_text(st, 2, from);
        if ((rc = db_step(st)) == DB_ROW)
            db_copy_col(card, sizeof card, st, 0);
        db_reset(st);
        if (rc == DB_DONE)
            return CP_OK;
        if (rc != DB_ROW)
            return db_fail(d, "reading the diner's cards");
        if (!(st = db_prepare(d, set_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, to);
        db_bind_text(st, 2, card);
        if ((err = db_step_done(d, st, "changing the card")) ||
            (err = audit_append(d, actor, terminal,
                                block ? "card.block_offline" : "card.unblock_offline", card,
                                NULL)))
            return err;
    }
}
