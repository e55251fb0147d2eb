/* Unit tests for core/waste: anonymous trays, flags, linked sales, departments at the time, placements, rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/csvread.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "core/verify.h"
#include "core/waste.h"
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

/* A tray weighed at W1: card may be NULL (anonymous), placement may be NULL. */
static waste_res tray(db *d, const char *card, const char *placement, int64_t gross,
                      int64_t tare)
{
    waste_req req = {.terminal = "W1", .placement = placement, .stage = "plate",
                     .card_no = card, .gross_g = gross, .tare_g = tare, .actor = "station",
                     .clean_plate_g = -1};
    waste_res res;
    assert_int_equal(waste_record(d, &req, &res), CP_OK);
    return res;
}

/* Charges a lunch to card at POS1 (the diner is given 8.00 first); returns the sale id. */
static void lunch(db *d, const char *staff, const char *card, char sale_id[IDS_LEN])
{
    charge_req req = {.terminal = "POS1", .card_no = card, .actor = "test"};
    charge_res res;
    assert_int_equal(ledger_topup(d, staff, 800, "test", NULL), CP_OK);
    assert_int_equal(ledger_charge(d, &req, &res), CP_OK);
    assert_int_equal(res.result, CP_OK);
    snprintf(sale_id, IDS_LEN, "%s", res.sale_id);
}

static void test_anonymous(void **state)
{
    db *d = *state;
    waste_res r = tray(d, NULL, "p1", 350, 0);

    /* 350 g on the scale, nobody tapped: the canteen's tray, flagged anonymous */
    assert_string_equal(r.id, "W1-000001");
    assert_string_equal(r.stage, "plate");
    assert_int_equal(r.net_g, 350);
    assert_int_equal(r.flags, WASTE_FLAG_ANONYMOUS);
    assert_string_equal(r.name, "");
    assert_string_equal(r.department, "");
    assert_string_equal(r.canteen, "C1");
    assert_string_equal(r.period, "lunch");
    assert_string_equal(r.business_date, "2026-11-20");
    assert_false(r.clean_plate);
    /* the canteen's rate: 0 clean of 1 tray */
    assert_int_equal(r.rate_of_department, 0);
    assert_int_equal(r.rate_trays, 1);
    assert_int_equal(r.rate_clean, 0);
    assert_int_equal(r.rate_pct, 0);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM waste_records WHERE diner_id IS NULL"
                                    " AND department_id IS NULL AND card_no IS NULL"), 1);
}

static void test_negative_and_no_meal(void **state)
{
    db *d = *state;
    /* tray 280 g against a tare of 300 g: net -20, still recorded; S001 has not
     * eaten this lunch, so the tray matches no meal */
    waste_res r = tray(d, "0000000001", "p1", 280, 300);

    assert_int_equal(r.gross_g, 280);
    assert_int_equal(r.tare_g, 300);
    assert_int_equal(r.net_g, -20);
    assert_int_equal(r.flags, WASTE_FLAG_NEGATIVE | WASTE_FLAG_NO_MEAL);
    /* no 光盘 ✓ for a tray that weighed less than its tare (review U6) */
    assert_false(r.clean_plate);
    assert_string_equal(r.name, "张伟");
    assert_string_equal(r.staff_no, "S001");
    assert_string_equal(r.department_code, "D01");
    assert_string_equal(r.department, "办公室");
    assert_string_equal(r.sale_id, "");
    assert_int_equal(fixture_int(d, "SELECT net_g FROM waste_records"), -20);
    {
        char text[64];
        waste_flags_text(r.flags, text, sizeof text);
        assert_string_equal(text, "negative,no_meal");
        waste_flags_text(0, text, sizeof text);
        assert_string_equal(text, "");
        waste_flags_text(WASTE_FLAG_OVERLOAD | WASTE_FLAG_MANUAL | WASTE_FLAG_ANONYMOUS, text,
                         sizeof text);
        assert_string_equal(text, "overload,manual,anonymous");
    }
}

