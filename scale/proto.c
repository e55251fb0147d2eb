/* proto: the protocol table, the byte feed, units and the shared number parsing. */
#include "scale/proto.h"

#include <string.h>
#include <strings.h>

/* Polled protocols first: `--protocol auto` asks before it listens. */
static const proto_ops *const proto_table[] = {
    &proto_mtsics,
    &proto_toledo8217,
    &proto_and,
    &proto_cas,
    &proto_ohaus,
    &proto_toledocont,
    &proto_cas_stream,
    NULL,
};

/* Returns the NULL-terminated table of all protocols (static storage). */
const proto_ops *const *proto_list(void)
{
    return proto_table;
}

/* Returns the protocol called name, or NULL (static storage). */
const proto_ops *proto_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (const proto_ops *const *o = proto_table; *o != NULL; o++)
        if (strcasecmp((*o)->name, name) == 0)
            return *o;
    return NULL;
}

/* Looks a protocol up by name; fails with a detail listing the known names. */
cp_err proto_lookup(const char *name, const proto_ops **out)
{
    char names[256] = "";
    size_t used = 0;

    *out = proto_find(name);
    if (*out != NULL)
        return CP_OK;
    for (const proto_ops *const *o = proto_table; *o != NULL; o++) {
        size_t len = strlen((*o)->name);
        if (used + len + 3 >= sizeof names)
            break;
        if (used > 0) {
            memcpy(names + used, ", ", 2);
            used += 2;
        }
        memcpy(names + used, (*o)->name, len + 1);
        used += len;
    }
    return cp_fail(CP_ERR_NOT_FOUND, "unknown scale protocol '%s' (known: %s)",
                   name != NULL ? name : "", names);
}

/* Prepares p for ops with opts (NULL: defaults). Nothing to free. */
void proto_init(proto_parser *p, const proto_ops *ops, const proto_opts *opts)
{
    memset(p, 0, sizeof *p);
    p->ops = ops;
    if (opts != NULL)
        p->opts = *opts;
}

/* Feeds one byte to the protocol's parser; true when *out holds a reading. */
bool proto_push(proto_parser *p, uint8_t c, proto_reading *out)
{
    if (!p->ops->push(p, c, out))
        return false;
    p->readings++;
    return true;
}

/* Feeds bytes until they run out or out[] is full; returns bytes consumed. */
size_t proto_feed(proto_parser *p, const void *buf, size_t len,
                  proto_reading *out, size_t cap, size_t *n)
{
    const uint8_t *b = buf;
    size_t i = 0;

    *n = 0;
    while (i < len && *n < cap) {
        if (proto_push(p, b[i++], &out[*n]))
            (*n)++;
    }
    return i;
}

/* Returns and clears the bytes the host must send now, or NULL. */
const char *proto_take_reply(proto_parser *p)
{
    const char *r = p->reply;
    p->reply = NULL;
    return r;
}

/* Parses a unit name for config and command lines. */
cp_err proto_unit_parse(const char *name, proto_unit *out)
{
    if (name != NULL && proto_unit_span(name, strlen(name), out))
        return CP_OK;
    return cp_fail(CP_ERR_INVALID, "unknown weight unit '%s' (known: g, kg, lb)",
                   name != NULL ? name : "");
}

/* Returns the unit's short name (static storage). */
const char *proto_unit_name(proto_unit u)
{
    switch (u) {
    case PROTO_UNIT_G: return "g";
    case PROTO_UNIT_KG: return "kg";
    case PROTO_UNIT_LB: return "lb";
    }
    return "?";
}

/* Returns the status's name as used in JSON output (static storage). */
const char *proto_status_name(proto_status s)
{
    switch (s) {
    case PROTO_OK: return "ok";
    case PROTO_OVERLOAD: return "overload";
    case PROTO_UNDERLOAD: return "underload";
    case PROTO_ERROR: return "error";
    }
    return "error";
}

/* n / d rounded half away from zero; d > 0 and |n| + d/2 must not overflow. */
static int64_t div_round(int64_t n, int64_t d)
{
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

static const int64_t pow10_table[] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
    1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
    100000000000000,
};

