/* station_run: `cleanplate-scale station`: the scale, the card reader, the store and the screen (or headless output) in one loop. */
#include "scale/station_net.h"
#include "scale/station_run.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cardno.h"
#include "core/cli.h"
#include "core/clock.h"
#include "core/jsonl.h"
#include "core/names.h"
#include "core/nls.h"
#include "pos/reader.h"
#include "scale/probe.h"
#include "scale/station.h"
#include "scale/station_link.h"
#include "scale/station_ui.h"

#define LOOP_MS 20 /* longest wait for the scale before the reader and the clock are looked at */

static volatile sig_atomic_t run_stop;

static void run_on_signal(int sig)
{
    (void)sig;
    run_stop = 1;
}

static const char run_usage[] =
    N_("usage: cleanplate-scale station --terminal CODE [--config FILE] [options]\n"
       "  The waste station. Plate mode: a diner taps a card and puts the tray on the\n"
       "  scale; the settled weight is recorded against the diner (no tap within a few\n"
       "  seconds: an anonymous tray). Kitchen mode: pick stage, category, reason and\n"
       "  container with number keys, weigh, press Enter. Press m to switch modes,\n"
       "  t to tare the scale, F10 to leave.\n"
       "  --terminal CODE     this station (cleanplate-office terminal add CODE --kind waste)\n"
       "  --config FILE       station settings (see dist/station.ini.example); options\n"
       "                      given here win over the file\n"
       "  --language L        zh_CN (Chinese) or en (English) on the screen; default:\n"
       "                      [terminal] language, else the locale (LANG)\n"
       "  --db PATH           the database (default: [station] db, $CLEANPLATE_DB, ./cleanplate.db)\n"
       "  --server URL        send the weighings to the canteen server instead of --db;\n"
       "                      without an answer in time they are kept and sent later\n"
       "  --key KEY           the station's key (`cleanplate-office terminal key CODE`)\n"
       "  --journal PATH      the station's local journal of weighings (mode 600)\n"
       "  --ca FILE           with an https:// server: the canteen's CA certificate its\n"
       "                      certificate must come from (default: the system's)\n"
       "  --offline-after-ms N  how long to wait for the server (default 800);\n"
       "                      after a wait in vain, 10 s without waiting\n"
       "  --port DEV          the scale's port (cleanplate-scale list-ports)\n"
       "  --protocol P|auto   the scale's protocol (cleanplate-scale protocols); auto probes\n"
       "  --baud N, --framing 7E1, --unit kg, --checksum   line and frame settings\n"
       "  --reader SPEC       where cards come from: usb[:VID:PID], keyboard, stdin, fake:...\n"
       "                      (default: stdin with --headless, keyboard on the screen)\n"
       "  --card-format F     auto, dec10, w26, hex, hex-lsb\n"
       "  --mode plate|kitchen\n"
       "  --clean-plate-g N   光盘 at or under N grams net (default 10)\n"
       "  --tray-tare-g N     the tray's weight, taken off every tray (default 0)\n"
       "  --anonymous-after MS  a tray nobody tapped for is anonymous after MS (default 3000)\n"
       "  --headless          no screen: card numbers (or kitchen commands: kitchen, stage\n"
       "                      prep, category 主食, reason 过期, container 1, tare 850, confirm)\n"
       "                      one per line on stdin; one JSON object per recorded weighing\n"
       "                      on stdout; the scale's status on stderr\n"
       "  --frame-clock MS    headless replay: every reading from the scale is MS of\n"
       "                      time, counted from CLEANPLATE_NOW; stdin lines are\n"
       "                      \"@T CARD\" or \"@T COMMAND\", each applied when T ms have\n"
       "                      passed; the run ends with the last line (\"@T end\" runs\n"
       "                      on to T). With `sim --fast` a demo weighs a service in\n"
       "                      seconds\n");

/* --frame-clock: the station's clock is the count of readings from a streaming
 * scale (each one frame_ms), not the wall clock, and cards and commands come
 * timed from stdin. The same station rules then run as fast as the frames come. */
