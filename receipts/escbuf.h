/* escbuf: a growable byte buffer with a size cap and a sticky error, for printer bytes. */
#ifndef CP_ESCBUF_H
#define CP_ESCBUF_H

#include <stddef.h>

#include "core/err.h"

/* Default cap: far more than any receipt, small enough to catch runaway loops. */
#define ESCBUF_DEFAULT_MAX ((size_t)4 << 20)

typedef struct escbuf {
    unsigned char *data; /* owned; NUL-terminated past len when not NULL */
    size_t len;
    size_t cap;
    size_t max;          /* len never exceeds max */
    cp_err err;          /* first error; once set, appends do nothing */
} escbuf;

/* Sets up an empty buffer that will hold at most max bytes (0 = default cap). */
void escbuf_init(escbuf *b, size_t max);

/* Frees the bytes and leaves an empty buffer; accepts NULL. */
void escbuf_free(escbuf *b);

/* Appends n bytes. On failure (CP_ERR_NOMEM, or CP_ERR_FULL past the cap) the
 * error sticks: later appends are ignored and return it too. */
cp_err escbuf_append(escbuf *b, const void *p, size_t n);

/* Appends one byte; same error rules as escbuf_append. */
cp_err escbuf_byte(escbuf *b, unsigned char c);

/* Appends a NUL-terminated string (without the NUL). */
cp_err escbuf_str(escbuf *b, const char *s);

/* Appends c repeated n times. */
cp_err escbuf_repeat(escbuf *b, unsigned char c, size_t n);

/* Hands the bytes to the caller (who frees them with free()) and empties the
 * buffer. The result is NUL-terminated (not counted in *len); NULL with
 * *len = 0 when the buffer is in error. Never NULL otherwise. */
unsigned char *escbuf_take(escbuf *b, size_t *len);

#endif
