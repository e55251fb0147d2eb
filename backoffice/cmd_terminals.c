/* cmd_terminals: `cleanplate-office terminal add|key` and `terminals`: networked terminals, their keys and how they are doing. */
#include "backoffice/cmd_terminals.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/canteen.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/terminals.h"

/* How many of a terminal's newest alarms `terminals` shows. */
#define LATEST_ALARMS 3

int cmd_terminal_add(office_ctx *c)
{
    char key[TERMAUTH_HEX_LEN];
    cp_err err;
    int rc;

    if ((rc = office_need(c, "canteen")) || (rc = office_need(c, "kind")))
        return rc;
    if ((err = canteen_add_terminal(c->d, c->pos[0], office_opt(c, "canteen"),
                                    office_opt(c, "kind"), c->actor)))
        return office_fail(err);
    printf(_("added %s %s to canteen %s\n"), names_builtin(NAMES_TERMINAL, office_opt(c, "kind")),
           c->pos[0], office_opt(c, "canteen"));
    /* The terminal exists now; a key that cannot be made is said, and
     * `terminal key` makes one later. */
    if ((err = terminals_new_key(c->d, c->pos[0], c->actor, key)))
        return office_fail(err);
    printf(_("its key (shown only now: put it in the terminal's INI file as [terminal] key, "
             "the file readable by its owner only, mode 0600; `terminal key %s` makes a new "
             "one):\n"), c->pos[0]);
    printf("%s\n", key);
    return 0;
}

int cmd_terminal_key(office_ctx *c)
{
    char key[TERMAUTH_HEX_LEN];
    cp_err err = terminals_new_key(c->d, c->pos[0], c->actor, key);

    if (err)
        return office_fail(err);
    /* the key alone on stdout, so that a script can take it (the contract of issue 14) */
    printf("%s\n", key);
    fflush(stdout);
    return 0;
}

/* ---- terminals ----------------------------------------------------------- */

/* The objects of one terminal's alarms and refusals, built by the callbacks below. */
static cp_err add_alarm(int64_t at, const char *kind, const char *detail, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I, s:s, s:s}", "at", (json_int_t)at, "kind", kind,
                                         "detail", detail));
    return CP_OK;
}

static cp_err add_refusal(const char *reason, int64_t n, void *arg)
{
    json_object_set_new(arg, reason, json_integer((json_int_t)n));
    return CP_OK;
}

/* A Unix time as local "2026-11-20 12:00:05", or "-" for never. */
static void show_time(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, 32, "-");
}

struct list_ctx {
    db *d;
    json_t *rows; /* NULL: text */
};

static void print_row(const terminals_row *r, json_t *alarms, json_t *refused)
{
    char when[32];
    size_t i;
    json_t *a;

    show_time(r->last_contact, when);
    printf("%-10s %-6s %-8s %-19s %7lld %10lld %8lld %6ld\n", r->code, r->kind, r->canteen, when,
           (long long)r->pending, (long long)r->high_water, (long long)r->snapshot_version,
           r->alarms);
    json_array_foreach(alarms, i, a) {
        show_time(json_integer_value(json_object_get(a, "at")), when);
        printf(_("  alarm %s %s: %s\n"), when, json_string_value(json_object_get(a, "kind")),
               json_string_value(json_object_get(a, "detail")));
    }
    if (json_object_size(refused)) {
        const char *reason;
        json_t *n;
        printf("  %s", _("refused:"));
        json_object_foreach(refused, reason, n)
            printf(" %s %lld", reason, (long long)json_integer_value(n));
        putchar('\n');
    }
}

static cp_err list_row(const terminals_row *r, void *arg)
{
    struct list_ctx *lc = arg;
    json_t *alarms = json_array(), *refused = json_object(), *o = NULL;
    cp_err err;

    if (!alarms || !refused) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory listing terminals");
        goto out;
    }
    if ((err = terminals_alarms(lc->d, r->code, LATEST_ALARMS, add_alarm, alarms)) ||
        (err = terminals_refusals(lc->d, r->code, add_refusal, refused)))
        goto out;
    if (!lc->rows) {
        print_row(r, alarms, refused);
        goto out;
    }
    o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:I, s:I, s:o, s:I, s:{s:i, s:O}, s:O}",
                  "code", r->code, "kind", r->kind, "canteen", r->canteen, "has_key", r->has_key,
                  "last_contact", r->last_contact > 0 ? json_integer((json_int_t)r->last_contact)
                                                      : json_null(),
                  "pending", (json_int_t)r->pending, "high_water", (json_int_t)r->high_water,
                  "high_water_at", *r->high_water_at ? json_string(r->high_water_at) : json_null(),
                  "snapshot_version", (json_int_t)r->snapshot_version,
                  "alarms", "count", (int)r->alarms, "latest", alarms, "refused", refused);
    if (!o || json_array_append_new(lc->rows, o))
        err = cp_fail(CP_ERR_NOMEM, "out of memory listing terminals");
out:
    json_decref(alarms);
    json_decref(refused);
    return err;
}

int cmd_terminals(office_ctx *c)
{
    struct list_ctx lc = {c->d, NULL};
    cp_err err;

    if (office_opt(c, "json") && !(lc.rows = json_array()))
        return office_fail(cp_fail(CP_ERR_NOMEM, "out of memory listing terminals"));
    if (!lc.rows)
        printf("%-10s %-6s %-8s %-19s %7s %10s %8s %6s\n", _("CODE"), _("KIND"), _("CANTEEN"),
               _("LAST CONTACT"), _("PENDING"), _("HIGH WATER"), _("SNAPSHOT"), _("ALARMS"));
    err = terminals_list(c->d, list_row, &lc);
    if (!err && lc.rows) {
        json_dumpf(lc.rows, stdout, JSON_COMPACT);
        putchar('\n');
    }
    json_decref(lc.rows);
    return err ? office_fail(err) : 0;
}
