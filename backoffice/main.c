/* cleanplate-office: the manager's commands: set up a canteen, people, cards, money, checks. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/cli.h"
#include "core/csvread.h"
#include "core/db.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/roles.h"
#include "core/storecopy.h"
#include "core/users.h"
#include "core/verify.h"

#include "backoffice/cmd_cost.h"
#include "backoffice/cmd_names.h"
#include "backoffice/cmd_rules.h"
#include "backoffice/cmd_terminals.h"
#include "backoffice/cmd_waste.h"
#include "backoffice/metrics.h"
#include "backoffice/office.h"
#include "backoffice/publish.h"
#include "backoffice/report.h"
#include "backoffice/report_offline.h"
#include "backoffice/serve.h"

typedef office_ctx ctx; /* short name for the handlers below */

static int int_opt(const ctx *c, const char *name, long min, long max, int *out);

typedef struct command {
    const char *name;    /* one or two words: "canteen add" */
    const char *args;    /* usage after the name */
    const char *help;    /* one line */
    int npos;            /* positionals required */
    const char *options; /* comma-separated long options this command takes, "name=" for a value */
    int (*run)(ctx *c);
} command;

/* Reads the new password of role (twice) into pw and checks it; 0 or the exit code. */
static int read_role_password(const char *role, char *pw, size_t size)
{
    char prompt[160];
    cp_err err;

    snprintf(prompt, sizeof prompt, _("password of the role %s"), role);
    if ((err = cli_read_password(prompt, pw, size)) || (err = roles_check_password(role, pw)))
        return office_fail(err);
    return 0;
}

/* init opens the store itself: with --create-roles a SQLite file is refused
 * before it is made, and the passwords are read before anything changes. */
static int cmd_init(ctx *c)
{
    const char *target = office_opt(c, "db");
    const char *office = office_opt(c, "office-role"), *terminal = office_opt(c, "terminal-role");
    int roles = office_opt(c, "create-roles") != NULL, rc = 0;
    char office_pw[256] = "", terminal_pw[256] = "";
    cp_err err;

    if (!roles && (office || terminal)) {
        fprintf(stderr, _("cleanplate-office: --office-role and --terminal-role name the roles "
                          "that --create-roles makes: give it too\n"));
        return 2;
    }
    if (roles && db_target_dialect(target) != DB_DIALECT_PG) {
        fprintf(stderr, _("cleanplate-office: --create-roles: %s is a SQLite file, and database "
                          "roles are PostgreSQL's: give --db a PostgreSQL database "
                          "(postgresql://...); who may write a file is up to its owner and "
                          "mode (chown, chmod)\n"), db_default_path(target));
        return 2;
    }
    office = office ? office : ROLES_OFFICE;
    terminal = terminal ? terminal : ROLES_TERMINAL;
    if (roles && ((err = roles_check_name(office, "office-role")) ||
                  (err = roles_check_name(terminal, "terminal-role"))))
        return office_fail(err);
    if (roles && ((rc = read_role_password(office, office_pw, sizeof office_pw)) ||
                  (rc = read_role_password(terminal, terminal_pw, sizeof terminal_pw))))
        goto out;
    if ((err = db_open(target, DB_OPEN_CREATE, &c->d)) || (err = db_migrate(c->d)) ||
        (err = roles ? roles_create(c->d, office, office_pw, terminal, terminal_pw)
                     : roles_refresh(c->d))) {
        rc = office_fail(err);
        goto out;
    }
    printf(_("database ready (schema version %d)\n"), db_schema_version());
    if (roles)
        printf(_("roles ready: %s owns the store (the back office), %s may do what terminals "
                 "and servers do (their passwords are set)\n"), office, terminal);
out:
    sodium_memzero(office_pw, sizeof office_pw);
    sodium_memzero(terminal_pw, sizeof terminal_pw);
    return rc;
}

