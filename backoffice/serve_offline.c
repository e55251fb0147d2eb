/* serve_offline: what the server checks of an event a terminal decided without it: when it was tapped, and the snapshot it was decided from (doc/protocol.md, POST /v1/events).
 *
 * An offline charge is posted on its tap time "at", which the terminal
 * says. The server takes a time only within a window before its own
 * business clock (--offline-max-age-days), and not on a day before the
 * terminal's previous event: a terminal numbers its events as it makes
 * them, so one tapped a day before the one it made before is a clock gone
 * wrong, or a stolen key writing meals into days past (it posted a week of
 * lunches on every card, all over their limits, and blocked them all).
 * Within a day the order is not checked: a terminal's clock corrected by
 * some minutes is no reason to refuse a meal it served. */
#include <stdio.h>
#include <string.h>

#include "backoffice/serve_int.h"
#include "core/clock.h"
#include "core/jsonl.h"
#include "core/termauth.h"

/* The error of an offline charge whose tap time the server does not post. */
#define AT_OUT_OF_RANGE "at_out_of_range"
#define AT_OUT_OF_ORDER "at_out_of_order"

/* How far after the server's business clock an offline tap time may be: a
 * terminal's clock may run a little fast, by as much as a request's time
 * may (TERMAUTH_MAX_SKEW_S, 5 minutes); and so as much before midnight
 * after an event of the next day is that day still. */
#define OFFLINE_AHEAD_S TERMAUTH_MAX_SKEW_S

/* Whether the charge reqid has been answered by the store already (its
 * request id is in charge_requests) into *answered. */
static cp_err charge_answered(db *d, const char *reqid, int *answered)
{
    static const char sql[] = "SELECT count(*) FROM charge_requests WHERE request_id = ?1";
    db_stmt *st = db_prepare(d, sql);
    int64_t n = 0;
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, reqid);
    err = db_step_int64(d, st, &n);
    *answered = n > 0;
    return err;
}

int serve_offline_in_window(const serve_req *r, const char *at)
{
    cp_time now, tap;
    long age;

    if (!at || clock_parse(at, &tap) != CP_OK || clock_now(&now) != CP_OK)
        return 0;
    age = clock_seconds_between(&tap, &now);
    return age <= (long)r->offline_max_age_days * 86400 && age >= -OFFLINE_AHEAD_S;
}

/* The tap time of the terminal's last event before seq that kept one,
 * into prev ("" when none). */
static cp_err previous_at(const serve_req *r, int64_t seq, char prev[CP_TIME_ISO_LEN])
{
    static const char sql[] =
        "SELECT at FROM terminal_events WHERE terminal = ?1 AND seq < ?2 AND at IS NOT NULL"
        " ORDER BY seq DESC LIMIT 1";
    db_stmt *st = db_prepare(r->d, sql);
    int rc;

    prev[0] = '\0';
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, r->terminal);
    db_bind_int64(st, 2, seq);
    if ((rc = db_step(st)) == DB_ROW)
        db_copy_col(prev, CP_TIME_ISO_LEN, st, 0);
    db_reset(st);
    return rc == DB_ERROR ? db_fail(r->d, "reading the terminal's events") : CP_OK;
}

/* Whether at is not on a day before the terminal's previous event (*ok),
 * within OFFLINE_AHEAD_S; prev gets that event's time. */
static cp_err in_order(const serve_req *r, const char *at, int64_t seq, int *ok,
                       char prev[CP_TIME_ISO_LEN])
{
    char day[CP_DATE_LEN];
    cp_time tap;
    cp_err err;

    *ok = 1;
    if ((err = previous_at(r, seq, prev)) || !prev[0] || clock_parse(at, &tap) != CP_OK)
        return err;
    tap = clock_add_seconds(&tap, OFFLINE_AHEAD_S);
    clock_date(&tap, day);
    *ok = strncmp(day, prev, strlen(day)) >= 0;
    return CP_OK;
}

int serve_offline_at_ok(const serve_req *r, const char *at, int64_t seq)
{
    char prev[CP_TIME_ISO_LEN];
    int ok = 0;

    return serve_offline_in_window(r, at) && in_order(r, at, seq, &ok, prev) == CP_OK && ok;
}

