/* Unit tests for receipts/decode and receipts/receipt: decoder markers, and encode-then-decode of every template. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receipts/decode.h"
#include "receipts/escpos.h"
#include "receipts/receipt.h"
#include "tests/unit/helpers/fixture.h"

/* ---- decoder --------------------------------------------------------------- */

static void expect_decoded(const void *bytes, size_t n, const char *want)
{
    char *text = NULL;
    size_t len = 0;

    assert_int_equal(decode_text(bytes, n, &text, &len), CP_OK);
    assert_non_null(text);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    free(text);
}

#define DECODES_TO(want, ...)                                            \
    do {                                                                 \
        static const unsigned char in_[] = {__VA_ARGS__};                \
        expect_decoded(in_, sizeof in_, (want));                         \
    } while (0)

static void test_decode_markers(void **state)
{
    (void)state;
    DECODES_TO("a[B]b[/B]c", 'a', 0x1b, 'E', 1, 'b', 0x1b, 'E', 0, 'c');
    DECODES_TO("[B][SIZE 2x2]x[/B][SIZE 1x1]", 0x1b, '!', 0x38, 'x', 0x1b, '!', 0);
    DECODES_TO("[SIZE 2x3]x[SIZE 1x1]", 0x1d, '!', 0x12, 'x', 0x1d, '!', 0);
    DECODES_TO("[U]x[/U]", 0x1b, '-', 1, 'x', 0x1b, '-', 0);
    DECODES_TO("[CENTER]x\n[RIGHT]y\n[LEFT]", 0x1b, 'a', 1, 'x', '\n', 0x1b, 'a', 2, 'y', '\n',
               0x1b, 'a', 0);
    /* no marker when nothing changes */
    DECODES_TO("x", 0x1b, 'a', 0, 0x1b, 'E', 0, 0x1d, '!', 0, 'x');
    DECODES_TO("a\n\n\nb", 'a', 0x1b, 'd', 3, 'b');
    DECODES_TO("[CUT][CUT][CUT]", 0x1d, 'V', 0, 0x1d, 'V', 66, 3, 0x1d, 'V', 1);
    DECODES_TO("[DRAWER]", 0x1b, 'p', 0, 25, 250);
    /* ESC @ resets state with markers; code page and Chinese mode print nothing */
    DECODES_TO("[B]x[/B]y", 0x1b, 'E', 1, 'x', 0x1b, '@', 0x1b, 't', 0, 0x1c, '&', 0x1c, '.', 'y');
    /* CR is dropped, unknown controls shown */
    DECODES_TO("ab[0x07]", 'a', '\r', 'b', 0x07);
}

static void test_decode_qr(void **state)
{
    (void)state;
    DECODES_TO("[QR:S-42]",
               0x1d, 0x28, 0x6b, 4, 0, 49, 65, 50, 0,
               0x1d, 0x28, 0x6b, 3, 0, 49, 67, 6,
               0x1d, 0x28, 0x6b, 3, 0, 49, 69, 49,
               0x1d, 0x28, 0x6b, 7, 0, 49, 80, 48, 'S', '-', '4', '2',
               0x1d, 0x28, 0x6b, 3, 0, 49, 81, 48);
    /* control bytes and bad UTF-8 in QR data are escaped */
    DECODES_TO("[QR:a\\x0A\\xFF]",
               0x1d, 0x28, 0x6b, 6, 0, 49, 80, 48, 'a', '\n', 0xff,
               0x1d, 0x28, 0x6b, 3, 0, 49, 81, 48);
    /* print with nothing stored */
    DECODES_TO("[QR:]", 0x1d, 0x28, 0x6b, 3, 0, 49, 81, 48);
}

static void test_decode_gb18030(void **state)
{
    (void)state;
    DECODES_TO("张伟 食堂", 0xd5, 0xc5, 0xce, 0xb0, ' ', 0xca, 0xb3, 0xcc, 0xc3);
    DECODES_TO("\xf0\xa0\x80\x80", 0x95, 0x32, 0x82, 0x36);
    /* a lone lead byte before a command or at the end is replaced, not dropped silently */
    DECODES_TO("\xef\xbf\xbd[B]\xef\xbf\xbd", 0xd5, 0x1b, 'E', 1, 0xd5);
    DECODES_TO("\xef\xbf\xbd" "a", 0xff, 'a');
}

