/* Unit tests for backoffice/metrics on small hand-made months whose answers are worked out here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <time.h>
#include <unistd.h>

#include "backoffice/metrics.h"
#include "core/clock.h"
#include "core/csvread.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "core/schema.h"
#include "core/verify.h"
#include "core/waste.h"
#include "tests/unit/helpers/fixture.h"

static int seq;

static void sql(db *d, const char *s)
{
    if (db_exec(d, s) != CP_OK)
        fail_msg("%s: %s", s, cp_detail());
}

/* Departments A..F under U1, each with diners A1..A6 etc. (F has only 4). */
static int setup(void **state)
{
    db *d = fixture_open();
    fixture_departments(d);
    seq = 0;
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

/* A lunch sale on date for staff_no, charged to department dept (the one at the time). */
static void sale(db *d, const char *date, const char *staff_no, const char *dept)
{
    char s[1024];
    snprintf(s, sizeof s,
             "INSERT INTO sales(id, terminal, canteen_id, card_no, diner_id, department_id,"
             " category, period_id, business_date, kind, total_fen, subsidy_fen, cash_fen, actor,"
             " created_at) SELECT 'T-%d', 'POS1', 1, '', di.id, dep.id, 'staff',"
             " (SELECT id FROM meal_periods WHERE name = 'lunch'), '%s', 'meal', 800, 800, 0,"
             " 'test', '%sT12:00:00' FROM diners di, departments dep"
             " WHERE di.staff_no = '%s' AND dep.code = '%s'",
             ++seq, date, date, staff_no, dept);
    sql(d, s);
}

/* A tray on date: staff_no NULL for an anonymous tray. */
static void tray(db *d, const char *date, const char *staff_no, const char *dept, int net,
                 int flags)
{
    char s[1024];
    snprintf(s, sizeof s,
             "INSERT INTO waste_records(id, terminal, canteen_id, stage, diner_id, department_id,"
             " business_date, gross_g, tare_g, net_g, flags, actor, created_at, period_id)"
             " VALUES ('W-%d', 'W1', 1, 'plate', (SELECT id FROM diners WHERE staff_no = %s%s%s),"
             " (SELECT id FROM departments WHERE code = '%s'), '%s', %d, 0, %d, %d, 'test',"
             " '%sT12:30:00', (SELECT id FROM meal_periods WHERE name = 'lunch'))",
             ++seq, staff_no ? "'" : "", staff_no ? staff_no : "NULL", staff_no ? "'" : "",
             dept, date, net, net, flags, date);
    sql(d, s);
}

/* Each of the 6 diners of dept eats on `days` days and leaves trays of the given grams. */
static void month_of(db *d, char dept, int days, const int *grams)
{
    char staff[8], date[16], code[2] = {dept, '\0'};
    for (int day = 1; day <= days; day++) {
        snprintf(date, sizeof date, "2026-11-%02d", day + 1);
        for (int i = 1; i <= 6; i++) {
            snprintf(staff, sizeof staff, "%c%d", dept, i);
            sale(d, date, staff, code);
            tray(d, date, staff, code, grams[i - 1], 0);
        }
    }
}

static metrics_table *run(db *d, const char *month, const char *quarter, int min_meals,
                          int threshold)
{
    metrics_span span;
    metrics_opts o;
    metrics_table *t = NULL;
    metrics_opts_init(&o);
    o.min_meals = min_meals;
    o.clean_threshold_g = threshold;
    assert_int_equal(metrics_span_parse(month, quarter, &span), CP_OK);
    assert_int_equal(metrics_departments(d, &span, &o, &t), CP_OK);
    return t;
}

static const metrics_row *row(const metrics_table *t, const char *code)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].code, code) == 0)
            return &t->rows[i];
    fail_msg("no row for %s", code);
    return NULL;
}

static void test_spans(void **state)
{
    metrics_span s;
    (void)state;
    assert_int_equal(metrics_span_parse("2026-02", NULL, &s), CP_OK);
    assert_string_equal(s.to, "2026-02-28");
    assert_string_equal(s.prev_label, "2026-01");
    assert_int_equal(metrics_span_parse("2028-02", NULL, &s), CP_OK);
    assert_string_equal(s.to, "2028-02-29");
    assert_int_equal(metrics_span_parse(NULL, "2026Q1", &s), CP_OK);
    assert_string_equal(s.from, "2026-01-01");
    assert_string_equal(s.to, "2026-03-31");
    assert_string_equal(s.prev_label, "2025Q4");
    assert_int_equal(s.nmonths, 3);
    assert_int_equal(metrics_span_parse("2026-13", NULL, &s), CP_ERR_INVALID);
    assert_int_equal(metrics_span_parse(NULL, "2026Q5", &s), CP_ERR_INVALID);
    assert_int_equal(metrics_span_parse("2026-11", "2026Q4", &s), CP_ERR_INVALID);
    assert_int_equal(metrics_span_parse(NULL, NULL, &s), CP_ERR_INVALID);
}

/* Only the years a canteen can have: 9999-12 looped for ever (its next day
 * printed as 0000-01-01), and the message says what to type. */
static void test_years_a_canteen_can_have(void **state)
{
    static const char *const months[] = {"9999-12", "2100-01", "1999-12", "0000-01"};
    static const char *const quarters[] = {"9999Q4", "2100Q1", "1999Q4", "2026Q0", "2026q1",
                                           "2026Q44", "+026Q1"};
    metrics_span s, before;
    (void)state;
    for (size_t i = 0; i < sizeof months / sizeof *months; i++) {
        assert_int_equal(metrics_span_parse(months[i], NULL, &s), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "2000 to 2099"));
        assert_non_null(strstr(cp_detail(), "like 2026-11"));
    }
    for (size_t i = 0; i < sizeof quarters / sizeof *quarters; i++)
        assert_int_equal(metrics_span_parse(NULL, quarters[i], &s), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "like 2026Q4"));
    assert_int_equal(metrics_span_parse(NULL, "9999Q4", &s), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "2000 to 2099"));
    assert_int_equal(metrics_span_parse("2099-12", NULL, &s), CP_OK);
    assert_string_equal(s.to, "2099-12-31");
    assert_int_equal(metrics_span_parse(NULL, "2099Q4", &s), CP_OK);
    /* the span before the first one is there for the comparisons */
    assert_int_equal(metrics_span_parse("2000-01", NULL, &s), CP_OK);
    metrics_span_before(&s, &before);
    assert_string_equal(before.label, "1999-12");
    assert_string_equal(before.from, "1999-12-01");
    assert_int_equal(metrics_span_parse(NULL, "2000Q1", &s), CP_OK);
    metrics_span_before(&s, &before);
    assert_string_equal(before.label, "1999Q4");
    assert_string_equal(before.to, "1999-12-31");
}

