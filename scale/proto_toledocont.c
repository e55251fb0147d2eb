/* proto_toledocont: Mettler Toledo continuous output (unsolicited status+weight frames). */
#include "scale/proto.h"

#include <string.h>

/*
 * Frame, from the Mettler Toledo Wildcat technical manual (appendix 2,
 * "Continuous Mode Output", tables 6-8 to 6-11; the same layout is in the
 * Ohaus Defender 5000 indicator manual, tables 5-2 to 5-4):
 *   STX SWA SWB SWC wwwwww tttttt CR [CHK]
 * six digits of displayed weight and six of tare, no decimal point.
 *   SWA bits 0-2: decimal point: 0 XXXX00, 1 XXXXX0, 2 XXXXXX, 3 XXXXX.X,
 *                 4 XXXX.XX, 5 XXX.XXX, 6 XX.XXXX, 7 X.XXXXX
 *       bits 3-4 increment size, bit 5 always 1
 *   SWB bit 0 net, 1 negative, 2 out of range, 3 motion, 4 kg (else lb),
 *       bit 5 always 1, bit 6 not zeroed since power-up
 *   SWC bits 0-2: 0 lb or kg per SWB bit 4, 1 grams, others (t, oz ...)
 *       are units we do not weigh in; bit 3 print request, bit 4 expanded
 *   CHK: two's complement of the 7-bit sum of all bytes from STX to CR.
 * 7-bit data: the parity bit is masked off.
 */

#define STX 0x02
#define CR 0x0d
#define FRAME_LEN 17 /* STX, 3 status words, 12 digits, CR */

enum { OUTSIDE = 0, INSIDE, CHECKSUM };

/* Six digits (leading blanks allowed) into *v. */
static bool six_digits(const uint8_t *s, int64_t *v)
{
    bool any = false;

    *v = 0;
    for (int i = 0; i < 6; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            *v = *v * 10 + (s[i] - '0');
            any = true;
        } else if (s[i] != ' ' || any) {
            return false;
        }
    }
    return any;
}

/* Decodes the complete frame in p->buf. */
static bool cont_frame(proto_parser *p, proto_reading *out)
{
    const uint8_t *b = p->buf;
    uint8_t swa = b[1], swb = b[2], swc = b[3];
    int64_t w;
    int dp = swa & 7, decimals = 0;
    proto_unit unit;

    memset(out, 0, sizeof *out);
    if (!six_digits(b + 4, &w))
        return proto_skip(p);
    switch (swc & 7) {
    case 0: unit = (swb & 0x10) ? PROTO_UNIT_KG : PROTO_UNIT_LB; break;
    case 1: unit = PROTO_UNIT_G; break;
    default: return proto_skip(p);
    }
    if (dp < 2)
        w *= dp == 0 ? 100 : 10;
    else
        decimals = dp - 2;
    if (swb & 0x02)
        w = -w;
    out->net = (swb & 0x01) != 0;
    out->stable = !(swb & 0x08);
    if (swb & 0x04) {
        out->status = (swb & 0x02) ? PROTO_UNDERLOAD : PROTO_OVERLOAD;
        return true;
    }
    if (swb & 0x40) {
        out->status = PROTO_ERROR; /* not zeroed since power-up */
        return true;
    }
    if (!proto_grams(w, decimals, unit, &out->grams))
        return proto_skip(p);
    out->has_weight = true;
    return true;
}

/* Feeds one byte of the continuous stream. */
static bool cont_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    bool got;

    c &= 0x7f;
    if (p->state == CHECKSUM) {
        unsigned sum = c;
        for (size_t i = 0; i < FRAME_LEN; i++)
            sum += p->buf[i];
        p->state = OUTSIDE;
        if ((sum & 0x7f) != 0)
            return proto_skip(p);
        got = cont_frame(p, out);
        p->len = 0;
        return got;
    }
    if (c == STX) {
        /* a frame cut short; a lone STX may be the previous checksum */
        if (p->state == INSIDE && p->len > 1)
            proto_skip(p);
        p->state = INSIDE;
        p->buf[0] = c;
        p->len = 1;
        return false;
    }
    if (p->state != INSIDE)
        return false; /* checksum of a frame we did not verify, or noise */
    p->buf[p->len++] = c;
    if (c == CR || p->len == FRAME_LEN) {
        if (c != CR || p->len != FRAME_LEN) {
            p->state = OUTSIDE;
            return proto_skip(p);
        }
        if (p->opts.checksum) {
            p->state = CHECKSUM;
            return false;
        }
        p->state = OUTSIDE;
        got = cont_frame(p, out);
        p->len = 0;
        return got;
    }
    return false;
}

const proto_ops proto_toledocont = {
    .name = "toledo-cont",
    .title = "Mettler Toledo continuous output",
    .serial = { .baud = 9600, .bits = 7, .parity = 'E', .stop = 1 },
    .polled = false,
    .poll = NULL,
    .tare = "T", /* the CTPZ input of Toledo terminals */
    .zero = "Z",
    .clear = "C",
    .push = cont_push,
};
