/* station_ui: the waste station's screen (ncursesw): weight, 光盘 ✓, the department's rate today, kitchen choices. */
#include "scale/station_ui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/nls.h"
#include "core/names.h"
#include "core/utf8.h"
#include "pos/screen.h"

static int started;

enum { PAIR_OK = 1, PAIR_BAD, PAIR_TITLE, PAIR_WARN };

cp_err station_ui_start(void)
{
    /* the locale is core/nls's (set by nls_use before the screen starts):
     * it may have fallen back to C.UTF-8 to draw Chinese */
    if (!isatty(0) || !isatty(1))
        return cp_fail(CP_ERR_DEVICE, "the screen needs a terminal");
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

/* One line of text at column x, cut by display width to the screen's edge
 * (never inside a character, "…" where cut: a long name never spills onto
 * the next line). */
static void text_at(int y, int x, int pair, int bold, const char *text)
{
    int attr = (pair && has_colors() ? (int)COLOR_PAIR(pair) : 0) | (bold ? (int)A_BOLD : 0);

    screen_text(y, x, COLS - x - 1, SCREEN_NORMAL, attr, text);
}

static void line_attr(int y, int pair, int bold, const char *text)
{
    text_at(y, 2, pair, bold, text);
}

/* The choices of a kitchen step, "1 主食   2 蔬菜 ...", wrapped on up to 3 rows. */
static void draw_choices(int y, const char *list, size_t size, int n)
{
    char line[STATION_MAX_CHOICES * 140] = "";
    size_t used = 0;

    for (int i = 0; i < n && used < sizeof line; i++)
        used += (size_t)snprintf(line + used, sizeof line - used, "%d %s   ", i + 1,
                                 list + (size_t)i * size);
    screen_wrap(y, 2, COLS - 3, 3, SCREEN_NORMAL, 0, line);
}

static void draw_kitchen(const station_view *v, int y)
{
    static const char *const steps[] = {N_("1 stage"), N_("2 category"), N_("3 reason"),
                                        N_("4 container"), N_("5 weigh and Enter")};
    char buf[1024];
    const station_cfg *c = v->cfg;
    size_t used;

    utf8_format(buf, sizeof buf, _("stage: %s   category: %s   reason: %s   container: %s"),
                v->step > STATION_STEP_STAGE ? names_builtin(NAMES_STAGE, v->stage) : "-",
                v->category[0] ? v->category : "-", v->reason[0] ? v->reason : "-",
                v->container[0] ? v->container : _("none"));
    line_attr(y++, 0, 0, buf);
    snprintf(buf, sizeof buf, _("now: %s   (Backspace: back)"), _(steps[v->step]));
    line_attr(y++, PAIR_WARN, 1, buf);
    switch (v->step) {
    case STATION_STEP_STAGE:
        snprintf(buf, sizeof buf, "1 %s   2 %s   3 %s",
                 names_builtin(NAMES_STAGE, station_kitchen_stages[0]),
                 names_builtin(NAMES_STAGE, station_kitchen_stages[1]),
                 names_builtin(NAMES_STAGE, station_kitchen_stages[2]));
        line_attr(y, 0, 0, buf);
        break;
    case STATION_STEP_CATEGORY:
        draw_choices(y, c->categories[0], sizeof c->categories[0], c->ncategories);
        break;
    case STATION_STEP_REASON:
        draw_choices(y, c->reasons[0], sizeof c->reasons[0], c->nreasons);
        break;
    case STATION_STEP_CONTAINER:
        used = (size_t)snprintf(buf, sizeof buf, _("0 none   "));
        for (int i = 0; i < c->ncontainers && used < sizeof buf; i++)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%d %s (%lld g)   ", i + 1,
                                     c->containers[i].name, (long long)c->containers[i].tare_g);
        screen_wrap(y, 2, COLS - 3, 3, SCREEN_NORMAL, 0, buf);
        break;
    case STATION_STEP_WEIGH:
        line_attr(y, 0, 0, v->phase == STATION_CONFIRM ? _("Enter: record this weight")
                                                        : _("put the container on the scale"));
        break;
    }
}

/* "last: 355 g  name · department · category" in at most cols columns: the
 * name and the department are each cut by display width when the line is too
 * wide (the department to a third at the least), so that both still show. */
static void last_line(const waste_res *r, const char *grams, int cols, char *buf, size_t size)
{
    char who[DINERS_NAME_SIZE + 4], dept[DINERS_NAME_SIZE + 4], cat[sizeof r->category + 4];
    /* a card's tray saved offline has no name yet: it is no anonymous tray */
    const char *name = r->name[0] ? r->name
                       : strcmp(r->stage, "plate") == 0 && r->card_no[0] &&
                                 !(r->flags & WASTE_FLAG_ANONYMOUS)
                           ? _("your tray (saved; your name when the server answers)")
                       : strcmp(r->stage, "plate") == 0 ? _("anonymous tray")
                                                        : names_builtin(NAMES_STAGE, r->stage);
    int room = cols - 6 - screen_width(grams) - 2 - (r->department[0] ? 3 : 0) -
               (r->category[0] ? 3 : 0);
    int want = screen_width(r->department) + screen_width(r->category);

    if (room < 3)
        room = 3;
    room -= screen_fit(who, sizeof who, name, room - (want < room / 3 ? want : room / 3));
    room -= screen_fit(dept, sizeof dept, r->department, r->category[0] ? room / 2 : room);
    screen_fit(cat, sizeof cat, r->category, room);
    utf8_format(buf, size, _("last: %s  %s%s%s%s%s"), grams, who, r->department[0] ? " · " : "",
                dept, r->category[0] ? " · " : "", cat);
}

