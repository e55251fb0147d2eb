/* pdf: a small A4 layout toolkit over libharu for Chinese reports: flowing text, tables, charts, footers. */
#include "backoffice/pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoffice/text.h"
#include "core/nls.h"

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_fontdef.h>
#include <qrencode.h>

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

/* ---- errors --------------------------------------------------------------------- */

/* libharu calls this on every error; the first one is kept and reported by leave(). */
static void on_hpdf_error(HPDF_STATUS no, HPDF_STATUS detail, void *data)
{
    pdf_doc *d = data;

    if (d->ignore_eof && no == HPDF_STREAM_EOF)
        return;
    if (!d->herr) {
        d->herr = no;
        d->hdetail = detail;
    }
}

/* A person's text for the libharu errors we can meet, in the user's language; static storage. */
static const char *hpdf_text(HPDF_STATUS no)
{
    switch (no) {
    case HPDF_FAILD_TO_ALLOC_MEM: return _("out of memory");
    case HPDF_FILE_IO_ERROR: return _("file input/output error");
    case HPDF_FILE_OPEN_ERROR: return _("cannot open file");
    case HPDF_INVALID_TTC_FILE: return _("not a valid TrueType collection");
    case HPDF_INVALID_TTC_INDEX: return _("no such font in the collection");
    case HPDF_TTF_CANNOT_EMBEDDING_FONT: return _("the font's licence forbids embedding");
    case HPDF_TTF_INVALID_CMAP: return _("the font has no usable Unicode cmap");
    case HPDF_TTF_INVALID_FOMAT: return _("not a TrueType font");
    case HPDF_TTF_MISSING_TABLE: return _("the font lacks a required TrueType table");
    case HPDF_UNSUPPORTED_FONT_TYPE: return _("unsupported font type");
    case HPDF_INVALID_FONTDEF_DATA: return _("invalid font data");
    case HPDF_PAGE_INVALID_FONT_SIZE: return _("invalid font size");
    case HPDF_PAGE_OUT_OF_RANGE: return _("drawing outside the page");
    case HPDF_REAL_OUT_OF_RANGE: return _("a number out of range");
    case HPDF_ZLIB_ERROR: return _("compression failed");
    case HPDF_INVALID_ENCODER: return _("invalid text encoding");
    case HPDF_STRING_OUT_OF_RANGE: return _("text too long");
    default: return _("see HPDF_* error numbers in hpdf_error.h");
    }
}

/* Records err with a formatted detail as the document's sticky error; returns err. */
static cp_err fail(pdf_doc *d, cp_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cp_err fail(pdf_doc *d, cp_err err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->errmsg, sizeof d->errmsg, fmt, ap);
    va_end(ap);
    d->err = err;
    return cp_fail(err, "%s", d->errmsg);
}

/* Turns a pending libharu error into a cp_err (CP_OK when there is none). */
static cp_err hpdf_check(pdf_doc *d, const char *what)
{
    if (!d->herr)
        return CP_OK;
    /* what is worded here: hpdf_check is an xgettext keyword */
    return fail(d, d->herr == HPDF_FAILD_TO_ALLOC_MEM ? CP_ERR_NOMEM : CP_ERR_IO,
                _("libharu failed %s: error 0x%04X (detail %u): %s"), _(what), (unsigned)d->herr,
                (unsigned)d->hdetail, hpdf_text(d->herr));
}

/* Every public drawing call starts here: refuses a failed or saved document. */
static cp_err enter(pdf_doc *d)
{
    if (!d)
        return cp_fail(CP_ERR_INVALID, "no PDF document");
    if (d->err)
        return cp_fail(d->err, "%s", d->errmsg);
    if (d->saved)
        return cp_fail(CP_ERR_INVALID, "the PDF was already saved and cannot be changed");
    return CP_OK;
}

/* ... and ends here: makes err (or a libharu error) sticky and returns it. */
static cp_err leave(pdf_doc *d, cp_err err)
{
    if (err && !d->err)
        return fail(d, err, "%s", cp_detail());
    if (!err)
        err = hpdf_check(d, "drawing");
    return err;
}

/* ---- UTF-8 and the font's glyphs ----------------------------------------------- */

/* UTF-8 is decoded by the module that cleans people's text (text_utf8_next). */
#define utf8_next text_utf8_next

/* Width of code point cp in 1/1000 em, or -1 when the font has no glyph for it.
 * libharu 2.3.0 handles only the Basic Multilingual Plane. */
static int glyph_width(pdf_doc *d, uint32_t cp)
{
    if (cp > 0xFFFF)
        return -1;
    if (d->width[cp] == WIDTH_UNKNOWN) {
        if (cp < 0x20 || HPDF_TTFontDef_GetGlyphid(d->fontdef, (HPDF_UINT16)cp) == 0)
            d->width[cp] = WIDTH_MISSING;
        else
            d->width[cp] = (short)HPDF_Font_GetUnicodeWidth(d->font, (HPDF_UNICODE)cp);
    }
    return d->width[cp] == WIDTH_MISSING ? -1 : d->width[cp];
}

/* Length of text cut to at most max bytes at a character boundary, for messages. */
static int snippet(const char *text, size_t max)
{
    size_t n = strnlen(text, max + 1);

    if (n > max)
        for (n = max; n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80; n--)
            ;
    return (int)n;
}

cp_err pdf_check_text(pdf_doc *d, const char *text)
{
    size_t i = 0, at;
    uint32_t cp;

    if (!d)
        return cp_fail(CP_ERR_INVALID, "no PDF document");
    if (!text)
        return CP_OK;
    while (text[i]) {
        at = i;
        if (utf8_next(text, &i, &cp))
            return cp_fail(CP_ERR_INVALID, "text is not valid UTF-8 at byte %zu: \"%.*s\"", at,
                           (int)at < 40 ? (int)at : snippet(text, 40), text);
        if (cp == '\n')
            continue;
        if (cp < 0x20 || cp == 0x7F)
            return cp_fail(CP_ERR_INVALID, "control character U+%04X at byte %zu of \"%.*s\"",
                           (unsigned)cp, at, snippet(text, 40), text);
        if (glyph_width(d, cp) < 0)
            return cp_fail(CP_ERR_UNSUPPORTED,
                           "character U+%04X '%.*s' at byte %zu of \"%.*s\" is not in the font "
                           "%s; remove it or set CLEANPLATE_FONT to a TrueType font that has it",
                           (unsigned)cp, (int)(i - at), text + at, at, snippet(text, 60), text,
                           d->font_path);
    }
    return CP_OK;
}

/* ---- people's text that cannot be drawn as it is ---------------------------------- */

/* Drawn for what the font cannot draw: U+FFFD, or '?' when the font lacks that too. */
static const char *replacement(pdf_doc *d)
{
    return glyph_width(d, 0xFFFD) >= 0 ? "\xEF\xBF\xBD" : "?";
}

/* True when text needs no change to be drawn: UTF-8, no control characters
 * or bidi controls, every character in the font. */
static int drawable_as_is(pdf_doc *d, const char *text)
{
    size_t i = 0;
    uint32_t cp;

    while (text[i])
        if (utf8_next(text, &i, &cp) || cp < 0x20 || cp == 0x7F || text_is_bidi_control(cp) ||
            glyph_width(d, cp) < 0)
            return 0;
    return 1;
}

/* The notice when pdf_set_notice gave none: one line on stderr. */
static void notice_stderr(void *arg, const char *text, const char *drawn, const char *changes)
{
    (void)arg;
    fprintf(stderr, _("PDF: \"%s\" is shown as \"%s\" (%s)\n"), text, drawn, changes);
}

