/* bench_metrics: a city-sized month — 100,000 diners in 2,000 departments, 4.4 million sales
 * and 4.4 million trays, 500 canteens buying food (30 days x 10 purchase lines each) — timing
 * `cleanplate-office metrics --month`, `report cost --month` and the monthly PDF.
 *
 * Usage: bench_metrics BUILD_DIR
 * The month is generated in bulk once into BUILD_DIR/bench-city.db (kept for later runs;
 * delete it to make it anew). The baseline, measured in the same run, is the best
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

#define DINERS 100000
#define DEPARTMENTS 2000
#define DAYS 22 /* serving days: the weekdays of November 2026 */
#define CANTEENS 500 /* C1 and C2 serve the meals; every one buys food */
#define PURCHASE_DAYS 30
#define PURCHASE_LINES 10 /* a day */
#define GENERATOR_VERSION 3

static void die(sqlite3 *c, const char *what)
{
    fprintf(stderr, "bench_metrics: %s: %s\n", what, c ? sqlite3_errmsg(c) : cp_detail());
    exit(1);
}

static void exec(sqlite3 *c, const char *sql)
{
    if (sqlite3_exec(c, sql, NULL, NULL, NULL) != SQLITE_OK)
        die(c, sql);
}

/* A pseudo-random number from a seed (xorshift), the same every run. */
static unsigned next_rand(unsigned *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int is_ready(const char *path)
{
    sqlite3 *c;
    sqlite3_stmt *st;
    int ok = 0;

    if (access(path, F_OK) != 0 || sqlite3_open(path, &c) != SQLITE_OK)
        return 0;
    if (sqlite3_prepare_v2(c, "SELECT version FROM bench_meta", -1, &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == GENERATOR_VERSION;
        sqlite3_finalize(st);
    }
    sqlite3_close(c);
    return ok;
}

/* The food of the city's canteens: CANTEENS canteens (C3 and on serve no
 * meals), each buying PURCHASE_LINES lines a day for PURCHASE_DAYS days of
 * November in the seven food categories, and counting its stock at the end
 * of October and of November. Written in bulk, without audit entries. */
static void generate_purchases(sqlite3 *c)
{
    sqlite3_stmt *st;
    unsigned seed = 777;
    char sql[512];

    snprintf(sql, sizeof sql,
             "BEGIN;"
             "WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO canteens(code, name) SELECT 'C' || i, '食堂' || i FROM n;"
             "INSERT INTO stock_counts(id, canteen_id, month, category, fen, grams, actor,"
             " created_at) SELECT m.month || '-' || c.id || '-' || f.position, c.id, m.month,"
             " f.name, 20000 + c.id * 7 %% 500 * 100, 5000 + c.id %% 40 * 1000, 'bench',"
             " m.month || '-30T18:00:00' FROM canteens c, food_categories f,"
             " (SELECT '2026-10' AS month UNION ALL SELECT '2026-11') m;", CANTEENS);
    exec(c, sql);
    if (sqlite3_prepare_v2(c,
            "INSERT INTO purchases(id, canteen_id, business_date, supplier, category, grams, fen,"
            " invoice, actor, created_at) SELECT ?1, ?2, ?3, '供应商' || ?4, name, ?5, ?6, ?1,"
            " 'bench', ?3 || 'T08:00:00' FROM food_categories WHERE position = ?4", -1, &st,
            NULL) != SQLITE_OK)
        die(c, "preparing purchases");
    for (int k = 1; k <= CANTEENS; k++)
        for (int day = 1; day <= PURCHASE_DAYS; day++)
            for (int line = 0; line < PURCHASE_LINES; line++) {
                char id[48], date[16];
                int cat = line % 7 + 1, grams = 1000 + (int)(next_rand(&seed) % 60000);
                snprintf(id, sizeof id, "P%d-%02d-%d", k, day, line);
                snprintf(date, sizeof date, "2026-11-%02u", (unsigned)day % 100);
                sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int(st, 2, k);
                sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int(st, 4, cat);
                sqlite3_bind_int(st, 5, grams);
                /* 4 to 40 yuan a kg */
                sqlite3_bind_int64(st, 6, (sqlite3_int64)grams * (400 + cat * 500) / 1000);
                if (sqlite3_step(st) != SQLITE_DONE)
                    die(c, "inserting a purchase");
                sqlite3_reset(st);
            }
    sqlite3_finalize(st);
    exec(c, "COMMIT");
}

static void generate(const char *path)
{
    sqlite3 *c;
    sqlite3_stmt *sale, *tray;
    char wal[600];
    unsigned seed = 12345;
    long n = 0;
    db *d;
    double t0 = bench_now_s();

    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    if (db_open(path, DB_OPEN_CREATE, &d) || db_migrate(d))
        die(NULL, "creating");
    db_close(d);
    if (sqlite3_open(path, &c) != SQLITE_OK)
        die(c, "opening");
    exec(c, "PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA temp_store=MEMORY;"
            "BEGIN;"
            "INSERT INTO canteens(code, name) VALUES ('C1', '市级机关第一食堂'), ('C2', '市级机关第二食堂');"
            "INSERT INTO terminals(code, canteen_id, kind) VALUES ('POS1', 1, 'pos'),"
            " ('POS2', 2, 'pos'), ('W1', 1, 'waste'), ('W2', 2, 'waste');"
            "INSERT INTO meal_periods(canteen_id, name, start_min, end_min) VALUES"
            " (1, 'lunch', 660, 810), (1, 'dinner', 1020, 1140),"
            " (2, 'lunch', 660, 810), (2, 'dinner', 1020, 1140);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
            " INSERT INTO departments(code, name) SELECT printf('D%04d', i), printf('第%d处', i) FROM n;"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)"
            " INSERT INTO diners(staff_no, name, department_id, category)"
            " SELECT printf('S%06d', i), printf('职工%d', i), (i - 1) % 2000 + 1, 'staff' FROM n;"
            "INSERT INTO wallets(diner_id) SELECT id FROM diners;"
            "INSERT INTO cards(card_no, diner_id) SELECT printf('%010d', id), id FROM diners;"
            "COMMIT;");
    if (sqlite3_prepare_v2(c,
            "INSERT INTO sales(id, terminal, canteen_id, card_no, diner_id, department_id,"
            " category, period_id, business_date, kind, total_fen, subsidy_fen, cash_fen, actor,"
            " created_at) VALUES (?1, ?2, ?3, printf('%010d', ?4), ?4, ?5, 'staff', ?6, ?7,"
            " 'meal', 800, 800, 0, 'bench', ?7 || ?8)", -1, &sale, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c,
            "INSERT INTO waste_records(id, placement, terminal, canteen_id, stage, diner_id,"
            " department_id, sale_id, period_id, business_date, gross_g, tare_g, net_g, flags,"
            " actor, created_at) VALUES (?1, NULL, ?2, ?3, 'plate', ?4, ?5, ?6, ?7, ?8, ?9 + 350,"
            " 350, ?9, 0, 'bench', ?8 || ?10)", -1, &tray, NULL) != SQLITE_OK)
        die(c, "preparing");
    exec(c, "BEGIN");
    for (int day = 1, served = 0; served < DAYS; day++) {
        char date[32];
        /* 2026-11-01 is a Sunday: weekdays are the days with day % 7 not 0 or 1 */
        if (day % 7 == 1 || day % 7 == 0)
            continue;
        served++;
        snprintf(date, sizeof date, "2026-11-%02u", (unsigned)day % 100);
        for (int meal = 0; meal < 2; meal++) {
            for (int i = 1; i <= DINERS; i++) {
                int canteen = i % 2 + 1, dept = (i - 1) % DEPARTMENTS + 1;
                char id[32], wid[32];
                /* plate waste: tens of grams, more in some departments, some clean */
                int g = (int)(next_rand(&seed) % (unsigned)(20 + dept % 60));
                if (next_rand(&seed) % 4 == 0)
                    g = (int)(next_rand(&seed) % 8);
                n++;
                snprintf(id, sizeof id, "POS%d-%07ld", canteen, n);
                snprintf(wid, sizeof wid, "W%d-%07ld", canteen, n);
                sqlite3_bind_text(sale, 1, id, -1, SQLITE_STATIC);
                sqlite3_bind_text(sale, 2, canteen == 1 ? "POS1" : "POS2", -1, SQLITE_STATIC);
                sqlite3_bind_int(sale, 3, canteen);
                sqlite3_bind_int(sale, 4, i);
                sqlite3_bind_int(sale, 5, dept);
                sqlite3_bind_int(sale, 6, canteen == 1 ? 1 + meal : 3 + meal);
                sqlite3_bind_text(sale, 7, date, -1, SQLITE_STATIC);
                sqlite3_bind_text(sale, 8, meal ? "T17:30:00" : "T12:00:00", -1, SQLITE_STATIC);
                if (sqlite3_step(sale) != SQLITE_DONE)
                    die(c, "inserting a sale");
                sqlite3_reset(sale);
                sqlite3_bind_text(tray, 1, wid, -1, SQLITE_STATIC);
                sqlite3_bind_text(tray, 2, canteen == 1 ? "W1" : "W2", -1, SQLITE_STATIC);
                sqlite3_bind_int(tray, 3, canteen);
                sqlite3_bind_int(tray, 4, i);
                sqlite3_bind_int(tray, 5, dept);
                sqlite3_bind_text(tray, 6, id, -1, SQLITE_STATIC);
                sqlite3_bind_int(tray, 7, canteen == 1 ? 1 + meal : 3 + meal);
                sqlite3_bind_text(tray, 8, date, -1, SQLITE_STATIC);
                sqlite3_bind_int(tray, 9, g);
                sqlite3_bind_text(tray, 10, meal ? "T17:50:00" : "T12:20:00", -1, SQLITE_STATIC);
                if (sqlite3_step(tray) != SQLITE_DONE)
                    die(c, "inserting a tray");
                sqlite3_reset(tray);
            }
            fprintf(stderr, "\rgenerating the city-sized month: %ld of %d sales and trays (%.0f s)",
                    n, DAYS * 2 * DINERS, bench_now_s() - t0);
        }
    }
    exec(c, "COMMIT");
    generate_purchases(c);
    exec(c, "ANALYZE;");
    char meta[128];
    snprintf(meta, sizeof meta, "CREATE TABLE bench_meta(version INTEGER);"
             " INSERT INTO bench_meta VALUES (%d);", GENERATOR_VERSION);
    exec(c, meta);
    sqlite3_finalize(sale);
    sqlite3_finalize(tray);
    exec(c, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(c);
    fprintf(stderr, "\ngenerated in %.0f s\n", bench_now_s() - t0);
}

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
        die(c, "opening");
    exec(c, "CREATE INDEX IF NOT EXISTS bench_sales_cover ON sales(department_id, business_date,"
            " diner_id);"
            "CREATE INDEX IF NOT EXISTS bench_waste_cover ON waste_records(department_id,"
            " business_date, stage, flags, diner_id, net_g);");
    for (int run = 0; run < 3; run++) {
        double t0 = bench_now_s();
        long rows = 0;
        if (sqlite3_prepare_v2(c, query, -1, &st, NULL) != SQLITE_OK)
            die(c, "preparing the baseline");
        while (sqlite3_step(st) == SQLITE_ROW)
            rows++;
        sqlite3_finalize(st);
        if (rows != DEPARTMENTS)
            die(c, "the baseline found the wrong number of departments");
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
        die(c, "opening");
    exec(c, "CREATE INDEX IF NOT EXISTS bench_purchases_cover ON purchases(business_date,"
            " category, fen, grams);"
            "CREATE INDEX IF NOT EXISTS bench_sales_money ON sales(business_date, period_id,"
            " category, total_fen);"
            "CREATE INDEX IF NOT EXISTS bench_waste_cost ON waste_records(business_date, stage,"
            " flags, category, net_g);");
    for (int run = 0; run < 3; run++) {
        double t0 = bench_now_s();
        long rows = 0;
        if (sqlite3_prepare_v2(c, query, -1, &st, NULL) != SQLITE_OK)
            die(c, "preparing the cost baseline");
        while (sqlite3_step(st) == SQLITE_ROW)
            rows++;
        sqlite3_finalize(st);
        if (rows < 7)
            die(c, "the cost baseline found too few rows");
        if (bench_now_s() - t0 < best)
            best = bench_now_s() - t0;
    }
    /* gone again: with 500 canteens, the planner took bench_waste_cost (no
     * statistics) for the rollup's per-canteen lookups, and the next rollup of
     * the month ran for many minutes instead of 20 s */
    exec(c, "DROP INDEX bench_purchases_cover; DROP INDEX bench_sales_money;"
            " DROP INDEX bench_waste_cost;");
    sqlite3_close(c);
    return best;
}

int main(int argc, char **argv)
{
    const char *build = argc > 1 ? argv[1] : "build";
    static const char *const metrics[] = {"metrics", "--month", "2026-11", "--json", NULL};
    char path[512], pdf[600];
    double base, cold, warm = 1e9, report, reports[3];
    struct stat sb;

    snprintf(path, sizeof path, "%s/bench-city.db", build);
    snprintf(pdf, sizeof pdf, "%s/bench-city-report.pdf", build);
    setenv("CLEANPLATE_NOW", "2026-12-05T09:00:00", 1);
    if (!is_ready(path))
        generate(path);
    else
        fprintf(stderr, "metrics: using the city-sized month in %s (delete it to make it anew)\n",
                path);
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
        .name = "metrics --month (city, warm, best of 3)", .value = warm, .unit = "s",
        .base = base, .speedup = 1, .baseline = "hand-written query + covering indexes",
        .goal = "< 0.5 s and >= 5x", .met = warm < 0.5 && base / warm >= 5});
    bench_row_emit("metrics", &(bench_row){
        .name = "rollup of the month (once)", .value = cold, .unit = "s", .base = base,
        .baseline = "hand-written query + covering indexes"});
    bench_row_emit("metrics", &(bench_row){
        .name = "report monthly, 2,000 depts, time (median of 3)", .value = report, .unit = "s",
        .base = warm, .baseline = "metrics --month --json (warm), no PDF",
        .goal = "< 1 s", .met = report < 1.0});
    bench_row_emit("metrics", &(bench_row){
        .name = "report cost --month (city, 500 canteens, warm, best of 3)", .value = cost_warm,
        .unit = "s", .base = cost_base, .speedup = 1,
        .baseline = "hand-written query + covering indexes", .goal = "< 1 s",
        .met = cost_warm < 1.0});
    bench_row_emit("metrics", &(bench_row){
        .name = "report monthly, 2,000 depts, size", .value = sb.st_size / 1e6, .unit = "MB",
        .goal = "< 1 MB", .met = sb.st_size < 1000000});
    return 0;
}
