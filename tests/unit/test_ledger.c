/* Unit tests for core/ledger: every rule of a charge, voids, top-ups, subsidies, refunds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "core/ledger_int.h"
#include "core/utf8.h"
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

/* Charges card on terminal with an optional request id; returns the refusal or CP_OK. */
static cp_err tap_req(db *d, const char *terminal, const char *card, const char *reqid,
                      charge_res *res)
{
    charge_req req = {.terminal = terminal, .card_no = card, .request_id = reqid,
                      .actor = "test"};
    assert_int_equal(ledger_charge(d, &req, res), CP_OK);
    return res->result;
}

static cp_err tap(db *d, const char *terminal, const char *card, charge_res *res)
{
    return tap_req(d, terminal, card, NULL, res);
}

static void balances(db *d, const char *staff, int64_t cash, int64_t subsidy)
{
    int64_t c, s;
    assert_int_equal(ledger_balance(d, staff, &c, &s, NULL), CP_OK);
    assert_int_equal(c, cash);
    assert_int_equal(s, subsidy);
}

/* The problems verify finds, with a head to check (or NULL). */
static long problems_at(db *d, const char *head)
{
    long n;
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(verify_books(d, head, devnull, &n), CP_OK);
    fclose(devnull);
    return n;
}

static long problems(db *d)
{
    return problems_at(d, NULL);
}

/* Runs SQL as an attacker with write access to the file would. */
static void attack(db *d, const char *sql)
{
    if (db_exec(d, sql) != CP_OK)
        fail_msg("attack failed: %s: %s", sql, cp_detail());
}

/* The guards an attacker drops to rewrite a sale or cut the chain's end. */
static const struct guard {
    const char *name, *table, *event;
} guards[] = {
    {"sales_no_update", "sales", "UPDATE"},
    {"ledger_no_update", "ledger", "UPDATE"},
    {"voids_no_delete", "voids", "DELETE"},
    {"ledger_no_delete", "ledger", "DELETE"},
    {"charge_requests_no_delete", "charge_requests", "DELETE"},
    {"audit_no_delete", "audit", "DELETE"},
};

static void drop_guards(db *d)
{
    for (size_t i = 0; i < sizeof guards / sizeof guards[0]; i++)
        fixture_drop_trigger(d, guards[i].name, guards[i].table);
}

/* Puts guards of the same names back, as the attacker would to hide. */
static void restore_guards(db *d)
{
    for (size_t i = 0; i < sizeof guards / sizeof guards[0]; i++)
        fixture_refuse(d, guards[i].name, guards[i].table, guards[i].event);
}

static int64_t sales(db *d)
{
    return fixture_int(d, "SELECT count(*) FROM sales");
}

static void test_unknown_card(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(tap(d, "POS1", "0000000999", &r), CP_ERR_UNKNOWN_CARD);
    assert_non_null(strstr(r.message, "office"));
    assert_int_equal(sales(d), 0);
}

static void test_blocked_card(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(diners_card_block(d, "0000000001", "test"), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_CARD_BLOCKED);
    assert_int_equal(sales(d), 0);
    assert_int_equal(diners_card_unblock(d, "0000000001", "test"), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    /* a replaced card is retired: refused, the new one works */
    assert_int_equal(diners_card_replace(d, "S001", "0000000101", "test"), CP_OK);
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_CARD_BLOCKED);
    assert_int_equal(tap(d, "POS1", "0000000101", &r), CP_OK);
    assert_int_equal(diners_card_unblock(d, "0000000001", "test"), CP_ERR_INVALID);
}

static void test_diner_inactive(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    db_exec(d, "UPDATE diners SET status = 'suspended' WHERE staff_no = 'S002'");
    assert_int_equal(tap(d, "POS1", "0000000002", &r), CP_ERR_DINER_INACTIVE);
    assert_int_equal(sales(d), 0);
}

static void test_no_meal_period(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    fixture_at("2026-11-20T10:59:59");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_NO_MEAL_PERIOD);
    fixture_at("2026-11-20T13:30:00"); /* the end is exclusive */
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_NO_MEAL_PERIOD);
    fixture_at("2026-11-20T11:00:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_string_equal(r.period, "lunch");
}

static void test_no_price(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S004", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000004", &r), CP_ERR_NO_PRICE);
    assert_int_equal(sales(d), 0);
}

static void test_price_by_category(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S003", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000003", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1500);
    balances(d, "S003", 3500, 0);
}

static void test_meal_limit(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    /* another terminal, so it is not a duplicate tap: the limit refuses it */
    assert_int_equal(tap(d, "POS2", "0000000001", &r), CP_ERR_LIMIT_REACHED);
    balances(d, "S001", 4200, 0);
    /* dinner is another period */
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(tap(d, "POS2", "0000000001", &r), CP_OK);
    assert_int_equal(r.meals_today, 2);
    /* two meals per period allowed for staff */
    assert_int_equal(canteen_set_rules(d, "staff", 2, -1, 0, "test"), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(tap(d, "POS2", "0000000002", &r), CP_ERR_INSUFFICIENT_FUNDS);
}

/* The meals of a period are counted at every canteen, by the period's
 * name: a city's diner with one lunch a day had a lunch at each canteen
 * (each canteen has its own periods), where a terminal deciding offline
 * counts by name and refused the second. */
static void test_meal_limit_across_canteens(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(canteen_add(d, "C2", "二食堂", "test"), CP_OK);
    assert_int_equal(canteen_add_terminal(d, "POS9", "C2", "pos", "test"), CP_OK);
    assert_int_equal(canteen_set_period(d, "C2", "lunch", "11:30-13:00", "test"), CP_OK);
    assert_int_equal(canteen_set_period(d, "C2", "dinner", "17:00-19:00", "test"), CP_OK);
    assert_int_equal(canteen_set_price(d, "C2", "lunch", "staff", 700, "test"), CP_OK);
    assert_int_equal(canteen_set_price(d, "C2", "dinner", "staff", 700, "test"), CP_OK);
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(tap(d, "POS9", "0000000001", &r), CP_ERR_LIMIT_REACHED);
    balances(d, "S001", 4200, 0);
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(tap(d, "POS9", "0000000001", &r), CP_OK); /* dinner at C2 */
    assert_int_equal(r.charged_fen, 700);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_LIMIT_REACHED);
}

/* A charge takes its sale's number before the rules decide (in the round
 * trip that locks the wallet); a refusal gives it back: the terminal's
 * numbers have no gap, whether the refusal is kept (a request id) or not. */
static void test_refusal_takes_no_number(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap_req(d, "POS1", "0000000001", "n1", &r), CP_OK);
    assert_string_equal(r.sale_id, "POS1-000001");
    fixture_at("2026-11-20T12:05:00");
    assert_int_equal(tap_req(d, "POS1", "0000000001", "n2", &r), CP_ERR_LIMIT_REACHED);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_LIMIT_REACHED);
    assert_int_equal(tap_req(d, "POS1", "0000000002", "n3", &r), CP_OK);
    assert_string_equal(r.sale_id, "POS1-000002");
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM charge_requests"), 3);
    assert_int_equal(fixture_int(d, "SELECT next_seq FROM terminals WHERE code = 'POS1'"), 3);
}

static void test_daily_cap(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(canteen_set_rules(d, "staff", 1, 1000, 0, "test"), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_LIMIT_REACHED);
    assert_non_null(strstr(r.message, "daily limit"));
    /* the next day starts again */
    fixture_at("2026-11-21T12:00:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
}

static void test_subsidy_first(void **state)
{
    db *d = *state;
    charge_res r;
    long n;
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 500, NULL, NULL}, "test", &n), CP_OK);
    assert_int_equal(n, 4);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(r.subsidy_fen, 500);
    assert_int_equal(r.cash_fen, 300);
    assert_int_equal(r.cash_left_fen, 700);
    assert_int_equal(r.subsidy_left_fen, 0);
    balances(d, "S001", 700, 0);
    /* subsidy alone covers a meal: no cash */
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-12", 2000, NULL, NULL}, "test", &n), CP_OK);
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(r.subsidy_fen, 800);
    assert_int_equal(r.cash_fen, 0);
    balances(d, "S001", 700, 1200);
    assert_int_equal(problems(d), 0);
}

static void test_insufficient_changes_nothing(void **state)
{
    db *d = *state;
    charge_res r;
    long n;
    assert_int_equal(ledger_topup(d, "S001", 300, "test", NULL), CP_OK);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 400, "D01", NULL}, "test", &n), CP_OK);
    assert_int_equal(n, 2); /* S001 and S002 are in D01 */
    int64_t ledger_rows = fixture_int(d, "SELECT count(*) FROM ledger");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_INSUFFICIENT_FUNDS);
    balances(d, "S001", 300, 400);
    assert_int_equal(sales(d), 0);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM ledger"), ledger_rows);
}

