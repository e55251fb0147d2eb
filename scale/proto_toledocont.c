/* proto_toledocont: Mettler Toledo continuous output (unsolicited status+weight frames). */
#include "scale/proto.h"

#include <string.h>

/*
 * Frame, from the Mettler Toledo Wildcat technical manual (appendix 2,
 * "Continuous Mode Output", tables 6-8 to 6-11; the same layout is in the
 * Ohaus Defender 5000 indicator manual, tables 5-2 to 5-4, and in the IND445
 * user manual 22013194B, 5.2.2):
 *   STX SWA SWB SWC wwwwww tttttt CR [CHK]
 * six digits of displayed weight and six of tare, no decimal point. The
 * short form has no tare: STX SWA SWB SWC wwwwww CR [CHK] (Cardinal 225
 * installation and technical manual 8200-M698-O1 Rev B, p. 118, "TOLEDO
 * Format 1 - SHORT" and "Format 3 - SHORT with CKSUM").
 *   SWA bits 0-2: decimal point: 0 XXXX00, 1 XXXXX0, 2 XXXXXX, 3 XXXXX.X,
 *                 4 XXXX.XX, 5 XXX.XXX, 6 XX.XXXX, 7 X.XXXXX
 *       bits 3-4 increment size, bit 5 always 1
 *   SWB bit 0 net, 1 negative, 2 out of range, 3 motion, 4 kg (else lb),
 *       bit 5 always 1, bit 6 not zeroed since power-up
 *   SWC bits 0-2: 0 lb or kg per SWB bit 4, 1 grams, 2 metric tonnes,
 *       3 ounces (Defender 5000 table 5-4), others no unit we weigh in;
 *       bit 3 print request, bit 4 expanded
 *   CHK: two's complement of the 7-bit sum of all bytes from STX to CR.
 * "Always 1" is not what every indicator sends: Fairbanks FB2550 and FB3000
 * (user manuals 51254 Rev. 3, p. 177, and 51220 Rev. 1, p. 55, "Status
 * Code (Word) B") send SWB bit 5 as 0, so a negative gross stable lb reading
 * has SWB = 0x02 (STX) and net + over capacity + motion gives 0x0D (CR).
 * Frames are therefore taken by length and position from their STX, the
 * status bytes whatever they hold; only the digit fields and the CR after
 * them decide whether a frame is whole. A frame that turns out not to be
 * one is counted as skipped and the search for an STX goes on from the byte
 * after its STX (a lone STX may be the checksum of the frame before).
 * 7-bit data: the parity bit is masked off.
 */

#define STX 0x02
#define CR 0x0d
#define SHORT_LEN 11 /* STX, 3 status words, 6 digits, CR */
#define LONG_LEN 17  /* ... and 6 digits of tare */

enum {
    OUTSIDE = 0,
    INSIDE,         /* collecting from an STX */
    MAYBE_CHECKSUM, /* collecting from an STX that came right after a frame */
    AFTER_FRAME,    /* a frame just ended (checksums not checked) */
    CHECKSUM,       /* a whole frame waits for its checksum byte */
};

/* What the bytes collected so far can still be. */
enum { NEED_MORE, WHOLE, BAD };

static bool digit_or_blank(uint8_t c)
{
    return (c >= '0' && c <= '9') || c == ' ';
}

/* Judges b[0..len), b[0] being an STX: a whole frame (short or long), the
 * start of one, or not a frame. Status bytes b[1..3] may hold anything. */
static int frame_state(const uint8_t *b, size_t len)
{
    for (size_t i = 4; i < len; i++) {
        if (i == SHORT_LEN - 1 && b[i] == CR)
            return i + 1 == len ? WHOLE : BAD;
        if (i == LONG_LEN - 1)
            return b[i] == CR && i + 1 == len ? WHOLE : BAD;
        if (!digit_or_blank(b[i]))
            return BAD;
    }
    return NEED_MORE;
}

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

