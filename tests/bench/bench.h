/* bench: what every benchmark program shares: a monotonic clock, percentiles and result rows. */
#ifndef CP_BENCH_H
#define CP_BENCH_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Microseconds on the monotonic clock. */
static inline double bench_now_us(void)
{
    return bench_now_s() * 1e6;
}

/* The wait before the next of a stream of random arrivals averaging
 * mean_us apart (a Poisson process: exponential gaps), as pgbench --rate
 * schedules its transactions; *seed keeps the stream (rand_r). */
static inline double bench_gap_us(unsigned *seed, double mean_us)
{
    double u = ((double)rand_r(seed) + 1) / ((double)RAND_MAX + 2); /* in (0, 1) */
    return -mean_us * log(u);
}

/* Sleeps until the monotonic clock reads due_us (bench_now_us); at once
 * when that is past. */
static inline void bench_sleep_until_us(double due_us)
{
    struct timespec ts = {.tv_sec = (time_t)(due_us / 1e6),
                          .tv_nsec = (long)(fmod(due_us, 1e6) * 1000)};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile of the n values at v (sorts v in place). */
static inline double bench_percentile(double *v, int n, int p)
{
    long i = (long)n * p / 100;
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return v[i < n ? i : n - 1];
}

/* One measure of one benchmark, beside its baseline measured in the same run. */
typedef struct bench_row {
    const char *name;     /* the measure, e.g. "charge p50 (10,000 taps)" */
    double value;         /* what was measured, in unit */
    const char *unit;     /* "us", "ms", "s", "MB" (10^6 bytes), "MiB", "MB/s" */
    const char *baseline; /* what the baseline is; NULL when there is none */
    double base;          /* the baseline, in unit */
    int speedup;          /* ratio = base / value (times faster than the baseline);
                           * 0: ratio = value / base (times the baseline) */
    const char *goal;     /* the goal as text; NULL when there is none */
    int met;              /* with a goal: whether this run met it */
} bench_row;

/* Writes s as one field: no tab or newline inside, "-" when empty. */
static inline void bench_field(FILE *f, const char *s)
{
    if (!s || !*s)
        s = "-";
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

/* Emits the result row r of benchmark bench (the program's name without "bench_"):
 * a line for people on stderr, and one tab-separated line appended to the file
 * named by $BENCH_ROWS (stdout when it is not set), read by tests/bench/run.sh:
 *   bench  name  value  unit  baseline-value  ratio  m/b|b/m  goal  PASS|FAIL|-  baseline-is
 * with "-" for what a row does not have. */
static inline void bench_row_emit(const char *bench, const bench_row *r)
{
    const char *path = getenv("BENCH_ROWS");
    const char *verdict = !r->goal ? "-" : r->met ? "PASS" : "FAIL";
    int has_ratio = r->baseline && r->base > 0 && r->value > 0;
    double ratio = !has_ratio ? 0 : r->speedup ? r->base / r->value : r->value / r->base;
    FILE *f = path && *path ? fopen(path, "a") : stdout;

    fprintf(stderr, "  %s: %.6g %s", r->name, r->value, r->unit);
    if (r->baseline)
        fprintf(stderr, " (baseline %.6g %s: %s)", r->base, r->unit, r->baseline);
    if (has_ratio)
        fprintf(stderr, " %s %.3g", r->speedup ? "baseline/measured" : "measured/baseline",
                ratio);
    if (r->goal)
        fprintf(stderr, ", goal %s: %s", r->goal, verdict);
    fputc('\n', stderr);
    if (!f) {
        fprintf(stderr, "bench_%s: cannot append to %s\n", bench, path);
        exit(1);
    }
    bench_field(f, bench);
    fputc('\t', f);
    bench_field(f, r->name);
    fprintf(f, "\t%.6g\t", r->value);
    bench_field(f, r->unit);
    if (r->baseline)
        fprintf(f, "\t%.6g", r->base);
    else
        fputs("\t-", f);
    if (has_ratio)
        fprintf(f, "\t%.4g\t%s\t", ratio, r->speedup ? "b/m" : "m/b");
    else
        fputs("\t-\t-\t", f);
    bench_field(f, r->goal);
    fprintf(f, "\t%s\t", verdict);
    bench_field(f, r->baseline);
    fputc('\n', f);
    if (f == stdout)
        fflush(f);
    else
        fclose(f);
}

/* Runs BUILD/cleanplate-office --db PATH ARGS... with stdin from the file
 * input (NULL: this process's stdin), where a command that needs a manager
 * reads the PINs, and stdout into the file out (NULL: /dev/null); returns
 * its wall time in seconds, or -1 when it failed. */
static inline double bench_office_io(const char *build, const char *path, const char *input,
                                     const char *out, const char *const *args)
{
    char prog[512];
    const char *argv[16];
    int n = 0, status;
    double t0 = bench_now_s();
    pid_t pid;

    snprintf(prog, sizeof prog, "%s/cleanplate-office", build);
    argv[n++] = prog;
    argv[n++] = "--db";
    argv[n++] = path;
    for (; *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    if ((pid = fork()) == 0) {
        if (!freopen(out ? out : "/dev/null", "w", stdout) ||
            (input && !freopen(input, "r", stdin)))
            _exit(127);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return bench_now_s() - t0;
}

/* bench_office_io with its output thrown away. */
static inline double bench_office_in(const char *build, const char *path, const char *input,
                                     const char *const *args)
{
    return bench_office_io(build, path, input, NULL, args);
}

/* bench_office_in with this process's stdin. */
static inline double bench_office(const char *build, const char *path, const char *const *args)
{
    return bench_office_in(build, path, NULL, args);
}

#endif
