/* cost_collect: the facts of a month's cost accounting gathered from the store, and the months a report needs.
 *
 * A month takes four reads besides the waste and sales of backoffice/metrics
 * (which come from the daily rollups for closed days): the food categories,
 * the month's purchases per canteen and category (from the index
 * purchases_month alone), and the stock counts in force at the end of the
 * month and of the month before. */
#include "backoffice/cost_collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/canteen.h"
#include "core/clock.h"
#include "core/food.h"

/* One row read for the stock facts, before rows of the same canteen and
 * category are merged. */
typedef struct raw {
    int64_t canteen_id;
    size_t category;
    int kind;                      /* RAW_BOUGHT, RAW_OPENING, RAW_CLOSING, RAW_PREV_BOUGHT */
    int64_t fen, g;
} raw;

enum { RAW_BOUGHT, RAW_OPENING, RAW_CLOSING, RAW_PREV_BOUGHT };

typedef struct raws {
    raw *r;
    size_t n, cap;
} raws;

static cp_err raws_add(raws *all, raw r)
{
    if (all->n == all->cap) {
        raw *p = realloc(all->r, (all->cap = all->cap ? all->cap * 2 : 64) * sizeof *p);
        if (!p)
            return cp_fail(CP_ERR_NOMEM, "out of memory reading the cost facts");
        all->r = p;
    }
    all->r[all->n++] = r;
    return CP_OK;
}

static int raw_cmp(const void *a, const void *b)
{
    const raw *x = a, *y = b;
    if (x->canteen_id != y->canteen_id)
        return x->canteen_id < y->canteen_id ? -1 : 1;
    return (x->category > y->category) - (x->category < y->category);
}

/* Keeps s in f->owned (freed with the facts); NULL when out of memory. */
static const char *own(cost_facts *f, const char *s)
{
    char **p = realloc(f->owned, (f->nowned + 1) * sizeof *p);
    char *copy = strdup(s);

    if (p)
        f->owned = p;
    if (!p || !copy) {
        free(copy);
        return NULL;
    }
    f->owned[f->nowned++] = copy;
    return copy;
}

/* The index of category name in f, added (not listed) when add is set and
 * it is not there; (size_t)-1 when it is not, or out of memory. */
static size_t category_index(cost_facts *f, const char *name, int add)
{
    cost_category *p;

    for (size_t i = 0; i < f->ncategories; i++)
        if (strcmp(f->categories[i].name, name) == 0)
            return i;
    if (!add || !(p = realloc(f->categories, (f->ncategories + 1) * sizeof *p)))
        return (size_t)-1;
    f->categories = p;
    p[f->ncategories] = (cost_category){own(f, name), 0, 0};
    if (!p[f->ncategories].name)
        return (size_t)-1;
    return f->ncategories++;
}

/* Adds a food category of the list (food_category_list) to the facts. */
static cp_err add_listed(const char *name, void *arg)
{
    cost_facts *f = arg;
    size_t i = category_index(f, name, 1);

    if (i == (size_t)-1)
        return cp_fail(CP_ERR_NOMEM, "out of memory reading the food categories");
    f->categories[i].listed = 1;
    return CP_OK;
}

/* Reads rows (canteen_id, category, kind, fen, grams) of st into all. The
 * category is a food category (the tables refer to the list). */
static cp_err read_raws(db *d, db_stmt *st, cost_facts *f, raws *all, int kind)
{
    cp_err err = CP_OK;
    int rc;

    while (!err && (rc = db_step(st)) == DB_ROW) {
        size_t c = category_index(f, db_col_text(st, 1), 0);
        if (c == (size_t)-1)
            continue; /* cannot be: the category is a foreign key */
        raw r = {db_col_int64(st, 0), c, kind, db_col_int64(st, 3), db_col_int64(st, 4)};
        if (kind == RAW_OPENING)
            r.kind = db_col_int(st, 2) ? RAW_CLOSING : RAW_OPENING;
        err = raws_add(all, r);
    }
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading purchases and stock counts");
    return err;
}

/* The purchases of span (of canteen_id, or of all when 0) as raw rows of kind. */
static cp_err read_bought(db *d, const metrics_span *span, int64_t canteen_id, cost_facts *f,
                          raws *all, int kind)
{
    /* every row, summed by merge_stock: a city's month (150,000 lines) is read
     * from the index purchases_month in a third of the time SQLite's GROUP BY
     * takes to sort it */
    static const char bought_sql[] =
        "SELECT canteen_id, category, 0, fen, grams FROM purchases"
        " WHERE business_date BETWEEN ?1 AND ?2 AND (?3 = 0 OR canteen_id = ?3)";
    db_stmt *st = db_prepare(d, bought_sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, span->to);
    db_bind_int64(st, 3, canteen_id);
    return read_raws(d, st, f, all, kind);
}

