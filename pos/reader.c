/* reader: card readers behind one ops table (USB HID via libusb, keyboard wedge, stdin, fake). */
#include "pos/reader.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/nls.h"
#include "core/utf8.h"

/* Every backend, by the name used in a spec. */
static const struct reader_ops *const reader_backends[] = {
    &reader_usb_ops,
    &reader_wedge_ops,
    &reader_stdin_ops,
    &reader_fake_ops,
};

#define N_BACKENDS (sizeof reader_backends / sizeof reader_backends[0])

void reader_config_init(reader_config *c)
{
    memset(c, 0, sizeof *c);
    c->ops = &reader_stdin_ops;
    c->format = CARDNO_AUTO;
    c->gap_ms = HIDKEYS_DEFAULT_GAP_MS;
    c->burst_ms = READER_DEFAULT_BURST_MS;
    c->min_len = READER_DEFAULT_MIN_LEN;
    c->fd = 0;
}

/* Parses "VID:PID" (1-4 hex digits each) at s, up to end; 0 on success. */
static int parse_usb_id(const char *s, const char *end, reader_usb_id *id)
{
    unsigned long v[2];

    for (int i = 0; i < 2; i++) {
        char *stop;
        size_t n = strspn(s, "0123456789abcdefABCDEF");
        if (n == 0 || n > 4 || s + n > end)
            return -1;
        v[i] = strtoul(s, &stop, 16);
        s = stop;
        if (i == 0 && (s >= end || *s++ != ':'))
            return -1;
    }
    if (s != end)
        return -1;
    id->vid = (uint16_t)v[0];
    id->pid = (uint16_t)v[1];
    return 0;
}

/* Reads the VID:PID list after "usb:" into c. */
static cp_err parse_usb_ids(reader_config *c, const char *list)
{
    const char *s = list;

    c->n_ids = 0;
    for (;;) {
        const char *end = strchr(s, ',');
        if (!end)
            end = s + strlen(s);
        if (c->n_ids == READER_MAX_IDS)
            return cp_fail(CP_ERR_INVALID, "at most %d readers in 'usb:%s'", READER_MAX_IDS,
                           list);
        if (parse_usb_id(s, end, &c->ids[c->n_ids]) != 0)
            return cp_fail(CP_ERR_INVALID,
                           "'%.*s' in 'usb:%s' is not VID:PID in hex, like ffff:0035",
                           (int)(end - s), s, list);
        c->n_ids++;
        if (*end == '\0')
            return CP_OK;
        s = end + 1;
    }
}

cp_err reader_config_parse(reader_config *c, const char *spec)
{
    const char *colon = strchr(spec, ':');
    size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
    const struct reader_ops *ops = NULL;

    for (size_t i = 0; i < N_BACKENDS; i++)
        if (strlen(reader_backends[i]->name) == name_len &&
            strncmp(spec, reader_backends[i]->name, name_len) == 0)
            ops = reader_backends[i];
    if (!ops)
        return cp_fail(CP_ERR_INVALID,
                       "unknown reader '%s' (use usb[:VID:PID[,VID:PID...]], keyboard or stdin)",
                       spec);

    if (ops == &reader_usb_ops) {
        c->n_ids = 0;
        if (colon) {
            cp_err err = parse_usb_ids(c, colon + 1);
            if (err)
                return err;
        }
    } else if (ops == &reader_fake_ops) {
        if (colon && strlen(colon + 1) >= sizeof c->script)
            return cp_fail(CP_ERR_INVALID, "fake reader script is too long");
        snprintf(c->script, sizeof c->script, "%s", colon ? colon + 1 : "");
    } else if (colon) {
        return cp_fail(CP_ERR_INVALID, "reader '%.*s' takes no options, got '%s'",
                       (int)name_len, spec, spec);
    }
    c->ops = ops;
    return CP_OK;
}

cp_err reader_open(const reader_config *c, reader **out)
{
    reader *r = NULL;
    cp_err err;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (!r)
        return cp_fail(CP_ERR_NOMEM, "no memory for a card reader");
    r->ops = c->ops ? c->ops : &reader_stdin_ops;
    r->cfg = *c;
    if (r->cfg.gap_ms <= 0)
        r->cfg.gap_ms = HIDKEYS_DEFAULT_GAP_MS;
    if (r->cfg.burst_ms <= 0)
        r->cfg.burst_ms = READER_DEFAULT_BURST_MS;
    if (r->cfg.min_len <= 0)
        r->cfg.min_len = READER_DEFAULT_MIN_LEN;
    r->state = CP_ERR_DISCONNECTED;
    snprintf(r->status, sizeof r->status, _("reader not open"));

    err = r->ops->open(r);
    if (err)
        goto out;
    *out = r;
    r = NULL;
out:
    free(r); /* after a failed open: the backend has cleaned up its part */
    return err;
}

