/* cmd_rules: `cleanplate-office rules set|list`: what a diner category may eat and spend, online and offline. */
#include "backoffice/cmd_rules.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/canteen.h"
#include "core/money.h"
#include "core/nls.h"

/* The offline allowance as people read it: yuan, or "one lunch" (the default). */
static const char *cap_text(int64_t fen, int set, char buf[MONEY_STR_LEN])
{
    if (!set && fen < 0)
        return _("one lunch");
    return fen < 0 ? _("none") : money_format(fen, buf);
}

/* --offline-daily-cap YUAN, or "lunch" for the default: into *fen (-1:
 * the default), left as it is when not given; 0 or the exit code. */
static int offline_cap_opt(const office_ctx *c, int64_t *fen)
{
    const char *v = office_opt(c, "offline-daily-cap");

    if (!v)
        return 0;
    if (strcmp(v, "lunch") == 0) {
        *fen = -1;
        return 0;
    }
    return office_parse_yuan(v, fen);
}

int cmd_rules_set(office_ctx *c)
{
    const char *manager;
    int64_t cap = CANTEEN_RULE_KEEP, overdraft = CANTEEN_RULE_KEEP, offline = CANTEEN_RULE_KEEP;
    int meals = CANTEEN_RULE_KEEP, rc, set;
    char m[3][MONEY_STR_LEN];
    cp_err err = CP_OK;
    const char *capv = office_opt(c, "daily-cap"), *od = office_opt(c, "overdraft");

    if ((rc = office_int_opt(c, "meals", 0, 100, &meals)))
        return rc;
    if (capv && strcmp(capv, "none") == 0)
        cap = -1;
    else if (capv && (rc = office_parse_yuan(capv, &cap)))
        return rc;
    if ((od && (rc = office_parse_yuan(od, &overdraft))) || (rc = offline_cap_opt(c, &offline)))
        return rc;
    if (meals == CANTEEN_RULE_KEEP && cap == CANTEEN_RULE_KEEP &&
        overdraft == CANTEEN_RULE_KEEP && offline == CANTEEN_RULE_KEEP) {
        fprintf(stderr, _("cleanplate-office: give --meals, --daily-cap or --overdraft, or "
                          "--offline-daily-cap (see --help)\n"));
        return 2;
    }
    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    /* the offline allowance is a note of its own in the audit log */
    if (meals != CANTEEN_RULE_KEEP || cap != CANTEEN_RULE_KEEP || overdraft != CANTEEN_RULE_KEEP)
        err = canteen_set_rules(c->d, c->pos[0], meals, cap, overdraft, manager);
    if (!err && offline != CANTEEN_RULE_KEEP)
        err = canteen_set_offline_cap(c->d, c->pos[0], offline, manager);
    if (err || (err = canteen_get_rules(c->d, c->pos[0], &meals, &cap, &overdraft)) ||
        (err = canteen_offline_cap(c->d, NULL, c->pos[0], NULL, &offline, &set)))
        return office_fail(err);
    printf(P_("category %s: %d meal per period, daily cap %s, overdraft %s\n",
              "category %s: %d meals per period, daily cap %s, overdraft %s\n",
              (unsigned long)meals), c->pos[0], meals, cap < 0 ? _("none") : money_format(cap, m[0]),
           money_format(overdraft, m[1]));
    /* the line scripts read stays as it was; the allowance is said when set */
    if (office_opt(c, "offline-daily-cap"))
        printf(_("category %s: offline at most %s a day\n"), c->pos[0],
               cap_text(offline, set, m[2]));
    return 0;
}

/* Every category that has rules, diners or prices. */
static const char categories_sql[] =
    "SELECT category FROM category_rules UNION SELECT category FROM diners"
    " UNION SELECT category FROM prices ORDER BY 1";

/* One category's rules as a text row or a JSON object appended to rows. */
static cp_err list_one(office_ctx *c, const char *category, json_t *rows)
{
    const char *canteen = office_opt(c, "canteen");
    int64_t cap, overdraft, offline;
    int meals, set;
    char m[3][MONEY_STR_LEN];
    cp_err err;

    if ((err = canteen_get_rules(c->d, category, &meals, &cap, &overdraft)) ||
        (err = canteen_offline_cap(c->d, canteen, category, NULL, &offline, &set)))
        return err;
    if (rows) {
        json_t *o = json_pack("{s:s, s:i, s:I, s:I}", "category", category,
                              "meals_per_period", meals, "daily_cap_fen", (json_int_t)cap,
                              "overdraft_fen", (json_int_t)overdraft);
        /* the allowance in fen (-1: none); offline_daily_cap_set false: the
         * default, one lunch (its price when --canteen was given) */
        json_object_set_new(o, "offline_daily_cap_fen", json_integer(offline));
        json_object_set_new(o, "offline_daily_cap_set", json_boolean(set));
        return json_array_append_new(rows, o) ? cp_fail(CP_ERR_NOMEM, "out of memory") : CP_OK;
    }
    printf("%-16s %5d %10s %10s %10s%s\n", category, meals,
           cap < 0 ? _("none") : money_format(cap, m[0]), money_format(overdraft, m[1]),
           cap_text(offline, set || canteen, m[2]), set || !canteen ? "" : _(" (one lunch)"));
    return CP_OK;
}

int cmd_rules_list(office_ctx *c)
{
    json_t *rows = office_opt(c, "json") ? json_array() : NULL;
    char (*cats)[64] = NULL;
    size_t n = 0, cap = 0;
    db_stmt *st = db_prepare(c->d, categories_sql);
    cp_err err = CP_OK;
    int rc;

    if (!st)
        return office_fail(CP_ERR_DB);
    /* collected first: list_one reads the store with statements of its own */
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            void *more = realloc(cats, (cap = cap ? 2 * cap : 16) * sizeof *cats);
            if (!more) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory listing rules");
                break;
            }
            cats = more;
        }
        db_copy_col(cats[n++], sizeof cats[0], st, 0);
    }
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(c->d, "reading category rules");
    if (!err && !rows)
        printf("%-16s %5s %10s %10s %10s\n", _("CATEGORY"), _("MEALS"), _("DAILY CAP"),
               _("OVERDRAFT"), _("OFFLINE"));
    for (size_t i = 0; i < n && !err; i++)
        err = list_one(c, cats[i], rows);
    if (!err && rows) {
        json_dumpf(rows, stdout, JSON_COMPACT);
        putchar('\n');
    }
    json_decref(rows);
    free(cats);
    return err ? office_fail(err) : 0;
}
