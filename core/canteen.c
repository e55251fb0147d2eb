/* canteen: canteens, terminals, meal periods, prices, items and category rules. */
#include "core/canteen.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/nls.h"
#include "core/utf8.h"

/* Runs one parameterised write with its audit entry in a transaction. The
 * statement is bound by the caller through bind(st, ctx). */
typedef void (*binder)(db_stmt *st, const void *ctx);

static cp_err write_one(db *d, const char *sql, binder bind, const void *ctx, const char *what,
                        const char *actor, const char *action, const char *subject,
                        const char *detail)
{
    db_stmt *st;
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    bind(st, ctx);
    if ((err = db_step_done(d, st, what)))
        goto fail;
    if (db_changes(d) == 0) {
        err = cp_fail(CP_ERR_NOT_FOUND, "%s: not found", _(what));
        goto fail;
    }
    if ((err = audit_append(d, actor, NULL, action, subject, detail)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

static cp_err code_valid(const char *what, const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n > 32)
        return cp_fail(CP_ERR_INVALID, "a %s code has 1 to 32 characters", _(what));
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)code[i]) && code[i] != '-' && code[i] != '_')
            return cp_fail(CP_ERR_INVALID, "%s code '%s': use letters, digits, - and _ only",
                           _(what), code);
    return CP_OK;
}

cp_err canteen_category_valid(const char *category)
{
    size_t n = strlen(category);
    if (n == 0 || n > 32)
        return cp_fail(CP_ERR_INVALID, "a category has 1 to 32 characters");
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)category[i]) && category[i] != '_')
            return cp_fail(CP_ERR_INVALID,
                           "category '%s': use lowercase letters, like staff, guest, contractor; "
                           "the name people read is set with `cleanplate-office category set "
                           "CODE NAME`", category);
    return CP_OK;
}

struct two { const char *a, *b; };
static void bind_two(db_stmt *st, const void *ctx)
{
    const struct two *t = ctx;
    db_bind_text(st, 1, t->a);
    db_bind_text(st, 2, t->b);
}

cp_err canteen_add(db *d, const char *code, const char *name, const char *actor)
{
    static const char sql[] = "INSERT INTO canteens(code, name) VALUES (?, ?)";
    struct two t = {code, name};
    cp_err err;

    if ((err = code_valid(N_("canteen"), code)))
        return err;
    if ((err = utf8_name_valid(_("the canteen's name"), name, UTF8_NAME_MAX)))
        return err;
    err = write_one(d, sql, bind_two, &t, N_("adding the canteen"), actor, "canteen.add", code, name);
    if (err == CP_ERR_EXISTS)
        return cp_fail(err, "canteen '%s' already exists", code);
    return err;
}

cp_err canteen_lookup(db *d, const char *code, int64_t *id)
{
    static const char sql[] = "SELECT id FROM canteens WHERE code = ?";
    db_stmt *st = db_prepare(d, sql);
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    err = db_step_int64(d, st, id);
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no canteen '%s': see the canteens added with `cleanplate-office "
                       "canteen add`", code);
    return err;
}

struct terminal_args { const char *code, *canteen, *kind; };
static void bind_terminal(db_stmt *st, const void *ctx)
{
    const struct terminal_args *t = ctx;
    db_bind_text(st, 1, t->code);
    db_bind_text(st, 2, t->kind);
    db_bind_text(st, 3, t->canteen);
}

