/* cost: the cost accounting of a month (成本核算) from its facts: food used, cost per meal, surplus, what the waste cost.
 *
 * Pure: no store, no output (see cost.h for the rules). */
#include "backoffice/cost.h"

#include <stdlib.h>
#include <string.h>

#include "core/nls.h"

int64_t cost_muldiv(int64_t a, int64_t b, int64_t c)
{
    /* the product of a city month's grams of waste and its fen of food can
     * pass 2^63; GCC's and Clang's 128-bit integers hold any two int64 */
    __int128 p = (__int128)a * b, ap = p < 0 ? -p : p, q;

    if (c <= 0)
        return 0;
    q = (2 * ap + c) / (2 * (__int128)c);
    return (int64_t)(p < 0 ? -q : q);
}

cost_rule cost_rule_of(int64_t surplus_fen, int64_t cost_fen)
{
    if (cost_fen <= 0)
        return COST_RULE_NONE;
    if (surplus_fen * 100 > cost_fen * COST_RULE_PCT)
        return COST_RULE_OVER;
    if (surplus_fen * 100 < -cost_fen * COST_RULE_PCT)
        return COST_RULE_UNDER;
    return COST_RULE_WITHIN;
}

int64_t cost_surplus_share(int64_t surplus_fen, int64_t cost_fen)
{
    /* the limit in hundredths of a percent: 2 % is 200 */
    const int64_t limit = COST_RULE_PCT * 100;
    int64_t share = cost_muldiv(surplus_fen, 10000, cost_fen);

    /* The rule judges the exact share; shown rounded half away from zero, a
     * share a little over the limit (2.0004 %) read "2.00 %: over", which
     * the rule "within 2 %" contradicts. Such a share is rounded up to the
     * next hundredth (2.01 %) instead: a reader who holds the shown figure
     * against the limit then always reaches the verdict printed beside it
     * (within is |share| <= 2 % exactly, and 2 % is a whole hundredth, so
     * rounding can never carry a share within to over). Only this band
     * moves, by one hundredth; every other share is rounded as before. */
    if (cost_fen > 0 && share == limit && cost_rule_of(surplus_fen, cost_fen) == COST_RULE_OVER)
        return limit + 1;
    if (cost_fen > 0 && share == -limit && cost_rule_of(surplus_fen, cost_fen) == COST_RULE_UNDER)
        return -limit - 1;
    return share;
}

const char *cost_rule_name(cost_rule r)
{
    /* the JSON's words; marked so that the report's sentences show them with C_() */
    return r == COST_RULE_WITHIN ? NC_("cost rule", "within")
           : r == COST_RULE_OVER ? NC_("cost rule", "over")
           : r == COST_RULE_UNDER ? NC_("cost rule", "under")
                                  : NULL;
}

/* Purchases of one canteen over all its categories, and whether this
 * month's are its first records (none before, no count the month before). */
typedef struct bought {
    int64_t canteen_id, fen, g;
    int64_t prev_fen, prev_g;      /* the month before's */
    int first;
} bought;

static int bought_cmp(const void *a, const void *b)
{
    const bought *x = a, *y = b;
    return (x->canteen_id > y->canteen_id) - (x->canteen_id < y->canteen_id);
}

/* Grams of a count: as weighed, or its yuan at the price of what was bought
 * in the count's month (fen and g of the line's category, else canteen_fen
 * and canteen_g of the whole canteen's), or 0 when nothing was. A count is
 * weighed at its own month's prices both as that month's closing and as the
 * next one's opening stock: weighed at each month's prices, 100 yuan were
 * 25 kg leaving October and 20 kg entering November, and 5 kg of food used
 * vanished. */
static int64_t count_grams(const cost_count *c, int64_t fen, int64_t g, int64_t canteen_fen,
                           int64_t canteen_g)
{
    if (!c->has)
        return 0;
    if (c->g >= 0)
        return c->g;
    if (g > 0 && fen > 0)
        return cost_muldiv(c->fen, g, fen);
    if (canteen_g > 0 && canteen_fen > 0)
        return cost_muldiv(c->fen, canteen_g, canteen_fen);
    return 0;
}

