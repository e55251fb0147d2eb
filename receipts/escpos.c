/* escpos: ESC/POS command encoder with GB18030/GBK text and column layout. */
#include "receipts/escpos.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "receipts/escbuf.h"

#define ESC 0x1b
#define GS 0x1d
#define FS 0x1c
#define LF 0x0a

struct escpos {
    escpos_profile prof;
    escbuf buf;
    iconv_t cd;          /* UTF-8 to the printer's encoding; (iconv_t)-1 for ASCII */
};

static const char *const encoding_names[] = {
    [ESCPOS_GB18030] = "gb18030",
    [ESCPOS_GBK_FS] = "gbk",
    [ESCPOS_ASCII] = "ascii",
};

/* Fills *out from an encoding name and a column count. */
cp_err escpos_profile_parse(const char *encoding, int columns, escpos_profile *out)
{
    size_t i;

    if (columns != 32 && columns != 42 && columns != 48)
        return cp_fail(CP_ERR_INVALID, "printer columns must be 32, 42 or 48, not %d", columns);
    for (i = 0; i < sizeof encoding_names / sizeof *encoding_names; i++) {
        if (encoding && strcasecmp(encoding, encoding_names[i]) == 0) {
            out->encoding = (escpos_encoding)i;
            out->columns = columns;
            return CP_OK;
        }
    }
    return cp_fail(CP_ERR_INVALID, "printer encoding must be gb18030, gbk or ascii, not '%s'",
                   encoding ? encoding : "(none)");
}

/* Name of an encoding; static storage. */
const char *escpos_encoding_name(escpos_encoding enc)
{
    if ((unsigned)enc >= sizeof encoding_names / sizeof *encoding_names)
        return "unknown";
    return encoding_names[enc];
}

/* Creates an encoder; the caller owns it and frees it with escpos_free. */
cp_err escpos_new(const escpos_profile *prof, escpos **out)
{
    escpos *e;
    const char *to = NULL;

    *out = NULL;
    if (prof->columns < 8 || prof->columns > 255)
        return cp_fail(CP_ERR_INVALID, "printer columns %d out of range", prof->columns);
    if ((unsigned)prof->encoding > ESCPOS_ASCII)
        return cp_fail(CP_ERR_INVALID, "unknown printer encoding %d", (int)prof->encoding);
    e = calloc(1, sizeof *e);
    if (!e)
        return cp_fail(CP_ERR_NOMEM, "out of memory for a printer encoder");
    e->prof = *prof;
    escbuf_init(&e->buf, 0);
    e->cd = (iconv_t)-1;
    if (prof->encoding == ESCPOS_GB18030)
        to = "GB18030";
    else if (prof->encoding == ESCPOS_GBK_FS)
        to = "GBK";
    if (to) {
        e->cd = iconv_open(to, "UTF-8");
        if (e->cd == (iconv_t)-1) {
            free(e);
            return cp_fail(CP_ERR_UNSUPPORTED, "iconv cannot convert UTF-8 to %s", to);
        }
    }
    *out = e;
    return CP_OK;
}

/* Frees an encoder and its bytes; accepts NULL. */
void escpos_free(escpos *e)
{
    if (!e)
        return;
    if (e->cd != (iconv_t)-1)
        iconv_close(e->cd);
    escbuf_free(&e->buf);
    free(e);
}

/* The encoder's profile; owned by the encoder. */
const escpos_profile *escpos_profile_of(const escpos *e)
{
    return &e->prof;
}

/* The sticky error. */
cp_err escpos_error(const escpos *e)
{
    return e->buf.err;
}

/* The bytes so far; owned by the encoder. */
const unsigned char *escpos_data(const escpos *e, size_t *len)
{
    *len = e->buf.len;
    return e->buf.data ? e->buf.data : (const unsigned char *)"";
}

