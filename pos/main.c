/* cleanplate-pos: the cashier terminal: the full screen, or --headless with one card per line. */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cardno.h"
#include "core/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/jsonl.h"
#include "core/ledger.h"
#include "core/nls.h"
#include "core/termsync.h"
#include "pos/netcharge.h"
#include "pos/printq.h"
#include "pos/reader.h"
#include "pos/till.h"
#include "pos/ui.h"
#include "pos/ui_data.h"
#include "receipts/decode.h"

static void usage(FILE *f)
{
    fprintf(f,
            _("usage: cleanplate-pos --terminal CODE [--db PATH] [options]\n"
              "       cleanplate-pos --headless --terminal CODE [--db PATH] [options]\n"
              "       cleanplate-pos [--headless] --terminal CODE --server URL --key KEY\n"
              "                      --journal PATH [options]\n"
              "       cleanplate-pos --list-readers\n"
              "       cleanplate-pos --print-preview FILE\n\n"
              "The cashier terminal of a CleanPlate canteen. Without --headless it is the\n"
              "full-screen terminal: the cashier logs in with name and PIN, opens the shift,\n"
              "and diners tap their cards.\n\n"
              "  --terminal CODE    this terminal (its canteen decides meal periods and prices)\n"
              "  --db PATH          the database (default $CLEANPLATE_DB, else ./cleanplate.db)\n"
              "  --server URL       charge through the canteen server\n"
              "                     (`cleanplate-office serve`) instead of --db; when it does\n"
              "                     not answer in time the terminal decides offline from its\n"
              "                     snapshot and sends the charges later\n"
              "  --key KEY          the terminal's key (64 hex digits from `cleanplate-office\n"
              "                     terminal key CODE`); better in the --config file, mode 600\n"
              "  --journal PATH     the terminal's local journal of charges (a file, created\n"
              "                     mode 600), kept until the server has them\n"
              "  --ca FILE          with an https:// server: the canteen's CA certificate\n"
              "                     its certificate must come from (default: the system's)\n"
              "  --offline-after-ms N  how long to wait for the server before deciding\n"
              "                     offline (default 800); after a wait in vain the\n"
              "                     next cards are decided offline at once for 10 s\n"
              "  --config FILE      an INI file: [terminal] code, db, server, key, journal,\n"
              "                     ca, offline_after_ms, reader, card_format, dup_seconds,\n"
              "                     language; [printer] uri, encoding, columns\n"
              "                     (options given here win over it); see dist/pos.ini.example\n"
              "  --language L       zh_CN (Chinese) or en (English) on the screen and the\n"
              "                     receipts; default: [terminal] language, else the locale\n"
              "                     (LANG)\n"
              "  --reader SPEC      where cards come from: usb (the first HID boot keyboard),\n"
              "                     usb:VID:PID[,VID:PID...] (hex, from --list-readers),\n"
              "                     keyboard (a reader left as a keyboard: a fast burst of\n"
              "                     digits and Enter is a card) or stdin (one number per line);\n"
              "                     default: stdin with --headless, keyboard on the screen\n"
              "  --card-format F    how card numbers arrive: auto (default), dec10, w26, hex,\n"
              "                     hex-lsb\n"
              "  --dup-seconds N    the same card again within N seconds is a duplicate tap\n"
              "                     (default %d)\n"
              "  --printer URI      receipt printer: usb[:VID:PID], lp:/dev/usb/lp0,\n"
              "                     tcp:HOST[:PORT] (9100), serial:DEV[:BAUD], file:PATH,\n"
              "                     preview or none (default)\n"
              "  --printer-encoding gb18030 (default), gbk or ascii\n"
              "  --printer-columns  32 (58 mm paper), 42 or 48 (80 mm); default 32\n"
              "  --print-preview    show receipts decoded as text instead of printing them\n"
              "                     (on stderr with --headless, on screen otherwise); with a\n"
              "                     FILE of printer bytes (from file:PATH), print it as text\n"
              "  --list-readers     list USB devices that look like card readers, with the\n"
              "                     --reader spec for each\n"
              "  --headless         read one card number per line and write one JSON object\n"
              "                     per line on stdout (for scripts, tests and demos); a line\n"
              "                     may add a request id after a blank: CARD REQUEST_ID, and a\n"
              "                     repeated request id gets the first answer again; with\n"
              "                     CLEANPLATE_NOW set, a line may start with @TIME\n"
              "                     (@2026-11-03T12:04:10 CARD) to move the clock, as a demo\n"
              "                     replaying a month does\n"
              "  --timing           headless: add \"us\", the microseconds from reading the\n"
              "                     line to the answer, to every answer\n"
              "  --cashier NAME     headless: who is charging, for the records (default:\n"
              "                     headless)\n"
              "  --help             this text\n\n"
              "Each headless answer is {\"ok\":true,\"sale_id\":...,\"charged_fen\":800,...} or\n"
              "{\"ok\":false,\"error\":\"card_blocked\",\"message\":...}; with a printer an ok\n"
              "answer adds \"printed\":true or false (a sale is never undone by the printer).\n"
              "With --server an answer the terminal decided without the server adds\n"
              "\"offline\":true.\n"
              "The clock can be fixed with CLEANPLATE_NOW=2026-11-21T12:00:00.\n"),
            LEDGER_DUP_TAP_SECONDS);
}