static int cmd_canteen_add(ctx *c)
{
    cp_err err = canteen_add(c->d, c->pos[0], c->pos[1], c->actor);
    if (err)
        return office_fail(err);
    printf(_("added canteen %s (%s)\n"), c->pos[0], c->pos[1]);
    return 0;
}

static int import_file(ctx *c, int diners)
{
    csv_table *t = NULL;
    import_counts n;
    cp_err err;

    if (!(err = csvread_file(c->pos[0], &t)))
        err = diners ? diners_import(c->d, t, c->pos[0], c->actor, &n)
                     : diners_import_departments(c->d, t, c->pos[0], c->actor, &n);
    csvread_free(t);
    if (err) {
        fprintf(stderr, _("cleanplate-office: %s (nothing was imported)\n"), cp_detail());
        return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
    }
    printf(_("imported %s: %ld added, %ld updated, %ld unchanged\n"),
           diners ? _("diners") : _("departments"), n.added, n.updated, n.unchanged);
    return 0;
}

static int cmd_import_departments(ctx *c)
{
    return import_file(c, 0);
}

static int cmd_import_diners(ctx *c)
{
    return import_file(c, 1);
}

static int cmd_import_topups(ctx *c)
{
    const char *manager;
    char m[MONEY_STR_LEN];
    csv_table *t = NULL;
    int64_t fen = 0;
    long n = 0;
    cp_err err;
    int rc;

    if ((err = csvread_file(c->pos[0], &t)) == CP_OK) {
        if ((rc = office_manager(c, "manager", &manager))) {
            csvread_free(t);
            return rc;
        }
        err = diners_import_topups(c->d, t, c->pos[0], manager, &n, &fen);
    }
    csvread_free(t);
    if (err) {
        fprintf(stderr, _("cleanplate-office: %s (nothing was topped up)\n"), cp_detail());
        return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
    }
    printf(P_("topped up %ld diner with %s yuan cash in all\n",
              "topped up %ld diners with %s yuan cash in all\n", (unsigned long)n), n,
           money_format(fen, m));
    return 0;
}

static int cmd_period_set(ctx *c)
{
    cp_err err;
    int rc;
    if ((rc = office_need(c, "canteen")))
        return rc;
    if ((err = canteen_set_period(c->d, office_opt(c, "canteen"), c->pos[0], c->pos[1], c->actor)))
        return office_fail(err);
    printf(_("canteen %s: %s is %s\n"), office_opt(c, "canteen"), c->pos[0], c->pos[1]);
    return 0;
}

static int cmd_price_set(ctx *c)
{
    char names[2][NAMES_SIZE];
    const char *manager;
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "canteen")) || (rc = office_need(c, "period")) || (rc = office_need(c, "category")) ||
        (rc = office_parse_yuan(c->pos[0], &fen)) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = canteen_set_price(c->d, office_opt(c, "canteen"), office_opt(c, "period"), office_opt(c, "category"),
                                 fen, manager)))
        return office_fail(err);
    printf(_("canteen %s: %s for %s costs %s yuan\n"), office_opt(c, "canteen"),
           names_show(c->d, NAMES_PERIOD, office_opt(c, "period"), names[0]),
           names_show(c->d, NAMES_CATEGORY, office_opt(c, "category"), names[1]), c->pos[0]);
    return 0;
}

static int cmd_item_set(ctx *c)
{
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "canteen")) || (rc = office_parse_yuan(c->pos[2], &fen)))
        return rc;
    if ((err = canteen_set_item(c->d, office_opt(c, "canteen"), c->pos[0], c->pos[1], fen,
                                office_opt(c, "per-100g") ? "100g" : "piece", c->actor)))
        return office_fail(err);
    printf(_("item %s (%s): %s yuan per %s\n"), c->pos[0], c->pos[1], c->pos[2],
           office_opt(c, "per-100g") ? "100 g" : "piece");
    return 0;
}