/* A span at the end of what a date can hold still ends: the rollup stops
 * instead of wrapping to year 0000 (a span no parser gives, made by hand). */
static void test_rollup_of_the_last_days_ends(void **state)
{
    db *d = *state;
    metrics_span s;
    long days = -1;
    int from_records = -1;
    time_t t0 = time(NULL);

    metrics_span_of_month(9999, 12, &s);
    fixture_at("2026-11-20T12:00:00");
    assert_int_equal(metrics_rollup(d, &s, 0, &days, &from_records), CP_OK);
    assert_int_equal(days, 0); /* all in the future */
    assert_int_equal(from_records, 0);
    assert_true(time(NULL) - t0 < 10);
}

/* On a store that takes no writes (a PostgreSQL standby; here a session made
 * read-only, which the server treats alike) nothing is rolled up and the
 * figures come from the records: the same as from the rollups afterwards. A
 * SQLite file the programs can open takes writes. */
static void test_read_only_store_reads_the_records(void **state)
{
    db *d = *state;
    static const int a[] = {0, 0, 0, 0, 0, 30}, e[] = {40, 40, 40, 40, 40, 40};
    metrics_table *ro, *rw;
    metrics_span span;
    long days = -1;
    int yes = -1;

    month_of(d, 'A', 4, a);
    month_of(d, 'E', 4, e);
    fixture_at("2026-12-05T09:00:00");
    assert_int_equal(db_read_only(d, &yes), CP_OK);
    assert_int_equal(yes, 0);
    if (!fixture_pg())
        return;
    assert_int_equal(db_exec(d, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"), CP_OK);
    assert_int_equal(db_read_only(d, &yes), CP_OK);
    assert_int_equal(yes, 1);
    assert_int_equal(metrics_span_parse("2026-11", NULL, &span), CP_OK);
    assert_int_equal(metrics_rollup(d, &span, 0, &days, &yes), CP_OK);
    assert_int_equal(days, 0);
    assert_int_equal(yes, 1);
    ro = run(d, "2026-11", NULL, 20, 10);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM rollup_days"), 0);
    assert_int_equal(row(ro, "A")->g_per_tray_x10, 50);
    assert_int_equal(row(ro, "A")->clean_rate_permille, 833);
    assert_int_equal(row(ro, "E")->g_per_tray_x10, 400);
    /* a write there says where to go */
    assert_int_equal(db_exec(d, "INSERT INTO rollup_days(business_date, threshold_g)"
                                " VALUES ('2026-11-01', 10)"),
                     CP_ERR_ACCESS);
    assert_non_null(strstr(cp_detail(), "takes no writes"));
    assert_int_equal(db_exec(d, "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"),
                     CP_OK);
    rw = run(d, "2026-11", NULL, 20, 10);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM rollup_days"), 30 + 31);
    assert_int_equal(ro->n, rw->n);
    for (size_t i = 0; i < rw->n; i++) {
        const metrics_row *x = row(ro, rw->rows[i].code);
        assert_int_equal(x->meals, rw->rows[i].meals);
        assert_int_equal(x->trays, rw->rows[i].trays);
        assert_int_equal(x->plate_g, rw->rows[i].plate_g);
        assert_int_equal(x->clean_rate_permille, rw->rows[i].clean_rate_permille);
        assert_int_equal(x->rank, rw->rows[i].rank);
    }
    metrics_free(ro);
    metrics_free(rw);
}

/* Five departments, 6 diners each, 4 days: 24 meals, 24 trays each.
 *   A: trays 0,0,0,0,0,30 -> 30*4/24 = 5.0 g, clean 20/24
 *   B: 10,10,10,10,10,10  -> 10.0 g, clean 24/24
 *   C: 0,0,0,0,30,30      -> 10.0 g, clean 16/24 (ties with B, less clean: after B)
 *   D: 20 each            -> 20.0 g, clean 0
 *   E: 40 each            -> 40.0 g
 * Ranks A1 B2 C3 D4 E5. Five eligible < 3 + 3: each list takes 2. */
static void test_ranking_and_ties(void **state)
{
    db *d = *state;
    static const int a[] = {0, 0, 0, 0, 0, 30}, b[] = {10, 10, 10, 10, 10, 10},
                     c[] = {0, 0, 0, 0, 30, 30}, dd[] = {20, 20, 20, 20, 20, 20},
                     e[] = {40, 40, 40, 40, 40, 40};
    month_of(d, 'A', 4, a);
    month_of(d, 'B', 4, b);
    month_of(d, 'C', 4, c);
    month_of(d, 'D', 4, dd);
    month_of(d, 'E', 4, e);
    fixture_at("2026-12-05T09:00:00");
    metrics_table *t = run(d, "2026-11", NULL, 20, 10);
    assert_int_equal(t->eligible, 5);
    assert_int_equal(row(t, "A")->g_per_tray_x10, 50);
    assert_int_equal(row(t, "A")->clean_rate_permille, 833);
    assert_int_equal(row(t, "A")->rank, 1);
    assert_int_equal(row(t, "B")->rank, 2);
    assert_int_equal(row(t, "C")->rank, 3);
    assert_int_equal(row(t, "C")->g_per_tray_x10, 100);
    assert_int_equal(row(t, "E")->rank, 5);
    assert_string_equal(row(t, "A")->list, "red");
    assert_string_equal(row(t, "B")->list, "red");
    assert_null(row(t, "C")->list);
    assert_string_equal(row(t, "D")->list, "black");
    assert_string_equal(row(t, "E")->list, "black");
    assert_int_equal(row(t, "A")->meals, 24);
    assert_int_equal(row(t, "A")->diners, 6);
    assert_int_equal(row(t, "A")->coverage_permille, 1000);
    /* an equal tie on both keys falls back to the code */
    metrics_free(t);
    month_of(d, 'F', 0, a); /* nothing */
    t = run(d, "2026-11", NULL, 30, 10);
    assert_int_equal(t->eligible, 0); /* 24 meals < 30 */
    assert_null(row(t, "A")->list);
    metrics_free(t);
}

static void test_too_few_diners_zero_trays_anonymous_negative(void **state)
{
    db *d = *state;
    static const int a[] = {5, 5, 5, 5, 5, 5};
    char staff[8];
    month_of(d, 'A', 4, a);
    /* F has 4 diners: 4 x 6 days = 24 meals, all weighed, still never eligible */
    for (int day = 1; day <= 6; day++) {
        char date[16];
        snprintf(date, sizeof date, "2026-11-%02d", day + 1);
        for (int i = 1; i <= 4; i++) {
            snprintf(staff, sizeof staff, "F%d", i);
            sale(d, date, staff, "F");
            tray(d, date, staff, "F", 1, 0);
        }
        /* B eats but nobody weighs: zero trays */
        for (int i = 1; i <= 6; i++) {
            snprintf(staff, sizeof staff, "B%d", i);
            sale(d, date, staff, "B");
        }
        /* anonymous trays and a negative tray do not count for anyone */
        tray(d, date, NULL, "A", 500, 0);
        tray(d, date, "A1", "A", -30, 1);
    }
    fixture_at("2026-12-05T09:00:00");
    metrics_table *t = run(d, "2026-11", NULL, 20, 10);
    assert_int_equal(row(t, "F")->diners, 4);
    assert_int_equal(row(t, "F")->eligible, 0);
    assert_int_equal(row(t, "B")->trays, 0);
    assert_int_equal(row(t, "B")->g_per_tray_x10, -1);
    assert_int_equal(row(t, "B")->coverage_permille, 0);
    assert_int_equal(row(t, "B")->eligible, 0);
    assert_int_equal(row(t, "A")->trays, 24);
    assert_int_equal(row(t, "A")->plate_g, 120);
    assert_int_equal(row(t, "A")->eligible, 1);
    assert_int_equal(t->eligible, 1);
    assert_null(row(t, "A")->list); /* one eligible: half of one is none */
    metrics_free(t);
}

/* A lunch and a fruit bought after it are one meal, with one tray: counted
 * as two sales, the department's coverage halved (raw and rolled up). */
static void test_one_meal_of_two_sales(void **state)
{
    db *d = *state;
    static const int g[] = {10, 10, 10, 10, 10, 10};
    char s[512];

    month_of(d, 'A', 4, g);
    snprintf(s, sizeof s,
             "INSERT INTO sales(id, terminal, canteen_id, card_no, diner_id, department_id,"
             " category, period_id, business_date, kind, total_fen, subsidy_fen, cash_fen, actor,"
             " created_at) SELECT 'X' || id, terminal, canteen_id, card_no, diner_id,"
             " department_id, category, period_id, business_date, 'items', 300, 0, 300, actor,"
             " created_at FROM sales");
    sql(d, s);
    fixture_at("2026-11-04T09:00:00"); /* days 2 and 3 rolled up, the rest raw */
    metrics_table *mixed = run(d, "2026-11", NULL, 1, 10);
    fixture_at("2026-12-05T09:00:00");
    metrics_table *raw = run(d, "2026-11", NULL, 1, 11);
    metrics_table *rolled = run(d, "2026-11", NULL, 1, 10);
    metrics_table *all[] = {mixed, raw, rolled};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(row(all[k], "A")->meals, 24);
        assert_int_equal(row(all[k], "A")->coverage_permille, 1000);
        metrics_free(all[k]);
    }
    /* the canteen's meals by period and category (the cost per meal) count
     * the same meals, and all the money: rolled up and from the records */
    for (int k = 0; k < 2; k++) {
        metrics_span span;
        metrics_sales_row *rows = NULL;
        size_t n = 0;
        int64_t meals = 0, fen = 0;
        fixture_at(k ? "2026-12-05T09:00:00" : "2026-11-04T09:00:00");
        assert_int_equal(metrics_span_parse("2026-11", NULL, &span), CP_OK);
        assert_int_equal(metrics_sales(d, &span, 0, &rows, &n), CP_OK);
        for (size_t i = 0; i < n; i++) {
            meals += rows[i].meals;
            fen += rows[i].total_fen;
        }
        free(rows);
        assert_int_equal(meals, 24);
        assert_int_equal(fen, 24 * 800 + 24 * 300);
    }
}

/* Five diners pay, one of them brings back every tray: the department's
 * figure is that one diner's, so it is not ranked; once the trays of five
 * diners make it, it is. A correction that takes back a diner's one tray
 * takes the diner out again. Trays weighed before their meals were posted
 * (a till cut off) bring their diners in: such a department was never
 * ranked. verify finds the list of a month's tray diners changed by hand. */
static void test_five_diners_behind_the_trays(void **state)
{
    db *d = *state;
    char staff[8], date[16];
    FILE *devnull = fopen("/dev/null", "w");
    long problems = 0;

    for (int day = 1; day <= 20; day++) {
        snprintf(date, sizeof date, "2026-11-%02d", day + 1);
        sale(d, date, "A1", "A");
        tray(d, date, "A1", "A", 200, 0);
    }
    for (int i = 2; i <= 5; i++) {
        snprintf(staff, sizeof staff, "A%d", i);
        sale(d, "2026-11-25", staff, "A");
    }
    tray(d, "2026-11-26", "A2", "A", 50, WASTE_FLAG_NO_MEAL); /* no meal that day: none */
    fixture_at("2026-12-05T09:00:00");
    metrics_table *t = run(d, "2026-11", NULL, 20, 10);
    assert_int_equal(row(t, "A")->diners, 5);
    assert_int_equal(row(t, "A")->trays, 20);
    assert_int_equal(row(t, "A")->eligible, 0);
    metrics_free(t);
    for (int i = 2; i <= 5; i++) {
        snprintf(staff, sizeof staff, "A%d", i);
        tray(d, "2026-11-25", staff, "A", 20, 0);
    }
    t = run(d, "2026-11", NULL, 20, 10);
    assert_int_equal(row(t, "A")->eligible, 1);
    metrics_free(t);
    /* A5's one tray taken back: four diners behind the trays again */
    char id[IDS_LEN], tray5[IDS_LEN];
    snprintf(tray5, sizeof tray5, "W-%d", seq);
    assert_int_equal(waste_correct(d, tray5, -1, "not A5's tray", "test", id), CP_OK);
    t = run(d, "2026-11", NULL, 20, 10);
    assert_int_equal(row(t, "A")->trays, 23);
    assert_int_equal(row(t, "A")->eligible, 0);
    metrics_free(t);
    /* B's six trays of the 27th weighed before their meals reached the store */
    for (int i = 1; i <= 6; i++) {
        snprintf(staff, sizeof staff, "B%d", i);
        tray(d, "2026-11-27", staff, "B", 30, WASTE_FLAG_NO_MEAL);
    }
    for (int i = 1; i <= 6; i++) {
        snprintf(staff, sizeof staff, "B%d", i);
        sale(d, "2026-11-27", staff, "B");
    }
    /* C1-C4 eat and weigh; C5 pays a lunch on the 20th and has a tray
     * weighed on the 21st with no meal that day: four diners' trays */
    for (int i = 1; i <= 4; i++) {
        snprintf(staff, sizeof staff, "C%d", i);
        sale(d, "2026-11-20", staff, "C");
        tray(d, "2026-11-20", staff, "C", 40, 0);
    }
    sale(d, "2026-11-20", "C5", "C");
    tray(d, "2026-11-21", "C5", "C", 40, WASTE_FLAG_NO_MEAL);
    t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "B")->trays, 6);
    assert_int_equal(row(t, "B")->tray_diners, 6);
    assert_int_equal(row(t, "B")->eligible, 1);
    assert_int_equal(row(t, "C")->diners, 5);
    assert_int_equal(row(t, "C")->tray_diners, 4);
    assert_int_equal(row(t, "C")->eligible, 0);
    metrics_free(t);
    assert_int_equal(verify_derived(d, "2026-11-01", "2026-11-30", devnull, &problems), CP_OK);
    assert_int_equal(problems, 0);
    sql(d, "INSERT INTO tray_diner_month SELECT '2026-11', 1, dep.id, di.id FROM diners di,"
           " departments dep WHERE di.staff_no = 'A6' AND dep.code = 'A'");
    assert_int_equal(verify_derived(d, "2026-11-01", "2026-11-30", devnull, &problems), CP_OK);
    assert_int_equal(problems, 1);
    fclose(devnull);
}

