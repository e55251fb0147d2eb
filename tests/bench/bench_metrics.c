/* bench_metrics: a city-sized month — 100,000 diners in 2,000 departments, 4.4 million sales
 * and 4.4 million trays, 500 canteens buying food (30 days x 10 purchase lines each) — timing
 * `cleanplate-office metrics --month`, `report cost --month` and the monthly PDF.
 *
 * Usage: bench_metrics BUILD_DIR
 * The month is generated in bulk once into BUILD_DIR/bench-city.db (tests/bench/city.h; kept for later runs;
 * delete it to make it anew; BENCH_CITY_SCALE makes a smaller one beside it). The baseline, measured in the same run, is the best
 * hand-written query over the raw rows, with covering indexes made for it. The monthly
 * PDF's time (median of 3) is shown beside the warm metrics run (the same figures
 * without a PDF);
 * its size has no baseline here (bench_pdf compares the PDF toolkit with bare libharu).
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "tests/bench/bench.h"
#include "tests/bench/city.h"

/* The best hand-written query over the raw rows, with covering indexes for it. */
static double baseline(const char *path)
{
    static const char query[] =
        "SELECT s.department_id, s.meals, s.diners, w.trays, w.grams, w.clean FROM"
        " (SELECT department_id, count(*) AS meals, count(DISTINCT diner_id) AS diners"
        "  FROM sales INDEXED BY bench_sales_cover"
        "  WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30' GROUP BY department_id) s"
        " LEFT JOIN (SELECT department_id, count(*) AS trays, sum(net_g) AS grams,"
        "  sum(net_g <= 10) AS clean FROM waste_records INDEXED BY bench_waste_cover"
        "  WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30' AND stage = 'plate'"
        "  AND diner_id IS NOT NULL AND flags & 1 = 0 GROUP BY department_id) w"
        " USING (department_id)";
    sqlite3 *c;
    sqlite3_stmt *st;
    double best = 1e9;

    if (sqlite3_open(path, &c) != SQLITE_OK)
        city_die(c, "opening");
    city_exec(c, "CREATE INDEX IF NOT EXISTS bench_sales_cover ON sales(department_id, business_date,"
            " diner_id);"
            "CREATE INDEX IF NOT EXISTS bench_waste_cover ON waste_records(department_id,"
            " business_date, stage, flags, diner_id, net_g);");
    for (int run = 0; run < 3; run++) {
        double t0 = bench_now_s();
        long rows = 0;
        if (sqlite3_prepare_v2(c, query, -1, &st, NULL) != SQLITE_OK)
            city_die(c, "preparing the baseline");
        while (sqlite3_step(st) == SQLITE_ROW)
            rows++;
        sqlite3_finalize(st);
        if (rows != CITY_DEPARTMENTS)
            city_die(c, "the baseline found the wrong number of departments");
        if (bench_now_s() - t0 < best)
            best = bench_now_s() - t0;
    }
    sqlite3_close(c);
    return best;
}


/* The best hand-written query for the figures of report cost (all canteens):
 * purchases and the counts in force by category, meals and money taken by
 * meal period and diner category, and the waste of kitchen and plates, over
 * the raw rows, with covering indexes made for it. */
static double cost_baseline(const char *path)
{
    static const char query[] =
        "SELECT 'bought', category, sum(fen), sum(grams) FROM purchases INDEXED BY"
        " bench_purchases_cover WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30'"
        " GROUP BY category"
        " UNION ALL SELECT 'count ' || month, category, sum(fen), sum(grams) FROM stock_counts s"
        " WHERE month IN ('2026-10', '2026-11')"
        " AND NOT EXISTS (SELECT 1 FROM stock_counts n WHERE n.supersedes = s.id)"
        " GROUP BY month, category"
        " UNION ALL SELECT 'sales', period_id || ' ' || category, count(*), sum(total_fen)"
        " FROM sales s INDEXED BY bench_sales_money"
        " WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30'"
        " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
        " GROUP BY period_id, category"
        " UNION ALL SELECT stage = 'plate', coalesce(category, ''), sum(net_g), count(*)"
        " FROM waste_records w INDEXED BY bench_waste_cost"
        " WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30' AND flags & 39 = 0"
        " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"
        " GROUP BY stage = 'plate', coalesce(category, '')";
    sqlite3 *c;
    sqlite3_stmt *st;
    double best = 1e9;

    if (sqlite3_open(path, &c) != SQLITE_OK)
        city_die(c, "opening");
    city_exec(c, "CREATE INDEX IF NOT EXISTS bench_purchases_cover ON purchases(business_date,"
            " category, fen, grams);"
            "CREATE INDEX IF NOT EXISTS bench_sales_money ON sales(business_date, period_id,"
            " category, total_fen);"
            "CREATE INDEX IF NOT EXISTS bench_waste_cost ON waste_records(business_date, stage,"
            " flags, category, net_g);");
    for (int run = 0; run < 3; run++) {
        double t0 = bench_now_s();
        long rows = 0;
        if (sqlite3_prepare_v2(c, query, -1, &st, NULL) != SQLITE_OK)
            city_die(c, "preparing the cost baseline");
        while (sqlite3_step(st) == SQLITE_ROW)
            rows++;
        sqlite3_finalize(st);
        if (rows < 7)
            city_die(c, "the cost baseline found too few rows");
        if (bench_now_s() - t0 < best)
            best = bench_now_s() - t0;
    }
    /* gone again: with 500 canteens, the planner took bench_waste_cost (no
     * statistics) for the rollup's per-canteen lookups, and the next rollup of
     * the month ran for many minutes instead of 20 s */
    city_exec(c, "DROP INDEX bench_purchases_cover; DROP INDEX bench_sales_money;"
            " DROP INDEX bench_waste_cost;");
    sqlite3_close(c);
    return best;
}

