/* terminals: a canteen and charging terminals for the benchmarks, each terminal a process of its own.
 *
 * term_canteen makes the canteen; term_run starts the terminals together and
 * gathers every answer's latency; term_books checks afterwards that the
 * store holds exactly what the answers said. Each terminal opens its own
 * connection and charges through ledger_charge() with a request id: every
 * rule, the sale, the ledger, the wallet, the request and the audit entry,
 * in one write transaction, as the POS does. */
#ifndef CP_BENCH_TERMINALS_H
#define CP_BENCH_TERMINALS_H

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

#define TERM_MAX 32       /* terminals POS1..POS32 */
#define TERM_PRICE 800    /* a staff lunch, fen */
#define TERM_SUBSIDY 2000 /* granted to every diner for the month, fen */

static inline void term_die(const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, cp_detail());
    exit(1);
}

/* A new schema called name on the server base (created, or dropped when
 * create is 0), as a target whose search path is it, in target. */
static inline void term_schema(const char *base, const char *name, char *target, size_t size,
                               int create)
{
    char sql[256];
    db *d;

    snprintf(sql, sizeof sql, create ? "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s"
                                     : "DROP SCHEMA %s CASCADE", name, name);
    if (db_open(base, DB_OPEN_CREATE, &d) || db_exec(d, sql))
        term_die("making a schema on CLEANPLATE_BENCH_PG");
    db_close(d);
    if (db_target_in_schema(base, name, target, size))
        term_die("naming the schema");
}

/* A canteen at target with POS1..POS<TERM_MAX>, lunch 11:00-13:30 at
 * TERM_PRICE for staff, and n staff diners S1..Sn with cards 1..n, each
 * granted TERM_SUBSIDY of subsidy for 2026-11. */
static inline void term_canteen(const char *target, int n)
{
    static const char depts[] = "code,name,parent_code\nD1,bench,\n";
    size_t size = 64 + (size_t)n * 48, len = 0;
    char *csv = malloc(size), term[8];
    csv_table *t = NULL;
    import_counts counts;
    long granted;
    db *d;

    if (!csv)
        term_die("out of memory");
    if (db_open(target, DB_OPEN_CREATE, &d) || db_migrate(d) ||
        canteen_add(d, "C1", "bench", "bench") ||
        canteen_set_period(d, "C1", "lunch", "11:00-13:30", "bench") ||
        canteen_set_price(d, "C1", "lunch", "staff", TERM_PRICE, "bench"))
        term_die("setting up");
    for (int i = 1; i <= TERM_MAX; i++) {
        snprintf(term, sizeof term, "POS%d", i);
        if (canteen_add_terminal(d, term, "C1", "pos", "bench"))
            term_die("adding terminals");
    }
    if (csvread_buffer("d.csv", depts, strlen(depts), &t) ||
        diners_import_departments(d, t, "d.csv", "bench", &counts))
        term_die("importing the department");
    csvread_free(t);
    len += (size_t)snprintf(csv, size, "staff_no,name,department_code,category,card\n");
    for (int i = 1; i <= n; i++)
        len += (size_t)snprintf(csv + len, size - len, "S%d,diner,D1,staff,%010d\n", i, i);
    if (csvread_buffer("s.csv", csv, len, &t) ||
        diners_import(d, t, "s.csv", "bench", &counts))
        term_die("importing diners");
    csvread_free(t);
    free(csv);
    if (ledger_grant_subsidy(d, &(ledger_grant){"2026-11", TERM_SUBSIDY, NULL, NULL}, "bench",
                             &granted))
        term_die("granting");
    db_close(d);
}

/* Charges card n (numbered as term_canteen numbers them) at terminal, with
 * the request id <prefix><n>, through ledger_charge as a terminal does;
 * whether it was charged. */
static inline int term_charge_card(db *d, const char *terminal, int n, const char *prefix)
{
    char card[16], reqid[48];
    charge_req req = {.terminal = terminal, .card_no = card, .request_id = reqid,
                      .actor = "bench"};
    charge_res res;

    snprintf(card, sizeof card, "%010d", n);
    snprintf(reqid, sizeof reqid, "%s%d", prefix, n);
    return ledger_charge(d, &req, &res) == CP_OK && res.result == CP_OK;
}