static void test_voids_and_department_moves(void **state)
{
    db *d = *state;
    static const int g[] = {10, 10, 10, 10, 10, 10};
    month_of(d, 'A', 4, g);
    /* C1 ate once in A's name before moving (department at the time), and
     * C2's only sale of the month is voided: not a diner, not a meal */
    sale(d, "2026-11-20", "C1", "A");
    sale(d, "2026-11-20", "C2", "C");
    sql(d, "INSERT INTO voids(id, sale_id, actor, created_at) VALUES"
           " ('V1', 'T-50', 'mgr', '2026-11-20T12:05:00')");
    fixture_at("2026-12-05T09:00:00");
    metrics_table *t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "A")->meals, 25);
    assert_int_equal(row(t, "A")->diners, 7);
    assert_int_equal(row(t, "A")->coverage_permille, 960); /* 24 / 25 */
    for (size_t i = 0; i < t->n; i++)
        assert_string_not_equal(t->rows[i].code, "C"); /* C has nothing left */
    metrics_free(t);
}

static void test_rollup_matches_raw_and_late_records_count(void **state)
{
    db *d = *state;
    static const int a[] = {0, 3, 8, 12, 25, 40}, b[] = {9, 10, 11, 0, 0, 70};
    month_of(d, 'A', 6, a);
    month_of(d, 'B', 6, b);
    /* today is in the month: days 2-4 get rolled up, the rest is counted raw */
    fixture_at("2026-11-05T09:00:00");
    metrics_table *mixed = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM rollup_days"), 4 + 31); /* + October */
    /* another threshold is counted from the raw records */
    metrics_table *raw = run(d, "2026-11", NULL, 1, 11);
    fixture_at("2026-12-05T09:00:00");
    metrics_table *rolled = run(d, "2026-11", NULL, 1, 10);
    for (size_t i = 0; i < rolled->n; i++) {
        const metrics_row *r = &rolled->rows[i];
        assert_int_equal(r->plate_g, row(mixed, r->code)->plate_g);
        assert_int_equal(r->trays, row(mixed, r->code)->trays);
        assert_int_equal(r->clean_trays, row(mixed, r->code)->clean_trays);
        assert_int_equal(r->meals, row(raw, r->code)->meals);
        assert_int_equal(r->plate_g, row(raw, r->code)->plate_g);
    }
    /* B leaves 9, 10, 11, 0, 0, 70: 4 clean a day at 10 g, 5 at 11 g */
    assert_int_equal(row(rolled, "B")->clean_trays, 6 * 4);
    assert_int_equal(row(raw, "B")->clean_trays, 6 * 5);
    /* a tray weighed late for a rolled-up day is counted on the next run */
    tray(d, "2026-11-02", "A1", "A", 600, 0);
    metrics_table *again = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(again, "A")->plate_g, row(rolled, "A")->plate_g + 600);
    assert_int_equal(row(again, "A")->trays, row(rolled, "A")->trays + 1);
    metrics_free(mixed);
    metrics_free(raw);
    metrics_free(rolled);
    metrics_free(again);
}

