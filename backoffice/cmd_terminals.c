/* cmd_terminals: `cleanplate-office terminal add|key` and `terminals`: networked terminals, their keys and how they are doing. */
#include "backoffice/cmd_terminals.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/canteen.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/terminals.h"
#include "core/utf8.h"

/* How many of a terminal's newest open alarms `terminals` shows. */
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
    /* a POS reads its key from [terminal], a waste station from [station] */
    if (strcmp(office_opt(c, "kind"), "waste") == 0)
        printf(_("its key (shown only now: put it in the station's INI file as [station] key, "
                 "the file readable by its owner only, mode 0600; `terminal key %s` makes a "
                 "new one):\n"), c->pos[0]);
    else
        printf(_("its key (shown only now: put it in the terminal's INI file as [terminal] "
                 "key, the file readable by its owner only, mode 0600; `terminal key %s` "
                 "makes a new one):\n"), c->pos[0]);
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
static cp_err add_alarm(const terminals_alarm_row *a, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)a->id, "at",
                                         (json_int_t)a->at, "kind", a->kind, "detail",
                                         a->detail));
    return CP_OK;
}

static cp_err add_refusal(const char *reason, int64_t n, void *arg)
{
    json_object_set_new(arg, reason, json_integer((json_int_t)n));
    return CP_OK;
}

/* The columns of the terminals' table, padded by the columns each cell
 * takes on screen (core/utf8.h): its headings in Chinese are wider than
 * their bytes say. */
static const int list_cols[8] = {10, 6, 8, 19, -7, -10, -8, -6};

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
    char when[32], num[4][24];
    size_t i;
    json_t *a;

    show_time(r->last_contact, when);
    snprintf(num[0], sizeof num[0], "%lld", (long long)r->pending);
    snprintf(num[1], sizeof num[1], "%lld", (long long)r->high_water);
    snprintf(num[2], sizeof num[2], "%lld", (long long)r->snapshot_version);
    snprintf(num[3], sizeof num[3], "%ld", r->alarms);
    utf8_row(stdout, (const char *const[8]){r->code, r->kind, r->canteen, when, num[0], num[1],
                                            num[2], num[3]}, list_cols, 8);
    json_array_foreach(alarms, i, a) {
        show_time(json_integer_value(json_object_get(a, "at")), when);
        printf(_("  alarm %lld %s %s: %s\n"),
               (long long)json_integer_value(json_object_get(a, "id")), when,
               json_string_value(json_object_get(a, "kind")),
               json_string_value(json_object_get(a, "detail")));
    }
    if (r->acknowledged)
        printf(P_("  %ld alarm acknowledged (cleanplate-office report alarms)\n",
                  "  %ld alarms acknowledged (cleanplate-office report alarms)\n",
                  (unsigned long)r->acknowledged), r->acknowledged);
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
    terminals_alarm_filter f = {.terminal = r->code, .open_only = 1, .newest_first = 1,
                                .max = LATEST_ALARMS};
    cp_err err;

    if (!alarms || !refused) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory listing terminals");
        goto out;
    }
    if ((err = terminals_alarms(lc->d, &f, add_alarm, alarms)) ||
        (err = terminals_refusals(lc->d, r->code, add_refusal, refused)))
        goto out;
    if (!lc->rows) {
        print_row(r, alarms, refused);
        goto out;
    }
    /* alarms: count and latest are the open ones (what a person must still
     * look at), acknowledged how many were dealt with */
    o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:I, s:I, s:o, s:I, s:{s:i, s:O, s:i}, s:O}",
                  "code", r->code, "kind", r->kind, "canteen", r->canteen, "has_key", r->has_key,
                  "last_contact", r->last_contact > 0 ? json_integer((json_int_t)r->last_contact)
                                                      : json_null(),
                  "pending", (json_int_t)r->pending, "high_water", (json_int_t)r->high_water,
                  "high_water_at", *r->high_water_at ? json_string(r->high_water_at) : json_null(),
                  "snapshot_version", (json_int_t)r->snapshot_version,
                  "alarms", "count", (int)r->alarms, "latest", alarms, "acknowledged",
                  (int)r->acknowledged, "refused", refused);
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
        utf8_row(stdout, (const char *const[8]){_("CODE"), _("KIND"), _("CANTEEN"),
                                                _("LAST CONTACT"), _("PENDING"), _("HIGH WATER"),
                                                _("SNAPSHOT"), _("ALARMS")}, list_cols, 8);
    err = terminals_list(c->d, list_row, &lc);
    if (!err && lc.rows) {
        json_dumpf(lc.rows, stdout, JSON_COMPACT);
        putchar('\n');
    }
    json_decref(lc.rows);
    return err ? office_fail(err) : 0;
}

/* ---- terminal ack ---------------------------------------------------------- */

