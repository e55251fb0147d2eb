/* ledger: charges, each one transaction of the store: the facts of a tap read, the rules (core/rules.c) applied to them, the sale written.
 *
 * Voids, top-ups, subsidies and refunds are in ledger_money.c; what both
 * share (a ledger entry posted with its wallet) in ledger_post.c. */
#include "core/ledger.h"
#include "core/ledger_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/rules.h"
#include "core/utf8.h"

/* What one charge needs to know about the card and its diner. */
typedef struct tapper {
    int64_t diner_id, department_id;
    char card_status[16], diner_status[16], category[64];
} tapper;

/* Records a refusal in res; nothing is written for it but the request. The
 * message names people: it is cut on a character boundary if it must be,
 * never in the middle of one (that made the answer invalid UTF-8). It is
 * worded in the terminal's language (refuse is an xgettext keyword); the
 * code in res->result is what programs read. */
static cp_err refuse(charge_res *res, cp_err why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cp_err refuse(charge_res *res, cp_err why, const char *fmt, ...)
{
    va_list ap;

    res->result = why;
    va_start(ap, fmt);
    utf8_vformat(res->message, sizeof res->message, _(fmt), ap);
    va_end(ap);
    return CP_OK;
}

static cp_err count_meals_today(db *d, int64_t diner_id, const char *date, int *n)
{
    static const char sql[] =
        "SELECT count(*) FROM sales s WHERE s.diner_id = ? AND s.business_date = ?"
        " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)";
    db_stmt *st = db_prepare(d, sql);
    int64_t v = 0;
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, diner_id);
    db_bind_text(st, 2, date);
    err = db_step_int64(d, st, &v);
    *n = (int)v;
    return err;
}

static const char request_sql[] =
    "SELECT result, sale_id, card_no FROM charge_requests WHERE request_id = ?";

/* request_sql for req, bound; NULL when it does not prepare. */
static db_stmt *request_stmt(db *d, const charge_req *req)
{
    db_stmt *st = db_prepare(d, request_sql);

    if (st)
        db_bind_text(st, 1, req->request_id);
    return st;
}

/* Fills res with the answer given the first time request_id was seen, read
 * by st (request_stmt). */