/* What the terminal runs with, from the config file and the command line. */
typedef struct pos_settings {
    const char *terminal, *db_path, *reader, *card_format, *cashier, *language;
    const char *printer, *encoding;
    const char *server, *key, *journal, *ca; /* a terminal of the canteen server */
    long dup_seconds, columns, offline_after_ms;
    int headless, preview;
} pos_settings;

/* With --server: how often the queue is tried again while no card comes,
 * and how old the snapshot may grow while the server answers. */
#define IDLE_REPLAY_MS 3000
#define SNAPSHOT_MAX_AGE_S 300

static int timing;            /* --timing: answers carry "us" */
static struct timespec line_started;

/* Writes one answer line and flushes it: a printed ok is a committed sale.
 * Every line read gets its line out, whatever the data (jsonl_emit). */
static void emit(json_t *o)
{
    if (timing && o) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        json_object_set_new(o, "us", json_integer((json_int_t)(now.tv_sec - line_started.tv_sec) *
                                                  1000000 + (now.tv_nsec - line_started.tv_nsec) /
                                                  1000));
    }
    jsonl_emit(stdout, o);
}

/* The message may quote what came in (a card, a request id): any bytes. */
static void emit_error(const char *code, const char *message)
{
    emit(jsonl_refusal(0, code, message));
}

/* Answers a charge; with a print queue an ok sale is printed first and says so. */
static void emit_result(db *d, printq *pq, const charge_res *r)
{
    json_t *o;
    int printed = 0;

    if (r->result != CP_OK) {
        emit_error(cp_errname(r->result), r->message);
        return;
    }
    o = jsonl_charge(0, r);
    /* only when so: the answers of online charges stay as they were */
    if (o && r->offline)
        json_object_set_new(o, "offline", json_true());
    if (o && r->over_limit)
        json_object_set_new(o, "over_limit", json_true());
    if (pq && !r->repeated) {
        /* the sale is committed: whatever the printer does, it stays */
        if (printq_sale(pq, d, r->sale_id, r->cash_left_fen, r->subsidy_left_fen, &printed))
            fprintf(stderr, _("cleanplate-pos: receipt of %s: %s\n"), r->sale_id, cp_detail());
        else if (!printed)
            fprintf(stderr, _("cleanplate-pos: receipt of %s not printed: %s\n"), r->sale_id,
                    printq_status(pq));
        if (o)
            json_object_set_new(o, "printed", json_boolean(printed));
    }
    emit(o);
}

/* What the headless terminal runs with: the store (--db), or the server's
 * link and journal (--server). */
typedef struct pos_run {
    db *d;
    printq *pq;
    termsync *ts;
    till *t;               /* with the server and a printer: builds the receipts */
    const pos_settings *s;
    cardno_format fmt;
} pos_run;

/* Charges card straight on the store and answers it. Returns 1 only when
 * the terminal itself is gone (stop), else 0. */
