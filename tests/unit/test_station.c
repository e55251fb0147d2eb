/* Unit tests for scale/station: card then tray, anonymous trays, one record per placement, unplug, retries, kitchen mode, config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/canteen.h"
#include "scale/station.h"
#include "tests/unit/helpers/fixture.h"

/* What the station reported, in order. */
static waste_res records[16];
static int nrecords;

static void on_record(void *arg, const waste_res *res)
{
    (void)arg;
    if (nrecords < 16)
        records[nrecords] = *res;
    nrecords++;
}

typedef struct env {
    db *d;
    station *s;
    station_cfg cfg;
} env;

static int setup(void **state)
{
    static env e;
    e.d = fixture_open();
    station_config_defaults(&e.cfg);
    snprintf(e.cfg.terminal, sizeof e.cfg.terminal, "W1");
    e.cfg.tray_tare_g = 300;
    assert_int_equal(station_new(e.d, &e.cfg, on_record, NULL, &e.s), CP_OK);
    nrecords = 0;
    *state = &e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    station_free(e->s);
    fixture_close(e->d);
    return 0;
}

/* Feeds readings of grams every 100 ms from *t for ms milliseconds; *t moves on. */
static void feed(station *s, int64_t grams, bool steady, int64_t *t, int64_t ms)
{
    for (int64_t end = *t + ms; *t < end; *t += 100) {
        proto_reading r = {.grams = grams, .has_weight = true, .stable = steady,
                           .status = PROTO_OK};
        station_reading(s, &r, *t);
        station_tick(s, *t);
    }
}

/* An empty scale, then a tray that swings and rests for ms. */
static void tray(station *s, int64_t grams, int64_t *t, int64_t ms)
{
    feed(s, 0, true, t, 500);
    feed(s, grams / 2, false, t, 200);
    feed(s, grams, true, t, ms);
}

static void test_card_then_tray_once(void **state)
{
    env *e = *state;
    int64_t t = 0;

    station_card(e->s, "0000000001", t);
    tray(e->s, 355, &t, 6000); /* left on the scale for 6 s: one record */
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].staff_no, "S001");
    assert_int_equal(records[0].gross_g, 355);
    assert_int_equal(records[0].tare_g, 300);
    assert_int_equal(records[0].net_g, 55);
    assert_false(records[0].clean_plate);
    /* still one after it comes off, and the next tray (no card) is another */
    tray(e->s, 305, &t, 1200);
    assert_int_equal(nrecords, 1); /* waiting for a card */
    feed(e->s, 305, true, &t, 3000);
    assert_int_equal(nrecords, 2);
    assert_int_equal(records[1].flags, WASTE_FLAG_ANONYMOUS);
    assert_true(records[1].clean_plate);
    assert_int_equal(fixture_int(e->d, "SELECT count(*) FROM waste_records"), 2);
}

static void test_anonymous_after_wait(void **state)
{
    env *e = *state;
    int64_t t = 0;
    station_view v;

    tray(e->s, 420, &t, 1000); /* settles within this */
    assert_int_equal(nrecords, 0);
    station_get_view(e->s, t, &v);
    assert_int_equal(v.phase, STATION_WAIT_CARD);
    assert_true(v.wait_left_ms > 0 && v.wait_left_ms <= STATION_ANON_WAIT_MS);
    station_tick(e->s, t + v.wait_left_ms - 1);
    assert_int_equal(nrecords, 0);
    station_tick(e->s, t + v.wait_left_ms);
    assert_int_equal(nrecords, 1);
    assert_int_equal(records[0].flags, WASTE_FLAG_ANONYMOUS);
    assert_int_equal(records[0].net_g, 120);
}

static void test_tray_then_card(void **state)
{
    env *e = *state;
    int64_t t = 0;

    tray(e->s, 500, &t, 1500);
    assert_int_equal(nrecords, 0);
    station_card(e->s, "0000000003", t + 1000); /* tapped while the tray waits */
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].staff_no, "S003");
    station_tick(e->s, t + 10000);
    assert_int_equal(nrecords, 1);
    /* a card that comes long before a tray no longer counts */
    station_card(e->s, "0000000002", t + 20000);
    t += 20000 + STATION_CARD_VALID_MS + 1000;
    station_tick(e->s, t);
    tray(e->s, 500, &t, 5000);
    assert_int_equal(nrecords, 2);
    assert_int_equal(records[1].flags, WASTE_FLAG_ANONYMOUS);
}