static cp_err answer_again(db *d, db_stmt *st, const charge_req *req, charge_res *res,
                           int *found)
{
    static const char sale_sql[] =
        "SELECT s.diner_id, di.staff_no, di.name, dep.name, coalesce(p.name, ''),"
        " s.total_fen, s.subsidy_fen, s.cash_fen, s.business_date, s.offline, s.over_limit"
        " FROM sales s JOIN diners di ON di.id = s.diner_id"
        " JOIN departments dep ON dep.id = s.department_id"
        " LEFT JOIN meal_periods p ON p.id = s.period_id WHERE s.id = ?";
    char result[64], sale_id[IDS_LEN], card[64], date[CP_DATE_LEN];
    int64_t diner_id;
    int rc;

    *found = 0;
    rc = db_step(st);
    if (rc == DB_ROW) {
        db_copy_col(result, sizeof result, st, 0);
        db_copy_col(sale_id, sizeof sale_id, st, 1);
        db_copy_col(card, sizeof card, st, 2);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return CP_OK;
    if (rc != DB_ROW)
        return db_fail(d, "reading charge requests");
    *found = 1;
    /* Another card's request id (a terminal or a script reusing ids): this
     * request is refused and answered like any refusal, not failed, so that
     * the terminal answers it and goes on; nothing is written. */
    if (strcmp(card, req->card_no) != 0)
        return refuse(res, CP_ERR_INVALID, "request id %s was already used for another card: "
                      "nothing charged; send this tap with a new request id", req->request_id);
    res->repeated = 1;
    if (strcmp(result, "ok") != 0) {
        cp_err why = CP_ERR_INVALID;
        for (int e = 0; e < CP_ERR_COUNT; e++)
            if (strcmp(cp_errname((cp_err)e), result) == 0)
                why = (cp_err)e;
        return refuse(res, why, "%s (answer repeated for request %s)", cp_strerror(why),
                      req->request_id);
    }
    if (!(st = db_prepare(d, sale_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, sale_id);
    if (db_step(st) != DB_ROW) {
        db_reset(st);
        return db_fail(d, "reading the repeated sale");
    }
    diner_id = db_col_int64(st, 0);
    snprintf(res->sale_id, sizeof res->sale_id, "%s", sale_id);
    db_copy_col(res->staff_no, sizeof res->staff_no, st, 1);
    db_copy_col(res->name, sizeof res->name, st, 2);
    db_copy_col(res->department, sizeof res->department, st, 3);
    db_copy_col(res->period, sizeof res->period, st, 4);
    res->charged_fen = db_col_int64(st, 5);
    res->subsidy_fen = db_col_int64(st, 6);
    res->cash_fen = db_col_int64(st, 7);
    db_copy_col(date, sizeof date, st, 8);
    res->offline = db_col_int(st, 9) != 0;
    res->over_limit = db_col_int(st, 10) != 0;
    db_reset(st);
    res->result = CP_OK;
    if (ledger_read_balances(d, diner_id, &res->cash_left_fen, &res->subsidy_left_fen) ||
        count_meals_today(d, diner_id, date, &res->meals_today))
        return CP_ERR_DB;
    return CP_OK;
}

static cp_err block_cards(db *d, int64_t diner_id, const char *terminal, const char *actor)
{
    return ledger_offline_block(d, diner_id, 1, terminal, actor);
}

/* The facts of one charge as the store holds them (core/rules.h), and the
 * rows they come from. */
typedef struct charge_ctx {
    charge_facts f;
    tapper t;
    int64_t canteen_id, period_id;
    char at[CP_TIME_ISO_LEN], date[CP_DATE_LEN], last_here[CP_TIME_ISO_LEN];
    rules_line *lines;
    char (*line_names)[128];
    char sale_id[IDS_LEN]; /* the number taken for the sale, "" before it is */
    db_stmt *head;         /* reads the head of the terminal's audit chain, locked */
} charge_ctx;

/* What the store holds of a tap, in one query: the terminal and its canteen,
 * the card, its diner and department, the meal period open at the minute of
 * the tap and the price of the diner's category in it, and the category's
 * rules. No row: no such terminal. Every other table is joined LEFT, so that
 * what is missing reads as NULL (a card not found, no period open, no
 * price, a category without rules) and the rules refuse it in their words.
 * ?4 is the tap time of an offline charge (NULL online): its price is the
 * one its terminal charged and printed, the one its snapshot (version ?5)
 * held (CANTEEN_PRICE_SEEN_SQL, within the server's window ?6), not one set
 * while it was cut off; without a snapshot version, the one in effect at
 * the tap (price_history, schema version 17); a price first set after the
 * tap (a terminal's clock behind) is today's. */
static const char facts_sql[] =
    "SELECT t.canteen_id, t.kind,"
    " c.status, di.id, di.staff_no, di.name, di.status, di.category, di.department_id,"
    " dep.name, p.id, p.name,"
    " CASE WHEN CAST(?4 AS TEXT) IS NULL THEN pr.price_fen"
    "  ELSE coalesce(" CANTEEN_PRICE_SEEN_SQL("p.id", "di.category", "?5", "?6") ","
    "   (SELECT h.price_fen FROM price_history h"
    "   WHERE h.period_id = p.id AND h.category = di.category AND h.from_at <= ?4"
    "   ORDER BY h.from_at DESC, h.id DESC LIMIT 1), pr.price_fen) END,"
    " r.meals_per_period, coalesce(r.daily_cap_fen, -1), r.overdraft_fen,"
    /* offline only: an online charge (?4 NULL) is today's, never in a
     * published month, and the tap-to-charge path reads nothing more */
    " CASE WHEN CAST(?4 AS TEXT) IS NULL THEN 0 ELSE " LEDGER_MONTH_PUBLISHED_SQL("?4") " END"
    " FROM terminals t"
    " LEFT JOIN cards c ON c.card_no = ?2"
    " LEFT JOIN diners di ON di.id = c.diner_id"
    " LEFT JOIN departments dep ON dep.id = di.department_id"
    " LEFT JOIN meal_periods p ON p.id = (SELECT p1.id FROM meal_periods p1"
    "   WHERE p1.canteen_id = t.canteen_id AND p1.start_min <= ?3 AND p1.end_min > ?3"
    "   ORDER BY p1.start_min LIMIT 1)"
    " LEFT JOIN prices pr ON pr.period_id = p.id AND pr.category = di.category"
    " LEFT JOIN category_rules r ON r.category = di.category"
    " WHERE t.code = ?1";

/* The columns of facts_sql. */
enum {
    F_CANTEEN, F_KIND, F_CARD_STATUS, F_DINER, F_STAFF_NO, F_NAME, F_DINER_STATUS,
    F_CATEGORY, F_DEPARTMENT, F_DEPARTMENT_NAME, F_PERIOD, F_PERIOD_NAME, F_PRICE,
    F_MEALS, F_DAILY_CAP, F_OVERDRAFT, F_PUBLISHED,
};

/* Takes the tapper, the period, the price and the rules from the row of
 * facts_sql into c and res. A category without a row of rules has the
 * defaults (core/rules.h); the offline allowance is read for a meal
 * served offline only (read_served_here). A
 * price is a fact only of a meal (no lines) in a period. */
static void take_facts(db_stmt *st, charge_ctx *c, charge_res *res)
{
    tapper *t = &c->t;

    c->f.card_found = !db_col_is_null(st, F_CARD_STATUS);
    if (!c->f.card_found)
        return;
    db_copy_col(t->card_status, sizeof t->card_status, st, F_CARD_STATUS);
    t->diner_id = db_col_int64(st, F_DINER);
    db_copy_col(res->staff_no, sizeof res->staff_no, st, F_STAFF_NO);
    db_copy_col(res->name, sizeof res->name, st, F_NAME);
    db_copy_col(t->diner_status, sizeof t->diner_status, st, F_DINER_STATUS);
    db_copy_col(t->category, sizeof t->category, st, F_CATEGORY);
    t->department_id = db_col_int64(st, F_DEPARTMENT);
    db_copy_col(res->department, sizeof res->department, st, F_DEPARTMENT_NAME);
    c->f.period_found = !db_col_is_null(st, F_PERIOD);
    c->period_id = db_col_int64(st, F_PERIOD);
    db_copy_col(res->period, sizeof res->period, st, F_PERIOD_NAME);
    c->f.period = res->period;
    c->f.price_found = c->f.period_found && !c->f.nlines && !db_col_is_null(st, F_PRICE);
    if (c->f.price_found)
        c->f.price_fen = db_col_int64(st, F_PRICE);
    c->f.meals_per_period = 1;
    c->f.daily_cap_fen = -1;
    c->f.overdraft_fen = 0;
    c->f.offline_daily_cap_fen = -1;
    c->f.month_published = db_col_int64(st, F_PUBLISHED) > 0;
    if (!db_col_is_null(st, F_MEALS)) {
        c->f.meals_per_period = db_col_int64(st, F_MEALS);
        c->f.daily_cap_fen = db_col_int64(st, F_DAILY_CAP);
        c->f.overdraft_fen = db_col_int64(st, F_OVERDRAFT);
    }
}

/* facts_sql for the tap of req at time at, bound; NULL when it does not
 * prepare. */
static db_stmt *facts_stmt(db *d, const charge_req *req, const cp_time *at)
{
    db_stmt *st = db_prepare(d, facts_sql);

    if (!st)
        return NULL;
    db_bind_text(st, 1, req->terminal);
    db_bind_text(st, 2, req->card_no);
    db_bind_int(st, 3, clock_minute_of_day(at));
    if (req->offline) {
        char iso[CP_TIME_ISO_LEN];
        clock_iso(at, iso);
        db_bind_text(st, 4, iso);
        db_bind_text(st, 6, req->snapshot_from ? req->snapshot_from : iso);
    } else {
        db_bind_null(st, 4);
        db_bind_null(st, 6);
    }
    db_bind_int64(st, 5, req->offline ? req->snapshot_version : 0);
    return st;
}

/* Reads the facts of a tap at terminal by st (facts_stmt); a terminal that
 * is missing or is not a POS is an error. */
static cp_err read_facts(db *d, db_stmt *st, const charge_req *req, charge_ctx *c,
                         charge_res *res)
{
    int rc, pos = 0;

    rc = db_step(st);
    if (rc == DB_ROW) {
        c->canteen_id = db_col_int64(st, F_CANTEEN);
        pos = strcmp(db_col_text(st, F_KIND), "pos") == 0;
        take_facts(st, c, res);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no terminal '%s': add it with `cleanplate-office "
                       "terminal add %s --canteen CODE --kind pos`", req->terminal, req->terminal);
    if (rc != DB_ROW)
        return db_fail(d, "reading the card and its terminal");
    if (!pos)
        return cp_fail(CP_ERR_INVALID, "terminal '%s' is a waste station, not a POS",
                       req->terminal);
    return CP_OK;
}

/* One pass over the diner's sales today answers the duplicate tap, the
 * meal limit, the daily cap and the count shown on screen. */
/* The diner's sales today, at any canteen: the meals of the period (by its
 * name: lunch at one canteen is lunch at the next, as a terminal's snapshot
 * counts them; by its id, a diner had a lunch at each canteen of a city
 * with one lunch a day), what they came to, how many, and the last tap of
 * this card at this terminal (the duplicate tap). */
static const char today_sql[] =
        "SELECT count(*) FILTER (WHERE s.kind = 'meal' AND s.period_id IN"
        "  (SELECT m.id FROM meal_periods m JOIN meal_periods t ON t.name = m.name"
        "   WHERE t.id = ?3)),"
        " coalesce(sum(s.total_fen), 0), count(*),"
        " max(CASE WHEN s.terminal = ?4 AND s.card_no = ?5 THEN s.created_at END)"
        " FROM sales s WHERE s.diner_id = ?1 AND s.business_date = ?2"
        " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)";

/* today_sql for the tap of req, bound; NULL when it does not prepare. */
static db_stmt *today_stmt(db *d, const charge_req *req, const charge_ctx *c)
{
    db_stmt *st = db_prepare(d, today_sql);

    if (!st)
        return NULL;
    db_bind_int64(st, 1, c->t.diner_id);
    db_bind_text(st, 2, c->date);
    db_bind_int64(st, 3, c->period_id);
    db_bind_text(st, 4, req->terminal);
    db_bind_text(st, 5, req->card_no);
    return st;
}

/* Today's sales of the diner, read by st (today_stmt). */
static cp_err step_today(db *d, db_stmt *st, charge_ctx *c)
{
    int rc = db_step(st);

    if (rc == DB_ROW) {
        c->f.meals_in_period = db_col_int64(st, 0);
        c->f.spent_today_fen = db_col_int64(st, 1);
        c->f.sales_today = db_col_int(st, 2);
        db_copy_col(c->last_here, sizeof c->last_here, st, 3);
    }
    db_reset(st);
    if (rc != DB_ROW)
        return db_fail(d, "reading today's sales");
    c->f.last_here = c->last_here;
    return CP_OK;
}

/* What the terminal of req charged the diner today, and the offline
 * allowance of the diner's category: the facts of a meal served offline
 * (rules: beyond_one_terminal). Read only for those, which come in a
 * replay: the taps at a counter never pay for it. */
static cp_err read_served_here(db *d, const charge_req *req, charge_ctx *c)
{
    static const char here_sql[] =
        "SELECT count(*) FILTER (WHERE s.period_id = ?3 AND s.kind = 'meal'),"
        " coalesce(sum(s.total_fen) FILTER (WHERE s.offline = 1), 0),"
        " (SELECT code FROM canteens WHERE id = ?5)"
        " FROM sales s WHERE s.diner_id = ?1 AND s.business_date = ?2 AND s.terminal = ?4"
        " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)";
    db_stmt *st = db_prepare(d, here_sql);
    char canteen[64] = "";
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, c->t.diner_id);
    db_bind_text(st, 2, c->date);
    db_bind_int64(st, 3, c->period_id);
    db_bind_text(st, 4, req->terminal);
    db_bind_int64(st, 5, c->canteen_id);
    if ((rc = db_step(st)) == DB_ROW) {
        c->f.meals_here_in_period = db_col_int64(st, 0);
        c->f.offline_here_today_fen = db_col_int64(st, 1);
        db_copy_col(canteen, sizeof canteen, st, 2);
    }
    db_reset(st);
    if (rc != DB_ROW)
        return db_fail(d, "reading the terminal's sales today");
    canteen_seen seen = {c->at, req->snapshot_version, req->snapshot_from};
    return canteen_offline_cap(d, canteen, c->t.category, &seen, &c->f.offline_daily_cap_fen,
                               NULL);
}

/* The items of the lines at the canteen; an unknown item is left for the
 * rules to refuse (found = 0). */
static cp_err read_lines(db *d, const charge_req *req, charge_ctx *c)
{
    static const char sql[] =
        "SELECT name, price_fen, unit FROM items WHERE canteen_id = ? AND code = ?";
    db_stmt *st;
    int rc;

    if (!req->nlines)
        return CP_OK;
    c->lines = calloc(req->nlines, sizeof *c->lines);
    c->line_names = calloc(req->nlines, sizeof *c->line_names);
    if (!c->lines || !c->line_names)
        return cp_fail(CP_ERR_NOMEM, "out of memory for %zu lines", req->nlines);
    for (size_t i = 0; i < req->nlines; i++) {
        rules_line *l = &c->lines[i];
        l->item_code = req->lines[i].item_code;
        l->quantity = req->lines[i].quantity;
        if (!(st = db_prepare(d, sql)))
            return CP_ERR_DB;
        db_bind_int64(st, 1, c->canteen_id);
        db_bind_text(st, 2, l->item_code);
        rc = db_step(st);
        if (rc == DB_ROW) {
            db_copy_col(c->line_names[i], sizeof c->line_names[i], st, 0);
            l->price_fen = db_col_int64(st, 1);
            l->per_100g = strcmp(db_col_text(st, 2), "100g") == 0;
        }
        db_reset(st);
        if (rc != DB_ROW && rc != DB_DONE)
            return db_fail(d, "reading items");
        l->found = rc == DB_ROW;
    }
    c->f.lines = c->lines;
    c->f.nlines = req->nlines;
    return CP_OK;
}

/* For a meal of a month that has ended (an offline charge posted late),
 * the grants of the months after it into c->f.subsidy_later_fen, net of
 * their expiries: subsidy is spent oldest grant first, and November's is
 * not October's to spend, whether October's was expired already or not
 * (core/ledger_money.c, ledger_expire_subsidy, counts the same way). A meal
 * of this month reads nothing more: the taps of the day are not slowed. */
static cp_err read_later_subsidy(db *d, charge_ctx *c)
{
    static const char sql[] =
        "SELECT coalesce(sum(amount_fen), 0) FROM ledger WHERE diner_id = ?1"
        " AND wallet = 'subsidy' AND kind IN ('subsidy_grant', 'subsidy_expire')"
        " AND ref LIKE '____-__' AND ref > ?2";
    char today[CP_DATE_LEN], month[8];
    db_stmt *st;
    cp_err err;

    if ((err = clock_today(today)) || strncmp(c->date, today, 7) >= 0)
        return err;
    snprintf(month, sizeof month, "%.7s", c->date);
    if (!(st = db_prepare(d, sql)))
        return db_prepare_error(d);
    db_bind_int64(st, 1, c->t.diner_id);
    db_bind_text(st, 2, month);
    return db_step_int64(d, st, &c->f.subsidy_later_fen);
}

/* Gathers the facts of req at the tap time c->f.at, the first of them read
 * by facts (facts_stmt). A card not found stops early: there is nothing
 * more to know of it. */
static cp_err gather_facts(db *d, db_stmt *facts, const charge_req *req, charge_ctx *c,
                           charge_res *res)
{
    db_stmt *sts[3];
    cp_err err;

    c->f.mode = req->offline ? RULES_SERVED : RULES_ONLINE;
    c->f.resent = req->offline && req->resent;
    c->f.card_no = req->card_no;
    c->f.dup_window_s = req->dup_tap_seconds > 0 ? req->dup_tap_seconds
                                                 : LEDGER_DUP_TAP_SECONDS;
    clock_iso(&c->f.at, c->at);
    clock_date(&c->f.at, c->date);
    c->f.nlines = req->nlines;
    if ((err = read_facts(d, facts, req, c, res)))
        return err;
    if (!c->f.card_found)
        return CP_OK;
    c->f.card_status = c->t.card_status;
    c->f.diner_status = c->t.diner_status;
    c->f.name = res->name;
    c->f.staff_no = res->staff_no;
    c->f.category = c->t.category;
    /* The wallet is locked first: charges of this diner at other terminals
     * wait here until this one ends, then read what it wrote (the balance
     * here, today's sales next), so that two taps at once can never both
     * pass a limit or spend the same money (core/db.h, db_begin_shared).
     * The sale's number is taken in the same round trip (db_prefetch: the
     * store runs them in order, the read of today's sales once the lock is
     * held), before the rules have said whether there is a sale: a refusal
     * gives it back (charge_in_txn), most taps are charged. So is the lock
     * of the terminal's audit chain, and its head read, for the sale's
     * entry (audit_lock_chain): only this terminal's charges meet there,
     * one after another as its taps come, and the entry then needs no
     * round trip of its own (hash_sale). */
    if (!(sts[0] = ledger_balances_stmt(d, 1, c->t.diner_id)) ||
        !(sts[1] = today_stmt(d, req, c)) || !(sts[2] = ids_next_stmt(d, req->terminal)))
        return CP_ERR_DB;
    if ((err = db_prefetch(d, sts, 3)) ||
        (err = audit_lock_chain(d, req->terminal, &c->head)) ||
        (err = ledger_step_balances(d, sts[0], c->t.diner_id, &c->f.cash_fen,
                                    &c->f.subsidy_fen)) ||
        (err = step_today(d, sts[1], c)) ||
        (err = ids_take(d, sts[2], req->terminal, c->sale_id)) || (err = read_lines(d, req, c)))
        return err;
    if (req->offline && (err = read_served_here(d, req, c)))
        return err;
    return read_later_subsidy(d, c);
}

/* Words a refusal into res, with the names people read for the period and
 * the category, read only for the refusals that say them (a charge that
 * passes never needs them, and a busy lunch refuses many taps). */
static void word_refusal(db *d, charge_ctx *c, const charge_outcome *o, charge_res *res)
{
    int period = o->why == RULES_NO_PRICE || o->why == RULES_MEALS_PER_PERIOD;
    int category = o->why == RULES_NO_PRICE || o->why == RULES_DAILY_CAP;
    char shown[2][NAMES_SIZE];

    res->result = o->result;
    if (period && c->f.period)
        c->f.period_shown = names_show(d, NAMES_PERIOD, c->f.period, shown[0]);
    if (category && c->f.category)
        c->f.category_shown = names_show(d, NAMES_CATEGORY, c->f.category, shown[1]);
    rules_word(&c->f, o, res->message, sizeof res->message);
    c->f.period_shown = c->f.category_shown = NULL; /* shown[] ends here */
}

/* The id of the ledger entry of a charge's sale_id from wallet ("subsidy" or
 * "cash"): SALE.s or SALE.c (audit_content.c's q_ledger reads them back by id). */
static void charge_entry_id(char id[IDS_LEN + 4], const char *sale_id, const char *wallet)
{
    snprintf(id, IDS_LEN + 4, "%s.%c", sale_id, wallet[0]);
}

/* Writes the sale the rules passed, its lines and its ledger entries. The
 * sale and its entries carry the tap time: an offline charge is posted
 * later, but it is money spent then and belongs to that business day. */
static cp_err write_sale(db *d, const charge_req *req, const charge_ctx *c,
                         const charge_outcome *o, charge_res *res)
{
    static const char sale_sql[] =
        "INSERT INTO sales(id, terminal, canteen_id, card_no, diner_id, department_id, category,"
        " period_id, business_date, kind, total_fen, subsidy_fen, cash_fen, actor, created_at,"
        " request_id, offline, over_limit)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static const char line_sql[] =
        "INSERT INTO sale_lines(sale_id, line_no, item_code, name, quantity, amount_fen)"
        " VALUES (?, ?, ?, ?, ?, ?)";
    static const char *const wallets[2] = {"subsidy", "cash"};
    int64_t parts[2] = {o->subsidy_fen, o->cash_fen};
    db_stmt *st;
    cp_err err;

    snprintf(res->sale_id, sizeof res->sale_id, "%s", c->sale_id);
    if (!(st = db_prepare(d, sale_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, res->sale_id);
    db_bind_text(st, 2, req->terminal);
    db_bind_int64(st, 3, c->canteen_id);
    db_bind_text(st, 4, req->card_no);
    db_bind_int64(st, 5, c->t.diner_id);
    db_bind_int64(st, 6, c->t.department_id);
    db_bind_text(st, 7, c->t.category);
    if (c->f.period_found)
        db_bind_int64(st, 8, c->period_id);
    db_bind_text(st, 9, c->date);
    db_bind_text(st, 10, req->nlines ? "items" : "meal");
    db_bind_int64(st, 11, o->total_fen);
    db_bind_int64(st, 12, o->subsidy_fen);
    db_bind_int64(st, 13, o->cash_fen);
    db_bind_text(st, 14, req->actor);
    db_bind_text(st, 15, c->at);
    db_bind_text(st, 16, req->request_id);
    db_bind_int(st, 17, req->offline ? 1 : 0);
    db_bind_int(st, 18, o->over_limit);
    /* the sale's writes go with the next round trip (the audit's reads of
     * them): a failure, such as a sale id written already, fails that one */
    if ((err = db_step_later(d, st, "saving the sale")))
        return err;
    for (size_t i = 0; i < req->nlines; i++) {
        if (!(st = db_prepare(d, line_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, res->sale_id);
        db_bind_int64(st, 2, (int64_t)i + 1);
        db_bind_text(st, 3, req->lines[i].item_code);
        db_bind_text(st, 4, c->line_names[i]);
        db_bind_int(st, 5, req->lines[i].quantity);
        db_bind_int64(st, 6, rules_line_amount(&c->lines[i]));
        if ((err = db_step_later(d, st, "saving a sale line")))
            return err;
    }
    for (int w = 0; w < 2; w++) {
        char id[IDS_LEN + 4];
        if (parts[w] <= 0)
            continue;
        charge_entry_id(id, res->sale_id, wallets[w]);
        if ((err = ledger_post_by(d, db_step_later, id, c->t.diner_id, wallets[w], -parts[w],
                                  "charge", res->sale_id, NULL, req->terminal, req->actor,
                                  c->at)))
            return err;
    }
    return CP_OK;
}

/* Writes v in decimal into buf, as the store gives an integer back as text. */
static const char *decimal(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%lld", (long long)v);
    return buf;
}

/* The content of the sale's audit entry (core/audit.h, audit_rows): the rows
 * that write_sale and charge_once write, hashed as audit_content.c's queries of a
 * "sale" read them back (q_sale, q_sale_lines, q_ledger ordered by id,
 * q_sale_request, q_sale_offline): the same rows in the same order, the
 * same columns, each as the store's text. The request was recorded at
 * recorded_at, its result "ok". verify reads them back and checks. */
static void hash_sale(const charge_req *req, const charge_ctx *c, const charge_outcome *o,
                      const char *sale_id, const char *recorded_at, char content[HASH_HEX_LEN])
{
    /* the ledger's rows by id: SALE.c (cash) before SALE.s (subsidy) */
    static const char *const wallets[2] = {"cash", "subsidy"};
    int64_t parts[2] = {o->cash_fen, o->subsidy_fen};
    char n[8][24];
    audit_rows r;

    audit_rows_begin(&r, "sale");
    audit_rows_add(&r, (const char *const[]){
        "sales", sale_id, req->terminal, decimal(n[0], c->canteen_id), req->card_no,
        decimal(n[1], c->t.diner_id), decimal(n[2], c->t.department_id), c->t.category,
        c->f.period_found ? decimal(n[3], c->period_id) : NULL, c->date,
        req->nlines ? "items" : "meal", decimal(n[4], o->total_fen),
        decimal(n[5], o->subsidy_fen), decimal(n[6], o->cash_fen), req->actor, c->at,
        req->request_id}, 17);
    for (size_t i = 0; i < req->nlines; i++)
        audit_rows_add(&r, (const char *const[]){
            "sale_lines", sale_id, decimal(n[0], (int64_t)i + 1), req->lines[i].item_code,
            c->line_names[i], decimal(n[1], req->lines[i].quantity),
            decimal(n[2], rules_line_amount(&c->lines[i]))}, 7);
    for (int w = 0; w < 2; w++) {
        char id[IDS_LEN + 4];
        if (parts[w] <= 0)
            continue;
        charge_entry_id(id, sale_id, wallets[w]);
        audit_rows_add(&r, (const char *const[]){
            "ledger", id, decimal(n[0], c->t.diner_id), wallets[w], decimal(n[1], -parts[w]),
            "charge", sale_id, NULL, req->terminal, req->actor, c->at}, 11);
    }
    if (req->request_id)
        audit_rows_add(&r, (const char *const[]){"request", req->request_id, req->terminal,
                                                 req->card_no, cp_errname(CP_OK), sale_id,
                                                 recorded_at}, 7);
    if (req->offline || o->over_limit)
        audit_rows_add(&r, (const char *const[]){"sales.offline", sale_id,
                                                 decimal(n[0], req->offline ? 1 : 0),
                                                 decimal(n[1], o->over_limit)}, 4);
    audit_rows_end(&r, content);
}

/* The rules of a charge, inside the transaction, the facts read by facts
 * (facts_stmt); writes the sale when they pass, and says in content its
 * audit entry's content (hash_sale, the request recorded at recorded_at)
 * and in *head the read of its chain's head. An offline charge that took
 * the wallet below its limit blocks the diner's cards until a top-up
 * (ledger_topup) brings it back. */
static cp_err charge_in_txn(db *d, db_stmt *facts, const charge_req *req, const cp_time *at,
                            const char *recorded_at, charge_res *res, db_stmt **head,
                            char content[HASH_HEX_LEN])
{
    charge_ctx c = {.f = {.at = *at}};
    charge_outcome o;
    cp_err err;

    if ((err = gather_facts(d, facts, req, &c, res)) || (err = rules_decide_charge(&c.f, &o)))
        goto out;
    if (o.result != CP_OK) {
        word_refusal(d, &c, &o, res);
        /* the number taken ahead is not used: no gap in the terminal's ids */
        if (c.sale_id[0])
            err = ids_give_back(d, req->terminal);
        if (c.head)
            db_reset(c.head); /* no entry: the head read is not used */
        goto out;
    }
    if ((err = write_sale(d, req, &c, &o, res)))
        goto out;
    hash_sale(req, &c, &o, res->sale_id, recorded_at, content);
    *head = c.head;
    if (o.over_limit && (err = block_cards(d, c.t.diner_id, req->terminal, req->actor)))
        goto out;
    res->result = CP_OK;
    res->offline = req->offline;
    res->over_limit = o.over_limit;
    res->charged_fen = o.total_fen;
    res->subsidy_fen = o.subsidy_fen;
    res->cash_fen = o.cash_fen;
    res->cash_left_fen = o.cash_left_fen;
    res->subsidy_left_fen = o.subsidy_left_fen;
    res->meals_today = o.meals_today;
out:
    free(c.lines);
    free(c.line_names);
    return err;
}

/* One attempt at a charge: its whole transaction. */
static cp_err charge_once(db *d, const charge_req *req, charge_res *res)
{
    static const char record_sql[] =
        "INSERT INTO charge_requests(request_id, terminal, card_no, result, sale_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)";
    char at[CP_TIME_ISO_LEN], content[HASH_HEX_LEN];
    db_stmt *st, *sts[2] = {NULL, NULL}; /* the request's first answer; the tap's facts */
    db_stmt *head = NULL;
    cp_time now, tap;
    cp_err err;
    int found = 0;

    memset(res, 0, sizeof *res);
    if ((err = clock_now(&now)))
        return err;
    clock_iso(&now, at);
    /* The tap time decides the business day and the period; the request
     * is recorded at the time it came in. */
    tap = now;
    if (req->at && (err = clock_parse(req->at, &tap)))
        return cp_fail(err, "tap time '%s': expected YYYY-MM-DDTHH:MM:SS", req->at);
    if ((err = db_begin_shared(d)))
        return err;
    /* The request's first answer and the tap's facts in the round trip of
     * BEGIN (db_prefetch): most requests are new, and the facts of one
     * answered before are read for nothing. */
    if ((req->request_id && !(sts[0] = request_stmt(d, req))) ||
        !(sts[1] = facts_stmt(d, req, &tap))) {
        err = db_prepare_error(d); /* busy: BEGIN's lock went out with it */
        goto fail;
    }
    if ((err = req->request_id ? db_prefetch(d, sts, 2) : db_prefetch(d, sts + 1, 1)))
        goto fail;
    if (req->request_id && (err = answer_again(d, sts[0], req, res, &found)))
        goto fail;
    if (found) {
        db_reset(sts[1]);
        db_rollback(d); /* nothing was written */
        return CP_OK;
    }
    if ((err = charge_in_txn(d, sts[1], req, &tap, at, res, &head, content)))
        goto fail;
    if (req->request_id) {
        if (!(st = db_prepare(d, record_sql))) {
            err = CP_ERR_DB;
            goto fail;
        }
        db_bind_text(st, 1, req->request_id);
        db_bind_text(st, 2, req->terminal);
        db_bind_text(st, 3, req->card_no);
        db_bind_text(st, 4, cp_errname(res->result));
        db_bind_text(st, 5, res->result == CP_OK ? res->sale_id : NULL);
        db_bind_text(st, 6, at);
        /* with the audit's reads, or the COMMIT of a refusal: a request id
         * that another charge wrote first fails there (db_conflict) */
        if ((err = db_step_later(d, st, "recording the request")))
            goto fail;
    }
    if (res->result != CP_OK && !req->request_id) {
        db_rollback(d);
        return CP_OK;
    }
    /* after the request: the sale's entry covers the request that made it;
     * hashed as written (hash_sale), it goes with the COMMIT */
    if (res->result == CP_OK && (err = audit_event_hashed(d, head, req->actor, req->terminal,
                                                          "sale", res->sale_id, NULL, content,
                                                          NULL)))
        goto fail;
    if (req->also && (err = req->also(d, res, req->also_arg)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err ledger_charge(db *d, const charge_req *req, charge_res *res)
{
    cp_err err;
    int retries = 0;

    /* A charge runs beside others on PostgreSQL (db_begin_shared): when the
     * store refused it because another did something at the same time (the
     * same request id sent twice at once; in the SERIALIZABLE mode, any
     * meeting), it runs again and sees what the other wrote. */
    while ((err = charge_once(d, req, res)) && db_conflict(d) &&
           retries < LEDGER_CHARGE_ATTEMPTS - 1)
        db_back_off(++retries);
    res->retries = retries;
    return err;
}

