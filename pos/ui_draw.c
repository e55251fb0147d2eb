/* ui_draw: the cashier's screen drawn from its state: header, the last tap, forms, items, the Z report, the receipt preview, status lines. */
#define NCURSES_WIDECHAR 1
#include "pos/ui_int.h"

#include <curses.h>
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
#include "core/utf8.h"
#include "pos/screen.h"
#include "pos/shift.h"
#include "pos/ui_data.h"
#include "receipts/decode.h"

static const char *refusal_title(cp_err e)
{
    switch (e) {
    case CP_ERR_UNKNOWN_CARD: return _("UNKNOWN CARD");
    case CP_ERR_CARD_BLOCKED: return _("CARD BLOCKED");
    case CP_ERR_DINER_INACTIVE: return _("DINER NOT ACTIVE");
    case CP_ERR_NO_MEAL_PERIOD: return _("NO MEAL NOW");
    case CP_ERR_NO_PRICE: return _("NO PRICE");
    case CP_ERR_INSUFFICIENT_FUNDS: return _("BALANCE TOO LOW");
    case CP_ERR_LIMIT_REACHED: return _("LIMIT REACHED");
    case CP_ERR_DUPLICATE_TAP: return _("ALREADY CHARGED");
    default: return _("NOT CHARGED");
    }
}

static void draw_header(ui *u, const cp_time *now)
{
    char left[384], right[256], line[512], money[MONEY_SHOW_LEN], when[CLOCK_SHOW_LEN];
    char name[NAMES_SIZE], canteen[256];
    ui_period p;
    int x, room;

    screen_fill(0, 0, 1, COLS, SCREEN_BAR);
    clock_show(now, when);
    if (u->cashier[0])
        snprintf(right, sizeof right, _("cashier %s  %s "), u->cashier, when);
    else
        snprintf(right, sizeof right, _("not logged in  %s "), when);
    /* a long canteen name is cut, not the terminal's code after it (the
     * cashier's part, drawn over it, hid the code) */
    room = COLS - screen_width(right) - screen_width(u->c->terminal) - 5;
    screen_fit(canteen, sizeof canteen, till_canteen(u->c->t), room > 4 ? room : 4);
    snprintf(left, sizeof left, " %s · %s", canteen, u->c->terminal);
    screen_text(0, 0, COLS, SCREEN_BAR, A_BOLD, left);
    /* the cashier on the right; a name wider than the screen is cut, not lost */
    x = COLS - screen_width(right);
    screen_text(0, x > 0 ? x : 0, COLS, SCREEN_BAR, 0, right);

    if (till_period(u->c->t, clock_minute_of_day(now), &p)) {
        screen_text(1, 1, COLS - 2, SCREEN_BAD, 0, cp_detail());
        return;
    }
    if (p.open) {
        /* every price must show: with many categories the period's hours go */
        for (int hours = 1; hours >= 0; hours--) {
            x = hours ? snprintf(line, sizeof line, "%s %02d:%02d-%02d:%02d  ",
                                 till_name(u->c->t, NAMES_PERIOD, p.name, name),
                                 p.start_min / 60, p.start_min % 60, p.end_min / 60,
                                 p.end_min % 60)
                      : snprintf(line, sizeof line, "%s ",
                                 till_name(u->c->t, NAMES_PERIOD, p.name, name));
            for (int i = 0; i < p.n_prices && x < (int)sizeof line - 64 - NAMES_SIZE; i++)
                x += snprintf(line + x, sizeof line - (size_t)x, " %s %s",
                              till_name(u->c->t, NAMES_CATEGORY, p.prices[i].category, name),
                              money_show(p.prices[i].fen, money));
            if (screen_width(line) <= COLS - 2)
                break;
        }
        screen_text(1, 1, COLS - 2, SCREEN_NORMAL, A_BOLD, line);
    } else if (p.name[0]) {
        snprintf(line, sizeof line, _("no meal period open now; %s from %02d:%02d (items can "
                   "still be sold)"), till_name(u->c->t, NAMES_PERIOD, p.name, name),
                 p.start_min / 60, p.start_min % 60);
        screen_text(1, 1, COLS - 2, SCREEN_WARN, 0, line);
    } else {
        screen_text(1, 1, COLS - 2, SCREEN_WARN, 0,
                    _("no more meal periods today (items can still be sold)"));
    }
}

