/* Fuzz target: cardno_normalize in every format; an accepted number is always 10 digits. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cardno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char raw[64], out[CARDNO_LEN + 1];

    if (size == 0 || size > sizeof raw)
        return 0;
    memcpy(raw, data + 1, size - 1);
    raw[size - 1] = '\0';
    if (cardno_normalize(raw, (cardno_format)(data[0] % 5), out) == CP_OK) {
        if (strlen(out) != CARDNO_LEN)
            abort();
        for (int i = 0; i < CARDNO_LEN; i++)
            if (!isdigit((unsigned char)out[i]))
                abort();
        /* the stored form is itself a valid decimal card number, unchanged */
        char again[CARDNO_LEN + 1];
        if (cardno_normalize(out, CARDNO_DEC10, again) != CP_OK || strcmp(again, out) != 0)
            abort();
    }
    return 0;
}
