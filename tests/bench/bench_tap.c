/* bench_tap: tap to screen on the cashier terminal, timed from outside the terminal.
 *
 * Usage: bench_tap BUILD_DIR [TAPS]
 * A canteen is set up with cleanplate-office as an operator does it (init, canteen,
 * terminal, period, price, departments and diners imported, a month's subsidy), in a
 * file database. Then, in the same run and interleaved tap by tap:
 *   tap       the real `cleanplate-pos --headless` on pipes: a tap is timed from
 *             writing a card line to its stdin to reading the whole JSON answer line
 *             from its stdout (normalise, charge in one transaction with
 *             synchronous=FULL, the answer); every answer must be "ok":true;
 *   baseline  the same line through `cat`: written to its stdin and read back from
 *             its stdout (two pipes and a process wake-up, nothing else).
 * The first WARMUP taps of each are not counted (start-up, first statements).
 * This is the headless terminal: the full screen draws the same answer with
 * ncurses, which tests/integration/tui_*.sh time in tmux.
 * Results are rows (bench.h) for tests/bench/run.sh; progress goes to stderr. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/bench/bench.h"

#define WARMUP 20

static void die(const char *what)
{
    fprintf(stderr, "bench_tap: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(1);
}

/* A child on pipes: we write to in, read its answers from out. */
typedef struct child {
    pid_t pid;
    int in, out;
    char buf[4096];
    size_t len; /* bytes in buf after the last line returned */
} child;

