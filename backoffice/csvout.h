/* csvout: the one CSV writer of every CSV we write: BOM, CRLF, RFC 4180 quoting, formulas neutralised. */
#ifndef CP_CSVOUT_H
#define CP_CSVOUT_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

/*
 * Every CSV file and every --csv output opens as it should in Excel on a
 * Chinese Windows (which reads a file without a BOM as GBK) and in
 * LibreOffice: UTF-8 with a BOM, CRLF line ends, fields quoted by RFC 4180.
 * People's text (names, codes, categories, users) goes through csvout_text,
 * which keeps the text but never lets a spreadsheet run it as a formula;
 * figures we format ourselves go through csvout_number and stay numbers
 * (a negative change "-0.3" is a number, not a formula).
 *
 *     csvout w;
 *     csvout_begin(&w, f);
 *     csvout_header(&w, "code,name,meals");
 *     csvout_text(&w, code); csvout_text(&w, name); csvout_int(&w, meals);
 *     csvout_end_row(&w);
 *     return csvout_finish(&w);
 */

typedef struct csvout {
    FILE *f;
    int col;     /* fields written on the current row */
} csvout;

/* Starts a CSV on f: writes the UTF-8 BOM. */
void csvout_begin(csvout *w, FILE *f);

/* Writes a header row of plain ASCII column names, comma-separated ("a,b,c"). */
void csvout_header(csvout *w, const char *names);

/* A cell of people's text. A cell that starts with = + - @, a tab or a
 * carriage return is one a spreadsheet would run as a formula (OWASP, "CSV
 * Injection"): it gets a single quote in front, which spreadsheets show as
 * text; the cell is then quoted, and quotes inside are doubled. NULL is an
 * empty cell. */
void csvout_text(csvout *w, const char *s);

/* A cell with a number we formatted ("12.5", "-0.3", "" when unknown):
 * written as it is, so that it stays a number. */
void csvout_number(csvout *w, const char *s);

/* A cell with an integer. */
void csvout_int(csvout *w, int64_t v);

/* Ends the row (CRLF). */
void csvout_end_row(csvout *w);

/* CP_OK, or CP_ERR_IO when anything could not be written. */
cp_err csvout_finish(csvout *w);

/* True when s would be taken as a formula by a spreadsheet (see csvout_text). */
int csvout_is_formula(const char *s);

#endif
