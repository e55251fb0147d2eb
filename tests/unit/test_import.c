/* Unit tests for core/csvread and the all-or-nothing imports in core/diners. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/csvread.h"
#include "core/diners.h"
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

static cp_err import_text(db *d, int diners, const char *text, import_counts *n)
{
    csv_table *t = NULL;
    cp_err err = csvread_buffer("in.csv", text, strlen(text), &t);
    if (err)
        return err;
    err = diners ? diners_import(d, t, "in.csv", "test", n)
                 : diners_import_departments(d, t, "in.csv", "test", n);
    csvread_free(t);
    return err;
}

static void test_reader_formats(void **state)
{
    csv_table *t = NULL;
    (void)state;
    /* BOM, CRLF, quoted comma, doubled quote, a quoted newline, blank line */
    const char text[] = "\xef\xbb\xbf" "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n"
                        "\"two\nlines\",z\r\nlast,row";
    assert_int_equal(csvread_buffer("t.csv", text, sizeof text - 1, &t), CP_OK);
    assert_int_equal(t->nrows, 4);
    assert_string_equal(t->rows[0].fields[0], "a");
    assert_string_equal(t->rows[1].fields[0], "x, y");
    assert_string_equal(t->rows[1].fields[1], "say \"hi\"");
    assert_int_equal(t->rows[1].line, 2);
    assert_string_equal(t->rows[2].fields[0], "two\nlines");
    assert_int_equal(t->rows[2].line, 4);
    assert_int_equal(t->rows[3].line, 6);
    assert_string_equal(t->rows[3].fields[1], "row");
    csvread_free(t);
}

static void test_reader_errors(void **state)
{
    csv_table *t = NULL;
    (void)state;
    assert_int_equal(csvread_buffer("t.csv", "a,b\n\"open,x\n", 12, &t), CP_ERR_PARSE);
    assert_non_null(strstr(cp_detail(), "t.csv:2"));
    assert_null(t);
    /* GBK bytes for 张 are not UTF-8 */
    assert_int_equal(csvread_buffer("t.csv", "a\nok\n\xd5\xc5\n", 8, &t), CP_ERR_PARSE);
    assert_non_null(strstr(cp_detail(), "t.csv:3"));
    assert_non_null(strstr(cp_detail(), "UTF-8"));
    assert_int_equal(csvread_buffer("t.csv", "a,b\nx\"y,z\n", 10, &t), CP_ERR_PARSE);
    assert_non_null(strstr(cp_detail(), "t.csv:2"));
    /* a NUL byte would cut a field short: refused, not truncated */
    assert_int_equal(csvread_buffer("t.csv", "a,b\nx\0y,z\n", 10, &t), CP_ERR_PARSE);
    assert_non_null(strstr(cp_detail(), "t.csv:2"));
}

static void test_bad_line_imports_nothing(void **state)
{
    db *d = *state;
    import_counts n;
    int64_t before = fixture_int(d, "SELECT count(*) FROM diners");
    /* line 4 has an unknown department: nothing of lines 2-3 may stay */
    assert_int_equal(import_text(d, 1,
                                 "staff_no,name,department_code,category,card\n"
                                 "S101,甲,D01,staff,0000000101\n"
                                 "S102,乙,D01,staff,\n"
                                 "S103,丙,D99,staff,\n", &n),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "in.csv:4"));
    assert_non_null(strstr(cp_detail(), "department_code"));
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM diners"), before);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM cards WHERE card_no = '0000000101'"), 0);
    assert_int_equal(n.added, 0);
}