static void test_overdraft(void **state)
{
    db *d = *state;
    charge_res r;
    long n;
    assert_int_equal(canteen_set_rules(d, "staff", 1, -1, 500, "test"), CP_OK);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 400, NULL, NULL}, "test", &n), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    balances(d, "S001", -400, 0);
    fixture_at("2026-11-20T17:30:00");
    /* 4.00 owed, 1.00 of overdraft left: refused */
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_INSUFFICIENT_FUNDS);
    balances(d, "S001", -400, 0);
    assert_int_equal(problems(d), 0);
    /* a leaver who owes money cannot leave before settling */
    int64_t refunded;
    assert_int_equal(ledger_refund_leaver(d, "S001", "test", &refunded),
                     CP_ERR_INSUFFICIENT_FUNDS);
}

static void test_duplicate_tap(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(canteen_set_rules(d, "staff", 3, -1, 0, "test"), CP_OK);
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    fixture_at("2026-11-20T12:00:04");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_DUPLICATE_TAP);
    /* another terminal is not a duplicate */
    assert_int_equal(tap(d, "POS2", "0000000001", &r), CP_OK);
    fixture_at("2026-11-20T12:00:06");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    balances(d, "S001", 5000 - 3 * 800, 0);
}

static void test_request_id_repeats_answer(void **state)
{
    db *d = *state;
    charge_res r1, r2;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap_req(d, "POS1", "0000000001", "POS1:1", &r1), CP_OK);
    assert_int_equal(r1.repeated, 0);
    fixture_at("2026-11-20T12:00:30");
    assert_int_equal(tap_req(d, "POS1", "0000000001", "POS1:1", &r2), CP_OK);
    assert_int_equal(r2.repeated, 1);
    assert_string_equal(r2.sale_id, r1.sale_id);
    assert_int_equal(r2.charged_fen, 800);
    assert_int_equal(sales(d), 1);
    balances(d, "S001", 4200, 0);
    /* a refusal is repeated too, even when it would now pass */
    assert_int_equal(tap_req(d, "POS1", "0000000002", "POS1:2", &r1), CP_ERR_INSUFFICIENT_FUNDS);
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap_req(d, "POS1", "0000000002", "POS1:2", &r2), CP_ERR_INSUFFICIENT_FUNDS);
    assert_int_equal(r2.repeated, 1);
    assert_int_equal(tap_req(d, "POS1", "0000000002", "POS1:3", &r2), CP_OK);
    /* the same id for another card (another terminal's, or a script's mistake)
     * is refused and answered like any refusal: nothing charged, nothing
     * written, and the terminal can answer it and go on */
    assert_int_equal(ledger_topup(d, "S003", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap_req(d, "POS2", "0000000003", "POS1:3", &r2), CP_ERR_INVALID);
    assert_non_null(strstr(r2.message, "request id POS1:3 was already used for another card"));
    assert_int_equal(r2.repeated, 0);
    assert_string_equal(r2.sale_id, "");
    assert_int_equal(sales(d), 2);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM charge_requests"), 3);
    balances(d, "S003", 5000, 0);
}

/* Sets the name of a diner (or department) to n copies of ch, as an old
 * import without the length limit could have. */
static void set_name(db *d, const char *table, const char *key, const char *ch, int n)
{
    char name[1024] = "", sql[1200];
    for (int i = 0; i < n; i++)
        strcat(name, ch);
    snprintf(sql, sizeof sql, "UPDATE %s SET name = '%s' WHERE %s", table, name, key);
    assert_int_equal(db_exec(d, sql), CP_OK);
}

/* The longest names an import takes come back whole, in the answer and in
 * every refusal that names the diner; a longer one from before the limit is
 * cut on a character boundary with "…". Never half a character. */
static void test_long_names_in_answers(void **state)
{
    static const char *const chars[] = {"张", "𠜎", "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",
                                        "e\xcc\x81", "مُ"};
    db *d = *state;
    charge_res r;
    char want[1024];
    assert_int_equal(ledger_topup(d, "S001", 100000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 100000, "test", NULL), CP_OK);
    assert_int_equal(canteen_set_rules(d, "staff", 100, -1, 0, "test"), CP_OK);
    for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
        int n = (int)(DINERS_NAME_MAX / utf8_chars(chars[c]));
        char at[32];
        want[0] = '\0';
        for (int i = 0; i < n; i++)
            strcat(want, chars[c]);
        set_name(d, "diners", "staff_no = 'S001'", chars[c], n);
        set_name(d, "departments", "code = 'D01'", chars[c], n);
        snprintf(at, sizeof at, "2026-11-20T12:%02zu:00", c * 2);
        fixture_at(at);
        assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
        assert_string_equal(r.name, want);
        assert_string_equal(r.department, want);
        /* refused for a tap a moment ago: the message names the diner whole */
        assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_DUPLICATE_TAP);
        assert_true(utf8_valid(r.message, strlen(r.message)));
        assert_non_null(strstr(r.message, want));
    }
    /* a name of 200 4-byte characters from an old database: cut, marked, valid */
    set_name(d, "diners", "staff_no = 'S002'", "𠜎", 200);
    fixture_at("2026-11-20T12:30:00");
    assert_int_equal(tap(d, "POS1", "0000000002", &r), CP_OK);
    assert_true(utf8_valid(r.name, strlen(r.name)));
    assert_string_equal(r.name + strlen(r.name) - 3, UTF8_ELLIPSIS);
    assert_int_equal(strlen(r.name), 252 + 3);
    assert_int_equal(db_exec(d, "UPDATE diners SET status = 'left' WHERE staff_no = 'S002'"),
                     CP_OK);
    assert_int_equal(tap(d, "POS2", "0000000002", &r), CP_ERR_DINER_INACTIVE);
    assert_true(utf8_valid(r.message, strlen(r.message)));
    assert_non_null(strstr(r.message, "S002"));
}

static void test_void(void **state)
{
    db *d = *state;
    charge_res r;
    char void_id[IDS_LEN];
    long n;
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 500, NULL, NULL}, "test", &n), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    balances(d, "S001", 700, 0);
    assert_int_equal(ledger_void(d, r.sale_id, "mgr", "POS1", "wrong tray", void_id), CP_OK);
    /* back into the wallets it came from */
    balances(d, "S001", 1000, 500);
    assert_int_equal(ledger_void(d, r.sale_id, "mgr", "POS1", NULL, NULL), CP_ERR_ALREADY_VOID);
    balances(d, "S001", 1000, 500);
    assert_int_equal(ledger_void(d, "POS1-999999", "mgr", NULL, NULL, NULL), CP_ERR_NOT_FOUND);
    /* the sale stays, marked void, and the meal can be had again */
    assert_int_equal(sales(d), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM voids"), 1);
    fixture_at("2026-11-20T12:00:10");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(problems(d), 0);
}

static void test_append_only(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_not_equal(db_exec(d, "UPDATE sales SET total_fen = 0"), CP_OK);
    assert_int_not_equal(db_exec(d, "DELETE FROM ledger"),
                         CP_OK);
    assert_int_not_equal(db_exec(d, "DELETE FROM audit"),
                         CP_OK);
}

static void test_verify_finds_tampering(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(problems(d), 0);
    /* a balance changed behind the ledger's back */
    db_exec(d, "UPDATE wallets SET cash_fen = cash_fen + 100 WHERE diner_id = 1");
    assert_int_equal(problems(d), 1);
    db_exec(d, "UPDATE wallets SET cash_fen = cash_fen - 100 WHERE diner_id = 1");
    assert_int_equal(problems(d), 0);
    /* an audit entry altered by someone who dropped the trigger: its hash
     * breaks, and so does the guard */
    fixture_drop_trigger(d, "audit_no_update", "audit");
    db_exec(d, "UPDATE audit SET detail = '999.00' WHERE action = 'wallet.topup'");
    assert_int_equal(problems(d), 2);
}

/* A sale changed in sale, ledger and wallet alike: every table agrees with
 * the others, but the sale's rows no longer match what the chain recorded. */
static void test_verify_finds_consistent_edit(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(problems(d), 0);
    drop_guards(d);
    attack(d, "UPDATE sales SET total_fen = 100, cash_fen = 100 WHERE id = 'POS1-000001';"
              "UPDATE ledger SET amount_fen = -100 WHERE id = 'POS1-000001.c';"
              "UPDATE wallets SET cash_fen = 900 WHERE diner_id = 1;");
    restore_guards(d);
    balances(d, "S001", 900, 0);
    assert_int_equal(problems(d), 1); /* the sale's content; the guards are back */
}

/* verify reads the log a page at a time (core/audit_verify.c, PAGE 4096
 * entries): the links of a chain longer than a page, and the content of
 * an event past the first page, are checked like any others. */
