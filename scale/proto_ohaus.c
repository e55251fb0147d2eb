/* proto_ohaus: Ohaus print output (Scout, Navigator, Ranger, Defender), polled with IP. */
#include "scale/proto.h"

#include <string.h>

/*
 * One CR LF line per reading, from the Ohaus RS232 interface manual (EN-3,
 * "Output examples") and the Defender 3000 indicator manual (EN-35, 5.2
 * "Output Format"):
 *   [polarity] weight right-justified, blank, unit (1-5 letters), the
 *   stability mark ('?' when unstable, blank when stable) and the legend
 *   (G or B/G gross, N or NET net, T tare, TOTAL accumulated)
 * e.g. "     12.73 g    ?", "-    1.234 kg     NET". In the Defender 3000
 * layout (polarity 1, space 1, weight 7, space 1, unit 5, stability 1,
 * legend 3) the mark and the legend stand side by side: a Defender 3000
 * captured in chumpon-asaneerat/NSerialCommTools (Documents/LuckyTex Devices/
 * DEFENDER3000/DEFENDER3000_txt.txt) sends "   0.360 kg    G" when stable
 * and "   0.360 kg   ?G", "-  1.340 kg   ?N" while moving. A '?' that starts
 * a word therefore marks the reading as moving, whatever follows it.
 * The Defender 5000 (manual EN-51, 5.5) puts '-' right before the digits and
 * writes lb:oz as "<lb> lb <oz> oz": both read as one weight. Interval
 * printing may append a time ("00:00:15"), checkweighing a status ("Accept").
 * Lines with a tare or total legend are not the live weight and are ignored.
 * Ohaus print output has no overload form.
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

static bool is_num_char(char c)
{
    return (c >= '0' && c <= '9') || c == '.';
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* Index in s[0..n) just past "[-] number [blanks] unit", and past a second
 * "number oz" after a pound unit (lb:oz); 0 when the line does not start so. */
static size_t weight_end(const char *s, size_t n)
{
    size_t i = 0, digits = 0, unit;

    while (i < n && is_blank(s[i]))
        i++;
    if (i < n && s[i] == '-')
        i++;
    for (; i < n && (is_blank(s[i]) || is_num_char(s[i])); i++)
        digits += s[i] >= '0' && s[i] <= '9';
    unit = i;
    while (i < n && is_alpha(s[i]))
        i++;
    if (digits == 0 || i == unit)
        return 0;
    if (i - unit >= 2 && (s[unit] == 'l' || s[unit] == 'L')) {
        size_t j = i, k;
        while (j < n && is_blank(s[j]))
            j++;
        for (k = j; k < n && is_num_char(s[k]); k++)
            ;
        while (k < n && is_blank(s[k]))
            k++;
        if (k > j && k + 2 <= n && (k + 2 == n || is_blank(s[k + 2])) &&
            (s[k] == 'o' || s[k] == 'O') && (s[k + 1] == 'z' || s[k + 1] == 'Z'))
            i = k + 2;
    }
    return i;
}

/* Reads one stability/legend word w[0..n); false when the line is a tare or
 * total, not the live weight. */
static bool legend_word(const char *w, size_t n, proto_reading *out)
{
    if (n > 0 && w[0] == '?') { /* "?", "?G", "?N", "?NET" */
        out->moving = true;
        out->stable = false;
        w++;
        n--;
    }
    if (word_is(w, n, "N") || word_is(w, n, "NET"))
        out->net = true;
    else if (word_is(w, n, "T") || word_is(w, n, "TARE") || word_is(w, n, "TOTAL") ||
             word_is(w, n, "PT"))
        return false;
    return true;
}

/* Parses one complete line in p->buf. */
static bool ohaus_line(proto_parser *p, proto_reading *out)
{
    const char *s = (const char *)p->buf;
    size_t n = p->len, i = weight_end(s, n);
    proto_num r;

    memset(out, 0, sizeof *out);
    if (i == 0)
        return proto_skip(p);
    r = proto_weight_unit(p, s, i, &out->grams);
    if (r == PROTO_NUM_BAD)
        return proto_skip(p);
    out->stable = true;
    while (i < n) {
        size_t w;
        while (i < n && is_blank(s[i]))
            i++;
        w = i;
        while (i < n && !is_blank(s[i]))
            i++;
        if (!legend_word(s + w, i - w, out)) {
            p->len = 0;
            return false;
        }
    }
    return proto_weight_result(p, r, out);
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
