/* bench_serve: networked terminals through `cleanplate-office serve` (issue 14), each beside the store alone in the same run.
 *
 * Usage: bench_serve BUILD_DIR [TAPS [EVENTS [PARTS]]]
 * PARTS: some of online,fleet,replay,offline (all when not given), e.g. fleet alone
 * to compare two builds' servers (BUILD_DIR names the programs measured).
 * Every terminal is the real `cleanplate-pos --headless` on pipes; a tap's
 * latency is timed here, from writing the card line to reading its answer,
 * the charge committed (with --server: in the terminal's journal, sent,
 * applied by the server, its answer kept in the journal). A card that comes
 * while the terminal still tidies up after the last one waits for it, as
 * a diner would: the terminal's own "us" (--timing) starts when it reads
 * the line, and would leave that wait out.
 *   online   SQLite file: TAPS taps at a terminal through serve on
 *            loopback, interleaved tap by tap with TAPS taps at a terminal
 *            charging the same file with --db (the baseline). Goal: the
 *            server adds under 1 ms at p50. Then the same with the store
 *            and the journal on tmpfs (/dev/shm), where a commit waits for
 *            no disk: what is left is the link's and the server's own work.
 *   fleet    PostgreSQL: 8, then 32 terminals charging at once, TAPS each,
 *            every terminal tapping again as soon as it has its answer
 *            (closed loop: the most the server can take); first with --db
 *            on the server (the store alone, the baseline), then through
 *            one serve with SERVE_WORKERS workers. Goals: p99 < 20 ms and
 *            at least half the charges per second of the store alone.
 *            Then each terminal 200 taps at random times 100 ms apart on
 *            average, through serve and with --db, a tap's time counted
 *            from when it was due: the p99 a diner waits while the store
 *            is busy but not flooded (goal < 20 ms). One more row says
 *            the server's own share of it: the p99 of the times serve
 *            logged for those requests, beside the whole charge at a
 *            terminal with --db; the rest is the terminal's journal and
 *            the link.
 *   replay   SQLite file: EVENTS offline charges queued in a terminal's
 *            journal (core/journal.h, built on tmpfs and copied beside
 *            the store: appending them one fsync each would take longer
 *            than the measure), then drained through serve as the POS
 *            drains it when the server comes back (termsync_hello); a
 *            second terminal drains a day's 1,000. Baseline: the same
 *            charges straight on a store made alike, ledger_charge in one
 *            process. Goal: a day of one terminal in under 2 s.
 *   offline  SQLite file, a canteen of 19,000 cards: one terminal through
 *            serve taps TAPS cards online, then the server is stopped and
 *            it taps TAPS more, each decided offline from its snapshot
 *            (pos/offline.c) and kept in its journal; then a listener
 *            that never answers takes the server's port (a hung server, a
 *            link that drops packets) and it taps TAPS more: the first
 *            waits the budget (800 ms here), the link then rests and the
 *            others are decided at once. Baseline: its own online taps.
 *            No goal: the rows guard an offline tap against writing the
 *            whole snapshot again (79 ms a tap once) and against each tap
 *            waiting for a silent server (800 ms a tap once).
 * PostgreSQL: the server CLEANPLATE_BENCH_PG names (a schema per run,
 * dropped afterwards); when it is not set, this program runs itself again
 * under tests/with-pg.sh (a throw-away server that does not sync to disk;
 * both sides of a fleet row use the same one). CLEANPLATE_BENCH_PG=off:
 * the fleet is not measured.
 * One more row, without a goal, says what one fsync costs on this disk:
 * every durable commit pays it, and the terminal's journal adds commits.
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/csvread.h"
#include "core/db.h"
#include "core/diners.h"
#include "core/journal.h"
#include "core/ledger.h"
#include "core/termauth.h"
#include "core/terminals.h"
#include "core/termsync.h"
#include "tests/bench/bench.h"
#include "tests/bench/terminals.h"

#define WARMUP 10        /* taps per terminal not counted (start-up, first statements) */
#define MAX_TERMINALS 32
#define OFFLINE_CARDS 19000 /* a big canteen, as the fleet's: its snapshot some 3.5 MB */
#define DAY_EVENTS 1000  /* a day of one terminal */
#define NOW "2026-11-20T12:00:00"
/* The terminals' budget before they decide offline: far above the default
 * 800 ms, so that a slow answer on this loaded machine is measured as slow
 * rather than ending the bench with an offline answer. */
#define BUDGET_MS "10000"
/* The fleet's paced runs: each terminal taps every PACE_MS on average (a
 * serving line takes some 5 s a diner), PACED_TAPS times. */
