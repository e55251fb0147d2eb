/* ui: the cashier's full-screen terminal (ncursesw): login, taps, items, voids, reprints, shifts. */
#ifndef CP_UI_H
#define CP_UI_H

#include "pos/printq.h"
#include "pos/reader.h"
#include "pos/till.h"

typedef struct ui_config {
    const char *terminal;  /* this terminal's code */
    till *t;               /* borrowed: the store or the server */
    reader *r;             /* borrowed; a keyboard reader opened with fd -1 gets the
                            * screen's keys through reader_feed_key() */
    printq *pq;            /* borrowed */
    int preview;           /* show each receipt decoded on screen after printing it */
    int dup_seconds;       /* duplicate-tap window (0: the ledger's default) */
    int screen_on_tty;     /* draw on /dev/tty: stdin carries card numbers */
} ui_config;

/* Runs the terminal until the cashier quits (or the reader's input ends);
 * returns the program's exit status. Errors are shown on screen, and a
 * failure to start says what to do on stderr. */
int ui_run(const ui_config *c);

#endif