/* The month's purchases and the month before's (prev: to weigh the opening
 * counts at), and the counts at its end and at the end of the month before,
 * as raw rows. */
static cp_err read_stock(db *d, const metrics_span *span, const metrics_span *prev,
                         int64_t canteen_id, cost_facts *f, raws *all)
{
    /* the count in force is the one no recount supersedes */
    static const char counts_sql[] =
        "SELECT s.canteen_id, s.category, CASE WHEN s.month = ?1 THEN 1 ELSE 0 END, s.fen,"
        " coalesce(s.grams, -1) FROM stock_counts s"
        " WHERE s.month IN (?1, ?2) AND (?3 = 0 OR s.canteen_id = ?3)"
        " AND NOT EXISTS (SELECT 1 FROM stock_counts n WHERE n.supersedes = s.id)";
    db_stmt *st;
    cp_err err;

    if ((err = read_bought(d, span, canteen_id, f, all, RAW_BOUGHT)) ||
        (err = read_bought(d, prev, canteen_id, f, all, RAW_PREV_BOUGHT)))
        return err;
    if (!(st = db_prepare(d, counts_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->label);
    db_bind_text(st, 2, prev->label);
    db_bind_int64(st, 3, canteen_id);
    return read_raws(d, st, f, all, RAW_OPENING);
}

/* Merges the raw rows into one stock fact per canteen and category. */
static cp_err merge_stock(raws *all, cost_facts *f)
{
    if (all->n > 0) /* qsort of no rows may be given NULL, which it may not take */
        qsort(all->r, all->n, sizeof *all->r, raw_cmp);
    if (!(f->stock = calloc(all->n + 1, sizeof *f->stock)))
        return cp_fail(CP_ERR_NOMEM, "out of memory reading the cost facts");
    for (size_t i = 0; i < all->n; i++) {
        const raw *r = &all->r[i];
        cost_stock *s;
        if (i == 0 || raw_cmp(r, r - 1) != 0) {
            s = &f->stock[f->nstock++];
            s->canteen_id = r->canteen_id;
            s->category = r->category;
        } else {
            s = &f->stock[f->nstock - 1];
        }
        if (r->kind == RAW_BOUGHT) {
            s->bought_fen += r->fen;
            s->bought_g += r->g;
        } else if (r->kind == RAW_PREV_BOUGHT) {
            s->prev_fen += r->fen;
            s->prev_g += r->g;
        } else {
            cost_count *c = r->kind == RAW_OPENING ? &s->opening : &s->closing;
            *c = (cost_count){1, r->fen, r->g};
        }
    }
    return CP_OK;
}

/* Whether canteen_id had a purchase in force (not reversed) dated before
 * from, or a stock count of a month before month, into *before. */
static cp_err had_records(db *d, int64_t canteen_id, const char *from, const char *month,
                          int *before)
{
    /* read for the few canteens that had no count the month before: a count
     * found there ends it (stock_counts_first leads with the canteen) */
    static const char sql[] =
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM stock_counts s WHERE s.canteen_id = ?1"
        "   AND s.month < ?3 AND s.supersedes IS NULL)"
        " OR EXISTS (SELECT 1 FROM purchases p WHERE p.canteen_id = ?1 AND p.business_date < ?2"
        "   AND p.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM purchases r WHERE r.reverses = p.id))"
        " THEN 1 ELSE 0 END";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    db_bind_text(st, 2, from);
    db_bind_text(st, 3, month);
    if ((rc = db_step(st)) == DB_ROW)
        *before = db_col_int(st, 0);
    db_reset(st);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading a canteen's earlier purchases and counts");
}

/* Sets first_records on the rows of every canteen that had no purchases and
 * no counts before the month (f->stock is sorted by canteen): only those
 * without a count of the month before are asked, the others had one.
 * Without this, a canteen that bought nothing this month and missed last
 * month's count had its count taken as stock held before its records. */
static cp_err mark_first_records(db *d, const metrics_span *span, cost_facts *f)
{
    cp_err err = CP_OK;

    for (size_t i = 0, end; i < f->nstock && !err; i = end) {
        int before = 0;
        for (end = i; end < f->nstock && f->stock[end].canteen_id == f->stock[i].canteen_id;
             end++)
            before |= f->stock[end].opening.has;
        if (!before)
            err = had_records(d, f->stock[i].canteen_id, span->from, span->label, &before);
        for (size_t k = i; k < end; k++)
            f->stock[k].first_records = !before;
    }
    return err;
}

/* Kitchen and plate waste, and the weighings left out, from the metrics. */
static cp_err read_waste(db *d, const metrics_span *span, const char *canteen, cost_facts *f)
{
    metrics_summary s = {0};
    metrics_opts o;
    cp_err err;

    metrics_opts_init(&o);
    o.canteen = canteen;
    if ((err = metrics_summarize_waste(d, span, &o, &s)))
        return err;
    f->plate_g = s.plate_g + s.anon_g;
    f->flagged = s.flagged_trays + s.flagged_kitchen;
    for (size_t i = 0; i < s.nkitchen; i++) {
        size_t c = category_index(f, s.kitchen[i].category, 1);
        if (c == (size_t)-1) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory reading kitchen waste");
            break;
        }
        f->categories[c].kitchen_g += s.kitchen[i].grams;
    }
    metrics_summary_free(&s);
    return err;
}

int cost_month_not_ended(int year, int month, const cp_time *now)
{
    return year * 12 + month - 1 >= now->year * 12 + now->month - 1;
}

cp_err cost_collect(db *d, const char *canteen, int year, int month,
                    int64_t food_cost_fen_per_kg, cost_facts *out)
{
    metrics_span span, before;
    raws all = {0};
    int64_t canteen_id = 0;
    cp_time now;
    cp_err err;

    memset(out, 0, sizeof *out);
    if ((err = clock_now(&now)))
        return err;
    out->open = cost_month_not_ended(year, month, &now);
    metrics_span_of_month(year, month, &span);
    metrics_span_before(&span, &before);
    snprintf(out->month, sizeof out->month, "%.7s", span.label);
    out->food_cost_fen_per_kg = food_cost_fen_per_kg;
    if ((canteen && (err = canteen_lookup(d, canteen, &canteen_id))) ||
        (err = food_category_list(d, add_listed, out)) ||
        (err = read_stock(d, &span, &before, canteen_id, out, &all)) ||
        (err = merge_stock(&all, out)) || (err = mark_first_records(d, &span, out)) ||
        (err = read_waste(d, &span, canteen, out)) ||
        (err = metrics_sales(d, &span, canteen_id, &out->sales, &out->nsales)))
        cost_facts_free(out);
    free(all.r);
    return err;
}

/* The month of one canteen (NULL: of all together, priced together). */
static cp_err month_of(db *d, const char *canteen, int year, int month,
                       int64_t food_cost_fen_per_kg, cost_month *out)
{
    cost_facts f;
    cp_err err;

    memset(out, 0, sizeof *out);
    if ((err = cost_collect(d, canteen, year, month, food_cost_fen_per_kg, &f)))
        return err;
    err = cost_compute(&f, out);
    cost_facts_free(&f);
    return err;
}

/* The codes of the store's canteens into a new array *codes of *n (the
 * caller frees both). */
static cp_err canteen_codes(db *d, char (**codes)[64], size_t *n)
{
    db_stmt *st = db_prepare(d, "SELECT code FROM canteens ORDER BY id");
    size_t cap = 0;
    cp_err err = CP_OK;
    int rc;

    *codes = NULL;
    *n = 0;
    if (!st)
        return CP_ERR_DB;
    while (!err && (rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            void *more = realloc(*codes, (cap = cap ? 2 * cap : 8) * sizeof **codes);
            if (!more) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory reading the canteens");
                break;
            }
            *codes = more;
        }
        db_copy_col((*codes)[(*n)++], 64, st, 0);
    }
    db_reset(st);
    if (!err && rc == DB_ERROR)
        err = db_fail(d, "reading the canteens");
    return err;
}

