/* bench_pg: charges on PostgreSQL beside pgbench on the same server, and the ways writers meet measured against one another.
 *
 * Usage: bench_pg BUILD_DIR [SECONDS]
 * On the server CLEANPLATE_BENCH_PG names: make bench starts a throw-away one
 * that syncs every commit as a real server does (fsync, synchronous_commit
 * and full_page_writes on) and is reached over its local socket
 * (tests/bench/run.sh); nothing is measured when it is not set.
 *   baseline  pgbench's built-in TPC-B-like transaction (three UPDATEs, a
 *             SELECT and an INSERT) in a database of its own, initialised
 *             with scale 32 (as many branches as clients: pgbench's advice),
 *             run for SECONDS (8) with 1, 8 and 32 clients: its transactions
 *             per second, and the p50 and p99 of its per-transaction log;
 *   charges   right after each, as many terminals charging at once, each a
 *             process of its own (tests/bench/terminals.h), in a schema of
 *             their own, as the store meets writers by default (core/db.h,
 *             DB_WRITERS_DEFAULT): 1 x 500 taps, 8 x 200 and 32 x 50,
 *             each diner once, each terminal tapping again as soon as it
 *             has its answer (the most the store can take);
 *   paced     8 and 32 terminals again, each tapping at random times 100 ms
 *             apart on average for 20 s (term_plan.pace_ms), a tap's time
 *             counted from when it was due; beside pgbench at the same
 *             rate (-R), counted the same way: the p99 a diner waits while
 *             the store is busy but not flooded;
 *   writers  the ways writers meet (db_writers) with 8 and 32 terminals,
 *             charging different cards (as above) and the same card (pairs of
 *             terminals sending the same request ids at once, the money and
 *             the meal limit running out halfway), beside the one writers'
 *             lock: answers per second that were not busy (a busy answer
 *             charged nothing), p99, retries, and whether every
 *             invariant held (terminals.h, term_books: no overspend, no
 *             limit passed, no request charged twice, verify passes).
 *   trips     the round trips to the server of one charge (core/db_pg.c
 *             writes a line per round trip to $CLEANPLATE_PG_TRACE): ten
 *             charges after one that prepared the statements, each listed
 *             on stderr; beside pgbench's transaction, seven statements,
 *             each a round trip.
 * The rows of the last group have the one lock's figures as baseline.
 * With a third argument "default", only the store's default way is
 * measured (not the writers group): a quicker run while working on it.
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db.h"
#include "core/ledger.h"
#include "tests/bench/bench.h"
#include "tests/bench/terminals.h"

#define PGBENCH_SCALE "32"
/* pgbench's TPC-B-like transaction: BEGIN, three UPDATEs, a SELECT, an
 * INSERT and END, each sent on its own (its default simple protocol). */
#define PGBENCH_TRIPS 7
#define TRIP_CHARGES 10
/* The paced runs: each terminal taps every PACE_MS on average (a serving
 * line takes some 5 s a diner: this is 50 lines' lunch rush at each
 * terminal), for PACED_SECONDS, and pgbench at the same rate. */
#define PACE_MS 100
#define PACED_SECONDS 20

static const char *const mode_names[] = {
    [DB_WRITERS_ONE_LOCK] = "one writers' lock",
    [DB_WRITERS_ROW_LOCKS] = "row locks",
    [DB_WRITERS_SERIALIZABLE] = "serializable + retry",
};

/* What one pgbench run measured. */
typedef struct pgb {
    double tps, p50_ms, p99_ms;
} pgb;

static void die(const char *what)
{
    fprintf(stderr, "bench_pg: %s: %s\n", what, cp_detail());
    exit(1);
}

/* The target that opens database name on base's server (libpq takes
 * dbname among a URI's parameters; in key=value strings the last wins). */
static void target_with_db(const char *base, const char *name, char *out, size_t size)
{
    int n = strstr(base, "://") ? snprintf(out, size, "%s%cdbname=%s", base,
                                           strchr(base, '?') ? '&' : '?', name)
                                : snprintf(out, size, "%s dbname=%s", base, name);
    if (n < 0 || (size_t)n >= size)
        die("the target is too long");
}

/* Runs sql (one statement) on base's server. */
static void server_exec(const char *base, const char *sql)
{
    db *d;

    if (db_open(base, DB_OPEN_CREATE, &d) || db_exec(d, sql))
        die(sql);
    db_close(d);
}

/* Says on stderr whether the server syncs its commits (the figures are a
 * real server's only when it does). */