#define PACE_MS 100
#define PACED_TAPS 200
/* A fleet that shows no progress for this long is stopped (a terminal died). */
#define STALL_MS 60000
/* serve's --threads for the fleets: its workers, the store's connections.
 * Measured with 8 and 32 terminals, 4, 8 and 32 workers, two runs each: 8
 * had the lowest paced p99 with 32 terminals (19.9, 21.3 ms; 4: 26.6,
 * 23.7; 32: 28.5, 30.2); a worker per terminal only adds processes to wait
 * for the same two cores. */
#define SERVE_WORKERS 8

typedef char term_key[TERMAUTH_HEX_LEN];

static void die(const char *what)
{
    fprintf(stderr, "bench_serve: %s: %s\n", what, errno ? strerror(errno) : cp_detail());
    exit(1);
}

/* ---- the canteen ------------------------------------------------------------ */

/* n staff diners with cards 0000000001.., as an import file's text. */
static char *diners_csv(int n, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);

    if (!f)
        die("out of memory");
    fputs("staff_no,name,department_code,category,card\n", f);
    for (int i = 1; i <= n; i++)
        fprintf(f, "B%06d,diner,D1,staff,%010d\n", i, i);
    if (fclose(f))
        die("out of memory");
    return text;
}

static void import_csv(db *d, const char *data, size_t len, int diners)
{
    csv_table *t = NULL;
    import_counts counts;
    cp_err err;

    if (csvread_buffer("bench.csv", data, len, &t))
        die("reading the import");
    err = diners ? diners_import(d, t, "bench.csv", "bench", &counts)
                 : diners_import_departments(d, t, "bench.csv", "bench", &counts);
    csvread_free(t);
    if (err)
        die("importing");
}

/* A canteen at target: terminals POS1..POS<terms>, each with a key in keys
 * (may be NULL), lunch at 8 yuan for staff, n diners with cards 1..n, each
 * granted 20 yuan of subsidy for the month. */
static void make_canteen(const char *target, int n, int terms, term_key *keys)
{
    static const char depts[] = "code,name,parent_code\nD1,bench,\n";
    char code[16], *csv;
    size_t len = 0;
    long granted;
    db *d;

    if (db_open(target, DB_OPEN_CREATE, &d) || db_migrate(d) ||
        canteen_add(d, "C1", "bench", "bench") ||
        canteen_set_period(d, "C1", "lunch", "11:00-13:30", "bench") ||
        canteen_set_price(d, "C1", "lunch", "staff", 800, "bench"))
        die("setting up the canteen");
    for (int i = 0; i < terms; i++) {
        snprintf(code, sizeof code, "POS%d", i + 1);
        if (canteen_add_terminal(d, code, "C1", "pos", "bench") ||
            (keys && terminals_new_key(d, code, "bench", keys[i])))
            die("adding the terminals");
    }
    import_csv(d, depts, strlen(depts), 0);
    csv = diners_csv(n, &len);
    import_csv(d, csv, len, 1);
    free(csv);
    if (ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 2000, NULL, NULL}, "bench", &granted))
        die("granting the subsidy");
    db_close(d);
}

/* ---- the server ------------------------------------------------------------- */

typedef struct server {
    pid_t pid;
    char url[64];
} server;

/* A loopback port free now (the kernel's pick). */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int s = socket(AF_INET, SOCK_STREAM, 0), port;

    if (s < 0 || bind(s, (struct sockaddr *)&sa, len) || getsockname(s, (struct sockaddr *)&sa,
                                                                      &len))
        die("finding a free port");
    port = ntohs(sa.sin_port);
    close(s);
    return port;
}

/* Whether the file log says "listening on" yet. */
static int says_listening(const char *log)
{
    char line[512];
    int yes = 0;
    FILE *f = fopen(log, "r");

    while (f && !yes && fgets(line, sizeof line, f))
        yes = strstr(line, "listening on") != NULL;
    if (f)
        fclose(f);
    return yes;
}

/* Starts serve on target with threads threads, its log in dir/serve.log,
 * and waits until it listens. */
static void serve_start(server *s, const char *build, const char *target, int threads,
                        const char *dir)
{
    char prog[512], listen[32], nthreads[16], log[600];
    int port = free_port();

    snprintf(prog, sizeof prog, "%s/cleanplate-office", build);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(nthreads, sizeof nthreads, "%d", threads);
    snprintf(log, sizeof log, "%s/serve.log", dir);
    snprintf(s->url, sizeof s->url, "http://%s", listen);
    unlink(log);
    if ((s->pid = fork()) < 0)
        die("fork");
    if (s->pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen(log, "w", stderr))
            _exit(127);
        execl(prog, prog, "--db", target, "serve", "--listen", listen, "--threads", nthreads,
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; !says_listening(log); i++) {
        if (i == 200 || waitpid(s->pid, NULL, WNOHANG) != 0) {
            errno = 0;
            die("serve did not start (see its log)");
        }
        usleep(50000);
    }
}

