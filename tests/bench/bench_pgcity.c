/* bench_pgcity: the city-sized month on PostgreSQL — `metrics --month` warm beside the best hand-written query there.
 *
 * Usage: bench_pgcity BUILD_DIR [--keep]
 * The month of bench_metrics (tests/bench/city.h: 100,000 diners, 2,000
 * departments, 4.4 million sales and 4.4 million trays, 500 canteens buying
 * food; smaller with BENCH_CITY_SCALE, city.h), made once into
 * BUILD_DIR/bench-city.db, is copied into a new schema
 * of the server CLEANPLATE_BENCH_PG names (make bench starts a throw-away one,
 * tests/bench/run.sh; nothing is measured when it is not set): the schema is
 * made by the programs (db_migrate), then every table's rows go in by COPY
 * through psql with the triggers and foreign keys off for the load
 * (session_replication_role = replica: the rows were checked by SQLite's)
 * and each table's secondary indexes made again after its rows are in;
 * the rolled-up tables are left out, the identity sequences moved past the
 * ids (db_sync_ids), then VACUUM ANALYZE, as autovacuum would. Then:
 *   rollup    `cleanplate-office rollup --month` once (the nightly rollup);
 *   metrics   `cleanplate-office metrics --month --json`, best of 3 (warm);
 *             its output must be the same as on the SQLite file;
 *   baseline  the best hand-written query over the raw rows on the same
 *             server (two ways of writing it, with covering indexes made for
 *             them; the faster, best of 3).
 * The schema is dropped afterwards (kept with --keep). Results are rows (bench.h) for
 * tests/bench/run.sh; progress goes to stderr. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db.h"
#include "core/schema.h"
#include "tests/bench/bench.h"
#include "tests/bench/city.h"
#include "tests/bench/pgload.h"

/* The hand-written query, written two ways (the best of them is the baseline):
 * one pass per table with count(DISTINCT), and distinct diners counted from
 * a grouping by department and diner (which PostgreSQL can hash and run in
 * parallel). */
static const char *const baselines[] = {
    "SELECT s.department_id, s.meals, s.diners, w.trays, w.grams, w.clean FROM"
    " (SELECT department_id, count(*) AS meals, count(DISTINCT diner_id) AS diners"
    "  FROM sales WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30'"
    "  GROUP BY department_id) s"
    " LEFT JOIN (SELECT department_id, count(*) AS trays, sum(net_g) AS grams,"
    "  count(*) FILTER (WHERE net_g <= 10) AS clean FROM waste_records"
    "  WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30' AND stage = 'plate'"
    "  AND diner_id IS NOT NULL AND flags & 1 = 0 GROUP BY department_id) w"
    " USING (department_id)",
    "SELECT s.department_id, s.meals, s.diners, w.trays, w.grams, w.clean FROM"
    " (SELECT department_id, sum(n) AS meals, count(*) AS diners FROM"
    "  (SELECT department_id, diner_id, count(*) AS n FROM sales"
    "   WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30'"
    "   GROUP BY department_id, diner_id) x GROUP BY department_id) s"
    " LEFT JOIN (SELECT department_id, count(*) AS trays, sum(net_g) AS grams,"
    "  count(*) FILTER (WHERE net_g <= 10) AS clean FROM waste_records"
    "  WHERE business_date BETWEEN '2026-11-01' AND '2026-11-30' AND stage = 'plate'"
    "  AND diner_id IS NOT NULL AND flags & 1 = 0 GROUP BY department_id) w"
    " USING (department_id)",
};

#define die pgload_die


/* Runs BUILD/cleanplate-office --db target ARGS with its output in out;
 * returns its wall time in seconds, or dies when it failed. */
static double office_to(const char *build, const char *target, const char *const *args,
                        const char *out)
{
    double t = bench_office_io(build, target, NULL, out, args);

    if (t < 0) {
        fprintf(stderr, "bench_pgcity: cleanplate-office %s failed\n", args[0]);
        exit(1);
    }
    return t;
}

