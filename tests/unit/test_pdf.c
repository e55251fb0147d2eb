/* Unit tests for backoffice/pdf: a Chinese report read back with pdftotext and rendered with pdftoppm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoffice/pdf.h"

#define NROWS 300

static char dir[] = "/tmp/cp-test-pdf-XXXXXX";

/* The department name of table row i (1-based), the same in every test. */
static void dept_name(char *buf, size_t n, int i)
{
    static const char *const kinds[] = {"办公室", "财务处", "后勤保障处", "信息中心", "食堂管理科"};
    snprintf(buf, n, "第%03d%s", i, kinds[i % 5]);
}

/* The whole output of a shell command, NUL-terminated; the caller frees it. */
static char *run(const char *fmt, ...)
{
    char cmd[1024], *out = NULL;
    size_t len = 0, cap = 0, k;
    va_list ap;
    FILE *p;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_non_null(p = popen(cmd, "r"));
    do {
        if (len + 4096 + 1 > cap)
            assert_non_null(out = realloc(out, cap = cap * 2 + 8192));
        k = fread(out + len, 1, 4096, p);
        len += k;
    } while (k > 0);
    out[len] = '\0';
    assert_int_equal(pclose(p), 0);
    return out;
}

/* pdftotext of pages first..last of file (last 0: to the end). */
static char *text_of(const char *file, int first, int last)
{
    if (last)
        return run("pdftotext -f %d -l %d '%s' - 2>/dev/null", first, last, file);
    return run("pdftotext '%s' - 2>/dev/null", file);
}

