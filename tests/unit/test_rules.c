/* Unit tests for core/rules: the rules of a charge over facts alone, without any store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/rules.h"

/* A staff lunch at 12:00 that passes every rule: 8 yuan, 30 yuan of
 * subsidy and 100 of cash, no meal yet, no cap, no overdraft. */
static charge_facts lunch(void)
{
    charge_facts f = {
        .mode = RULES_ONLINE,
        .at = {2026, 11, 3, 12, 0, 0},
        .card_found = 1,
        .card_no = "0004123456",
        .card_status = "active",
        .diner_status = "active",
        .name = "张伟",
        .staff_no = "E001",
        .category = "staff",
        .period_found = 1,
        .period = "lunch",
        .price_found = 1,
        .price_fen = 800,
        .dup_window_s = 5,
        .cash_fen = 10000,
        .subsidy_fen = 3000,
        .meals_per_period = 1,
        .daily_cap_fen = -1,
        .overdraft_fen = 0,
        .offline_daily_cap_fen = 800,
    };
    return f;
}

/* Decides f, expects the refusal code and which rule. */
static charge_outcome refused(const charge_facts *f, cp_err code, rules_refusal why)
{
    charge_outcome o;
    assert_int_equal(rules_decide_charge(f, &o), CP_OK);
    assert_int_equal(o.result, code);
    assert_int_equal(o.why, why);
    return o;
}

static charge_outcome charged(const charge_facts *f, int64_t subsidy, int64_t cash)
{
    charge_outcome o;
    assert_int_equal(rules_decide_charge(f, &o), CP_OK);
    assert_int_equal(o.result, CP_OK);
    assert_int_equal(o.why, RULES_CHARGE);
    assert_int_equal(o.subsidy_fen, subsidy);
    assert_int_equal(o.cash_fen, cash);
    assert_int_equal(o.total_fen, subsidy + cash);
    return o;
}

static void test_subsidy_first(void **state)
{
    charge_facts f = lunch();
    charge_outcome o;
    (void)state;

    o = charged(&f, 800, 0);
    assert_int_equal(o.subsidy_left_fen, 2200);
    assert_int_equal(o.cash_left_fen, 10000);
    assert_int_equal(o.meals_today, 1);
    f.subsidy_fen = 300; /* the rest from cash */
    o = charged(&f, 300, 500);
    assert_int_equal(o.subsidy_left_fen, 0);
    assert_int_equal(o.cash_left_fen, 9500);
    f.subsidy_fen = -100; /* never below zero: all from cash */
    charged(&f, 0, 800);
}

static void test_lines(void **state)
{
    rules_line lines[] = {
        {"baozi", 1, 150, 0, 2},  /* 2 pieces: 300 */
        {"greens", 1, 199, 1, 255}, /* 255 g at 1.99 per 100 g: 507.45, half up 507 */
    };
    charge_facts f = lunch();
    (void)state;

    assert_int_equal(rules_line_amount(&lines[1]), 507);
    f.lines = lines;
    f.nlines = 2;
    f.period_found = 0; /* items need no period, nor a meal count */
    f.meals_in_period = 5;
    charged(&f, 807, 0);
    lines[1].found = 0;
    assert_int_equal(rules_decide_charge(&f, &(charge_outcome){0}), CP_ERR_NOT_FOUND);
    lines[0].quantity = 0; /* the quantity is checked first, line by line */
    assert_int_equal(rules_decide_charge(&f, &(charge_outcome){0}), CP_ERR_INVALID);
}

static void test_card_and_diner(void **state)
{
    charge_facts f = lunch();
    char msg[256];
    charge_outcome o;
    (void)state;

    f.card_found = 0;
    o = refused(&f, CP_ERR_UNKNOWN_CARD, RULES_UNKNOWN_CARD);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "card 0004123456 is not registered: send the diner to the office "
                             "to register the card");
    f = lunch();
    f.card_status = "lost";
    o = refused(&f, CP_ERR_CARD_BLOCKED, RULES_CARD_BLOCKED);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "card 0004123456 is blocked (lost): keep the card and send the "
                             "diner to the office");
    f.card_status = "blocked_offline";
    o = refused(&f, CP_ERR_CARD_BLOCKED, RULES_CARD_BLOCKED);
    rules_word(&f, &o, msg, sizeof msg);
    /* the diner's card still: handed back, not kept as a lost one */
    assert_string_equal(msg, "card 0004123456 is stopped: a meal served offline took the wallet "
                             "below its limit; give the card back, it works again once the "
                             "diner tops up at the office");
    f = lunch();
    f.diner_status = "suspended";
    o = refused(&f, CP_ERR_DINER_INACTIVE, RULES_DINER_INACTIVE);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "张伟 (E001) is suspended: send the diner to the office");
}

static void test_period_and_price(void **state)
{
    charge_facts f = lunch();
    char msg[256];
    charge_outcome o;
    (void)state;

    f.period_found = 0;
    f.at.hour = 15;
    f.at.minute = 7;
    o = refused(&f, CP_ERR_NO_MEAL_PERIOD, RULES_NO_PERIOD);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "no meal period is open at 15:07: nothing charged");
    f = lunch();
    f.price_found = 0;
    f.period_shown = "午餐";
    o = refused(&f, CP_ERR_NO_PRICE, RULES_NO_PRICE);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "no 午餐 price for category 'staff': a manager sets it with "
                             "`cleanplate-office price set`");
}