/* SIGTERM: serve lets the requests in flight finish and exits 0. */
static void serve_stop(server *s)
{
    int status;

    kill(s->pid, SIGTERM);
    if (waitpid(s->pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
        errno = 0;
        die("serve did not stop cleanly");
    }
}

/* ---- a terminal: the headless POS on pipes ------------------------------------ */

typedef struct term {
    pid_t pid;
    FILE *in, *out; /* its stdin, its stdout */
} term;

/* Starts terminal POS<no>: through the server s with key (journal in
 * dir, BUDGET_MS) or, when s is NULL, on the store target. */
static void term_start_budget(term *t, const char *build, int no, const server *s,
                              const char *key, const char *target, const char *dir,
                              const char *budget_ms)
{
    char prog[512], code[16], jpath[600];
    int to[2], from[2];

    snprintf(prog, sizeof prog, "%s/cleanplate-pos", build);
    snprintf(code, sizeof code, "POS%d", no);
    snprintf(jpath, sizeof jpath, "%s/%s-%d.journal", dir, code, (int)getpid());
    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC) || (t->pid = fork()) < 0)
        die("starting a terminal");
    if (t->pid == 0) {
        if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
            _exit(127);
        if (s)
            execl(prog, prog, "--headless", "--terminal", code, "--server", s->url,
                  "--key", key, "--journal", jpath, "--offline-after-ms", budget_ms,
                  (char *)NULL);
        else
            execl(prog, prog, "--headless", "--terminal", code, "--db", target,
                  (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    if (!(t->in = fdopen(to[1], "w")) || !(t->out = fdopen(from[0], "r")))
        die("fdopen");
}

static void term_start(term *t, const char *build, int no, const server *s, const char *key,
                       const char *target, const char *dir)
{
    term_start_budget(t, build, no, s, key, target, dir, BUDGET_MS);
}

/* Taps card no at t; returns the time from writing the line to reading
 * its answer, in ms. Any answer but an ok, decided offline when offline
 * and else online, ends the bench. */
static double term_tap(term *t, int no, int offline)
{
    char ans[2048];
    double t0 = bench_now_us();

    fprintf(t->in, "%010d\n", no);
    if (fflush(t->in) || !fgets(ans, sizeof ans, t->out))
        die("a terminal stopped");
    if (!strstr(ans, "\"ok\":true") || !strstr(ans, "\"offline\":true") != !offline) {
        fprintf(stderr, "bench_serve: card %010d answered %s", no, ans);
        exit(1);
    }
    return (bench_now_us() - t0) / 1000;
}

/* Ends t: its stdin closed, it must exit 0. */
static void term_stop(term *t)
{
    int status;

    fclose(t->in);
    fclose(t->out);
    if (waitpid(t->pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
        errno = 0;
        die("a terminal exited with an error");
    }
}

/* ---- online: one terminal, through serve and straight on the store ----------- */

static void row(const char *name, double value, const char *unit, const char *baseline,
                double base, const char *goal, int met)
{
    bench_row_emit("serve", &(bench_row){.name = name, .value = value, .unit = unit,
                                         .baseline = baseline, .base = base, .goal = goal,
                                         .met = met});
}

/* where: what dir is on, for the rows' names ("disk", "tmpfs"). */
static void bench_online(const char *build, const char *dir, int taps, const char *where)
{
    static const char base_is[] = "same charge, POS --db on the same SQLite file";
    char target[600], name[128];
    double *via = calloc((size_t)taps, sizeof *via), *direct = calloc((size_t)taps, sizeof *via);
    int total = taps + WARMUP;
    term_key keys[2];
    server s;
    term a, b;

    if (!via || !direct)
        die("out of memory");
    snprintf(target, sizeof target, "%s/online.db", dir);
    fprintf(stderr, "online, %s: %d taps (+%d warm-up) through serve and with --db, "
                    "interleaved...\n", where, taps, WARMUP);
    make_canteen(target, 2 * total, 2, keys);
    serve_start(&s, build, target, 2, dir);
    term_start(&a, build, 1, &s, keys[0], NULL, dir);
    term_start(&b, build, 2, NULL, NULL, target, dir);
    for (int i = 0; i < total; i++) {
        double t = term_tap(&a, i + 1, 0), d = term_tap(&b, total + i + 1, 0);
        if (i >= WARMUP) {
            via[i - WARMUP] = t;
            direct[i - WARMUP] = d;
        }
    }
    term_stop(&a);
    term_stop(&b);
    serve_stop(&s);
    double v50 = bench_percentile(via, taps, 50), d50 = bench_percentile(direct, taps, 50);
    double v99 = bench_percentile(via, taps, 99), d99 = bench_percentile(direct, taps, 99);
    snprintf(name, sizeof name, "online charge via serve, SQLite on %s, p50 (%d taps)", where,
             taps);
    row(name, v50, "ms", base_is, d50, "server adds < 1 ms", v50 - d50 < 1);
    snprintf(name, sizeof name, "online charge via serve, SQLite on %s, p99 (%d taps)", where,
             taps);
    row(name, v99, "ms", base_is, d99, NULL, 0);
    free(via);
    free(direct);
}

/* ---- offline: one terminal at a big canteen, the server stopped -------------- */

/* Listens on the server's port (its url's) and never answers: a server
 * that is silent rather than gone (hung, or a link that drops packets),
 * where a connection is taken by the kernel and nothing comes back. */
static int silent_listener(const server *s)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    const char *port = strrchr(s->url, ':');
    int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;

    sa.sin_port = htons((uint16_t)atoi(port ? port + 1 : "0"));
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 1024))
        die("listening on the stopped server's port");
    return fd;
}

