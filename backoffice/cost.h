/* cost: the cost accounting of a month (成本核算) from its facts: food used, cost per meal, surplus, what the waste cost.
 *
 * This part is pure: cost_compute takes the facts of a month (purchases and
 * stock counts per canteen and category, kitchen and plate waste, meals and
 * money taken) and returns its figures, with no store; cost_collect.c
 * gathers the facts. Money is integer fen and weight integer grams
 * throughout; shares and averages are integers scaled by a power of ten,
 * rounded half away from zero, and only output turns them into decimals.
 *
 * The rules (README, "Manager: the month end"):
 * - food used = opening stock + purchases - closing stock, per canteen and
 *   category (实地盘存); the opening stock is the count at the end of the
 *   month before. A stock count that is missing counts as 0: a month without
 *   a closing count is "purchases only" (its food used is what was bought,
 *   with the opening stock) and is marked so; the next month then opens at
 *   0, so that a year adds up to what was bought whatever was counted.
 * - the counts of a canteen that had no purchases (not reversed) and no
 *   stock counts before the month are its starting stock (建账: the stock
 *   it held before anything was recorded), as far as a count holds more
 *   than the month's purchases of its category: that part is no food used
 *   (not a negative one); the whole count opens the next month. Any record
 *   before the month, even months back, makes a count a closing stock like
 *   any other: a canteen that bought in July, forgot July's count and
 *   bought nothing in August has its August count as a closing stock (food
 *   used below zero, which the report points out), not as stock bought
 *   before its records, which September would then count as used again.
 * - a count made without kg is weighed at the average purchase price of its
 *   own month (the opening count at the month before's, so that it weighs
 *   the same leaving one month and entering the next) of its category in
 *   that canteen (of all the canteen's purchases when the
 *   category had none; 0 g when the canteen bought nothing).
 * - kitchen waste of a category is priced at the month's average purchase
 *   price per kg of that category; waste of a category not bought that month
 *   (or of no category) and plate waste at the average price per kg of all
 *   food used. A month with no purchases prices all waste at the flat
 *   --food-cost, and says so. The month of every canteen prices each
 *   canteen's waste so, at its own purchases (cost_waste_of_canteens).
 * - surplus = money taken (subsidy and cash) - food used; utilities are not
 *   a cost here. Within COST_RULE_PCT % of the cost either way is "within",
 *   above "over", below "under". */
#ifndef CP_COST_H
#define CP_COST_H

#include <stddef.h>
#include <stdint.h>

#include "backoffice/metrics.h"
#include "core/err.h"

/* The surplus or deficit a public canteen may have, in percent of its cost
 * (meals priced at cost: 略有结余, within about 2 %). */
#define COST_RULE_PCT 2

typedef enum cost_rule {
    COST_RULE_NONE,   /* no food used: nothing to hold against */
    COST_RULE_WITHIN, /* |surplus| <= 2 % of the cost */
    COST_RULE_OVER,   /* a surplus above 2 %: meals priced above cost */
    COST_RULE_UNDER,  /* a deficit above 2 %: meals priced below cost */
} cost_rule;

/* How waste of a category was priced. */
typedef enum cost_priced {
    COST_PRICED_CATEGORY,  /* at the month's purchase price of the category */
    COST_PRICED_ALL_FOOD,  /* not bought this month: at the average of all food used */
    COST_PRICED_FOOD_COST, /* no purchases at all this month: at --food-cost */
    COST_PRICED_CANTEENS,  /* every canteen: each canteen's at its own prices, which
                            * priced it otherwise (cost_waste_of_canteens) */
} cost_priced;

/* A stock count as the facts hold it. */
typedef struct cost_count {
    int has;               /* there is a count */
    int64_t fen;
    int64_t g;             /* < 0: counted in yuan only */
} cost_count;

/* One canteen's stock and purchases of one food category in a month. */
typedef struct cost_stock {
    int64_t canteen_id;
    size_t category;       /* index into cost_facts.categories */
    cost_count opening;    /* the count at the end of the month before */
    cost_count closing;    /* the count at the end of the month */
    int64_t bought_fen, bought_g; /* purchases less reversals */
    int first_records;     /* the canteen had no purchases and no stock counts before
                            * the month, in any category (the collector sets it on each
                            * of its rows): its counts may be starting stock. 0, the
                            * default, is a canteen with records before */
    int64_t prev_fen, prev_g; /* purchases of the month before less reversals: an
                            * opening count without kg is weighed at them, as it
                            * was as that month's closing count */
} cost_stock;

/* A category of the month: a food category (listed), or a kitchen waste
 * category that is not one, or "" for kitchen waste without a category. */
typedef struct cost_category {
    const char *name;
    int listed;            /* one of the food categories */
    int64_t kitchen_g;     /* kitchen waste, weighings left out not counted */
} cost_category;

/* Everything a month's figures are computed from. */
typedef struct cost_facts {
    char month[8];                 /* "2026-11" */
    int64_t food_cost_fen_per_kg;  /* the fallback price of waste */
    cost_category *categories;     /* the food categories in their order, then the rest */
    size_t ncategories;
    cost_stock *stock;             /* any order; at most one per canteen and category */
    size_t nstock;
    int64_t plate_g;               /* trays of diners and anonymous trays */
    metrics_sales_row *sales;      /* meals (sales not voided) and money taken, by meal
                                    * period and diner category */
    size_t nsales;
    int64_t flagged;               /* weighings left out of the waste */
    int open;                      /* the month has not ended (today is in it, or before
                                    * it): no closing count yet, so no food used */
    char **owned;                  /* strings the collector allocated; tests leave it NULL */
    size_t nowned;
} cost_facts;