/* Renders one page in grey at 20 dpi; returns the share (0..1) of pixels darker than level. */
static double dark_share(const char *file, int page, int level)
{
    char prefix[128], path[160];
    int w = 0, h = 0, max = 0;
    long dark = 0;
    FILE *f;

    snprintf(prefix, sizeof prefix, "%s/page%d", dir, page);
    free(run("pdftoppm -gray -r 20 -f %d -l %d -singlefile '%s' '%s' 2>/dev/null", page, page,
             file, prefix));
    snprintf(path, sizeof path, "%s.pgm", prefix);
    assert_non_null(f = fopen(path, "rb"));
    assert_int_equal(fscanf(f, "P5 %d %d %d", &w, &h, &max), 3);
    fgetc(f);
    assert_true(w > 100 && h > 100 && max == 255);
    for (long i = 0; i < (long)w * h; i++) {
        int c = fgetc(f);
        assert_true(c != EOF);
        dark += c < level;
    }
    fclose(f);
    unlink(path);
    return (double)dark / ((double)w * h);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Removes every newline and space, so wrapped text can be compared with its source. */
static void squash(char *s)
{
    char *o = s;

    for (; *s; s++)
        if (*s != '\n' && *s != ' ' && *s != '\f')
            *o++ = *s;
    *o = '\0';
}

static int setup(void **state)
{
    (void)state;
    unsetenv("CLEANPLATE_FONT");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    if (getenv("CP_TEST_KEEP")) {   /* to look at the PDFs */
        fprintf(stderr, "kept %s\n", dir);
        return 0;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char LONG_ZH[] =
    "本月全市机关食堂共称重餐盘四十万余次，人均每餐浪费较上月下降百分之六。各部门应继续"
    "落实光盘行动，按需取餐，少量多次；食堂应根据就餐人数调整备餐量，减少超量制作和变质损耗。"
    "红黑榜依据公开规则计算，每个部门至少五名就餐人员方可上榜。";
static const char LONG_EN[] =
    "Plate waste is weighed at the tray return and attributed to the department of the diner "
    "at the time of the meal, so that rankings do not move when someone changes department "
    "later in the month. Supercalifragilisticexpialidociouswordthatislongerthanalineofthepage"
    "andmustbesplitbetweencharactersratherthanrunningoffthepageedge end.";

/* The full report: text, a 300-row table, three charts, a QR code; checked by reading it back. */
static void test_report(void **state)
{
    static const pdf_column cols[] = {
        {"名次", 0.08, PDF_RIGHT}, {"部门名称", 0, PDF_LEFT}, {"就餐人次", 0.14, PDF_RIGHT},
        {"克/盘", 0.12, PDF_RIGHT}, {"光盘率", 0.12, PDF_RIGHT}, {"榜单", 0.1, PDF_CENTER},
    };
    char file[160], name[64], rank[16], meals[16], gpt[16], rate[16], *txt, *p;
    const char *cells[6];
    const char *labels[80], *months[12];
    char label_buf[80][64], month_buf[12][16];
    int64_t values[80], trend[12], trend2[12], kitchen[3 * 4];
    pdf_mark marks[80];
    int table_first, table_last, chart_page, pages;
    pdf_doc *doc;

    (void)state;
    snprintf(file, sizeof file, "%s/report.pdf", dir);
    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_title(doc, "2026年11月 食堂浪费月报（红黑榜）"), CP_OK);
    assert_int_equal(pdf_kv(doc, "人均每餐浪费", "35.2 克/盘（上月 37.5，下降 2.3）"), CP_OK);
    assert_int_equal(pdf_kv(doc, "Coverage", "87.5%"), CP_OK);
    assert_int_equal(pdf_heading(doc, "一、食堂浪费概况"), CP_OK);
    assert_int_equal(pdf_paragraph(doc, LONG_ZH), CP_OK);
    assert_int_equal(pdf_paragraph(doc, LONG_EN), CP_OK);
    assert_int_equal(pdf_paragraph(doc, "第一行\n第二行"), CP_OK);
    /* a space early in Chinese text is no reason to break there */
    assert_int_equal(pdf_paragraph(doc, "注 各食堂应于每月五日前完成上月称重数据的核对，并将核对结果"
                                        "报送机关事务管理局，逾期未报送的食堂不参加当月排名。"), CP_OK);
    /* 45 characters fill a line: the full stop after them must not start the next one */
    assert_int_equal(pdf_paragraph(doc, "餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐"
                                        "餐餐餐餐餐餐餐餐餐餐餐餐餐餐餐。光盘"), CP_OK);
    assert_int_equal(pdf_heading(doc, "二、红黑榜"), CP_OK);
    table_first = pdf_page_count(doc);
    assert_int_equal(pdf_table_begin(doc, cols, 6, PDF_TABLE_ZEBRA), CP_OK);
    for (int i = 1; i <= NROWS; i++) {
        dept_name(name, sizeof name, i);
        snprintf(rank, sizeof rank, "%d", i);
        snprintf(meals, sizeof meals, "%d", 1000 + i * 7);
        snprintf(gpt, sizeof gpt, "%d.%d", 10 + i / 10, i % 10);
        snprintf(rate, sizeof rate, "%d%%", 99 - i / 4);
        cells[0] = rank, cells[1] = name, cells[2] = meals, cells[3] = gpt, cells[4] = rate;
        cells[5] = i <= 3 ? "红榜" : i > NROWS - 3 ? "黑榜" : NULL;
        assert_int_equal(pdf_table_row(doc, cells,
                                       i <= 3 ? PDF_MARK_RED : i > NROWS - 3 ? PDF_MARK_BLACK
                                                                             : PDF_MARK_NONE),
                         CP_OK);
    }
    assert_int_equal(pdf_table_end(doc), CP_OK);
    table_last = pdf_page_count(doc);
    assert_true(table_last - table_first >= 4);

    assert_int_equal(pdf_page_break(doc), CP_OK);
    chart_page = pdf_page_count(doc);
    for (int i = 0; i < 12; i++) {
        snprintf(month_buf[i], sizeof month_buf[i], "%d月", i + 1);
        months[i] = month_buf[i];
        trend[i] = 400 - i * 7;
        trend2[i] = i == 5 ? PDF_NO_VALUE : 300 + i * 3;
    }
    for (int i = 0; i < 12; i++) {
        dept_name(label_buf[i], sizeof label_buf[i], i + 1);
        labels[i] = label_buf[i];
        values[i] = 352 - i * 11;
        marks[i] = i < 3 ? PDF_MARK_RED : PDF_MARK_NONE;
    }
    values[11] = PDF_NO_VALUE;   /* a department without figures: no bar, "-" */
    pdf_bar_spec vbars = {.title = "各部门每盘浪费（前12名）", .unit = "克/盘", .labels = labels,
                          .values = values, .marks = marks, .n = 12, .scale = 10};
    assert_int_equal(pdf_bar_chart(doc, &vbars), CP_OK);
    pdf_line_spec line = {.title = "近12个月趋势", .unit = "克/盘", .labels = months, .n = 12,
                          .series_names = {"本食堂", "全市平均"}, .values = {trend, trend2},
                          .scale = 10};
    assert_int_equal(pdf_line_chart(doc, &line), CP_OK);
    static const char *const stages[] = {"备餐", "超量制作", "变质"};
    static const char *const cats[] = {"主食", "蔬菜", "肉类", "汤品"};
    for (int i = 0; i < 12; i++)
        kitchen[i] = 1000 + i * 850;
    pdf_group_spec group = {.title = "厨房浪费（按环节和类别）", .unit = "千克", .groups = stages,
                            .ngroups = 3, .series = cats, .nseries = 4, .values = kitchen,
                            .scale = 1000};
    assert_int_equal(pdf_grouped_chart(doc, &group), CP_OK);
    for (int i = 0; i < 80; i++) {
        dept_name(label_buf[i], sizeof label_buf[i], i + 1);
        labels[i] = label_buf[i];
        values[i] = 2000 - i * 23;
        marks[i] = i >= 77 ? PDF_MARK_BLACK : PDF_MARK_NONE;
    }
    pdf_bar_spec hbars = {.title = "各部门每盘浪费（80个部门）", .unit = "克/盘", .labels = labels,
                          .values = values, .marks = marks, .n = 80, .scale = 10,
                          .horizontal = 1};
    assert_int_equal(pdf_bar_chart(doc, &hbars), CP_OK);
    assert_int_equal(pdf_qr(doc, "cleanplate:publication:3f2a9c", 72), CP_OK);
    assert_int_equal(pdf_set_footer(doc, "生成于 2026-12-01 08:00  发布哈希 3f2a9c"), CP_OK);
    pages = pdf_page_count(doc);
    assert_int_equal(pdf_save(doc, file), CP_OK);
    pdf_free(doc);

    /* the whole text: headings, figures, footers with the page count */
    txt = text_of(file, 1, 0);
    assert_non_null(strstr(txt, "红黑榜"));
    assert_non_null(strstr(txt, "食堂浪费概况"));
    assert_non_null(strstr(txt, "35.2 克/盘"));
    assert_non_null(strstr(txt, "Coverage:"));
    assert_non_null(strstr(txt, "87.5%"));
    assert_non_null(strstr(txt, "第 1 页"));
    snprintf(name, sizeof name, "共 %d 页", pages);
    assert_int_equal(count(txt, name), pages);
    assert_int_equal(count(txt, "发布哈希 3f2a9c"), pages);
    assert_non_null(strstr(txt, "第一行\n第二行"));
    assert_non_null(strstr(txt, "注 各食堂应于每月五日前"));
    assert_non_null(strstr(txt, "\n餐。光盘"));
    assert_null(strstr(txt, "\n。"));
    /* wrapped: the paragraph is on several lines, and nothing is lost */
    assert_null(strstr(txt, LONG_ZH));
    assert_null(strstr(txt, "the month. Supercalifragilistic"));
    /* Latin words are never split, except the one too long for a line */
    assert_non_null(strstr(txt, "attributed"));
    assert_non_null(strstr(txt, "department"));
    squash(txt);
    {
        char zh[sizeof LONG_ZH], en[sizeof LONG_EN];
        strcpy(zh, LONG_ZH);
        strcpy(en, LONG_EN);
        squash(zh);
        squash(en);
        assert_non_null(strstr(txt, zh));
        assert_non_null(strstr(txt, en));
    }
    free(txt);

    /* the table's last page has the last department and its figures */
    txt = text_of(file, table_last, table_last);
    dept_name(name, sizeof name, NROWS);
    assert_non_null(strstr(txt, name));
    snprintf(gpt, sizeof gpt, "%d.%d", 10 + NROWS / 10, NROWS % 10);
    assert_non_null(strstr(txt, gpt));
    assert_non_null(strstr(txt, "黑榜"));
    assert_non_null(strstr(txt, "部门名称"));
    free(txt);

    /* the header row repeats on every page of the table, and no row is lost */
    for (int pg = table_first + 1; pg <= table_last; pg++) {
        txt = text_of(file, pg, pg);
        assert_non_null(strstr(txt, "部门名称"));
        assert_non_null(strstr(txt, "克/盘"));
        assert_non_null(strstr(txt, "光盘率"));
        free(txt);
    }
    txt = text_of(file, table_first, table_last);
    for (int i = 1; i <= NROWS; i++) {
        dept_name(name, sizeof name, i);
        assert_non_null(p = strstr(txt, name));
        assert_null(strstr(p + 1, name));
    }
    free(txt);

    /* the chart page has the chart texts: titles, legend, labels, values */
    txt = text_of(file, chart_page, chart_page);
    assert_non_null(strstr(txt, "近12个月趋势"));
    assert_non_null(strstr(txt, "全市平均"));
    assert_non_null(strstr(txt, "12月"));
    assert_non_null(strstr(txt, "35.2"));
    assert_non_null(strstr(txt, "超量制作"));
    free(txt);
    txt = text_of(file, chart_page, 0);
    dept_name(name, sizeof name, 80);
    assert_non_null(strstr(txt, name));
    assert_non_null(strstr(txt, "（续）"));
    free(txt);

    /* rendered pages are not blank; the chart page is mostly ink in bars */
    double text_share = dark_share(file, 1, 200), chart_share = dark_share(file, chart_page, 160);
    print_message("dark share: page 1 %.4f, chart page %.4f\n", text_share, chart_share);
    assert_true(text_share > 0.015);   /* about 0.027; a page with one word is 0.004 */
    assert_true(chart_share > 0.08);   /* about 0.14: the bars */
}

/* A missing or unusable font is a clear error that says what to do. */
static void test_font_errors(void **state)
{
    char path[160];
    pdf_doc *doc = (pdf_doc *)1;
    FILE *f;

    (void)state;
    assert_int_equal(pdf_new("/nonexistent/font.ttc", &doc), CP_ERR_NOT_FOUND);
    assert_null(doc);
    assert_non_null(strstr(cp_detail(), "/nonexistent/font.ttc"));
    assert_non_null(strstr(cp_detail(), "fonts-arphic-uming"));
    assert_non_null(strstr(cp_detail(), "CLEANPLATE_FONT"));

    setenv("CLEANPLATE_FONT", "/nonexistent/env.ttf", 1);
    assert_int_equal(pdf_new(NULL, &doc), CP_ERR_NOT_FOUND);
    assert_non_null(strstr(cp_detail(), "/nonexistent/env.ttf"));
    unsetenv("CLEANPLATE_FONT");

    snprintf(path, sizeof path, "%s/notafont.ttf", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("this is not a font, just some text that is long enough to be read", f);
    fclose(f);
    assert_int_equal(pdf_new(path, &doc), CP_ERR_UNSUPPORTED);
    assert_null(doc);
    assert_non_null(strstr(cp_detail(), "notafont.ttf"));
    assert_non_null(strstr(cp_detail(), "TrueType"));

    snprintf(path, sizeof path, "%s/cff.otf", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("OTTO\x00\x0b", f);
    fclose(f);
    assert_int_equal(pdf_new(path, &doc), CP_ERR_UNSUPPORTED);
    assert_non_null(strstr(cp_detail(), "OpenType/CFF"));
}

/* A character the font lacks is an error naming it, and the document will not save. */
static void test_missing_glyph(void **state)
{
    static const pdf_column cols[] = {{"部门", 0, PDF_LEFT}};
    const char *cells[1] = {"食堂\xE2\x80\x8B"}; /* U+200B ZERO WIDTH SPACE: not in uming */
    char file[160];
    pdf_doc *doc;

    (void)state;
    snprintf(file, sizeof file, "%s/glyph.pdf", dir);
    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_check_text(doc, "红黑榜 食堂 浪费 ABC 123 …，。"), CP_OK);
    assert_int_equal(pdf_check_text(doc, "浪费 \xF0\x9F\x98\x80"), CP_ERR_UNSUPPORTED);
    assert_non_null(strstr(cp_detail(), "U+1F600"));
    assert_non_null(strstr(cp_detail(), "\xF0\x9F\x98\x80"));
    assert_int_equal(pdf_check_text(doc, "x\xF4\x8F\xBF\xBF"), CP_ERR_UNSUPPORTED);
    assert_non_null(strstr(cp_detail(), "U+10FFFF"));
    assert_int_equal(pdf_check_text(doc, "\xEE\x80\x80"), CP_ERR_UNSUPPORTED);
    assert_non_null(strstr(cp_detail(), "U+E000"));
    assert_int_equal(pdf_check_text(doc, "bad \xE7\xBA"), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "UTF-8"));
    assert_int_equal(pdf_check_text(doc, "tab\there"), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "U+0009"));
    /* pdf_check_text alone does not spoil the document */
    assert_int_equal(pdf_paragraph(doc, "食堂"), CP_OK);

    assert_int_equal(pdf_table_begin(doc, cols, 1, 0), CP_OK);
    assert_int_equal(pdf_table_row(doc, cells, PDF_MARK_NONE), CP_ERR_UNSUPPORTED);
    assert_non_null(strstr(cp_detail(), "U+200B"));
    /* sticky: later calls and the save fail with the same detail, and no file is written */
    assert_int_equal(pdf_paragraph(doc, "食堂"), CP_ERR_UNSUPPORTED);
    assert_int_equal(pdf_save(doc, file), CP_ERR_UNSUPPORTED);
    assert_non_null(strstr(cp_detail(), "U+200B"));
    assert_int_equal(access(file, F_OK), -1);
    pdf_free(doc);

    /* the same in a chart label */
    const char *labels[] = {"财务处", "后勤\xF0\x9F\x8D\x9A"};
    int64_t values[] = {10, 20};
    pdf_bar_spec bars = {.labels = labels, .values = values, .n = 2};
    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_bar_chart(doc, &bars), CP_ERR_UNSUPPORTED);
    assert_non_null(strstr(cp_detail(), "U+1F35A"));
    pdf_free(doc);
    pdf_free(NULL);
}

