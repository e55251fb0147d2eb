/* Unit tests for receipts/escbuf and receipts/escpos: exact bytes of every command, text encoding, layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "receipts/escbuf.h"
#include "receipts/escpos.h"

static escpos *new_enc(escpos_encoding enc, int cols)
{
    escpos_profile p = {.encoding = enc, .columns = cols};
    escpos *e = NULL;

    assert_int_equal(escpos_new(&p, &e), CP_OK);
    assert_non_null(e);
    return e;
}

/* The encoder's bytes equal want[0..n), and the encoder is emptied. */
static void expect_bytes(escpos *e, const void *want, size_t n)
{
    size_t len;
    const unsigned char *got = escpos_data(e, &len);

    assert_int_equal(escpos_error(e), CP_OK);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    escpos_clear(e);
}

#define EXPECT(e, ...)                                                   \
    do {                                                                 \
        static const unsigned char want_[] = {__VA_ARGS__};              \
        expect_bytes((e), want_, sizeof want_);                          \
    } while (0)

static void test_escbuf_cap(void **state)
{
    escbuf b;
    size_t n;
    unsigned char *p;

    (void)state;
    escbuf_init(&b, 10);
    assert_int_equal(escbuf_str(&b, "0123456789"), CP_OK);
    assert_int_equal(escbuf_byte(&b, 'x'), CP_ERR_FULL);
    assert_int_equal(b.len, 10);
    /* sticky: a small append after the failure is refused too */
    assert_int_equal(escbuf_append(&b, "", 0), CP_ERR_FULL);
    assert_null(escbuf_take(&b, &n));
    assert_int_equal(n, 0);

    escbuf_init(&b, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(escbuf_repeat(&b, 'a', 3), CP_OK);
    p = escbuf_take(&b, &n);
    assert_int_equal(n, 3000);
    assert_int_equal(p[2999], 'a');
    assert_int_equal(p[3000], '\0');
    free(p);
    assert_int_equal(b.len, 0);
    escbuf_free(&b);
    escbuf_free(NULL);
}

static void test_commands(void **state)
{
    escpos *e = new_enc(ESCPOS_GB18030, 32);

    (void)state;
    escpos_init(e);
    EXPECT(e, 0x1b, 0x40);
    escpos_set_align(e, ESCPOS_LEFT);
    escpos_set_align(e, ESCPOS_CENTER);
    escpos_set_align(e, ESCPOS_RIGHT);
    EXPECT(e, 0x1b, 0x61, 0, 0x1b, 0x61, 1, 0x1b, 0x61, 2);
    escpos_mode(e, ESCPOS_MODE_BOLD | ESCPOS_MODE_DOUBLE_H | ESCPOS_MODE_DOUBLE_W);
    escpos_mode(e, 0);
    EXPECT(e, 0x1b, 0x21, 0x38, 0x1b, 0x21, 0x00);
    escpos_bold(e, true);
    escpos_bold(e, false);
    EXPECT(e, 0x1b, 0x45, 1, 0x1b, 0x45, 0);
    escpos_underline(e, 1);
    escpos_underline(e, 2);
    escpos_underline(e, 0);
    EXPECT(e, 0x1b, 0x2d, 1, 0x1b, 0x2d, 2, 0x1b, 0x2d, 0);
    escpos_size(e, 1, 1);
    escpos_size(e, 2, 2);
    escpos_size(e, 1, 2);
    escpos_size(e, 8, 8);
    EXPECT(e, 0x1d, 0x21, 0x00, 0x1d, 0x21, 0x11, 0x1d, 0x21, 0x01, 0x1d, 0x21, 0x77);
    escpos_lf(e);
    escpos_feed(e, 3);
    EXPECT(e, 0x0a, 0x1b, 0x64, 3);
    escpos_codepage(e, 0);
    escpos_codepage(e, 255);
    EXPECT(e, 0x1b, 0x74, 0, 0x1b, 0x74, 255);
    escpos_chinese(e, true);
    escpos_chinese(e, false);
    EXPECT(e, 0x1c, 0x26, 0x1c, 0x2e);
    escpos_cut(e, false, 0);
    escpos_cut(e, true, 0);
    escpos_cut(e, false, 4);
    escpos_cut(e, true, 4);
    EXPECT(e, 0x1d, 0x56, 0, 0x1d, 0x56, 1, 0x1d, 0x56, 65, 4, 0x1d, 0x56, 66, 4);
    escpos_drawer(e, 0);
    escpos_drawer(e, 1);
    EXPECT(e, 0x1b, 0x70, 0, 25, 250, 0x1b, 0x70, 1, 25, 250);
    escpos_raw(e, "\x10\x04\x01", 3);
    EXPECT(e, 0x10, 0x04, 0x01);
    escpos_free(e);
}

static void test_qr(void **state)
{
    escpos *e = new_enc(ESCPOS_GB18030, 48);
    char big[ESCPOS_QR_MAX + 1];
    size_t len;

    (void)state;
    assert_int_equal(escpos_qr(e, "S-42", 4, 6, 'M'), CP_OK);
    EXPECT(e,
           0x1d, 0x28, 0x6b, 4, 0, 49, 65, 50, 0,  /* model 2 */
           0x1d, 0x28, 0x6b, 3, 0, 49, 67, 6,      /* module size 6 */
           0x1d, 0x28, 0x6b, 3, 0, 49, 69, 49,     /* EC level M */
           0x1d, 0x28, 0x6b, 7, 0, 49, 80, 48, 'S', '-', '4', '2', /* store */
           0x1d, 0x28, 0x6b, 3, 0, 49, 81, 48);    /* print */
    /* length over 255 goes into pH */
    memset(big, 'A', sizeof big);
    assert_int_equal(escpos_qr(e, big, 300, 3, 'H'), CP_OK);
    {
        const unsigned char *d = escpos_data(e, &len);
        assert_int_equal(len, 9 + 8 + 8 + 8 + 300 + 8);
        assert_int_equal(d[9 + 7], 3);
        assert_int_equal(d[17 + 7], 51);        /* H */
        assert_int_equal(d[25 + 3], (303) & 0xff);
        assert_int_equal(d[25 + 4], 303 >> 8);
    }
    escpos_clear(e);
    assert_int_equal(escpos_qr(e, big, ESCPOS_QR_MAX + 1, 3, 'L'), CP_ERR_INVALID);
    escpos_clear(e);
    assert_int_equal(escpos_qr(e, "x", 1, 3, 'X'), CP_ERR_INVALID);
    escpos_clear(e);
    assert_int_equal(escpos_qr(e, "x", 1, 0, 'L'), CP_ERR_INVALID);
    escpos_free(e);
}

static void test_bad_arguments_stick(void **state)
{
    escpos *e = new_enc(ESCPOS_GB18030, 32);
    unsigned char *out;
    size_t len;

    (void)state;
    assert_int_equal(escpos_size(e, 9, 1), CP_ERR_INVALID);
    /* later good commands do not clear it */
    assert_int_equal(escpos_lf(e), CP_ERR_INVALID);
    assert_int_equal(escpos_take(e, &out, &len), CP_ERR_INVALID);
    assert_null(out);
    escpos_clear(e);
    assert_int_equal(escpos_underline(e, 3), CP_ERR_INVALID);
    escpos_clear(e);
    assert_int_equal(escpos_feed(e, 256), CP_ERR_INVALID);
    escpos_clear(e);
    assert_int_equal(escpos_set_align(e, (escpos_align)3), CP_ERR_INVALID);
    escpos_clear(e);
    assert_int_equal(escpos_drawer(e, 2), CP_ERR_INVALID);
    escpos_clear(e);
    assert_int_equal(escpos_lf(e), CP_OK);
    assert_int_equal(escpos_take(e, &out, &len), CP_OK);
    assert_int_equal(len, 1);
    free(out);
    escpos_free(e);
    escpos_free(NULL);
}

static void test_init_per_profile(void **state)
{
    escpos *e = new_enc(ESCPOS_GBK_FS, 32);

    (void)state;
    escpos_init(e);
    EXPECT(e, 0x1b, 0x40, 0x1c, 0x26);
    escpos_free(e);
    e = new_enc(ESCPOS_ASCII, 32);
    escpos_init(e);
    EXPECT(e, 0x1b, 0x40);
    escpos_free(e);
}

/* A printer in GBK mode gets no lone byte above 0x7f: GBK gives the euro
 * sign as 0x80, half of a two-byte code to the printer (found by
 * fuzz_escpos_text); GB18030 has two bytes for it. */
static void test_no_lone_high_byte(void **state)
{
    escpos *e = new_enc(ESCPOS_GBK_FS, 32);

    (void)state;
    assert_int_equal(escpos_text(e, "\xe2\x82\xac" "5"), CP_OK);
    EXPECT(e, 'E', 'U', 'R', '5');
    escpos_free(e);
    e = new_enc(ESCPOS_GB18030, 32);
    assert_int_equal(escpos_text(e, "\xe2\x82\xac"), CP_OK);
    EXPECT(e, 0xa2, 0xe3);
    escpos_free(e);
}

static void test_profile_parse(void **state)
{
    escpos_profile p;

    (void)state;
    assert_int_equal(escpos_profile_parse("GB18030", 42, &p), CP_OK);
    assert_int_equal(p.encoding, ESCPOS_GB18030);
    assert_int_equal(p.columns, 42);
    assert_int_equal(escpos_profile_parse("gbk", 32, &p), CP_OK);
    assert_int_equal(p.encoding, ESCPOS_GBK_FS);
    assert_int_equal(escpos_profile_parse("ascii", 48, &p), CP_OK);
    assert_int_equal(p.encoding, ESCPOS_ASCII);
    assert_int_equal(escpos_profile_parse("utf8", 48, &p), CP_ERR_INVALID);
    assert_int_equal(escpos_profile_parse("gbk", 40, &p), CP_ERR_INVALID);
    assert_string_equal(escpos_encoding_name(ESCPOS_GBK_FS), "gbk");
}

static void test_text_gb18030(void **state)
{
    escpos *e = new_enc(ESCPOS_GB18030, 32);

    (void)state;
    /* 张 = D5 C5, 伟 = CE B0, 食 = CA B3, 堂 = CC C3 */
    escpos_text(e, "张伟 食堂");
    EXPECT(e, 0xd5, 0xc5, 0xce, 0xb0, ' ', 0xca, 0xb3, 0xcc, 0xc3);
    /* a character outside GBK takes four bytes in GB18030: U+20000 𠀀 = 95 32 82 36 */
    escpos_text(e, "\xf0\xa0\x80\x80");
    EXPECT(e, 0x95, 0x32, 0x82, 0x36);
    /* controls cannot inject commands; TAB is a space; LF passes */
    escpos_text(e, "a\x1b@b\tc\nd\x7f\xc2\x9b");
    EXPECT(e, 'a', '@', 'b', ' ', 'c', '\n', 'd');
    /* bad UTF-8 becomes '?', one per bad byte, never raw high bytes */
    escpos_text(e, "x\xff\xc3y\xe5\xbc");
    EXPECT(e, 'x', '?', '?', 'y', '?', '?');
    escpos_line(e, "ok");
    EXPECT(e, 'o', 'k', '\n');
    escpos_free(e);
}

static void test_text_gbk_and_ascii(void **state)
{
    escpos *e = new_enc(ESCPOS_GBK_FS, 32);

    (void)state;
    escpos_text(e, "张\xf0\x9f\x98\x80!");  /* an emoji is not in GBK */
    EXPECT(e, 0xd5, 0xc5, '?', '!');
    escpos_free(e);

    e = new_enc(ESCPOS_ASCII, 32);
    escpos_text(e, "张伟：１２元，谢谢。￥");
    EXPECT(e, '?', '?', ':', '1', '2', '?', ',', '?', '?', '.', 'Y');
    assert_int_equal(escpos_width(e, "张伟：１２"), 5);
    escpos_free(e);
}

static void test_width(void **state)
{
    escpos *e = new_enc(ESCPOS_GB18030, 32);

    (void)state;
    assert_int_equal(escpos_width(e, ""), 0);
    assert_int_equal(escpos_width(e, "abc"), 3);
    assert_int_equal(escpos_width(e, "张伟"), 4);
    assert_int_equal(escpos_width(e, "红烧肉 x2"), 9);
    assert_int_equal(escpos_width(e, "（大）"), 6);   /* full-width brackets */
    assert_int_equal(escpos_width(e, "a\x1b"), 1);    /* controls print nothing */
    escpos_free(e);
}

static void test_fit_never_splits(void **state)
{
    escpos *e = new_enc(ESCPOS_GB18030, 32);
    int w;

    (void)state;
    /* "a张伟" is 1+2+2 columns: 4 columns hold "a张" and not half of 伟 */
    assert_int_equal(escpos_fit(e, "a张伟", strlen("a张伟"), 4, &w), 4);
    assert_int_equal(w, 3);
    assert_int_equal(escpos_fit(e, "a张伟", strlen("a张伟"), 5, &w), 7);
    assert_int_equal(w, 5);
    assert_int_equal(escpos_fit(e, "张", 3, 1, &w), 0);
    assert_int_equal(w, 0);
    escpos_free(e);
}

static void test_wrap(void **state)
{
    escpos *e = new_enc(ESCPOS_ASCII, 32);

    (void)state;
    escpos_wrap(e, "the quick brown fox", 10);
    expect_bytes(e, "the quick\nbrown fox\n", 20);
    escpos_wrap(e, "abcdefghijklmno", 6);
    expect_bytes(e, "abcdef\nghijkl\nmno\n", 18);
    escpos_wrap(e, "one\ntwo", 10);
    expect_bytes(e, "one\ntwo\n", 8);
    escpos_free(e);

    e = new_enc(ESCPOS_GB18030, 32);
    /* 5 columns hold two Chinese characters; the third goes to the next line */
    escpos_wrap(e, "红烧肉饭", 5);
    EXPECT(e, 0xba, 0xec, 0xc9, 0xd5, '\n', 0xc8, 0xe2, 0xb7, 0xb9, '\n');
    /* wider than the line: printed alone rather than looping forever */
    escpos_wrap(e, "红", 1);
    EXPECT(e, 0xba, 0xec, '\n');
    escpos_free(e);
}

static void test_cell_and_pair(void **state)
{
    escpos *e = new_enc(ESCPOS_GB18030, 32);

    (void)state;
    escpos_cell(e, "12.50", 8, ESCPOS_RIGHT);
    expect_bytes(e, "   12.50", 8);
    escpos_cell(e, "ab", 5, ESCPOS_LEFT);
    expect_bytes(e, "ab   ", 5);
    escpos_cell(e, "ab", 6, ESCPOS_CENTER);
    expect_bytes(e, "  ab  ", 6);
    /* cut at a character boundary, padded to the exact width */
    escpos_cell(e, "张伟", 3, ESCPOS_LEFT);
    EXPECT(e, 0xd5, 0xc5, ' ');
    escpos_free(e);

    e = new_enc(ESCPOS_ASCII, 32);
    escpos_pair(e, "Total", "12.50", 16);
    expect_bytes(e, "Total      12.50\n", 17);
    /* long left side wraps, amount stays on the right of the last line */
    escpos_pair(e, "Braised pork belly with rice", "12.50", 16);
    expect_bytes(e, "Braised pork\nbelly with rice\n           12.50\n", 46);
    escpos_pair(e, "Braised pork rice", "2.00", 16);
    expect_bytes(e, "Braised pork\nrice        2.00\n", 30);
    escpos_rule(e, '-', 8);
    expect_bytes(e, "--------\n", 9);
    escpos_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escbuf_cap),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_qr),
        cmocka_unit_test(test_bad_arguments_stick),
        cmocka_unit_test(test_init_per_profile),
        cmocka_unit_test(test_no_lone_high_byte),
        cmocka_unit_test(test_profile_parse),
        cmocka_unit_test(test_text_gb18030),
        cmocka_unit_test(test_text_gbk_and_ascii),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_fit_never_splits),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_cell_and_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