static void test_diner_errors_name_line_and_field(void **state)
{
    db *d = *state;
    import_counts n;
    const char *h = "staff_no,name,department_code,category,card\n";
    char buf[512];
    static const struct { const char *rows, *want; } cases[] = {
        {"S101,甲,D01,staff,0000000101\nS102,乙,D01,staff,0000000101\n", "in.csv:3: field card"},
        {"S101,甲,D01,staff,0000000001\n", "already belongs to staff number S001"},
        {"S101,甲,D01,staff,\nS101,乙,D01,staff,\n", "in.csv:3: field staff_no"},
        {"S101,,D01,staff,\n", "in.csv:2: field name"},
        {"S101,甲,D01,Staff,\n", "in.csv:2: field category"},
        {"S101,甲,D01,staff\n", "in.csv:2: expected 5 fields"},
        {"S101,甲,D01,staff,12x\n", "in.csv:2: field card"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, "%s%s", h, cases[i].rows);
        assert_int_not_equal(import_text(d, 1, buf, &n), CP_OK);
        if (!strstr(cp_detail(), cases[i].want))
            fail_msg("case %zu: '%s' does not contain '%s'", i, cp_detail(), cases[i].want);
    }
    assert_int_equal(import_text(d, 1, "staff_no,name,dept,category,card\n", &n), CP_ERR_PARSE);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM diners"), 4);
}

/* Names are counted in characters, not bytes: 64 of any script are taken
 * (192 bytes of Chinese, 256 of 4-byte characters), 65 are refused with the
 * file, line and field, and nothing of the file is imported. */
static void test_name_length_in_characters(void **state)
{
    static const char *const chars[] = {"张", "a", "𠜎", "ُ", "\xf0\x9f\x98\x80"};
    db *d = *state;
    import_counts n;
    char name[400], buf[600];
    int64_t before = fixture_int(d, "SELECT count(*) FROM diners");

    for (size_t c = 0; c < sizeof chars / sizeof chars[0]; c++) {
        size_t len = strlen(chars[c]);
        for (int k = 0; k < DINERS_NAME_MAX; k++)
            memcpy(name + (size_t)k * len, chars[c], len);
        name[DINERS_NAME_MAX * len] = '\0';
        snprintf(buf, sizeof buf, "staff_no,name,department_code,category,card\n"
                 "S20%zu,%s,D01,staff,\n", c, name);
        assert_int_equal(import_text(d, 1, buf, &n), CP_OK);
        assert_int_equal(n.added, 1);
        memcpy(name + DINERS_NAME_MAX * len, chars[c], len + 1); /* one more */
        snprintf(buf, sizeof buf, "staff_no,name,department_code,category,card\n"
                 "S30%zu,x,D01,staff,\nS31%zu,%s,D01,staff,\n", c, c, name);
        assert_int_equal(import_text(d, 1, buf, &n), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "in.csv:3: field name has 65 characters, at most 64"));
        snprintf(buf, sizeof buf, "code,name,parent_code\nD9%zu,%s,\n", c, name);
        assert_int_equal(import_text(d, 0, buf, &n), CP_ERR_INVALID);
        assert_non_null(strstr(cp_detail(), "in.csv:2: field name has 65 characters, at most 64"));
    }
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM diners"), before + 5);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM departments WHERE code LIKE 'D9%'"), 0);
}

static void test_reimport_and_update(void **state)
{
    db *d = *state;
    import_counts n;
    const char *v1 = "staff_no,name,department_code,category,card\n"
                     "S201,赵一,D01,staff,0000000201\nS202,钱二,D02,guest,\n";
    const char *v2 = "staff_no,name,department_code,category,card\n"
                     "S201,赵一,D02,staff,0000000211\nS202,钱二,D02,guest,\n";
    assert_int_equal(import_text(d, 1, v1, &n), CP_OK);
    assert_int_equal(n.added, 2);
    /* each diner added or changed has an entry naming it (the canteen
     * server's deltas find their cards by it), and the file one */
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'diner.add'"
                                    " AND subject IN ('S201', 'S202')"),
                     2);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'diner.add'"
                                    " AND subject = 'S202' AND detail = 'line 3'"),
                     1);
    int64_t audits = fixture_int(d, "SELECT count(*) FROM audit");
    assert_int_equal(import_text(d, 1, v1, &n), CP_OK);
    assert_int_equal(n.added, 0);
    assert_int_equal(n.unchanged, 2);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM diners"), 6);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit"), audits + 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE seq = (SELECT max(seq)"
                                    " FROM audit) AND action = 'diners.import'"),
                     1);
    /* a changed row updates the diner; a new card retires the old one */
    assert_int_equal(import_text(d, 1, v2, &n), CP_OK);
    assert_int_equal(n.updated, 1);
    assert_int_equal(n.unchanged, 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'diner.change'"),
                     1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'diner.change'"
                                    " AND subject = 'S201'"),
                     1);
    assert_int_equal(fixture_int(d, "SELECT department_id = (SELECT id FROM departments"
                                    " WHERE code = 'D02') FROM diners WHERE staff_no = 'S201'"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM cards WHERE card_no = '0000000201'"
                                    " AND status = 'retired'"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM cards WHERE card_no = '0000000211'"
                                    " AND status = 'active'"), 1);
}