/* Whether files a and b hold the same bytes. */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
    int same = fa && fb, ca, cb;

    while (same && ((ca = getc(fa)) != EOF) | ((cb = getc(fb)) != EOF))
        same = ca == cb;
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* The best of 3 runs of the fastest way of writing the hand-written query. */
static double baseline(const char *target)
{
    double best = 1e9;
    db *d;

    run_sql(target, "CREATE INDEX bench_sales_cover ON sales(department_id, business_date,"
                    " diner_id);"
                    "CREATE INDEX bench_waste_cover ON waste_records(department_id,"
                    " business_date, stage, flags, diner_id, net_g)");
    run_sql(target, "VACUUM ANALYZE sales"); /* VACUUM: one statement at a time */
    run_sql(target, "VACUUM ANALYZE waste_records");
    if (db_open(target, DB_OPEN_EXISTING, &d))
        die("opening the store");
    for (size_t q = 0; q < sizeof baselines / sizeof baselines[0]; q++) {
        double mine = 1e9;
        for (int run = 0; run < 3; run++) {
            double t0 = bench_now_s();
            db_stmt *st = NULL;
            long rows = 0;
            if (db_prepare_once(d, baselines[q], &st))
                die("preparing the hand-written query");
            while (db_step(st) == DB_ROW)
                rows++;
            db_finalize(st);
            if (rows != CITY_DEPARTMENTS)
                die("the hand-written query found the wrong number of departments");
            if (bench_now_s() - t0 < mine)
                mine = bench_now_s() - t0;
        }
        fprintf(stderr, "  hand-written query, way %zu: %.3f s\n", q + 1, mine);
        if (mine < best)
            best = mine;
    }
    db_close(d);
    /* gone again, so that metrics runs on the store as the programs made it */
    run_sql(target, "DROP INDEX bench_sales_cover; DROP INDEX bench_waste_cover");
    return best;
}

int main(int argc, char **argv)
{
    static const char *const rollup[] = {"rollup", "--month", "2026-11", NULL};
    static const char *const metrics[] = {"metrics", "--month", "2026-11", "--json", NULL};
    const char *build = argc > 1 ? argv[1] : "build";
    const char *pg = getenv("CLEANPLATE_BENCH_PG");
    int keep = argc > 2 && strcmp(argv[2], "--keep") == 0;
    char file[512], schema[64], target[1200], out[600], lite_out[600], label[2][200];
    double cold, warm = 1e9, base;
    int same;

    if (!pg || !*pg) {
        fprintf(stderr, "(no CLEANPLATE_BENCH_PG: PostgreSQL not measured)\n");
        return 0;
    }
    setenv("CLEANPLATE_NOW", "2026-12-05T09:00:00", 1);
    city_path(build, file, sizeof file);
    snprintf(out, sizeof out, "%s/bench-pgcity-metrics.json", build);
    snprintf(lite_out, sizeof lite_out, "%s/bench-city-metrics.json", build);
    city_make(file);

    pgload_schema(file, pg, "cp_bench_city", schema, target);

    fprintf(stderr, "pgcity: the hand-written query, best of 3...\n");
    base = baseline(target);
    fprintf(stderr, "pgcity: rollup of the month, then metrics --month, best of 3...\n");
    cold = office_to(build, target, rollup, "/dev/null");
    for (int run = 0; run < 3; run++) {
        double t = office_to(build, target, metrics, out);
        if (t < warm)
            warm = t;
    }
    /* the same figures as on SQLite (whose rollup bench_metrics made, or
     * makes now) */
    office_to(build, file, rollup, "/dev/null");
    office_to(build, file, metrics, lite_out);
    same = same_file(out, lite_out);
    fprintf(stderr, "pgcity: metrics --month on PostgreSQL and on SQLite: %s\n",
            same ? "the same output" : "OUTPUTS DIFFER");

    bench_row_emit("pgcity", &(bench_row){
        .name = city_label("PostgreSQL: metrics --month (city, warm, best of 3; same output as"
                           " SQLite)", label[0], sizeof label[0]),
        .value = warm, .unit = "s", .base = base, .speedup = 1,
        .baseline = "hand-written query + covering indexes, on PostgreSQL",
        .goal = "< 1 s and faster", .met = same && warm < 1.0 && warm < base});
    bench_row_emit("pgcity", &(bench_row){
        .name = city_label("PostgreSQL: rollup of the month (once)", label[1], sizeof label[1]),
        .value = cold, .unit = "s",
        .base = base, .baseline = "hand-written query + covering indexes, on PostgreSQL"});
    pgload_drop(pg, schema, keep);
    unlink(out);
    unlink(lite_out);
    return same ? 0 : 1;
}