static int cmd_topup(ctx *c)
{
    const char *manager;
    int64_t fen, cash, subsidy;
    char m[3][MONEY_STR_LEN], entry[IDS_LEN];
    cp_err err;
    int rc;
    if ((rc = office_parse_yuan(c->pos[1], &fen)) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_topup(c->d, c->pos[0], fen, manager, entry)) ||
        (err = ledger_balance(c->d, c->pos[0], &cash, &subsidy)))
        return office_fail(err);
    printf(_("%s: +%s yuan cash (entry %s), balance cash %s subsidy %s\n"), c->pos[0],
           money_format(fen, m[0]), entry, money_format(cash, m[1]), money_format(subsidy, m[2]));
    return 0;
}

static int cmd_topup_reverse(ctx *c)
{
    char staff_no[64], m[MONEY_STR_LEN];
    const char *manager;
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "reason")) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_topup_reverse(c->d, c->pos[0], office_opt(c, "reason"), manager,
                                    staff_no, &fen)))
        return office_fail(err);
    printf(_("top-up %s reversed: %s yuan taken back from %s's cash\n"), c->pos[0],
           money_format(fen, m), staff_no);
    return 0;
}

static int cmd_subsidy_grant(ctx *c)
{
    const char *manager;
    int64_t fen;
    long n;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "month")) || (rc = office_parse_yuan(c->pos[0], &fen)) ||
        (rc = office_manager(c, "manager", &manager)))
        return rc;
    ledger_grant g = {office_opt(c, "month"), fen, office_opt(c, "department"),
                      office_opt(c, "category")};
    if ((err = ledger_grant_subsidy(c->d, &g, manager, &n)))
        return office_fail(err);
    printf(P_("granted %s yuan subsidy for %s to %ld diner%s\n",
              "granted %s yuan subsidy for %s to %ld diners%s\n", (unsigned long)n), c->pos[0],
           g.month, n, n == 0 ? _(" (none matched, or all had this month's subsidy already)") : "");
    return 0;
}

static int cmd_subsidy_expire(ctx *c)
{
    const char *manager;
    char m[MONEY_STR_LEN];
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "month")) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_expire_subsidy(c->d, office_opt(c, "month"), manager, &fen)))
        return office_fail(err);
    printf(_("expired %s yuan of unused subsidy at the end of %s\n"), money_format(fen, m),
           office_opt(c, "month"));
    return 0;
}

static int cmd_card_block(ctx *c)
{
    cp_err err = diners_card_block(c->d, c->pos[0], c->actor);
    if (err)
        return office_fail(err);
    printf(_("card %s blocked\n"), c->pos[0]);
    return 0;
}

static int cmd_card_unblock(ctx *c)
{
    cp_err err = diners_card_unblock(c->d, c->pos[0], c->actor);
    if (err)
        return office_fail(err);
    printf(_("card %s unblocked\n"), c->pos[0]);
    return 0;
}

static int cmd_card_replace(ctx *c)
{
    cp_err err = diners_card_replace(c->d, c->pos[0], c->pos[1], c->actor);
    if (err)
        return office_fail(err);
    printf(_("%s now has card %s; the old cards are retired\n"), c->pos[0], c->pos[1]);
    return 0;
}

static int cmd_diner_leave(ctx *c)
{
    const char *manager;
    char m[MONEY_STR_LEN];
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_refund_leaver(c->d, c->pos[0], manager, &fen)))
        return office_fail(err);
    printf(_("%s has left: pay out %s yuan cash; cards retired, subsidy expired\n"), c->pos[0],
           money_format(fen, m));
    return 0;
}