static void test_unplug_keeps_weighing(void **state)
{
    env *e = *state;
    int64_t t = 0;
    station_view v;

    tray(e->s, 380, &t, 1500); /* settled, waiting for a card */
    station_connected(e->s, false, t);
    station_get_view(e->s, t, &v);
    assert_false(v.connected);
    assert_true(v.pending->active);
    station_card(e->s, "0000000002", t + 500); /* the diner taps while the scale is away */
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].staff_no, "S002");
    t += 1500;
    station_connected(e->s, true, t);
    /* the same tray is still on the scale when it comes back: not recorded again */
    feed(e->s, 380, true, &t, 5000);
    assert_int_equal(nrecords, 1);
    /* an unplug in the middle of a placement: it settles after the return */
    feed(e->s, 0, true, &t, 500);
    feed(e->s, 200, false, &t, 200);
    station_connected(e->s, false, t);
    t += 1000;
    station_connected(e->s, true, t);
    feed(e->s, 450, true, &t, 1000);
    station_card(e->s, "0000000001", t);
    assert_int_equal(nrecords, 2);
    assert_int_equal(records[1].gross_g, 450);
}

static void test_save_retried_under_same_placement(void **state)
{
    env *e = *state;
    station *s = NULL;
    station_cfg cfg = e->cfg;
    int64_t t = 0;
    station_view v;

    snprintf(cfg.terminal, sizeof cfg.terminal, "W2"); /* not in the store yet */
    cfg.anon_wait_ms = 0;
    assert_int_equal(station_new(e->d, &cfg, on_record, NULL, &s), CP_OK);
    tray(s, 390, &t, 1500);
    assert_int_equal(nrecords, 0);
    station_get_view(s, t, &v);
    assert_int_equal(v.phase, STATION_SAVING);
    assert_non_null(strstr(v.message, "not saved yet"));
    assert_true(v.pending->active);
    assert_int_equal(canteen_add_terminal(e->d, "W2", "C1", "waste", "test"), CP_OK);
    station_tick(s, t + STATION_RETRY_MS);
    assert_int_equal(nrecords, 1);
    assert_int_equal(records[0].gross_g, 390);
    assert_int_equal(station_flush(s, t + 10000), CP_OK);
    assert_int_equal(fixture_int(e->d, "SELECT count(*) FROM waste_records"), 1);
    station_free(s);
}

static void test_overload(void **state)
{
    env *e = *state;
    int64_t t = 0;

    feed(e->s, 0, true, &t, 500);
    for (int i = 0; i < 12; i++, t += 100) {
        proto_reading r = {.status = PROTO_OVERLOAD};
        station_reading(e->s, &r, t);
    }
    station_card(e->s, "0000000001", t);
    assert_int_equal(nrecords, 1);
    assert_int_equal(records[0].flags & WASTE_FLAG_OVERLOAD, WASTE_FLAG_OVERLOAD);
    assert_int_equal(records[0].gross_g, 30000);
    assert_false(records[0].clean_plate);
}

/* A frame no canteen scale can send (issue 11: ST,+9999999999 kg was
 * recorded as a 9,999,999,999,000 g tray): flagged overload, never a tray. */