void station_ui_draw(const station_view *v, const char *scale_status, const char *reader_status)
{
    char buf[1024], w[32];
    int y = 0, cols;

    if (!started)
        return;
    erase();
    cols = COLS;
    if (has_colors())
        attron(COLOR_PAIR(PAIR_TITLE));
    mvhline(0, 0, ' ', cols);
    snprintf(buf, sizeof buf, _(" CleanPlate waste station %s — %s mode"), v->cfg->terminal,
             v->mode == STATION_PLATE ? _("plate (tray return)") : _("kitchen"));
    screen_text(0, 0, cols, SCREEN_NORMAL, 0, buf);
    if (has_colors())
        attroff(COLOR_PAIR(PAIR_TITLE));
    y = 2;
    if (!v->connected) {
        line_attr(y, PAIR_BAD, 1,
                  _(" scale disconnected — plug it back in; it reconnects by itself "));
        y += 2;
    }
    /* the live weight */
    if (v->live_status == PROTO_OVERLOAD)
        snprintf(buf, sizeof buf, _("OVERLOAD — take some weight off"));
    else if (v->live_status == PROTO_UNDERLOAD)
        snprintf(buf, sizeof buf, _("under zero — press z to zero the scale when it is empty"));
    else if (v->live_status == PROTO_IMPOSSIBLE)
        snprintf(buf, sizeof buf, _("the scale sent an impossible weight — check its unit "
                   "and the protocol"));
    else if (v->live_status == PROTO_ERROR)
        snprintf(buf, sizeof buf, _("the scale reports an error — see its display"));
    else if (v->live_has_weight) {
        fmt_grams(w, sizeof w, v->live_g);
        snprintf(buf, sizeof buf, "%s   %s", w, v->live_stable ? _("stable") : _("settling..."));
    } else
        snprintf(buf, sizeof buf, "%s", v->connected ? _("waiting for the scale...") : "-");
    line_attr(y, 0, 1, buf);
    if (v->tare_g > 0) {
        fmt_grams(w, sizeof w, v->tare_g);
        mvprintw(y, 40, _("tare %s"), w);
    }
    y += 2;

    /* what is going on */
    switch (v->phase) {
    case STATION_READY:
        snprintf(buf, sizeof buf, "%s", v->mode == STATION_PLATE
                 ? _("tap your card, then put the tray on the scale") : "");
        break;
    case STATION_CARD:
        snprintf(buf, sizeof buf, _("card %s — put the tray on the scale"), v->card);
        break;
    case STATION_WAIT_CARD:
        snprintf(buf, sizeof buf, _("tap your card now (%d s), or it counts as an anonymous tray"),
                 (v->wait_left_ms + 999) / 1000);
        break;
    case STATION_CONFIRM:
        fmt_grams(w, sizeof w, v->pending->gross_g - v->tare_g);
        snprintf(buf, sizeof buf, _("settled: %s net"), w);
        break;
    case STATION_SAVING:
        snprintf(buf, sizeof buf, _("saving... (the weighing is kept until it is saved)"));
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
        last_line(r, w, cols - 4, buf, sizeof buf);
        line_attr(y++, 0, 1, buf);
        if (r->clean_plate)
            line_attr(y++, PAIR_OK, 1, _("光盘 ✓  clean plate, thank you!"));
        if (r->flags & WASTE_FLAG_NEGATIVE)
            line_attr(y++, PAIR_WARN, 0, _("below zero after the tare: recorded and flagged"));
        if (r->flags & WASTE_FLAG_OVERLOAD)
            line_attr(y++, PAIR_WARN, 0, _("over the scale's capacity: recorded and flagged"));
        if (r->flags & WASTE_FLAG_NO_MEAL)
            line_attr(y++, PAIR_WARN, 0,
                      _("no meal found for this card in this period: flagged"));
        if (strcmp(r->stage, "plate") == 0 && r->rate_pct >= 0) {
            utf8_format(buf, sizeof buf, _("%s clean plates today: %d%% (%ld of %ld trays)"),
                        r->rate_of_department ? r->department : _("canteen"), r->rate_pct,
                        r->rate_clean, r->rate_trays);
            line_attr(y++, 0, 0, buf);
        }
        y++;
    }
    if (v->message[0])
        line_attr(y++, PAIR_WARN, 0, v->message);
    if (v->mode == STATION_KITCHEN)
        draw_kitchen(v, y + 1);

    line_attr(LINES - 3, 0, 0, scale_status ? scale_status : "");
    line_attr(LINES - 2, 0, 0, reader_status ? reader_status : "");
    if (has_colors())
        attron(COLOR_PAIR(PAIR_TITLE));
    mvhline(LINES - 1, 0, ' ', cols);
    screen_text(LINES - 1, 0, cols, SCREEN_NORMAL, 0, _(" m mode   t tare   z zero   F10 leave"));
    if (has_colors())
        attroff(COLOR_PAIR(PAIR_TITLE));
    refresh();
}
