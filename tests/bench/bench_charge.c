/* bench_charge: latency of the charge path against a bare SQLite baseline, and the POS's peak memory.
 *
 * Usage: bench_charge BUILD_DIR [TAPS]
 * Both sides use a file database with WAL and synchronous=FULL in the same run:
 *   baseline  one INSERT and one UPDATE per transaction (the least a charge must write);
 *   charge    ledger_charge(): every rule, the sale, the ledger and the wallet.
 * Then the real `cleanplate-pos --headless` charges the same number of taps on a
 * fresh database and its peak resident memory is read from wait4(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/db.h"
#include "core/ledger.h"
#include "tests/bench/bench.h"

static void die(const char *what)
{
    fprintf(stderr, "bench_charge: %s: %s\n", what, cp_detail());
    exit(1);
}

static void sql(db *d, const char *s)
{
    if (db_exec(d, s))
        die(s);
}

/* A canteen with n staff diners, cards 1..n, each granted 20 yuan subsidy. */
static db *make_canteen(const char *path, int n)
{
    db *d;
    long granted;
    char buf[256];

    if (db_open(path, DB_OPEN_CREATE, &d) || db_migrate(d) ||
        canteen_add(d, "C1", "bench", "bench") ||
        canteen_add_terminal(d, "POS1", "C1", "pos", "bench") ||
        canteen_set_period(d, "C1", "lunch", "11:00-13:30", "bench") ||
        canteen_set_price(d, "C1", "lunch", "staff", 800, "bench"))
        die("setting up");
    sql(d, "BEGIN; INSERT INTO departments(code, name) VALUES ('D1', 'bench')");
    for (int i = 1; i <= n; i++) {
        snprintf(buf, sizeof buf,
                 "INSERT INTO diners(staff_no, name, department_id, category)"
                 " VALUES ('S%d', 'diner', 1, 'staff');"
                 "INSERT INTO wallets(diner_id) VALUES (last_insert_rowid());"
                 "INSERT INTO cards(card_no, diner_id) VALUES ('%010d', last_insert_rowid())",
                 i, i);
        sql(d, buf);
    }
    sql(d, "COMMIT");
    if (ledger_grant_subsidy(d, "2026-11", 2000, NULL, "bench", &granted))
        die("granting");
    return d;
}

static void baseline(const char *path, int n, double *lat)
{
    sqlite3 *c;
    sqlite3_stmt *ins, *upd;

    sqlite3_open(path, &c);
    sqlite3_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                    "CREATE TABLE t(id INTEGER PRIMARY KEY, card TEXT, fen INTEGER) STRICT;"
                    "CREATE TABLE w(id INTEGER PRIMARY KEY, fen INTEGER) STRICT;"
                    "INSERT INTO w VALUES (1, 0);", NULL, NULL, NULL);
    sqlite3_prepare_v2(c, "INSERT INTO t(card, fen) VALUES (?, 800)", -1, &ins, NULL);
    sqlite3_prepare_v2(c, "UPDATE w SET fen = fen - 800 WHERE id = 1", -1, &upd, NULL);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        sqlite3_exec(c, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        sqlite3_bind_int(ins, 1, i);
        sqlite3_step(ins);
        sqlite3_reset(ins);
        sqlite3_step(upd);
        sqlite3_reset(upd);
        sqlite3_exec(c, "COMMIT", NULL, NULL, NULL);
        lat[i] = bench_now_us() - t0;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_close(c);
}

static void charges(db *d, int n, double *lat)
{
    char card[16], reqid[32];
    charge_res res;

    for (int i = 0; i < n; i++) {
        charge_req req = {.terminal = "POS1", .card_no = card, .request_id = reqid,
                          .actor = "bench"};
        snprintf(card, sizeof card, "%010d", i + 1);
        snprintf(reqid, sizeof reqid, "POS1:%d", i + 1);
        double t0 = bench_now_us();
        if (ledger_charge(d, &req, &res) || res.result != CP_OK)
            die(res.message[0] ? res.message : "charging");
        lat[i] = bench_now_us() - t0;
    }
}

/* Runs cleanplate-pos --headless over n taps; returns its peak RSS in KiB. */
static long pos_peak_kib(const char *build, const char *path, int n)
{
    char prog[512], taps[600];
    struct rusage ru;
    int status;
    pid_t pid;
    FILE *f;

    snprintf(taps, sizeof taps, "%s.taps", path);
    if (!(f = fopen(taps, "w")))
        return -1;
    for (int i = 1; i <= n; i++)
        fprintf(f, "%010d\n", i);
    fclose(f);
    snprintf(prog, sizeof prog, "%s/cleanplate-pos", build);
    if ((pid = fork()) == 0) {
        if (!freopen(taps, "r", stdin) || !freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(prog, prog, "--headless", "--terminal", "POS1", "--db", path, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    unlink(taps);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    const char *build = argc > 1 ? argv[1] : "build";
    int n = argc > 2 ? atoi(argv[2]) : 10000;
    char dir[] = "/tmp/cp-bench-XXXXXX", base_path[64], charge_path[64], pos_path[64];
    double *base = calloc((size_t)n, sizeof *base), *lat = calloc((size_t)n, sizeof *lat);
    double b50, b99, c50, c99;
    long peak;
    db *d;

    if (!base || !lat || !mkdtemp(dir))
        return 1;
    setenv("CLEANPLATE_NOW", "2026-11-20T12:00:00", 1);
    snprintf(base_path, sizeof base_path, "%s/baseline.db", dir);
    snprintf(charge_path, sizeof charge_path, "%s/charge.db", dir);
    snprintf(pos_path, sizeof pos_path, "%s/pos.db", dir);

    d = make_canteen(charge_path, n);
    baseline(base_path, n, base);
    charges(d, n, lat);
    db_close(d);
    db_close(make_canteen(pos_path, n));
    peak = pos_peak_kib(build, pos_path, n);

    b50 = bench_percentile(base, n, 50), b99 = bench_percentile(base, n, 99);
    c50 = bench_percentile(lat, n, 50), c99 = bench_percentile(lat, n, 99);
    printf("%-34s %12s %12s %8s %s\n", "benchmark", "baseline", "measured", "ratio", "goal");
    printf("%-34s %10.0fus %10.0fus %8.2f %s\n", "charge p50 (10,000 taps, FULL)", b50, c50,
           c50 / b50, c50 / b50 <= 2.0 ? "<= 2 ok" : "<= 2 MISSED");
    printf("%-34s %10.0fus %10.0fus %8.2f %s\n", "charge p99", b99, c99, c99 / b99, "-");
    printf("%-34s %12s %10.1fMB %8s %s\n", "headless POS peak RSS", "-", peak / 1024.0, "-",
           peak > 0 && peak < 16 * 1024 ? "< 16 MB ok" : "< 16 MB MISSED");
    free(base);
    free(lat);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