static int charge_store(pos_run *p, const char *card, const char *reqid)
{
    char canteen[128];
    charge_req req = {0};
    charge_res res;
    int64_t canteen_id;
    cp_err err;

    req.terminal = p->s->terminal;
    req.card_no = card;
    req.request_id = reqid;
    req.actor = p->s->cashier;
    req.dup_tap_seconds = (int)p->s->dup_seconds;
    err = ledger_charge(p->d, &req, &res);
    if (!err) {
        emit_result(p->d, p->pq, &res);
        return 0;
    }
    emit_error(cp_errname(err), cp_detail());
    /* The terminal was checked at the start; asked again (not guessed from
     * the text of the error, which quotes the request), it is only gone if
     * someone took it away: the same for every line, so stop. */
    if ((err == CP_ERR_NOT_FOUND || err == CP_ERR_INVALID) &&
        ui_data_terminal(p->d, p->s->terminal, &canteen_id, canteen) != CP_OK) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 1;
    }
    return 0;
}

/* Says a refusal of the server's on stderr too: a wrong key or a sequence
 * gap is for a person to fix, not a card to tap again. */
static void tell_refusal(const json_t *answer)
{
    fprintf(stderr, _("cleanplate-pos: the server refused this terminal's request (%s): %s\n"),
            termsync_text(answer, "error"),
            termsync_text(answer, "message"));
}

/* Prints the receipt of a charge through the server (built from its
 * answers, pos/till_server.c) and says "printed" in the answer. */
static void print_remote(pos_run *p, json_t *answer)
{
    charge_res res;
    int printed = 0;

    netcharge_result(answer, &res);
    if (res.result != CP_OK || res.repeated)
        return;
    if (till_print_sale(p->t, &res, &printed))
        fprintf(stderr, _("cleanplate-pos: receipt of %s: %s\n"), res.sale_id, cp_detail());
    else if (!printed)
        fprintf(stderr, _("cleanplate-pos: receipt of %s not printed: %s\n"), res.sale_id,
                printq_status(p->pq));
    json_object_set_new(answer, "printed", json_boolean(printed));
}

/* Charges card through the server, or offline when it does not answer. */
static int charge_remote(pos_run *p, const char *card)
{
    netcharge_req req = {.card = card, .cashier = p->s->cashier,
                         .dup_seconds = (int)p->s->dup_seconds};
    int refused = 0;
    json_t *answer = netcharge(p->ts, &req, &refused);

    if (!answer) {
        emit_error("journal", cp_detail());
        return 0;
    }
    if (refused)
        tell_refusal(answer);
    else if (p->t)
        print_remote(p, answer);
    emit(answer);
    /* online again: a snapshot older than a few minutes is fetched anew */
    if (!refused && !termsync_offline(p->ts) &&
        termsync_refresh_snapshot(p->ts, SNAPSHOT_MAX_AGE_S) && !termsync_offline(p->ts))
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
    return 0;
}

/* Charges one card and answers it, whatever happened to this one request
 * (refused, a bad card, the store busy or full): the next line is served.
 * Returns 1 only when the terminal itself is gone (stop), else 0. With the
 * server the request id is the journal's (CODE/SEQ) and reqid unused. */
static int charge_one(pos_run *p, cardno_format fmt, const char *raw, const char *reqid)
{
    char card[CARDNO_LEN + 1];

    if (cardno_normalize(raw, fmt, card) != CP_OK) {
        emit_error("unknown_card", cp_detail());
        return 0;
    }
    return p->ts ? charge_remote(p, card) : charge_store(p, card, reqid);
}

/* While no card comes, the link is tried again every IDLE_REPLAY_MS: the
 * queue goes out as soon as the server is back, not at the next card. */
static void idle_replay(pos_run *p)
{
    json_t *error = NULL;
    int64_t pending = 0;

    if (journal_pending_count(termsync_journal(p->ts), &pending) || pending == 0) {
        if (termsync_refresh_snapshot(p->ts, SNAPSHOT_MAX_AGE_S) && !termsync_offline(p->ts))
            fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return;
    }
    if (termsync_flush(p->ts, &error) == TERMSYNC_REFUSED)
        tell_refusal(error);
    json_decref(error);
}

/* Waits for the next line on stdin; with the server, tidies the journal
 * when no card waits (journal_tidy), and replays the queue meanwhile.
 * stdin is unbuffered then, so that poll sees every line. */
static void wait_line(pos_run *p)
{
    struct pollfd pfd = {.fd = 0, .events = POLLIN};

    if (!p->ts)
        return;
    if (poll(&pfd, 1, 0) == 0 && journal_tidy(termsync_journal(p->ts)))
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
    while (poll(&pfd, 1, IDLE_REPLAY_MS) == 0)
        idle_replay(p);
}