static int cmd_balance(ctx *c)
{
    int64_t cash, subsidy;
    char m[2][MONEY_STR_LEN];
    cp_err err = ledger_balance(c->d, c->pos[0], &cash, &subsidy);
    if (err)
        return office_fail(err);
    if (office_opt(c, "json")) {
        json_t *o = json_pack("{s:s, s:I, s:I}", "staff_no", c->pos[0], "cash_fen",
                              (json_int_t)cash, "subsidy_fen", (json_int_t)subsidy);
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else {
        printf(_("%s: cash %s yuan, subsidy %s yuan\n"), c->pos[0], money_format(cash, m[0]),
               money_format(subsidy, m[1]));
    }
    return 0;
}

/* Reads the new PIN of name, twice (from a terminal, or two lines of stdin). */
static cp_err read_new_pin(const char *name, char pin[64])
{
    char prompt[160];
    snprintf(prompt, sizeof prompt, _("new PIN for %s"), name);
    return cli_read_pin(prompt, 1, pin, 64);
}

/* A database's first user is its admin, added without a manager: there is
 * nobody yet to authorise it. Every later user is added by a manager (a
 * cashier or kitchen staff) or an admin (a manager or admin). */
static int cmd_user_add(ctx *c)
{
    const char *role = office_opt(c, "role"), *manager = NULL;
    char pin[64];
    long users;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "role")))
        return rc;
    if ((err = users_role_valid(role)) || (err = users_count(c->d, &users)))
        return office_fail(err);
    if (users == 0 && strcmp(role, "admin") != 0) {
        fprintf(stderr, _("cleanplate-office: the database has no users yet: add its admin "
                          "first (cleanplate-office user add NAME --role admin)\n"));
        return 2;
    }
    if (users == 0 && office_opt(c, "manager")) {
        fprintf(stderr, _("cleanplate-office: the database has no users yet, so nobody can "
                          "authorise: add the first admin without --manager\n"));
        return 2;
    }
    if (users > 0 && (rc = office_manager(c, users_role_to_manage(role), &manager)))
        return rc;
    if (!(err = read_new_pin(c->pos[0], pin)))
        err = manager ? users_add(c->d, c->pos[0], role, pin, manager)
                      : users_add_first_admin(c->d, c->pos[0], pin, c->actor);
    sodium_memzero(pin, sizeof pin);
    if (err)
        return office_fail(err);
    printf(_("added %s %s%s\n"), names_builtin(NAMES_ROLE, role), c->pos[0],
           manager ? "" : _(" (the first user)"));
    return 0;
}

/* Prints one row of user list. */
static cp_err print_user(const users_row *r, void *arg)
{
    (void)arg;
    printf("%-8s  %-6s  %8d  %-19s  %s\n", r->role, r->active ? "yes" : "no", r->failures,
           *r->locked_until ? r->locked_until : "-", r->name);
    return CP_OK;
}

static int cmd_user_list(ctx *c)
{
    cp_err err;
    /* the name last: any script and width, never cut or padded */
    printf("%-8s  %-6s  %8s  %-19s  %s\n", "ROLE", "ACTIVE", "FAILURES", "LOCKED UNTIL",
           "NAME");
    if ((err = users_list(c->d, print_user, NULL)))
        return office_fail(err);
    return 0;
}

/* The manager for a change to the existing user name: an admin for a
 * manager or admin, a manager for the others. */
static int manager_of_user(ctx *c, const char *name, const char **manager)
{
    char role[USERS_ROLE_LEN];
    cp_err err = users_role_of(c->d, name, role);
    if (err)
        return office_fail(err);
    return office_manager(c, users_role_to_manage(role), manager);
}

static int cmd_user_disable(ctx *c)
{
    const char *manager;
    cp_err err;
    int rc;
    if ((rc = manager_of_user(c, c->pos[0], &manager)))
        return rc;
    if ((err = users_disable(c->d, c->pos[0], manager)))
        return office_fail(err);
    printf(_("%s is disabled: no more logins or authorisations (kept in the records)\n"),
           c->pos[0]);
    return 0;
}

static int cmd_user_pin(ctx *c)
{
    const char *manager;
    char pin[64];
    cp_err err;
    int rc;
    if ((rc = manager_of_user(c, c->pos[0], &manager)))
        return rc;
    if (!(err = read_new_pin(c->pos[0], pin)))
        err = users_set_pin(c->d, c->pos[0], pin, manager);
    sodium_memzero(pin, sizeof pin);
    if (err)
        return office_fail(err);
    printf(_("%s has a new PIN; wrong PINs and any lock are cleared\n"), c->pos[0]);
    return 0;
}

