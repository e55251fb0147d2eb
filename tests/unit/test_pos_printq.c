/* Unit tests for pos/printq: receipts from the store, a printer that is away, pending receipts, reprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/ledger.h"
#include "core/names.h"
#include "pos/printq.h"
#include "pos/shift.h"
#include "receipts/decode.h"
#include "tests/unit/helpers/fixture.h"

static char out_path[128];

static int setup(void **state)
{
    db *d = fixture_open();

    assert_int_equal(canteen_set_item(d, "C1", "BUN", "包子", 150, "piece", "test"), CP_OK);
    assert_int_equal(canteen_set_item(d, "C1", "VEG", "称重素菜", 250, "100g", "test"), CP_OK);
    assert_int_equal(ledger_topup(d, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_topup(d, "S002", 5000, "test", NULL), CP_OK);
    snprintf(out_path, sizeof out_path, "%s/receipts", fixture_dir());
    unlink(out_path);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    unlink(out_path);
    fixture_close(*state);
    return 0;
}

static charge_res charge(db *d, const char *card, const charge_line *lines, size_t n)
{
    charge_req req = {.terminal = "POS1", .card_no = card, .actor = "li", .lines = lines,
                      .nlines = n};
    charge_res res;
    assert_int_equal(ledger_charge(d, &req, &res), CP_OK);
    assert_int_equal(res.result, CP_OK);
    return res;
}

/* The decoded text of the file from byte from on; the caller frees it. */
static char *decoded_from(const char *path, long from)
{
    FILE *f = fopen(path, "rb");
    unsigned char buf[65536];
    size_t n;
    char *text = NULL;

    assert_non_null(f);
    assert_int_equal(fseek(f, from, SEEK_SET), 0);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(decode_text(buf, n, &text, NULL), CP_OK);
    return text;
}

static char *decoded_file(const char *path)
{
    return decoded_from(path, 0);
}

/* The size of the file at path. */
static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return n;
}

static printq *file_queue(void)
{
    char uri[160];
    escpos_profile prof;
    printq *q;

    snprintf(uri, sizeof uri, "file:%s", out_path);
    assert_int_equal(escpos_profile_parse("gb18030", 32, &prof), CP_OK);
    assert_int_equal(printq_new(uri, &prof, &q), CP_OK);
    return q;
}

/* A receipt from the store shows the longest name an import takes whole
 * (64 characters of 4 bytes, in a 128-byte field before) and the staff
 * number after it, and an item sold by weight with a long name keeps its
 * grams; nothing is printed as '?'. */
static void test_long_names_on_the_receipt(void **state)
{
    db *d = *state;
    char name[600] = "", sql[400], squeezed[2048], *o = squeezed, *text;
    charge_line lines[] = {{"VEG", 350}};
    charge_res r;
    printq *q = file_queue();
    int printed = 0;

    for (int i = 0; i < 64; i++)
        strcat(name, "𠜎");
    snprintf(sql, sizeof sql, "UPDATE diners SET name = '%s' WHERE staff_no = 'S001'", name);
    assert_int_equal(db_exec(d, sql), CP_OK);
    assert_int_equal(canteen_set_item(d, "C1", "VEG", "有机时令蔬菜拼盘（本地农场直供，按克计价）配蒜蓉酱汁和小米辣",
                                      250, "100g", "test"), CP_OK);
    r = charge(d, "0000000001", lines, 1);
    assert_string_equal(r.name, name);
    assert_int_equal(printq_sale(q, d, r.sale_id, r.cash_left_fen, r.subsidy_left_fen, &printed),
                     CP_OK);
    text = decoded_file(out_path);
    for (const char *p = text; *p; p++) /* the lines as one, as they wrap */
        if (*p != '\n' && *p != ' ' && o < squeezed + sizeof squeezed - 1)
            *o++ = *p;
    *o = '\0';
    snprintf(sql, sizeof sql, "%s(S001)", name);
    assert_non_null(strstr(squeezed, sql));
    /* (quantity and amount sit on the item's first line, inside its name) */
    assert_non_null(strstr(squeezed, "有机时令"));
    assert_non_null(strstr(squeezed, "配蒜蓉酱汁和小米辣350g"));
    assert_null(strchr(text, '?'));
    free(text);
    /* an item name longer than the receipt keeps (the longest a name may be): cut on a
     * character, the grams kept */
    for (int i = 0; i < 64; i++)
        strcat(name, "菜");
    assert_int_equal(canteen_set_item(d, "C1", "VEG", name + 64 * 4, 250, "100g", "test"),
                     CP_OK);
    fixture_at("2026-11-20T12:01:00");
    r = charge(d, "0000000001", lines, 1);
    assert_int_equal(printq_sale(q, d, r.sale_id, r.cash_left_fen, r.subsidy_left_fen, &printed),
                     CP_OK);
    text = decoded_file(out_path);
    assert_non_null(strstr(text, "菜…"));
    assert_null(strchr(text, '?'));
    o = squeezed;
    for (const char *p = strstr(text, "菜…"); *p; p++)
        if (*p != '\n' && *p != ' ' && o < squeezed + sizeof squeezed - 1)
            *o++ = *p;
    *o = '\0';
    assert_non_null(strstr(squeezed, "菜…350g"));
    free(text);
    printq_free(q);
}