/* A tray weighed before its meal was posted (the till was cut off from its
 * server and sent the meal later, at its tap time) counts once the meal has
 * come, in the raw records and in a day rolled up before it came: it stayed
 * "no meal" for good. A tray whose diner never had the meal stays out. */
static void test_tray_before_its_offline_meal_counts(void **state)
{
    db *d = *state;
    static const int a[] = {20, 20, 20, 20, 20, 20};
    month_of(d, 'A', 3, a);
    /* A1's lunch of the 5th is on a till cut off; A2 has none that day */
    tray(d, "2026-11-05", "A1", "A", 100, WASTE_FLAG_NO_MEAL);
    tray(d, "2026-11-05", "A2", "A", 300, WASTE_FLAG_NO_MEAL);
    fixture_at("2026-11-07T09:00:00"); /* the 5th is rolled up without the meal */
    metrics_table *before = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(before, "A")->trays, 18);
    assert_int_equal(row(before, "A")->flagged_trays, 2);
    sale(d, "2026-11-05", "A1", "A"); /* the till is back */
    metrics_table *raw = run(d, "2026-11", NULL, 1, 11);
    metrics_table *rolled = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(raw, "A")->trays, 19);
    assert_int_equal(row(raw, "A")->plate_g, 18 * 20 + 100);
    assert_int_equal(row(raw, "A")->flagged_trays, 1);
    assert_int_equal(row(rolled, "A")->trays, 19);
    assert_int_equal(row(rolled, "A")->plate_g, 18 * 20 + 100);
    assert_int_equal(row(rolled, "A")->flagged_trays, 1);
    metrics_free(before);
    metrics_free(raw);
    metrics_free(rolled);
}

