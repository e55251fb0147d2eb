/* pdf: a small A4 layout toolkit over libharu for Chinese reports: flowing text, tables, charts, footers.
 * This file: the document, its pages and errors, drawing primitives and flowing
 * text; pdf_text.c, pdf_table.c and pdf_chart.c the rest (pdf_int.h). */
#include "backoffice/pdf.h"
#include "backoffice/pdf_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nls.h"

#include <qrencode.h>

/* ---- errors --------------------------------------------------------------------- */

/* libharu calls this on every error; the first one is kept and reported by pdf_leave(). */
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
cp_err pdf_fail(pdf_doc *d, cp_err err, const char *fmt, ...)
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
    return pdf_fail(d, d->herr == HPDF_FAILD_TO_ALLOC_MEM ? CP_ERR_NOMEM : CP_ERR_IO,
                _("libharu failed %s: error 0x%04X (detail %u): %s"), _(what), (unsigned)d->herr,
                (unsigned)d->hdetail, hpdf_text(d->herr));
}

/* Every public drawing call starts here: refuses a failed or saved document. */
cp_err pdf_enter(pdf_doc *d)
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
cp_err pdf_leave(pdf_doc *d, cp_err err)
{
    if (err && !d->err)
        return pdf_fail(d, err, "%s", cp_detail());
    if (!err)
        err = hpdf_check(d, "drawing");
    return err;
}

/* ---- drawing primitives ------------------------------------------------------------- */

/* Small wrappers over libharu's path calls; errors reach on_hpdf_error(). */
static void fill_rgb(pdf_doc *d, rgb c)
{
    HPDF_Page_SetRGBFill(d->page, (HPDF_REAL)c.r, (HPDF_REAL)c.g, (HPDF_REAL)c.b);
}

void pdf_stroke_rgb(pdf_doc *d, rgb c)
{
    HPDF_Page_SetRGBStroke(d->page, (HPDF_REAL)c.r, (HPDF_REAL)c.g, (HPDF_REAL)c.b);
}

rgb pdf_mark_rgb(pdf_mark m)
{
    switch (m) {
    case PDF_MARK_RED: return (rgb){0.80, 0.08, 0.08};
    case PDF_MARK_BLACK: return (rgb){0.05, 0.05, 0.05};
    case PDF_MARK_GREEN: return (rgb){0.15, 0.55, 0.25};
    default: return PALETTE[0];
    }
}

void pdf_rect(pdf_doc *d, double x, double y, double w, double h, rgb c)
{
    fill_rgb(d, c);
    HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
    HPDF_Page_Fill(d->page);
}

void pdf_hline(pdf_doc *d, double x0, double x1, double y, double width, rgb c)
{
    pdf_stroke_rgb(d, c);
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)width);
    HPDF_Page_MoveTo(d->page, (HPDF_REAL)x0, (HPDF_REAL)y);
    HPDF_Page_LineTo(d->page, (HPDF_REAL)x1, (HPDF_REAL)y);
    HPDF_Page_Stroke(d->page);
}

void pdf_vline(pdf_doc *d, double x, double y0, double y1, double width, rgb c)
{
    pdf_stroke_rgb(d, c);
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)width);
    HPDF_Page_MoveTo(d->page, (HPDF_REAL)x, (HPDF_REAL)y0);
    HPDF_Page_LineTo(d->page, (HPDF_REAL)x, (HPDF_REAL)y1);
    HPDF_Page_Stroke(d->page);
}

/* Draws len bytes of checked text s with its left end at x and baseline y. */
cp_err pdf_text_at(pdf_doc *d, double x, double y, double size, rgb c, const char *s,
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
cp_err pdf_text_fit(pdf_doc *d, double x, double y, double max_w, pdf_align align,
                       double size, rgb c, const char *s)
{
    size_t end = strcspn(s, "\n"), i = 0, cut = 0;
    double w = pdf_measure(d, s, end, size), ew, cw;
    uint32_t cp;
    char tmp[512];

    if (w <= max_w && !s[end])
        goto draw_whole;
    ew = pdf_measure(d, d->ellipsis, strlen(d->ellipsis), size);
    w = 0;
    while (i < end) {
        size_t j = i;
        utf8_next(s, &j, &cp);
        cw = pdf_glyph_width(d, cp) * size / 1000.0;
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
    return pdf_text_at(d, x, y, size, c, s, end);
}

/* Baseline of a line of type size whose line box of height lead has its bottom at y. */
double pdf_baseline(double y, double lead, double size)
{
    return y + (lead - size) / 2 + 0.15 * size;
}

/* ---- pages ------------------------------------------------------------------------------ */


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
    return d->table.open ? pdf_table_header(d) : CP_OK;
}

/* Starts a new page unless h points fit above the bottom margin (or the page is fresh). */
cp_err pdf_need(pdf_doc *d, double h)
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
    pdf_set_notice(d, NULL, NULL); /* the default: a line on stderr */
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
    d->ellipsis = pdf_glyph_width(d, 0x2026) >= 0 ? "\xE2\x80\xA6" : "...";
    if ((err = hpdf_check(d, "setting up the document")) || (err = new_page(d)))
        goto out;
    *out = d;
    d = NULL;
out:
    pdf_free(d);
    return err;
}