static void test_linked_sale(void **state)
{
    db *d = *state;
    char sale[IDS_LEN], other[IDS_LEN];
    waste_res r;

    lunch(d, "S001", "0000000001", sale);
    lunch(d, "S002", "0000000002", other);
    /* 5 g left on S001's tray: linked to S001's lunch, clean plate */
    r = tray(d, "0000000001", "p1", 5, 0);
    assert_string_equal(r.sale_id, sale);
    assert_int_equal(r.flags, 0);
    assert_true(r.clean_plate);
    assert_int_equal(r.rate_of_department, 1);
    assert_int_equal(r.rate_trays, 1);
    assert_int_equal(r.rate_pct, 100);

    /* after lunch closed (13:30) a late tray still belongs to lunch */
    fixture_at("2026-11-20T13:40:00");
    r = tray(d, "0000000002", "p2", 120, 0);
    assert_string_equal(r.sale_id, other);
    assert_string_equal(r.period, "lunch");
    assert_int_equal(r.flags, 0);

    /* a voided sale is no meal */
    fixture_at("2026-11-20T13:45:00");
    assert_int_equal(ledger_void(d, other, "boss", NULL, "test", NULL), CP_OK);
    r = tray(d, "0000000002", "p3", 100, 0);
    assert_string_equal(r.sale_id, "");
    assert_int_equal(r.flags, WASTE_FLAG_NO_MEAL);

    /* before any meal period of the day: no period, no meal */
    fixture_at("2026-11-21T09:00:00");
    r = tray(d, "0000000001", "p4", 100, 0);
    assert_string_equal(r.period, "");
    assert_int_equal(r.flags, WASTE_FLAG_NO_MEAL);
}

static void test_department_at_the_time(void **state)
{
    db *d = *state;
    static const char moved[] =
        "staff_no,name,department_code,category,card\nS001,张伟,D02,staff,0000000001\n";
    csv_table *t = NULL;
    import_counts n;
    char sale[IDS_LEN];
    waste_res r;

    lunch(d, "S001", "0000000001", sale); /* a tray without a meal would be left out */
    r = tray(d, "0000000001", "p1", 200, 0);
    assert_string_equal(r.department_code, "D01");
    /* S001 moves to D02: the old record stays with D01, the new one goes to D02 */
    assert_int_equal(csvread_buffer("moved.csv", moved, strlen(moved), &t), CP_OK);
    assert_int_equal(diners_import(d, t, "moved.csv", "test", &n), CP_OK);
    csvread_free(t);
    /* a tray of the lunch eaten in D01 counts where its meal counts, also
     * when it comes after the move (typed in from paper, or sent late by a
     * station that was offline): it went to D02, and moved D01's figures
     * to D02 */
    r = tray(d, "0000000001", "p2", 3, 0);
    assert_string_equal(r.department_code, "D01");
    assert_string_equal(r.sale_id, sale);
    assert_int_equal(fixture_int(d, "SELECT d.code = 'D01' FROM waste_records w JOIN departments"
                                    " d ON d.id = w.department_id WHERE w.placement = 'p1'"), 1);
    /* the dinner, bought in D02, and its tray go to D02; D02's rate today
     * counts only that tray */
    fixture_at("2026-11-20T17:30:00");
    lunch(d, "S001", "0000000001", sale);
    r = tray(d, "0000000001", "p3", 3, 0);
    assert_string_equal(r.department_code, "D02");
    assert_string_equal(r.department, "财务处");
    assert_int_equal(r.rate_trays, 1);
    assert_int_equal(r.rate_clean, 1);
}

static void test_placement_once(void **state)
{
    db *d = *state;
    waste_res a = tray(d, "0000000001", "W1:abc", 420, 0);
    /* the station sends the same placement again (say, after a lost answer),
     * even with another weight: the first record is the answer */
    waste_res b = tray(d, "0000000001", "W1:abc", 999, 0);

    assert_int_equal(a.repeated, 0);
    assert_int_equal(b.repeated, 1);
    assert_string_equal(a.id, b.id);
    assert_int_equal(b.net_g, 420);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM waste_records"), 1);
    /* a new placement is a new record */
    b = tray(d, "0000000001", "W1:abd", 420, 0);
    assert_string_not_equal(a.id, b.id);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM waste_records"), 2);
    /* without placement ids (manual entries) nothing is deduplicated */
    tray(d, NULL, NULL, 10, 0);
    tray(d, NULL, NULL, 10, 0);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM waste_records"), 4);
}

