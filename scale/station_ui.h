/* station_ui: the waste station's screen (ncursesw): weight, 光盘 ✓, the department's rate today, kitchen choices. */
#ifndef CP_SCALE_STATION_UI_H
#define CP_SCALE_STATION_UI_H

#include "core/err.h"
#include "scale/station.h"

/* Starts the screen (raw keys; the locale is the one nls_use set). CP_ERR_DEVICE when there is no terminal. */
cp_err station_ui_start(void);

/* Gives the terminal back; harmless when not started. */
void station_ui_stop(void);

/* Draws v, with the scale's and the reader's status lines. */
void station_ui_draw(const station_view *v, const char *scale_status, const char *reader_status);

/* The next key, or -1 when none is waiting. */
int station_ui_key(void);

/* True for the key that leaves the station (F10). */
int station_ui_is_quit(int key);

#endif
