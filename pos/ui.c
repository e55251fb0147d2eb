/* ui: the cashier's full-screen terminal (ncursesw): the keys and cards each mode takes, and the loop that waits for them (the modes are in ui_modes.c, the drawing in ui_draw.c). */
#define NCURSES_WIDECHAR 1
#include "pos/ui.h"
#include "pos/ui_int.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "core/clock.h"
#include "core/nls.h"
#include "core/utf8.h"
#include "pos/screen.h"
#include "pos/shift.h"

static volatile sig_atomic_t ui_stop;

static void on_signal(int sig)
{
    (void)sig;
    ui_stop = 1;
}

int64_t ui_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Edits the focused field with a key: printable characters and Backspace. */
static int edit_field(ui *u, int key, int is_char)
{
    ui_field *f = &u->f[u->focus];
    size_t n = strlen(f->buf);

    if (!is_char && (key == KEY_BACKSPACE || key == KEY_DC)) {
        key = 127;
        is_char = 1;
    }
    if (!is_char)
        return 0;
    /* an offered value is replaced by what is typed, or cleared by
     * Backspace: typing "42" after the last sale's POS1-000003 made
     * POS1-000003 42 (review U5) */
    if (f->offered) {
        f->offered = 0;
        f->buf[0] = '\0';
        n = 0;
        u->dirty = 1;
        if (key == 127 || key == 8)
            return 1;
    }
    if (key == 127 || key == 8) {
        /* one UTF-8 character back */
        while (n > 0 && ((unsigned char)f->buf[n - 1] & 0xC0) == 0x80)
            f->buf[--n] = '\0';
        if (n > 0)
            f->buf[--n] = '\0';
        u->dirty = 1;
        return 1;
    }
    if (key >= 32 && key != 127) {
        char mb[MB_LEN_MAX];
        mbstate_t st;
        size_t len;
        memset(&st, 0, sizeof st);
        if (key < 128) {
            mb[0] = (char)key;
            len = 1;
        } else {
            len = wcrtomb(mb, (wchar_t)key, &st);
        }
        if (len != (size_t)-1 && n + len < sizeof f->buf) {
            memcpy(f->buf + n, mb, len);
            f->buf[n + len] = '\0';
            u->dirty = 1;
        }
        return 1;
    }
    return 0;
}

