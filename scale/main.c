/* cleanplate-scale: the waste station and its serial scales. */
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/nls.h"
#include "scale/probe.h"
#include "scale/serial.h"
#include "scale/sim.h"
#include "scale/stable.h"
#include "scale/station_link.h"
#include "scale/station_run.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f, _("usage: cleanplate-scale COMMAND [options]\n\n"
                 "The waste station of a CleanPlate canteen.\n\n"
                 "  station --terminal CODE   weigh trays and kitchen waste (screen, or --headless)\n"
                 "  read --port DEV --protocol P [--settled]\n"
                 "                            print readings of a scale as JSON lines\n"
                 "  sim --protocol P          simulate a scale on a pseudo-terminal\n"
                 "  list-ports                list serial ports\n"
                 "  protocols                 list the scale protocols\n"
                 "  --help                    this text; COMMAND --help for a command's options\n\n"
                 "Find the port with list-ports, then try `read --protocol auto` to find the\n"
                 "protocol; put both in the station's config file (dist/station.ini.example).\n"));
}

/* Prints the error detail as one line and returns the exit code. */
static int fail(const char *cmd, cp_err err)
{
    fprintf(stderr, _("cleanplate-scale %s: %s\n"), cmd, cp_detail());
    return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
}

/* Parses a command's options; prints the usage on --help (returns 0 with
 * *done set) or on a mistake (returns 2). */
static int parse(const char *cmd, const char *usage_text, int argc, char **argv, cli_opt *opts,
                 int *done)
{
    char *pos[4];
    int npos = 0;
    cp_err err = cli_parse(argc, argv, opts, pos, 4, &npos);

    *done = 0;
    if (err) {
        fprintf(stderr, _("cleanplate-scale %s: %s; see cleanplate-scale %s --help\n"), cmd,
                cp_detail(), cmd);
        return 2;
    }
    if (cli_get(opts, "help")) {
        fputs(_(usage_text), stdout);
        *done = 1;
        return 0;
    }
    if (npos > 0) {
        fprintf(stderr, _("cleanplate-scale %s: unexpected argument '%s'; see cleanplate-scale "
                          "%s --help\n"), cmd, pos[0], cmd);
        return 2;
    }
    return 0;
}

/* Reads "9600,8N1" style line settings into *s (fields left as they are when absent). */
static int parse_line_opts(const cli_opt *opts, proto_serial *s)
{
    const char *v;
    if ((v = cli_get(opts, "baud"))) {
        char *end;
        long b = strtol(v, &end, 10);
        if (*end || b <= 0 || b > 4000000) {
            fprintf(stderr, _("cleanplate-scale: --baud '%s' is not a baud rate (e.g. 9600)\n"), v);
            return 2;
        }
        s->baud = (int)b;
    }
    if ((v = cli_get(opts, "framing"))) {
        if (strlen(v) != 3 || (v[0] != '7' && v[0] != '8') || !strchr("NEO", v[1]) ||
            (v[2] != '1' && v[2] != '2')) {
            fprintf(stderr, _("cleanplate-scale: --framing '%s' is not like 8N1 or 7E1\n"), v);
            return 2;
        }
        s->bits = v[0] - '0';
        s->parity = v[1];
        s->stop = v[2] - '0';
    }
    return 0;
}

static int cmd_list_ports(int argc, char **argv)
{
    cli_opt opts[] = {{"json", 0, NULL}, {"help", 0, NULL}, {NULL, 0, NULL}};
    serial_info *list = NULL;
    size_t n = 0;
    int rc, done;
    cp_err err;

    if ((rc = parse("list-ports", N_("usage: cleanplate-scale list-ports [--json]\n"
                                     "  Lists the serial ports with their USB descriptions. Use "
                                     "the by-id path\n"
                                     "  in the station's config: it stays the same when the scale "
                                     "is plugged\n"
                                     "  into another USB socket.\n"), argc, argv, opts, &done)) ||
        done)
        return rc;
    if ((err = serial_list(&list, &n)))
        return fail("list-ports", err);
    if (n == 0 && !cli_get(opts, "json"))
        printf(_("no serial ports found: plug in the scale's cable (USB-serial adapter) and "
                 "try again\n"));
    for (size_t i = 0; i < n; i++) {
        const serial_info *p = &list[i];
        if (cli_get(opts, "json")) {
            printf("{\"name\":\"%s\",\"by_id\":%s%s%s,\"description\":\"%s\"", p->name,
                   p->by_id ? "\"" : "", p->by_id ? p->by_id : "null", p->by_id ? "\"" : "",
                   p->description ? p->description : "");
            if (p->usb_vid >= 0)
                printf(",\"usb\":\"%04x:%04x\"", p->usb_vid, p->usb_pid);
            printf("}\n");
            continue;
        }
        printf("%s", p->name);
        if (p->description)
            printf("  %s", p->description);
        if (p->usb_vid >= 0)
            printf("  [USB %04x:%04x%s%s%s%s]", p->usb_vid, p->usb_pid,
                   p->usb_manufacturer ? " " : "", p->usb_manufacturer ? p->usb_manufacturer : "",
                   p->usb_serial ? " serial " : "", p->usb_serial ? p->usb_serial : "");
        printf("\n");
        if (p->by_id)
            printf("    %s\n", p->by_id);
    }
    serial_list_free(list, n);
    return 0;
}

