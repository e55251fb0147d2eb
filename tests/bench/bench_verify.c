/* bench_verify: `verify` of the city-sized month, every sale and tray entered in the audit log, beside reading the same rows once with plain queries.
 *
 * Usage: bench_verify BUILD_DIR [--keep]
 * The month of bench_metrics (tests/bench/city.h, BENCH_CITY_SCALE for a
 * smaller one) is written in bulk, without audit entries; its audited copy,
 * BUILD_DIR/bench-city[-xSCALE]-audited.db, is made once (kept for later
 * runs, delete it to make it anew) by entering every sale and tray as the
 * migration of schema version 6 entered old rows (audit_backfill): about
 * 8.8 million entries at the full size, each with the hash of its rows.
 * Each sale gets the ledger entries a charge writes first (the city is
 * made for the metrics, which read none); its lines and request the city
 * has not, so those two queries of a sale's content run and find nothing.
 * Then, on SQLite:
 *   verify    `cleanplate-office verify` once (minutes at the full size)
 *             and its peak memory;
 *   baseline  every row verify reads (the audit log, the sales and trays,
 *             and the rows a sale's content also reads), read once with one
 *             plain query per table through SQLite: the least any check
 *             of every row can cost.
 * And on PostgreSQL when CLEANPLATE_BENCH_PG names a server (make bench
 * starts a throw-away one): the audited copy loaded by COPY into a new
 * schema as bench_pgcity loads the city (tests/bench/pgload.h), the same
 * two measures there (the schema dropped afterwards, kept with --keep). Results are rows (bench.h) for tests/bench/run.sh;
 * progress goes to stderr. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/db.h"
#include "tests/bench/bench.h"
#include "tests/bench/city.h"
#include "tests/bench/pgload.h"

static void die(const char *what)
{
    fprintf(stderr, "bench_verify: %s: %s\n", what, cp_detail());
    exit(1);
}

/* The audited copy of the city's file city, in out. */
static void audited_path(const char *city, char *out, size_t size)
{
    size_t n = strlen(city);

    if (n > 3 && strcmp(city + n - 3, ".db") == 0)
        n -= 3;
    snprintf(out, size, "%.*s-audited.db", (int)n, city);
}

/* Whether path is an audited copy made to the end: it is made under
 * another name (audited_make) and renamed when done. */
