/* bench_scale: last frame of a settled tray to its committed waste record, and parse throughput per protocol.
 *
 * Usage: bench_scale BUILD_DIR [TRAYS]
 *   settle-to-record: a simulated scale writes A&D frames into a pty; the
 *     station's own link (scale/station_link) reads and parses them and the
 *     station (scale/station) filters them and records the tray of a tapped
 *     card in a file database (WAL, synchronous=FULL). Timed from writing the
 *     frame that completes the stability window to the record callback. The
 *     window itself is not waited for: readings carry timestamps 100 ms apart.
 *     Baseline: one bare INSERT per transaction in a database with the same
 *     pragmas, in the same run.
 *   parse: proto_feed() over 4 MB of each protocol's frames (simframe), beside
 *     memchr() looking for the frame terminator over the same bytes.
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/csvread.h"
#include "core/db.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "scale/simframe.h"
#include "scale/station.h"
#include "scale/station_link.h"
#include "tests/bench/bench.h"

static void die(const char *what)
{
    fprintf(stderr, "bench_scale: %s: %s\n", what, cp_detail());
    exit(1);
}

/* A canteen with a waste station and n diners, each with a lunch bought today. */
static db *make_canteen(const char *path, int n)
{
    char *csv = malloc((size_t)n * 64 + 128);
    size_t len = 0;
    csv_table *t = NULL;
    import_counts counts;
    db *d = NULL;

    if (!csv)
        die("out of memory");
    if (db_open(path, DB_OPEN_CREATE, &d) || db_migrate(d) ||
        canteen_add(d, "C1", "一食堂", "bench") ||
        canteen_add_terminal(d, "POS1", "C1", "pos", "bench") ||
        canteen_add_terminal(d, "W1", "C1", "waste", "bench") ||
        canteen_set_period(d, "C1", "lunch", "11:00-13:30", "bench") ||
        canteen_set_price(d, "C1", "lunch", "staff", 0, "bench"))
        die("setting up the canteen");
    len = (size_t)sprintf(csv, "code,name,parent_code\nD01,办公室,\n");
    if (csvread_buffer("dep.csv", csv, len, &t) ||
        diners_import_departments(d, t, "dep.csv", "bench", &counts))
        die("departments");
    csvread_free(t);
    len = (size_t)sprintf(csv, "staff_no,name,department_code,category,card\n");
    for (int i = 1; i <= n; i++)
        len += (size_t)sprintf(csv + len, "S%05d,职工%d,D01,staff,%010d\n", i, i, i);
    if (csvread_buffer("diners.csv", csv, len, &t) || diners_import(d, t, "diners.csv", "bench",
                                                                       &counts))
        die("diners");
    csvread_free(t);
    free(csv);
    for (int i = 1; i <= n; i++) {
        char card[16];
        charge_req req = {.terminal = "POS1", .card_no = card, .actor = "bench"};
        charge_res res;
        snprintf(card, sizeof card, "%010d", i);
        if (ledger_charge(d, &req, &res) || res.result)
            die("selling lunch");
    }
    return d;
}

static double last_record_us;
static int records;

static void on_record(void *arg, const waste_res *res)
{
    (void)arg;
    (void)res;
    last_record_us = bench_now_us();
    records++;
}

/* Writes one A&D frame of grams to the pty master. */
static void put_frame(int m, int64_t grams, bool steady)
{
    proto_reading r = {.grams = grams, .has_weight = true, .stable = steady,
                       .status = PROTO_OK};
    uint8_t frame[SIMFRAME_MAX];
    size_t len = simframe_format(&proto_and, &r, NULL, frame, sizeof frame);
    if (len == 0 || write(m, frame, len) != (ssize_t)len)
        die("writing a frame");
}

/* The pty slave the link reads. */
static char pty_path[64];

/* The first other process that has path open, or 0. A station or probe of another
 * program, left retrying a /dev/pts path that has gone, opens the next pty that
 * gets that name and reads its frames. */
static pid_t other_user(const char *path, char *cmd, size_t cap)
{
    DIR *procs = opendir("/proc"), *fds;
    struct dirent *p, *f;
    pid_t found = 0;
    char dir[64], link[320], target[256];

    while (procs && !found && (p = readdir(procs))) {
        pid_t pid = (pid_t)atoi(p->d_name);
        if (pid <= 0 || pid == getpid())
            continue;
        snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
        if (!(fds = opendir(dir)))
            continue;
        while (!found && (f = readdir(fds))) {
            ssize_t n;
            snprintf(link, sizeof link, "%s/%s", dir, f->d_name);
            n = readlink(link, target, sizeof target - 1);
            if (n > 0 && (target[n] = '\0', strcmp(target, path) == 0))
                found = pid;
        }
        closedir(fds);
    }
    if (procs)
        closedir(procs);
    if (found) {
        FILE *c;
        size_t n = 0;
        snprintf(dir, sizeof dir, "/proc/%d/cmdline", (int)found);
        if ((c = fopen(dir, "r"))) {
            n = fread(cmd, 1, cap - 1, c);
            fclose(c);
        }
        for (size_t i = 0; i < n; i++)
            cmd[i] = cmd[i] ? cmd[i] : ' ';
        cmd[n] = '\0';
    }
    return found;
}

