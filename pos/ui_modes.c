/* ui_modes: the cashier's screen's modes and what each does with the till: login, the shift, charges and items, voids, reprints, the Z report, and the form each submits. */
#include "pos/ui_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/users.h"
#include "core/utf8.h"
#include "pos/screen.h"
#include "pos/shift.h"

/* Puts a message on the message line (pair says how it looks); a message
 * naming people is cut on a character boundary if it must be. The format is
 * translated here (ui_say is an xgettext keyword). */
void ui_say(ui *u, int pair, const char *fmt, ...)
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

void ui_go_login(ui *u)
{
    static const char *const labels[] = {N_("Cashier name"), N_("PIN"), NULL};
    static const int secret[] = {0, 1};
    set_mode(u, UI_LOGIN, labels, secret);
}

void ui_go_open(ui *u)
{
    static const char *const labels[] = {N_("Cash in the drawer (yuan)"), NULL};
    set_mode(u, UI_OPEN, labels, NULL);
}

void ui_go_idle(ui *u)
{
    set_mode(u, UI_IDLE, NULL, NULL);
}

/* After login: continue the open shift or ask for the count to open one. */
static void after_login(ui *u)
{
    int is_open = 0;

    if (till_shift_current(u->c->t, &u->shift, &is_open)) {
        ui_say(u, SCREEN_BAD, "%s", cp_detail());
        ui_go_login(u);
        return;
    }
    if (is_open) {
        ui_go_idle(u);
        if (strcmp(u->shift.cashier, u->cashier) != 0)
            ui_say(u, SCREEN_NORMAL, "continuing shift %s opened by %s at %s", u->shift.id,
                   u->shift.cashier, u->shift.opened + 11);
        else
            ui_say(u, SCREEN_NORMAL, "welcome back, %s: shift %s is open", u->cashier,
                   u->shift.id);
    } else {
        ui_go_open(u);
        ui_say(u, SCREEN_NORMAL, "count the cash in the drawer and type it to open the shift");
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
        ui_say(u, SCREEN_WARN, "type your name and your PIN");
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
        ui_say(u, SCREEN_BAD, "%s", cp_detail());
    else if (auth.denied)
        ui_say(u, SCREEN_BAD, "%s is %s staff and may not use the POS", name,
               names_builtin(NAMES_ROLE, auth.role));
    else if (auth.locked_now)
        ui_say(u, SCREEN_BAD, "wrong PIN %d times: login locked for %d s for %s (recorded)",
               auth.failures, auth.locked_s, name);
    else if (auth.locked_s > 0)
        ui_say(u, SCREEN_BAD, "login locked after %d wrong PINs: %s waits %d s, or an admin sets "
               "a new PIN", auth.failures, name, auth.locked_s);
    else
        ui_say(u, SCREEN_BAD, "wrong name or PIN (%d of %d tries): type it again", auth.tries,
               USERS_MAX_FAILS);
}

void ui_logout(ui *u)
{
    till_logout(u->c->t, u->cashier, NULL);
    ui_say(u, SCREEN_NORMAL, "%s logged out; the shift stays open", u->cashier);
    u->cashier[0] = '\0';
    u->has_result = 0;
    u->nlines = 0;
    ui_go_login(u);
}

/* Reads a yuan amount typed in a field; 0 on success, else says why. */
static int field_money(ui *u, const char *text, int64_t *fen)
{
    /* an Enter on the empty field closed a shift for good with 0.00 counted */
    if (!*text) {
        ui_say(u, SCREEN_BAD, "type the cash counted in the drawer, like 200 (0 when it is "
                              "empty), then Enter");
        return -1;
    }
    if (money_parse_yuan(text, fen)) {
        ui_say(u, SCREEN_BAD, "'%s' is no amount: type yuan like 200 or 200.50", text);
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
        ui_say(u, SCREEN_BAD, "%s", cp_detail());
        if (till_shift_current(u->c->t, &u->shift, &(int){0}) == CP_OK)
            ui_go_idle(u);
        return;
    }
    ui_go_idle(u);
    ui_say(u, SCREEN_OK, "shift %s opened with %s yuan in the drawer", u->shift.id,
           money_format(fen, money));
}

/* Remembers id as the last receipt; says so when it did not reach the printer. */
static void note_printed(ui *u, cp_err err, int printed, const char *what, const char *id)
{
    if (err) {
        ui_say(u, SCREEN_WARN, "%s %s: receipt not made: %s", what, id, cp_detail());
        return;
    }
    snprintf(u->last_receipt, sizeof u->last_receipt, "%s", id);
    if (!printed)
        ui_say(u, SCREEN_WARN, "%s %s done; receipt NOT printed (%s): R reprints later", what, id,
               printq_status(u->c->pq));
}

/* Charges the card: the fixed-price meal, or the a-la-carte lines. */
void ui_charge(ui *u, const reader_event *ev)
{
    charge_line lines[UI_MAX_LINES];
    char reqid[128];
    charge_req req = {0};
    cp_err err;

    /* the items screen charges its lines, never the set meal it does not
     * show (a total of 0.00 charged the lunch), and not while an item's
     * grams are still to come (it was left out of the sale) */
    if (u->mode == UI_ITEMS && u->weighing) {
        ui_say(u, SCREEN_BAD, "NOT charged: type the grams of %s first, then the card again",
               u->pending_item.name);
        return;
    }
    if (u->mode == UI_ITEMS && u->nlines == 0) {
        ui_say(u, SCREEN_BAD, "NOT charged: no items on this sale; add them, or Esc for the "
                              "set meal, then the card again");
        return;
    }
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
        ui_go_idle(u);
    }
    u->dirty = 1;
}

