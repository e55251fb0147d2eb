/* Unit tests for pos/hidkeys: key-down edges, repeats, keypad, gaps, garbage, hex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pos/hidkeys.h"

/* Usage codes used below. */
#define K1 0x1E
#define K0 0x27
#define ENTER 0x28
#define KP1 0x59
#define KP0 0x62
#define KP_ENTER 0x58
#define KA 0x04
#define KF 0x09
#define KG 0x0A
#define LSHIFT 0x02

/* The usage code of a main-row digit. */
static uint8_t digit(char c)
{
    return c == '0' ? K0 : (uint8_t)(K1 + (c - '1'));
}

/* Feeds a report holding one key (0: none) with the given modifiers. */
static int feed1(hidkeys *h, uint8_t mod, uint8_t key, int64_t t, char *out)
{
    uint8_t r[8] = {mod, 0, key, 0, 0, 0, 0, 0};
    return hidkeys_feed(h, r, sizeof r, t, out);
}

/* Types text as a reader does: press, release, 8 ms per report, then Enter.
 * Returns the number of finished numbers; the last one is left in out. */
static int type_keys(hidkeys *h, const uint8_t *keys, size_t n, int64_t *t, char *out)
{
    int done = 0;
    for (size_t i = 0; i < n; i++) {
        done += feed1(h, 0, keys[i], *t, out);
        *t += 8;
        done += feed1(h, 0, 0, *t, out);
        *t += 8;
    }
    return done;
}

static int type_number(hidkeys *h, const char *s, int64_t *t, char *out)
{
    uint8_t keys[64];
    size_t n = 0;
    for (; *s; s++)
        keys[n++] = digit(*s);
    keys[n++] = ENTER;
    return type_keys(h, keys, n, t, out);
}

static void test_main_row_digits(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    int64_t t = 1000;
    (void)state;

    hidkeys_init(&h, 0);
    assert_int_equal(h.gap_ms, HIDKEYS_DEFAULT_GAP_MS);
    assert_int_equal(type_number(&h, "1234567890", &t, out), 1);
    assert_string_equal(out, "1234567890");
    /* a second card right after the first */
    assert_int_equal(type_number(&h, "0012345678", &t, out), 1);
    assert_string_equal(out, "0012345678");
    assert_int_equal(h.dropped, 0);
}

static void test_edges_not_levels(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    uint8_t r[8] = {0, 0, K1, 0, 0, 0, 0, 0};
    (void)state;

    hidkeys_init(&h, 100);
    /* the same report three times is one press of '1' */
    assert_int_equal(hidkeys_feed(&h, r, 8, 0, out), 0);
    assert_int_equal(hidkeys_feed(&h, r, 8, 5, out), 0);
    assert_int_equal(hidkeys_feed(&h, r, 8, 10, out), 0);
    /* '2' pressed while '1' is still held: only '2' is new */
    r[3] = K1 + 1;
    assert_int_equal(hidkeys_feed(&h, r, 8, 15, out), 0);
    /* '1' released, '2' still held: nothing new */
    r[2] = 0;
    assert_int_equal(hidkeys_feed(&h, r, 8, 20, out), 0);
    assert_int_equal(feed1(&h, 0, ENTER, 25, out), 1);
    assert_string_equal(out, "12");
}

static void test_repeated_digits(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    int64_t t = 0;
    (void)state;

    hidkeys_init(&h, 150);
    assert_int_equal(type_number(&h, "1100000011", &t, out), 1);
    assert_string_equal(out, "1100000011");

    /* without a release report in between, a held key is not pressed again */
    hidkeys_init(&h, 150);
    assert_int_equal(feed1(&h, 0, K1, 0, out), 0);
    assert_int_equal(feed1(&h, 0, K1, 8, out), 0);
    assert_int_equal(feed1(&h, 0, ENTER, 16, out), 1);
    assert_string_equal(out, "1");
}

static void test_keypad_digits_and_enter(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    uint8_t keys[] = {KP1, KP1 + 1, KP1 + 8, KP0, K0, KP_ENTER};
    int64_t t = 0;
    (void)state;

    hidkeys_init(&h, 150);
    assert_int_equal(type_keys(&h, keys, sizeof keys, &t, out), 1);
    assert_string_equal(out, "12900");
    assert_int_equal(hidkeys_char(KP1 + 4), '5');
    assert_int_equal(hidkeys_char(K1 + 4), '5');
    assert_int_equal(hidkeys_char(ENTER), 0);
}

static void test_gap_drops_partial(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    int64_t t = 0;
    (void)state;

    hidkeys_init(&h, 100);
    /* half a number, then silence longer than the gap, then a whole number */
    assert_int_equal(feed1(&h, 0, digit('9'), t, out), 0);
    assert_int_equal(feed1(&h, 0, 0, t + 8, out), 0);
    assert_int_equal(feed1(&h, 0, digit('9'), t + 16, out), 0);
    assert_int_equal(feed1(&h, 0, 0, t + 24, out), 0);
    t = 24 + 101;
    assert_int_equal(type_number(&h, "42", &t, out), 1);
    assert_string_equal(out, "42");
    assert_int_equal(h.dropped, 1);

    /* a gap of exactly gap_ms still belongs to the same number */
    hidkeys_init(&h, 100);
    assert_int_equal(feed1(&h, 0, digit('7'), 0, out), 0);
    assert_int_equal(feed1(&h, 0, 0, 4, out), 0);
    assert_int_equal(feed1(&h, 0, ENTER, 100, out), 1);
    assert_string_equal(out, "7");

    /* Enter after the gap finishes nothing */
    hidkeys_init(&h, 100);
    assert_int_equal(feed1(&h, 0, digit('7'), 0, out), 0);
    assert_int_equal(feed1(&h, 0, 0, 4, out), 0);
    assert_int_equal(feed1(&h, 0, ENTER, 105, out), 0);
    assert_int_equal(h.dropped, 1);
}

