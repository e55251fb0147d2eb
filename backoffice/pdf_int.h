/* pdf_int: the inside of the PDF toolkit, shared by its files (pdf.c the
 * document, pages, errors, drawing primitives and flowing text; pdf_text.c
 * the font's glyphs, people's text that cannot be drawn and line breaking;
 * pdf_table.c tables; pdf_chart.c charts). Nothing outside them includes it. */
#ifndef CP_PDF_INT_H
#define CP_PDF_INT_H

#include <stddef.h>
#include <stdint.h>

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_fontdef.h>

#include "backoffice/pdf.h"
#include "backoffice/text.h"
#include "core/err.h"

/* ---- page geometry and type sizes (points; A4 is 595.276 x 841.89) ------------- */

#define PAGE_W 595.276
#define PAGE_H 841.89
#define MARGIN_X 56.7                 /* 2 cm */
#define MARGIN_TOP 56.7
#define MARGIN_BOTTOM 62.0            /* room for the footer below */
#define TEXT_W (PAGE_W - 2 * MARGIN_X)
#define TOP_Y (PAGE_H - MARGIN_TOP)

#define TITLE_SIZE 18.0
#define HEADING_SIZE 13.0
#define BODY_SIZE 10.5
#define TABLE_SIZE 9.0
#define CHART_TITLE_SIZE 10.5
#define CHART_SIZE 7.5
#define VALUE_SIZE 6.5
#define FOOTER_SIZE 8.0
#define LEADING 1.45                  /* line height / type size */
#define KV_KEY_W 120.0
#define CELL_PAD_X 4.0
#define CELL_PAD_Y 2.5
#define CELL_MAX_LINES 4
#define MARK_W 3.5

#define WIDTH_UNKNOWN (-1)
#define WIDTH_MISSING (-2)

/* A text that could not be drawn as it was, and what is drawn instead. */
struct shown {
    char *text, *drawn;
    struct shown *next;
};

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb INK = {0.10, 0.10, 0.10};
static const rgb GREY_TEXT = {0.35, 0.35, 0.35};
static const rgb RULE = {0.55, 0.55, 0.55};
static const rgb GRID = {0.85, 0.85, 0.85};
static const rgb HEADER_FILL = {0.87, 0.89, 0.92};
static const rgb ZEBRA_FILL = {0.95, 0.96, 0.97};
/* Series colours: distinct in colour and still apart in grey. */
static const rgb PALETTE[6] = {
    {0.22, 0.42, 0.69}, {0.93, 0.55, 0.17}, {0.40, 0.65, 0.35},
    {0.55, 0.35, 0.65}, {0.60, 0.60, 0.60}, {0.80, 0.30, 0.30},
};

/* The open table: its columns (titles copied) and where each column starts. */
typedef struct table_state {
    int open;
    int ncols;
    int flags;
    int nrows;                       /* data rows so far, for zebra shading */
    char **titles;
    pdf_align *align;
    double *x, *w;
} table_state;

struct pdf_doc {
    HPDF_Doc pdf;
    HPDF_Font font;
    HPDF_FontDef fontdef;
    char *font_path;
    HPDF_Page page;
    int npages;
    double y;                        /* cursor: top of the next thing drawn */
    char *footer;
    char *mark;                      /* drawn at the top of every page, or NULL */
    const char *ellipsis;            /* "…" or "..." when the font lacks it */
    table_state table;
    int saved;
    /* errors: the first libharu error seen by the handler, and the sticky one */
    HPDF_STATUS herr, hdetail;
    int ignore_eof;                  /* reading the saved stream: its end is no error */
    cp_err err;
    char errmsg[512];
    /* people's texts that had to change to be drawn (pdf_shown), and who is told */
    struct shown *shown;
    pdf_notice_fn *notice;
    void *notice_arg;
    /* scratch buffer for NUL-terminated copies of line slices */
    char *buf;
    size_t bufcap;
    /* advance widths in 1/1000 em per BMP code point, or WIDTH_UNKNOWN/MISSING */
    short width[65536];
};


/* UTF-8 is decoded by the module that cleans people's text (text_utf8_next). */
#define utf8_next text_utf8_next

/* A line of text found by pdf_next_line: bytes [start, start + len). */
typedef struct line {
    size_t start, len;
} line;

/* ---- shared by pdf.c, pdf_text.c, pdf_table.c and pdf_chart.c ---------------- */

/* Errors (pdf.c). Every public drawing call starts with pdf_enter, which
 * refuses a failed or saved document, and ends with pdf_leave, which makes
 * err (or a libharu error) sticky and returns it; pdf_fail records err with
 * a formatted detail as the document's sticky error and returns it. */
cp_err pdf_enter(pdf_doc *d);
cp_err pdf_leave(pdf_doc *d, cp_err err);
cp_err pdf_fail(pdf_doc *d, cp_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The font's glyphs and line breaking (pdf_text.c): the width of code point
 * cp in 1/1000 em (-1: no glyph); the width in points of len bytes of checked
 * text at size; the next line of checked text s from *pos that fits max_w
 * points at size, *pos advanced past it (0 when the text is used up). */
int pdf_glyph_width(pdf_doc *d, uint32_t cp);
double pdf_measure(pdf_doc *d, const char *s, size_t len, double size);
int pdf_next_line(pdf_doc *d, const char *s, size_t *pos, double size, double max_w, line *out);

/* Drawing primitives (pdf.c). */
void pdf_stroke_rgb(pdf_doc *d, rgb c);
rgb pdf_mark_rgb(pdf_mark m);
void pdf_rect(pdf_doc *d, double x, double y, double w, double h, rgb c);
void pdf_hline(pdf_doc *d, double x0, double x1, double y, double width, rgb c);
void pdf_vline(pdf_doc *d, double x, double y0, double y1, double width, rgb c);
/* len bytes of checked text s, its left end at x, on baseline y. */
cp_err pdf_text_at(pdf_doc *d, double x, double y, double size, rgb c, const char *s, size_t len);
/* The first line of checked text s cut to max_w points with an ellipsis,
 * aligned in [x, x + max_w] on baseline y. */
cp_err pdf_text_fit(pdf_doc *d, double x, double y, double max_w, pdf_align align, double size,
                    rgb c, const char *s);
/* The baseline of a line of type size whose line box of height lead has its bottom at y. */
double pdf_baseline(double y, double lead, double size);

/* Pages (pdf.c): a new page unless h points fit above the bottom margin (or
 * the page is fresh); the cursor down by pts unless at the top of a page. */
cp_err pdf_need(pdf_doc *d, double h);
void pdf_gap(pdf_doc *d, double pts);

/* Tables (pdf_table.c): the open table's header row drawn at the cursor (again
 * on each new page); what the open table owns freed and the table closed. */
cp_err pdf_table_header(pdf_doc *d);
void pdf_table_forget(table_state *t);

#endif
