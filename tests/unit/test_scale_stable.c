/* Unit tests for scale/stable: noisy sequences, placement and removal, the scale's flag, overload, moving frames of every protocol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scale/stable.h"

/* Feeds n readings of grams[i] every step_ms from *t; collects events. */
typedef struct trace {
    stable_event ev[32];
    size_t n;
} trace;

static proto_reading weight(int64_t g, bool stable_flag)
{
    proto_reading r = { .grams = g, .has_weight = true, .stable = stable_flag,
                        .status = PROTO_OK };
    return r;
}

static void feed(stable *s, trace *t, const proto_reading *r, int64_t now)
{
    stable_event ev;
    if (stable_push(s, r, now, &ev)) {
        assert_true(t->n < 32);
        t->ev[t->n++] = ev;
    }
}

/* Feeds the same reading every 100 ms from *now for dur_ms (inclusive start). */
static void hold(stable *s, trace *t, proto_reading r, int64_t *now, int64_t dur_ms)
{
    for (int64_t end = *now + dur_ms; *now < end; *now += 100)
        feed(s, t, &r, *now);
}

/* Feeds grams[] every 100 ms, with the given stable flag. */
static void seq(stable *s, trace *t, const int64_t *grams, size_t n, bool flag, int64_t *now)
{
    for (size_t i = 0; i < n; i++, *now += 100) {
        proto_reading r = weight(grams[i], flag);
        feed(s, t, &r, *now);
    }
}

static size_t count_kind(const trace *t, stable_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += t->ev[i].kind == k;
    return n;
}

static void test_defaults(void **state)
{
    (void)state;
    stable_cfg c;
    stable_defaults(&c);
    assert_int_equal(c.band_g, 2);
    assert_int_equal(c.window_ms, 800);
    assert_int_equal(c.zero_band_g, 10);
    assert_false(c.start_armed);
    assert_false(c.ignore_scale_flag);
}

static void test_placement_and_removal(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 500);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.ev[0].kind, STABLE_EMPTY); /* armed by the empty scale */
    assert_int_equal(t.ev[0].at_ms, 0);

    int64_t placed = now;
    hold(&s, &t, weight(1000, true), &now, 3000);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.ev[1].kind, STABLE_SETTLED);
    assert_int_equal(t.ev[1].status, PROTO_OK);
    assert_int_equal(t.ev[1].grams, 1000);
    assert_int_equal(t.ev[1].at_ms, placed + 800); /* exactly T after placing */

    hold(&s, &t, weight(3, true), &now, 300); /* removed: near zero */
    assert_int_equal(t.n, 3);
    assert_int_equal(t.ev[2].kind, STABLE_EMPTY);

    hold(&s, &t, weight(450, true), &now, 2000);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.ev[3].kind, STABLE_SETTLED);
    assert_int_equal(t.ev[3].grams, 450);
}

static void test_noise_within_band(void **state)
{
    (void)state;
    static const int64_t noisy[] = { 1000, 1002, 999, 1001, 998, 1000, 1002, 1001, 999,
                                     1000, 1001, 1000 };
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 200);
    seq(&s, &t, noisy, sizeof noisy / sizeof noisy[0], true, &now);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    /* the mean of the 9 readings up to 800 ms: 9002 / 9 = 1000.2 */
    assert_int_equal(t.ev[1].grams, 1000);
}

static void test_noise_beyond_band_never_settles(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 200);
    for (int i = 0; i < 100; i++, now += 100) {
        proto_reading r = weight(i % 2 ? 1005 : 1000, true);
        feed(&s, &t, &r, now);
    }
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
}

static void test_settling_ramp(void **state)
{
    (void)state;
    /* a tray put down: the weight rises, overshoots and settles at 812 */
    static const int64_t ramp[] = { 150, 420, 700, 860, 835, 818, 813, 811, 812, 812,
                                    813, 812, 811, 812, 812, 812, 812 };
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    int64_t first = now;
    seq(&s, &t, ramp, sizeof ramp / sizeof ramp[0], true, &now);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    /* the window opens at 813 (index 6): 811..815 holds from there */
    assert_int_equal(t.ev[1].at_ms, first + 600 + 800);
    assert_int_equal(t.ev[1].grams, 812);
}

static void test_scale_flag(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, weight(500, false), &now, 2000); /* steady, but the scale says moving */
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    feed(&s, &t, &(proto_reading){ .grams = 500, .has_weight = true, .stable = true }, now);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1); /* window already long enough */

    /* with the flag ignored, the window alone decides */
    stable_cfg c;
    stable_defaults(&c);
    c.ignore_scale_flag = true;
    stable_init(&s, &c);
    memset(&t, 0, sizeof t);
    now = 0;
    hold(&s, &t, weight(0, false), &now, 100);
    hold(&s, &t, weight(500, false), &now, 1000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
}