/* Frees what the open table owns and closes it. */
void pdf_table_forget(table_state *t)
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
    pdf_table_forget(&d->table);
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

    if ((err = pdf_enter(d)))
        return err;
    if (!(err = pdf_check_text(d, text ? text : ""))) {
        if (!(copy = strdup(text ? text : "")))
            err = cp_fail(CP_ERR_NOMEM, "out of memory");
        else {
            free(*slot);
            *slot = copy;
        }
    }
    return pdf_leave(d, err);
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
        pdf_hline(d, MARGIN_X, PAGE_W - MARGIN_X, 44, 0.4, RULE);
        snprintf(num, sizeof num, "第 %d 页 / 共 %d 页", i + 1, d->npages);
        err = pdf_text_fit(d, MARGIN_X, 32, TEXT_W, PDF_RIGHT, FOOTER_SIZE, GREY_TEXT, num);
        if (!err && d->footer)
            err = pdf_text_fit(d, MARGIN_X, 32, TEXT_W * 0.72, PDF_LEFT, FOOTER_SIZE, GREY_TEXT,
                           d->footer);
        if (!err && d->mark && *d->mark)
            err = pdf_text_fit(d, MARGIN_X, PAGE_H - MARGIN_TOP + 16, TEXT_W, PDF_CENTER,
                           HEADING_SIZE, pdf_mark_rgb(PDF_MARK_RED), d->mark);
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

    if ((err = pdf_enter(d)))
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
    return pdf_leave(d, err);
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

    if ((err = pdf_need(d, lead + keep)))
        return err;
    while (pdf_next_line(d, text, &pos, size, width, &ln)) {
        if ((err = pdf_need(d, lead)))
            return err;
        d->y -= lead;
        if ((err = pdf_text_at(d, x, pdf_baseline(d->y, lead, size), size, c, text + ln.start, ln.len)))
            return err;
    }
    return CP_OK;
}

/* Moves the cursor down by pts unless at the top of a page. */
void pdf_gap(pdf_doc *d, double pts)
{
    if (d->y < TOP_Y - 0.01)
        d->y -= pts;
}

cp_err pdf_title(pdf_doc *d, const char *text)
{
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (!(err = pdf_check_text(d, text)))
        err = flow(d, text, MARGIN_X, TEXT_W, TITLE_SIZE, INK, 3 * BODY_SIZE * LEADING);
    pdf_gap(d, 8);
    return pdf_leave(d, err);
}

cp_err pdf_heading(pdf_doc *d, const char *text)
{
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    pdf_gap(d, 10);
    if (!(err = pdf_check_text(d, text)))
        err = flow(d, text, MARGIN_X, TEXT_W, HEADING_SIZE, INK, 4 * BODY_SIZE * LEADING);
    pdf_gap(d, 3);
    return pdf_leave(d, err);
}

cp_err pdf_paragraph(pdf_doc *d, const char *text)
{
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (!(err = pdf_check_text(d, text)))
        err = flow(d, text, MARGIN_X, TEXT_W, BODY_SIZE, INK, 0);
    pdf_gap(d, 4);
    return pdf_leave(d, err);
}

cp_err pdf_kv(pdf_doc *d, const char *key, const char *value)
{
    double lead = BODY_SIZE * LEADING;
    char *k = NULL;
    size_t n;
    cp_err err;

    if ((err = pdf_enter(d)))
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
    if ((err = pdf_need(d, lead)) ||
        (err = pdf_text_fit(d, MARGIN_X, pdf_baseline(d->y - lead, lead, BODY_SIZE), KV_KEY_W - 6,
                        PDF_LEFT, BODY_SIZE, GREY_TEXT, k)))
        goto out;
    if (!*value)
        d->y -= lead;
    else
        err = flow(d, value, MARGIN_X + KV_KEY_W, TEXT_W - KV_KEY_W, BODY_SIZE, INK, 0);
out:
    free(k);
    return pdf_leave(d, err);
}

cp_err pdf_space(pdf_doc *d, double points)
{
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (points > 0 && d->y - points < MARGIN_BOTTOM)
        err = new_page(d);
    else if (points > 0)
        d->y -= points;
    return pdf_leave(d, err);
}

cp_err pdf_page_break(pdf_doc *d)
{
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (d->y < TOP_Y - 0.01)
        err = new_page(d);
    return pdf_leave(d, err);
}

/* ---- extras ------------------------------------------------------------------------------- */

cp_err pdf_qr(pdf_doc *d, const char *text, double size)
{
    QRcode *q = NULL;
    double m, x, top;
    cp_err err;

    if ((err = pdf_enter(d)))
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
    if ((err = pdf_need(d, size)))
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
    return pdf_leave(d, err);
}
