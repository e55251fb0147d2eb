/* clock: the one place that reads the time; CLEANPLATE_NOW fixes it for tests and demos. */
#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/nls.h"
#include "core/utf8.h"

static cp_time from_tm(const struct tm *tm)
{
    cp_time t = {tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday,
                 tm->tm_hour, tm->tm_min, tm->tm_sec};
    return t;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

cp_err clock_parse_month(const char *s, int *year, int *month)
{
    int y, m;

    /* digits only: sscanf's %d alone would take "2026-+1" or "2026- 1" */
    if (strlen(s) != 7 || strspn(s, "0123456789") != 4 || s[4] != '-' ||
        strspn(s + 5, "0123456789") != 2 || sscanf(s, "%4d-%2d", &y, &m) != 2 || m < 1 ||
        m > 12)
        return cp_fail(CP_ERR_INVALID, "'%s' is not a month like 2026-11", s);
    if (y < CLOCK_YEAR_MIN || y > CLOCK_YEAR_MAX)
        return cp_fail(CP_ERR_INVALID, "'%s' is not a month a canteen can have: give a year "
                       "from %d to %d, like 2026-11", s, CLOCK_YEAR_MIN, CLOCK_YEAR_MAX);
    *year = y;
    *month = m;
    return CP_OK;
}

cp_err clock_month_bounds(const char *month, char first[CP_DATE_LEN], char next[CP_DATE_LEN])
{
    int y, m;
    cp_err err = clock_parse_month(month, &y, &m);

    if (err)
        return err;
    /* clock_parse_month gives a year of four digits and a month of 1 to 12 */
    snprintf(first, CP_DATE_LEN, "%04u-%02u-01", (unsigned)y % 10000, (unsigned)m % 100);
    snprintf(next, CP_DATE_LEN, "%04u-%02u-01", (unsigned)(m == 12 ? y + 1 : y) % 10000,
             (unsigned)m % 12 + 1);
    return CP_OK;
}

cp_err clock_parse_date(const char *s, cp_time *out)
{
    char month[8];
    cp_time t = {0};

    if (strlen(s) != 10 || s[7] != '-' || strspn(s + 8, "0123456789") != 2)
        return cp_fail(CP_ERR_INVALID, "'%s' is not a date like 2026-11-03", s);
    snprintf(month, sizeof month, "%.7s", s);
    if (clock_parse_month(month, &t.year, &t.month) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "'%s' is not a date like 2026-11-03 (years %d to %d)",
                       s, CLOCK_YEAR_MIN, CLOCK_YEAR_MAX);
    t.day = (s[8] - '0') * 10 + (s[9] - '0');
    if (t.day < 1 || t.day > days_in_month(t.year, t.month))
        return cp_fail(CP_ERR_INVALID, "'%s' is not a day of the calendar: %.7s has %d days", s,
                       s, days_in_month(t.year, t.month));
    *out = t;
    return CP_OK;
}

cp_err clock_parse_quarter(const char *s, int *year, int *quarter)
{
    int y, q;

    if (strlen(s) != 6 || strspn(s, "0123456789") != 4 || s[4] != 'Q' || s[5] < '1' ||
        s[5] > '4' || sscanf(s, "%4d", &y) != 1)
        return cp_fail(CP_ERR_INVALID, "'%s' is not a quarter like 2026Q4", s);
    q = s[5] - '0';
    if (y < CLOCK_YEAR_MIN || y > CLOCK_YEAR_MAX)
        return cp_fail(CP_ERR_INVALID, "'%s' is not a quarter a canteen can have: give a year "
                       "from %d to %d, like 2026Q4", s, CLOCK_YEAR_MIN, CLOCK_YEAR_MAX);
    *year = y;
    *quarter = q;
    return CP_OK;
}

cp_err clock_parse(const char *s, cp_time *out)
{
    cp_time t = {0};
    char sep;
    int n = 0, end = 0;

    n = sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n:%2d%n", &t.year, &t.month, &t.day, &sep,
               &t.hour, &t.minute, &end, &t.second, &end);
    if (n < 6 || (sep != 'T' && sep != ' ') || s[end] != '\0' || t.month < 1 ||
        t.month > 12 || t.day < 1 || t.day > days_in_month(t.year, t.month) || t.hour < 0 ||
        t.hour > 23 || t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 59)
        return cp_fail(CP_ERR_INVALID, "'%s' is not a local time like 2026-11-21T12:05:00", s);
    *out = t;
    return CP_OK;
}

