/* station: the waste station's rules: cards, settled weights and kitchen choices in, one record per placement out.
 *
 * Plate mode: a diner taps a card, then puts the tray on the scale; when the
 * weight settles the tray is recorded against the card. A tray that settles
 * with no card waits a few seconds for one, then is recorded as anonymous.
 * The stability filter gives one settled weight per placement (the scale must
 * come back near zero before the next), and each settled weight gets its own
 * placement id, which the store records at most once: a weighing whose save
 * failed is retried under the same id, and kept across an unplug.
 * Kitchen mode: staff pick stage, category, reason and container with number
 * keys, weigh, and confirm with Enter. */
#include "scale/station.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nls.h"
#include "core/utf8.h"

#define KEY_CURSES_ENTER 0527     /* ncurses KEY_ENTER */
#define KEY_CURSES_BACKSPACE 0407 /* ncurses KEY_BACKSPACE */

const char *const station_kitchen_stages[3] = {"prep", "overproduction", "spoilage"};

struct station {
    db *d;
    station_cfg cfg;
    station_record_fn on_record;
    void *arg;
    station_save_fn save;     /* NULL: waste_record on d */
    void *save_arg;
    stable filter;
    bool connected;
    proto_reading live;
    bool has_live;
    station_phase phase;
    char card[64];            /* tapped, waiting for a tray */
    int64_t card_ms;
    station_pending pending;
    int64_t retry_ms;
    waste_res last;
    bool has_last;
    char message[512];
    /* kitchen choices */
    station_step step;
    int stage, category, reason, container; /* indexes; -1: none */
    char category_text[UTF8_SIZE(WASTE_CATEGORY_MAX)], reason_text[UTF8_SIZE(WASTE_REASON_MAX)];
    int64_t tare_override_g;  /* "tare G": >= 0 overrides the container */
};

void station_config_defaults(station_cfg *c)
{
    /* the store's food categories (core/food.h), so that kitchen waste is priced
     * at what its category cost; 主食 and 蔬菜 keep their keys 1 and 2 */
    static const char *const cats[] = {"主食", "蔬菜", "肉禽", "水产", "蛋奶", "调料", "其他"};
    static const char *const reasons[] = {"备餐过量", "卖剩", "过期变质", "加工损耗", "其他"};
    static const station_container boxes[] = {{"小桶", 850}, {"大桶", 1500}, {"托盘", 400}};

    memset(c, 0, sizeof *c);
    snprintf(c->actor, sizeof c->actor, "station");
    c->mode = STATION_PLATE;
    c->clean_plate_g = WASTE_CLEAN_PLATE_G;
    c->capacity_g = 30000;
    c->anon_wait_ms = STATION_ANON_WAIT_MS;
    c->card_valid_ms = STATION_CARD_VALID_MS;
    stable_defaults(&c->stable);
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
        snprintf(c->categories[c->ncategories++], sizeof c->categories[0], "%s", cats[i]);
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        snprintf(c->reasons[c->nreasons++], sizeof c->reasons[0], "%s", reasons[i]);
    for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; i++)
        c->containers[c->ncontainers++] = boxes[i];
}

/* Checks a kitchen category or reason (what, at most max characters) for
 * storing whole: people's text is refused when too long, never cut. */
static cp_err text_fits(const char *what, const char *text, size_t max)
{
    size_t n = utf8_chars(text);

    if (n > max)
        return cp_fail(CP_ERR_INVALID, "%s '%s' has %zu characters, at most %zu are taken: "
                       "shorten it", what, text, n, max);
    return CP_OK;
}

/* Splits a comma-separated list into up to STATION_MAX_CHOICES items of size
 * bytes each, no item over max characters (0: only the size counts). */