/* Reads the reading that frame became and gives it to the station at fake time *t. */
static void take(station_link *l, station *s, int64_t *t)
{
    proto_reading r[4];
    size_t n = 0;
    double deadline = bench_now_us() + 2e6;
    char cmd[256];
    pid_t other;

    while (n == 0) {
        if (station_link_step(l, 100, r, 4, &n, NULL))
            die("reading the pty");
        if (bench_now_us() > deadline) {
            if ((other = other_user(pty_path, cmd, sizeof cmd)))
                fprintf(stderr, "bench_scale: process %d (%s) has %s open too and takes the"
                                " frames\n", (int)other, cmd, pty_path);
            die("no reading from the pty within 2 s");
        }
    }
    for (size_t i = 0; i < n; i++)
        station_reading(s, &r[i], *t);
    *t += 100;
}

/* Trays of tapped cards through pty, link, filter and store; fills lat[] (us). */
static void bench_settle(const char *path, int trays, double *lat)
{
    db *d = make_canteen(path, trays);
    station_link_cfg lc = {.ops = &proto_and, .port = pty_path};
    station_link *l = NULL;
    station_cfg cfg;
    station *s = NULL;
    struct termios tio;
    int64_t t = 0;
    int m, slave, taken[4], ntaken = 0;
    char cmd[256];
    pid_t other;

    /* A pty nobody else opens: a name that another program keeps retrying is left
     * open (so it stays taken) and the next pty gets another name. */
    for (;;) {
        m = posix_openpt(O_RDWR | O_NOCTTY);
        if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m))
            die("making a pty");
        snprintf(pty_path, sizeof pty_path, "%s", ptsname(m));
        usleep((STATION_LINK_RETRY_MS + 200) * 1000);
        if (!(other = other_user(pty_path, cmd, sizeof cmd)))
            break;
        fprintf(stderr, "scale: process %d (%s) opened %s: leaving it that pty\n", (int)other,
                cmd, pty_path);
        if (ntaken == 4)
            die("every new pty is opened by another process");
        taken[ntaken++] = m;
    }
    slave = open(lc.port, O_RDWR | O_NOCTTY);
    if (slave < 0 || tcgetattr(slave, &tio))
        die("opening the pty");
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    if (station_link_open(&lc, &l) || !station_link_connected(l))
        die("opening the link");
    station_config_defaults(&cfg);
    snprintf(cfg.terminal, sizeof cfg.terminal, "W1");
    cfg.tray_tare_g = 300;
    if (station_new(d, &cfg, on_record, NULL, &s))
        die("station");
    for (int i = 0; i < trays; i++) {
        char card[16];
        double sent = 0;
        int before = records;
        snprintf(card, sizeof card, "%010d", i + 1);
        for (int k = 0; k < 3; k++) {
            put_frame(m, 0, true);
            take(l, s, &t);
        }
        station_card(s, card, t);
        put_frame(m, 200, false);
        take(l, s, &t);
        for (int k = 0; k < 20 && records == before; k++) {
            sent = bench_now_us();
            put_frame(m, 300 + i % 200, true);
            take(l, s, &t);
        }
        if (records != before + 1)
            die("a tray was not recorded once");
        lat[i] = last_record_us - sent;
    }
    station_free(s);
    station_link_close(l);
    close(slave);
    close(m);
    while (ntaken > 0)
        close(taken[--ntaken]);
    db_close(d);
}

/* One bare INSERT per transaction with the project's pragmas (db_open); fills lat[] (us). */
static void bench_baseline(const char *path, int n, double *lat)
{
    db *d = NULL;
    if (db_open(path, DB_OPEN_CREATE, &d) ||
        db_exec(d, "CREATE TABLE w (id TEXT PRIMARY KEY, placement TEXT UNIQUE, net_g INTEGER)"
                   " STRICT, WITHOUT ROWID"))
        die("baseline database");
    for (int i = 0; i < n; i++) {
        db_stmt *st = db_prepare(d, "INSERT INTO w VALUES (?, ?, ?)");
        char id[32], pl[32];
        double t0 = bench_now_us();
        snprintf(id, sizeof id, "W1-%06d", i);
        snprintf(pl, sizeof pl, "W1:%d", i);
        if (!st || db_begin(d))
            die("baseline");
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, pl);
        db_bind_int(st, 3, i);
        if (db_step_done(d, st, "baseline insert") || db_commit(d))
            die("baseline insert");
        lat[i] = bench_now_us() - t0;
    }
    db_close(d);
}

