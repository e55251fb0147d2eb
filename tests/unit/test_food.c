/* Unit tests for core/food: purchases, reversals, imports and stock counts as audited, append-only events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/csvread.h"
#include "core/food.h"
#include "core/verify.h"
#include "tests/unit/helpers/fixture.h"

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

/* verify's problems, its report kept in buf */
static long verify(db *d, char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");
    long problems = -1;
    assert_non_null(f);
    assert_int_equal(verify_books(d, NULL, f, &problems), CP_OK);
    fclose(f);
    return problems;
}

static food_purchase veg(const char *kg, const char *yuan)
{
    return (food_purchase){.canteen = "C1", .date = "2026-11-03", .supplier = "绿源蔬菜",
                           .category = "蔬菜", .kg = kg, .yuan = yuan, .invoice = "FP001"};
}

static void test_purchase_is_an_audited_event(void **state)
{
    db *d = *state;
    food_purchase p = veg("12.5", "86.40");
    char id[IDS_LEN], report[4096];

    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_OK);
    /* kg exactly as grams, yuan as fen */
    assert_int_equal(fixture_int(d, "SELECT grams FROM purchases"), 12500);
    assert_int_equal(fixture_int(d, "SELECT fen FROM purchases"), 8640);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'purchase.add'"
                                    " AND actor = 'boss' AND content IS NOT NULL"), 1);
    assert_int_equal(verify(d, report, sizeof report), 0);
    /* the store refuses an edit; an edit behind its back is found */
    assert_int_not_equal(db_exec(d, "UPDATE purchases SET fen = 1"), CP_OK);
    fixture_drop_trigger(d, "purchases_no_update", "purchases");
    assert_int_equal(db_exec(d, "UPDATE purchases SET fen = 864"), CP_OK);
    assert_int_equal(verify(d, report, sizeof report), 2); /* the row changed, a guard gone */
    assert_non_null(strstr(report, "purchase.add"));
    assert_non_null(strstr(report, "nothing refuses UPDATE on purchases"));
}

static void test_a_row_without_its_event_is_found(void **state)
{
    db *d = *state;
    char report[4096];

    assert_int_equal(db_exec(d, "INSERT INTO purchases VALUES ('x1', 1, '2026-11-03', 's',"
                                " '蔬菜', 1000, 500, NULL, NULL, NULL, 'm', '2026-11-03T09:00:00');"
                                "INSERT INTO stock_counts VALUES ('y1', 1, '2026-11', '蔬菜',"
                                " 100, NULL, NULL, 'm', '2026-11-30T18:00:00')"), CP_OK);
    assert_int_equal(verify(d, report, sizeof report), 2);
    assert_non_null(strstr(report, "purchases x1 is in no audited event"));
    assert_non_null(strstr(report, "stock_counts y1 is in no audited event"));
}

static void test_bad_purchases_are_refused(void **state)
{
    db *d = *state;
    char id[IDS_LEN];
    food_purchase p = veg("12.5", "86.40");

    p.category = "水果";
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_INVALID);
    /* says what the categories are and how to add one */
    assert_non_null(strstr(cp_detail(), "no food category '水果' (they are 蔬菜, 肉禽, 水产, "
                                        "主食, 蛋奶, 调料, 其他)"));
    assert_non_null(strstr(cp_detail(), "food add 水果"));
    p = veg("0", "1");
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "--kg: '0' is not a weight in kg above 0"));
    p = veg("1.2345", "1");
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_INVALID);
    p = veg("1", "1.005");
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "--yuan"));
    p = veg("1", "1");
    p.date = "2026-11-21"; /* the fixture's clock: 2026-11-20 */
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "is after today (2026-11-20)"));
    p.date = "2026-02-30";
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_INVALID);
    p.date = "2026-11-03";
    p.supplier = "两行\n的名字";
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_INVALID);
    p.supplier = "s";
    p.canteen = "C9";
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_ERR_NOT_FOUND);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases"), 0);
    /* a manager adds the category; then it is taken */
    assert_int_equal(food_category_add(d, "水果", "boss"), CP_OK);
    assert_int_equal(food_category_add(d, "水果", "boss"), CP_ERR_EXISTS);
    assert_int_equal(fixture_int(d, "SELECT position FROM food_categories WHERE name = '水果'"),
                     8);
    p = veg("2", "30");
    p.category = "水果";
    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_OK);
}