static cp_err split_list(const char *name, const char *text, char *items, size_t size,
                         size_t max, int *n)
{
    char *buf = strdup(text), *save = NULL;
    cp_err err = CP_OK;

    *n = 0;
    if (!buf)
        return cp_fail(CP_ERR_NOMEM, "out of memory reading [kitchen] %s", name);
    for (char *tok = strtok_r(buf, ",", &save); tok && !err;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        for (size_t len = strlen(tok); len > 0 && tok[len - 1] == ' '; len--)
            tok[len - 1] = '\0';
        if (!*tok)
            continue;
        if (*n == STATION_MAX_CHOICES)
            err = cp_fail(CP_ERR_INVALID, "[kitchen] %s: at most %d items (number keys 1-9)",
                          name, STATION_MAX_CHOICES);
        else if (max && text_fits(name, tok, max))
            err = cp_fail(CP_ERR_INVALID, "[kitchen] %s", cp_detail());
        else if (strlen(tok) >= size)
            err = cp_fail(CP_ERR_INVALID, "[kitchen] %s: '%s' is too long (at most %zu bytes)",
                          name, tok, size - 1);
        else
            memcpy(items + (size_t)(*n)++ * size, tok, strlen(tok) + 1);
    }
    free(buf);
    return err;
}

static cp_err copy_key(const config *ini, const char *sec, const char *key, char *dst,
                       size_t size)
{
    const char *v = config_get(ini, sec, key);
    if (!v)
        return CP_OK;
    if (strlen(v) >= size)
        return cp_fail(CP_ERR_INVALID, "[%s] %s: value too long", sec, key);
    snprintf(dst, size, "%s", v);
    return CP_OK;
}

static cp_err get_i64(const config *ini, const char *sec, const char *key, long min, long max,
                      int64_t *v)
{
    long out;
    cp_err err = config_get_int(ini, sec, key, min, max, (long)*v, &out);
    if (!err)
        *v = out;
    return err;
}

static cp_err get_int(const config *ini, const char *sec, const char *key, long min, long max,
                      int *v)
{
    long out;
    cp_err err = config_get_int(ini, sec, key, min, max, *v, &out);
    if (!err)
        *v = (int)out;
    return err;
}

