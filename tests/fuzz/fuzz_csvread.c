/* Fuzz target: csvread_buffer must never crash, and every row it returns must be sane. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csvread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csv_table *t = NULL;
    long last = 0;

    if (csvread_buffer("fuzz.csv", (const char *)data, size, &t) != CP_OK) {
        if (t)
            abort(); /* a failed read returns no table */
        return 0;
    }
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->rows[i].line < last || t->rows[i].nfields == 0)
            abort(); /* rows come in line order and have fields */
        last = t->rows[i].line;
        for (size_t k = 0; k < t->rows[i].nfields; k++)
            (void)strlen(t->rows[i].fields[k]);
    }
    csvread_free(t);
    return 0;
}
