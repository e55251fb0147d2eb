/* bench_charge: latency of the charge path against a bare SQLite baseline, and the POS's peak memory.
 *
 * Usage: bench_charge BUILD_DIR [TAPS]
 * Both sides use a file database with WAL and synchronous=FULL in the same run:
 *   baseline  one INSERT and one UPDATE per transaction (the least a charge must write);
 *   charge    ledger_charge(): every rule, the sale, the ledger and the wallet.
 * Then the real `cleanplate-pos --headless` charges the same number of taps on a
 * fresh database and its peak resident memory is read from wait4(). Its baseline,
 * in the same run: this program re-executed as a bare SQLite process that opens
 * the same database with the same pragmas and looks up every tapped card (the
 * least memory a process charging from that database can have).
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <errno.h>
#include <sqlite3.h>
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
    if (ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 2000, NULL, NULL}, "bench", &granted))
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

/* Runs argv with stdin from the file in (or /dev/null) and stdout to /dev/null;
 * returns its peak RSS in KiB, or -1 when it failed. */
static long peak_kib(char *const *argv, const char *in)
{
    struct rusage ru;
    int status;
    pid_t pid;

    if ((pid = fork()) == 0) {
        if (!freopen(in ? in : "/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return ru.ru_maxrss;
}

/* Runs cleanplate-pos --headless over n taps; returns its peak RSS in KiB. */
static long pos_peak_kib(const char *build, const char *path, int n)
{
    char prog[512], taps[600];
    long peak;
    FILE *f;

    snprintf(taps, sizeof taps, "%s.taps", path);
    if (!(f = fopen(taps, "w")))
        return -1;
    for (int i = 1; i <= n; i++)
        fprintf(f, "%010d\n", i);
    fclose(f);
    snprintf(prog, sizeof prog, "%s/cleanplate-pos", build);
    char *argv[] = {prog, "--headless", "--terminal", "POS1", "--db", (char *)path, NULL};
    peak = peak_kib(argv, taps);
    unlink(taps);
    return peak;
}

/* The RSS baseline, in a process of its own (this program re-executed): open the
 * database with the project's pragmas and look up each of the n cards once. */
static int bare_sqlite_child(const char *path, int n)
{
    sqlite3 *c;
    sqlite3_stmt *st;
    char card[16];
    int found = 0;

    if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c, "SELECT diner_id FROM cards WHERE card_no = ?", -1, &st, NULL) !=
            SQLITE_OK)
        return 1;
    for (int i = 1; i <= n; i++) {
        snprintf(card, sizeof card, "%010d", i);
        sqlite3_bind_text(st, 1, card, -1, SQLITE_STATIC);
        found += sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_close(c);
    return found == n ? 0 : 1;
}

/* Peak RSS in KiB of the bare SQLite process over the same database and n cards. */
static long bare_peak_kib(const char *path, int n)
{
    char self[] = "/proc/self/exe", flag[] = "--bare-sqlite", count[16];
    snprintf(count, sizeof count, "%d", n);
    char *argv[] = {self, flag, (char *)path, count, NULL};
    return peak_kib(argv, NULL);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--bare-sqlite") == 0)
        return bare_sqlite_child(argv[2], atoi(argv[3]));
    const char *build = argc > 1 ? argv[1] : "build";
    int n = argc > 2 ? atoi(argv[2]) : 10000;
    char dir[] = "/tmp/cp-bench-XXXXXX", base_path[64], charge_path[64], pos_path[64];
    char name[64];
    double *base = calloc((size_t)n, sizeof *base), *lat = calloc((size_t)n, sizeof *lat);
    double b50, b99, c50, c99, t0;
    long peak, bare;
    db *d;

    if (n < 1 || !base || !lat || !mkdtemp(dir))
        return 1;
    setenv("CLEANPLATE_NOW", "2026-11-20T12:00:00", 1);
    snprintf(base_path, sizeof base_path, "%s/baseline.db", dir);
    snprintf(charge_path, sizeof charge_path, "%s/charge.db", dir);
    snprintf(pos_path, sizeof pos_path, "%s/pos.db", dir);

    t0 = bench_now_s();
    fprintf(stderr, "charge: a canteen of %d diners, then %d bare INSERT+UPDATE transactions...\n",
            n, n);
    d = make_canteen(charge_path, n);
    baseline(base_path, n, base);
    fprintf(stderr, "charge: %d ledger_charge() calls...\n", n);
    charges(d, n, lat);
    db_close(d);
    fprintf(stderr, "charge: cleanplate-pos --headless over %d taps, then a bare SQLite process"
                    " over the same database...\n", n);
    db_close(make_canteen(pos_path, n));
    peak = pos_peak_kib(build, pos_path, n);
    bare = bare_peak_kib(pos_path, n);
    if (peak < 0 || bare < 0) {
        fprintf(stderr, "bench_charge: %s failed\n", peak < 0 ? "cleanplate-pos" : "bare SQLite");
        return 1;
    }
    fprintf(stderr, "charge: measured in %.0f s\n", bench_now_s() - t0);

    b50 = bench_percentile(base, n, 50), b99 = bench_percentile(base, n, 99);
    c50 = bench_percentile(lat, n, 50), c99 = bench_percentile(lat, n, 99);
    snprintf(name, sizeof name, "ledger_charge p50 (%d taps)", n);
    bench_row_emit("charge", &(bench_row){
        .name = name, .value = c50, .unit = "us", .base = b50,
        .baseline = "bare INSERT+UPDATE txn, WAL, sync=FULL",
        .goal = "<= 2x baseline", .met = c50 <= 2.0 * b50});
    snprintf(name, sizeof name, "ledger_charge p99 (%d taps)", n);
    bench_row_emit("charge", &(bench_row){
        .name = name, .value = c99, .unit = "us", .base = b99,
        .baseline = "bare INSERT+UPDATE txn, WAL, sync=FULL"});
    snprintf(name, sizeof name, "headless POS peak RSS (%d taps)", n);
    bench_row_emit("charge", &(bench_row){
        .name = name, .value = peak / 1024.0, .unit = "MiB", .base = bare / 1024.0,
        .baseline = "bare sqlite3 process, same DB, each card looked up",
        .goal = "< 16 MiB", .met = peak < 16 * 1024});
    free(base);
    free(lat);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