static void test_departments(void **state)
{
    db *d = *state;
    import_counts n;
    /* a child before its parent is fine */
    assert_int_equal(import_text(d, 0, "code,name,parent_code\nD11,一科,D10\nD10,十处,U1\n", &n),
                     CP_OK);
    assert_int_equal(n.added, 2);
    assert_int_equal(fixture_int(d, "SELECT p.code = 'D10' FROM departments c JOIN departments p"
                                    " ON p.id = c.parent_id WHERE c.code = 'D11'"), 1);
    assert_int_equal(import_text(d, 0, "code,name,parent_code\nD12,二科,D99\n", &n),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "in.csv:2: field parent_code"));
    /* a loop of parents is refused and leaves the tree as it was */
    assert_int_equal(import_text(d, 0, "code,name,parent_code\nD10,十处,D11\n", &n),
                     CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "loop"));
    assert_int_equal(fixture_int(d, "SELECT p.code = 'U1' FROM departments c JOIN departments p"
                                    " ON p.id = c.parent_id WHERE c.code = 'D10'"), 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM departments WHERE code = 'D12'"), 0);
    /* each department added or changed has an entry naming it; a refused
     * file left none */
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'department.add'"
                                    " AND subject IN ('D10', 'D11')"),
                     2);
    assert_int_equal(
        import_text(d, 0, "code,name,parent_code\nD11,一科,D10\nD10,第十处,U1\n", &n), CP_OK);
    assert_int_equal(n.updated, 1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'department.change'"
                                    " AND subject = 'D10' AND detail = 'line 3'"),
                     1);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action LIKE"
                                    " 'department.%' AND subject IN ('D10', 'D11', 'D12')"),
                     3);
}

/* Repeats far apart in a file of 3,000 diners are found, naming the line of
 * the first one; the same rows without the repeat import. */
static void test_repeats_in_a_long_file(void **state)
{
    db *d = *state;
    import_counts n;
    size_t cap = 3100 * 64, len;
    char *buf = malloc(cap);
    long bad = 0, checked; /* audit_verify adds its problems to bad */
    FILE *devnull;
    static const struct { const char *row, *want; } cases[] = {
        {"S1017,重号,D01,staff,0000900001\n", "in.csv:3002: field staff_no: 'S1017' appears twice "
                                              "in the file (first on line 18)"},
        {"S9999,重卡,D02,staff,0000801234\n", "in.csv:3002: field card: card 0000801234 is also "
                                              "given on line 1235"},
        {"S9999,新人,D02,staff,0000900001\n", NULL},
    };

    assert_non_null(buf);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        len = (size_t)snprintf(buf, cap, "staff_no,name,department_code,category,card\n");
        for (int i = 1; i <= 3000; i++)
            len += (size_t)snprintf(buf + len, cap - len, "S%d,职工%d,D0%d,staff,%010d\n",
                                    1000 + i, i, 1 + i % 2, 800000 + i);
        snprintf(buf + len, cap - len, "%s", cases[c].row);
        if (!cases[c].want) {
            assert_int_equal(import_text(d, 1, buf, &n), CP_OK);
            assert_int_equal(n.added, 3001);
            /* each row in its own department (looked up once per code), with
             * a wallet and its own card, and the chain whole after 3,002
             * entries appended in one run */
            assert_int_equal(fixture_int(d, "SELECT count(*) FROM diners di JOIN departments p"
                                            " ON p.id = di.department_id WHERE p.code ="
                                            " CASE WHEN di.staff_no = 'S9999' THEN 'D02'"
                                            " WHEN CAST(substr(di.staff_no, 2) AS integer) % 2 = 0"
                                            " THEN 'D01'"
                                            " ELSE 'D02' END AND di.staff_no > 'S1000'"),
                             3001);
            assert_int_equal(fixture_int(d, "SELECT count(*) FROM wallets w JOIN diners di ON"
                                            " di.id = w.diner_id WHERE di.staff_no > 'S1000'"),
                             3001);
            assert_int_equal(fixture_int(d, "SELECT count(*) FROM cards c JOIN diners di ON"
                                            " di.id = c.diner_id WHERE c.status = 'active' AND"
                                            " c.card_no = CASE WHEN di.staff_no = 'S9999' THEN"
                                            " '0000900001' ELSE '0000' ||"
                                            " CAST(CAST(substr(di.staff_no, 2) AS integer) + 799000"
                                            " AS text) END"),
                             3001);
            assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action ="
                                            " 'diner.add'"),
                             4 + 3001);
            devnull = fopen("/dev/null", "w");
            assert_int_equal(audit_verify(d, NULL, NULL, NULL, devnull, &bad, &checked), CP_OK);
            fclose(devnull);
            assert_int_equal(bad, 0);
        } else {
            assert_int_equal(import_text(d, 1, buf, &n), CP_ERR_INVALID);
            if (!strstr(cp_detail(), cases[c].want))
                fail_msg("case %zu: '%s' does not contain '%s'", c, cp_detail(), cases[c].want);
            assert_int_equal(fixture_int(d, "SELECT count(*) FROM diners"), 4);
        }
    }
    free(buf);
}