static void test_reversal(void **state)
{
    db *d = *state;
    food_purchase p = veg("12.5", "86.40");
    char id[IDS_LEN], rev[IDS_LEN], report[4096];
    food_reversal r;

    assert_int_equal(food_purchase_add(d, &p, "boss", id), CP_OK);
    assert_int_equal(food_purchase_reverse(d, id, "", "boss", &r), CP_ERR_INVALID);
    assert_int_equal(food_purchase_reverse(d, id, "送货单重复录入", "boss", &r), CP_OK);
    assert_int_equal(r.grams, 12500);
    assert_int_equal(r.fen, 8640);
    assert_string_equal(r.date, "2026-11-03");
    /* the month adds up to nothing; the reversal keeps the day and points back */
    assert_int_equal(fixture_int(d, "SELECT sum(fen) + sum(grams) FROM purchases"), 0);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases WHERE business_date ="
                                    " '2026-11-03' AND reverses IS NOT NULL AND reason ="
                                    " '送货单重复录入' AND invoice = 'FP001'"), 1);
    snprintf(rev, sizeof rev, "%s", r.id);
    assert_int_equal(food_purchase_reverse(d, id, "again", "boss", &r), CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), rev));
    assert_int_equal(food_purchase_reverse(d, rev, "undo", "boss", &r), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "is itself the reversal"));
    assert_int_equal(food_purchase_reverse(d, "nope", "x", "boss", &r), CP_ERR_NOT_FOUND);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action ="
                                    " 'purchase.reverse'"), 1);
    assert_int_equal(verify(d, report, sizeof report), 0);
}

static void test_import_all_or_nothing(void **state)
{
    db *d = *state;
    static const char good[] =
        "\xef\xbb\xbf" "date,supplier,category,kg,yuan,invoice\r\n"
        "2026-11-02,\"绿源蔬菜, 有限公司\",蔬菜,40,172.00,FP100\r\n"
        "2026-11-02,\"He said \"\"fresh\"\"\",肉禽,12.345,456.78,\r\n"
        "2026-11-05,粮油公司,主食,100,420,FP101\r\n";
    static const char bad[] =
        "date,supplier,category,kg,yuan,invoice\n"
        "2026-11-06,粮油公司,主食,10,42,\n"
        "2026-11-06,水果行,水果,5,40,\n";
    csv_table *t = NULL;
    int64_t g, fen;
    long n;
    char report[4096];

    assert_int_equal(csvread_buffer("november.csv", good, sizeof good - 1, &t), CP_OK);
    assert_int_equal(food_import_purchases(d, t, "november.csv", "C1", "boss", &n, &g, &fen),
                     CP_OK);
    csvread_free(t);
    assert_int_equal(n, 3);
    assert_int_equal(g, 152345);
    assert_int_equal(fen, 17200 + 45678 + 42000);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases WHERE supplier ="
                                    " '绿源蔬菜, 有限公司' AND invoice = 'FP100'"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases WHERE supplier ="
                                    " 'He said \"fresh\"' AND invoice IS NULL"), 1);
    /* one event a line, so that each can be reversed */
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'purchase.add'"),
                     3);
    /* the same file again: its invoices are recorded, nothing is written */
    assert_int_equal(csvread_buffer("november.csv", good, sizeof good - 1, &t), CP_OK);
    assert_int_equal(food_import_purchases(d, t, "november.csv", "C1", "boss", &n, &g, &fen),
                     CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), "november.csv:2: field invoice: invoice FP100 is "
                                        "recorded already: purchase "));
    assert_non_null(strstr(cp_detail(), " of 2026-11-02 from 绿源蔬菜, 有限公司, invoice FP100."));
    csvread_free(t);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases"), 3);
    /* the same invoice spelled otherwise, on line 3 of a file whose line 2 is
     * new: the supplier's name as another spreadsheet has it, the number in
     * lower case, full-width, with spaces about it; nothing is written */
    static const char *const again[] = {"fp100", "ＦＰ１００", " Fp100　", "FP101"};
    for (size_t k = 0; k < sizeof again / sizeof again[0]; k++) {
        char file[256];
        snprintf(file, sizeof file, "date,supplier,category,kg,yuan,invoice\n"
                 "2026-11-08,粮油公司,主食,10,42,FP300\n"
                 "2026-11-02,绿源蔬菜,蔬菜,40,172.00,%s\n", again[k]);
        assert_int_equal(csvread_buffer("again.csv", file, strlen(file), &t), CP_OK);
        assert_int_equal(food_import_purchases(d, t, "again.csv", "C1", "boss", &n, &g, &fen),
                         CP_ERR_EXISTS);
        assert_non_null(strstr(cp_detail(), "again.csv:3: field invoice: invoice "));
        assert_non_null(strstr(cp_detail(), "`purchase reverse "));
        csvread_free(t);
        assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases"), 3);
    }
    /* one invoice of several lines is one file's: taken */
    static const char lines[] = "date,supplier,category,kg,yuan,invoice\n"
                                "2026-11-07,粮油公司,主食,10,42,FP200\n"
                                "2026-11-07,粮油公司,肉禽,1,30,FP200\n";
    assert_int_equal(csvread_buffer("lines.csv", lines, sizeof lines - 1, &t), CP_OK);
    assert_int_equal(food_import_purchases(d, t, "lines.csv", "C1", "boss", &n, &g, &fen), CP_OK);
    csvread_free(t);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases"), 5);
    assert_int_not_equal(db_exec(d, "DELETE FROM purchases WHERE invoice = 'FP200'"), CP_OK);
    /* a category nobody added, on line 3: nothing of the file is recorded */
    assert_int_equal(csvread_buffer("bad.csv", bad, sizeof bad - 1, &t), CP_OK);
    assert_int_equal(food_import_purchases(d, t, "bad.csv", "C1", "boss", &n, &g, &fen),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "bad.csv:3: field category: no food category '水果'"));
    csvread_free(t);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases"), 5);
    /* a date after today is found before anything is written */
    static const char late[] = "date,supplier,category,kg,yuan,invoice\n"
                               "2026-11-06,a,主食,10,42,\n2026-12-01,b,主食,1,1,\n";
    assert_int_equal(csvread_buffer("late.csv", late, sizeof late - 1, &t), CP_OK);
    assert_int_equal(food_import_purchases(d, t, "late.csv", "C1", "boss", &n, &g, &fen),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "late.csv:3: field date"));
    csvread_free(t);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM purchases"), 5);
    assert_int_equal(verify(d, report, sizeof report), 0);
}

