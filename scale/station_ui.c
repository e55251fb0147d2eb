/* station_ui: the waste station's screen (ncursesw): weight, 光盘 ✓, the department's rate today, kitchen choices. */
#include "scale/station_ui.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int started;

enum { PAIR_OK = 1, PAIR_BAD, PAIR_TITLE, PAIR_WARN };

cp_err station_ui_start(void)
{
    if (!isatty(0) || !isatty(1))
        return cp_fail(CP_ERR_DEVICE, "the screen needs a terminal");
    setlocale(LC_ALL, "");
    if (!initscr())
        return cp_fail(CP_ERR_DEVICE, "cannot start the screen (is TERM set?)");
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    if (has_colors()) {
        start_color();
        init_pair(PAIR_OK, COLOR_GREEN, COLOR_BLACK);
        init_pair(PAIR_BAD, COLOR_WHITE, COLOR_RED);
        init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_WARN, COLOR_YELLOW, COLOR_BLACK);
    }
    started = 1;
    return CP_OK;
}

void station_ui_stop(void)
{
    if (started)
        endwin();
    started = 0;
}

int station_ui_key(void)
{
    int k = started ? getch() : ERR;
    return k == ERR ? -1 : k;
}

int station_ui_is_quit(int key)
{
    return key == KEY_F(10);
}

/* Formats grams for people: "352 g", or "1.250 kg" from a kilogram up. */
static void fmt_grams(char *buf, size_t size, int64_t g)
{
    int64_t a = g < 0 ? -g : g;
    if (a >= 1000)
        snprintf(buf, size, "%s%lld.%03lld kg", g < 0 ? "-" : "", (long long)(a / 1000),
                 (long long)(a % 1000));
    else
        snprintf(buf, size, "%lld g", (long long)g);
}

static void line_attr(int y, int pair, int bold, const char *text)
{
    if (pair && has_colors())
        attron(COLOR_PAIR(pair));
    if (bold)
        attron(A_BOLD);
    mvaddstr(y, 2, text);
    attroff(A_BOLD);
    if (pair && has_colors())
        attroff(COLOR_PAIR(pair));
}

static void draw_kitchen(const station_view *v, int y)
{
    static const char *const steps[] = {"1 stage", "2 category", "3 reason", "4 container",
                                        "5 weigh and Enter"};
    char buf[256];
    const station_cfg *c = v->cfg;

    snprintf(buf, sizeof buf, "stage: %s   category: %s   reason: %s   container: %s",
             v->step > STATION_STEP_STAGE ? v->stage : "-", v->category[0] ? v->category : "-",
             v->reason[0] ? v->reason : "-", v->container[0] ? v->container : "none");
    mvaddstr(y++, 2, buf);
    snprintf(buf, sizeof buf, "now: %s   (Backspace: back)", steps[v->step]);
    line_attr(y++, PAIR_WARN, 1, buf);
    move(y, 2);
    switch (v->step) {
    case STATION_STEP_STAGE:
        for (int i = 0; i < 3; i++)
            printw("%d %s   ", i + 1, station_kitchen_stages[i]);
        break;
    case STATION_STEP_CATEGORY:
        for (int i = 0; i < c->ncategories; i++)
            printw("%d %s   ", i + 1, c->categories[i]);
        break;
    case STATION_STEP_REASON:
        for (int i = 0; i < c->nreasons; i++)
            printw("%d %s   ", i + 1, c->reasons[i]);
        break;
    case STATION_STEP_CONTAINER:
        printw("0 none   ");
        for (int i = 0; i < c->ncontainers; i++)
            printw("%d %s (%lld g)   ", i + 1, c->containers[i].name,
                   (long long)c->containers[i].tare_g);
        break;
    case STATION_STEP_WEIGH:
        printw("%s", v->phase == STATION_CONFIRM ? "Enter: record this weight"
                                                 : "put the container on the scale");
        break;
    }
}