/* Rows p50 and p99 of the taps' times (n), beside base (the online taps);
 * both are sorted (bench_percentile). */
static void offline_rows(const char *what, double *times, double *base, int n)
{
    static const char base_is[] = "the same terminal online, before the server stopped";
    char name[160];

    snprintf(name, sizeof name, "offline charge, %d cards, %sp50 (%d taps)", OFFLINE_CARDS,
             what, n);
    row(name, bench_percentile(times, n, 50), "ms", base_is, bench_percentile(base, n, 50),
        NULL, 0);
    snprintf(name, sizeof name, "offline charge, %d cards, %sp99 (%d taps)", OFFLINE_CARDS,
             what, n);
    row(name, bench_percentile(times, n, 99), "ms", base_is, bench_percentile(base, n, 99),
        NULL, 0);
}

/* One terminal through serve at a canteen of OFFLINE_CARDS cards (its
 * snapshot some 3.5 MB), with the default budget (800 ms): taps online,
 * then the server is stopped and as many taps are decided offline from
 * the snapshot (the connection refused: no budget waited); then a listener
 * that never answers takes the server's port, and as many more (the first
 * waits the budget, the link then rests: termsync's REST_MS). The
 * baseline is the same terminal's online taps. */
static void bench_offline(const char *build, const char *dir, int taps)
{
    double *on = calloc((size_t)taps, sizeof *on), *off = calloc((size_t)taps, sizeof *off);
    double *silent = calloc((size_t)taps, sizeof *silent), first;
    char target[600];
    int card = 1, fd;
    term_key keys[1];
    server s;
    term t;

    if (!on || !off || !silent)
        die("out of memory");
    snprintf(target, sizeof target, "%s/offline.db", dir);
    fprintf(stderr, "offline: a canteen of %d cards, %d taps online, then %d with the server "
                    "stopped, %d with it silent...\n", OFFLINE_CARDS, taps, taps, taps);
    make_canteen(target, OFFLINE_CARDS, 1, keys);
    serve_start(&s, build, target, 2, dir);
    term_start_budget(&t, build, 1, &s, keys[0], NULL, dir, "800");
    for (int i = 0; i < WARMUP; i++)
        term_tap(&t, card++, 0);
    for (int i = 0; i < taps; i++)
        on[i] = term_tap(&t, card++, 0);
    serve_stop(&s);
    for (int i = 0; i < taps; i++)
        off[i] = term_tap(&t, card++, 1);
    fd = silent_listener(&s);
    for (int i = 0; i < taps; i++)
        silent[i] = term_tap(&t, card++, 1);
    term_stop(&t);
    close(fd);
    first = silent[0];
    fprintf(stderr, "  server silent: the first tap %.0f ms (the budget), the slowest after it "
                    "%.1f ms\n", first, bench_percentile(silent + 1, taps - 1, 100));
    offline_rows("", off, on, taps);
    offline_rows("server silent, ", silent, on, taps);
    free(on);
    free(off);
    free(silent);
}

/* ---- fleet: n terminals at once ----------------------------------------------- */

/* Terminal POS<w+1>'s driver: starts it, taps its warm-up, says ready,
 * waits for go, taps cards first.. and writes each time (ms, a double) to
 * out. With pace_ms > 0 it taps at random times that far apart on average
 * (bench_gap_us), and a tap's time counts from when it was due. */