static void test_enter_alone(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "untouched";
    (void)state;

    hidkeys_init(&h, 100);
    assert_int_equal(feed1(&h, 0, ENTER, 0, out), 0);
    assert_string_equal(out, "untouched");
}

static void test_garbage_reports(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    uint8_t rollover[8] = {0, 0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};
    uint8_t err2[8] = {0, 0, 0x02, 0, 0, 0, 0, 0};
    uint8_t doubled[8] = {0, 0, K1 + 2, K1 + 2, 0, 0, 0, 0};
    uint8_t short_report[4] = {0, 0, K1, 0};
    (void)state;

    hidkeys_init(&h, 100);
    assert_int_equal(feed1(&h, 0, K1, 0, out), 0);
    /* a rollover report while '1' is held: ignored, '1' stays held */
    assert_int_equal(hidkeys_feed(&h, rollover, 8, 4, out), 0);
    assert_int_equal(feed1(&h, 0, K1, 8, out), 0);
    assert_int_equal(hidkeys_feed(&h, err2, 8, 10, out), 0);
    assert_int_equal(feed1(&h, 0, 0, 12, out), 0);
    /* the same key twice in one report counts once */
    assert_int_equal(hidkeys_feed(&h, doubled, 8, 16, out), 0);
    assert_int_equal(feed1(&h, 0, 0, 20, out), 0);
    /* a report too short to be a boot report is ignored */
    assert_int_equal(hidkeys_feed(&h, short_report, sizeof short_report, 24, out), 0);
    /* letters beyond F, Tab and modifiers add nothing */
    assert_int_equal(feed1(&h, LSHIFT, KG, 28, out), 0);
    assert_int_equal(feed1(&h, 0, 0x2B, 32, out), 0);
    assert_int_equal(feed1(&h, 0, ENTER, 36, out), 1);
    assert_string_equal(out, "13");
}

static void test_overlong_number_dropped(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    char longer[HIDKEYS_MAX + 2];
    int64_t t = 0;
    (void)state;

    memset(longer, '5', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    hidkeys_init(&h, 100);
    assert_int_equal(type_number(&h, longer, &t, out), 0);
    assert_int_equal(h.dropped, 1);
    /* exactly HIDKEYS_MAX characters still fit, and the next number is fine */
    longer[HIDKEYS_MAX] = '\0';
    assert_int_equal(type_number(&h, longer, &t, out), 1);
    assert_string_equal(out, longer);
}

static void test_hex_letters(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    /* "04A1B2CF" typed with and without Shift */
    uint8_t keys[] = {K0, K1 + 3, KA, K1, KA + 1, K1 + 1, KA + 2, KF};
    int64_t t = 0;
    (void)state;

    hidkeys_init(&h, 100);
    for (size_t i = 0; i < sizeof keys; i++) {
        assert_int_equal(feed1(&h, i % 2 ? LSHIFT : 0, keys[i], t, out), 0);
        assert_int_equal(feed1(&h, 0, 0, t + 8, out), 0);
        t += 16;
    }
    assert_int_equal(feed1(&h, 0, ENTER, t, out), 1);
    assert_string_equal(out, "04A1B2CF");
}

static void test_w26_comma(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    uint8_t keys[] = {K1, K1 + 1, K1 + 2, 0x36, K1 + 3, K1 + 4, ENTER};
    int64_t t = 0;
    (void)state;

    hidkeys_init(&h, 100);
    assert_int_equal(type_keys(&h, keys, sizeof keys, &t, out), 1);
    assert_string_equal(out, "123,45");
}

static void test_digit_and_enter_in_one_report(void **state)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1] = "";
    uint8_t r[8] = {0, 0, K1 + 7, ENTER, 0, 0, 0, 0};
    (void)state;

    hidkeys_init(&h, 100);
    assert_int_equal(hidkeys_feed(&h, r, 8, 0, out), 1);
    assert_string_equal(out, "8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_row_digits),
        cmocka_unit_test(test_edges_not_levels),
        cmocka_unit_test(test_repeated_digits),
        cmocka_unit_test(test_keypad_digits_and_enter),
        cmocka_unit_test(test_gap_drops_partial),
        cmocka_unit_test(test_enter_alone),
        cmocka_unit_test(test_garbage_reports),
        cmocka_unit_test(test_overlong_number_dropped),
        cmocka_unit_test(test_hex_letters),
        cmocka_unit_test(test_w26_comma),
        cmocka_unit_test(test_digit_and_enter_in_one_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
