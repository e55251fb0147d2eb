/* Unit tests for backoffice/cost and cost_collect: hand-worked months of food used, cost per meal, surplus and waste in money. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "backoffice/cost.h"
#include "backoffice/cost_collect.h"
#include "core/canteen.h"
#include "core/food.h"
#include "core/ledger.h"
#include "core/waste.h"
#include "tests/unit/helpers/fixture.h"

/* ---- the pure part: facts in, figures out -------------------------------- */

static const cost_line *line(const cost_month *m, const char *name)
{
    for (size_t i = 0; i < m->nlines; i++)
        if (strcmp(m->lines[i].name, name) == 0)
            return &m->lines[i];
    fail_msg("no line %s", name);
    return NULL;
}

/* November of one canteen, worked by hand:
 *   蔬菜  opening 300.00 yuan 60 kg, bought 2000.00 yuan 400 kg, closing 500.00 yuan not
 *         weighed (at 0.5 fen/g: 100 kg): used 1800.00 yuan 360 kg; waste 10 kg at
 *         0.5 fen/g = 50.00 yuan
 *   肉禽  bought 3000.00 yuan 100 kg, never counted (purchases only), never wasted
 *   主食  bought 1000.00 yuan 250 kg, closing 200.00 yuan 50 kg: used 800.00 yuan 200 kg;
 *         waste 2 kg at 0.4 fen/g = 8.00 yuan
 *   汤    not a food category, never bought: waste 3 kg at the all-food average
 *   food used 5600.00 yuan 660 kg: all food 5600.00 / 660 kg; 汤 3 kg = 25.4545 -> 25.45,
 *   plate 20 kg = 169.6969 -> 169.70; waste 35 kg, 253.15 yuan
 *   meals 620 (600 lunches at 8 yuan, 20 guest dinners at 15): 5100.00 yuan taken,
 *   cost per meal 5600.00 / 620 = 9.0322 -> 9.03; surplus -500.00 (-8.93 %): under */
static void test_month_by_hand(void **state)
{
    cost_category cats[] = {{"蔬菜", 1, 10000}, {"肉禽", 1, 0}, {"水产", 1, 0},
                            {"主食", 1, 2000},  {"汤", 0, 3000}};
    cost_stock stock[] = {
        {1, 0, {1, 30000, 60000}, {1, 50000, -1}, 200000, 400000, 0, 0, 0},
        {1, 1, {0, 0, 0}, {0, 0, 0}, 300000, 100000, 0, 0, 0},
        {1, 3, {0, 0, 0}, {1, 20000, 50000}, 100000, 250000, 0, 0, 0},
    };
    metrics_sales_row sales[] = {{"lunch", "staff", 600, 480000, 300000, 180000},
                                 {"dinner", "guest", 20, 30000, 0, 30000}};
    cost_facts f = {.month = "2026-11", .food_cost_fen_per_kg = 2000, .categories = cats,
                    .ncategories = 5, .stock = stock, .nstock = 3, .plate_g = 20000,
                    .sales = sales, .nsales = 2, .flagged = 4};
    cost_month m;
    (void)state;

    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_int_equal(m.nlines, 4); /* 水产: nothing at all */
    assert_string_equal(m.lines[0].name, "蔬菜");
    assert_string_equal(m.lines[3].name, "汤");
    assert_int_equal(line(&m, "蔬菜")->closing_g, 100000);
    assert_int_equal(line(&m, "蔬菜")->used_fen, 180000);
    assert_int_equal(line(&m, "蔬菜")->used_g, 360000);
    assert_true(line(&m, "蔬菜")->counted);
    assert_int_equal(line(&m, "蔬菜")->kitchen_fen, 5000);
    assert_int_equal(line(&m, "蔬菜")->priced, COST_PRICED_CATEGORY);
    /* bought, never counted: purchases only, and the month says so */
    assert_false(line(&m, "肉禽")->counted);
    assert_int_equal(line(&m, "肉禽")->used_fen, 300000);
    assert_int_equal(line(&m, "肉禽")->kitchen_fen, 0);
    assert_false(m.stock_counted);
    assert_int_equal(line(&m, "主食")->used_fen, 80000);
    assert_int_equal(line(&m, "主食")->kitchen_fen, 800);
    /* wasted, never bought: at the average of all food used, and marked */
    assert_int_equal(line(&m, "汤")->priced, COST_PRICED_ALL_FOOD);
    assert_int_equal(line(&m, "汤")->kitchen_fen, 2545);
    assert_false(line(&m, "汤")->listed);
    assert_int_equal(m.used_fen, 560000);
    assert_int_equal(m.used_g, 660000);
    assert_int_equal(m.opening_fen, 30000);
    assert_int_equal(m.closing_fen, 70000);
    assert_int_equal(m.bought_fen, 600000);
    assert_false(m.fallback);
    assert_int_equal(m.plate_fen, 16970);
    assert_int_equal(m.kitchen_g, 15000);
    assert_int_equal(m.waste_g, 35000);
    assert_int_equal(m.waste_fen, 25315);
    assert_int_equal(m.meals, 620);
    assert_int_equal(m.revenue_fen, 510000);
    assert_int_equal(m.subsidy_fen, 300000);
    assert_int_equal(m.cash_fen, 210000);
    assert_int_equal(m.cost_per_meal_fen, 903);
    assert_int_equal(m.surplus_fen, -50000);
    assert_int_equal(m.surplus_x10000, -893);
    assert_int_equal(m.rule, COST_RULE_UNDER);
    assert_int_equal(m.share_weight_x10000, 530);  /* 35 / 660 = 5.30 % */
    assert_int_equal(m.share_money_x10000, 452);   /* 253.15 / 5600 = 4.52 % */
    assert_int_equal(m.g_per_meal_x10, 565);       /* 35000 g / 620 = 56.45 */
    assert_int_equal(m.flagged, 4);
    assert_true(m.has_data);
    cost_month_free(&m);
}

