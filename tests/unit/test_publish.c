/* Unit tests for backoffice/publish: the files, the chain, versions with reasons, tampering found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>

#include "backoffice/publish.h"
#include "core/waste.h"
#include "core/csvread.h"
#include "core/diners.h"
#include "tests/unit/helpers/fixture.h"

static char out_dir[96];

static void sql(db *d, const char *s)
{
    if (db_exec(d, s) != CP_OK)
        fail_msg("%s: %s", s, cp_detail());
}

/* Departments A-E with 6 diners each and F with 4; each diner eats 5 lunches
 * in November and leaves (department number x 5 + diner) grams. */
static int setup(void **state)
{
    db *d = fixture_open();
    fixture_departments(d);
    sql(d, "WITH RECURSIVE day(n) AS (SELECT 2 UNION ALL SELECT n + 1 FROM day WHERE n < 6)"
           " INSERT INTO sales(id, terminal, canteen_id, card_no, diner_id, department_id,"
           " category, period_id, business_date, kind, total_fen, subsidy_fen, cash_fen, actor,"
           " created_at) SELECT 'T-' || di.id || '-' || day.n, 'POS1', 1, '', di.id,"
           " di.department_id, 'staff', 1, '2026-11-0' || day.n, 'meal', 800, 800, 0,"
           " 'test', '2026-11-0' || day.n || 'T12:00:00' FROM diners di, day");
    sql(d, "INSERT INTO waste_records(id, terminal, canteen_id, stage, diner_id, department_id,"
           " business_date, gross_g, tare_g, net_g, flags, actor, created_at, period_id)"
           " SELECT 'W-' || s.id, 'W1', 1, 'plate', s.diner_id, s.department_id, s.business_date,"
           " s.department_id * 5 + s.diner_id % 6, 0, s.department_id * 5 + s.diner_id % 6, 0,"
           " 'test', s.created_at, 1 FROM sales s");
    snprintf(out_dir, sizeof out_dir, "%s/out", fixture_dir());
    fixture_at("2026-12-01T09:00:00");
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out_dir);
    if (system(cmd) != 0)
        return 1;
    fixture_close(*state);
    return 0;
}

static cp_err publish(db *d, const char *reason, publish_res *res)
{
    publish_req req = {.month = "2026-11", .out_dir = out_dir, .reason = reason,
                       .actor = "mgr"};
    metrics_opts_init(&req.opts);
    return publish_redblack(d, &req, res);
}

/* Output of a shell command, for reading files back. */
static char *run(const char *cmd)
{
    static char buf[65536];
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    assert_non_null(p);
    n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    pclose(p);
    return buf;
}

static long problems(db *d, int with_files)
{
    long n = 0;
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(publish_verify(d, with_files ? out_dir : NULL, devnull, &n), CP_OK);
    fclose(devnull);
    return n;
}

static void test_files_and_rows(void **state)
{
    db *d = *state;
    publish_res r;
    char cmd[700];

    assert_int_equal(publish(d, NULL, &r), CP_OK);
    assert_string_equal(r.id, "redblack-2026-11-v1");
    assert_int_equal(r.rows, 5); /* F has only 4 diners: never published */
    assert_int_equal(r.red, 2);  /* 5 eligible < 3 + 3: each list takes 2 */
    assert_int_equal(r.black, 2);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publication_rows"), 5);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publication_rows WHERE code = 'F'"), 0);
    /* the CSV: a BOM, a header and the rows in rank order */
    snprintf(cmd, sizeof cmd, "cat '%s'", r.paths[1]);
    char *csv = run(cmd);
    assert_memory_equal(csv, "\xef\xbb\xbfrank,list,code,name", 22);
    assert_non_null(strstr(csv, "1,red,A,甲处,30,6,30,"));
    assert_non_null(strstr(csv, "5,black,E,戊处,"));
    assert_null(strstr(csv, "己处"));
    /* the HTML: the lists, the rules, no scripts and nothing from outside */
    snprintf(cmd, sizeof cmd, "cat '%s'", r.paths[2]);
    char *html = run(cmd);
    assert_non_null(strstr(html, "红榜"));
    assert_non_null(strstr(html, "光盘：剩餐不超过 10 克"));
    assert_non_null(strstr(html, "丁处"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "http"));
    /* the PDF, read back */
    snprintf(cmd, sizeof cmd, "pdftotext '%s' - 2>/dev/null", r.paths[0]);
    char *text = run(cmd);
    assert_non_null(strstr(text, "食堂浪费红黑榜"));
    assert_non_null(strstr(text, "甲处"));
    assert_non_null(strstr(text, "第 1 页"));
    assert_int_equal(problems(d, 1), 0);
}