static int audited_ready(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Enters the purchases and stock counts, which the backfill leaves to be
 * entered as they are written (tables of a later schema version). */
static cp_err enter_later(db *d)
{
    static const char sql[] =
        "SELECT id, CASE WHEN reverses IS NULL THEN 'purchase.add' ELSE 'purchase.reverse'"
        " END FROM purchases UNION ALL SELECT id, 'stock.count' FROM stock_counts ORDER BY 1";
    db_stmt *st = NULL;
    cp_err err = CP_OK;

    if ((err = db_prepare_once(d, sql, &st)))
        return err;
    while (!err && db_step(st) == DB_ROW)
        err = audit_event(d, "bench", NULL, db_col_text(st, 1), db_col_text(st, 0), NULL, NULL);
    db_finalize(st);
    return err;
}

/* Copies the city into path and enters every event in its audit log. */
static void audited_make(const char *city, const char *final)
{
    double t0 = bench_now_s();
    char path[700];
    sqlite3 *from, *to;
    sqlite3_backup *b;
    db *d;

    snprintf(path, sizeof path, "%s.part", final);

    fprintf(stderr, "making %s: the city with every sale and tray in the audit log "
            "(once; minutes at the full size)...\n", final);
    unlink(path);
    if (sqlite3_open_v2(city, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open(path, &to) != SQLITE_OK)
        city_die(from, "opening the city");
    if (!(b = sqlite3_backup_init(to, "main", from, "main")) ||
        sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK)
        city_die(to, "copying the city");
    sqlite3_close(from);
    /* the books a charge keeps beside its sale (the city is written for the
     * metrics, which read none of them): the sale's ledger entries, the
     * month's grant and top-up that paid for them, the wallets */
    city_exec(to, "BEGIN;"
              "INSERT INTO ledger SELECT id || '.s', diner_id, 'subsidy', -subsidy_fen, 'charge',"
              " id, NULL, terminal, actor, created_at FROM sales WHERE subsidy_fen <> 0;"
              "INSERT INTO ledger SELECT id || '.c', diner_id, 'cash', -cash_fen, 'charge',"
              " id, NULL, terminal, actor, created_at FROM sales WHERE cash_fen <> 0;"
              "INSERT INTO ledger SELECT 'bench-grant.' || diner_id, diner_id, 'subsidy',"
              " -sum(amount_fen), 'subsidy_grant', NULL, '2026-11', NULL, 'bench',"
              " '2026-10-31T17:00:00' FROM ledger WHERE wallet = 'subsidy' GROUP BY diner_id;"
              "INSERT INTO ledger SELECT 'bench-topup.' || diner_id, diner_id, 'cash',"
              " -sum(amount_fen), 'topup', NULL, NULL, NULL, 'bench', '2026-10-31T17:00:00'"
              " FROM ledger WHERE wallet = 'cash' GROUP BY diner_id;"
              "UPDATE wallets SET cash_fen = 0, subsidy_fen = 0;"
              "COMMIT");
    sqlite3_close(to);
    /* a bench's file: a crash while it is made means making it again */
    if (db_open(path, DB_OPEN_EXISTING, &d) || db_exec(d, "PRAGMA synchronous = OFF") ||
        db_begin(d) || audit_backfill(d) || enter_later(d) || db_commit(d))
        die("entering the city's events");
    db_close(d);
    if (rename(path, final) != 0)
        die("naming the audited city");
    fprintf(stderr, "made in %.0f s\n", bench_now_s() - t0);
}

/* The least reading every row verify reads costs: each table's rows once,
 * the columns verify hashes, through SQLite. Best of 2, in seconds. */
static double lite_baseline(const char *path)
{
    static const char *const reads[] = {
        "SELECT seq, at, actor, terminal, action, subject, detail, content, prev_hash, hash,"
        " chain FROM audit ORDER BY chain, seq",
        "SELECT * FROM sales ORDER BY id",
        "SELECT * FROM waste_records ORDER BY id",
        "SELECT * FROM sale_lines ORDER BY sale_id, line_no",
        "SELECT * FROM ledger ORDER BY id",
        "SELECT * FROM charge_requests ORDER BY request_id",
    };
    double best = 1e9;
    sqlite3 *c;

    if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        city_die(c, "opening the audited city");
    for (int run = 0; run < 2; run++) {
        double t0 = bench_now_s();
        long bytes = 0;
        for (size_t q = 0; q < sizeof reads / sizeof reads[0]; q++) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(c, reads[q], -1, &st, NULL) != SQLITE_OK)
                city_die(c, reads[q]);
            while (sqlite3_step(st) == SQLITE_ROW)
                for (int i = 0; i < sqlite3_column_count(st); i++)
                    bytes += sqlite3_column_bytes(st, i), (void)sqlite3_column_text(st, i);
            sqlite3_finalize(st);
        }
        double t = bench_now_s() - t0;
        if (t < best)
            best = t;
        (void)bytes;
    }
    sqlite3_close(c);
    return best;
}

/* Runs verify on target, best of runs; *peak_mb gets the most memory a run
 * held (its peak resident size, MB). Dies when a run failed or found a
 * problem. */
static double time_verify(const char *build, const char *target, int runs, double *peak_mb)
{
    char prog[512];
    double best = 1e9;

    snprintf(prog, sizeof prog, "%s/cleanplate-office", build);
    *peak_mb = 0;
    for (int run = 0; run < runs; run++) {
        double t0 = bench_now_s(), t;
        struct rusage ru;
        int status;
        pid_t pid = fork();
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stdout))
                _exit(127);
            execl(prog, prog, "--db", target, "verify", (char *)NULL);
            _exit(127);
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench_verify: cleanplate-office verify failed or found problems\n");
            exit(1);
        }
        t = bench_now_s() - t0;
        if (t < best)
            best = t;
        if (ru.ru_maxrss / 1024.0 > *peak_mb)
            *peak_mb = ru.ru_maxrss / 1024.0; /* KiB to MiB */
    }
    return best;
}