void pdf_set_notice(pdf_doc *d, pdf_notice_fn *fn, void *arg)
{
    if (!d)
        return;
    d->notice = fn ? fn : notice_stderr;
    d->notice_arg = arg;
}

/* Writes the drawable form of text to drawn, the text in a form safe to print
 * to named (what cannot be drawn as <U+XXXX>, bytes that are not UTF-8 as
 * <\xNN>) and what was changed to changes. */
static void make_shown(pdf_doc *d, const char *text, FILE *drawn, FILE *named, FILE *changes)
{
    const char *rep = replacement(d);
    long bad = 0, bidi = 0, missing = 0;
    size_t i = 0, at;
    uint32_t cp;

    while (text[i]) {
        at = i;
        if (utf8_next(text, &i, &cp)) {
            fputs(rep, drawn);
            for (size_t k = at; k < i; k++, bad++)
                fprintf(named, "<\\x%02X>", (unsigned char)text[k]);
        } else if (text_is_bidi_control(cp)) {
            fprintf(named, "<U+%04X>", (unsigned)cp); /* taken out: it only reorders */
            bidi++;
        } else if (cp < 0x20 || cp == 0x7F || glyph_width(d, cp) < 0) {
            fputs(rep, drawn);
            fprintf(named, "<U+%04X>", (unsigned)cp);
            if (missing++ < 4)
                fprintf(changes, "%sU+%04X", missing > 1 ? ", " : "", (unsigned)cp);
        } else {
            fwrite(text + at, 1, i - at, drawn);
            fwrite(text + at, 1, i - at, named);
        }
    }
    if (missing)
        fprintf(changes, P_("%s is not in the font %s: shown as %s",
                            "%s are not in the font %s: shown as %s", (unsigned long)missing),
                missing > 4 ? ", ..." : "", d->font_path, rep);
    if (bidi)
        fprintf(changes, P_("%s%ld bidi control taken out", "%s%ld bidi controls taken out",
                            (unsigned long)bidi), missing ? "; " : "", bidi);
    if (bad)
        fprintf(changes, P_("%s%ld byte not UTF-8 shown as %s", "%s%ld bytes not UTF-8 shown as %s",
                            (unsigned long)bad), missing || bidi ? "; " : "", bad, rep);
}

const char *pdf_shown(pdf_doc *d, const char *text)
{
    char *drawn = NULL, *named = NULL, *changes = NULL;
    size_t n[3];
    FILE *f[3];
    struct shown *s = NULL;
    int ok;

    if (!d || !text || d->err || drawable_as_is(d, text))
        return text;
    for (s = d->shown; s; s = s->next)
        if (strcmp(s->text, text) == 0)
            return s->drawn;
    f[0] = open_memstream(&drawn, &n[0]);
    f[1] = open_memstream(&named, &n[1]);
    f[2] = open_memstream(&changes, &n[2]);
    if ((ok = f[0] && f[1] && f[2]))
        make_shown(d, text, f[0], f[1], f[2]);
    for (int k = 0; k < 3; k++)
        ok &= f[k] && fclose(f[k]) == 0;
    if (!ok || !(s = calloc(1, sizeof *s)) || !(s->text = strdup(text))) {
        free(s);
        free(drawn);
        free(named);
        free(changes);
        fail(d, CP_ERR_NOMEM, _("out of memory preparing text for the PDF"));
        return NULL;
    }
    s->drawn = drawn;
    s->next = d->shown;
    d->shown = s;
    d->notice(d->notice_arg, named, drawn, changes);
    free(named);
    free(changes);
    return drawn;
}

/* Width in points of len bytes of checked text at size. */
static double measure(pdf_doc *d, const char *s, size_t len, double size)
{
    size_t i = 0;
    uint32_t cp;
    long w = 0;

    while (i < len && !utf8_next(s, &i, &cp))
        if (cp != '\n')
            w += glyph_width(d, cp);
    return w * size / 1000.0;
}

/* ---- line breaking ------------------------------------------------------------------ */

typedef struct line {
    size_t start, len;
} line;

/* CJK ideographs, kana, hangul, CJK punctuation and fullwidth forms: breakable anywhere. */
static int is_cjk(uint32_t c)
{
    return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
           (c >= 0xFF00 && c <= 0xFFEF);
}

/* Punctuation that must not start a line. */
static int is_closing(uint32_t c)
{
    static const uint32_t list[] = {0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF01,
                                    0xFF1F, 0xFF09, 0x300B, 0x300D, 0x300F, 0x3011, 0x201D,
                                    0x2019, 0x2026, ',', '.', ':', ';', '!', '?', ')', '%'};
    for (size_t k = 0; k < sizeof list / sizeof list[0]; k++)
        if (c == list[k])
            return 1;
    return 0;
}

/* Punctuation that must not end a line. */
static int is_opening(uint32_t c)
{
    return c == 0xFF08 || c == 0x300A || c == 0x300C || c == 0x300E || c == 0x3010 ||
           c == 0x201C || c == 0x2018 || c == '(';
}

/* May a line end between prev and c? At spaces, and around CJK characters. */
static int can_break_before(uint32_t prev, uint32_t c)
{
    if (c == ' ')
        return 1;
    if (is_closing(c) || is_opening(prev))
        return 0;
    return prev == ' ' || is_cjk(c) || is_cjk(prev);
}

/* Finds the next line of checked text s from *pos that fits max_w points at
 * size; advances *pos past it. Returns 0 when the text is used up. */
static int next_line(pdf_doc *d, const char *s, size_t *pos, double size, double max_w,
                     line *out)
{
    size_t i = *pos, start = *pos, brk = 0, next;
    uint32_t cp, prev = 0;
    double w = 0;

    if (!s[i])
        return 0;
    while (s[i] && s[i] != '\n') {
        size_t j = i;
        utf8_next(s, &j, &cp);
        double cw = glyph_width(d, cp) * size / 1000.0;
        if (i > start && can_break_before(prev, cp))
            brk = i;
        if (w + cw > max_w && i > start) {
            next = brk > start ? brk : i;
            goto cut;
        }
        w += cw;
        prev = cp;
        i = j;
    }
    out->start = start;
    out->len = i - start;
    *pos = s[i] == '\n' ? i + 1 : i;
    return 1;
cut:
    out->start = start;
    out->len = next - start;
    while (out->len > 0 && s[start + out->len - 1] == ' ')
        out->len--;
    while (s[next] == ' ')
        next++;
    *pos = next;
    return 1;
}

/* ---- drawing primitives ------------------------------------------------------------- */

/* Small wrappers over libharu's path calls; errors reach on_hpdf_error(). */
static void fill_rgb(pdf_doc *d, rgb c)
{
    HPDF_Page_SetRGBFill(d->page, (HPDF_REAL)c.r, (HPDF_REAL)c.g, (HPDF_REAL)c.b);
}

static void stroke_rgb(pdf_doc *d, rgb c)
{
    HPDF_Page_SetRGBStroke(d->page, (HPDF_REAL)c.r, (HPDF_REAL)c.g, (HPDF_REAL)c.b);
}

static rgb mark_rgb(pdf_mark m)
{
    switch (m) {
    case PDF_MARK_RED: return (rgb){0.80, 0.08, 0.08};
    case PDF_MARK_BLACK: return (rgb){0.05, 0.05, 0.05};
    case PDF_MARK_GREEN: return (rgb){0.15, 0.55, 0.25};
    default: return PALETTE[0];
    }
}

static void rect(pdf_doc *d, double x, double y, double w, double h, rgb c)
{
    fill_rgb(d, c);
    HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
    HPDF_Page_Fill(d->page);
}

