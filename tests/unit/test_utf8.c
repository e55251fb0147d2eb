/* Unit tests for core/utf8: decoding, validity, counting, and cutting people's names of every script on a character boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

/* Names as diners write them: every width of character, marks, joiners, flags. */
static const char *const names[] = {
    "张伟",
    "欧阳娜娜·阿不都热合曼",
    "محمد عبد الرحمن",                      /* Arabic */
    "مُحَمَّدٌ",                              /* Arabic with harakat */
    "שָׁלוֹם כֹּהֵן",                            /* Hebrew with points */
    "Zoë Ångström-Ñúñez",
    "Zoe\xcc\x88 Ange\xcc\x81lique",        /* e + combining diaeresis, e + acute */
    "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb Ada", /* woman technologist (ZWJ) */
    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd ok",  /* thumbs up, medium skin tone */
    "\xf0\x9f\x87\xa8\xf0\x9f\x87\xb3\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", /* 🇨🇳🇫🇷 */
    "𠜎𠜱𠝹𠱓𠱸𠲖𠳏",                           /* CJK extension B: 4 bytes each */
    "བཀྲ་ཤིས་བདེ་ལེགས",                        /* Tibetan, subjoined letters */
    "ᠮᠣᠩᠭᠣᠯ",                                /* Mongolian */
};