static void test_decode_truncated_and_unknown(void **state)
{
    (void)state;
    DECODES_TO("x[TRUNCATED]", 'x', 0x1b);
    DECODES_TO("[TRUNCATED]", 0x1b, 'E');
    DECODES_TO("[TRUNCATED]", 0x1d, 0x28, 0x6b, 0xff, 0xff, 49, 80);
    DECODES_TO("[TRUNCATED]", 0x1b, 'p', 0, 25);
    DECODES_TO("[ESC 0x01]a[GS 0x02]b[FS 0x03]", 0x1b, 0x01, 'a', 0x1d, 0x02, 'b', 0x1c, 0x03);
    DECODES_TO("[BARCODE:123]", 0x1d, 'k', 4, '1', '2', '3', 0);
    DECODES_TO("[IMAGE]z", 0x1d, 'v', '0', 0, 1, 0, 2, 0, 0xaa, 0x55, 'z');
    /* status requests print nothing */
    DECODES_TO("q", 0x10, 0x04, 1, 'q');
    expect_decoded("", 0, "");
}

static void test_decode_print(void **state)
{
    char buf[64] = {0};
    FILE *f = fmemopen(buf, sizeof buf, "w");

    (void)state;
    assert_non_null(f);
    assert_int_equal(decode_print("\x1b\x45\x01hi", 5, f), CP_OK);
    fclose(f);
    assert_string_equal(buf, "[B]hi");
}

/* ---- templates, encoded then decoded ---------------------------------------- */

static const char long_name[] =
    "清炒时令蔬菜配米饭（大份）特别长的菜名 with a long English tail";

static const receipt_item items[] = {
    {"红烧肉", 1, 1200},
    {long_name, 2, 1850},
    {"Rice", 1, 50},
};

static receipt_sale sale_fixture(void)
{
    receipt_sale s = {
        .canteen = "市机关第一食堂", .terminal = "T01", .cashier = "李丽",
        .time = "2024-05-13 11:42:05", .diner_name = "张伟", .staff_no = "10023",
        .items = items, .n_items = 3, .total_fen = 3100, .subsidy_fen = 2000,
        .cash_fen = 1100, .subsidy_left_fen = 0, .cash_left_fen = 12345,
        .sale_no = "T01-000123", .footer = "谢谢惠顾",
    };
    return s;
}

/* Encodes with fn for the profile and returns the decoded text (free()). */
typedef cp_err (*encode_fn)(escpos *e, const void *doc);

static cp_err enc_sale(escpos *e, const void *d) { return receipt_encode_sale(e, d); }
static cp_err enc_void(escpos *e, const void *d) { return receipt_encode_void(e, d); }
static cp_err enc_z(escpos *e, const void *d) { return receipt_encode_zreport(e, d); }

static char *round_trip(escpos_encoding enc, int cols, encode_fn fn, const void *doc)
{
    escpos_profile p = {.encoding = enc, .columns = cols};
    escpos *e = NULL;
    unsigned char *bytes = NULL;
    size_t n = 0, i;
    char *text = NULL;

    assert_int_equal(escpos_new(&p, &e), CP_OK);
    assert_int_equal(fn(e, doc), CP_OK);
    assert_int_equal(escpos_take(e, &bytes, &n), CP_OK);
    escpos_free(e);
    assert_true(n > 0);
    /* starts with ESC @, ends with a cut */
    assert_memory_equal(bytes, "\x1b@", 2);
    assert_memory_equal(bytes + n - 4, "\x1dV\x42\x04", 4);
    if (enc == ESCPOS_ASCII)
        for (i = 0; i < n; i++)
            assert_true(bytes[i] < 0x80);
    assert_int_equal(decode_text(bytes, n, &text, NULL), CP_OK);
    free(bytes);
    /* never undecodable bytes */
    assert_null(strstr(text, "\xef\xbf\xbd"));
    return text;
}