/* No purchases: the waste is priced at the flat --food-cost, and marked. */
static void test_month_without_purchases(void **state)
{
    cost_category cats[] = {{"蔬菜", 1, 1000}, {"", 0, 500}};
    metrics_sales_row sales[] = {{"lunch", "staff", 10, 8000, 8000, 0}};
    cost_facts f = {.month = "2026-11", .food_cost_fen_per_kg = 2000, .categories = cats,
                    .ncategories = 2, .plate_g = 4000, .sales = sales, .nsales = 1};
    cost_month m;
    (void)state;

    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_true(m.fallback);
    assert_int_equal(m.nlines, 2);
    assert_int_equal(m.lines[0].priced, COST_PRICED_FOOD_COST);
    assert_int_equal(m.lines[0].kitchen_fen, 2000);
    assert_int_equal(m.lines[1].kitchen_fen, 1000);  /* kitchen waste without a category */
    assert_int_equal(m.plate_fen, 8000);
    assert_int_equal(m.waste_fen, 11000);
    assert_int_equal(m.price_fen, 2000);
    assert_int_equal(m.price_g, 1000);
    /* no food used: no share of it, no rule; meals still have their waste */
    assert_int_equal(m.share_weight_x10000, -1);
    assert_int_equal(m.share_money_x10000, -1);
    assert_int_equal(m.rule, COST_RULE_NONE);
    assert_int_equal(m.g_per_meal_x10, 5500);
    assert_int_equal(m.cost_per_meal_fen, 0);
    cost_month_free(&m);
}

/* Two canteens: a count missing in one is missing for the category; a count
 * without kg is weighed at the canteen's whole purchases when the category
 * was not bought there. */
static void test_two_canteens(void **state)
{
    cost_category cats[] = {{"蔬菜", 1, 0}, {"主食", 1, 0}};
    cost_stock stock[] = {
        {1, 0, {0, 0, 0}, {1, 10000, 20000}, 40000, 80000, 0, 0, 0},
        {2, 0, {0, 0, 0}, {1, 10000, -1}, 0, 0, 0, 0, 0},   /* held, none bought: 主食's price */
        {2, 1, {0, 0, 0}, {0, 0, 0}, 100000, 250000, 0, 0, 0},
    };
    cost_facts f = {.month = "2026-11", .food_cost_fen_per_kg = 2000, .categories = cats,
                    .ncategories = 2, .stock = stock, .nstock = 3};
    cost_month m;
    (void)state;

    assert_int_equal(cost_compute(&f, &m), CP_OK);
    /* C2's 10000 fen of 蔬菜 at 主食's 0.4 fen/g: 25 kg */
    assert_int_equal(line(&m, "蔬菜")->closing_g, 20000 + 25000);
    assert_int_equal(line(&m, "蔬菜")->used_fen, 40000 - 20000);
    assert_true(line(&m, "蔬菜")->counted);
    assert_false(line(&m, "主食")->counted);  /* C2 bought it and did not count it */
    assert_false(m.stock_counted);
    cost_month_free(&m);
}