static void test_verify_reads_in_pages(void **state)
{
    db *d = *state;
    audit_run run = {0};
    charge_res r1, r2;
    char sql[200];

    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 1000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r1), CP_OK);
    assert_int_equal(db_begin(d), CP_OK);
    for (int i = 0; i < 4500; i++)
        assert_int_equal(audit_run_append(d, &run, "test", NULL, "note", "page", NULL), CP_OK);
    assert_int_equal(db_commit(d), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000002", &r2), CP_OK);
    assert_true(fixture_int(d, "SELECT max(seq) FROM audit") > 4096 + 2);
    assert_int_equal(problems(d), 0);
    /* the sale after the notes, in the second page, and one before */
    drop_guards(d);
    snprintf(sql, sizeof sql, "UPDATE sales SET actor = 'someone' WHERE id IN ('%s', '%s')",
             r1.sale_id, r2.sale_id);
    attack(d, sql);
    restore_guards(d);
    assert_int_equal(problems(d), 2);
    /* a note of the office's chain past its first page of links */
    fixture_drop_trigger(d, "audit_no_update", "audit");
    attack(d, "UPDATE audit SET detail = 'x' WHERE seq = (SELECT max(seq) - 10 FROM audit"
              " WHERE action = 'note')");
    fixture_refuse(d, "audit_no_update", "audit", "UPDATE");
    assert_int_equal(problems(d), 3);
}

/* A void written by hand, with its refund and the wallet moved to match. */
static void test_verify_finds_fake_void(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    attack(d, "INSERT INTO voids VALUES ('FAKE', 'POS1-000001', NULL, 'x', NULL,"
              " '2026-11-20T12:01:00');"
              "INSERT INTO ledger VALUES ('FAKE.1', 1, 'cash', 800, 'void', 'POS1-000001',"
              " NULL, NULL, 'x', '2026-11-20T12:01:00');"
              "UPDATE wallets SET cash_fen = 1000 WHERE diner_id = 1;");
    /* the books agree; the void and its entry are in no audited event */
    assert_int_equal(problems(d), 2);
}

/* A sale and its void written with a terminal's store login, each entered
 * in the audit log as the programs do (review N1): the sale's subsidy came
 * from its diner and its cash from another diner's wallet, and the void put
 * the whole back as cash. Every wallet equals its ledger and each sale its
 * entries by sale; only the per-wallet checks find it. */
static void test_verify_finds_money_moved_between_wallets(void **state)
{
    db *d = *state;
    long n, grants;
    char *r;

    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 200, NULL, NULL},
                                          "test", &grants), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 500, "test", NULL), CP_OK);
    assert_int_equal(problems(d), 0);
    /* one transaction, as the audit entries of an event are written */
    assert_int_equal(db_begin(d), CP_OK);
    attack(d, "INSERT INTO sales(id, terminal, canteen_id, card_no, diner_id, department_id,"
              " category, period_id, business_date, kind, total_fen, subsidy_fen, cash_fen,"
              " actor, created_at, request_id)"
              " SELECT 'POS1-000101', 'POS1', 1, '0000000001', id, department_id, 'staff', 1,"
              " '2026-11-20', 'meal', 700, 200, 500, 'headless', '2026-11-20T12:00:00', NULL"
              " FROM diners WHERE staff_no = 'S001';"
              "INSERT INTO ledger VALUES ('POS1-000101.c', 2, 'cash', -500, 'charge',"
              " 'POS1-000101', NULL, 'POS1', 'headless', '2026-11-20T12:00:00');"
              "INSERT INTO ledger VALUES ('POS1-000101.s', 1, 'subsidy', -200, 'charge',"
              " 'POS1-000101', NULL, 'POS1', 'headless', '2026-11-20T12:00:00');"
              "INSERT INTO voids(id, sale_id, terminal, actor, reason, created_at) VALUES"
              " ('POS1-000102', 'POS1-000101', 'POS1', 'boss', 'x', '2026-11-20T12:01:00');"
              "INSERT INTO ledger VALUES ('POS1-000102.1', 1, 'cash', 700, 'void',"
              " 'POS1-000101', NULL, 'POS1', 'boss', '2026-11-20T12:01:00');"
              "UPDATE wallets SET cash_fen = cash_fen + 700, subsidy_fen = subsidy_fen - 200"
              " WHERE diner_id = 1;"
              "UPDATE wallets SET cash_fen = cash_fen - 500 WHERE diner_id = 2;");
    assert_int_equal(audit_event(d, "headless", "POS1", "sale", "POS1-000101", NULL, NULL),
                     CP_OK);
    assert_int_equal(audit_event(d, "boss", "POS1", "sale.void", "POS1-000102", "POS1-000101",
                                 NULL), CP_OK);
    assert_int_equal(db_commit(d), CP_OK);
    r = fixture_verify_report(d, &n);
    assert_non_null(strstr(r, "ledger entry in another diner's wallet than its sale's: ledger "
                              "entry POS1-000101.c (charge, sale POS1-000101): diner 2, the "
                              "sale's 1"));
    assert_non_null(strstr(r, "void not matched by its refunds: sale POS1-000101 (void "
                              "POS1-000102): charged subsidy 200, cash 500 fen; put back "
                              "subsidy 0, cash 700"));
    assert_int_equal(n, 2);
    free(r);
}

/* Money made as a charge without a sale (the checks of sales sum their
 * entries by sale, and saw none), or moved the wrong way by its kind. */
static void test_verify_finds_entry_without_sale(void **state)
{
    db *d = *state;
    long n;
    char *r;

    attack(d, "INSERT INTO ledger VALUES ('MINT.c', 1, 'cash', 1000000, 'charge', NULL,"
              " NULL, NULL, 'x', '2026-11-20T12:01:00');"
              "INSERT INTO ledger VALUES ('MINT.r', 1, 'cash', 500, 'refund', NULL,"
              " NULL, NULL, 'x', '2026-11-20T12:01:00');"
              "UPDATE wallets SET cash_fen = 1000500 WHERE diner_id = 1;");
    r = fixture_verify_report(d, &n);
    assert_non_null(strstr(r, "ledger entry without its sale or of the wrong sign: ledger entry "
                              "MINT.c (charge, 1000000 fen, no sale)"));
    assert_non_null(strstr(r, "ledger entry MINT.r (refund, 500 fen, no sale)"));
    /* and the coverage: the ledger has rows in no audited event */
    assert_int_equal(n, 3);
    free(r);
}

/* A request row deleted so that the same request id charges again. */
static void test_verify_finds_deleted_request(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(tap_req(d, "POS1", "0000000001", "POS1:1", &r), CP_OK);
    fixture_drop_trigger(d, "charge_requests_no_delete", "charge_requests");
    attack(d, "DELETE FROM charge_requests WHERE request_id = 'POS1:1'");
    fixture_refuse(d, "charge_requests_no_delete", "charge_requests", "DELETE");
    fixture_at("2026-11-20T18:00:00");
    assert_int_equal(tap_req(d, "POS1", "0000000001", "POS1:1", &r), CP_OK);
    assert_int_equal(r.repeated, 0); /* charged twice for one request */
    /* the first sale's request is gone from its rows */
    assert_int_equal(problems(d), 1);
}

/* Entries cut off the end, with the rows they recorded: the chain that is
 * left is whole, but the head printed before is not in it. */
static void test_verify_head_finds_cut_end(void **state)
{
    db *d = *state;
    char head[HASH_HEX_LEN], later[HASH_HEX_LEN];
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(audit_head(d, NULL, head), CP_OK);
    assert_int_equal(strlen(head), 64);
    assert_int_equal(problems_at(d, head), 0);
    assert_int_equal(ledger_topup(d, "S002", 2000, "test", NULL), CP_OK);
    assert_int_equal(audit_head(d, NULL, later), CP_OK);
    assert_int_equal(problems_at(d, head), 0); /* an older head stays provable */
    drop_guards(d);
    attack(d, "DELETE FROM ledger WHERE diner_id = 2;"
              "UPDATE wallets SET cash_fen = 0 WHERE diner_id = 2;"
              "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit);");
    restore_guards(d);
    assert_int_equal(problems(d), 0);          /* what is left is consistent */
    assert_int_equal(problems_at(d, head), 0); /* and still holds the older head */
    assert_int_equal(problems_at(d, later), 1);
    FILE *devnull = fopen("/dev/null", "w");
    long n;
    assert_int_equal(verify_books(d, "not-a-head", devnull, &n), CP_ERR_INVALID);
    fclose(devnull);
}

/* The guards themselves: a dropped trigger is a problem. */
static void test_verify_finds_dropped_guard(void **state)
{
    db *d = *state;
    assert_int_equal(problems(d), 0);
    fixture_drop_trigger(d, "waste_no_delete", "waste_records");
    fixture_drop_trigger(d, "sale_lines_no_update", "sale_lines");
    assert_int_equal(problems(d), 2);
}

