/* money: amounts typed in (yuan to integer fen, kg to integer grams) and back; no floating point anywhere. */
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

/* The most kilograms one weight typed in may have (100 t: a lorry of rice). */
#define MONEY_MAX_KG 100000

/* Parses a non-negative weight in kg "12", "12.5" or "12.125" into grams,
 * exactly (at most three decimals). Refuses signs, letters, blanks and more
 * than MONEY_MAX_KG. */
cp_err money_parse_kg(const char *s, int64_t *grams);

/* Formats grams as kg with three decimals ("12.500", "-0.250") into buf. */
const char *money_format_kg(int64_t grams, char buf[MONEY_STR_LEN]);

/* Bytes for an amount as money_show() writes it. */
#define MONEY_SHOW_LEN (MONEY_STR_LEN + 8)

/* fen as people read an amount on a screen: "8.00", in Chinese "¥8.00" (the
 * catalog has the form). Returns buf. */
const char *money_show(int64_t fen, char buf[MONEY_SHOW_LEN]);

#endif
