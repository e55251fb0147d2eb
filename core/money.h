/* money: yuan strings to integer fen and back; no floating point anywhere. */
#ifndef CP_MONEY_H
#define CP_MONEY_H

#include <stdint.h>

#include "core/err.h"

#define MONEY_STR_LEN 32

/* Parses a non-negative yuan amount "8", "8.5" or "8.50" into fen. Refuses
 * signs, three decimals, letters, blanks and amounts above 100,000,000 yuan. */
cp_err money_parse_yuan(const char *s, int64_t *fen);

/* Formats fen as yuan with two decimals ("12.50", "-0.30") into buf. */
const char *money_format(int64_t fen, char buf[MONEY_STR_LEN]);

/* Bytes for an amount as money_show() writes it. */
#define MONEY_SHOW_LEN (MONEY_STR_LEN + 8)

/* fen as people read an amount on a screen: "8.00", in Chinese "¥8.00" (the
 * catalog has the form). Returns buf. */
const char *money_show(int64_t fen, char buf[MONEY_SHOW_LEN]);

#endif