cp_err station_config_apply(const config *ini, station_cfg *c)
{
    static const char *const station_keys[] = {"terminal", "mode", "db", "server", "key",
        "journal", "ca", "offline_after_ms", "actor",
        "clean_plate_g", "tray_tare_g", "capacity_g", "anonymous_after_ms", "card_valid_ms",
        NULL};
    static const char *const scale_keys[] = {"port", "protocol", "baud", "framing", "unit",
        "checksum", "poll_ms", "band_g", "window_ms", "zero_band_g", "use_scale_flag", NULL};
    static const char *const reader_keys[] = {"spec", "format", NULL};
    static const char *const kitchen_keys[] = {"categories", "reasons", "containers", NULL};
    /* [terminal] as in pos.ini: what every terminal has, a station too */
    static const char *const terminal_keys[] = {"language", NULL};
    const char *v;
    cp_err err;
    int flag = 1;

    if ((err = config_check_keys(ini, "station", station_keys)) ||
        (err = config_check_keys(ini, "scale", scale_keys)) ||
        (err = config_check_keys(ini, "reader", reader_keys)) ||
        (err = config_check_keys(ini, "kitchen", kitchen_keys)) ||
        (err = config_check_moved(ini, "terminal", station_keys, "station")) ||
        (err = config_check_keys(ini, "terminal", terminal_keys)))
        return err;
    if ((err = copy_key(ini, "station", "terminal", c->terminal, sizeof c->terminal)) ||
        (err = copy_key(ini, "station", "db", c->db_path, sizeof c->db_path)) ||
        (err = copy_key(ini, "station", "server", c->server, sizeof c->server)) ||
        (err = copy_key(ini, "station", "key", c->key, sizeof c->key)) ||
        (err = copy_key(ini, "station", "journal", c->journal, sizeof c->journal)) ||
        (err = copy_key(ini, "station", "ca", c->ca, sizeof c->ca)) ||
        (err = copy_key(ini, "station", "actor", c->actor, sizeof c->actor)) ||
        (err = copy_key(ini, "scale", "port", c->port, sizeof c->port)) ||
        (err = copy_key(ini, "scale", "protocol", c->protocol, sizeof c->protocol)) ||
        (err = copy_key(ini, "scale", "framing", c->framing, sizeof c->framing)) ||
        (err = copy_key(ini, "scale", "unit", c->unit, sizeof c->unit)) ||
        (err = copy_key(ini, "reader", "spec", c->reader, sizeof c->reader)) ||
        (err = copy_key(ini, "reader", "format", c->card_format, sizeof c->card_format)) ||
        (err = copy_key(ini, "terminal", "language", c->language, sizeof c->language)))
        return err;
    if ((v = config_get(ini, "station", "mode"))) {
        if (strcmp(v, "plate") == 0)
            c->mode = STATION_PLATE;
        else if (strcmp(v, "kitchen") == 0)
            c->mode = STATION_KITCHEN;
        else
            return cp_fail(CP_ERR_INVALID, "[station] mode: '%s' is not plate or kitchen", v);
    }
    if ((err = get_i64(ini, "station", "clean_plate_g", 0, 10000, &c->clean_plate_g)) ||
        (err = get_i64(ini, "station", "tray_tare_g", 0, 100000, &c->tray_tare_g)) ||
        (err = get_i64(ini, "station", "capacity_g", 1, 10000000, &c->capacity_g)) ||
        (err = get_int(ini, "station", "anonymous_after_ms", 0, 600000, &c->anon_wait_ms)) ||
        (err = get_int(ini, "station", "card_valid_ms", 0, 600000, &c->card_valid_ms)) ||
        (err = get_int(ini, "station", "offline_after_ms", 0, 60000, &c->offline_after_ms)) ||
        (err = get_int(ini, "scale", "baud", 0, 4000000, &c->baud)) ||
        (err = get_int(ini, "scale", "poll_ms", 0, 10000, &c->poll_ms)) ||
        (err = get_i64(ini, "scale", "band_g", 0, 100000, &c->stable.band_g)) ||
        (err = get_i64(ini, "scale", "window_ms", 0, 60000, &c->stable.window_ms)) ||
        (err = get_i64(ini, "scale", "zero_band_g", 0, 100000, &c->stable.zero_band_g)) ||
        (err = get_int(ini, "scale", "use_scale_flag", 0, 1, &flag)))
        return err;
    c->stable.ignore_scale_flag = !flag;
    if ((v = config_get(ini, "scale", "checksum")))
        c->checksum = strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0;
    if ((v = config_get(ini, "kitchen", "categories")) &&
        (err = split_list("categories", v, &c->categories[0][0], sizeof c->categories[0],
                          WASTE_CATEGORY_MAX, &c->ncategories)))
        return err;
    if ((v = config_get(ini, "kitchen", "reasons")) &&
        (err = split_list("reasons", v, &c->reasons[0][0], sizeof c->reasons[0],
                          WASTE_REASON_MAX, &c->nreasons)))
        return err;
    if ((v = config_get(ini, "kitchen", "containers"))) {
        char items[STATION_MAX_CHOICES][64];
        int n = 0;
        if ((err = split_list("containers", v, &items[0][0], sizeof items[0], 0, &n)))
            return err;
        c->ncontainers = 0;
        for (int i = 0; i < n; i++) {
            char *colon = strrchr(items[i], ':'), *end;
            long long g;
            if (!colon)
                return cp_fail(CP_ERR_INVALID, "[kitchen] containers: '%s' is not NAME:GRAMS "
                               "(e.g. 小桶:850)", items[i]);
            *colon = '\0';
            g = strtoll(colon + 1, &end, 10);
            if (*end || end == colon + 1 || g < 0)
                return cp_fail(CP_ERR_INVALID, "[kitchen] containers: '%s' is not a weight in "
                               "grams", colon + 1);
            snprintf(c->containers[i].name, sizeof c->containers[i].name, "%s", items[i]);
            c->containers[i].tare_g = g;
            c->ncontainers++;
        }
    }
    return CP_OK;
}