/* Every canteen's month prices each canteen's waste at its own purchases:
 *   C1 bought 蔬菜 50.00 yuan 10 kg, wasted 1 kg of 主食 it did not buy (at
 *      its all-food 0.5 fen/g: 5.00) and 600 g on plates (3.00): 8.00
 *   C2 bought 蔬菜 100.00 yuan 10 kg and 主食 40.00 yuan 10 kg, wasted 1 kg
 *      of 主食 (at 0.4 fen/g: 4.00) and 1,200 g on plates (at 0.7: 8.40): 12.40
 * Priced together, 主食's 2 kg took C2's price alone (8.00) and the total was
 * 19.40, not the canteens' 20.40. */
static void test_waste_of_canteens(void **state)
{
    cost_category c1_cats[] = {{"蔬菜", 1, 0}, {"主食", 1, 1000}};
    cost_category c2_cats[] = {{"蔬菜", 1, 0}, {"主食", 1, 1000}};
    cost_category all_cats[] = {{"蔬菜", 1, 0}, {"主食", 1, 2000}};
    cost_stock stock[] = {
        {1, 0, {0, 0, 0}, {0, 0, 0}, 5000, 10000, 0, 0, 0},
        {2, 0, {0, 0, 0}, {0, 0, 0}, 10000, 10000, 0, 0, 0},
        {2, 1, {0, 0, 0}, {0, 0, 0}, 4000, 10000, 0, 0, 0},
    };
    cost_facts c1 = {.month = "2026-11", .food_cost_fen_per_kg = 2000, .categories = c1_cats,
                     .ncategories = 2, .stock = stock, .nstock = 1, .plate_g = 600};
    cost_facts c2 = {.month = "2026-11", .food_cost_fen_per_kg = 2000, .categories = c2_cats,
                     .ncategories = 2, .stock = stock + 1, .nstock = 2, .plate_g = 1200};
    cost_facts all = {.month = "2026-11", .food_cost_fen_per_kg = 2000, .categories = all_cats,
                      .ncategories = 2, .stock = stock, .nstock = 3, .plate_g = 1800};
    cost_month each[2], m;
    (void)state;

    assert_int_equal(cost_compute(&c1, &each[0]), CP_OK);
    assert_int_equal(cost_compute(&c2, &each[1]), CP_OK);
    assert_int_equal(each[0].waste_fen, 800);
    assert_int_equal(each[1].waste_fen, 1240);
    assert_int_equal(cost_compute(&all, &m), CP_OK);
    assert_int_equal(m.waste_fen, 1940); /* priced together */
    cost_waste_of_canteens(&m, each, 2);
    assert_true(m.by_canteen);
    assert_int_equal(m.waste_fen, 800 + 1240);
    assert_int_equal(m.kitchen_fen, 500 + 400);
    assert_int_equal(m.plate_fen, 300 + 840);
    assert_int_equal(line(&m, "主食")->kitchen_fen, 900);
    assert_int_equal(line(&m, "主食")->priced, COST_PRICED_CANTEENS); /* all-food in C1 */
    assert_int_equal(line(&m, "主食")->price_fen, 900);
    assert_int_equal(line(&m, "主食")->price_g, 2000);
    assert_int_equal(m.share_money_x10000, 1074); /* 20.40 / 190.00 */
    assert_int_equal(m.used_fen, 19000);          /* the rest as it was */
    cost_month_free(&m);
    cost_month_free(&each[0]);
    cost_month_free(&each[1]);
}

/* A month that has not ended (December on the 2nd): no closing count yet,
 * so no food used (not November's closing stock of 500.00 as eaten), no cost
 * per meal and no surplus; its waste is priced at the purchases so far
 * (300.00 for 10 kg); a year adds its waste but none of its food or money. */