static void test_stock_count_newest_wins(void **state)
{
    db *d = *state;
    food_count c = {.canteen = "C1", .month = "2026-10", .category = "蔬菜", .yuan = "320",
                    .kg = "40"};
    char id[IDS_LEN], second[IDS_LEN], report[4096];
    int recount = -1;

    assert_int_equal(food_stock_count(d, &c, "boss", id, &recount), CP_OK);
    assert_int_equal(recount, 0);
    c.yuan = "300";
    c.kg = NULL; /* not weighed this time */
    assert_int_equal(food_stock_count(d, &c, "boss", second, &recount), CP_OK);
    assert_int_equal(recount, 1);
    /* both kept; the recount supersedes the first and is the one in force */
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM stock_counts"), 2);
    assert_int_equal(fixture_int(d, "SELECT fen FROM stock_counts s WHERE NOT EXISTS"
                                    " (SELECT 1 FROM stock_counts n WHERE n.supersedes = s.id)"),
                     30000);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM stock_counts WHERE grams IS NULL"), 1);
    /* a second chain of the same count is refused by the store */
    assert_int_not_equal(db_exec(d, "INSERT INTO stock_counts VALUES ('z', 1, '2026-10', '蔬菜',"
                                    " 1, NULL, NULL, 'm', 'x')"), CP_OK);
    c.month = "2026-12";
    assert_int_equal(food_stock_count(d, &c, "boss", id, &recount), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "has not begun"));
    /* the fixture's clock is 2026-11-20: November is counted on its last day */
    c.month = "2026-11";
    assert_int_equal(food_stock_count(d, &c, "boss", id, &recount), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "has not ended (today is day 20)"));
    assert_non_null(strstr(cp_detail(), "is --month 2026-10"));
    /* on its last day it is */
    fixture_at("2026-11-30T18:00:00");
    c.yuan = "-1";
    assert_int_equal(food_stock_count(d, &c, "boss", id, &recount), CP_ERR_INVALID);
    c.yuan = "10";
    assert_int_equal(food_stock_count(d, &c, "boss", id, &recount), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'stock.count'"),
                     3);
    assert_int_equal(verify(d, report, sizeof report), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_purchase_is_an_audited_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_row_without_its_event_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_purchases_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reversal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stock_count_newest_wins, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
