/* food: what a canteen's kitchen buys and holds: food categories, purchases and month-end stock counts.
 *
 * Purchases and stock counts are events (core/schema.c, version 7): each is
 * written with its audit entry in one transaction and never changed; a
 * reversal or a recount is a new row pointing at the old one. Every field
 * comes in as text, typed or read from a file, and is checked by the same
 * code either way; a message names the field as the user gave it: --kg on
 * the command line, FILE:LINE: field kg in a file. */
#include "core/food.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/money.h"
#include "core/nls.h"

/* Where a field came from, for messages: a command-line option (file NULL)
 * or a field of line line of file. */
typedef struct where {
    const char *file;
    long line;
} where;

/* "--kg" or "FILE:LINE: field kg" into buf. */
static const char *field(const where *w, const char *name, char buf[256])
{
    if (w->file)
        snprintf(buf, 256, _("%s:%ld: field %s"), w->file, w->line, name);
    else
        snprintf(buf, 256, "--%s", name);
    return buf;
}

/* People's text: a name on one line (a line break in a supplier's name
 * would break every table it is shown in) of 1 to max characters, or empty
 * when it may be. */
static cp_err check_text(const where *w, const char *name, const char *s, size_t max,
                         int may_be_empty)
{
    char f[256];

    if ((!s || !*s) && may_be_empty)
        return CP_OK;
    return utf8_name_valid(field(w, name, f), s ? s : "", max);
}

/* Checks that category is one of the food categories; the message lists them. */
static cp_err check_category(db *d, const where *w, const char *category)
{
    static const char sql[] = "SELECT name FROM food_categories ORDER BY position";
    db_stmt *st = db_prepare(d, sql);
    char f[256], list[1024] = "";
    size_t used = 0;
    int rc, found = 0;

    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *name = db_col_text(st, 0);
        found |= strcmp(name, category) == 0;
        /* whole names only: the list is a reminder, "..." when it is long */
        if (used + strlen(name) + 8 < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
                                     name);
        else if (!strstr(list, ", ..."))
            used += (size_t)snprintf(list + used, sizeof list - used, ", ...");
    }
    db_reset(st);
    if (rc != DB_DONE)
        return db_fail(d, "reading the food categories");
    if (found)
        return CP_OK;
    return cp_fail(CP_ERR_INVALID, "%s: no food category '%s' (they are %s): add it with "
                   "`cleanplate-office food add %s --manager NAME`",
                   field(w, "category", f), category, list, category);
}

