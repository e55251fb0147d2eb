/* decode: renders ESC/POS bytes back to UTF-8 text with markers, for preview and tests. */
#ifndef CP_DECODE_H
#define CP_DECODE_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

/*
 * Text is decoded as GB18030 (ASCII passes as it is); a byte sequence that is
 * not GB18030 becomes U+FFFD. Commands become markers where they change what
 * is printed:
 *   [B] [/B]            bold on/off (ESC E, ESC !)
 *   [U] [/U]            underline on/off (ESC -, ESC !)
 *   [SIZE WxH]          character size change (GS !, ESC !)
 *   [LEFT] [CENTER] [RIGHT]   alignment change (ESC a)
 *   [QR:content]        a QR code printed (GS ( k), content escaped as \xNN
 *                       where it is not printable UTF-8
 *   [BARCODE:content] [IMAGE] [CUT] [DRAWER]
 *   [ESC 0xNN] [GS 0xNN] [FS 0xNN] [0xNN]    unknown commands and controls
 *   [TRUNCATED]         the bytes ended inside a command
 * LF and ESC d n give line breaks; ESC @, code pages, Chinese mode and
 * status requests print nothing. Any input is safe to decode.
 */

/* Largest decoded text (bytes); beyond it decoding fails with CP_ERR_FULL. */
#define DECODE_MAX_OUT ((size_t)64 << 20)

/* Decodes len bytes into NUL-terminated UTF-8 text; the caller frees *out
 * with free(). *out_len (may be NULL) gets its length. */
cp_err decode_text(const void *data, size_t len, char **out, size_t *out_len);

/* Decodes len bytes and writes the text to f. */
cp_err decode_print(const void *data, size_t len, FILE *f);

#endif