/* Each terminal's entries are a chain of their own, the office's another;
 * a seal lists every terminal chain's head, so that one head vouches for
 * the whole log: a terminal's chain cut short after a seal is found even
 * when what is left of it is consistent. */
static void test_chains_and_seal(void **state)
{
    db *d = *state;
    char seal[HASH_HEX_LEN], again[HASH_HEX_LEN], pos1[HASH_HEX_LEN];
    charge_res r;
    int64_t entries;

    for (int i = 1; i <= 3; i++) {
        char staff[8];
        snprintf(staff, sizeof staff, "S00%d", i);
        assert_int_equal(ledger_topup(d, staff, 5000, "test", NULL), CP_OK);
    }
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(tap(d, "POS2", "0000000002", &r), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT count(DISTINCT chain) FROM audit"), 3);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE chain = 'POS1'"
                                    " AND prev_hash = 'cleanplate-audit-v1:POS1'"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE chain = 'POS1'"
                                    " AND terminal = 'POS1' AND action = 'sale'"), 1);
    assert_int_equal(problems(d), 0);
    fixture_at("2026-11-20T12:10:00");
    assert_int_equal(tap(d, "POS1", "0000000003", &r), CP_OK);
    assert_int_equal(audit_head(d, "POS1", pos1), CP_OK);

    /* the seal: an entry in the office's chain naming both terminals' heads */
    entries = fixture_int(d, "SELECT count(*) FROM audit");
    assert_int_equal(audit_seal(d, "test", seal), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit"), entries + 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'audit.seal'"
                                    " AND chain = '' AND detail LIKE 'POS1 %'"), 1);
    /* nothing appended since: the same seal, no new entry */
    assert_int_equal(audit_seal(d, "test", again), CP_OK);
    assert_string_equal(again, seal);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit"), entries + 1);
    assert_int_equal(problems_at(d, seal), 0);
    assert_int_equal(problems_at(d, pos1), 0); /* a Z report's head: its terminal's chain */

    /* the attacker removes POS1's last sale whole, its entry last: POS1's
     * chain ends one entry earlier, consistent, and the books agree */
    static const struct guard cut[] = {
        {"sale_lines_no_delete", "sale_lines", "DELETE"},
        {"ledger_no_delete", "ledger", "DELETE"},
        {"charge_requests_no_delete", "charge_requests", "DELETE"},
        {"sales_no_delete", "sales", "DELETE"},
        {"audit_no_delete", "audit", "DELETE"},
    };
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++)
        fixture_drop_trigger(d, cut[i].name, cut[i].table);
    attack(d, "CREATE TABLE gone AS SELECT subject AS id FROM audit WHERE chain = 'POS1'"
              " AND action = 'sale' AND subject IN (SELECT id FROM sales WHERE card_no ="
              " '0000000003');"
              "DELETE FROM sale_lines WHERE sale_id IN (SELECT id FROM gone);"
              "DELETE FROM ledger WHERE sale_id IN (SELECT id FROM gone);"
              "DELETE FROM charge_requests WHERE sale_id IN (SELECT id FROM gone);"
              "DELETE FROM audit WHERE subject IN (SELECT id FROM gone);"
              "DELETE FROM sales WHERE id IN (SELECT id FROM gone);"
              "UPDATE wallets SET cash_fen = (SELECT coalesce(sum(amount_fen), 0) FROM ledger"
              " l WHERE l.diner_id = wallets.diner_id AND l.wallet = 'cash'), subsidy_fen ="
              " (SELECT coalesce(sum(amount_fen), 0) FROM ledger l"
              " WHERE l.diner_id = wallets.diner_id AND l.wallet = 'subsidy');"
              "DROP TABLE gone;");
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++)
        fixture_refuse(d, cut[i].name, cut[i].table, cut[i].event);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE chain = 'POS1'"), 1);
    /* the seal names POS1's head that is gone, and the diner of the sales
     * gone is still in the month's diners */
    long n;
    char *text = fixture_verify_report(d, &n);
    assert_int_equal(n, 2);
    assert_non_null(strstr(text, "diners of a month differ from the sales: "));
    assert_non_null(strstr(text, ": listed without a sale"));
    free(text);
    assert_int_equal(problems_at(d, pos1), 3); /* and so does the Z report's */
}

/* A second entry after the same one is refused by the store itself. */
static void test_chain_cannot_fork(void **state)
{
    db *d = *state;
    assert_int_equal(audit_append(d, "a", NULL, "x", "s", NULL), CP_OK);
    assert_int_not_equal(db_exec(d, "INSERT INTO audit(at, actor, action, prev_hash, hash)"
                                      " SELECT at, 'b', 'y', prev_hash, 'other' FROM audit"
                                      " ORDER BY seq DESC LIMIT 1"),
                         CP_OK);
}

/* Writers in several processes at once, each appending notes outside any
 * transaction (as a POS login did) and charging: one unbroken chain. */
static void test_chain_two_writers(void **state)
{
    db *d = *state;
    enum { WRITERS = 4, EACH = 40 };
    pid_t pids[WRITERS];

    for (int w = 0; w < WRITERS; w++) {
        if ((pids[w] = fork()) == 0) {
            db *mine = NULL;
            int bad = db_open(fixture_path(), DB_OPEN_EXISTING, &mine) != CP_OK;
            for (int i = 0; i < EACH && !bad; i++) {
                bad |= audit_append(mine, "w", NULL, "pos.login_failed", "x", NULL) != CP_OK;
                bad |= ledger_topup(mine, "S001", 1, "w", NULL) != CP_OK;
            }
            db_close(mine);
            _exit(bad);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE actor = 'w'"),
                     2 * WRITERS * EACH);
    balances(d, "S001", WRITERS * EACH, 0);
    assert_int_equal(problems(d), 0);
}

enum { AT_ONCE = 6, AT_ONCE_TAPS = 8 };

/* Terminal POS<w+1> of one_card_at_once: waits for go, taps card TAPS
 * times 10 s apart from start (no duplicate tap at one terminal), sending
 * the request ids that terminal w^1 sends too, and exits with the number
 * of charges it made (not repeated), or 100 when one was not answered. */
static void one_card_terminal(int w, db_writers mode, const char *start, int go)
{
    char term[16], reqid[32], now[32]; /* room for any int w (the ASan build checks) */
    db *mine = NULL;
    int made = 0;
    char c;

    snprintf(term, sizeof term, "POS%d", w + 1);
    if (db_open(fixture_path(), DB_OPEN_EXISTING, &mine) != CP_OK || read(go, &c, 1) != 1)
        _exit(100);
    db_set_writers(mine, mode);
    for (int i = 0; i < AT_ONCE_TAPS; i++) {
        charge_req req = {.terminal = term, .card_no = "0000000001", .request_id = reqid,
                          .actor = "test"};
        charge_res res;
        snprintf(now, sizeof now, "%s:%02d:%02d", start, i * 10 / 60, i * 10 % 60);
        fixture_at(now);
        snprintf(reqid, sizeof reqid, "R%d-%s-%d", w / 2, start, i);
        if (ledger_charge(mine, &req, &res) != CP_OK) {
            fprintf(stderr, "%s, mode %d: %s\n", term, (int)mode, cp_detail());
            _exit(100);
        }
        made += res.result == CP_OK && !res.repeated;
    }
    db_close(mine);
    _exit(made);
}

/* AT_ONCE terminals tap card 0000000001 (S001) at once from start (an
 * hour, "2026-11-20T12"); returns the charges they made. */
static int one_card_at_once(db_writers mode, const char *start)
{
    pid_t pids[AT_ONCE];
    int go[2], made = 0;

    assert_int_equal(pipe(go), 0);
    for (int w = 0; w < AT_ONCE; w++)
        if ((pids[w] = fork()) == 0)
            one_card_terminal(w, mode, start, go[0]);
    assert_int_equal(write(go[1], "gggggg", AT_ONCE), AT_ONCE);
    for (int w = 0; w < AT_ONCE; w++) {
        int status;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) < 100);
        made += WEXITSTATUS(status);
    }
    close(go[0]);
    close(go[1]);
    return made;
}

/* Six terminals charging one card at the same instant, two by two with the
 * same request ids, in each way writers meet (core/db.h): the limit stops
 * lunch at exactly 3, the money runs out at exactly 7 dinners, each
 * request is charged once and answered the same at both terminals, and
 * the chain and the books verify. */