static int cmd_protocols(int argc, char **argv)
{
    cli_opt opts[] = {{"help", 0, NULL}, {NULL, 0, NULL}};
    int rc, done;

    if ((rc = parse("protocols", N_("usage: cleanplate-scale protocols\n"
                                    "  Lists the protocols --protocol takes, with their default "
                                    "line settings.\n"),
                    argc, argv, opts, &done)) || done)
        return rc;
    for (const proto_ops *const *p = proto_list(); *p; p++)
        printf("%-12s %-34s %d %d%c%d  %s\n", (*p)->name, (*p)->title, (*p)->serial.baud,
               (*p)->serial.bits, (*p)->serial.parity, (*p)->serial.stop,
               (*p)->polled ? _("polled") : _("streams"));
    printf("%-12s %s\n", "auto", _("probe the port: polled protocols first, then streams"));
    return 0;
}

/* Prints one reading as a JSON line. */
static void print_reading(const proto_reading *r, bool settled)
{
    if (r->has_weight)
        printf("{\"grams\":%lld,", (long long)r->grams);
    else
        printf("{\"grams\":null,");
    printf("\"stable\":%s,\"status\":\"%s\"%s%s}\n", r->stable ? "true" : "false",
           proto_status_name(r->status), r->net ? ",\"net\":true" : "",
           settled ? ",\"settled\":true" : "");
    fflush(stdout);
}

static const char read_usage[] =
    N_("usage: cleanplate-scale read --port DEV --protocol P|auto [--settled] [options]\n"
       "  Prints one JSON line per reading: {\"grams\":N,\"stable\":true,\"status\":\"ok\"}\n"
       "  (status ok, overload, underload, error, or impossible: a number no canteen\n"
       "  scale can show; grams null when the scale sent none).\n"
       "  --port DEV        the scale's port (see list-ports); a by-id path is best\n"
       "  --protocol P      mtsics, toledo8217, toledo-cont, and, cas, cas-stream, ohaus,\n"
       "                    or auto: probe polled protocols first, then listen for streams\n"
       "  --settled         print only settled weights, one per placement\n"
       "  --count N         stop after N lines\n"
       "  --seconds N       stop after N seconds\n"
       "  --baud N, --framing 8N1|7E1|...  line settings when the scale is not at the\n"
       "                    protocol's default (cleanplate-scale protocols lists them)\n"
       "  --unit g|kg|lb|t  unit of frames that carry none (Toledo 8217, CAS 10-byte;\n"
       "                    default kg)\n"
       "  --checksum        Toledo continuous frames end with a checksum byte\n"
       "  --band G, --window MS  the stability window (default 2 g for 800 ms)\n");

