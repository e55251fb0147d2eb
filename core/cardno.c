/* cardno: card numbers as readers send them, normalised to the stored form. */
#include "core/cardno.h"
#include "core/nls.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

cp_err cardno_format_parse(const char *name, cardno_format *out)
{
    static const struct {
        const char *name;
        cardno_format fmt;
    } names[] = {
        {"auto", CARDNO_AUTO},       {"dec10", CARDNO_DEC10},
        {"w26", CARDNO_W26},         {"hex", CARDNO_HEX_MSB},
        {"hex-msb", CARDNO_HEX_MSB}, {"hex-lsb", CARDNO_HEX_LSB},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].fmt;
            return CP_OK;
        }
    }
    return cp_fail(CP_ERR_INVALID,
                   "unknown card format '%s' (use auto, dec10, w26, hex or hex-lsb)", name);
}

/* Parses len decimal digits at s into *v, refusing anything above max. */
static int parse_dec(const char *s, size_t len, uint64_t max, uint64_t *v)
{
    uint64_t n = 0;

    if (len == 0 || len > 10)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        n = n * 10 + (uint64_t)(s[i] - '0');
    }
    if (n > max)
        return -1;
    *v = n;
    return 0;
}

static int parse_hex(const char *s, size_t len, int lsb_first, uint64_t *v)
{
    uint64_t n = 0;

    /* 4-byte UIDs; shorter ones are padded as the reader would print them. */
    if (len == 0 || len > 8 || len % 2 != 0)
        return -1;
    for (size_t i = 0; i < len; i += 2) {
        unsigned byte;
        char pair[3] = {s[i], s[i + 1], '\0'};
        if (!isxdigit((unsigned char)pair[0]) || !isxdigit((unsigned char)pair[1]))
            return -1;
        sscanf(pair, "%2x", &byte);
        if (lsb_first)
            n |= (uint64_t)byte << (8 * (i / 2));
        else
            n = (n << 8) | byte;
    }
    *v = n;
    return 0;
}

cp_err cardno_normalize(const char *raw, cardno_format fmt, char out[CARDNO_LEN + 1])
{
    const char *s = raw;
    size_t len;
    uint64_t v = 0;
    int bad;

    while (isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0)
        return cp_fail(CP_ERR_INVALID, "empty card number");

    if (fmt == CARDNO_AUTO)
        fmt = memchr(s, ',', len) ? CARDNO_W26 : CARDNO_DEC10;

    switch (fmt) {
    case CARDNO_DEC10:
        bad = parse_dec(s, len, UINT32_MAX, &v);
        break;
    case CARDNO_W26: {
        const char *comma = memchr(s, ',', len);
        uint64_t fac, card;
        bad = !comma || parse_dec(s, (size_t)(comma - s), 255, &fac) ||
              parse_dec(comma + 1, len - (size_t)(comma - s) - 1, 65535, &card);
        if (!bad)
            v = (fac << 16) | card;
        break;
    }
    case CARDNO_HEX_MSB:
    case CARDNO_HEX_LSB:
        bad = parse_hex(s, len, fmt == CARDNO_HEX_LSB, &v);
        break;
    default:
        bad = 1;
    }
    if (bad)
        return cp_fail(CP_ERR_INVALID, "'%.*s' is not a card number (%s)", (int)len, s,
                       fmt == CARDNO_W26   ? _("expected FACILITY,CARD like 123,45678")
                       : fmt == CARDNO_DEC10 ? _("expected up to 10 digits, at most 4294967295")
                                             : _("expected 2 to 8 hex digits"));
    snprintf(out, CARDNO_LEN + 1, "%010llu", (unsigned long long)v);
    return CP_OK;
}