/* Gives the bytes to the caller, who frees them. */
cp_err escpos_take(escpos *e, unsigned char **out, size_t *len)
{
    cp_err err = e->buf.err;

    *out = NULL;
    *len = 0;
    if (err) {
        escbuf_free(&e->buf);
        return err;
    }
    *out = escbuf_take(&e->buf, len);
    return *out ? CP_OK : e->buf.err;
}

/* Empties the encoder and clears its error. */
void escpos_clear(escpos *e)
{
    escbuf_free(&e->buf);
}

/* Records a bad argument as the sticky error. */
static cp_err escpos_bad(escpos *e, const char *what, int value)
{
    if (!e->buf.err)
        e->buf.err = cp_fail(CP_ERR_INVALID, "ESC/POS %s out of range: %d", what, value);
    return e->buf.err;
}

/* Appends a short command given as bytes. */
static cp_err escpos_cmd(escpos *e, const unsigned char *p, size_t n)
{
    return escbuf_append(&e->buf, p, n);
}

/* ESC @, then FS & when the profile needs Chinese mode switched on. */
cp_err escpos_init(escpos *e)
{
    static const unsigned char init[] = {ESC, '@'};

    escpos_cmd(e, init, sizeof init);
    if (e->prof.encoding == ESCPOS_GBK_FS)
        escpos_chinese(e, true);
    return e->buf.err;
}

/* ESC a n */
cp_err escpos_set_align(escpos *e, escpos_align a)
{
    if ((unsigned)a > ESCPOS_RIGHT)
        return escpos_bad(e, "alignment", (int)a);
    return escpos_cmd(e, (const unsigned char[]){ESC, 'a', (unsigned char)a}, 3);
}

/* ESC ! n */
cp_err escpos_mode(escpos *e, unsigned flags)
{
    if (flags > 0xff)
        return escpos_bad(e, "print mode", (int)flags);
    return escpos_cmd(e, (const unsigned char[]){ESC, '!', (unsigned char)flags}, 3);
}

/* ESC E n */
cp_err escpos_bold(escpos *e, bool on)
{
    return escpos_cmd(e, (const unsigned char[]){ESC, 'E', on ? 1 : 0}, 3);
}

/* ESC - n */
cp_err escpos_underline(escpos *e, int dots)
{
    if (dots < 0 || dots > 2)
        return escpos_bad(e, "underline", dots);
    return escpos_cmd(e, (const unsigned char[]){ESC, '-', (unsigned char)dots}, 3);
}

/* GS ! n: width multiplier in the high nibble, height in the low one. */
cp_err escpos_size(escpos *e, int width, int height)
{
    if (width < 1 || width > 8)
        return escpos_bad(e, "character width", width);
    if (height < 1 || height > 8)
        return escpos_bad(e, "character height", height);
    return escpos_cmd(e, (const unsigned char[]){GS, '!',
                                                 (unsigned char)((width - 1) << 4 | (height - 1))}, 3);
}

/* LF */
cp_err escpos_lf(escpos *e)
{
    return escbuf_byte(&e->buf, LF);
}

/* ESC d n */
cp_err escpos_feed(escpos *e, int lines)
{
    if (lines < 0 || lines > 255)
        return escpos_bad(e, "feed lines", lines);
    return escpos_cmd(e, (const unsigned char[]){ESC, 'd', (unsigned char)lines}, 3);
}

/* ESC t n */
cp_err escpos_codepage(escpos *e, int page)
{
    if (page < 0 || page > 255)
        return escpos_bad(e, "code page", page);
    return escpos_cmd(e, (const unsigned char[]){ESC, 't', (unsigned char)page}, 3);
}

/* FS & (Chinese mode on) or FS . (off) */
cp_err escpos_chinese(escpos *e, bool on)
{
    return escpos_cmd(e, (const unsigned char[]){FS, on ? '&' : '.'}, 2);
}