/* Converts value * 10^-decimals unit into grams, rounded; see proto.h. */
bool proto_grams(int64_t value, int decimals, proto_unit unit, int64_t *grams)
{
    /* Bounds keep every product below 2^63: |value| * 45359237 < 9.2e18. */
    const int64_t limit = 200000000000; /* 2e11 */

    if (decimals < 0 || decimals > 9 || value > limit || value < -limit)
        return false;
    switch (unit) {
    case PROTO_UNIT_G:
        *grams = div_round(value, pow10_table[decimals]);
        return true;
    case PROTO_UNIT_KG:
        if (decimals <= 3)
            *grams = value * pow10_table[3 - decimals];
        else
            *grams = div_round(value, pow10_table[decimals - 3]);
        return true;
    case PROTO_UNIT_LB:
        /* 1 lb = 45359237 * 10^-5 g */
        *grams = div_round(value * 45359237, pow10_table[5 + decimals]);
        return true;
    }
    return false;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses a decimal number with integer arithmetic; see proto.h. */
bool proto_number(const char *s, size_t n, int64_t *value, int *decimals)
{
    size_t i = 0;
    bool neg = false, dot = false;
    int digits = 0, decs = 0, significant = 0;
    int64_t v = 0;

    while (i < n && is_blank(s[i]))
        i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
        while (i < n && is_blank(s[i]))
            i++;
    }
    for (; i < n; i++) {
        if (is_digit(s[i])) {
            digits++;
            if (dot)
                decs++;
            if (v != 0 || s[i] != '0')
                significant++;
            if (significant > 10 || decs > 9)
                return false;
            v = v * 10 + (s[i] - '0');
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    while (i < n && is_blank(s[i]))
        i++;
    if (i != n || digits == 0)
        return false;
    *value = neg ? -v : v;
    *decimals = decs;
    return true;
}

/* Parses a unit name in s[0..n), blanks around it ignored. */
bool proto_unit_span(const char *s, size_t n, proto_unit *out)
{
    while (n > 0 && is_blank(s[0])) {
        s++;
        n--;
    }
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    if (n == 1 && (s[0] == 'g' || s[0] == 'G')) {
        *out = PROTO_UNIT_G;
        return true;
    }
    if (n == 2 && strncasecmp(s, "kg", 2) == 0) {
        *out = PROTO_UNIT_KG;
        return true;
    }
    if ((n == 2 && strncasecmp(s, "lb", 2) == 0) ||
        (n == 3 && strncasecmp(s, "lbs", 3) == 0)) {
        *out = PROTO_UNIT_LB;
        return true;
    }
    return false;
}

/* Parses a number in unit and converts it to grams. */
bool proto_weight(const char *s, size_t n, proto_unit unit, int64_t *grams)
{
    int64_t v;
    int d;

    return proto_number(s, n, &v, &d) && proto_grams(v, d, unit, grams);
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Parses a number and the unit letters that end s[0..n) into grams. */
bool proto_weight_unit(const char *s, size_t n, int64_t *grams)
{
    proto_unit unit;
    size_t u;

    while (n > 0 && is_blank(s[n - 1]))
        n--;
    u = n;
    while (u > 0 && is_alpha(s[u - 1]))
        u--;
    return u < n && proto_unit_span(s + u, n - u, &unit) &&
           proto_weight(s, u, unit, grams);
}

/* Collects one line; see proto.h. */
bool proto_line(proto_parser *p, uint8_t c)
{
    if (c == '\r' || c == '\n') {
        if (p->overflow) {
            p->overflow = false;
            p->len = 0;
            return false;
        }
        return p->len > 0;
    }
    if (c < 0x20 && c != '\t') {
        /* binary noise: the partial line cannot be a frame */
        if (p->len > 0 && !p->overflow)
            proto_skip(p);
        p->overflow = false;
        p->len = 0;
        return false;
    }
    if (p->overflow)
        return false;
    if (p->len == PROTO_BUF_MAX) {
        proto_skip(p);
        p->overflow = true;
        return false;
    }
    p->buf[p->len++] = c;
    return false;
}

/* Forgets the current line. */
void proto_line_done(proto_parser *p)
{
    p->len = 0;
}

/* Counts a frame that did not parse and forgets it; returns false. */
bool proto_skip(proto_parser *p)
{
    p->skipped++;
    p->len = 0;
    return false;
}

bool proto_st_us_weight(proto_parser *p, const char *s, size_t n, size_t i,
                        proto_reading *out)
{
    if (n < 2 || (memcmp(s, "ST", 2) != 0 && memcmp(s, "US", 2) != 0))
        return proto_skip(p);
    if (!proto_weight_unit(s + i, n - i, &out->grams))
        return proto_skip(p);
    out->has_weight = true;
    out->stable = s[0] == 'S';
    return true;
}