typedef struct frame_clock {
    int64_t frame_ms, now_ms;
    cp_time base;          /* CLEANPLATE_NOW: the time at 0 ms */
    cardno_format format;
    char *line;            /* the next stdin line, due at due_ms */
    size_t cap;
    int64_t due_ms;
    const char *text;      /* what the line says after "@T " */
    bool have, ended;
    long bad_lines;
} frame_clock;

/* Reads the next timed line into fc; false at the end of stdin. */
static bool frame_clock_next(frame_clock *fc)
{
    while (!fc->ended) {
        char *end;
        long long t;

        if (getline(&fc->line, &fc->cap, stdin) == -1) {
            fc->ended = true;
            break;
        }
        fc->line[strcspn(fc->line, "\r\n")] = '\0';
        if (!fc->line[0])
            continue;
        t = fc->line[0] == '@' ? strtoll(fc->line + 1, &end, 10) : -1;
        if (t < 0 || *end != ' ') {
            fprintf(stderr, _("cleanplate-scale station: '%s' is not \"@MS CARD\" or \"@MS "
                              "COMMAND\": skipped\n"), fc->line);
            fc->bad_lines++;
            continue;
        }
        fc->due_ms = t;
        fc->text = end + 1;
        return fc->have = true;
    }
    return fc->have = false;
}

/* Hands the station every stdin line that is due by fc->now_ms; "end" ends
 * the replay there. */
static void frame_clock_feed(frame_clock *fc, station *st)
{
    while (fc->have && fc->due_ms <= fc->now_ms) {
        char card[CARDNO_LEN + 1];
        if (strcmp(fc->text, "end") == 0) {
            fc->have = false;
            fc->ended = true;
            return;
        }
        if (cardno_normalize(fc->text, fc->format, card) == CP_OK)
            station_card(st, card, fc->now_ms);
        else if (station_command(st, fc->text, fc->now_ms))
            fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
        frame_clock_next(fc);
    }
}

/* Runs the station on the frame clock until the scale's port closes. */
static cp_err frame_clock_run(frame_clock *fc, station *st, station_link *link)
{
    bool seen = false;

    frame_clock_next(fc);
    while (!run_stop && fc->have) {
        proto_reading r[32];
        size_t n = 0;
        bool changed = false;
        cp_err err = station_link_step(link, LOOP_MS, r, 32, &n, &changed);

        if (err)
            return err;
        for (size_t i = 0; i < n && fc->have; i++) { /* no further than the last line */
            cp_time wall;
            fc->now_ms += fc->frame_ms;
            wall = clock_add_seconds(&fc->base, (long)(fc->now_ms / 1000));
            (void)clock_set(&wall); /* main checked CLEANPLATE_NOW is set */
            frame_clock_feed(fc, st);
            station_reading(st, &r[i], fc->now_ms);
            station_tick(st, fc->now_ms);
        }
        seen = seen || n > 0;
        if (changed && !station_link_connected(link)) {
            /* the replay's scale has gone: nothing more will come */
            if (!seen)
                return cp_fail(CP_ERR_DISCONNECTED, "the scale closed its port before "
                               "sending anything");
            break;
        }
    }
    return CP_OK;
}

/* Prints a recorded weighing as one JSON line and flushes it: its strings
 * (people's names, categories typed at the office) are made valid whatever
 * their bytes, and a weighing always gets its line (jsonl). */
static void print_record(void *arg, const waste_res *r)
{
    json_t *answer = arg ? station_net_take_answer(arg) : NULL;

    if (answer) { /* through the server: its answer, or the station's own offline */
        json_object_del(answer, "seq");
        jsonl_emit(stdout, answer);
        return;
    }
    jsonl_emit(stdout, jsonl_weighing(0, r));
}