/* Printed columns of one decoded line, markers left out. */
static int printed_width(const char *s, size_t len)
{
    int w = 0;
    size_t i = 0;

    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '[') {
            const char *close = memchr(s + i, ']', len - i);
            if (close && strchr("BUSLCRQ/", s[i + 1])) {
                i = (size_t)(close - s) + 1;
                continue;
            }
        }
        if (c < 0x80) {
            w += 1;
            i += 1;
        } else {
            w += 2;
            i += c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        }
    }
    return w;
}

/* Every decoded line fits the paper. */
static void assert_lines_fit(const char *text, int cols)
{
    const char *line = text;

    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        int w = printed_width(line, len);

        if (w > cols)
            fail_msg("line wider than %d columns (%d): %.*s", cols, w, (int)len, line);
        line += len + (nl ? 1 : 0);
    }
}

/* The text with markers, spaces and line breaks taken out. */
static char *squeeze(const char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    const char *s = text;

    assert_non_null(out);
    while (*s) {
        if (*s == '[' && strchr("BUSLCRQ/", s[1]) && strchr(s, ']')) {
            s = strchr(s, ']') + 1;
            continue;
        }
        if (*s != ' ' && *s != '\n')
            *o++ = *s;
        s++;
    }
    *o = '\0';
    return out;
}

static void assert_contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("missing \"%s\" in:\n%s", want, text);
}

static const int widths[] = {32, 42, 48};

static void test_sale_round_trip(void **state)
{
    receipt_sale s = sale_fixture();

    (void)state;
    for (size_t k = 0; k < 3; k++) {
        char *text = round_trip(ESCPOS_GB18030, widths[k], enc_sale, &s);
        char *sq = squeeze(text), *name = squeeze(long_name);

        assert_lines_fit(text, widths[k]);
        assert_contains(text, "[B][SIZE 1x2]市机关第一食堂\n");
        assert_contains(text, "消费凭条");
        assert_contains(text, "单号: T01-000123\n");
        assert_contains(text, "收银员: 李丽\n");
        assert_contains(text, "姓名: 张伟 (10023)\n");
        assert_contains(text, "2024-05-13 11:42:05");
        assert_contains(text, "[B]合计");
        assert_contains(text, "31.00\n");
        assert_contains(text, "20.00\n");
        assert_contains(text, "123.45\n");
        assert_contains(text, "[QR:T01-000123]");
        assert_contains(text, "谢谢惠顾");
        assert_contains(text, "[CUT]");
        assert_null(strstr(text, "COPY"));
        /* the long name is all there, in order, only broken into lines
         * (quantity and amount sit on its first line) */
        assert_contains(sq, "红烧肉x1￥12.00");
        {
            char *qa = strstr(sq, "x2￥18.50");
            assert_non_null(qa);
            memmove(qa, qa + 10, strlen(qa + 10) + 1);
        }
        assert_contains(sq, name);
        free(name);
        free(sq);
        free(text);
    }
}

static void test_sale_item_columns(void **state)
{
    receipt_sale s = sale_fixture();
    char *text = round_trip(ESCPOS_GB18030, 32, enc_sale, &s);

    (void)state;
    /* name padded to 17 columns, then x1 in 5, then the amount in 10 (the
     * full-width ￥ of a Chinese receipt takes two of them) */
    assert_contains(text, "\n红烧肉              x1   ￥12.00\n");
    assert_contains(text, "\nRice                x1    ￥0.50\n");
    free(text);
}

static void test_sale_reprint(void **state)
{
    receipt_sale s = sale_fixture();
    char *text;
    const char *first;

    (void)state;
    s.copy = true;
    text = round_trip(ESCPOS_GB18030, 42, enc_sale, &s);
    first = strstr(text, "重印 COPY");
    assert_non_null(first);
    /* marked at the top and again at the bottom */
    assert_non_null(strstr(first + 1, "重印 COPY"));
    assert_true(first < strstr(text, "合计"));
    free(text);
}