static void test_impossible_weight(void **state)
{
    env *e = *state;
    int64_t t = 0;
    const char *frame = "ST,+9999999999 kg\r\n";
    proto_parser p;
    proto_reading r;
    size_t n = 0;

    proto_init(&p, &proto_and, NULL);
    proto_feed(&p, frame, strlen(frame), &r, 1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(r.status, PROTO_IMPOSSIBLE);
    feed(e->s, 0, true, &t, 500);
    for (int i = 0; i < 12; i++, t += 100)
        station_reading(e->s, &r, t);
    station_card(e->s, "0000000001", t);
    assert_int_equal(nrecords, 1);
    assert_int_equal(records[0].flags & WASTE_FLAG_OVERLOAD, WASTE_FLAG_OVERLOAD);
    assert_true(records[0].gross_g < PROTO_MAX_GRAMS);
    assert_int_equal(fixture_int(e->d, "SELECT max(gross_g) FROM waste_records"), 30000);
}

static void test_kitchen(void **state)
{
    env *e = *state;
    int64_t t = 0;
    station_view v;

    station_key(e->s, 'm', t);
    station_get_view(e->s, t, &v);
    assert_int_equal(v.mode, STATION_KITCHEN);
    assert_int_equal(v.step, STATION_STEP_STAGE);
    assert_false(station_key(e->s, '7', t)); /* no stage 7 */
    assert_true(station_key(e->s, '2', t));  /* overproduction */
    assert_true(station_key(e->s, '1', t));  /* 主食 */
    assert_true(station_key(e->s, 127, t));  /* back: category again */
    assert_true(station_key(e->s, '2', t));  /* 蔬菜 */
    assert_true(station_key(e->s, '1', t));  /* 备餐过量 */
    assert_true(station_key(e->s, '1', t));  /* 小桶, 850 g */
    station_get_view(e->s, t, &v);
    assert_int_equal(v.step, STATION_STEP_WEIGH);
    assert_int_equal(v.tare_g, 850);
    /* Enter with nothing settled records nothing */
    assert_true(station_key(e->s, '\n', t));
    assert_int_equal(nrecords, 0);
    tray(e->s, 2350, &t, 2000);
    assert_int_equal(nrecords, 0); /* kitchen waits for Enter */
    station_get_view(e->s, t, &v);
    assert_int_equal(v.phase, STATION_CONFIRM);
    station_card(e->s, "0000000001", t); /* cards mean nothing here */
    assert_true(station_key(e->s, '\r', t));
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].stage, "overproduction");
    assert_string_equal(records[0].category, "蔬菜");
    assert_string_equal(records[0].reason, "备餐过量");
    assert_int_equal(records[0].net_g, 1500);
    assert_string_equal(records[0].name, "");
    /* a container taken off before Enter is not recorded */
    feed(e->s, 0, true, &t, 500);
    tray(e->s, 900, &t, 1500);
    feed(e->s, 0, true, &t, 500);
    station_get_view(e->s, t, &v);
    assert_int_equal(v.phase, STATION_READY);
    assert_non_null(strstr(v.message, "not recorded"));
    /* commands, as the headless station takes them */
    assert_int_equal(station_command(e->s, "stage spoilage", t), CP_OK);
    assert_int_equal(station_command(e->s, "category 水果", t), CP_OK);
    assert_int_equal(station_command(e->s, "reason 过期变质", t), CP_OK);
    assert_int_equal(station_command(e->s, "tare 1000", t), CP_OK);
    assert_int_equal(station_command(e->s, "confirm", t), CP_ERR_INVALID);
    tray(e->s, 1250, &t, 1500);
    assert_int_equal(station_command(e->s, "confirm", t), CP_OK);
    assert_int_equal(nrecords, 2);
    assert_string_equal(records[1].stage, "spoilage");
    assert_int_equal(records[1].net_g, 250);
    assert_int_equal(station_command(e->s, "stage compost", t), CP_ERR_INVALID);
    assert_int_equal(station_command(e->s, "container 9", t), CP_ERR_INVALID);
    assert_int_equal(station_command(e->s, "plate", t), CP_OK);
    assert_int_equal(station_command(e->s, "stage prep", t), CP_ERR_INVALID);
}

/* n copies of ch after prefix, in buf. */
static const char *repeat(char *buf, const char *prefix, const char *ch, int n)
{
    strcpy(buf, prefix);
    for (int i = 0; i < n; i++)
        strcat(buf, ch);
    return buf;
}

/* Kitchen text typed at the headless station is stored whole (32 characters
 * of category, 64 of reason, in any script) or refused, never cut: a cut
 * category was stored as invalid UTF-8 and as another category. */