/* What the notice was told, for test_shown. */
static int notices;
static char last_text[256], last_drawn[256], last_changes[512];

static void count_notice(void *arg, const char *text, const char *drawn, const char *changes)
{
    (void)arg;
    notices++;
    snprintf(last_text, sizeof last_text, "%s", text);
    snprintf(last_drawn, sizeof last_drawn, "%s", drawn);
    snprintf(last_changes, sizeof last_changes, "%s", changes);
}

/* People's text is drawn as the font can: bidi controls out, what the font
 * lacks and bytes that are not UTF-8 as a visible replacement, said once per
 * text; the document never fails for it. */
static void test_shown(void **state)
{
    static const pdf_column cols[] = {{"部门", 0, PDF_LEFT}, {"盘数", 60, PDF_RIGHT}};
    const char *ok = "财务处 Finance 123";
    const char *rlo = "财务处\xE2\x80\xAE" "abc\xE2\x81\xA6"; /* U+202E, U+2066 */
    const char *emoji = "后勤\xF0\x9F\x8D\x9A\xE2\x80\x8B处"; /* U+1F35A, U+200B */
    const char *broken = "食堂\xE7\xBA";                       /* cut inside a character */
    const char *cells[2];
    char file[160], *txt;
    pdf_doc *doc;

    (void)state;
    snprintf(file, sizeof file, "%s/shown.pdf", dir);
    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    pdf_set_notice(doc, count_notice, NULL);
    notices = 0;
    assert_ptr_equal(pdf_shown(doc, ok), ok); /* nothing to change: the text itself */
    assert_int_equal(notices, 0);
    assert_string_equal(pdf_shown(doc, rlo), "财务处abc");
    assert_int_equal(notices, 1);
    assert_string_equal(last_text, "财务处<U+202E>abc<U+2066>");
    assert_non_null(strstr(last_changes, "2 bidi controls taken out"));
    assert_string_equal(pdf_shown(doc, emoji), "后勤??处");
    assert_non_null(strstr(last_changes, "U+1F35A, U+200B are not in the font"));
    assert_string_equal(pdf_shown(doc, broken), "食堂?");
    assert_string_equal(last_text, "食堂<\\xE7><\\xBA>");
    assert_non_null(strstr(last_changes, "2 bytes not UTF-8"));
    assert_int_equal(notices, 3);
    assert_ptr_equal(pdf_shown(doc, rlo), pdf_shown(doc, rlo)); /* the same copy, said once */
    assert_int_equal(notices, 3);
    assert_null(pdf_shown(doc, NULL));

    assert_int_equal(pdf_table_begin(doc, cols, 2, 0), CP_OK);
    cells[1] = "7";
    const char *texts[] = {ok, rlo, emoji, broken};
    for (int i = 0; i < 4; i++) {
        cells[0] = pdf_shown(doc, texts[i]);
        assert_int_equal(pdf_table_row(doc, cells, PDF_MARK_NONE), CP_OK);
    }
    assert_int_equal(pdf_table_end(doc), CP_OK);
    assert_int_equal(pdf_save(doc, file), CP_OK);
    pdf_free(doc);
    txt = text_of(file, 1, 0);
    assert_non_null(strstr(txt, "财务处abc"));
    assert_non_null(strstr(txt, "后勤??处"));
    assert_null(strstr(txt, "\xE2\x80\xAE"));
    free(txt);
}

