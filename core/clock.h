/* clock: the one place that reads the time; CLEANPLATE_NOW fixes it for tests and demos. */
#ifndef CP_CLOCK_H
#define CP_CLOCK_H

#include "core/err.h"

/* Local wall-clock time, to the second. */
typedef struct cp_time {
    int year, month, day;     /* 2026, 1-12, 1-31 */
    int hour, minute, second; /* 0-23, 0-59, 0-59 */
} cp_time;

#define CP_TIME_ISO_LEN 20 /* "2026-11-21T12:05:00" and a NUL */
#define CP_DATE_LEN 11     /* "2026-11-21" and a NUL */

/* The current local time, or the one CLEANPLATE_NOW gives (ISO-8601 local,
 * "2026-11-21T12:05:00" or "2026-11-21 12:05"). A malformed CLEANPLATE_NOW is
 * an error, not silently ignored. */
cp_err clock_now(cp_time *out);

/* Moves a fixed clock to t for the rest of this process: a demo or test that
 * replays a month sets the time per event. Only a clock CLEANPLATE_NOW fixes can
 * be moved; with the real clock it is CP_ERR_INVALID, so that a terminal in
 * service can never be backdated. */
cp_err clock_set(const cp_time *t);

/* Parses "YYYY-MM-DDTHH:MM[:SS]" (a space may stand for the T) into *out. */
cp_err clock_parse(const char *s, cp_time *out);

/* The years a canteen's records can have, for months and quarters typed in.
 * 2000 is well before any canteen ran this software; a year after 2099 is a
 * typo. The bound also keeps every date at four digits, so that ISO dates
 * compare as strings and the day after the last one is still a later date:
 * with 9999-12, "the next day" printed as 0000-01-01 and the day loops of the
 * metrics ran for ever. */
#define CLOCK_YEAR_MIN 2000
#define CLOCK_YEAR_MAX 2099

/* Parses a month "YYYY-MM" (digits only, a year CLOCK_YEAR_MIN-CLOCK_YEAR_MAX)
 * into *year and *month; anything else is CP_ERR_INVALID saying what to type. */
cp_err clock_parse_month(const char *s, int *year, int *month);

/* The first day of month "YYYY-MM" and of the month after, as ISO dates:
 * every date and every time of the month sorts from first to before next.
 * An error as clock_parse_month's. */
cp_err clock_month_bounds(const char *month, char first[CP_DATE_LEN], char next[CP_DATE_LEN]);

/* Parses a calendar date "YYYY-MM-DD" (digits only, a real day, a year
 * CLOCK_YEAR_MIN-CLOCK_YEAR_MAX) into *out (time 00:00); anything else is
 * CP_ERR_INVALID saying what to type. */
cp_err clock_parse_date(const char *s, cp_time *out);

/* Parses a quarter "YYYYQn" (n 1-4, the years as above) into *year and
 * *quarter; anything else is CP_ERR_INVALID saying what to type. */
cp_err clock_parse_quarter(const char *s, int *year, int *quarter);

/* Writes "YYYY-MM-DDTHH:MM:SS" into buf. */
void clock_iso(const cp_time *t, char buf[CP_TIME_ISO_LEN]);

/* Writes "YYYY-MM-DD" into buf. */
void clock_date(const cp_time *t, char buf[CP_DATE_LEN]);

/* Now (clock_now) as clock_iso and as clock_date write it; an error when the
 * clock cannot be read (a bad CLEANPLATE_NOW), buf then left as it was. */
cp_err clock_now_iso(char buf[CP_TIME_ISO_LEN]);
cp_err clock_today(char buf[CP_DATE_LEN]);

/* Bytes for a date and time as people read it: "2026-11-20 12:00", or in
 * Chinese "2026年11月20日 12:00" (the catalog has the form). */
#define CLOCK_SHOW_LEN 48

/* Writes t as people read it in the user's language (minutes, no seconds). */
void clock_show(const cp_time *t, char buf[CLOCK_SHOW_LEN]);

/* The same for an ISO time as the store keeps it ("2026-11-20T12:00:05");
 * text that is not one is copied as it is. Returns buf. */
const char *clock_show_iso(const char *iso, char buf[CLOCK_SHOW_LEN]);

/* Minutes since local midnight. */
int clock_minute_of_day(const cp_time *t);

/* The seconds from a to b (negative when b is earlier), as calendar
 * arithmetic with no daylight-saving jumps, as clock_add_seconds. */
long clock_seconds_between(const cp_time *a, const cp_time *b);

/* t moved by delta seconds (negative goes back), normalised across days. */
cp_time clock_add_seconds(const cp_time *t, long delta);

#endif
