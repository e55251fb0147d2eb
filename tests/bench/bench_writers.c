/* bench_writers: charges per second with 1 and 8 terminals charging at once, on SQLite and on PostgreSQL.
 *
 * Usage: bench_writers BUILD_DIR [TAPS_PER_TERMINAL]
 * Each terminal is a process of its own with its own connection, charging
 * its own diners (one lunch each) through ledger_charge() with a request id:
 * every rule, the sale, the ledger, the wallet, the request and the audit
 * entry, in one write transaction. The terminals start together; the rate is
 * all their charges over the time until the last one finished.
 *   SQLite      a file (WAL, synchronous=FULL) in a temporary folder: always;
 *   PostgreSQL  a new schema on the server that CLEANPLATE_BENCH_PG names (a
 *               URI or key=value string), dropped afterwards: only when it is
 *               set. Use a server that syncs its commits (fsync and
 *               synchronous_commit on, as by default) for a fair comparison.
 * The PostgreSQL rows have the SQLite figure of the same run as baseline.
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/csvread.h"
#include "core/db.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "tests/bench/bench.h"

#define MAX_TERMINALS 8

static void die(const char *what)
{
    fprintf(stderr, "bench_writers: %s: %s\n", what, cp_detail());
    exit(1);
}

/* A canteen with POS1..POS8 and n staff diners with cards 1..n, each granted
 * 20 yuan of subsidy: two lunches. */
static void make_canteen(const char *target, int n)
{
    static const char depts[] = "code,name,parent_code\nD1,bench,\n";
    size_t size = 64 + (size_t)n * 48, len = 0;
    char *csv = malloc(size), term[8];
    csv_table *t = NULL;
    import_counts counts;
    long granted;
    db *d;

    if (!csv)
        die("out of memory");
    if (db_open(target, DB_OPEN_CREATE, &d) || db_migrate(d) ||
        canteen_add(d, "C1", "bench", "bench") ||
        canteen_set_period(d, "C1", "lunch", "11:00-13:30", "bench") ||
        canteen_set_price(d, "C1", "lunch", "staff", 800, "bench"))
        die("setting up");
    for (int i = 1; i <= MAX_TERMINALS; i++) {
        snprintf(term, sizeof term, "POS%d", i);
        if (canteen_add_terminal(d, term, "C1", "pos", "bench"))
            die("adding terminals");
    }
    if (csvread_buffer("d.csv", depts, strlen(depts), &t) ||
        diners_import_departments(d, t, "d.csv", "bench", &counts))
        die("importing the department");
    csvread_free(t);
    len += (size_t)snprintf(csv, size, "staff_no,name,department_code,category,card\n");
    for (int i = 1; i <= n; i++)
        len += (size_t)snprintf(csv + len, size - len, "S%d,diner,D1,staff,%010d\n", i, i);
    if (csvread_buffer("s.csv", csv, len, &t) ||
        diners_import(d, t, "s.csv", "bench", &counts))
        die("importing diners");
    csvread_free(t);
    free(csv);
    if (ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 2000, NULL, NULL}, "bench", &granted))
        die("granting");
    db_close(d);
}

/* Terminal POS<w+1>: waits for go, charges cards w*taps+1.. and writes the
 * latency of each charge (microseconds, as doubles) to out. */
static void terminal(const char *target, int w, int taps, int go, int out)
{
    char term[8], card[16], reqid[48];
    charge_res res;
    db *d;
    char c;

    snprintf(term, sizeof term, "POS%d", w + 1);
    if (db_open(target, DB_OPEN_EXISTING, &d))
        die("opening");
    if (read(go, &c, 1) != 1)
        _exit(1);
    for (int i = 0; i < taps; i++) {
        charge_req req = {.terminal = term, .card_no = card, .request_id = reqid,
                          .actor = "bench"};
        double t0 = bench_now_us(), us;
        snprintf(card, sizeof card, "%010d", w * taps + i + 1);
        snprintf(reqid, sizeof reqid, "%s:%d", term, i + 1);
        if (ledger_charge(d, &req, &res) || res.result != CP_OK)
            die(res.message[0] ? res.message : "charging");
        us = bench_now_us() - t0;
        if (write(out, &us, sizeof us) != (ssize_t)sizeof us)
            _exit(1);
    }
    db_close(d);
    _exit(0);
}

/* Runs n terminals at once on target; returns charges per second, and the
 * p99 latency in ms in *p99. */
