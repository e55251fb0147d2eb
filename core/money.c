/* money: yuan strings to integer fen and back; no floating point anywhere. */
#include "core/money.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/nls.h"

#define MONEY_MAX_YUAN 100000000LL

cp_err money_parse_yuan(const char *s, int64_t *fen)
{
    int64_t yuan = 0, frac = 0;
    int int_digits = 0, frac_digits = 0;
    const char *p = s;

    for (; isdigit((unsigned char)*p); p++, int_digits++) {
        yuan = yuan * 10 + (*p - '0');
        if (yuan > MONEY_MAX_YUAN)
            goto bad;
    }
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, frac_digits++)
            frac = frac * 10 + (*p - '0');
        if (frac_digits == 0 || frac_digits > 2)
            goto bad;
        if (frac_digits == 1)
            frac *= 10;
    }
    if (int_digits == 0 || *p != '\0' || yuan * 100 + frac > MONEY_MAX_YUAN * 100)
        goto bad;
    *fen = yuan * 100 + frac;
    return CP_OK;
bad:
    return cp_fail(CP_ERR_INVALID,
                   "'%s' is not an amount in yuan (write it like 8, 8.5 or 8.50; "
                   "no sign, at most two decimals)", s);
}

const char *money_format(int64_t fen, char buf[MONEY_STR_LEN])
{
    uint64_t abs = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;

    snprintf(buf, MONEY_STR_LEN, "%s%" PRIu64 ".%02" PRIu64, fen < 0 ? "-" : "", abs / 100,
             abs % 100);
    return buf;
}

const char *money_show(int64_t fen, char buf[MONEY_SHOW_LEN])
{
    char y[MONEY_STR_LEN];

    /* TRANSLATORS: an amount of yuan on a screen (Chinese: ¥%s) */
    snprintf(buf, MONEY_SHOW_LEN, C_("money", "%s"), money_format(fen, y));
    return buf;
}