/* What a terminal does while the rollup has its sums but not the lock. */
static void late_tray(void *arg)
{
    tray(arg, "2026-11-02", "A1", "A", 500, 0);
}

static void test_rollup_counts_a_record_that_comes_during_it(void **state)
{
    db *d = *state;
    static const int a[] = {0, 3, 8, 12, 25, 40};
    month_of(d, 'A', 1, a);
    fixture_at("2026-11-05T09:00:00");
    /* a tray of the day arrives between the sums and the write: counted */
    assert_int_equal(metrics_rollup_day(d, "2026-11-02", late_tray, d), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT sum(plate_g) FROM rollup_day"), 88 + 500);
    assert_int_equal(fixture_int(d, "SELECT sum(trays) FROM rollup_day"), 7);
    assert_int_equal(fixture_int(d, "SELECT threshold_g FROM rollup_days"),
                     METRICS_ROLLUP_THRESHOLD_G);
    /* nothing arrives: the sums taken outside the lock are written */
    assert_int_equal(metrics_rollup_day(d, "2026-11-02", NULL, NULL), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT sum(plate_g) FROM rollup_day"), 88 + 500);
    assert_int_equal(fixture_int(d, "SELECT sum(meals) FROM rollup_day"), 6);
    /* a rollup left half-done (killed after its mark) is done again by the next */
    sql(d, "UPDATE rollup_days SET threshold_g = -5");
    {
        metrics_table *t = run(d, "2026-11", NULL, 1, METRICS_ROLLUP_THRESHOLD_G);
        assert_int_equal(row(t, "A")->plate_g, 88 + 500);
        metrics_free(t);
    }
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM rollup_days WHERE threshold_g < 0"), 0);
}

/* A report reads one snapshot (metrics_begin_read): a sale and a tray of
 * today, and a tray weighed late for a rolled-up day, that another
 * connection writes between the month's total and its department table are
 * in neither, and are in both once the snapshot ends. A day whose rollup is
 * undone inside the snapshot is read from the records, and nothing is
 * written meanwhile. */
static void test_a_report_reads_one_snapshot(void **state)
{
    db *d = *state, *other = NULL;
    static const int a[] = {0, 3, 8, 12, 25, 40};
    metrics_summary first, again;
    metrics_table *t;
    metrics_span span;
    metrics_opts o;

    month_of(d, 'A', 4, a); /* 2026-11-02..05, 88 g a day */
    fixture_at("2026-11-10T12:00:00");
    sale(d, "2026-11-10", "A1", "A");
    tray(d, "2026-11-10", "A1", "A", 7, 0);
    assert_int_equal(db_open(fixture_path(), 0, &other), CP_OK);
    metrics_opts_init(&o);
    o.min_meals = 1;
    assert_int_equal(metrics_span_parse("2026-11", NULL, &span), CP_OK);

    assert_int_equal(metrics_begin_read(d, &span, 1, &o), CP_OK);
    assert_int_equal(metrics_summarize(d, &span, &o, &first), CP_OK);
    assert_int_equal(first.meals, 25);
    assert_int_equal(first.plate_g, 4 * 88 + 7);
    /* the terminals go on: today, and late for a rolled-up day */
    sale(other, "2026-11-10", "A2", "A");
    tray(other, "2026-11-10", "A2", "A", 50, 0);
    tray(other, "2026-11-03", "A3", "A", 500, 0);
    t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "A")->meals, first.meals);
    assert_int_equal(row(t, "A")->trays, first.trays);
    assert_int_equal(row(t, "A")->plate_g, first.plate_g);
    metrics_free(t);
    assert_int_equal(metrics_summarize(d, &span, &o, &again), CP_OK);
    assert_int_equal(again.meals, first.meals);
    assert_int_equal(again.plate_g, first.plate_g);
    metrics_summary_free(&again);
    db_rollback(d);

    /* the late tray undid 2026-11-03's rollup; inside a snapshot it is read
     * from the records, and nothing is rolled up */
    assert_int_equal(fixture_int(other, "SELECT count(*) FROM rollup_days"
                                        " WHERE business_date = '2026-11-03'"), 0);
    assert_int_equal(db_begin_read(d), CP_OK);
    t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "A")->meals, 26);
    assert_int_equal(row(t, "A")->plate_g, 4 * 88 + 7 + 50 + 500);
    assert_int_equal(row(t, "A")->trays, 4 * 6 + 3);
    metrics_free(t);
    db_rollback(d);
    assert_int_equal(fixture_int(other, "SELECT count(*) FROM rollup_days"
                                        " WHERE business_date = '2026-11-03'"), 0);
    /* and rolled up again by the next report */
    assert_int_equal(metrics_begin_read(d, &span, 1, &o), CP_OK);
    db_rollback(d);
    assert_int_equal(fixture_int(other, "SELECT count(*) FROM rollup_days"
                                        " WHERE business_date = '2026-11-03'"), 1);
    metrics_summary_free(&first);
    db_close(other);
}

/* What a printer of the metrics writes, as a string the caller frees. */
static char *printed(cp_err (*print)(const metrics_table *, FILE *), const metrics_table *t)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(print(t, f), CP_OK);
    fclose(f);
    return out;
}