static void test_rate_today(void **state)
{
    db *d = *state;
    char sale[IDS_LEN];
    waste_req over = {.terminal = "W1", .placement = "p4", .stage = "plate",
                      .card_no = "0000000002", .gross_g = 30000, .overload = true,
                      .actor = "station", .clean_plate_g = -1};
    waste_res r;

    /* yesterday's tray does not count today */
    fixture_at("2026-11-19T12:00:00");
    tray(d, "0000000001", "p0", 0, 0);
    fixture_at("2026-11-20T12:00:00");
    lunch(d, "S001", "0000000001", sale);
    lunch(d, "S002", "0000000002", sale);
    /* D01 today: 5 g (clean), 300 g, 10 g (clean: at the threshold), overload */
    tray(d, "0000000001", "p1", 5, 0);
    tray(d, "0000000002", "p2", 300, 0);
    r = tray(d, "0000000001", "p3", 310, 300);
    assert_int_equal(r.net_g, 10);
    assert_true(r.clean_plate);
    assert_int_equal(r.rate_clean, 2);
    assert_int_equal(r.rate_trays, 3);
    assert_int_equal(r.rate_pct, 67); /* 2/3 rounded */
    assert_int_equal(waste_record(d, &over, &r), CP_OK);
    assert_int_equal(r.flags, WASTE_FLAG_OVERLOAD);
    assert_false(r.clean_plate);
    /* a flagged weighing is left out of the rate, as out of the metrics */
    assert_int_equal(r.rate_clean, 2);
    assert_int_equal(r.rate_trays, 3);
    assert_int_equal(r.rate_pct, 67);
    /* and so is a tray of a diner who bought no meal */
    r = tray(d, "0000000004", "p4b", 0, 0);
    assert_int_equal(r.flags, WASTE_FLAG_NO_MEAL);
    assert_int_equal(r.rate_trays, 0);
    /* D02 has none that count yet; a guest's 11 g tray is not clean at 10 g... */
    assert_int_equal(ledger_topup(d, "S003", 700, "test", NULL), CP_OK); /* lunch is 15.00 */
    lunch(d, "S003", "0000000003", sale);
    r = tray(d, "0000000003", "p5", 11, 0);
    assert_false(r.clean_plate);
    assert_int_equal(r.rate_trays, 1);
    assert_int_equal(r.rate_pct, 0);
    /* ...but is under a station threshold of 20 g */
    {
        waste_req req = {.terminal = "W1", .placement = "p6", .stage = "plate",
                         .card_no = "0000000003", .gross_g = 11, .actor = "station",
                         .clean_plate_g = 20};
        assert_int_equal(waste_record(d, &req, &r), CP_OK);
        assert_true(r.clean_plate);
        assert_int_equal(r.rate_clean, 2);
        assert_int_equal(r.rate_trays, 2);
    }
    /* kitchen waste is no tray */
    {
        waste_req req = {.terminal = "W1", .stage = "prep", .department = "D01",
                         .gross_g = 2500, .tare_g = 500, .category = "蔬菜",
                         .reason = "备餐过量", .actor = "kitchen", .clean_plate_g = -1};
        long clean, trays;
        assert_int_equal(waste_record(d, &req, &r), CP_OK);
        assert_int_equal(r.net_g, 2000);
        assert_false(r.clean_plate);
        assert_int_equal(waste_clean_rate(d, fixture_int(d, "SELECT id FROM departments WHERE"
                                                            " code = 'D01'"),
                                          0, "2026-11-20", 10, &clean, &trays), CP_OK);
        assert_int_equal(trays, 3);  /* the overload left out */
        assert_int_equal(clean, 2);
        /* the canteen at 10 g: 3 + 2 trays, clean only D01's 5 g and 10 g */
        assert_int_equal(waste_clean_rate(d, 0, 1, "2026-11-20", 10, &clean, &trays), CP_OK);
        assert_int_equal(trays, 5);
        assert_int_equal(clean, 2);
    }
}

