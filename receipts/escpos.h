/* escpos: ESC/POS command encoder with GB18030/GBK text and column layout. */
#ifndef CP_ESCPOS_H
#define CP_ESCPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* What text the printer takes. */
typedef enum escpos_encoding {
    ESCPOS_GB18030 = 0, /* GB18030 bytes, printer is in Chinese mode by itself */
    ESCPOS_GBK_FS,      /* GBK bytes after FS & turns Chinese mode on */
    ESCPOS_ASCII,       /* ASCII only: Chinese becomes a readable fallback */
} escpos_encoding;

typedef struct escpos_profile {
    escpos_encoding encoding;
    int columns;        /* characters per line in font A: 32 (58 mm), 42 or 48 (80 mm) */
} escpos_profile;

typedef enum escpos_align {
    ESCPOS_LEFT = 0,
    ESCPOS_CENTER = 1,
    ESCPOS_RIGHT = 2,
} escpos_align;

/* Bits of ESC ! (print mode). */
enum {
    ESCPOS_MODE_FONT_B = 0x01,
    ESCPOS_MODE_BOLD = 0x08,
    ESCPOS_MODE_DOUBLE_H = 0x10,
    ESCPOS_MODE_DOUBLE_W = 0x20,
    ESCPOS_MODE_UNDERLINE = 0x80,
};

/* Longest QR content the encoder accepts (bytes, QR model 2 byte mode, EC L). */
#define ESCPOS_QR_MAX 2953

typedef struct escpos escpos;

/* Fills *out from an encoding name ("gb18030", "gbk", "ascii") and a column
 * count (32, 42 or 48). CP_ERR_INVALID with a detail otherwise. */
cp_err escpos_profile_parse(const char *encoding, int columns, escpos_profile *out);

/* Name of an encoding as escpos_profile_parse takes it; static storage. */
const char *escpos_encoding_name(escpos_encoding enc);

/* Creates an empty encoder for a profile; the caller frees it with escpos_free. */
cp_err escpos_new(const escpos_profile *prof, escpos **out);

/* Frees an encoder; accepts NULL. */
void escpos_free(escpos *e);

/* The profile the encoder was made for; owned by the encoder. */
const escpos_profile *escpos_profile_of(const escpos *e);

/* The first error of any command so far (they are sticky), or CP_OK. */
cp_err escpos_error(const escpos *e);

/* The bytes encoded so far; owned by the encoder, valid until its next call. */
const unsigned char *escpos_data(const escpos *e, size_t *len);

/* Hands the bytes to the caller (free() them) and empties the encoder.
 * Returns the sticky error, with *out = NULL, if any command failed. */
cp_err escpos_take(escpos *e, unsigned char **out, size_t *len);

/* Forgets the bytes and any error, keeping the profile. */
void escpos_clear(escpos *e);

/* Commands. Each appends bytes and returns the sticky error (so a caller may
 * check once at the end). Bad arguments set CP_ERR_INVALID. */
cp_err escpos_init(escpos *e);                          /* ESC @ (+ FS & for GBK) */
cp_err escpos_set_align(escpos *e, escpos_align a);     /* ESC a n */
cp_err escpos_mode(escpos *e, unsigned flags);          /* ESC ! n */
cp_err escpos_bold(escpos *e, bool on);                 /* ESC E n */
cp_err escpos_underline(escpos *e, int dots);           /* ESC - n, 0..2 */
cp_err escpos_size(escpos *e, int width, int height);   /* GS ! n, 1..8 each */
cp_err escpos_lf(escpos *e);                            /* LF */
cp_err escpos_feed(escpos *e, int lines);               /* ESC d n, 0..255 */
cp_err escpos_codepage(escpos *e, int page);            /* ESC t n, 0..255 */
cp_err escpos_chinese(escpos *e, bool on);              /* FS & / FS . */
/* QR code: GS ( k model 2, module size 1..16, error correction 'L' 'M' 'Q'
 * or 'H', store the data, print it. */
cp_err escpos_qr(escpos *e, const void *data, size_t len, int module, char ec);
cp_err escpos_cut(escpos *e, bool partial, int feed);   /* GS V m, or GS V m n when feed > 0 */
cp_err escpos_drawer(escpos *e, int pin);               /* ESC p m 25 250 (50 ms on, 500 ms off) */
cp_err escpos_raw(escpos *e, const void *p, size_t n);  /* bytes as they are */

/* Text: UTF-8 in, printer encoding out. LF passes, TAB becomes a space, other
 * control characters are dropped (so text can never inject a command), bad
 * UTF-8 and characters the printer cannot take become a fallback. */
cp_err escpos_text(escpos *e, const char *utf8);
cp_err escpos_line(escpos *e, const char *utf8);        /* text, then LF */

/* Layout, in printed columns: an ASCII character is one column, any Chinese
 * (double-byte) character two, a fallback as many as its ASCII letters. */
int escpos_width(escpos *e, const char *utf8);

/* Byte length of the longest prefix of utf8[0..len) that fits in cols
 * columns, never ending inside a character; its width goes to *width. */
size_t escpos_fit(escpos *e, const char *utf8, size_t len, int cols, int *width);

/* The next line of utf8[0..len) wrapped at cols columns: its byte length goes
 * to *line; returns the bytes it used up (the line, and the spaces or the LF
 * it broke at). Never 0 when len > 0. */
size_t escpos_wrap_line(escpos *e, const char *utf8, size_t len, int cols, size_t *line);

/* Text wrapped into lines of at most cols columns (breaking after a space
 * where one is in the line, else between characters), each ended by LF. */
cp_err escpos_wrap(escpos *e, const char *utf8, int cols);

/* Text padded or cut to exactly cols columns, aligned left or right. */
cp_err escpos_cell(escpos *e, const char *utf8, int cols, escpos_align a);
cp_err escpos_cell_n(escpos *e, const char *utf8, size_t len, int cols, escpos_align a);

/* A line of cols columns: left text, right text aligned to the right edge.
 * A long left side wraps; right lands on its last line or on its own line. */
cp_err escpos_pair(escpos *e, const char *left, const char *right, int cols);

/* A line of cols copies of an ASCII character c. */
cp_err escpos_rule(escpos *e, char c, int cols);

/* Reads one UTF-8 character from s[0..len) (len >= 1) into *cp and returns
 * the bytes used (1..4). Bad input gives U+FFFD and 1. */
size_t escpos_utf8_next(const char *s, size_t len, uint32_t *cp);

#endif