/* How the terminals of one run charge. */
typedef struct term_plan {
    const char *target;
    int terminals;  /* 1..TERM_MAX */
    int taps;       /* per terminal */
    /* 0: terminal w taps its own cards w*taps+1.., one lunch each, with
     *    request ids of its own, the clock at 12:00;
     * 1: every terminal taps card 1, at 11:00 + 10 s a tap (never a
     *    duplicate tap at one terminal), terminals 2k and 2k+1 sending the
     *    same request ids at about the same time (a terminal that sends a
     *    request again while the first is still running). */
    int same_card;
    int writers;    /* a db_writers mode, or -1 for the store's default */
    /* 0: each terminal taps again as soon as it has its answer (a closed
     *    loop: the most the store can take);
     * > 0: each terminal taps at random times this many ms apart on
     *    average, as diners come (bench_gap_us, pgbench --rate's schedule),
     *    and a tap's time counts from when it was due: a tap that waits for
     *    the one before it waits in its time, as a diner in the queue does. */
    double pace_ms;
} term_plan;

/* One answer, as a terminal sends it to term_run (a pipe write of this
 * size is atomic). */
typedef struct term_answer {
    double us;      /* from the call to the answer */
    int charged;    /* ok, and not a repeated answer */
    int repeated;   /* a repeated answer (the request had been answered) */
    int busy;       /* not answered (an error: busy, conflicts past the attempts) */
    int retries;    /* runs again after meeting another charge */
} term_answer;

typedef struct term_result {
    double rate;    /* answers per second, all terminals together */
    double p50_ms, p99_ms;
    long answers, charged, refused, repeated, busy, retries;
} term_result;

/* The card terminal w taps once before the run starts, of a diner of its
 * own (see term_diners). */
static inline int term_warm_card(const term_plan *p, int w)
{
    return p->same_card ? 2 + w : p->terminals * p->taps + w + 1;
}

/* The diners a canteen for plan p needs: the cards its terminals tap, and
 * one more for each terminal's first tap (term_warm_card). */
static inline int term_diners(const term_plan *p)
{
    return (p->same_card ? 1 : p->terminals * p->taps) + p->terminals;
}

/* Terminal POS<w+1>: charges its first card (term_warm_card) as a
 * terminal that has served all morning would have, so that its
 * connection has made its statements and the server its plans; waits for
 * go, taps as p says and writes one term_answer per tap to out. A
 * terminal's very first charge is not what a diner waits for at lunch: with
 * 32 terminals of 25 taps, those 32 first charges were the slowest 4 % and
 * made the p99 (500 ms where the rest took under 100). */
static inline void term_one(const term_plan *p, int w, int go, int out)
{
    char term[8], card[16], reqid[48], now[32];
    unsigned seed = (unsigned)w + 1;
    double due;
    db *d;
    char c;

    snprintf(term, sizeof term, "POS%d", w + 1);
    if (db_open(p->target, DB_OPEN_EXISTING, &d))
        term_die("opening");
    if (p->writers >= 0)
        db_set_writers(d, (db_writers)p->writers);
    /* all at once: under SERIALIZABLE some are answered busy, and sent again */
    for (int tries = 0; !term_charge_card(d, term, term_warm_card(p, w), "warm:"); tries++)
        if (tries == 50)
            term_die("charging before the run");
    if (read(go, &c, 1) != 1)
        _exit(1);
    due = bench_now_us();
    for (int i = 0; i < p->taps; i++) {
        charge_req req = {.terminal = term, .card_no = card, .request_id = reqid,
                          .actor = "bench"};
        term_answer a = {0};
        charge_res res;
        double t0;
        if (p->same_card) {
            snprintf(card, sizeof card, "%010d", 1);
            snprintf(reqid, sizeof reqid, "S%d:%d", w / 2, i + 1);
            snprintf(now, sizeof now, "2026-11-20T%02d:%02d:%02d", 11 + i * 10 / 3600,
                     i * 10 / 60 % 60, i * 10 % 60);
            setenv("CLEANPLATE_NOW", now, 1);
        } else {
            snprintf(card, sizeof card, "%010d", w * p->taps + i + 1);
            snprintf(reqid, sizeof reqid, "%s:%d", term, i + 1);
        }
        if (p->pace_ms > 0) {
            due += bench_gap_us(&seed, p->pace_ms * 1000);
            bench_sleep_until_us(due);
            t0 = due;
        } else {
            t0 = bench_now_us();
        }
        a.busy = ledger_charge(d, &req, &res) != CP_OK;
        a.us = bench_now_us() - t0;
        a.charged = !a.busy && res.result == CP_OK && !res.repeated;
        a.repeated = !a.busy && res.repeated;
        a.retries = res.retries;
        if (!a.busy && !p->same_card && res.result != CP_OK)
            term_die(res.message);
        if (write(out, &a, sizeof a) != (ssize_t)sizeof a)
            _exit(1);
    }
    db_close(d);
    _exit(0);
}

/* Runs p's terminals at once: they connect and charge once
 * (term_one), then start together; the rate is every answer over the time
 * until the last one came. */
