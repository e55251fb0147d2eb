/* Unit tests for pos/ui_data: what the cashier's screen reads keeps people's text whole, or cuts it on a character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/canteen.h"
#include "core/ledger.h"
#include "core/utf8.h"
#include "pos/ui_data.h"
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

/* A category has up to 32 letters: the price list on the screen shows it whole. */
static void test_period_prices_whole(void **state)
{
    static const char cat[] = "contractorsofthemunicipalkitchen"; /* 32 letters */
    db *d = *state;
    ui_period p;
    int found = 0;

    assert_int_equal(strlen(cat), 32);
    assert_int_equal(canteen_set_price(d, "C1", "lunch", cat, 1200, "test"), CP_OK);
    assert_int_equal(ui_data_period(d, 1, 12 * 60, &p), CP_OK);
    assert_true(p.open);
    for (int i = 0; i < p.n_prices; i++)
        found += strcmp(p.prices[i].category, cat) == 0;
    assert_int_equal(found, 1);
}

/* The void screen's line about a sale: a name of 64 four-byte characters is
 * cut on a character with "…", never inside one. */
static void test_sale_brief_cut_on_a_character(void **state)
{
    db *d = *state;
    char name[300] = "", sql[400], text[256];
    charge_req req = {.terminal = "POS1", .card_no = "0000000001", .actor = "t"};
    charge_res r;

    for (int i = 0; i < 64; i++)
        strcat(name, "𠜎");
    snprintf(sql, sizeof sql, "UPDATE diners SET name = '%s' WHERE staff_no = 'S001'", name);
    assert_int_equal(db_exec(d, sql), CP_OK);
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_charge(d, &req, &r), CP_OK);
    assert_int_equal(r.result, CP_OK);
    for (size_t size = 200; size <= sizeof text; size++) {
        assert_int_equal(ui_data_sale_brief(d, r.sale_id, text, size), CP_OK);
        assert_true(utf8_valid(text, strlen(text)));
        assert_non_null(strstr(text, UTF8_ELLIPSIS));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_period_prices_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sale_brief_cut_on_a_character, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
