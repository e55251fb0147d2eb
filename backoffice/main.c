/* cleanplate-office: the manager's commands: set up a canteen, people, cards, money, checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/db.h"
#include "core/nls.h"

#include "backoffice/cmd_canteen.h"
#include "backoffice/cmd_cost.h"
#include "backoffice/cmd_money.h"
#include "backoffice/cmd_names.h"
#include "backoffice/cmd_reports.h"
#include "backoffice/cmd_rules.h"
#include "backoffice/cmd_store.h"
#include "backoffice/cmd_terminals.h"
#include "backoffice/cmd_users.h"
#include "backoffice/cmd_waste.h"
#include "backoffice/office.h"
#include "backoffice/report_offline.h"
#include "backoffice/report_statement.h"
#include "backoffice/serve.h"

typedef struct command {
    const char *name;    /* one or two words: "canteen add" */
    const char *args;    /* usage after the name */
    const char *help;    /* one line */
    int npos;            /* positionals required */
    const char *options; /* comma-separated long options this command takes, "name=" for a value */
    int (*run)(office_ctx *c);
} command;

static const command commands[] = {
    {"init", "[--create-roles [--office-role NAME] [--terminal-role NAME] [--server-role NAME]]",
     N_("create the database, or migrate it to this version (harmless twice); on PostgreSQL "
        "--create-roles also makes the back office's role, which owns the store, the "
        "terminals' role, which may not change or delete events, and the servers' role for "
        "serve, which alone may also read the networked terminals' keys (the passwords of "
        "roles not yet on the server are asked for, or read from stdin: each twice)"),
     0, "create-roles,office-role=,terminal-role=,server-role=", cmd_init},
    {"canteen add", "CODE NAME", N_("add a canteen"), 2, "", cmd_canteen_add},
    {"terminal add", "CODE --canteen CODE --kind pos|waste",
     N_("add a POS or a waste station; prints its key for the network once"), 1,
     "canteen=,kind=", cmd_terminal_add},
    {"terminal key", "CODE",
     N_("make a new key for a networked terminal and print it alone (the old one stops "
        "working)"), 1, "", cmd_terminal_key},
    {"serve",
     "--listen ADDR:PORT [--tls-cert FILE --tls-key FILE] [--threads N]"
     " [--offline-max-age-days N]",
     N_("the canteen server for networked terminals (doc/protocol.md): HTTP with JSON, every "
        "request signed with the terminal's key; offline charges tapped more than N days "
        "ago (default 7) are refused with an alarm; stops cleanly on SIGTERM or Ctrl-C"),
     0, SERVE_OPTIONS, cmd_serve},
    {"terminals", "[--json]",
     N_("list the terminals: last contact with the server, events pending, high-water mark, "
        "snapshot version, open alarms, refused requests"), 0, "json", cmd_terminals},
    {"terminal ack", "CODE (--alarm ID | --all) --reason TEXT --manager NAME",
     N_("acknowledge a terminal's alarm (the id `terminals` shows), or all its open ones, "
        "saying what was done; recorded and audited"), 1, "alarm=,all,reason=,manager=",
     cmd_terminal_ack},
    {"terminal skip", "CODE --to SEQ --reason TEXT --manager NAME",
     N_("write off a terminal's events it can no longer send, after its high-water mark up to "
        "SEQ (the store restored from an old copy; the sequence_gap alarm names them), so that "
        "its next events are taken again; recorded and audited"), 1,
     "to=,reason=,manager=", cmd_terminal_skip},
    {"import departments", "FILE", N_("import departments (CSV: code,name,parent_code)"), 1, "",
     cmd_import_departments},
    {"import diners", "FILE",
     N_("import diners (CSV: staff_no,name,department_code,category,card)"), 1, "",
     cmd_import_diners},
    {"import topups", "FILE --manager NAME",
     N_("add cash to many wallets at once, all or nothing (CSV: staff_no,yuan)"), 1, "manager=",
     cmd_import_topups},
    {"import purchases", "FILE --canteen CODE --manager NAME",
     N_("import a canteen's food purchases, all or nothing (CSV: "
        "date,supplier,category,kg,yuan,invoice)"), 1, "canteen=,manager=", cmd_import_purchases},
    {"period set", "--canteen CODE NAME HH:MM-HH:MM", N_("set a meal period"), 2, "canteen=",
     cmd_period_set},
    {"period name", "CODE NAME",
     N_("the name screens, receipts and reports show for a meal period code (lunch: 午餐); "
        "\"\" shows the built-in one again"),
     2, "", cmd_period_name},
    {"period list", "[--json]", N_("every meal period code and the name shown for it"), 0,
     "json", cmd_period_list},
    {"category set", "CODE NAME",
     N_("the name screens, receipts and reports show for a diner category (staff: 职工); "
        "\"\" shows the built-in one again"),
     2, "", cmd_category_set},
    {"category list", "[--json]", N_("every diner category and the name shown for it"), 0,
     "json", cmd_category_list},
    {"price set", "--canteen CODE --period NAME --category CAT YUAN --manager NAME",
     N_("set the meal price of a period for a diner category"), 1,
     "canteen=,period=,category=,manager=", cmd_price_set},
    {"item set", "--canteen CODE [--per-100g] CODE NAME YUAN", N_("add or change an a-la-carte item"),
     3, "canteen=,per-100g", cmd_item_set},
    {"rules set",
     "CATEGORY [--meals N] [--daily-cap YUAN|none] [--overdraft YUAN]"
     " [--offline-daily-cap YUAN|lunch] --manager NAME",
     N_("set a category's meals per period, daily cap, overdraft and what a card may spend "
        "a day at a terminal without its server (default: one lunch)"), 1,
     "meals=,daily-cap=,overdraft=,offline-daily-cap=,manager=", cmd_rules_set},
    {"rules list", "[--canteen CODE] [--json]",
     N_("every diner category's rules (with --canteen, what one lunch costs there offline)"), 0,
     "canteen=,json", cmd_rules_list},
    /* before "topup": the first command whose words match is taken */
    {"topup reverse", "LEDGER_ID --reason TEXT --manager NAME",
     N_("reverse a mistaken top-up (the entry id that topup printed) with a new entry"), 1,
     "reason=,manager=", cmd_topup_reverse},
    {"topup", "STAFF_NO YUAN --manager NAME", N_("add cash to a diner's wallet"), 2, "manager=",
     cmd_topup},
    {"subsidy grant",
     "--month YYYY-MM YUAN [--department CODE] [--category CAT] --manager NAME",
     N_("grant a month's subsidy to every active diner (or those of a department and its "
        "sub-departments, or of a diner category)"),
     1, "month=,department=,category=,manager=", cmd_subsidy_grant},
    {"subsidy expire", "--month YYYY-MM --manager NAME",
     N_("take back what is left of a month's subsidy grants, after the month has ended"), 0,
     "month=,manager=", cmd_subsidy_expire},
    {"card block", "CARD", N_("block a lost card"), 1, "", cmd_card_block},
    {"card unblock", "CARD", N_("unblock a card that was found"), 1, "", cmd_card_unblock},
    {"card replace", "STAFF_NO NEWCARD", N_("give a diner a new card; old cards are retired"), 2, "",
     cmd_card_replace},
    {"diner leave", "STAFF_NO --manager NAME",
     N_("a diner leaves: refund cash, expire subsidy, retire cards"), 1, "manager=",
     cmd_diner_leave},
    {"balance", "STAFF_NO [--json]", N_("show a diner's cash and subsidy"), 1, "json", cmd_balance},
    {"user add", "NAME --role cashier|kitchen|manager|admin --manager NAME",
     N_("add a user (a manager or admin authorises; the very first user, an admin, needs none); "
        "the PINs are asked for (or read from stdin: the manager's, then the new one twice)"),
     1, "role=,manager=", cmd_user_add},
    {"user list", "", N_("every user: role, active, wrong PINs in a row and any lock"), 0, "",
     cmd_user_list},
    {"user disable", "NAME --manager NAME",
     N_("disable a user (a manager or admin needs an admin to disable them)"), 1, "manager=",
     cmd_user_disable},
    {"user pin", "NAME --manager NAME",
     N_("set a new PIN for a user and lift their lock (stdin: the manager's PIN, then the new "
        "one twice)"), 1, "manager=", cmd_user_pin},
    {"void", "SALE_ID --manager NAME [--reason TEXT]",
     N_("void a sale of this month (manager PIN asked for, or read from stdin)"), 1,
     "manager=,reason=", cmd_void},
    {"verify", "[--out DIR] [--head HEX]",
     N_("check every balance, void, the audit chain with every event's rows, the publications "
        "(and their files in DIR); with --head, that nothing up to that head was removed"),
     0, "out=,head=", cmd_verify},
    {"store copy", "--from DB --to DB",
     N_("copy the whole store into a new database (a SQLite file into PostgreSQL): all or "
        "nothing, then verify the copy"), 0, "from=,to=", cmd_store_copy},
    {"audit head", "", N_("print the head of the audit chain (keep it: verify --head HEX)"), 0, "",
     cmd_audit_head},
    {"publish redblack",
     "--month YYYY-MM --out DIR [--reason TEXT] [--force] [--font TTF]"
     " [--clean-threshold G] [--min-meals N] [--min-coverage F] [--red N] [--black N]",
     N_("publish the month's red/black list as PDF, CSV and HTML; again only with a reason; "
        "refused while a networked terminal may hold events of the month, unless --force "
        "--reason TEXT"), 0,
     "month=,out=,reason=,force,font=,canteen=,clean-threshold=,min-meals=,min-coverage=,red=,"
     "black=", cmd_publish_redblack},
    {"publications", "", N_("list what has been published"), 0, "", cmd_publications},
    {"report monthly", "--month YYYY-MM --out FILE.pdf [--canteen CODE] [--font TTF]",
     N_("the monthly PDF report (the metrics options apply too)"), 0,
     "month=,out=,font=,canteen=,clean-threshold=,min-meals=,min-coverage=,red=,black=,"
     "food-cost=,co2e-factor=", cmd_report_monthly},
    {"report quarterly",
     "--quarter YYYYQn --out FILE.pdf [--rubric FILE.ini] [--canteen CODE] [--font TTF]"
     " [--provisional]",
     N_("the quarterly anti-waste evaluation, scored 优/良/中/差 by the rubric, once the quarter "
        "has ended (--provisional: a draft before that, marked on every page, not graded)"), 0,
     "quarter=,out=,font=,rubric=,canteen=,clean-threshold=,min-meals=,min-coverage=,red=,"
     "black=,food-cost=,co2e-factor=,provisional", cmd_report_quarterly},
    {"report sales", "--from DATE --to DATE [--by day|terminal|cashier|period] [--csv]",
     N_("sales, voids and money taken, for the books"), 0, "from=,to=,by=,csv", cmd_report_sales},
    {"report balances", "[--csv]", N_("cash and subsidy the canteen owes each diner"), 0, "csv",
     cmd_report_balances},
    {"report alarms", "[--month YYYY-MM] [--json]",
     N_("the terminals' alarms (raised in a month), and who acknowledged each, when and why"),
     0, "month=,json", cmd_report_alarms},
    {"report offline", "--month YYYY-MM [--csv]",
     N_("offline charges that took a wallet below its limit, and whether the card is still "
        "blocked"), 0, "month=,csv", cmd_report_offline},
    {"report statement", "STAFF_NO [--month YYYY-MM] [--csv]",
     N_("a diner's statement of a month: every movement of their cash and subsidy, and the "
        "balances after each"), 1, "month=,csv", cmd_report_statement},
    {"metrics",
     "(--month YYYY-MM | --quarter YYYYQn) [--canteen CODE] [--by department|canteen|period]"
     " [--json|--csv] [--clean-threshold G] [--min-meals N] [--min-coverage F] [--red N]"
     " [--black N] [--food-cost YUAN] [--co2e-factor X]",
     N_("waste metrics and the red/black ranking (defaults: 10 g, 20 meals, 0.5, 3, 3, "
        "20 yuan/kg, 2.5 kg CO2e/kg)"), 0,
     "month=,quarter=,canteen=,by=,json,csv,clean-threshold=,min-meals=,min-coverage=,red=,"
     "black=,food-cost=,co2e-factor=", cmd_metrics},
    {"food add", "NAME --manager NAME",
     N_("add a food category (for purchases, stock counts and kitchen waste)"), 1, "manager=",
     cmd_food_add},
    {"food list", "", N_("the food categories, in their order"), 0, "", cmd_food_list},
    {"purchase add",
     "--canteen CODE --date YYYY-MM-DD --supplier NAME --category C --kg KG --yuan YUAN"
     " [--invoice NO] --manager NAME",
     N_("record food bought, for the cost accounting"), 0, CMD_PURCHASE_ADD_OPTIONS,
     cmd_purchase_add},
    {"purchase reverse", "ID --reason TEXT --manager NAME",
     N_("take back a mistaken purchase (the id purchase add or purchase list printed) with a "
        "reversing entry"), 1, "reason=,manager=", cmd_purchase_reverse},
    {"purchase list", "--month YYYY-MM [--canteen CODE] [--csv]",
     N_("the purchases and reversals dated in a month, with their ids"), 0,
     "month=,canteen=,csv", cmd_purchase_list},
    {"stock count",
     "--canteen CODE --month YYYY-MM --category C --yuan YUAN [--kg KG] --manager NAME",
     N_("record the stock of a food category at the end of a month (a recount replaces it)"),
     0, CMD_STOCK_COUNT_OPTIONS, cmd_stock_count},
    {"cost close", "--month YYYY-MM [--canteen CODE] --manager NAME",
     N_("close a month's cost books once its report is signed: later deliveries and counts "
        "go in the open month"), 0, "month=,canteen=,manager=", cmd_cost_close},
    {"report cost",
     "(--month YYYY-MM [--json|--csv] | --year YYYY [--out FILE.pdf] [--font TTF])"
     " [--canteen CODE] [--food-cost YUAN]",
     N_("cost accounting: food used, cost per meal, surplus against the 2 % rule, what the "
        "waste cost; --year --out: the year on one page to sign"), 0, CMD_REPORT_COST_OPTIONS,
     cmd_report_cost},
    {"waste add",
     "--stage plate|prep|overproduction|spoilage (--staff-no N | --department CODE (kitchen) | "
     "--canteen CODE) --grams N [--category C] [--reason R] --terminal CODE --manager NAME",
     N_("record a weighing by hand when a scale is broken (flagged manual; a manager answers "
        "for it)"), 0,
     CMD_WASTE_ADD_OPTIONS, cmd_waste_add},
    {"waste correct", "ID (--grams N | --void) --reason TEXT --manager NAME",
     N_("correct a weighing typed or put wrong (the weight it should have had), or take it "
        "back; the old one stays, left out"), 1, "grams=,void,reason=,manager=",
     cmd_waste_correct},
    {"import weighings", "FILE --terminal CODE --manager NAME",
     N_("record the weighings written down while a scale was broken, all or nothing (CSV: "
        "at,stage,staff_no,department,canteen,grams,category,reason; flagged manual)"), 1,
     "terminal=,manager=", cmd_import_weighings},
    {"rollup", "(--month YYYY-MM | --quarter YYYYQn) [--redo]",
     N_("add up the closed days of a month or quarter for fast metrics (metrics does it too; "
        "run nightly); --redo adds up again the days already done (verify found one that "
        "differs from its records)"),
     0, "month=,quarter=,redo", cmd_rollup},
};

