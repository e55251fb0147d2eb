/* cleanplate-pos: the cashier terminal; --headless charges one card per line of stdin. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cardno.h"
#include "core/cli.h"
#include "core/db.h"
#include "core/ids.h"
#include "core/ledger.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cleanplate-pos --headless --terminal CODE [--db PATH] [options]\n\n"
            "The cashier terminal of a CleanPlate canteen.\n\n"
            "  --headless         read one card number per line on stdin and write one JSON\n"
            "                     object per line on stdout (for scripts, tests and demos);\n"
            "                     a line may add a request id after a blank: CARD REQUEST_ID,\n"
            "                     and a repeated request id gets the first answer again\n"
            "  --terminal CODE    this terminal (its canteen decides meal periods and prices)\n"
            "  --db PATH          the database (default $CLEANPLATE_DB, else ./cleanplate.db)\n"
            "  --cashier NAME     who is charging, for the records (default: headless)\n"
            "  --card-format F    how card numbers arrive: auto (default), dec10, w26, hex,\n"
            "                     hex-lsb\n"
            "  --dup-seconds N    the same card again within N seconds is a duplicate tap\n"
            "                     (default %d)\n"
            "  --help             this text\n\n"
            "Each answer is {\"ok\":true,\"sale_id\":...,\"charged_fen\":800,...} or\n"
            "{\"ok\":false,\"error\":\"card_blocked\",\"message\":...}. The clock can be fixed\n"
            "with CLEANPLATE_NOW=2026-11-21T12:00:00.\n",
            LEDGER_DUP_TAP_SECONDS);
}

/* Writes one answer line and flushes it: a printed ok is a committed sale. */
static void emit(json_t *o)
{
    json_dumpf(o, stdout, JSON_COMPACT);
    putchar('\n');
    fflush(stdout);
    json_decref(o);
}

static void emit_error(const char *code, const char *message)
{
    emit(json_pack("{s:b, s:s, s:s}", "ok", 0, "error", code, "message", message));
}

static void emit_result(const charge_res *r)
{
    if (r->result != CP_OK) {
        emit_error(cp_errname(r->result), r->message);
        return;
    }
    emit(json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:b}", "ok", 1,
                   "sale_id", r->sale_id, "staff_no", r->staff_no, "name", r->name,
                   "department", r->department, "period", r->period, "charged_fen",
                   (json_int_t)r->charged_fen, "subsidy_fen", (json_int_t)r->subsidy_fen,
                   "cash_fen", (json_int_t)r->cash_fen, "cash_left_fen",
                   (json_int_t)r->cash_left_fen, "subsidy_left_fen",
                   (json_int_t)r->subsidy_left_fen, "meals_today", r->meals_today, "repeated",
                   r->repeated));
}

/* The headless terminal: one card per line in, one JSON answer per line out. */
static int run_headless(db *d, const char *terminal, const char *cashier, cardno_format fmt,
                        int dup_seconds)
{
    char *line = NULL, session[IDS_LEN];
    size_t cap = 0;
    long seq = 0;

    /* Request ids: terminal, a random session and a sequence, so that they
     * never repeat across restarts unless a line repeats one on purpose. */
    ids_random(session);
    session[12] = '\0';
    while (getline(&line, &cap, stdin) != -1) {
        char card[CARDNO_LEN + 1], reqid[128], *raw, *given, *save = NULL;
        charge_req req = {0};
        charge_res res;
        cp_err err;

        raw = strtok_r(line, " \t\r\n", &save);
        if (!raw)
            continue;
        given = strtok_r(NULL, " \t\r\n", &save);
        if (cardno_normalize(raw, fmt, card) != CP_OK) {
            emit_error("unknown_card", cp_detail());
            continue;
        }
        if (given)
            snprintf(reqid, sizeof reqid, "%s", given);
        else
            snprintf(reqid, sizeof reqid, "%s:%s:%ld", terminal, session, ++seq);
        req.terminal = terminal;
        req.card_no = card;
        req.request_id = reqid;
        req.actor = cashier;
        req.dup_tap_seconds = dup_seconds;
        err = ledger_charge(d, &req, &res);
        if (err == CP_ERR_NOT_FOUND || err == CP_ERR_INVALID) {
            /* a wrong terminal is the same for every line: stop at once */
            if (strstr(cp_detail(), "terminal")) {
                fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
                free(line);
                return 1;
            }
        }
        if (err)
            emit_error(cp_errname(err), cp_detail());
        else
            emit_result(&res);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    cli_opt opts[] = {
        {"headless", 0, NULL}, {"terminal", 1, NULL}, {"db", 1, NULL},
        {"cashier", 1, NULL},  {"card-format", 1, NULL}, {"dup-seconds", 1, NULL},
        {"help", 0, NULL},     {NULL, 0, NULL},
    };
    cardno_format fmt = CARDNO_AUTO;
    const char *terminal, *v;
    char *pos[1];
    int npos, dup = 0, rc;
    db *d = NULL;
    cp_err err;

    if ((err = cli_parse(argc - 1, argv + 1, opts, pos, 0, &npos))) {
        fprintf(stderr, "cleanplate-pos: %s; see cleanplate-pos --help\n", cp_detail());
        return 2;
    }
    if (cli_get(opts, "help")) {
        usage(stdout);
        return 0;
    }
    if (!cli_get(opts, "headless")) {
        fprintf(stderr, "cleanplate-pos: the full-screen terminal is not built yet; run with "
                        "--headless --terminal CODE (see --help)\n");
        return 2;
    }
    if (!(terminal = cli_get(opts, "terminal"))) {
        fprintf(stderr, "cleanplate-pos: missing --terminal CODE (the code given to "
                        "`cleanplate-office terminal add`)\n");
        return 2;
    }
    if ((v = cli_get(opts, "card-format")) && cardno_format_parse(v, &fmt)) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 2;
    }
    if ((v = cli_get(opts, "dup-seconds"))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 3600) {
            fprintf(stderr, "cleanplate-pos: --dup-seconds '%s': give 1 to 3600\n", v);
            return 2;
        }
        dup = (int)n;
    }
    if ((err = db_open(cli_get(opts, "db"), DB_OPEN_EXISTING, &d))) {
        fprintf(stderr, "cleanplate-pos: %s\n", cp_detail());
        return 1;
    }
    v = cli_get(opts, "cashier");
    rc = run_headless(d, terminal, v ? v : "headless", fmt, dup);
    db_close(d);
    return rc;
}