static void test_one_card_at_once(void **state)
{
    static const db_writers modes[] = {DB_WRITERS_ONE_LOCK, DB_WRITERS_ROW_LOCKS,
                                       DB_WRITERS_SERIALIZABLE};
    static const char *const days[] = {"2026-11-20", "2026-11-23", "2026-11-24"};
    db *d = *state;
    char term[8], start[32];

    for (int w = 2; w < AT_ONCE; w++) {
        snprintf(term, sizeof term, "POS%d", w + 1);
        assert_int_equal(canteen_add_terminal(d, term, "C1", "pos", "test"), CP_OK);
    }
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        assert_int_equal(ledger_topup(d, "S001", 10 * 800, "test", NULL), CP_OK);
        assert_int_equal(canteen_set_rules(d, "staff", 3, -1, 0, "test"), CP_OK);
        snprintf(start, sizeof start, "%sT12", days[m]);
        assert_int_equal(one_card_at_once(modes[m], start), 3);
        balances(d, "S001", 7 * 800, 0);
        assert_int_equal(canteen_set_rules(d, "staff", 100, -1, 0, "test"), CP_OK);
        snprintf(start, sizeof start, "%sT17", days[m]);
        assert_int_equal(one_card_at_once(modes[m], start), 7);
        balances(d, "S001", 0, 0);
    }
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM sales"), 3 * 10);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM charge_requests"),
                     3 * 2 * AT_ONCE / 2 * AT_ONCE_TAPS);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM sales s JOIN charge_requests r"
                                    " ON r.request_id = s.request_id AND r.sale_id = s.id"),
                     3 * 10);
    assert_int_equal(problems(d), 0);
}

static void test_subsidy_grant_expire_and_leave(void **state)
{
    db *d = *state;
    int64_t fen;
    long n;
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 2000, "U1", NULL}, "test", &n), CP_OK);
    assert_int_equal(n, 4); /* the unit includes its departments */
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 2000, NULL, NULL}, "test", &n), CP_OK);
    assert_int_equal(n, 0); /* once per month */
    balances(d, "S001", 0, 2000);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-13", 2000, NULL, NULL}, "test", &n), CP_ERR_INVALID);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 100, "NOPE", NULL}, "test", &n),
                     CP_ERR_NOT_FOUND);
    /* not while November can still be spent */
    assert_int_equal(ledger_expire_subsidy(d, "2026-11", "test", &fen), CP_ERR_INVALID);
    fixture_at("2026-12-01T09:00:00");
    assert_int_equal(ledger_expire_subsidy(d, "2026-11", "test", &fen), CP_OK);
    assert_int_equal(fen, 4 * 2000);
    balances(d, "S001", 0, 0);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-12", 300, NULL, NULL}, "test", &n), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 1234, "test", NULL), CP_OK);
    assert_int_equal(ledger_refund_leaver(d, "S002", "test", &fen), CP_OK);
    assert_int_equal(fen, 1234);
    balances(d, "S002", 0, 0);
    charge_res r;
    assert_int_equal(tap(d, "POS1", "0000000002", &r), CP_ERR_CARD_BLOCKED);
    assert_int_equal(ledger_topup(d, "S002", 100, "test", NULL), CP_ERR_DINER_INACTIVE);
    assert_int_equal(problems(d), 0);
    assert_int_equal(ledger_refund_leaver(d, "S002", "test", &fen), CP_ERR_EXISTS);
    /* money that came back after the leaving, as a void of an older build
     * left it (written here as that build's entry, unaudited): leaving again
     * pays it out */
    assert_int_equal(db_begin(d), CP_OK);
    assert_int_equal(ledger_post(d, "old-void.1", fixture_int(d, "SELECT id FROM diners"
                                                                 " WHERE staff_no = 'S002'"),
                                 "cash", 800, "topup", NULL, NULL, NULL, "test",
                                 "2026-12-01T09:30:00"), CP_OK);
    assert_int_equal(db_commit(d), CP_OK);
    assert_int_equal(ledger_refund_leaver(d, "S002", "test", &fen), CP_OK);
    assert_int_equal(fen, 800);
    balances(d, "S002", 0, 0);
    assert_int_equal(ledger_refund_leaver(d, "S002", "test", &fen), CP_ERR_EXISTS);
    /* and owing after the leaving (an offline meal posted late, written here
     * as such an entry): a top-up settles the debt, no more */
    assert_int_equal(db_begin(d), CP_OK);
    assert_int_equal(ledger_post(d, "late-meal.c", fixture_int(d, "SELECT id FROM diners"
                                                                  " WHERE staff_no = 'S002'"),
                                 "cash", -800, "topup", NULL, NULL, NULL, "test",
                                 "2026-12-01T12:00:00"), CP_OK);
    assert_int_equal(db_commit(d), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 1000, "test", NULL), CP_ERR_DINER_INACTIVE);
    assert_non_null(strstr(cp_detail(), "only settles what they owe, 8.00 yuan"));
    assert_int_equal(ledger_topup(d, "S002", 800, "test", NULL), CP_OK);
    balances(d, "S002", 0, 0);
    assert_int_equal(ledger_topup(d, "S002", 100, "test", NULL), CP_ERR_DINER_INACTIVE);
}

/* Subsidy is spent oldest grant first and expired per grant month:
 * November's command takes only what is left of November's grant. */
static void test_subsidy_expires_by_month(void **state)
{
    db *d = *state;
    charge_res r;
    int64_t fen;
    long n;

    fixture_at("2026-11-28T12:00:00");
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 1000, NULL, NULL},
                                          "test", &n), CP_OK);
    /* December's grant made early, before November ends */
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-12", 3000, NULL, NULL},
                                          "test", &n), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK); /* 8.00 from November's */
    balances(d, "S001", 0, 3200);
    fixture_at("2026-12-01T09:00:00");
    assert_int_equal(ledger_expire_subsidy(d, "2026-11", "test", &fen), CP_OK);
    /* S001 had 2.00 of November left, the three others 10.00 each */
    assert_int_equal(fen, 200 + 3 * 1000);
    balances(d, "S001", 0, 3000);
    /* again: nothing left of November */
    assert_int_equal(ledger_expire_subsidy(d, "2026-11", "test", &fen), CP_OK);
    assert_int_equal(fen, 0);
    /* December is still running */
    assert_int_equal(ledger_expire_subsidy(d, "2026-12", "test", &fen), CP_ERR_INVALID);
    balances(d, "S001", 0, 3000);
    /* spending into December's grant, then a void: the refund is unspent */
    fixture_at("2026-12-02T12:00:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    balances(d, "S001", 0, 2200);
    fixture_at("2027-01-01T09:00:00");
    assert_int_equal(ledger_expire_subsidy(d, "2026-12", "test", &fen), CP_OK);
    assert_int_equal(fen, 2200 + 3 * 3000);
    balances(d, "S001", 0, 0);
    assert_int_equal(problems(d), 0);
}

/* A meal paid partly with last month's subsidy, voided after last month
 * expired: the refund brought that subsidy back, and the expiry of the
 * month after left it in the wallet for good; now it is taken with it. */
static void test_void_after_expiry_expires_with_next_month(void **state)
{
    db *d = *state;
    char sale[IDS_LEN];
    charge_res r;
    int64_t fen;
    long n;

    fixture_at("2026-10-30T12:00:00");
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-10", 1200, NULL, NULL},
                                          "test", &n), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK); /* 8.00: 4.00 of October left */
    fixture_at("2026-11-02T12:00:00");
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 10000, NULL, NULL},
                                          "test", &n), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK); /* 4.00 of October, 4.00 of November */
    snprintf(sale, sizeof sale, "%s", r.sale_id);
    balances(d, "S001", 0, 9600);
    fixture_at("2026-11-03T09:00:00");
    assert_int_equal(ledger_expire_subsidy(d, "2026-10", "test", &fen), CP_OK);
    balances(d, "S001", 0, 9600); /* nothing of October was left */
    assert_int_equal(ledger_void(d, sale, "boss", NULL, "wrong tray", NULL), CP_OK);
    balances(d, "S001", 0, 10400); /* 4.00 of October came back */
    fixture_at("2026-12-01T09:00:00");
    assert_int_equal(ledger_expire_subsidy(d, "2026-11", "test", &fen), CP_OK);
    balances(d, "S001", 0, 0);
    assert_int_equal(problems(d), 0);
}

static void test_subsidy_by_category(void **state)
{
    db *d = *state;
    long n;
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 500, NULL, "guest"},
                                          "test", &n), CP_OK);
    assert_int_equal(n, 1);
    balances(d, "S003", 0, 500);
    balances(d, "S001", 0, 0);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 800, "D01", "staff"},
                                          "test", &n), CP_OK);
    assert_int_equal(n, 2);
    balances(d, "S001", 0, 800);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 800, NULL, "Staff!"},
                                          "test", &n), CP_ERR_INVALID);
    assert_int_equal(problems(d), 0);
}