static int cmd_void(ctx *c)
{
    const char *manager;
    char void_id[IDS_LEN];
    cp_err err;
    int rc;
    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_void(c->d, c->pos[0], manager, NULL, office_opt(c, "reason"), void_id)))
        return office_fail(err);
    printf(_("sale %s is void (%s); the money is back in the wallets it came from\n"), c->pos[0],
           void_id);
    return 0;
}

/* Reads an integer option in [min, max] into *out (unchanged when absent). */
static int int_opt(const ctx *c, const char *name, long min, long max, int *out)
{
    return office_int_opt(c, name, min, max, out);
}

/* The metrics options shared by metrics, publish and report. */
static int metrics_options(const ctx *c, metrics_opts *o)
{
    const char *v;
    int64_t n;
    int rc;

    metrics_opts_init(o);
    o->canteen = office_opt(c, "canteen");
    o->progress = 1;
    if ((rc = int_opt(c, "clean-threshold", 0, 1000, &o->clean_threshold_g)) ||
        (rc = int_opt(c, "min-meals", 0, 1000000, &o->min_meals)) ||
        (rc = int_opt(c, "red", 0, 1000, &o->red)) ||
        (rc = int_opt(c, "black", 0, 1000, &o->black)))
        return rc;
    if ((v = office_opt(c, "min-coverage"))) {
        if (money_parse_yuan(v, &n) || n > 100) {
            fprintf(stderr, _("cleanplate-office: --min-coverage '%s': give a fraction from 0 "
                              "to 1, like 0.5\n"), v);
            return 2;
        }
        o->min_coverage_pct = (int)n;
    }
    if ((v = office_opt(c, "food-cost")) && (rc = office_parse_yuan(v, &o->food_cost_fen_per_kg)))
        return rc;
    if ((v = office_opt(c, "co2e-factor"))) {
        if (money_parse_yuan(v, &n) || n > 100000) {
            fprintf(stderr, _("cleanplate-office: --co2e-factor '%s': give kg CO2e per kg, like "
                              "2.5\n"), v);
            return 2;
        }
        o->co2e_milli_per_kg = n * 10;
    }
    return 0;
}

static int cmd_metrics(ctx *c)
{
    const char *by = office_opt(c, "by") ? office_opt(c, "by") : "department";
    int json = office_opt(c, "json") != NULL, csv = office_opt(c, "csv") != NULL, rc;
    metrics_table *t = NULL;
    metrics_span span;
    metrics_opts o;
    cp_err err;

    if ((rc = metrics_options(c, &o)))
        return rc;
    if (json && csv) {
        fprintf(stderr, _("cleanplate-office: give --json or --csv, not both\n"));
        return 2;
    }
    if ((err = metrics_span_parse(office_opt(c, "month"), office_opt(c, "quarter"), &span)))
        return office_fail(err);
    if (strcmp(by, "canteen") == 0)
        err = metrics_print_canteens(c->d, &span, &o, json, csv, stdout);
    else if (strcmp(by, "period") == 0)
        err = metrics_print_periods(c->d, &span, &o, json, csv, stdout);
    else if (strcmp(by, "department") != 0)
        err = cp_fail(CP_ERR_INVALID, "--by '%s': use department, canteen or period", by);
    else if (!(err = metrics_departments(c->d, &span, &o, &t)))
        err = json  ? metrics_print_json(t, stdout)
              : csv ? metrics_print_csv(t, stdout)
                    : metrics_print_text(t, stdout);
    metrics_free(t);
    return err ? office_fail(err) : 0;
}

