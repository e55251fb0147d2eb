/* screen: the small ncursesw toolkit of the terminals: start/stop, wide text, big digits, colours. */
#define NCURSES_WIDECHAR 1
#include "pos/screen.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static SCREEN *screen_scr;
static FILE *screen_tty;

int screen_start(int on_tty)
{
    FILE *in = stdin, *out = stdout;

    setlocale(LC_ALL, "");
    if (on_tty) {
        if (!(screen_tty = fopen("/dev/tty", "r+"))) {
            cp_fail(CP_ERR_DEVICE, "no terminal to draw on (/dev/tty): run the terminal on a "
                                   "console or in a terminal window");
            return -1;
        }
        in = out = screen_tty;
    }
    if (!(screen_scr = newterm(NULL, out, in))) {
        cp_fail(CP_ERR_DEVICE, "cannot start the screen on terminal type '%s': set TERM to "
                               "one that exists (linux on a console, xterm-256color in a window)",
                getenv("TERM") ? getenv("TERM") : "(none)");
        if (screen_tty)
            fclose(screen_tty);
        screen_tty = NULL;
        return -1;
    }
    set_term(screen_scr);
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
        init_pair(SCREEN_BAR, COLOR_BLACK, COLOR_CYAN);
        init_pair(SCREEN_OK, COLOR_WHITE, COLOR_GREEN);
        init_pair(SCREEN_BAD, COLOR_WHITE, COLOR_RED);
        init_pair(SCREEN_WARN, COLOR_BLACK, COLOR_YELLOW);
        init_pair(SCREEN_DIM, COLOR_BLUE, -1);
    }
    return fileno(in);
}

void screen_stop(void)
{
    if (!screen_scr)
        return;
    endwin();
    delscreen(screen_scr);
    screen_scr = NULL;
    if (screen_tty)
        fclose(screen_tty);
    screen_tty = NULL;
}

/* The attributes of a colour pair, or reverse/bold without colours. */
static attr_t pair_attr(int pair)
{
    if (pair == SCREEN_NORMAL)
        return A_NORMAL;
    if (has_colors())
        return (attr_t)COLOR_PAIR(pair);
    return pair == SCREEN_DIM ? A_DIM : A_REVERSE;
}

int screen_width(const char *utf8)
{
    mbstate_t st;
    size_t len = strlen(utf8), n;
    int w = 0;
    wchar_t wc;

    memset(&st, 0, sizeof st);
    while (len > 0 && (n = mbrtowc(&wc, utf8, len, &st)) != 0) {
        int cw;
        if (n == (size_t)-1 || n == (size_t)-2) {
            memset(&st, 0, sizeof st);
            n = 1;
            cw = 1;
        } else {
            cw = wcwidth(wc);
        }
        w += cw > 0 ? cw : 0;
        utf8 += n;
        len -= n;
    }
    return w;
}

int screen_text(int y, int x, int cols, int pair, int attr, const char *utf8)
{
    wchar_t buf[512];
    mbstate_t st;
    size_t len = strlen(utf8), n;
    int w = 0, k = 0;
    wchar_t wc;

    if (y < 0 || y >= LINES || x >= COLS || cols <= 0)
        return 0;
    if (x + cols > COLS)
        cols = COLS - x;
    memset(&st, 0, sizeof st);
    while (len > 0 && k < (int)(sizeof buf / sizeof buf[0]) - 1 &&
           (n = mbrtowc(&wc, utf8, len, &st)) != 0) {
        int cw;
        if (n == (size_t)-1 || n == (size_t)-2) {
            memset(&st, 0, sizeof st);
            n = 1;
            wc = L'?';
        }
        cw = wcwidth(wc);
        if (cw < 0) {
            wc = L'?';
            cw = 1;
        }
        if (w + cw > cols)
            break;
        buf[k++] = wc;
        w += cw;
        utf8 += n;
        len -= n;
    }
    buf[k] = L'\0';
    attron(pair_attr(pair) | (attr_t)attr);
    mvaddnwstr(y, x, buf, k);
    attroff(pair_attr(pair) | (attr_t)attr);
    return w;
}