int main(int argc, char **argv)
{
    const char *build = argc > 1 ? argv[1] : "build";
    static const char *const metrics[] = {"metrics", "--month", "2026-11", "--json", NULL};
    char path[512], pdf[600], label[5][160];
    double base, cold, warm = 1e9, report, reports[3];
    struct stat sb;

    city_path(build, path, sizeof path);
    snprintf(pdf, sizeof pdf, "%s/bench-city-report.pdf", build);
    setenv("CLEANPLATE_NOW", "2026-12-05T09:00:00", 1);
    city_make(path);
    fprintf(stderr, "metrics: the hand-written query, best of 3...\n");
    base = baseline(path);
    /* the first run adds up the closed days once (what a nightly rollup does) */
    static const char *const rollup[] = {"rollup", "--month", "2026-11", NULL};
    {
        sqlite3 *c;
        if (sqlite3_open(path, &c) == SQLITE_OK) {
            sqlite3_exec(c, "DELETE FROM rollup_days; DELETE FROM rollup_day", NULL, NULL, NULL);
            sqlite3_close(c);
        }
    }
    fprintf(stderr, "metrics: rollup of the month, then metrics --month, best of 3...\n");
    cold = bench_office(build, path, rollup);
    if (cold < 0) {
        fprintf(stderr, "bench_metrics: cleanplate-office rollup failed\n");
        return 1;
    }
    for (int run = 0; run < 3; run++) {
        double t = bench_office(build, path, metrics);
        if (t < 0) {
            fprintf(stderr, "bench_metrics: cleanplate-office metrics failed\n");
            return 1;
        }
        if (t < warm)
            warm = t;
    }
    fprintf(stderr, "metrics: report monthly, median of 3...\n");
    const char *const rep[] = {"report", "monthly", "--month", "2026-11", "--out", pdf, NULL};
    for (int run = 0; run < 3; run++) {
        reports[run] = bench_office(build, path, rep);
        if (reports[run] < 0 || stat(pdf, &sb) != 0) {
            fprintf(stderr, "bench_metrics: the monthly report failed\n");
            return 1;
        }
    }
    report = bench_percentile(reports, 3, 50);
    fprintf(stderr, "metrics: report cost --month (all 500 canteens), best of 3...\n");
    static const char *const cost_args[] = {"report", "cost", "--month", "2026-11", "--json",
                                            NULL};
    double cost_warm = 1e9, cost_base = cost_baseline(path);
    for (int run = 0; run < 3; run++) {
        double t = bench_office(build, path, cost_args);
        if (t < 0) {
            fprintf(stderr, "bench_metrics: cleanplate-office report cost failed\n");
            return 1;
        }
        if (t < cost_warm)
            cost_warm = t;
    }
    bench_row_emit("metrics", &(bench_row){
        .name = city_label("metrics --month (city, warm, best of 3)", label[0], sizeof label[0]),
        .value = warm, .unit = "s",
        .base = base, .speedup = 1, .baseline = "hand-written query + covering indexes",
        .goal = "< 0.5 s and >= 5x", .met = warm < 0.5 && base / warm >= 5});
    bench_row_emit("metrics", &(bench_row){
        .name = city_label("rollup of the month (once)", label[1], sizeof label[1]),
        .value = cold, .unit = "s", .base = base,
        .baseline = "hand-written query + covering indexes"});
    bench_row_emit("metrics", &(bench_row){
        .name = city_label("report monthly, 2,000 depts, time (median of 3)", label[2],
                           sizeof label[2]),
        .value = report, .unit = "s",
        .base = warm, .baseline = "metrics --month --json (warm), no PDF",
        .goal = "< 1 s", .met = report < 1.0});
    bench_row_emit("metrics", &(bench_row){
        .name = city_label("report cost --month (city, 500 canteens, warm, best of 3)", label[3],
                           sizeof label[3]),
        .value = cost_warm,
        .unit = "s", .base = cost_base, .speedup = 1,
        .baseline = "hand-written query + covering indexes", .goal = "< 1 s",
        .met = cost_warm < 1.0});
    bench_row_emit("metrics", &(bench_row){
        .name = city_label("report monthly, 2,000 depts, size", label[4], sizeof label[4]),
        .value = sb.st_size / 1e6, .unit = "MB",
        .goal = "< 1 MB", .met = sb.st_size < 1000000});
    return 0;
}
