/* ui: the cashier's full-screen terminal (ncursesw): login, taps, items, voids, reprints, shifts. */
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
#include "core/diners.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/users.h"
#include "core/utf8.h"
#include "pos/screen.h"
#include "pos/shift.h"
#include "pos/ui_data.h"
#include "receipts/decode.h"

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

static void say(ui *u, int pair, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Puts a message on the message line (pair says how it looks); a message
 * naming people is cut on a character boundary if it must be. The format is
 * translated here (say is an xgettext keyword). */
static void say(ui *u, int pair, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    utf8_vformat(u->msg, sizeof u->msg, _(fmt), ap);
    va_end(ap);
    u->msg_pair = pair;
    u->dirty = 1;
}

/* Switches to mode with the given form fields (labels static, NULL-terminated). */
static void set_mode(ui *u, ui_mode mode, const char *const *labels, const int *secret)
{
    u->mode = mode;
    memset(u->f, 0, sizeof u->f);
    u->nf = 0;
    u->focus = 0;
    u->form_note[0] = '\0';
    for (int i = 0; labels && labels[i] && i < UI_MAX_FIELDS; i++) {
        u->f[i].label = labels[i];
        u->f[i].secret = secret ? secret[i] : 0;
        u->nf++;
    }
    u->dirty = 1;
}

static void go_login(ui *u)
{
    static const char *const labels[] = {N_("Cashier name"), N_("PIN"), NULL};
    static const int secret[] = {0, 1};
    set_mode(u, UI_LOGIN, labels, secret);
}

static void go_open(ui *u)
{
    static const char *const labels[] = {N_("Cash in the drawer (yuan)"), NULL};
    set_mode(u, UI_OPEN, labels, NULL);
}

static void go_idle(ui *u)
{
    set_mode(u, UI_IDLE, NULL, NULL);
}

/* After login: continue the open shift or ask for the count to open one. */
static void after_login(ui *u)
{
    int is_open = 0;

    if (till_shift_current(u->c->t, &u->shift, &is_open)) {
        say(u, SCREEN_BAD, "%s", cp_detail());
        go_login(u);
        return;
    }
    if (is_open) {
        go_idle(u);
        if (strcmp(u->shift.cashier, u->cashier) != 0)
            say(u, SCREEN_NORMAL, "continuing shift %s opened by %s at %s", u->shift.id,
                u->shift.cashier, u->shift.opened + 11);
        else
            say(u, SCREEN_NORMAL, "welcome back, %s: shift %s is open", u->cashier,
                u->shift.id);
    } else {
        go_open(u);
        say(u, SCREEN_NORMAL, "count the cash in the drawer and type it to open the shift");
    }
}

/* Checks the login form with the one PIN check of core/users: three wrong
 * PINs in a row lock the name (a minute, longer when it happens again); the
 * failures and the lock are the user's, kept in the database, so that every
 * terminal and the office share them and a restart does not lift them. Every
 * failure and lock is audited there. */
static void try_login(ui *u)
{
    const char *name = u->f[0].buf, *pin = u->f[1].buf;
    users_auth auth;
    cp_err err;

    if (!*name || !*pin) {
        say(u, SCREEN_WARN, "type your name and your PIN");
        u->focus = *name ? 1 : 0;
        return;
    }
    err = till_login(u->c->t, name, pin, &auth);
    memset(u->f[1].buf, 0, sizeof u->f[1].buf);
    u->focus = 1;
    if (err == CP_OK) {
        u->locked_until = 0;
        snprintf(u->cashier, sizeof u->cashier, "%s", name);
        u->has_result = 0;
        after_login(u);
        return;
    }
    /* the countdown shows the lock of the name just typed, if any */
    u->locked_until = auth.locked_s > 0 ? ui_mono_ms() + (int64_t)auth.locked_s * 1000 : 0;
    if (err != CP_ERR_AUTH)
        say(u, SCREEN_BAD, "%s", cp_detail());
    else if (auth.denied)
        say(u, SCREEN_BAD, "%s is %s staff and may not use the POS", name,
            names_builtin(NAMES_ROLE, auth.role));
    else if (auth.locked_now)
        say(u, SCREEN_BAD, "wrong PIN %d times: login locked for %d s for %s (recorded)",
            auth.failures, auth.locked_s, name);
    else if (auth.locked_s > 0)
        say(u, SCREEN_BAD, "login locked after %d wrong PINs: %s waits %d s, or an admin sets "
            "a new PIN", auth.failures, name, auth.locked_s);
    else
        say(u, SCREEN_BAD, "wrong name or PIN (%d of %d tries): type it again", auth.tries,
            USERS_MAX_FAILS);
}

static void logout(ui *u)
{
    till_logout(u->c->t, u->cashier, NULL);
    say(u, SCREEN_NORMAL, "%s logged out; the shift stays open", u->cashier);
    u->cashier[0] = '\0';
    u->has_result = 0;
    u->nlines = 0;
    go_login(u);
}

/* Reads a yuan amount typed in a field; 0 on success, else says why. */
static int field_money(ui *u, const char *text, int64_t *fen)
{
    if (money_parse_yuan(*text ? text : "0", fen)) {
        say(u, SCREEN_BAD, "'%s' is no amount: type yuan like 200 or 200.50", text);
        return -1;
    }
    return 0;
}

static void do_open(ui *u)
{
    char money[MONEY_STR_LEN];
    int64_t fen;

    if (field_money(u, u->f[0].buf, &fen))
        return;
    if (till_shift_open(u->c->t, u->cashier, fen, &u->shift)) {
        say(u, SCREEN_BAD, "%s", cp_detail());
        if (till_shift_current(u->c->t, &u->shift, &(int){0}) == CP_OK)
            go_idle(u);
        return;
    }
    go_idle(u);
    say(u, SCREEN_OK, "shift %s opened with %s yuan in the drawer", u->shift.id,
        money_format(fen, money));
}

/* Remembers id as the last receipt; says so when it did not reach the printer. */
static void note_printed(ui *u, cp_err err, int printed, const char *what, const char *id)
{
    if (err) {
        say(u, SCREEN_WARN, "%s %s: receipt not made: %s", what, id, cp_detail());
        return;
    }
    snprintf(u->last_receipt, sizeof u->last_receipt, "%s", id);
    if (!printed)
        say(u, SCREEN_WARN, "%s %s done; receipt NOT printed (%s): R reprints later", what, id,
            printq_status(u->c->pq));
}

/* Charges the card: the fixed-price meal, or the a-la-carte lines. */
static void charge(ui *u, const reader_event *ev)
{
    charge_line lines[UI_MAX_LINES];
    char reqid[128];
    charge_req req = {0};
    cp_err err;

    for (int i = 0; i < u->nlines; i++)
        lines[i] = (charge_line){.item_code = u->lines[i].code, .quantity = u->lines[i].qty};
    snprintf(reqid, sizeof reqid, "%s:%s:%ld", u->c->terminal, u->session, ++u->seq);
    req.terminal = u->c->terminal;
    req.card_no = ev->card;
    req.request_id = reqid;
    req.actor = u->cashier;
    req.lines = u->nlines ? lines : NULL;
    req.nlines = (size_t)u->nlines;
    req.dup_tap_seconds = u->c->dup_seconds;
    err = till_charge(u->c->t, &req, &u->res);
    if (err) {
        /* the store failed (busy, full): nothing charged, the same tap may come again */
        memset(&u->res, 0, sizeof u->res);
        u->res.result = err;
        utf8_format(u->res.message, sizeof u->res.message, _("%s: nothing charged, tap again"),
                    cp_detail());
    }
    u->has_result = 1;
    u->printed = -1;
    u->msg[0] = '\0';
    if (u->res.result == CP_OK && u->mode == UI_ITEMS) {
        u->nlines = 0;
        u->sel = 0;
        go_idle(u);
    }
    u->dirty = 1;
}

/* The receipt of the last charge, after the screen shows it. */
static void print_result(ui *u)
{
    int printed = 0;
    cp_err err;

    if (!u->has_result || u->res.result != CP_OK || u->res.repeated)
        return;
    err = till_print_sale(u->c->t, &u->res, &printed);
    u->printed = err ? 0 : printed;
    note_printed(u, err, printed, _("sale"), u->res.sale_id);
    u->dirty = 1;
}

/* A sale number as typed: "42" is this terminal's sale 42. */
static void sale_number(ui *u, const char *typed, char id[IDS_LEN])
{
    if (*typed && strspn(typed, "0123456789") == strlen(typed))
        snprintf(id, IDS_LEN, "%s-%06lld", u->c->terminal, atoll(typed));
    else
        snprintf(id, IDS_LEN, "%s", typed);
}

static void go_void(ui *u)
{
    static const char *const labels[] = {N_("Sale number"), N_("Manager name"), N_("Manager PIN"),
                                         N_("Reason"), NULL};
    static const int secret[] = {0, 0, 1, 0};
    char last[IDS_LEN];

    set_mode(u, UI_VOID, labels, secret);
    if (till_last_sale(u->c->t, last) == CP_OK) {
        snprintf(u->f[0].buf, sizeof u->f[0].buf, "%s", last);
        till_sale_brief(u->c->t, last, u->form_note, sizeof u->form_note);
    }
    say(u, SCREEN_NORMAL, "void: Enter takes the last sale; a manager types name and PIN");
}

/* Says why the manager's name and PIN did not void (core/users' lockout,
 * shared with the login and the office, checked where the store is). */
static void void_refused(ui *u, cp_err err, const char *manager, const users_auth *auth)
{
    u->focus = 1;
    if (err != CP_ERR_AUTH)
        say(u, SCREEN_BAD, "void refused: %s", cp_detail());
    else if (auth->denied)
        say(u, SCREEN_BAD, "void refused: %s is a %s, not a manager", manager,
            names_builtin(NAMES_ROLE, auth->role));
    else if (auth->locked_now)
        say(u, SCREEN_BAD, "void refused: wrong PIN %d times, %s is locked for %d s (recorded)",
            auth->failures, manager, auth->locked_s);
    else if (auth->locked_s > 0)
        say(u, SCREEN_BAD, "void refused: %s is locked for %d s more after wrong PINs",
            manager, auth->locked_s);
    else
        say(u, SCREEN_BAD, "void refused: wrong manager name or PIN (%d of %d tries)",
            auth->tries, USERS_MAX_FAILS);
}

static void do_void(ui *u)
{
    char id[IDS_LEN], void_id[IDS_LEN], manager[64];
    users_auth auth;
    int printed = 0;
    cp_err err;

    sale_number(u, u->f[0].buf, id);
    snprintf(manager, sizeof manager, "%s", u->f[1].buf);
    if (!*manager || !*u->f[2].buf) {
        say(u, SCREEN_WARN, "a manager must type name and PIN");
        u->focus = *manager ? 2 : 1;
        return;
    }
    err = till_void(u->c->t, id, manager, u->f[2].buf, u->cashier,
                    *u->f[3].buf ? u->f[3].buf : NULL, void_id, &auth);
    memset(u->f[2].buf, 0, sizeof u->f[2].buf);
    if (err == CP_ERR_AUTH || err == CP_ERR_DISCONNECTED) {
        void_refused(u, err, manager, &auth);
        return;
    }
    if (err) {
        say(u, SCREEN_BAD, "not voided: %s", cp_detail());
        u->focus = 0;
        return;
    }
    u->has_result = 0;
    go_idle(u);
    say(u, SCREEN_OK, "sale %s voided by %s (%s); money back in the wallets", id, manager,
        void_id);
    err = till_print_void(u->c->t, void_id, u->cashier, &printed);
    note_printed(u, err, printed, _("void"), void_id);
}

static void go_reprint(ui *u)
{
    static const char *const labels[] = {N_("Receipt number (Enter: the last one)"), NULL};
    int left = 0;

    if (printq_pending(u->c->pq) > 0) {
        till_print_flush(u->c->t, &left);
        if (left == 0)
            say(u, SCREEN_OK, "the receipts that were waiting are printed");
        else
            say(u, SCREEN_WARN, "%s", printq_status(u->c->pq));
        return;
    }
    set_mode(u, UI_REPRINT, labels, NULL);
}

static void do_reprint(ui *u)
{
    char id[IDS_LEN];
    int printed = 0;
    cp_err err;

    sale_number(u, *u->f[0].buf ? u->f[0].buf : u->last_receipt, id);
    if (!*id) {
        say(u, SCREEN_WARN, "no receipt printed yet here: type a sale number");
        return;
    }
    err = till_reprint(u->c->t, id, &printed);
    if (err) {
        say(u, SCREEN_BAD, "%s", cp_detail());
        return;
    }
    go_idle(u);
    if (printed)
        say(u, SCREEN_OK, "receipt %s printed again (marked as a copy)", id);
    else
        say(u, SCREEN_WARN, "receipt %s not printed: %s", id, printq_status(u->c->pq));
}

static void go_close(ui *u)
{
    static const char *const labels[] = {N_("Cash in the drawer now (yuan)"), NULL};
    set_mode(u, UI_CLOSE, labels, NULL);
    say(u, SCREEN_NORMAL, "close shift %s: count the cash and press Enter; Esc goes back",
        u->shift.id);
}

static void do_close(ui *u)
{
    int64_t fen;
    int printed = 0;
    cp_err err;

    if (field_money(u, u->f[0].buf, &fen))
        return;
    shift_report_free(&u->z);
    if (till_shift_close(u->c->t, u->cashier, fen, &u->z)) {
        say(u, SCREEN_BAD, "%s", cp_detail());
        return;
    }
    u->has_z = 1;
    u->has_result = 0;
    set_mode(u, UI_Z, NULL, NULL);
    say(u, SCREEN_OK, "shift %s closed; Enter opens the next one, L logs out", u->z.open.id);
    err = till_print_z(u->c->t, &u->z, &printed);
    note_printed(u, err, printed, _("Z report"), u->z.close_id);
}

/* Adds an item line from the code field ("BUN", "3*BUN" or "BUN*3"). */
static void add_item(ui *u)
{
    char code[64], *star, name[128];
    int qty = 1, per_100g = 0;
    int64_t price = 0;
    ui_line *l;

    if (u->weighing) {
        long g = atol(u->f[0].buf);
        if (strspn(u->f[0].buf, "0123456789") != strlen(u->f[0].buf) || g <= 0 || g > 20000) {
            say(u, SCREEN_BAD, "type the weight in grams, 1 to 20000");
            return;
        }
        l = &u->pending_item;
        l->qty = (int)g;
        l->amount_fen = (l->amount_fen * g + 50) / 100; /* price per 100 g, half up */
        u->lines[u->nlines++] = *l;
        u->sel = u->nlines - 1;
        u->weighing = 0;
        u->f[0].label = N_("Item code (N*CODE for several)");
        u->f[0].buf[0] = '\0';
        u->dirty = 1;
        return;
    }
    snprintf(code, sizeof code, "%s", u->f[0].buf);
    if (!*code)
        return;
    if ((star = strchr(code, '*'))) {
        *star = '\0';
        if (strspn(code, "0123456789") == strlen(code) && *code) {
            qty = atoi(code);
            memmove(code, star + 1, strlen(star + 1) + 1);
        } else {
            qty = atoi(star + 1);
        }
        if (qty <= 0 || qty > 99) {
            say(u, SCREEN_BAD, "a quantity is 1 to 99: type 3*BUN");
            return;
        }
    }
    if (u->nlines == UI_MAX_LINES) {
        say(u, SCREEN_WARN, "at most %d lines in one sale: charge these first", UI_MAX_LINES);
        return;
    }
    if (till_item(u->c->t, code, name, &price, &per_100g)) {
        say(u, SCREEN_BAD, "%s", cp_detail());
        u->f[0].buf[0] = '\0';
        return;
    }
    l = per_100g ? &u->pending_item : &u->lines[u->nlines];
    memset(l, 0, sizeof *l);
    snprintf(l->code, sizeof l->code, "%s", code);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->per_100g = per_100g;
    u->f[0].buf[0] = '\0';
    if (per_100g) {
        l->amount_fen = price; /* per 100 g until the grams come */
        u->weighing = 1;
        u->f[0].label = N_("Weight in grams");
        say(u, SCREEN_NORMAL, "%s is sold by weight: type the grams and Enter", name);
        return;
    }
    l->qty = qty;
    l->amount_fen = price * qty;
    u->sel = u->nlines++;
    u->msg[0] = '\0';
    u->dirty = 1;
}

static void go_items(ui *u)
{
    static const char *const labels[] = {N_("Item code (N*CODE for several)"), NULL};
    set_mode(u, UI_ITEMS, labels, NULL);
    u->nlines = 0;
    u->sel = 0;
    u->weighing = 0;
    u->has_result = 0;
    say(u, SCREEN_NORMAL, "type item codes and Enter; Del removes a line; the tap charges");
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

/* Enter in a form: the next field, or submit on the last. */
static void form_enter(ui *u)
{
    if (u->mode == UI_VOID && u->focus == 0) {
        char id[IDS_LEN];
        sale_number(u, u->f[0].buf, id);
        if (till_sale_brief(u->c->t, id, u->form_note, sizeof u->form_note)) {
            say(u, SCREEN_BAD, "%s: type the number printed on the receipt", cp_detail());
            return;
        }
        snprintf(u->f[0].buf, sizeof u->f[0].buf, "%s", id);
    }
    if (u->focus + 1 < u->nf && !(u->mode == UI_LOGIN && u->focus == 0 && *u->f[1].buf)) {
        u->focus++;
        u->dirty = 1;
        return;
    }
    switch (u->mode) {
    case UI_LOGIN: try_login(u); break;
    case UI_OPEN: do_open(u); break;
    case UI_VOID: do_void(u); break;
    case UI_REPRINT: do_reprint(u); break;
    case UI_CLOSE: do_close(u); break;
    case UI_ITEMS: add_item(u); break;
    default: break;
    }
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
            go_items(u);
        } else if ((is_char && (key == 'v' || key == 'V')) || (!is_char && key == KEY_F(3))) {
            go_void(u);
        } else if ((is_char && (key == 'r' || key == 'R')) || (!is_char && key == KEY_F(4))) {
            go_reprint(u);
        } else if ((is_char && (key == 'z' || key == 'Z')) || (!is_char && key == KEY_F(5))) {
            go_close(u);
        } else if ((is_char && (key == 'l' || key == 'L')) || (!is_char && key == KEY_F(10))) {
            logout(u);
        }
        return;
    case UI_Z:
        if ((is_char && (key == 'l' || key == 'L')) || (!is_char && key == KEY_F(10))) {
            logout(u);
        } else if (enter || esc) {
            go_open(u);
            say(u, SCREEN_NORMAL, "the next shift starts at zero: count the cash in the drawer");
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
            say(u, SCREEN_NORMAL, "line %s cancelled", u->lines[u->sel].name);
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
                    say(u, SCREEN_NORMAL, P_("%d line dropped, nothing charged",
                                             "%d lines dropped, nothing charged",
                                             (unsigned long)u->nlines), u->nlines);
                u->nlines = 0;
                go_idle(u);
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
            logout(u);
        } else if (u->mode != UI_ITEMS) {
            go_idle(u);
            u->msg[0] = '\0';
        }
        return;
    }
    if (enter) {
        form_enter(u);
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
static void on_card(ui *u, const reader_event *ev)
{
    if (u->mode == UI_LOGIN || u->mode == UI_OPEN || u->mode == UI_VOID ||
        u->mode == UI_REPRINT || u->mode == UI_CLOSE || u->mode == UI_Z) {
        if (u->reader_keys && u->nf > 0 && u->f[u->focus].secret) {
            /* digits and Enter typed fast into a PIN on the keyboard the reader
             * shares: a PIN, not a card */
            for (const char *p = ev->raw; *p; p++)
                on_key(u, (unsigned char)*p, 1);
            on_key(u, '\r', 1);
            return;
        }
        /* the number is not shown: on a shared keyboard it may be someone's PIN */
        say(u, SCREEN_BAD, "a card was read and NOT charged: %s",
            u->mode == UI_LOGIN ? _("no cashier is logged in") : _("finish this screen first (Esc)"));
        return;
    }
    charge(u, ev);
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
            say(u, SCREEN_BAD, "card reader: %s", cp_detail());
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
                print_result(u);
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
                say(u, SCREEN_WARN, "reader sent '%s': %s", ev.raw, ev.text);
            }
            break;
        case READER_EV_STATUS:
            /* the status line shows it; the message line only when it changed */
            if (ev.connected != !u->reader_was_down)
                say(u, ev.connected ? SCREEN_OK : SCREEN_WARN, "%s", ev.text);
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
    go_login(u);
    say(u, SCREEN_NORMAL, "cashier: type your name, Enter, your PIN, Enter");
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
        /* with the server: the queue sent, the snapshot kept fresh */
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
