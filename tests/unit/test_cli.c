/* Unit tests for core/cli: long options anywhere, "--", "-h", checked numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/cli.h"

/* A fresh table each time: cli_parse fills in the values. */
#define OPTS(name)                                                                     \
    cli_opt name[] = {{"db", 1, NULL}, {"count", 1, NULL}, {"json", 0, NULL},           \
                      {"help", 0, NULL}, {NULL, 0, NULL}}

static void test_options_anywhere(void **state)
{
    OPTS(o);
    char *argv[] = {"a.csv", "--db", "x.db", "--json", "--count=7", "b.csv"};
    char *pos[4];
    int n = -1;

    (void)state;
    assert_int_equal(cli_parse(6, argv, o, pos, 4, &n), CP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(pos[0], "a.csv");
    assert_string_equal(pos[1], "b.csv");
    assert_string_equal(cli_get(o, "db"), "x.db");
    assert_string_equal(cli_get(o, "json"), "1");
    assert_string_equal(cli_get(o, "count"), "7");
    assert_null(cli_get(o, "help"));
}

static void test_double_dash_ends_options(void **state)
{
    OPTS(o);
    char *argv[] = {"--", "--json", "-h"};
    char *pos[4];
    int n = -1;

    (void)state;
    assert_int_equal(cli_parse(3, argv, o, pos, 4, &n), CP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(pos[0], "--json");
    assert_string_equal(pos[1], "-h");
    assert_null(cli_get(o, "json"));
    assert_null(cli_get(o, "help"));
}

static void test_short_help(void **state)
{
    OPTS(o);
    char *argv[] = {"monthly", "-h"};
    char *pos[4];
    int n = -1;
    cli_opt nohelp[] = {{"db", 1, NULL}, {NULL, 0, NULL}};

    (void)state;
    assert_int_equal(cli_parse(2, argv, o, pos, 4, &n), CP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(cli_get(o, "help"), "1");
    /* a program without --help refuses -h by name instead of taking it as an argument */
    assert_int_equal(cli_parse(2, argv, nohelp, pos, 4, &n), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "--help"));
}

static void test_mistakes_named(void **state)
{
    char *pos[1];
    int n;

    (void)state;
    {
        OPTS(o);
        char *argv[] = {"--colour"};
        assert_int_equal(cli_parse(1, argv, o, pos, 1, &n), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "unknown option '--colour'"));
    }
    {
        OPTS(o);
        char *argv[] = {"--db"};
        assert_int_equal(cli_parse(1, argv, o, pos, 1, &n), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "--db needs a value"));
    }
    {
        OPTS(o);
        char *argv[] = {"--json=yes"};
        assert_int_equal(cli_parse(1, argv, o, pos, 1, &n), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "--json takes no value"));
    }
    {
        OPTS(o);
        char *argv[] = {"a", "b"};
        assert_int_equal(cli_parse(2, argv, o, pos, 1, &n), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "unexpected argument 'b'"));
    }
}

static void test_numbers_checked(void **state)
{
    long v = 42;
    const char *bad[] = {"abc", "", "12x", "0", "1001", "-3", "99999999999999999999999"};

    (void)state;
    {
        OPTS(o);
        assert_int_equal(cli_get_long(o, "count", 1, 1000, &v), CP_OK);
        assert_int_equal(v, 42); /* not given: left alone */
    }
    {
        OPTS(o);
        char *argv[] = {"--count", "1000"};
        char *pos[1];
        int n;
        assert_int_equal(cli_parse(2, argv, o, pos, 1, &n), CP_OK);
        assert_int_equal(cli_get_long(o, "count", 1, 1000, &v), CP_OK);
        assert_int_equal(v, 1000);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        OPTS(o);
        o[1].value = bad[i];
        v = 42;
        assert_int_equal(cli_get_long(o, "count", 1, 1000, &v), CP_ERR_INVALID);
        assert_int_equal(v, 42);
        assert_non_null(strstr(cp_detail(), "--count"));
        assert_non_null(strstr(cp_detail(), "from 1 to 1000"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_anywhere),
        cmocka_unit_test(test_double_dash_ends_options),
        cmocka_unit_test(test_short_help),
        cmocka_unit_test(test_mistakes_named),
        cmocka_unit_test(test_numbers_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
