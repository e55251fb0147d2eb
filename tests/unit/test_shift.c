/* Unit tests for pos/shift: open, X and Z reports with hand-worked numbers, the next shift at zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/canteen.h"
#include "core/ledger.h"
#include "core/utf8.h"
#include "pos/shift.h"
#include "tests/unit/helpers/fixture.h"

static int setup(void **state)
{
    db *d = fixture_open();
    long n;

    assert_int_equal(canteen_set_item(d, "C1", "BUN", "包子", 150, "piece", "test"), CP_OK);
    assert_int_equal(canteen_set_item(d, "C1", "VEG", "称重素菜", 250, "100g", "test"), CP_OK);
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S003", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 500, NULL, NULL}, "test", &n), CP_OK);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

/* Charges card at time iso on terminal (lines may be NULL); the sale must go through. */
static void sell(db *d, const char *iso, const char *terminal, const char *card,
                 const charge_line *lines, size_t nlines, char sale_id[IDS_LEN])
{
    charge_req req = {.terminal = terminal, .card_no = card, .actor = "li", .lines = lines,
                      .nlines = nlines};
    charge_res res;

    fixture_at(iso);
    assert_int_equal(ledger_charge(d, &req, &res), CP_OK);
    if (res.result != CP_OK)
        fail_msg("charge of %s refused: %s", card, res.message);
    if (sale_id)
        snprintf(sale_id, IDS_LEN, "%s", res.sale_id);
}

static void test_seq(void **state)
{
    (void)state;
    assert_int_equal(shift_seq("POS1", "POS1-000042"), 42);
    assert_int_equal(shift_seq("POS1", "POS1-1000000"), 1000000);
    assert_int_equal(shift_seq("POS1", "POS12-000001"), -1);
    assert_int_equal(shift_seq("POS1", "POS1-A-000001"), -1);
    assert_int_equal(shift_seq("POS1", "POS1-"), -1);
    assert_int_equal(shift_seq("POS1", "POS1-12x"), -1);
}

static void test_open_twice_and_close_without_open(void **state)
{
    db *d = *state;
    shift_info s, again;
    shift_report r;
    int is_open;

    assert_int_equal(shift_close(d, "POS1", "li", 0, &r), CP_ERR_NOT_FOUND);
    assert_int_equal(shift_current(d, "POS1", &s, &is_open), CP_OK);
    assert_false(is_open);
    assert_int_equal(shift_open(d, "POS1", "li", 20000, &s), CP_OK);
    assert_string_equal(s.id, "POS1-000001");
    assert_int_equal(shift_open(d, "POS1", "wang", 0, NULL), CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), "POS1-000001"));
    assert_int_equal(shift_current(d, "POS1", &again, &is_open), CP_OK);
    assert_true(is_open);
    assert_string_equal(again.id, s.id);
    assert_string_equal(again.cashier, "li");
    assert_int_equal(again.counted_cash_fen, 20000);
    /* another terminal has its own shifts */
    assert_int_equal(shift_current(d, "POS2", NULL, &is_open), CP_OK);
    assert_false(is_open);
    assert_int_equal(shift_open(d, "POS1", "li", -1, NULL), CP_ERR_INVALID);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'shift.open'"), 1);
}

/*
 * Hand-worked: every diner has 50.00 cash and 5.00 subsidy.
 *   11:30 POS1 S002 lunch 8.00            before the open: not in the shift
 *   12:00 POS1 open, 200.00 counted
 *   12:00 POS1 S001 lunch staff 8.00      subsidy 5.00 + cash 3.00
 *   12:00 POS1 S003 lunch guest 15.00     subsidy 5.00 + cash 10.00
 *   12:00 POS1 S002 items BUN x2 (1.50 each) + VEG 350 g (2.50/100 g)
 *                                         3.00 + 8.75 = 11.75, all cash (lunch)
 *   12:00 POS2 S001 items BUN x1          another terminal: not in the shift
 *   12:01 POS1 void of the S003 sale      void 15.00 (subsidy 5.00, cash 10.00)
 *   17:30 POS1 S001 dinner staff 8.00     cash 8.00 (no subsidy left)
 *   17:31 office void of S001's lunch     not on this terminal: not a void of the shift
 *   17:40 POS1 close, 180.50 counted
 * Sales 4, 42.75; voids 1, 15.00; net 27.75 = subsidy 5.00 + cash 22.75.
 * Rows: lunch guest 1 15.00, lunch items 1 11.75, lunch staff 1 8.00, dinner staff 1 8.00.
 */