/* A key the cashier typed (a character when is_char, else a curses key code). */
static void on_key(ui *u, int key, int is_char)
{
    int enter = (is_char && (key == '\r' || key == '\n')) || (!is_char && key == KEY_ENTER);
    int esc = is_char && key == 27;

    if ((is_char && key == UI_KEY_QUIT) || (!is_char && key == KEY_F(12))) {
        u->quit = 1;
        return;
    }
    if (!is_char && key == KEY_RESIZE) {
        clearok(curscr, TRUE);
        u->dirty = 1;
        return;
    }
    switch (u->mode) {
    case UI_IDLE:
        if (esc) {
            u->has_result = 0;
            u->msg[0] = '\0';
            u->dirty = 1;
        } else if ((is_char && (key == 'i' || key == 'I')) || (!is_char && key == KEY_F(2))) {
            ui_go_items(u);
        } else if ((is_char && (key == 'v' || key == 'V')) || (!is_char && key == KEY_F(3))) {
            ui_go_void(u);
        } else if ((is_char && (key == 'r' || key == 'R')) || (!is_char && key == KEY_F(4))) {
            ui_go_reprint(u);
        } else if ((is_char && (key == 'z' || key == 'Z')) || (!is_char && key == KEY_F(5))) {
            ui_go_close(u);
        } else if ((is_char && (key == 'l' || key == 'L')) || (!is_char && key == KEY_F(10))) {
            ui_logout(u);
        }
        return;
    case UI_Z:
        if ((is_char && (key == 'l' || key == 'L')) || (!is_char && key == KEY_F(10))) {
            ui_logout(u);
        } else if (enter || esc) {
            ui_go_open(u);
            ui_say(u, SCREEN_NORMAL, "the next shift starts at zero: count the cash in the drawer");
        }
        return;
    case UI_ITEMS:
        if (!is_char && (key == KEY_UP || key == KEY_DOWN)) {
            u->sel += key == KEY_UP ? -1 : 1;
            if (u->sel < 0)
                u->sel = 0;
            if (u->sel >= u->nlines)
                u->sel = u->nlines > 0 ? u->nlines - 1 : 0;
            u->dirty = 1;
            return;
        }
        if (u->nlines > 0 && !u->f[0].buf[0] &&
            ((!is_char && key == KEY_DC) || (is_char && key == '-'))) {
            ui_say(u, SCREEN_NORMAL, "line %s cancelled", u->lines[u->sel].name);
            memmove(&u->lines[u->sel], &u->lines[u->sel + 1],
                    (size_t)(u->nlines - u->sel - 1) * sizeof u->lines[0]);
            u->nlines--;
            if (u->sel >= u->nlines && u->sel > 0)
                u->sel--;
            return;
        }
        if (esc) {
            if (u->weighing || u->f[0].buf[0]) {
                u->weighing = 0;
                u->f[0].label = N_("Item code (N*CODE for several)");
                u->f[0].buf[0] = '\0';
                u->dirty = 1;
            } else {
                if (u->nlines)
                    ui_say(u, SCREEN_NORMAL, P_("%d line dropped, nothing charged",
                                             "%d lines dropped, nothing charged",
                                             (unsigned long)u->nlines), u->nlines);
                u->nlines = 0;
                ui_go_idle(u);
            }
            return;
        }
        break;
    default:
        break;
    }
    /* the forms */
    if (esc) {
        if (u->mode == UI_LOGIN) {
            memset(u->f[0].buf, 0, sizeof u->f[0].buf);
            memset(u->f[1].buf, 0, sizeof u->f[1].buf);
            u->focus = 0;
            u->dirty = 1;
        } else if (u->mode == UI_OPEN) {
            ui_logout(u);
        } else if (u->mode != UI_ITEMS) {
            ui_go_idle(u);
            u->msg[0] = '\0';
        }
        return;
    }
    if (enter) {
        ui_form_enter(u);
        return;
    }
    if ((!is_char && (key == KEY_UP || key == KEY_BTAB)) || (!is_char && key == KEY_DOWN) ||
        (is_char && key == '\t')) {
        int back = !is_char && (key == KEY_UP || key == KEY_BTAB);
        if (u->nf > 0)
            u->focus = (u->focus + (back ? u->nf - 1 : 1)) % u->nf;
        u->dirty = 1;
        return;
    }
    if (u->nf > 0)
        edit_field(u, key, is_char);
}

/* A card arrived: charge it when a cashier and a shift are ready. */
/* Whether the keys of a burst could be a PIN (4 to 9 digits): a card's
 * number is 10 digits or has letters, and diners tapping in the queue while
 * the cashier was at the PIN field counted as wrong PINs and locked the
 * cashier out everywhere. (A PIN of 10 to 12 digits typed as fast as a
 * reader is taken for a card: type it a little slower.) */
static int could_be_pin(const char *raw)
{
    size_t n = strlen(raw);
    return n >= 4 && n < 10 && strspn(raw, "0123456789") == n;
}

static void on_card(ui *u, const reader_event *ev)
{
    if (u->mode == UI_LOGIN || u->mode == UI_OPEN || u->mode == UI_VOID ||
        u->mode == UI_REPRINT || u->mode == UI_CLOSE || u->mode == UI_Z) {
        if (u->reader_keys && u->nf > 0 && u->f[u->focus].secret && could_be_pin(ev->raw)) {
            /* digits and Enter typed fast into a PIN on the keyboard the reader
             * shares: a PIN, not a card */
            for (const char *p = ev->raw; *p; p++)
                on_key(u, (unsigned char)*p, 1);
            on_key(u, '\r', 1);
            return;
        }
        /* the number is not shown: on a shared keyboard it may be someone's PIN */
        ui_say(u, SCREEN_BAD, "a card was read and NOT charged: %s",
               u->mode == UI_LOGIN ? _("no cashier is logged in")
                                   : _("finish this screen first (Esc)"));
        return;
    }
    ui_charge(u, ev);
}

/* ---- the loop ------------------------------------------------------------ */