/* "name  staff_no  department" in at most cols columns, after prefix: when
 * it is too wide the name and the department are each cut by display width
 * (the department to a third at the least), so that all three still show. */
static void diner_line(const charge_res *r, const char *prefix, int cols, char *line,
                       size_t size)
{
    char name[DINERS_NAME_SIZE + 4], dept[DINERS_NAME_SIZE + 4];
    int room = cols - screen_width(prefix) - screen_width(r->staff_no) - 4;
    int want = screen_width(r->department);

    if (room < 2)
        room = 2;
    room -= screen_fit(name, sizeof name, r->name, room - (want < room / 3 ? want : room / 3));
    screen_fit(dept, sizeof dept, r->department, room);
    utf8_format(line, size, "%s%s  %s  %s", prefix, name, r->staff_no, dept);
}

/* The last tap, large: the amount, the diner and balances, or the red reason. */
static void draw_result(ui *u, int top, int cols)
{
    const charge_res *r = &u->res;
    char line[3 * DINERS_NAME_SIZE], m[4][MONEY_SHOW_LEN], period[NAMES_SIZE];

    if (r->result != CP_OK) {
        screen_fill(top, 0, 5, cols, SCREEN_BAD);
        screen_center(top + 1, 0, cols, SCREEN_BAD, A_BOLD, refusal_title(r->result));
        if (r->name[0]) {
            diner_line(r, "", cols - 2, line, sizeof line);
            screen_center(top + 3, 0, cols, SCREEN_BAD, 0, line);
        }
        screen_wrap(top + 6, 2, cols - 4, 3, SCREEN_NORMAL, A_BOLD, r->message);
        return;
    }
    /* the big digits have no currency sign: they are the amount alone */
    money_format(r->charged_fen, m[0]);
    if (screen_big(top, 0, cols, SCREEN_OK, m[0]) != 0)
        screen_center(top + 2, 0, cols, SCREEN_OK, A_BOLD, money_show(r->charged_fen, m[0]));
    money_show(r->charged_fen, m[0]);
    diner_line(r, r->repeated ? _("(answer repeated) ") : "", cols - 2, line, sizeof line);
    screen_center(top + 6, 0, cols, SCREEN_NORMAL, A_BOLD, line);
    snprintf(line, sizeof line, _("paid %s: subsidy %s + cash %s"), m[0],
             money_show(r->subsidy_fen, m[1]), money_show(r->cash_fen, m[2]));
    screen_center(top + 7, 0, cols, SCREEN_NORMAL, 0, line);
    snprintf(line, sizeof line, _("left: subsidy %s  cash %s   meals today %d"),
             money_show(r->subsidy_left_fen, m[1]), money_show(r->cash_left_fen, m[3]),
             r->meals_today);
    screen_center(top + 8, 0, cols, SCREEN_NORMAL, 0, line);
    if (r->offline) {
        /* decided at the terminal: numbered by the server when it has it */
        snprintf(line, sizeof line, _("OFFLINE %s %s: sent to the server when it answers"),
                 r->sale_id, till_name(u->c->t, NAMES_PERIOD, r->period, period));
        screen_center(top + 9, 0, cols, SCREEN_WARN, A_BOLD, line);
        return;
    }
    snprintf(line, sizeof line, _("sale %s %s  %s"), r->sale_id,
             till_name(u->c->t, NAMES_PERIOD, r->period, period),
             u->printed == 1 ? _("receipt printed") : u->printed == 0 ? _("receipt NOT printed") : "");
    screen_center(top + 9, 0, cols, u->printed == 0 ? SCREEN_WARN : SCREEN_DIM, 0, line);
}