static void test_topup_reverse(void **state)
{
    db *d = *state;
    char entry[IDS_LEN], staff[64];
    charge_res r;
    int64_t fen;

    assert_int_equal(ledger_topup(d, "S001", 10000, "test", entry), CP_OK);
    assert_int_equal(ledger_topup_reverse(d, entry, "", "test", staff, &fen), CP_ERR_INVALID);
    assert_int_equal(ledger_topup_reverse(d, entry, "typed 100 for 10", "test", staff, &fen),
                     CP_OK);
    assert_string_equal(staff, "S001");
    assert_int_equal(fen, 10000);
    balances(d, "S001", 0, 0);
    assert_int_equal(ledger_topup_reverse(d, entry, "again", "test", staff, &fen),
                     CP_ERR_EXISTS);
    assert_int_equal(ledger_topup_reverse(d, "nope", "x", "test", staff, &fen),
                     CP_ERR_NOT_FOUND);
    /* spent already: refused, nothing changes */
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", entry), CP_OK);
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(ledger_topup_reverse(d, entry, "x", "test", staff, &fen),
                     CP_ERR_INSUFFICIENT_FUNDS);
    balances(d, "S001", 200, 0);
    /* only top-ups */
    assert_int_equal(ledger_topup_reverse(d, "POS1-000001.c", "x", "test", staff, &fen),
                     CP_ERR_INVALID);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action ="
                                    " 'wallet.topup_reverse' AND detail LIKE '%typed 100%'"), 1);
    assert_int_equal(problems(d), 0);
}

/* Setting one rule leaves the others as they were. */
static void test_rules_change_only_what_is_given(void **state)
{
    db *d = *state;
    int meals;
    int64_t cap, overdraft;
    assert_int_equal(canteen_set_rules(d, "guest", 2, 3000, CANTEEN_RULE_KEEP, "test"), CP_OK);
    assert_int_equal(canteen_set_rules(d, "guest", CANTEEN_RULE_KEEP, CANTEEN_RULE_KEEP, 2000,
                                       "test"), CP_OK);
    assert_int_equal(canteen_get_rules(d, "guest", &meals, &cap, &overdraft), CP_OK);
    assert_int_equal(meals, 2);
    assert_int_equal(cap, 3000);
    assert_int_equal(overdraft, 2000);
    assert_int_equal(canteen_set_rules(d, "guest", CANTEEN_RULE_KEEP, -1, CANTEEN_RULE_KEEP,
                                       "test"), CP_OK);
    assert_int_equal(canteen_get_rules(d, "guest", &meals, &cap, &overdraft), CP_OK);
    assert_int_equal(meals, 2);
    assert_int_equal(cap, -1);
    /* a new category starts from the defaults */
    assert_int_equal(canteen_set_rules(d, "intern", CANTEEN_RULE_KEEP, CANTEEN_RULE_KEEP, 500,
                                       "test"), CP_OK);
    assert_int_equal(canteen_get_rules(d, "intern", &meals, &cap, &overdraft), CP_OK);
    assert_int_equal(meals, 1);
    assert_int_equal(cap, -1);
    assert_int_equal(overdraft, 500);
}

static void test_items(void **state)
{
    db *d = *state;
    charge_res r;
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(canteen_set_item(d, "C1", "BUN", "包子", 150, "piece", "test"), CP_OK);
    assert_int_equal(canteen_set_item(d, "C1", "VEG", "称重素菜", 250, "100g", "test"), CP_OK);
    charge_line lines[] = {{"BUN", 3}, {"VEG", 333}};
    charge_req req = {.terminal = "POS1", .card_no = "0000000001", .actor = "test",
                      .lines = lines, .nlines = 2};
    fixture_at("2026-11-20T15:00:00"); /* items sell outside meal periods too */
    assert_int_equal(ledger_charge(d, &req, &r), CP_OK);
    assert_int_equal(r.result, CP_OK);
    /* 3 x 1.50 + 333 g at 2.50 per 100 g = 4.50 + 8.325 -> 8.33 */
    assert_int_equal(r.charged_fen, 450 + 833);
    charge_line bad[] = {{"NOPE", 1}};
    req.lines = bad;
    req.nlines = 1;
    fixture_at("2026-11-20T15:00:10");
    assert_int_equal(ledger_charge(d, &req, &r), CP_ERR_NOT_FOUND);
    assert_int_equal(problems(d), 0);
}

/* A sale's audit entry is hashed from its rows as they are written
 * (core/ledger.c, hash_sale), with no round trip to read them back: verify,
 * which reads them back, must find the same content for every shape of
 * sale (subsidy and cash, cash alone, subsidy alone; lines; no period; a
 * request id or none; names with quotes and characters outside the BMP). */
static void test_sale_hashed_as_written(void **state)
{
    db *d = *state;
    charge_res r;
    long n;
    charge_line lines[] = {{"BUN", 2}, {"SOUP", 1}};
    charge_req items = {.terminal = "POS2", .card_no = "0000000002", .request_id = "POS2/items",
                        .actor = "test", .lines = lines, .nlines = 2};

    assert_int_equal(ledger_topup(d, "S001", 2000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 500, NULL, NULL}, "test",
                                          &n), CP_OK);
    assert_int_equal(tap_req(d, "POS1", "0000000001", "POS1/split", &r), CP_OK);
    assert_int_equal(r.subsidy_fen, 500);
    assert_int_equal(r.cash_fen, 300);
    assert_int_equal(canteen_set_item(d, "C1", "BUN", "包子", 150, "piece", "test"), CP_OK);
    assert_int_equal(canteen_set_item(d, "C1", "SOUP", "例汤 'x' \"y\" 😀", 99, "piece", "test"),
                     CP_OK);
    fixture_at("2026-11-20T15:00:00"); /* no meal period: the sale's period is NULL */
    assert_int_equal(ledger_charge(d, &items, &r), CP_OK);
    assert_int_equal(r.result, CP_OK);
    assert_int_equal(r.subsidy_fen, 399);
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(r.cash_fen, 800);
    assert_int_equal(r.subsidy_fen, 0);
    assert_int_equal(problems(d), 0);
}

static void test_audit_chain(void **state)
{
    db *d = *state;
    long n;
    long bad = 0;
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(audit_append(d, "a", NULL, "x", "s", NULL), CP_OK);
    assert_int_equal(audit_verify(d, NULL, NULL, NULL, devnull, &bad, &n), CP_OK);
    fclose(devnull);
    assert_int_equal(bad, 0);
    assert_true(n > 10); /* the fixture's setup is audited too */
}

/* Posts an offline charge of card tapped at `at` (request id reqid) on POS1. */
/* An offline charge of the terminal reqid names ("POS2/1": POS2). */
/* An offline charge of a terminal that decided from its snapshot (the
 * event's snapshot_version, 0: not said), the server's window from `from`;
 * the terminal is the request id's. */
static cp_err seen_tap(db *d, const char *card, const char *at, const char *reqid,
                       int64_t version, const char *from, charge_res *res)
{
    char terminal[16];
    charge_req req = {.terminal = terminal, .card_no = card, .request_id = reqid,
                      .actor = "test", .offline = true, .at = at,
                      .snapshot_version = version, .snapshot_from = from};

    snprintf(terminal, sizeof terminal, "%.*s", (int)strcspn(reqid, "/"), reqid);
    assert_int_equal(ledger_charge(d, &req, res), CP_OK);
    return res->result;
}

static cp_err offline_tap(db *d, const char *card, const char *at, const char *reqid,
                          charge_res *res)
{
    return seen_tap(d, card, at, reqid, 0, NULL, res);
}

/* An offline meal of October posted in November takes October's subsidy
 * (and older) only, never November's: it was paid from November's grant,
 * and October's books and November's then did not tie out. */
static void test_late_meal_takes_its_month_subsidy(void **state)
{
    db *d = *state;
    charge_res r;
    int64_t fen;
    long n;

    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    fixture_at("2026-10-30T09:00:00");
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-10", 300, NULL, NULL},
                                          "test", &n), CP_OK);
    fixture_at("2026-11-02T09:00:00");
    assert_int_equal(ledger_grant_subsidy(d, &(ledger_grant){"2026-11", 10000, NULL, NULL},
                                          "test", &n), CP_OK);
    /* before October's expiry: its 3.00, then cash */
    assert_int_equal(offline_tap(d, "0000000001", "2026-10-30T12:00:00", "POS1/1", &r), CP_OK);
    assert_int_equal(r.subsidy_fen, 300);
    assert_int_equal(r.cash_fen, 500);
    balances(d, "S001", 4500, 10000);
    /* after it (nothing of October left): cash alone */
    assert_int_equal(ledger_expire_subsidy(d, "2026-10", "test", &fen), CP_OK);
    assert_int_equal(offline_tap(d, "0000000001", "2026-10-31T12:00:00", "POS1/2", &r), CP_OK);
    assert_int_equal(r.subsidy_fen, 0);
    assert_int_equal(r.cash_fen, 800);
    balances(d, "S001", 3700, 10000);
    /* a meal of this month takes this month's */
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-02T12:00:00", "POS1/3", &r), CP_OK);
    assert_int_equal(r.subsidy_fen, 800);
    assert_int_equal(problems(d), 0);
}