cp_err food_category_add(db *d, const char *name, const char *actor)
{
    static const char sql[] =
        "INSERT INTO food_categories(name, position)"
        " SELECT ?1, coalesce(max(position), 0) + 1 FROM food_categories WHERE true"
        " ON CONFLICT (name) DO NOTHING"; /* WHERE: SQLite's upsert after a SELECT needs one */
    where w = {0};
    db_stmt *st;
    cp_err err;

    if ((err = check_text(&w, "category", name, FOOD_CATEGORY_MAX, 0)))
        return cp_fail(err, "a food category has 1 to %d characters on one line",
                       FOOD_CATEGORY_MAX);
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, name);
    if ((err = db_step_done(d, st, "adding the food category")))
        goto fail;
    if (db_changes(d) == 0) {
        err = cp_fail(CP_ERR_EXISTS, "the food category '%s' is there already", name);
        goto fail;
    }
    if ((err = audit_append(d, actor, NULL, "food.category_add", name, NULL)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err food_category_list(db *d, cp_err (*fn)(const char *name, void *arg), void *arg)
{
    static const char sql[] = "SELECT name FROM food_categories ORDER BY position";
    db_stmt *st = db_prepare(d, sql);
    cp_err err = CP_OK;
    int rc;

    if (!st)
        return CP_ERR_DB;
    while (!err && (rc = db_step(st)) == DB_ROW)
        err = fn(db_col_text(st, 0), arg);
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading the food categories");
    return err;
}

/* A purchase checked and parsed. */
typedef struct parsed {
    int64_t grams, fen;
} parsed;

/* Checks every field of p that needs no store; today bounds the date. */
static cp_err check_purchase(const where *w, const food_purchase *p, const char *day,
                             parsed *out)
{
    char f[256];
    cp_time t;
    cp_err err;

    if (!p->date || clock_parse_date(p->date, &t) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "%s: %s", field(w, "date", f), cp_detail());
    if (strcmp(p->date, day) > 0)
        return cp_fail(CP_ERR_INVALID, "%s: %s is after today (%s): give the day the food came",
                       field(w, "date", f), p->date, day);
    if ((err = check_text(w, "supplier", p->supplier, FOOD_SUPPLIER_MAX, 0)) ||
        (err = check_text(w, "category", p->category, FOOD_CATEGORY_MAX, 0)) ||
        (err = check_text(w, "invoice", p->invoice, FOOD_INVOICE_MAX, 1)))
        return err;
    if (!p->kg || money_parse_kg(p->kg, &out->grams) != CP_OK || out->grams == 0)
        return cp_fail(CP_ERR_INVALID, "%s: '%s' is not a weight in kg above 0, like 12.5 "
                       "(at most three decimals, at most %d kg)", field(w, "kg", f),
                       p->kg ? p->kg : "", MONEY_MAX_KG);
    if (!p->yuan || money_parse_yuan(p->yuan, &out->fen) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "%s: '%s' is not an amount in yuan, like 86.40 (no sign, "
                       "at most two decimals)", field(w, "yuan", f), p->yuan ? p->yuan : "");
    return CP_OK;
}

/* The closing of the cost books that covers date (YYYY-MM-DD or YYYY-MM)
 * at canteen_id: its month, by and when into closed (month "" when the
 * month is open). A month closed closes those before it. */
typedef struct closing {
    char month[8], actor[UTF8_SIZE(64)], at[CP_TIME_ISO_LEN];
} closing;

static cp_err read_closing(db *d, int64_t canteen_id, const char *date, closing *c)
{
    static const char sql[] =
        "SELECT month, actor, created_at FROM cost_closes WHERE canteen_id = ?1"
        " AND month >= substr(?2, 1, 7) ORDER BY month DESC LIMIT 1";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    memset(c, 0, sizeof *c);
    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    db_bind_text(st, 2, date);
    if ((rc = db_step(st)) == DB_ROW) {
        db_copy_col(c->month, sizeof c->month, st, 0);
        db_copy_col(c->actor, sizeof c->actor, st, 1);
        db_copy_col(c->at, sizeof c->at, st, 2);
    }
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "reading the closed months") : CP_OK;
}

/* CP_ERR_INVALID when the month of date is closed at the canteen (what
 * says what is dated: "field date" or "--month"); the message says what a
 * late delivery or count does instead. */
static cp_err check_open(db *d, int64_t canteen_id, const char *canteen, const char *date,
                         const char *what)
{
    closing c;
    cp_err err;

    if ((err = read_closing(d, canteen_id, date, &c)) || !c.month[0])
        return err;
    return cp_fail(CP_ERR_INVALID, "%s: %s is in a month whose cost books are closed at "
                   "canteen %s (closed through %s by %s on %.10s): a late delivery goes in "
                   "dated today, in the open month, and a wrong one is reversed (`purchase "
                   "reverse`, dated today)", what, date, canteen, c.month, c.actor, c.at);
}

/* The fields of a purchase row, as written. */
typedef struct row {
    int64_t canteen_id;
    const char *date, *supplier, *category, *invoice, *reverses, *reason;
    int64_t grams, fen;
} row;

/* Writes one purchase row and its audit entry inside the open transaction;
 * id gets its id. */
static cp_err insert_purchase(db *d, const row *r, const char *actor, const char *canteen,
                              char id[IDS_LEN])
{
    static const char sql[] =
        "INSERT INTO purchases(id, canteen_id, business_date, supplier, category, grams, fen,"
        " invoice, reverses, reason, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    char at[CP_TIME_ISO_LEN], detail[256], kg[MONEY_STR_LEN], yuan[MONEY_STR_LEN];
    db_stmt *st;
    cp_time now;
    cp_err err;

    if ((err = clock_now(&now)))
        return err;
    clock_iso(&now, at);
    ids_random(id);
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, id);
    db_bind_int64(st, 2, r->canteen_id);
    db_bind_text(st, 3, r->date);
    db_bind_text(st, 4, r->supplier);
    db_bind_text(st, 5, r->category);
    db_bind_int64(st, 6, r->grams);
    db_bind_int64(st, 7, r->fen);
    db_bind_text(st, 8, r->invoice && *r->invoice ? r->invoice : NULL);
    db_bind_text(st, 9, r->reverses);
    db_bind_text(st, 10, r->reason);
    db_bind_text(st, 11, actor);
    db_bind_text(st, 12, at);
    if ((err = db_step_done(d, st, "saving the purchase")))
        return err;
    utf8_format(detail, sizeof detail, "%s %s %s %s kg %s yuan%s%s", canteen, r->date,
                r->category, money_format_kg(r->grams, kg), money_format(r->fen, yuan),
                r->reverses ? ", reverses " : "", r->reverses ? r->reverses : "");
    return audit_event(d, actor, NULL, r->reverses ? "purchase.reverse" : "purchase.add", id,
                       detail, NULL);
}