static void test_quarter_and_change(void **state)
{
    db *d = *state;
    /* A: 10 g in October, 5 g in November; one diner eats only in October */
    for (int i = 1; i <= 6; i++) {
        char staff[8];
        snprintf(staff, sizeof staff, "A%d", i);
        sale(d, "2026-10-10", staff, "A");
        tray(d, "2026-10-10", staff, "A", 10, 0);
        if (i < 6) {
            sale(d, "2026-11-10", staff, "A");
            tray(d, "2026-11-10", staff, "A", 5, 0);
        }
    }
    fixture_at("2027-01-05T09:00:00");
    metrics_table *t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "A")->diners, 5);
    assert_int_equal(row(t, "A")->has_change, 1);
    assert_int_equal(row(t, "A")->change_x10, -50);
    assert_int_equal(row(t, "A")->eligible, 1);
    /* the text table shows the change in its column, the rank in its own */
    char *out = printed(metrics_print_text, t);
    assert_non_null(strstr(out, "change"));
    assert_non_null(strstr(out, "   -5.0       0 "));
    free(out);
    metrics_free(t);
    t = run(d, NULL, "2026Q4", 1, 10);
    assert_int_equal(row(t, "A")->meals, 11);
    assert_int_equal(row(t, "A")->diners, 6);
    assert_int_equal(row(t, "A")->g_per_tray_x10, 77); /* 85 / 11 = 7.73 */
    assert_int_equal(row(t, "A")->has_change, 0);     /* nothing in Q3 */
    metrics_free(t);
}

/* A closed day counts from its rollup rows only when rollup_days lists it,
 * and a day the office's clock has not closed counts from its records only:
 * rows put into rollup_day by hand for a day nobody rolled up (a date
 * written '2026-11-1' sorts inside November) moved a department from the
 * black list to the red one, and a day rolled up by a clock ahead of this
 * one was counted twice. */
static void test_rollup_rows_counted_once(void **state)
{
    db *d = *state;
    metrics_table *t;

    for (int i = 1; i <= 6; i++) {
        char staff[8];
        snprintf(staff, sizeof staff, "A%d", i);
        sale(d, "2026-11-03", staff, "A");
        tray(d, "2026-11-03", staff, "A", 20, 0);
    }
    fixture_at("2026-12-01T09:00:00");
    t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "A")->meals, 6);
    metrics_free(t);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM rollup_days"
                                    " WHERE business_date = '2026-11-03'"), 1);
    sql(d, "INSERT INTO rollup_day(business_date, canteen_id, department_id, period_id, meals,"
           " trays, plate_g, clean_trays, threshold_g, flagged)"
           " SELECT '2026-11-1', canteen_id, department_id, period_id, 24, 24, -900, 24,"
           " threshold_g, 0 FROM rollup_day WHERE business_date = '2026-11-03'");
    t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "A")->meals, 6);
    assert_int_equal(row(t, "A")->trays, 6);
    assert_int_equal(row(t, "A")->plate_g, 120);
    metrics_free(t);
    /* the office's clock on the day rolled up: that day from its records */
    fixture_at("2026-11-03T15:00:00");
    t = run(d, "2026-11", NULL, 1, 10);
    assert_int_equal(row(t, "A")->meals, 6);
    assert_int_equal(row(t, "A")->plate_g, 120);
    metrics_free(t);
}

/* A kitchen weighing of the prep stage on date. */
static void kitchen(db *d, const char *date, int net, int flags)
{
    char s[1024];
    snprintf(s, sizeof s,
             "INSERT INTO waste_records(id, terminal, canteen_id, stage, business_date, gross_g,"
             " tare_g, net_g, category, reason, flags, actor, created_at)"
             " VALUES ('K-%d', 'W1', 1, 'prep', '%s', %d, 0, %d, '主食', '备餐过量', %d, 'test',"
             " '%sT10:00:00')",
             ++seq, date, net, net, flags, date);
    sql(d, s);
}

/* The --by canteen or --by period figures as JSON, parsed. */
static json_t *view_json(db *d, int by_period)
{
    metrics_span span;
    metrics_opts o;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    json_t *j;

    metrics_opts_init(&o);
    assert_int_equal(metrics_span_parse("2026-11", NULL, &span), CP_OK);
    assert_int_equal(by_period ? metrics_print_periods(d, &span, &o, 1, 0, f)
                               : metrics_print_canteens(d, &span, &o, 1, 0, f),
                     CP_OK);
    fclose(f);
    assert_non_null(j = json_loads(out, 0, NULL));
    free(out);
    return j;
}

/* Sums a field over the rows of a JSON array. */
static int64_t json_sum(json_t *arr, const char *key)
{
    size_t i;
    json_t *row;
    int64_t n = 0;
    json_array_foreach(arr, i, row) {
        assert_non_null(json_object_get(row, key));
        n += json_integer_value(json_object_get(row, key));
    }
    return n;
}

/* The month of test_flagged_weighings: A as usual plus four flagged trays of
 * its diners, an anonymous overload, B with two trays for every meal, and a
 * kitchen weighing that overloaded the scale. */
static void flagged_month(db *d)
{
    static const int ten[] = {10, 10, 10, 10, 10, 10}, twenty[] = {20, 20, 20, 20, 20, 20};
    char staff[8], date[16];

    month_of(d, 'A', 4, ten);   /* 24 meals, 24 trays, 240 g */
    month_of(d, 'B', 2, twenty); /* 12 meals, 12 trays, 240 g */
    for (int day = 1; day <= 2; day++) {
        snprintf(date, sizeof date, "2026-11-%02d", day + 1);
        for (int i = 1; i <= 6; i++) {
            snprintf(staff, sizeof staff, "B%d", i);
            tray(d, date, staff, "B", 20, 0); /* a second tray for the same meal */
        }
    }
    tray(d, "2026-11-02", "A1", "A", 29700, WASTE_FLAG_OVERLOAD);
    tray(d, "2026-11-06", "A2", "A", 35, WASTE_FLAG_NO_MEAL); /* no meal that day */
    tray(d, "2026-11-04", "A3", "A", 9999999, WASTE_FLAG_IMPOSSIBLE);
    tray(d, "2026-11-05", "A4", "A", -30, WASTE_FLAG_NEGATIVE);
    tray(d, "2026-11-03", NULL, "A", 29700, WASTE_FLAG_OVERLOAD | WASTE_FLAG_ANONYMOUS);
    kitchen(d, "2026-11-03", 5000, 0);
    kitchen(d, "2026-11-03", 29700, WASTE_FLAG_OVERLOAD);
}

/* Flagged weighings are kept, counted apart and never summed, on every path
 * (rolled up, raw, both), and coverage stops at 100 %. */
