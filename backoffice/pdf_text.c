/* pdf_text: the font's glyphs, people's text that cannot be drawn as it is, and line breaking. */
#include "backoffice/pdf.h"
#include "backoffice/pdf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nls.h"


/* ---- UTF-8 and the font's glyphs ----------------------------------------------- */

/* Width of code point cp in 1/1000 em, or -1 when the font has no glyph for it.
 * libharu 2.3.0 handles only the Basic Multilingual Plane. */
int pdf_glyph_width(pdf_doc *d, uint32_t cp)
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
        if (pdf_glyph_width(d, cp) < 0)
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
    return pdf_glyph_width(d, 0xFFFD) >= 0 ? "\xEF\xBF\xBD" : "?";
}

/* True when text needs no change to be drawn: UTF-8, no control characters
 * or bidi controls, every character in the font. */
static int drawable_as_is(pdf_doc *d, const char *text)
{
    size_t i = 0;
    uint32_t cp;

    while (text[i])
        if (utf8_next(text, &i, &cp) || cp < 0x20 || cp == 0x7F || text_is_bidi_control(cp) ||
            pdf_glyph_width(d, cp) < 0)
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
        } else if (cp < 0x20 || cp == 0x7F || pdf_glyph_width(d, cp) < 0) {
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
        pdf_fail(d, CP_ERR_NOMEM, _("out of memory preparing text for the PDF"));
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
double pdf_measure(pdf_doc *d, const char *s, size_t len, double size)
{
    size_t i = 0;
    uint32_t cp;
    long w = 0;

    while (i < len && !utf8_next(s, &i, &cp))
        if (cp != '\n')
            w += pdf_glyph_width(d, cp);
    return w * size / 1000.0;
}

/* ---- line breaking ------------------------------------------------------------------ */

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
int pdf_next_line(pdf_doc *d, const char *s, size_t *pos, double size, double max_w,
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
        double cw = pdf_glyph_width(d, cp) * size / 1000.0;
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