/* A mark (a provisional report's) is drawn at the top of every page. */
static void test_mark_on_every_page(void **state)
{
    char file[160], *txt;
    pdf_doc *doc;

    (void)state;
    snprintf(file, sizeof file, "%s/mark.pdf", dir);
    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_set_mark(doc, "临时报告 PROVISIONAL"), CP_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pdf_paragraph(doc, "食堂"), CP_OK);
        assert_int_equal(pdf_page_break(doc), CP_OK);
    }
    assert_int_equal(pdf_paragraph(doc, "食堂"), CP_OK);
    assert_int_equal(pdf_page_count(doc), 4);
    assert_int_equal(pdf_save(doc, file), CP_OK);
    pdf_free(doc);
    for (int page = 1; page <= 4; page++) {
        txt = text_of(file, page, page);
        assert_non_null(strstr(txt, "临时报告 PROVISIONAL"));
        free(txt);
    }
}

/* Narrow cells are cut with an ellipsis, or wrapped on request; nothing spills. */
static void test_cells(void **state)
{
    static const pdf_column cut_cols[] = {{"名称", 80, PDF_LEFT}, {"数值", 60, PDF_RIGHT}};
    static const pdf_column wrap_cols[] = {{"说明", 0.3, PDF_LEFT}, {"数值", 60, PDF_RIGHT}};
    const char *cut[] = {"中华人民共和国某某省某某市机关事务管理局后勤服务中心", "12345.6"};
    const char *wrap[] = {"中华人民共和国某某省某某市机关事务管理局后勤服务中心", "7.5"};
    char file[160], *txt;
    pdf_doc *doc;

    (void)state;
    snprintf(file, sizeof file, "%s/cells.pdf", dir);
    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_table_begin(doc, cut_cols, 2, 0), CP_OK);
    assert_int_equal(pdf_table_row(doc, cut, PDF_MARK_RED), CP_OK);
    assert_int_equal(pdf_table_end(doc), CP_OK);
    assert_int_equal(pdf_table_row(doc, cut, PDF_MARK_RED), CP_ERR_INVALID);
    pdf_free(doc);

    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_table_begin(doc, cut_cols, 2, 0), CP_OK);
    assert_int_equal(pdf_table_row(doc, cut, PDF_MARK_RED), CP_OK);
    assert_int_equal(pdf_table_end(doc), CP_OK);
    assert_int_equal(pdf_table_begin(doc, wrap_cols, 2, PDF_TABLE_WRAP), CP_OK);
    assert_int_equal(pdf_table_row(doc, wrap, PDF_MARK_NONE), CP_OK);
    assert_int_equal(pdf_table_end(doc), CP_OK);
    assert_int_equal(pdf_save(doc, file), CP_OK);
    assert_int_equal(pdf_paragraph(doc, "after save"), CP_ERR_INVALID);
    pdf_free(doc);

    txt = text_of(file, 1, 0);
    assert_non_null(strstr(txt, "中华人民共和国…"));
    assert_non_null(strstr(txt, "12345.6"));
    assert_null(strstr(txt, "中华人民共和国某某省某某市机关事务管理局后勤服务中心"));
    squash(txt);
    assert_non_null(strstr(txt, "中华人民共和国某某省某某市机关事务管理局后勤服务中心"));
    free(txt);
}