/* Every canteen's purchases, sorted by canteen (for count_grams). */
static cp_err canteen_purchases(const cost_facts *f, bought **out, size_t *n)
{
    bought *all = calloc(f->nstock + 1, sizeof *all);
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (!all)
        return cp_fail(CP_ERR_NOMEM, "out of memory computing the cost");
    for (size_t i = 0; i < f->nstock; i++)
        all[i] = (bought){f->stock[i].canteen_id, f->stock[i].bought_fen, f->stock[i].bought_g,
                          f->stock[i].prev_fen, f->stock[i].prev_g,
                          f->stock[i].first_records && !f->stock[i].opening.has};
    qsort(all, f->nstock, sizeof *all, bought_cmp);
    for (size_t i = 0; i < f->nstock; i++) {
        if (k > 0 && all[k - 1].canteen_id == all[i].canteen_id) {
            all[k - 1].fen += all[i].fen;
            all[k - 1].g += all[i].g;
            all[k - 1].prev_fen += all[i].prev_fen;
            all[k - 1].prev_g += all[i].prev_g;
            all[k - 1].first &= all[i].first;
        } else {
            all[k++] = all[i];
        }
    }
    *out = all;
    *n = k;
    return CP_OK;
}

/* True when canteen's counts this month are the stock it starts with: it
 * has no purchases and no counts before the month. Its purchases this month
 * do not matter: a new canteen takes its first deliveries in the month it
 * counts what it already held (set_up_stock). */
static int starting(const bought *canteen)
{
    return canteen && canteen->first;
}

/* Of a starting canteen's count cf (fen) of a category it bought bought_fen
 * of this month: the part that is its starting stock, what the count holds
 * beyond the purchases. That much was held before anything was recorded;
 * the rest may be this month's deliveries, and whatever of them is gone is
 * food used as in any month. (Before, a starting canteen's purchases were
 * left out altogether, and a count with purchases was never starting stock:
 * the stock held before showed as food used below zero.) */
static int64_t set_up_stock(int64_t cf, int64_t bought_fen)
{
    return cf > bought_fen ? cf - bought_fen : 0;
}

/* Adds one canteen's stock of a category to its line. The closing stock is
 * the whole count, its starting stock part too, so that every line (and the
 * month) reads opening + starting + purchases - closing = used, as the
 * outputs show it column by column. */
static void add_stock(cost_line *l, const cost_stock *s, const bought *canteen, int *counted)
{
    int64_t og = count_grams(&s->opening, s->prev_fen, s->prev_g, canteen ? canteen->prev_fen : 0,
                             canteen ? canteen->prev_g : 0);
    int64_t cg = count_grams(&s->closing, s->bought_fen, s->bought_g, canteen ? canteen->fen : 0,
                             canteen ? canteen->g : 0);
    int64_t of = s->opening.has ? s->opening.fen : 0, cf = s->closing.has ? s->closing.fen : 0;
    /* a count is needed of what was bought or held: without one, it all counts as used */
    int needs = (s->opening.has && (of > 0 || og > 0)) || s->bought_fen != 0 || s->bought_g != 0;
    int64_t start = s->closing.has && starting(canteen) ? set_up_stock(cf, s->bought_fen) : 0;
    /* grams of the count that are no starting stock: with some, the month's
     * purchases, all still there (none used); the starting part has no
     * grams of its own to be used */
    int64_t kept_g = start > 0 ? s->bought_g : cg;

    if (start > 0) {
        /* a starting stock is no food used: it opens the next month */
        l->starting_fen += start;
        l->starting = 1;
    }
    l->has_opening |= s->opening.has;
    l->has_closing |= s->closing.has;
    l->opening_fen += of;
    l->opening_g += og;
    l->closing_fen += cf;
    l->closing_g += cg;
    l->bought_fen += s->bought_fen;
    l->bought_g += s->bought_g;
    l->used_fen += of + start + s->bought_fen - cf;
    l->used_g += og + s->bought_g - kept_g;
    if (needs && !s->closing.has)
        l->counted = *counted = 0;
}

/* Prices the waste of every line and of the plates, and sums the waste. */
static void price_waste(const cost_facts *f, cost_month *m)
{
    m->fallback = m->bought_fen == 0 && m->bought_g == 0;
    if (m->fallback || (m->used_g <= 0 && m->bought_g <= 0))
        m->price_fen = f->food_cost_fen_per_kg, m->price_g = 1000;
    else if (m->used_g > 0 && m->used_fen >= 0)
        m->price_fen = m->used_fen, m->price_g = m->used_g;
    else /* more in stock at the end than was used: the price of what was bought */
        m->price_fen = m->bought_fen, m->price_g = m->bought_g;
    for (size_t i = 0; i < m->nlines; i++) {
        cost_line *l = &m->lines[i];
        l->priced = m->fallback ? COST_PRICED_FOOD_COST
                    : l->bought_g > 0 ? COST_PRICED_CATEGORY
                                      : COST_PRICED_ALL_FOOD;
        l->price_fen = l->priced == COST_PRICED_CATEGORY ? l->bought_fen : m->price_fen;
        l->price_g = l->priced == COST_PRICED_CATEGORY ? l->bought_g : m->price_g;
        l->kitchen_fen = cost_muldiv(l->kitchen_g, l->price_fen, l->price_g);
        m->kitchen_g += l->kitchen_g;
        m->kitchen_fen += l->kitchen_fen;
    }
    m->plate_g = f->plate_g;
    m->plate_fen = cost_muldiv(f->plate_g, m->price_fen, m->price_g);
    m->waste_g = m->kitchen_g + m->plate_g;
    m->waste_fen = m->kitchen_fen + m->plate_fen;
}