static void usage(FILE *f)
{
    fprintf(f, _("usage: cleanplate-office [--db PATH] [--user NAME] COMMAND ...\n\n"
                 "Back-office commands for a CleanPlate canteen.\n\n"));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s %s\n      %s\n", commands[i].name, commands[i].args, _(commands[i].help));
    fprintf(f, _("\nOptions for every command:\n"
                 "  --db PATH    the database (default $CLEANPLATE_DB, else ./cleanplate.db)\n"
                 "  --user NAME  who does this, for the audit log (default $CLEANPLATE_USER,\n"
                 "               else $USER)\n"
                 "  --help       this text, or a command's usage: cleanplate-office topup --help\n"
                 "Amounts are yuan: 8, 8.5 or 8.50. The clock can be fixed with\n"
                 "CLEANPLATE_NOW=2026-11-21T12:00:00.\n"));
}

/* Builds the option table of a command: its own options plus the common ones. */
static int build_opts(const command *cmd, cli_opt *opts, char *names, size_t size)
{
    int n = 0;
    snprintf(names, size, "%s", cmd->options);
    for (char *tok = strtok(names, ","); tok && n < 24; tok = strtok(NULL, ",")) {
        size_t len = strlen(tok);
        int val = len > 0 && tok[len - 1] == '=';
        if (val)
            tok[len - 1] = '\0';
        opts[n++] = (cli_opt){tok, val, NULL};
    }
    opts[n++] = (cli_opt){"db", 1, NULL};
    opts[n++] = (cli_opt){"user", 1, NULL};
    opts[n++] = (cli_opt){"help", 0, NULL};
    opts[n] = (cli_opt){NULL, 0, NULL};
    return n;
}