/* The headless terminal on stdin: one card per line in, one JSON answer per line out. */
static int run_headless_lines(pos_run *p)
{
    char *line = NULL, session[IDS_LEN];
    size_t cap = 0;
    long seq = 0;
    int rc = 0;

    /* Request ids: terminal, a random session and a sequence, so that they
     * never repeat across restarts unless a line repeats one on purpose. */
    ids_random(session);
    session[12] = '\0';
    if (p->ts)
        setvbuf(stdin, NULL, _IONBF, 0);
    while (!rc && (wait_line(p), getline(&line, &cap, stdin) != -1)) {
        char reqid[128], *raw, *given, *save = NULL;
        cp_time at;

        clock_gettime(CLOCK_MONOTONIC, &line_started);
        raw = strtok_r(line, " \t\r\n", &save);
        if (raw && raw[0] == '@') {
            /* @TIME: a replayed tap at its own time (refused on a real clock) */
            if (clock_parse(raw + 1, &at) || clock_set(&at)) {
                emit_error("invalid", cp_detail());
                continue;
            }
            raw = strtok_r(NULL, " \t\r\n", &save);
        }
        if (!raw)
            continue;
        given = strtok_r(NULL, " \t\r\n", &save);
        if (given && strlen(given) >= sizeof reqid) {
            /* cut short, two ids could meet and get each other's answer */
            emit_error("invalid", _("a request id has at most 127 characters: nothing charged"));
            continue;
        }
        if (given)
            snprintf(reqid, sizeof reqid, "%s", given);
        else
            snprintf(reqid, sizeof reqid, "%s:%s:%ld", p->s->terminal, session, ++seq);
        rc = charge_one(p, p->fmt, raw, reqid);
    }
    free(line);
    return rc;
}

/* The headless terminal on another reader (usb, keyboard, fake): its cards
 * give JSON answers, its status changes go to stderr. */
static int run_headless_reader(pos_run *p, reader *r)
{
    char session[IDS_LEN];
    long seq = 0;

    ids_random(session);
    session[12] = '\0';
    for (;;) {
        char reqid[128];
        reader_event ev;
        cp_err err = reader_next(r, p->ts ? IDLE_REPLAY_MS : -1, &ev);

        if (err == CP_ERR_TIMEOUT) {
            if (p->ts)
                idle_replay(p);
            continue;
        }
        if (err == CP_ERR_DISCONNECTED)
            return 0;
        if (err) {
            fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
            return 1;
        }
        switch (ev.type) {
        case READER_EV_CARD:
            clock_gettime(CLOCK_MONOTONIC, &line_started);
            snprintf(reqid, sizeof reqid, "%s:%s:%ld", p->s->terminal, session, ++seq);
            if (charge_one(p, CARDNO_DEC10, ev.card, reqid))
                return 1;
            break;
        case READER_EV_INVALID:
            emit_error("unknown_card", ev.text);
            break;
        case READER_EV_STATUS:
            fprintf(stderr, "cleanplate-pos: %s\n", ev.text);
            break;
        case READER_EV_KEY:
            break;
        }
    }
}

/* Reads the config file into s, for what the command line did not set. */
static cp_err read_config(const char *path, pos_settings *s, config **out)
{
    static const char *const terminal_keys[] = {"code", "db", "server", "key", "journal", "ca",
                                                "offline_after_ms", "reader", "card_format",
                                                "dup_seconds", "language", NULL};
    static const char *const printer_keys[] = {"uri", "encoding", "columns", NULL};
    config *c = NULL;
    cp_err err;

    if ((err = config_load(path, &c)))
        return err;
    if ((err = config_check_keys(c, "terminal", terminal_keys)) ||
        (err = config_check_keys(c, "printer", printer_keys)))
        goto fail;
    if (!s->terminal)
        s->terminal = config_get(c, "terminal", "code");
    if (!s->db_path)
        s->db_path = config_get(c, "terminal", "db");
    if (!s->server)
        s->server = config_get(c, "terminal", "server");
    if (!s->journal)
        s->journal = config_get(c, "terminal", "journal");
    if (!s->ca)
        s->ca = config_get(c, "terminal", "ca");
    if (!s->key && config_get(c, "terminal", "key")) {
        if ((err = config_check_private(path)))
            goto fail;
        s->key = config_get(c, "terminal", "key");
    }
    if (!s->offline_after_ms &&
        (err = config_get_int(c, "terminal", "offline_after_ms", 50, 60000, 0,
                              &s->offline_after_ms)))
        goto fail;
    if (!s->reader)
        s->reader = config_get(c, "terminal", "reader");
    if (!s->card_format)
        s->card_format = config_get(c, "terminal", "card_format");
    if (!s->language)
        s->language = config_get(c, "terminal", "language");
    if (!s->printer)
        s->printer = config_get(c, "printer", "uri");
    if (!s->encoding)
        s->encoding = config_get(c, "printer", "encoding");
    if (!s->dup_seconds &&
        (err = config_get_int(c, "terminal", "dup_seconds", 1, 3600, 0, &s->dup_seconds)))
        goto fail;
    if (!s->columns && (err = config_get_int(c, "printer", "columns", 32, 48, 0, &s->columns)))
        goto fail;
    *out = c;
    return CP_OK;
fail:
    config_free(c);
    return err;
}

