/* csvread: whole CSV files read with libcsv, BOM and CRLF handled, rows keep their line numbers. */
#ifndef CP_CSVREAD_H
#define CP_CSVREAD_H

#include <stddef.h>

#include "core/err.h"

typedef struct csv_row {
    long line;      /* line in the file where the row starts (1-based) */
    size_t nfields;
    char **fields;  /* NUL-terminated UTF-8 */
} csv_row;

typedef struct csv_table {
    csv_row *rows;  /* the header is rows[0] */
    size_t nrows;
} csv_table;

/* Reads the CSV file at path: UTF-8 with or without BOM, LF or CRLF, RFC 4180
 * quoting. A malformed quote or a byte sequence that is not UTF-8 fails with
 * "PATH:LINE: ..." in the detail. Caller owns *out (csvread_free). */
cp_err csvread_file(const char *path, csv_table **out);

/* Same, from a buffer; name is used in messages. */
cp_err csvread_buffer(const char *name, const char *data, size_t len, csv_table **out);

/* Checks that row 0 is exactly the n column names given (case-sensitive,
 * blanks around names ignored by the reader). */
cp_err csvread_expect_header(const csv_table *t, const char *name, const char *const *cols,
                             size_t n);

/* Frees a table; accepts NULL. */
void csvread_free(csv_table *t);

#endif
