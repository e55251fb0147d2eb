/* simframe: the frames each scale protocol sends for a reading (simulator, tests, benchmarks). */
#include "scale/simframe.h"

#include <stdio.h>
#include <string.h>

/* The frame layouts are those documented in the matching scale/proto_*.c. */

#define SOH 0x01
#define STX 0x02
#define ETX 0x03
#define EOT 0x04
#define CR 0x0d

static const int64_t pow10_table[] = { 1, 10, 100, 1000, 10000, 100000,
                                       1000000, 10000000, 100000000, 1000000000 };

/* Grams as an integer count of 10^-decimals units; false when out of range. */
static bool to_units(int64_t grams, const simframe_fmt *f, int64_t *v)
{
    int64_t g = grams < 0 ? -grams : grams, q;

    if (g > 1000000000 || f->decimals < 0 || f->decimals > 4)
        return false;
    switch (f->unit) {
    case PROTO_UNIT_G:
        q = g * pow10_table[f->decimals];
        break;
    case PROTO_UNIT_KG:
        /* g * 10^d / 1000, rounded */
        q = (g * pow10_table[f->decimals] + 500) / 1000;
        break;
    case PROTO_UNIT_LB:
        /* g * 10^(5+d) / 45359237, rounded */
        q = (g * pow10_table[5 + f->decimals] + 45359237 / 2) / 45359237;
        break;
    default:
        return false;
    }
    if (q >= 10000000000) /* the parsers take at most 10 significant digits */
        return false;
    *v = grams < 0 ? -q : q;
    return true;
}

/* Writes |v| * 10^-decimals as digits with a decimal point, left-padded with
 * pad to width characters (no padding when width is 0). False when it does
 * not fit in width. */
static bool fixed(char *dst, size_t cap, int64_t v, int decimals, int width, char pad)
{
    char digits[32];
    char tmp[40];
    int n, len;

    if (v < 0)
        v = -v;
    n = snprintf(digits, sizeof digits, "%0*lld", decimals + 1, (long long)v);
    if (decimals > 0)
        len = snprintf(tmp, sizeof tmp, "%.*s.%s", n - decimals, digits,
                       digits + n - decimals);
    else
        len = snprintf(tmp, sizeof tmp, "%s", digits);
    if (width > 0 && len > width)
        return false;
    if (width < len)
        width = len;
    if ((size_t)width >= cap)
        return false;
    memset(dst, pad, (size_t)(width - len));
    memcpy(dst + (width - len), tmp, (size_t)len + 1);
    return true;
}

static size_t mtsics_frame(const proto_reading *r, const simframe_fmt *f, char *b, size_t cap)
{
    char num[24];
    int64_t v;

    switch (r->status) {
    case PROTO_OVERLOAD: return (size_t)snprintf(b, cap, "S +\r\n");
    case PROTO_UNDERLOAD: return (size_t)snprintf(b, cap, "S -\r\n");
    case PROTO_ERROR: return (size_t)snprintf(b, cap, "EL\r\n");
    case PROTO_IMPOSSIBLE: return 0;
    case PROTO_OK: break;
    }
    if (!r->has_weight || !to_units(r->grams, f, &v))
        return 0;
    num[0] = '-';
    if (!fixed(num + 1, sizeof num - 1, v, f->decimals, 0, ' '))
        return 0;
    return (size_t)snprintf(b, cap, "S %c %10s %s\r\n", r->stable ? 'S' : 'D',
                            v < 0 ? num : num + 1, proto_unit_name(f->unit));
}

static size_t t8217_frame(const proto_reading *r, const simframe_fmt *f, char *b, size_t cap)
{
    char num[16];
    int st = 0x40 | (r->net ? 0x20 : 0);
    int64_t v;

    switch (r->status) {
    case PROTO_OVERLOAD: st |= 0x02; break;
    case PROTO_UNDERLOAD: st |= 0x04; break;
    case PROTO_ERROR:
    case PROTO_IMPOSSIBLE: return 0;
    case PROTO_OK:
        if (r->has_weight && r->grams < 0)
            return 0; /* under zero: the scale reports UNDERLOAD status */
        if (r->has_weight && r->stable) {
            if (!to_units(r->grams, f, &v) || v < 0 ||
                !fixed(num, sizeof num, v, f->decimals, f->decimals > 0 ? 6 : 5, '0'))
                return 0;
            /* a tared scale adds N (DIVA service manual p. 44) */
            return (size_t)snprintf(b, cap, "%c%s%s%c", STX, num, r->net ? "N" : "", CR);
        }
        break;
    }
    if (r->moving || (r->status == PROTO_OK && !r->stable))
        st |= 0x01;
    return (size_t)snprintf(b, cap, "%c?%c%c", STX, st, CR);
}

