/* ui_data: what the cashier's screen reads from the store: canteen, meal period, prices, items, sales. */
#ifndef CP_UI_DATA_H
#define CP_UI_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/ids.h"

#define UI_DATA_MAX_PRICES 8

typedef struct ui_price {
    char category[33];        /* at most 32 letters (canteen_category_valid) */
    int64_t fen;
} ui_price;

/* The meal period open now, or the next one today. */
typedef struct ui_period {
    int open;                 /* a period is open now: name, span and prices say which */
    char name[64];            /* open: its name; else the next period today, or "" */
    int start_min, end_min;   /* minutes since midnight */
    ui_price prices[UI_DATA_MAX_PRICES];
    int n_prices;
} ui_period;

/* The canteen of terminal: its id and name. CP_ERR_NOT_FOUND (with what to
 * do) when there is no such POS terminal. */
cp_err ui_data_terminal(db *d, const char *terminal, int64_t *canteen_id, char name[128]);

/* The period of canteen_id open at minute (since midnight) with its prices. */
cp_err ui_data_period(db *d, int64_t canteen_id, int minute, ui_period *out);

/* An a-la-carte item of canteen_id by code: name, price (per piece or per
 * 100 g) and whether it is sold by weight. CP_ERR_NOT_FOUND when unknown. */
cp_err ui_data_item(db *d, int64_t canteen_id, const char *code, char name[128],
                    int64_t *price_fen, int *per_100g);

/* The last sale numbered on terminal into id; CP_ERR_NOT_FOUND when none. */
cp_err ui_data_last_sale(db *d, const char *terminal, char id[IDS_LEN]);

/* One line about sale_id for the void screen ("张伟 S001 lunch 8.00, void"),
 * into text of size bytes; CP_ERR_NOT_FOUND when there is no such sale. */
cp_err ui_data_sale_brief(db *d, const char *sale_id, char *text, size_t size);

/* The void screen's line about a sale from its parts: what is the period's
 * name as people read it (or the a-la-carte kind), hhmm its time. */
void ui_data_brief(char *text, size_t size, const char *name, const char *staff_no,
                   const char *what, int64_t fen, const char *hhmm, int voided);

/* The balances of diner_id from its ledger entries up to time at (a
 * receipt printed again shows them as they were after the sale). */
cp_err ui_data_balances_at(db *d, int64_t diner_id, const char *at, int64_t *cash,
                           int64_t *subsidy);

#endif