/* Parse throughput of ops over ~4 MB of its frames, and memchr over the same bytes. */
static void bench_parse(const proto_ops *ops)
{
    enum { SIZE = 4 << 20 };
    uint8_t *buf = malloc(SIZE);
    size_t len = 0, frames = 0, found = 0;
    proto_reading out[256];
    proto_parser p;
    double t0, parse_s, scan_s;
    int rounds = 5;
    uint8_t term;

    if (!buf)
        die("out of memory");
    for (int64_t g = 0; len + SIMFRAME_MAX < SIZE; g = (g + 37) % 30000) {
        proto_reading r = {.grams = g, .has_weight = true, .stable = g % 3 != 0,
                           .status = PROTO_OK};
        uint8_t frame[SIMFRAME_MAX];
        size_t n = simframe_format(ops, &r, NULL, frame, sizeof frame);
        memcpy(buf + len, frame, n);
        len += n;
        frames += n > 0;
    }
    term = ops == &proto_cas ? 0x04 : '\r'; /* CAS polled frames end with EOT */
    t0 = bench_now_us();
    for (int k = 0; k < rounds; k++) {
        size_t used = 0, n = 0, readings = 0;
        proto_init(&p, ops, NULL);
        while (used < len) {
            used += proto_feed(&p, buf + used, len - used, out, 256, &n);
            readings += n;
        }
        if (readings == 0 || p.skipped > 0)
            die("frames did not parse");
    }
    parse_s = (bench_now_us() - t0) / 1e6;
    t0 = bench_now_us();
    for (int k = 0; k < rounds; k++) {
        const uint8_t *q = buf, *end = buf + len;
        found = 0;
        while ((q = memchr(q, term, (size_t)(end - q))) != NULL) {
            found++;
            q++;
        }
    }
    scan_s = (bench_now_us() - t0) / 1e6;
    if (found == 0)
        die("no frame terminators");
    {
        char name[48];
        double mbs = rounds * len / 1e6 / parse_s, base = rounds * len / 1e6 / scan_s;
        snprintf(name, sizeof name, "parse, protocol %s", ops->name);
        bench_row_emit("scale", &(bench_row){
            .name = name, .value = mbs, .unit = "MB/s", .base = base,
            .baseline = "memchr for the frame terminator, same bytes",
            .goal = ">= 1 MB/s", .met = mbs >= 1.0});
    }
    (void)frames;
    free(buf);
}

int main(int argc, char **argv)
{
    int trays = argc > 2 ? atoi(argv[2]) : 300;
    char dir[] = "/tmp/cp-bench-scale-XXXXXX", a[128], b[128], cmd[160];
    double *lat = calloc((size_t)trays, sizeof *lat), *base = calloc((size_t)trays, sizeof *base);
    double s50, s99, b50, b99;
    char name[64];
    static const char bare[] = "bare INSERT txn, same pragmas (db_open)";

    if (!lat || !base || trays < 1 || !mkdtemp(dir))
        die("setting up");
    fprintf(stderr, "scale: %d bare INSERT transactions, then %d trays through pty, link,"
                    " filter and store...\n", trays, trays);
    setenv("CLEANPLATE_NOW", "2026-11-20T12:00:00", 1);
    snprintf(a, sizeof a, "%s/baseline.db", dir);
    snprintf(b, sizeof b, "%s/station.db", dir);
    bench_baseline(a, trays, base);
    bench_settle(b, trays, lat);
    b50 = bench_percentile(base, trays, 50);
    b99 = bench_percentile(base, trays, 99);
    s50 = bench_percentile(lat, trays, 50);
    s99 = bench_percentile(lat, trays, 99);
    snprintf(name, sizeof name, "settled tray -> record p50 (%d trays)", trays);
    bench_row_emit("scale", &(bench_row){.name = name, .value = s50 / 1000, .unit = "ms",
                                         .base = b50 / 1000, .baseline = bare,
                                         .goal = "< 50 ms", .met = s50 < 50000});
    snprintf(name, sizeof name, "settled tray -> record p99 (%d trays)", trays);
    bench_row_emit("scale", &(bench_row){.name = name, .value = s99 / 1000, .unit = "ms",
                                         .base = b99 / 1000, .baseline = bare,
                                         .goal = "< 50 ms", .met = s99 < 50000});
    fprintf(stderr, "scale: parsing 4 MB of each protocol's frames, 5 times...\n");
    for (const proto_ops *const *o = proto_list(); *o; o++)
        bench_parse(*o);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_scale: could not remove %s\n", dir);
    free(lat);
    free(base);
    (void)argv;
    return 0; /* a missed goal is a FAIL row, which fails the run in run.sh */
}