static void test_sale_receipt_from_the_store(void **state)
{
    db *d = *state;
    charge_line lines[] = {{"BUN", 2}, {"VEG", 350}};
    charge_res r = charge(d, "0000000001", lines, 2);
    printq *q = file_queue();
    int printed = 0;
    char *text;

    assert_int_equal(printq_sale(q, d, r.sale_id, r.cash_left_fen, r.subsidy_left_fen, &printed),
                     CP_OK);
    assert_true(printed);
    assert_int_equal(printq_pending(q), 0);
    text = decoded_file(out_path);
    assert_non_null(strstr(text, "一食堂"));
    assert_non_null(strstr(text, "单号: POS1-000001"));
    assert_non_null(strstr(text, "张伟 (S001)"));
    assert_non_null(strstr(text, "包子"));
    assert_non_null(strstr(text, "x2    ￥3.00"));
    assert_non_null(strstr(text, "称重素菜 350g"));
    assert_non_null(strstr(text, "8.75"));
    assert_non_null(strstr(text, "11.75"));        /* total */
    assert_non_null(strstr(text, "38.25"));        /* 50.00 - 11.75 cash left */
    assert_null(strstr(text, "COPY"));
    free(text);

    /* a reprint is marked as a copy and shows the balances as they were */
    fixture_at("2026-11-20T12:30:00");
    assert_int_equal(ledger_topup(d, "S001", 1000, "test", NULL), CP_OK);
    assert_int_equal(printq_reprint(q, d, r.sale_id, &printed), CP_OK);
    assert_true(printed);
    text = decoded_file(out_path);
    assert_non_null(strstr(text, "重印 COPY"));
    assert_non_null(strstr(strstr(text, "重印 COPY"), "38.25"));
    assert_null(strstr(text, "48.25"));
    free(text);
    assert_int_equal(printq_reprint(q, d, "POS1-999999", &printed), CP_ERR_NOT_FOUND);
    assert_non_null(strstr(cp_detail(), "POS1-999999"));
    printq_free(q);
}

static void test_void_and_z_receipts(void **state)
{
    db *d = *state;
    charge_res r = charge(d, "0000000001", NULL, 0);
    char void_id[IDS_LEN];
    shift_report z;
    printq *q = file_queue();
    int printed = 0;
    char *text;
    long size;

    assert_int_equal(shift_open(d, "POS1", "li", 0, NULL), CP_OK);
    r = charge(d, "0000000002", NULL, 0);
    assert_int_equal(ledger_void(d, r.sale_id, "wang", "POS1", "wrong tray", void_id), CP_OK);
    assert_int_equal(printq_void(q, d, void_id, "li", &printed), CP_OK);
    assert_true(printed);
    assert_int_equal(shift_close(d, "POS1", "li", 0, &z), CP_OK);
    /* the canteen's own name for a category is what the Z report prints */
    assert_int_equal(names_set(d, NAMES_CATEGORY, "staff", "在编职工", "test"), CP_OK);
    assert_int_equal(printq_zreport(q, d, "POS1", &z, &printed), CP_OK);
    assert_true(printed);
    text = decoded_file(out_path);
    assert_non_null(strstr(text, "撤销凭条"));
    assert_non_null(strstr(text, "原单号: POS1-000003"));
    assert_non_null(strstr(text, "授权: wang"));
    assert_non_null(strstr(text, "原因: wrong tray"));
    assert_non_null(strstr(text, "交班报表 (Z)"));
    /* display names, not the codes lunch and staff; the times as people read them */
    assert_non_null(strstr(text, "[B]午餐\n"));
    assert_non_null(strstr(text, "  在编职工"));
    assert_null(strstr(text, "lunch"));
    assert_null(strstr(text, "staff"));
    assert_non_null(strstr(text, "开班: 2026年11月20日 12:00"));
    assert_non_null(strstr(text, "时间: 2026年11月20日 12:00"));
    free(text);
    /* a copy of the voided sale says so, top and bottom: it is no proof of a
     * payment (it read as a plain sale receipt) */
    size = file_size(out_path);
    assert_int_equal(printq_reprint(q, d, r.sale_id, &printed), CP_OK);
    text = decoded_from(out_path, size);
    assert_non_null(strstr(text, "重印 COPY"));
    assert_non_null(strstr(text, "已作废 VOIDED"));
    assert_non_null(strstr(strstr(text, "已作废 VOIDED") + 1, "已作废 VOIDED"));
    free(text);
    /* the Z report is reprinted from what the close stored */
    size = file_size(out_path);
    assert_int_equal(printq_reprint(q, d, z.close_id, &printed), CP_OK);
    text = decoded_from(out_path, size);
    assert_non_null(strstr(text, "交班报表 (Z)"));
    assert_non_null(strstr(text, "重印 COPY"));
    assert_non_null(strstr(text, "终端: POS1"));
    free(text);
    shift_report_free(&z);
    printq_free(q);
}