/* A command's output is checked once it is all written: on a redirection to
 * a full disk the last buffer fails only at this flush, after the command
 * found nothing wrong (a metrics table cut short, an empty `audit head >
 * FILE`, the head the README says to keep, each with exit status 0). */
static int output_written(int rc)
{
    int flushed = fflush(stdout) == 0;
    const char *why = flushed ? "a write failed" : strerror(errno);

    if (flushed && !ferror(stdout))
        return rc;
    fprintf(stderr, _("cleanplate-office: could not write the output (%s): it is incomplete; "
                      "free space where it goes, then run the command again\n"), why);
    return rc ? rc : 1;
}

int main(int argc, char **argv)
{
    const command *cmd = NULL;
    cli_opt opts[32];
    char names[512];
    office_ctx c = {0};
    int words = 0, rc = 1;
    cp_err err;

    /* the office follows the locale (LANG); Chinese without the zh_CN locale is said once */
    nls_start();
    nls_use("cleanplate-office", NULL, NLS_NO_SCREEN);
    /* The command is the first one or two words that name one. */
    for (int i = 1; i < argc && !cmd; i++) {
        if (argv[i][0] == '-') {
            if (strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--user") == 0)
                i++; /* skip the option's value */
            continue;
        }
        for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
            const char *name = commands[k].name, *sp = strchr(name, ' ');
            if (!sp && strcmp(name, argv[i]) == 0) {
                cmd = &commands[k], words = i;
                break;
            }
            if (sp && strncmp(name, argv[i], (size_t)(sp - name)) == 0 &&
                argv[i][sp - name] == '\0' && i + 1 < argc && strcmp(sp + 1, argv[i + 1]) == 0) {
                cmd = &commands[k], words = i + 1;
                break;
            }
        }
        if (!cmd) {
            int help = 0;
            for (int k = 1; k < argc; k++)
                help |= strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0;
            if (help) {
                usage(stdout);
                return 0;
            }
            fprintf(stderr, _("cleanplate-office: unknown command '%s'; see "
                              "cleanplate-office --help\n"), argv[i]);
            return 2;
        }
    }
    if (!cmd) {
        int help = argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }

    build_opts(cmd, opts, names, sizeof names);
    c.opts = opts;
    c.command = cmd->name;
    /* Options may come before the command words too: parse both sides. */
    {
        char *args[256];
        int n = 0;
        for (int i = 1; i < argc && n < 256; i++)
            if (i != words && !(i == words - 1 && strchr(cmd->name, ' ')))
                args[n++] = argv[i];
        if ((err = cli_parse(n, args, opts, c.pos, OFFICE_MAX_POS, &c.npos))) {
            fprintf(stderr, _("cleanplate-office %s: %s; usage: cleanplate-office %s %s\n"),
                    cmd->name, cp_detail(), cmd->name, cmd->args);
            return 2;
        }
    }
    if (cli_get(opts, "help")) {
        printf(_("usage: cleanplate-office %s %s\n  %s\n"), cmd->name, cmd->args, _(cmd->help));
        return 0;
    }
    if (c.npos != cmd->npos) {
        fprintf(stderr, P_("cleanplate-office %s: expected %d argument, got %d; usage: "
                           "cleanplate-office %s %s\n",
                           "cleanplate-office %s: expected %d arguments, got %d; usage: "
                           "cleanplate-office %s %s\n", (unsigned long)cmd->npos),
                cmd->name, cmd->npos, c.npos, cmd->name, cmd->args);
        return 2;
    }
    c.actor = cli_get(opts, "user");
    if (!c.actor)
        c.actor = getenv("CLEANPLATE_USER");
    if (!c.actor)
        c.actor = getenv("USER");
    if (!c.actor || !*c.actor)
        c.actor = "office";

    /* serve opens a connection per worker thread itself */
    if (cmd->run != cmd_store_copy && cmd->run != cmd_init && cmd->run != cmd_serve &&
        (err = db_open(cli_get(opts, "db"),
                       cmd->run == cmd_init ? DB_OPEN_CREATE : DB_OPEN_EXISTING, &c.d)))
        return office_fail(err);
    rc = cmd->run(&c);
    db_close(c.d);
    return output_written(rc);
}