static void test_flagged_weighings(void **state)
{
    db *d = *state;
    metrics_table *mixed, *raw, *rolled;
    metrics_summary sum;
    metrics_span span;
    metrics_opts o;
    json_t *j;

    flagged_month(d);
    fixture_at("2026-11-04T09:00:00"); /* days 2 and 3 rolled up, the rest raw */
    mixed = run(d, "2026-11", NULL, 1, 10);
    fixture_at("2026-12-05T09:00:00");
    raw = run(d, "2026-11", NULL, 1, 11);
    rolled = run(d, "2026-11", NULL, 1, 10);
    metrics_table *all[] = {mixed, raw, rolled};
    for (int k = 0; k < 3; k++) {
        const metrics_row *a = row(all[k], "A"), *b = row(all[k], "B");
        assert_int_equal(a->trays, 24);
        assert_int_equal(a->plate_g, 240);
        assert_int_equal(a->flagged_trays, 4);
        assert_int_equal(a->coverage_permille, 1000);
        assert_int_equal(b->trays, 24);
        assert_int_equal(b->meals, 12);
        assert_int_equal(b->coverage_permille, 1000); /* 24 trays for 12 meals: not 200 % */
        assert_int_equal(b->flagged_trays, 0);
        assert_int_equal(all[k]->flagged_trays, 5); /* with the anonymous one */
    }
    /* the stored rollups hold the flagged trays apart */
    assert_int_equal(fixture_int(d, "SELECT sum(flagged) FROM rollup_day"), 5);
    assert_int_equal(fixture_int(d, "SELECT sum(plate_g) FROM rollup_day"), 240 + 480);

    metrics_opts_init(&o);
    assert_int_equal(metrics_span_parse("2026-11", NULL, &span), CP_OK);
    assert_int_equal(metrics_summarize(d, &span, &o, &sum), CP_OK);
    assert_int_equal(sum.trays, 48);
    assert_int_equal(sum.plate_g, 720);
    assert_int_equal(sum.anon_trays, 0);
    assert_int_equal(sum.anon_g, 0);
    assert_int_equal(sum.kitchen_g, 5000);
    assert_int_equal(sum.flagged_trays, 5);
    assert_int_equal(sum.flagged_kitchen, 1);
    assert_int_equal(metrics_total_g(&sum), 5720);
    assert_int_equal(metrics_cost_fen(&sum, &o), 11440); /* 5.72 kg x 20 yuan */
    assert_int_equal(metrics_coverage(sum.trays, sum.meals, 1000), 1000);
    assert_true(metrics_summary_has_data(&sum));
    metrics_summary_free(&sum);

    j = view_json(d, 0);
    assert_int_equal(json_sum(j, "flagged_trays"), 5);
    assert_int_equal(json_sum(j, "flagged_kitchen"), 1);
    assert_int_equal(json_sum(j, "kitchen_g"), 5000);
    assert_int_equal(json_sum(j, "total_waste_g"), 5720);
    assert_true(json_real_value(json_object_get(json_array_get(j, 0), "coverage")) <= 1.0);
    json_decref(j);
    j = view_json(d, 1);
    assert_int_equal(json_sum(j, "flagged_trays"), 5);
    assert_int_equal(json_sum(j, "plate_g"), 720);
    json_decref(j);

    char *out = printed(metrics_print_json, rolled);
    assert_non_null(j = json_loads(out, 0, NULL));
    assert_int_equal(json_sum(j, "flagged_trays"), 4);
    json_decref(j);
    free(out);
    out = printed(metrics_print_text, rolled);
    assert_non_null(strstr(out, "5 flagged trays left out"));
    free(out);
    metrics_free(mixed);
    metrics_free(raw);
    metrics_free(rolled);
}

/* A month with nothing at all has no data; one with only a flagged weighing has. */
static void test_summary_has_data(void **state)
{
    db *d = *state;
    metrics_summary sum;
    metrics_span span;
    metrics_opts o;

    metrics_opts_init(&o);
    fixture_at("2026-12-05T09:00:00");
    assert_int_equal(metrics_span_parse("2026-10", NULL, &span), CP_OK);
    assert_int_equal(metrics_summarize(d, &span, &o, &sum), CP_OK);
    assert_false(metrics_summary_has_data(&sum));
    metrics_summary_free(&sum);
    tray(d, "2026-10-12", NULL, "A", 29700, WASTE_FLAG_OVERLOAD | WASTE_FLAG_ANONYMOUS);
    assert_int_equal(metrics_summarize(d, &span, &o, &sum), CP_OK);
    assert_true(metrics_summary_has_data(&sum));
    assert_int_equal(sum.anon_g, 0);
    metrics_summary_free(&sum);
}

/* Rollups made before flagged trays were counted apart summed them as
 * waste: the migration forgets them, and the next metrics add the days up again. */
static void test_old_rollups_are_forgotten(void **state)
{
    char dir[] = "/tmp/cp-test-rollup-XXXXXX", path[96];
    sqlite3 *c;
    db *d;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/v3.db", dir);
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    for (int v = 1; v <= 3; v++)
        assert_int_equal(sqlite3_exec(c, schema_migration(v, DB_DIALECT_SQLITE), NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, "PRAGMA user_version = 3;"
                                     "INSERT INTO rollup_day VALUES ('2026-11-02', 1, 1, 1, 1, 1,"
                                     " 29700, 0, 10);"
                                     "INSERT INTO rollup_days VALUES ('2026-11-02', 10);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(c);
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM rollup_days"), 0);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM rollup_day"), 0);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM pragma_table_info('rollup_day')"
                                    " WHERE name = 'flagged'"), 1);
    db_close(d);
    unlink(path);
    rmdir(dir);
}

/* The CSV: BOM, CRLF, names that would be formulas neutralised, numbers left
 * numbers; the JSON: whole names, valid whatever bytes a name holds. */