static void draw_form(ui *u, int top, int cols)
{
    int lock_s = (int)((u->locked_until - ui_mono_ms() + 999) / 1000);
    static const char *const titles[] = {
        [UI_LOGIN] = N_("Log in"), [UI_OPEN] = N_("Open the shift"),
        [UI_VOID] = N_("Void a sale"), [UI_REPRINT] = N_("Reprint a receipt"),
        [UI_CLOSE] = N_("Close the shift (Z report)"), [UI_ITEMS] = N_("A-la-carte items"),
    };

    screen_text(top, 2, cols - 4, SCREEN_NORMAL, A_BOLD | A_UNDERLINE, _(titles[u->mode]));
    for (int i = 0; i < u->nf; i++) {
        char shown[80];
        size_t n = strlen(u->f[i].buf);
        if (u->f[i].secret) {
            memset(shown, '*', n < sizeof shown - 1 ? n : sizeof shown - 1);
            shown[n < sizeof shown - 1 ? n : sizeof shown - 1] = '\0';
        } else {
            snprintf(shown, sizeof shown, "%s", u->f[i].buf);
        }
        screen_text(top + 2 + i * 2, 4, 36, SCREEN_NORMAL, 0, _(u->f[i].label));
        screen_fill(top + 2 + i * 2, 40, 1, 30, i == u->focus ? SCREEN_BAR : SCREEN_DIM);
        screen_text(top + 2 + i * 2, 41, 28, i == u->focus ? SCREEN_BAR : SCREEN_DIM, 0, shown);
        if (i == u->focus)
            screen_text(top + 2 + i * 2, 41 + screen_width(shown), 1, SCREEN_BAR, A_BLINK, "_");
    }
    if (u->form_note[0])
        screen_text(top + 3 + u->nf * 2, 4, cols - 8, SCREEN_NORMAL, 0, u->form_note);
    if (u->mode == UI_LOGIN && lock_s > 0) {
        char line[128];
        snprintf(line, sizeof line, _("LOCKED for %d s after wrong PINs"), lock_s);
        screen_fill(top + 8, 2, 3, cols - 4, SCREEN_BAD);
        screen_center(top + 9, 2, cols - 4, SCREEN_BAD, A_BOLD, line);
    }
}

static void draw_items(ui *u, int top, int rows, int cols)
{
    char line[256], money[MONEY_SHOW_LEN];
    int64_t total = 0;
    int first = u->sel >= rows - 6 ? u->sel - (rows - 7) : 0;

    draw_form(u, top, cols);
    for (int i = 0; i < u->nlines; i++)
        total += u->lines[i].amount_fen;
    for (int i = first, y = top + 4; i < u->nlines && y < top + rows - 2; i++, y++) {
        const ui_line *l = &u->lines[i];
        char qty[32];
        if (l->per_100g)
            snprintf(qty, sizeof qty, "%d g", l->qty);
        else
            snprintf(qty, sizeof qty, "x%d", l->qty);
        snprintf(line, sizeof line, "%2d %-8s", i + 1, l->code);
        screen_text(y, 4, 12, i == u->sel ? SCREEN_BAR : SCREEN_NORMAL, 0, line);
        screen_text(y, 16, 30, i == u->sel ? SCREEN_BAR : SCREEN_NORMAL, 0, l->name);
        screen_text(y, 48, 10, SCREEN_NORMAL, 0, qty);
        money_show(l->amount_fen, money);
        screen_text(y, 70 - screen_width(money), 12, SCREEN_NORMAL, 0, money);
    }
    snprintf(line, sizeof line, P_("%d line   TOTAL %s   tap the card to charge",
                                   "%d lines   TOTAL %s   tap the card to charge",
                                   (unsigned long)u->nlines), u->nlines,
             money_show(total, money));
    screen_text(top + rows - 1, 4, cols - 8, SCREEN_NORMAL, A_BOLD, line);
}

