/* Unit tests for pos/offline: charges decided from a snapshot without the
 * server: within the offline allowance (default one lunch price) and the
 * balance, blocked and unknown cards refused, the snapshot's card changed
 * so that the next tap sees it, a new day starting from zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pos/offline.h"

static const char snapshot_text[] =
    "{\"ok\":true,\"version\":118,\"business_date\":\"2026-11-03\",\"canteen\":\"C1\","
    "\"periods\":[{\"id\":1,\"name\":\"lunch\",\"start_min\":660,\"end_min\":810},"
    "            {\"id\":2,\"name\":\"dinner\",\"start_min\":1020,\"end_min\":1140}],"
    "\"prices\":[{\"period\":\"lunch\",\"category\":\"staff\",\"price_fen\":800},"
    "           {\"period\":\"dinner\",\"category\":\"staff\",\"price_fen\":600},"
    "           {\"period\":\"lunch\",\"category\":\"guest\",\"price_fen\":1500},"
    "           {\"period\":\"dinner\",\"category\":\"guest\",\"price_fen\":1500}],"
    "\"rules\":[{\"category\":\"guest\",\"meals_per_period\":1,\"daily_cap_fen\":-1,"
    "            \"overdraft_fen\":0,\"offline_daily_cap_fen\":3000}],"
    "\"cards\":[{\"card\":\"0004123456\",\"staff_no\":\"E001\",\"name\":\"张伟\","
    "            \"department\":\"办公室\",\"category\":\"staff\",\"status\":\"active\","
    "            \"cash_fen\":12000,\"subsidy_fen\":300,\"meals_today\":{\"lunch\":0},"
    "            \"spent_today_fen\":0},"
    "           {\"card\":\"0004123457\",\"staff_no\":\"E002\",\"name\":\"李娜\","
    "            \"category\":\"staff\",\"status\":\"blocked_offline\",\"cash_fen\":-200,"
    "            \"subsidy_fen\":0,\"meals_today\":{},\"spent_today_fen\":0},"
    "           {\"card\":\"0004123458\",\"staff_no\":\"G001\",\"name\":\"Guest\","
    "            \"category\":\"guest\",\"status\":\"active\",\"cash_fen\":2000,"
    "            \"subsidy_fen\":0,\"meals_today\":{},\"spent_today_fen\":0}]}";

static json_t *snap;

static int setup(void **state)
{
    (void)state;
    snap = json_loads(snapshot_text, 0, NULL);
    return snap ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(snap);
    return 0;
}

/* Charges card at the ISO time at; returns the answer (caller frees). */
static json_t *tap(const char *card, const char *at, int *charged)
{
    json_t *a, *c, *held = NULL;
    cp_time t;
    size_t i;

    assert_int_equal(clock_parse(at, &t), CP_OK);
    /* the terminal keeps its cards in its journal: here, in the snapshot's array */
    json_array_foreach(json_object_get(snap, "cards"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "card")), card) == 0)
            held = c;
    a = offline_charge(snap, held, card, &t, 5, charged);
    assert_non_null(a);
    assert_true(json_is_true(json_object_get(a, "offline")));
    return a;
}

/* Taps card at `at` and checks that it was refused with error. */
static void refused(const char *card, const char *at, const char *error)
{
    int charged = 1;
    json_t *a = tap(card, at, &charged);

    assert_false(charged);
    assert_string_equal(json_string_value(json_object_get(a, "error")), error);
    json_decref(a);
}

static void test_within_allowance(void **state)
{
    int charged = 0;
    json_t *a, *card;
    (void)state;

    a = tap("0004123456", "2026-11-03T12:00:00", &charged);
    assert_true(charged);
    assert_int_equal(json_integer_value(json_object_get(a, "charged_fen")), 800);
    /* the subsidy first, then cash */
    assert_int_equal(json_integer_value(json_object_get(a, "subsidy_fen")), 300);
    assert_int_equal(json_integer_value(json_object_get(a, "cash_fen")), 500);
    assert_int_equal(json_integer_value(json_object_get(a, "cash_left_fen")), 11500);
    assert_string_equal(json_string_value(json_object_get(a, "name")), "张伟");
    json_decref(a);
    /* the snapshot's card holds the charge */
    card = json_array_get(json_object_get(snap, "cards"), 0);
    assert_int_equal(json_integer_value(json_object_get(card, "cash_fen")), 11500);
    assert_int_equal(json_integer_value(json_object_get(card, "offline_spent_today_fen")), 800);
    /* one lunch a period */
    refused("0004123456", "2026-11-03T12:30:00", "limit_reached");
    /* dinner: within the rules online, but past the offline allowance of one
     * lunch price (800) */
    refused("0004123456", "2026-11-03T17:30:00", "limit_reached");
    /* the next day starts from zero */
    a = tap("0004123456", "2026-11-04T12:00:00", &charged);
    assert_true(charged);
    json_decref(a);
}

static void test_refusals(void **state)
{
    (void)state;

    refused("0004123457", "2026-11-03T12:00:00", "card_blocked");
    refused("0009999999", "2026-11-03T12:00:00", "unknown_card");
    refused("0004123456", "2026-11-03T15:00:00", "no_meal_period");
}

static void test_balance_and_set_allowance(void **state)
{
    int charged = 0;
    json_t *a;
    (void)state;

    /* a guest's allowance is set to 30 yuan: lunch fits, dinner is past the
     * 20 yuan balance */
    a = tap("0004123458", "2026-11-03T12:00:00", &charged);
    assert_true(charged);
    json_decref(a);
    refused("0004123458", "2026-11-03T17:30:00", "insufficient_funds");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_within_allowance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_balance_and_set_allowance, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