/* Checks that the terminal is a waste station in this database. */
static cp_err check_terminal(db *d, const char *code)
{
    static const char sql[] = "SELECT kind FROM terminals WHERE code = ?";
    db_stmt *st = db_prepare(d, sql);
    char kind[16] = "";
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    rc = db_step(st);
    if (rc == DB_ROW)
        snprintf(kind, sizeof kind, "%s", db_col_text(st, 0));
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no terminal '%s': add it with `cleanplate-office "
                       "terminal add %s --canteen CODE --kind waste`", code, code);
    if (rc != DB_ROW)
        return db_fail(d, "reading the terminal");
    if (strcmp(kind, "waste") != 0)
        return cp_fail(CP_ERR_INVALID, "terminal '%s' is a %s terminal, not a waste station: "
                       "give the code of a waste station", code, names_builtin(NAMES_TERMINAL, kind));
    return CP_OK;
}

/* A key a person pressed: t and z go to the scale, the rest to the station. */
static void on_key(station *st, station_link *link, const proto_ops *ops, int key, int64_t now)
{
    if (key == 't' || key == 'z') {
        /* a scale without the command, or gone: the status line says so */
        (void)station_link_send(link, key == 't' ? ops->tare : ops->zero);
        return;
    }
    station_key(st, key, now);
}

/* Options over the config file. */
static int apply_options(const cli_opt *opts, station_cfg *c)
{
    static const struct {
        const char *opt;
        size_t off, size;
    } strs[] = {
        {"terminal", offsetof(station_cfg, terminal), sizeof(((station_cfg *)0)->terminal)},
        {"db", offsetof(station_cfg, db_path), sizeof(((station_cfg *)0)->db_path)},
        {"server", offsetof(station_cfg, server), sizeof(((station_cfg *)0)->server)},
        {"key", offsetof(station_cfg, key), sizeof(((station_cfg *)0)->key)},
        {"journal", offsetof(station_cfg, journal), sizeof(((station_cfg *)0)->journal)},
        {"ca", offsetof(station_cfg, ca), sizeof(((station_cfg *)0)->ca)},
        {"port", offsetof(station_cfg, port), sizeof(((station_cfg *)0)->port)},
        {"protocol", offsetof(station_cfg, protocol), sizeof(((station_cfg *)0)->protocol)},
        {"framing", offsetof(station_cfg, framing), sizeof(((station_cfg *)0)->framing)},
        {"unit", offsetof(station_cfg, unit), sizeof(((station_cfg *)0)->unit)},
        {"reader", offsetof(station_cfg, reader), sizeof(((station_cfg *)0)->reader)},
        {"card-format", offsetof(station_cfg, card_format),
         sizeof(((station_cfg *)0)->card_format)},
        {"language", offsetof(station_cfg, language), sizeof(((station_cfg *)0)->language)},
    };
    const char *v;

    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if ((v = cli_get(opts, strs[i].opt))) {
            if (strlen(v) >= strs[i].size) {
                fprintf(stderr, _("cleanplate-scale station: --%s is too long\n"), strs[i].opt);
                return 2;
            }
            snprintf((char *)c + strs[i].off, strs[i].size, "%s", v);
        }
    if ((v = cli_get(opts, "mode"))) {
        if (strcmp(v, "plate") != 0 && strcmp(v, "kitchen") != 0) {
            fprintf(stderr, _("cleanplate-scale station: --mode is plate or kitchen\n"));
            return 2;
        }
        c->mode = v[0] == 'k' ? STATION_KITCHEN : STATION_PLATE;
    }
    {
        long baud = c->baud, clean = c->clean_plate_g, tare = c->tray_tare_g,
             anon = c->anon_wait_ms, budget = c->offline_after_ms;
        if (cli_get_long(opts, "baud", 1, 4000000, &baud) ||
            cli_get_long(opts, "offline-after-ms", 50, 60000, &budget) ||
            cli_get_long(opts, "clean-plate-g", 0, 100000, &clean) ||
            cli_get_long(opts, "tray-tare-g", 0, 100000, &tare) ||
            cli_get_long(opts, "anonymous-after", 0, 600000, &anon)) {
            fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
            return 2;
        }
        c->baud = (int)baud;
        c->clean_plate_g = clean;
        c->tray_tare_g = tare;
        c->anon_wait_ms = (int)anon;
        c->offline_after_ms = (int)budget;
    }
    if (cli_get(opts, "checksum"))
        c->checksum = true;
    return 0;
}

