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

/* The rolled-up tables: `rollup` makes them on the server, as it does on SQLite. */
static const char *const rolled_up[] = {"rollup_day", "rollup_days", "rollup_sales", NULL};

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

static void die(const char *what)
{
    fprintf(stderr, "bench_pgcity: %s: %s\n", what, cp_detail());
    exit(1);
}

/* Runs sql on target through the door. */
static void run_sql(const char *target, const char *sql)
{
    db *d;

    if (db_open(target, DB_OPEN_CREATE, &d) || db_exec(d, sql))
        die(sql);
    db_close(d);
}

/* Writes s as a field of COPY's text format: backslash, tab, newline and
 * carriage return escaped, NULL as \N. */
static void copy_field(FILE *f, const unsigned char *s)
{
    if (!s) {
        fputs("\\N", f);
        return;
    }
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", f); break;
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        default: fputc(*s, f);
        }
    }
}

/* psql reading COPY table(columns) FROM STDIN on target, the triggers and
 * foreign keys off; *pid gets its process, the result is its stdin. */
static FILE *copy_into(const char *target, const char *table, const char *columns, pid_t *pid)
{
    char copy[4096];
    int fds[2];
    FILE *f;

    snprintf(copy, sizeof copy, "COPY %s(%s) FROM STDIN", table, columns);
    if (pipe(fds))
        die("a pipe");
    if ((*pid = fork()) == 0) {
        close(fds[1]);
        if (dup2(fds[0], 0) < 0)
            _exit(127);
        execlp("psql", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-c",
               "SET session_replication_role = replica", "-c", copy, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    if (*pid < 0 || !(f = fdopen(fds[1], "w")))
        die("starting psql");
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static int is_rolled_up(const char *table)
{
    for (const char *const *t = rolled_up; *t; t++)
        if (strcmp(*t, table) == 0)
            return 1;
    return 0;
}

/* Copies table's rows from the SQLite file c into target; returns the rows. */
static long copy_table(sqlite3 *c, const char *target, const char *table)
{
    char sql[256], columns[2048] = "";
    sqlite3_stmt *st;
    long rows = 0;
    int n, status;
    pid_t pid;
    FILE *f;

    snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) != SQLITE_OK)
        city_die(c, sql);
    n = sqlite3_column_count(st);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(columns);
        snprintf(columns + len, sizeof columns - len, "%s%s", i ? ", " : "",
                 sqlite3_column_name(st, i));
    }
    f = copy_into(target, table, columns, &pid);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            if (i)
                fputc('\t', f);
            copy_field(f, sqlite3_column_text(st, i));
        }
        fputc('\n', f);
        rows++;
    }
    sqlite3_finalize(st);
    if (fclose(f) != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_pgcity: COPY into %s failed (is postgresql-client installed?)\n",
                table);
        exit(1);
    }
    return rows;
}

/* The secondary indexes of table on target (neither its primary key nor a
 * unique one), as their CREATE statements joined by ';' into defs (size
 * bytes), dropped: they are made again after the load (index_make), which
 * sorts once instead of inserting row by row. */
static void index_drop(const char *target, const char *table, char *defs, size_t size)
{
    static const char sql[] =
        "SELECT pg_get_indexdef(i.indexrelid), k.relname FROM pg_index i"
        " JOIN pg_class k ON k.oid = i.indexrelid"
        " WHERE i.indrelid = to_regclass(?) AND NOT i.indisprimary AND NOT i.indisunique";
    db_stmt *st = NULL;
    size_t len = 0;
    db *d;

    defs[0] = '\0';
    if (db_open(target, DB_OPEN_EXISTING, &d) || db_prepare_once(d, sql, &st))
        die("reading the indexes");
    db_bind_text(st, 1, table);
    while (db_step(st) == DB_ROW) {
        char drop[160];
        len += (size_t)snprintf(defs + len, size - len, "%s;", db_col_text(st, 0));
        if (len >= size)
            die("too many indexes");
        snprintf(drop, sizeof drop, "DROP INDEX %s", db_col_text(st, 1));
        run_sql(target, drop);
    }
    db_finalize(st);
    db_close(d);
}

/* Makes the indexes index_drop took away, with room to sort in memory. */
static void index_make(const char *target, const char *defs)
{
    char sql[4200];

    if (!defs[0])
        return;
    snprintf(sql, sizeof sql, "SET maintenance_work_mem = '256MB'; %s", defs);
    run_sql(target, sql);
}

/* The city in a new store at target: the schema by the programs, the rows by COPY. */
static void load(const char *file, const char *target)
{
    double t0 = bench_now_s();
    long rows = 0;
    sqlite3 *c;
    db *d;

    if (db_open(target, DB_OPEN_CREATE, &d) || db_migrate(d))
        die("making the store");
    if (sqlite3_open_v2(file, &c, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        city_die(c, "opening the city");
    for (const schema_table *t = schema_tables; t->name; t++) {
        char sql[128], defs[4096];
        if (is_rolled_up(t->name))
            continue;
        /* what the new store seeded itself (food categories) is the file's */
        snprintf(sql, sizeof sql, "DELETE FROM %s", t->name);
        if (t->derived && db_exec(d, sql))
            die(sql);
        index_drop(target, t->name, defs, sizeof defs);
        rows += copy_table(c, target, t->name);
        index_make(target, defs);
        fprintf(stderr, "\rcopying the city into PostgreSQL: %ld rows (%.0f s)", rows,
                bench_now_s() - t0);
    }
    sqlite3_close(c);
    if (db_sync_ids(d))
        die("moving the identity sequences");
    db_close(d);
    fprintf(stderr, "\nVACUUM ANALYZE...\n");
    run_sql(target, "VACUUM ANALYZE");
    fprintf(stderr, "loaded in %.0f s\n", bench_now_s() - t0);
}

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
    char file[512], schema[64], target[1200], out[600], lite_out[600], sql[160], label[2][200];
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

    snprintf(schema, sizeof schema, "cp_bench_city_%d", (int)getpid());
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    run_sql(pg, sql);
    if (db_target_in_schema(pg, schema, target, sizeof target))
        die("naming the schema");
    load(file, target);

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
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    if (!keep)
        run_sql(pg, sql);
    else
        fprintf(stderr, "pgcity: kept schema %s\n", schema);
    unlink(out);
    unlink(lite_out);
    return same ? 0 : 1;
}