static void test_one_per_placement(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, weight(700, true), &now, 1500);
    hold(&s, &t, weight(950, true), &now, 1500); /* more food added: no second record */
    hold(&s, &t, weight(300, true), &now, 1500); /* tray lifted half-way */
    hold(&s, &t, weight(700, true), &now, 1500); /* and put back */
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    hold(&s, &t, weight(-4, true), &now, 200);   /* lifted off */
    hold(&s, &t, weight(700, true), &now, 1500); /* a new placement */
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 2);
    assert_int_equal(count_kind(&t, STABLE_EMPTY), 2);
}

static void test_not_armed_at_start(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;
    stable_cfg c;

    /* a weight already on the scale at start may have been recorded before */
    stable_init(&s, NULL);
    hold(&s, &t, weight(800, true), &now, 3000);
    assert_int_equal(t.n, 0);

    stable_defaults(&c);
    c.start_armed = true;
    stable_init(&s, &c);
    now = 0;
    hold(&s, &t, weight(800, true), &now, 3000);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.ev[0].kind, STABLE_SETTLED);
    assert_int_equal(t.ev[0].grams, 800);
}

static void test_overload(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;
    proto_reading over = { .status = PROTO_OVERLOAD };

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, over, &now, 500); /* shorter than T: nothing */
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    hold(&s, &t, weight(2000, true), &now, 400); /* back in range, but only 400 ms */
    hold(&s, &t, over, &now, 3000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(t.ev[1].status, PROTO_OVERLOAD);
    assert_int_equal(t.ev[1].grams, 0);
    hold(&s, &t, weight(2000, true), &now, 2000); /* same placement, in range again */
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, weight(2000, true), &now, 1000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 2);
    assert_int_equal(t.ev[t.n - 1].status, PROTO_OK);
    assert_int_equal(t.ev[t.n - 1].grams, 2000);
}

static void test_errors_restart_window(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;
    proto_reading err = { .status = PROTO_ERROR };
    proto_reading moving = { .status = PROTO_OK, .has_weight = false, .stable = false };
    proto_reading under = { .status = PROTO_UNDERLOAD };

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, weight(600, true), &now, 700);
    feed(&s, &t, &err, now);
    now += 100;
    hold(&s, &t, weight(600, true), &now, 700);
    feed(&s, &t, &moving, now); /* Toledo 8217 "?" while moving */
    now += 100;
    hold(&s, &t, weight(600, true), &now, 700);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    hold(&s, &t, weight(600, true), &now, 200);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);

    /* underload neither settles nor counts as an empty scale */
    hold(&s, &t, under, &now, 2000);
    hold(&s, &t, weight(600, true), &now, 2000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(count_kind(&t, STABLE_EMPTY), 1);
}

static void test_gap_and_clock(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;
    proto_reading r = weight(900, true);

    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    feed(&s, &t, &r, now);
    feed(&s, &t, &r, now + 5000); /* two readings 5 s apart: not a window */
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    feed(&s, &t, &r, now + 5900);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);

    /* a clock going backwards restarts the window */
    stable_init(&s, NULL);
    memset(&t, 0, sizeof t);
    now = 10000;
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, r, &now, 500);
    now -= 3000;
    hold(&s, &t, r, &now, 700);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    hold(&s, &t, r, &now, 200);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
}

static void test_custom_band_and_window(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;
    stable_cfg c;
    static const int64_t wobble[] = { 5000, 5010, 4995, 5005, 5000, 4992, 5008 };

    stable_defaults(&c);
    c.band_g = 10; /* a 5 g resolution kitchen scale */
    c.window_ms = 300;
    c.zero_band_g = 20;
    stable_init(&s, &c);
    hold(&s, &t, weight(15, true), &now, 100); /* within the wider zero band */
    assert_int_equal(count_kind(&t, STABLE_EMPTY), 1);
    seq(&s, &t, wobble, sizeof wobble / sizeof wobble[0], true, &now);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(t.ev[1].at_ms, 100 + 300);
    assert_int_equal(t.ev[1].grams, 5003); /* (5000+5010+4995+5005)/4 = 5002.5 */
}

static void test_negative_placement_and_net(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;
    proto_reading r = { .grams = -500, .has_weight = true, .stable = true, .net = true };

    /* below zero after the scale's tare: settles, the caller flags it */
    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, r, &now, 1000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(t.ev[1].grams, -500);
    assert_true(t.ev[1].net);
}

/* One protocol's frames for the same weight: as the scale marks it moving,
 * and at rest (frames from tests/scale-frames, where each has its source). */
typedef struct marked {
    const proto_ops *ops;
    const char *moving, *at_rest;
    int64_t grams;
} marked;

static const marked marked_frames[] = {
    /* MT-SICS: "S D" is the dynamic answer to SI */
    { &proto_mtsics, "S D 100.00 g\r\n", "S S 100.00 g\r\n", 100 },
    /* Toledo 8217 sends no weight while moving, only the status "?A" */
    { &proto_toledo8217, "\x02?A\r", "\x02" "01.234\r", 1234 },
    { &proto_toledocont, "\x02-8 001234000000\r", "\x02-0 001234000000\r", 1234 },
    { &proto_and, "US,GS    20.7g  \r\n", "ST,GS    20.7g  \r\n", 21 },
    { &proto_cas, "\x01\x02U  123.7g ;\x03\x04", "\x01\x02S  123.7g =\x03\x04", 124 },
    { &proto_cas_stream, "US,GS,1\xa4,000013.5 kg\r\n", "ST,GS,1\xe4,000013.5 kg\r\n", 13500 },
    /* Ohaus: the mark and the legend side by side (Defender 3000 capture) */
    { &proto_ohaus, "   0.360 kg   ?G\r\n", "   0.360 kg    G\r\n", 360 },
};