/* An offline meal is charged the price in effect when its card was tapped,
 * which its terminal charged and printed, not one set while the terminal
 * was cut off; a meal online, and an offline one tapped after the change,
 * the new one. It was charged the price of the day it reached the store. */
static void test_offline_priced_as_at_tap(void **state)
{
    db *d = *state;
    charge_res r;

    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    fixture_at("2026-11-20T12:30:00");
    assert_int_equal(canteen_set_price(d, "C1", "lunch", "staff", 1000, "test"), CP_OK);
    fixture_at("2026-11-20T12:45:00");
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:04:10", "POS1/1", &r), CP_OK);
    assert_int_equal(r.charged_fen, 800);
    assert_int_equal(offline_tap(d, "0000000002", "2026-11-20T12:31:00", "POS1/2", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1000);
    /* online: the price now */
    assert_int_equal(ledger_topup(d, "S003", 5000, "test", NULL), CP_OK);
    assert_int_equal(canteen_set_price(d, "C1", "lunch", "guest", 1200, "test"), CP_OK);
    assert_int_equal(tap(d, "POS2", "0000000003", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1200);
    balances(d, "S001", 4200, 0);
    balances(d, "S002", 4000, 0);
    assert_int_equal(problems(d), 0);
}

/* A price lowered while a terminal was cut off: the meal it served before
 * is charged the old price, and one lunch (the offline allowance) is the
 * lunch's price then too, so it is not refused as beyond the allowance. */
static void test_offline_price_lowered_after_tap(void **state)
{
    db *d = *state;
    charge_res r;

    assert_int_equal(ledger_topup(d, "S003", 5000, "test", NULL), CP_OK);
    fixture_at("2026-11-20T12:30:00");
    assert_int_equal(canteen_set_price(d, "C1", "lunch", "guest", 1200, "test"), CP_OK);
    fixture_at("2026-11-20T13:00:00");
    assert_int_equal(offline_tap(d, "0000000003", "2026-11-20T12:04:00", "POS1/1", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1500);
    balances(d, "S003", 3500, 0);
    /* a canteen whose midday period is not named lunch: one lunch is its
     * dearest price, then as now */
    fixture_at("2026-11-20T09:00:00");
    assert_int_equal(canteen_add(d, "C2", "二食堂", "test"), CP_OK);
    assert_int_equal(canteen_add_terminal(d, "POS9", "C2", "pos", "test"), CP_OK);
    assert_int_equal(canteen_set_period(d, "C2", "midday", "11:00-13:30", "test"), CP_OK);
    assert_int_equal(canteen_set_price(d, "C2", "midday", "staff", 1000, "test"), CP_OK);
    fixture_at("2026-11-20T12:30:00");
    assert_int_equal(canteen_set_price(d, "C2", "midday", "staff", 800, "test"), CP_OK);
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    fixture_at("2026-11-20T13:00:00");
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:04:00", "POS9/1", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1000);
    assert_int_equal(problems(d), 0);
}

/* A price set while a terminal was cut off, before the tap: the meal is
 * charged the price its snapshot held, the one the terminal showed and
 * printed (review P2: it was charged the price in effect at the tap, and
 * the receipt said another). A lowered one does not make the allowance
 * refuse it; a snapshot older than the server's window, or one the store
 * never reached, gets the price at the tap. */
static void test_offline_priced_as_its_snapshot(void **state)
{
    db *d = *state;
    charge_res r;
    int64_t v;

    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S003", 5000, "test", NULL), CP_OK);
    fixture_at("2026-11-20T12:10:00");
    v = fixture_int(d, "SELECT max(seq) FROM audit"); /* the snapshot the terminal took */
    fixture_at("2026-11-20T12:20:00");
    assert_int_equal(canteen_set_price(d, "C1", "lunch", "staff", 1000, "test"), CP_OK);
    assert_int_equal(canteen_set_price(d, "C1", "lunch", "guest", 1200, "test"), CP_OK);
    fixture_at("2026-11-20T12:45:00");
    assert_int_equal(seen_tap(d, "0000000001", "2026-11-20T12:25:10", "POS1/1", v,
                              "2026-11-13T12:25:10", &r), CP_OK);
    assert_int_equal(r.charged_fen, 800);
    /* lowered: the old price, within one lunch as the snapshot had it */
    assert_int_equal(seen_tap(d, "0000000003", "2026-11-20T12:25:20", "POS1/2", v,
                              "2026-11-13T12:25:20", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1500);
    /* a snapshot taken after the change */
    assert_int_equal(seen_tap(d, "0000000002", "2026-11-20T12:26:00", "POS1/3",
                              fixture_int(d, "SELECT max(seq) FROM audit") + 1,
                              "2026-11-13T12:26:00", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1000);
    /* the change came before the window: the price at the tap */
    fixture_at("2026-11-21T12:45:00");
    assert_int_equal(seen_tap(d, "0000000001", "2026-11-21T12:04:10", "POS1/4", v,
                              "2026-11-20T12:30:00", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1000);
    /* a version the store never reached: the price at the tap */
    assert_int_equal(seen_tap(d, "0000000002", "2026-11-21T12:05:00", "POS1/5", 1000000,
                              "2026-11-14T12:05:00", &r), CP_OK);
    assert_int_equal(r.charged_fen, 1000);
    balances(d, "S001", 3200, 0);
    balances(d, "S003", 3500, 0);
    assert_int_equal(problems(d), 0);
}

static int64_t card_is(db *d, const char *card, const char *status)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cards WHERE card_no = '%s' AND status = '%s'",
             card, status);
    return fixture_int(d, sql);
}

/* A charge a terminal served offline is posted at the server later, on the
 * day and in the period of its tap, whatever the wallet now holds; below
 * its limit the sale is flagged and the card blocked. */
static void test_offline_posts_over_limit(void **state)
{
    db *d = *state;
    charge_res r;

    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    fixture_at("2026-11-21T09:00:00"); /* the next morning: no period open now */
    /* within the limit: posted, not flagged, the card stays active */
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:04:10", "POS1/1", &r), CP_OK);
    assert_true(r.offline);
    assert_false(r.over_limit);
    assert_int_equal(r.cash_fen, 800);
    assert_int_equal(card_is(d, "0000000001", "active"), 1);
    /* a second lunch at another terminal cut off too (past the meal limit) and
     * no money for it: posted all the same */
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:05:00", "POS2/1", &r), CP_OK);
    assert_true(r.offline);
    assert_true(r.over_limit);
    assert_int_equal(r.cash_left_fen, -600);
    assert_int_equal(r.meals_today, 2);
    balances(d, "S001", -600, 0);
    assert_int_equal(card_is(d, "0000000001", "blocked_offline"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM sales WHERE offline = 1"
                                    " AND business_date = '2026-11-20'"
                                    " AND created_at = '2026-11-20T12:05:00' AND over_limit = 1"),
                     1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit"
                                    " WHERE action = 'card.block_offline'"), 1);
    /* the books hold: the wallet is below its limit, and its card blocked for it */
    assert_int_equal(problems(d), 0);
    /* online, the card is refused until a top-up */
    fixture_at("2026-11-21T12:00:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_ERR_CARD_BLOCKED);
    assert_non_null(strstr(r.message, "is stopped: a meal served offline took the wallet below its "
                                      "limit; give the card back"));
}

/* Only an unknown card, no period at the tap or no price refuse an offline charge. */
static void test_offline_refusals(void **state)
{
    db *d = *state;
    charge_res r;

    assert_int_equal(diners_card_block(d, "0000000002", "test"), CP_OK);
    assert_int_equal(offline_tap(d, "0000000002", "2026-11-20T12:00:00", "POS1/1", &r), CP_OK);
    assert_true(r.over_limit); /* a lost card served from an old block list */
    assert_int_equal(card_is(d, "0000000002", "lost"), 1); /* stays lost */
    assert_int_equal(offline_tap(d, "0000009999", "2026-11-20T12:00:00", "POS1/2", &r),
                     CP_ERR_UNKNOWN_CARD);
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T15:00:00", "POS1/3", &r),
                     CP_ERR_NO_MEAL_PERIOD);
    assert_non_null(strstr(r.message, "15:00"));
    assert_int_equal(offline_tap(d, "0000000004", "2026-11-20T12:00:00", "POS1/4", &r),
                     CP_ERR_NO_PRICE);
    assert_int_equal(sales(d), 1);
    /* a tap time that is not one is an error, nothing is answered */
    charge_req req = {.terminal = "POS1", .card_no = "0000000001", .actor = "test",
                      .offline = true, .at = "yesterday"};
    assert_int_equal(ledger_charge(d, &req, &r), CP_ERR_INVALID);
    assert_int_equal(problems(d), 0);
}

/* A top-up lifts the block only once the wallet is back within its limit,
 * and only a block for an offline charge. */
static void test_offline_unblock_on_topup(void **state)
{
    db *d = *state;
    charge_res r;

    assert_int_equal(canteen_set_rules(d, "staff", 1, -1, 200, "test"), CP_OK);
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:00:00", "POS1/1", &r), CP_OK);
    assert_true(r.over_limit); /* -8.00 with 2.00 of overdraft */
    assert_int_equal(ledger_topup(d, "S001", 500, "test", NULL), CP_OK); /* -3.00 */
    assert_int_equal(card_is(d, "0000000001", "blocked_offline"), 1);
    assert_int_equal(problems(d), 0);
    /* a new card is no way around it: it takes the block */
    assert_int_equal(diners_card_replace(d, "S001", "0000000011", "test"), CP_OK);
    assert_int_equal(card_is(d, "0000000011", "blocked_offline"), 1);
    assert_int_equal(problems(d), 0);
    assert_int_equal(ledger_topup(d, "S001", 100, "test", NULL), CP_OK); /* -2.00: within */
    assert_int_equal(card_is(d, "0000000011", "active"), 1);
    assert_int_equal(card_is(d, "0000000001", "retired"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit"
                                    " WHERE action = 'card.unblock_offline'"), 1);
    /* a lost card is not lifted by a top-up */
    assert_int_equal(diners_card_block(d, "0000000002", "test"), CP_OK);
    ledger_topup_item items[] = {{"S002", 1000, ""}, {"S001", 100, ""}};
    assert_int_equal(ledger_topup_batch(d, items, 2, "test", NULL), CP_OK);
    assert_int_equal(card_is(d, "0000000002", "lost"), 1);
    assert_int_equal(problems(d), 0);
    /* in a batch too */
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(canteen_set_offline_cap(d, "staff", 2000, "test"), CP_OK);
    assert_int_equal(offline_tap(d, "0000000011", "2026-11-20T17:10:00", "POS1/2", &r), CP_OK);
    assert_int_equal(offline_tap(d, "0000000011", "2026-11-20T17:11:00", "POS2/1", &r), CP_OK);
    assert_true(r.over_limit);
    assert_int_equal(card_is(d, "0000000011", "blocked_offline"), 1);
    items[0].fen = 100;
    items[1].fen = 2000;
    assert_int_equal(ledger_topup_batch(d, items, 2, "test", NULL), CP_OK);
    assert_int_equal(card_is(d, "0000000011", "active"), 1);
    assert_int_equal(problems(d), 0);
}

/* A batch of top-ups names the item at fault when one is (a staff number
 * nobody has), and none when the store is (it takes no writes, a full disk):
 * an import then blamed its file's line for the store. */
static void test_topup_batch_blames(void **state)
{
    db *d = *state;
    ledger_topup_item items[] = {{"S001", 100, ""}, {"S999", 100, ""}};
    size_t bad = 0;

    assert_int_equal(ledger_topup_batch(d, items, 2, "test", &bad), CP_ERR_NOT_FOUND);
    assert_int_equal(bad, 1);
    items[1].staff_no = "S002";
    assert_int_equal(db_exec(d, db_dialect_of(d) == DB_DIALECT_PG
                                    ? "SET default_transaction_read_only = on"
                                    : "PRAGMA query_only = 1"), CP_OK);
    assert_true(cp_err_is_system(ledger_topup_batch(d, items, 2, "test", &bad)));
    assert_int_equal(bad, 2);
    assert_int_equal(db_exec(d, db_dialect_of(d) == DB_DIALECT_PG
                                    ? "SET default_transaction_read_only = off"
                                    : "PRAGMA query_only = 0"), CP_OK);
    assert_int_equal(ledger_topup_batch(d, items, 2, "test", &bad), CP_OK);
}

/* A terminal that posts more than it could have served deciding alone (a
 * second lunch of one card, more than the allowance offline in a day, at
 * that terminal) is refused: a stolen key or a broken terminal, not a cut
 * link. Nothing is charged; two terminals cut off together still may. */
static void test_offline_beyond_one_terminal(void **state)
{
    db *d = *state;
    charge_res r;

    assert_int_equal(ledger_topup(d, "S001", 10000, "test", NULL), CP_OK);
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:00:00", "POS1/1", &r), CP_OK);
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:05:00", "POS1/2", &r),
                     CP_ERR_LIMIT_REACHED);
    assert_non_null(strstr(r.message, "beyond what one terminal may serve alone (1 meals"));
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:06:00", "POS2/1", &r), CP_OK);
    /* dinner: the allowance (one lunch, 8.00) is spent offline at POS1 today */
    fixture_at("2026-11-20T17:30:00");
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T17:10:00", "POS1/3", &r),
                     CP_ERR_LIMIT_REACHED);
    assert_non_null(strstr(r.message, "8.00 yuan offline today at this terminal"));
    balances(d, "S001", 10000 - 1600, 0);
    /* an online lunch counts too: the terminal knew of it (pos/offline.c) */
    assert_int_equal(canteen_set_offline_cap(d, "staff", 5000, "test"), CP_OK);
    fixture_at("2026-11-21T12:00:00");
    assert_int_equal(tap(d, "POS1", "0000000001", &r), CP_OK);
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-21T12:10:00", "POS1/4", &r),
                     CP_ERR_LIMIT_REACHED);
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-21T17:10:00", "POS1/5", &r), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM sales"), 4);
    assert_int_equal(problems(d), 0);
}

