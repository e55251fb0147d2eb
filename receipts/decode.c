/* decode: renders ESC/POS bytes back to UTF-8 text with markers, for preview and tests. */
#include "receipts/decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "receipts/escbuf.h"
#include "receipts/escpos.h"

#define ESC 0x1b
#define GS 0x1d
#define FS 0x1c
#define DLE 0x10

typedef struct decoder {
    const unsigned char *p;  /* input */
    size_t len;
    size_t pos;              /* next byte to read */
    size_t text_start;       /* start of pending text bytes, or len when none */
    escbuf out;
    escbuf qr;               /* stored QR data */
    iconv_t cd;              /* GB18030 to UTF-8 */
    bool bold, truncated;
    int underline, width, height, align;
} decoder;

/* Appends a formatted marker. */
static void decode_mark(decoder *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void decode_mark(decoder *d, const char *fmt, ...)
{
    char tmp[48];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        escbuf_append(&d->out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Converts GB18030 bytes to UTF-8 into the output; undecodable bytes
 * become U+FFFD one at a time. */
static void decode_gb(decoder *d, const unsigned char *s, size_t n)
{
    char buf[256];

    iconv(d->cd, NULL, NULL, NULL, NULL);
    while (n > 0 && !d->out.err) {
        char *in = (char *)s, *o = buf;
        size_t inleft = n, outleft = sizeof buf;
        size_t r = iconv(d->cd, &in, &inleft, &o, &outleft);

        escbuf_append(&d->out, buf, (size_t)(o - buf));
        s = (const unsigned char *)in;
        n = inleft;
        if (r == (size_t)-1 && errno != E2BIG) {
            escbuf_str(&d->out, "\xef\xbf\xbd");
            s++;
            n--;
            iconv(d->cd, NULL, NULL, NULL, NULL);
        }
    }
}

/* Emits the text bytes collected since the last command. */
static void decode_flush(decoder *d, size_t end)
{
    if (d->text_start < end)
        decode_gb(d, d->p + d->text_start, end - d->text_start);
    d->text_start = d->len;
}

/* Appends bytes as printable UTF-8, escaping controls and bad bytes as \xNN. */
static void decode_escaped(decoder *d, const unsigned char *s, size_t n)
{
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        k = escpos_utf8_next((const char *)s + i, n - i, &cp);
        if ((k == 1 && (s[i] < 0x20 || s[i] >= 0x7f)) || cp == '\\')
            decode_mark(d, "\\x%02X", s[i]);
        else
            escbuf_append(&d->out, s + i, k);
        i += k;
    }
}

/* True when n more bytes are there to read; otherwise marks the input truncated. */
static bool decode_need(decoder *d, size_t n)
{
    if (d->len - d->pos >= n)
        return true;
    d->truncated = true;
    d->pos = d->len;
    return false;
}

/* Sets the bold state, marking a change. */
static void decode_set_bold(decoder *d, bool on)
{
    if (on != d->bold)
        escbuf_str(&d->out, on ? "[B]" : "[/B]");
    d->bold = on;
}

/* Sets the underline state, marking a change between off and on. */
static void decode_set_underline(decoder *d, int u)
{
    if ((u != 0) != (d->underline != 0))
        escbuf_str(&d->out, u ? "[U]" : "[/U]");
    d->underline = u;
}

/* Sets the character size, marking a change. */
static void decode_set_size(decoder *d, int w, int h)
{
    if (w != d->width || h != d->height)
        decode_mark(d, "[SIZE %dx%d]", w, h);
    d->width = w;
    d->height = h;
}

/* Sets the alignment, marking a change. */
static void decode_set_align(decoder *d, int a)
{
    static const char *const names[] = {"[LEFT]", "[CENTER]", "[RIGHT]"};

    if (a < 0 || a > 2)
        return;
    if (a != d->align)
        escbuf_str(&d->out, names[a]);
    d->align = a;
}

/* Back to power-on state (ESC @), marking what changes. */
static void decode_reset(decoder *d)
{
    decode_set_bold(d, false);
    decode_set_underline(d, 0);
    decode_set_size(d, 1, 1);
    decode_set_align(d, 0);
}

/* ESC x ...; d->pos is just past x. */
static void decode_esc(decoder *d, unsigned char x)
{
    const unsigned char *a = d->p + d->pos;
    size_t n;

    switch (x) {
    case '@':
        decode_reset(d);
        return;
    case '2': case '<': case 'i': case 'm':
        if (x == 'i' || x == 'm')
            escbuf_str(&d->out, "[CUT]");
        return;
    case 'E':
        if (decode_need(d, 1))
            decode_set_bold(d, a[0] & 1);
        break;
    case '-':
        if (decode_need(d, 1))
            decode_set_underline(d, a[0] & 3);
        break;
    case '!':
        if (!decode_need(d, 1))
            return;
        decode_set_bold(d, a[0] & 0x08);
        decode_set_underline(d, a[0] & 0x80 ? 1 : 0);
        decode_set_size(d, a[0] & 0x20 ? 2 : 1, a[0] & 0x10 ? 2 : 1);
        break;
    case 'a':
        if (decode_need(d, 1))
            decode_set_align(d, a[0] & 3);
        break;
    case 'd':
        if (decode_need(d, 1))
            escbuf_repeat(&d->out, '\n', a[0]);
        break;
    case 'J':
        if (decode_need(d, 1))
            escbuf_byte(&d->out, '\n');
        break;
    case 'p':
        if (decode_need(d, 3)) {
            escbuf_str(&d->out, "[DRAWER]");
            d->pos += 2;
        }
        break;
    case '$': case '\\':
        if (decode_need(d, 2))
            d->pos += 1;
        break;
    case 'D':   /* tab stops: up to 32 bytes and a NUL */
        for (n = 0; n < 33 && d->pos < d->len; n++)
            if (d->p[d->pos++] == 0)
                return;
        if (n < 33)
            d->truncated = true;
        return;
    case '*':   /* bit image: m nL nH, then columns of 1 or 3 bytes */
        if (!decode_need(d, 3))
            return;
        n = (size_t)(a[1] | a[2] << 8) * (a[0] >= 32 ? 3 : 1);
        d->pos += 3;
        if (decode_need(d, n)) {
            escbuf_str(&d->out, "[IMAGE]");
            d->pos += n;
        }
        return;
    case 'c':   /* ESC c 3 n, ESC c 4 n, ESC c 5 n */
        if (decode_need(d, 2))
            d->pos += 1;
        break;
    case '3': case 'G': case 'M': case 'R': case 'V': case 'e': case 't':
    case '{': case 'U': case 'r': case ' ': case '%': case '?':
        decode_need(d, 1);
        break;
    case 'S': case 'L':
        return;
    default:
        decode_mark(d, "[ESC 0x%02X]", x);
        return;
    }
    if (d->pos < d->len)
        d->pos++;
}

/* GS ( k pL pH cn fn ...: QR store and print; other GS ( x are skipped. */
static void decode_gs_paren(decoder *d)
{
    const unsigned char *a = d->p + d->pos;
    size_t n;

    if (!decode_need(d, 3))
        return;
    n = (size_t)(a[1] | a[2] << 8);
    d->pos += 3;
    if (!decode_need(d, n))
        return;
    if (a[0] == 'k' && n >= 3 && a[3] == 49 && a[4] == 80) {
        escbuf_free(&d->qr);
        escbuf_init(&d->qr, 1 << 16);
        escbuf_append(&d->qr, a + 6, n - 3);
    } else if (a[0] == 'k' && n >= 2 && a[3] == 49 && a[4] == 81) {
        escbuf_str(&d->out, "[QR:");
        if (d->qr.len)
            decode_escaped(d, d->qr.data, d->qr.len);
        escbuf_byte(&d->out, ']');
    }
    d->pos += n;
}

/* GS x ...; d->pos is just past x. */
static void decode_gs(decoder *d, unsigned char x)
{
    const unsigned char *a = d->p + d->pos;
    size_t n, start;

    switch (x) {
    case '!':
        if (decode_need(d, 1)) {
            decode_set_size(d, (a[0] >> 4 & 7) + 1, (a[0] & 7) + 1);
            d->pos++;
        }
        return;
    case 'V':
        if (!decode_need(d, 1))
            return;
        d->pos++;
        if (a[0] >= 65 && decode_need(d, 1))
            d->pos++;
        if (!d->truncated)
            escbuf_str(&d->out, "[CUT]");
        return;
    case '(':
        decode_gs_paren(d);
        return;
    case 'k':   /* barcode: m 0..6 then NUL-terminated, m 65.. then n and n bytes */
        if (!decode_need(d, 1))
            return;
        d->pos++;
        if (a[0] <= 6) {
            start = d->pos;
            while (d->pos < d->len && d->p[d->pos] != 0)
                d->pos++;
            if (!decode_need(d, 1))
                return;
            n = d->pos - start;
            d->pos++;
        } else {
            if (!decode_need(d, 1))
                return;
            n = d->p[d->pos++];
            start = d->pos;
            if (!decode_need(d, n))
                return;
            d->pos += n;
        }
        escbuf_str(&d->out, "[BARCODE:");
        decode_escaped(d, d->p + start, n);
        escbuf_byte(&d->out, ']');
        return;
    case 'v':   /* raster image: '0' m xL xH yL yH data */
        if (!decode_need(d, 6))
            return;
        n = (size_t)(a[2] | a[3] << 8) * (size_t)(a[4] | a[5] << 8);
        d->pos += 6;
        if (decode_need(d, n)) {
            escbuf_str(&d->out, "[IMAGE]");
            d->pos += n;
        }
        return;
    case '*':   /* downloaded image: x y, then x * y * 8 bytes */
        if (!decode_need(d, 2))
            return;
        n = (size_t)a[0] * a[1] * 8;
        d->pos += 2;
        if (decode_need(d, n))
            d->pos += n;
        return;
    case 'L': case 'W': case 'P': case '$': case '\\':
        if (decode_need(d, 2))
            d->pos += 2;
        return;
    case 'B': case 'H': case 'f': case 'h': case 'w': case 'a': case 'b':
    case 'r': case 'I': case '/': case 'E': case 'x':
        if (decode_need(d, 1))
            d->pos++;
        return;
    default:
        decode_mark(d, "[GS 0x%02X]", x);
        return;
    }
}

/* FS x ...; d->pos is just past x. */
static void decode_fs(decoder *d, unsigned char x)
{
    switch (x) {
    case '&': case '.':
        return;
    case '!': case '-': case 'W': case 'C':
        if (decode_need(d, 1))
            d->pos++;
        return;
    case 'S': case 'p':
        if (decode_need(d, 2)) {
            if (x == 'p')
                escbuf_str(&d->out, "[IMAGE]");
            d->pos += 2;
        }
        return;
    default:
        decode_mark(d, "[FS 0x%02X]", x);
        return;
    }
}

/* Walks the input once, writing text and markers. */
static void decode_run(decoder *d)
{
    unsigned char c, x;

    d->text_start = d->len;
    while (d->pos < d->len && !d->out.err) {
        c = d->p[d->pos];
        if (c >= 0x20 || c == 0x09) {
            if (d->text_start == d->len)
                d->text_start = d->pos;
            d->pos++;
            continue;
        }
        decode_flush(d, d->pos);
        d->pos++;
        if (c == '\n') {
            escbuf_byte(&d->out, '\n');
            continue;
        }
        if (c != ESC && c != GS && c != FS && c != DLE) {
            if (c != 0x0c && c != 0x00 && c != 0x0d)
                decode_mark(d, "[0x%02X]", c);
            continue;
        }
        if (!decode_need(d, 1))
            break;
        x = d->p[d->pos++];
        if (c == ESC)
            decode_esc(d, x);
        else if (c == GS)
            decode_gs(d, x);
        else if (c == FS)
            decode_fs(d, x);
        else if ((x == 4 || x == 5) && decode_need(d, 1))
            d->pos++;             /* DLE EOT n, DLE ENQ n: status requests */
        else if (x == 0x14 && decode_need(d, 3)) {
            if (d->p[d->pos] == 1)
                escbuf_str(&d->out, "[DRAWER]");
            d->pos += 3;          /* DLE DC4 fn m t */
        } else if (x != 4 && x != 5 && x != 0x14)
            decode_mark(d, "[DLE 0x%02X]", x);
    }
    decode_flush(d, d->pos < d->len ? d->pos : d->len);
    if (d->truncated)
        escbuf_str(&d->out, "[TRUNCATED]");
}

/* Decodes bytes into text the caller frees. */
cp_err decode_text(const void *data, size_t len, char **out, size_t *out_len)
{
    decoder d = {.p = data, .len = len, .width = 1, .height = 1};
    cp_err err = CP_OK;
    size_t n = 0;

    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!data && len)
        return cp_fail(CP_ERR_INVALID, "no bytes to decode");
    escbuf_init(&d.out, DECODE_MAX_OUT);
    escbuf_init(&d.qr, 1 << 16);
    d.cd = iconv_open("UTF-8", "GB18030");
    if (d.cd == (iconv_t)-1) {
        err = cp_fail(CP_ERR_UNSUPPORTED, "iconv cannot convert GB18030 to UTF-8");
        goto out;
    }
    decode_run(&d);
    err = d.out.err;
    if (err)
        goto out;
    *out = (char *)escbuf_take(&d.out, &n);
    if (!*out) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory decoding printer bytes");
        goto out;
    }
    if (out_len)
        *out_len = n;
out:
    if (d.cd != (iconv_t)-1)
        iconv_close(d.cd);
    escbuf_free(&d.out);
    escbuf_free(&d.qr);
    return err;
}

/* Decodes bytes and writes the text to f. */
cp_err decode_print(const void *data, size_t len, FILE *f)
{
    char *text;
    size_t n;
    cp_err err = decode_text(data, len, &text, &n);

    if (err)
        return err;
    if (fwrite(text, 1, n, f) != n || fflush(f) != 0)
        err = cp_fail(CP_ERR_IO, "could not write the receipt preview");
    free(text);
    return err;
}
