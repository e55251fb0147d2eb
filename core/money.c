/* money: amounts typed in (yuan to integer fen, kg to integer grams) and back; no floating point anywhere. */
#include "core/money.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/nls.h"

#define MONEY_MAX_YUAN 100000000LL

/* Parses a non-negative decimal with at most decimals digits after the
 * point, as a whole number of its smallest unit (yuan with 2: fen), at most
 * max whole units; -1 when s is not one. No floating point: the digits are
 * the number. */
static int64_t parse_decimal(const char *s, int decimals, int64_t max)
{
    int64_t whole = 0, frac = 0, unit = 1;
    int int_digits = 0, frac_digits = 0;
    const char *p = s;

    for (int k = 0; k < decimals; k++)
        unit *= 10;
    for (; isdigit((unsigned char)*p); p++, int_digits++) {
        whole = whole * 10 + (*p - '0');
        if (whole > max)
            return -1;
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, frac_digits++) {
            if (frac_digits == decimals)
                return -1;
            frac = frac * 10 + (*p - '0');
        }
        if (frac_digits == 0)
            return -1;
        for (int k = frac_digits; k < decimals; k++)
            frac *= 10;
    }
    if (int_digits == 0 || *p != '\0' || whole * unit + frac > max * unit)
        return -1;
    return whole * unit + frac;
}

cp_err money_parse_yuan(const char *s, int64_t *fen)
{
    int64_t v = parse_decimal(s, 2, MONEY_MAX_YUAN);

    if (v < 0)
        return cp_fail(CP_ERR_INVALID,
                       "'%s' is not an amount in yuan (write it like 8, 8.5 or 8.50; "
                       "no sign, at most two decimals)", s);
    *fen = v;
    return CP_OK;
}

cp_err money_parse_kg(const char *s, int64_t *grams)
{
    int64_t v = parse_decimal(s, 3, MONEY_MAX_KG);

    if (v < 0)
        return cp_fail(CP_ERR_INVALID,
                       "'%s' is not a weight in kg (write it like 12, 12.5 or 12.125; "
                       "no sign, at most three decimals, at most %d kg)", s, MONEY_MAX_KG);
    *grams = v;
    return CP_OK;
}

/* Formats v (in units of 1/10^decimals) with that many decimals into buf. */
static const char *format_decimal(int64_t v, int decimals, char buf[MONEY_STR_LEN])
{
    uint64_t abs = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, unit = 1;

    for (int k = 0; k < decimals; k++)
        unit *= 10;
    snprintf(buf, MONEY_STR_LEN, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", abs / unit,
             decimals, abs % unit);
    return buf;
}

const char *money_format(int64_t fen, char buf[MONEY_STR_LEN])
{
    return format_decimal(fen, 2, buf);
}

const char *money_format_kg(int64_t grams, char buf[MONEY_STR_LEN])
{
    return format_decimal(grams, 3, buf);
}

const char *money_show(int64_t fen, char buf[MONEY_SHOW_LEN])
{
    char y[MONEY_STR_LEN];

    /* TRANSLATORS: an amount of yuan on a screen (Chinese: ¥%s) */
    snprintf(buf, MONEY_SHOW_LEN, C_("money", "%s"), money_format(fen, y));
    return buf;
}