static cp_time moved;      /* clock_set's time */
static int moved_set;

cp_err clock_set(const cp_time *t)
{
    const char *fixed = getenv("CLEANPLATE_NOW");

    if (!fixed || !*fixed)
        return cp_fail(CP_ERR_INVALID, "the time can only be set when CLEANPLATE_NOW fixes "
                       "the clock (for demos and tests)");
    moved = *t;
    moved_set = 1;
    return CP_OK;
}

cp_err clock_now(cp_time *out)
{
    const char *fixed = getenv("CLEANPLATE_NOW");
    time_t now;
    struct tm tm;

    if (fixed && *fixed) {
        if (moved_set) {
            *out = moved;
            return CP_OK;
        }
        if (clock_parse(fixed, out) != CP_OK)
            return cp_fail(CP_ERR_INVALID,
                           "CLEANPLATE_NOW='%s' is not a local time like 2026-11-21T12:05:00",
                           fixed);
        return CP_OK;
    }
    now = time(NULL);
    localtime_r(&now, &tm);
    *out = from_tm(&tm);
    return CP_OK;
}

void clock_iso(const cp_time *t, char buf[CP_TIME_ISO_LEN])
{
    snprintf(buf, CP_TIME_ISO_LEN, "%04u-%02u-%02uT%02u:%02u:%02u", (unsigned)t->year % 10000,
             (unsigned)t->month % 100, (unsigned)t->day % 100, (unsigned)t->hour % 100,
             (unsigned)t->minute % 100, (unsigned)t->second % 100);
}

void clock_date(const cp_time *t, char buf[CP_DATE_LEN])
{
    snprintf(buf, CP_DATE_LEN, "%04u-%02u-%02u", (unsigned)t->year % 10000,
             (unsigned)t->month % 100, (unsigned)t->day % 100);
}

void clock_show(const cp_time *t, char buf[CLOCK_SHOW_LEN])
{
    /* TRANSLATORS: a date and time on screens and receipts: year, month, day,
     * hour, minute (Chinese: 2026年11月20日 12:00) */
    snprintf(buf, CLOCK_SHOW_LEN, _("%04d-%02d-%02d %02d:%02d"), t->year % 10000, t->month % 100,
             t->day % 100, t->hour % 100, t->minute % 100);
}

const char *clock_show_iso(const char *iso, char buf[CLOCK_SHOW_LEN])
{
    cp_time t;

    if (iso && clock_parse(iso, &t) == CP_OK)
        clock_show(&t, buf);
    else
        utf8_copy(buf, CLOCK_SHOW_LEN, iso ? iso : "");
    return buf;
}

int clock_minute_of_day(const cp_time *t)
{
    return t->hour * 60 + t->minute;
}

/* t's fields as seconds of a calendar without time zones. */
static time_t calendar_seconds(const cp_time *t)
{
    struct tm tm = {.tm_year = t->year - 1900, .tm_mon = t->month - 1, .tm_mday = t->day,
                    .tm_hour = t->hour, .tm_min = t->minute, .tm_sec = t->second};
    return timegm(&tm);
}

long clock_seconds_between(const cp_time *a, const cp_time *b)
{
    return (long)(calendar_seconds(b) - calendar_seconds(a));
}

cp_time clock_add_seconds(const cp_time *t, long delta)
{
    /* timegm/gmtime treat the fields as plain calendar arithmetic, with no
     * daylight-saving jumps, which is what a local wall clock needs here. */
    struct tm tm = {.tm_year = t->year - 1900, .tm_mon = t->month - 1, .tm_mday = t->day,
                    .tm_hour = t->hour, .tm_min = t->minute, .tm_sec = t->second};
    time_t secs = timegm(&tm) + delta;
    gmtime_r(&secs, &tm);
    return from_tm(&tm);
}

cp_err clock_now_iso(char buf[CP_TIME_ISO_LEN])
{
    cp_time now;
    cp_err err = clock_now(&now);
    if (!err)
        clock_iso(&now, buf);
    return err;
}

cp_err clock_today(char buf[CP_DATE_LEN])
{
    cp_time now;
    cp_err err = clock_now(&now);
    if (!err)
        clock_date(&now, buf);
    return err;
}
