/* station_link: one scale on a serial port: polling, parsing, and reconnecting by itself after an unplug. */
#include "scale/station_link.h"
#include "core/nls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct station_link {
    char *port;
    const proto_ops *ops;
    proto_serial serial;
    proto_opts opts;
    int poll_ms;
    serial_port *sp;
    proto_parser parser;
    uint64_t skipped_before; /* from parsers of earlier connections */
    int64_t next_try_ms;     /* disconnected: when to try to open again */
    int64_t next_poll_ms;    /* polled: when to send the next poll */
    bool awaiting;           /* polled: a poll is unanswered */
    int64_t polled_at_ms;
    unsigned transitions;    /* connects and disconnects so far */
    int64_t lost_ms;         /* when the port was lost, 0 if never */
    uint8_t in[256];         /* the last read; in[in_off..in_len) not parsed yet */
    size_t in_len, in_off;   /* (a caller's array filled up before its end) */
    char status[512];
};

int64_t station_link_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Tries to open the port once; on failure records why in the status and
 * returns the error. */
static cp_err try_open(station_link *l)
{
    cp_err err = serial_open(l->port, &l->serial, &l->sp);

    if (err) {
        l->sp = NULL;
        snprintf(l->status, sizeof l->status, _("scale disconnected: %s"), cp_detail());
        l->next_try_ms = station_link_now_ms() + STATION_LINK_RETRY_MS;
        return err;
    }
    l->transitions++;
    l->skipped_before += l->parser.skipped;
    proto_init(&l->parser, l->ops, &l->opts);
    serial_flush(l->sp);
    l->awaiting = false;
    l->next_poll_ms = 0;
    if (l->lost_ms > 0)
        snprintf(l->status, sizeof l->status, _("scale connected (%s, %s) again after %lld ms"),
                 l->port, serial_backend_name(l->sp),
                 (long long)(station_link_now_ms() - l->lost_ms));
    else
        snprintf(l->status, sizeof l->status, _("scale connected (%s, %s)"), l->port,
                 serial_backend_name(l->sp));
    l->lost_ms = 0;
    return CP_OK;
}

/* Forgets the port after an unplug; the link tries again later. */
static void lose(station_link *l, const char *why)
{
    serial_close(l->sp);
    l->sp = NULL;
    l->in_len = l->in_off = 0;
    l->transitions++;
    l->lost_ms = station_link_now_ms();
    snprintf(l->status, sizeof l->status, _("scale disconnected: %s"), why);
    l->next_try_ms = station_link_now_ms() + STATION_LINK_RETRY_MS;
}

cp_err station_link_open(const station_link_cfg *cfg, station_link **out)
{
    station_link *l = NULL;
    cp_err err;

    *out = NULL;
    if (!cfg->port || !*cfg->port)
        return cp_fail(CP_ERR_INVALID, "no scale port: give --port DEV (see "
                       "`cleanplate-scale list-ports`)");
    if (!cfg->ops)
        return cp_fail(CP_ERR_INVALID, "no scale protocol: give --protocol (or auto)");
    if (!(l = calloc(1, sizeof *l)) || !(l->port = strdup(cfg->port))) {
        free(l);
        return cp_fail(CP_ERR_NOMEM, "out of memory for the scale link");
    }
    l->ops = cfg->ops;
    l->serial = cfg->serial.baud > 0 ? cfg->serial : cfg->ops->serial;
    l->opts = cfg->opts;
    l->poll_ms = cfg->poll_ms > 0 ? cfg->poll_ms : STATION_LINK_POLL_MS;
    proto_init(&l->parser, l->ops, &l->opts);
    err = try_open(l);
    if (err == CP_ERR_INVALID || err == CP_ERR_UNSUPPORTED || err == CP_ERR_NOMEM) {
        /* bad settings never get better by retrying */
        station_link_close(l);
        return err;
    }
    *out = l;
    return CP_OK;
}

void station_link_close(station_link *l)
{
    if (!l)
        return;
    serial_close(l->sp);
    free(l->port);
    free(l);
}

