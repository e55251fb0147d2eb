/* stable: turns a stream of scale readings into one settled weight per placement. */
#include "scale/stable.h"

#include <string.h>

/* Fills cfg with defaults for a 1-5 g resolution scale. */
void stable_defaults(stable_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->band_g = 2;
    cfg->window_ms = 800;
    cfg->zero_band_g = 10;
    cfg->max_gap_ms = 1000;
}

/* Prepares s; cfg NULL means the defaults. */
void stable_init(stable *s, const stable_cfg *cfg)
{
    memset(s, 0, sizeof *s);
    if (cfg != NULL)
        s->cfg = *cfg;
    else
        stable_defaults(&s->cfg);
    s->armed = s->cfg.start_armed;
}

/* Opens a new window at this reading. */
static void run_start(stable *s, proto_status st, int64_t grams, int64_t now)
{
    s->in_run = true;
    s->run_status = st;
    s->anchor_g = grams;
    s->start_ms = now;
    s->sum_g = grams;
    s->count = 1;
}

/* |v| (weights never reach INT64_MIN). */
static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* Mean of the window, rounded half away from zero. */
static int64_t run_mean(const stable *s)
{
    return s->sum_g >= 0 ? (s->sum_g + s->count / 2) / s->count
                         : -((-s->sum_g + s->count / 2) / s->count);
}

/* Fills *ev with the settled placement and disarms until the scale is empty. */
static bool settle(stable *s, const proto_reading *r, int64_t now, stable_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = STABLE_SETTLED;
    ev->status = s->run_status;
    ev->grams = s->run_status == PROTO_OK ? run_mean(s) : 0;
    ev->net = r->net;
    ev->at_ms = now;
    s->armed = false;
    return true;
}

/* Out of range upwards: overload, or a number no canteen scale shows. Both
 * are held for T ms and then settle with their status, so that the station
 * records the weighing flagged instead of losing it. */
static bool out_of_range(proto_status st)
{
    return st == PROTO_OVERLOAD || st == PROTO_IMPOSSIBLE;
}

/* Feeds one reading; see stable.h. */
bool stable_push(stable *s, const proto_reading *r, int64_t now_ms, stable_event *ev)
{
    /* A reading the scale marks as moving never settles, whatever the
     * protocol and even when its stable flag is ignored: ignore_scale_flag
     * is for frames that carry no mark at all (CAS 10-byte weights). */
    bool long_enough, flag_ok = !r->moving && (r->stable || s->cfg.ignore_scale_flag);

    if (s->in_run && (now_ms < s->last_ms || now_ms - s->last_ms > s->cfg.max_gap_ms))
        s->in_run = false;
    s->last_ms = now_ms;

    if (out_of_range(r->status)) {
        if (!s->in_run || s->run_status != r->status)
            run_start(s, r->status, 0, now_ms);
        if (s->armed && !r->moving && now_ms - s->start_ms >= s->cfg.window_ms)
            return settle(s, r, now_ms, ev);
        return false;
    }
    if (r->status != PROTO_OK || !r->has_weight) {
        s->in_run = false; /* underload, error, or moving without a weight */
        return false;
    }
    if (abs64(r->grams) <= s->cfg.zero_band_g) {
        s->in_run = false;
        if (s->armed)
            return false;
        s->armed = true;
        memset(ev, 0, sizeof *ev);
        ev->kind = STABLE_EMPTY;
        ev->at_ms = now_ms;
        return true;
    }
    if (!s->in_run || s->run_status != PROTO_OK ||
        abs64(r->grams - s->anchor_g) > s->cfg.band_g) {
        run_start(s, PROTO_OK, r->grams, now_ms);
    } else {
        s->sum_g += r->grams;
        s->count++;
    }
    long_enough = now_ms - s->start_ms >= s->cfg.window_ms;
    if (s->armed && long_enough && flag_ok)
        return settle(s, r, now_ms, ev);
    return false;
}