/* The form of an invoice number two spellings of it share, into key (of
 * at least strlen(s) + 1 bytes): full-width ASCII (ＦＰ１１０２, typed with a
 * Chinese input method) folded to half-width, the ideographic space to a
 * space, ASCII letters to lower case, and spaces at either end taken off.
 * Inside it nothing else changes ("FP 1102" stays apart from "FP1102": a
 * space may be part of a supplier's numbering). Folding only shortens a
 * character (3 bytes to 1), so key never needs more than s. */
static void invoice_key(const char *s, char *key)
{
    size_t len = strlen(s), i = 0, n = 0, end = 0;
    uint32_t cp;

    while (i < len) {
        size_t k = utf8_char(s + i, len - i, &cp);
        if (k == 0) { /* not UTF-8: kept as it is (check_text refused it already) */
            k = 1;
            cp = 0xFFFD;
        }
        if (cp >= 0xFF01 && cp <= 0xFF5E)
            cp -= 0xFEE0;   /* ＡＢ１ -> AB1 */
        else if (cp == 0x3000)
            cp = ' ';
        if (cp < 0x80) {
            if (cp == ' ' || cp == '\t') {
                if (n > 0) /* a leading space is left out, a trailing one cut below */
                    key[n++] = ' ';
            } else {
                key[n++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
                end = n;
            }
        } else {
            memcpy(key + n, s + i, k);
            n += k;
            end = n;
        }
        i += k;
    }
    key[end] = '\0';
}

/* An earlier purchase in force with the invoice of key, of a canteen. */
typedef struct earlier {
    char id[IDS_LEN], day[CP_DATE_LEN];
    char supplier[UTF8_SIZE(FOOD_SUPPLIER_MAX)], invoice[UTF8_SIZE(FOOD_INVOICE_MAX)];
} earlier;

/* Finds in *found a purchase of canteen_id in force (not reversed) whose
 * invoice has key; *hit says whether there is one. The keys are compared
 * here, not in SQL: the engines fold neither width nor (PostgreSQL's lower()
 * by locale) case alike. The canteen's invoices are read whole, as the
 * byte-for-byte match read the table before. */
static cp_err find_invoice(db *d, int64_t canteen_id, const char *key, earlier *found, int *hit)
{
    static const char sql[] =
        "SELECT p.id, p.business_date, p.supplier, p.invoice FROM purchases p"
        " WHERE p.canteen_id = ?1 AND p.invoice IS NOT NULL AND p.reverses IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses = p.id)"
        " ORDER BY p.business_date, p.id";
    char other[UTF8_SIZE(FOOD_INVOICE_MAX)];
    db_stmt *st = db_prepare(d, sql);
    int rc;

    *hit = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    while (!*hit && (rc = db_step(st)) == DB_ROW) {
        db_copy_col(found->invoice, sizeof found->invoice, st, 3);
        invoice_key(found->invoice, other);
        if (strcmp(other, key) != 0)
            continue;
        *hit = 1;
        db_copy_col(found->id, sizeof found->id, st, 0);
        db_copy_col(found->day, sizeof found->day, st, 1);
        db_copy_col(found->supplier, sizeof found->supplier, st, 2);
    }
    db_reset(st);
    return !*hit && rc != DB_DONE ? db_fail(d, "reading the purchases") : CP_OK;
}

/* Refuses an invoice the canteen has recorded already (and not reversed),
 * whoever the supplier is said to be: a file imported twice, a delivery
 * typed again, doubled the month's food cost, and a hand-typed FP1102 beside
 * the spreadsheet's fp1102 or ＦＰ１１０２ (or the supplier's name spelled
 * otherwise: "绿源蔬菜" and "绿源蔬菜, 配送中心") tripled it. The invoice is
 * compared by invoice_key; one canteen's invoice numbers are taken to be
 * its own (two suppliers with one number is rare, and then the message
 * says what to do). Lines of one invoice come in one file (several
 * categories), so an import checks all its lines before writing any. */
static cp_err check_invoice_new(db *d, const where *w, int64_t canteen_id, const char *invoice)
{
    char f[256], key[UTF8_SIZE(FOOD_INVOICE_MAX)];
    earlier e;
    int hit;
    cp_err err;

    if (!invoice || !*invoice)
        return CP_OK;
    invoice_key(invoice, key);
    if ((err = find_invoice(d, canteen_id, key, &e, &hit)) || !hit)
        return err;
    return cp_fail(CP_ERR_EXISTS, "%s: invoice %s is recorded already: purchase %s of %s from "
                   "%s, invoice %s. The same invoice twice? If that purchase was wrong, "
                   "`purchase reverse %s` it first; else leave this one out",
                   field(w, "invoice", f), invoice, e.id, e.day, e.supplier, e.invoice, e.id);
}

cp_err food_purchase_add(db *d, const food_purchase *p, const char *actor, char id[IDS_LEN])
{
    char day[CP_DATE_LEN];
    where w = {0};
    parsed v;
    row r = {0};
    cp_err err;

    if ((err = clock_today(day)) || (err = check_purchase(&w, p, day, &v)))
        return err;
    if ((err = db_begin(d)))
        return err;
    if ((err = canteen_lookup(d, p->canteen, &r.canteen_id)) ||
        (err = check_category(d, &w, p->category)) ||
        (err = check_invoice_new(d, &w, r.canteen_id, p->invoice)) ||
        (err = check_open(d, r.canteen_id, p->canteen, p->date, "--date")))
        goto fail;
    r.date = p->date, r.supplier = p->supplier, r.category = p->category;
    r.invoice = p->invoice, r.grams = v.grams, r.fen = v.fen;
    if ((err = insert_purchase(d, &r, actor, p->canteen, id)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

/* A reversal takes its purchase's day, date, unless that day's month is
 * closed: then today, in the open month (the closed month's report stays
 * as it was signed). */
static cp_err dated_open(db *d, int64_t canteen_id, char date[CP_DATE_LEN])
{
    closing c;
    cp_err err;

    if ((err = read_closing(d, canteen_id, date, &c)) || !c.month[0])
        return err;
    return clock_today(date);
}

cp_err food_purchase_reverse(db *d, const char *id, const char *reason, const char *actor,
                             food_reversal *out)
{
    static const char sql[] =
        "SELECT p.canteen_id, c.code, p.business_date, p.supplier, p.category, p.grams, p.fen,"
        " p.invoice, coalesce(p.reverses, ''),"
        " (SELECT r.id FROM purchases r WHERE r.reverses = p.id)"
        " FROM purchases p JOIN canteens c ON c.id = p.canteen_id WHERE p.id = ?";
    char canteen[64], reverses[IDS_LEN], by[IDS_LEN], supplier[UTF8_SIZE(FOOD_SUPPLIER_MAX)];
    char invoice[UTF8_SIZE(FOOD_INVOICE_MAX)];
    where w = {0};
    db_stmt *st;
    row r = {0};
    cp_err err;
    int rc;

    memset(out, 0, sizeof *out);
    if (!reason || !*reason)
        return cp_fail(CP_ERR_INVALID, "say why the purchase is reversed: --reason TEXT");
    if ((err = check_text(&w, "reason", reason, FOOD_REASON_MAX, 0)))
        return err;
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, id);
    if ((rc = db_step(st)) == DB_ROW) {
        r.canteen_id = db_col_int64(st, 0);
        db_copy_col(canteen, sizeof canteen, st, 1);
        db_copy_col(out->date, sizeof out->date, st, 2);
        db_copy_col(supplier, sizeof supplier, st, 3);
        db_copy_col(out->category, sizeof out->category, st, 4);
        out->grams = db_col_int64(st, 5);
        out->fen = db_col_int64(st, 6);
        db_copy_col(invoice, sizeof invoice, st, 7);
        db_copy_col(reverses, sizeof reverses, st, 8);
        db_copy_col(by, sizeof by, st, 9);
    }
    db_reset(st);
    if (rc == DB_DONE)
        err = cp_fail(CP_ERR_NOT_FOUND, "no purchase '%s': see `cleanplate-office purchase "
                      "list --month YYYY-MM` for the ids", id);
    else if (rc != DB_ROW)
        err = db_fail(d, "reading the purchase");
    else if (reverses[0])
        err = cp_fail(CP_ERR_INVALID, "%s is itself the reversal of %s: to undo it, add the "
                      "purchase again", id, reverses);
    else if (by[0])
        err = cp_fail(CP_ERR_EXISTS, "the purchase %s was reversed already (by %s)", id, by);
    if (err || (err = dated_open(d, r.canteen_id, out->date)))
        goto fail;
    r.date = out->date, r.supplier = supplier, r.category = out->category;
    r.invoice = invoice, r.reverses = id, r.reason = reason;
    r.grams = -out->grams, r.fen = -out->fen;
    if ((err = insert_purchase(d, &r, actor, canteen, out->id)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err food_import_purchases(db *d, const csv_table *t, const char *name, const char *canteen,
                             const char *actor, long *count, int64_t *grams, int64_t *fen)
{
    static const char *const cols[] = {"date", "supplier", "category", "kg", "yuan", "invoice"};
    char day[CP_DATE_LEN], id[IDS_LEN];
    int64_t sum_g = 0, sum_fen = 0;
    row r = {0};
    cp_err err;

    *count = 0;
    *grams = *fen = 0;
    if ((err = csvread_expect_header(t, name, cols, 6)) || (err = clock_today(day)))
        return err;
    if (t->nrows < 2)
        return cp_fail(CP_ERR_INVALID, "%s: no purchases after the header "
                       "date,supplier,category,kg,yuan,invoice", name);
    /* every line is checked before anything is written */
    for (size_t i = 1; i < t->nrows; i++) {
        const csv_row *cr = &t->rows[i];
        where w = {name, cr->line};
        parsed v;
        if (cr->nfields != 6)
            return cp_fail(CP_ERR_PARSE, "%s:%ld: expected 6 fields "
                           "(date,supplier,category,kg,yuan,invoice), found %zu", name, cr->line,
                           cr->nfields);
        food_purchase p = {canteen, cr->fields[0], cr->fields[1], cr->fields[2],
                           cr->fields[3], cr->fields[4], cr->fields[5]};
        if ((err = check_purchase(&w, &p, day, &v)))
            return err;
    }
    if ((err = db_begin(d)))
        return err;
    if ((err = canteen_lookup(d, canteen, &r.canteen_id)))
        goto fail;
    for (size_t i = 1; i < t->nrows; i++) {
        where w = {name, t->rows[i].line};
        char f[256];
        if ((err = check_invoice_new(d, &w, r.canteen_id, t->rows[i].fields[5])) ||
            (err = check_open(d, r.canteen_id, canteen, t->rows[i].fields[0],
                              field(&w, "date", f))))
            goto fail;
    }
    /* each line its own event, so that each can be reversed by its id */
    for (size_t i = 1; i < t->nrows; i++) {
        char *const *f = t->rows[i].fields;
        where w = {name, t->rows[i].line};
        food_purchase p = {canteen, f[0], f[1], f[2], f[3], f[4], f[5]};
        parsed v;
        if ((err = check_purchase(&w, &p, day, &v)) || (err = check_category(d, &w, f[2])))
            goto fail;
        r.date = f[0], r.supplier = f[1], r.category = f[2], r.invoice = f[5];
        r.grams = v.grams, r.fen = v.fen;
        if ((err = insert_purchase(d, &r, actor, canteen, id)))
            goto fail;
        sum_g += v.grams;
        sum_fen += v.fen;
    }
    if ((err = db_commit(d)))
        return err;
    *count = (long)t->nrows - 1;
    *grams = sum_g;
    *fen = sum_fen;
    return CP_OK;
fail:
    db_rollback(d);
    return err;
}

cp_err food_purchase_list(db *d, const char *month, const char *canteen,
                          cp_err (*fn)(const food_purchase_row *r, void *arg), void *arg)
{
    static const char sql[] =
        "SELECT p.id, c.code, p.business_date, p.supplier, p.category, coalesce(p.invoice, ''),"
        " coalesce(p.reverses, ''), coalesce(p.reason, ''), p.grams, p.fen,"
        " CASE WHEN EXISTS (SELECT 1 FROM purchases r WHERE r.reverses = p.id) THEN 1 ELSE 0 END"
        " FROM purchases p JOIN canteens c ON c.id = p.canteen_id"
        " WHERE p.business_date BETWEEN ?1 || '-01' AND ?1 || '-31' AND (?2 = '' OR c.code = ?2)"
        " ORDER BY p.business_date, p.created_at, p.id";
    int year, mon, rc;
    db_stmt *st;
    cp_err err;

    if ((err = clock_parse_month(month, &year, &mon)))
        return err;
    if (canteen) {
        int64_t id;
        if ((err = canteen_lookup(d, canteen, &id)))
            return err;
    }
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, month);
    db_bind_text(st, 2, canteen ? canteen : "");
    while (!err && (rc = db_step(st)) == DB_ROW) {
        food_purchase_row r = {
            .id = db_col_text(st, 0), .canteen = db_col_text(st, 1), .date = db_col_text(st, 2),
            .supplier = db_col_text(st, 3), .category = db_col_text(st, 4),
            .invoice = db_col_text(st, 5), .reverses = db_col_text(st, 6),
            .reason = db_col_text(st, 7), .grams = db_col_int64(st, 8),
            .fen = db_col_int64(st, 9), .reversed = db_col_int(st, 10)};
        err = fn(&r, arg);
    }
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading the purchases");
    return err;
}

/* Checks a count's fields; *grams is -1 when it was not weighed. */
static cp_err check_count(const food_count *c, int64_t *fen, int64_t *grams)
{
    char now_month[8];
    where w = {0};
    int year, mon;
    cp_time now;
    cp_err err;

    if (!c->month || (err = clock_parse_month(c->month, &year, &mon)))
        return cp_fail(CP_ERR_INVALID, "--month: %s", c->month ? cp_detail() : _("give it"));
    if ((err = clock_now(&now)))
        return err;
    snprintf(now_month, sizeof now_month, "%04u-%02u", (unsigned)now.year % 10000,
             (unsigned)now.month % 100);
    /* a count is made at a month's end: the current month's (on its last day) at the latest */
    if (strcmp(c->month, now_month) > 0)
        return cp_fail(CP_ERR_INVALID, "--month %s has not begun (this is %s): count the stock "
                       "at the end of a month", c->month, now_month);
    /* counted early in a month, it would be taken as that month's closing
     * stock, with the month's deliveries still to come: a count on the 3rd
     * meant for the month before goes to the month before */
    if (strcmp(c->month, now_month) == 0 && clock_add_seconds(&now, 86400).month == now.month)
        return cp_fail(CP_ERR_INVALID, "--month %s has not ended (today is day %d): its stock is "
                       "counted on its last day; a count of the stock at the end of the month "
                       "before is --month %04d-%02d", c->month, now.day,
                       mon == 1 ? year - 1 : year, mon == 1 ? 12 : mon - 1);
    if ((err = check_text(&w, "category", c->category, FOOD_CATEGORY_MAX, 0)))
        return err;
    if (!c->yuan || money_parse_yuan(c->yuan, fen) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "--yuan '%s' is not the stock's value in yuan, like 320 "
                       "(no sign, at most two decimals)", c->yuan ? c->yuan : "");
    *grams = -1;
    if (c->kg && money_parse_kg(c->kg, grams) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "--kg '%s' is not a weight in kg, like 40 or 40.5 (at "
                       "most three decimals, at most %d kg)", c->kg, MONEY_MAX_KG);
    return CP_OK;
}

cp_err food_stock_count(db *d, const food_count *c, const char *actor, char id[IDS_LEN],
                        int *recount)
{
    /* the count in force: the end of the chain of recounts */
    static const char current_sql[] =
        "SELECT s.id FROM stock_counts s WHERE s.canteen_id = ?1 AND s.month = ?2"
        " AND s.category = ?3 AND NOT EXISTS (SELECT 1 FROM stock_counts n WHERE n.supersedes = s.id)";
    static const char insert_sql[] =
        "INSERT INTO stock_counts(id, canteen_id, month, category, fen, grams, supersedes, actor,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    char before[IDS_LEN] = "", at[CP_TIME_ISO_LEN], detail[256], m[2][MONEY_STR_LEN];
    int64_t cid, fen, grams;
    where w = {0};
    db_stmt *st;
    cp_time now;
    cp_err err;
    int rc;

    if (recount)
        *recount = 0;
    if ((err = check_count(c, &fen, &grams)) || (err = clock_now(&now)))
        return err;
    clock_iso(&now, at);
    if ((err = db_begin(d)))
        return err;
    if ((err = canteen_lookup(d, c->canteen, &cid)) || (err = check_category(d, &w, c->category)) ||
        (err = check_open(d, cid, c->canteen, c->month, "--month")))
        goto fail;
    if (!(st = db_prepare(d, current_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_int64(st, 1, cid);
    db_bind_text(st, 2, c->month);
    db_bind_text(st, 3, c->category);
    if ((rc = db_step(st)) == DB_ROW)
        db_copy_col(before, sizeof before, st, 0);
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE) {
        err = db_fail(d, "reading the stock counts");
        goto fail;
    }
    ids_random(id);
    if (!(st = db_prepare(d, insert_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, id);
    db_bind_int64(st, 2, cid);
    db_bind_text(st, 3, c->month);
    db_bind_text(st, 4, c->category);
    db_bind_int64(st, 5, fen);
    if (grams >= 0)
        db_bind_int64(st, 6, grams);
    else
        db_bind_null(st, 6);
    db_bind_text(st, 7, before[0] ? before : NULL);
    db_bind_text(st, 8, actor);
    db_bind_text(st, 9, at);
    if ((err = db_step_done(d, st, "saving the stock count")))
        goto fail;
    utf8_format(detail, sizeof detail, "%s %s %s %s yuan%s%s%s%s", c->canteen, c->month,
                c->category, money_format(fen, m[0]), grams >= 0 ? " " : "",
                grams >= 0 ? money_format_kg(grams, m[1]) : "", grams >= 0 ? " kg" : "",
                before[0] ? " (a recount)" : "");
    if ((err = audit_event(d, actor, NULL, "stock.count", id, detail, NULL)))
        goto fail;
    if ((err = db_commit(d)))
        return err;
    if (recount)
        *recount = before[0] != 0;
    return CP_OK;
fail:
    db_rollback(d);
    return err;
}

/* The lowest and highest prices per kg (fen) paid for category at the
 * canteen, purchases not reversed; 0 and 0 when none. */
static cp_err paid_range(db *d, const char *canteen, const char *category, int64_t *lo,
                         int64_t *hi)
{
    static const char sql[] =
        "SELECT coalesce(min(p.fen * 1000 / p.grams), 0), coalesce(max(p.fen * 1000 / p.grams), 0)"
        " FROM purchases p JOIN canteens k ON k.id = p.canteen_id"
        " WHERE k.code = ?1 AND p.category = ?2 AND p.reverses IS NULL AND p.grams > 0"
        " AND p.fen > 0 AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses = p.id)";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    *lo = *hi = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, canteen);
    db_bind_text(st, 2, category);
    if ((rc = db_step(st)) == DB_ROW) {
        *lo = db_col_int64(st, 0);
        *hi = db_col_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading the prices paid");
}

cp_err food_count_price_ratio(db *d, const food_count *c, int64_t *times,
                              int64_t *paid_fen_per_kg)
{
    int64_t fen, grams, lo, paid;
    cp_err err;

    *times = *paid_fen_per_kg = 0;
    if (check_count(c, &fen, &grams) || grams <= 0)
        return CP_OK;
    if ((err = paid_range(d, c->canteen, c->category, &lo, &paid)) || paid <= 0)
        return err;
    *paid_fen_per_kg = paid;
    /* fen per kg of the count over the price paid, in integers: no overflow
     * below 9e18 / 1000 fen (a count is capped far below) */
    *times = fen * 1000 / grams / paid;
    return CP_OK;
}

cp_err food_purchase_price_check(db *d, const char *canteen, const char *category,
                                 const char *kg, const char *yuan, food_price_check *out)
{
    int64_t grams, fen;
    cp_err err;

    memset(out, 0, sizeof *out);
    if (!kg || !yuan || money_parse_kg(kg, &grams) != CP_OK || grams <= 0 ||
        money_parse_yuan(yuan, &fen) != CP_OK || fen <= 0)
        return CP_OK;
    if ((err = paid_range(d, canteen, category, &out->lowest, &out->highest)) ||
        out->highest <= 0)
        return err;
    out->grams = grams, out->fen = fen;
    /* in integers, rounded down, the price per kg kept as fen * 1000 /
     * grams: 4.50 yuan/kg against 225 yuan for 50,000 kg is 1000 times
     * (no overflow: both are capped far below 9e18 / 1000) */
    out->times_above = fen * 1000 / grams / out->highest;
    out->times_below = out->lowest * grams / (fen * 1000);
    return CP_OK;
}

/* Closes month as actor at now at every canteen whose books of it are
 * open, or at canteen_id (> 0) alone; *n gets how many. In the open
 * transaction. */
static cp_err close_open(db *d, int64_t canteen_id, const char *month, const char *actor,
                         const char *now, long *n)
{
    static const char sql[] =
        "INSERT INTO cost_closes(canteen_id, month, actor, created_at)"
        " SELECT c.id, ?2, ?3, ?4 FROM canteens c WHERE (?1 = 0 OR c.id = ?1)"
        " AND NOT EXISTS (SELECT 1 FROM cost_closes k WHERE k.canteen_id = c.id"
        "   AND k.month >= ?2)";
    db_stmt *st = db_prepare(d, sql);
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    db_bind_text(st, 2, month);
    db_bind_text(st, 3, actor);
    db_bind_text(st, 4, now);
    if ((err = db_step_done(d, st, "closing the month")))
        return err;
    *n = (long)db_changes(d);
    return CP_OK;
}

cp_err food_close_month(db *d, const char *canteen, const char *month, const char *actor,
                        long *closed)
{
    char now[CP_TIME_ISO_LEN], today[CP_DATE_LEN], subject[128];
    int64_t id = 0;
    long n = 0;
    int year, mon;
    closing c;
    cp_err err;

    if (closed)
        *closed = 0;
    if (!month || strlen(month) != 7 || clock_parse_month(month, &year, &mon) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "--month '%s' is not a month like 2026-11",
                       month ? month : "");
    if ((err = clock_now_iso(now)) || (err = clock_today(today)))
        return err;
    /* a month is closed once it has ended: its last deliveries and its
     * count come in the days after */
    if (strncmp(month, today, 7) >= 0)
        return cp_fail(CP_ERR_INVALID, "%s has not ended (today is %s): a month's cost books "
                       "are closed after its last day, once its deliveries and its stock "
                       "count are in", month, today);
    if ((err = db_begin(d)))
        return err;
    if (canteen && ((err = canteen_lookup(d, canteen, &id)) ||
                    (err = read_closing(d, id, month, &c))))
        goto fail;
    if (canteen && c.month[0]) {
        err = cp_fail(CP_ERR_EXISTS, "the cost books of %s at canteen %s are closed already "
                      "(through %s, by %s on %.10s)", month, canteen, c.month, c.actor, c.at);
        goto fail;
    }
    snprintf(subject, sizeof subject, "%s %s", month, canteen ? canteen : "*");
    if ((err = close_open(d, id, month, actor, now, &n)))
        goto fail;
    if (n == 0) {
        err = cp_fail(CP_ERR_EXISTS, "the cost books of %s are closed already at every "
                      "canteen", month);
        goto fail;
    }
    if ((err = audit_append(d, actor, NULL, "cost.close", subject, NULL)))
        goto fail;
    if ((err = db_commit(d)))
        return err;
    if (closed)
        *closed = n;
    return CP_OK;
fail:
    db_rollback(d);
    return err;
}
