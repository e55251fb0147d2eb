/* utf8: people's text in UTF-8: checking it, counting its characters, and copying or formatting it into fixed buffers without ever cutting a character. */
#ifndef CP_UTF8_H
#define CP_UTF8_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* "…": ends text that was cut short. */
#define UTF8_ELLIPSIS "\xe2\x80\xa6"

/* Bytes a buffer needs for n characters and the NUL (a character has at most 4 bytes). */
#define UTF8_SIZE(n) ((n) * 4 + 1)

/* Length (1-4) of the well-formed character at s, of which len bytes may be
 * read, with its code point in *cp (cp may be NULL); 0 when s does not start
 * one (a stray byte, a character cut short, an overlong form, a surrogate or
 * a code point past U+10FFFF) or len is 0. */
size_t utf8_char(const char *s, size_t len, uint32_t *cp);

/* True when the len bytes at s are well-formed UTF-8 without a NUL byte. */
bool utf8_valid(const char *s, size_t len);

/* Characters (code points) in s; each byte that starts no character counts as one. */
size_t utf8_chars(const char *s);

/* The length of the longest prefix of s (len bytes) that has at most max
 * bytes and ends where a character ends; it also keeps a combining mark, a
 * joiner, a variation selector or a skin tone with the character before it
 * (unless that character and its marks alone are longer than max). */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* The columns s takes on a terminal or in a text table: two for a wide
 * (East Asian) character, none for a combining mark, one for the rest; a
 * byte that starts no character takes one. In any locale: wcwidth knows
 * nothing of Chinese in "C", and a statement printed there lost its
 * columns. */
int utf8_width(const char *s);

/* Writes s to f and spaces after it (left) or before it (right) up to cols
 * columns by utf8_width; s wider than cols is written whole. For text
 * tables: printf's %-16s counts bytes, and a Chinese word of 6 bytes takes
 * 4 columns, so the amounts of a line stood under another heading. */
void utf8_pad(FILE *f, const char *s, int cols, bool right);

/* Writes one line of a text table to f: n cells, each padded to cols[k]
 * columns by utf8_pad (cols[k] > 0: left-aligned, < 0: right-aligned in
 * -cols[k], 0: as it is), separated by one space, and a newline. */
void utf8_row(FILE *f, const char *const *cells, const int *cols, size_t n);

/* Copies src into dst of size bytes (always NUL-terminated when size > 0).
 * Text that does not fit is cut with utf8_cut and ends with "…" (when size
 * leaves room for it). Returns true when src was copied whole. */
bool utf8_copy(char *dst, size_t size, const char *src);

/* Like vsnprintf into dst, but text that does not fit is cut like
 * utf8_copy. Returns true when the whole text fitted. */
bool utf8_vformat(char *dst, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
bool utf8_format(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The longest name people read (a diner's, a department's, a canteen's, an
 * item's, a user's), in characters. Long enough for any real name (a
 * department's full official title is 20-30 characters, a transliterated
 * Uyghur or Tibetan name about 20, a Latin one rarely 40), short enough to
 * bound every buffer, screen field and receipt line that shows a name, so
 * that none of them has to cut one. */
#define UTF8_NAME_MAX 64

/* What is wrong with s as a name people read on one line (a canteen's, a
 * diner's, an item's): UTF8_NAME_OK when it is well-formed UTF-8 of 1 to
 * max characters, with no control character (a line break, a tab, C1) and
 * at least one that shows (not only spaces, zero-width or direction marks). */
typedef enum utf8_name_fault {
    UTF8_NAME_OK,
    UTF8_NAME_EMPTY,     /* "", or nothing that shows */
    UTF8_NAME_NOT_UTF8,
    UTF8_NAME_CONTROL,
    UTF8_NAME_LONG,
} utf8_name_fault;
utf8_name_fault utf8_name_check(const char *s, size_t max);

/* utf8_name_check as an error (cp_fail) that says what is wrong with s,
 * which is what (translated, "a canteen's name"); CP_OK when nothing is. */
cp_err utf8_name_valid(const char *what, const char *s, size_t max);

/* A NUL-terminated copy of the len bytes at s in which every byte that is not
 * part of a well-formed character (and every NUL) is replaced by U+FFFD, so
 * that it is valid UTF-8 whatever came in; valid text comes back unchanged.
 * The caller frees it; NULL when out of memory. */
char *utf8_repair(const char *s, size_t len);

#endif
