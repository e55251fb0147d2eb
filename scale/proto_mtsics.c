/* proto_mtsics: Mettler Toledo MT-SICS (Standard Interface Command Set), level 0. */
#include "scale/proto.h"

#include <string.h>

/*
 * Replies are CR LF terminated lines: an identifier, a blank, a status and,
 * for weight replies, the value and the unit ("S S     100.00 g").
 * From the MT-SICS reference manual (level 0 commands S, SI, T, Z; the
 * weight answers are also listed in the operating instructions of the AT
 * and AL balances, "MT-SICS interface commands": "S S 100.00 g", "S I",
 * "S +", "S -"):
 *   S S <value> <unit>   stable weight
 *   S D <value> <unit>   dynamic (moving) weight, answer to SI: a reading
 *                        marked moving, never settled on
 *   S I                  command not executable (busy, or no stability)
 *   S L                  command understood, not executable (logical error,
 *                        e.g. a wrong parameter): an error reading
 *   S +  /  S -          overload  /  underload
 *   ES / ET / EL         syntax / transmission / logical error
 * A weight in a compound unit ("1 lb 3.5 oz") is pounds plus ounces.
 * Other replies (T S, Z A, I4 A ...) answer commands and are no readings.
 * The open-source EPICS driver mp49/mettlerToledo (protocol/mt.proto) reads
 * the same shapes: "S <status char> <value> <unit>", or "S <status char>".
 */

static bool is_id_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '@';
}

/* Parses one complete line in p->buf. */
static bool mtsics_line(proto_parser *p, proto_reading *out)
{
    const char *s = (const char *)p->buf;
    size_t n = p->len, id = 0;

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (id < n && is_id_char((uint8_t)s[id]))
        id++;
    if (id == 0 || (id < n && s[id] != ' '))
        return proto_skip(p);

    memset(out, 0, sizeof *out);
    if (id == 2 && n == 2 && s[0] == 'E' && strchr("STL", s[1]) != NULL) {
        out->status = PROTO_ERROR;
        return true;
    }
    if (id != 1 || s[0] != 'S') {
        /* an answer to another command (T, Z, I4, @ ...): not a reading */
        p->len = 0;
        return false;
    }
    if (n == 3) {
        switch (s[2]) {
        case '+': out->status = PROTO_OVERLOAD; return true;
        case '-': out->status = PROTO_UNDERLOAD; return true;
        case 'I': out->status = PROTO_ERROR; return true;
        case 'L': out->status = PROTO_ERROR; return true;
        }
        return proto_skip(p);
    }
    if (n < 5 || (s[2] != 'S' && s[2] != 'D') || s[3] != ' ')
        return proto_skip(p);
    out->stable = s[2] == 'S';
    out->moving = s[2] == 'D';
    return proto_weight_result(p, proto_weight_unit(p, s + 4, n - 4, &out->grams), out);
}

/* Feeds one byte of MT-SICS replies. */
static bool mtsics_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    bool got;

    if (!proto_line(p, c))
        return false;
    got = mtsics_line(p, out);
    proto_line_done(p);
    return got;
}

const proto_ops proto_mtsics = {
    .name = "mtsics",
    .title = "Mettler Toledo MT-SICS",
    .serial = { .baud = 9600, .bits = 8, .parity = 'N', .stop = 1 },
    .polled = true,
    .poll = "SI\r\n",
    .tare = "T\r\n",
    .zero = "Z\r\n",
    .clear = "TAC\r\n",
    .push = mtsics_push,
};
