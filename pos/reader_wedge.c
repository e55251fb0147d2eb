/* reader_wedge: card readers left as keyboards; a fast burst ending in Enter is a card. */
#include "pos/reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* A reader types a whole number and Enter with keys config.burst_ms or less
 * apart; a person is slower. Keys that may be part of a card are held back
 * until the burst is over: a burst of at least config.min_len of them ending
 * in Enter is a card, anything else is handed back as keys (late by at most
 * burst_ms, which nobody notices). */
struct wedge_state {
    int held[READER_RAW_MAX];
    size_t n;
    int64_t last_ms;        /* when the last held key came */
    struct termios saved;   /* the terminal as it was, when we changed it */
    int restore_tty;
};

/* Whether key ends a number: Enter as a byte or as curses' KEY_ENTER. */
static int is_enter(int key)
{
    return key == '\r' || key == '\n' || key == READER_KEY_ENTER;
}

/* Whether key may be part of a card number (decimal, hex or W26). */
static int is_card_char(int key)
{
    return (key >= '0' && key <= '9') || (key >= 'A' && key <= 'F') ||
           (key >= 'a' && key <= 'f') || key == ',';
}

/* Hands the held keys back as keys a person typed. */
static void flush_keys(reader *r, struct wedge_state *s)
{
    for (size_t i = 0; i < s->n; i++)
        reader_push_key(r, s->held[i], s->last_ms);
    s->n = 0;
}

/* Hands held keys back once their burst is over. */
static void tick(reader *r, struct wedge_state *s, int64_t now)
{
    if (s->n > 0 && now - s->last_ms > r->cfg.burst_ms)
        flush_keys(r, s);
}

/* Takes one key typed at now. */
static void take_key(reader *r, struct wedge_state *s, int key, int64_t now)
{
    tick(r, s, now);
    if (is_enter(key) && s->n >= (size_t)r->cfg.min_len) {
        char raw[READER_RAW_MAX + 1];
        for (size_t i = 0; i < s->n; i++)
            raw[i] = (char)s->held[i];
        raw[s->n] = '\0';
        s->n = 0;
        reader_push_card(r, raw, now);
    } else if (is_card_char(key)) {
        if (s->n == READER_RAW_MAX)
            flush_keys(r, s);
        s->held[s->n++] = key;
        s->last_ms = now;
    } else {
        flush_keys(r, s);
        reader_push_key(r, key, now);
    }
}

/* Puts a terminal in raw mode; the state is r->be, freed by wedge_close(). */
static cp_err wedge_open(reader *r)
{
    struct wedge_state *s = calloc(1, sizeof *s);

    if (!s)
        return cp_fail(CP_ERR_NOMEM, "no memory for the keyboard reader");
    /* On a terminal: keys one by one, not echoed, so card numbers do not show. */
    if (r->cfg.fd >= 0 && isatty(r->cfg.fd) && tcgetattr(r->cfg.fd, &s->saved) == 0) {
        struct termios raw = s->saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(r->cfg.fd, TCSANOW, &raw) == 0)
            s->restore_tty = 1;
    }
    r->be = s;
    reader_set_status(r, CP_OK, "reader ready (keyboard)");
    return CP_OK;
}

/* Sleeps ms milliseconds (for the keyboard fed by reader_feed_key). */
static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Reads keys (waiting up to max_ms, less while a burst is held) and sorts them. */
static cp_err wedge_wait(reader *r, int max_ms)
{
    struct wedge_state *s = r->be;
    int64_t now = reader_now(r);
    int wait_ms = max_ms;
    unsigned char buf[256];
    ssize_t n;

    if (s->n > 0)
        reader_lower_timeout(&wait_ms, s->last_ms + r->cfg.burst_ms + 1 - now);
    if (r->cfg.fd < 0) {
        /* keys come from reader_feed_key(): only time passes here */
        if (wait_ms != 0)
            sleep_ms(wait_ms < 0 ? 100 : wait_ms);
        tick(r, s, reader_now(r));
        return CP_OK;
    }

    struct pollfd pfd = {.fd = r->cfg.fd, .events = POLLIN};
    int ready = poll(&pfd, 1, wait_ms);
    if (ready < 0 && errno != EINTR)
        return cp_fail(CP_ERR_IO, "waiting for keys: %s", strerror(errno));
    now = reader_now(r);
    if (ready > 0) {
        n = read(r->cfg.fd, buf, sizeof buf);
        if (n == 0) {
            flush_keys(r, s);
            r->ended = 1;
            reader_set_status(r, CP_ERR_DISCONNECTED, "end of keyboard input");
            return CP_OK;
        }
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            return cp_fail(CP_ERR_IO, "reading keys: %s", strerror(errno));
        for (ssize_t i = 0; i < n; i++)
            take_key(r, s, buf[i], now);
    }
    tick(r, s, now);
    return CP_OK;
}

/* The descriptor, if any, and the end of a held burst as the timeout. */
static int wedge_pollfds(reader *r, struct pollfd *fds, int max, int *timeout_ms)
{
    struct wedge_state *s = r->be;
    int nfds = 0;

    if (s->n > 0)
        reader_lower_timeout(timeout_ms, s->last_ms + r->cfg.burst_ms + 1 - reader_now(r));
    if (r->cfg.fd >= 0 && max >= 1) {
        fds[0] = (struct pollfd){.fd = r->cfg.fd, .events = POLLIN};
        nfds = 1;
    }
    return nfds;
}

/* Takes a key the caller read itself (fd -1, e.g. from curses). */
static cp_err wedge_feed_key(reader *r, int key)
{
    take_key(r, r->be, key, reader_now(r));
    return CP_OK;
}

/* Restores the terminal and frees the state; the descriptor stays the caller's. */
static void wedge_close(reader *r)
{
    struct wedge_state *s = r->be;

    if (s && s->restore_tty)
        tcsetattr(r->cfg.fd, TCSANOW, &s->saved);
    free(s);
    r->be = NULL;
}

const struct reader_ops reader_wedge_ops = {
    .name = "keyboard",
    .open = wedge_open,
    .wait = wedge_wait,
    .pollfds = wedge_pollfds,
    .feed_key = wedge_feed_key,
    .close = wedge_close,
};