static void test_z_report_hand_worked(void **state)
{
    db *d = *state;
    charge_line lines[] = {{"BUN", 2}, {"VEG", 350}}, bun[] = {{"BUN", 1}};
    char lunch1[IDS_LEN], guest[IDS_LEN];
    shift_report x, z, loaded;
    shift_info s;
    char *json;

    sell(d, "2026-11-20T11:30:00", "POS1", "0000000002", NULL, 0, NULL);
    fixture_at("2026-11-20T12:00:00");
    assert_int_equal(shift_open(d, "POS1", "li", 20000, &s), CP_OK);
    sell(d, "2026-11-20T12:00:00", "POS1", "0000000001", NULL, 0, lunch1);
    sell(d, "2026-11-20T12:00:00", "POS1", "0000000003", NULL, 0, guest);
    sell(d, "2026-11-20T12:00:00", "POS1", "0000000002", lines, 2, NULL);
    sell(d, "2026-11-20T12:00:30", "POS2", "0000000001", bun, 1, NULL);
    fixture_at("2026-11-20T12:01:00");
    assert_int_equal(ledger_void(d, guest, "wang", "POS1", "wrong card", NULL), CP_OK);

    /* the X report so far */
    assert_int_equal(shift_peek(d, "POS1", &x), CP_OK);
    assert_string_equal(x.open.id, s.id);
    assert_string_equal(x.close_id, "");
    assert_int_equal(x.sale_count, 3);
    assert_int_equal(x.sale_fen, 800 + 1500 + 1175);
    assert_int_equal(x.void_count, 1);
    assert_int_equal(x.void_fen, 1500);
    assert_int_equal(x.net_fen, 1975);
    shift_report_free(&x);

    sell(d, "2026-11-20T17:30:00", "POS1", "0000000001", NULL, 0, NULL);
    fixture_at("2026-11-20T17:31:00");
    assert_int_equal(ledger_void(d, lunch1, "wang", NULL, "office", NULL), CP_OK);
    fixture_at("2026-11-20T17:40:00");
    assert_int_equal(shift_close(d, "POS1", "li", 18050, &z), CP_OK);

    assert_string_equal(z.open.id, s.id);
    assert_string_equal(z.open.opened, "2026-11-20T12:00:00");
    assert_string_equal(z.closed, "2026-11-20T17:40:00");
    assert_int_equal(z.open.counted_cash_fen, 20000);
    assert_int_equal(z.closing_cash_fen, 18050);
    assert_int_equal(z.sale_count, 4);
    assert_int_equal(z.sale_fen, 4275);
    assert_int_equal(z.void_count, 1);
    assert_int_equal(z.void_fen, 1500);
    assert_int_equal(z.subsidy_fen, 500);
    assert_int_equal(z.cash_fen, 2275);
    assert_int_equal(z.net_fen, 2775);
    assert_int_equal(z.n_rows, 4);
    assert_string_equal(z.rows[0].period, "lunch");
    assert_string_equal(z.rows[0].category, "guest");
    assert_int_equal(z.rows[0].count, 1);
    assert_int_equal(z.rows[0].amount_fen, 1500);
    assert_string_equal(z.rows[1].category, "items");
    assert_int_equal(z.rows[1].amount_fen, 1175);
    assert_string_equal(z.rows[2].category, "staff");
    assert_int_equal(z.rows[2].amount_fen, 800);
    assert_string_equal(z.rows[3].period, "dinner");
    assert_string_equal(z.rows[3].category, "staff");
    assert_int_equal(z.rows[3].count, 1);
    assert_int_equal(z.rows[3].amount_fen, 800);

    /* the stored JSON reads back the same */
    json = shift_report_json(&z);
    assert_non_null(strstr(json, "\"net_fen\":2775"));
    free(json);
    assert_int_equal(shift_load(d, z.close_id, &loaded), CP_OK);
    assert_string_equal(loaded.open.id, z.open.id);
    assert_string_equal(loaded.close_id, z.close_id);
    assert_int_equal(loaded.sale_fen, 4275);
    assert_int_equal(loaded.net_fen, 2775);
    assert_int_equal(loaded.closing_cash_fen, 18050);
    assert_int_equal(loaded.n_rows, 4);
    assert_string_equal(loaded.rows[1].category, "items");
    assert_int_equal(loaded.rows[3].amount_fen, 800);
    shift_report_free(&loaded);
    assert_int_equal(shift_load(d, "POS1-999999", &loaded), CP_ERR_NOT_FOUND);
    shift_report_free(&z);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'shift.close'"),
                     1);
    assert_int_equal(shift_close(d, "POS1", "li", 0, &z), CP_ERR_NOT_FOUND);
}