static void test_open_month(void **state)
{
    cost_category cats[] = {{"蔬菜", 1, 1000}, {"肉禽", 1, 0}};
    cost_stock stock[] = {
        {1, 0, {1, 50000, 100000}, {1, 20000, 40000}, 0, 0, 0, 0, 0}, /* a count typed early */
        {1, 1, {0, 0, 0}, {0, 0, 0}, 30000, 10000, 0, 0, 0},
    };
    metrics_sales_row sales[] = {{"lunch", "staff", 10, 8000, 8000, 0}};
    cost_facts f = {.month = "2026-12", .food_cost_fen_per_kg = 2000, .categories = cats,
                    .ncategories = 2, .stock = stock, .nstock = 2, .plate_g = 1000,
                    .sales = sales, .nsales = 1, .open = 1};
    cost_month m;
    cost_total t = {0};
    (void)state;

    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_true(m.open);
    assert_int_equal(m.used_fen, 0);
    assert_int_equal(m.used_g, 0);
    assert_int_equal(m.closing_fen, 0);
    assert_int_equal(line(&m, "蔬菜")->used_fen, 0);
    assert_int_equal(m.opening_fen, 50000);
    assert_int_equal(m.cost_per_meal_fen, -1);
    assert_int_equal(m.surplus_fen, 0);
    assert_int_equal(m.rule, COST_RULE_NONE);
    assert_int_equal(m.plate_fen, 3000);       /* 1 kg at 30.00 a kg bought so far */
    assert_int_equal(m.kitchen_fen, 3000);     /* 蔬菜 not bought: at the same average */
    cost_total_add(&t, &m);
    assert_int_equal(t.used_fen, 0);
    assert_int_equal(t.revenue_fen, 0);
    assert_int_equal(t.meals, 0);
    assert_int_equal(t.waste_fen, 6000);
    assert_int_equal(t.open_months, 1);
    cost_month_free(&m);
}

/* A count in yuan only is weighed at its own month's price, as closing and
 * as opening stock: October's 100.00 of 蔬菜, bought at 4.00 a kg, is 25 kg
 * leaving October and 25 kg entering November (bought at 5.00 a kg), not
 * 20: November uses 25 + 100 - 0 = 125 kg, and the two months the 200 kg
 * bought. */
static void test_count_weighed_at_its_month(void **state)
{
    cost_category cats[] = {{"蔬菜", 1, 0}};
    cost_stock stock[] = {{1, 0, {1, 10000, -1}, {1, 0, 0}, 50000, 100000, 0, 40000, 100000}};
    cost_facts f = {.month = "2026-11", .food_cost_fen_per_kg = 2000, .categories = cats,
                    .ncategories = 1, .stock = stock, .nstock = 1};
    cost_month m;
    (void)state;

    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_int_equal(m.lines[0].opening_g, 25000);
    assert_int_equal(m.used_g, 125000);
    assert_int_equal(m.used_fen, 60000);
    cost_month_free(&m);
    /* nothing bought the month before in the category: at the canteen's */
    stock[0].prev_fen = stock[0].prev_g = 0;
    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_int_equal(m.lines[0].opening_g, 0);
    cost_month_free(&m);
}

/* A canteen that bought nothing and counted nothing before: its counts are
 * the stock it starts with, not food used (not a negative one). */
static void test_starting_stock(void **state)
{
    cost_category cats[] = {{"蔬菜", 1, 0}, {"主食", 1, 0}};
    cost_stock stock[] = {
        {1, 0, {0, 0, 0}, {1, 10000, 20000}, 0, 0, 1, 0, 0},
        {1, 1, {0, 0, 0}, {1, 9000, 20000}, 0, 0, 1, 0, 0},
        /* new too, but its count is less than it bought: no starting stock */
        {2, 0, {0, 0, 0}, {1, 5000, 10000}, 20000, 40000, 1, 0, 0},
    };
    cost_facts f = {.month = "2026-10", .food_cost_fen_per_kg = 2000, .categories = cats,
                    .ncategories = 2, .stock = stock, .nstock = 3};
    cost_month m;
    (void)state;

    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_true(line(&m, "主食")->starting);
    assert_int_equal(line(&m, "主食")->used_fen, 0);
    assert_int_equal(line(&m, "主食")->starting_fen, 9000);
    assert_int_equal(line(&m, "蔬菜")->starting_fen, 10000);
    /* the closing stock is the whole count, the starting stock a part of it:
     * each line and the month read opening + starting + purchases - closing = used */
    assert_int_equal(line(&m, "蔬菜")->closing_fen, 15000);
    assert_int_equal(m.closing_fen, 24000);
    assert_int_equal(m.starting_fen, 19000);
    for (size_t i = 0; i < m.nlines; i++) {
        const cost_line *l = &m.lines[i];
        assert_int_equal(l->opening_fen + l->starting_fen + l->bought_fen - l->closing_fen,
                         l->used_fen);
    }
    assert_int_equal(m.opening_fen + m.starting_fen + m.bought_fen - m.closing_fen, m.used_fen);
    assert_int_equal(line(&m, "蔬菜")->used_fen, 20000 - 5000); /* C2's alone */
    assert_int_equal(m.used_fen, 15000);
    assert_true(m.stock_counted);
    cost_month_free(&m);
}