static void test_duplicate_tap(void **state)
{
    charge_facts f = lunch();
    char msg[256];
    charge_outcome o;
    (void)state;

    f.last_here = "2026-11-03T11:59:56"; /* 4 s ago, in the 5 s window */
    o = refused(&f, CP_ERR_DUPLICATE_TAP, RULES_DUPLICATE_TAP);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "张伟 was charged here less than 5 s ago: not charged again");
    f.last_here = "2026-11-03T11:59:55"; /* the window's first second */
    refused(&f, CP_ERR_DUPLICATE_TAP, RULES_DUPLICATE_TAP);
    f.last_here = "2026-11-03T11:59:54";
    charged(&f, 800, 0);
    f.last_here = "2026-11-03T12:00:01"; /* later than the tap: another clock, not a repeat */
    charged(&f, 800, 0);
    f.last_here = "2026-11-03T11:59:58";
    f.mode = RULES_SERVED; /* a served tap is kept from repeating by its request id */
    charged(&f, 800, 0);
}

static void test_meals_per_period(void **state)
{
    charge_facts f = lunch();
    char msg[256];
    charge_outcome o;
    (void)state;

    f.meals_in_period = 1;
    o = refused(&f, CP_ERR_LIMIT_REACHED, RULES_MEALS_PER_PERIOD);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "张伟 already had 1 lunch meal today (limit 1): not charged");
    f.meals_per_period = 2;
    f.sales_today = 1;
    assert_int_equal(charged(&f, 800, 0).meals_today, 2);
    f.meals_per_period = 0;
    f.meals_in_period = 0;
    refused(&f, CP_ERR_LIMIT_REACHED, RULES_MEALS_PER_PERIOD);
}

static void test_daily_cap(void **state)
{
    charge_facts f = lunch();
    char msg[256];
    charge_outcome o;
    (void)state;

    f.daily_cap_fen = 3000;
    f.spent_today_fen = 2200; /* 22 + 8 = 30: at the cap, not past it */
    charged(&f, 800, 0);
    f.spent_today_fen = 2201;
    f.category_shown = "职工";
    o = refused(&f, CP_ERR_LIMIT_REACHED, RULES_DAILY_CAP);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "daily limit of 30.00 yuan for 职工 would be passed (spent 22.01 "
                             "today): not charged");
}

static void test_overdraft(void **state)
{
    charge_facts f = lunch();
    char msg[256];
    charge_outcome o;
    (void)state;

    f.subsidy_fen = 0;
    f.cash_fen = 500;
    o = refused(&f, CP_ERR_INSUFFICIENT_FUNDS, RULES_FUNDS);
    assert_int_equal(o.subsidy_fen + o.cash_fen, 0);
    assert_int_equal(o.cash_left_fen, 500);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "balance too low: 8.00 yuan needed, 5.00 yuan available; top up at "
                             "the office");
    f.overdraft_fen = 300; /* cash may go down to -3 yuan */
    o = charged(&f, 0, 800);
    assert_int_equal(o.cash_left_fen, -300);
    assert_int_equal(o.over_limit, 0);
    f.overdraft_fen = 299;
    refused(&f, CP_ERR_INSUFFICIENT_FUNDS, RULES_FUNDS);
}

/* A terminal without its server: every rule, and the allowance on top. */
static void test_offline_allowance(void **state)
{
    charge_facts f = lunch();
    char msg[256];
    charge_outcome o;
    (void)state;

    f.mode = RULES_OFFLINE;
    charged(&f, 800, 0);
    f.offline_spent_today_fen = 1;
    o = refused(&f, CP_ERR_LIMIT_REACHED, RULES_OFFLINE_CAP);
    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "offline, 张伟 may spend 8.00 yuan a day (spent 0.01 offline "
                             "today): not charged");
    f.offline_spent_today_fen = 0;
    f.offline_daily_cap_fen = -1; /* no allowance: nothing offline */
    refused(&f, CP_ERR_LIMIT_REACHED, RULES_OFFLINE_CAP);
    f.offline_daily_cap_fen = 800;
    f.card_status = "lost"; /* on the block list */
    refused(&f, CP_ERR_CARD_BLOCKED, RULES_CARD_BLOCKED);
    f.card_status = "active";
    f.subsidy_fen = 0;
    f.cash_fen = 700; /* the last-known balance still counts */
    refused(&f, CP_ERR_INSUFFICIENT_FUNDS, RULES_FUNDS);
    f.meals_in_period = 1;
    refused(&f, CP_ERR_LIMIT_REACHED, RULES_MEALS_PER_PERIOD);
}

/* The server posting what a terminal served: only an unknown card or no
 * period or price stop it; money and limits only flag it. */
