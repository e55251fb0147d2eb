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

/*
 * The units a weight may come in, with their exact size in grams as a
 * fraction num/den: the international pound of 1959 (453.59237 g) and the
 * ounce (1/16 lb), the troy ounce (31.1034768 g) and pennyweight (1/20 of
 * it), the grain (64.79891 mg), the metric carat (0.2 g), the momme
 * (3.75 g), the tonne. A&D balances send oz, ozt, dwt, GN, ct and mom (FX-i
 * and GX instruction manuals, "Data Format"); CAS indicators send t (CI-400
 * and CI-600D manuals, appendix "Data format"). Fractions are in lowest
 * terms so that value * num stays below 2^63 for any 10-digit value.
 * Taels (three different sizes, all "tl"), pieces and percent are not
 * weights we can convert: frames in them are refused and the unit kept.
 */
typedef struct unit_def {
    const char *name; /* as frames write it, matched case-insensitively */
    proto_unit unit;
    int64_t num, den;
} unit_def;

static const unit_def unit_table[] = {
    {"kg", PROTO_UNIT_KG, 1000, 1},
    {"g", PROTO_UNIT_G, 1, 1},
    {"lb", PROTO_UNIT_LB, 45359237, 100000},
    {"lbs", PROTO_UNIT_LB, 45359237, 100000},
    {"oz", PROTO_UNIT_OZ, 45359237, 1600000},
    {"ozt", PROTO_UNIT_OZT, 19439673, 625000},
    {"dwt", PROTO_UNIT_DWT, 19439673, 12500000},
    {"gn", PROTO_UNIT_GN, 6479891, 100000000},
    {"gr", PROTO_UNIT_GN, 6479891, 100000000},
    {"ct", PROTO_UNIT_CT, 1, 5},
    {"mom", PROTO_UNIT_MOM, 15, 4},
    {"mg", PROTO_UNIT_MG, 1, 1000},
    {"t", PROTO_UNIT_T, 1000000, 1},
};

#define NUNITS (sizeof unit_table / sizeof unit_table[0])

/* The table entry of u (the first, for units with two spellings). */
static const unit_def *unit_def_of(proto_unit u)
{
    for (size_t i = 0; i < NUNITS; i++)
        if (unit_table[i].unit == u)
            return &unit_table[i];
    return NULL;
}

/* Parses a unit name for config and command lines. */
cp_err proto_unit_parse(const char *name, proto_unit *out)
{
    if (name != NULL && proto_unit_span(name, strlen(name), out))
        return CP_OK;
    return cp_fail(CP_ERR_INVALID, "unknown weight unit '%s' (known: g, kg, lb, oz, ozt, dwt, "
                   "GN, ct, mom, mg, t)", name != NULL ? name : "");
}

/* Returns the unit's short name (static storage). */
const char *proto_unit_name(proto_unit u)
{
    const unit_def *d = unit_def_of(u);
    return d != NULL ? d->name : "?";
}

/* Returns the status's name as used in JSON output (static storage). */
const char *proto_status_name(proto_status s)
{
    switch (s) {
    case PROTO_OK: return "ok";
    case PROTO_OVERLOAD: return "overload";
    case PROTO_UNDERLOAD: return "underload";
    case PROTO_ERROR: return "error";
    case PROTO_IMPOSSIBLE: return "impossible";
    }
    return "error";
}

