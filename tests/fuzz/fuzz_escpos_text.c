/* Fuzz target for receipts/escpos text and layout: any UTF-8 (or not) wraps into lines that fit, with no command bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "receipts/escpos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Printed columns of encoded printer bytes: one per ASCII byte, two per
 * GB18030 character (two or four bytes). Aborts on a control byte. */
static int line_width(const unsigned char *p, size_t n)
{
    size_t i = 0;
    int w = 0;

    while (i < n) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            abort();
        if (p[i] < 0x80) {
            w++;
            i++;
        } else {
            if (i + 1 >= n)
                abort();                          /* split character */
            i += (p[i + 1] >= 0x30 && p[i + 1] <= 0x39) ? 4 : 2;
            w += 2;
        }
    }
    if (i != n)
        abort();
    return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const escpos_encoding encs[] = {ESCPOS_GB18030, ESCPOS_GBK_FS, ESCPOS_ASCII};
    escpos_profile prof;
    escpos *e = NULL;
    char *s;
    const unsigned char *out, *line;
    size_t len;
    int cols;

    if (size < 2)
        return 0;
    prof.encoding = encs[data[0] % 3];
    prof.columns = 32;
    /* At least 3 columns: one character may take 3 ("..." stands for U+2026 on
     * an ASCII printer), and one wider than the line is printed anyway, alone
     * on its line, rather than lost (a real receipt has 32 to 48 columns). */
    cols = 3 + data[1] % 46;
    s = malloc(size - 1);
    if (!s)
        return 0;
    memcpy(s, data + 2, size - 2);
    s[size - 2] = '\0';
    if (escpos_new(&prof, &e) != CP_OK)
        abort();
    if (escpos_wrap(e, s, cols) != CP_OK)
        abort();
    out = escpos_data(e, &len);
    line = out;
    while (line < out + len) {
        const unsigned char *nl = memchr(line, '\n', (size_t)(out + len - line));
        if (!nl)
            abort();                              /* every line ends in LF */
        if (line_width(line, (size_t)(nl - line)) > cols)
            abort();
        if (prof.encoding == ESCPOS_ASCII)
            for (const unsigned char *q = line; q < nl; q++)
                if (*q >= 0x80)
                    abort();
        line = nl + 1;
    }
    escpos_free(e);
    free(s);
    return 0;
}
