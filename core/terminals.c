/* terminals: what the store keeps of networked terminals: their keys, the events the server applied, their status, refusals and alarms. */
#include "core/terminals.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/hash.h"

/* Ends the transaction that a writer opened: commit on success, else
 * rollback keeping err. */
static cp_err finish(db *d, cp_err err)
{
    if (err) {
        db_rollback(d);
        return err;
    }
    return db_commit(d);
}

cp_err terminals_new_key(db *d, const char *code, const char *actor,
                         char out[TERMAUTH_HEX_LEN])
{
    static const char sql[] =
        "INSERT INTO terminal_keys(terminal, key_hex, actor, created_at)"
        " SELECT code, ?2, ?3, ?4 FROM terminals WHERE code = ?1";
    char at[CP_TIME_ISO_LEN];
    db_stmt *st;
    cp_err err;

    if ((err = termauth_new_key(out)) || (err = clock_now_iso(at)) || (err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto out;
    }
    db_bind_text(st, 1, code);
    db_bind_text(st, 2, out);
    db_bind_text(st, 3, actor);
    db_bind_text(st, 4, at);
    if ((err = db_step_done(d, st, "saving the terminal's key")))
        goto out;
    if (db_changes(d) == 0) {
        err = cp_fail(CP_ERR_NOT_FOUND, "no terminal '%s': add it with `cleanplate-office "
                      "terminal add`", code);
        goto out;
    }
    /* the key itself never goes into the audit log, only that one was made */
    err = audit_append(d, actor, code, "terminal.key", code, "new key; the old one stops working");
out:
    if (err)
        memset(out, 0, TERMAUTH_HEX_LEN);
    return finish(d, err);
}

cp_err terminals_info_of(db *d, const char *code, terminals_info *out)
{
    /* the newest key is the one with the largest id; the high-water mark is
     * the largest seq applied (an index's last entry) or written off
     * (terminals_skip), not terminal_status's copy, which a request of the
     * terminal in flight may not have moved */
    static const char sql[] =
        "SELECT t.kind, c.code, c.id, (SELECT k.key_hex FROM terminal_keys k"
        "   WHERE k.terminal = t.code ORDER BY k.id DESC LIMIT 1),"
        " (SELECT coalesce(max(m.seq), 0) FROM"
        "   (SELECT max(e.seq) AS seq FROM terminal_events e WHERE e.terminal = t.code"
        "    UNION ALL SELECT max(k.to_seq) FROM terminal_skips k WHERE k.terminal = t.code) m)"
        " FROM terminals t JOIN canteens c ON c.id = t.canteen_id WHERE t.code = ?1";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    memset(out, 0, sizeof *out);
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    rc = db_step(st);
    if (rc == DB_ROW) {
        db_copy_col(out->kind, sizeof out->kind, st, 0);
        db_copy_col(out->canteen, sizeof out->canteen, st, 1);
        out->canteen_id = db_col_int64(st, 2);
        db_copy_col(out->key, sizeof out->key, st, 3);
        out->high_water = db_col_int64(st, 4);
    }
    db_reset(st);
    if (rc == DB_ERROR)
        return db_fail(d, "reading the terminal");
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no terminal '%s'", code);
    return CP_OK;
}

static const char alarm_sql[] =
    "INSERT INTO terminal_alarms(terminal, at, kind, detail) VALUES (?1, ?2, ?3, ?4)";
/* once: not when the terminal has that alarm already (one event's, sent again) */
static const char alarm_once_sql[] =
    "INSERT INTO terminal_alarms(terminal, at, kind, detail)"
    " SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT), CAST(?3 AS TEXT), CAST(?4 AS TEXT)"
    " WHERE NOT EXISTS (SELECT 1 FROM terminal_alarms"
    " WHERE terminal = ?1 AND kind = ?3 AND detail = ?4)";

/* open: not while the terminal has such an alarm nobody acknowledged yet
 * (a flood of bad signatures: one alarm, each counted in its refusals) */
static const char alarm_open_sql[] =
    "INSERT INTO terminal_alarms(terminal, at, kind, detail)"
    " SELECT CAST(?1 AS TEXT), CAST(?2 AS BIGINT), CAST(?3 AS TEXT), CAST(?4 AS TEXT)"
    " WHERE NOT EXISTS (SELECT 1 FROM terminal_alarms a WHERE a.terminal = ?1 AND a.kind = ?3"
    " AND NOT EXISTS (SELECT 1 FROM terminal_alarm_acks k WHERE k.alarm_id = a.id))";

/* Raises the alarm with sql (alarm_sql, alarm_once_sql or alarm_open_sql),
 * in the open transaction. */
static cp_err insert_alarm(db *d, const char *sql, const char *code, int64_t now,
                           const char *kind, const char *detail)
{
    db_stmt *st = db_prepare(d, sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    db_bind_int64(st, 2, now);
    db_bind_text(st, 3, kind);
    db_bind_text(st, 4, detail);
    return db_step_done(d, st, "raising an alarm");
}

static cp_err add_alarm(db *d, const char *code, int64_t now, const char *kind,
                        const char *detail)
{
    return insert_alarm(d, alarm_sql, code, now, kind, detail);
}

static cp_err count_refusal(db *d, const char *code, const char *reason)
{
    static const char sql[] =
        "INSERT INTO terminal_refusals(terminal, reason, count) VALUES (?1, ?2, 1)"
        " ON CONFLICT (terminal, reason) DO UPDATE SET count = terminal_refusals.count + 1";
    db_stmt *st = db_prepare(d, sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    db_bind_text(st, 2, reason);
    return db_step_done(d, st, "counting a refused request");
}

cp_err terminals_refused(db *d, const char *code, const char *reason, int alarm,
                         const char *detail)
{
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    if ((err = count_refusal(d, code, reason)) || !alarm)
        goto out;
    /* the alarm and its audited note once until someone acknowledges it:
     * anyone on the network could otherwise fill both, burying the real
     * ones; every refusal is counted all the same */
    if (!(err = insert_alarm(d, alarm_open_sql, code, (int64_t)time(NULL), reason, detail)) &&
        db_changes(d) > 0)
        err = audit_append(d, "serve", code, "terminal.refused", reason, detail);
out:
    return finish(d, err);
}

cp_err terminals_alarm(db *d, const char *code, int64_t now, const char *kind,
                       const char *detail)
{
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    return finish(d, add_alarm(d, code, now, kind, detail));
}

cp_err terminals_alarm_once(db *d, const char *code, int64_t now, const char *kind,
                            const char *detail)
{
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    return finish(d, insert_alarm(d, alarm_once_sql, code, now, kind, detail));
}

/* Notes the contact in the open transaction (see terminals_contact). */
static cp_err note_contact(db *d, const char *code, int64_t now, int64_t pending,
                           int64_t snapshot_version)
{
    /* a value not reported (< 0) keeps what was there */
    static const char sql[] =
        "INSERT INTO terminal_status(terminal, last_contact, last_contact_at, pending,"
        " snapshot_version) VALUES (?1, ?2, ?3, CASE WHEN ?4 >= 0 THEN ?4 ELSE 0 END,"
        " CASE WHEN ?5 >= 0 THEN ?5 ELSE 0 END)"
        " ON CONFLICT (terminal) DO UPDATE SET last_contact = ?2, last_contact_at = ?3,"
        " pending = CASE WHEN ?4 >= 0 THEN ?4 ELSE terminal_status.pending END,"
        " snapshot_version = CASE WHEN ?5 >= 0 THEN ?5 ELSE terminal_status.snapshot_version END";
    char at[CP_TIME_ISO_LEN];
    db_stmt *st;
    cp_err err;

    if ((err = clock_now_iso(at)))
        return err;
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    db_bind_int64(st, 2, now);
    db_bind_text(st, 3, at);
    db_bind_int64(st, 4, pending);
    db_bind_int64(st, 5, snapshot_version);
    return db_step_later(d, st, "noting the terminal's contact");
}

static cp_err record_one(db *d, const terminals_event *ev, const char *now);

/* Notes the contact of terminal code and records the n events evs applied
 * for it, in one transaction. It runs beside charges (db_begin_shared), as
 * a charge does: it writes only its terminal's rows, each request's once
 * (ON CONFLICT), and the high-water mark only upward, so two requests of
 * one terminal at once (a retry while the first is in flight) agree in
 * whichever order they commit. Run beside the writers' lock instead, every
 * request through the server would wait for every charge in flight, and
 * the next charges for it. Run again when it met another (db_conflict),
 * after a random wait (db_back_off), as charges and weighings are: two
 * retries at once would meet again. */
static cp_err contact_and_record(db *d, const char *code, int64_t now, int64_t pending,
                                 int64_t snapshot_version, const terminals_event *evs, size_t n)
{
    char at[CP_TIME_ISO_LEN];
    cp_err err;

    for (int attempt = 1;; attempt++) {
        if ((err = clock_now_iso(at)) || (err = db_begin_shared(d)))
            return err;
        err = note_contact(d, code, now, pending, snapshot_version);
        for (size_t i = 0; !err && i < n; i++)
            err = record_one(d, &evs[i], at);
        if (!(err = finish(d, err)) || !db_conflict(d) || attempt == DB_SHARED_ATTEMPTS)
            return err;
        db_back_off(attempt);
    }
}

cp_err terminals_contact(db *d, const char *code, int64_t now, int64_t pending,
                         int64_t snapshot_version)
{
    return contact_and_record(d, code, now, pending, snapshot_version, NULL, 0);
}

cp_err terminals_event_find(db *d, const char *code, int64_t seq, int *found, char *hash,
                            char **answer)
{
    static const char sql[] =
        "SELECT content_hash, answer FROM terminal_events WHERE terminal = ?1 AND seq = ?2";
    db_stmt *st = db_prepare(d, sql);
    cp_err err = CP_OK;
    int rc;

    *found = 0;
    *answer = NULL;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    db_bind_int64(st, 2, seq);
    rc = db_step(st);
    if (rc == DB_ROW) {
        db_copy_col(hash, HASH_HEX_LEN, st, 0);
        if (!(*answer = strdup(db_col_text(st, 1))))
            err = cp_fail(CP_ERR_NOMEM, "out of memory");
        *found = 1;
    } else if (rc == DB_ERROR) {
        err = db_fail(d, "reading an applied event");
    }
    db_reset(st);
    return err;
}

/* Writes the one applied event ev and moves the high-water mark past it,
 * in the open transaction. */
static cp_err record_one(db *d, const terminals_event *ev, const char *now)
{
    /* ON CONFLICT: another thread (a retry) recorded it first, with the
     * same effect, since both applied the same request id */
    static const char event_sql[] =
        "INSERT INTO terminal_events(terminal, seq, kind, content_hash, answer, offline, at,"
        " received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (terminal, seq) DO NOTHING";
    /* the status row exists: note_contact wrote it just before */
    static const char hw_sql[] =
        "UPDATE terminal_status SET high_water = ?2, high_water_at = ?3"
        " WHERE terminal = ?1 AND high_water < ?2";
    db_stmt *st = db_prepare(d, event_sql);
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, ev->terminal);
    db_bind_int64(st, 2, ev->seq);
    db_bind_text(st, 3, ev->kind);
    db_bind_text(st, 4, ev->hash);
    db_bind_text(st, 5, ev->answer);
    db_bind_int(st, 6, ev->offline ? 1 : 0);
    db_bind_text(st, 7, ev->at);
    db_bind_text(st, 8, now);
    if ((err = db_step_later(d, st, "recording an applied event")))
        return err;
    if (!(st = db_prepare(d, hw_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, ev->terminal);
    db_bind_int64(st, 2, ev->seq);
    db_bind_text(st, 3, ev->offline && ev->at ? ev->at : now);
    return db_step_later(d, st, "moving the high-water mark");
}

cp_err terminals_events_record(db *d, const terminals_event *evs, size_t n)
{
    if (n == 0)
        return CP_OK;
    return contact_and_record(d, evs[0].terminal, evs[0].now, evs[0].pending,
                              evs[0].snapshot_version, evs, n);
}

cp_err terminals_event_record_in_txn(db *d, const terminals_event *ev)
{
    char at[CP_TIME_ISO_LEN];
    cp_err err;

    if ((err = clock_now_iso(at)) ||
        (err = note_contact(d, ev->terminal, ev->now, ev->pending, ev->snapshot_version)))
        return err;
    return record_one(d, ev, at);
}

/* Calls row for every row of st (bound already), stopping at its first
 * error; then resets st. what names the reading in an error. */
static cp_err each_row(db *d, db_stmt *st, const char *what,
                       cp_err (*row)(db_stmt *st, void *arg), void *arg)
{
    cp_err err = CP_OK;
    int rc = DB_DONE;

    while (!err && (rc = db_step(st)) == DB_ROW)
        err = row(st, arg);
    if (!err && rc == DB_ERROR)
        err = db_fail(d, what);
    db_reset(st);
    return err;
}

/* The callbacks of the lists below, with what each was given. */
struct list_cb {
    cp_err (*terminal)(const terminals_row *row, void *arg);
    cp_err (*refusal)(const char *reason, int64_t n, void *arg);
    cp_err (*alarm)(const terminals_alarm_row *a, void *arg);
    void *arg;
};

static cp_err terminal_row(db_stmt *st, void *arg)
{
    const struct list_cb *cb = arg;
    terminals_row r = {
        .code = db_col_text(st, 0), .kind = db_col_text(st, 1),
        .canteen = db_col_text(st, 2), .has_key = db_col_int64(st, 3) > 0,
        .last_contact = db_col_int64(st, 4), .pending = db_col_int64(st, 5),
        .high_water = db_col_int64(st, 6), .snapshot_version = db_col_int64(st, 7),
        .high_water_at = db_col_text(st, 8), .alarms = (long)db_col_int64(st, 9),
        .acknowledged = (long)db_col_int64(st, 10),
    };
    return cb->terminal(&r, cb->arg);
}

static cp_err refusal_row(db_stmt *st, void *arg)
{
    const struct list_cb *cb = arg;
    return cb->refusal(db_col_text(st, 0), db_col_int64(st, 1), cb->arg);
}

static cp_err alarm_row(db_stmt *st, void *arg)
{
    const struct list_cb *cb = arg;
    terminals_alarm_row a = {
        .id = db_col_int64(st, 0), .at = db_col_int64(st, 1), .terminal = db_col_text(st, 2),
        .kind = db_col_text(st, 3), .detail = db_col_text(st, 4),
        .acknowledged = !db_col_is_null(st, 5), .ack_actor = db_col_text(st, 5),
        .ack_at = db_col_text(st, 6), .ack_reason = db_col_text(st, 7),
    };
    return cb->alarm(&a, cb->arg);
}

cp_err terminals_list(db *d, cp_err (*fn)(const terminals_row *row, void *arg), void *arg)
{
    static const char sql[] =
        "SELECT t.code, t.kind, c.code,"
        " (SELECT count(*) FROM terminal_keys k WHERE k.terminal = t.code),"
        " coalesce(s.last_contact, 0), coalesce(s.pending, 0), coalesce(s.high_water, 0),"
        " coalesce(s.snapshot_version, 0), coalesce(s.high_water_at, ''),"
        " (SELECT count(*) FROM terminal_alarms a WHERE a.terminal = t.code"
        "   AND NOT EXISTS (SELECT 1 FROM terminal_alarm_acks k WHERE k.alarm_id = a.id)),"
        " (SELECT count(*) FROM terminal_alarms a JOIN terminal_alarm_acks k"
        "   ON k.alarm_id = a.id WHERE a.terminal = t.code)"
        " FROM terminals t JOIN canteens c ON c.id = t.canteen_id"
        " LEFT JOIN terminal_status s ON s.terminal = t.code ORDER BY t.code";
    struct list_cb cb = {.terminal = fn, .arg = arg};
    db_stmt *st = db_prepare(d, sql);

    return st ? each_row(d, st, "listing the terminals", terminal_row, &cb) : CP_ERR_DB;
}

cp_err terminals_refusals(db *d, const char *code,
                          cp_err (*fn)(const char *reason, int64_t n, void *arg), void *arg)
{
    static const char sql[] =
        "SELECT reason, count FROM terminal_refusals WHERE terminal = ?1 ORDER BY reason";
    struct list_cb cb = {.refusal = fn, .arg = arg};
    db_stmt *st = db_prepare(d, sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    return each_row(d, st, "reading the refused requests", refusal_row, &cb);
}

/* The alarms of a filter (terminals_alarm_filter), oldest or newest first. */
#define ALARMS_SQL                                                                         \
    "SELECT a.id, a.at, a.terminal, a.kind, a.detail, k.actor, k.at, k.reason"             \
    " FROM terminal_alarms a LEFT JOIN terminal_alarm_acks k ON k.alarm_id = a.id"         \
    " WHERE (CAST(?1 AS TEXT) IS NULL OR a.terminal = ?1)"                                 \
    " AND (CAST(?2 AS BIGINT) = 0 OR k.alarm_id IS NULL)"                                  \
    " AND a.at >= ?3 AND a.at < ?4"

cp_err terminals_alarms(db *d, const terminals_alarm_filter *f,
                        cp_err (*fn)(const terminals_alarm_row *a, void *arg), void *arg)
{
    static const char newest[] = ALARMS_SQL " ORDER BY a.id DESC LIMIT ?5";
    static const char oldest[] = ALARMS_SQL " ORDER BY a.id LIMIT ?5";
    struct list_cb cb = {.alarm = fn, .arg = arg};
    db_stmt *st = db_prepare(d, f->newest_first ? newest : oldest);

    if (!st)
        return CP_ERR_DB;
    if (f->terminal)
        db_bind_text(st, 1, f->terminal);
    else
        db_bind_null(st, 1);
    db_bind_int(st, 2, f->open_only ? 1 : 0);
    db_bind_int64(st, 3, f->from);
    db_bind_int64(st, 4, f->to > 0 ? f->to : INT64_MAX);
    db_bind_int64(st, 5, f->max > 0 ? f->max : INT64_MAX);
    return each_row(d, st, "reading the alarms", alarm_row, &cb);
}

/* Why alarm_id of code is not open: it is not code's, or was acknowledged
 * (by whom, when). */
static cp_err not_open(db *d, const char *code, int64_t alarm_id)
{
    static const char sql[] =
        "SELECT k.actor, k.at FROM terminal_alarms a"
        " LEFT JOIN terminal_alarm_acks k ON k.alarm_id = a.id"
        " WHERE a.id = ?1 AND a.terminal = ?2";
    db_stmt *st = db_prepare(d, sql);
    cp_err err;
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, alarm_id);
    db_bind_text(st, 2, code);
    if ((rc = db_step(st)) == DB_ROW)
        err = cp_fail(CP_ERR_EXISTS, "alarm %lld of terminal %s was acknowledged already, by %s "
                      "at %s", (long long)alarm_id, code, db_col_text(st, 0),
                      db_col_text(st, 1));
    else if (rc == DB_DONE)
        err = cp_fail(CP_ERR_NOT_FOUND, "terminal %s has no alarm %lld: `cleanplate-office "
                      "terminals` shows its open alarms with their ids", code,
                      (long long)alarm_id);
    else
        err = db_fail(d, "reading the alarm");
    db_reset(st);
    return err;
}

/* The ids of code's open alarms (alarm_id alone, or all with 0; of kind
 * alone, or of any with NULL) into a new array *ids (the caller frees it)
 * of *n. */
static cp_err open_alarm_ids(db *d, const char *code, int64_t alarm_id, const char *kind,
                             int64_t **ids, size_t *n)
{
    static const char sql[] =
        "SELECT a.id FROM terminal_alarms a WHERE a.terminal = ?1"
        " AND (CAST(?2 AS BIGINT) = 0 OR a.id = ?2)"
        " AND (CAST(?3 AS TEXT) IS NULL OR a.kind = ?3)"
        " AND NOT EXISTS (SELECT 1 FROM terminal_alarm_acks k WHERE k.alarm_id = a.id)"
        " ORDER BY a.id";
    db_stmt *st = db_prepare(d, sql);
    size_t cap = 0;
    cp_err err = CP_OK;
    int rc;

    *ids = NULL;
    *n = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    db_bind_int64(st, 2, alarm_id);
    if (kind)
        db_bind_text(st, 3, kind);
    else
        db_bind_null(st, 3);
    while (!err && (rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            int64_t *more = realloc(*ids, (cap = cap ? 2 * cap : 16) * sizeof *more);
            if (!more) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory reading the alarms");
                break;
            }
            *ids = more;
        }
        (*ids)[(*n)++] = db_col_int64(st, 0);
    }
    if (!err && rc == DB_ERROR)
        err = db_fail(d, "reading the open alarms");
    db_reset(st);
    return err;
}

/* Acknowledges the one alarm id, in the open transaction. */
static cp_err ack_one(db *d, const char *code, int64_t id, const char *actor,
                      const char *reason, const char *at)
{
    static const char sql[] =
        "INSERT INTO terminal_alarm_acks(alarm_id, actor, reason, at) VALUES (?1, ?2, ?3, ?4)";
    db_stmt *st = db_prepare(d, sql);
    char subject[40];
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, id);
    db_bind_text(st, 2, actor);
    db_bind_text(st, 3, reason);
    db_bind_text(st, 4, at);
    if ((err = db_step_done(d, st, "acknowledging an alarm")))
        return err;
    snprintf(subject, sizeof subject, "alarm %lld", (long long)id);
    return audit_append(d, actor, code, "terminal.ack", subject, reason);
}

cp_err terminals_ack(db *d, const char *code, int64_t alarm_id, const char *actor,
                     const char *reason, long *n)
{
    char at[CP_TIME_ISO_LEN];
    terminals_info info;
    int64_t *ids = NULL;
    size_t count = 0;
    cp_err err;

    *n = 0;
    if (!reason || !*reason)
        return cp_fail(CP_ERR_INVALID, "say why the alarm is dealt with: --reason TEXT");
    if ((err = clock_now_iso(at)) || (err = terminals_info_of(d, code, &info)) ||
        (err = db_begin(d)))
        return err;
    if ((err = open_alarm_ids(d, code, alarm_id, NULL, &ids, &count)))
        goto out;
    if (alarm_id && count == 0) {
        err = not_open(d, code, alarm_id);
        goto out;
    }
    for (size_t i = 0; !err && i < count; i++)
        err = ack_one(d, code, ids[i], actor, reason, at);
    if (!err)
        *n = (long)count;
out:
    free(ids);
    return finish(d, err);
}

/* Writes off events from to to of code, in the open transaction: the
 * row that moves the high-water mark, its audited note, and the terminal's
 * status (its copy of the mark, for `terminals`). */
static cp_err write_off(db *d, const char *code, int64_t from, int64_t to, const char *actor,
                        const char *reason, const char *at)
{
    static const char skip_sql[] =
        "INSERT INTO terminal_skips(terminal, from_seq, to_seq, actor, reason, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    static const char status_sql[] =
        "UPDATE terminal_status SET high_water = ?2, high_water_at = ?3"
        " WHERE terminal = ?1 AND high_water < ?2";
    db_stmt *st = db_prepare(d, skip_sql);
    char subject[64];
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    db_bind_int64(st, 2, from);
    db_bind_int64(st, 3, to);
    db_bind_text(st, 4, actor);
    db_bind_text(st, 5, reason);
    db_bind_text(st, 6, at);
    if ((err = db_step_done(d, st, "writing off the events")))
        return err;
    if (!(st = db_prepare(d, status_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    db_bind_int64(st, 2, to);
    db_bind_text(st, 3, at);
    if ((err = db_step_done(d, st, "moving the terminal's high-water mark")))
        return err;
    snprintf(subject, sizeof subject, "events %lld to %lld", (long long)from, (long long)to);
    return audit_append(d, actor, code, "terminal.skip", subject, reason);
}

cp_err terminals_skip(db *d, const char *code, int64_t to, const char *actor,
                      const char *reason, int64_t *from, long *acked)
{
    char at[CP_TIME_ISO_LEN];
    terminals_info info;
    int64_t *ids = NULL;
    size_t count = 0;
    cp_err err;

    *from = 0;
    *acked = 0;
    if (!reason || !*reason)
        return cp_fail(CP_ERR_INVALID, "say why the events are written off: --reason TEXT");
    if ((err = clock_now_iso(at)) || (err = db_begin(d)))
        return err;
    if ((err = terminals_info_of(d, code, &info)) ||
        (err = open_alarm_ids(d, code, 0, "sequence_gap", &ids, &count)))
        goto out;
    if (to <= info.high_water) {
        err = cp_fail(CP_ERR_INVALID, "terminal %s's events up to %lld are in the store or "
                      "written off already: nothing is missing up to %lld", code,
                      (long long)info.high_water, (long long)to);
        goto out;
    }
    /* only for a gap the server saw: a terminal that merely has not sent
     * yet would lose what it still holds from view (it is applied when it
     * comes, but the mark no longer waits for it) */
    if (count == 0) {
        err = cp_fail(CP_ERR_INVALID, "terminal %s has no open sequence_gap alarm: write off "
                      "only the events such an alarm names as missing (`cleanplate-office "
                      "terminals`)", code);
        goto out;
    }
    *from = info.high_water + 1;
    if ((err = write_off(d, code, *from, to, actor, reason, at)))
        goto out;
    for (size_t i = 0; !err && i < count; i++)
        err = ack_one(d, code, ids[i], actor, reason, at);
    if (!err)
        *acked = (long)count;
out:
    free(ids);
    return finish(d, err);
}

cp_err terminals_undelivered(db *d, const char *end, char code[64], char why[128])
{
    static const char sql[] =
        "SELECT terminal, CASE WHEN last_contact_at < ?1 THEN 'last_contact' ELSE 'pending' END"
        " FROM terminal_status WHERE last_contact_at < ?1"
        " OR (pending > 0 AND (high_water_at IS NULL OR high_water_at < ?1))"
        " ORDER BY terminal LIMIT 1";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    code[0] = why[0] = '\0';
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, end);
    rc = db_step(st);
    if (rc == DB_ROW) {
        db_copy_col(code, 64, st, 0);
        db_copy_col(why, 128, st, 1);
    }
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "checking the terminals' deliveries") : CP_OK;
}