static void draw_z(ui *u, int top, int rows, int cols)
{
    const shift_report *z = &u->z;
    char line[256], m[2][MONEY_SHOW_LEN], period[NAMES_SIZE], category[NAMES_SIZE];
    int y = top;

    snprintf(line, sizeof line, _("Z REPORT  shift %s / %s   %s to %s"), z->open.id, z->close_id,
             z->open.opened + 11, z->closed + 11);
    screen_text(y++, 2, cols - 4, SCREEN_NORMAL, A_BOLD, line);
    for (size_t i = 0; i < z->n_rows && y < top + rows - 6; i++) {
        /* columns by display width: the names may be Chinese */
        const char *pn = z->rows[i].period[0] ? till_name(u->c->t, NAMES_PERIOD,
                                                           z->rows[i].period, period) : "-";
        till_name(u->c->t, NAMES_CATEGORY, z->rows[i].category, category);
        screen_text(y, 4, 12, SCREEN_NORMAL, 0, pn);
        screen_text(y, 17, 12, SCREEN_NORMAL, 0, category);
        snprintf(line, sizeof line, "%6lld %12s", (long long)z->rows[i].count,
                 money_show(z->rows[i].amount_fen, m[0]));
        screen_text(y++, 30, cols - 32, SCREEN_NORMAL, 0, line);
    }
    snprintf(line, sizeof line, _("  sales %lld  %s     voids %lld  %s"), (long long)z->sale_count,
             money_show(z->sale_fen, m[0]), (long long)z->void_count,
             money_show(z->void_fen, m[1]));
    screen_text(y++, 2, cols - 4, SCREEN_NORMAL, 0, line);
    snprintf(line, sizeof line, _("  subsidy %s   cash %s"), money_show(z->subsidy_fen, m[0]),
             money_show(z->cash_fen, m[1]));
    screen_text(y++, 2, cols - 4, SCREEN_NORMAL, 0, line);
    snprintf(line, sizeof line, _("  NET %s"), money_show(z->net_fen, m[0]));
    screen_text(y++, 2, cols - 4, SCREEN_NORMAL, A_BOLD, line);
    snprintf(line, sizeof line, _("  drawer: %s at the open, %s at the close"),
             money_show(z->open.counted_cash_fen, m[0]),
             money_show(z->closing_cash_fen, m[1]));
    screen_text(y++, 2, cols - 4, SCREEN_NORMAL, 0, line);
    if (z->audit_head[0]) {
        snprintf(line, sizeof line, _("  audit %s"), z->audit_head);
        screen_text(y++, 2, cols - 4, SCREEN_DIM, 0, line);
    }
}

/* The last receipt as text, on the right (--print-preview). */
static void draw_preview(ui *u, int top, int rows, int x, int cols)
{
    size_t len;
    const unsigned char *bytes = printq_last(u->c->pq, &len);
    char *text = NULL, *line, *save = NULL;
    int y = top;

    if (!bytes || decode_text(bytes, len, &text, NULL))
        return;
    for (line = strtok_r(text, "\n", &save); line && y < top + rows;
         line = strtok_r(NULL, "\n", &save)) {
        char clean[256];
        size_t k = 0;
        /* leave out the layout markers; keep the text and the QR content */
        for (char *p = line; *p && k < sizeof clean - 1;) {
            if (*p == '[' && strncmp(p, "[QR:", 4) != 0 && strchr(p, ']')) {
                p = strchr(p, ']') + 1;
                continue;
            }
            clean[k++] = *p++;
        }
        clean[k] = '\0';
        screen_text(y++, x, cols, SCREEN_DIM, 0, clean);
    }
    free(text);
}

