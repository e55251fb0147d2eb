/* stable: turns a stream of scale readings into one settled weight per placement. */
#ifndef CP_SCALE_STABLE_H
#define CP_SCALE_STABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "scale/proto.h"

/* Settings; stable_defaults() fills values for a 1-5 g resolution scale. */
typedef struct stable_cfg {
    int64_t band_g;         /* d: readings stay within +-d g of the window's first */
    int64_t window_ms;      /* T: for at least this long */
    int64_t zero_band_g;    /* |weight| <= this counts as an empty scale */
    int64_t max_gap_ms;     /* a longer silence between readings restarts the window */
    bool ignore_scale_flag; /* settle on our window alone when the scale does not
                               say stable (never on a reading it marks moving) */
    bool start_armed;       /* accept a weight already on the scale at start */
} stable_cfg;

typedef enum stable_kind {
    STABLE_NONE = 0,
    STABLE_SETTLED, /* a placement settled: record it */
    STABLE_EMPTY,   /* the scale came back near zero: ready for the next one */
} stable_kind;

typedef struct stable_event {
    stable_kind kind;
    int64_t grams;       /* SETTLED with status OK: mean of the window, rounded */
    proto_status status; /* SETTLED: OK, or OVERLOAD or IMPOSSIBLE held for T ms */
    bool net;            /* the scale's net flag on the settling reading */
    int64_t at_ms;       /* time of the reading that produced the event */
} stable_event;

/* Filter state; plain data, needs no cleanup. */
typedef struct stable {
    stable_cfg cfg;
    bool armed;  /* may settle: the scale was near zero since the last one */
    bool in_run; /* a window is open */
    proto_status run_status;
    int64_t anchor_g, start_ms, last_ms, sum_g, count;
} stable;

/* Fills cfg with the defaults: d = 2 g, T = 800 ms, zero band 10 g,
 * max gap 1000 ms, scale flag used, not armed at start. */
void stable_defaults(stable_cfg *cfg);

/* Prepares s with cfg (NULL: the defaults). */
void stable_init(stable *s, const stable_cfg *cfg);

/* Feeds one reading received at now_ms (any monotonic clock, in ms).
 * Returns true and fills *ev when it settles a placement or sees the scale
 * empty again. Settled means: the scale's own stable flag on this reading
 * (unless ignore_scale_flag) and every reading of the last T ms within +-d g.
 * A reading the scale marks as moving (r->moving) never settles, not even
 * with ignore_scale_flag. Only one SETTLED per placement: after it, the
 * weight must come back within the zero band (an EMPTY event) before the
 * next. Overload, or an impossible reading, held for T ms settles with that
 * status; underload, errors and readings without a weight restart the
 * window and never settle. */
bool stable_push(stable *s, const proto_reading *r, int64_t now_ms, stable_event *ev);

#endif
