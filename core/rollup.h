/* rollup: what a closed day's rollups hold (rollup_day, rollup_sales), as
 * the SQL that sums them from the records. backoffice/metrics_rollup.c
 * writes the day's sums with it; core/verify.c sums the day again and
 * compares, since the published rankings read the rollups, not the records.
 * Text only: each caller binds ?1 (the day), and for ROLLUP_DAY_SUMS_SQL ?2
 * (ROLLUP_THRESHOLD_G) and ?3 (WASTE_FLAGS_LEFT_OUT). */
#ifndef CP_ROLLUP_H
#define CP_ROLLUP_H

/* ROLLUP_DAY_SUMS_SQL counts trays with WASTE_COUNTED: its users include
 * core/waste.h too. */

/* The threshold the daily rollups count clean trays at; another threshold
 * makes the metrics count from the raw records instead (slower, same answer). */
#define ROLLUP_THRESHOLD_G 10

#define ROLLUP_STR_(x) #x
#define ROLLUP_STR(x) ROLLUP_STR_(x)

/* A condition that a rollup row's business_date (col) is a day rollup_days
 * lists as rolled up: a reader of rollup_day or rollup_sales adds it, so
 * that a day's rows a late record left behind (its triggers take the mark
 * only), or rows someone put in the table by hand for a day nobody rolled
 * up, are never counted; every listed day is compared with its records by
 * verify. */
#define ROLLUP_LISTED(col)                                                                  \
    " AND " col " IN (SELECT k.business_date FROM rollup_days k WHERE k.threshold_g = "       \
    ROLLUP_STR(ROLLUP_THRESHOLD_G) ")"

/* The meals of the sales that meet cond (SQL on sales s) and were not
 * voided, as a table s of (canteen_id, department_id, period_id,
 * business_date, diner_id): a meal is a diner's at a canteen in a meal
 * period of a day, however many sales it took. A lunch and a fruit bought
 * after it are one meal and bring back one tray; counted as two sales,
 * they halved the department's coverage (trays / meals) and could take it
 * below --min-coverage. The rollups, the metrics from the records and the
 * canteen view count meals with this one text. */
#define ROLLUP_MEALS(cond)                                                                  \
    "(SELECT DISTINCT s.canteen_id, s.department_id, s.period_id, s.business_date,"         \
    " s.diner_id FROM sales s WHERE " cond                                                   \
    " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)) s"

/* 1 when cond holds, else 0: a truth value is a number on SQLite only, so
 * that sum() can add it up; PostgreSQL's booleans are summed through this. */
#define ROLLUP_ONE_IF(cond) "CASE WHEN " cond " THEN 1 ELSE 0 END"

/* The sums of one closed day per canteen, department and meal period, as
 * rows of (canteen_id, dept, period, meals, trays, grams, clean, flagged); ?1
 * is the day, ?2 the clean-plate threshold, ?3 the flags that leave a tray
 * out (WASTE_FLAGS_LEFT_OUT, as WASTE_COUNTED reads them): such a tray adds
 * to flagged only.
 * CROSS JOIN keeps canteens the outer loop, so that the day's trays are found
 * through waste_canteen_day (canteen, day): with a plain JOIN the planner
 * scanned that whole index for every day, ~0.1 s a day with half a million
 * trays. */
#define ROLLUP_DAY_SUMS_SQL                                                               \
    " SELECT canteen_id, dept, period, sum(meals), sum(trays), sum(grams), sum(clean),"  \
    "   sum(flagged)"                                                                    \
    " FROM (SELECT canteen_id, department_id AS dept, coalesce(period_id, 0) AS period," \
    "         1 AS meals, 0 AS trays, 0 AS grams, 0 AS clean, 0 AS flagged"              \
    "       FROM " ROLLUP_MEALS("s.business_date = ?1")                                  \
    "       UNION ALL"                                                                   \
    "       SELECT w.canteen_id, CASE WHEN w.diner_id IS NULL THEN 0 ELSE w.department_id END," \
    "         coalesce(w.period_id, 0), 0, " ROLLUP_ONE_IF(WASTE_COUNTED("?3")) ","       \
    "         CASE WHEN " WASTE_COUNTED("?3") " THEN w.net_g ELSE 0 END,"                \
    "         " ROLLUP_ONE_IF(WASTE_COUNTED("?3") " AND w.net_g <= ?2") ","             \
    "         " ROLLUP_ONE_IF("NOT " WASTE_COUNTED("?3"))                                \
    "       FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"           \
    "       AND w.business_date = ?1 AND w.stage = 'plate'"                              \
    "       AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id))"     \
    "   AS day_rows GROUP BY canteen_id, dept, period"

/* The meals and money of the sales from FROM to TO (SQL text: "?1") that
 * were not voided, per canteen, meal period (0: outside one) and diner
 * category; for one day, the columns of rollup_sales after the day. A meal
 * is a diner's in the period of a day, however many sales (as ROLLUP_MEALS
 * counts them): the cost per meal and the 人次 of the department view
 * count the same meals. */
#define ROLLUP_SALES_SUMS_SQL(FROM, TO)                                                     \
    " SELECT canteen_id, coalesce(period_id, 0), category,"                                \
    "   count(DISTINCT s.diner_id || ' ' || s.business_date), sum(total_fen),"             \
    "   sum(subsidy_fen), sum(cash_fen) FROM sales s"                                      \
    " WHERE s.business_date BETWEEN " FROM " AND " TO                                      \
    " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"                       \
    " GROUP BY canteen_id, coalesce(period_id, 0), category"

#endif