/* The next shift starts at zero and counts only its own sales. */
/* A cashier with a long name (users have no length limit) opens and closes
 * a shift: the Z report is written and read back. Cut by bytes into the
 * 128-byte field, the name made the report invalid UTF-8 and the close
 * failed as "out of memory" for ever. */
static void test_long_cashier_name(void **state)
{
    db *d = *state;
    char name[400] = "";
    shift_report z, back;
    shift_info s;

    for (int i = 0; i < 43; i++) /* 129 bytes: the last character across byte 128 */
        strcat(name, "张");
    assert_int_equal(shift_open(d, "POS1", name, 100, &s), CP_OK);
    assert_true(utf8_valid(s.cashier, strlen(s.cashier)));
    assert_int_equal(shift_close(d, "POS1", name, 100, &z), CP_OK);
    assert_true(utf8_valid(z.closed_by, strlen(z.closed_by)));
    assert_int_equal(shift_load(d, z.close_id, &back), CP_OK);
    assert_string_equal(back.closed_by, z.closed_by);
    assert_string_equal(back.open.cashier, z.open.cashier);
    shift_report_free(&back);
    shift_report_free(&z);
}

static void test_next_shift_starts_at_zero(void **state)
{
    db *d = *state;
    shift_report z, x;
    shift_info s2;

    assert_int_equal(shift_open(d, "POS1", "li", 0, NULL), CP_OK);
    sell(d, "2026-11-20T12:00:00", "POS1", "0000000001", NULL, 0, NULL);
    fixture_at("2026-11-20T12:05:00");
    assert_int_equal(shift_close(d, "POS1", "li", 0, &z), CP_OK);
    assert_int_equal(z.sale_count, 1);
    shift_report_free(&z);

    assert_int_equal(shift_open(d, "POS1", "zhao", 10000, &s2), CP_OK);
    assert_int_equal(shift_peek(d, "POS1", &x), CP_OK);
    assert_string_equal(x.open.cashier, "zhao");
    assert_int_equal(x.sale_count, 0);
    assert_int_equal(x.sale_fen, 0);
    assert_int_equal(x.n_rows, 0);
    shift_report_free(&x);
    /* all within the same second: the numbering, not the clock, splits shifts */
    sell(d, "2026-11-20T12:05:00", "POS1", "0000000002", NULL, 0, NULL);
    assert_int_equal(shift_close(d, "POS1", "zhao", 10000, &z), CP_OK);
    assert_int_equal(z.sale_count, 1);
    assert_int_equal(z.sale_fen, 800);
    assert_int_equal(z.subsidy_fen, 500);
    assert_int_equal(z.cash_fen, 300);
    shift_report_free(&z);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM shift_events"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seq),
        cmocka_unit_test_setup_teardown(test_open_twice_and_close_without_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_z_report_hand_worked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_shift_starts_at_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_cashier_name, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