cp_err canteen_add_terminal(db *d, const char *code, const char *canteen_code,
                            const char *kind, const char *actor)
{
    static const char sql[] =
        "INSERT INTO terminals(code, canteen_id, kind)"
        " SELECT ?1, id, ?2 FROM canteens WHERE code = ?3";
    struct terminal_args t = {code, canteen_code, kind};
    cp_err err;

    if ((err = code_valid(N_("terminal"), code)))
        return err;
    if (strcmp(kind, "pos") != 0 && strcmp(kind, "waste") != 0)
        return cp_fail(CP_ERR_INVALID, "terminal kind '%s': use pos or waste", kind);
    err = write_one(d, sql, bind_terminal, &t, N_("adding the terminal"), actor, "terminal.add",
                    code, kind);
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no canteen '%s': add it with `cleanplate-office canteen add`",
                       canteen_code);
    if (err == CP_ERR_EXISTS)
        return cp_fail(err, "terminal '%s' already exists", code);
    return err;
}

static int parse_hhmm(const char *s, int *minutes)
{
    int h, m;
    if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    *minutes = h * 60 + m;
    return 0;
}

struct period_args { const char *canteen, *name; int start, end; };
static void bind_period(db_stmt *st, const void *ctx)
{
    const struct period_args *p = ctx;
    db_bind_text(st, 1, p->canteen);
    db_bind_text(st, 2, p->name);
    db_bind_int(st, 3, p->start);
    db_bind_int(st, 4, p->end);
}

cp_err canteen_set_period(db *d, const char *canteen_code, const char *name, const char *span,
                          const char *actor)
{
    static const char overlap_sql[] =
        "SELECT p.name FROM meal_periods p JOIN canteens c ON c.id = p.canteen_id"
        " WHERE c.code = ?1 AND p.name <> ?2 AND p.start_min < ?4 AND p.end_min > ?3";
    static const char sql[] =
        "INSERT INTO meal_periods(canteen_id, name, start_min, end_min)"
        " SELECT id, ?2, ?3, ?4 FROM canteens WHERE code = ?1"
        " ON CONFLICT(canteen_id, name) DO UPDATE SET start_min = excluded.start_min,"
        " end_min = excluded.end_min";
    struct period_args p = {canteen_code, name, 0, 0};
    char from[6] = "", to[6] = "";
    db_stmt *st;
    cp_err err;

    if (strlen(span) != 11 || span[5] != '-')
        goto bad_span;
    memcpy(from, span, 5);
    memcpy(to, span + 6, 5);
    if (parse_hhmm(from, &p.start) || parse_hhmm(to, &p.end) || p.end <= p.start)
        goto bad_span;
    if (!*name || strlen(name) > 32)
        return cp_fail(CP_ERR_INVALID, "a period needs a name of at most 32 bytes");
    if (!(st = db_prepare(d, overlap_sql)))
        return CP_ERR_DB;
    bind_period(st, &p);
    if (db_step(st) == DB_ROW) {
        err = cp_fail(CP_ERR_INVALID, "%s %s overlaps the period '%s' of canteen %s", name,
                      span, db_col_text(st, 0), canteen_code);
        db_reset(st);
        return err;
    }
    db_reset(st);
    err = write_one(d, sql, bind_period, &p, N_("setting the period"), actor, "period.set", name,
                    span);
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no canteen '%s'", canteen_code);
    return err;
bad_span:
    return cp_fail(CP_ERR_INVALID, "'%s' is not a span like 11:00-13:30", span);
}

struct price_args { const char *canteen, *period, *category; int64_t fen; };
static const char price_sql[] =
    "INSERT INTO prices(period_id, category, price_fen)"
    " SELECT p.id, ?3, ?4 FROM meal_periods p JOIN canteens c ON c.id = p.canteen_id"
    " WHERE c.code = ?1 AND p.name = ?2"
    " ON CONFLICT(period_id, category) DO UPDATE SET price_fen = excluded.price_fen";
static void bind_price(db_stmt *st, const void *ctx)
{
    const struct price_args *p = ctx;
    db_bind_text(st, 1, p->canteen);
    db_bind_text(st, 2, p->period);
    db_bind_text(st, 3, p->category);
    db_bind_int64(st, 4, p->fen);
}