static void hline(pdf_doc *d, double x0, double x1, double y, double width, rgb c)
{
    stroke_rgb(d, c);
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)width);
    HPDF_Page_MoveTo(d->page, (HPDF_REAL)x0, (HPDF_REAL)y);
    HPDF_Page_LineTo(d->page, (HPDF_REAL)x1, (HPDF_REAL)y);
    HPDF_Page_Stroke(d->page);
}

static void vline(pdf_doc *d, double x, double y0, double y1, double width, rgb c)
{
    stroke_rgb(d, c);
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)width);
    HPDF_Page_MoveTo(d->page, (HPDF_REAL)x, (HPDF_REAL)y0);
    HPDF_Page_LineTo(d->page, (HPDF_REAL)x, (HPDF_REAL)y1);
    HPDF_Page_Stroke(d->page);
}

/* Draws len bytes of checked text s with its left end at x and baseline y. */
static cp_err text_at(pdf_doc *d, double x, double y, double size, rgb c, const char *s,
                      size_t len)
{
    if (len == 0)
        return CP_OK;
    if (len + 1 > d->bufcap) {
        char *p = realloc(d->buf, len + 64);
        if (!p)
            return cp_fail(CP_ERR_NOMEM, "out of memory drawing text");
        d->buf = p;
        d->bufcap = len + 64;
    }
    memcpy(d->buf, s, len);
    d->buf[len] = '\0';
    fill_rgb(d, c);
    HPDF_Page_BeginText(d->page);
    HPDF_Page_SetFontAndSize(d->page, d->font, (HPDF_REAL)size);
    HPDF_Page_TextOut(d->page, (HPDF_REAL)x, (HPDF_REAL)y, d->buf);
    HPDF_Page_EndText(d->page);
    return CP_OK;
}

/* Draws the first line of checked text s cut to max_w points with an ellipsis,
 * aligned in [x, x + max_w] on baseline y. */
static cp_err text_fit(pdf_doc *d, double x, double y, double max_w, pdf_align align,
                       double size, rgb c, const char *s)
{
    size_t end = strcspn(s, "\n"), i = 0, cut = 0;
    double w = measure(d, s, end, size), ew, cw;
    uint32_t cp;
    char tmp[512];

    if (w <= max_w && !s[end])
        goto draw_whole;
    ew = measure(d, d->ellipsis, strlen(d->ellipsis), size);
    w = 0;
    while (i < end) {
        size_t j = i;
        utf8_next(s, &j, &cp);
        cw = glyph_width(d, cp) * size / 1000.0;
        if (w + cw + ew > max_w || j + strlen(d->ellipsis) >= sizeof tmp)
            break;
        w += cw;
        cut = i = j;
    }
    memcpy(tmp, s, cut);
    strcpy(tmp + cut, d->ellipsis);
    s = tmp;
    end = strlen(tmp);
    w += ew;
draw_whole:
    if (align == PDF_RIGHT)
        x += max_w - w;
    else if (align == PDF_CENTER)
        x += (max_w - w) / 2;
    return text_at(d, x, y, size, c, s, end);
}

/* Baseline of a line of type size whose line box of height lead has its bottom at y. */
static double baseline(double y, double lead, double size)
{
    return y + (lead - size) / 2 + 0.15 * size;
}

/* ---- pages ------------------------------------------------------------------------------ */

static cp_err table_header(pdf_doc *d);

/* Adds an A4 page, puts the cursor at its top and repeats an open table's header. */
static cp_err new_page(pdf_doc *d)
{
    HPDF_Page p = HPDF_AddPage(d->pdf);

    if (!p)
        return d->herr ? hpdf_check(d, "adding a page") : cp_fail(CP_ERR_IO, "cannot add a page");
    HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    d->page = p;
    d->npages++;
    d->y = TOP_Y;
    return d->table.open ? table_header(d) : CP_OK;
}

/* Starts a new page unless h points fit above the bottom margin (or the page is fresh). */
static cp_err need(pdf_doc *d, double h)
{
    if (d->y - h >= MARGIN_BOTTOM || d->y >= TOP_Y - 0.01)
        return CP_OK;
    return new_page(d);
}

/* ---- document ----------------------------------------------------------------------------- */

/* The font file's first four bytes, or "" when it cannot be read. */
static void font_magic(const char *path, char magic[5])
{
    FILE *f = fopen(path, "rb");

    memset(magic, 0, 5);
    if (f) {
        if (fread(magic, 1, 4, f) != 4)
            magic[0] = '\0';
        fclose(f);
    }
}

/* Loads and embeds d->font_path (index 0 of a collection) for UTF-8 text. */
static cp_err load_font(pdf_doc *d)
{
    const char *name;
    char magic[5];
    struct stat st;

    if (stat(d->font_path, &st) != 0 || !S_ISREG(st.st_mode))
        return cp_fail(CP_ERR_NOT_FOUND,
                       "PDF font %s not found: install the Debian package fonts-arphic-uming "
                       "(apt-get install fonts-arphic-uming) or set CLEANPLATE_FONT to a "
                       "TrueType font (.ttf or .ttc) with Chinese glyphs",
                       d->font_path);
    font_magic(d->font_path, magic);
    if (!strcmp(magic, "OTTO"))
        return cp_fail(CP_ERR_UNSUPPORTED,
                       "PDF font %s is OpenType/CFF, which libharu cannot embed: set "
                       "CLEANPLATE_FONT to a TrueType font such as %s (Debian package "
                       "fonts-arphic-uming)",
                       d->font_path, PDF_DEFAULT_FONT);
    if (!strcmp(magic, "ttcf"))
        name = HPDF_LoadTTFontFromFile2(d->pdf, d->font_path, 0, HPDF_TRUE);
    else
        name = HPDF_LoadTTFontFromFile(d->pdf, d->font_path, HPDF_TRUE);
    if (name)
        d->font = HPDF_GetFont(d->pdf, name, "UTF-8");
    if (name)
        d->fontdef = HPDF_GetFontDef(d->pdf, name);
    if (!name || !d->font || !d->fontdef || d->fontdef->type != HPDF_FONTDEF_TYPE_TRUETYPE)
        return cp_fail(CP_ERR_UNSUPPORTED,
                       "libharu cannot load the PDF font %s (error 0x%04X: %s): set "
                       "CLEANPLATE_FONT to a TrueType font with Chinese glyphs such as %s "
                       "(Debian package fonts-arphic-uming)",
                       d->font_path, (unsigned)d->herr, hpdf_text(d->herr), PDF_DEFAULT_FONT);
    return CP_OK;
}

cp_err pdf_new(const char *font_path, pdf_doc **out)
{
    pdf_doc *d = NULL;
    cp_err err;

    *out = NULL;
    if (!font_path)
        font_path = getenv("CLEANPLATE_FONT");
    if (!font_path || !*font_path)
        font_path = PDF_DEFAULT_FONT;
    if (!(d = calloc(1, sizeof *d)) || !(d->font_path = strdup(font_path))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory creating a PDF");
        goto out;
    }
    for (size_t i = 0; i < sizeof d->width / sizeof d->width[0]; i++)
        d->width[i] = WIDTH_UNKNOWN;
    d->notice = notice_stderr;
    if (!(d->pdf = HPDF_New(on_hpdf_error, d))) {
        err = cp_fail(CP_ERR_NOMEM, "libharu cannot create a document");
        goto out;
    }
    HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(d->pdf);
    HPDF_SetCurrentEncoder(d->pdf, "UTF-8");
    HPDF_SetInfoAttr(d->pdf, HPDF_INFO_CREATOR, "CleanPlate");
    if ((err = load_font(d)))
        goto out;
    d->ellipsis = glyph_width(d, 0x2026) >= 0 ? "\xE2\x80\xA6" : "...";
    if ((err = hpdf_check(d, "setting up the document")) || (err = new_page(d)))
        goto out;
    *out = d;
    d = NULL;
out:
    pdf_free(d);
    return err;
}

