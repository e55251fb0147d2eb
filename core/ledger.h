/* ledger: charges, voids, top-ups, subsidies and refunds, each one transaction and one audited event. */
#ifndef CP_LEDGER_H
#define CP_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/diners.h"
#include "core/ids.h"

#define LEDGER_DUP_TAP_SECONDS 5

/* SQL: the order in which the ledger entry l moved money, as the terms of
 * an ORDER BY or of a row value, with r the charge_requests row of its sale
 * (LEFT JOINed for a charge): when it was posted (a charge when its request
 * came, which for an offline meal is after its tap, the time its entries
 * carry); of those posted in the same second (times are written to the
 * second, and the ledger keeps no other order), top-ups and grants first,
 * then charges, then what refers to one (a void) or ends a month or a
 * diner (an expiry, a pay-out): a top-up and the lunch it paid for in one
 * second read as a lunch the wallet could not pay (-8.00), a void before
 * its sale; then the tap time, and the event. A diner's statement lists
 * the entries so and report offline sums the cash after a sale so
 * (backoffice/report_statement.c, report_offline.c, which gives a charge's
 * rank, 1, for its sale). */
#define LEDGER_MOVED_ORDER(l, r)                                                           \
    "coalesce(" r ".created_at, " l ".created_at),"                                        \
    " CASE " l ".kind WHEN 'topup' THEN 0 WHEN 'subsidy_grant' THEN 0 WHEN 'charge' THEN 1"  \
    " ELSE 2 END, " l ".created_at, coalesce(" l ".sale_id, " l ".id)"
/* How many times a charge is run when the store refuses it for meeting
 * another at the same time (db_conflict); then it is answered busy. */
#define LEDGER_CHARGE_ATTEMPTS DB_SHARED_ATTEMPTS

/* One a-la-carte line: quantity is pieces, or grams for items priced per 100 g. */
typedef struct charge_line {
    const char *item_code;
    int quantity;
} charge_line;

struct charge_res;

/* Whether the month of the time `at` (an SQL expression of a local ISO
 * time, NULL: none) has a red/black list published, as an SQL count (0 or
 * more): nothing served offline is posted into such a month (a charge is
 * refused, a weighing posted now: core/rules.c, core/waste.c). */
#define LEDGER_MONTH_PUBLISHED_SQL(at)                                                      \
    "(SELECT count(*) FROM publications WHERE kind = 'redblack'"                            \
    " AND period = substr(" at ", 1, 7))"

typedef struct charge_req {
    const char *terminal;   /* terminal code; its canteen decides period and price */
    const char *card_no;    /* normalised (cardno_normalize) */
    const char *request_id; /* terminal + sequence; a repeat returns the first answer */
    const char *actor;      /* cashier name, or "headless" */
    const charge_line *lines; /* NULL/0: the fixed-price meal of the open period */
    size_t nlines;
    int dup_tap_seconds;    /* 0: LEDGER_DUP_TAP_SECONDS */
    /* A charge a terminal decided without the server and already served
     * (doc/protocol.md): posted whatever the wallets and limits now say;
     * only an unknown card, no open period or no price refuse it, or more
     * than its terminal could have served deciding alone (a second meal of
     * the period there, more than the offline allowance there today: core/
     * rules.c, beyond_one_terminal). When it takes the cash below its limit
     * the sale is flagged over_limit and the diner's cards are blocked
     * ('blocked_offline') until a top-up brings the wallet back within its
     * limit. */
    bool offline;
    /* offline: charged online first, sent again after the store lost it
     * (core/journal.c, resent_body): decided at its tap time by the rules
     * of a charge online (card, limits, money), not posted whatever it is
     * as a served meal: a stolen key could say it of any charge */
    bool resent;
    /* The tap time, local ISO "2026-11-03T12:04:10", or NULL: now. It decides
     * the business day, the period and the price, and is the sale's time. */
    const char *at;
    /* offline: the version of the snapshot its terminal decided from (the
     * event's snapshot_version, doc/protocol.md; 0: not said): the meal is
     * charged the price that snapshot held, which the terminal charged and
     * printed, when that price was still in effect at snapshot_from (the
     * start of the server's window of offline charges; NULL: at), else the
     * price in effect at the tap (core/canteen.h, CANTEEN_PRICE_SEEN_SQL) */
    int64_t snapshot_version;
    const char *snapshot_from;
    /* Called inside the charge's transaction just before its COMMIT, when
     * the charge wrote (a sale, or a refusal kept with its request id), to
     * write what must be in the store exactly when the charge is (the
     * server's record of the terminal's event: core/terminals.h); its
     * failure fails the charge. Not called when the request was answered
     * before (res->repeated). NULL: nothing. */
    cp_err (*also)(db *d, const struct charge_res *res, void *arg);
    void *also_arg;
} charge_req;