/* Every canteen's month: its waste priced canteen by canteen, each at its
 * own purchases, as the canteens' own reports do (cost_waste_of_canteens):
 * priced all together, a canteen's waste took the others' prices, and the
 * total was not the sum of the canteens'. */
static cp_err all_canteens(db *d, int year, int month, int64_t food_cost_fen_per_kg,
                           cost_month *out)
{
    char (*codes)[64] = NULL;
    cost_month *each = NULL;
    size_t n = 0, done = 0;
    cp_err err;

    if ((err = month_of(d, NULL, year, month, food_cost_fen_per_kg, out)) ||
        (err = canteen_codes(d, &codes, &n)) || n < 2)
        goto out;
    if (!(each = calloc(n, sizeof *each))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory computing the cost");
        goto out;
    }
    for (; done < n && !err; done++)
        err = month_of(d, codes[done], year, month, food_cost_fen_per_kg, &each[done]);
    if (!err)
        cost_waste_of_canteens(out, each, n);
out:
    for (size_t k = 0; k < done; k++)
        cost_month_free(&each[k]);
    free(each);
    free(codes);
    if (err)
        cost_month_free(out);
    return err;
}

cp_err cost_month_of(db *d, const char *canteen, int year, int month,
                     int64_t food_cost_fen_per_kg, cost_month *out)
{
    return canteen ? month_of(d, canteen, year, month, food_cost_fen_per_kg, out)
                   : all_canteens(d, year, month, food_cost_fen_per_kg, out);
}

