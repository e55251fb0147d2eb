/* proto_toledo8217: Mettler Toledo 8217 weight-only protocol (polled with W). */
#include "scale/proto.h"

#include <string.h>

/*
 * The host sends W; the scale answers STX <weight> CR when it has a weight
 * ("01.234", in the unit set on the scale, which the frame does not carry),
 * STX <weight> N CR when a tare is set (the net weight), or STX '?' <status>
 * CR while moving, over capacity or under zero. From the METTLER TOLEDO DIVA
 * Service Manual 72191202 (05/2012), p. 44, 6.1.4.2 "Command Descriptions":
 *   STX 0WW.WW CR  gross lb      STX 0WW.WWN CR  net lb ("ASCII N added
 *   STX WW.WWW CR  gross kg      STX WW.WWWN CR  net kg  after weight")
 * Odoo's IoT driver (addons/hw_drivers/iot_handlers/drivers/SerialScaleDriver.py)
 * matches the same answers with b"\x02\s*([0-9.]+)N?\r".
 * Status bits, same manual p. 45, 6.1.4.3 "Scale Status Byte Bit
 * Definitions": 0 motion, 1 over capacity, 2 under zero, 3 outside zero
 * capture range, 4 centre of zero, 5 net weight, 6 always 1, 7 even parity.
 * Z zeroes, T tares, C clears the tare. Default line: 9600 7E1; the parity
 * bit is masked off, so a port left at 8N1 still reads the frames.
 */

#define STX 0x02
#define CR 0x0d

enum { OUTSIDE = 0, INSIDE };

enum {
    ST_MOTION = 0x01,
    ST_OVER = 0x02,
    ST_UNDER = 0x04,
    ST_ZERO_CENTRE = 0x10,
    ST_NET = 0x20,
    ST_ONE = 0x40,
};

/* Decodes the frame body in p->buf. */
static bool t8217_frame(proto_parser *p, proto_reading *out)
{
    const char *s = (const char *)p->buf;
    size_t n = p->len;

    memset(out, 0, sizeof *out);
    if (n == 2 && s[0] == '?') {
        uint8_t st = (uint8_t)s[1];
        if (!(st & ST_ONE))
            return proto_skip(p);
        out->stable = !(st & ST_MOTION);
        out->moving = !out->stable;
        out->net = (st & ST_NET) != 0;
        if (st & ST_OVER)
            out->status = PROTO_OVERLOAD;
        else if (st & ST_UNDER)
            out->status = PROTO_UNDERLOAD;
        else if ((st & ST_ZERO_CENTRE) && out->stable)
            out->has_weight = true; /* at centre of zero: 0 g */
        return true;
    }
    if (n > 1 && s[n - 1] == 'N') { /* a tare is set: the net weight (p. 44) */
        out->net = true;
        n--;
    }
    out->stable = true; /* the scale sends a weight only when not in motion */
    return proto_weight_result(p, proto_weight(s, n, p->opts.unit, &out->grams), out);
}

/* Feeds one byte of 8217 replies. */
static bool t8217_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    bool got;

    c &= 0x7f;
    if (c == STX) {
        if (p->state == INSIDE && p->len > 0)
            proto_skip(p);
        p->state = INSIDE;
        p->len = 0;
        return false;
    }
    if (p->state != INSIDE)
        return false; /* between frames: echo or noise */
    if (c == CR) {
        p->state = OUTSIDE;
        got = t8217_frame(p, out);
        p->len = 0;
        return got;
    }
    if (p->len == 16) { /* far longer than any reply */
        p->state = OUTSIDE;
        return proto_skip(p);
    }
    p->buf[p->len++] = c;
    return false;
}

const proto_ops proto_toledo8217 = {
    .name = "toledo8217",
    .title = "Mettler Toledo 8217",
    .serial = { .baud = 9600, .bits = 7, .parity = 'E', .stop = 1 },
    .polled = true,
    .poll = "W",
    .tare = "T",
    .zero = "Z",
    .clear = "C",
    .push = t8217_push,
};
