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
 *               set (make bench starts a throw-away one that syncs its
 *               commits, tests/bench/run.sh). Use a server that syncs (fsync
 *               and synchronous_commit on, as by default) for a fair
 *               comparison.
 * The PostgreSQL rows have the SQLite figure of the same run as baseline.
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/db.h"
#include "tests/bench/bench.h"
#include "tests/bench/terminals.h"

#define MAX_TERMINALS 8

static void die(const char *what)
{
    fprintf(stderr, "bench_writers: %s: %s\n", what, cp_detail());
    exit(1);
}

/* Runs n terminals at once on target, in the store's default way of
 * meeting; returns charges per second, and the p99 latency in ms in *p99. */
static double run(const char *target, int n, int taps, double *p99)
{
    term_plan p = {.target = target, .terminals = n, .taps = taps, .writers = -1};
    term_result r;

    term_canteen(target, term_diners(&p));
    term_run(&p, &r);
    *p99 = r.p99_ms;
    return r.rate;
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
        term_schema(pg, schema, target, sizeof target, 1);
        fprintf(stderr, "PostgreSQL, %d terminal%s x %d charges...\n", n, n > 1 ? "s" : "",
                taps);
        rate = run(target, n, taps, &p99);
        snprintf(name, sizeof name, "PostgreSQL: charges/s, %d terminal%s at once", n,
                 n > 1 ? "s" : "");
        bench_row_emit("writers", &(bench_row){name, rate, "1/s", "SQLite, same terminals",
                                               lite[k], 0, NULL, 0});
        snprintf(name, sizeof name, "PostgreSQL: charge p99, %d terminal%s at once", n,
                 n > 1 ? "s" : "");
        bench_row_emit("writers", &(bench_row){name, p99, "ms", "SQLite, same terminals",
                                               lite_p99[k], 0, NULL, 0});
        term_schema(pg, schema, target, sizeof target, 0);
    }
    return 0;
}
