/* proto: serial scale protocols behind one ops table, each a pure incremental parser. */
#ifndef CP_SCALE_PROTO_H
#define CP_SCALE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* What the scale says about a reading. */
typedef enum proto_status {
    PROTO_OK = 0,
    PROTO_OVERLOAD,   /* over capacity (or out of range on the positive side) */
    PROTO_UNDERLOAD,  /* under zero beyond the scale's range */
    PROTO_ERROR,      /* the scale answered with an error or cannot weigh now */
    PROTO_IMPOSSIBLE, /* a frame we know, with a number no canteen scale can show:
                         it overflowed, or it is beyond PROTO_MAX_GRAMS */
} proto_status;

/*
 * The heaviest weight a reading may carry: 1,000 kg. A canteen weighs trays
 * (under 5 kg) and kitchen bins; the largest scale a station is set up with is
 * a floor scale for waste bins, and 1,000 kg is above the capacity of any of
 * them (the station's own capacity_g defaults to 30 kg). Anything heavier is
 * a frame gone wrong (`ST,+9999999999 kg` was once recorded as a
 * 9,999,999,999,000 g tray) and comes out as PROTO_IMPOSSIBLE, never as a
 * weight. It also keeps every sum of readings (stable.c) far from overflow.
 */
#define PROTO_MAX_GRAMS INT64_C(1000000)

/* One reading as the scale reported it. grams is meaningful only when
 * has_weight is true: status frames (Toledo 8217 "?" replies, MT-SICS "S +",
 * A&D "OL") carry no usable weight. stable and moving are the scale's own
 * marks; both false means the frame says nothing about motion (CAS 10-byte
 * weights, MT-SICS "S +", A&D "OL"). */
typedef struct proto_reading {
    int64_t grams;
    bool has_weight;
    bool stable; /* the scale says the weight is at rest */
    bool moving; /* the scale says the weight is moving: never settle on it */
    bool net;    /* the scale says this is a net (tared) weight; false when unknown */
    proto_status status;
} proto_reading;

/* Units a weight may come in; all are converted to grams (proto_grams). */
typedef enum proto_unit {
    PROTO_UNIT_KG = 0, /* first, so that zeroed options mean kg */
    PROTO_UNIT_G,
    PROTO_UNIT_LB,
    PROTO_UNIT_OZ,  /* avoirdupois ounce, 1/16 lb */
    PROTO_UNIT_OZT, /* troy ounce */
    PROTO_UNIT_DWT, /* pennyweight, 1/20 troy ounce */
    PROTO_UNIT_GN,  /* grain */
    PROTO_UNIT_CT,  /* metric carat */
    PROTO_UNIT_MOM, /* momme */
    PROTO_UNIT_MG,
    PROTO_UNIT_T,   /* metric tonne */
} proto_unit;

/* Serial line settings; parity is 'N', 'E' or 'O'. */
typedef struct proto_serial {
    int baud;
    int bits;
    char parity;
    int stop;
} proto_serial;

/* Per-port options for the parsers. Zero-initialised means the defaults. */
typedef struct proto_opts {
    /* Unit of frames that carry none (Toledo 8217), as set on the scale. */
    proto_unit unit;
    /* Toledo continuous: frames end with a checksum byte; verify it and
     * emit the reading only after it. Off: emit at CR, ignore one byte after. */
    bool checksum;
} proto_opts;

#define PROTO_BUF_MAX 64

struct proto_ops;

/* Parser state; plain data, so it can live on the stack (see proto_init). */
typedef struct proto_parser {
    const struct proto_ops *ops;
    proto_opts opts;
    uint8_t buf[PROTO_BUF_MAX];
    size_t len;
    int state;         /* protocol-specific */
    bool overflow;     /* discarding the rest of an over-long frame */
    const char *reply; /* bytes the host must send now (CAS: DC1 after ACK) */
    uint64_t readings; /* readings produced */
    uint64_t skipped;  /* frames that did not parse */
    char refused_unit[8]; /* the last unit a frame came in that we do not
                             convert ("tl", "pcs", "%"), or "" */
} proto_parser;

/* One protocol. Command strings are sent as they are (NUL-free), NULL when
 * the protocol has no such command. */
typedef struct proto_ops {
    const char *name;  /* short name used in config: "mtsics" */
    const char *title; /* for people: "Mettler Toledo MT-SICS" */
    proto_serial serial;
    bool polled;       /* the scale answers polls; otherwise it streams */
    const char *poll;  /* asks for one reading (also sent to streaming scales: NULL) */
    const char *tare;
    const char *zero;
    const char *clear; /* clears the tare */
    /* Feeds one byte; returns true and fills *out when it ends a reading. */
    bool (*push)(proto_parser *p, uint8_t c, proto_reading *out);
} proto_ops;

extern const proto_ops proto_mtsics;
extern const proto_ops proto_toledo8217;
extern const proto_ops proto_toledocont;
extern const proto_ops proto_and;
extern const proto_ops proto_cas;
extern const proto_ops proto_cas_stream;
extern const proto_ops proto_ohaus;

/* All protocols, polled ones first (the order `--protocol auto` probes in),
 * NULL-terminated. Static storage. */
const proto_ops *const *proto_list(void);

/* The protocol called name, or NULL. Static storage. */
const proto_ops *proto_find(const char *name);

