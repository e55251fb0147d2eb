/* escbuf: a growable byte buffer with a size cap and a sticky error, for printer bytes. */
#include "receipts/escbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Sets up an empty buffer capped at max bytes (0 = ESCBUF_DEFAULT_MAX). */
void escbuf_init(escbuf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : ESCBUF_DEFAULT_MAX;
    b->err = CP_OK;
}

/* Frees the bytes; the buffer is empty and usable again afterwards. */
void escbuf_free(escbuf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = CP_OK;
}

/* Makes room for n more bytes plus a NUL; records and returns the error. */
static cp_err escbuf_reserve(escbuf *b, size_t n)
{
    size_t want, ncap;
    unsigned char *p;

    if (b->err)
        return b->err;
    if (n > b->max - b->len) {
        b->err = CP_ERR_FULL;
        return cp_fail(b->err, "printer buffer over its cap of %zu bytes", b->max);
    }
    want = b->len + n + 1;
    if (want <= b->cap)
        return CP_OK;
    ncap = b->cap ? b->cap : 256;
    while (ncap < want)
        ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
    p = realloc(b->data, ncap);
    if (!p) {
        b->err = CP_ERR_NOMEM;
        return cp_fail(b->err, "out of memory growing a printer buffer");
    }
    b->data = p;
    b->cap = ncap;
    return CP_OK;
}

/* Appends n bytes from p. */
cp_err escbuf_append(escbuf *b, const void *p, size_t n)
{
    cp_err e = escbuf_reserve(b, n);

    if (e)
        return e;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CP_OK;
}

/* Appends one byte. */
cp_err escbuf_byte(escbuf *b, unsigned char c)
{
    return escbuf_append(b, &c, 1);
}

/* Appends a string without its NUL. */
cp_err escbuf_str(escbuf *b, const char *s)
{
    return escbuf_append(b, s, strlen(s));
}

/* Appends c n times. */
cp_err escbuf_repeat(escbuf *b, unsigned char c, size_t n)
{
    cp_err e = escbuf_reserve(b, n);

    if (e)
        return e;
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CP_OK;
}

/* Gives the bytes to the caller (free() them); the buffer is left empty. */
unsigned char *escbuf_take(escbuf *b, size_t *len)
{
    unsigned char *p;

    if (b->err) {
        escbuf_free(b);
        *len = 0;
        return NULL;
    }
    if (!b->data && escbuf_reserve(b, 0)) {
        *len = 0;
        return NULL;
    }
    b->data[b->len] = '\0';
    p = b->data;
    *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
