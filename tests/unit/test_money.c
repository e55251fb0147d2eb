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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
