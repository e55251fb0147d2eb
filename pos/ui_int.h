/* ui_int: what the cashier's screen (ui.c: its keys, cards and loop; ui_modes.c: its modes and the till) and its drawing (ui_draw.c) share. */
#ifndef CP_UI_INT_H
#define CP_UI_INT_H

#include <stdint.h>

#include "core/ids.h"
#include "core/ledger.h"
#include "pos/shift.h"
#include "pos/ui.h"

#define UI_MAX_LINES 24     /* a-la-carte lines in one sale */
#define UI_MAX_FIELDS 4
#define UI_KEY_QUIT 17      /* Ctrl-Q */

typedef enum ui_mode {
    UI_LOGIN,   /* name and PIN */
    UI_OPEN,    /* open the shift: cash in the drawer */
    UI_IDLE,    /* waiting for a tap; shows the last result */
    UI_ITEMS,   /* a-la-carte lines, then a tap */
    UI_VOID,    /* sale number, manager, manager PIN, reason */
    UI_REPRINT, /* receipt number */
    UI_CLOSE,   /* close the shift: cash in the drawer */
    UI_Z,       /* the Z report just closed */
} ui_mode;

typedef struct ui_field {
    const char *label;
    char buf[64];
    int secret;
    int offered; /* buf holds what the form offered (the last sale's number):
                  * the first key typed replaces it, as a selected text */
} ui_field;

typedef struct ui_line {
    char code[32];
    char name[128];
    int qty;              /* pieces, or grams for per_100g */
    int per_100g;
    int64_t amount_fen;
} ui_line;

typedef struct ui {
    const ui_config *c;
    ui_mode mode;
    char session[IDS_LEN];
    long seq;
    /* the cashier */
    char cashier[128];
    int64_t locked_until;  /* the login's countdown on screen; the lock is in core/users */
    shift_info shift;
    /* the form of the mode */
    ui_field f[UI_MAX_FIELDS];
    int nf, focus;
    char form_note[256];
    /* the message line */
    char msg[256];
    int msg_pair;
    /* the last tap */
    int has_result;
    charge_res res;
    int printed;           /* its receipt: 1 printed, 0 not, -1 no printer */
    int latency_ms;        /* reader's last key to the screen updated */
    /* a-la-carte */
    ui_line lines[UI_MAX_LINES];
    int nlines, sel;
    int weighing;          /* the code field holds grams for pending_item */
    ui_line pending_item;
    /* the Z report shown */
    shift_report z;
    int has_z;
    char last_receipt[IDS_LEN];
    /* the reader */
    int reader_done;
    int reader_keys;
    int reader_was_down;   /* the last status said disconnected */
    /* drawing */
    int dirty;
    char clock_shown[8];
    int quit;
} ui;

/* Monotonic milliseconds, for the lock and the measurements. */
int64_t ui_mono_ms(void);

/* Draws the whole screen for u's mode (ui_draw.c). */
void ui_draw(ui *u);

/* The modes (ui_modes.c), as the keys and cards (ui.c) enter them. */

/* Puts a message on the message line (pair says how it looks); fmt is
 * translated there (ui_say is an xgettext keyword). */
void ui_say(ui *u, int pair, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The modes entered from a key, each with its form. */
void ui_go_login(ui *u);
void ui_go_open(ui *u);
void ui_go_idle(ui *u);
void ui_go_items(ui *u);
void ui_go_void(ui *u);
void ui_go_reprint(ui *u);
void ui_go_close(ui *u);
void ui_logout(ui *u);

/* Enter in a form: the next field, or submit on the last. */
void ui_form_enter(ui *u);

/* Charges the card: the fixed-price meal, or the a-la-carte lines. */
void ui_charge(ui *u, const reader_event *ev);

/* The receipt of the last charge, after the screen shows it. */
void ui_print_result(ui *u);

#endif
