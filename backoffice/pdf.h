/* pdf: a small A4 layout toolkit over libharu for Chinese reports: flowing text, tables, charts, footers. */
#ifndef CP_PDF_H
#define CP_PDF_H

/*
 * How to use it
 *
 *     pdf_doc *doc;
 *     if ((err = pdf_new(NULL, &doc)))            // font from $CLEANPLATE_FONT or uming.ttc
 *         return err;                              // cp_detail() says what to install
 *     pdf_title(doc, "2026年11月 食堂浪费月报");
 *     pdf_kv(doc, "人均浪费", "35.2 克/盘");
 *     pdf_table_begin(doc, cols, 4, PDF_TABLE_ZEBRA);
 *     for (...) pdf_table_row(doc, cells, PDF_MARK_RED);
 *     pdf_table_end(doc);
 *     pdf_set_footer(doc, "生成于 2026-12-01 08:00  发布哈希 3f2a…");
 *     err = pdf_save(doc, "report.pdf");
 *     pdf_free(doc);
 *
 * The document keeps a cursor that moves down the page; every call draws at
 * the cursor and starts a new page when the next piece does not fit. All text
 * is UTF-8. Every character is checked against the font before anything is
 * drawn: a character the font lacks is an error (CP_ERR_UNSUPPORTED) whose
 * detail names it, so a PDF never has a silently blank spot.
 *
 * Errors are sticky: after the first failure every later call returns the same
 * code and pdf_save() refuses to write, so a caller may check only the save.
 * All strings passed in are copied or used at once; the caller keeps them.
 */

#include <stdint.h>

#include "core/err.h"

/* The font used when neither the argument nor $CLEANPLATE_FONT names one
 * (Debian package fonts-arphic-uming). */
#define PDF_DEFAULT_FONT "/usr/share/fonts/truetype/arphic/uming.ttc"

typedef struct pdf_doc pdf_doc;

/* ---- document ------------------------------------------------------------ */

/* Creates an empty A4 portrait document, compressed, with the TrueType font at
 * font_path (index 0 of a .ttc) embedded for UTF-8 text. font_path NULL means
 * $CLEANPLATE_FONT, or PDF_DEFAULT_FONT when that is unset. A missing font is
 * CP_ERR_NOT_FOUND, a font libharu cannot load CP_ERR_UNSUPPORTED; the detail
 * says which package to install or which setting to change.
 * The caller owns *out and frees it with pdf_free(). */
cp_err pdf_new(const char *font_path, pdf_doc **out);

/* Frees a document; accepts NULL. */
void pdf_free(pdf_doc *doc);

/* Sets the text drawn at the bottom left of every page (generation time,
 * publication hash); the page number "第 N 页 / 共 M 页" is drawn at the right.
 * The text is copied. Footers are drawn by pdf_save(), once the page count is known. */
cp_err pdf_set_footer(pdf_doc *doc, const char *text);

/* Sets a mark drawn in red at the top of every page (a draft: "临时报告"), by
 * pdf_save() like the footer. The text is copied. */
cp_err pdf_set_mark(pdf_doc *doc, const char *text);

/* Draws the footers and writes the PDF to path through a temporary file in
 * the same folder that is renamed over path, so path is never half written.
 * Call it once; the document cannot be changed afterwards. */
cp_err pdf_save(pdf_doc *doc, const char *path);

/* Number of pages so far (at least 1). */
int pdf_page_count(const pdf_doc *doc);

/* Returns CP_OK when text is valid UTF-8 and every character is in the font;
 * otherwise CP_ERR_INVALID (bad UTF-8) or CP_ERR_UNSUPPORTED with a detail
 * naming the character, e.g. "U+1F600 '😀' is not in the font ...".
 * Every drawing call does this itself; it is public for checking input early. */
cp_err pdf_check_text(pdf_doc *doc, const char *text);

/* People's text (names, categories, reasons) is never a reason to fail a
 * document: pdf_shown gives the form of it the document can draw. Text that
 * is drawable as it is comes back as it is; otherwise a copy (owned by the
 * document, the same one for the same text) with bidi controls (U+202A-U+202E,
 * U+2066-U+2069) taken out and every character the font lacks, every control
 * character and every byte that is not UTF-8 shown as U+FFFD (or '?' when the
 * font lacks that too). The first time a text is changed the document's
 * notice says which text (printable: what cannot be drawn as <U+XXXX>) and
 * what was changed; by default one line on stderr. NULL only when out of
 * memory (then a sticky error, like any other). */
const char *pdf_shown(pdf_doc *doc, const char *text);

/* Who is told that a text was changed: fn(arg, text, drawn, changes); NULL
 * for the default (one line on stderr). */
typedef void pdf_notice_fn(void *arg, const char *text, const char *drawn, const char *changes);
void pdf_set_notice(pdf_doc *doc, pdf_notice_fn *fn, void *arg);

/* ---- flowing text ---------------------------------------------------------- */

