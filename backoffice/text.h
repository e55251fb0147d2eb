/* text: people's text made safe for what the back office writes: valid UTF-8, no bidi controls, JSON. */
#ifndef CP_TEXT_H
#define CP_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s[*i] and moves *i past it; returns -1 for bytes
 * that are not well-formed UTF-8 (an overlong form, a surrogate, beyond
 * U+10FFFF: one byte; a character cut short: the bytes it has), moving *i
 * past them, so that each bad sequence is one replacement. */
int text_utf8_next(const char *s, size_t *i, uint32_t *cp);

/* True for the bidirectional embedding, override and isolate controls
 * (U+202A-U+202E, U+2066-U+2069): invisible characters that reorder the text
 * around them, so that a name could show as another. */
int text_is_bidi_control(uint32_t cp);

/* True when s is well-formed UTF-8. */
int text_utf8_valid(const char *s);

/* What text_clean changed: counts, for a message. */
typedef struct text_changes {
    long bad_bytes;       /* bytes that were not UTF-8, each shown as U+FFFD */
    long bidi;            /* bidi controls taken out */
} text_changes;

/* A copy of s with every byte that is not UTF-8 replaced by U+FFFD and, with
 * strip_bidi, the bidi controls taken out; *changes (may be NULL) says what
 * was done. The caller frees the result; NULL when out of memory. */
char *text_clean(const char *s, int strip_bidi, text_changes *changes);

/* A JSON string of s with its bytes that are not UTF-8 shown as U+FFFD (the
 * rest kept as it is), so that a JSON output is valid whatever the data; a new
 * reference, json null for NULL, NULL only when out of memory. */
json_t *text_json(const char *s);

#endif