/* Frees what the open table owns and closes it. */
static void table_forget(table_state *t)
{
    for (int i = 0; t->titles && i < t->ncols; i++)
        free(t->titles[i]);
    free(t->titles);
    free(t->align);
    free(t->x);
    free(t->w);
    memset(t, 0, sizeof *t);
}

void pdf_free(pdf_doc *d)
{
    if (!d)
        return;
    if (d->pdf)
        HPDF_Free(d->pdf);
    table_forget(&d->table);
    while (d->shown) {
        struct shown *next = d->shown->next;
        free(d->shown->text);
        free(d->shown->drawn);
        free(d->shown);
        d->shown = next;
    }
    free(d->font_path);
    free(d->footer);
    free(d->mark);
    free(d->buf);
    free(d);
}

int pdf_page_count(const pdf_doc *d)
{
    return d ? d->npages : 0;
}

/* Replaces *slot (a text drawn on every page when saving) by a checked copy of text. */
static cp_err set_text(pdf_doc *d, char **slot, const char *text)
{
    cp_err err;
    char *copy;

    if ((err = enter(d)))
        return err;
    if (!(err = pdf_check_text(d, text ? text : ""))) {
        if (!(copy = strdup(text ? text : "")))
            err = cp_fail(CP_ERR_NOMEM, "out of memory");
        else {
            free(*slot);
            *slot = copy;
        }
    }
    return leave(d, err);
}

cp_err pdf_set_footer(pdf_doc *d, const char *text)
{
    return set_text(d, d ? &d->footer : NULL, text);
}

cp_err pdf_set_mark(pdf_doc *d, const char *text)
{
    return set_text(d, d ? &d->mark : NULL, text);
}

/* Draws the footer of every page: the caller's text left, "第 N 页 / 共 M 页" right;
 * and the mark, if any, at the top in red. */
static cp_err draw_footers(pdf_doc *d)
{
    char num[64];
    cp_err err = CP_OK;

    for (int i = 0; i < d->npages && !err; i++) {
        d->page = HPDF_GetPageByIndex(d->pdf, (HPDF_UINT)i);
        if (!d->page)
            return d->herr ? hpdf_check(d, "finding a page") : cp_fail(CP_ERR_IO, "lost page %d", i);
        hline(d, MARGIN_X, PAGE_W - MARGIN_X, 44, 0.4, RULE);
        snprintf(num, sizeof num, "第 %d 页 / 共 %d 页", i + 1, d->npages);
        err = text_fit(d, MARGIN_X, 32, TEXT_W, PDF_RIGHT, FOOTER_SIZE, GREY_TEXT, num);
        if (!err && d->footer)
            err = text_fit(d, MARGIN_X, 32, TEXT_W * 0.72, PDF_LEFT, FOOTER_SIZE, GREY_TEXT,
                           d->footer);
        if (!err && d->mark && *d->mark)
            err = text_fit(d, MARGIN_X, PAGE_H - MARGIN_TOP + 16, TEXT_W, PDF_CENTER,
                           HEADING_SIZE, mark_rgb(PDF_MARK_RED), d->mark);
    }
    return err;
}

/* Writes all of fd's bytes; returns errno or 0. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return errno;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

cp_err pdf_save(pdf_doc *d, const char *path)
{
    unsigned char chunk[65536];
    char *tmp = NULL;
    int fd = -1, e = 0;
    HPDF_STATUS st = HPDF_OK;
    cp_err err;

    if ((err = enter(d)))
        return err;
    if ((err = pdf_check_text(d, "第 页 / 共 页 0123456789")) || (err = draw_footers(d)))
        goto out;
    d->saved = 1;
    HPDF_SaveToStream(d->pdf);
    if ((err = hpdf_check(d, "writing the PDF")))
        goto out;
    if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0) {
        tmp = NULL;
        err = cp_fail(CP_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((fd = mkstemp(tmp)) < 0) {
        e = errno;
        free(tmp);
        tmp = NULL;
        goto io;
    }
    d->ignore_eof = 1;
    while (st == HPDF_OK) {
        HPDF_UINT32 n = sizeof chunk;
        st = HPDF_ReadFromStream(d->pdf, chunk, &n);
        if ((st == HPDF_OK || st == HPDF_STREAM_EOF) && (e = write_all(fd, chunk, n)))
            goto io;
    }
    d->ignore_eof = 0;
    if (st != HPDF_STREAM_EOF && (err = hpdf_check(d, "reading the PDF back")))
        goto out;
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        e = errno;
        goto io;
    }
    if (close(fd) != 0) {
        fd = -1;
        e = errno;
        goto io;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        e = errno;
        goto io;
    }
    free(tmp);
    tmp = NULL;
    goto out;
io:
    err = cp_fail(e == ENOSPC ? CP_ERR_FULL : e == EACCES ? CP_ERR_ACCESS : CP_ERR_IO,
                  "cannot write %s: %s", path, strerror(e));
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    return leave(d, err);
}

/* ---- flowing text --------------------------------------------------------------------------- */

/* Draws checked text wrapped in [x, x + width] from the cursor down, keeping
 * the first line together with keep more points below it. */
static cp_err flow(pdf_doc *d, const char *text, double x, double width, double size, rgb c,
                   double keep)
{
    double lead = size * LEADING;
    size_t pos = 0;
    line ln;
    cp_err err;

    if ((err = need(d, lead + keep)))
        return err;
    while (next_line(d, text, &pos, size, width, &ln)) {
        if ((err = need(d, lead)))
            return err;
        d->y -= lead;
        if ((err = text_at(d, x, baseline(d->y, lead, size), size, c, text + ln.start, ln.len)))
            return err;
    }
    return CP_OK;
}

/* Moves the cursor down by pts unless at the top of a page. */
static void gap(pdf_doc *d, double pts)
{
    if (d->y < TOP_Y - 0.01)
        d->y -= pts;
}

cp_err pdf_title(pdf_doc *d, const char *text)
{
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (!(err = pdf_check_text(d, text)))
        err = flow(d, text, MARGIN_X, TEXT_W, TITLE_SIZE, INK, 3 * BODY_SIZE * LEADING);
    gap(d, 8);
    return leave(d, err);
}

cp_err pdf_heading(pdf_doc *d, const char *text)
{
    cp_err err;

    if ((err = enter(d)))
        return err;
    gap(d, 10);
    if (!(err = pdf_check_text(d, text)))
        err = flow(d, text, MARGIN_X, TEXT_W, HEADING_SIZE, INK, 4 * BODY_SIZE * LEADING);
    gap(d, 3);
    return leave(d, err);
}

cp_err pdf_paragraph(pdf_doc *d, const char *text)
{
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (!(err = pdf_check_text(d, text)))
        err = flow(d, text, MARGIN_X, TEXT_W, BODY_SIZE, INK, 0);
    gap(d, 4);
    return leave(d, err);
}