/* What --server needs besides; 0 or the exit code. */
static int check_server_settings(const station_cfg *c)
{
    if (c->db_path[0]) {
        fprintf(stderr, _("cleanplate-scale station: give --db or --server, not both (in the "
                          "INI file: db = or server = under [station]; comment the other "
                          "out)\n"));
        return 2;
    }
    if (!c->key[0] || !c->journal[0]) {
        fprintf(stderr, _("cleanplate-scale station: --server needs --key KEY and --journal "
                          "PATH (or [station] key and journal in --config)\n"));
        return 2;
    }
    return 0;
}

/* Fills the link settings from the station's; probes when the protocol is auto. */
static cp_err link_settings(const station_cfg *c, station_link_cfg *lc, FILE *log)
{
    memset(lc, 0, sizeof *lc);
    lc->port = c->port;
    lc->poll_ms = c->poll_ms;
    lc->opts.checksum = c->checksum;
    if (c->unit[0] && proto_unit_parse(c->unit, &lc->opts.unit))
        return CP_ERR_INVALID;
    if (!c->port[0])
        return cp_fail(CP_ERR_INVALID, "no scale port: give --port DEV or [scale] port "
                       "(find it with `cleanplate-scale list-ports`)");
    if (!c->protocol[0] || strcmp(c->protocol, "auto") == 0) {
        probe_result found;
        proto_serial line = {0}, *fixed = NULL;
        cp_err err;
        if (c->baud > 0 || c->framing[0]) {
            line = (proto_serial){c->baud > 0 ? c->baud : 9600, 8, 'N', 1};
            if (c->framing[0]) {
                line.bits = c->framing[0] - '0';
                line.parity = c->framing[1];
                line.stop = c->framing[2] - '0';
            }
            fixed = &line;
        }
        if ((err = probe_port(c->port, fixed, &lc->opts, log, &found)))
            return err;
        lc->ops = found.ops;
        lc->serial = found.serial;
        return CP_OK;
    }
    if (proto_lookup(c->protocol, &lc->ops))
        return CP_ERR_INVALID;
    lc->serial = lc->ops->serial;
    if (c->baud > 0)
        lc->serial.baud = c->baud;
    if (c->framing[0]) {
        const char *f = c->framing;
        if (strlen(f) != 3 || (f[0] != '7' && f[0] != '8') || !strchr("NEO", f[1]) ||
            (f[2] != '1' && f[2] != '2'))
            return cp_fail(CP_ERR_INVALID, "framing '%s' is not like 8N1 or 7E1", f);
        lc->serial.bits = f[0] - '0';
        lc->serial.parity = f[1];
        lc->serial.stop = f[2] - '0';
    }
    return CP_OK;
}

