/* station: the waste station's rules: cards, settled weights and kitchen choices in, one record per placement out. */
#ifndef CP_SCALE_STATION_H
#define CP_SCALE_STATION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/db.h"
#include "core/waste.h"
#include "scale/proto.h"
#include "scale/stable.h"

#define STATION_MAX_CHOICES 9 /* number keys 1-9 */
#define STATION_ANON_WAIT_MS 3000
#define STATION_CARD_VALID_MS 20000
#define STATION_RETRY_MS 500

typedef enum station_mode {
    STATION_PLATE = 0, /* tray return: card, then tray; records by itself */
    STATION_KITCHEN,   /* stage, category, reason, container; staff confirm */
} station_mode;

/* A container of known weight for kitchen waste. */
typedef struct station_container {
    char name[64];
    int64_t tare_g;
} station_container;

/* How a station works; station_config_defaults() then station_config_load(). */
typedef struct station_cfg {
    char terminal[64];
    char actor[64];            /* who records: "station" unless configured */
    station_mode mode;
    int64_t clean_plate_g;     /* 光盘 at or under this net weight */
    int64_t tray_tare_g;       /* plate mode: the tray's weight */
    int64_t capacity_g;        /* recorded as gross for an overload */
    int anon_wait_ms;          /* a tray nobody tapped for waits this long, then anonymous */
    int card_valid_ms;         /* a tap counts for a tray settling within this */
    stable_cfg stable;
    char categories[STATION_MAX_CHOICES][UTF8_SIZE(WASTE_CATEGORY_MAX)];
    int ncategories;
    char reasons[STATION_MAX_CHOICES][UTF8_SIZE(WASTE_REASON_MAX)];
    int nreasons;
    station_container containers[STATION_MAX_CHOICES];
    int ncontainers;
    /* [scale] and [reader], for station_run */
    char port[256], protocol[32], unit[8], framing[8], reader[128], card_format[32];
    int baud, poll_ms;
    bool checksum;
    char db_path[256];
    /* a station of the canteen server instead of db (doc/protocol.md) */
    char server[256], key[80], journal[256];
    char ca[256]; /* with an https server: the canteen's CA file; "": the system's */
    int offline_after_ms;      /* 0: 800 */
    char language[16];         /* [terminal] language: zh_CN, en, or "" (the locale) */
} station_cfg;

/* Fills c with the defaults (plate mode, 10 g, 3 s anonymous wait, kitchen
 * categories, reasons and containers of a typical canteen). */
void station_config_defaults(station_cfg *c);

/* Reads a station INI file (dist/station.ini.example) into c over the
 * defaults. Unknown keys and bad values are CP_ERR_INVALID naming them. */
cp_err station_config_load(const char *path, station_cfg *c);

/* Applies an already loaded config (for tests). */
cp_err station_config_apply(const config *ini, station_cfg *c);

/* What the station is doing, for the screen. */
typedef enum station_phase {
    STATION_READY = 0,   /* waiting for a card or a tray */
    STATION_CARD,        /* a card was tapped: put the tray on */
    STATION_WAIT_CARD,   /* a tray settled: tap a card now, or it is anonymous */
    STATION_CONFIRM,     /* kitchen: a weight settled; Enter records it */
    STATION_SAVING,      /* a settled weighing not yet in the store (retrying) */
    STATION_DONE,        /* recorded: last holds it until the scale is empty */
} station_phase;

/* Kitchen mode steps: which choice the number keys make now. */
typedef enum station_step {
    STATION_STEP_STAGE = 0,
    STATION_STEP_CATEGORY,
    STATION_STEP_REASON,
    STATION_STEP_CONTAINER,
    STATION_STEP_WEIGH,
} station_step;

/* A settled weighing not yet recorded; kept across an unplug. */
typedef struct station_pending {
    bool active;
    char placement[IDS_LEN + 8];
    int64_t gross_g;
    bool overload;
    int64_t settled_ms;
    char card[64];
} station_pending;

typedef struct station station;

/* Called after each weighing is committed (headless prints it, the screen shows it). */
typedef void (*station_record_fn)(void *arg, const waste_res *res);

/* Creates a station over d (still the caller's). cfg is copied. The caller
 * owns *out (station_free). */
cp_err station_new(db *d, const station_cfg *cfg, station_record_fn on_record, void *arg,
                   station **out);

/* Frees the station; accepts NULL. A pending weighing is not recorded: call
 * station_flush first. */
void station_free(station *s);

/* How a weighing is saved: waste_record on the store by default; a station
 * of the canteen server sends it (scale/station_net.h). An error keeps the
 * weighing pending, tried again later. */
typedef cp_err (*station_save_fn)(void *arg, const waste_req *req, waste_res *res);
void station_set_save(station *s, station_save_fn save, void *arg);

/* A card was tapped at now_ms (normalised number). */
void station_card(station *s, const char *card, int64_t now_ms);

/* A reading came from the scale at now_ms. */
void station_reading(station *s, const proto_reading *r, int64_t now_ms);

/* Time passes: anonymous trays after the wait, retries of failed saves. */
void station_tick(station *s, int64_t now_ms);

/* The scale went away (false) or came back (true). The pending weighing and
 * whether the scale was empty are kept, so nothing is recorded twice. */
void station_connected(station *s, bool connected, int64_t now_ms);

/* Records a pending weighing now (anonymous if no card came), e.g. before
 * exiting. CP_OK when nothing is left pending. */
cp_err station_flush(station *s, int64_t now_ms);

/* Kitchen mode and the keys: a digit picks in the current step, Enter
 * confirms, Backspace goes back a step. Returns true when the key was used. */
bool station_key(station *s, int key, int64_t now_ms);

/* A command typed on the headless input instead of a card: "kitchen",
 * "plate", "stage prep", "category 主食", "reason 过期", "container 2",
 * "tare 850", "confirm". CP_ERR_INVALID with a detail when it is none. */
cp_err station_command(station *s, const char *line, int64_t now_ms);

/* Sets the mode. */
void station_set_mode(station *s, station_mode m);

/* What the screen shows. */
typedef struct station_view {
    station_mode mode;
    station_phase phase;
    station_step step;
    bool connected;
    bool live_has_weight, live_stable;
    proto_status live_status;
    int64_t live_g;             /* gross as the scale shows it */
    int64_t tare_g;             /* what will be taken off */
    const char *card;           /* tapped and waiting, or "" */
    int wait_left_ms;           /* WAIT_CARD: time left before anonymous */
    const station_pending *pending;
    bool has_last;
    const waste_res *last;      /* the last record */
    const char *message;        /* a note or an error for people, or "" */
    const char *stage, *category, *reason, *container;
    const station_cfg *cfg;
} station_view;

/* Fills v; pointers stay valid until the next call on s. */
void station_get_view(const station *s, int64_t now_ms, station_view *v);

/* Kitchen stage names, for menus: prep, overproduction, spoilage. */
extern const char *const station_kitchen_stages[3];

#endif