/* A large title (18 pt), wrapped to the text width. */
cp_err pdf_title(pdf_doc *doc, const char *text);

/* A section heading (13 pt); it is kept on the same page as the next few lines. */
cp_err pdf_heading(pdf_doc *doc, const char *text);

/* Body text (10.5 pt) wrapped to the text width: Latin breaks at spaces,
 * Chinese between any two characters (not before closing punctuation such as
 * '，' or '。'); '\n' starts a new line. A word longer than a line is split
 * between characters, never inside a UTF-8 sequence. */
cp_err pdf_paragraph(pdf_doc *doc, const char *text);

/* One summary line "key: value", keys in a fixed column, value wrapped beside it. */
cp_err pdf_kv(pdf_doc *doc, const char *key, const char *value);

/* Moves the cursor down by points (a page break if it runs off the page). */
cp_err pdf_space(pdf_doc *doc, double points);

/* Starts a new page (nothing happens on a page with nothing on it). */
cp_err pdf_page_break(pdf_doc *doc);

/* ---- tables ------------------------------------------------------------------ */

typedef enum pdf_align { PDF_LEFT, PDF_RIGHT, PDF_CENTER } pdf_align;

/* A colour mark drawn as a strip at the left of a table row or on a bar. */
typedef enum pdf_mark { PDF_MARK_NONE, PDF_MARK_RED, PDF_MARK_BLACK, PDF_MARK_GREEN } pdf_mark;

/* A table column. width <= 1 is a fraction of the text width, width > 1 is
 * points; 0 shares what is left equally among such columns. Numbers read best
 * with PDF_RIGHT. */
typedef struct pdf_column {
    const char *title;
    double width;
    pdf_align align;
} pdf_column;

/* Flags for pdf_table_begin(). */
enum {
    PDF_TABLE_ZEBRA = 1 << 0, /* shade every other row */
    PDF_TABLE_WRAP = 1 << 1,  /* wrap long cells onto more lines (else cut with "…") */
};

/* Starts a table at the cursor and draws its header row. The header row is
 * drawn again at the top of every page the table breaks onto. The column
 * array is copied. Only one table is open at a time. */
cp_err pdf_table_begin(pdf_doc *doc, const pdf_column *cols, int ncols, int flags);

/* Draws one row of ncols UTF-8 cells (NULL is an empty cell) with an optional
 * colour mark; a row is never split across pages. */
cp_err pdf_table_row(pdf_doc *doc, const char *const *cells, pdf_mark mark);

/* Ends the table and moves the cursor below it. */
cp_err pdf_table_end(pdf_doc *doc);

/* ---- charts (vector graphics) ---------------------------------------------------------- */

/* Marks a missing value: a gap in a line chart, no bar and "-" in bar charts. */
#define PDF_NO_VALUE INT64_MIN

/* A bar chart: one bar per label. Values are integers in units of 1/scale
 * (scale 10: tenths, so 352 is drawn as 35.2); scale 0 means 1.
 * Horizontal charts give each bar a readable row and continue on the next
 * page when they run out of room, so thousands of bars stay legible (a top or
 * bottom N is usually more useful). Vertical charts are cut into panels of at
 * most as many bars as fit side by side. marks may be NULL. */
typedef struct pdf_bar_spec {
    const char *title;
    const char *unit;                /* axis caption, e.g. "克/盘"; may be NULL */
    const char *const *labels;
    const int64_t *values;
    const pdf_mark *marks;           /* per bar colour, or NULL */
    int n;
    int scale;
    int horizontal;
} pdf_bar_spec;

cp_err pdf_bar_chart(pdf_doc *doc, const pdf_bar_spec *spec);

/* A line chart over n x labels (e.g. 12 months) with one or two series;
 * a value PDF_NO_VALUE leaves a gap. */
typedef struct pdf_line_spec {
    const char *title;
    const char *unit;
    const char *const *labels;
    int n;
    const char *series_names[2];     /* legend; may be NULL */
    const int64_t *values[2];        /* values[s][i]; values[1] NULL for one series */
    int scale;
} pdf_line_spec;

cp_err pdf_line_chart(pdf_doc *doc, const pdf_line_spec *spec);

/* A grouped bar chart: for each group (e.g. a stage) one bar per series
 * (e.g. a category), with a legend. values[g * nseries + s]; at most 6 series. */
typedef struct pdf_group_spec {
    const char *title;
    const char *unit;
    const char *const *groups;
    int ngroups;
    const char *const *series;
    int nseries;
    const int64_t *values;
    int scale;
} pdf_group_spec;

cp_err pdf_grouped_chart(pdf_doc *doc, const pdf_group_spec *spec);

/* ---- extras ---------------------------------------------------------------------- */

/* A QR code of text (e.g. a verification URL or hash) size points wide, at
 * the left of the cursor, drawn as filled squares (libqrencode). */
cp_err pdf_qr(pdf_doc *doc, const char *text, double size);

#endif