/* The unit of a frame from SWB and SWC; false for units we do not weigh in. */
static bool frame_unit(uint8_t swb, uint8_t swc, proto_unit *unit)
{
    switch (swc & 7) {
    case 0: *unit = (swb & 0x10) ? PROTO_UNIT_KG : PROTO_UNIT_LB; return true;
    case 1: *unit = PROTO_UNIT_G; return true;
    case 2: *unit = PROTO_UNIT_T; return true;
    case 3: *unit = PROTO_UNIT_OZ; return true;
    }
    return false;
}

/* Decodes the whole frame in p->buf. */
static bool cont_frame(proto_parser *p, proto_reading *out)
{
    const uint8_t *b = p->buf;
    uint8_t swa = b[1], swb = b[2], swc = b[3];
    int64_t w;
    int dp = swa & 7, decimals = 0;
    proto_unit unit;

    memset(out, 0, sizeof *out);
    if (!six_digits(b + 4, &w) || !frame_unit(swb, swc, &unit))
        return proto_skip(p);
    if (dp < 2)
        w *= dp == 0 ? 100 : 10; /* at most 99999900: no overflow */
    else
        decimals = dp - 2;
    if (swb & 0x02)
        w = -w;
    out->net = (swb & 0x01) != 0;
    out->moving = (swb & 0x08) != 0;
    out->stable = !out->moving;
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
    /* six digits in t or kg can exceed any canteen scale (PROTO_MAX_GRAMS) */
    return proto_weight_result(p, proto_range(out->grams), out);
}

/* Drops p->buf[0] (the STX of something that was no frame, counted as
 * skipped unless it may have been the checksum byte of the frame before) and
 * moves to the next STX in what was collected, as often as needed. True when
 * the bytes from that STX are a whole frame already. */
static bool resync(proto_parser *p)
{
    bool count = p->state != MAYBE_CHECKSUM;

    p->state = INSIDE;
    for (;;) {
        uint8_t *stx = p->len > 1 ? memchr(p->buf + 1, STX, p->len - 1) : NULL;
        int st;

        if (count)
            p->skipped++;
        count = true;
        if (stx == NULL) {
            p->len = 0;
            p->state = OUTSIDE;
            return false;
        }
        p->len -= (size_t)(stx - p->buf);
        memmove(p->buf, stx, p->len);
        st = frame_state(p->buf, p->len);
        if (st != BAD)
            return st == WHOLE;
    }
}

/* A whole frame is in p->buf: decode it now, or after its checksum byte. */
static bool cont_whole(proto_parser *p, proto_reading *out)
{
    bool got;

    if (p->opts.checksum) {
        p->state = CHECKSUM;
        return false;
    }
    got = cont_frame(p, out);
    p->len = 0;
    p->state = AFTER_FRAME; /* the next byte may be a checksum we do not check */
    return got;
}

/* Feeds one byte of the continuous stream. */
static bool cont_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    bool got;
    int st;

    c &= 0x7f;
    switch (p->state) {
    case CHECKSUM: {
        unsigned sum = c;
        for (size_t i = 0; i < p->len; i++)
            sum += p->buf[i];
        p->state = OUTSIDE;
        if ((sum & 0x7f) != 0)
            return proto_skip(p);
        got = cont_frame(p, out);
        p->len = 0;
        return got;
    }
    case OUTSIDE:
    case AFTER_FRAME:
        if (c != STX) {
            p->state = OUTSIDE; /* a checksum we do not check, or noise */
            return false;
        }
        p->buf[0] = c;
        p->len = 1;
        p->state = p->state == AFTER_FRAME ? MAYBE_CHECKSUM : INSIDE;
        return false;
    default:
        break;
    }
    p->buf[p->len++] = c;
    st = frame_state(p->buf, p->len);
    if (st == BAD)
        st = resync(p) ? WHOLE : NEED_MORE;
    return st == WHOLE && cont_whole(p, out);
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