static int cmd_read(int argc, char **argv)
{
    cli_opt opts[] = {{"port", 1, NULL}, {"protocol", 1, NULL}, {"settled", 0, NULL},
                      {"count", 1, NULL}, {"seconds", 1, NULL}, {"baud", 1, NULL},
                      {"framing", 1, NULL}, {"unit", 1, NULL}, {"checksum", 0, NULL},
                      {"band", 1, NULL}, {"window", 1, NULL}, {"help", 0, NULL},
                      {NULL, 0, NULL}};
    station_link_cfg cfg = {0};
    station_link *l = NULL;
    stable filter;
    stable_cfg scfg;
    long count = -1, printed = 0, seconds = -1, band = -1, window = -1;
    int64_t t0;
    bool was_connected = true;
    int rc, done;
    cp_err err;

    if ((rc = parse("read", read_usage, argc, argv, opts, &done)) || done)
        return rc;
    cfg.port = cli_get(opts, "port");
    if (!cfg.port || !cli_get(opts, "protocol")) {
        fprintf(stderr, _("cleanplate-scale read: give --port DEV and --protocol P (see "
                          "cleanplate-scale read --help)\n"));
        return 2;
    }
    if ((err = cli_get_long(opts, "count", 1, LONG_MAX, &count)) ||
        (err = cli_get_long(opts, "seconds", 1, LONG_MAX, &seconds)) ||
        (err = cli_get_long(opts, "band", 0, 100000, &band)) ||
        (err = cli_get_long(opts, "window", 0, 60000, &window))) {
        fprintf(stderr, "cleanplate-scale read: %s\n", cp_detail());
        return 2;
    }
    if (cli_get(opts, "unit") && (err = proto_unit_parse(cli_get(opts, "unit"), &cfg.opts.unit)))
        return fail("read", err);
    cfg.opts.checksum = cli_get(opts, "checksum") != NULL;
    stable_defaults(&scfg);
    if (band >= 0)
        scfg.band_g = band;
    if (window >= 0)
        scfg.window_ms = window;
    if (strcmp(cli_get(opts, "protocol"), "auto") == 0) {
        probe_result found;
        proto_serial line = {0};
        if ((rc = parse_line_opts(opts, &line)))
            return rc;
        if ((err = probe_port(cfg.port, line.baud > 0 ? &line : NULL, &cfg.opts, stderr,
                              &found)))
            return fail("read", err);
        cfg.ops = found.ops;
        cfg.serial = found.serial;
    } else {
        if ((err = proto_lookup(cli_get(opts, "protocol"), &cfg.ops)))
            return fail("read", err);
        cfg.serial = cfg.ops->serial;
        if ((rc = parse_line_opts(opts, &cfg.serial)))
            return rc;
    }
    if ((err = station_link_open(&cfg, &l)))
        return fail("read", err);
    if (!station_link_connected(l)) {
        /* a wrong --port at the start is said once, not retried for ever */
        fprintf(stderr, _("cleanplate-scale read: %s (see cleanplate-scale list-ports)\n"),
                station_link_status(l));
        station_link_close(l);
        return 1;
    }
    {
        proto_serial now;
        fprintf(stderr, "cleanplate-scale read: %s, %s", station_link_status(l), cfg.ops->name);
        if (station_link_line(l, &now) == CP_OK)
            fprintf(stderr, _(", line %d %d%c%d"), now.baud, now.bits, now.parity, now.stop);
        fputc('\n', stderr);
    }
    stable_init(&filter, &scfg);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    t0 = station_link_now_ms();
    while (!stop && (count < 0 || printed < count) &&
           (seconds < 0 || station_link_now_ms() - t0 < seconds * 1000)) {
        proto_reading r[16];
        size_t n = 0;
        bool changed = false;
        if ((err = station_link_step(l, 100, r, 16, &n, &changed))) {
            station_link_close(l);
            return fail("read", err);
        }
        if (changed || (was_connected && !station_link_connected(l)))
            fprintf(stderr, "cleanplate-scale read: %s\n", station_link_status(l));
        was_connected = station_link_connected(l);
        for (size_t i = 0; i < n && (count < 0 || printed < count); i++) {
            stable_event ev;
            if (!cli_get(opts, "settled")) {
                print_reading(&r[i], false);
                printed++;
                continue;
            }
            if (stable_push(&filter, &r[i], station_link_now_ms(), &ev) &&
                ev.kind == STABLE_SETTLED) {
                proto_reading s = {.grams = ev.grams, .has_weight = ev.status == PROTO_OK,
                                   .stable = true, .net = ev.net, .status = ev.status};
                print_reading(&s, true);
                printed++;
            }
        }
    }
    if (station_link_refused_unit(l) != NULL)
        fprintf(stderr, _("cleanplate-scale read: %llu frames did not parse as %s; the scale "
                          "sends weights in '%s', which is no unit of weight we convert: set "
                          "the scale to g or kg\n"),
                (unsigned long long)station_link_skipped(l), cfg.ops->title,
                station_link_refused_unit(l));
    else if (station_link_skipped(l) > 0)
        fprintf(stderr, _("cleanplate-scale read: %llu frames did not parse as %s (check the "
                          "protocol and line settings)\n"),
                (unsigned long long)station_link_skipped(l), cfg.ops->title);
    station_link_close(l);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"station", station_run_main},
        {"read", cmd_read},
        {"sim", sim_main},
        {"list-ports", cmd_list_ports},
        {"protocols", cmd_protocols},
    };

    nls_start(); /* --help and the errors in the language of the environment */
    /* the station settles its language from its config file (station_run_main) */
    if (argc < 2 || strcmp(argv[1], "station") != 0)
        nls_use("cleanplate-scale", NULL, NLS_NO_SCREEN);
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, _("cleanplate-scale: unknown command '%s'; see cleanplate-scale --help\n"),
            argv[1]);
    return 2;
}