static int cmd_rollup(ctx *c)
{
    metrics_span span;
    long days;
    cp_err err;

    if ((err = metrics_span_parse(office_opt(c, "month"), office_opt(c, "quarter"), &span)) ||
        (err = metrics_rollup(c->d, &span, 1, &days)))
        return office_fail(err);
    printf(P_("rolled up %ld closed day of %s\n", "rolled up %ld closed days of %s\n",
              (unsigned long)days), days, span.label);
    return 0;
}

static int cmd_verify(ctx *c)
{
    long problems;
    cp_err err = verify_books(c->d, office_opt(c, "head"), stdout, &problems);
    if (!err)
        err = publish_verify(c->d, office_opt(c, "out"), stdout, &problems);
    if (err)
        return office_fail(err);
    return problems ? 1 : 0;
}

/* Opens --from and --to itself: main opens no store for it. */
static int cmd_store_copy(ctx *c)
{
    const char *from = office_opt(c, "from"), *to = office_opt(c, "to");
    db *src = NULL, *dst = NULL;
    char money[2][MONEY_STR_LEN];
    storecopy_res r;
    long problems = 0;
    cp_err err;

    if (office_need(c, "from") || office_need(c, "to"))
        return 2;
    if (strcmp(from, to) == 0) {
        fprintf(stderr, _("cleanplate-office: --from and --to are the same store: give --to a "
                          "new database\n"));
        return 2;
    }
    if ((err = db_open(from, DB_OPEN_EXISTING, &src)) ||
        (err = db_open(to, DB_OPEN_CREATE, &dst)) || (err = storecopy_run(src, dst, &r)))
        goto out;
    printf(_("copied %ld rows of %ld tables; wallets hold %s yuan cash and %s yuan subsidy in "
             "both\naudit head %s in both%s%s\n"), r.rows, r.tables,
           money_format(r.cash_fen, money[0]), money_format(r.subsidy_fen, money[1]), r.head,
           r.published[0] ? _("; last published hash ") : "", r.published);
    if (!(err = verify_books(dst, r.head[0] ? r.head : NULL, stdout, &problems)))
        err = publish_verify(dst, NULL, stdout, &problems);
out:
    db_close(src);
    db_close(dst);
    if (err)
        return office_fail(err);
    return problems ? 1 : 0;
}

static int cmd_audit_head(ctx *c)
{
    char head[HASH_HEX_LEN];
    cp_err err = audit_seal(c->d, c->actor, head);
    if (err)
        return office_fail(err);
    if (!head[0]) {
        fprintf(stderr, _("cleanplate-office: the audit log is empty\n"));
        return 1;
    }
    puts(head);
    return 0;
}

static int cmd_publish_redblack(ctx *c)
{
    publish_req req = {0};
    publish_res res;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "month")) || (rc = office_need(c, "out")) ||
        (rc = metrics_options(c, &req.opts)))
        return rc;
    req.month = office_opt(c, "month");
    req.out_dir = office_opt(c, "out");
    req.reason = office_opt(c, "reason");
    req.force = office_opt(c, "force") != NULL;
    req.font = office_opt(c, "font");
    req.actor = c->actor;
    if ((err = publish_redblack(c->d, &req, &res)))
        return office_fail(err);
    printf(P_("published %s: %ld eligible department, %ld on the red list, %ld on the black "
              "list\n  %s\n  %s\n  %s\n  hash %s\n  audit head %s (keep it: verify --head)\n",
              "published %s: %ld eligible departments, %ld on the red list, %ld on the black "
              "list\n  %s\n  %s\n  %s\n  hash %s\n  audit head %s (keep it: verify --head)\n",
              (unsigned long)res.rows),
           res.id, res.rows, res.red, res.black, res.paths[0],
           res.paths[1], res.paths[2], res.hash, res.audit_head);
    return 0;
}