/* Sends what the protocol needs now: a CAS DC1, or a poll when one is due. */
static void send_due(station_link *l, int64_t now)
{
    const char *reply = proto_take_reply(&l->parser);
    cp_err err = CP_OK;

    if (reply)
        err = serial_write(l->sp, reply, strlen(reply), 200);
    if (!err && l->ops->polled && l->ops->poll && now >= l->next_poll_ms &&
        (!l->awaiting || now - l->polled_at_ms >= STATION_LINK_REPLY_MS)) {
        err = serial_write(l->sp, l->ops->poll, strlen(l->ops->poll), 200);
        l->awaiting = true;
        l->polled_at_ms = now;
        l->next_poll_ms = now + l->poll_ms;
    }
    if (err == CP_ERR_DISCONNECTED)
        lose(l, cp_detail());
}

cp_err station_link_step(station_link *l, int timeout_ms, proto_reading *out, size_t cap,
                         size_t *n, bool *changed)
{
    int64_t now = station_link_now_ms(), until = now + (timeout_ms > 0 ? timeout_ms : 0);
    unsigned was = l->transitions;

    *n = 0;
    if (changed)
        *changed = false;
    for (;;) {
        size_t got = 0;
        int wait;
        cp_err err;

        now = station_link_now_ms();
        if (!l->sp) {
            if (now >= l->next_try_ms && try_open(l) == CP_OK)
                continue;
            wait = (int)((l->next_try_ms < until ? l->next_try_ms : until) - now);
            if (wait > 0) {
                struct timespec ts = {wait / 1000, (long)(wait % 1000) * 1000000L};
                nanosleep(&ts, NULL);
            }
            if (station_link_now_ms() >= until)
                break;
            continue;
        }
        send_due(l, now);
        if (!l->sp)
            continue;
        wait = (int)(until - now);
        if (l->ops->polled && l->ops->poll) {
            int64_t due = l->awaiting ? l->polled_at_ms + STATION_LINK_REPLY_MS : l->next_poll_ms;
            if (due - now < wait)
                wait = (int)(due - now);
        }
        if (wait < 1)
            wait = 1;
        if (l->in_off == l->in_len) { /* all of the last read is parsed: read more */
            err = serial_read(l->sp, l->in, sizeof l->in, (unsigned)wait, &got);
            if (err == CP_ERR_DISCONNECTED || err == CP_ERR_IO || err == CP_ERR_DEVICE ||
                err == CP_ERR_NOT_FOUND) {
                lose(l, cp_detail());
                continue;
            }
            if (err)
                return err;
            l->in_len = got;
            l->in_off = 0;
        }
        /* as many readings as out holds; the rest of the bytes wait for the next call */
        while (l->in_off < l->in_len && *n < cap) {
            if (proto_push(&l->parser, l->in[l->in_off++], &out[*n])) {
                (*n)++;
                l->awaiting = false;
            }
        }
        if (*n > 0 || station_link_now_ms() >= until)
            break;
    }
    if (changed)
        *changed = was != l->transitions;
    return CP_OK;
}

bool station_link_connected(const station_link *l)
{
    return l->sp != NULL;
}

const char *station_link_status(const station_link *l)
{
    return l->status;
}

cp_err station_link_send(station_link *l, const char *cmd)
{
    cp_err err;

    if (!cmd)
        return cp_fail(CP_ERR_UNSUPPORTED, "the %s protocol has no such command", l->ops->title);
    if (!l->sp)
        return cp_fail(CP_ERR_DISCONNECTED, "scale disconnected: cannot send a command");
    err = serial_write(l->sp, cmd, strlen(cmd), 500);
    if (err == CP_ERR_DISCONNECTED)
        lose(l, cp_detail());
    return err;
}

cp_err station_link_line(station_link *l, proto_serial *out)
{
    if (!l->sp)
        return cp_fail(CP_ERR_DISCONNECTED, "scale disconnected");
    return serial_line(l->sp, out);
}

uint64_t station_link_skipped(const station_link *l)
{
    return l->skipped_before + l->parser.skipped;
}

const char *station_link_refused_unit(const station_link *l)
{
    return proto_refused_unit(&l->parser);
}