static void test_served(void **state)
{
    charge_facts f = lunch();
    charge_outcome o;
    (void)state;

    f.mode = RULES_SERVED;
    f.card_status = "lost";
    f.diner_status = "suspended";
    f.meals_in_period = 3; /* at other terminals: not this one's to know */
    f.daily_cap_fen = 0;
    f.offline_daily_cap_fen = 800; /* one lunch */
    /* beyond what this terminal could serve alone: a second meal of the
     * period here, or more than the allowance offline here today */
    f.meals_here_in_period = 1;
    refused(&f, CP_ERR_LIMIT_REACHED, RULES_TERMINAL_ALLOWANCE);
    f.meals_here_in_period = 0;
    f.offline_here_today_fen = 1;
    refused(&f, CP_ERR_LIMIT_REACHED, RULES_TERMINAL_ALLOWANCE);
    f.offline_here_today_fen = 0;
    f.subsidy_fen = 300;
    f.cash_fen = 200;
    f.overdraft_fen = 100;
    o = charged(&f, 300, 500);
    assert_int_equal(o.cash_left_fen, -300);
    assert_int_equal(o.subsidy_left_fen, 0);
    assert_int_equal(o.over_limit, 1);
    f.cash_fen = 400; /* down to -100: at the limit, not below */
    assert_int_equal(charged(&f, 300, 500).over_limit, 0);
    f.price_found = 0;
    refused(&f, CP_ERR_NO_PRICE, RULES_NO_PRICE);
    f.period_found = 0;
    refused(&f, CP_ERR_NO_MEAL_PERIOD, RULES_NO_PERIOD);
    f.card_found = 0;
    refused(&f, CP_ERR_UNKNOWN_CARD, RULES_UNKNOWN_CARD);
}

/* A resent charge (charged online, the store lost it, sent again) is
 * decided by the rules of a charge online at its tap time: a stolen key
 * marking its charges resent posted any amount on a lost card. */
static void test_resent_as_online(void **state)
{
    charge_facts f = lunch();
    (void)state;

    f.mode = RULES_SERVED;
    f.resent = 1;
    f.card_status = "lost";
    refused(&f, CP_ERR_CARD_BLOCKED, RULES_CARD_BLOCKED);
    f.card_status = "active";
    f.meals_in_period = 1; /* its lunch at another terminal */
    refused(&f, CP_ERR_LIMIT_REACHED, RULES_MEALS_PER_PERIOD);
    f.meals_in_period = 0;
    f.cash_fen = 100;
    f.subsidy_fen = 0;
    f.overdraft_fen = 0;
    refused(&f, CP_ERR_INSUFFICIENT_FUNDS, RULES_FUNDS);
    f.cash_fen = 800;
    f.offline_here_today_fen = 5000; /* no offline allowance: it was online */
    f.offline_daily_cap_fen = 800;
    charged(&f, 0, 800);
}

/* Two rules broken at once: the one checked first is the one said. */
static void test_order(void **state)
{
    charge_facts f = lunch();
    (void)state;

    f.cash_fen = f.subsidy_fen = 0;
    f.meals_in_period = 1;
    f.last_here = "2026-11-03T11:59:59";
    f.card_status = "lost";
    refused(&f, CP_ERR_CARD_BLOCKED, RULES_CARD_BLOCKED);
    f.card_status = "active";
    refused(&f, CP_ERR_DUPLICATE_TAP, RULES_DUPLICATE_TAP);
    f.last_here = NULL;
    refused(&f, CP_ERR_LIMIT_REACHED, RULES_MEALS_PER_PERIOD);
    f.meals_in_period = 0;
    refused(&f, CP_ERR_INSUFFICIENT_FUNDS, RULES_FUNDS);
}

static void test_no_refusal_no_words(void **state)
{
    charge_facts f = lunch();
    charge_outcome o = charged(&f, 800, 0);
    char msg[16] = "x";
    (void)state;

    rules_word(&f, &o, msg, sizeof msg);
    assert_string_equal(msg, "");
}

/* A sale is voided in its own month only: on the first of the next, its
 * books are closed. */
static void test_void_in_its_month(void **state)
{
    (void)state;
    assert_int_equal(rules_void_allowed("POS1-000001", "2026-11-30", "2026-11-30"), CP_OK);
    assert_int_equal(rules_void_allowed("POS1-000001", "2026-11-02", "2026-11-30"), CP_OK);
    assert_int_equal(rules_void_allowed("POS1-000001", "2026-11-30", "2026-12-01"),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "sale POS1-000001 is of 2026-11"));
    assert_non_null(strstr(cp_detail(), "topup STAFF_NO YUAN"));
    assert_int_equal(rules_void_allowed("POS1-000001", "2025-12-31", "2026-01-01"),
                     CP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subsidy_first),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_card_and_diner),
        cmocka_unit_test(test_period_and_price),
        cmocka_unit_test(test_duplicate_tap),
        cmocka_unit_test(test_meals_per_period),
        cmocka_unit_test(test_daily_cap),
        cmocka_unit_test(test_overdraft),
        cmocka_unit_test(test_offline_allowance),
        cmocka_unit_test(test_served),
        cmocka_unit_test(test_resent_as_online),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_no_refusal_no_words),
        cmocka_unit_test(test_void_in_its_month),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