/* GS ( k: select model 2, module size, error correction, store data, print. */
cp_err escpos_qr(escpos *e, const void *data, size_t len, int module, char ec)
{
    static const char levels[] = "LMQH";
    const char *lv = ec ? strchr(levels, ec) : NULL;
    size_t store = len + 3;

    if (module < 1 || module > 16)
        return escpos_bad(e, "QR module size", module);
    if (!lv)
        return escpos_bad(e, "QR error correction", ec);
    if (len == 0 || len > ESCPOS_QR_MAX)
        return escpos_bad(e, "QR data length", (int)(len > 99999 ? 99999 : len));
    escpos_cmd(e, (const unsigned char[]){GS, '(', 'k', 4, 0, 49, 65, 50, 0}, 9);
    escpos_cmd(e, (const unsigned char[]){GS, '(', 'k', 3, 0, 49, 67, (unsigned char)module}, 8);
    escpos_cmd(e, (const unsigned char[]){GS, '(', 'k', 3, 0, 49, 69,
                                          (unsigned char)(48 + (lv - levels))}, 8);
    escpos_cmd(e, (const unsigned char[]){GS, '(', 'k', (unsigned char)(store & 0xff),
                                          (unsigned char)(store >> 8), 49, 80, 48}, 8);
    escbuf_append(&e->buf, data, len);
    return escpos_cmd(e, (const unsigned char[]){GS, '(', 'k', 3, 0, 49, 81, 48}, 8);
}

/* GS V 0/1 (cut now) or GS V 65/66 n (feed n lines, then cut). */
cp_err escpos_cut(escpos *e, bool partial, int feed)
{
    if (feed < 0 || feed > 255)
        return escpos_bad(e, "cut feed", feed);
    if (feed == 0)
        return escpos_cmd(e, (const unsigned char[]){GS, 'V', partial ? 1 : 0}, 3);
    return escpos_cmd(e, (const unsigned char[]){GS, 'V', partial ? 66 : 65, (unsigned char)feed}, 4);
}

/* ESC p m t1 t2: pulse the drawer kick pin (0 = pin 2, 1 = pin 5). */
cp_err escpos_drawer(escpos *e, int pin)
{
    if (pin != 0 && pin != 1)
        return escpos_bad(e, "drawer pin", pin);
    return escpos_cmd(e, (const unsigned char[]){ESC, 'p', (unsigned char)pin, 25, 250}, 5);
}

/* Bytes as they are. */
cp_err escpos_raw(escpos *e, const void *p, size_t n)
{
    return escbuf_append(&e->buf, p, n);
}

/* ---- text ---------------------------------------------------------------- */

/* Reads one UTF-8 character (strict: no overlongs, surrogates or > U+10FFFF). */
size_t escpos_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c;
    size_t n, i;

    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] >= 0xc2 && u[0] <= 0xdf) {
        n = 2;
        c = u[0] & 0x1f;
    } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
        n = 3;
        c = u[0] & 0x0f;
    } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
        n = 4;
        c = u[0] & 0x07;
    } else {
        goto bad;
    }
    if (len < n)
        goto bad;
    for (i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80)
            goto bad;
        c = c << 6 | (u[i] & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        goto bad;
    *cp = c;
    return n;
bad:
    *cp = 0xfffd;
    return 1;
}

/* ASCII stand-in for a character the printer cannot take: full-width forms
 * and common Chinese punctuation by their ASCII look-alikes, the rest '?'. */
static const char *escpos_fallback(uint32_t cp, char tmp[2])
{
    static const struct {
        uint32_t cp;
        const char *ascii;
    } table[] = {
        {0x00a5, "Y"}, {0x00b7, "."}, {0x2014, "-"}, {0x2018, "'"}, {0x2019, "'"},
        {0x201c, "\""}, {0x201d, "\""}, {0x2026, "..."}, {0x3000, " "}, {0x3001, ","},
        {0x3002, "."}, {0x300a, "<"}, {0x300b, ">"}, {0x3010, "["}, {0x3011, "]"},
        {0x20ac, "EUR"}, {0xffe5, "Y"},
    };
    size_t i;

    if (cp >= 0xff01 && cp <= 0xff5e) {
        tmp[0] = (char)(cp - 0xfee0);
        tmp[1] = '\0';
        return tmp;
    }
    for (i = 0; i < sizeof table / sizeof *table; i++)
        if (table[i].cp == cp)
            return table[i].ascii;
    return "?";
}