static void test_versions_need_a_reason(void **state)
{
    db *d = *state;
    publish_res r;

    assert_int_equal(publish(d, NULL, &r), CP_OK);
    assert_int_equal(publish(d, NULL, &r), CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), "--reason"));
    assert_int_equal(publish(d, "", &r), CP_ERR_EXISTS);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publications"), 1);
    assert_int_equal(publish(d, "补录称重", &r), CP_OK);
    assert_string_equal(r.id, "redblack-2026-11-v2");
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publications WHERE version = 2"
                                    " AND corrects = 'redblack-2026-11-v1'"), 1);
    assert_int_equal(access(r.paths[0], F_OK), 0);
    assert_int_equal(problems(d, 1), 0);
    /* a month not over yet cannot be published */
    fixture_at("2026-11-30T20:00:00");
    assert_int_equal(publish(d, "x", &r), CP_ERR_INVALID);
}

static void test_published_rows_cannot_change(void **state)
{
    db *d = *state;
    publish_res r;

    assert_int_equal(publish(d, NULL, &r), CP_OK);
    assert_int_not_equal(db_exec(d, "UPDATE publication_rows SET list = 'red'"
                                      " WHERE code = 'E'"), CP_OK);
    assert_non_null(strstr(cp_detail(), "cannot be changed"));
    assert_int_not_equal(db_exec(d, "DELETE FROM publications"),
                         CP_OK);
    assert_int_not_equal(db_exec(d, "UPDATE publications SET reason = 'x'"), CP_OK);
    /* someone who drops the trigger is still found out */
    fixture_drop_trigger(d, "publication_rows_no_update", "publication_rows");
    sql(d, "UPDATE publication_rows SET g_per_tray_x10 = 1 WHERE code = 'E'");
    assert_int_equal(problems(d, 0), 1);
}

static void test_changed_file_is_found(void **state)
{
    db *d = *state;
    publish_res r;
    FILE *f;

    assert_int_equal(publish(d, NULL, &r), CP_OK);
    assert_int_equal(problems(d, 1), 0);
    f = fopen(r.paths[1], "a");
    fputs("Z,zz,ZZ\r\n", f);
    fclose(f);
    assert_int_equal(problems(d, 1), 1);
    assert_int_equal(problems(d, 0), 0); /* without the folder only the database is checked */
    unlink(r.paths[2]);
    assert_int_equal(problems(d, 1), 2);
}

static void test_bad_folder_records_nothing(void **state)
{
    db *d = *state;
    publish_res r;
    publish_req req = {.month = "2026-11", .out_dir = "/proc/no/such/dir", .actor = "mgr"};

    metrics_opts_init(&req.opts);
    assert_int_equal(publish_redblack(d, &req, &r), CP_ERR_IO);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publications"), 0);
}