/* The alarm --alarm names into *id (0 with --all); 0 or the exit code. */
static int alarm_to_ack(const office_ctx *c, int64_t *id)
{
    const char *alarm = office_opt(c, "alarm");
    char *end;
    long long n;

    if (!alarm == !office_opt(c, "all")) {
        fprintf(stderr, _("cleanplate-office terminal ack: give --alarm ID (the id "
                          "`cleanplate-office terminals` shows) or --all\n"));
        return 2;
    }
    *id = 0;
    if (!alarm)
        return 0;
    n = strtoll(alarm, &end, 10);
    if (*end || end == alarm || n < 1) {
        fprintf(stderr, _("cleanplate-office terminal ack: --alarm '%s': give the number "
                          "`cleanplate-office terminals` shows\n"), alarm);
        return 2;
    }
    *id = n;
    return 0;
}

int cmd_terminal_ack(office_ctx *c)
{
    const char *manager;
    int64_t id;
    long n;
    cp_err err;
    int rc;

    if ((rc = alarm_to_ack(c, &id)) || (rc = office_need(c, "reason")) ||
        (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = terminals_ack(c->d, c->pos[0], id, manager, office_opt(c, "reason"), &n)))
        return office_fail(err);
    if (n == 0)
        printf(_("terminal %s has no open alarm\n"), c->pos[0]);
    else
        printf(P_("acknowledged %ld alarm of terminal %s\n",
                  "acknowledged %ld alarms of terminal %s\n", (unsigned long)n), n, c->pos[0]);
    return 0;
}

/* ---- terminal skip --------------------------------------------------------- */

int cmd_terminal_skip(office_ctx *c)
{
    const char *to_arg = office_opt(c, "to"), *manager;
    int64_t from;
    long acked;
    char *end;
    long long to;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "to")))
        return rc;
    to = strtoll(to_arg, &end, 10);
    if (*end || end == to_arg || to < 1) {
        fprintf(stderr, _("cleanplate-office terminal skip: --to '%s': give the last missing "
                          "event's number, as the sequence_gap alarm names it "
                          "(`cleanplate-office terminals`)\n"), to_arg);
        return 2;
    }
    if ((rc = office_need(c, "reason")) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = terminals_skip(c->d, c->pos[0], to, manager, office_opt(c, "reason"), &from,
                              &acked)))
        return office_fail(err);
    printf(_("wrote off events %lld to %lld of terminal %s; its next events are taken "
             "again\n"), (long long)from, (long long)to, c->pos[0]);
    printf(P_("acknowledged %ld sequence_gap alarm\n", "acknowledged %ld sequence_gap alarms\n",
              (unsigned long)acked), acked);
    return 0;
}

/* ---- report alarms ---------------------------------------------------------- */

/* The real-clock bounds [from, to) of month "YYYY-MM" in local time. */
static cp_err month_bounds(const char *month, int64_t *from, int64_t *to)
{
    struct tm a = {0}, b = {0};
    int y, m;
    cp_err err = clock_parse_month(month, &y, &m);

    if (err)
        return err;
    a.tm_year = b.tm_year = y - 1900;
    a.tm_mon = m - 1;
    b.tm_mon = m; /* mktime carries December into January */
    a.tm_mday = b.tm_mday = 1;
    a.tm_isdst = b.tm_isdst = -1;
    *from = (int64_t)mktime(&a);
    *to = (int64_t)mktime(&b);
    return CP_OK;
}

static cp_err report_alarm(const terminals_alarm_row *a, void *arg)
{
    char when[32];
    json_t *rows = arg, *o;

    if (rows) {
        o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:o}", "id", (json_int_t)a->id, "terminal",
                      a->terminal, "at", (json_int_t)a->at, "kind", a->kind, "detail",
                      a->detail, "acknowledged",
                      a->acknowledged ? json_pack("{s:s, s:s, s:s}", "by", a->ack_actor, "at",
                                                  a->ack_at, "reason", a->ack_reason)
                                      : json_null());
        return o && !json_array_append_new(rows, o)
                   ? CP_OK : cp_fail(CP_ERR_NOMEM, "out of memory listing alarms");
    }
    show_time(a->at, when);
    printf("%6lld %-10s %-19s %-20s %s\n", (long long)a->id, a->terminal, when, a->kind,
           a->detail);
    if (a->acknowledged)
        printf(_("       acknowledged by %s at %s: %s\n"), a->ack_actor, a->ack_at,
               a->ack_reason);
    return CP_OK;
}

int cmd_report_alarms(office_ctx *c)
{
    terminals_alarm_filter f = {0};
    const char *month = office_opt(c, "month");
    json_t *rows = NULL;
    cp_err err;

    if (month && (err = month_bounds(month, &f.from, &f.to)))
        return office_fail(err);
    if (office_opt(c, "json") && !(rows = json_array()))
        return office_fail(cp_fail(CP_ERR_NOMEM, "out of memory listing alarms"));
    if (!rows)
        printf("%6s %-10s %-19s %-20s %s\n", _("ID"), _("TERMINAL"), _("RAISED"), _("KIND"),
               _("DETAIL"));
    err = terminals_alarms(c->d, &f, report_alarm, rows);
    if (!err && rows) {
        json_dumpf(rows, stdout, JSON_COMPACT);
        putchar('\n');
    }
    json_decref(rows);
    return err ? office_fail(err) : 0;
}