/* Parses a whole number option in [min, max] into *out; 0 on success. */
static int parse_long(const char *name, const char *v, long min, long max, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (!*v || *end || n < min || n > max) {
        fprintf(stderr, _("cleanplate-pos: --%s '%s': give a number from %ld to %ld\n"), name, v,
                min, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* --print-preview FILE: the printer bytes in FILE ("-": stdin) as text on stdout. */
static int preview_file(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int rc = 1;

    if (!f) {
        fprintf(stderr, _("cleanplate-pos: cannot open '%s': check the path\n"), path);
        return 1;
    }
    do {
        if (len == cap) {
            unsigned char *grown = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!grown) {
                fprintf(stderr, _("cleanplate-pos: out of memory reading '%s'\n"), path);
                goto out;
            }
            buf = grown;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        fprintf(stderr, _("cleanplate-pos: cannot read '%s': %s\n"), path, strerror(errno));
        goto out;
    }
    if (decode_print(buf, len, stdout)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out;
    }
    rc = 0;
out:
    free(buf);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* --list-readers: USB devices that look like readers (or those of a usb: spec). */
static int list_readers(const char *spec)
{
    reader_config rc;
    int count = 0;

    reader_config_init(&rc);
    if (spec && strncmp(spec, "usb", 3) == 0 && reader_config_parse(&rc, spec)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 2;
    }
    if (reader_usb_list(stdout, rc.ids, rc.n_ids, &count)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 1;
    }
    if (count == 0)
        printf(_("no USB card reader found: plug one in, or check `lsusb`; a reader that "
                 "types into the focused window works with --reader keyboard\n"));
    return 0;
}

/* What --server needs besides: refused early, with what to give. 0 or the exit code. */
static int check_server_settings(const pos_settings *s)
{
    const char *missing = !s->key ? "--key KEY" : !s->journal ? "--journal PATH" : NULL;

    if (s->db_path) {
        fprintf(stderr, _("cleanplate-pos: give --db or --server, not both (in the INI "
                          "file: db = or server = under [terminal]; comment the other out)\n"));
        return 2;
    }
    if (missing) {
        fprintf(stderr, _("cleanplate-pos: --server needs %s (or [terminal] key and journal in "
                          "--config)\n"), missing);
        return 2;
    }
    return 0;
}

/* Opens the journal and the link, makes the first contact and fetches the
 * snapshot. A server that answers with a refusal (a wrong key) stops the
 * terminal with its message; one that does not answer leaves it offline,
 * working from the snapshot it has. 0 or the exit code. */
static int open_server(const pos_settings *s, termsync **out)
{
    termsync_config c = {.server = s->server, .terminal = s->terminal, .key = s->key,
                         .journal = s->journal, .budget_ms = s->offline_after_ms,
                         .ca = s->ca};
    json_t *error = NULL;
    termsync_state st;

    if (termsync_open(&c, out)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 2;
    }
    st = termsync_hello(*out, &error);
    if (st == TERMSYNC_REFUSED) {
        tell_refusal(error);
        json_decref(error);
        return 1;
    }
    if (st == TERMSYNC_NO_ANSWER)
        fprintf(stderr, _("cleanplate-pos: %s: working offline from the last snapshot until "
                          "the server answers\n"), cp_detail());
    else if (termsync_refresh_snapshot(*out, 0))
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
    return 0;
}

int main(int argc, char **argv)
{
    cli_opt opts[] = {
        {"headless", 0, NULL},      {"timing", 0, NULL},           {"terminal", 1, NULL},
        {"db", 1, NULL},            {"server", 1, NULL},           {"key", 1, NULL},
        {"journal", 1, NULL},       {"offline-after-ms", 1, NULL}, {"ca", 1, NULL},
        {"cashier", 1, NULL},       {"card-format", 1, NULL},      {"dup-seconds", 1, NULL},
        {"reader", 1, NULL},        {"list-readers", 0, NULL},     {"config", 1, NULL},
        {"printer", 1, NULL},       {"printer-encoding", 1, NULL}, {"printer-columns", 1, NULL},
        {"print-preview", 0, NULL}, {"language", 1, NULL},         {"help", 0, NULL},
        {NULL, 0, NULL},
    };
    pos_settings s = {0};
    cardno_format fmt = CARDNO_AUTO;
    escpos_profile prof;
    reader_config rcfg;
    cp_time now;
    int64_t canteen_id;
    char canteen_name[128];
    config *cfg = NULL;
    printq *pq = NULL;
    reader *r = NULL;
    termsync *ts = NULL;
    const char *v;
    char *pos[1];
    int npos, rc = 1, use_lines;
    db *d = NULL;
    cp_err err;

    nls_start(); /* --help and the errors below in the language of the environment */
    if ((err = cli_parse(argc - 1, argv + 1, opts, pos, 1, &npos))) {
        fprintf(stderr, _("cleanplate-pos: %s; see cleanplate-pos --help\n"), cp_detail());
        return 2;
    }
    if (cli_get(opts, "help")) {
        usage(stdout);
        return 0;
    }
    s.headless = cli_get(opts, "headless") != NULL;
    timing = cli_get(opts, "timing") != NULL;
    s.preview = cli_get(opts, "print-preview") != NULL;
    if (npos > 0 && !(s.preview && !s.headless)) {
        fprintf(stderr, _("cleanplate-pos: unexpected '%s'; see cleanplate-pos --help\n"), pos[0]);
        return 2;
    }
    if ((npos > 0 || cli_get(opts, "list-readers")) &&
        nls_use("cleanplate-pos", cli_get(opts, "language"), NLS_NO_SCREEN)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 2;
    }
    if (npos > 0)
        return preview_file(pos[0]);
    if (cli_get(opts, "list-readers"))
        return list_readers(cli_get(opts, "reader"));

    s.terminal = cli_get(opts, "terminal");
    s.db_path = cli_get(opts, "db");
    s.server = cli_get(opts, "server");
    s.key = cli_get(opts, "key");
    s.journal = cli_get(opts, "journal");
    s.ca = cli_get(opts, "ca");
    if ((v = cli_get(opts, "offline-after-ms")) &&
        parse_long("offline-after-ms", v, 50, 60000, &s.offline_after_ms))
        return 2;
    s.reader = cli_get(opts, "reader");
    s.card_format = cli_get(opts, "card-format");
    s.printer = cli_get(opts, "printer");
    s.encoding = cli_get(opts, "printer-encoding");
    s.language = cli_get(opts, "language");
    if ((v = cli_get(opts, "dup-seconds")) && parse_long("dup-seconds", v, 1, 3600, &s.dup_seconds))
        return 2;
    if ((v = cli_get(opts, "printer-columns")) &&
        parse_long("printer-columns", v, 32, 48, &s.columns))
        return 2;
    if ((v = cli_get(opts, "config")) && (err = read_config(v, &s, &cfg))) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 2;
    }
    /* the language settles once the file is read: a terminal's screen and receipts */
    if (nls_use("cleanplate-pos", s.language, s.headless ? NLS_NO_SCREEN : NLS_SCREEN)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out_usage;
    }
    v = cli_get(opts, "cashier");
    s.cashier = v ? v : "headless";
    if (!s.terminal) {
        fprintf(stderr, _("cleanplate-pos: missing --terminal CODE (the code given to "
                          "`cleanplate-office terminal add`), or [terminal] code in --config\n"));
        goto out_usage;
    }
    if (s.card_format && cardno_format_parse(s.card_format, &fmt)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out_usage;
    }
    if (escpos_profile_parse(s.encoding ? s.encoding : "gb18030",
                             s.columns ? (int)s.columns : 32, &prof)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out_usage;
    }

    /* The reader: stdin lines by default when headless, the keyboard on screen. */
    reader_config_init(&rcfg);
    rcfg.format = fmt;
    if (reader_config_parse(&rcfg, s.reader ? s.reader : s.headless ? "stdin" : "keyboard")) {
        fprintf(stderr, "cleanplate-pos: --reader: %s\n", cp_detail());
        goto out_usage;
    }
    use_lines = s.headless && rcfg.ops == &reader_stdin_ops;
    if (!s.headless && rcfg.ops == &reader_wedge_ops)
        rcfg.fd = -1; /* the screen reads the keys and hands them on */
    if (!s.headless && rcfg.ops == &reader_stdin_ops && isatty(0)) {
        fprintf(stderr, _("cleanplate-pos: --reader stdin on the screen needs card numbers piped "
                          "in (cards < FIFO); for a reader that types, use --reader keyboard\n"));
        goto out_usage;
    }

    if ((err = clock_now(&now))) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out_usage;
    }
    if (s.server) {
        if ((rc = check_server_settings(&s)) || (rc = open_server(&s, &ts)))
            goto out;
        rc = 1;
    } else if ((err = db_open(s.db_path, DB_OPEN_EXISTING, &d))) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out;
    }
    /* a wrong terminal is refused at once, not at the first card */
    if (d && s.headless && (err = ui_data_terminal(d, s.terminal, &canteen_id, canteen_name))) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out;
    }
    if (s.preview || s.printer) {
        if ((err = printq_new(s.preview ? "preview" : s.printer, &prof, &pq))) {
            fprintf(stderr, "cleanplate-pos: --printer: %s\n", cp_detail());
            goto out_usage;
        }
        if (s.preview)
            printq_set_preview(pq, stderr);
        if (s.headless && printq_ok(pq) == 0)
            fprintf(stderr, _("cleanplate-pos: %s; sales go on, receipts are kept\n"),
                    printq_status(pq));
    } else if (!s.headless && (err = printq_new("none", &prof, &pq))) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out;
    }
    if (!use_lines && (err = reader_open(&rcfg, &r))) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        goto out;
    }

    if (s.headless) {
        pos_run run = {.d = d, .pq = pq, .ts = ts, .s = &s, .fmt = fmt};
        int left = 0;
        if (ts && pq && till_open_server(ts, pq, &run.t)) {
            fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
            goto out;
        }
        if (run.t)
            till_set_cashier(run.t, s.cashier);
        rc = use_lines ? run_headless_lines(&run) : run_headless_reader(&run, r);
        /* receipts still waiting for the printer: one more try, then say so */
        if (pq && printq_pending(pq) > 0 && (printq_flush(pq, d, &left) || left > 0))
            fprintf(stderr, P_("cleanplate-pos: %d receipt was not printed (%s); the sales stand "
                               "(their answers say \"printed\":false): reprint them on the "
                               "terminal's screen with R and the sale id\n",
                               "cleanplate-pos: %d receipts were not printed (%s); the sales "
                               "stand (their answers say \"printed\":false): reprint them on "
                               "the terminal's screen with R and the sale id\n",
                               (unsigned long)left), left, printq_status(pq));
        till_free(run.t);
    } else {
        till *t = NULL;
        err = ts ? till_open_server(ts, pq, &t) : till_open_store(d, s.terminal, pq, &t);
        if (err) {
            fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
            goto out;
        }
        ui_config u = {.terminal = s.terminal, .t = t, .r = r, .pq = pq, .preview = s.preview,
                       .dup_seconds = (int)s.dup_seconds,
                       .screen_on_tty = rcfg.ops == &reader_stdin_ops};
        if (s.preview) {
            /* the screen shows the receipt itself; the transport's text goes nowhere */
            FILE *null = fopen("/dev/null", "w");
            printq_set_preview(pq, null);
            rc = ui_run(&u);
            printq_set_preview(pq, stderr);
            if (null)
                fclose(null);
        } else {
            rc = ui_run(&u);
        }
        till_free(t);
    }
    goto out;
out_usage:
    rc = 2;
out:
    reader_close(r);
    printq_free(pq);
    termsync_close(ts);
    db_close(d);
    config_free(cfg);
    return rc;
}
