/* bench_pdf: a 2,000-department table through backoffice/pdf against bare libharu writing the same rows.
 *
 * Usage: bench_pdf BUILD_DIR [ROWS]
 * Both sides embed the same TrueType font (PDF_DEFAULT_FONT or $CLEANPLATE_FONT)
 * with UTF-8 text, compressed, in the same run; each is timed three times and
 * the median is shown:
 *   baseline  bare libharu: one line of text per row, a new page every 60 rows;
 *   pdf       pdf_new, a title, a zebra table of 6 columns with red/black
 *             marks and a repeated header, page footers, pdf_save;
 *   + chart   the same, then a horizontal bar chart of all departments, which
 *             continues over as many pages as it needs.
 * Sizes are in MB of 10^6 bytes. Results are rows (bench.h) for tests/bench/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hpdf.h>

#include "backoffice/pdf.h"
#include "tests/bench/bench.h"

static const char *const kinds[] = {"办公室", "财务处", "后勤保障处", "信息中心", "食堂管理科",
                                    "人事教育处", "机关党委"};

static void die(const char *what)
{
    fprintf(stderr, "bench_pdf: %s: %s\n", what, cp_detail());
    exit(1);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The figures of row i as strings. */
typedef struct row {
    char rank[16], name[64], meals[16], trays[16], gpt[16], rate[16];
} row;

static void make_row(row *r, int i)
{
    snprintf(r->rank, sizeof r->rank, "%d", i);
    snprintf(r->name, sizeof r->name, "第%04d号%s", i, kinds[i % 7]);
    snprintf(r->meals, sizeof r->meals, "%d", 900 + (i * 37) % 2000);
    snprintf(r->trays, sizeof r->trays, "%d", 800 + (i * 31) % 1800);
    snprintf(r->gpt, sizeof r->gpt, "%d.%d", 12 + i / 40, i % 10);
    snprintf(r->rate, sizeof r->rate, "%d.%d%%", 99 - i / 25, (i * 7) % 10);
}

static void hpdf_error(HPDF_STATUS no, HPDF_STATUS detail, void *data)
{
    (void)data;
    fprintf(stderr, "bench_pdf: libharu error 0x%04X (%u)\n", (unsigned)no, (unsigned)detail);
    exit(1);
}

/* Bare libharu: the rows as lines of text, no layout. */
static void bare(const char *font, const char *path, int n)
{
    HPDF_Doc pdf = HPDF_New(hpdf_error, NULL);
    HPDF_Page page = NULL;
    HPDF_Font f;
    const char *name;
    char line[256];
    row r;

    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(pdf);
    HPDF_SetCurrentEncoder(pdf, "UTF-8");
    name = strstr(font, ".ttc") ? HPDF_LoadTTFontFromFile2(pdf, font, 0, HPDF_TRUE)
                                : HPDF_LoadTTFontFromFile(pdf, font, HPDF_TRUE);
    f = HPDF_GetFont(pdf, name, "UTF-8");
    for (int i = 1; i <= n; i++) {
        if ((i - 1) % 60 == 0) {
            page = HPDF_AddPage(pdf);
            HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
        }
        make_row(&r, i);
        snprintf(line, sizeof line, "%s  %s  %s  %s  %s  %s", r.rank, r.name, r.meals, r.trays,
                 r.gpt, r.rate);
        HPDF_Page_BeginText(page);
        HPDF_Page_SetFontAndSize(page, f, 9);
        HPDF_Page_TextOut(page, 56, (HPDF_REAL)(780 - ((i - 1) % 60) * 12), line);
        HPDF_Page_EndText(page);
    }
    HPDF_SaveToFile(pdf, path);
    HPDF_Free(pdf);
}

/* The toolkit: a titled table with marks, zebra rows and a header on every page;
 * with chart set, also a horizontal bar chart of all n departments (paged). */