/* A count is starting stock only for a canteen with no records before the
 * month: C1 bought in July, missed July's count and bought nothing in
 * August; its August count is a closing stock (below zero), not stock held
 * before its records (September would count it as used a second time). C2,
 * new, took a delivery of 100.00 in the month it counted 300.00 of 蔬菜:
 * 200.00 was there before anything was recorded, and nothing is used. */
static void test_starting_stock_needs_no_records_before(void **state)
{
    cost_category cats[] = {{"蔬菜", 1, 0}};
    cost_stock stock[] = {
        {1, 0, {0, 0, 0}, {1, 30000, 30000}, 0, 0, 0, 0, 0},
        {2, 0, {0, 0, 0}, {1, 30000, 60000}, 10000, 10000, 1, 0, 0},
    };
    cost_facts f = {.month = "2026-08", .food_cost_fen_per_kg = 2000, .categories = cats,
                    .ncategories = 1, .stock = stock, .nstock = 1};
    cost_month m;
    (void)state;

    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_false(line(&m, "蔬菜")->starting);
    assert_int_equal(m.starting_fen, 0);
    assert_int_equal(m.closing_fen, 30000);
    assert_int_equal(m.used_fen, -30000);
    cost_month_free(&m);

    f.stock = stock + 1;
    assert_int_equal(cost_compute(&f, &m), CP_OK);
    assert_true(line(&m, "蔬菜")->starting);
    assert_int_equal(m.starting_fen, 20000);
    assert_int_equal(m.closing_fen, 30000);
    assert_int_equal(m.bought_fen, 10000);
    assert_int_equal(m.used_fen, 0);
    assert_int_equal(m.used_g, 0);
    cost_month_free(&m);
}

static void test_rule(void **state)
{
    (void)state;
    /* exactly 2 % either way is within */
    assert_int_equal(cost_rule_of(200, 10000), COST_RULE_WITHIN);
    assert_int_equal(cost_rule_of(-200, 10000), COST_RULE_WITHIN);
    assert_int_equal(cost_rule_of(0, 10000), COST_RULE_WITHIN);
    assert_int_equal(cost_rule_of(201, 10000), COST_RULE_OVER);
    assert_int_equal(cost_rule_of(-201, 10000), COST_RULE_UNDER);
    assert_int_equal(cost_rule_of(100, 0), COST_RULE_NONE);
    assert_string_equal(cost_rule_name(COST_RULE_OVER), "over");
    /* the share as shown agrees with the rule: just over 2 % is shown 2.01 %,
     * not 2.00 % beside "over" (26.36 of 1317.64 is 2.0006 %) */
    assert_int_equal(cost_surplus_share(2636, 131764), 201);
    assert_int_equal(cost_rule_of(2636, 131764), COST_RULE_OVER);
    assert_int_equal(cost_surplus_share(-2636, 131764), -201);
    assert_int_equal(cost_surplus_share(20049, 1000000), 201);
    assert_int_equal(cost_surplus_share(200, 10000), 200);   /* exactly 2 %: within */
    assert_int_equal(cost_surplus_share(-200, 10000), -200);
    assert_int_equal(cost_surplus_share(19950, 1000000), 200); /* 1.995 %: within, 2.00 % */
    assert_int_equal(cost_surplus_share(20050, 1000000), 201); /* half away from zero */
    assert_int_equal(cost_surplus_share(81, 10000), 81);
    assert_int_equal(cost_surplus_share(100, 0), 0);
    assert_null(cost_rule_name(COST_RULE_NONE));
    /* rounding half away from zero, and no overflow on a city's figures */
    assert_int_equal(cost_muldiv(5, 1, 2), 3);
    assert_int_equal(cost_muldiv(-5, 1, 2), -3);
    assert_int_equal(cost_muldiv(4000000000LL, 3000000000LL, 6000000000LL), 2000000000LL);
}

