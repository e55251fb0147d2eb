/* screen: the small ncursesw toolkit of the terminals: start/stop, wide text, big digits, colours. */
#define NCURSES_WIDECHAR 1
#include "pos/screen.h"

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/utf8.h"

static SCREEN *screen_scr;
static FILE *screen_tty;

int screen_start(int on_tty)
{
    FILE *in = stdin, *out = stdout;

    /* the locale is core/nls's (set by nls_use before the screen starts):
     * it may have fallen back to C.UTF-8 to draw Chinese */
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

/* The next character of s (len > 0 bytes) as a wide character with its
 * columns; a byte that starts no character, or a character that cannot be
 * shown (a control), is a '?' of one column. Returns the bytes it took. */
static size_t next_glyph(const char *s, size_t len, wchar_t *wc, int *cols)
{
    uint32_t cp = 0;
    size_t n = utf8_char(s, len, &cp);

    /* glibc's wchar_t is the code point (__STDC_ISO_10646__) in every locale */
    *wc = n ? (wchar_t)cp : L'?';
    *cols = n ? wcwidth(*wc) : 1;
    if (*cols < 0) {
        *wc = L'?';
        *cols = 1;
    }
    return n ? n : 1;
}

int screen_width(const char *utf8)
{
    size_t len = strlen(utf8), n;
    int w = 0, cw;
    wchar_t wc;

    for (; len > 0; utf8 += n, len -= n) {
        n = next_glyph(utf8, len, &wc, &cw);
        w += cw;
    }
    return w;
}

/* How much of utf8 fits in cols columns: the length in bytes of the prefix
 * to show, and *cut set when the rest is left out, in which case the prefix
 * leaves one column for "…". The prefix never ends inside a character nor
 * between a character and its marks (they take no column, so they stay with
 * it) nor after a joiner; *width gets its columns. */
static size_t fit_cols(const char *utf8, int cols, int *width, bool *cut)
{
    size_t len = strlen(utf8), i = 0, keep = 0, n;
    int w = 0, w_keep = 0, cw;
    wchar_t wc;

    *cut = false;
    for (; i < len; i += n) {
        n = next_glyph(utf8 + i, len - i, &wc, &cw);
        if (w + cw > cols) {
            *cut = true;
            break;
        }
        w += cw;
        if (w <= cols - 1 && wc != 0x200d) { /* room for "…"; a joiner goes with what follows */
            keep = i + n;
            w_keep = w;
        }
    }
    if (!*cut) {
        *width = w;
        return len;
    }
    *width = w_keep + (cols >= 1 ? 1 : 0);
    return keep;
}

int screen_fit(char *dst, size_t size, const char *utf8, int cols)
{
    int w = 0;
    bool cut;
    size_t n = fit_cols(utf8, cols, &w, &cut);

    if (cut && cols >= 1)
        utf8_format(dst, size, "%.*s%s", (int)n, utf8, UTF8_ELLIPSIS);
    else
        utf8_format(dst, size, "%.*s", (int)n, utf8);
    return w;
}

int screen_text(int y, int x, int cols, int pair, int attr, const char *utf8)
{
    wchar_t buf[512];
    size_t len, n;
    int w = 0, k = 0, cw;
    bool cut;

    if (y < 0 || y >= LINES || x < 0 || x >= COLS || cols <= 0)
        return 0;
    if (x + cols > COLS)
        cols = COLS - x;
    len = fit_cols(utf8, cols, &w, &cut);
    for (; len > 0 && k < (int)(sizeof buf / sizeof buf[0]) - 2; utf8 += n, len -= n)
        n = next_glyph(utf8, len, &buf[k++], &cw);
    if (cut)
        buf[k++] = L'\u2026';
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
        size_t len = strlen(s), i = 0, brk = 0, cut, n;
        int w = 0, cw;
        wchar_t wc;
        char *line;

        if (used == rows - 1) {
            /* the last row: the rest, cut with "…" when it is longer */
            screen_text(y + used, x, cols, pair, attr, s);
            return used + 1;
        }
        /* the longest prefix that fits, broken after a blank when there is one */
        for (; i < len; i += n) {
            n = next_glyph(s + i, len - i, &wc, &cw);
            if (w + cw > cols)
                break;
            w += cw;
            if (s[i + n] == ' ')
                brk = i + n;
        }
        cut = i == len || !brk ? i : brk;
        if (cut == 0) /* a character wider than the field: it goes alone, screen_text cuts it */
            cut = next_glyph(s, len, &wc, &cw);
        if (!(line = strndup(s, cut)))
            return used;
        screen_text(y + used, x, cols, pair, attr, line);
        free(line);
        used++;
        s += cut;
        while (*s == ' ')
            s++;
    }
    return used;
}