/* The same rows read once on PostgreSQL, through psql's COPY (the least
 * reading them costs there: no per-row work in the client), best of 2. */
static double pg_baseline(const char *target)
{
    static const char *const reads[] = {
        "COPY (SELECT seq, at, actor, terminal, action, subject, detail, content, prev_hash,"
        " hash, chain FROM audit ORDER BY chain, seq) TO STDOUT",
        "COPY (SELECT * FROM sales ORDER BY id) TO STDOUT",
        "COPY (SELECT * FROM waste_records ORDER BY id) TO STDOUT",
        "COPY (SELECT * FROM sale_lines ORDER BY sale_id, line_no) TO STDOUT",
        "COPY (SELECT * FROM ledger ORDER BY id) TO STDOUT",
        "COPY (SELECT * FROM charge_requests ORDER BY request_id) TO STDOUT",
    };
    double best = 1e9;

    for (int run = 0; run < 2; run++) {
        double t0 = bench_now_s();
        for (size_t q = 0; q < sizeof reads / sizeof reads[0]; q++) {
            int status;
            pid_t pid = fork();
            if (pid == 0) {
                if (!freopen("/dev/null", "w", stdout))
                    _exit(127);
                execlp("psql", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-c",
                       reads[q], (char *)NULL);
                _exit(127);
            }
            if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
                WEXITSTATUS(status) != 0)
                die("reading the rows with psql");
        }
        double t = bench_now_s() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

/* Measures verify on target (the engine's name in engine) beside the
 * baseline base (what it is in baseline) and emits the two rows. */
static void measure(const char *build, const char *target, const char *engine, double base,
                    const char *baseline)
{
    char name[2][120], label[2][200];
    double t, peak;

    fprintf(stderr, "verify on %s: cleanplate-office verify...\n", engine);
    t = time_verify(build, target, 1, &peak);
    snprintf(name[0], sizeof name[0], "verify, the month's audit log (%s)", engine);
    snprintf(name[1], sizeof name[1], "verify's peak memory (%s)", engine);
    bench_row_emit("verify", &(bench_row){city_label(name[0], label[0], sizeof label[0]),
                                           t, "s", baseline, base, 0, NULL, 0});
    bench_row_emit("verify", &(bench_row){city_label(name[1], label[1], sizeof label[1]),
                                           peak, "MiB", NULL, 0, 0, NULL, 0});
}

int main(int argc, char **argv)
{
    const char *build = argc > 1 ? argv[1] : "build";
    const char *pg = getenv("CLEANPLATE_BENCH_PG");
    char city[512], path[600], schema[64], target[1200];
    double base;

    city_path(build, city, sizeof city);
    audited_path(city, path, sizeof path);
    setenv("CLEANPLATE_NOW", "2026-12-05T09:00:00", 1);
    if (!audited_ready(path)) {
        city_make(city);
        audited_make(city, path);
    } else {
        fprintf(stderr, "using %s (delete it to make it anew)\n", path);
    }
    fprintf(stderr, "verify on SQLite: every row read once, best of 2...\n");
    base = lite_baseline(path);
    measure(build, path, "SQLite", base, "every row it reads, read once (one query a table)");
    if (!pg || !*pg) {
        fprintf(stderr, "(no CLEANPLATE_BENCH_PG: PostgreSQL not measured)\n");
        return 0;
    }
    pgload_schema(path, pg, "cp_bench_verify", schema, target);
    fprintf(stderr, "verify on PostgreSQL: every row read once, best of 2...\n");
    base = pg_baseline(target);
    measure(build, target, "PostgreSQL", base,
            "every row it reads, read once (psql COPY, one a table)");
    pgload_drop(pg, schema, argc > 2 && strcmp(argv[2], "--keep") == 0);
    return 0;
}