/* The name fields hold any name an import takes (DINERS_NAME_SIZE), and the
 * message a refusal with two of them; text longer than a field (a name from
 * before the limit) is cut on a character boundary with "…", never inside a
 * character. */
typedef struct charge_res {
    cp_err result;        /* CP_OK, or why the charge was refused */
    int repeated;         /* the request id had been answered before */
    char message[2 * DINERS_NAME_SIZE]; /* for a refusal: what happened and what to do */
    char sale_id[IDS_LEN];
    char staff_no[64];    /* 1-32 letters and digits (import) */
    char name[DINERS_NAME_SIZE];
    char department[DINERS_NAME_SIZE];
    char period[64];      /* at most 32 bytes (period set) */
    int64_t charged_fen, subsidy_fen, cash_fen;
    int64_t cash_left_fen, subsidy_left_fen;
    int meals_today;      /* non-void sales of this diner today, this one included */
    bool offline;         /* the charge was an offline one (charge_req.offline) */
    bool over_limit;      /* offline, it took the cash below its limit: cards blocked */
    int retries;          /* times it ran again after meeting another charge (db_conflict) */
} charge_res;

/* Charges a card. Returns CP_OK when the request was answered — res->result
 * then says whether it was charged or refused (and refused means nothing
 * changed) — or an error (busy, disk full, ...) when nothing could be done,
 * in which case the same request may be sent again. */
cp_err ledger_charge(db *d, const charge_req *req, charge_res *res);

/* Voids a sale on behalf of manager, putting the money back into the wallets
 * it came from; when the diner has left, paying it out at once (the cash to
 * hand back, ledger_void_paid_out; the subsidy expired), since nothing can
 * be spent from their wallets any more. terminal may be NULL (back office).
 * Voiding twice: CP_ERR_ALREADY_VOID; a sale of a month that has ended:
 * CP_ERR_INVALID (rules_void_allowed). *void_id (may be NULL) gets the new
 * void's id. */
cp_err ledger_void(db *d, const char *sale_id, const char *manager, const char *terminal,
                   const char *reason, char void_id[IDS_LEN]);

/* The cash the void void_id paid out to a diner who had left (0 when none). */
cp_err ledger_void_paid_out(db *d, const char *void_id, int64_t *cash_fen);

/* Adds fen to the cash wallet of staff_no. entry (may be NULL) gets the
 * ledger entry's id, which `topup reverse` takes. */
cp_err ledger_topup(db *d, const char *staff_no, int64_t fen, const char *actor,
                    char entry[IDS_LEN]);

/* Reverses the top-up entry (a mistake): a new entry takes the same amount
 * back, with reason in the audit log; the top-up itself is never changed.
 * Refused when it was reversed already or when the wallet no longer holds
 * it. staff_no (64 bytes) and *fen get whose it was and how much. */
cp_err ledger_topup_reverse(db *d, const char *entry, const char *reason, const char *actor,
                            char staff_no[64], int64_t *fen);

typedef struct ledger_topup_item {
    const char *staff_no;
    int64_t fen;
    char entry[IDS_LEN]; /* out: the top-up's ledger entry id */
} ledger_topup_item;

/* Tops up every item, as ledger_topup does, in one transaction: all or
 * nothing. On an error *bad (may be NULL) gets the index of the item that
 * failed, or n when the error is not an item's (the commit, a full disk:
 * cp_err_is_system). */
cp_err ledger_topup_batch(db *d, ledger_topup_item *items, size_t n, const char *actor,
                          size_t *bad);

/* Who gets a month's subsidy: every active diner, or those of department
 * (and its sub-departments) and/or of category. */
typedef struct ledger_grant {
    const char *month;      /* "2026-11" */
    int64_t fen;            /* per diner */
    const char *department; /* code, or NULL */
    const char *category;   /* diner category, or NULL */
} ledger_grant;

/* Grants g->fen of subsidy for g->month to each diner g names; a diner
 * granted that month already is skipped. *granted gets the number granted. */
cp_err ledger_grant_subsidy(db *d, const ledger_grant *g, const char *actor, long *granted);

/* Takes back what is left of month's grants (subsidy is spent oldest grant
 * first), only after the month has ended, as ledger entries. *expired_fen
 * gets the total taken back. */
cp_err ledger_expire_subsidy(db *d, const char *month, const char *actor, int64_t *expired_fen);

/* staff_no leaves: refunds the cash balance (paid out by the office), expires
 * the subsidy, retires the cards and marks the diner as left. */
cp_err ledger_refund_leaver(db *d, const char *staff_no, const char *actor,
                            int64_t *refunded_fen);

/* Current balances of staff_no, and (status may be NULL) the diner's status:
 * active, suspended or left. */
cp_err ledger_balance(db *d, const char *staff_no, int64_t *cash_fen, int64_t *subsidy_fen,
                      char status[16]);

#endif