cp_err cost_begin_month(db *d, const char *month)
{
    metrics_span span;
    cp_err err;

    /* the same month a year before is the furthest back the report reads */
    if ((err = metrics_span_parse(month, NULL, &span)))
        return err;
    return metrics_begin_read(d, &span, 12, NULL);
}

cp_err cost_begin_year(db *d, int year)
{
    metrics_span december;

    metrics_span_of_month(year, 12, &december);
    return metrics_begin_read(d, &december, 11, NULL);
}

cp_err cost_report_month(db *d, const char *canteen, const char *month,
                         int64_t food_cost_fen_per_kg, cost_report *out)
{
    int year, mon;
    cp_time now;
    cp_err err;

    memset(out, 0, sizeof *out);
    out->canteen = canteen;
    if ((err = clock_parse_month(month, &year, &mon)) || (err = clock_now(&now)))
        return err;
    snprintf(out->ytd_from, sizeof out->ytd_from, "%04u-01", (unsigned)year % 10000);
    /* January to the month: the year to date; the one before is its last but
     * one (or December of the year before). A month not ended is left out of
     * the year to date, as cost_year leaves it out: every report of a day
     * then gives the year the same food used */
    for (int k = 1; k <= mon && !err; k++) {
        cost_month m;
        if ((err = cost_month_of(d, canteen, year, k, food_cost_fen_per_kg, &m)))
            break;
        if (!cost_month_not_ended(year, k, &now))
            memcpy(out->ytd_to, m.month, sizeof out->ytd_to);
        if (m.has_data && !m.open)
            cost_total_add(&out->ytd, &m);
        if (k == mon)
            out->now = m;
        else if (k == mon - 1)
            out->prev = m;
        else
            cost_month_free(&m);
    }
    if (!err && mon == 1)
        err = cost_month_of(d, canteen, year - 1, 12, food_cost_fen_per_kg, &out->prev);
    if (!err)
        err = cost_month_of(d, canteen, year - 1, mon, food_cost_fen_per_kg, &out->last_year);
    if (err)
        cost_report_free(out);
    return err;
}

void cost_report_free(cost_report *r)
{
    cost_month_free(&r->now);
    cost_month_free(&r->prev);
    cost_month_free(&r->last_year);
}

cp_err cost_year(db *d, const char *canteen, int year, int64_t food_cost_fen_per_kg,
                 cost_month months[12], cost_total *total)
{
    cp_err err = CP_OK;
    cp_time now;

    memset(months, 0, 12 * sizeof *months);
    memset(total, 0, sizeof *total);
    if ((err = clock_now(&now)))
        return err;
    for (int k = 0; k < 12 && !err; k++) {
        /* a month that has not ended has no figures yet: its opening stock
         * (the month before's closing count) and what was bought so far
         * would show as food used, against part of its meals; the one in
         * progress is marked open */
        if (cost_month_not_ended(year, k + 1, &now)) {
            snprintf(months[k].month, sizeof months[k].month, "%04u-%02u",
                     (unsigned)year % 10000, (unsigned)(k + 1) % 100);
            months[k].open = year * 12 + k == now.year * 12 + now.month - 1;
            continue;
        }
        if (!(err = cost_month_of(d, canteen, year, k + 1, food_cost_fen_per_kg, &months[k])) &&
            months[k].has_data)
            cost_total_add(total, &months[k]);
    }
    if (err)
        for (int k = 0; k < 12; k++)
            cost_month_free(&months[k]);
    return err;
}

cp_err cost_span_total(db *d, const metrics_span *span, const char *canteen,
                       int64_t food_cost_fen_per_kg, cost_total *total)
{
    cp_err err = CP_OK;

    memset(total, 0, sizeof *total);
    for (int k = 0; k < span->nmonths && !err; k++) {
        int year = atoi(span->months[k]), mon = atoi(span->months[k] + 5);
        cost_month m;
        if ((err = cost_month_of(d, canteen, year, mon, food_cost_fen_per_kg, &m)))
            break;
        if (m.has_data)
            cost_total_add(total, &m);
        cost_month_free(&m);
    }
    return err;
}