/* Encodes one character for the printer into out (at least 8 bytes) and
 * returns the byte count; 0 for a character that prints nothing. */
static size_t escpos_encode_char(escpos *e, const char *s, size_t n, uint32_t cp, char out[8])
{
    char tmp[2];
    const char *fb;

    if (cp < 0x80) {
        if (cp == '\t')
            cp = ' ';
        if ((cp < 0x20 && cp != '\n') || cp == 0x7f)
            return 0;
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0xa0)
        return 0; /* C1 controls */
    if (cp != 0xfffd && e->cd != (iconv_t)-1) {
        char *in = (char *)s, *o = out;
        size_t inleft = n, outleft = 8;

        iconv(e->cd, NULL, NULL, NULL, NULL);
        /* a single byte above 0x7f is no character a printer in a Chinese
         * mode prints: GBK (Microsoft's 936) gives the euro sign as 0x80,
         * which such a printer takes for half of a two-byte code (the fuzz
         * target found it); the ASCII stand-in goes instead */
        if (iconv(e->cd, &in, &inleft, &o, &outleft) != (size_t)-1 && inleft == 0 &&
            o > out && !(o - out == 1 && (unsigned char)out[0] >= 0x80))
            return (size_t)(o - out);
    }
    fb = escpos_fallback(cp, tmp);
    memcpy(out, fb, strlen(fb));
    return strlen(fb);
}

/* Columns taken by an encoded character: one per ASCII byte, two for a
 * double-byte (or four-byte) Chinese code. */
static int escpos_enc_width(const char *enc, size_t n)
{
    if (n && (unsigned char)enc[0] >= 0x80)
        return 2;
    return (int)n;
}

/* Text converted to the printer's encoding. */
static cp_err escpos_text_n(escpos *e, const char *s, size_t len)
{
    size_t i = 0, n, k;
    uint32_t cp;
    char out[8];

    while (i < len) {
        n = escpos_utf8_next(s + i, len - i, &cp);
        k = escpos_encode_char(e, s + i, n, cp, out);
        escbuf_append(&e->buf, out, k);
        i += n;
    }
    return e->buf.err;
}

/* UTF-8 text in the printer's encoding. */
cp_err escpos_text(escpos *e, const char *utf8)
{
    return escpos_text_n(e, utf8, strlen(utf8));
}

/* Text and LF. */
cp_err escpos_line(escpos *e, const char *utf8)
{
    escpos_text(e, utf8);
    return escpos_lf(e);
}

/* Byte length of the prefix fitting in cols columns; width to *width. */
size_t escpos_fit(escpos *e, const char *utf8, size_t len, int cols, int *width)
{
    size_t i = 0, n, k;
    uint32_t cp;
    char out[8];
    int w = 0, cw;

    while (i < len) {
        n = escpos_utf8_next(utf8 + i, len - i, &cp);
        k = escpos_encode_char(e, utf8 + i, n, cp, out);
        cw = escpos_enc_width(out, k);
        if (w + cw > cols)
            break;
        w += cw;
        i += n;
    }
    if (width)
        *width = w;
    return i;
}

/* Display columns of a whole string. */
int escpos_width(escpos *e, const char *utf8)
{
    int w;

    escpos_fit(e, utf8, strlen(utf8), 1 << 30, &w);
    return w;
}

/* The next line of s[0..len) wrapped at cols: its bytes to *line, returns the
 * bytes consumed (line plus the spaces or LF it broke at). Never 0 for len > 0. */