/* The figures of one category, over every canteen of the month's facts. */
typedef struct cost_line {
    char *name;                    /* owned */
    int listed;
    int counted;                   /* every canteen that bought or held it has a closing count */
    int has_opening, has_closing;  /* some canteen has the count */
    int starting;                  /* some canteen's count of it is its starting stock */
    int64_t starting_fen;          /* what those counts hold beyond the month's purchases:
                                    * in closing_fen (the whole count), not in food used:
                                    * opening + starting + bought - closing = used */
    int64_t opening_fen, opening_g, bought_fen, bought_g, closing_fen, closing_g;
    int64_t used_fen, used_g;
    int64_t kitchen_g, kitchen_fen;
    cost_priced priced;
    int64_t price_fen, price_g;    /* what its waste was priced at: fen per price_g grams */
} cost_line;

/* A month's figures. */
typedef struct cost_month {
    char month[8];
    cost_line *lines;              /* owned, in the categories' order */
    size_t nlines;
    metrics_sales_row *sales;      /* owned copy of the facts' */
    size_t nsales;
    int64_t opening_fen, bought_fen, bought_g, closing_fen;
    int64_t starting_fen;          /* canteens' starting stock (cost_line), in closing_fen */
    int64_t used_fen, used_g;      /* food used */
    int64_t meals, revenue_fen, subsidy_fen, cash_fen;
    int64_t cost_per_meal_fen;     /* -1 without meals */
    int64_t surplus_fen;           /* revenue - food used */
    int64_t surplus_x10000;        /* surplus / food used x 10000, when has_surplus_share */
    int has_surplus_share;         /* food used above 0 */
    cost_rule rule;
    int fallback;                  /* no purchases: waste priced at food_cost_fen_per_kg */
    int64_t food_cost_fen_per_kg;
    int stock_counted;             /* every category bought or held has a closing count */
    int64_t price_fen, price_g;    /* the average of all food used (or the fallback) */
    int64_t kitchen_g, plate_g, waste_g;
    int64_t kitchen_fen, plate_fen, waste_fen;
    int64_t share_weight_x10000;   /* waste_g / used_g x 10000; -1 when no food used */
    int64_t share_money_x10000;    /* waste_fen / used_fen x 10000; -1 when no food used */
    int64_t g_per_meal_x10;        /* waste_g / meals x 10; -1 without meals */
    int64_t flagged;
    int has_data;                  /* anything bought, counted, eaten or wasted */
    int open;                      /* the month has not ended: provisional, no food used,
                                    * cost per meal or surplus (cost_year leaves it out) */
    int by_canteen;                /* waste priced canteen by canteen (cost_waste_of_canteens) */
} cost_month;

/* Computes the figures of f into *out (the caller frees with
 * cost_month_free). Only CP_ERR_NOMEM can go wrong. */
cp_err cost_compute(const cost_facts *f, cost_month *out);

/* Makes all (the month of every canteen, whose waste cost_compute priced
 * at the prices of all of them together) price each canteen's waste at
 * that canteen's own purchases, as its own report does: the kitchen and
 * plate waste in money become the sums of each's (the months of the n
 * canteens one by one), and so the shares of it; a category priced
 * differently by the canteens says COST_PRICED_CANTEENS. The total is then
 * the sum of the canteens' reports. */
void cost_waste_of_canteens(cost_month *all, const cost_month *each, size_t n);

/* Frees what a month owns; accepts NULL and a zeroed month. */
void cost_month_free(cost_month *m);

/* Frees what the collector allocated in f; accepts a zeroed f. */
void cost_facts_free(cost_facts *f);

/* The ±COST_RULE_PCT % rule for a surplus against a cost. */
cost_rule cost_rule_of(int64_t surplus_fen, int64_t cost_fen);

/* The surplus as a share of the cost, x 10000 (in hundredths of a percent,
 * as every output shows it), for cost_fen > 0; 0 otherwise. Rounded half
 * away from zero, except just over the limit, which is rounded up: see
 * cost.c. Every output of a surplus share takes it from here. */
int64_t cost_surplus_share(int64_t surplus_fen, int64_t cost_fen);

/* Its name in JSON and CSV ("within", "over", "under"), NULL for none. */
const char *cost_rule_name(cost_rule r);

/* a x b / c rounded half away from zero (c > 0), without overflow for any
 * month's figures. */
int64_t cost_muldiv(int64_t a, int64_t b, int64_t c);

/* Several months added up: a year to date, a quarter. */
typedef struct cost_total {
    int months;                    /* months added */
    int64_t used_fen, used_g, revenue_fen, surplus_fen, meals;
    int64_t waste_g, waste_fen;
    int priced_months;             /* months whose waste was priced at purchases */
    int by_canteen;                /* a month's waste was priced canteen by canteen */
    int open_months;               /* months not ended: their waste only (see cost_total_add) */
    cost_rule rule;                /* of the sum */
} cost_total;

/* Adds m to t and updates t->rule. A month that has not ended adds its
 * waste (weighed so far, priced at the purchases so far) but no food used,
 * meals or money taken: it has no food used yet, and its meals and money
 * against none would read as a surplus. */
void cost_total_add(cost_total *t, const cost_month *m);

#endif