/* A TCP printer that refuses, then listens: the sale's receipt waits and comes out. */
static void test_printer_away_then_back(void **state)
{
    db *d = *state;
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0), c, printed = 1, left = -1;
    char uri[64], buf[8192], *text = NULL;
    escpos_profile prof;
    printq *q;
    charge_res r;
    size_t got = 0;
    ssize_t n;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    snprintf(uri, sizeof uri, "tcp:127.0.0.1:%d", ntohs(a.sin_port));
    assert_int_equal(escpos_profile_parse("gb18030", 32, &prof), CP_OK);

    /* bound, not listening: connections are refused, yet the queue is made */
    assert_int_equal(printq_new(uri, &prof, &q), CP_OK);
    assert_int_equal(printq_ok(q), 0);
    printq_set_timing(q, 500, 0);
    r = charge(d, "0000000001", NULL, 0);
    assert_int_equal(printq_sale(q, d, r.sale_id, r.cash_left_fen, r.subsidy_left_fen, &printed),
                     CP_OK);
    assert_false(printed);
    assert_int_equal(printq_pending(q), 1);
    assert_non_null(strstr(printq_status(q), "打印机离线"));
    assert_non_null(strstr(printq_status(q), "1 张小票待打印"));
    /* the sale is there whatever the printer did */
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM sales"), 1);

    /* the printer comes back: flush prints the pending receipt as an original */
    assert_int_equal(listen(s, 1), 0);
    assert_int_equal(printq_flush(q, d, &left), CP_OK);
    assert_int_equal(left, 0);
    assert_int_equal(printq_ok(q), 1);
    assert_non_null(strstr(printq_status(q), "打印机正常"));
    c = accept(s, NULL, NULL);
    assert_true(c >= 0);
    printq_free(q); /* closes the connection: the reader sees the end */
    while ((n = read(c, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    assert_true(got > 100);
    assert_int_equal(decode_text(buf, got, &text, NULL), CP_OK);
    assert_non_null(strstr(text, "单号: POS1-000001"));
    assert_null(strstr(text, "COPY"));
    free(text);
    close(c);
    close(s);
}

/* After a failure the printer is left alone for the retry pause: no second timeout. */
static void test_retry_pause(void **state)
{
    db *d = *state;
    escpos_profile prof;
    printq *q;
    charge_res r;
    int printed = 1;

    assert_int_equal(escpos_profile_parse("gb18030", 32, &prof), CP_OK);
    assert_int_equal(printq_new("lp:/nonexistent/lp0", &prof, &q), CP_OK);
    assert_int_equal(printq_ok(q), 0);
    r = charge(d, "0000000001", NULL, 0);
    assert_int_equal(printq_sale(q, d, r.sale_id, r.cash_left_fen, r.subsidy_left_fen, &printed),
                     CP_OK);
    assert_false(printed);
    assert_int_equal(printq_pending(q), 1);
    assert_int_equal(printq_new("carrier-pigeon", &prof, &(printq *){NULL}), CP_ERR_INVALID);
    printq_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sale_receipt_from_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_names_on_the_receipt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_void_and_z_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_printer_away_then_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_pause, setup, teardown),
    };
    /* the terminals print Chinese receipts (language = zh_CN, as the examples
     * configure them), with the catalog the build made */
    if (fixture_language("zh_CN") != CP_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
