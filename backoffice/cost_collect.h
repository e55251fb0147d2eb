/* cost_collect: the facts of a month's cost accounting gathered from the store, and the months a report needs. */
#ifndef CP_COST_COLLECT_H
#define CP_COST_COLLECT_H

#include "backoffice/cost.h"
#include "core/clock.h"
#include "core/db.h"

/* Whether month (1-12) of year has not ended at now (now is in it or before
 * it): such a month has no closing count yet, and is provisional. */
int cost_month_not_ended(int year, int month, const cp_time *now);

/* Gathers the facts of month (1-12) of year for canteen (a code, or NULL for
 * every canteen): purchases and the stock counts at the end of the month and
 * of the one before, per canteen and category; kitchen waste by category and
 * plate waste (weighings flagged WASTE_FLAGS_LEFT_OUT left out); meals and
 * money by meal period and diner category. food_cost_fen_per_kg is the
 * fallback price. Caller frees *out (cost_facts_free). */
cp_err cost_collect(db *d, const char *canteen, int year, int month,
                    int64_t food_cost_fen_per_kg, cost_facts *out);

/* cost_collect and cost_compute: the figures of one month. Caller frees
 * *out (cost_month_free). */
cp_err cost_month_of(db *d, const char *canteen, int year, int month,
                     int64_t food_cost_fen_per_kg, cost_month *out);

/* What the monthly cost report shows: the month, the ones it is set beside
 * (has_data says whether there is one) and the year to date. */
typedef struct cost_report {
    const char *canteen;           /* code, or NULL for every canteen */
    cost_month now, prev, last_year;
    cost_total ytd;                /* January of the month's year to the month, or to
                                    * the last that has ended (as cost_year adds up) */
    char ytd_from[8];              /* "2026-01" */
    char ytd_to[8];                /* its last month; "" when none of the year has ended */
} cost_report;

/* Begin a read transaction for cost_report_month of month, or cost_year
 * of year (metrics_begin_read: the months they read rolled up first, then
 * one snapshot for all); the caller ends it with db_rollback. */
cp_err cost_begin_month(db *d, const char *month);
cp_err cost_begin_year(db *d, int year);

/* The report of month ("YYYY-MM"). Caller frees *out (cost_report_free). */
cp_err cost_report_month(db *d, const char *canteen, const char *month,
                         int64_t food_cost_fen_per_kg, cost_report *out);
void cost_report_free(cost_report *r);

/* The twelve months of year and their sum (of the months that have data).
 * Caller frees each month (cost_month_free). */
cp_err cost_year(db *d, const char *canteen, int year, int64_t food_cost_fen_per_kg,
                 cost_month months[12], cost_total *total);

/* The months of a span (a month or a quarter) added up. */
cp_err cost_span_total(db *d, const metrics_span *span, const char *canteen,
                       int64_t food_cost_fen_per_kg, cost_total *total);

#endif