static void test_kitchen_and_manual(void **state)
{
    db *d = *state;
    waste_req req = {.terminal = "W1", .stage = "overproduction", .gross_g = 4200,
                     .tare_g = 1200, .category = "主食", .reason = "备餐过量",
                     .actor = "kitchen", .clean_plate_g = -1};
    waste_res r;

    assert_int_equal(waste_record(d, &req, &r), CP_OK);
    assert_int_equal(r.net_g, 3000);
    assert_int_equal(r.flags, 0);
    assert_string_equal(r.category, "主食");
    assert_string_equal(r.reason, "备餐过量");
    assert_string_equal(r.department, "");

    /* manual: a diner by staff number, flagged manual, audited */
    {
        waste_req m = {.terminal = "W1", .stage = "plate", .staff_no = "S003", .gross_g = 150,
                       .manual = true, .actor = "manager", .clean_plate_g = -1};
        int64_t audits = fixture_int(d, "SELECT count(*) FROM audit");
        assert_int_equal(waste_record(d, &m, &r), CP_OK);
        assert_int_equal(r.flags, WASTE_FLAG_MANUAL | WASTE_FLAG_NO_MEAL);
        assert_string_equal(r.department_code, "D02");
        assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit"), audits + 1);
        m.staff_no = "S999";
        assert_int_equal(waste_record(d, &m, &r), CP_ERR_NOT_FOUND);
        assert_non_null(strstr(cp_detail(), "S999"));
    }
    /* refusals write nothing */
    req.stage = "compost";
    assert_int_equal(waste_record(d, &req, &r), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "compost"));
    req.stage = "prep";
    req.card_no = "0000000001";
    assert_int_equal(waste_record(d, &req, &r), CP_ERR_INVALID);
    req.card_no = NULL;
    req.department = "D99";
    assert_int_equal(waste_record(d, &req, &r), CP_ERR_NOT_FOUND);
    req.department = NULL;
    req.canteen = "C2";
    assert_int_equal(waste_record(d, &req, &r), CP_ERR_INVALID);
    req.canteen = "C1";
    req.terminal = "W9";
    assert_int_equal(waste_record(d, &req, &r), CP_ERR_NOT_FOUND);
    assert_non_null(strstr(cp_detail(), "terminal add W9"));
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM waste_records"), 2);
}

static void test_unknown_and_blocked_card(void **state)
{
    db *d = *state;
    waste_res r = tray(d, "0000009999", "p1", 50, 0);

    /* never dropped: an anonymous tray that keeps the card number */
    assert_int_equal(r.flags, WASTE_FLAG_ANONYMOUS);
    assert_string_equal(r.card_no, "0000009999");
    assert_non_null(strstr(r.message, "not registered"));
    assert_int_equal(diners_card_block(d, "0000000002", "test"), CP_OK);
    r = tray(d, "0000000002", "p2", 50, 0);
    assert_int_equal(r.flags, WASTE_FLAG_ANONYMOUS);
    assert_non_null(strstr(r.message, "lost"));
    /* the table refuses changes */
    assert_int_not_equal(db_exec(d, "UPDATE waste_records SET net_g = 0"), CP_OK);
}

enum { AT_ONCE_TRAYS = 15 };

/* A station of test_weighings_at_once: waits for go, weighs AT_ONCE_TRAYS
 * trays with placements "PREFIX-i", and exits with the number it recorded
 * (not repeated), or 100 when one failed. */
static void station_at_once(const char *term, const char *prefix, db_writers mode, int go)
{
    char placement[64];
    db *mine = NULL;
    int made = 0;
    char c;

    if (db_open(fixture_path(), DB_OPEN_EXISTING, &mine) != CP_OK || read(go, &c, 1) != 1)
        _exit(100);
    db_set_writers(mine, mode);
    for (int i = 0; i < AT_ONCE_TRAYS; i++) {
        waste_req req = {.terminal = term, .placement = placement, .stage = "plate",
                         .card_no = i % 2 ? "0000000001" : NULL, .gross_g = 400 + i,
                         .tare_g = 380, .actor = "station", .clean_plate_g = -1};
        waste_res res;
        snprintf(placement, sizeof placement, "%s-%d", prefix, i);
        if (waste_record(mine, &req, &res) != CP_OK) {
            fprintf(stderr, "%s, mode %d: %s\n", term, (int)mode, cp_detail());
            _exit(100);
        }
        made += !res.repeated;
    }
    db_close(mine);
    _exit(made);
}

