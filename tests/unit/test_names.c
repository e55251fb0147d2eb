/* Unit tests for core/names: the names people read for codes, built in and the canteen's own, in Chinese and in English. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "core/names.h"
#include "core/nls.h"
#include "tests/unit/helpers/fixture.h"

static int setup(void **state)
{
    *state = fixture_open();
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    fixture_language("en");
    return 0;
}

static void test_builtin(void **state)
{
    (void)state;
    assert_int_equal(fixture_language("zh_CN"), CP_OK);
    assert_string_equal(names_builtin(NAMES_CATEGORY, "staff"), "职工");
    assert_string_equal(names_builtin(NAMES_CATEGORY, "guest"), "来宾");
    assert_string_equal(names_builtin(NAMES_CATEGORY, "contractor"), "外包");
    assert_string_equal(names_builtin(NAMES_PERIOD, "breakfast"), "早餐");
    assert_string_equal(names_builtin(NAMES_PERIOD, "dinner"), "晚餐");
    assert_string_equal(names_builtin(NAMES_STAGE, "prep"), "备餐损耗");
    assert_string_equal(names_builtin(NAMES_STAGE, "overproduction"), "剩余");
    assert_string_equal(names_builtin(NAMES_STAGE, "spoilage"), "变质");
    assert_string_equal(names_builtin(NAMES_TERMINAL, "waste"), "称重站");
    /* the same code is another word in another kind */
    assert_string_equal(names_builtin(NAMES_DINER, "active"), "在职");
    assert_string_equal(names_builtin(NAMES_CARD, "active"), "正常");
    /* a code nobody named is shown as it is */
    assert_string_equal(names_builtin(NAMES_CATEGORY, "retiree"), "retiree");
    assert_int_equal(fixture_language("en"), CP_OK);
    assert_string_equal(names_builtin(NAMES_CATEGORY, "staff"), "staff");
    assert_string_equal(names_builtin(NAMES_STAGE, "prep"), "prep");
}

/* The PDF reports' Chinese names are the catalog's: the two cannot drift. */
static void test_builtin_zh_is_the_catalogs(void **state)
{
    static const struct { names_kind kind; const char *code; } all[] = {
        {NAMES_CATEGORY, "staff"}, {NAMES_CATEGORY, "guest"}, {NAMES_CATEGORY, "contractor"},
        {NAMES_CATEGORY, "items"}, {NAMES_PERIOD, "breakfast"}, {NAMES_PERIOD, "lunch"},
        {NAMES_PERIOD, "dinner"}, {NAMES_PERIOD, "supper"}, {NAMES_STAGE, "plate"},
        {NAMES_STAGE, "prep"}, {NAMES_STAGE, "overproduction"}, {NAMES_STAGE, "spoilage"},
        {NAMES_TERMINAL, "pos"}, {NAMES_TERMINAL, "waste"}, {NAMES_ROLE, "admin"},
        {NAMES_ROLE, "manager"}, {NAMES_ROLE, "cashier"}, {NAMES_ROLE, "kitchen"},
        {NAMES_CARD, "active"}, {NAMES_CARD, "lost"}, {NAMES_CARD, "retired"},
        {NAMES_CARD, "blocked_offline"}, {NAMES_DINER, "active"}, {NAMES_DINER, "suspended"},
        {NAMES_DINER, "left"}};
    db *d = *state;
    char name[NAMES_SIZE];

    assert_int_equal(fixture_language("zh_CN"), CP_OK);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        assert_string_equal(names_builtin_zh(all[i].kind, all[i].code),
                            names_builtin(all[i].kind, all[i].code));
    /* in English too, and the canteen's own name first */
    assert_int_equal(fixture_language("en"), CP_OK);
    assert_string_equal(names_show_zh(d, NAMES_PERIOD, "lunch", name), "午餐");
    assert_int_equal(names_set(d, NAMES_PERIOD, "lunch", "中饭", "wang"), CP_OK);
    assert_string_equal(names_show_zh(d, NAMES_PERIOD, "lunch", name), "中饭");
    assert_string_equal(names_builtin_zh(NAMES_CATEGORY, "retiree"), "retiree");
}

