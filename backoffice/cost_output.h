/* cost_output: the cost report as a table, JSON and CSV, and the figures' one written form. */
#ifndef CP_COST_OUTPUT_H
#define CP_COST_OUTPUT_H

#include <stdio.h>

#include "backoffice/cost_collect.h"

#define COST_STR_LEN 48

/* A share scaled by 10000 as a percentage with two decimals ("5.23%",
 * "-8.93%"); "" when unknown (negative shares of food used are -1 only when
 * unknown; pass known = 0 for those). The PDF and the table print these, the
 * JSON the same value as a fraction (0.0523). */
const char *cost_pct(int64_t x10000, int known, char buf[COST_STR_LEN]);

/* The price of fen per g grams in yuan per kg ("8.48"). */
const char *cost_yuan_per_kg(int64_t fen, int64_t g, char buf[COST_STR_LEN]);

/* Tenths as "56.5". */
const char *cost_x10(int64_t v, char buf[COST_STR_LEN]);

/* How a category's waste was priced, in JSON and CSV: "category",
 * "all_food" or "food_cost". */
const char *cost_priced_name(cost_priced p);

/* The report as text for a terminal, as one JSON object (keys in
 * cleanplate-office(1), "report cost"), or as CSV (a row per category, one
 * for plate waste and one for the total). */
cp_err cost_print_text(const cost_report *r, FILE *f);
cp_err cost_print_json(const cost_report *r, FILE *f);
cp_err cost_print_csv(const cost_report *r, FILE *f);

/* The year month by month as text. */
cp_err cost_print_year(int year, const cost_month months[12], const cost_total *total,
                       FILE *f);

#endif