static void test_sale_offline(void **state)
{
    receipt_sale s = sale_fixture();
    char *text;

    (void)state;
    s.offline = true;
    text = round_trip(ESCPOS_GB18030, 32, enc_sale, &s);
    assert_true(strstr(text, "离线 OFFLINE") && strstr(text, "离线 OFFLINE") < strstr(text, "合计"));
    free(text);
    text = round_trip(ESCPOS_ASCII, 32, enc_sale, &s);
    assert_contains(text, "** OFFLINE **");
    free(text);
}

static void test_sale_gbk_and_ascii(void **state)
{
    receipt_sale s = sale_fixture();
    char *text;

    (void)state;
    text = round_trip(ESCPOS_GBK_FS, 32, enc_sale, &s);
    assert_contains(text, "姓名: 张伟 (10023)");
    assert_lines_fit(text, 32);
    free(text);

    s.copy = true;
    for (size_t k = 0; k < 3; k++) {
        text = round_trip(ESCPOS_ASCII, widths[k], enc_sale, &s);
        assert_lines_fit(text, widths[k]);
        /* English labels, Chinese names readable as '?' per character */
        assert_contains(text, "Diner: ?? (10023)\n");
        assert_contains(text, "Cashier: ??\n");
        assert_contains(text, "[B]TOTAL");
        assert_contains(text, "** COPY **");
        assert_contains(text, "[QR:T01-000123]");
        free(text);
    }
}

static void test_void_round_trip(void **state)
{
    receipt_void v = {
        .canteen = "食堂", .terminal = "T02", .cashier = "李丽", .manager = "王经理",
        .time = "2024-05-13 12:01:00", .diner_name = "张伟", .staff_no = "10023",
        .sale_no = "T02-000045", .void_no = "T02-000046", .reason = "误刷 wrong dish",
        .amount_fen = 1200, .subsidy_back_fen = 1000, .cash_back_fen = 200,
        .subsidy_left_fen = 1000, .cash_left_fen = 5200,
    };

    (void)state;
    for (size_t k = 0; k < 3; k++) {
        char *text = round_trip(ESCPOS_GB18030, widths[k], enc_void, &v);

        assert_lines_fit(text, widths[k]);
        assert_contains(text, "撤销凭条");
        assert_contains(text, "原单号: T02-000045\n");
        assert_contains(text, "撤销单号: T02-000046\n");
        assert_contains(text, "授权: 王经理\n");
        assert_contains(text, "原因: 误刷 wrong dish\n");
        assert_contains(text, "[B]撤销金额");
        assert_contains(text, "12.00\n");
        assert_contains(text, "52.00\n");
        assert_null(strstr(text, "COPY"));
        free(text);
    }
    v.copy = true;
    {
        char *text = round_trip(ESCPOS_GB18030, 32, enc_void, &v);
        assert_contains(text, "重印 COPY");
        free(text);
    }
}

/* The longest name an import takes (64 characters, here of 4 bytes each:
 * 256 bytes) and a long void reason are printed whole, never cut inside a
 * character (which printed as '?') nor losing the staff number after it. */
static void test_long_names_whole(void **state)
{
    char name[300] = "", reason[700] = "", want[800];
    receipt_sale s = sale_fixture();
    receipt_void v = {
        .canteen = "食堂", .terminal = "T02", .cashier = "李丽", .manager = "王经理",
        .time = "2024-05-13 12:01:00", .staff_no = "10023", .sale_no = "T02-000045",
        .void_no = "T02-000046", .amount_fen = 1200,
    };

    (void)state;
    for (int i = 0; i < 64; i++)
        strcat(name, "𠜎");
    for (int i = 0; i < 200; i++)
        strcat(reason, "误");
    s.diner_name = v.diner_name = name;
    v.reason = reason;
    for (size_t k = 0; k < 3; k++) {
        char *text = round_trip(ESCPOS_GB18030, widths[k], enc_sale, &s), *sq = squeeze(text);
        assert_lines_fit(text, widths[k]);
        snprintf(want, sizeof want, "姓名:%s(10023)", name);
        assert_contains(sq, want);
        free(sq);
        free(text);
        text = round_trip(ESCPOS_GB18030, widths[k], enc_void, &v);
        sq = squeeze(text);
        snprintf(want, sizeof want, "原因:%s", reason);
        assert_contains(sq, want);
        assert_null(strchr(text, '?'));
        free(sq);
        free(text);
    }
}

