/* Fuzz target for pos/hidkeys: any report stream decodes to well-formed numbers or nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pos/hidkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: one byte of gap (ms), then chunks of one time-step byte and a report
 * of up to 8 bytes (the last chunk may be short, as a broken device sends). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hidkeys h;
    char out[HIDKEYS_MAX + 1];
    int64_t t = 0;

    if (size < 1)
        return 0;
    hidkeys_init(&h, data[0]);
    data++;
    size--;
    while (size > 0) {
        size_t n = size - 1 < HIDKEYS_REPORT_LEN ? size - 1 : HIDKEYS_REPORT_LEN;
        t += data[0];
        memset(out, 'x', sizeof out);
        if (hidkeys_feed(&h, data + 1, n, t, out)) {
            size_t len = strnlen(out, sizeof out);
            if (len == 0 || len > HIDKEYS_MAX)
                abort();
            for (size_t i = 0; i < len; i++)
                if (!strchr("0123456789ABCDEF,", out[i]))
                    abort();
        }
        if (h.len > HIDKEYS_MAX)
            abort();
        data += 1 + n;
        size -= 1 + n;
    }
    return 0;
}