static double run(const char *target, int n, int taps, double *p99)
{
    int go[2], lat[2], status, got = 0;
    double *v = malloc(sizeof *v * (size_t)(n * taps)), t0, secs;
    pid_t pids[MAX_TERMINALS];
    ssize_t r;

    if (!v || pipe(go) || pipe(lat))
        die("pipes");
    for (int w = 0; w < n; w++) {
        if ((pids[w] = fork()) == 0) {
            close(go[1]);
            close(lat[0]);
            terminal(target, w, taps, go[0], lat[1]);
        }
    }
    close(go[0]);
    close(lat[1]);
    sleep(1); /* every terminal has connected */
    t0 = bench_now_s();
    for (int w = 0; w < n; w++)
        if (write(go[1], "g", 1) != 1)
            die("starting");
    while (got < n * taps && (r = read(lat[0], &v[got], sizeof *v)) == (ssize_t)sizeof *v)
        got++;
    secs = bench_now_s() - t0;
    for (int w = 0; w < n; w++)
        if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            die("a terminal failed");
    close(go[1]);
    close(lat[0]);
    if (got != n * taps)
        die("a terminal stopped early");
    *p99 = bench_percentile(v, got, 99) / 1000;
    free(v);
    return got / secs;
}

/* A new schema on the server base, as a target whose search path is it. */
static void pg_schema(const char *base, const char *name, char *target, size_t size, int create)
{
    char sql[160];
    db *d;

    snprintf(sql, sizeof sql, create ? "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s"
                                     : "DROP SCHEMA %s CASCADE", name, name);
    if (db_open(base, DB_OPEN_CREATE, &d) || db_exec(d, sql))
        die("making a schema on CLEANPLATE_BENCH_PG");
    db_close(d);
    if (db_target_in_schema(base, name, target, size))
        die("naming the schema");
}

int main(int argc, char **argv)
{
    static const int terminals[] = {1, MAX_TERMINALS};
    int taps = argc > 2 ? atoi(argv[2]) : 300;
    const char *pg = getenv("CLEANPLATE_BENCH_PG");
    char dir[] = "/tmp/cp-bench-writers-XXXXXX", file[64], target[1024], schema[64];
    double lite[2], lite_p99[2];

    setenv("CLEANPLATE_NOW", "2026-11-20T12:00:00", 1);
    if (taps < 1 || !mkdtemp(dir))
        die("usage: bench_writers BUILD_DIR [TAPS_PER_TERMINAL]");
    for (int k = 0; k < 2; k++) {
        int n = terminals[k];
        char name[96], cmd[256];
        snprintf(file, sizeof file, "%s/t%d.db", dir, n);
        fprintf(stderr, "SQLite, %d terminal%s x %d charges...\n", n, n > 1 ? "s" : "", taps);
        make_canteen(file, n * taps);
        lite[k] = run(file, n, taps, &lite_p99[k]);
        snprintf(name, sizeof name, "SQLite: charges/s, %d terminal%s at once", n,
                 n > 1 ? "s" : "");
        bench_row_emit("writers", &(bench_row){name, lite[k], "1/s", NULL, 0, 0, NULL, 0});
        snprintf(name, sizeof name, "SQLite: charge p99, %d terminal%s at once", n,
                 n > 1 ? "s" : "");
        bench_row_emit("writers", &(bench_row){name, lite_p99[k], "ms", NULL, 0, 0, NULL, 0});
        snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm", file, file, file);
        if (system(cmd) != 0)
            die("removing the file");
    }
    rmdir(dir);
    if (!pg || !*pg) {
        fprintf(stderr, "(no CLEANPLATE_BENCH_PG: PostgreSQL not measured)\n");
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        int n = terminals[k];
        double rate, p99;
        char name[96];
        snprintf(schema, sizeof schema, "cp_bench_%d_%d", (int)getpid(), n);
        pg_schema(pg, schema, target, sizeof target, 1);
        fprintf(stderr, "PostgreSQL, %d terminal%s x %d charges...\n", n, n > 1 ? "s" : "",
                taps);
        make_canteen(target, n * taps);
        rate = run(target, n, taps, &p99);
        snprintf(name, sizeof name, "PostgreSQL: charges/s, %d terminal%s at once", n,
                 n > 1 ? "s" : "");
        bench_row_emit("writers", &(bench_row){name, rate, "1/s", "SQLite, same terminals",
                                               lite[k], 0, NULL, 0});
        snprintf(name, sizeof name, "PostgreSQL: charge p99, %d terminal%s at once", n,
                 n > 1 ? "s" : "");
        bench_row_emit("writers", &(bench_row){name, p99, "ms", "SQLite, same terminals",
                                               lite_p99[k], 0, NULL, 0});
        pg_schema(pg, schema, target, sizeof target, 0);
    }
    return 0;
}
