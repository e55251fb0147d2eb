/* probe: finds which protocol a scale on a port speaks: polled protocols first, then streams. */
#include "scale/probe.h"

#include <string.h>

#include "core/nls.h"
#include "scale/serial.h"
#include "scale/station_link.h"

#define PROBE_MAX 16

/* Says "WHAT at 9600 8N1: " on log. */
static void say(FILE *log, const char *what, const proto_serial *s)
{
    if (log) {
        fprintf(log, _("%s at %d %d%c%d: "), _(what), s->baud, s->bits, s->parity, s->stop);
        fflush(log);
    }
}

static bool same_line(const proto_serial *a, const proto_serial *b)
{
    return a->baud == b->baud && a->bits == b->bits && a->parity == b->parity &&
           a->stop == b->stop;
}

/* Sends ops's poll on an open port and counts the readings that come back
 * within PROBE_REPLY_MS; CAS-style replies are answered. */
static cp_err try_poll(serial_port *sp, const proto_ops *ops, const proto_opts *opts,
                       unsigned *readings, uint64_t *skipped)
{
    int64_t until = station_link_now_ms() + PROBE_REPLY_MS;
    proto_parser p;
    uint8_t buf[256];
    cp_err err;

    proto_init(&p, ops, opts);
    serial_flush(sp);
    /* end whatever half command earlier probes left in a line-based scale's buffer */
    if (strchr(ops->poll, '\r') && (err = serial_write(sp, "\r\n", 2, 200)))
        return err;
    if ((err = serial_write(sp, ops->poll, strlen(ops->poll), 200)))
        return err;
    while (*readings == 0) {
        int64_t now = station_link_now_ms();
        size_t got = 0;
        const char *reply;
        if (now >= until)
            break;
        if ((err = serial_read(sp, buf, sizeof buf, (unsigned)(until - now), &got)))
            return err;
        for (size_t i = 0; i < got; i++) {
            proto_reading r;
            if (proto_push(&p, buf[i], &r))
                (*readings)++;
        }
        if ((reply = proto_take_reply(&p)) &&
            (err = serial_write(sp, reply, strlen(reply), 200)))
            return err;
    }
    *skipped = p.skipped;
    return CP_OK;
}

cp_err probe_port(const char *path, const proto_serial *line, const proto_opts *opts,
                  FILE *log, probe_result *out)
{
    const proto_ops *const *all = proto_list();
    proto_serial tried[PROBE_MAX];
    size_t ntried = 0;
    serial_port *sp = NULL;
    cp_err err = CP_OK;

    memset(out, 0, sizeof *out);
    /* 1. polled protocols, each at its own line settings */
    for (const proto_ops *const *o = all; *o; o++) {
        const proto_ops *ops = *o;
        proto_serial s = line ? *line : ops->serial;
        unsigned readings = 0;
        uint64_t skipped = 0;
        if (!ops->polled || !ops->poll)
            continue;
        if ((err = serial_open(path, &s, &sp)))
            goto out; /* before saying what is tried: the error is then one line */
        if (log)
            fprintf(log, _("probing %s"), ops->name);
        say(log, "", &s);
        err = try_poll(sp, ops, opts, &readings, &skipped);
        serial_close(sp);
        sp = NULL;
        if (err)
            goto out;
        if (readings > 0 && readings > skipped) {
            if (log)
                fprintf(log, _("answered\n"));
            *out = (probe_result){ops, s, true, readings};
            goto found;
        }
        if (log)
            fprintf(log, _("no answer\n"));
    }
    /* 2. listen for a stream, once per line setting, feeding every parser of it */
    for (const proto_ops *const *o = all; *o; o++) {
        proto_serial s = line ? *line : (*o)->serial;
        proto_parser parsers[PROBE_MAX];
        const proto_ops *cands[PROBE_MAX];
        unsigned counts[PROBE_MAX] = {0};
        size_t nc = 0, best = PROBE_MAX;
        int64_t until;
        bool seen = false;
        for (size_t i = 0; i < ntried; i++)
            seen |= same_line(&tried[i], &s);
        if (seen || ntried == PROBE_MAX)
            continue;
        tried[ntried++] = s;
        for (const proto_ops *const *q = all; *q && nc < PROBE_MAX; q++) {
            proto_serial qs = line ? *line : (*q)->serial;
            if (same_line(&qs, &s)) {
                cands[nc] = *q;
                proto_init(&parsers[nc++], *q, opts);
            }
        }
        if ((err = serial_open(path, &s, &sp)))
            goto out;
        say(log, N_("listening for a stream"), &s);
        serial_flush(sp);
        until = station_link_now_ms() + PROBE_LISTEN_MS;
        for (;;) {
            int64_t now = station_link_now_ms();
            uint8_t buf[256];
            size_t got = 0;
            if (now >= until)
                break;
            if ((err = serial_read(sp, buf, sizeof buf, (unsigned)(until - now), &got)))
                goto out;
            for (size_t k = 0; k < got; k++)
                for (size_t i = 0; i < nc; i++) {
                    proto_reading r;
                    if (proto_push(&parsers[i], buf[k], &r))
                        counts[i]++;
                }
        }
        serial_close(sp);
        sp = NULL;
        for (size_t i = 0; i < nc; i++)
            if (counts[i] >= 2 && counts[i] > parsers[i].skipped &&
                (best == PROBE_MAX || counts[i] > counts[best]))
                best = i;
        if (best < PROBE_MAX) {
            if (log)
                fprintf(log, _("%u frames of %s\n"), counts[best], cands[best]->name);
            *out = (probe_result){cands[best], s, false, counts[best]};
            goto found;
        }
        if (log)
            fprintf(log, _("nothing that parses\n"));
    }
    err = cp_fail(CP_ERR_NOT_FOUND, "no scale protocol answered on %s: check that the scale "
                  "is on and its cable plugged in, and the scale's baud rate and framing "
                  "(give --baud and --framing if they are not the protocol's defaults)", path);
    goto out;
found:
    if (log)
        fprintf(log, _("found %s (%s) at %d %d%c%d, %s\n"), out->ops->title, out->ops->name,
                out->serial.baud, out->serial.bits, out->serial.parity, out->serial.stop,
                out->polled ? "polled" : "streaming");
out:
    serial_close(sp);
    return err;
}