/* The same offline event sent again (an answer lost, a replay) returns the
 * first answer and posts nothing. */
static void test_offline_request_repeats(void **state)
{
    db *d = *state;
    charge_res r1, r2;

    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:00:00", "POS1/7", &r1), CP_OK);
    fixture_at("2026-11-20T12:30:00");
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:00:00", "POS1/7", &r2), CP_OK);
    assert_int_equal(r2.repeated, 1);
    assert_string_equal(r2.sale_id, r1.sale_id);
    assert_true(r2.offline);
    assert_true(r2.over_limit);
    assert_int_equal(r2.charged_fen, 800);
    assert_int_equal(r2.cash_left_fen, -800);
    assert_int_equal(sales(d), 1);
    balances(d, "S001", -800, 0);
    assert_int_equal(problems(d), 0);
}

/* The flags of an offline sale are in its audited content: changing them
 * behind the guards is found. */
static void test_offline_flags_audited(void **state)
{
    db *d = *state;
    charge_res r;

    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(offline_tap(d, "0000000001", "2026-11-20T12:00:00", "POS1/1", &r), CP_OK);
    assert_int_equal(problems(d), 0);
    drop_guards(d);
    attack(d, "UPDATE sales SET offline = 0");
    restore_guards(d);
    assert_int_equal(problems(d), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_unknown_card),        T(test_blocked_card),
        T(test_diner_inactive),      T(test_no_meal_period),
        T(test_no_price),            T(test_price_by_category),
        T(test_meal_limit), T(test_meal_limit_across_canteens), T(test_refusal_takes_no_number),          T(test_daily_cap),
        T(test_subsidy_first),       T(test_insufficient_changes_nothing),
        T(test_overdraft),           T(test_duplicate_tap),
        T(test_request_id_repeats_answer), T(test_long_names_in_answers),
        T(test_void),
        T(test_append_only),         T(test_verify_finds_tampering),
        T(test_verify_finds_consistent_edit), T(test_verify_reads_in_pages),
        T(test_verify_finds_fake_void), T(test_verify_finds_money_moved_between_wallets),
        T(test_verify_finds_deleted_request), T(test_verify_head_finds_cut_end),
        T(test_verify_finds_dropped_guard), T(test_chains_and_seal), T(test_chain_cannot_fork),
        T(test_chain_two_writers),   T(test_one_card_at_once),
        T(test_subsidy_expires_by_month), T(test_void_after_expiry_expires_with_next_month),
        T(test_subsidy_by_category), T(test_topup_reverse),
        T(test_rules_change_only_what_is_given),
        T(test_subsidy_grant_expire_and_leave), T(test_items), T(test_sale_hashed_as_written),
        T(test_audit_chain),         T(test_offline_posts_over_limit),
        T(test_offline_refusals),    T(test_offline_unblock_on_topup),
        T(test_offline_request_repeats), T(test_offline_flags_audited),
        T(test_offline_beyond_one_terminal),
        T(test_topup_batch_blames), T(test_verify_finds_entry_without_sale),
        T(test_late_meal_takes_its_month_subsidy),
        T(test_offline_priced_as_at_tap), T(test_offline_price_lowered_after_tap),
        T(test_offline_priced_as_its_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
