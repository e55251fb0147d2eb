/* Unit tests for core/money and core/clock: yuan strings, fen formatting, the fixed clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/money.h"

static void ok(const char *s, int64_t want)
{
    int64_t fen = -1;
    assert_int_equal(money_parse_yuan(s, &fen), CP_OK);
    assert_int_equal(fen, want);
}

static void bad(const char *s)
{
    int64_t fen = 42;
    assert_int_equal(money_parse_yuan(s, &fen), CP_ERR_INVALID);
    assert_int_equal(fen, 42);
}

static void test_parse(void **state)
{
    (void)state;
    ok("8", 800);
    ok("8.5", 850);
    ok("8.50", 850);
    ok("0.01", 1);
    ok("0", 0);
    ok("100000000", 10000000000LL);
    bad("-8");
    bad("+8");
    bad("8.505");
    bad("8.");
    bad(".5");
    bad("8a");
    bad("abc");
    bad("");
    bad(" 8");
    bad("8,50");
    bad("100000001");
    bad("100000000.01");
    bad("99999999999999999999999");
}

static void test_format(void **state)
{
    char buf[MONEY_STR_LEN];
    (void)state;
    assert_string_equal(money_format(1250, buf), "12.50");
    assert_string_equal(money_format(5, buf), "0.05");
    assert_string_equal(money_format(-30, buf), "-0.30");
    assert_string_equal(money_format(INT64_MIN, buf), "-92233720368547758.08");
}

/* kg typed in are grams exactly: 12.5 is 12500, never 12499.999 */
static void test_kg(void **state)
{
    char buf[MONEY_STR_LEN];
    int64_t g = 42;
    (void)state;
    static const struct { const char *s; int64_t g; } good[] = {
        {"12.5", 12500}, {"12.125", 12125}, {"0.001", 1}, {"0", 0}, {"7", 7000},
        {"0.1", 100}, {"100000", 100000000}, {"4.35", 4350}};
    static const char *const wrong[] = {"-1", "+1", "1.2345", "1.", ".5", "1e3", "", " 1",
                                        "1,5", "100000.001", "100001", "abc"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(money_parse_kg(good[i].s, &g), CP_OK);
        assert_int_equal(g, good[i].g);
    }
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        g = 42;
        assert_int_equal(money_parse_kg(wrong[i], &g), CP_ERR_INVALID);
        assert_int_equal(g, 42);
    }
    assert_string_equal(money_format_kg(12500, buf), "12.500");
    assert_string_equal(money_format_kg(-250, buf), "-0.250");
    assert_string_equal(money_format_kg(1, buf), "0.001");
}

static void test_clock(void **state)
{
    cp_time t;
    char iso[CP_TIME_ISO_LEN];
    (void)state;
    setenv("CLEANPLATE_NOW", "2026-12-31T23:59:58", 1);
    assert_int_equal(clock_now(&t), CP_OK);
    assert_int_equal(clock_minute_of_day(&t), 23 * 60 + 59);
    t = clock_add_seconds(&t, 3);
    clock_iso(&t, iso);
    assert_string_equal(iso, "2027-01-01T00:00:01");
    setenv("CLEANPLATE_NOW", "2026-11-21 12:05", 1);
    assert_int_equal(clock_now(&t), CP_OK);
    assert_int_equal(t.second, 0);
    setenv("CLEANPLATE_NOW", "yesterday", 1);
    assert_int_equal(clock_now(&t), CP_ERR_INVALID);
    setenv("CLEANPLATE_NOW", "2026-13-01T00:00:00", 1);
    assert_int_equal(clock_now(&t), CP_ERR_INVALID);
    unsetenv("CLEANPLATE_NOW");
    assert_int_equal(clock_now(&t), CP_OK);
    assert_true(t.year >= 2024);
}

static void test_dates_and_months(void **state)
{
    cp_time t;
    int y = 0, m = 0;
    const char *months[] = {"2026-+1", "2026- 1", "2026-13", "2026-00", "1999-12", "2026-1",
                            "2026-011", "2026/11", " 2026-11", "+026-11", ""};
    (void)state;
    assert_int_equal(clock_parse("2028-02-29T12:00", &t), CP_OK);   /* a leap day */
    assert_int_equal(clock_parse("2000-02-29T12:00", &t), CP_OK);
    assert_int_equal(clock_parse("2026-02-29T12:00", &t), CP_ERR_INVALID);
    assert_int_equal(clock_parse("2100-02-29T12:00", &t), CP_ERR_INVALID);
    assert_int_equal(clock_parse("2026-04-31T12:00", &t), CP_ERR_INVALID);
    assert_int_equal(clock_parse("2026-12-31T23:59:59", &t), CP_OK);
    assert_int_equal(clock_parse_month("2026-11", &y, &m), CP_OK);
    assert_int_equal(y, 2026);
    assert_int_equal(m, 11);
    for (size_t i = 0; i < sizeof months / sizeof *months; i++) {
        y = m = 0;
        if (clock_parse_month(months[i], &y, &m) != CP_ERR_INVALID)
            fail_msg("'%s' was taken as a month", months[i]);
        assert_int_equal(y + m, 0);
    }
    /* dates typed in (purchases): digits only, a real day, the years a canteen has */
    assert_int_equal(clock_parse_date("2028-02-29", &t), CP_OK);
    assert_int_equal(t.year * 10000 + t.month * 100 + t.day, 20280229);
    static const char *const dates[] = {"2026-02-29", "2026-11-31", "2026-11-00", "1999-12-31",
                                        "2026-11-3", "2026-11-+3", "2026-11- 3", "2026/11/03",
                                        "2026-11-033", ""};
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++)
        if (clock_parse_date(dates[i], &t) != CP_ERR_INVALID)
            fail_msg("'%s' was taken as a date", dates[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_kg),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_dates_and_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