/* ---- gathered from a store: reversals, waste, sales, the year ---------------- */

static int setup(void **state)
{
    *state = fixture_open();
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void buy(db *d, const char *date, const char *category, const char *kg,
                const char *yuan, char id[IDS_LEN])
{
    food_purchase p = {"C1", date, "供应商", category, kg, yuan, NULL};
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_OK);
}

static void count(db *d, const char *month, const char *category, const char *yuan,
                  const char *kg)
{
    food_count c = {"C1", month, category, yuan, kg};
    char id[IDS_LEN];
    assert_int_equal(food_stock_count(d, &c, "boss", id, NULL), CP_OK);
}

/* A lunch for S001 (staff, 8.00) on date. */
static void lunch(db *d, const char *date)
{
    char at[32];
    charge_req req = {.terminal = "POS1", .card_no = "0000000001", .actor = "t"};
    charge_res res;
    snprintf(at, sizeof at, "%sT12:00:00", date);
    fixture_at(at);
    assert_int_equal(ledger_charge(d, &req, &res), CP_OK);
    assert_int_equal(res.result, CP_OK);
}

/* A weighing at W1 at noon on date. */
static void weigh(db *d, const char *date, const char *stage, const char *category,
                  int64_t grams)
{
    char at[32];
    waste_req req = {.terminal = "W1", .stage = stage, .gross_g = grams,
                     .category = category, .actor = "t", .clean_plate_g = -1};
    waste_res res;
    if (strcmp(stage, "plate") == 0)
        req.canteen = "C1";
    snprintf(at, sizeof at, "%sT12:30:00", date);
    fixture_at(at);
    assert_int_equal(waste_record(d, &req, &res), CP_OK);
}

/* December 2026 and January 2027 by hand:
 * December: 蔬菜 100 kg for 500.00; a 肉禽 purchase entered by mistake and
 * reversed; closing count 蔬菜 100.00 yuan 20 kg. Food used 400.00 yuan 80 kg.
 * Two lunches (16.00), 蔬菜 kitchen waste 4 kg (at 5.00/kg: 20.00), an
 * anonymous tray of 400 g (at 400.00/80 kg: 2.00), a negative weighing left out.
 * January: opening = December's count (100.00, 20 kg); 主食 50 kg for 100.00,
 * no count: purchases only. Food used 200.00 yuan 70 kg. One lunch (8.00).
 * Year to date of January: January alone (the year began), whose opening came
 * from the year before. */
static void test_months_from_the_store(void **state)
{
    db *d = *state;
    char id[IDS_LEN];
    food_reversal r;
    cost_report rep;
    cost_month dec;

    assert_int_equal(ledger_topup(d, "S001", 10000, "t", NULL), CP_OK);
    fixture_at("2026-12-31T18:00:00");
    buy(d, "2026-12-01", "蔬菜", "100", "500", id);
    buy(d, "2026-12-02", "肉禽", "30", "900", id);
    assert_int_equal(food_purchase_reverse(d, id, "录错了", "boss", &r), CP_OK);
    count(d, "2026-12", "蔬菜", "100", "20");
    lunch(d, "2026-12-01");
    lunch(d, "2026-12-02");
    weigh(d, "2026-12-02", "prep", "蔬菜", 4000);
    weigh(d, "2026-12-02", "plate", NULL, 400);
    weigh(d, "2026-12-02", "plate", NULL, -50); /* negative: left out */
    fixture_at("2027-01-31T18:00:00");
    buy(d, "2027-01-05", "主食", "50", "100", id);
    lunch(d, "2027-01-05");
    fixture_at("2027-02-01T09:00:00");

    assert_int_equal(cost_month_of(d, "C1", 2026, 12, 2000, &dec), CP_OK);
    assert_int_equal(dec.bought_fen, 50000);   /* the reversed purchase is gone */
    assert_int_equal(dec.used_fen, 40000);
    assert_int_equal(dec.used_g, 80000);
    assert_true(dec.stock_counted);
    assert_int_equal(dec.meals, 2);
    assert_int_equal(dec.revenue_fen, 1600);
    assert_int_equal(dec.kitchen_fen, 2000);
    assert_int_equal(dec.plate_g, 400);
    assert_int_equal(dec.plate_fen, 200);
    assert_int_equal(dec.waste_fen, 2200);
    assert_int_equal(dec.flagged, 1);
    assert_int_equal(dec.cost_per_meal_fen, 20000);
    assert_int_equal(dec.rule, COST_RULE_UNDER);
    cost_month_free(&dec);

    assert_int_equal(cost_report_month(d, "C1", "2027-01", 2000, &rep), CP_OK);
    assert_int_equal(rep.now.opening_fen, 10000);
    assert_int_equal(rep.now.used_fen, 20000);
    assert_int_equal(rep.now.used_g, 70000);
    assert_false(rep.now.stock_counted);
    assert_int_equal(rep.now.meals, 1);
    assert_string_equal(rep.ytd_from, "2027-01");
    assert_int_equal(rep.ytd.months, 1);
    assert_int_equal(rep.ytd.used_fen, 20000);
    assert_int_equal(rep.ytd.revenue_fen, 800);
    assert_int_equal(rep.ytd.surplus_fen, 800 - 20000);
    /* beside it: December (the month before), and no January 2026 */
    assert_string_equal(rep.prev.month, "2026-12");
    assert_true(rep.prev.has_data);
    assert_int_equal(rep.prev.share_money_x10000, 550); /* 22.00 / 400.00 */
    assert_false(rep.last_year.has_data);
    cost_report_free(&rep);

    /* the year 2026 adds up December alone */
    cost_month year[12];
    cost_total total;
    assert_int_equal(cost_year(d, "C1", 2026, 2000, year, &total), CP_OK);
    assert_int_equal(total.months, 1);
    assert_int_equal(total.used_fen, 40000);
    assert_true(year[11].has_data);
    assert_false(year[10].has_data);
    for (int k = 0; k < 12; k++)
        cost_month_free(&year[k]);
}