static int cmd_report_pdf(ctx *c, int quarterly)
{
    report_req req = {0};
    report_res res;
    cp_err err;
    int rc;

    if ((rc = office_need(c, quarterly ? "quarter" : "month")) || (rc = office_need(c, "out")) ||
        (rc = metrics_options(c, &req.opts)))
        return rc;
    req.month = office_opt(c, "month");
    req.quarter = office_opt(c, "quarter");
    req.out = office_opt(c, "out");
    req.font = office_opt(c, "font");
    req.rubric = office_opt(c, "rubric");
    req.provisional = quarterly && office_opt(c, "provisional") != NULL;
    err = quarterly ? report_quarterly(c->d, &req, &res) : report_monthly(c->d, &req, &res);
    if (err)
        return office_fail(err);
    if (quarterly && res.provisional)
        printf(_("wrote %s: %d pages, PROVISIONAL (the quarter has not ended): %d points so far, "
                 "no grade; every page is marked 临时报告\n"), req.out, res.pages, res.score);
    else if (quarterly)
        printf(_("wrote %s: %d pages, %d points, grade %s\n"), req.out, res.pages, res.score,
               res.grade);
    else
        printf(_("wrote %s: %d pages%s%s\n"), req.out, res.pages,
               res.publication[0] ? _(", with the published list ")
                                  : _(" (the list is not published yet)"),
               res.publication);
    return 0;
}

static int cmd_report_monthly(ctx *c)
{
    return cmd_report_pdf(c, 0);
}

static int cmd_report_quarterly(ctx *c)
{
    return cmd_report_pdf(c, 1);
}

static int cmd_report_sales(ctx *c)
{
    cp_err err;
    int rc;
    if ((rc = office_need(c, "from")) || (rc = office_need(c, "to")))
        return rc;
    err = report_sales(c->d, office_opt(c, "from"), office_opt(c, "to"),
                       office_opt(c, "by") ? office_opt(c, "by") : "day",
                       office_opt(c, "csv") != NULL, stdout);
    return err ? office_fail(err) : 0;
}

static int cmd_report_balances(ctx *c)
{
    cp_err err = report_balances(c->d, office_opt(c, "csv") != NULL, stdout);
    return err ? office_fail(err) : 0;
}

static int cmd_publications(ctx *c)
{
    cp_err err = publish_list(c->d, stdout);
    return err ? office_fail(err) : 0;
}

static const command commands[] = {
    {"init", "[--create-roles [--office-role NAME] [--terminal-role NAME]]",
     N_("create the database, or migrate it to this version (harmless twice); on PostgreSQL "
        "--create-roles also makes the back office's role, which owns the store, and the "
        "terminals' role, which may not change or delete events (their passwords are asked "
        "for, or read from stdin: each twice)"),
     0, "create-roles,office-role=,terminal-role=", cmd_init},
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
     N_("void a sale (manager PIN asked for, or read from stdin)"), 1, "manager=,reason=", cmd_void},
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
     "--month YYYY-MM --out DIR [--reason TEXT] [--force] [--font TTF] [--canteen CODE]"
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
    {"report cost",
     "(--month YYYY-MM [--json|--csv] | --year YYYY [--out FILE.pdf] [--font TTF])"
     " [--canteen CODE] [--food-cost YUAN]",
     N_("cost accounting: food used, cost per meal, surplus against the 2 % rule, what the "
        "waste cost; --year --out: the year on one page to sign"), 0, CMD_REPORT_COST_OPTIONS,
     cmd_report_cost},
    {"waste add",
     "--stage plate|prep|overproduction|spoilage (--staff-no N | --department CODE | "
     "--canteen CODE) --grams N [--category C] [--reason R] --terminal CODE",
     N_("record a weighing by hand when a scale is broken (flagged manual)"), 0,
     CMD_WASTE_ADD_OPTIONS, cmd_waste_add},
    {"rollup", "(--month YYYY-MM | --quarter YYYYQn)",
     N_("add up the closed days of a month or quarter for fast metrics (metrics does it too; "
        "run nightly)"),
     0, "month=,quarter=", cmd_rollup},
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

int main(int argc, char **argv)
{
    const command *cmd = NULL;
    cli_opt opts[32];
    char names[512];
    ctx c = {0};
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
    return rc;
}
