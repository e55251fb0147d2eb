/* proto_cas: CAS scales: the ENQ/ACK/DC1 polled frame and the 22-byte indicator stream. */
#include "scale/proto.h"

#include <string.h>

/*
 * Polled (CAS PD-II, ER, SW-II and the many scales that copy it; the CAS
 * SW-II manual "RS-232C Protocol" and the Ohaus Aviator 7000 service manual
 * describe the same exchange):
 *   host ENQ -> scale ACK -> host DC1 -> scale
 *   SOH STX STA SIGN W5 W4 W3 W2 W1 W0 U1 U2 BCC ETX EOT
 * STA 'S' stable, 'U' unstable, 'F' overload (some scales put 'F' in SIGN);
 * SIGN ' ' or '-'; six weight characters with the decimal point ("01.234");
 * unit "kg" or "lb"; BCC is the XOR of the bytes from STA to the unit
 * (all between STX and BCC).
 * Stream (CAS CI-series indicators; CI-400 series owner's manual, appendix 1
 * "Data format", p. 104, the same in the CI-150A and CI-600D manuals):
 *   22 bytes: ST,GS,<id><lamp>,<8 data bytes><blank><unit: kg or t> CR LF
 *   18 bytes ("AND"): ST,GS,<8 data bytes><unit> CR LF
 *   10 bytes: <8 data bytes> CR LF, the weight alone: no stability, no unit
 * ST stable, US unstable, OL overload; GS gross, NT net; id is one ASCII
 * byte, lamp a status byte with bit 7 set (bit 6 stable, bit 1 tare). The
 * data holds the decimal point ("000013.5" for 13.5 kg, CI-600D manual
 * 10-1). The unit may be t (tonnes). The 10-byte weight is in the unit set
 * with --unit (kg unless told), and says nothing about motion: the
 * stability filter settles on it only with use_scale_flag = 0.
 * Compatible indicators write the second header followed by blanks, without
 * a comma ("ST,GS    20.7g  ", see proto_and.c).
 * Both parsers accept every shape, so only the defaults differ.
 */

#define SOH 0x01
#define STX 0x02
#define ETX 0x03
#define EOT 0x04
#define ACK 0x06
#define FRAME_LEN 15 /* SOH .. EOT */

enum { LINE = 0, FRAME };

/* Decodes the complete polled frame in p->buf (SOH at [0]). */
static bool cas_frame(proto_parser *p, proto_reading *out)
{
    const uint8_t *b = p->buf;
    const char *w = (const char *)b + 4;
    uint8_t bcc = 0;
    proto_unit unit;

    memset(out, 0, sizeof *out);
    for (int i = 2; i <= 11; i++)
        bcc ^= b[i];
    if (b[1] != STX || b[13] != ETX || b[14] != EOT || b[12] != bcc)
        return false;
    if (b[2] == 'F' || b[3] == 'F') {
        out->status = PROTO_OVERLOAD;
        return true;
    }
    if ((b[2] != 'S' && b[2] != 'U') || (b[3] != ' ' && b[3] != '-'))
        return false;
    if (!proto_unit_span((const char *)b + 10, 2, &unit))
        return false;
    out->stable = b[2] == 'S';
    out->moving = !out->stable;
    switch (proto_weight(w, 6, unit, &out->grams)) {
    case PROTO_NUM_OK:
        if (b[3] == '-')
            out->grams = -out->grams;
        out->has_weight = true;
        return true;
    case PROTO_NUM_HUGE: /* six digits of kg or t can be beyond any canteen scale */
        out->grams = 0;
        out->status = PROTO_IMPOSSIBLE;
        return true;
    case PROTO_NUM_BAD:
        break;
    }
    return false;
}

/* Parses one line of the 22-, 18- or 10-byte stream in p->buf. */
static bool cas_line(proto_parser *p, proto_reading *out)
{
    const char *s = (const char *)p->buf;
    size_t n = p->len, i;

    memset(out, 0, sizeof *out);
    if (memchr(s, ',', n) == NULL) /* 10 bytes: the weight alone */
        return proto_weight_result(p, proto_weight(s, n, p->opts.unit, &out->grams), out);
    if (n < 8 || s[2] != ',' || (s[5] != ',' && s[5] != ' '))
        return proto_skip(p);
    i = s[5] == ',' ? 6 : 5;
    if (i == 6 && n > 9 && s[8] == ',')
        i = 9; /* device id and lamp byte present */
    out->net = memcmp(s + 3, "NT", 2) == 0;
    if (memcmp(s, "OL", 2) == 0) {
        size_t k = i;
        while (k < n && s[k] == ' ')
            k++;
        out->status = (k < n && s[k] == '-') ? PROTO_UNDERLOAD : PROTO_OVERLOAD;
        return true;
    }
    return proto_st_us_weight(p, s, n, i, out);
}

/* Feeds one byte of CAS output. */
static bool cas_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    bool got;

    if (p->state == FRAME) {
        p->buf[p->len++] = c;
        if (p->len < FRAME_LEN)
            return false;
        if (cas_frame(p, out)) {
            p->state = LINE;
            p->len = 0;
            return true;
        }
        /* resynchronise on the next SOH inside what we collected */
        p->skipped++;
        {
            uint8_t *soh = memchr(p->buf + 1, SOH, p->len - 1);
            if (soh == NULL) {
                p->state = LINE;
                p->len = 0;
            } else {
                p->len -= (size_t)(soh - p->buf);
                memmove(p->buf, soh, p->len);
            }
        }
        return false;
    }
    if (c == SOH) {
        if (p->len > 0)
            proto_skip(p);
        p->state = FRAME;
        p->overflow = false;
        p->buf[0] = c;
        p->len = 1;
        return false;
    }
    if (c == ACK) {
        p->reply = "\x11"; /* DC1: send the weight */
        return false;
    }
    if (!proto_line(p, c))
        return false;
    got = cas_line(p, out);
    proto_line_done(p);
    return got;
}

const proto_ops proto_cas = {
    .name = "cas",
    .title = "CAS (ENQ/ACK/DC1)",
    .serial = { .baud = 9600, .bits = 8, .parity = 'N', .stop = 1 },
    .polled = true,
    .poll = "\x05", /* ENQ */
    .push = cas_push,
};

const proto_ops proto_cas_stream = {
    .name = "cas-stream",
    .title = "CAS indicator stream (22 bytes)",
    .serial = { .baud = 9600, .bits = 8, .parity = 'N', .stop = 1 },
    .polled = false,
    .push = cas_push,
};