static inline void term_run(const term_plan *p, term_result *r)
{
    int go[2], lat[2], status, n = p->terminals * p->taps;
    double *v = malloc(sizeof *v * (size_t)n), t0, secs;
    pid_t pids[TERM_MAX];
    term_answer a;

    memset(r, 0, sizeof *r);
    if (!v || p->terminals < 1 || p->terminals > TERM_MAX || pipe(go) || pipe(lat))
        term_die("pipes");
    setenv("CLEANPLATE_NOW", "2026-11-20T12:00:00", 1);
    for (int w = 0; w < p->terminals; w++) {
        if ((pids[w] = fork()) == 0) {
            close(go[1]);
            close(lat[0]);
            term_one(p, w, go[0], lat[1]);
        }
    }
    close(go[0]);
    close(lat[1]);
    sleep(1 + p->terminals / 8); /* every terminal has connected and charged once */
    t0 = bench_now_s();
    for (int w = 0; w < p->terminals; w++)
        if (write(go[1], "g", 1) != 1)
            term_die("starting");
    while (r->answers < n && read(lat[0], &a, sizeof a) == (ssize_t)sizeof a) {
        v[r->answers++] = a.us;
        r->charged += a.charged;
        r->repeated += a.repeated;
        r->busy += a.busy;
        r->refused += !a.charged && !a.repeated && !a.busy;
        r->retries += a.retries;
    }
    secs = bench_now_s() - t0;
    for (int w = 0; w < p->terminals; w++)
        if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            term_die("a terminal failed");
    close(go[1]);
    close(lat[0]);
    if (r->answers != n)
        term_die("a terminal stopped early");
    r->rate = (double)n / secs;
    r->p50_ms = bench_percentile(v, n, 50) / 1000;
    r->p99_ms = bench_percentile(v, n, 99) / 1000;
    free(v);
}

/* The integer that sql (one row, one column) gives on d. */
static inline int64_t term_int(db *d, const char *sql)
{
    db_stmt *st = NULL;
    int64_t v = -1;

    if (db_prepare_once(d, sql, &st) || db_step_int64(d, st, &v))
        term_die(sql);
    db_finalize(st);
    return v;
}

/* Checks that target holds exactly what the answers r of plan p said (and
 * each terminal's first charge, term_one), with `expected` charges of the
 * run when it is not negative: no overspend (no wallet below
 * zero, and each wallet's balance is what was granted or topped up less
 * what was charged), no limit passed, no request charged twice and every
 * charge's request recorded, and `cleanplate-office verify` passes (the
 * audit chain unbroken, every balance the sum of its entries). Returns 1
 * when everything holds; else says what did not in why. */
static inline int term_books(const char *build, const term_plan *p, const term_result *r,
                             long expected, int64_t money_in, char *why, size_t size)
{
    static const char *const verify[] = {"verify", NULL};
    int64_t sales, twice, unrecorded, below, money_left, most_meals;
    db *d;

    if (db_open(p->target, DB_OPEN_EXISTING, &d))
        term_die("opening to check");
    sales = term_int(d, "SELECT count(*) FROM sales WHERE request_id NOT LIKE 'warm:%'");
    twice = term_int(d, "SELECT count(*) FROM (SELECT request_id FROM sales"
                        " GROUP BY request_id HAVING count(*) > 1) x");
    unrecorded = term_int(d, "SELECT count(*) FROM sales s WHERE NOT EXISTS (SELECT 1"
                             " FROM charge_requests q WHERE q.sale_id = s.id)");
    below = term_int(d, "SELECT count(*) FROM wallets WHERE cash_fen < 0 OR subsidy_fen < 0");
    money_left = term_int(d, "SELECT sum(cash_fen + subsidy_fen) FROM wallets");
    most_meals = term_int(d, "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n"
                             " FROM sales GROUP BY diner_id, period_id, business_date) x");
    db_close(d);
    if (sales != r->charged || (expected >= 0 && sales != expected))
        snprintf(why, size, "%lld sales for %ld charges answered (%ld expected)",
                 (long long)sales, r->charged, expected);
    else if (twice || unrecorded)
        snprintf(why, size, "%lld requests charged twice, %lld sales without their request",
                 (long long)twice, (long long)unrecorded);
    else if (below || money_left != money_in - (sales + p->terminals) * TERM_PRICE)
        snprintf(why, size, "%lld wallets below zero, %lld fen left of %lld less %lld charges",
                 (long long)below, (long long)money_left, (long long)money_in,
                 (long long)sales);
    else if (!p->same_card && most_meals > 1)
        snprintf(why, size, "a diner had %lld lunches (limit 1)", (long long)most_meals);
    else if (bench_office(build, p->target, verify) < 0)
        snprintf(why, size, "cleanplate-office verify failed");
    else
        return 1;
    return 0;
}

#endif