void screen_center(int y, int x, int cols, int pair, int attr, const char *utf8)
{
    int w = screen_width(utf8);

    screen_text(y, w < cols ? x + (cols - w) / 2 : x, cols, pair, attr, utf8);
}

void screen_fill(int y, int x, int h, int w, int pair)
{
    attr_t a = pair_attr(pair);

    attron(a);
    for (int r = y; r < y + h && r < LINES; r++)
        for (int c = x; c < x + w && c < COLS; c++)
            mvaddch(r, c, ' ');
    attroff(a);
}

/* Rows of the block digits: '#' is a filled cell (two columns wide). */
static const char *glyph(char ch)
{
    switch (ch) {
    case '0': return "###" "# #" "# #" "# #" "###";
    case '1': return " # " "## " " # " " # " "###";
    case '2': return "###" "  #" "###" "#  " "###";
    case '3': return "###" "  #" "###" "  #" "###";
    case '4': return "# #" "# #" "###" "  #" "  #";
    case '5': return "###" "#  " "###" "  #" "###";
    case '6': return "###" "#  " "###" "# #" "###";
    case '7': return "###" "  #" "  #" "  #" "  #";
    case '8': return "###" "# #" "###" "# #" "###";
    case '9': return "###" "# #" "###" "  #" "###";
    case '-': return "   " "   " "###" "   " "   ";
    case ' ': return "   " "   " "   " "   " "   ";
    default: return NULL;
    }
}

int screen_big(int y, int x, int cols, int pair, const char *text)
{
    int width = 0, cx;
    attr_t on = pair == SCREEN_NORMAL ? A_REVERSE : pair_attr(pair) | A_REVERSE;

    if (has_colors() && pair != SCREEN_NORMAL)
        on = pair_attr(pair); /* filled with the pair's background */
    for (const char *p = text; *p; p++) {
        if (*p == '.')
            width += 3;
        else if (glyph(*p))
            width += 7;
        else
            return -1;
    }
    if (width > cols || y + 5 > LINES)
        return -1;
    cx = x + (cols - width) / 2;
    for (const char *p = text; *p; p++) {
        if (*p == '.') {
            attron(on);
            mvaddstr(y + 4, cx, "  ");
            attroff(on);
            cx += 3;
            continue;
        }
        const char *g = glyph(*p);
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 3; c++)
                if (g[r * 3 + c] == '#') {
                    attron(on);
                    mvaddstr(y + r, cx + c * 2, "  ");
                    attroff(on);
                }
        cx += 7;
    }
    return 0;
}

int screen_wrap(int y, int x, int cols, int rows, int pair, int attr, const char *utf8)
{
    const char *s = utf8;
    int used = 0;

    while (*s && used < rows) {
        /* the longest prefix that fits, broken after a blank when there is one */
        const char *p = s, *cut = NULL, *brk = NULL;
        char line[512];
        int w = 0;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        while (*p) {
            wchar_t wc;
            size_t n = mbrtowc(&wc, p, strlen(p), &st);
            int cw;
            if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
                memset(&st, 0, sizeof st);
                n = 1;
                cw = 1;
            } else {
                cw = wcwidth(wc) > 0 ? wcwidth(wc) : 0;
            }
            if (w + cw > cols)
                break;
            w += cw;
            p += n;
            if (*p == ' ')
                brk = p;
        }
        cut = !*p || !brk ? p : brk;
        if (cut == s)
            cut = s + 1;
        snprintf(line, sizeof line, "%.*s", (int)(cut - s), s);
        screen_text(y + used, x, cols, pair, attr, line);
        used++;
        s = cut;
        while (*s == ' ')
            s++;
    }
    return used;
}