static void test_zreport_round_trip(void **state)
{
    static const receipt_zrow rows[] = {
        {"早餐", "职工", 12, 3600},
        {"早餐", "访客", 2, 1000},
        {"午餐", "职工", 120, 120000},
        {"午餐", "离退休人员及家属特别长的类别名称", 3, 900},
    };
    receipt_zreport z = {
        .canteen = "市机关第一食堂", .terminal = "T01", .cashier = "李丽",
        .shift_no = "T01-S7", .opened = "2024-05-13 07:00", .closed = "2024-05-13 13:30",
        .rows = rows, .n_rows = 4, .sale_count = 137, .sale_fen = 125500,
        .void_count = 1, .void_fen = 1200, .subsidy_fen = 100000, .cash_fen = 24300,
        .net_fen = 124300,
    };

    (void)state;
    for (size_t k = 0; k < 3; k++) {
        char *text = round_trip(ESCPOS_GB18030, widths[k], enc_z, &z);
        char *sq = squeeze(text);

        assert_lines_fit(text, widths[k]);
        assert_contains(text, "交班报表 (Z)");
        assert_contains(text, "班次: T01-S7\n");
        /* each period once, as a bold heading */
        assert_contains(text, "[B]早餐\n");
        assert_contains(text, "[B]午餐\n");
        assert_null(strstr(strstr(text, "早餐") + 1, "早餐"));
        assert_contains(sq, "职工12￥36.00");
        assert_contains(sq, "访客2￥10.00");
        assert_contains(sq, "职工120￥1200.00");
        assert_contains(sq, "离退休人员及家属特别长的类别名称3￥9.00");
        assert_contains(sq, "销售137￥1255.00");
        assert_contains(sq, "撤销1￥12.00");
        assert_contains(sq, "净额￥1243.00");
        assert_null(strstr(text, "COPY"));
        free(sq);
        free(text);
    }
    z.copy = true;
    {
        char *text = round_trip(ESCPOS_ASCII, 32, enc_z, &z);
        assert_contains(text, "SHIFT Z REPORT");
        assert_contains(text, "** COPY **");
        free(text);
    }
}

static void test_empty_fields(void **state)
{
    receipt_sale s = {0};
    char *text;

    (void)state;
    /* nothing filled in: still a valid receipt, no crash, no QR */
    text = round_trip(ESCPOS_GB18030, 32, enc_sale, &s);
    assert_contains(text, "消费凭条");
    assert_null(strstr(text, "[QR:"));
    assert_null(strstr(text, "姓名"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_markers),
        cmocka_unit_test(test_decode_qr),
        cmocka_unit_test(test_decode_gb18030),
        cmocka_unit_test(test_decode_truncated_and_unknown),
        cmocka_unit_test(test_decode_print),
        cmocka_unit_test(test_sale_round_trip),
        cmocka_unit_test(test_sale_item_columns),
        cmocka_unit_test(test_sale_reprint),
        cmocka_unit_test(test_sale_offline),
        cmocka_unit_test(test_sale_gbk_and_ascii),
        cmocka_unit_test(test_void_round_trip),
        cmocka_unit_test(test_long_names_whole),
        cmocka_unit_test(test_zreport_round_trip),
        cmocka_unit_test(test_empty_fields),
    };
    /* the terminals print Chinese receipts (language = zh_CN, as the examples
     * configure them), with the catalog the build made */
    if (fixture_language("zh_CN") != CP_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