/* publish(), with what it says on stderr kept in said (the caller frees it). */
static cp_err publish_quietly(db *d, const char *reason, publish_res *res, char **said)
{
    char path[160];
    int saved = dup(2), fd;
    cp_err err;
    FILE *f;
    long n;

    snprintf(path, sizeof path, "%s/stderr", fixture_dir());
    fflush(stderr);
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
    dup2(fd, 2);
    close(fd);
    err = publish(d, reason, res);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_non_null(f = fopen(path, "rb"));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    assert_non_null(*said = calloc(1, (size_t)n + 1));
    assert_int_equal(fread(*said, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    unlink(path);
    return err;
}

/* The whole content of a file, NUL-terminated (the caller frees it). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    assert_non_null(buf = calloc(1, (size_t)n + 1));
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* A name of 180 bytes was cut at 127, inside a character: the files got
 * invalid UTF-8 and its row fell out of the content hash, so that an edit of
 * it passed verify. Now it is whole everywhere, and every row is hashed. */
static void test_long_name_is_whole_and_hashed(void **state)
{
    db *d = *state;
    char long_name[400] = "", q[600], cmd[1200], *csv, *html;
    publish_res r;

    for (int i = 0; i < 60; i++)
        strcat(long_name, "财");
    snprintf(q, sizeof q, "UPDATE departments SET name = '%s' WHERE code = 'A'", long_name);
    sql(d, q);
    assert_int_equal(publish(d, NULL, &r), CP_OK);
    csv = slurp(r.paths[1], NULL);
    assert_non_null(strstr(csv, long_name));
    free(csv);
    html = slurp(r.paths[2], NULL);
    assert_non_null(strstr(html, long_name));
    free(html);
    snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t UTF-8 '%s' >/dev/null 2>&1 && "
             "iconv -f UTF-8 -t UTF-8 '%s' >/dev/null 2>&1", r.paths[1], r.paths[2]);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(problems(d, 1), 0);
    fixture_drop_trigger(d, "publication_rows_no_update", "publication_rows");
    sql(d, "UPDATE publication_rows SET name = name || '了' WHERE code = 'A'");
    assert_int_equal(problems(d, 0), 1);
}

/* A name with a right-to-left override and a character the font lacks
 * blocked the whole month; one that is a formula went out as one. */
static void test_rtl_and_formula_names(void **state)
{
    db *d = *state;
    char cmd[800], *said, *csv, *html, *text;
    publish_res r;

    /* U+202E RIGHT-TO-LEFT OVERRIDE and U+1F35A, written as UTF-8 bytes */
    sql(d, "UPDATE departments SET name = '乙处\xe2\x80\xae" "evil\xf0\x9f\x8d\x9a'"
           " WHERE code = 'B'");
    sql(d, "UPDATE departments SET name = '=HYPERLINK(\"http://x\",\"丙\")' WHERE code = 'C'");

    assert_int_equal(publish_quietly(d, NULL, &r, &said), CP_OK);
    assert_int_equal(r.rows, 5);
    /* said once, naming the text and what was changed */
    assert_non_null(strstr(said, "乙处<U+202E>evil<U+1F35A>"));
    assert_non_null(strstr(said, "U+1F35A"));
    assert_non_null(strstr(said, "bidi control taken out"));
    assert_null(strstr(strstr(said, "<U+202E>") + 1, "<U+202E>"));
    assert_null(strstr(said, "\xE2\x80\xAE")); /* never the override itself on a terminal */
    free(said);

    /* the CSV keeps the real text, neutralised */
    csv = slurp(r.paths[1], NULL);
    assert_non_null(strstr(csv, "乙处\xE2\x80\xAE" "evil\xF0\x9F\x8D\x9A"));
    assert_non_null(strstr(csv, ",C,\"'=HYPERLINK(\"\"http://x\"\",\"\"丙\"\")\","));
    assert_non_null(strstr(csv, ",flagged_trays\r\n"));
    free(csv);
    /* the page: the whole name, no bidi control, valid UTF-8 */
    html = slurp(r.paths[2], NULL);
    assert_non_null(strstr(html, "<bdi>乙处evil\xF0\x9F\x8D\x9A</bdi>"));
    assert_null(strstr(html, "\xE2\x80\xAE"));
    snprintf(cmd, sizeof cmd, "iconv -f UTF-8 -t UTF-8 '%s' >/dev/null 2>&1", r.paths[2]);
    assert_int_equal(system(cmd), 0);
    free(html);
    /* the PDF: drawn, with the replacement where the font has nothing */
    snprintf(cmd, sizeof cmd, "pdftotext '%s' - 2>/dev/null", r.paths[0]);
    text = strdup(run(cmd));
    assert_non_null(strstr(text, "乙处evil?")); /* uming has no U+FFFD either */
    assert_null(strstr(text, "\xE2\x80\xAE"));
    free(text);
    assert_int_equal(problems(d, 1), 0);
}

/* A name that is not UTF-8 (cut by an older version) cannot be hashed: the
 * publication is refused naming it, never made without that row; and a
 * published row changed so is reported by verify, never skipped. */
static void test_name_that_cannot_be_hashed(void **state)
{
    db *d = *state;
    publish_res r;

    if (fixture_pg())
        skip(); /* PostgreSQL holds no text that is not UTF-8: SQLite files only */
    sql(d, "UPDATE departments SET name = CAST(X'E8B4A2E8' AS TEXT) WHERE code = 'D'");
    assert_int_equal(publish(d, NULL, &r), CP_ERR_PARSE);
    assert_non_null(strstr(cp_detail(), "department D"));
    assert_non_null(strstr(cp_detail(), "not UTF-8"));
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publications"), 0);
    assert_int_equal(access(r.paths[0], F_OK), -1);

    sql(d, "UPDATE departments SET name = '丁处' WHERE code = 'D'");
    assert_int_equal(publish(d, NULL, &r), CP_OK);
    assert_int_equal(problems(d, 0), 0);
    /* a name cut inside a character: PostgreSQL refuses to hold one at all */
    if (fixture_pg())
        return;
    fixture_drop_trigger(d, "publication_rows_no_update", "publication_rows");
    sql(d, "UPDATE publication_rows SET name = CAST(X'E4B881E5' AS TEXT) WHERE code = 'D'");
    assert_int_equal(problems(d, 0), 1);
}

/* A month with no meals and no weighings is not published. */
static void test_empty_month_is_refused(void **state)
{
    db *d = *state;
    publish_res r;
    publish_req req = {.month = "2026-10", .out_dir = out_dir, .actor = "mgr"};

    metrics_opts_init(&req.opts);
    assert_int_equal(publish_redblack(d, &req, &r), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "2026-10 has no meals and no weighings"));
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publications"), 0);
    assert_int_equal(access(out_dir, F_OK), -1);
    /* a list is the whole store's: one canteen's would replace it */
    req.opts.canteen = "C1";
    assert_int_equal(publish_redblack(d, &req, &r), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "published for every canteen of the store at once"));
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM publications"), 0);
}

