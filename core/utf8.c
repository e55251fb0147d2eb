/* utf8: people's text in UTF-8: checking it, counting its characters, and copying or formatting it into fixed buffers without ever cutting a character.
 *
 * Names come in every script, so a cut made by bytes (snprintf into a fixed
 * buffer) can end inside a character, and text with half a character is no
 * longer UTF-8: jansson refuses it, so an answer went out blank. Everything
 * that copies people's text into a fixed buffer cuts it here instead. */
#include "core/utf8.h"

#include "core/err.h"

#include <stdio.h>
#include <wchar.h>
#include <stdlib.h>
#include <string.h>

#define ELLIPSIS_LEN (sizeof UTF8_ELLIPSIS - 1)
#define ZWJ 0x200d
#define IS_REGIONAL(c) ((c) >= 0x1f1e6 && (c) <= 0x1f1ff) /* two make a flag */

size_t utf8_char(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c, min;
    size_t n;

    if (len == 0)
        return 0;
    if (u[0] < 0x80) {
        n = 1, c = u[0], min = 0;
    } else if ((u[0] & 0xe0) == 0xc0) {
        n = 2, c = u[0] & 0x1f, min = 0x80;
    } else if ((u[0] & 0xf0) == 0xe0) {
        n = 3, c = u[0] & 0x0f, min = 0x800;
    } else if ((u[0] & 0xf8) == 0xf0) {
        n = 4, c = u[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((u[k] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (u[k] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    if (cp)
        *cp = c;
    return n;
}

bool utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n)
        if (!s[i] || !(n = utf8_char(s + i, len - i, NULL)))
            return false;
    return true;
}

size_t utf8_chars(const char *s)
{
    size_t len = strlen(s), count = 0;

    for (size_t i = 0, n; i < len; i += n ? n : 1, count++)
        n = utf8_char(s + i, len - i, NULL);
    return count;
}

/* True for a code point that belongs with the character before it: the
 * combining marks of the scripts our diners write (Latin, Cyrillic, Hebrew,
 * Arabic and Uyghur, Devanagari, Thai, Tibetan, Mongolian, kana), joiners,
 * variation selectors, skin tones and emoji tags. Not all of Unicode's
 * extenders: enough that a cut name keeps its accents and its emoji whole. */
static bool extends(uint32_t c)
{
    static const uint32_t ranges[][2] = {
        {0x0300, 0x036f},   {0x0483, 0x0489},   {0x0591, 0x05bd},   {0x05bf, 0x05bf},
        {0x05c1, 0x05c2},   {0x05c4, 0x05c5},   {0x05c7, 0x05c7},   {0x0610, 0x061a},
        {0x064b, 0x065f},   {0x0670, 0x0670},   {0x06d6, 0x06dc},   {0x06df, 0x06e4},
        {0x06e7, 0x06e8},   {0x06ea, 0x06ed},   {0x0900, 0x0903},   {0x093a, 0x093c},
        {0x093e, 0x094f},   {0x0951, 0x0957},   {0x0962, 0x0963},   {0x0e31, 0x0e31},
        {0x0e34, 0x0e3a},   {0x0e47, 0x0e4e},   {0x0f18, 0x0f19},   {0x0f35, 0x0f35},
        {0x0f37, 0x0f37},   {0x0f39, 0x0f39},   {0x0f71, 0x0f84},   {0x0f86, 0x0f87},
        {0x0f8d, 0x0fbc},   {0x180b, 0x180d},   {0x1885, 0x1886},   {0x18a9, 0x18a9},
        {0x1ab0, 0x1aff},   {0x1dc0, 0x1dff},   {0x200c, 0x200d},   {0x20d0, 0x20ff},
        {0x302a, 0x302f},   {0x3099, 0x309a},   {0xfe00, 0xfe0f},   {0xfe20, 0xfe2f},
        {0x1f3fb, 0x1f3ff}, {0xe0020, 0xe007f}, {0xe0100, 0xe01ef},
    };
    size_t lo = 0, hi = sizeof ranges / sizeof ranges[0];

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < ranges[mid][0])
            hi = mid;
        else if (c > ranges[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Where the character that ends at p (> 0) begins; a stray byte is one. */
static size_t char_before(const char *s, size_t p)
{
    size_t q = p - 1;

    while (q > 0 && p - q < 4 && ((unsigned char)s[q] & 0xc0) == 0x80)
        q--;
    return utf8_char(s + q, p - q, NULL) == p - q ? q : p - 1;
}

/* The code point at s[p..len), or 0 for a stray byte or the end. */
static uint32_t cp_at(const char *s, size_t len, size_t p)
{
    uint32_t c = 0;

    if (p >= len || !utf8_char(s + p, len - p, &c))
        return 0;
    return c;
}

/* True when text may be cut at p, a character boundary: what follows does
 * not belong to what comes before (a mark, the far side of a joiner, the
 * second half of a flag). */
static bool cut_ok(const char *s, size_t len, size_t p)
{
    uint32_t next = cp_at(s, len, p);
    size_t regionals = 0;

    if (p == 0 || p >= len)
        return true;
    if (extends(next) || cp_at(s, len, char_before(s, p)) == ZWJ)
        return false;
    if (!IS_REGIONAL(next))
        return true;
    for (size_t q = p; q > 0 && IS_REGIONAL(cp_at(s, len, char_before(s, q)));
         q = char_before(s, q))
        regionals++;
    return regionals % 2 == 0;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
    size_t cut = 0, p;

    if (len <= max)
        return len;
    for (size_t n; cut < len; cut += n) {
        n = utf8_char(s + cut, len - cut, NULL);
        if (!n)
            n = 1; /* a stray byte is cut like a character of its own */
        if (cut + n > max)
            break;
    }
    for (p = cut; p > 0 && !cut_ok(s, len, p); p = char_before(s, p))
        ;
    /* one character with more marks than fit: the code point boundary must do */
    return p > 0 ? p : cut;
}

/* Copies the len bytes of src into dst (size > 0), cut with "…" when they
 * do not fit or when more is known to follow them (longer). */
static bool copy_cut(char *dst, size_t size, const char *src, size_t len, bool longer)
{
    size_t room = size - 1, n;
    bool mark;

    if (len <= room && !longer) {
        memmove(dst, src, len);
        dst[len] = '\0';
        return true;
    }
    mark = room >= ELLIPSIS_LEN;
    n = utf8_cut(src, len, mark ? room - ELLIPSIS_LEN : room);
    memmove(dst, src, n);
    if (mark)
        memcpy(dst + n, UTF8_ELLIPSIS, ELLIPSIS_LEN);
    dst[n + (mark ? ELLIPSIS_LEN : 0)] = '\0';
    return false;
}

bool utf8_copy(char *dst, size_t size, const char *src)
{
    if (size == 0)
        return !src || !*src;
    return copy_cut(dst, size, src ? src : "", src ? strlen(src) : 0, false);
}

bool utf8_vformat(char *dst, size_t size, const char *fmt, va_list ap)
{
    va_list again;
    char *whole;
    int n;

    if (size == 0)
        return false;
    va_copy(again, ap);
    n = vsnprintf(dst, size, fmt, ap);
    if (n < 0) {
        dst[0] = '\0';
        va_end(again);
        return false;
    }
    if ((size_t)n < size) {
        va_end(again);
        return true;
    }
    /* cut: format the whole text aside, so that the cut can see what follows it */
    if ((whole = malloc((size_t)n + 1)) && vsnprintf(whole, (size_t)n + 1, fmt, again) == n)
        copy_cut(dst, size, whole, (size_t)n, false);
    else
        copy_cut(dst, size, dst, strlen(dst), true); /* no memory: cut what vsnprintf kept */
    free(whole);
    va_end(again);
    return false;
}

bool utf8_format(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    bool whole;

    va_start(ap, fmt);
    whole = utf8_vformat(dst, size, fmt, ap);
    va_end(ap);
    return whole;
}

char *utf8_repair(const char *s, size_t len)
{
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    char *out = malloc(len * 3 + 1), *o = out;

    if (!out)
        return NULL;
    for (size_t i = 0, n; i < len; i += n) {
        n = s[i] ? utf8_char(s + i, len - i, NULL) : 0;
        if (n) {
            memcpy(o, s + i, n);
            o += n;
        } else {
            memcpy(o, replacement, 3);
            o += 3;
            n = 1;
        }
    }
    *o = '\0';
    return out;
}

/* Whether cp shows nothing: a space, a zero-width character or a direction
 * mark (U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FEFF). */
static bool blank(uint32_t cp)
{
    return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 ||
           cp == 0xfeff;
}

utf8_name_fault utf8_name_check(const char *s, size_t max)
{
    size_t len = strlen(s), n = 0, k;
    bool shows = false;
    uint32_t cp;

    if (!utf8_valid(s, len))
        return UTF8_NAME_NOT_UTF8;
    for (const char *p = s; *p; p += k, n++) {
        k = utf8_char(p, len - (size_t)(p - s), &cp);
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return UTF8_NAME_CONTROL;
        shows |= !blank(cp);
    }
    if (!shows)
        return UTF8_NAME_EMPTY;
    return n > max ? UTF8_NAME_LONG : UTF8_NAME_OK;
}

cp_err utf8_name_valid(const char *what, const char *s, size_t max)
{
    switch (utf8_name_check(s, max)) {
    case UTF8_NAME_OK:
        return CP_OK;
    case UTF8_NAME_EMPTY:
        return cp_fail(CP_ERR_INVALID, "%s is empty (or only spaces or invisible characters): "
                       "give one", what);
    case UTF8_NAME_NOT_UTF8:
        return cp_fail(CP_ERR_INVALID, "%s is not UTF-8 text", what);
    case UTF8_NAME_CONTROL:
        return cp_fail(CP_ERR_INVALID, "%s has a control character (a line break or a tab): "
                       "write it on one line", what);
    case UTF8_NAME_LONG:
        break;
    }
    return cp_fail(CP_ERR_INVALID, "%s has %zu characters, at most %zu: shorten it (screens, "
                   "receipts and lists show a name whole)", what, utf8_chars(s), max);
}

/* Whether cp is an East Asian wide or fullwidth character (Unicode's
 * EastAsianWidth W and F: the blocks a canteen's names and text use). */
static bool wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
           (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
           (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
           (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
           (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
           (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
           (cp >= 0x20000 && cp <= 0x3fffd);
}

/* Whether cp takes no column: a combining mark, a zero-width space or
 * joiner, a variation selector (wcwidth says so only in a UTF-8 locale). */
static bool zero_width(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
           (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
           (cp >= 0xfe20 && cp <= 0xfe2f);
}

int utf8_width(const char *s)
{
    size_t len = strlen(s), n;
    uint32_t cp;
    int w = 0, c;

    for (; len > 0; s += n, len -= n) {
        if (!(n = utf8_char(s, len, &cp))) {
            n = 1;
            w++;
            continue;
        }
        /* a combining mark or a joiner takes no column in any locale that
         * knows it; the wide ones are told by their blocks */
        c = wide(cp) ? 2 : zero_width(cp) ? 0 : wcwidth((wchar_t)cp);
        w += c < 0 ? 1 : c;
    }
    return w;
}

void utf8_pad(FILE *f, const char *s, int cols, bool right)
{
    int pad = cols - utf8_width(s);

    if (right)
        for (; pad > 0; pad--)
            fputc(' ', f);
    fputs(s, f);
    if (!right)
        for (; pad > 0; pad--)
            fputc(' ', f);
}

void utf8_row(FILE *f, const char *const *cells, const int *cols, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputc(' ', f);
        if (cols[k] > 0)
            utf8_pad(f, cells[k], cols[k], false);
        else if (cols[k] < 0)
            utf8_pad(f, cells[k], -cols[k], true);
        else
            fputs(cells[k], f);
    }
    fputc('\n', f);
}