/* The waste's shares of the food used and per meal. */
static void waste_ratios(cost_month *m)
{
    m->share_weight_x10000 = m->used_g > 0 ? cost_muldiv(m->waste_g, 10000, m->used_g) : -1;
    m->share_money_x10000 = m->used_fen > 0 ? cost_muldiv(m->waste_fen, 10000, m->used_fen) : -1;
    m->g_per_meal_x10 = m->meals > 0 ? cost_muldiv(m->waste_g, 10, m->meals) : -1;
}

/* A month that has not ended has no closing count yet: what is there at
 * its end is not known, so it has no food used (not the opening stock and
 * the purchases so far, which would read as eaten), and nothing per meal or
 * against the cost; its waste so far is priced at its purchases so far. */
static void leave_open(cost_month *m)
{
    for (size_t i = 0; i < m->nlines; i++) {
        m->lines[i].used_fen = m->lines[i].used_g = m->lines[i].closing_fen = 0;
        m->lines[i].counted = 1; /* no count is due before the month's end */
    }
    m->used_fen = m->used_g = m->closing_fen = 0;
    m->stock_counted = 1;
}

/* The figures per meal and against the cost. */
static void ratios(cost_month *m)
{
    for (size_t i = 0; i < m->nsales; i++) {
        m->meals += m->sales[i].meals;
        m->revenue_fen += m->sales[i].total_fen;
        m->subsidy_fen += m->sales[i].subsidy_fen;
        m->cash_fen += m->sales[i].cash_fen;
    }
    m->cost_per_meal_fen = m->meals > 0 && !m->open ? cost_muldiv(m->used_fen, 1, m->meals) : -1;
    m->surplus_fen = m->open ? 0 : m->revenue_fen - m->used_fen;
    m->has_surplus_share = m->used_fen > 0;
    m->surplus_x10000 = cost_surplus_share(m->surplus_fen, m->used_fen);
    m->rule = cost_rule_of(m->surplus_fen, m->used_fen);
    waste_ratios(m);
}

/* Keeps the lines that have anything, in the categories' order, and names them. */
static cp_err keep_lines(const cost_facts *f, cost_line *all, const int *used, cost_month *m)
{
    if (!(m->lines = calloc(f->ncategories + 1, sizeof *m->lines)))
        return cp_fail(CP_ERR_NOMEM, "out of memory computing the cost");
    for (size_t c = 0; c < f->ncategories; c++) {
        if (!used[c] && all[c].kitchen_g == 0)
            continue;
        m->lines[m->nlines] = all[c];
        if (!(m->lines[m->nlines].name = strdup(f->categories[c].name)))
            return cp_fail(CP_ERR_NOMEM, "out of memory computing the cost");
        m->nlines++;
    }
    return CP_OK;
}