static void spawn(child *c, char *const *argv)
{
    int to[2], from[2];

    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
        die("pipe");
    if ((c->pid = fork()) < 0)
        die("fork");
    if (c->pid == 0) {
        if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    c->in = to[1];
    c->out = from[0];
    c->len = 0;
}

/* Writes line (with its newline) and reads one answer line into ans; returns the
 * round trip in microseconds. */
static double round_trip(child *c, const char *line, char *ans, size_t cap)
{
    size_t n = strlen(line), off = 0;
    double t0 = bench_now_us();
    char *nl;

    while (off < n) {
        ssize_t w = write(c->in, line + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("writing a tap");
        off += (size_t)w;
    }
    while (!(nl = memchr(c->buf, '\n', c->len))) {
        ssize_t r = read(c->out, c->buf + c->len, sizeof c->buf - c->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || (c->len += (size_t)r) == sizeof c->buf) {
            errno = r < 0 ? errno : 0;
            die("reading an answer");
        }
    }
    double t = bench_now_us() - t0;
    n = (size_t)(nl - c->buf) + 1;
    snprintf(ans, cap, "%.*s", (int)(n - 1), c->buf);
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    return t;
}

/* Closes the child's stdin and waits for it; returns its exit status (or -1). */
static int finish(child *c)
{
    int status;

    close(c->in);
    close(c->out);
    if (waitpid(c->pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Runs cleanplate-office --db path with args, stdin from the file input (may
 * be NULL); a failure ends the bench. */
static void office_in(const char *build, const char *path, const char *input,
                      const char *const *args)
{
    if (bench_office_in(build, path, input, args) < 0) {
        fprintf(stderr, "bench_tap: cleanplate-office %s %s failed\n", args[0],
                args[1] ? args[1] : "");
        exit(1);
    }
}

static void office(const char *build, const char *path, const char *const *args)
{
    office_in(build, path, NULL, args);
}

/* Writes text into the file path; a failure ends the bench. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f))
        die(path);
}

/* The canteen of tests/integration/lib.sh: its admin root and manager boss,
 * C1 with POS1, lunch at 8 yuan for staff, n diners with cards 0000000001..,
 * each granted 20 yuan of subsidy for November (by boss, PIN on stdin). */
static void make_canteen(const char *build, const char *dir, const char *path, int n)
{
    char dep[600], din[600], first[600], second[600], pin[600];
    FILE *f;

    snprintf(dep, sizeof dep, "%s/departments.csv", dir);
    snprintf(din, sizeof din, "%s/diners.csv", dir);
    snprintf(first, sizeof first, "%s/admin.pins", dir);
    snprintf(second, sizeof second, "%s/manager.pins", dir);
    snprintf(pin, sizeof pin, "%s/manager.pin", dir);
    write_file(first, "135790\n135790\n");            /* the new admin's, twice */
    write_file(second, "135790\n246810\n246810\n");  /* the admin's, the manager's twice */
    write_file(pin, "246810\n");
    if (!(f = fopen(dep, "w")))
        die(dep);
    fputs("code,name,parent_code\nU1,市政府,\n"
          "D01,办公室,U1\nD02,财务处,U1\nD03,人事处,U1\n", f);
    fclose(f);
    if (!(f = fopen(din, "w")))
        die(din);
    fputs("staff_no,name,department_code,category,card\n", f);
    for (int i = 1; i <= n; i++)
        fprintf(f, "S%05d,职工%d,D0%d,staff,%010d\n", i, i, i % 3 + 1, i);
    if (fclose(f))
        die(din);
    office(build, path, (const char *const[]){"init", NULL});
    office_in(build, path, first, (const char *const[]){"user", "add", "root", "--role", "admin",
                                                        NULL});
    office_in(build, path, second, (const char *const[]){"user", "add", "boss", "--role",
                                                         "manager", "--manager", "root", NULL});
    office(build, path, (const char *const[]){"canteen", "add", "C1", "机关一食堂", NULL});
    office(build, path, (const char *const[]){"terminal", "add", "POS1", "--canteen", "C1",
                                              "--kind", "pos", NULL});
    office(build, path, (const char *const[]){"period", "set", "--canteen", "C1", "lunch",
                                              "11:00-13:30", NULL});
    office_in(build, path, pin, (const char *const[]){"price", "set", "--canteen", "C1",
                                                      "--period", "lunch", "--category",
                                                      "staff", "8", "--manager", "boss", NULL});
    office(build, path, (const char *const[]){"import", "departments", dep, NULL});
    office(build, path, (const char *const[]){"import", "diners", din, NULL});
    office_in(build, path, pin, (const char *const[]){"subsidy", "grant", "--month", "2026-11",
                                                      "20", "--manager", "boss", NULL});
}

int main(int argc, char **argv)
{
    const char *build = argc > 1 ? argv[1] : "build";
    int taps = argc > 2 ? atoi(argv[2]) : 500, total;
    char dir[] = "/tmp/cp-bench-tap-XXXXXX", path[64], prog[512], cmd[64], name[64];
    char line[32], ans[1024], cat[] = "/bin/cat";
    double *lat, *base, t0;
    child pos, echo;

    if (taps < 1 || !mkdtemp(dir))
        die("setting up");
    total = taps + WARMUP;
    lat = calloc((size_t)taps, sizeof *lat);
    base = calloc((size_t)taps, sizeof *base);
    if (!lat || !base)
        die("out of memory");
    signal(SIGPIPE, SIG_IGN); /* a child that dies is an error on write, not our death */
    setenv("CLEANPLATE_NOW", "2026-11-20T12:00:00", 1);
    setenv("CLEANPLATE_USER", "bench", 1);
    snprintf(path, sizeof path, "%s/canteen.db", dir);
    snprintf(prog, sizeof prog, "%s/cleanplate-pos", build);

    t0 = bench_now_s();
    fprintf(stderr, "tap: a canteen of %d diners set up with cleanplate-office...\n", total);
    make_canteen(build, dir, path, total);
    fprintf(stderr, "tap: %d taps (+%d warm-up) into cleanplate-pos --headless and through cat,"
                    " interleaved...\n", taps, WARMUP);
    spawn(&pos, (char *const[]){prog, "--headless", "--terminal", "POS1", "--db", path, NULL});
    spawn(&echo, (char *const[]){cat, NULL});
    for (int i = 0; i < total; i++) {
        double b, t;
        snprintf(line, sizeof line, "%010d\n", i + 1);
        b = round_trip(&echo, line, ans, sizeof ans);
        if (strncmp(ans, line, 10) != 0) {
            errno = 0;
            die("cat did not echo the tap");
        }
        t = round_trip(&pos, line, ans, sizeof ans);
        if (!strstr(ans, "\"ok\":true")) {
            fprintf(stderr, "bench_tap: tap %d answered %s\n", i + 1, ans);
            return 1;
        }
        if (i >= WARMUP) {
            base[i - WARMUP] = b;
            lat[i - WARMUP] = t;
        }
    }
    if (finish(&echo) != 0 || finish(&pos) != 0) {
        errno = 0;
        die("cat or cleanplate-pos exited with an error");
    }
    fprintf(stderr, "tap: measured in %.1f s\n", bench_now_s() - t0);

    double b50 = bench_percentile(base, taps, 50) / 1000;
    double b99 = bench_percentile(base, taps, 99) / 1000;
    double t50 = bench_percentile(lat, taps, 50) / 1000;
    double t99 = bench_percentile(lat, taps, 99) / 1000;
    static const char echo_base[] = "same line through cat (pipe echo)";
    snprintf(name, sizeof name, "tap to screen, headless POS p50 (%d taps)", taps);
    bench_row_emit("tap", &(bench_row){.name = name, .value = t50, .unit = "ms", .base = b50,
                                       .baseline = echo_base, .goal = "< 100 ms",
                                       .met = t50 < 100});
    snprintf(name, sizeof name, "tap to screen, headless POS p99 (%d taps)", taps);
    bench_row_emit("tap", &(bench_row){.name = name, .value = t99, .unit = "ms", .base = b99,
                                       .baseline = echo_base, .goal = "< 100 ms",
                                       .met = t99 < 100});
    free(lat);
    free(base);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