static size_t cont_frame(const proto_reading *r, const simframe_fmt *f, char *b, size_t cap)
{
    int swa = 0x20 | 0x08, swb = 0x20, swc = 0x20;
    int64_t v = 0;
    unsigned sum = 0;
    size_t n;

    if (f->decimals > 5)
        return 0;
    swa |= f->decimals == 0 ? 2 : f->decimals + 2;
    if (f->unit == PROTO_UNIT_KG)
        swb |= 0x10;
    else if (f->unit == PROTO_UNIT_G)
        swc |= 0x01;
    if (r->net)
        swb |= 0x01;
    if (r->moving || (r->status == PROTO_OK && !r->stable))
        swb |= 0x08;
    switch (r->status) {
    case PROTO_OVERLOAD: swb |= 0x04; break;
    case PROTO_UNDERLOAD: swb |= 0x04 | 0x02; break;
    case PROTO_ERROR: swb |= 0x40; break;
    case PROTO_IMPOSSIBLE: return 0;
    case PROTO_OK:
        if (!r->has_weight || !to_units(r->grams, f, &v) || v > 999999 || v < -999999)
            return 0;
        if (v < 0)
            swb |= 0x02;
        break;
    }
    n = (size_t)snprintf(b, cap, "%c%c%c%c%06lld000000%c", STX, swa, swb, swc,
                         (long long)(v < 0 ? -v : v), CR);
    if (f->checksum && n + 1 < cap) {
        for (size_t i = 0; i < n; i++)
            sum += (uint8_t)b[i];
        b[n++] = (char)((0x80 - (sum & 0x7f)) & 0x7f);
        b[n] = '\0';
    }
    return n;
}

static size_t and_frame(const proto_reading *r, const simframe_fmt *f, char *b, size_t cap)
{
    char num[16];
    int64_t v;

    switch (r->status) {
    case PROTO_OVERLOAD: return (size_t)snprintf(b, cap, "OL,+9999999E+19\r\n");
    case PROTO_UNDERLOAD: return (size_t)snprintf(b, cap, "OL,-9999999E+19\r\n");
    case PROTO_ERROR:
    case PROTO_IMPOSSIBLE: return 0;
    case PROTO_OK: break;
    }
    if (!r->has_weight || !to_units(r->grams, f, &v))
        return 0;
    if (r->net) {
        /* indicator format with a second header, data of 8 with the sign */
        if (!fixed(num, sizeof num, v, f->decimals, 7, '0'))
            return 0;
        return (size_t)snprintf(b, cap, "%s,NT,%c%s%-2s\r\n", r->stable ? "ST" : "US",
                                v < 0 ? '-' : '+', num, proto_unit_name(f->unit));
    }
    if (!fixed(num, sizeof num, v, f->decimals, 8, '0'))
        return 0;
    return (size_t)snprintf(b, cap, "%s,%c%s%3s\r\n", r->stable ? "ST" : "US",
                            v < 0 ? '-' : '+', num, proto_unit_name(f->unit));
}

static size_t cas_frame(const proto_reading *r, const simframe_fmt *f, char *b, size_t cap)
{
    char num[16];
    char sta, sign = ' ';
    uint8_t bcc = 0;
    int64_t v;
    int n;

    if (cap < 16)
        return 0;
    switch (r->status) {
    case PROTO_OVERLOAD:
        sta = 'F';
        memcpy(num, "999999", 7);
        break;
    case PROTO_OK:
        if (!r->has_weight || !to_units(r->grams, f, &v) ||
            !fixed(num, sizeof num, v, f->decimals, 6, '0'))
            return 0;
        sta = r->stable ? 'S' : 'U';
        sign = v < 0 ? '-' : ' ';
        break;
    default:
        return 0;
    }
    n = snprintf(b, cap, "%c%c%c%c%s%-2s", SOH, STX, sta, sign, num,
                 proto_unit_name(f->unit));
    for (int i = 2; i < n; i++)
        bcc ^= (uint8_t)b[i];
    b[n++] = (char)bcc;
    b[n++] = ETX;
    b[n++] = EOT;
    b[n] = '\0';
    return (size_t)n;
}