cp_err station_config_load(const char *path, station_cfg *c)
{
    config *ini = NULL;
    cp_err err = config_load(path, &ini);

    if (err)
        return err;
    err = station_config_apply(ini, c);
    if (err)
        err = cp_fail(err, "%s: %s", path, cp_detail());
    else if (config_get(ini, "station", "key"))
        err = config_check_private(path);
    config_free(ini);
    return err;
}

cp_err station_new(db *d, const station_cfg *cfg, station_record_fn on_record, void *arg,
                   station **out)
{
    station *s = calloc(1, sizeof *s);

    *out = NULL;
    if (!s)
        return cp_fail(CP_ERR_NOMEM, "out of memory for the station");
    s->d = d;
    s->cfg = *cfg;
    s->on_record = on_record;
    s->arg = arg;
    s->connected = true;
    stable_init(&s->filter, &s->cfg.stable);
    s->category = s->reason = s->container = -1;
    s->tare_override_g = -1;
    *out = s;
    return CP_OK;
}

void station_set_save(station *s, station_save_fn save, void *arg)
{
    s->save = save;
    s->save_arg = arg;
}

void station_free(station *s)
{
    free(s);
}

void station_set_mode(station *s, station_mode m)
{
    s->cfg.mode = m;
    s->step = STATION_STEP_STAGE;
    s->card[0] = '\0';
    if (s->phase == STATION_CARD || s->phase == STATION_CONFIRM)
        s->phase = STATION_READY;
    snprintf(s->message, sizeof s->message, "%s", m == STATION_KITCHEN
             ? _("kitchen mode: pick the stage with a number key") : _("plate mode: tap a card, "
                                                                      "then put the tray on"));
}

/* The tare for the weighing being made. */
static int64_t current_tare(const station *s)
{
    if (s->cfg.mode == STATION_PLATE)
        return s->cfg.tray_tare_g;
    if (s->tare_override_g >= 0)
        return s->tare_override_g;
    return s->container >= 0 ? s->cfg.containers[s->container].tare_g : 0;
}

/* Saves the pending weighing; on failure keeps it and retries later. */
static void commit(station *s, int64_t now)
{
    bool kitchen = s->cfg.mode == STATION_KITCHEN;
    waste_req req = {
        .terminal = s->cfg.terminal,
        .placement = s->pending.placement,
        .stage = kitchen ? station_kitchen_stages[s->stage] : "plate",
        .card_no = !kitchen && s->pending.card[0] ? s->pending.card : NULL,
        .gross_g = s->pending.gross_g,
        .tare_g = current_tare(s),
        .overload = s->pending.overload,
        .category = kitchen ? s->category_text : NULL,
        .reason = kitchen ? s->reason_text : NULL,
        .actor = s->cfg.actor,
        .clean_plate_g = s->cfg.clean_plate_g,
    };
    waste_res res;
    cp_err err = s->save ? s->save(s->save_arg, &req, &res) : waste_record(s->d, &req, &res);

    if (err) {
        s->phase = STATION_SAVING;
        s->retry_ms = now + STATION_RETRY_MS;
        utf8_format(s->message, sizeof s->message, _("not saved yet (kept, retrying): %s"),
                    cp_detail());
        return;
    }
    s->pending.active = false;
    s->last = res;
    s->has_last = true;
    s->phase = STATION_DONE;
    utf8_copy(s->message, sizeof s->message, res.message);
    if (kitchen) {
        s->step = STATION_STEP_STAGE;
        s->tare_override_g = -1;
    }
    if (s->on_record)
        s->on_record(s->arg, &res);
}

