/* reader_stdin: the card reader that reads one card number per line from a descriptor. */
#include "pos/reader.h"
#include "core/nls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct stdin_state {
    char line[READER_RAW_MAX + 1];
    size_t len;
    int overlong; /* the current line did not fit */
};

/* Starts with an empty line; the state is r->be, freed by stdin_close(). */
static cp_err stdin_open(reader *r)
{
    r->be = calloc(1, sizeof(struct stdin_state));
    if (!r->be)
        return cp_fail(CP_ERR_NOMEM, "no memory for the stdin reader");
    reader_set_status(r, CP_OK, "reader ready (card numbers on standard input)");
    return CP_OK;
}

/* Queues the line collected so far, if it has anything but blanks. */
static void end_line(reader *r, struct stdin_state *s)
{
    int64_t now = reader_now(r);

    while (s->len > 0 && (s->line[s->len - 1] == '\r' || s->line[s->len - 1] == ' ' ||
                          s->line[s->len - 1] == '\t'))
        s->len--;
    s->line[s->len] = '\0';
    if (s->overlong) {
        reader_event *ev = reader_push_invalid(r, s->line, _("line too long for a card number"),
                                               now);
        if (ev)
            ev->cut = 1; /* its start must not pass for a command (station) */
    } else if (strspn(s->line, " \t") < s->len) {
        reader_push_card(r, s->line, now);
    }
    s->len = 0;
    s->overlong = 0;
}

/* Reads what the descriptor has (waiting up to max_ms) and queues each whole line. */
static cp_err stdin_wait(reader *r, int max_ms)
{
    struct stdin_state *s = r->be;
    struct pollfd pfd = {.fd = r->cfg.fd, .events = POLLIN};
    char buf[512];
    ssize_t n;
    int ready = poll(&pfd, 1, max_ms);

    if (ready < 0 && errno != EINTR)
        return cp_fail(CP_ERR_IO, "waiting for card numbers: %s", strerror(errno));
    if (ready <= 0)
        return CP_OK;
    n = read(r->cfg.fd, buf, sizeof buf);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return CP_OK;
        return cp_fail(CP_ERR_IO, "reading card numbers: %s", strerror(errno));
    }
    if (n == 0) {
        if (s->len > 0 || s->overlong)
            end_line(r, s);
        r->ended = 1;
        reader_set_status(r, CP_ERR_DISCONNECTED, "end of card numbers on standard input");
        return CP_OK;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n')
            end_line(r, s);
        else if (s->len < READER_RAW_MAX)
            s->line[s->len++] = buf[i];
        else
            s->overlong = 1;
    }
    return CP_OK;
}

/* The descriptor to poll; no timer of its own. */
static int stdin_pollfds(reader *r, struct pollfd *fds, int max, int *timeout_ms)
{
    (void)timeout_ms;
    if (max < 1)
        return 0;
    fds[0] = (struct pollfd){.fd = r->cfg.fd, .events = POLLIN};
    return 1;
}

/* Frees the state; the descriptor stays the caller's. */
static void stdin_close(reader *r)
{
    free(r->be);
    r->be = NULL;
}

const struct reader_ops reader_stdin_ops = {
    .name = "stdin",
    .open = stdin_open,
    .wait = stdin_wait,
    .pollfds = stdin_pollfds,
    .close = stdin_close,
};
