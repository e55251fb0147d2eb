/* Fuzz target for receipts/decode: any bytes decode without a crash into valid UTF-8 text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "receipts/decode.h"
#include "receipts/escpos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL;
    size_t len = 0, i = 0;
    uint32_t cp;

    if (decode_text(data, size, &text, &len) != CP_OK)
        abort();
    /* no NUL inside, and every byte is part of a valid UTF-8 character */
    if (strlen(text) != len)
        abort();
    while (i < len) {
        size_t n = escpos_utf8_next(text + i, len - i, &cp);
        if (cp == 0xfffd && n == 1 && memcmp(text + i, "\xef\xbf\xbd", 3) != 0)
            abort();
        i += n;
    }
    free(text);
    return 0;
}
