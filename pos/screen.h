/* screen: the small ncursesw toolkit of the terminals: start/stop, wide text, big digits, colours. */
#ifndef CP_SCREEN_H
#define CP_SCREEN_H

#include <stddef.h>

#include "core/err.h"

/* Colour pairs (plain attributes where the terminal has no colours). */
enum {
    SCREEN_NORMAL = 0,
    SCREEN_BAR,      /* header and key bars */
    SCREEN_OK,       /* a charge went through */
    SCREEN_BAD,      /* a refusal: white on red */
    SCREEN_WARN,     /* something to look at (printer, reader) */
    SCREEN_DIM,
};

/* Starts curses in the locale core/nls set (UTF-8 for Chinese), raw keys without
 * echo, keypad, no cursor, a short Escape delay. With on_tty the screen is
 * /dev/tty, so stdin stays free for card numbers. Returns the descriptor to
 * poll for keys, or -1 with a detail (no terminal, unknown TERM). */
int screen_start(int on_tty);

/* Ends curses and gives the terminal back; safe to call twice. */
void screen_stop(void);

/* Columns a UTF-8 string takes on screen (a Chinese character takes two). */
int screen_width(const char *utf8);

/* Draws utf8 at y, x in at most cols columns, with the attributes of pair
 * and attr: text that is wider is cut by display width on a character
 * boundary (never inside a character nor off its marks) and ends with "…",
 * so that it never spills past its field. Returns the columns drawn. */
int screen_text(int y, int x, int cols, int pair, int attr, const char *utf8);

/* Copies utf8 into dst (size bytes) cut to at most cols columns as
 * screen_text draws it ("…" where it is cut), for a line made of several
 * fields that each must keep some room. Returns its columns. */
int screen_fit(char *dst, size_t size, const char *utf8, int cols);

/* Like screen_text, centred in the cols columns starting at x. */
void screen_center(int y, int x, int cols, int pair, int attr, const char *utf8);

/* Fills rows y..y+h-1, columns x..x+w-1 with blanks in pair. */
void screen_fill(int y, int x, int h, int w, int pair);

/* Draws text ("0-9", '.', '-', ' ') in 5-row block digits at y, centred in
 * the cols columns starting at x; returns 0, or -1 when it does not fit
 * (then nothing is drawn). */
int screen_big(int y, int x, int cols, int pair, const char *text);

/* Wraps utf8 into lines of at most cols columns at y, x, at most rows lines;
 * returns the lines used. */
int screen_wrap(int y, int x, int cols, int rows, int pair, int attr, const char *utf8);

#endif