static void test_csv_and_json_names(void **state)
{
    db *d = *state;
    static const int a[] = {5, 5, 5, 5, 5, 5}, b[] = {9, 9, 9, 9, 9, 9};
    char long_name[400] = "", *out;
    metrics_table *t;
    json_t *j;

    for (int i = 0; i < 60; i++)
        strcat(long_name, "财"); /* 180 bytes: cut at 127 before, inside a character */
    month_of(d, 'A', 4, a);
    month_of(d, 'B', 4, b);
    /* B was 10 g per tray in October: its change is a negative number */
    for (int i = 1; i <= 6; i++) {
        char staff[8];
        snprintf(staff, sizeof staff, "B%d", i);
        sale(d, "2026-10-05", staff, "B");
        tray(d, "2026-10-05", staff, "B", 10, 0);
    }
    char q[600];
    snprintf(q, sizeof q, "UPDATE departments SET name = '%s' WHERE code = 'A'", long_name);
    sql(d, q);
    sql(d, "UPDATE departments SET name = '=HYPERLINK(\"http://x\",\"y\")' WHERE code = 'B'");
    sql(d, "UPDATE departments SET name = '@SUM(1)\t-2+3' WHERE code = 'C'");
    /* G's name is not UTF-8 (a cut one, from before): a SQLite file can hold
     * one, PostgreSQL refuses it, so there G is left out */
    if (!fixture_pg())
        sql(d, "INSERT INTO departments(code, name) VALUES ('G', CAST(X'E8B4A2E8' AS TEXT))");
    sale(d, "2026-11-03", "C1", "C");
    if (!fixture_pg())
        sale(d, "2026-11-03", "D1", "G");
    fixture_at("2026-12-05T09:00:00");
    t = run(d, "2026-11", NULL, 1, 10);

    out = printed(metrics_print_csv, t);
    assert_memory_equal(out, "\xEF\xBB\xBF" "code,name,meals,", 19);
    assert_non_null(strstr(out, ",flagged_trays\r\n"));
    assert_null(strstr(out, "\n\n"));
    for (char *p = strchr(out, '\n'); p; p = strchr(p + 1, '\n'))
        assert_int_equal(p[-1], '\r'); /* CRLF only */
    assert_non_null(strstr(out, long_name));
    assert_non_null(strstr(out, "\r\nB,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",24,6,24,216,9.0,"));
    assert_non_null(strstr(out, ",-1.0,0\r\n")); /* 9.0 - 10.0: a number, not neutralised */
    assert_non_null(strstr(out, "\r\nC,\"'@SUM(1)\t-2+3\",1,"));
    assert_null(strstr(out, ",=")); /* nothing starts a cell with a formula */
    assert_null(strstr(out, ",@"));
    free(out);

    out = printed(metrics_print_json, t);
    assert_non_null(j = json_loads(out, 0, NULL)); /* valid JSON, G's name and all */
    size_t i;
    json_t *r;
    int seen = 0;
    json_array_foreach(j, i, r) {
        const char *code = json_string_value(json_object_get(r, "code"));
        const char *name = json_string_value(json_object_get(r, "name"));
        assert_non_null(name); /* no row lost its name */
        if (strcmp(code, "A") == 0)
            seen += strcmp(name, long_name) == 0;
        if (strcmp(code, "G") == 0)
            seen += strcmp(name, "财\xEF\xBF\xBD") == 0;
    }
    assert_int_equal(seen, fixture_pg() ? 1 : 2);
    json_decref(j);
    free(out);
    metrics_free(t);
}

/* The rankings read a closed day's rollup and the month's diners, not the
 * records: verify sums each rolled-up day again and lists the diners of
 * each month again, and names what differs; `rollup --redo` sums again. */
static void test_verify_checks_the_rollups(void **state)
{
    db *d = *state;
    static const int a[] = {0, 3, 8, 12, 25, 40};
    metrics_span span;
    long days;
    int from_records;
    char *r;

    month_of(d, 'A', 6, a);
    fixture_at("2026-12-05T09:00:00");
    metrics_free(run(d, "2026-11", NULL, 1, 10));
    /* the sales here have no ledger entries: that part of the report is not looked at */
    r = fixture_verify_report(d, NULL);
    assert_null(strstr(r, "rollup differs"));
    assert_null(strstr(r, "diners of a month"));
    free(r);
    /* a department's leftovers made lighter, straight in the rollup */
    sql(d, "UPDATE rollup_day SET plate_g = plate_g - 30 WHERE business_date = '2026-11-03'");
    sql(d, "UPDATE rollup_sales SET meals = meals + 1 WHERE business_date = '2026-11-04'");
    /* two of its six diners taken out: fewer than five is not ranked */
    sql(d, "DELETE FROM diner_month WHERE diner_id IN (SELECT id FROM diners"
           " WHERE staff_no IN ('A1', 'A2'))");
    sql(d, "INSERT INTO diner_month VALUES ('2026-11', 1, (SELECT id FROM departments"
           " WHERE code = 'B'), (SELECT id FROM diners WHERE staff_no = 'B1'))");
    r = fixture_verify_report(d, NULL);
    assert_non_null(strstr(r, "a day's rollup differs from its records: 2026-11-03: 2 rows"));
    assert_non_null(strstr(r, "rollup --month 2026-11 --redo"));
    assert_non_null(strstr(r, "2026-11-04: 2 rows"));
    assert_null(strstr(r, "2026-11-05"));
    assert_non_null(strstr(r, "diners of a month differ from the sales: month 2026-11"));
    assert_non_null(strstr(r, ": a sale, not listed"));
    assert_non_null(strstr(r, ": listed without a sale"));
    free(r);
    /* summed again */
    assert_int_equal(metrics_span_parse("2026-11", NULL, &span), CP_OK);
    assert_int_equal(metrics_rollup_forget(d, &span), CP_OK);
    assert_int_equal(metrics_rollup(d, &span, 0, &days, &from_records), CP_OK);
    assert_int_equal(days, 30);
    r = fixture_verify_report(d, NULL);
    assert_null(strstr(r, "rollup differs"));
    free(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spans),
        cmocka_unit_test(test_years_a_canteen_can_have),
        T(test_rollup_of_the_last_days_ends),
        T(test_flagged_weighings),
        T(test_summary_has_data),
        cmocka_unit_test(test_old_rollups_are_forgotten),
        T(test_csv_and_json_names),
        T(test_read_only_store_reads_the_records),
        T(test_ranking_and_ties),
        T(test_too_few_diners_zero_trays_anonymous_negative),
        T(test_voids_and_department_moves),
        T(test_rollup_matches_raw_and_late_records_count), T(test_tray_before_its_offline_meal_counts),
        T(test_five_diners_behind_the_trays), T(test_one_meal_of_two_sales),
        T(test_rollup_counts_a_record_that_comes_during_it),
        T(test_quarter_and_change),
        T(test_rollup_rows_counted_once),
        T(test_a_report_reads_one_snapshot),
        T(test_verify_checks_the_rollups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