/* The receipt of the last charge, after the screen shows it. */
void ui_print_result(ui *u)
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

void ui_go_void(ui *u)
{
    static const char *const labels[] = {N_("Sale number"), N_("Manager name"), N_("Manager PIN"),
                                         N_("Reason"), NULL};
    static const int secret[] = {0, 0, 1, 0};
    char last[IDS_LEN];
    cp_err err = till_last_sale(u->c->t, last);

    /* a void needs the server: said before the manager types a PIN */
    if (err == CP_ERR_DISCONNECTED) {
        ui_say(u, SCREEN_BAD, "%s", cp_detail());
        return;
    }
    set_mode(u, UI_VOID, labels, secret);
    if (err == CP_OK) {
        snprintf(u->f[0].buf, sizeof u->f[0].buf, "%s", last);
        u->f[0].offered = 1;
        till_sale_brief(u->c->t, last, u->form_note, sizeof u->form_note);
    }
    ui_say(u, SCREEN_NORMAL, "void: Enter takes the last sale; a manager types name and PIN");
}

/* Says why the manager's name and PIN did not void (core/users' lockout,
 * shared with the login and the office, checked where the store is). */
static void void_refused(ui *u, cp_err err, const char *manager, const users_auth *auth)
{
    u->focus = 1;
    if (err != CP_ERR_AUTH)
        ui_say(u, SCREEN_BAD, "void refused: %s", cp_detail());
    else if (auth->denied)
        ui_say(u, SCREEN_BAD, "void refused: %s is a %s, not a manager", manager,
               names_builtin(NAMES_ROLE, auth->role));
    else if (auth->locked_now)
        ui_say(u, SCREEN_BAD, "void refused: wrong PIN %d times, %s is locked for %d s (recorded)",
               auth->failures, manager, auth->locked_s);
    else if (auth->locked_s > 0)
        ui_say(u, SCREEN_BAD, "void refused: %s is locked for %d s more after wrong PINs",
               manager, auth->locked_s);
    else
        ui_say(u, SCREEN_BAD, "void refused: wrong manager name or PIN (%d of %d tries)",
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
        ui_say(u, SCREEN_WARN, "a manager must type name and PIN");
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
        ui_say(u, SCREEN_BAD, "not voided: %s", cp_detail());
        u->focus = 0;
        return;
    }
    u->has_result = 0;
    ui_go_idle(u);
    ui_say(u, SCREEN_OK, "sale %s voided by %s (%s); money back in the wallets", id, manager,
           void_id);
    err = till_print_void(u->c->t, void_id, u->cashier, &printed);
    note_printed(u, err, printed, _("void"), void_id);
}