static void test_kitchen_text_whole_or_refused(void **state)
{
    env *e = *state;
    char cat[256], reason[512], cmd[600];
    int64_t t = 0;
    station_view v;

    assert_int_equal(station_command(e->s, "kitchen", t), CP_OK);
    assert_int_equal(station_command(e->s, "stage prep", t), CP_OK);
    repeat(cat, "", "蔬", 32);
    assert_int_equal(station_command(e->s, repeat(cmd, "category ", "蔬", 32), t), CP_OK);
    assert_int_equal(station_command(e->s, repeat(cmd, "category ", "果", 33), t),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "33 characters"));
    station_get_view(e->s, t, &v);
    assert_string_equal(v.category, cat); /* the refused one changed nothing */
    repeat(reason, "", "𠜎", 64);
    assert_int_equal(station_command(e->s, repeat(cmd, "reason ", "𠜎", 64), t), CP_OK);
    assert_int_equal(station_command(e->s, repeat(cmd, "reason ", "e\xcc\x81", 33), t),
                     CP_ERR_INVALID); /* 66 code points */
    assert_int_equal(station_command(e->s, "container 0", t), CP_OK);
    tray(e->s, 1250, &t, 1500);
    assert_int_equal(station_command(e->s, "confirm", t), CP_OK);
    assert_int_equal(nrecords, 1);
    assert_string_equal(records[0].category, cat);
    assert_string_equal(records[0].reason, reason);
    assert_int_equal(fixture_int(e->d, "SELECT count(*) FROM waste_records"
                                       " WHERE length(category) = 32 AND length(reason) = 64"), 1);
}

static void test_config(void **state)
{
    (void)state;
    static const char good[] =
        "[station]\nterminal = W3\nmode = kitchen\nclean_plate_g = 15\ntray_tare_g = 280\n"
        "anonymous_after_ms = 2000\n[scale]\nport = /dev/serial/by-id/usb-x\nprotocol = and\n"
        "framing = 8N1\nband_g = 3\nwindow_ms = 600\n[reader]\nspec = usb\n"
        "[kitchen]\ncategories = 主食, 蔬菜\nreasons = 过期\ncontainers = 桶:900, 盆:300\n";
    config *ini = NULL;
    station_cfg c;

    station_config_defaults(&c);
    assert_int_equal(config_parse("station.ini", good, &ini), CP_OK);
    assert_int_equal(station_config_apply(ini, &c), CP_OK);
    config_free(ini);
    assert_string_equal(c.terminal, "W3");
    assert_int_equal(c.mode, STATION_KITCHEN);
    assert_int_equal(c.clean_plate_g, 15);
    assert_int_equal(c.tray_tare_g, 280);
    assert_int_equal(c.anon_wait_ms, 2000);
    assert_string_equal(c.port, "/dev/serial/by-id/usb-x");
    assert_int_equal(c.stable.band_g, 3);
    assert_int_equal(c.stable.window_ms, 600);
    assert_int_equal(c.ncategories, 2);
    assert_string_equal(c.categories[1], "蔬菜");
    assert_int_equal(c.nreasons, 1);
    assert_int_equal(c.ncontainers, 2);
    assert_string_equal(c.containers[1].name, "盆");
    assert_int_equal(c.containers[1].tare_g, 300);

    assert_int_equal(config_parse("bad.ini", "[scale]\nprotocl = and\n", &ini), CP_OK);
    assert_int_equal(station_config_apply(ini, &c), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "protocl"));
    config_free(ini);
    assert_int_equal(config_parse("bad.ini", "[kitchen]\ncontainers = 桶\n", &ini), CP_OK);
    assert_int_equal(station_config_apply(ini, &c), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "NAME:GRAMS"));
    config_free(ini);
    assert_int_equal(config_parse("bad.ini", "[station]\nmode = dinner\n", &ini), CP_OK);
    assert_int_equal(station_config_apply(ini, &c), CP_ERR_INVALID);
    config_free(ini);

    /* kitchen lists: 32 characters of category taken whole, 33 refused, not cut */
    {
        char text[512], item[256];
        snprintf(text, sizeof text, "[kitchen]\ncategories = 主食, %s\n",
                 repeat(item, "", "𠜎", 32));
        assert_int_equal(config_parse("long.ini", text, &ini), CP_OK);
        assert_int_equal(station_config_apply(ini, &c), CP_OK);
        config_free(ini);
        assert_string_equal(c.categories[1], item);
        snprintf(text, sizeof text, "[kitchen]\ncategories = 主食, %s\n",
                 repeat(item, "", "菜", 33));
        assert_int_equal(config_parse("long.ini", text, &ini), CP_OK);
        assert_int_equal(station_config_apply(ini, &c), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "[kitchen] categories"));
        assert_non_null(strstr(cp_detail(), "33 characters"));
        config_free(ini);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_card_then_tray_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_after_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tray_then_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unplug_keeps_weighing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_retried_under_same_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_impossible_weight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kitchen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kitchen_text_whole_or_refused, setup, teardown),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