/* Takes what the reader has: cards, refusals of bad numbers, status changes, keys. */
static void drain_reader(ui *u)
{
    reader_event ev;
    cp_err err;

    while (!u->reader_done && (err = reader_next(u->c->r, 0, &ev)) != CP_ERR_TIMEOUT) {
        if (err == CP_ERR_DISCONNECTED) {
            u->reader_done = 1;
            u->dirty = 1;
            return;
        }
        if (err) {
            ui_say(u, SCREEN_BAD, "card reader: %s", cp_detail());
            u->reader_done = 1;
            return;
        }
        switch (ev.type) {
        case READER_EV_CARD:
            on_card(u, &ev);
            if (u->has_result && u->dirty) {
                /* answer first, print after: the screen is not kept waiting */
                u->latency_ms = -1;
                ui_draw(u);
                u->latency_ms = (int)(reader_now(u->c->r) - ev.at_ms);
                ui_print_result(u);
                u->dirty = 1;
            }
            break;
        case READER_EV_INVALID:
            if (u->mode == UI_IDLE || u->mode == UI_ITEMS) {
                memset(&u->res, 0, sizeof u->res);
                u->res.result = CP_ERR_UNKNOWN_CARD;
                utf8_format(u->res.message, sizeof u->res.message,
                            _("'%s' is no card number: %s; tap again or send the diner "
                              "to the office"), ev.raw, ev.text);
                u->has_result = 1;
                u->dirty = 1;
            } else {
                ui_say(u, SCREEN_WARN, "reader sent '%s': %s", ev.raw, ev.text);
            }
            break;
        case READER_EV_STATUS:
            /* the status line shows it; the message line only when it changed */
            if (ev.connected != !u->reader_was_down)
                ui_say(u, ev.connected ? SCREEN_OK : SCREEN_WARN, "%s", ev.text);
            u->reader_was_down = !ev.connected;
            u->dirty = 1;
            break;
        case READER_EV_KEY:
            on_key(u, ev.key, ev.key < KEY_MIN || ev.key > KEY_MAX);
            break;
        }
    }
}

/* Reads every key curses has; a keyboard reader sees them first. */
static void drain_keys(ui *u)
{
    wint_t wc;
    int rc;

    while ((rc = get_wch(&wc)) != ERR) {
        int key = (int)wc, is_char = rc != KEY_CODE_YES;
        if (u->reader_keys && u->c->r && !(is_char && key >= 128))
            reader_feed_key(u->c->r, key);
        else
            on_key(u, key, is_char);
        if (u->quit)
            return;
    }
}

int ui_run(const ui_config *c)
{
    struct sigaction sa;
    ui *u = calloc(1, sizeof *u);
    int key_fd, rc = 1, online;

    if (!u) {
        fprintf(stderr, _("cleanplate-pos: out of memory\n"));
        return 1;
    }
    u->c = c;
    u->latency_ms = -1;
    u->reader_keys = c->r && strcmp(reader_name(c->r), "keyboard") == 0;
    ids_random(u->session);
    u->session[12] = '\0';
    if ((key_fd = screen_start(c->screen_on_tty)) < 0) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    ui_go_login(u);
    ui_say(u, SCREEN_NORMAL, "cashier: type your name, Enter, your PIN, Enter");
    while (!u->quit && !ui_stop) {
        struct pollfd fds[9];
        int nfds = 0, timeout = 1000;
        cp_time now;

        if (u->dirty)
            ui_draw(u);
        fds[nfds++] = (struct pollfd){.fd = key_fd, .events = POLLIN};
        if (c->r && !u->reader_done)
            nfds += reader_pollfds(c->r, fds + nfds, 8, &timeout);
        if (ui_mono_ms() < u->locked_until && timeout > 1000)
            timeout = 1000;
        if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
            break;
        drain_keys(u);
        if (c->r && !u->quit)
            drain_reader(u);
        /* with the server: the queue sent, the snapshot kept fresh; what
         * a card or a key changed is on the screen first */
        if (u->dirty)
            ui_draw(u);
        online = till_online(c->t);
        till_idle(c->t);
        if (till_online(c->t) != online)
            u->dirty = 1;
        /* the clock on the header, and the lock's countdown */
        if (clock_now(&now) == CP_OK) {
            char hm[8];
            snprintf(hm, sizeof hm, "%02d:%02d", now.hour, now.minute);
            if (strcmp(hm, u->clock_shown) != 0)
                u->dirty = 1;
        }
        if (u->mode == UI_LOGIN && u->locked_until && ui_mono_ms() < u->locked_until + 1000)
            u->dirty = 1;
    }
    rc = 0;
    screen_stop();
    if (u->cashier[0])
        till_logout(c->t, u->cashier, "terminal quit");
out:
    shift_report_free(&u->z);
    free(u);
    return rc;
}