/* Like proto_find, but fails with CP_ERR_NOT_FOUND and a detail listing
 * the known names. */
cp_err proto_lookup(const char *name, const proto_ops **out);

/* Prepares p for ops; opts may be NULL for the defaults. Needs no cleanup. */
void proto_init(proto_parser *p, const proto_ops *ops, const proto_opts *opts);

/* Feeds one byte; returns true and fills *out when a reading is complete.
 * Bytes that do not parse are skipped (counted in p->skipped), never fatal. */
bool proto_push(proto_parser *p, uint8_t c, proto_reading *out);

/* Feeds up to len bytes, storing at most cap readings in out[] and their
 * number in *n. Returns the number of bytes consumed: less than len only
 * when out[] became full; feed the rest in the next call. */
size_t proto_feed(proto_parser *p, const void *buf, size_t len,
                  proto_reading *out, size_t cap, size_t *n);

/* Bytes the host must send to the scale now (e.g. CAS DC1 after the scale's
 * ACK), or NULL; clears them. Static storage. */
const char *proto_take_reply(proto_parser *p);

/* Parses a unit name ("g", "kg", "lb", "lbs", "oz", "ozt", "dwt", "GN",
 * "ct", "mom", "mg", "t"; case-insensitive). */
cp_err proto_unit_parse(const char *name, proto_unit *out);

/* The unit's usual short name ("g", "kg", "lb"). Static storage. */
const char *proto_unit_name(proto_unit u);

/* Text for a status ("ok", "overload", "underload", "error", "impossible").
 * Static storage. */
const char *proto_status_name(proto_status s);

/* Converts value * 10^-decimals in unit to whole grams, rounding half away
 * from zero, with the units' exact definitions (1 lb = 453.59237 g, 1 ozt =
 * 31.1034768 g, 1 gr = 64.79891 mg ...). Fails when |value| has more than 10
 * digits or decimals is outside 0..9, so nothing can overflow. Integer
 * arithmetic only. Does not apply PROTO_MAX_GRAMS (proto_weight does). */
bool proto_grams(int64_t value, int decimals, proto_unit unit, int64_t *grams);

/* ---- helpers for the protocol files ------------------------------------ */

/* What became of a number in a frame. */
typedef enum proto_num {
    PROTO_NUM_BAD = 0, /* not a number: the frame is skipped */
    PROTO_NUM_OK,
    PROTO_NUM_HUGE,    /* a number, but more digits than any scale shows, or a
                          weight beyond PROTO_MAX_GRAMS: PROTO_IMPOSSIBLE */
} proto_num;

/* Parses a decimal number in s[0..n): optional blanks, optional sign, optional
 * blanks, digits with at most one '.', optional blanks. More than 10
 * significant digits is PROTO_NUM_HUGE (*value untouched); more than 9
 * decimals is PROTO_NUM_BAD. */
proto_num proto_number(const char *s, size_t n, int64_t *value, int *decimals);

/* Parses a unit in s[0..n) (blanks around it ignored). */
bool proto_unit_span(const char *s, size_t n, proto_unit *out);

/* PROTO_NUM_OK, or PROTO_NUM_HUGE when |grams| > PROTO_MAX_GRAMS. */
proto_num proto_range(int64_t grams);

/* proto_number then proto_grams; PROTO_NUM_HUGE beyond PROTO_MAX_GRAMS. */
proto_num proto_weight(const char *s, size_t n, proto_unit unit, int64_t *grams);

/* Parses a number followed by a unit, with or without blanks between them
 * ("  12.34 g", "+0012.34kg"), or pounds and ounces ("1 lb 3.5 oz"), into
 * grams. A unit we do not convert is PROTO_NUM_BAD and is remembered in
 * p->refused_unit (when the number before it parses). */
proto_num proto_weight_unit(proto_parser *p, const char *s, size_t n, int64_t *grams);

/* Stores the outcome of proto_weight*() in *out: PROTO_NUM_OK sets
 * has_weight, PROTO_NUM_HUGE makes the reading PROTO_IMPOSSIBLE without a
 * weight; both return true. PROTO_NUM_BAD skips the frame (returns false). */
bool proto_weight_result(proto_parser *p, proto_num r, proto_reading *out);

/* A&D and CAS frames: s[0..n) starts "ST" (stable) or "US" (moving) and the
 * weight with its unit is s[i..n). Fills *out and returns true; anything else
 * is skipped (proto_skip). */
bool proto_st_us_weight(proto_parser *p, const char *s, size_t n, size_t i,
                        proto_reading *out);

/* The last unit a frame came in that we do not convert ("tl", "pcs"), or
 * NULL. Owned by p. */
const char *proto_refused_unit(const proto_parser *p);

/* Collects a CR- or LF-terminated line in p->buf. Returns true when a
 * non-empty line is complete (p->len bytes, no terminator); the caller parses
 * it and calls proto_line_done(). Control bytes other than CR and LF restart
 * the line; an over-long line is counted as skipped and dropped. */
bool proto_line(proto_parser *p, uint8_t c);

/* Forgets the current line. */
void proto_line_done(proto_parser *p);

/* Counts one frame that did not parse and forgets it. Returns false, so that
 * a push function can `return proto_skip(p);`. */
bool proto_skip(proto_parser *p);

#endif
