/* proto_ohaus: Ohaus print output (Scout, Navigator, Ranger, Defender), polled with IP. */
#include "scale/proto.h"

#include <string.h>

/*
 * One CR LF line per reading, from the Ohaus RS232 interface manual and the
 * Defender 3000 / Ranger manuals ("Output Format"):
 *   [polarity][blanks] weight right-justified, blank, unit (1-5 letters),
 *   blank, stability ('?' when unstable, blank when stable), blank, legend
 *   (G or B/G gross, N or NET net, T tare, TOTAL accumulated)
 * e.g. "     12.73 g    ?", "-    1.234 kg     NET". Interval printing may
 * append a time ("00:00:15"). Lines with a tare or total legend are not the
 * live weight and are ignored. Ohaus print output has no overload form.
 * Commands: IP immediate print, SP stable print, CP continuous, Z, T.
 */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* Parses one complete line in p->buf. */
static bool ohaus_line(proto_parser *p, proto_reading *out)
{
    const char *s = (const char *)p->buf;
    size_t n = p->len, i = 0, num_end, unit_start;
    proto_unit unit;

    memset(out, 0, sizeof *out);
    out->stable = true;
    while (i < n && is_blank(s[i]))
        i++;
    if (i < n && s[i] == '-')
        i++;
    while (i < n && (is_blank(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
        i++;
    num_end = i;
    unit_start = i;
    while (i < n && is_alpha(s[i]))
        i++;
    if (!proto_unit_span(s + unit_start, i - unit_start, &unit) ||
        !proto_weight(s, num_end, unit, &out->grams))
        return proto_skip(p);
    /* stability and legend words */
    while (i < n) {
        size_t w;
        while (i < n && is_blank(s[i]))
            i++;
        w = i;
        while (i < n && !is_blank(s[i]))
            i++;
        if (word_is(s + w, i - w, "?")) {
            out->stable = false;
        } else if (word_is(s + w, i - w, "N") || word_is(s + w, i - w, "NET")) {
            out->net = true;
        } else if (word_is(s + w, i - w, "T") || word_is(s + w, i - w, "TARE") ||
                   word_is(s + w, i - w, "TOTAL") || word_is(s + w, i - w, "PT")) {
            p->len = 0;
            return false;
        }
    }
    out->has_weight = true;
    return true;
}

/* Feeds one byte of Ohaus output. */
static bool ohaus_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    bool got;

    if (!proto_line(p, c))
        return false;
    got = ohaus_line(p, out);
    proto_line_done(p);
    return got;
}

const proto_ops proto_ohaus = {
    .name = "ohaus",
    .title = "Ohaus print output",
    .serial = { .baud = 9600, .bits = 8, .parity = 'N', .stop = 1 },
    .polled = true,
    .poll = "IP\r\n",
    .tare = "T\r\n",
    .zero = "Z\r\n",
    .clear = NULL,
    .push = ohaus_push,
};