/* Imports top-ups from text; on success *count and *fen say what was topped up. */
static cp_err topups_text(db *d, const char *text, long *count, int64_t *fen)
{
    csv_table *t = NULL;
    cp_err err = csvread_buffer("cash.csv", text, strlen(text), &t);
    if (!err)
        err = diners_import_topups(d, t, "cash.csv", "wang", count, fen, NULL);
    csvread_free(t);
    return err;
}

/* Top-ups from a file are all or nothing: a bad row names its line and field
 * and no wallet moves; a good file is one transaction, audited per diner as
 * the manager. */
static void test_topups(void **state)
{
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"staff_no,yuan\nS001,10\nS999,5\n", "cash.csv:3: field staff_no: no diner"},
        {"staff_no,yuan\nS001,10\nS002,0\n", "cash.csv:3: field yuan: '0'"},
        {"staff_no,yuan\nS001,10\nS002,1.005\n", "cash.csv:3: field yuan"},
        {"staff_no,yuan\nS001,10\nS001,5\n", "cash.csv:3: field staff_no: 'S001' appears twice"},
        {"staff_no,yuan\nS001,10,x\n", "cash.csv:2: expected 2 fields"},
        {"staff_no,amount\nS001,10\n", "cash.csv"},
        {"staff_no,yuan\n", "no top-ups"},
    };
    db *d = *state;
    int64_t fen;
    long n;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_not_equal(topups_text(d, bad[i].text, &n, &fen), CP_OK);
        if (!strstr(cp_detail(), bad[i].want))
            fail_msg("case %zu: '%s' does not contain '%s'", i, cp_detail(), bad[i].want);
        assert_int_equal(n, 0);
        assert_int_equal(fixture_int(d, "SELECT count(*) FROM ledger"), 0);
    }
    assert_int_equal(topups_text(d, "staff_no,yuan\r\nS001,10\r\nS003,2.5\r\n", &n, &fen), CP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(fen, 1250);
    assert_int_equal(fixture_int(d, "SELECT cash_fen FROM wallets WHERE diner_id = 1"), 1000);
    assert_int_equal(fixture_int(d, "SELECT cash_fen FROM wallets WHERE diner_id = 3"), 250);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM audit WHERE action = 'wallet.topup'"
                                    " AND actor = 'wang'"), 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_formats),
        cmocka_unit_test(test_reader_errors),
        T(test_bad_line_imports_nothing),
        T(test_diner_errors_name_line_and_field),
        T(test_name_length_in_characters),
        T(test_reimport_and_update),
        T(test_departments),
        T(test_repeats_in_a_long_file),
        T(test_topups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