static int with_toolkit(const char *font, const char *path, int n, int chart)
{
    static const pdf_column cols[] = {
        {"名次", 0.08, PDF_RIGHT},   {"部门", 0, PDF_LEFT},     {"就餐人次", 0.13, PDF_RIGHT},
        {"称重盘数", 0.13, PDF_RIGHT}, {"克/盘", 0.11, PDF_RIGHT}, {"光盘率", 0.11, PDF_RIGHT},
    };
    const char *cells[6];
    pdf_doc *doc;
    int pages;
    row r;

    if (pdf_new(font, &doc))
        die("pdf_new");
    if (pdf_title(doc, "2026年11月 各部门餐盘浪费明细") ||
        pdf_table_begin(doc, cols, 6, PDF_TABLE_ZEBRA))
        die("starting");
    for (int i = 1; i <= n; i++) {
        make_row(&r, i);
        cells[0] = r.rank, cells[1] = r.name, cells[2] = r.meals, cells[3] = r.trays;
        cells[4] = r.gpt, cells[5] = r.rate;
        if (pdf_table_row(doc, cells, i <= 3 ? PDF_MARK_RED : i > n - 3 ? PDF_MARK_BLACK
                                                                        : PDF_MARK_NONE))
            die("a row");
    }
    if (pdf_table_end(doc))
        die("ending the table");
    if (chart) {
        char(*names)[64] = calloc((size_t)n, sizeof *names);
        const char **labels = calloc((size_t)n, sizeof *labels);
        int64_t *values = calloc((size_t)n, sizeof *values);
        if (!names || !labels || !values)
            die("memory");
        for (int i = 0; i < n; i++) {
            make_row(&r, i + 1);
            memcpy(names[i], r.name, sizeof names[i]);
            labels[i] = names[i];
            values[i] = 120 + (i + 1) / 4;
        }
        pdf_bar_spec bars = {.title = "各部门每盘浪费", .unit = "克/盘", .labels = labels,
                             .values = values, .n = n, .scale = 10, .horizontal = 1};
        if (pdf_page_break(doc) || pdf_bar_chart(doc, &bars))
            die("the chart");
        free(names);
        free(labels);
        free(values);
    }
    if (pdf_set_footer(doc, "生成于 2026-12-01 08:00") ||
        pdf_save(doc, path))
        die("saving");
    pages = pdf_page_count(doc);
    pdf_free(doc);
    return pages;
}

int main(int argc, char **argv)
{
    int n = argc > 2 ? atoi(argv[2]) : 2000, pages = 0;
    const char *font = getenv("CLEANPLATE_FONT");
    char dir[] = "/tmp/cp-bench-pdf-XXXXXX", base_path[64], pdf_path[64], cmd[64];
    double tb[3], tp[3], tc[3], t0;
    long sb, sp, sc;
    char name[64];
    static const char bare_libharu[] = "bare libharu, same font and rows, no layout";

    (void)argv;
    if (!font || !*font)
        font = PDF_DEFAULT_FONT;
    if (n < 1 || !mkdtemp(dir))
        return 1;
    fprintf(stderr, "pdf: %d rows through bare libharu and the PDF toolkit, 3 times each...\n",
            n);
    snprintf(base_path, sizeof base_path, "%s/bare.pdf", dir);
    snprintf(pdf_path, sizeof pdf_path, "%s/toolkit.pdf", dir);
    for (int k = 0; k < 3; k++) {
        t0 = bench_now_s();
        bare(font, base_path, n);
        tb[k] = bench_now_s() - t0;
        t0 = bench_now_s();
        pages = with_toolkit(font, pdf_path, n, 0);
        tp[k] = bench_now_s() - t0;
    }
    sp = file_size(pdf_path);
    for (int k = 0; k < 3; k++) {
        t0 = bench_now_s();
        with_toolkit(font, pdf_path, n, 1);
        tc[k] = bench_now_s() - t0;
    }
    sc = file_size(pdf_path);
    qsort(tb, 3, sizeof tb[0], bench_cmp_double);
    qsort(tp, 3, sizeof tp[0], bench_cmp_double);
    qsort(tc, 3, sizeof tc[0], bench_cmp_double);
    sb = file_size(base_path);

    fprintf(stderr, "pdf: %d rows on %d pages\n", n, pages);
    snprintf(name, sizeof name, "PDF %d-row table, time (median of 3)", n);
    bench_row_emit("pdf", &(bench_row){.name = name, .value = tp[1], .unit = "s",
                                       .base = tb[1], .baseline = bare_libharu,
                                       .goal = "< 1 s", .met = tp[1] < 1.0});
    snprintf(name, sizeof name, "PDF %d-row table, size", n);
    bench_row_emit("pdf", &(bench_row){.name = name, .value = sp / 1e6, .unit = "MB",
                                       .base = sb / 1e6, .baseline = bare_libharu,
                                       .goal = "< 1 MB", .met = sp > 0 && sp < 1000000});
    snprintf(name, sizeof name, "PDF %d rows + bar chart, time", n);
    bench_row_emit("pdf", &(bench_row){.name = name, .value = tc[1], .unit = "s",
                                       .base = tb[1], .baseline = bare_libharu,
                                       .goal = "< 1 s", .met = tc[1] < 1.0});
    snprintf(name, sizeof name, "PDF %d rows + bar chart, size", n);
    bench_row_emit("pdf", &(bench_row){.name = name, .value = sc / 1e6, .unit = "MB",
                                       .base = sb / 1e6, .baseline = bare_libharu,
                                       .goal = "< 1 MB", .met = sc > 0 && sc < 1000000});
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