cp_err pdf_kv(pdf_doc *d, const char *key, const char *value)
{
    double lead = BODY_SIZE * LEADING;
    char *k = NULL;
    size_t n;
    cp_err err;

    if ((err = enter(d)))
        return err;
    if ((err = pdf_check_text(d, key)) || (err = pdf_check_text(d, value)))
        goto out;
    /* "key：" for Chinese keys, "key:" for Latin ones */
    n = strlen(key);
    if (asprintf(&k, "%s%s", key, n && (unsigned char)key[n - 1] < 0x80 ? ":" : "：") < 0) {
        k = NULL;
        err = cp_fail(CP_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((err = need(d, lead)) ||
        (err = text_fit(d, MARGIN_X, baseline(d->y - lead, lead, BODY_SIZE), KV_KEY_W - 6,
                        PDF_LEFT, BODY_SIZE, GREY_TEXT, k)))
        goto out;
    if (!*value)
        d->y -= lead;
    else
        err = flow(d, value, MARGIN_X + KV_KEY_W, TEXT_W - KV_KEY_W, BODY_SIZE, INK, 0);
out:
    free(k);
    return leave(d, err);
}

cp_err pdf_space(pdf_doc *d, double points)
{
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (points > 0 && d->y - points < MARGIN_BOTTOM)
        err = new_page(d);
    else if (points > 0)
        d->y -= points;
    return leave(d, err);
}

cp_err pdf_page_break(pdf_doc *d)
{
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (d->y < TOP_Y - 0.01)
        err = new_page(d);
    return leave(d, err);
}

/* ---- tables --------------------------------------------------------------------------------- */

/* Number of lines cell text takes in a column of width w (1 unless wrapping). */
static int cell_lines(pdf_doc *d, const char *s, double w)
{
    size_t pos = 0;
    line ln;
    int n = 0;

    if (!(d->table.flags & PDF_TABLE_WRAP))
        return 1;
    while (n < CELL_MAX_LINES && next_line(d, s, &pos, TABLE_SIZE, w, &ln))
        n++;
    return n ? n : 1;
}

/* Draws one cell's text in column c of a row whose top is at top. */
static cp_err cell_draw(pdf_doc *d, int c, const char *s, double top, rgb ink)
{
    double lead = TABLE_SIZE * 1.3, w = d->table.w[c] - 2 * CELL_PAD_X;
    double x = d->table.x[c] + CELL_PAD_X, y = top - CELL_PAD_Y;
    size_t pos = 0, before;
    line ln;
    cp_err err;

    if (!(d->table.flags & PDF_TABLE_WRAP))
        return text_fit(d, x, baseline(y - lead, lead, TABLE_SIZE), w, d->table.align[c],
                        TABLE_SIZE, ink, s);
    for (int n = 1; before = pos, next_line(d, s, &pos, TABLE_SIZE, w, &ln); n++) {
        y -= lead;
        if (n == CELL_MAX_LINES && s[pos])   /* more than fits: cut the rest */
            return text_fit(d, x, baseline(y, lead, TABLE_SIZE), w, d->table.align[c],
                            TABLE_SIZE, ink, s + before);
        double lw = measure(d, s + ln.start, ln.len, TABLE_SIZE);
        double lx = d->table.align[c] == PDF_RIGHT    ? x + w - lw
                    : d->table.align[c] == PDF_CENTER ? x + (w - lw) / 2
                                                      : x;
        if ((err = text_at(d, lx, baseline(y, lead, TABLE_SIZE), TABLE_SIZE, ink, s + ln.start,
                           ln.len)))
            return err;
    }
    return CP_OK;
}

/* Draws a row of cells at the cursor: header rows shaded, data rows zebra-shaded
 * and marked. The caller has made room for it. */
static cp_err table_draw_row(pdf_doc *d, const char *const *cells, pdf_mark mark, int header,
                             double h)
{
    table_state *t = &d->table;
    double x0 = t->x[0], x1 = t->x[t->ncols - 1] + t->w[t->ncols - 1], top = d->y;
    cp_err err;

    if (header)
        rect(d, x0, top - h, x1 - x0, h, HEADER_FILL);
    else if ((t->flags & PDF_TABLE_ZEBRA) && t->nrows % 2 == 1)
        rect(d, x0, top - h, x1 - x0, h, ZEBRA_FILL);
    if (!header && mark != PDF_MARK_NONE)
        rect(d, x0, top - h, MARK_W, h, mark_rgb(mark));
    for (int c = 0; c < t->ncols; c++)
        if (cells[c] && *cells[c] && (err = cell_draw(d, c, cells[c], top, INK)))
            return err;
    d->y -= h;
    if (header)
        hline(d, x0, x1, d->y, 0.6, RULE);
    return CP_OK;
}

/* Height of a row of cells: its tallest cell plus padding. */
static double row_height(pdf_doc *d, const char *const *cells)
{
    int lines = 1;

    for (int c = 0; c < d->table.ncols; c++) {
        int n = cells[c] ? cell_lines(d, cells[c], d->table.w[c] - 2 * CELL_PAD_X) : 1;
        lines = n > lines ? n : lines;
    }
    return lines * TABLE_SIZE * 1.3 + 2 * CELL_PAD_Y;
}

/* Draws the open table's header row at the cursor. */
static cp_err table_header(pdf_doc *d)
{
    const char *const *titles = (const char *const *)d->table.titles;

    return table_draw_row(d, titles, PDF_MARK_NONE, 1, row_height(d, titles));
}

cp_err pdf_table_begin(pdf_doc *d, const pdf_column *cols, int ncols, int flags)
{
    table_state *t;
    double fixed = 0, share, x;
    int nfree = 0;
    cp_err err;

    if ((err = enter(d)))
        return err;
    t = &d->table;
    if (t->open || ncols <= 0 || !cols) {
        err = cp_fail(CP_ERR_INVALID, t->open ? "a table is already open" : "a table needs columns");
        goto out;
    }
    for (int c = 0; c < ncols; c++)
        if ((err = pdf_check_text(d, cols[c].title ? cols[c].title : "")))
            goto out;
    t->titles = calloc((size_t)ncols, sizeof *t->titles);
    t->align = calloc((size_t)ncols, sizeof *t->align);
    t->x = calloc((size_t)ncols, sizeof *t->x);
    t->w = calloc((size_t)ncols, sizeof *t->w);
    if (!t->titles || !t->align || !t->x || !t->w)
        goto nomem;
    t->ncols = ncols;
    t->flags = flags;
    for (int c = 0; c < ncols; c++) {
        if (!(t->titles[c] = strdup(cols[c].title ? cols[c].title : "")))
            goto nomem;
        t->align[c] = cols[c].align;
        t->w[c] = cols[c].width > 1 ? cols[c].width : cols[c].width > 0 ? cols[c].width * TEXT_W : 0;
        fixed += t->w[c];
        nfree += t->w[c] == 0;
    }
    /* columns without a width share what is left; too wide tables shrink to fit */
    share = nfree && fixed < TEXT_W ? (TEXT_W - fixed) / nfree : 0;
    for (int c = 0; c < ncols; c++)
        if (t->w[c] == 0)
            t->w[c] = share > 20 ? share : 20;
    fixed = 0;
    for (int c = 0; c < ncols; c++)
        fixed += t->w[c];
    x = MARGIN_X;
    for (int c = 0; c < ncols; c++) {
        if (fixed > TEXT_W)
            t->w[c] *= TEXT_W / fixed;
        t->x[c] = x;
        x += t->w[c];
    }
    gap(d, 4);
    /* the header and at least two rows on the same page */
    if ((err = need(d, 3 * (TABLE_SIZE * 1.3 + 2 * CELL_PAD_Y))))
        goto out;
    t->open = 1;
    err = table_header(d);
    goto out;
nomem:
    err = cp_fail(CP_ERR_NOMEM, "out of memory starting a table");
out:
    if (err && !t->open)
        table_forget(t);
    return leave(d, err);
}

cp_err pdf_table_row(pdf_doc *d, const char *const *cells, pdf_mark mark)
{
    double h;
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (!d->table.open) {
        err = cp_fail(CP_ERR_INVALID, "pdf_table_row without pdf_table_begin");
        goto out;
    }
    for (int c = 0; c < d->table.ncols; c++)
        if ((err = pdf_check_text(d, cells[c])))
            goto out;
    h = row_height(d, cells);
    if ((err = need(d, h)))
        goto out;
    if (!(err = table_draw_row(d, cells, mark, 0, h)))
        d->table.nrows++;
out:
    return leave(d, err);
}

cp_err pdf_table_end(pdf_doc *d)
{
    table_state *t;
    cp_err err;

    if ((err = enter(d)))
        return err;
    t = &d->table;
    if (!t->open)
        return leave(d, cp_fail(CP_ERR_INVALID, "pdf_table_end without pdf_table_begin"));
    hline(d, t->x[0], t->x[t->ncols - 1] + t->w[t->ncols - 1], d->y, 0.6, RULE);
    table_forget(t);
    gap(d, 8);
    return leave(d, CP_OK);
}

/* ---- charts --------------------------------------------------------------------------------- */

/* An axis from t0 to t1 in steps of step (1, 2 or 5 times a power of ten)
 * covering [lo, hi], with the decimals its tick labels need. */
typedef struct axis {
    double t0, t1, step;
    int decimals;
} axis;

static axis nice_axis(double lo, double hi)
{
    axis a;
    double raw, mag, f;

    if (lo > 0)
        lo = 0;
    if (hi < 0)
        hi = 0;
    if (hi - lo < 1e-9)
        hi = lo + 1;
    raw = (hi - lo) / 5;
    mag = pow(10, floor(log10(raw)));
    f = raw / mag;
    a.step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    a.t0 = floor(lo / a.step + 1e-9) * a.step;
    a.t1 = ceil(hi / a.step - 1e-9) * a.step;
    a.decimals = a.step >= 1 ? 0 : (int)ceil(-log10(a.step) - 1e-9);
    return a;
}

/* Formats v in units of 1/scale with as many decimals as scale has zeros. */
static void fmt_value(char *buf, size_t n, int64_t v, int scale)
{
    int dec = 0;
    long long p = 1;

    while (scale > 1 && p < scale && dec < 9)
        p *= 10, dec++;
    if (v == PDF_NO_VALUE)
        snprintf(buf, n, "-");
    else if (scale <= 1)
        snprintf(buf, n, "%lld", (long long)v);
    else if (p == scale) {
        unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        snprintf(buf, n, "%s%llu.%0*llu", v < 0 ? "-" : "", a / (unsigned long long)p, dec,
                 a % (unsigned long long)p);
    } else
        snprintf(buf, n, "%.2f", (double)v / scale);
}

static double real_value(int64_t v, int scale)
{
    return scale > 1 ? (double)v / scale : (double)v;
}

/* Checks a chart's title, unit and an array of n labels. */
static cp_err check_labels(pdf_doc *d, const char *title, const char *unit,
                           const char *const *labels, int n)
{
    cp_err err;

    if ((err = pdf_check_text(d, title)) || (err = pdf_check_text(d, unit)))
        return err;
    for (int i = 0; labels && i < n; i++)
        if ((err = pdf_check_text(d, labels[i])))
            return err;
    return CP_OK;
}

/* Draws a chart title at the cursor; "（续）" marks a continuation. */
static cp_err chart_title(pdf_doc *d, const char *title, int continued)
{
    double lead = CHART_TITLE_SIZE * LEADING;
    char *buf;
    cp_err err;

    if (!title || !*title)
        return CP_OK;
    if (asprintf(&buf, "%s%s", title, continued ? "（续）" : "") < 0)
        return cp_fail(CP_ERR_NOMEM, "out of memory");
    d->y -= lead;
    err = text_fit(d, MARGIN_X, baseline(d->y, lead, CHART_TITLE_SIZE), TEXT_W, PDF_LEFT,
                   CHART_TITLE_SIZE, INK, buf);
    free(buf);
    return err;
}

/* Tick label text for tick value t. */
static void tick_text(char *buf, size_t n, double t, const axis *a)
{
    snprintf(buf, n, "%.*f", a->decimals, fabs(t) < a->step * 1e-6 ? 0.0 : t);
}

/* Widest tick label of an axis in points. */
static double tick_width(pdf_doc *d, const axis *a)
{
    char buf[64];
    double w = 0;

    for (double t = a->t0; t <= a->t1 + a->step * 1e-6; t += a->step) {
        tick_text(buf, sizeof buf, t, a);
        double tw = measure(d, buf, strlen(buf), CHART_SIZE);
        w = tw > w ? tw : w;
    }
    return w;
}

/* A value axis up the left of a plot [x0, x1] x [y0, y1], with grid lines. */
static cp_err y_axis(pdf_doc *d, const axis *a, double x0, double x1, double y0, double y1,
                     const char *unit)
{
    char buf[64];
    cp_err err;

    for (double t = a->t0; t <= a->t1 + a->step * 1e-6; t += a->step) {
        double y = y0 + (t - a->t0) / (a->t1 - a->t0) * (y1 - y0);
        hline(d, x0, x1, y, 0.4, fabs(t) < a->step * 1e-6 ? RULE : GRID);
        tick_text(buf, sizeof buf, t, a);
        if ((err = text_fit(d, x0 - 60, y - CHART_SIZE * 0.35, 56, PDF_RIGHT, CHART_SIZE,
                            GREY_TEXT, buf)))
            return err;
    }
    vline(d, x0, y0, y1, 0.6, RULE);
    if (unit && *unit)
        return text_fit(d, x0 - 40, y1 + 5, TEXT_W, PDF_LEFT, CHART_SIZE, GREY_TEXT, unit);
    return CP_OK;
}

/* Writes up to two lines of label centred under a slot [x, x + w] from y down. */
static cp_err slot_label(pdf_doc *d, double x, double w, double y, const char *label)
{
    double lead = CHART_SIZE * 1.25;
    size_t pos = 0, before;
    line ln;
    cp_err err;

    for (int n = 1; before = pos, next_line(d, label, &pos, CHART_SIZE, w, &ln); n++) {
        y -= lead;
        if (n == 2 && label[pos])
            return text_fit(d, x, baseline(y, lead, CHART_SIZE), w, PDF_CENTER, CHART_SIZE,
                            GREY_TEXT, label + before);
        double lw = measure(d, label + ln.start, ln.len, CHART_SIZE);
        if ((err = text_at(d, x + (w - lw) / 2, baseline(y, lead, CHART_SIZE), CHART_SIZE,
                           GREY_TEXT, label + ln.start, ln.len)))
            return err;
        if (n == 2)
            break;
    }
    return CP_OK;
}

#define HBAR_ROW 13.0
#define HBAR_AXIS 22.0

/* Horizontal bars, as many rows per page as fit, continuing on the next page. */
static cp_err hbar_chart(pdf_doc *d, const pdf_bar_spec *s, const axis *a)
{
    double label_w = 0, value_w = 0, x0, x1, top;
    char buf[64];
    cp_err err;

    for (int i = 0; i < s->n; i++) {
        double w = s->labels && s->labels[i] ? measure(d, s->labels[i], strlen(s->labels[i]), CHART_SIZE) : 0;
        label_w = w > label_w ? w : label_w;
        fmt_value(buf, sizeof buf, s->values[i], s->scale);
        w = measure(d, buf, strlen(buf), VALUE_SIZE);
        value_w = w > value_w ? w : value_w;
    }
    label_w = (label_w < TEXT_W * 0.3 ? label_w : TEXT_W * 0.3) + 6;
    x0 = MARGIN_X + label_w;
    x1 = MARGIN_X + TEXT_W - value_w - 6;
#define HX(v) (x0 + ((v) - a->t0) / (a->t1 - a->t0) * (x1 - x0))
    for (int i = 0; i < s->n;) {
        int k = s->n - i < 8 ? s->n - i : 8;  /* start a page part with at least 8 bars */
        if ((err = need(d, CHART_TITLE_SIZE * LEADING + 3 + k * HBAR_ROW + HBAR_AXIS)) ||
            (err = chart_title(d, s->title, i > 0)))
            return err;
        top = d->y - 3;
        k = (int)((top - MARGIN_BOTTOM - HBAR_AXIS) / HBAR_ROW);
        k = k < 1 ? 1 : k < s->n - i ? k : s->n - i;
        double bottom = top - k * HBAR_ROW;
        for (double t = a->t0; t <= a->t1 + a->step * 1e-6; t += a->step) {
            vline(d, HX(t), bottom, top, 0.4, GRID);
            vline(d, HX(t), bottom - 3, bottom, 0.6, RULE);
            tick_text(buf, sizeof buf, t, a);
            if ((err = text_fit(d, HX(t) - 30, bottom - 3 - CHART_SIZE * 1.2, 60, PDF_CENTER,
                                CHART_SIZE, GREY_TEXT, buf)))
                return err;
        }
        for (int r = 0; r < k; r++, i++) {
            double yb = top - (r + 1) * HBAR_ROW, v = real_value(s->values[i], s->scale);
            double xa = HX(0.0), xb = s->values[i] == PDF_NO_VALUE ? xa : HX(v);
            rect(d, xa < xb ? xa : xb, yb + 2.25, fabs(xb - xa), HBAR_ROW - 4.5,
                 s->marks ? mark_rgb(s->marks[i]) : PALETTE[0]);
            if (s->labels && s->labels[i] &&
                (err = text_fit(d, MARGIN_X, baseline(yb, HBAR_ROW, CHART_SIZE), label_w - 6,
                                PDF_RIGHT, CHART_SIZE, INK, s->labels[i])))
                return err;
            fmt_value(buf, sizeof buf, s->values[i], s->scale);
            if ((err = text_at(d, (xa > xb ? xa : xb) + 3, baseline(yb, HBAR_ROW, VALUE_SIZE),
                               VALUE_SIZE, GREY_TEXT, buf, strlen(buf))))
                return err;
        }
        vline(d, HX(0.0), bottom, top, 0.6, RULE);
        hline(d, x0, x1, bottom, 0.6, RULE);
        if (s->unit && (err = text_fit(d, x0, bottom - 3 - CHART_SIZE * 2.5, x1 - x0, PDF_RIGHT,
                                       CHART_SIZE, GREY_TEXT, s->unit)))
            return err;
        d->y = bottom - HBAR_AXIS - 4;
    }
#undef HX
    return CP_OK;
}

#define VPLOT_H 150.0
#define VLABEL_H 24.0
#define VSLOT_MIN 30.0

/* Vertical bars in panels of as many bars as fit side by side. */
static cp_err vbar_chart(pdf_doc *d, const pdf_bar_spec *s, const axis *a)
{
    double x0 = MARGIN_X + tick_width(d, a) + 8, x1 = MARGIN_X + TEXT_W, plot_w = x1 - x0;
    int per = (int)(plot_w / VSLOT_MIN);
    char buf[64];
    cp_err err;

    for (int i = 0, panel = 0; i < s->n; panel++) {
        int k = s->n - i < per ? s->n - i : per;
        double slot = plot_w / (k > 4 ? k : 4), bw = slot * 0.6 < 40 ? slot * 0.6 : 40;
        if ((err = need(d, CHART_TITLE_SIZE * LEADING + 12 + VPLOT_H + VLABEL_H)) ||
            (err = chart_title(d, s->title, panel > 0)))
            return err;
        double y1 = d->y - 14, y0 = y1 - VPLOT_H;
#define VY(v) (y0 + ((v) - a->t0) / (a->t1 - a->t0) * (y1 - y0))
        if ((err = y_axis(d, a, x0, x1, y0, y1, s->unit)))
            return err;
        for (int r = 0; r < k; r++, i++) {
            double cx = x0 + slot * (r + 0.5), v = real_value(s->values[i], s->scale);
            double ya = VY(0.0), yb = s->values[i] == PDF_NO_VALUE ? ya : VY(v);
            rect(d, cx - bw / 2, ya < yb ? ya : yb, bw, fabs(yb - ya),
                 s->marks ? mark_rgb(s->marks[i]) : PALETTE[0]);
            fmt_value(buf, sizeof buf, s->values[i], s->scale);
            if ((err = text_fit(d, cx - slot / 2, (v >= 0 ? yb + 2 : yb - VALUE_SIZE - 1), slot,
                                PDF_CENTER, VALUE_SIZE, GREY_TEXT, buf)))
                return err;
            if (s->labels && s->labels[i] &&
                (err = slot_label(d, cx - slot / 2 + 1, slot - 2, y0 - 2, s->labels[i])))
                return err;
        }
#undef VY
        d->y = y0 - VLABEL_H - 6;
    }
    return CP_OK;
}

cp_err pdf_bar_chart(pdf_doc *d, const pdf_bar_spec *s)
{
    double lo = 0, hi = 0;
    axis a;
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (!s || s->n < 0 || (s->n > 0 && !s->values)) {
        err = cp_fail(CP_ERR_INVALID, "a bar chart needs values");
        goto out;
    }
    if ((err = check_labels(d, s->title, s->unit, s->labels, s->n)))
        goto out;
    for (int i = 0; i < s->n; i++) {
        double v = s->values[i] == PDF_NO_VALUE ? 0 : real_value(s->values[i], s->scale);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    a = nice_axis(lo, hi);
    gap(d, 6);
    err = s->horizontal ? hbar_chart(d, s, &a) : vbar_chart(d, s, &a);
out:
    return leave(d, err);
}


/* The frame of a vertical chart: its title, then a plot box of VPLOT_H with a
 * y axis from lo to hi (ticks into *a) and room for labels below; the box's
 * corners come back in x0, x1 (left, right) and y0, y1 (bottom, top). */
static cp_err vplot_frame(pdf_doc *d, const char *title, const char *unit, double lo,
                          double hi, axis *a, double *x0, double *x1, double *y0, double *y1)
{
    cp_err err;

    *a = nice_axis(lo, hi);
    gap(d, 6);
    if ((err = need(d, CHART_TITLE_SIZE * LEADING + 14 + VPLOT_H + VLABEL_H)) ||
        (err = chart_title(d, title, 0)))
        return err;
    *x0 = MARGIN_X + tick_width(d, a) + 8;
    *x1 = MARGIN_X + TEXT_W;
    *y1 = d->y - 14;
    *y0 = *y1 - VPLOT_H;
    return y_axis(d, a, *x0, *x1, *y0, *y1, unit);
}
/* A legend of coloured swatches and names, right-aligned above a plot at y. */
static cp_err legend(pdf_doc *d, const char *const *names, int n, double y, int lines)
{
    double x = MARGIN_X + TEXT_W, w;
    cp_err err;

    for (int i = n - 1; i >= 0; i--) {
        const char *name = names[i] ? names[i] : "";
        w = measure(d, name, strlen(name), CHART_SIZE);
        x -= w;
        if ((err = text_at(d, x, y, CHART_SIZE, GREY_TEXT, name, strlen(name))))
            return err;
        x -= 14;
        if (lines)
            hline(d, x, x + 10, y + CHART_SIZE * 0.35, 1.6, PALETTE[i % 6]);
        else
            rect(d, x + 2, y, 7, 7, PALETTE[i % 6]);
        x -= 10;
    }
    return CP_OK;
}

cp_err pdf_line_chart(pdf_doc *d, const pdf_line_spec *s)
{
    static const HPDF_UINT16 dash[] = {4, 2};
    double lo = 0, hi = 0, x0, x1, y0, y1, slot;
    int nseries, step;
    char buf[64];
    axis a;
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (!s || s->n <= 0 || !s->values[0]) {
        err = cp_fail(CP_ERR_INVALID, "a line chart needs at least one point");
        goto out;
    }
    nseries = s->values[1] ? 2 : 1;
    if ((err = check_labels(d, s->title, s->unit, s->labels, s->n)) ||
        (err = check_labels(d, NULL, NULL, s->series_names, nseries)))
        goto out;
    for (int k = 0; k < nseries; k++)
        for (int i = 0; i < s->n; i++) {
            if (s->values[k][i] == PDF_NO_VALUE)
                continue;
            double v = real_value(s->values[k][i], s->scale);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    if ((err = vplot_frame(d, s->title, s->unit, lo, hi, &a, &x0, &x1, &y0, &y1)))
        goto out;
    slot = (x1 - x0) / s->n;
    if (s->series_names[0] && (err = legend(d, s->series_names, nseries, y1 + 5, 1)))
        goto out;
#define LX(i) (x0 + slot * ((i) + 0.5))
#define LY(v) (y0 + (real_value((v), s->scale) - a.t0) / (a.t1 - a.t0) * (y1 - y0))
    /* x labels: every step-th one, so that they do not overlap */
    step = 1;
    while (slot * step < 34)
        step++;
    for (int i = 0; s->labels && i < s->n; i += step)
        if (s->labels[i] && (err = text_fit(d, LX(i) - slot * step / 2, y0 - CHART_SIZE * 1.4,
                                            slot * step, PDF_CENTER, CHART_SIZE, GREY_TEXT,
                                            s->labels[i])))
            goto out;
    for (int k = 0; k < nseries; k++) {
        const int64_t *v = s->values[k];
        int pen = 0, drawn = 0;
        stroke_rgb(d, PALETTE[k]);
        HPDF_Page_SetLineWidth(d->page, 1.6);
        HPDF_Page_SetDash(d->page, k ? dash : NULL, k ? 2 : 0, 0);
        for (int i = 0; i < s->n; i++) {
            if (v[i] == PDF_NO_VALUE) {
                pen = 0;
                continue;
            }
            if (pen)
                HPDF_Page_LineTo(d->page, (HPDF_REAL)LX(i), (HPDF_REAL)LY(v[i]));
            else
                HPDF_Page_MoveTo(d->page, (HPDF_REAL)LX(i), (HPDF_REAL)LY(v[i]));
            pen = drawn = 1;
        }
        if (drawn) /* a series with no values has no path: stroking it is a libharu error */
            HPDF_Page_Stroke(d->page);
        HPDF_Page_SetDash(d->page, NULL, 0, 0);
        for (int i = 0; i < s->n; i++) {
            if (v[i] == PDF_NO_VALUE)
                continue;
            rect(d, LX(i) - 2, LY(v[i]) - 2, 4, 4, PALETTE[k]);
            if (slot < 22)
                continue;
            fmt_value(buf, sizeof buf, v[i], s->scale);
            if ((err = text_fit(d, LX(i) - slot / 2, LY(v[i]) + (k ? -VALUE_SIZE - 4 : 4), slot,
                                PDF_CENTER, VALUE_SIZE, GREY_TEXT, buf)))
                goto out;
        }
    }
#undef LX
#undef LY
    d->y = y0 - VLABEL_H;
out:
    return leave(d, err);
}

cp_err pdf_grouped_chart(pdf_doc *d, const pdf_group_spec *s)
{
    double lo = 0, hi = 0, x0, x1, y0, y1, slot, bw;
    char buf[64];
    axis a;
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (!s || s->ngroups <= 0 || s->nseries <= 0 || s->nseries > 6 || !s->values) {
        err = cp_fail(CP_ERR_INVALID, "a grouped chart needs groups, 1 to 6 series and values");
        goto out;
    }
    if ((err = check_labels(d, s->title, s->unit, s->groups, s->ngroups)) ||
        (err = check_labels(d, NULL, NULL, s->series, s->nseries)))
        goto out;
    for (int i = 0; i < s->ngroups * s->nseries; i++) {
        double v = s->values[i] == PDF_NO_VALUE ? 0 : real_value(s->values[i], s->scale);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if ((err = vplot_frame(d, s->title, s->unit, lo, hi, &a, &x0, &x1, &y0, &y1)) ||
        (s->series && (err = legend(d, s->series, s->nseries, y1 + 5, 0))))
        goto out;
    slot = (x1 - x0) / s->ngroups;
    bw = slot * 0.8 / s->nseries;
    for (int g = 0; g < s->ngroups; g++) {
        double gx = x0 + slot * g + slot * 0.1;
        for (int k = 0; k < s->nseries; k++) {
            int64_t raw = s->values[g * s->nseries + k];
            double v = real_value(raw, s->scale), bx = gx + bw * k;
            double ya = y0 + (0 - a.t0) / (a.t1 - a.t0) * (y1 - y0);
            double yb = raw == PDF_NO_VALUE ? ya : y0 + (v - a.t0) / (a.t1 - a.t0) * (y1 - y0);
            rect(d, bx + 0.5, ya < yb ? ya : yb, bw - 1, fabs(yb - ya), PALETTE[k]);
            fmt_value(buf, sizeof buf, raw, s->scale);
            if (bw >= 14 && measure(d, buf, strlen(buf), VALUE_SIZE) <= bw + 6 &&
                (err = text_fit(d, bx - 3, v >= 0 ? yb + 2 : yb - VALUE_SIZE - 1, bw + 6,
                                PDF_CENTER, VALUE_SIZE, GREY_TEXT, buf)))
                goto out;
        }
        if (s->groups[g] && (err = slot_label(d, x0 + slot * g + 1, slot - 2, y0 - 2, s->groups[g])))
            goto out;
    }
    d->y = y0 - VLABEL_H - 6;
out:
    return leave(d, err);
}

/* ---- extras ------------------------------------------------------------------------------- */

cp_err pdf_qr(pdf_doc *d, const char *text, double size)
{
    QRcode *q = NULL;
    double m, x, top;
    cp_err err;

    if ((err = enter(d)))
        return err;
    if (!text || !*text || size <= 0 || size > TEXT_W) {
        err = cp_fail(CP_ERR_INVALID, "a QR code needs text and a size up to the text width");
        goto out;
    }
    if (!(q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1))) {
        err = cp_fail(errno == ERANGE ? CP_ERR_INVALID : CP_ERR_NOMEM,
                      "cannot encode a QR code of %zu bytes: %s", strlen(text), strerror(errno));
        goto out;
    }
    if ((err = need(d, size)))
        goto out;
    m = size / (q->width + 8);        /* four modules of quiet zone on each side */
    top = d->y - 4 * m;
    fill_rgb(d, INK);
    for (int r = 0; r < q->width; r++)
        for (int c = 0; c < q->width;) {
            int run = 0;
            while (c + run < q->width && (q->data[r * q->width + c + run] & 1))
                run++;
            if (run) {
                x = MARGIN_X + (4 + c) * m;
                HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)(top - (r + 1) * m),
                                    (HPDF_REAL)(run * m), (HPDF_REAL)m);
                c += run;
            } else
                c++;
        }
    HPDF_Page_Fill(d->page);
    d->y -= size;
out:
    QRcode_free(q);
    return leave(d, err);
}
