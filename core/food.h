/* food: what a canteen's kitchen buys and holds: food categories, purchases and month-end stock counts. */
#ifndef CP_FOOD_H
#define CP_FOOD_H

#include <stdint.h>

#include "core/clock.h"
#include "core/csvread.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/utf8.h"

/* Longest texts, in characters. A category is as long as a waste station
 * takes one (WASTE_CATEGORY_MAX), so that its kitchen waste can be priced. */
#define FOOD_CATEGORY_MAX 32
#define FOOD_SUPPLIER_MAX 64
#define FOOD_INVOICE_MAX 64
#define FOOD_REASON_MAX 200

/* A purchase as typed or read from a file: every field text, checked and
 * parsed by food_purchase_add and food_import_purchases alike. */
typedef struct food_purchase {
    const char *canteen;  /* canteen code */
    const char *date;     /* YYYY-MM-DD, the delivery; not after today */
    const char *supplier; /* people's text, 1-FOOD_SUPPLIER_MAX characters */
    const char *category; /* one of the food categories */
    const char *kg;       /* above 0, at most three decimals: grams exactly */
    const char *yuan;     /* what it cost, 0 or more */
    const char *invoice;  /* may be NULL or "" */
} food_purchase;

/* Adds a food category (people's text, 1-FOOD_CATEGORY_MAX characters) at
 * the end of the list, as actor (a note in the audit log). CP_ERR_EXISTS
 * when it is there already. */
cp_err food_category_add(db *d, const char *name, const char *actor);

/* Calls fn(name, arg) for each food category in the list's order; stops at
 * (and returns) the first error fn returns. */
cp_err food_category_list(db *d, cp_err (*fn)(const char *name, void *arg), void *arg);

/* Records one purchase as actor (the manager who authorised it), an audited
 * event in its own transaction; id gets its id (for a reversal). */
cp_err food_purchase_add(db *d, const food_purchase *p, const char *actor, char id[IDS_LEN]);

/* What a reversal took back. */
typedef struct food_reversal {
    char id[IDS_LEN];      /* the reversal's own id */
    char date[CP_DATE_LEN];    /* the reversal's: the purchase's, or today */
    char category[UTF8_SIZE(FOOD_CATEGORY_MAX)];
    int64_t grams, fen;    /* of the purchase reversed (positive) */
} food_reversal;

/* Reverses purchase id with a new purchase row of the opposite amounts on the
 * same day (today when that day's month is closed: food_close_month; date
 * says which), canteen, supplier and category, pointing at it, with a reason.
 * A reversal cannot be reversed, nor a purchase twice (add it again instead). */
cp_err food_purchase_reverse(db *d, const char *id, const char *reason, const char *actor,
                             food_reversal *out);

/* Imports the purchases of canteen from a table with header
 * date,supplier,category,kg,yuan,invoice (invoice may be empty), each an
 * audited event, all in one transaction: any bad row fails the whole import
 * with "NAME:LINE: field ..." and nothing is recorded. *count, *grams and
 * *fen get what was recorded. Importing a file twice records it twice. */
cp_err food_import_purchases(db *d, const csv_table *t, const char *name, const char *canteen,
                             const char *actor, long *count, int64_t *grams, int64_t *fen);

/* One purchase row, as purchase list shows it. Strings are valid during the call. */
typedef struct food_purchase_row {
    const char *id, *canteen, *date, *supplier, *category, *invoice;
    const char *reverses;  /* "" for a purchase, else the purchase it reverses */
    const char *reason;    /* a reversal's reason, else "" */
    int64_t grams, fen;    /* negative for a reversal */
    int reversed;          /* a purchase that a later row reverses */
} food_purchase_row;

/* Calls fn for every purchase and reversal dated in month (YYYY-MM) of
 * canteen (a code, or NULL for all), by date and then as entered. */
cp_err food_purchase_list(db *d, const char *month, const char *canteen,
                          cp_err (*fn)(const food_purchase_row *r, void *arg), void *arg);

/* A month-end stock count as typed. */
typedef struct food_count {
    const char *canteen;  /* canteen code */
    const char *month;    /* YYYY-MM: the stock at the end of it; not after this month */
    const char *category; /* one of the food categories */
    const char *yuan;     /* the stock's value, 0 or more */
    const char *kg;       /* NULL when it was not weighed */
} food_count;

/* Records a stock count as actor, an audited event. A count for the same
 * canteen, month and category as an earlier one supersedes it (the newest
 * counts; nothing is edited): *recount (may be NULL) is then 1. */
cp_err food_stock_count(db *d, const food_count *c, const char *actor, char id[IDS_LEN],
                        int *recount);

/* Closes the cost books of month (YYYY-MM, a month that has ended) at the
 * canteen canteen (NULL: at every canteen whose books of it are open), as
 * actor, the manager who signs the month's report: from then on a purchase
 * or a stock count dated in it or before is refused, and a purchase of it
 * reversed is reversed today (review C2: a delivery entered weeks after
 * the report was signed changed the month's food used and cost per meal).
 * *closed (may be NULL) gets how many canteens were closed; a canteen
 * whose month is closed already is CP_ERR_EXISTS when named. */
cp_err food_close_month(db *d, const char *canteen, const char *month, const char *actor,
                        long *closed);

/* A purchase's price per kg beside those paid before for its category at
 * its canteen (purchases not reversed): how many times the highest it is,
 * and how many times below the lowest, rounded down (0 and 0 when nothing
 * was bought before, or the kg or yuan do not parse). For a warning: a
 * weight typed in grams (1000 times) or in jin (2 times) priced the
 * month's kitchen waste at next to nothing. */
typedef struct food_price_check {
    int64_t grams, fen;       /* the purchase's */
    int64_t lowest, highest;  /* fen per kg paid before */
    int64_t times_above, times_below;
} food_price_check;

cp_err food_purchase_price_check(db *d, const char *canteen, const char *category,
                                 const char *kg, const char *yuan, food_price_check *out);

/* How many times the highest price per kg ever paid for the count's
 * category at its canteen its value per kg is (*times, rounded down), and
 * that price (*paid_fen_per_kg): 0 and 0 when the count has no kg or
 * nothing of the category was bought. For a warning: a count typed with
 * a zero too many makes the month's food used negative. */
cp_err food_count_price_ratio(db *d, const food_count *c, int64_t *times,
                              int64_t *paid_fen_per_kg);

#endif