void ui_go_reprint(ui *u)
{
    static const char *const labels[] = {N_("Receipt number (Enter: the last one)"), NULL};
    int left = 0;

    if (printq_pending(u->c->pq) > 0) {
        till_print_flush(u->c->t, &left);
        if (left == 0)
            ui_say(u, SCREEN_OK, "the receipts that were waiting are printed");
        else
            ui_say(u, SCREEN_WARN, "%s", printq_status(u->c->pq));
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
        ui_say(u, SCREEN_WARN, "no receipt printed yet here: type a sale number");
        return;
    }
    err = till_reprint(u->c->t, id, &printed);
    if (err) {
        ui_say(u, SCREEN_BAD, "%s", cp_detail());
        return;
    }
    ui_go_idle(u);
    if (printed)
        ui_say(u, SCREEN_OK, "receipt %s printed again (marked as a copy)", id);
    else
        ui_say(u, SCREEN_WARN, "receipt %s not printed: %s", id, printq_status(u->c->pq));
}

void ui_go_close(ui *u)
{
    static const char *const labels[] = {N_("Cash in the drawer now (yuan)"), NULL};
    set_mode(u, UI_CLOSE, labels, NULL);
    ui_say(u, SCREEN_NORMAL, "close shift %s: count the cash and press Enter; Esc goes back",
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
        ui_say(u, SCREEN_BAD, "%s", cp_detail());
        return;
    }
    u->has_z = 1;
    u->has_result = 0;
    set_mode(u, UI_Z, NULL, NULL);
    ui_say(u, SCREEN_OK, "shift %s closed; Enter opens the next one, L logs out", u->z.open.id);
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
            ui_say(u, SCREEN_BAD, "type the weight in grams, 1 to 20000");
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
            ui_say(u, SCREEN_BAD, "a quantity is 1 to 99: type 3*BUN");
            return;
        }
    }
    if (u->nlines == UI_MAX_LINES) {
        ui_say(u, SCREEN_WARN, "at most %d lines in one sale: charge these first", UI_MAX_LINES);
        return;
    }
    if (till_item(u->c->t, code, name, &price, &per_100g)) {
        ui_say(u, SCREEN_BAD, "%s", cp_detail());
        u->f[0].buf[0] = '\0';
        return;
    }
    if (per_100g && qty != 1) {
        ui_say(u, SCREEN_BAD, "%s is sold by weight: add each portion on its own and type its "
                              "grams", name);
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
        ui_say(u, SCREEN_NORMAL, "%s is sold by weight: type the grams and Enter", name);
        return;
    }
    l->qty = qty;
    l->amount_fen = price * qty;
    u->sel = u->nlines++;
    u->msg[0] = '\0';
    u->dirty = 1;
}

void ui_go_items(ui *u)
{
    static const char *const labels[] = {N_("Item code (N*CODE for several)"), NULL};
    set_mode(u, UI_ITEMS, labels, NULL);
    u->nlines = 0;
    u->sel = 0;
    u->weighing = 0;
    u->has_result = 0;
    ui_say(u, SCREEN_NORMAL, "type item codes and Enter; Del removes a line; the tap charges");
}

/* Enter in a form: the next field, or submit on the last. */
void ui_form_enter(ui *u)
{
    if (u->mode == UI_VOID && u->focus == 0) {
        char id[IDS_LEN];
        sale_number(u, u->f[0].buf, id);
        cp_err err = till_sale_brief(u->c->t, id, u->form_note, sizeof u->form_note);
        if (err) {
            /* the field is cleared and from now on masked, its text never
             * echoed: a manager who did not see the form stay on the number
             * typed a name and a PIN into it, shown in clear there and in
             * this message (review U5, K3; a server that does not answer is
             * one such failure). Leaving the form instead made the name's
             * letters the idle screen's keys (z: close the shift). */
            int masked = u->f[0].secret;
            u->f[0].buf[0] = '\0';
            u->f[0].secret = 1;
            u->dirty = 1;
            if (masked)
                ui_say(u, SCREEN_BAD, "no sale with that number: type the number printed on the "
                       "receipt");
            else
                ui_say(u, SCREEN_BAD, "%s: type the number printed on the receipt", cp_detail());
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