/* The price in prices and, from now on, in price_history (schema version
 * 17), in one transaction with its audit entry. The history's version is
 * the store's before that entry (schema version 18): the transaction
 * writes alone (db_begin), so a snapshot read before it has a version no
 * larger, and one read after it a larger one. */
static cp_err write_price(db *d, const struct price_args *p, const char *actor,
                          const char *subject)
{
    static const char history_sql[] =
        "INSERT INTO price_history(period_id, category, price_fen, from_at, version)"
        " SELECT p.id, ?3, ?4, ?5, (SELECT coalesce(max(seq), 0) FROM audit)"
        " FROM meal_periods p JOIN canteens c ON c.id = p.canteen_id"
        " WHERE c.code = ?1 AND p.name = ?2";
    char now[CP_TIME_ISO_LEN], money[MONEY_STR_LEN];
    db_stmt *st;
    cp_err err;

    if ((err = clock_now_iso(now)) || (err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, price_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    bind_price(st, p);
    if ((err = db_step_done(d, st, N_("setting the price"))))
        goto fail;
    if (db_changes(d) == 0) {
        err = CP_ERR_NOT_FOUND;
        goto fail;
    }
    if (!(st = db_prepare(d, history_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    bind_price(st, p);
    db_bind_text(st, 5, now);
    if ((err = db_step_done(d, st, N_("setting the price"))) ||
        (err = audit_append(d, actor, NULL, "price.set", subject, money_format(p->fen, money))))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err canteen_set_price(db *d, const char *canteen_code, const char *period,
                         const char *category, int64_t fen, const char *actor)
{
    struct price_args p = {canteen_code, period, category, fen};
    char subject[160];
    cp_err err;

    if ((err = canteen_category_valid(category)))
        return err;
    snprintf(subject, sizeof subject, "%s/%s/%s", canteen_code, period, category);
    err = write_price(d, &p, actor, subject);
    if (err == CP_ERR_NOT_FOUND) {
        int64_t id;
        /* which is missing: the canteen (a typo) or its period */
        if ((err = canteen_lookup(d, canteen_code, &id)))
            return err;
        return cp_fail(CP_ERR_NOT_FOUND, "canteen '%s' has no period '%s': set it first with "
                       "`cleanplate-office period set`", canteen_code, period);
    }
    return err;
}

struct item_args { const char *canteen, *code, *name, *unit; int64_t fen; };
static void bind_item(db_stmt *st, const void *ctx)
{
    const struct item_args *p = ctx;
    db_bind_text(st, 1, p->canteen);
    db_bind_text(st, 2, p->code);
    db_bind_text(st, 3, p->name);
    db_bind_int64(st, 4, p->fen);
    db_bind_text(st, 5, p->unit);
}

cp_err canteen_set_item(db *d, const char *canteen_code, const char *code, const char *name,
                        int64_t fen, const char *unit, const char *actor)
{
    static const char sql[] =
        "INSERT INTO items(canteen_id, code, name, price_fen, unit)"
        " SELECT id, ?2, ?3, ?4, ?5 FROM canteens WHERE code = ?1"
        " ON CONFLICT(canteen_id, code) DO UPDATE SET name = excluded.name,"
        " price_fen = excluded.price_fen, unit = excluded.unit";
    struct item_args p = {canteen_code, code, name, unit, fen};
    char money[MONEY_STR_LEN];
    cp_err err;

    if ((err = code_valid(N_("item"), code)))
        return err;
    if ((err = utf8_name_valid(_("the item's name"), name, UTF8_NAME_MAX)))
        return err;
    if (strcmp(unit, "piece") != 0 && strcmp(unit, "100g") != 0)
        return cp_fail(CP_ERR_INVALID, "item unit '%s': use piece or 100g", unit);
    err = write_one(d, sql, bind_item, &p, N_("setting the item"), actor, "item.set", code,
                    money_format(fen, money));
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no canteen '%s'", canteen_code);
    return err;
}

struct rules_args { const char *category; int meals; int64_t cap, overdraft; };
static void bind_rules(db_stmt *st, const void *ctx)
{
    const struct rules_args *r = ctx;
    db_bind_text(st, 1, r->category);
    if (r->meals != CANTEEN_RULE_KEEP)
        db_bind_int(st, 2, r->meals);
    if (r->cap >= 0)
        db_bind_int64(st, 3, r->cap);
    db_bind_int(st, 4, r->cap != CANTEEN_RULE_KEEP);
    if (r->overdraft != CANTEEN_RULE_KEEP)
        db_bind_int64(st, 5, r->overdraft);
}

/* Appends "name=value" of one rule that was given to detail. */
static void rule_text(char *detail, size_t size, const char *name, int64_t v, int money)
{
    char m[MONEY_STR_LEN], num[24];
    size_t n = strlen(detail);
    if (v == CANTEEN_RULE_KEEP)
        return;
    snprintf(num, sizeof num, "%lld", (long long)v);
    snprintf(detail + n, size - n, "%s%s=%s", n ? " " : "", name,
             v < 0 ? "none" : money ? money_format(v, m) : num);
}

cp_err canteen_set_rules(db *d, const char *category, int meals_per_period,
                         int64_t daily_cap_fen, int64_t overdraft_fen, const char *actor)
{
    /* A rule not given keeps its value (or the default for a new category):
     * setting the overdraft must not reset the meals or the cap set before. */
    static const char sql[] =
        "INSERT INTO category_rules(category, meals_per_period, daily_cap_fen, overdraft_fen)"
        " VALUES (?1, coalesce(?2, 1), ?3, coalesce(?5, 0)) ON CONFLICT(category) DO UPDATE SET"
        " meals_per_period = coalesce(?2, category_rules.meals_per_period),"
        " daily_cap_fen = CASE WHEN ?4 <> 0 THEN ?3 ELSE category_rules.daily_cap_fen END,"
        " overdraft_fen = coalesce(?5, category_rules.overdraft_fen)";
    struct rules_args r = {category, meals_per_period, daily_cap_fen, overdraft_fen};
    char detail[128] = "";
    cp_err err;

    if ((err = canteen_category_valid(category)))
        return err;
    if ((meals_per_period < 0 && meals_per_period != CANTEEN_RULE_KEEP) ||
        (overdraft_fen < 0 && overdraft_fen != CANTEEN_RULE_KEEP))
        return cp_fail(CP_ERR_INVALID, "meals per period and overdraft cannot be negative");
    if (daily_cap_fen < 0 && daily_cap_fen != CANTEEN_RULE_KEEP)
        daily_cap_fen = r.cap = -1;
    rule_text(detail, sizeof detail, "meals", meals_per_period, 0);
    rule_text(detail, sizeof detail, "cap", daily_cap_fen, 1);
    rule_text(detail, sizeof detail, "overdraft", overdraft_fen, 1);
    return write_one(d, sql, bind_rules, &r, N_("setting category rules"), actor, "rules.set",
                     category, detail);
}

cp_err canteen_get_rules(db *d, const char *category, int *meals_per_period,
                         int64_t *daily_cap_fen, int64_t *overdraft_fen)
{
    static const char sql[] =
        "SELECT meals_per_period, coalesce(daily_cap_fen, -1), overdraft_fen"
        " FROM category_rules WHERE category = ?";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    *meals_per_period = 1, *daily_cap_fen = -1, *overdraft_fen = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, category);
    if ((rc = db_step(st)) == DB_ROW) {
        *meals_per_period = db_col_int(st, 0);
        *daily_cap_fen = db_col_int64(st, 1);
        *overdraft_fen = db_col_int64(st, 2);
    }
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading category rules");
}

struct cap_args { const char *category; int64_t fen; };
static void bind_cap(db_stmt *st, const void *ctx)
{
    const struct cap_args *a = ctx;
    db_bind_text(st, 1, a->category);
    if (a->fen >= 0)
        db_bind_int64(st, 2, a->fen);
}

cp_err canteen_set_offline_cap(db *d, const char *category, int64_t fen, const char *actor)
{
    static const char sql[] =
        "INSERT INTO category_rules(category, offline_daily_cap_fen) VALUES (?1, ?2)"
        " ON CONFLICT(category) DO UPDATE SET offline_daily_cap_fen = ?2";
    struct cap_args a = {category, fen < 0 ? -1 : fen};
    char money[MONEY_STR_LEN];
    cp_err err;

    if ((err = canteen_category_valid(category)))
        return err;
    return write_one(d, sql, bind_cap, &a, N_("setting category rules"), actor,
                     "rules.offline_cap", category, fen < 0 ? "lunch" : money_format(fen, money));
}

/* One lunch at the canteen ?2 for the category ?1 by price, an SQL
 * expression of the price of a period m (as CANTEEN_ONE_LUNCH_SQL: the
 * period named lunch, else the dearest). */
#define ONE_LUNCH_BY(price)                                                                 \
    "coalesce((SELECT max(" price ") FROM meal_periods m JOIN canteens c"                 \
    "   ON c.id = m.canteen_id WHERE c.code = ?2 AND m.name = 'lunch'),"                  \
    " (SELECT max(" price ") FROM meal_periods m JOIN canteens c"                         \
    "   ON c.id = m.canteen_id WHERE c.code = ?2), -1)"

/* The price of the period m at time ?3: the last set at or before it. */
#define PRICE_AT_TAP                                                                        \
    "(SELECT h.price_fen FROM price_history h WHERE h.period_id = m.id"                    \
    "  AND h.category = ?1 AND h.from_at <= ?3 ORDER BY h.from_at DESC, h.id DESC LIMIT 1)"

cp_err canteen_offline_cap(db *d, const char *canteen_code, const char *category,
                           const canteen_seen *seen, int64_t *fen, int *set)
{
    /* the one set; one lunch now; one lunch at the tap ?3 (price_history);
     * one lunch in the terminal's snapshot of version ?4 */
    static const char sql[] =
        "SELECT (SELECT offline_daily_cap_fen FROM category_rules WHERE category = ?1),"
        " coalesce(" CANTEEN_ONE_LUNCH_SQL("(SELECT c.id FROM canteens c WHERE c.code = ?2)",
                                           "?1") ", -1),"
        " " ONE_LUNCH_BY(PRICE_AT_TAP) ","
        " " ONE_LUNCH_BY(CANTEEN_PRICE_SEEN_SQL("m.id", "?1", "?4", "?5"));
    db_stmt *st = db_prepare(d, sql);
    int rc, given = 0;

    *fen = -1;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, category);
    if (canteen_code)
        db_bind_text(st, 2, canteen_code);
    else
        db_bind_null(st, 2);
    if (seen && seen->at)
        db_bind_text(st, 3, seen->at);
    else
        db_bind_null(st, 3);
    db_bind_int64(st, 4, seen ? seen->version : 0);
    if (seen && (seen->from || seen->at))
        db_bind_text(st, 5, seen->from ? seen->from : seen->at);
    else
        db_bind_null(st, 5);
    if ((rc = db_step(st)) == DB_ROW) {
        given = !db_col_is_null(st, 0);
        *fen = db_col_int64(st, given ? 0 : 1);
        /* a meal served offline is priced as its terminal saw it (core/
         * ledger.c): one lunch then bounds it too, when the lunch cost more
         * then (a price lowered while the terminal was cut off refused the
         * meal it served at the old one) */
        for (int col = 2; !given && col <= 3; col++)
            if (db_col_int64(st, col) > *fen)
                *fen = db_col_int64(st, col);
    }
    db_reset(st);
    if (set)
        *set = given;
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading category rules");
}