/* A terminal of test_weighings_at_once: charges cards' lunches; exits 0, or
 * 100 when one failed. */
static void till_at_once(const char *term, const char *const *cards, db_writers mode, int go)
{
    db *mine = NULL;
    char c;

    if (db_open(fixture_path(), DB_OPEN_EXISTING, &mine) != CP_OK || read(go, &c, 1) != 1)
        _exit(100);
    db_set_writers(mine, mode);
    for (; *cards; cards++) {
        charge_req req = {.terminal = term, .card_no = *cards, .actor = "test"};
        charge_res res;
        if (ledger_charge(mine, &req, &res) != CP_OK || res.result != CP_OK) {
            fprintf(stderr, "%s, mode %d: %s\n", term, (int)mode, cp_detail());
            _exit(100);
        }
    }
    db_close(mine);
    _exit(0);
}

/* Two stations weighing beside each other and beside two terminals
 * charging, in each way writers meet on PostgreSQL (db_begin_shared; one
 * writer at a time on SQLite): W1 runs twice with the same placements, as
 * a station whose request the server got twice at once. Each tray is
 * recorded once, every station's numbers follow without a gap, and the
 * chains and the books verify. */
static void test_weighings_at_once(void **state)
{
    static const db_writers modes[] = {DB_WRITERS_ROW_LOCKS, DB_WRITERS_SERIALIZABLE};
    static const char *const pos1[] = {"0000000001", "0000000002", NULL};
    static const char *const pos2[] = {"0000000003", NULL};
    db *d = *state;
    FILE *devnull;
    long problems = -1;

    assert_int_equal(canteen_add_terminal(d, "W2", "C1", "waste", "test"), CP_OK);
    for (int i = 1; i <= 3; i++) {
        char staff[8];
        snprintf(staff, sizeof staff, "S00%d", i);
        assert_int_equal(ledger_topup(d, staff, 10000, "test", NULL), CP_OK);
    }
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        char twice[16], own[16];
        pid_t pids[5];
        int go[2], made = 0, status;

        fixture_at(m ? "2026-11-23T12:00:00" : "2026-11-20T12:00:00");
        snprintf(twice, sizeof twice, "T%zu", m);
        snprintf(own, sizeof own, "O%zu", m);
        assert_int_equal(pipe(go), 0);
        if ((pids[0] = fork()) == 0)
            station_at_once("W1", twice, modes[m], go[0]);
        if ((pids[1] = fork()) == 0)
            station_at_once("W1", twice, modes[m], go[0]);
        if ((pids[2] = fork()) == 0)
            station_at_once("W2", own, modes[m], go[0]);
        if ((pids[3] = fork()) == 0)
            till_at_once("POS1", pos1, modes[m], go[0]);
        if ((pids[4] = fork()) == 0)
            till_at_once("POS2", pos2, modes[m], go[0]);
        assert_int_equal(write(go[1], "ggggg", 5), 5);
        for (int w = 0; w < 5; w++) {
            assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) < 100);
            made += w < 2 ? WEXITSTATUS(status) : 0;
        }
        close(go[0]);
        close(go[1]);
        /* the twice-sent trays: recorded once, by one process or the other */
        assert_int_equal(made, AT_ONCE_TRAYS);
    }
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM waste_records WHERE terminal = 'W1'"),
                     2 * AT_ONCE_TRAYS);
    assert_int_equal(fixture_int(d, "SELECT count(DISTINCT placement) FROM waste_records"
                                    " WHERE terminal = 'W1'"), 2 * AT_ONCE_TRAYS);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM waste_records WHERE terminal = 'W2'"),
                     2 * AT_ONCE_TRAYS);
    /* W1's records are numbered 1 to 30: no number lost to a retry */
    assert_int_equal(fixture_int(d, "SELECT max(id) = 'W1-000030' AND min(id) = 'W1-000001'"
                                    " FROM waste_records WHERE terminal = 'W1'"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM sales"), 6);
    devnull = fopen("/dev/null", "w");
    assert_non_null(devnull);
    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    fclose(devnull);
    assert_int_equal(problems, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_anonymous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negative_and_no_meal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linked_sale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_department_at_the_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placement_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_today, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kitchen_and_manual, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_blocked_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weighings_at_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
