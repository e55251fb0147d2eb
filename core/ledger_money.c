/* ledger_money: the back office's money events and voids, each one transaction of the store: a void, top-ups and their reversal, subsidies granted and expired, a leaver's refund, a balance.
 *
 * Every change to a wallet goes through ledger_post (ledger_post.c), so a
 * balance always equals the sum of its entries; the entries of one event
 * share its id, so that its audit entry covers exactly them. */
#include "core/ledger.h"
#include "core/ledger_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/nls.h"
#include "core/rules.h"

/* After money came into the cash wallet of diner_id: whether to lift the
 * blocks of offline charges, asked ahead (db_prefetch) so that the answer
 * comes in the round trip of what follows (the top-up's audit entry):
 * *st's one row says whether a card is blocked offline and the wallet is
 * back within its limit (cash down to -overdraft). unblock_cards reads it. */
static cp_err unblock_ask(db *d, int64_t diner_id, db_stmt **st)
{
    static const char sql[] =
        "SELECT w.cash_fen >= -coalesce(r.overdraft_fen, 0) AND EXISTS (SELECT 1 FROM cards c"
        "  WHERE c.diner_id = w.diner_id AND c.status = 'blocked_offline')"
        " FROM wallets w JOIN diners di ON di.id = w.diner_id"
        " LEFT JOIN category_rules r ON r.category = di.category WHERE w.diner_id = ?";

    if (!(*st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_int64(*st, 1, diner_id);
    return db_prefetch(d, st, 1);
}

/* Lifts the blocks when unblock_ask's st says so. Cards blocked for another
 * reason (lost) stay as they are. */
static cp_err unblock_cards(db *d, db_stmt *st, int64_t diner_id, const char *actor)
{
    int64_t lift = 0;
    cp_err err = db_step_int64(d, st, &lift);

    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(CP_ERR_DB, "diner %lld has no wallet", (long long)diner_id);
    if (err)
        return err;
    return lift ? ledger_offline_block(d, diner_id, 0, NULL, actor) : CP_OK;
}

/* Looks up the diner and wallet of staff_no inside a transaction. */
static cp_err find_diner(db *d, const char *staff_no, int64_t *diner_id, char status[16])
{
    static const char sql[] = "SELECT id, status FROM diners WHERE staff_no = ?";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, staff_no);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *diner_id = db_col_int64(st, 0);
        if (status)
            db_copy_col(status, 16, st, 1);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no diner with staff number '%s'", staff_no);
    if (rc != DB_ROW)
        return db_fail(d, "reading the diner");
    return CP_OK;
}

/* Pays out what is left in a leaving diner's wallets, as entries of the
 * event event_id: the cash refunded (event_id.c, the money handed back), the
 * subsidy expired (event_id.s). *cash_fen gets the cash paid out. */
static cp_err pay_out(db *d, const char *event_id, int64_t diner_id, const char *terminal,
                      const char *actor, const char *at, int64_t *cash_fen)
{
    char id[IDS_LEN + 24];
    int64_t cash, subsidy;
    cp_err err;

    *cash_fen = 0;
    if ((err = ledger_read_balances(d, diner_id, &cash, &subsidy)))
        return err;
    snprintf(id, sizeof id, "%s.c", event_id);
    if (cash > 0 && (err = ledger_post(d, id, diner_id, "cash", -cash, "refund", NULL, NULL,
                                       terminal, actor, at)))
        return err;
    snprintf(id, sizeof id, "%s.s", event_id);
    if (subsidy > 0 && (err = ledger_post(d, id, diner_id, "subsidy", -subsidy,
                                          "subsidy_expire", NULL, "leaving", terminal, actor,
                                          at)))
        return err;
    *cash_fen = cash > 0 ? cash : 0;
    return CP_OK;
}

cp_err ledger_void(db *d, const char *sale_id, const char *manager, const char *terminal,
                   const char *reason, char void_id_out[IDS_LEN])
{
    static const char sale_sql[] =
        "SELECT s.diner_id, coalesce(d.status, ''), s.business_date FROM sales s"
        " LEFT JOIN diners d ON d.id = s.diner_id"
        " WHERE s.id = ?";
    static const char voided_sql[] = "SELECT 1 FROM voids WHERE sale_id = ?";
    static const char insert_sql[] =
        "INSERT INTO voids(id, sale_id, terminal, actor, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)";
    static const char entries_sql[] =
        "SELECT wallet, amount_fen FROM ledger WHERE id IN (?1 || '.s', ?1 || '.c')"
        " AND kind = 'charge' ORDER BY id";
    char at[CP_TIME_ISO_LEN], void_id[IDS_LEN], status[16] = "", date[CP_DATE_LEN] = "";
    char today[CP_DATE_LEN];
    struct { char wallet[16]; int64_t fen; } back[2];
    int nback = 0, rc;
    int64_t diner_id = 0, one, paid;
    db_stmt *st;
    cp_err err;

    if ((err = clock_now_iso(at)) || (err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, sale_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, sale_id);
    if ((rc = db_step(st)) == DB_ROW) {
        diner_id = db_col_int64(st, 0);
        db_copy_col(status, sizeof status, st, 1);
        db_copy_col(date, sizeof date, st, 2);
    }
    db_reset(st);
    if (rc != DB_ROW) {
        err = rc == DB_DONE ? cp_fail(CP_ERR_NOT_FOUND, "no sale '%s'", sale_id)
                            : db_fail(d, "reading the sale");
        goto fail;
    }
    if ((err = clock_today(today)) || (err = rules_void_allowed(sale_id, date, today)))
        goto fail;
    if (!(st = db_prepare(d, voided_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, sale_id);
    err = db_step_int64(d, st, &one);
    if (err == CP_OK) {
        err = cp_fail(CP_ERR_ALREADY_VOID, "sale %s is already void", sale_id);
        goto fail;
    }
    if (err != CP_ERR_NOT_FOUND)
        goto fail;
    if ((err = ids_event(d, terminal, void_id)))
        goto fail;
    if (!(st = db_prepare(d, insert_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, void_id);
    db_bind_text(st, 2, sale_id);
    db_bind_text(st, 3, terminal);
    db_bind_text(st, 4, manager);
    db_bind_text(st, 5, reason);
    db_bind_text(st, 6, at);
    if ((err = db_step_done(d, st, "saving the void")))
        goto fail;

    /* Collect first, then post: posting writes the table being read. */
    if (!(st = db_prepare(d, entries_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, sale_id);
    while ((rc = db_step(st)) == DB_ROW && nback < 2) {
        db_copy_col(back[nback].wallet, sizeof back[nback].wallet, st, 0);
        back[nback].fen = db_col_int64(st, 1);
        nback++;
    }
    db_reset(st);
    for (int i = 0; i < nback; i++) {
        char id[IDS_LEN + 4];
        snprintf(id, sizeof id, "%s.%d", void_id, i + 1);
        if ((err = ledger_post(d, id, diner_id, back[i].wallet, -back[i].fen, "void", sale_id,
                               NULL, terminal, manager, at)))
            goto fail;
    }
    /* a diner who has left has no wallet to spend it from: the money comes
     * back to them in hand, in the same event (ledger_void_paid_out) */
    if (strcmp(status, "left") == 0 &&
        (err = pay_out(d, void_id, diner_id, terminal, manager, at, &paid)))
        goto fail;
    if ((err = audit_event(d, manager, terminal, "sale.void", void_id, sale_id, NULL)))
        goto fail;
    if ((err = db_commit(d)))
        return err;
    if (void_id_out)
        snprintf(void_id_out, IDS_LEN, "%s", void_id);
    return CP_OK;
fail:
    db_rollback(d);
    return err;
}

/* The ledger entries of one back-office money event share its random id E:
 * an event of one entry has the id E, of several E.1, E.c, E.<diner id>, ...
 * so that its audit entry covers exactly them (core/audit_content.c). */
typedef struct money_event {
    char id[IDS_LEN];
    char at[CP_TIME_ISO_LEN];
} money_event;

static cp_err money_event_start(money_event *ev)
{
    ids_random(ev->id);
    return clock_now_iso(ev->at);
}

/* The id of entry suffix of ev ("E.c"), into out of IDS_LEN + 24 bytes. */
static const char *entry_id(const money_event *ev, const char *suffix, char out[IDS_LEN + 24])
{
    snprintf(out, IDS_LEN + 24, "%s.%s", ev->id, suffix);
    return out;
}

cp_err ledger_topup(db *d, const char *staff_no, int64_t fen, const char *actor,
                    char entry_out[IDS_LEN])
{
    ledger_topup_item one = {staff_no, fen, ""};
    cp_err err = ledger_topup_batch(d, &one, 1, actor, NULL);
    if (!err && entry_out)
        snprintf(entry_out, IDS_LEN, "%s", one.entry);
    return err;
}

/* A diner who has left takes a top-up only to settle what they owe (an
 * offline charge posted after the leaving): nothing else could ever be
 * spent or paid out; the debt was otherwise there for good. */
static cp_err settles_debt(db *d, const char *staff_no, int64_t diner_id, int64_t fen)
{
    char money[2][MONEY_STR_LEN];
    int64_t cash, subsidy;
    cp_err err;

    if ((err = ledger_read_balances(d, diner_id, &cash, &subsidy)))
        return err;
    if (cash >= 0)
        return cp_fail(CP_ERR_DINER_INACTIVE, "%s has left: no top-ups", staff_no);
    if (fen > -cash)
        return cp_fail(CP_ERR_DINER_INACTIVE, "%s has left: a top-up only settles what they "
                       "owe, %s yuan, not %s", staff_no, money_format(-cash, money[0]),
                       money_format(fen, money[1]));
    return CP_OK;
}

cp_err ledger_topup_batch(db *d, ledger_topup_item *items, size_t n, const char *actor,
                          size_t *bad)
{
    char detail[128], money[MONEY_STR_LEN], status[16];
    db_stmt *unblock_st;
    int64_t diner_id;
    size_t i = 0;
    cp_err err;

    if (bad)
        *bad = n; /* no item's fault until one is found */
    if ((err = db_begin(d)))
        return err;
    /* each top-up its own event, so that each can be reversed by its id */
    for (i = 0; i < n; i++) {
        const char *staff_no = items[i].staff_no;
        int64_t fen = items[i].fen;
        money_event ev;
        if (fen <= 0) {
            err = cp_fail(CP_ERR_INVALID, "a top-up must be more than 0 yuan");
            goto fail;
        }
        if ((err = money_event_start(&ev)) || (err = find_diner(d, staff_no, &diner_id, status)))
            goto fail;
        if (strcmp(status, "left") == 0 && (err = settles_debt(d, staff_no, diner_id, fen)))
            goto fail;
        snprintf(detail, sizeof detail, "%s %s", staff_no, money_format(fen, money));
        /* the entry, the wallet and the question of blocks go with the
         * audit entry's round trip: two trips a top-up on PostgreSQL */
        if ((err = ledger_post_by(d, db_step_later, ev.id, diner_id, "cash", fen, "topup", NULL,
                                  NULL, NULL, actor, ev.at)) ||
            (err = unblock_ask(d, diner_id, &unblock_st)) ||
            (err = audit_event(d, actor, NULL, "wallet.topup", ev.id, detail, NULL)) ||
            (err = unblock_cards(d, unblock_st, diner_id, actor)))
            goto fail;
        snprintf(items[i].entry, sizeof items[i].entry, "%s", ev.id);
    }
    return db_commit(d);
fail:
    db_rollback(d);
    if (bad) /* a full disk or a store that cannot be written is no line's fault */
        *bad = cp_err_is_system(err) ? n : i;
    return err;
}

/* What a top-up entry is, for reversing it. */
typedef struct topup_entry {
    int64_t diner_id, fen, cash, overdraft;
    char kind[16], staff_no[64];
    int reversed;
} topup_entry;

static cp_err load_topup(db *d, const char *entry, topup_entry *t)
{
    static const char sql[] =
        "SELECT l.diner_id, l.amount_fen, l.kind, di.staff_no, w.cash_fen,"
        " coalesce(r.overdraft_fen, 0),"
        " EXISTS (SELECT 1 FROM ledger x WHERE x.kind = 'topup' AND x.ref = l.id)"
        " FROM ledger l JOIN diners di ON di.id = l.diner_id"
        " JOIN wallets w ON w.diner_id = l.diner_id"
        " LEFT JOIN category_rules r ON r.category = di.category WHERE l.id = ?";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, entry);
    rc = db_step(st);
    if (rc == DB_ROW) {
        t->diner_id = db_col_int64(st, 0);
        t->fen = db_col_int64(st, 1);
        db_copy_col(t->kind, sizeof t->kind, st, 2);
        db_copy_col(t->staff_no, sizeof t->staff_no, st, 3);
        t->cash = db_col_int64(st, 4);
        t->overdraft = db_col_int64(st, 5);
        t->reversed = db_col_int(st, 6);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no ledger entry '%s' (the id `topup` printed)",
                       entry);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading the ledger entry");
}

cp_err ledger_topup_reverse(db *d, const char *entry, const char *reason, const char *actor,
                            char staff_no[64], int64_t *fen)
{
    char money[2][MONEY_STR_LEN], *detail = NULL;
    money_event ev;
    topup_entry t = {0};
    cp_err err;

    *fen = 0;
    if (!reason || !*reason)
        return cp_fail(CP_ERR_INVALID, "say why the top-up is reversed: --reason TEXT");
    if ((err = money_event_start(&ev)) || (err = db_begin(d)))
        return err;
    if ((err = load_topup(d, entry, &t)))
        goto fail;
    if (strcmp(t.kind, "topup") != 0 || t.fen <= 0) {
        err = cp_fail(CP_ERR_INVALID, "ledger entry %s is a %s%s, not a top-up: only a "
                      "top-up can be reversed", entry, t.kind, t.fen < 0 ? " reversal" : "");
        goto fail;
    }
    if (t.reversed) {
        err = cp_fail(CP_ERR_EXISTS, "the top-up %s was reversed already", entry);
        goto fail;
    }
    /* The diner may have spent it already: the wallet must stay within its limit. */
    if (t.cash - t.fen < -t.overdraft) {
        err = cp_fail(CP_ERR_INSUFFICIENT_FUNDS, "%s has %s yuan cash left, less than the %s "
                      "yuan top-up: it was spent; settle the difference with the diner, then "
                      "reverse", t.staff_no, money_format(t.cash, money[0]),
                      money_format(t.fen, money[1]));
        goto fail;
    }
    if (asprintf(&detail, "reverses %s (%s %s): %s", entry, t.staff_no,
                 money_format(t.fen, money[0]), reason) < 0) {
        detail = NULL;
        err = cp_fail(CP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((err = ledger_post(d, ev.id, t.diner_id, "cash", -t.fen, "topup", NULL, entry, NULL,
                           actor, ev.at)) ||
        (err = audit_event(d, actor, NULL, "wallet.topup_reverse", ev.id, detail, NULL)))
        goto fail;
    if ((err = db_commit(d)))
        goto out;
    snprintf(staff_no, 64, "%s", t.staff_no);
    *fen = t.fen;
    goto out;
fail:
    db_rollback(d);
out:
    free(detail);
    return err;
}

/* Reads column 0 of every row of st (already bound) into a new array. */
static cp_err collect_ids(db *d, db_stmt *st, int64_t **ids, int64_t **vals, long *n)
{
    long cap = 0;
    int rc;

    *ids = NULL;
    if (vals)
        *vals = NULL;
    *n = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            long ncap = cap ? cap * 2 : 256;
            int64_t *p = realloc(*ids, (size_t)ncap * sizeof **ids);
            if (!p)
                goto nomem;
            *ids = p;
            if (vals) {
                if (!(p = realloc(*vals, (size_t)ncap * sizeof **vals)))
                    goto nomem;
                *vals = p;
            }
            cap = ncap;
        }
        (*ids)[*n] = db_col_int64(st, 0);
        if (vals)
            (*vals)[*n] = db_col_int64(st, 1);
        (*n)++;
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading");
nomem:
    db_reset(st);
    return cp_fail(CP_ERR_NOMEM, "out of memory");
}

/* Posts one subsidy entry of kind per diner in ids (amounts[i], or fen when
 * amounts is NULL), as entries E.<diner id> of event ev. */
static cp_err post_subsidies(db *d, const money_event *ev, const int64_t *ids,
                             const int64_t *amounts, int64_t fen, long n, const char *kind,
                             const char *month, const char *actor)
{
    for (long i = 0; i < n; i++) {
        char id[IDS_LEN + 24], suffix[24];
        cp_err err;
        snprintf(suffix, sizeof suffix, "%lld", (long long)ids[i]);
        if ((err = ledger_post(d, entry_id(ev, suffix, id), ids[i], "subsidy",
                               amounts ? amounts[i] : fen, kind, NULL, month, NULL, actor,
                               ev->at)))
            return err;
    }
    return CP_OK;
}

/* Refuses a grant for a month after the next: the subsidy is in the wallet
 * at once and would be spent now (a typed year, 2027-10 for 2026-10). The
 * next month's may be granted ahead, at the end of this one. */
static cp_err grant_month_near(const char *month, int y, int m)
{
    char today[CP_DATE_LEN];
    cp_err err;

    if ((err = clock_today(today)))
        return err;
    if (y * 12 + m > atoi(today) * 12 + atoi(today + 5) + 1)
        return cp_fail(CP_ERR_INVALID, "%s is more than a month ahead (today is %s): a grant "
                       "is in the wallets at once and would be spent now; grant a month's "
                       "subsidy in that month or at the end of the one before",
                       month, today);
    /* a month that has ended: a typed year (2025-11 for 2026-11) would be
     * spent now, as the oldest grant, and expired only with a later month */
    if (y * 12 + m < atoi(today) * 12 + atoi(today + 5))
        return cp_fail(CP_ERR_INVALID, "%s has ended (today is %s): its subsidy can no longer "
                       "be spent in it; grant this month's or the next", month, today);
    return CP_OK;
}

/* Refuses a category no diner has (a typo would grant nobody and say so
 * only as "0 diners"), naming those in use. */
static cp_err category_in_use(db *d, const char *category)
{
    static const char sql[] = "SELECT DISTINCT category FROM diners ORDER BY category";
    char list[256] = "";
    size_t len = 0;
    db_stmt *st = db_prepare(d, sql);
    int rc, found = 0;

    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *c = db_col_text(st, 0);
        found |= strcmp(c, category) == 0;
        if (len + strlen(c) + 3 < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", c);
    }
    db_reset(st);
    if (rc == DB_ERROR)
        return db_fail(d, "reading the diners' categories");
    if (!found)
        return cp_fail(CP_ERR_NOT_FOUND, "no diner is in category '%s' (in use: %s)", category,
                       *list ? list : "none yet");
    return CP_OK;
}

cp_err ledger_grant_subsidy(db *d, const ledger_grant *g, const char *actor, long *granted)
{
    static const char dept_sql[] = "SELECT id FROM departments WHERE code = ?";
    static const char who_sql[] =
        "WITH RECURSIVE sub(id) AS ("
        "  SELECT id FROM departments WHERE code = ?1 OR ?1 IS NULL"
        "  UNION SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id)"
        " SELECT di.id FROM diners di WHERE di.status = 'active'"
        " AND di.department_id IN (SELECT id FROM sub)"
        " AND (di.category = ?3 OR ?3 IS NULL)"
        " AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.diner_id = di.id"
        "   AND l.kind = 'subsidy_grant' AND l.ref = ?2) ORDER BY di.id";
    char detail[256], money[MONEY_STR_LEN];
    int64_t *ids = NULL, dept_id;
    money_event ev;
    db_stmt *st;
    long n = 0;
    cp_err err;
    int y, m;

    *granted = 0;
    if ((err = clock_parse_month(g->month, &y, &m)))
        return err;
    if (g->fen <= 0)
        return cp_fail(CP_ERR_INVALID, "a subsidy must be more than 0 yuan");
    if (g->category && (err = canteen_category_valid(g->category)))
        return err;
    if ((err = grant_month_near(g->month, y, m)))
        return err;
    if ((err = money_event_start(&ev)) || (err = db_begin(d)))
        return err;
    if (g->category && (err = category_in_use(d, g->category)))
        goto fail;
    if (g->department) {
        if (!(st = db_prepare(d, dept_sql))) {
            err = CP_ERR_DB;
            goto fail;
        }
        db_bind_text(st, 1, g->department);
        if ((err = db_step_int64(d, st, &dept_id))) {
            if (err == CP_ERR_NOT_FOUND)
                err = cp_fail(err, "no department '%s'", g->department);
            goto fail;
        }
    }
    if (!(st = db_prepare(d, who_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, g->department);
    db_bind_text(st, 2, g->month);
    db_bind_text(st, 3, g->category);
    if ((err = collect_ids(d, st, &ids, NULL, &n)) ||
        (err = post_subsidies(d, &ev, ids, NULL, g->fen, n, "subsidy_grant", g->month,
                              actor)))
        goto fail;
    snprintf(detail, sizeof detail, "%s: %s yuan to %ld diners%s%s%s%s", g->month,
             money_format(g->fen, money), n, g->department ? " of " : "",
             g->department ? g->department : "", g->category ? " in category " : "",
             g->category ? g->category : "");
    if ((err = audit_event(d, actor, NULL, "subsidy.grant", ev.id, detail, NULL)))
        goto fail;
    free(ids);
    if ((err = db_commit(d)))
        return err;
    *granted = n;
    return CP_OK;
fail:
    free(ids);
    db_rollback(d);
    return err;
}

/* Refuses a month that has not ended yet: its subsidy may still be spent. */
static cp_err check_month_over(const char *month)
{
    char today[CP_DATE_LEN];
    cp_err err;

    if ((err = clock_today(today)))
        return err;
    if (strncmp(today, month, 7) <= 0)
        return cp_fail(CP_ERR_INVALID, "%s has not ended yet (today is %s): its subsidy can "
                       "still be spent; expire it after the month's last day", month, today);
    return CP_OK;
}

cp_err ledger_expire_subsidy(db *d, const char *month, const char *actor, int64_t *expired_fen)
{
    /* Subsidy is spent oldest grant first. So of a balance B, the grants of
     * the months after M are untouched as long as anything older is left,
     * and what is left of the months up to M is B minus those newer grants
     * (net of their own expiries), never below zero: all of it is taken.
     * Months expired in order have nothing left before M; what an earlier
     * month still holds is taken with M: a void's refund of a meal paid
     * with a month's subsidy after that month expired (it came back, and
     * was never taken again), or a month expired after the one after it.
     * The months are the refs like YYYY-MM (a leaver's expiry has
     * 'leaving'): LIKE, which both engines run, where SQLite alone has GLOB. */
    static const char sql[] =
        "WITH m AS (SELECT diner_id,"
        "   sum(CASE WHEN ref > ?1 THEN amount_fen ELSE 0 END) AS newer"
        "   FROM ledger WHERE wallet = 'subsidy' AND kind IN ('subsidy_grant', 'subsidy_expire')"
        "   AND ref LIKE '____-__' GROUP BY diner_id),"
        " left_m AS (SELECT w.diner_id,"
        "   CASE WHEN w.subsidy_fen > m.newer THEN w.subsidy_fen - m.newer ELSE 0 END"
        "   AS fen FROM wallets w JOIN m ON m.diner_id = w.diner_id WHERE w.subsidy_fen > 0)"
        " SELECT diner_id, -fen FROM left_m WHERE fen > 0 ORDER BY diner_id";
    char detail[128], money[MONEY_STR_LEN];
    int64_t *ids = NULL, *amounts = NULL, total = 0;
    money_event ev;
    db_stmt *st;
    long n = 0;
    cp_err err;
    int y, m;

    *expired_fen = 0;
    if ((err = clock_parse_month(month, &y, &m)) || (err = check_month_over(month)))
        return err;
    if ((err = money_event_start(&ev)) || (err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, month);
    if ((err = collect_ids(d, st, &ids, &amounts, &n)) ||
        (err = post_subsidies(d, &ev, ids, amounts, 0, n, "subsidy_expire", month, actor)))
        goto fail;
    for (long i = 0; i < n; i++)
        total -= amounts[i];
    snprintf(detail, sizeof detail, "%s: %s yuan from %ld diners", month,
             money_format(total, money), n);
    if ((err = audit_event(d, actor, NULL, "subsidy.expire", ev.id, detail, NULL)))
        goto fail;
    free(ids);
    free(amounts);
    if ((err = db_commit(d)))
        return err;
    *expired_fen = total;
    return CP_OK;
fail:
    free(ids);
    free(amounts);
    db_rollback(d);
    return err;
}

cp_err ledger_refund_leaver(db *d, const char *staff_no, const char *actor,
                            int64_t *refunded_fen)
{
    static const char left_sql[] = "UPDATE diners SET status = 'left' WHERE id = ?";
    static const char cards_sql[] =
        "UPDATE cards SET status = 'retired' WHERE diner_id = ? AND status <> 'retired'";
    char money[MONEY_STR_LEN], status[16], detail[128];
    int64_t diner_id, cash, subsidy;
    money_event ev;
    db_stmt *st;
    cp_err err;

    *refunded_fen = 0;
    if ((err = money_event_start(&ev)) || (err = db_begin(d)))
        return err;
    if ((err = find_diner(d, staff_no, &diner_id, status)) ||
        (err = ledger_read_balances(d, diner_id, &cash, &subsidy)))
        goto fail;
    /* left already, with money come back since (a void of before this
     * build paid nothing out): paid out now, as at the leaving */
    if (strcmp(status, "left") == 0 && cash <= 0 && subsidy <= 0) {
        err = cp_fail(CP_ERR_EXISTS, "%s has already left", staff_no);
        goto fail;
    }
    if (cash < 0) {
        err = cp_fail(CP_ERR_INSUFFICIENT_FUNDS, "%s owes %s yuan: top up to settle it first",
                      staff_no, money_format(-cash, money));
        goto fail;
    }
    if ((err = pay_out(d, ev.id, diner_id, NULL, actor, ev.at, &cash)))
        goto fail;
    if (!(st = db_prepare(d, left_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_int64(st, 1, diner_id);
    if ((err = db_step_done(d, st, "marking the diner as left")))
        goto fail;
    if (!(st = db_prepare(d, cards_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_int64(st, 1, diner_id);
    snprintf(detail, sizeof detail, "%s: %s yuan cash paid out", staff_no,
             money_format(cash, money));
    if ((err = db_step_done(d, st, "retiring the cards")) ||
        (err = audit_event(d, actor, NULL, "diner.leave", ev.id, detail, NULL)))
        goto fail;
    if ((err = db_commit(d)))
        return err;
    *refunded_fen = cash;
    return CP_OK;
fail:
    db_rollback(d);
    return err;
}

cp_err ledger_balance(db *d, const char *staff_no, int64_t *cash_fen, int64_t *subsidy_fen,
                      char status[16])
{
    int64_t diner_id;
    cp_err err = find_diner(d, staff_no, &diner_id, status);
    if (!err)
        err = ledger_read_balances(d, diner_id, cash_fen, subsidy_fen);
    return err;
}

cp_err ledger_void_paid_out(db *d, const char *void_id, int64_t *cash_fen)
{
    static const char sql[] =
        "SELECT coalesce(-sum(amount_fen), 0) FROM ledger WHERE id = ?1 || '.c'"
        " AND kind = 'refund'";
    db_stmt *st = db_prepare(d, sql);

    *cash_fen = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, void_id);
    return db_step_int64(d, st, cash_fen);
}