/* Starts a new weighing from a settled event. */
static void settle(station *s, const stable_event *ev, int64_t now)
{
    char rnd[IDS_LEN];

    if (s->pending.active) /* an earlier tray nobody tapped for: record it first */
        commit(s, now);
    memset(&s->pending, 0, sizeof s->pending);
    ids_random(rnd);
    snprintf(s->pending.placement, sizeof s->pending.placement, "%.20s:%.24s", s->cfg.terminal,
             rnd);
    s->pending.active = true;
    /* a number no scale can show is flagged like an overload, never a tray */
    s->pending.overload = ev->status == PROTO_OVERLOAD || ev->status == PROTO_IMPOSSIBLE;
    s->pending.gross_g = s->pending.overload ? s->cfg.capacity_g : ev->grams;
    s->pending.settled_ms = now;
    if (s->cfg.mode == STATION_KITCHEN) {
        s->phase = STATION_CONFIRM;
        snprintf(s->message, sizeof s->message, "%s", s->step == STATION_STEP_WEIGH
                 ? _("press Enter to record") : _("finish the choices, then press Enter"));
        return;
    }
    if (s->card[0] && now - s->card_ms <= s->cfg.card_valid_ms) {
        snprintf(s->pending.card, sizeof s->pending.card, "%s", s->card);
        s->card[0] = '\0';
        commit(s, now);
        return;
    }
    s->card[0] = '\0';
    s->phase = STATION_WAIT_CARD;
    s->message[0] = '\0';
    if (s->cfg.anon_wait_ms == 0)
        commit(s, now);
}

void station_card(station *s, const char *card, int64_t now_ms)
{
    if (s->cfg.mode == STATION_KITCHEN) {
        snprintf(s->message, sizeof s->message, _("kitchen mode takes no cards (press m for "
                   "plate mode)"));
        return;
    }
    if (s->pending.active && s->phase == STATION_WAIT_CARD) {
        snprintf(s->pending.card, sizeof s->pending.card, "%s", card);
        commit(s, now_ms);
        return;
    }
    snprintf(s->card, sizeof s->card, "%s", card);
    s->card_ms = now_ms;
    if (s->phase != STATION_SAVING)
        s->phase = STATION_CARD;
    snprintf(s->message, sizeof s->message, _("card %s: put the tray on the scale"), card);
}

void station_reading(station *s, const proto_reading *r, int64_t now_ms)
{
    stable_event ev;

    s->live = *r;
    s->has_live = true;
    if (!stable_push(&s->filter, r, now_ms, &ev))
        return;
    if (ev.kind == STABLE_SETTLED) {
        settle(s, &ev, now_ms);
    } else if (ev.kind == STABLE_EMPTY) {
        if (s->cfg.mode == STATION_KITCHEN && s->phase == STATION_CONFIRM) {
            s->pending.active = false;
            s->phase = STATION_READY;
            snprintf(s->message, sizeof s->message, _("not recorded: the container was taken "
                       "off before Enter"));
        } else if (s->phase == STATION_DONE) {
            s->phase = s->card[0] ? STATION_CARD : STATION_READY;
        }
    }
}

void station_tick(station *s, int64_t now_ms)
{
    if (s->pending.active && s->phase == STATION_WAIT_CARD &&
        now_ms - s->pending.settled_ms >= s->cfg.anon_wait_ms)
        commit(s, now_ms);
    else if (s->pending.active && s->phase == STATION_SAVING && now_ms >= s->retry_ms)
        commit(s, now_ms);
    if (s->card[0] && now_ms - s->card_ms > s->cfg.card_valid_ms) {
        s->card[0] = '\0';
        if (s->phase == STATION_CARD) {
            s->phase = STATION_READY;
            s->message[0] = '\0';
        }
    }
}

void station_connected(station *s, bool connected, int64_t now_ms)
{
    (void)now_ms;
    s->connected = connected;
    s->has_live = false;
    /* a new window after the gap; armed (the scale was empty) is kept */
    s->filter.in_run = false;
}