static void driver(const char *build, int w, const server *s, const char *key,
                   const char *target, const char *dir, int first, int taps, double pace_ms,
                   int fds[3])
{
    unsigned seed = (unsigned)w + 1;
    double due;
    term t;
    char c = 'r';

    term_start(&t, build, w + 1, s, key, target, dir);
    for (int i = 0; i < WARMUP; i++)
        term_tap(&t, first++, 0);
    if (write(fds[0], &c, 1) != 1 || read(fds[1], &c, 1) != 1)
        _exit(1);
    due = bench_now_us();
    for (int i = 0; i < taps; i++) {
        double late = 0, ms;
        if (pace_ms > 0) {
            due += bench_gap_us(&seed, pace_ms * 1000);
            bench_sleep_until_us(due);
            late = (bench_now_us() - due) / 1000;
        }
        ms = late + term_tap(&t, first++, 0);
        if (write(fds[2], &ms, sizeof ms) != (ssize_t)sizeof ms)
            _exit(1);
    }
    term_stop(&t);
    _exit(0);
}

/* Reads size bytes from fd into buf within STALL_MS; otherwise the
 * drivers of pids (n) are killed (their terminals see their stdin close
 * and stop) and the bench ends. */
static void fleet_read(int fd, void *buf, size_t size, const pid_t *pids, int n)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    if (poll(&p, 1, STALL_MS) == 1 && read(fd, buf, size) == (ssize_t)size)
        return;
    for (int w = 0; w < n; w++)
        kill(pids[w], SIGKILL);
    errno = 0;
    die("a terminal of the fleet stopped (see above)");
}

/* The size of the file at path (0 when there is none): where the log of
 * what comes next starts. */
static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = 0;

    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (f)
        fclose(f);
    return n < 0 ? 0 : n;
}

/* n terminals charging at once, taps each after the warm-up, through s
 * (or on target when s is NULL), cards from first on, at pace_ms (0: each
 * taps again at once, see driver); returns charges per second and the p99
 * in *p99 (ms). With s, *log_at_go gets the size of dir/serve.log when the
 * warmed-up terminals start: where the log of the measured taps begins. */
static double fleet_run(const char *build, const char *dir, int n, int taps, double pace_ms,
                        const server *s, term_key *keys, const char *target, int first,
                        double *p99, long *log_at_go)
{
    char log[600];
    int ready[2], go[2], lat[2], status;
    double *v = malloc(sizeof *v * (size_t)(n * taps)), t0, secs;
    pid_t pids[MAX_TERMINALS];
    char c;

    if (!v || pipe(ready) || pipe(go) || pipe(lat))
        die("pipes");
    for (int w = 0; w < n; w++)
        if ((pids[w] = fork()) == 0)
            driver(build, w, s, s ? keys[w] : NULL, target, dir, first + w * (taps + WARMUP),
                   taps, pace_ms, (int[3]){ready[1], go[0], lat[1]});
    close(ready[1]);
    close(lat[1]);
    for (int w = 0; w < n; w++)
        fleet_read(ready[0], &c, 1, pids, n);
    snprintf(log, sizeof log, "%s/serve.log", dir);
    if (log_at_go)
        *log_at_go = file_size(log);
    t0 = bench_now_s();
    for (int w = 0; w < n; w++)
        if (write(go[1], "g", 1) != 1)
            die("starting the terminals");
    for (int i = 0; i < n * taps; i++)
        fleet_read(lat[0], &v[i], sizeof *v, pids, n);
    secs = bench_now_s() - t0;
    for (int w = 0; w < n; w++)
        if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            die("a terminal failed");
    close(ready[0]);
    close(go[0]);
    close(go[1]);
    close(lat[0]);
    *p99 = bench_percentile(v, n * taps, 99);
    free(v);
    return n * taps / secs;
}

/* The p99 of the times serve logged (doc/protocol.md: "... (events) 200
 * 2.8 ms") for the events requests in dir/serve.log from offset on: the
 * server's own share of a tap, from the request line to the answer. The
 * terminal's share (its journal, the link) is the rest. -1 when none. */
static double served_p99(const char *dir, long offset)
{
    static const char mark[] = "(events) 200 ";
    char path[600], line[1024], *at;
    double *v = NULL, p99;
    size_t n = 0, cap = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/serve.log", dir);
    if (!(f = fopen(path, "r")) || fseek(f, offset, SEEK_SET) != 0)
        die("reading serve.log");
    while (fgets(line, sizeof line, f)) {
        if (!(at = strstr(line, mark)))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            if (!(v = realloc(v, cap * sizeof *v)))
                die("out of memory");
        }
        v[n++] = strtod(at + strlen(mark), NULL);
    }
    fclose(f);
    p99 = n ? bench_percentile(v, (int)n, 99) : -1;
    free(v);
    return p99;
}