/* Every canteen's month from a store: each canteen's kitchen waste at its
 * own purchase price, the total the sum of the canteens' (cost_month_of). */
static void test_every_canteen_from_the_store(void **state)
{
    db *d = *state;
    food_purchase p = {"C2", "2026-12-01", "供应商", "蔬菜", "10", "100", NULL};
    waste_req req = {.terminal = "W2", .stage = "prep", .gross_g = 2000, .category = "蔬菜",
                     .actor = "t", .clean_plate_g = -1};
    cost_month c1, c2, all;
    waste_res res;
    char id[IDS_LEN];

    assert_int_equal(canteen_add(d, "C2", "二食堂", "t"), CP_OK);
    assert_int_equal(canteen_add_terminal(d, "W2", "C2", "waste", "t"), CP_OK);
    fixture_at("2026-12-31T18:00:00");
    buy(d, "2026-12-01", "蔬菜", "10", "50", id);
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_OK);
    weigh(d, "2026-12-02", "prep", "蔬菜", 1000);
    fixture_at("2026-12-02T12:30:00");
    assert_int_equal(waste_record(d, &req, &res), CP_OK);
    fixture_at("2027-01-05T09:00:00");
    assert_int_equal(cost_month_of(d, "C1", 2026, 12, 2000, &c1), CP_OK);
    assert_int_equal(cost_month_of(d, "C2", 2026, 12, 2000, &c2), CP_OK);
    assert_int_equal(cost_month_of(d, NULL, 2026, 12, 2000, &all), CP_OK);
    assert_int_equal(c1.kitchen_fen, 500);  /* 1 kg at 5.00 */
    assert_int_equal(c2.kitchen_fen, 2000); /* 2 kg at 10.00 */
    assert_int_equal(all.kitchen_fen, 2500); /* not 3 kg at 7.50 */
    assert_int_equal(all.waste_fen, c1.waste_fen + c2.waste_fen);
    assert_true(all.by_canteen);
    cost_month_free(&c1);
    cost_month_free(&c2);
    cost_month_free(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_by_hand),
        cmocka_unit_test(test_month_without_purchases),
        cmocka_unit_test(test_two_canteens),
        cmocka_unit_test(test_waste_of_canteens),
        cmocka_unit_test(test_open_month),
        cmocka_unit_test(test_count_weighed_at_its_month),
        cmocka_unit_test(test_starting_stock),
        cmocka_unit_test(test_starting_stock_needs_no_records_before),
        cmocka_unit_test(test_rule),
        cmocka_unit_test_setup_teardown(test_months_from_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_canteen_from_the_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