cp_err station_flush(station *s, int64_t now_ms)
{
    if (s->pending.active && s->phase != STATION_CONFIRM)
        commit(s, now_ms);
    if (s->pending.active && s->phase == STATION_SAVING)
        return cp_fail(CP_ERR_BUSY, "%s", s->message);
    return CP_OK;
}

/* Confirms a kitchen weighing. */
static cp_err confirm(station *s, int64_t now)
{
    if (s->cfg.mode != STATION_KITCHEN)
        return cp_fail(CP_ERR_INVALID, "confirm is for kitchen mode: plate mode records by "
                       "itself");
    if (!s->pending.active || s->phase != STATION_CONFIRM)
        return cp_fail(CP_ERR_INVALID, "nothing to confirm: put the container on the scale "
                       "and wait for the weight to settle");
    commit(s, now);
    return CP_OK;
}

bool station_key(station *s, int key, int64_t now_ms)
{
    if (key == 'm' || key == 'M') {
        station_set_mode(s, s->cfg.mode == STATION_PLATE ? STATION_KITCHEN : STATION_PLATE);
        return true;
    }
    if (s->cfg.mode != STATION_KITCHEN)
        return false;
    if (key == '\n' || key == '\r' || key == KEY_CURSES_ENTER) {
        if (s->step != STATION_STEP_WEIGH) {
            snprintf(s->message, sizeof s->message, _("finish the choices first (number keys)"));
            return true;
        }
        if (confirm(s, now_ms))
            utf8_copy(s->message, sizeof s->message, cp_detail());
        return true;
    }
    if (key == 127 || key == 8 || key == KEY_CURSES_BACKSPACE) {
        if (s->step > STATION_STEP_STAGE)
            s->step--;
        return true;
    }
    if (key >= '0' && key <= '9') {
        int k = key - '0';
        switch (s->step) {
        case STATION_STEP_STAGE:
            if (k < 1 || k > 3)
                return false;
            s->stage = k - 1;
            break;
        case STATION_STEP_CATEGORY:
            if (k < 1 || k > s->cfg.ncategories)
                return false;
            s->category = k - 1;
            snprintf(s->category_text, sizeof s->category_text, "%s", s->cfg.categories[k - 1]);
            break;
        case STATION_STEP_REASON:
            if (k < 1 || k > s->cfg.nreasons)
                return false;
            s->reason = k - 1;
            snprintf(s->reason_text, sizeof s->reason_text, "%s", s->cfg.reasons[k - 1]);
            break;
        case STATION_STEP_CONTAINER:
            if (k > s->cfg.ncontainers)
                return false;
            s->container = k - 1; /* 0: none */
            s->tare_override_g = -1;
            break;
        case STATION_STEP_WEIGH:
            return false;
        }
        s->step++;
        s->message[0] = '\0';
        if (s->step == STATION_STEP_WEIGH && s->phase == STATION_CONFIRM)
            snprintf(s->message, sizeof s->message, _("press Enter to record"));
        return true;
    }
    return false;
}

/* Picks item text: a number 1-n from the list, or the text itself when it
 * has at most max characters (what: "category"); longer text is refused
 * and nothing changes, for a cut category would be stored as another one. */
static cp_err pick(const char *what, const char *arg, const char *list, size_t size, int n,
                   size_t max, int *idx, char *out, size_t outsize)
{
    char *end;
    long k = strtol(arg, &end, 10);
    cp_err err;

    if (*end == '\0' && k >= 1 && k <= n) {
        *idx = (int)k - 1;
        utf8_copy(out, outsize, list + (size_t)(k - 1) * size);
        return CP_OK;
    }
    if ((err = text_fits(what, arg, max)))
        return err;
    *idx = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(arg, list + (size_t)i * size) == 0)
            *idx = i;
    utf8_copy(out, outsize, arg);
    return CP_OK;
}