/* Parses frame with ops and feeds its reading every 100 ms for dur_ms. */
static void hold_frame(stable *s, trace *t, const proto_ops *ops, const char *frame,
                       int64_t *now, int64_t dur_ms)
{
    proto_parser p;
    proto_reading r;
    size_t n = 0;

    proto_init(&p, ops, NULL);
    proto_feed(&p, frame, strlen(frame), &r, 1, &n);
    assert_int_equal(n, 1);
    hold(s, t, r, now, dur_ms);
}

/* A filter with the default settings, armed from the start. */
static void init_armed(stable *s, bool ignore_scale_flag)
{
    stable_cfg c;

    stable_defaults(&c);
    c.start_armed = true;
    c.ignore_scale_flag = ignore_scale_flag;
    stable_init(s, &c);
}

static void test_moving_never_settles(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof marked_frames / sizeof marked_frames[0]; i++) {
        const marked *m = &marked_frames[i];
        for (int ignore = 0; ignore < 2; ignore++) {
            stable s;
            trace t = { 0 };
            int64_t now = 0;

            /* ignoring the scale's flag is for frames with no mark, not these */
            init_armed(&s, ignore);
            hold_frame(&s, &t, m->ops, m->moving, &now, 5000);
            if (count_kind(&t, STABLE_SETTLED) != 0) {
                print_error("%s settled on a reading it marks as moving\n", m->ops->name);
                fail();
            }
            hold_frame(&s, &t, m->ops, m->at_rest, &now, 1000);
            assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
            assert_int_equal(t.ev[t.n - 1].grams, m->grams);
        }
    }
}

static void test_moving_overload(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    init_armed(&s, false);
    /* Toledo 8217 "?c": net, over capacity, in motion */
    hold_frame(&s, &t, &proto_toledo8217, "\x02?c\r", &now, 3000);
    /* Toledo continuous, SWB 0x0D: net, over capacity, motion (Fairbanks) */
    hold_frame(&s, &t, &proto_toledocont, "\x02,\x0d 999999\r", &now, 3000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    /* over capacity and at rest: held for T, it settles as an overload */
    hold_frame(&s, &t, &proto_toledo8217, "\x02?B\r", &now, 1000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(t.ev[0].status, PROTO_OVERLOAD);
}

static void test_impossible(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;
    proto_reading huge = { .status = PROTO_IMPOSSIBLE, .stable = true };
    proto_reading over = { .status = PROTO_OVERLOAD };

    /* held for T it settles with its status (the station flags it), never
     * as a weight; switching to an overload starts the window again */
    stable_init(&s, NULL);
    hold(&s, &t, weight(0, true), &now, 100);
    hold(&s, &t, huge, &now, 500);
    hold(&s, &t, over, &now, 500);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    hold(&s, &t, huge, &now, 1000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(t.ev[1].status, PROTO_IMPOSSIBLE);
    assert_int_equal(t.ev[1].grams, 0);
    /* from the frame of issue 11 through the A&D parser */
    t.n = 0;
    hold(&s, &t, weight(0, true), &now, 100);
    hold_frame(&s, &t, &proto_and, "ST,+9999999999 kg\r\n", &now, 1000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(t.ev[1].status, PROTO_IMPOSSIBLE);
}

static void test_unmarked_frames(void **state)
{
    (void)state;
    stable s;
    trace t = { 0 };
    int64_t now = 0;

    /* CAS 10-byte weights say nothing about motion: they settle on the
     * window alone only when the scale's flag is not required */
    init_armed(&s, false);
    hold_frame(&s, &t, &proto_cas_stream, "000013.5\r\n", &now, 3000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 0);
    init_armed(&s, true);
    hold_frame(&s, &t, &proto_cas_stream, "000013.5\r\n", &now, 1000);
    assert_int_equal(count_kind(&t, STABLE_SETTLED), 1);
    assert_int_equal(t.ev[0].grams, 13500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_placement_and_removal),
        cmocka_unit_test(test_noise_within_band),
        cmocka_unit_test(test_noise_beyond_band_never_settles),
        cmocka_unit_test(test_settling_ramp),
        cmocka_unit_test(test_scale_flag),
        cmocka_unit_test(test_one_per_placement),
        cmocka_unit_test(test_not_armed_at_start),
        cmocka_unit_test(test_overload),
        cmocka_unit_test(test_errors_restart_window),
        cmocka_unit_test(test_gap_and_clock),
        cmocka_unit_test(test_custom_band_and_window),
        cmocka_unit_test(test_negative_placement_and_net),
        cmocka_unit_test(test_moving_never_settles),
        cmocka_unit_test(test_moving_overload),
        cmocka_unit_test(test_impossible),
        cmocka_unit_test(test_unmarked_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