static void test_the_canteens_own(void **state)
{
    db *d = *state;
    char name[NAMES_SIZE];

    assert_int_equal(fixture_language("zh_CN"), CP_OK);
    assert_string_equal(names_show(d, NAMES_CATEGORY, "staff", name), "职工");
    assert_int_equal(names_set(d, NAMES_CATEGORY, "staff", "在编人员", "wang"), CP_OK);
    assert_int_equal(names_set(d, NAMES_CATEGORY, "retiree", "离退休", "wang"), CP_OK);
    assert_int_equal(names_set(d, NAMES_PERIOD, "lunch", "中午饭", "wang"), CP_OK);
    assert_string_equal(names_show(d, NAMES_CATEGORY, "staff", name), "在编人员");
    assert_string_equal(names_show(d, NAMES_CATEGORY, "retiree", name), "离退休");
    assert_string_equal(names_show(d, NAMES_PERIOD, "lunch", name), "中午饭");
    assert_string_equal(names_show(d, NAMES_PERIOD, "dinner", name), "晚餐");
    /* the canteen's name is its data: English screens show it too */
    assert_int_equal(fixture_language("en"), CP_OK);
    assert_string_equal(names_show(d, NAMES_CATEGORY, "staff", name), "在编人员");
    assert_string_equal(names_show(d, NAMES_PERIOD, "dinner", name), "dinner");
    /* "" gives the built-in name back; every change is in the audit log */
    assert_int_equal(names_set(d, NAMES_CATEGORY, "staff", "", "wang"), CP_OK);
    assert_string_equal(names_show(d, NAMES_CATEGORY, "staff", name), "staff");
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'category.name'"
                                    " AND actor = 'wang'"), 3);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'period.name'"), 1);
}

static void test_refused(void **state)
{
    db *d = *state;
    char name[NAMES_SIZE];

    /* codes stay lowercase ASCII: the Chinese goes in the name */
    assert_int_equal(names_set(d, NAMES_CATEGORY, "职工", "职工", "wang"), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "category set"));
    assert_int_equal(names_set(d, NAMES_CATEGORY, "staff", "职工\n来宾", "wang"), CP_ERR_INVALID);
    assert_int_equal(names_set(d, NAMES_CATEGORY, "staff", "\xe8\x81", "wang"), CP_ERR_INVALID);
    assert_int_equal(names_set(d, NAMES_CATEGORY, "staff",
                               "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三",
                               "wang"), CP_ERR_INVALID);
    assert_int_equal(names_set(d, NAMES_STAGE, "prep", "备餐", "wang"), CP_ERR_INVALID);
    /* 32 characters of any script are taken whole */
    assert_int_equal(names_set(d, NAMES_CATEGORY, "staff",
                               "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二",
                               "wang"), CP_OK);
    assert_int_equal(strlen(names_show(d, NAMES_CATEGORY, "staff", name)), 32 * 3);
}

/* Every category in use or named, with the name shown, for `category list`. */
static void list_row(const char *code, const char *name, void *ctx)
{
    char *out = ctx;
    strcat(out, code);
    strcat(out, "=");
    strcat(out, name);
    strcat(out, ";");
}

static void test_each(void **state)
{
    db *d = *state;
    char out[512] = "";

    assert_int_equal(fixture_language("zh_CN"), CP_OK);
    assert_int_equal(names_set(d, NAMES_CATEGORY, "retiree", "离退休", "wang"), CP_OK);
    assert_int_equal(names_each(d, NAMES_CATEGORY, list_row, out), CP_OK);
    assert_string_equal(out, "contractor=外包;guest=来宾;retiree=离退休;staff=职工;");
    out[0] = '\0';
    assert_int_equal(names_each(d, NAMES_PERIOD, list_row, out), CP_OK);
    assert_string_equal(out, "dinner=晚餐;lunch=午餐;");
}

/* A refusal names the period and the category as people read them. */
static void test_refusal_words(void **state)
{
    db *d = *state;
    charge_req req = {.terminal = "POS1", .card_no = "0000000004", .request_id = "r1",
                      .actor = "li"};
    charge_res res;

    assert_int_equal(fixture_language("zh_CN"), CP_OK);
    assert_int_equal(ledger_charge(d, &req, &res), CP_OK);
    assert_int_equal(res.result, CP_ERR_NO_PRICE);
    assert_non_null(strstr(res.message, "类别“外包”没有午餐价格"));
    /* the code stays what programs read */
    assert_string_equal(cp_errname(res.result), "no_price");
    assert_string_equal(res.period, "lunch");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builtin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builtin_zh_is_the_catalogs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_canteens_own, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusal_words, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
