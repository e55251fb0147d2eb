/* Unit tests for core/config: values, integers in range, misspelt keys, bad lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/config.h"

static void test_values(void **state)
{
    config *c = NULL;
    long v;
    (void)state;
    assert_int_equal(config_parse("pos.ini", "; a POS\n[terminal]\ncode = POS1\n"
                                  "dup_seconds = 7\n[printer]\nuri = tcp:10.0.0.9\n"
                                  "[terminal]\ncode = POS2\n", &c), CP_OK);
    assert_string_equal(config_get(c, "terminal", "code"), "POS2"); /* last wins */
    assert_string_equal(config_get(c, "printer", "uri"), "tcp:10.0.0.9");
    assert_null(config_get(c, "printer", "columns"));
    assert_string_equal(config_get_or(c, "printer", "columns", "32"), "32");
    assert_int_equal(config_get_int(c, "terminal", "dup_seconds", 1, 60, 5, &v), CP_OK);
    assert_int_equal(v, 7);
    assert_int_equal(config_get_int(c, "terminal", "missing", 1, 60, 5, &v), CP_OK);
    assert_int_equal(v, 5);
    assert_int_equal(config_get_int(c, "terminal", "dup_seconds", 10, 60, 5, &v),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "pos.ini:4"));
    assert_int_equal(config_get_int(c, "terminal", "code", 0, 9, 5, &v), CP_ERR_INVALID);
    static const char *const keys[] = {"code", NULL};
    assert_int_equal(config_check_keys(c, "terminal", keys), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "dup_seconds"));
    config_free(c);
    assert_string_equal(config_get_or(NULL, "a", "b", "x"), "x");
}

static void test_errors(void **state)
{
    config *c = NULL;
    (void)state;
    assert_int_equal(config_parse("bad.ini", "[terminal]\ncode = POS1\nthis is not ini\n", &c),
                     CP_ERR_PARSE);
    assert_non_null(strstr(cp_detail(), "bad.ini:3"));
    assert_null(c);
    assert_int_equal(config_load("/nonexistent/pos.ini", &c), CP_ERR_IO);
    assert_non_null(strstr(cp_detail(), "/nonexistent/pos.ini"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
