/* bench: what every benchmark program shares: a monotonic clock and percentiles. */
#ifndef CP_BENCH_H
#define CP_BENCH_H

#include <stdlib.h>
#include <time.h>

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

#endif