/* Saving goes through a temporary file: a bad folder leaves nothing, a good save replaces. */
static void test_save(void **state)
{
    char file[160], bad[160];
    struct dirent *e;
    pdf_doc *doc;
    DIR *dp;
    FILE *f;

    (void)state;
    snprintf(file, sizeof file, "%s/saved.pdf", dir);
    snprintf(bad, sizeof bad, "%s/no/such/folder.pdf", dir);
    assert_non_null(f = fopen(file, "w"));
    fputs("old", f);
    fclose(f);

    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_paragraph(doc, "食堂"), CP_OK);
    assert_int_equal(pdf_save(doc, bad), CP_ERR_IO);
    assert_non_null(strstr(cp_detail(), "folder.pdf"));
    pdf_free(doc);

    assert_int_equal(pdf_new(NULL, &doc), CP_OK);
    assert_int_equal(pdf_paragraph(doc, "食堂"), CP_OK);
    assert_int_equal(pdf_save(doc, file), CP_OK);
    pdf_free(doc);
    assert_non_null(f = fopen(file, "rb"));
    char head[5] = {0};
    assert_int_equal(fread(head, 1, 4, f), 4);
    fclose(f);
    assert_string_equal(head, "%PDF");
    /* the measure of test_report tells a page with one word from a full one */
    assert_true(dark_share(file, 1, 200) < 0.01);
    assert_non_null(dp = opendir(dir));
    while ((e = readdir(dp)))
        assert_null(strstr(e->d_name, ".tmp-"));
    closedir(dp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_font_errors),
        cmocka_unit_test(test_missing_glyph),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_save),
        cmocka_unit_test(test_shown),
        cmocka_unit_test(test_mark_on_every_page),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