/* A new schema on the server base, as a target whose search path is it;
 * drop: the schema dropped instead. */
static void pg_schema(const char *base, const char *schema, char *target, size_t size, int drop)
{
    char sql[200];
    db *d;

    snprintf(sql, sizeof sql, drop ? "DROP SCHEMA %s CASCADE"
                                   : "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
             schema, schema);
    if (db_open(base, DB_OPEN_CREATE, &d) || db_exec(d, sql))
        die("making a schema on the PostgreSQL server");
    db_close(d);
    if (!drop && db_target_in_schema(base, schema, target, size))
        die("naming the schema");
}

/* n terminals charging at once on PostgreSQL, through one serve and, the
 * baseline, with --db on the same store: first taps each as fast as they
 * are answered (the most it can take), then PACED_TAPS each at a pace (a
 * tap every PACE_MS on average: a store busy but not flooded, where the
 * p99 is the wait a diner sees rather than the length of the queue). */
static void bench_fleet(const char *build, const char *dir, const char *pg, int n, int taps)
{
    static const char base_is[] = "same terminals with --db on the same PostgreSQL";
    char schema[64], target[1024], name[128], goal[48];
    int per = n * (taps + WARMUP), paced = n * (PACED_TAPS + WARMUP);
    double alone, alone99, via, via99, served99;
    long log_from;
    term_key keys[MAX_TERMINALS];
    server s;

    snprintf(schema, sizeof schema, "cp_bench_serve_%d_%d", (int)getpid(), n);
    pg_schema(pg, schema, target, sizeof target, 0);
    make_canteen(target, 2 * per + 2 * paced, n, keys);
    fprintf(stderr, "fleet: %d terminals x %d taps with --db on PostgreSQL...\n", n, taps);
    alone = fleet_run(build, dir, n, taps, 0, NULL, NULL, target, 1, &alone99, NULL);
    fprintf(stderr, "fleet: %d terminals x %d taps through serve (%d workers)...\n", n, taps,
            SERVE_WORKERS);
    serve_start(&s, build, target, SERVE_WORKERS, dir);
    via = fleet_run(build, dir, n, taps, 0, &s, keys, target, per + 1, &via99, &log_from);
    snprintf(name, sizeof name, "%d terminals via serve, PostgreSQL: charges/s", n);
    snprintf(goal, sizeof goal, "> %.0f/s (half the store alone)", alone / 2);
    row(name, via, "1/s", base_is, alone, goal, via * 2 >= alone);
    snprintf(name, sizeof name, "%d terminals via serve, PostgreSQL: charge p99", n);
    row(name, via99, "ms", base_is, alone99, "< 20 ms", via99 < 20);

    fprintf(stderr, "fleet: %d terminals x %d taps, a tap every %d ms each, through serve...\n",
            n, PACED_TAPS, PACE_MS);
    via = fleet_run(build, dir, n, PACED_TAPS, PACE_MS, &s, keys, target, 2 * per + 1, &via99,
                    &log_from);
    serve_stop(&s);
    served99 = served_p99(dir, log_from);
    fprintf(stderr, "fleet: the same with --db...\n");
    alone = fleet_run(build, dir, n, PACED_TAPS, PACE_MS, NULL, NULL, target,
                      2 * per + paced + 1, &alone99, NULL);
    pg_schema(pg, schema, target, sizeof target, 1);
    snprintf(name, sizeof name, "%d terminals via serve, a tap every %d ms each: charge p99", n,
             PACE_MS);
    row(name, via99, "ms", base_is, alone99, "< 20 ms", via99 < 20);
    /* where the time goes: the server's share, from its own log; the
     * rest is the terminal's (its journal's fsync, on the disk the store's
     * commits also wait for here) and the link's */
    snprintf(name, sizeof name, "%d terminals via serve, a tap every %d ms each: the server's "
             "own time p99 (its log)", n, PACE_MS);
    row(name, served99, "ms", "the whole charge at a --db terminal, same run", alone99, NULL,
        0);
}

/* ---- replay: a queue of offline charges drained ------------------------------ */

/* Queues n offline charges of cards first.. in terminal code's journal at
 * path, as the POS queues them when the server does not answer. */
static void queue_offline(const char *path, const char *code, int first, int n)
{
    char card[16];
    journal *j;
    int64_t seq;

    if (journal_open(path, code, &j))
        die("opening a journal");
    for (int i = 0; i < n; i++) {
        json_t *ev;
        snprintf(card, sizeof card, "%010d", first + i);
        ev = json_pack("{s:s, s:s, s:s}", "at", NOW, "card", card, "cashier", "bench");
        if (!ev || journal_append(j, "charge", ev, 1, &seq))
            die("queueing an event");
        json_decref(ev);
    }
    journal_close(j);
}