int station_run_main(int argc, char **argv)
{
    cli_opt opts[] = {{"terminal", 1, NULL}, {"config", 1, NULL}, {"db", 1, NULL},
                      {"server", 1, NULL}, {"key", 1, NULL}, {"journal", 1, NULL},
                      {"ca", 1, NULL},
                      {"offline-after-ms", 1, NULL},
                      {"port", 1, NULL}, {"protocol", 1, NULL}, {"baud", 1, NULL},
                      {"framing", 1, NULL}, {"unit", 1, NULL}, {"checksum", 0, NULL},
                      {"reader", 1, NULL}, {"card-format", 1, NULL}, {"mode", 1, NULL},
                      {"clean-plate-g", 1, NULL}, {"tray-tare-g", 1, NULL},
                      {"anonymous-after", 1, NULL}, {"headless", 0, NULL},
                      {"frame-clock", 1, NULL}, {"language", 1, NULL}, {"help", 0, NULL},
                      {NULL, 0, NULL}};
    station_cfg cfg;
    station_link_cfg lc;
    station_link *link = NULL;
    reader_config rcfg;
    reader *rd = NULL;
    station *st = NULL;
    station_net *net = NULL;
    db *d = NULL;
    char *pos[2];
    int npos = 0, rc = 1, headless, screen = 0;
    bool input_ended = false;
    frame_clock fc = {0};
    cp_time started;
    cp_err err;

    if ((err = cli_parse(argc, argv, opts, pos, 2, &npos)) || npos > 0) {
        fprintf(stderr, _("cleanplate-scale station: %s; see cleanplate-scale station --help\n"),
                err ? cp_detail() : _("unexpected argument"));
        return 2;
    }
    if (cli_get(opts, "help")) {
        fputs(_(run_usage), stdout);
        return 0;
    }
    headless = cli_get(opts, "headless") != NULL;
    station_config_defaults(&cfg);
    if (cli_get(opts, "config") && (err = station_config_load(cli_get(opts, "config"), &cfg))) {
        fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
        return 2;
    }
    if ((rc = apply_options(opts, &cfg)))
        return rc;
    /* the language settles once the file is read: the station's screen and messages */
    if (nls_use("cleanplate-scale", cfg.language[0] ? cfg.language : NULL,
                headless ? NLS_NO_SCREEN : NLS_SCREEN)) {
        fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
        return 2;
    }
    rc = 1;
    if (cli_get(opts, "frame-clock")) {
        const char *fixed = getenv("CLEANPLATE_NOW");
        long ms = 0;
        if (cli_get_long(opts, "frame-clock", 1, 10000, &ms)) {
            fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
            return 2;
        }
        fc.frame_ms = ms;
        if (!headless || !fixed || clock_parse(fixed, &fc.base)) {
            fprintf(stderr, _("cleanplate-scale station: --frame-clock MS (1-10000) is for a "
                              "--headless replay and needs CLEANPLATE_NOW, the time it starts\n"));
            return 2;
        }
    }
    if (!cfg.terminal[0]) {
        fprintf(stderr, _("cleanplate-scale station: give --terminal CODE (or [station] terminal "
                          "in the config file)\n"));
        return 2;
    }
    if (clock_now(&started)) { /* a bad CLEANPLATE_NOW: said at once, not at every weighing */
        fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
        return 2;
    }

    reader_config_init(&rcfg);
    if (cfg.card_format[0] && cardno_format_parse(cfg.card_format, &rcfg.format)) {
        fprintf(stderr, _("cleanplate-scale station: card format: %s\n"), cp_detail());
        return 2;
    }
    if (reader_config_parse(&rcfg, cfg.reader[0] ? cfg.reader : headless ? "stdin"
                                                                          : "keyboard")) {
        fprintf(stderr, "cleanplate-scale station: --reader: %s\n", cp_detail());
        return 2;
    }
    if (!headless && rcfg.ops == &reader_wedge_ops)
        rcfg.fd = -1; /* the screen reads the keys and hands them on */

    if (cfg.server[0]) {
        if ((rc = check_server_settings(&cfg)))
            return rc;
        rc = 1;
        if ((err = station_net_open(&cfg, &net))) {
            fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
            goto out;
        }
    } else if ((err = db_open(cfg.db_path[0] ? cfg.db_path : NULL, DB_OPEN_EXISTING, &d)) ||
               (err = check_terminal(d, cfg.terminal))) {
        fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
        goto out;
    }
    if ((err = link_settings(&cfg, &lc, stderr)) || (err = station_link_open(&lc, &link))) {
        fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
        rc = err == CP_ERR_INVALID ? 2 : 1;
        goto out;
    }
    fprintf(stderr, "cleanplate-scale station: %s: %s\n", cfg.terminal,
            station_link_status(link));
    if (fc.frame_ms > 0) {
        fc.format = rcfg.format;
        if ((err = station_new(d, &cfg, print_record, net, &st)) ||
            (net && (station_set_save(st, station_net_save, net), 0)) ||
            (err = frame_clock_run(&fc, st, link)) || (err = station_flush(st, fc.now_ms))) {
            fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
            goto out;
        }
        fprintf(stderr, _("cleanplate-scale station: replayed %lld ms of readings%s\n"),
                (long long)fc.now_ms, fc.bad_lines ? _(" (some lines skipped)") : "");
        rc = fc.bad_lines ? 1 : 0;
        goto out;
    }
    if ((err = reader_open(&rcfg, &rd))) {
        fprintf(stderr, _("cleanplate-scale station: card reader: %s\n"), cp_detail());
        goto out;
    }
    if ((err = station_new(d, &cfg, headless ? print_record : NULL, net, &st))) {
        fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
        goto out;
    }
    if (net)
        station_set_save(st, station_net_save, net);
    station_connected(st, station_link_connected(link), station_link_now_ms());
    signal(SIGINT, run_on_signal);
    signal(SIGTERM, run_on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (!headless) {
        if ((err = station_ui_start())) {
            fprintf(stderr, _("cleanplate-scale station: %s (use --headless without a screen)\n"),
                    cp_detail());
            goto out;
        }
        screen = 1;
    }

    while (!run_stop) {
        proto_reading r[32];
        size_t n = 0;
        bool changed = false;
        reader_event ev;
        int64_t now;

        if ((err = station_link_step(link, LOOP_MS, r, 32, &n, &changed))) {
            if (screen)
                station_ui_stop();
            screen = 0;
            fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
            break;
        }
        now = station_link_now_ms();
        if (changed) {
            station_connected(st, station_link_connected(link), now);
            if (headless)
                fprintf(stderr, "cleanplate-scale station: %s\n", station_link_status(link));
        }
        for (size_t i = 0; i < n; i++)
            station_reading(st, &r[i], now);
        while (!input_ended && (err = reader_next(rd, 0, &ev)) == CP_OK) {
            if (ev.type == READER_EV_CARD) {
                station_card(st, ev.card, now);
            } else if (ev.type == READER_EV_INVALID && ev.cut) {
                /* only its start was kept: run as a command it would store a cut category */
                if (headless)
                    fprintf(stderr, _("cleanplate-scale station: a line of more than %d bytes "
                              "is no card and no command: skipped (pick a category or reason "
                              "by its number)\n"), READER_RAW_MAX);
            } else if (ev.type == READER_EV_INVALID) {
                if (station_command(st, ev.raw, now) && headless)
                    fprintf(stderr, "cleanplate-scale station: %s\n", cp_detail());
            } else if (ev.type == READER_EV_KEY) {
                if (station_ui_is_quit(ev.key))
                    run_stop = 1;
                else
                    on_key(st, link, lc.ops, ev.key, now);
            } else if (ev.type == READER_EV_STATUS && headless && !ev.connected) {
                fprintf(stderr, "cleanplate-scale station: %s\n", ev.text);
            }
        }
        if (err == CP_ERR_DISCONNECTED && !input_ended) {
            input_ended = true; /* stdin ended: record what is pending, then leave */
            if (headless)
                break;
        }
        station_tick(st, now);
        if (net)
            station_net_tick(net, now);
        if (screen) {
            station_view v;
            const char *rtext = "";
            int key;
            while ((key = station_ui_key()) >= 0) {
                if (station_ui_is_quit(key)) {
                    run_stop = 1;
                } else if (rcfg.ops == &reader_wedge_ops) {
                    reader_feed_key(rd, key);
                } else {
                    on_key(st, link, lc.ops, key, now);
                }
            }
            reader_status(rd, &rtext);
            station_get_view(st, now, &v);
            station_ui_draw(&v, station_link_status(link), rtext);
        }
    }
    if (screen)
        station_ui_stop();
    /* nothing settled is left behind: a tray waiting for a card is recorded now */
    if (st && station_flush(st, station_link_now_ms())) {
        fprintf(stderr, _("cleanplate-scale station: a weighing could not be saved: %s\n"),
                cp_detail());
        goto out;
    }
    rc = 0;
out:
    free(fc.line);
    station_free(st);
    reader_close(rd);
    station_link_close(link);
    station_net_close(net);
    db_close(d);
    return rc;
}
