/* proto_and: A&D standard format (balances and indicators), streamed or polled with Q. */
#include "scale/proto.h"

#include <string.h>

/*
 * A&D standard format, from the A&D FX-i / GX / GC instruction manuals
 * ("Data Format", "Data Format Examples"): a two-character header, a comma,
 * the data with polarity and leading zeros, a three-character unit, CR LF:
 *   ST,+00012.34  g     stable weight
 *   US,-00183.69  g     unstable weight
 *   OL,+9999999E+19     out of range (sign says which side)
 *   QT,+00001234 PC     stable count (counting mode: no weight)
 * Indicators (A&D AD-4xxx, and the "AND 18 bytes" format of CAS indicators)
 * add a second header: ST,NT,+0012.34kg / US,GS,... (GS gross, NT net);
 * GC balances add a comparison result (OK, LO, HI, --) the same way.
 * Compatible indicators send the second header followed by blanks instead of
 * a comma: "ST,GS    20.7g  " (capture of a T-Scale NHB indicator in
 * chumpon-asaneerat/NSerialCommTools, Documents/LuckyTex Devices/TScaleNHB/
 * NHB.txt; its QHW model sends "ST,GS,   245.6 g", QHW.txt).
 * Units, three characters: g, kg, lb, oz, ozt, dwt, GN, ct, mom (FX-i and GX
 * manuals, "Data Format"); all are converted to grams (proto.c). Pieces
 * ("PC") and percent ("%") are no weight: the frame is refused, its unit kept.
 * Error answers (GC series manual "Acknowledgment and Error Codes", FX-i
 * manual 15-2 "Acknowledge Code and Error Codes"): EC,E01 undefined command,
 * EC,E02 inexecutable (e.g. Q while no weight is displayed), EC,E04 too many
 * characters, EC,E06 format error, EC,E07 setting out of range, EC,E11
 * unstable weight (zero or tare refused) ...: an error reading.
 * Commands: Q (immediate reading), T (tare), R (re-zero).
 * Default line: 2400 7E1.
 */

static bool is_header_char(char c)
{
    return (c >= 'A' && c <= 'Z') || c == '-';
}

/* Parses one complete line in p->buf. */
static bool and_line(proto_parser *p, proto_reading *out)
{
    const char *s = (const char *)p->buf;
    size_t n = p->len, i = 3;

    memset(out, 0, sizeof *out);
    if (n < 4 || s[2] != ',')
        return proto_skip(p);
    if (memcmp(s, "EC", 2) == 0) {
        if (n != 6 || s[3] != 'E' || s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9')
            return proto_skip(p);
        out->status = PROTO_ERROR; /* EC,Exx */
        return true;
    }
    /* a second header, then a comma or (compatible indicators) blanks */
    if (n > 6 && is_header_char(s[3]) && is_header_char(s[4]) &&
        (s[5] == ',' || s[5] == ' ')) {
        out->net = s[3] == 'N' && s[4] == 'T';
        i = s[5] == ',' ? 6 : 5;
    }
    if (memcmp(s, "OL", 2) == 0) {
        size_t k = i;
        while (k < n && s[k] == ' ')
            k++;
        out->status = (k < n && s[k] == '-') ? PROTO_UNDERLOAD : PROTO_OVERLOAD;
        return true;
    }
    if (memcmp(s, "QT", 2) == 0) {
        out->status = PROTO_ERROR; /* in counting mode: no weight */
        out->stable = true;
        return true;
    }
    return proto_st_us_weight(p, s, n, i, out);
}

/* Feeds one byte of A&D output. */
static bool and_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    bool got;

    if (!proto_line(p, c))
        return false;
    got = and_line(p, out);
    proto_line_done(p);
    return got;
}

const proto_ops proto_and = {
    .name = "and",
    .title = "A&D standard format",
    .serial = { .baud = 2400, .bits = 7, .parity = 'E', .stop = 1 },
    .polled = true,
    .poll = "Q\r\n",
    .tare = "T\r\n",
    .zero = "R\r\n",
    .clear = NULL,
    .push = and_push,
};