static void say_server(const char *base)
{
    db_stmt *st = NULL;
    db *d;

    if (db_open(base, DB_OPEN_CREATE, &d) ||
        db_prepare_once(d, "SELECT current_setting('server_version'), current_setting('fsync'),"
                           " current_setting('synchronous_commit'),"
                           " coalesce(inet_server_addr()::text, 'local socket')", &st) ||
        db_step(st) != DB_ROW)
        die("reading the server's settings");
    fprintf(stderr, "PostgreSQL %s, fsync %s, synchronous_commit %s, over %s\n",
            db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3));
    if (strcmp(db_col_text(st, 1), "on") != 0 || strcmp(db_col_text(st, 2), "on") != 0)
        fprintf(stderr, "bench_pg: this server does not sync its commits: the figures are "
                        "not a real server's\n");
    db_finalize(st);
    db_close(d);
}

/* Runs pgbench with args (NULL-terminated), its output to log; dies when it fails. */
static void pgbench(const char *const *args, const char *log)
{
    const char *argv[24];
    int n = 0, status;
    pid_t pid;

    argv[n++] = "pgbench";
    for (; *args && n < 23; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    if ((pid = fork()) == 0) {
        if (!freopen(log, "w", stdout) || dup2(fileno(stdout), 2) < 0)
            _exit(127);
        execvp("pgbench", (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench_pg: pgbench failed (is postgresql-client installed?); its "
                        "output is in %s\n", log);
        exit(1);
    }
}

/* The latencies (ms) of pgbench's per-transaction logs dir/prefix.*: the
 * third field of each line, in microseconds. Caller frees *v. */
static long read_latencies(const char *dir, const char *prefix, double **v)
{
    size_t len = strlen(prefix), cap = 1 << 16;
    long n = 0;
    struct dirent *e;
    DIR *dp = opendir(dir);

    *v = malloc(cap * sizeof **v);
    if (!dp || !*v)
        die("reading pgbench's logs");
    while ((e = readdir(dp))) {
        char path[1024], line[256];
        FILE *f;
        if (strncmp(e->d_name, prefix, len) != 0 || e->d_name[len] != '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!(f = fopen(path, "r")))
            die("opening a pgbench log");
        while (fgets(line, sizeof line, f)) {
            long client, tx, us;
            if (sscanf(line, "%ld %ld %ld", &client, &tx, &us) != 3)
                continue;
            if ((size_t)n == cap && !(*v = realloc(*v, (cap *= 2) * sizeof **v)))
                die("out of memory");
            (*v)[n++] = (double)us / 1000;
        }
        fclose(f);
        unlink(path);
    }
    closedir(dp);
    return n;
}

/* pgbench's transaction with clients clients for seconds on target; with
 * rate > 0, at that many transactions a second in all (--rate: random
 * times, each transaction's latency counted from when it was due). */
static void pgbench_run(const char *target, const char *dir, int clients, const char *seconds,
                        int rate, pgb *out)
{
    char c[8], j[8], r[16], prefix[600], log[600], line[256], name[32];
    const char *args[16] = {"-n", "-c", c, "-j", j, "-T", seconds, "-l", "--log-prefix", prefix};
    int k = 10;
    double *v;
    long n;
    FILE *f;

    snprintf(c, sizeof c, "%d", clients);
    snprintf(j, sizeof j, "%d", clients > 1 ? 2 : 1); /* threads: the machine's cores */
    snprintf(r, sizeof r, "%d", rate);
    snprintf(name, sizeof name, "pgbench-c%d", clients);
    snprintf(prefix, sizeof prefix, "%s/%s", dir, name);
    snprintf(log, sizeof log, "%s/%s.out", dir, name);
    fprintf(stderr, "pgbench -c %d -T %s%s%s...\n", clients, seconds, rate ? " -R " : "",
            rate ? r : "");
    if (rate) {
        args[k++] = "-R";
        args[k++] = r;
    }
    args[k++] = target;
    args[k] = NULL;
    pgbench(args, log);
    out->tps = 0;
    if (!(f = fopen(log, "r")))
        die("reading pgbench's output");
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "tps = %lf", &out->tps) == 1)
            break;
    fclose(f);
    unlink(log);
    n = read_latencies(dir, name, &v);
    if (out->tps <= 0 || n < 1)
        die("pgbench gave no figures");
    out->p50_ms = bench_percentile(v, (int)n, 50);
    out->p99_ms = bench_percentile(v, (int)n, 99);
    free(v);
    fprintf(stderr, "  pgbench -c %d: %.0f tps, p50 %.2f ms, p99 %.2f ms (%ld transactions)\n",
            clients, out->tps, out->p50_ms, out->p99_ms, n);
}

/* One run of terminals in a new schema of base's server: a canteen for plan
 * p, the run, the books checked; *held says whether every invariant held. */
static void charges_run(const char *build, const char *base, term_plan *p, term_result *r,
                        int *held)
{
    static int runs;
    char schema[64], target[1200], why[256];
    int64_t money_in;
    long expected = -1;

    snprintf(schema, sizeof schema, "cp_bench_pg_%d_%d", (int)getpid(), ++runs);
    term_schema(base, schema, target, sizeof target, 1);
    p->target = target;
    if (p->same_card) {
        /* the money and the meal limit both end at half the requests sent
         * (terminals 2k and 2k+1 send the same ones) */
        long half = (long)p->terminals / 2 * p->taps / 2;
        db *d;
        term_canteen(target, term_diners(p));
        if (db_open(target, DB_OPEN_EXISTING, &d) ||
            ledger_topup(d, "S1", half * TERM_PRICE - TERM_SUBSIDY, "bench", NULL) ||
            canteen_set_rules(d, "staff", (int)half, -1, 0, "bench"))
            die("topping up the card");
        db_close(d);
        money_in = half * TERM_PRICE + (int64_t)p->terminals * TERM_SUBSIDY;
        expected = half;
    } else {
        term_canteen(target, term_diners(p));
        money_in = (int64_t)term_diners(p) * TERM_SUBSIDY;
    }
    fprintf(stderr, "%d terminal%s x %d taps%s, %s, %s...\n", p->terminals,
            p->terminals > 1 ? "s" : "", p->taps, p->pace_ms > 0 ? " at a pace" : "",
            p->same_card ? "the same card" : "own cards", mode_names[p->writers]);
    term_run(p, r);
    *held = term_books(build, p, r, expected, money_in, why, sizeof why);
    fprintf(stderr, "  %.0f answers/s, p50 %.2f ms, p99 %.2f ms; %ld charged, %ld refused, "
                    "%ld repeated, %ld busy, %ld retries; invariants %s%s\n",
            r->rate, r->p50_ms, r->p99_ms, r->charged, r->refused, r->repeated, r->busy,
            r->retries, *held ? "held" : "BROKEN: ", *held ? "" : why);
    p->target = NULL;
    term_schema(base, schema, target, sizeof target, 0);
}

/* The lines of the file at path (0 when there is none); those from line
 * show (from 0) on are shown on stderr, none when show is negative. */
static long count_lines(const char *path, long show)
{
    char line[512];
    long n = 0;
    FILE *f = fopen(path, "r");

    while (f && fgets(line, sizeof line, f)) {
        if (show >= 0 && n >= show)
            fprintf(stderr, "    %2ld %.160s", n + 1 - show, line);
        n++;
    }
    if (f)
        fclose(f);
    return n;
}

/* One charge of card n at terminal POS1. */
static void charge_card(db *d, int n)
{
    if (!term_charge_card(d, "POS1", n, "trips:"))
        die("charging");
}

/* The round trips of one charge in the store's default way, counted from
 * the engine's trace; the trips of the first charge after it are listed. */
static double trips_per_charge(const char *base)
{
    char schema[64], target[1200], path[] = "/tmp/cp-bench-trips-XXXXXX";
    long before, after;
    db *d;
    int fd = mkstemp(path);

    if (fd < 0)
        die("making a temporary file");
    close(fd);
    snprintf(schema, sizeof schema, "cp_bench_trips_%d", (int)getpid());
    term_schema(base, schema, target, sizeof target, 1);
    term_canteen(target, 2 * TRIP_CHARGES + 2);
    setenv("CLEANPLATE_NOW", "2026-11-20T12:00:00", 1);
    setenv("CLEANPLATE_PG_TRACE", path, 1);
    if (db_open(target, DB_OPEN_EXISTING, &d))
        die("opening the store");
    charge_card(d, 1); /* prepares its statements */
    before = count_lines(path, -1);
    charge_card(d, 2);
    fprintf(stderr, "the round trips of one charge (how, statements, the last one):\n");
    count_lines(path, before);
    for (int i = 1; i < TRIP_CHARGES; i++)
        charge_card(d, 2 + i);
    after = count_lines(path, -1); /* not the closing of the statements */
    db_close(d);
    unsetenv("CLEANPLATE_PG_TRACE");
    unsetenv("CLEANPLATE_NOW");
    term_schema(base, schema, target, sizeof target, 0);
    unlink(path);
    fprintf(stderr, "  %.1f round trips a charge\n", (double)(after - before) / TRIP_CHARGES);
    return (double)(after - before) / TRIP_CHARGES;
}

static void row(const char *name, double value, const char *unit, const char *baseline,
                double base, const char *goal, int met)
{
    bench_row_emit("pg", &(bench_row){name, value, unit, baseline, base, 0, goal, met});
}

/* The rows of one terminal against pgbench -c 1. */
static void rows_one(const term_result *r, const pgb *b)
{
    row("1 terminal: tap to committed charge, p50", r->p50_ms, "ms",
        "pgbench -c 1 (TPC-B-like), p50", b->p50_ms, "<= 2x pgbench",
        r->p50_ms <= 2 * b->p50_ms);
    row("1 terminal: tap to committed charge, p99", r->p99_ms, "ms",
        "pgbench -c 1 (TPC-B-like), p99", b->p99_ms, NULL, 0);
}

/* The rows of n terminals against pgbench -c n. */
static void rows_many(int n, const term_result *r, const pgb *b)
{
    char name[96], base[64];

    snprintf(name, sizeof name, "%d terminals at once: charges/s", n);
    snprintf(base, sizeof base, "pgbench -c %d (TPC-B-like), tps", n);
    row(name, r->rate, "1/s", base, b->tps, ">= 0.5x pgbench", r->rate >= 0.5 * b->tps);
    snprintf(name, sizeof name, "%d terminals at once: charge p99", n);
    snprintf(base, sizeof base, "pgbench -c %d (TPC-B-like), p99", n);
    row(name, r->p99_ms, "ms", base, b->p99_ms, "< 20 ms", r->p99_ms < 20);
}

/* The rows of n terminals at a pace (PACE_MS) against pgbench at the same
 * rate: the wait a diner sees while the store is busy but not flooded. */
static void rows_paced(int n, const term_result *r, const pgb *b)
{
    char name[128], base[96];

    snprintf(name, sizeof name, "%d terminals, a tap every %d ms each: charge p99", n, PACE_MS);
    snprintf(base, sizeof base, "pgbench -c %d -R %d (TPC-B-like), p99", n, n * 1000 / PACE_MS);
    row(name, r->p99_ms, "ms", base, b->p99_ms, "< 20 ms", r->p99_ms < 20);
}

/* Answers a second that were not busy: a busy answer charged nothing (the
 * diner taps again), so a way that gives up on some requests does not look
 * faster for answering them quickly. */
static double done_rate(const term_result *r)
{
    return r->answers ? r->rate * (double)(r->answers - r->busy) / (double)r->answers : 0;
}

/* The rows of one way writers meet in one case, beside the one lock's. */
static void rows_mode(int mode, const char *what, const term_result *r, int held,
                      const term_result *lock)
{
    char name[192], busy[32] = "";
    const char *base = mode == DB_WRITERS_ONE_LOCK ? NULL : "one writers' lock, same case";

    if (r->busy)
        snprintf(busy, sizeof busy, ", %ld busy", r->busy);
    snprintf(name, sizeof name, "%s, %s: answers/s, not busy (%ld retries%s)", what,
             mode_names[mode], r->retries, busy);
    row(name, done_rate(r), "1/s", base, done_rate(lock), "every invariant holds", held);
    if (!base)
        return;
    snprintf(name, sizeof name, "%s, %s: p99", what, mode_names[mode]);
    row(name, r->p99_ms, "ms", base, lock->p99_ms, NULL, 0);
}

/* Says on stderr which of row locks and serializable + retry answered more
 * charges a second (not busy) in one case, and how many the latter left busy: the
 * store's default (DB_WRITERS_DEFAULT) is the one chosen from these. */
static void say_choice(const char *what, const term_result *r)
{
    double rows = done_rate(&r[DB_WRITERS_ROW_LOCKS]), ser = done_rate(&r[DB_WRITERS_SERIALIZABLE]);

    fprintf(stderr, "  %s: %s faster (%.0f against %.0f answers/s, not busy; serializable "
                    "left %ld busy); the store's default is %s\n", what,
            rows >= ser ? "row locks" : "serializable + retry", rows >= ser ? rows : ser,
            rows >= ser ? ser : rows, r[DB_WRITERS_SERIALIZABLE].busy,
            mode_names[DB_WRITERS_DEFAULT]);
}

int main(int argc, char **argv)
{
    static const int clients[] = {1, 8, 32}, taps[] = {500, 200, 50};
    const char *build = argc > 1 ? argv[1] : "build";
    const char *seconds = argc > 2 ? argv[2] : "8";
    int only_default = argc > 3 && strcmp(argv[3], "default") == 0;
    const char *pg = getenv("CLEANPLATE_BENCH_PG");
    char dir[] = "/tmp/cp-bench-pg-XXXXXX", dbname[64], pgbench_db[1200], sql[128];
    term_result dflt[5], r[2][3];
    int dflt_held[5], held[2][3];
    double t0 = bench_now_s();

    if (!pg || !*pg) {
        fprintf(stderr, "(no CLEANPLATE_BENCH_PG: PostgreSQL not measured)\n");
        return 0;
    }
    if (!mkdtemp(dir))
        die("making a temporary folder");
    say_server(pg);
    row("1 charge: round trips to the server", trips_per_charge(pg), "trips",
        "pgbench's TPC-B-like transaction, statements", PGBENCH_TRIPS, NULL, 0);

    snprintf(dbname, sizeof dbname, "cp_bench_pgbench_%d", (int)getpid());
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    server_exec(pg, sql);
    target_with_db(pg, dbname, pgbench_db, sizeof pgbench_db);
    fprintf(stderr, "pgbench -i -s %s...\n", PGBENCH_SCALE);
    {
        char log[600];
        snprintf(log, sizeof log, "%s/pgbench-init.out", dir);
        pgbench((const char *const[]){"-i", "-q", "-s", PGBENCH_SCALE, pgbench_db, NULL}, log);
        unlink(log);
    }

    /* pgbench and the charges by turns, so that the machine's other load
     * falls on both alike */
    for (int k = 0; k < 3; k++) {
        term_plan p = {.terminals = clients[k], .taps = taps[k], .writers = DB_WRITERS_DEFAULT};
        pgb b;
        pgbench_run(pgbench_db, dir, clients[k], seconds, 0, &b);
        charges_run(build, pg, &p, &dflt[k], &dflt_held[k]);
        if (k == 0)
            rows_one(&dflt[k], &b);
        else
            rows_many(clients[k], &dflt[k], &b);
    }
    /* The same terminals at a pace, and pgbench at the same rate. A closed
     * loop measures the most the store can take, and the p99 there is the
     * queue's length: with n terminals always waiting, a charge waits on
     * average n / (charges a second), whatever the store does (Little's
     * law; pgbench -c 32's own p99 is some 60 ms on two cores). */
    for (int k = 1; k < 3; k++) {
        term_plan p = {.terminals = clients[k], .taps = PACED_SECONDS * 1000 / PACE_MS,
                       .writers = DB_WRITERS_DEFAULT, .pace_ms = PACE_MS};
        char secs[8];
        pgb b;
        snprintf(secs, sizeof secs, "%d", PACED_SECONDS);
        pgbench_run(pgbench_db, dir, clients[k], secs, clients[k] * 1000 / PACE_MS, &b);
        charges_run(build, pg, &p, &dflt[2 + k], &dflt_held[2 + k]);
        rows_paced(clients[k], &dflt[2 + k], &b);
    }
    snprintf(sql, sizeof sql, "DROP DATABASE %s", dbname);
    server_exec(pg, sql);
    rmdir(dir);

    for (int same = 0; same < 2 && !only_default; same++) {
        for (int k = 1; k < 3; k++) {
            char what[64];
            snprintf(what, sizeof what, "%d terminals, %s", clients[k],
                     same ? "the same card" : "own cards");
            for (int m = 0; m < 3; m++) {
                term_plan p = {.terminals = clients[k], .taps = taps[k], .same_card = same,
                               .writers = m};
                if (!same && m == DB_WRITERS_DEFAULT) {
                    r[k - 1][m] = dflt[k]; /* measured above */
                    held[k - 1][m] = dflt_held[k];
                } else {
                    charges_run(build, pg, &p, &r[k - 1][m], &held[k - 1][m]);
                }
            }
            for (int m = 0; m < 3; m++)
                rows_mode(m, what, &r[k - 1][m], held[k - 1][m], &r[k - 1][DB_WRITERS_ONE_LOCK]);
            say_choice(what, r[k - 1]);
        }
    }
    fprintf(stderr, "bench_pg: %.0f s\n", bench_now_s() - t0);
    for (int k = 0; k < 5; k++)
        if (!dflt_held[k]) {
            fprintf(stderr, "bench_pg: an invariant was broken in the default way (above)\n");
            return 1;
        }
    return 0;
}
