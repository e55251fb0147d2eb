/* Unit tests for core/cardno: every format, and the inputs each must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/cardno.h"

static void assert_norm(const char *raw, cardno_format fmt, const char *want)
{
    char out[CARDNO_LEN + 1];
    assert_int_equal(cardno_normalize(raw, fmt, out), CP_OK);
    assert_string_equal(out, want);
}

static void assert_bad(const char *raw, cardno_format fmt)
{
    char out[CARDNO_LEN + 1];
    assert_int_equal(cardno_normalize(raw, fmt, out), CP_ERR_INVALID);
}

static void test_decimal(void **state)
{
    (void)state;
    assert_norm("0012345678", CARDNO_DEC10, "0012345678");
    assert_norm("12345678", CARDNO_DEC10, "0012345678");
    assert_norm("  4294967295\r\n", CARDNO_AUTO, "4294967295");
    assert_bad("4294967296", CARDNO_DEC10);
    assert_bad("12345678901", CARDNO_DEC10);
    assert_bad("12a45", CARDNO_DEC10);
    assert_bad("", CARDNO_AUTO);
    assert_bad("   ", CARDNO_AUTO);
}

static void test_w26(void **state)
{
    (void)state;
    /* facility 123, card 45678: 123 * 65536 + 45678 = 8106606 */
    assert_norm("123,45678", CARDNO_W26, "0008106606");
    assert_norm("123,45678", CARDNO_AUTO, "0008106606");
    assert_norm("0,1", CARDNO_W26, "0000000001");
    assert_bad("256,1", CARDNO_W26);
    assert_bad("1,65536", CARDNO_W26);
    assert_bad(",1", CARDNO_W26);
    assert_bad("1,", CARDNO_W26);
    assert_bad("12345", CARDNO_W26);
}

static void test_hex(void **state)
{
    (void)state;
    /* 0x04A1B2C3 = 77705923 */
    assert_norm("04A1B2C3", CARDNO_HEX_MSB, "0077705923");
    assert_norm("c3b2a104", CARDNO_HEX_LSB, "0077705923");
    assert_norm("FFFFFFFF", CARDNO_HEX_MSB, "4294967295");
    assert_bad("04A1B2C", CARDNO_HEX_MSB);
    assert_bad("04A1B2C3D4", CARDNO_HEX_MSB);
    assert_bad("04G1B2C3", CARDNO_HEX_LSB);
}

static void test_format_names(void **state)
{
    cardno_format f;
    (void)state;
    assert_int_equal(cardno_format_parse("w26", &f), CP_OK);
    assert_int_equal(f, CARDNO_W26);
    assert_int_equal(cardno_format_parse("HEX-LSB", &f), CP_OK);
    assert_int_equal(f, CARDNO_HEX_LSB);
    assert_int_equal(cardno_format_parse("octal", &f), CP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_w26),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