/* A journal of terminal POS<no> with n offline charges from card first,
 * at dir/NAME: built on tmpfs (no fsync per event) and copied to dir, so
 * that its drain writes to the same disk as the store. */
static void make_queue(const char *dir, int no, int first, int n, char *path, size_t size)
{
    char code[16], shm[96], cmd[1400];

    snprintf(code, sizeof code, "POS%d", no);
    snprintf(shm, sizeof shm, "/dev/shm/cp-bench-serve-%d-%s.journal", (int)getpid(), code);
    snprintf(path, size, "%s/replay-%s.journal", dir, code);
    queue_offline(shm, code, first, n);
    snprintf(cmd, sizeof cmd, "cp -p %s %s && rm -f %s %s-wal %s-shm", shm, path, shm, shm, shm);
    if (system(cmd) != 0)
        die("copying the journal");
}

/* Drains the journal at path through the server s as POS<no> with key, as
 * the POS does on its first contact; returns the seconds it took. */
static double drain(const server *s, int no, const char *key, const char *path)
{
    char code[16];
    termsync_config c = {.server = s->url, .terminal = code, .key = key, .journal = path,
                         .budget_ms = 60000};
    json_t *error = NULL;
    int64_t left = -1;
    termsync *t;
    double t0;

    snprintf(code, sizeof code, "POS%d", no);
    if (termsync_open(&c, &t))
        die("opening the terminal's link");
    t0 = bench_now_s();
    if (termsync_hello(t, &error) != TERMSYNC_ANSWERED ||
        journal_pending_count(termsync_journal(t), &left) || left != 0) {
        fprintf(stderr, "bench_serve: the queue did not drain (%lld left): %s\n",
                (long long)left, termsync_text(error, "message"));
        exit(1);
    }
    t0 = bench_now_s() - t0;
    termsync_close(t);
    return t0;
}

/* The baseline: n charges of cards 1.. (at least DAY_EVENTS) straight on
 * a store at path made like the server's, in one process, each charged as
 * the server charges an event (serve_handlers.c apply_charge: ledger_charge
 * with the request id CODE/SEQ); returns the seconds of the first n, and
 * in *day those of the first DAY_EVENTS. */
static double charge_alone(const char *path, int n, double *day)
{
    int total = n < DAY_EVENTS ? DAY_EVENTS : n;
    double t0, secs = 0;
    db *d;

    make_canteen(path, total, 1, NULL);
    if (db_open(path, DB_OPEN_EXISTING, &d))
        die("opening the store");
    t0 = bench_now_s();
    for (int i = 1; i <= total; i++) {
        if (!term_charge_card(d, "POS1", i, "POS1/"))
            die("charging straight on the store");
        if (i == DAY_EVENTS)
            *day = bench_now_s() - t0;
        if (i == n)
            secs = bench_now_s() - t0;
    }
    db_close(d);
    return secs;
}

static void bench_replay(const char *build, const char *dir, int events)
{
    static const char base_is[] = "same charges, ledger_charge on the store in one process";
    char store[600], alone[600], q1[700], q2[700], name[128];
    double base, base_day = 0, secs, day;
    term_key keys[2];
    server s;

    snprintf(store, sizeof store, "%s/replay.db", dir);
    snprintf(alone, sizeof alone, "%s/alone.db", dir);
    fprintf(stderr, "replay: %d charges straight on the store...\n", events);
    base = charge_alone(alone, events, &base_day);
    fprintf(stderr, "replay: %d + %d offline charges queued, drained through serve...\n",
            events, DAY_EVENTS);
    make_canteen(store, events + DAY_EVENTS, 2, keys);
    make_queue(dir, 1, 1, events, q1, sizeof q1);
    make_queue(dir, 2, events + 1, DAY_EVENTS, q2, sizeof q2);
    serve_start(&s, build, store, 2, dir);
    secs = drain(&s, 1, keys[0], q1);
    day = drain(&s, 2, keys[1], q2);
    serve_stop(&s);
    snprintf(name, sizeof name, "replay of %d offline events via serve: events/s", events);
    row(name, events / secs, "1/s", base_is, events / base, NULL, 0);
    snprintf(name, sizeof name, "replay of %d offline events via serve: time to drain", events);
    row(name, secs, "s", base_is, base, NULL, 0);
    snprintf(name, sizeof name, "replay of a day (%d events) via serve: time to drain",
             DAY_EVENTS);
    row(name, day, "s", base_is, base_day, "< 2 s", day < 2);
}