static size_t cas_stream_frame(const proto_reading *r, const simframe_fmt *f, char *b, size_t cap)
{
    char num[16];
    const char *head;
    int lamp = 0x80 | (r->stable ? 0x40 : 0) | (r->net ? 0x02 : 0x04);
    int64_t v;

    switch (r->status) {
    case PROTO_OVERLOAD: head = "OL"; memcpy(num, "99999999", 9); break;
    case PROTO_UNDERLOAD: head = "OL"; memcpy(num, "-9999999", 9); break;
    case PROTO_OK:
        if (!r->has_weight || !to_units(r->grams, f, &v))
            return 0;
        head = r->stable ? "ST" : "US";
        num[0] = '-';
        if (!fixed(num + (v < 0), sizeof num - 1, v, f->decimals, v < 0 ? 7 : 8, '0'))
            return 0;
        break;
    default:
        return 0;
    }
    return (size_t)snprintf(b, cap, "%s,%s,1%c,%s %2s\r\n", head, r->net ? "NT" : "GS",
                            lamp, num, proto_unit_name(f->unit));
}

static size_t ohaus_frame(const proto_reading *r, const simframe_fmt *f, char *b, size_t cap)
{
    char num[24];
    int64_t v;

    if (r->status != PROTO_OK || !r->has_weight || !to_units(r->grams, f, &v))
        return 0;
    num[0] = '-';
    if (!fixed(num + 1, sizeof num - 1, v, f->decimals, 0, ' '))
        return 0;
    return (size_t)snprintf(b, cap, "%10s %-5s %c %s\r\n", v < 0 ? num : num + 1,
                            proto_unit_name(f->unit), r->stable ? ' ' : '?',
                            r->net ? "NET" : "G");
}

/* Writes the frame for r in ops's protocol; see simframe.h. */
size_t simframe_format(const proto_ops *ops, const proto_reading *r,
                       const simframe_fmt *fmt, uint8_t *buf, size_t cap)
{
    simframe_fmt f = { .unit = PROTO_UNIT_KG, .decimals = 3 };
    char *b = (char *)buf;

    if (fmt != NULL) {
        f = *fmt;
        if (f.unit == PROTO_UNIT_KG && f.decimals == 0)
            f.decimals = 3;
    }
    if (cap < SIMFRAME_MAX)
        return 0;
    if (ops == &proto_mtsics)
        return mtsics_frame(r, &f, b, cap);
    if (ops == &proto_toledo8217)
        return t8217_frame(r, &f, b, cap);
    if (ops == &proto_toledocont)
        return cont_frame(r, &f, b, cap);
    if (ops == &proto_and)
        return and_frame(r, &f, b, cap);
    if (ops == &proto_cas)
        return cas_frame(r, &f, b, cap);
    if (ops == &proto_cas_stream)
        return cas_stream_frame(r, &f, b, cap);
    if (ops == &proto_ohaus)
        return ohaus_frame(r, &f, b, cap);
    return 0;
}

/* True when cmd (which may end in CR LF) is the line s[0..n). */
static bool command_is(const char *cmd, const char *s, size_t n)
{
    return cmd != NULL && strcspn(cmd, "\r\n") == n && memcmp(cmd, s, n) == 0;
}

/* Maps a complete command to what the scale does. */
static simframe_cmd command_of(const proto_ops *ops, const char *s, size_t n)
{
    if (command_is(ops->poll, s, n))
        return SIMFRAME_POLL;
    if (command_is(ops->tare, s, n))
        return SIMFRAME_TARE;
    if (command_is(ops->zero, s, n))
        return SIMFRAME_ZERO;
    if (command_is(ops->clear, s, n))
        return SIMFRAME_CLEAR;
    return SIMFRAME_NONE;
}

/* Recognises the host's commands byte by byte; see simframe.h. */
simframe_cmd simframe_command(simframe_rx *rx, const proto_ops *ops, uint8_t c)
{
    const char *any = ops->poll != NULL ? ops->poll : ops->tare;
    simframe_cmd cmd;

    if (ops == &proto_cas || ops == &proto_cas_stream)
        return c == 0x05 ? SIMFRAME_ACK : c == 0x11 ? SIMFRAME_POLL : SIMFRAME_NONE;
    if (any == NULL || strchr(any, '\r') == NULL) {
        /* single-byte commands (Toledo) */
        char s = (char)c;
        return command_of(ops, &s, 1);
    }
    if (c != '\r' && c != '\n') {
        if (rx->len < sizeof rx->buf)
            rx->buf[rx->len++] = (char)c;
        return SIMFRAME_NONE;
    }
    cmd = rx->len > 0 && rx->len < sizeof rx->buf ? command_of(ops, rx->buf, rx->len)
                                                  : SIMFRAME_NONE;
    rx->len = 0;
    return cmd;
}