/* The refusal of an offline charge tapped outside the window. */
static json_t *out_of_range(const serve_req *r, const char *at, int64_t seq)
{
    char now_iso[CP_TIME_ISO_LEN], from[CP_TIME_ISO_LEN], to[CP_TIME_ISO_LEN], msg[512];
    long max = (long)r->offline_max_age_days * 86400;
    cp_time now, tap, t;

    if (clock_now(&now) != CP_OK || clock_parse(at, &tap) != CP_OK)
        return jsonl_refusal(seq, AT_OUT_OF_RANGE, "the tap time cannot be read");
    clock_iso(&now, now_iso);
    t = clock_add_seconds(&now, -max);
    clock_iso(&t, from);
    t = clock_add_seconds(&now, OFFLINE_AHEAD_S);
    clock_iso(&t, to);
    snprintf(msg, sizeof msg, "tapped at %s, %s the server's clock (%s): an offline charge is "
             "posted only when tapped from %s to %s (serve --offline-max-age-days %d, and %d s "
             "for a terminal's clock that runs fast); nothing charged: check the terminal's "
             "clock, and charge the meal by hand or write it off", at,
             clock_seconds_between(&tap, &now) > 0 ? "too long before" : "after", now_iso,
             from, to, r->offline_max_age_days, OFFLINE_AHEAD_S);
    return jsonl_refusal(seq, AT_OUT_OF_RANGE, msg);
}

/* The refusal of an offline charge tapped a day before the terminal's previous event. */
static json_t *out_of_order(const char *at, int64_t seq, const char *prev)
{
    char msg[512];

    snprintf(msg, sizeof msg, "tapped at %s, a day before this terminal's previous event "
             "(%s): a terminal's events come in the order they were tapped; nothing charged: "
             "check the terminal's clock, and charge the meal by hand or write it off", at,
             prev);
    return jsonl_refusal(seq, AT_OUT_OF_ORDER, msg);
}

cp_err serve_offline_check(const serve_req *r, const char *at, int64_t seq, const char *reqid,
                           json_t **answer)
{
    char prev[CP_TIME_ISO_LEN];
    cp_time tap;
    int answered, ok = 1;
    cp_err err;

    *answer = NULL;
    /* a tap time that is not one: ledger_charge says so */
    if (!at || clock_parse(at, &tap) != CP_OK)
        return CP_OK;
    if (serve_offline_in_window(r, at) && ((err = in_order(r, at, seq, &ok, prev)) || ok))
        return err;
    if ((err = charge_answered(r->d, reqid, &answered)) || answered)
        return err;
    *answer = ok ? out_of_range(r, at, seq) : out_of_order(at, seq, prev);
    return CP_OK;
}

/* Whether version is one of this store's history (*ours): its audit
 * entry has the hash the snapshot gave (hash; NULL: a terminal of before,
 * which sends none: a version the store has reached). A store restored
 * from an older copy reaches the same numbers again with other entries:
 * the prices "of" such a version were another store's (review K2-3). */
static cp_err our_version(const serve_req *r, int64_t version, const char *hash, int *ours)
{
    static const char sql[] =
        "SELECT count(*) FROM audit WHERE seq = ?1 AND (CAST(?2 AS TEXT) IS NULL OR hash = ?2)";
    db_stmt *st = db_prepare(r->d, sql);
    int64_t n = 0;
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, version);
    if (hash)
        db_bind_text(st, 2, hash);
    else
        db_bind_null(st, 2);
    err = db_step_int64(r->d, st, &n);
    *ours = n > 0;
    return err;
}

cp_err serve_offline_seen(const serve_req *r, const json_t *ev, charge_req *req,
                          char from[CP_TIME_ISO_LEN])
{
    json_t *v = json_object_get(ev, "snapshot_version");
    const char *hash = json_string_value(json_object_get(ev, "snapshot_hash"));
    int ours = 0;
    cp_time tap, t;
    cp_err err;

    if (!json_is_integer(v) || json_integer_value(v) <= 0 || clock_parse(req->at, &tap))
        return CP_OK;
    if ((err = our_version(r, json_integer_value(v), hash, &ours)) || !ours)
        return err;
    t = clock_add_seconds(&tap, -(long)r->offline_max_age_days * 86400);
    clock_iso(&t, from);
    req->snapshot_version = json_integer_value(v);
    req->snapshot_from = from;
    return CP_OK;
}