/* ---- the disk ----------------------------------------------------------------- */

/* One fsync of a 4 KiB write in dir, p50 of 100: what every durable commit
 * waits for on this disk. */
static void bench_fsync(const char *dir)
{
    char path[600], page[4096] = {0};
    double v[100];
    int fd;

    snprintf(path, sizeof path, "%s/fsync", dir);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
        die(path);
    for (int i = 0; i < 100; i++) {
        double t0 = bench_now_us();
        if (write(fd, page, sizeof page) != (ssize_t)sizeof page || fsync(fd))
            die("fsync");
        v[i] = (bench_now_us() - t0) / 1000;
    }
    close(fd);
    unlink(path);
    row("disk: write 4 KiB + fsync p50 (what a durable commit waits for)",
        bench_percentile(v, 100, 50), "ms", NULL, 0, NULL, 0);
}

/* ---- main --------------------------------------------------------------------- */

/* Without CLEANPLATE_BENCH_PG, this program again under tests/with-pg.sh (a
 * throw-away PostgreSQL) when there is one; returns only when not. */
static void again_with_pg(char **argv)
{
    static const char with_pg[] = "tests/with-pg.sh";
    const char *pg = getenv("CLEANPLATE_BENCH_PG");

    /* Under tests/bench/run.sh (BENCH_ROWS set) the run has decided already:
     * CLEANPLATE_BENCH_PG names its server, or there is none. */
    if ((pg && *pg) || getenv("BENCH_ROWS") || getenv("CP_BENCH_SERVE_WITH_PG") ||
        access(with_pg, X_OK) != 0)
        return;
    setenv("CP_BENCH_SERVE_WITH_PG", "1", 1);
    execv(with_pg, (char *const[]){(char *)with_pg, "sh", "-c",
                                   "CLEANPLATE_BENCH_PG=${CLEANPLATE_TEST_PG:-off} exec \"$0\" "
                                   "\"$@\"", argv[0], argv[1] ? argv[1] : "build",
                                   argv[1] && argv[2] ? argv[2] : NULL,
                                   argv[1] && argv[2] ? argv[3] : NULL,
                                   argv[1] && argv[2] && argv[3] ? argv[4] : NULL, NULL});
    die("running tests/with-pg.sh");
}

int main(int argc, char **argv)
{
    const char *build = argc > 1 ? argv[1] : "build", *pg;
    int taps = argc > 2 ? atoi(argv[2]) : 300, events = argc > 3 ? atoi(argv[3]) : 10000;
    const char *parts = argc > 4 ? argv[4] : "online,fleet,replay,offline";
    char dir[] = "/tmp/cp-bench-serve-XXXXXX", shm[] = "/dev/shm/cp-bench-serve-XXXXXX", cmd[64];
    double t0 = bench_now_s();

    again_with_pg(argv);
    pg = getenv("CLEANPLATE_BENCH_PG");
    if (taps < 1 || events < 1 || !mkdtemp(dir))
        die("usage: bench_serve BUILD_DIR [TAPS [EVENTS [online,fleet,replay,offline]]]");
    signal(SIGPIPE, SIG_IGN); /* a terminal that dies is an error on write, not our death */
    setenv("CLEANPLATE_NOW", NOW, 1);
    setenv("CLEANPLATE_USER", "bench", 1);
    if (strstr(parts, "online")) {
        bench_fsync(dir);
        bench_online(build, dir, taps, "disk");
        /* the same on tmpfs, where a commit waits for no disk: what the
         * server's own work (HTTP, signature, JSON, its statements) adds */
        if (!mkdtemp(shm))
            die("a folder on /dev/shm");
        bench_online(build, shm, taps, "tmpfs");
        snprintf(cmd, sizeof cmd, "rm -rf %s", shm);
        if (system(cmd) != 0)
            die("removing the folder on /dev/shm");
    }
    if (strstr(parts, "fleet") && pg && *pg && strcmp(pg, "off") != 0) {
        bench_fleet(build, dir, pg, 8, taps / 2);
        bench_fleet(build, dir, pg, MAX_TERMINALS, taps / 4 ? taps / 4 : 1);
    } else if (strstr(parts, "fleet")) {
        fprintf(stderr, "(no PostgreSQL: the fleet through serve is not measured)\n");
    }
    if (strstr(parts, "replay"))
        bench_replay(build, dir, events);
    if (strstr(parts, "offline"))
        bench_offline(build, dir, taps < OFFLINE_CARDS / 3 ? taps : OFFLINE_CARDS / 3);
    fprintf(stderr, "serve: measured in %.1f s\n", bench_now_s() - t0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