cp_err station_command(station *s, const char *line, int64_t now_ms)
{
    char word[32] = "";
    const char *arg = line;

    while (*arg == ' ')
        arg++;
    {
        size_t n = strcspn(arg, " ");
        if (n >= sizeof word)
            return cp_fail(CP_ERR_INVALID, "'%s' is neither a card number nor a command", line);
        memcpy(word, arg, n);
        word[n] = '\0';
        arg += n;
        while (*arg == ' ')
            arg++;
    }
    if (strcmp(word, "kitchen") == 0 || strcmp(word, "plate") == 0) {
        station_set_mode(s, word[0] == 'k' ? STATION_KITCHEN : STATION_PLATE);
        return CP_OK;
    }
    if (strcmp(word, "confirm") == 0)
        return confirm(s, now_ms);
    if (s->cfg.mode != STATION_KITCHEN)
        return cp_fail(CP_ERR_INVALID, "'%s' is neither a card number nor a plate-mode "
                       "command (kitchen, plate)", line);
    if (!*arg)
        return cp_fail(CP_ERR_INVALID, "'%s' needs a value", word);
    if (strcmp(word, "stage") == 0) {
        for (int i = 0; i < 3; i++)
            if (strcmp(arg, station_kitchen_stages[i]) == 0 || (arg[0] == '1' + i && !arg[1])) {
                s->stage = i;
                return CP_OK;
            }
        return cp_fail(CP_ERR_INVALID, "stage '%s': use prep, overproduction or spoilage", arg);
    }
    if (strcmp(word, "category") == 0)
        return pick("category", arg, &s->cfg.categories[0][0], sizeof s->cfg.categories[0],
                    s->cfg.ncategories, WASTE_CATEGORY_MAX, &s->category, s->category_text,
                    sizeof s->category_text);
    if (strcmp(word, "reason") == 0)
        return pick("reason", arg, &s->cfg.reasons[0][0], sizeof s->cfg.reasons[0],
                    s->cfg.nreasons, WASTE_REASON_MAX, &s->reason, s->reason_text,
                    sizeof s->reason_text);
    if (strcmp(word, "container") == 0 || strcmp(word, "tare") == 0) {
        char *end;
        long long v = strtoll(arg, &end, 10);
        if (*end || v < 0 || (word[0] == 'c' && v > s->cfg.ncontainers))
            return cp_fail(CP_ERR_INVALID, "%s '%s': give %s", word, arg, word[0] == 'c'
                           ? _("a container number (0: none)") : _("grams"));
        if (word[0] == 'c') {
            s->container = (int)v - 1;
            s->tare_override_g = -1;
        } else {
            s->tare_override_g = v;
        }
        return CP_OK;
    }
    return cp_fail(CP_ERR_INVALID, "'%s' is neither a card number nor a command (kitchen, "
                   "plate, stage, category, reason, container, tare, confirm)", line);
}

void station_get_view(const station *s, int64_t now_ms, station_view *v)
{
    memset(v, 0, sizeof *v);
    v->mode = s->cfg.mode;
    v->phase = s->phase;
    v->step = s->step;
    v->connected = s->connected;
    v->live_has_weight = s->has_live && s->live.has_weight;
    v->live_stable = s->has_live && s->live.stable;
    v->live_status = s->has_live ? s->live.status : PROTO_OK;
    v->live_g = s->live.grams;
    v->tare_g = current_tare(s);
    v->card = s->card;
    v->wait_left_ms = s->phase == STATION_WAIT_CARD
                          ? (int)(s->pending.settled_ms + s->cfg.anon_wait_ms - now_ms) : 0;
    if (v->wait_left_ms < 0)
        v->wait_left_ms = 0;
    v->pending = &s->pending;
    v->has_last = s->has_last;
    v->last = &s->last;
    v->message = s->message;
    v->stage = station_kitchen_stages[s->stage];
    v->category = s->category_text;
    v->reason = s->reason_text;
    v->container = s->container >= 0 ? s->cfg.containers[s->container].name : "";
    v->cfg = &s->cfg;
}