cp_err reader_open_spec(const char *spec, const char *format, int gap_ms, reader **out)
{
    reader_config c;
    cp_err err;

    *out = NULL;
    reader_config_init(&c);
    err = reader_config_parse(&c, spec);
    if (!err && format)
        err = cardno_format_parse(format, &c.format);
    if (err)
        return err;
    if (gap_ms > 0)
        c.gap_ms = gap_ms;
    return reader_open(&c, out);
}

void reader_close(reader *r)
{
    if (!r)
        return;
    r->ops->close(r);
    free(r);
}

int64_t reader_now(const reader *r)
{
    struct timespec ts;

    if (r->cfg.now_ms)
        return r->cfg.now_ms();
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void reader_lower_timeout(int *timeout_ms, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    if (ms > INT32_MAX)
        ms = INT32_MAX;
    if (*timeout_ms < 0 || ms < *timeout_ms)
        *timeout_ms = (int)ms;
}

/* Appends a blank event of the given type to the queue; NULL when it is full. */
static reader_event *push(reader *r, reader_event_type type, int64_t at_ms)
{
    reader_event *ev;

    if (r->count == READER_QUEUE_LEN) {
        r->lost++;
        return NULL;
    }
    ev = &r->queue[(r->head + r->count++) % READER_QUEUE_LEN];
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->at_ms = at_ms;
    return ev;
}

void reader_push_card(reader *r, const char *raw, int64_t at_ms)
{
    char card[CARDNO_LEN + 1];
    cp_err err = cardno_normalize(raw, r->cfg.format, card);
    reader_event *ev = push(r, err ? READER_EV_INVALID : READER_EV_CARD, at_ms);

    if (!ev)
        return;
    utf8_copy(ev->raw, sizeof ev->raw, raw);
    if (err)
        utf8_copy(ev->text, sizeof ev->text, cp_detail());
    else
        memcpy(ev->card, card, sizeof card);
}

reader_event *reader_push_invalid(reader *r, const char *raw, const char *text, int64_t at_ms)
{
    reader_event *ev = push(r, READER_EV_INVALID, at_ms);

    if (!ev)
        return NULL;
    utf8_copy(ev->raw, sizeof ev->raw, raw);
    utf8_copy(ev->text, sizeof ev->text, text);
    return ev;
}

void reader_push_key(reader *r, int key, int64_t at_ms)
{
    reader_event *ev = push(r, READER_EV_KEY, at_ms);

    if (ev)
        ev->key = key;
}

void reader_set_status(reader *r, cp_err state, const char *fmt, ...)
{
    char text[sizeof r->status];
    reader_event *ev;
    va_list ap;

    /* worded in the user's language here: reader_set_status is an xgettext keyword */
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, _(fmt), ap);
    va_end(ap);
    if (state == r->state && strcmp(text, r->status) == 0)
        return;
    r->state = state;
    memcpy(r->status, text, sizeof text);
    ev = push(r, READER_EV_STATUS, reader_now(r));
    if (ev) {
        ev->connected = state == CP_OK;
        memcpy(ev->text, text, sizeof text);
    }
}

cp_err reader_next(reader *r, int timeout_ms, reader_event *ev)
{
    int64_t deadline = reader_now(r) + (timeout_ms > 0 ? timeout_ms : 0);

    for (int waited = 0;; waited = 1) {
        int left = -1;
        cp_err err;

        if (r->count > 0) {
            *ev = r->queue[r->head];
            r->head = (r->head + 1) % READER_QUEUE_LEN;
            r->count--;
            return CP_OK;
        }
        if (r->ended)
            return cp_fail(CP_ERR_DISCONNECTED, "%s", r->status);
        if (timeout_ms >= 0) {
            int64_t now = reader_now(r);
            left = now < deadline ? (int)(deadline - now) : 0;
            if (waited && left == 0)
                return CP_ERR_TIMEOUT;
        }
        err = r->ops->wait(r, left);
        if (err)
            return err;
    }
}

int reader_pollfds(reader *r, struct pollfd *fds, int max, int *timeout_ms)
{
    if (r->count > 0 || r->ended) {
        *timeout_ms = 0;
        return 0;
    }
    return r->ops->pollfds(r, fds, max, timeout_ms);
}

cp_err reader_feed_key(reader *r, int key)
{
    if (!r->ops->feed_key)
        return cp_fail(CP_ERR_UNSUPPORTED, "the %s reader takes no keys", r->ops->name);
    return r->ops->feed_key(r, key);
}

cp_err reader_status(const reader *r, const char **text)
{
    *text = r->status;
    return r->state;
}

const char *reader_name(const reader *r)
{
    return r->ops->name;
}