/* The weighings left out are counted in the CSV, the page and the PDF. */
static void test_flagged_counts_are_published(void **state)
{
    db *d = *state;
    char cmd[700], *csv, *html, *text;
    publish_res r;

    sql(d, "INSERT INTO waste_records(id, terminal, canteen_id, stage, diner_id, department_id,"
           " business_date, gross_g, tare_g, net_g, flags, actor, created_at)"
           " SELECT 'X-' || id, 'W1', 1, 'plate', id, department_id, '2026-11-09', 29700, 0,"
           " 29700, 2, 'test', '2026-11-09T12:30:00' FROM diners WHERE staff_no IN ('A1', 'A2')");
    sql(d, "INSERT INTO waste_records(id, terminal, canteen_id, stage, business_date, gross_g,"
           " tare_g, net_g, flags, actor, created_at) VALUES ('X-anon', 'W1', 1, 'plate',"
           " '2026-11-09', 29700, 0, 29700, 18, 'test', '2026-11-09T12:31:00')");
    assert_int_equal(publish(d, NULL, &r), CP_OK);
    csv = slurp(r.paths[1], NULL);
    assert_non_null(strstr(csv, ",A,甲处,30,6,30,"));
    assert_non_null(strstr(csv, ",2\r\n")); /* A's two trays left out */
    assert_null(strstr(csv, "29700"));
    free(csv);
    html = slurp(r.paths[2], NULL);
    assert_non_null(strstr(html, "本月有 3 次餐盘称重为异常"));
    free(html);
    snprintf(cmd, sizeof cmd, "pdftotext '%s' - 2>/dev/null | tr -d '\\n'", r.paths[0]);
    text = run(cmd);
    assert_non_null(strstr(text, "本月有 3 次餐盘称重为异常"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_files_and_rows),
        T(test_versions_need_a_reason),
        T(test_published_rows_cannot_change),
        T(test_changed_file_is_found),
        T(test_bad_folder_records_nothing),
        T(test_long_name_is_whole_and_hashed),
        T(test_rtl_and_formula_names),
        T(test_name_that_cannot_be_hashed),
        T(test_empty_month_is_refused),
        T(test_flagged_counts_are_published),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