/* n / d rounded half away from zero; d > 0 and |n| + d/2 must not overflow. */
static int64_t div_round(int64_t n, int64_t d)
{
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

static const int64_t pow10_table[] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

/* The largest |value| proto_grams takes: 10 digits, as proto_number allows. */
#define VALUE_MAX INT64_C(9999999999)

/* Converts value * 10^-decimals unit into grams, rounded; see proto.h. */
bool proto_grams(int64_t value, int decimals, proto_unit unit, int64_t *grams)
{
    const unit_def *d = unit_def_of(unit);

    /* |value| * num < 1e10 * 45359237 < 2^63, den * 10^9 <= 1e17 */
    if (d == NULL || decimals < 0 || decimals > 9 || value > VALUE_MAX || value < -VALUE_MAX)
        return false;
    *grams = div_round(value * d->num, d->den * pow10_table[decimals]);
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Parses a decimal number with integer arithmetic; see proto.h. */
proto_num proto_number(const char *s, size_t n, int64_t *value, int *decimals)
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
            /* past 10 digits: keep reading the syntax, stop adding (no overflow) */
            if (significant <= 10)
                v = v * 10 + (s[i] - '0');
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    while (i < n && is_blank(s[i]))
        i++;
    if (i != n || digits == 0 || decs > 9)
        return PROTO_NUM_BAD;
    if (significant > 10)
        return PROTO_NUM_HUGE;
    *value = neg ? -v : v;
    *decimals = decs;
    return PROTO_NUM_OK;
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
    for (size_t i = 0; i < NUNITS; i++) {
        if (strlen(unit_table[i].name) == n && strncasecmp(s, unit_table[i].name, n) == 0) {
            *out = unit_table[i].unit;
            return true;
        }
    }
    return false;
}

/* PROTO_NUM_HUGE when grams is beyond PROTO_MAX_GRAMS either way. */
proto_num proto_range(int64_t grams)
{
    return grams > PROTO_MAX_GRAMS || grams < -PROTO_MAX_GRAMS ? PROTO_NUM_HUGE : PROTO_NUM_OK;
}

/* Parses a number in unit and converts it to grams. */
proto_num proto_weight(const char *s, size_t n, proto_unit unit, int64_t *grams)
{
    int64_t v;
    int d;
    proto_num r = proto_number(s, n, &v, &d);

    if (r != PROTO_NUM_OK)
        return r;
    if (!proto_grams(v, d, unit, grams))
        return PROTO_NUM_BAD;
    return proto_range(*grams);
}

/* Letters and '%' make up unit names ("kg", "ozt", "%"). */
static bool is_unit_char(char c)
{
    return is_alpha(c) || c == '%';
}

/* "N lb M oz" in s[0..n), n ending before "oz": the pounds and the ounces
 * (compound lb:oz units: Ohaus Defender 5000 manual, section 5.5; CAS
 * CI-100A manual 23.6.1.1). The sign of the pounds is the sign of the whole. */
static proto_num pounds_ounces(const char *s, size_t n, int64_t *grams)
{
    size_t a = 0, b;
    int64_t lb, oz;
    proto_num r;
    proto_unit u;
    bool neg = false;

    while (a < n && !is_alpha(s[a]))
        a++;
    for (b = a; b < n && is_alpha(s[b]); b++)
        ;
    if (a == n || !proto_unit_span(s + a, b - a, &u) || u != PROTO_UNIT_LB)
        return PROTO_NUM_BAD;
    for (size_t i = 0; i < a; i++)
        neg |= s[i] == '-';
    if ((r = proto_weight(s, a, PROTO_UNIT_LB, &lb)) != PROTO_NUM_OK ||
        (r = proto_weight(s + b, n - b, PROTO_UNIT_OZ, &oz)) != PROTO_NUM_OK)
        return r;
    if (lb < 0)
        lb = -lb;
    if (oz < 0)
        return PROTO_NUM_BAD; /* "1 lb -3 oz" is no scale's output */
    *grams = neg ? -(lb + oz) : lb + oz;
    return proto_range(*grams);
}

/* Remembers a unit we do not convert, cut to fit (units are ASCII letters). */
static void refuse_unit(proto_parser *p, const char *u, size_t n)
{
    if (n >= sizeof p->refused_unit)
        n = sizeof p->refused_unit - 1;
    memcpy(p->refused_unit, u, n);
    p->refused_unit[n] = '\0';
}

/* Parses a number and the unit letters that end s[0..n) into grams. */
proto_num proto_weight_unit(proto_parser *p, const char *s, size_t n, int64_t *grams)
{
    proto_unit unit;
    int64_t v;
    int d;
    size_t u;

    while (n > 0 && is_blank(s[n - 1]))
        n--;
    u = n;
    while (u > 0 && is_unit_char(s[u - 1]))
        u--;
    if (u == n)
        return PROTO_NUM_BAD;
    if (!proto_unit_span(s + u, n - u, &unit)) {
        if (p != NULL && proto_number(s, u, &v, &d) != PROTO_NUM_BAD)
            refuse_unit(p, s + u, n - u);
        return PROTO_NUM_BAD;
    }
    if (unit == PROTO_UNIT_OZ) {
        for (size_t i = 0; i < u; i++)
            if (is_alpha(s[i]))
                return pounds_ounces(s, u, grams);
    }
    return proto_weight(s, u, unit, grams);
}

/* Stores a weight, an impossible reading, or skips the frame; see proto.h. */
bool proto_weight_result(proto_parser *p, proto_num r, proto_reading *out)
{
    switch (r) {
    case PROTO_NUM_OK:
        out->has_weight = true;
        return true;
    case PROTO_NUM_HUGE:
        out->has_weight = false;
        out->grams = 0;
        out->status = PROTO_IMPOSSIBLE;
        return true;
    case PROTO_NUM_BAD:
        break;
    }
    return proto_skip(p);
}

const char *proto_refused_unit(const proto_parser *p)
{
    return p->refused_unit[0] != '\0' ? p->refused_unit : NULL;
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

/* An "ST"/"US" header and a weight with its unit; see proto.h. */
bool proto_st_us_weight(proto_parser *p, const char *s, size_t n, size_t i,
                        proto_reading *out)
{
    if (n < 2 || (memcmp(s, "ST", 2) != 0 && memcmp(s, "US", 2) != 0))
        return proto_skip(p);
    out->stable = s[0] == 'S';
    out->moving = !out->stable;
    return proto_weight_result(p, proto_weight_unit(p, s + i, n - i, &out->grams), out);
}