cp_err cost_compute(const cost_facts *f, cost_month *out)
{
    cost_line *all = calloc(f->ncategories + 1, sizeof *all);
    int *used = calloc(f->ncategories + 1, sizeof *used);
    bought *canteens = NULL, key;
    size_t ncanteens = 0;
    cp_err err = CP_OK;

    memset(out, 0, sizeof *out);
    memcpy(out->month, f->month, sizeof out->month);
    out->food_cost_fen_per_kg = f->food_cost_fen_per_kg;
    out->flagged = f->flagged;
    out->stock_counted = 1;
    if (!all || !used) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory computing the cost");
        goto out;
    }
    if ((err = canteen_purchases(f, &canteens, &ncanteens)))
        goto out;
    for (size_t c = 0; c < f->ncategories; c++) {
        all[c].listed = f->categories[c].listed;
        all[c].kitchen_g = f->categories[c].kitchen_g;
        all[c].counted = 1;
    }
    for (size_t i = 0; i < f->nstock; i++) {
        const cost_stock *s = &f->stock[i];
        if (s->category >= f->ncategories)
            continue; /* a collector's mistake: never indexed out of bounds */
        cost_stock now = *s;
        if (f->open) /* a count of a month not ended is not its closing stock yet */
            now.closing = (cost_count){0};
        key.canteen_id = s->canteen_id;
        add_stock(&all[s->category], &now,
                  bsearch(&key, canteens, ncanteens, sizeof *canteens, bought_cmp),
                  &out->stock_counted);
        used[s->category] = 1;
    }
    if ((err = keep_lines(f, all, used, out)))
        goto out;
    for (size_t i = 0; i < out->nlines; i++) {
        const cost_line *l = &out->lines[i];
        out->opening_fen += l->opening_fen;
        out->bought_fen += l->bought_fen;
        out->bought_g += l->bought_g;
        out->closing_fen += l->closing_fen;
        out->starting_fen += l->starting_fen;
        out->used_fen += l->used_fen;
        out->used_g += l->used_g;
    }
    if ((out->open = f->open))
        leave_open(out);
    price_waste(f, out);
    if (f->nsales && !(out->sales = malloc(f->nsales * sizeof *out->sales))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory computing the cost");
        goto out;
    }
    if (f->nsales)
        memcpy(out->sales, f->sales, f->nsales * sizeof *out->sales);
    out->nsales = f->nsales;
    ratios(out);
    out->has_data = out->nlines > 0 || out->meals > 0 || out->waste_g != 0 ||
                    out->revenue_fen != 0;
out:
    free(all);
    free(used);
    free(canteens);
    if (err)
        cost_month_free(out);
    return err;
}

void cost_month_free(cost_month *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->lines && i < m->nlines; i++)
        free(m->lines[i].name);
    free(m->lines);
    free(m->sales);
    m->lines = NULL;
    m->sales = NULL;
    m->nlines = m->nsales = 0;
}

void cost_facts_free(cost_facts *f)
{
    for (size_t i = 0; f->owned && i < f->nowned; i++)
        free(f->owned[i]);
    free(f->owned);
    free(f->categories);
    free(f->stock);
    free(f->sales);
    memset(f, 0, sizeof *f);
}

/* The line of all named name, or NULL. */
static cost_line *line_named(cost_month *all, const char *name)
{
    for (size_t i = 0; i < all->nlines; i++)
        if (strcmp(all->lines[i].name, name) == 0)
            return &all->lines[i];
    return NULL;
}

void cost_waste_of_canteens(cost_month *all, const cost_month *each, size_t n)
{
    all->kitchen_fen = all->plate_fen = 0;
    for (size_t i = 0; i < all->nlines; i++)
        if (all->lines[i].kitchen_g > 0)
            all->lines[i].kitchen_fen = -1; /* no canteen's waste of it taken yet */
    for (size_t k = 0; k < n; k++) {
        all->plate_fen += each[k].plate_fen;
        for (size_t i = 0; i < each[k].nlines; i++) {
            const cost_line *e = &each[k].lines[i];
            cost_line *l = line_named(all, e->name);
            if (!l || e->kitchen_g == 0)
                continue;
            if (l->kitchen_fen < 0)
                l->kitchen_fen = 0, l->priced = e->priced;
            else if (l->priced != e->priced)
                l->priced = COST_PRICED_CANTEENS;
            l->kitchen_fen += e->kitchen_fen;
        }
    }
    for (size_t i = 0; i < all->nlines; i++) {
        cost_line *l = &all->lines[i];
        if (l->kitchen_g <= 0)
            continue; /* nothing wasted: the price it would have had stays */
        if (l->kitchen_fen < 0) /* in no canteen's month: cannot be, said for the reader */
            l->kitchen_fen = 0;
        /* what it was priced at, on average over the canteens */
        l->price_fen = l->kitchen_fen;
        l->price_g = l->kitchen_g;
        all->kitchen_fen += l->kitchen_fen;
    }
    all->waste_fen = all->kitchen_fen + all->plate_fen;
    all->by_canteen = 1;
    waste_ratios(all);
}

void cost_total_add(cost_total *t, const cost_month *m)
{
    t->months++;
    t->waste_g += m->waste_g;
    t->waste_fen += m->waste_fen;
    t->priced_months += m->has_data && !m->fallback;
    t->by_canteen |= m->by_canteen;
    if (m->open) {
        t->open_months++;
        return;
    }
    t->used_fen += m->used_fen;
    t->used_g += m->used_g;
    t->revenue_fen += m->revenue_fen;
    t->surplus_fen += m->surplus_fen;
    t->meals += m->meals;
    t->rule = cost_rule_of(t->surplus_fen, t->used_fen);
}