static void test_char(void **state)
{
    uint32_t cp = 0;
    (void)state;
    assert_int_equal(utf8_char("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(utf8_char("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xe9);
    assert_int_equal(utf8_char("张", 3, &cp), 3);
    assert_int_equal(cp, 0x5f20);
    assert_int_equal(utf8_char("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1f600);
    assert_int_equal(utf8_char("\xf0\x9f\x98\x80", 3, &cp), 0);     /* cut short */
    assert_int_equal(utf8_char("\x80", 1, &cp), 0);                 /* stray byte */
    assert_int_equal(utf8_char("\xc0\x80", 2, &cp), 0);             /* overlong NUL */
    assert_int_equal(utf8_char("\xe0\x80\xaf", 3, &cp), 0);         /* overlong '/' */
    assert_int_equal(utf8_char("\xed\xa0\x80", 3, &cp), 0);         /* surrogate */
    assert_int_equal(utf8_char("\xf4\x90\x80\x80", 4, &cp), 0);     /* past U+10FFFF */
    assert_int_equal(utf8_char("\xf8\x88\x80\x80\x80", 5, &cp), 0); /* 5-byte form */
    assert_int_equal(utf8_char("\xe5\xbc", 2, NULL), 0);
    assert_int_equal(utf8_char("", 0, NULL), 0);
}

static void test_valid_and_chars(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_true(utf8_valid(names[i], strlen(names[i])));
    assert_true(utf8_valid("", 0));
    assert_false(utf8_valid("ab\0c", 4));              /* a NUL would cut a field short */
    assert_false(utf8_valid("张\xe4\xbc", 5));          /* the last character cut */
    assert_false(utf8_valid("\xe4\xbc\x9f", 2));
    assert_int_equal(utf8_chars(""), 0);
    assert_int_equal(utf8_chars("张伟"), 2);
    assert_int_equal(utf8_chars("Zoe\xcc\x88"), 4);     /* a mark is a code point */
    assert_int_equal(utf8_chars("𠜎𠜱"), 2);
    assert_int_equal(utf8_chars("a\xff\xfe"), 3);       /* stray bytes count one each */
}

/* utf8_cut of the whole of s at max bytes, checked: a valid prefix no longer than max. */
static size_t cut(const char *s, size_t max)
{
    size_t len = strlen(s), n = utf8_cut(s, len, max);
    assert_true(n <= max || n == len);
    assert_true(n <= len);
    assert_true(utf8_valid(s, n));
    return n;
}

static void test_cut_on_boundaries(void **state)
{
    (void)state;
    /* every name, every length: never inside a character */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        for (size_t max = 0; max <= strlen(names[i]) + 1; max++)
            cut(names[i], max);
    /* a 4-byte character straddling the limit is left out whole */
    assert_int_equal(cut("ab𠜎cd", 4), 2);
    assert_int_equal(cut("ab𠜎cd", 6), 6);
    /* marks stay with their letter: "Zoë" written with a combining diaeresis */
    assert_int_equal(cut("Zoe\xcc\x88 X", 4), 2);
    assert_int_equal(cut("Zoe\xcc\x88 X", 5), 5);
    /* Arabic harakat: مُحَ is meem, damma, hah, fatha (2 bytes each) */
    assert_int_equal(cut("مُحَ", 6), 4);
    /* Hebrew points: lamed, shin with qamats and shin dot */
    assert_int_equal(cut("\xd7\x9c\xd7\xa9\xd6\xb8\xd7\x81", 5), 2);
    assert_int_equal(cut("\xd7\x9c\xd7\xa9\xd6\xb8\xd7\x81", 7), 2);
    /* the first letter with more marks than fit: cut at a code point, not lost */
    assert_int_equal(cut("مُحَ", 3), 2);
    /* a joined emoji (woman + ZWJ + laptop) is kept whole or left out whole */
    assert_int_equal(cut("x\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", 8), 1);
    assert_int_equal(cut("x\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb", 11), 1);
    /* a skin tone is not left behind without its hand, nor the hand without it */
    assert_int_equal(cut("x\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd!", 8), 1);
    assert_int_equal(cut("x\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd!", 9), 9);
    /* flags are pairs of letters: 🇨🇳🇫🇷 cut after 12 bytes keeps 🇨🇳 only */
    assert_int_equal(cut("\xf0\x9f\x87\xa8\xf0\x9f\x87\xb3\xf0\x9f\x87\xab\xf0\x9f\x87\xb7",
                         12), 8);
    /* stray bytes are cut like characters */
    assert_int_equal(utf8_cut("ab\xff\xfe", 4, 3), 3);
}

static void test_copy(void **state)
{
    char buf[64];
    (void)state;
    assert_true(utf8_copy(buf, sizeof buf, "张伟"));
    assert_string_equal(buf, "张伟");
    /* exactly fits: 6 bytes and the NUL */
    assert_true(utf8_copy(buf, 7, "张伟"));
    assert_string_equal(buf, "张伟");
    /* one byte short: cut on the character before, marked */
    assert_false(utf8_copy(buf, 6, "张伟"));
    assert_string_equal(buf, "\xe2\x80\xa6"); /* "张" + "…" needs 6 + NUL */
    assert_false(utf8_copy(buf, 8, "张伟李"));
    assert_string_equal(buf, "张…");
    /* too small for the mark: cut only */
    assert_false(utf8_copy(buf, 3, "ab张"));
    assert_string_equal(buf, "ab");
    assert_false(utf8_copy(buf, 2, "张"));
    assert_string_equal(buf, "");
    assert_false(utf8_copy(buf, 1, "a"));
    assert_string_equal(buf, "");
    assert_true(utf8_copy(buf, sizeof buf, NULL));
    assert_string_equal(buf, "");
    assert_true(utf8_copy(buf, 0, ""));
    /* every name, every buffer size: valid, a prefix, marked when cut */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t len = strlen(names[i]);
        for (size_t size = 1; size <= len + 1; size++) {
            char out[128];
            bool whole = utf8_copy(out, size, names[i]);
            size_t n = strlen(out);
            assert_true(n < size);
            assert_true(utf8_valid(out, n));
            assert_int_equal(whole, size > len);
            if (!whole && size > 3) {
                assert_string_equal(out + n - 3, UTF8_ELLIPSIS);
                n -= 3;
            }
            assert_memory_equal(out, names[i], n);
        }
    }
}

/* The old 128-byte fields: 4-byte characters lying across byte 127 at every
 * offset, and names of 42 to 44 Chinese characters (126 to 132 bytes). */
static void test_around_128_bytes(void **state)
{
    char name[256], out[128];
    (void)state;
    for (size_t pad = 0; pad < 4; pad++) {
        size_t n = pad, kept;
        memset(name, 'a', pad);
        for (; n + 4 < sizeof name; n += 4)
            memcpy(name + n, "𠜎", 4);
        name[n] = '\0';
        assert_false(utf8_copy(out, sizeof out, name));
        kept = strlen(out) - 3;
        assert_true(utf8_valid(out, strlen(out)));
        assert_string_equal(out + kept, UTF8_ELLIPSIS);
        assert_memory_equal(out, name, kept);
        assert_int_equal((kept - pad) % 4, 0);
        assert_true(kept + 3 <= 127 && kept + 3 + 4 > 127);
    }
    for (int k = 42; k <= 44; k++) {
        size_t n = 0;
        for (int i = 0; i < k; i++, n += 3)
            memcpy(name + n, "张", 3);
        name[n] = '\0';
        assert_int_equal(utf8_copy(out, sizeof out, name), n < sizeof out);
        assert_true(utf8_valid(out, strlen(out)));
    }
}

static void test_format(void **state)
{
    char buf[16];
    (void)state;
    assert_true(utf8_format(buf, sizeof buf, "%s %d", "张", 7));
    assert_string_equal(buf, "张 7");
    /* "张伟 was charged": cut so that nothing ends in half a character */
    for (size_t size = 1; size <= sizeof buf; size++) {
        utf8_format(buf, size, "%s (%s) is %s", "欧阳娜娜", "S1", "left");
        assert_true(utf8_valid(buf, strlen(buf)));
        assert_true(strlen(buf) < size);
    }
    assert_false(utf8_format(buf, 10, "%s!", "张伟李娜王"));
    assert_string_equal(buf, "张伟…");
}

/* An error's detail (512 bytes) quoting a long name ends on a character. */
static void test_error_detail(void **state)
{
    char name[700] = "";
    (void)state;
    for (int i = 0; i < 200; i++)
        strcat(name, "张");
    for (int pad = 0; pad < 3; pad++) {
        cp_fail(CP_ERR_INVALID, "%.*sno diner '%s'", pad, "xx", name);
        assert_true(utf8_valid(cp_detail(), strlen(cp_detail())));
        assert_string_equal(cp_detail() + strlen(cp_detail()) - 3, UTF8_ELLIPSIS);
    }
}

static void test_repair(void **state)
{
    char *s;
    (void)state;
    s = utf8_repair("张伟", 6);
    assert_string_equal(s, "张伟");
    free(s);
    s = utf8_repair("张\xe4\xbc", 5); /* a name cut by bytes, as the old code did */
    assert_string_equal(s, "张\xef\xbf\xbd\xef\xbf\xbd");
    assert_true(utf8_valid(s, strlen(s)));
    free(s);
    s = utf8_repair("a\0b\xff", 4);
    assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
    free(s);
    s = utf8_repair("", 0);
    assert_string_equal(s, "");
    free(s);
}

/* A name people read: one line, something that shows, at most max characters
 * of any script. */
/* Columns on screen, in any locale: Chinese two each, a combining mark
 * none; and a cell padded by them. */
static void test_width_and_pad(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    assert_int_equal(utf8_width("abc"), 3);
    assert_int_equal(utf8_width("现金余额"), 8);
    assert_int_equal(utf8_width("2026年11月20日 12:00"), 20);
    assert_int_equal(utf8_width("ＦＰ１"), 6);
    assert_int_equal(utf8_width("\xff"), 1);
    assert_int_equal(utf8_width("e\xcc\x81"), 1); /* e and a combining acute */
    assert_int_equal(utf8_width("\xe2\x80\x8d"), 0); /* a zero-width joiner */
    assert_non_null(f = open_memstream(&text, &len));
    utf8_pad(f, "补贴", 6, true);
    utf8_pad(f, "|", 1, false);
    utf8_pad(f, "编号", 6, false);
    utf8_pad(f, "|太长的名字|", 3, false);
    fclose(f);
    assert_string_equal(text, "  补贴|编号  |太长的名字|");
    free(text);
    /* a table's row: left, right-aligned, and the last as it is */
    text = NULL;
    assert_non_null(f = open_memstream(&text, &len));
    utf8_row(f, (const char *const[3]){"王芳", "8.00", "人事处"}, (const int[3]){6, -6, 0}, 3);
    utf8_row(f, (const char *const[3]){"total", "18.00", ""}, (const int[3]){6, -6, 0}, 3);
    fclose(f);
    assert_string_equal(text, "王芳     8.00 人事处\ntotal   18.00 \n");
    free(text);
}

static void test_name_check(void **state)
{
    (void)state;
    assert_int_equal(utf8_name_check("食堂", 2), UTF8_NAME_OK);
    assert_int_equal(utf8_name_check("Zoë 🍚", 5), UTF8_NAME_OK);
    assert_int_equal(utf8_name_check("مطعم", 4), UTF8_NAME_OK);
    assert_int_equal(utf8_name_check("食堂食", 2), UTF8_NAME_LONG);
    assert_int_equal(utf8_name_check("", 8), UTF8_NAME_EMPTY);
    assert_int_equal(utf8_name_check("   ", 8), UTF8_NAME_EMPTY);
    assert_int_equal(utf8_name_check("\xe2\x80\x8b", 8), UTF8_NAME_EMPTY);      /* zero width */
    assert_int_equal(utf8_name_check("\xe3\x80\x80\xe2\x80\xae", 8), UTF8_NAME_EMPTY);
    assert_int_equal(utf8_name_check("a\nb", 8), UTF8_NAME_CONTROL);
    assert_int_equal(utf8_name_check("a\tb", 8), UTF8_NAME_CONTROL);
    assert_int_equal(utf8_name_check("a\xc2\x85", 8), UTF8_NAME_CONTROL);       /* NEL, C1 */
    assert_int_equal(utf8_name_check("a\xff", 8), UTF8_NAME_NOT_UTF8);
    assert_int_equal(utf8_name_valid("the canteen's name", "\n", 8), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "the canteen's name has a control character"));
    assert_int_equal(utf8_name_valid("x", "食堂", 8), CP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_char),
        cmocka_unit_test(test_valid_and_chars),
        cmocka_unit_test(test_cut_on_boundaries),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_around_128_bytes),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_error_detail),
        cmocka_unit_test(test_repair),
        cmocka_unit_test(test_name_check),
        cmocka_unit_test(test_width_and_pad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
