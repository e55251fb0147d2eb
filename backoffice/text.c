/* text: people's text made safe for what the back office writes: valid UTF-8, no bidi controls, JSON. */
#include "backoffice/text.h"

#include <stdlib.h>
#include <string.h>

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

int text_utf8_next(const char *s, size_t *i, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    uint32_t c = p[0], min;
    int n;

    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return 0;
    }
    if ((c & 0xE0) == 0xC0)
        n = 1, c &= 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        n = 2, c &= 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        n = 3, c &= 0x07, min = 0x10000;
    else
        goto bad;
    for (int k = 1; k <= n; k++) {
        if ((p[k] & 0xC0) != 0x80) { /* also stops at the NUL that ends s */
            *i += (size_t)k;         /* a character cut short is one bad sequence */
            return -1;
        }
        c = (c << 6) | (p[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *cp = c;
    *i += (size_t)n + 1;
    return 0;
bad:
    *i += 1;
    return -1;
}

int text_is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int text_utf8_valid(const char *s)
{
    size_t i = 0;
    uint32_t cp;

    while (s[i])
        if (text_utf8_next(s, &i, &cp))
            return 0;
    return 1;
}

char *text_clean(const char *s, int strip_bidi, text_changes *changes)
{
    size_t len = strlen(s), i = 0, o = 0;
    text_changes none;
    uint32_t cp;
    char *out;

    if (!changes)
        changes = &none;
    memset(changes, 0, sizeof *changes);
    /* each bad byte grows to 3 bytes at most */
    if (!(out = malloc(len * 3 + 1)))
        return NULL;
    while (s[i]) {
        size_t at = i;
        if (text_utf8_next(s, &i, &cp)) {
            memcpy(out + o, replacement, 3);
            o += 3;
            changes->bad_bytes++;
        } else if (strip_bidi && text_is_bidi_control(cp)) {
            changes->bidi++;
        } else {
            memcpy(out + o, s + at, i - at);
            o += i - at;
        }
    }
    out[o] = '\0';
    return out;
}

json_t *text_json(const char *s)
{
    char *clean;
    json_t *j;

    if (!s)
        return json_null();
    if (text_utf8_valid(s))
        return json_string(s);
    if (!(clean = text_clean(s, 0, NULL)))
        return NULL;
    j = json_string(clean);
    free(clean);
    return j;
}