void station_ui_draw(const station_view *v, const char *scale_status, const char *reader_status)
{
    char buf[512], w[32];
    int y = 0, cols;

    if (!started)
        return;
    erase();
    cols = COLS;
    if (has_colors())
        attron(COLOR_PAIR(PAIR_TITLE));
    mvhline(0, 0, ' ', cols);
    snprintf(buf, sizeof buf, " CleanPlate waste station %s — %s mode", v->cfg->terminal,
             v->mode == STATION_PLATE ? "plate (tray return)" : "kitchen");
    mvaddstr(0, 0, buf);
    if (has_colors())
        attroff(COLOR_PAIR(PAIR_TITLE));
    y = 2;
    if (!v->connected) {
        line_attr(y, PAIR_BAD, 1, " scale disconnected — plug it back in; it reconnects by itself ");
        y += 2;
    }
    /* the live weight */
    if (v->live_status == PROTO_OVERLOAD)
        snprintf(buf, sizeof buf, "OVERLOAD — take some weight off");
    else if (v->live_status == PROTO_UNDERLOAD)
        snprintf(buf, sizeof buf, "under zero — press z to zero the scale when it is empty");
    else if (v->live_status == PROTO_IMPOSSIBLE)
        snprintf(buf, sizeof buf, "the scale sent an impossible weight — check its unit "
                 "and the protocol");
    else if (v->live_status == PROTO_ERROR)
        snprintf(buf, sizeof buf, "the scale reports an error — see its display");
    else if (v->live_has_weight) {
        fmt_grams(w, sizeof w, v->live_g);
        snprintf(buf, sizeof buf, "%s   %s", w, v->live_stable ? "stable" : "settling...");
    } else
        snprintf(buf, sizeof buf, "%s", v->connected ? "waiting for the scale..." : "-");
    line_attr(y, 0, 1, buf);
    if (v->tare_g > 0) {
        fmt_grams(w, sizeof w, v->tare_g);
        mvprintw(y, 40, "tare %s", w);
    }
    y += 2;

    /* what is going on */
    switch (v->phase) {
    case STATION_READY:
        snprintf(buf, sizeof buf, "%s", v->mode == STATION_PLATE
                 ? "tap your card, then put the tray on the scale" : "");
        break;
    case STATION_CARD:
        snprintf(buf, sizeof buf, "card %s — put the tray on the scale", v->card);
        break;
    case STATION_WAIT_CARD:
        snprintf(buf, sizeof buf, "tap your card now (%d s), or it counts as an anonymous tray",
                 (v->wait_left_ms + 999) / 1000);
        break;
    case STATION_CONFIRM:
        fmt_grams(w, sizeof w, v->pending->gross_g - v->tare_g);
        snprintf(buf, sizeof buf, "settled: %s net", w);
        break;
    case STATION_SAVING:
        snprintf(buf, sizeof buf, "saving... (the weighing is kept until it is saved)");
        break;
    case STATION_DONE:
        buf[0] = '\0';
        break;
    }
    line_attr(y, PAIR_WARN, 1, buf);
    y += 2;

    if (v->has_last) {
        const waste_res *r = v->last;
        fmt_grams(w, sizeof w, r->net_g);
        snprintf(buf, sizeof buf, "last: %s  %s%s%s%s", w,
                 r->name[0] ? r->name : strcmp(r->stage, "plate") == 0 ? "anonymous tray"
                                                                       : r->stage,
                 r->department[0] ? " · " : "", r->department,
                 r->category[0] ? " · " : "");
        if (r->category[0])
            strncat(buf, r->category, sizeof buf - strlen(buf) - 1);
        line_attr(y++, 0, 1, buf);
        if (r->clean_plate)
            line_attr(y++, PAIR_OK, 1, "光盘 ✓  clean plate, thank you!");
        if (r->flags & WASTE_FLAG_NEGATIVE)
            line_attr(y++, PAIR_WARN, 0, "below zero after the tare: recorded and flagged");
        if (r->flags & WASTE_FLAG_OVERLOAD)
            line_attr(y++, PAIR_WARN, 0, "over the scale's capacity: recorded and flagged");
        if (r->flags & WASTE_FLAG_NO_MEAL)
            line_attr(y++, PAIR_WARN, 0, "no meal found for this card in this period: flagged");
        if (strcmp(r->stage, "plate") == 0 && r->rate_pct >= 0) {
            snprintf(buf, sizeof buf, "%s clean plates today: %d%% (%ld of %ld trays)",
                     r->rate_of_department ? r->department : "canteen", r->rate_pct,
                     r->rate_clean, r->rate_trays);
            line_attr(y++, 0, 0, buf);
        }
        y++;
    }
    if (v->message[0])
        line_attr(y++, PAIR_WARN, 0, v->message);
    if (v->mode == STATION_KITCHEN)
        draw_kitchen(v, y + 1);

    mvaddstr(LINES - 3, 2, scale_status ? scale_status : "");
    mvaddstr(LINES - 2, 2, reader_status ? reader_status : "");
    if (has_colors())
        attron(COLOR_PAIR(PAIR_TITLE));
    mvhline(LINES - 1, 0, ' ', cols);
    mvaddstr(LINES - 1, 0, " m mode   t tare   z zero   F10 leave");
    if (has_colors())
        attroff(COLOR_PAIR(PAIR_TITLE));
    refresh();
}
