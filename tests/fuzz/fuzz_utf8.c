/* Fuzz target: core/utf8 on any bytes: a copy into any size is a prefix that never ends
 * inside a character of valid input, a repair is always valid, and valid text survives it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[512], out[512], *fixed;
    size_t len, n, cut;
    bool valid;

    if (size == 0 || size > sizeof text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    len = strlen(text);
    valid = utf8_valid(text, len);
    n = (size_t)data[0] % sizeof out + 1; /* buffer sizes 1-512 */
    if (utf8_copy(out, n, text) != (len < n))
        abort();
    cut = strlen(out);
    if (cut >= n)
        abort();
    if (len >= n && n >= 4) { /* cut, with room for the mark: it ends with "…" */
        if (cut < 3 || memcmp(out + cut - 3, UTF8_ELLIPSIS, 3) != 0)
            abort();
        cut -= 3;
    }
    if (memcmp(out, text, cut) != 0)
        abort();
    if (valid && !utf8_valid(out, strlen(out)))
        abort();
    if (utf8_cut(text, len, n) > (len <= n ? len : n))
        abort();
    if (!(fixed = utf8_repair(text, len)))
        return 0;
    if (!utf8_valid(fixed, strlen(fixed)) || (valid && strcmp(fixed, text) != 0))
        abort();
    free(fixed);
    return 0;
}