void ui_draw(ui *u)
{
    char line[512];
    const char *rtext = _("no reader");
    int top = 3, rows = LINES - 6, cols = COLS, split = 0;
    cp_time now = {0};

    clock_now(&now);
    snprintf(u->clock_shown, sizeof u->clock_shown, "%02d:%02d", now.hour, now.minute);
    erase();
    draw_header(u, &now);
    if (u->c->preview && COLS >= 78) {
        split = 34;
        cols = COLS - split - 1;
        draw_preview(u, top, rows, cols + 1, split);
    }
    switch (u->mode) {
    case UI_LOGIN:
    case UI_OPEN:
    case UI_VOID:
    case UI_REPRINT:
    case UI_CLOSE:
        draw_form(u, top, cols);
        break;
    case UI_ITEMS:
        draw_items(u, top, rows, cols);
        if (u->has_result && u->res.result != CP_OK)
            draw_result(u, top + rows - 9 > top + 4 ? top + 4 : top, cols);
        break;
    case UI_Z:
        draw_z(u, top, rows, cols);
        break;
    case UI_IDLE:
        if (u->has_result) {
            draw_result(u, top, cols);
        } else {
            screen_center(top + 3, 0, cols, SCREEN_NORMAL, A_BOLD, _("Tap a card"));
            screen_center(top + 5, 0, cols, SCREEN_DIM, 0,
                          _("I: items  V: void  R: reprint  Z: close shift  L: log out"));
        }
        break;
    }
    /* message, status and keys */
    if (u->msg[0])
        screen_text(LINES - 3, 1, COLS - 2, u->msg_pair, 0, u->msg);
    else if (u->has_result && u->latency_ms >= 0 && u->mode == UI_IDLE)
        screen_text(LINES - 3, 1, COLS - 2, SCREEN_DIM, 0,
                    (snprintf(line, sizeof line, _("on screen %d ms after the reader's last key"),
                              u->latency_ms),
                     line));
    if (u->c->r)
        reader_status(u->c->r, &rtext);
    if (u->reader_done)
        rtext = _("card input ended");
    snprintf(line, sizeof line, "%s", rtext);
    screen_text(LINES - 2, 1, 26, u->c->r && reader_status(u->c->r, &rtext) == CP_OK &&
                                          !u->reader_done ? SCREEN_NORMAL : SCREEN_WARN,
                0, line);
    if (u->shift.id[0] && u->cashier[0] && u->mode != UI_OPEN && u->mode != UI_Z) {
        snprintf(line, sizeof line, _("shift %s"), u->shift.id);
        screen_text(LINES - 2, 28, 20, SCREEN_NORMAL, 0, line);
    }
    if (!till_online(u->c->t)) {
        /* a terminal of the server that found no answer: it decides offline */
        snprintf(line, sizeof line, "%s", _("OFFLINE: sales kept to send"));
        screen_text(LINES - 2, 49, COLS - 50, SCREEN_BAD, A_BOLD, line);
    } else {
        snprintf(line, sizeof line, "%s", printq_status(u->c->pq));
        screen_text(LINES - 2, 49, COLS - 50,
                    printq_ok(u->c->pq) == 0 ? SCREEN_WARN : SCREEN_NORMAL, 0, line);
    }
    screen_fill(LINES - 1, 0, 1, COLS, SCREEN_BAR);
    switch (u->mode) {
    case UI_LOGIN:
        snprintf(line, sizeof line, _(" Enter: next / log in   Esc: clear   Ctrl-Q: quit"));
        break;
    case UI_IDLE:
        snprintf(line, sizeof line, _(" F2/I items  F3/V void  F4/R reprint  F5/Z close shift"
                   "  F10/L log out"));
        break;
    case UI_ITEMS:
        snprintf(line, sizeof line, _(" Enter: add   Up/Down: pick   Del or -: cancel line   "
                   "Esc: back   tap: charge"));
        break;
    case UI_Z:
        snprintf(line, sizeof line, _(" Enter: open the next shift   L: log out"));
        break;
    default:
        snprintf(line, sizeof line, _(" Enter: next / done   Tab: next field   Esc: back"));
        break;
    }
    screen_text(LINES - 1, 0, COLS, SCREEN_BAR, 0, line);
    refresh();
    u->dirty = 0;
}