size_t escpos_wrap_line(escpos *e, const char *s, size_t len, int cols, size_t *line)
{
    const char *nl = memchr(s, '\n', len);
    size_t seg = nl ? (size_t)(nl - s) : len;
    size_t fit, k;
    uint32_t cp;

    fit = escpos_fit(e, s, seg, cols, NULL);
    if (fit == seg) {
        *line = seg;
        return nl ? seg + 1 : seg;
    }
    for (k = fit; k > 0 && k >= fit / 2; k--) {
        if (s[k] == ' ') {
            *line = k;
            while (k < seg && s[k] == ' ')
                k++;
            return k;
        }
    }
    if (fit == 0) /* a character wider than the line: print it anyway */
        fit = escpos_utf8_next(s, seg, &cp);
    *line = fit;
    while (fit < seg && s[fit] == ' ')
        fit++;
    return fit;
}

/* Text wrapped into lines of at most cols columns; a single character wider
 * than cols (possible below 3 columns) is printed alone on its line. */
cp_err escpos_wrap(escpos *e, const char *utf8, int cols)
{
    size_t len = strlen(utf8), i = 0, line, used;

    if (cols < 1)
        return escpos_bad(e, "wrap columns", cols);
    if (len == 0)
        return escpos_lf(e);
    while (i < len) {
        used = escpos_wrap_line(e, utf8 + i, len - i, cols, &line);
        escpos_text_n(e, utf8 + i, line);
        escpos_lf(e);
        i += used;
    }
    return e->buf.err;
}

/* Text cut or padded to exactly cols columns. */
cp_err escpos_cell(escpos *e, const char *utf8, int cols, escpos_align a)
{
    return escpos_cell_n(e, utf8, strlen(utf8), cols, a);
}

/* utf8[0..len) cut or padded to exactly cols columns. */
cp_err escpos_cell_n(escpos *e, const char *utf8, size_t len, int cols, escpos_align a)
{
    int w, pad;
    size_t n;

    if (cols < 0)
        return escpos_bad(e, "cell columns", cols);
    n = escpos_fit(e, utf8, len, cols, &w);

    pad = cols - w;
    if (a == ESCPOS_RIGHT)
        escbuf_repeat(&e->buf, ' ', (size_t)pad);
    else if (a == ESCPOS_CENTER)
        escbuf_repeat(&e->buf, ' ', (size_t)(pad / 2));
    escpos_text_n(e, utf8, n);
    if (a == ESCPOS_LEFT)
        escbuf_repeat(&e->buf, ' ', (size_t)pad);
    else if (a == ESCPOS_CENTER)
        escbuf_repeat(&e->buf, ' ', (size_t)(pad - pad / 2));
    return e->buf.err;
}

/* Left text and right-aligned right text on a line of cols columns. */
cp_err escpos_pair(escpos *e, const char *left, const char *right, int cols)
{
    size_t len = strlen(left), i = 0, line, used;
    int wr = escpos_width(e, right), wl;

    if (cols < 1)
        return escpos_bad(e, "line columns", cols);
    for (;;) {
        used = escpos_wrap_line(e, left + i, len - i, cols, &line);
        escpos_fit(e, left + i, line, cols, &wl);
        if (i + used >= len) {
            /* last line of the left side */
            if (wl + 1 + wr <= cols || (wl == 0 && wr <= cols)) {
                escpos_text_n(e, left + i, line);
                escbuf_repeat(&e->buf, ' ', (size_t)(cols - wl - wr));
                escpos_line(e, right);
            } else {
                escpos_text_n(e, left + i, line);
                escpos_lf(e);
                escpos_cell(e, right, cols, ESCPOS_RIGHT);
                escpos_lf(e);
            }
            return e->buf.err;
        }
        escpos_text_n(e, left + i, line);
        escpos_lf(e);
        i += used;
    }
}

/* cols copies of c, then LF. */
cp_err escpos_rule(escpos *e, char c, int cols)
{
    if (cols < 0 || (unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
        return escpos_bad(e, "rule", cols);
    escbuf_repeat(&e->buf, (unsigned char)c, (size_t)cols);
    return escpos_lf(e);
}
