/* waste: weighings of trays and kitchen waste, each one SQLite transaction, and the clean-plate rate.
 *
 * A weighing is written once per placement (the station's request id): a
 * repeat of the same placement answers with the first record. The diner's
 * department is copied into the record, so that a later move does not
 * change yesterday's rankings. */
#include "core/waste.h"

#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/ledger.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/utf8.h"

static const char *const stages[] = {"plate", "prep", "overproduction", "spoilage", NULL};

/* The flags' names, as stored and sent (jsonl, the protocol), and as
 * people read them (the catalog's, context "weighing flag"). */
static const char *const flag_names[] = {
    NC_("weighing flag", "negative"),
    /* TRANSLATORS: the scale said its load was beyond its capacity */
    NC_("weighing flag", "overload"),
    /* TRANSLATORS: a tray of a diner who had no meal in that period */
    NC_("weighing flag", "no_meal"),
    /* TRANSLATORS: typed in by hand (`waste add`), not read from a scale */
    NC_("weighing flag", "manual"),
    /* TRANSLATORS: a tray without a card */
    NC_("weighing flag", "anonymous"),
    /* TRANSLATORS: a weight no scale can read */
    NC_("weighing flag", "impossible"),
    /* TRANSLATORS: a correction that took a wrong weighing back */
    NC_("weighing flag", "voided"),
};

cp_err waste_stage_valid(const char *stage)
{
    for (size_t i = 0; stage && stages[i]; i++)
        if (strcmp(stage, stages[i]) == 0)
            return CP_OK;
    return cp_fail(CP_ERR_INVALID, "unknown stage '%s': use plate, prep, overproduction or "
                   "spoilage", stage ? stage : "");
}

/* waste_flags_text and waste_flags_words: each name of flags as word gives it. */
static void flags_joined(int flags, const char *(*word)(const char *), const char *sep,
                         char *buf, size_t size)
{
    size_t used = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
        int n;
        if (!(flags & (1 << i)))
            continue;
        n = snprintf(buf + used, size - used, "%s%s", used ? sep : "", word(flag_names[i]));
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

static const char *as_stored(const char *name)
{
    return name;
}

static const char *as_read(const char *name)
{
    return C_("weighing flag", name);
}

int waste_flag_named(const char *name)
{
    for (size_t i = 0; name && i < sizeof flag_names / sizeof flag_names[0]; i++)
        if (strcmp(name, flag_names[i]) == 0)
            return 1 << i;
    return 0;
}

void waste_flags_text(int flags, char *buf, size_t size)
{
    flags_joined(flags, as_stored, ",", buf, size);
}

void waste_flags_words(int flags, char *buf, size_t size)
{
    flags_joined(flags, as_read, _(", "), buf, size);
}

cp_err waste_clean_rate(db *d, int64_t dept_id, int64_t canteen_id, const char *date,
                        int64_t clean_g, long *clean, long *trays)
{
    static const char dept_sql[] =
        "SELECT count(*), count(*) FILTER (WHERE w.net_g <= ?3)"
        " FROM waste_records w WHERE w.department_id = ?1 AND w.business_date = ?2"
        " AND w.stage = 'plate' AND " WASTE_COUNTED("?4")
        " AND NOT EXISTS (SELECT 1 FROM waste_records c WHERE c.corrects = w.id)";
    static const char canteen_sql[] =
        "SELECT count(*), count(*) FILTER (WHERE w.net_g <= ?3)"
        " FROM waste_records w WHERE w.canteen_id = ?1 AND w.business_date = ?2"
        " AND w.stage = 'plate' AND " WASTE_COUNTED("?4")
        " AND NOT EXISTS (SELECT 1 FROM waste_records c WHERE c.corrects = w.id)";
    db_stmt *st = db_prepare(d, dept_id > 0 ? dept_sql : canteen_sql);
    int rc;

    *clean = *trays = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, dept_id > 0 ? dept_id : canteen_id);
    db_bind_text(st, 2, date);
    db_bind_int64(st, 3, clean_g);
    /* as in the metrics: a flagged weighing is neither clean nor a tray */
    db_bind_int(st, 4, WASTE_FLAGS_LEFT_OUT);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *trays = (long)db_col_int64(st, 0);
        *clean = (long)db_col_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading today's clean-plate rate");
}

/* Fills res from the stored record id (or the one with placement, when id is
 * NULL); *found says whether there was one. */
static cp_err load_record(db *d, const char *id, const char *placement, int64_t clean_g,
                          waste_res *res, int *found)
{
    static const char by_id_sql[] =
        "SELECT w.id, w.stage, w.gross_g, w.tare_g, w.net_g, w.flags, coalesce(w.card_no, ''),"
        " coalesce(di.staff_no, ''), coalesce(di.name, ''), coalesce(dep.code, ''),"
        " coalesce(dep.name, ''), c.code, coalesce(w.sale_id, ''), coalesce(p.name, ''),"
        " w.business_date, w.created_at, coalesce(w.category, ''), coalesce(w.reason, ''),"
        " coalesce(w.department_id, 0), w.canteen_id"
        " FROM waste_records w JOIN canteens c ON c.id = w.canteen_id"
        " LEFT JOIN diners di ON di.id = w.diner_id"
        " LEFT JOIN departments dep ON dep.id = w.department_id"
        " LEFT JOIN meal_periods p ON p.id = w.period_id WHERE w.id = ?";
    static const char by_placement_sql[] =
        "SELECT w.id, w.stage, w.gross_g, w.tare_g, w.net_g, w.flags, coalesce(w.card_no, ''),"
        " coalesce(di.staff_no, ''), coalesce(di.name, ''), coalesce(dep.code, ''),"
        " coalesce(dep.name, ''), c.code, coalesce(w.sale_id, ''), coalesce(p.name, ''),"
        " w.business_date, w.created_at, coalesce(w.category, ''), coalesce(w.reason, ''),"
        " coalesce(w.department_id, 0), w.canteen_id"
        " FROM waste_records w JOIN canteens c ON c.id = w.canteen_id"
        " LEFT JOIN diners di ON di.id = w.diner_id"
        " LEFT JOIN departments dep ON dep.id = w.department_id"
        " LEFT JOIN meal_periods p ON p.id = w.period_id WHERE w.placement = ?";
    db_stmt *st = db_prepare(d, id ? by_id_sql : by_placement_sql);
    int64_t dept_id = 0, canteen_id = 0;
    int rc;

    *found = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, id ? id : placement);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *found = 1;
        db_copy_col(res->id, sizeof res->id, st, 0);
        db_copy_col(res->stage, sizeof res->stage, st, 1);
        res->gross_g = db_col_int64(st, 2);
        res->tare_g = db_col_int64(st, 3);
        res->net_g = db_col_int64(st, 4);
        res->flags = db_col_int(st, 5);
        db_copy_col(res->card_no, sizeof res->card_no, st, 6);
        db_copy_col(res->staff_no, sizeof res->staff_no, st, 7);
        db_copy_col(res->name, sizeof res->name, st, 8);
        db_copy_col(res->department_code, sizeof res->department_code, st, 9);
        db_copy_col(res->department, sizeof res->department, st, 10);
        db_copy_col(res->canteen, sizeof res->canteen, st, 11);
        db_copy_col(res->sale_id, sizeof res->sale_id, st, 12);
        db_copy_col(res->period, sizeof res->period, st, 13);
        db_copy_col(res->business_date, sizeof res->business_date, st, 14);
        db_copy_col(res->created_at, sizeof res->created_at, st, 15);
        db_copy_col(res->category, sizeof res->category, st, 16);
        db_copy_col(res->reason, sizeof res->reason, st, 17);
        dept_id = db_col_int64(st, 18);
        canteen_id = db_col_int64(st, 19);
    }
    db_reset(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? CP_OK : db_fail(d, "reading the waste record");
    /* only a weighing that counts is a clean plate: one below its tare, or
     * one no scale can show, was thanked for a clean plate at the station
     * (review U6) while no rate counted it */
    res->clean_plate = strcmp(res->stage, "plate") == 0 &&
                       !(res->flags & (WASTE_FLAG_OVERLOAD | WASTE_FLAG_NEGATIVE |
                                       WASTE_FLAG_IMPOSSIBLE | WASTE_FLAG_VOIDED)) &&
                       res->net_g >= 0 && res->net_g <= clean_g;
    res->rate_of_department = dept_id > 0;
    if (waste_clean_rate(d, dept_id, canteen_id, res->business_date, clean_g, &res->rate_clean,
                         &res->rate_trays))
        return CP_ERR_DB;
    res->rate_pct = res->rate_trays > 0
                        ? (int)((res->rate_clean * 200 + res->rate_trays) / (2 * res->rate_trays))
                        : -1;
    return CP_OK;
}

/* The diner behind a card or a staff number: id, department now, card state. */
typedef struct diner_at {
    int64_t diner_id, department_id;
    char card_status[16];
} diner_at;

static cp_err find_diner(db *d, const waste_req *req, diner_at *who, int *found)
{
    static const char card_sql[] =
        "SELECT di.id, di.department_id, c.status FROM cards c"
        " JOIN diners di ON di.id = c.diner_id WHERE c.card_no = ?";
    static const char staff_sql[] =
        "SELECT di.id, di.department_id, 'active' FROM diners di WHERE di.staff_no = ?";
    db_stmt *st = db_prepare(d, req->card_no ? card_sql : staff_sql);
    int rc;

    *found = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, req->card_no ? req->card_no : req->staff_no);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *found = 1;
        who->diner_id = db_col_int64(st, 0);
        who->department_id = db_col_int64(st, 1);
        db_copy_col(who->card_status, sizeof who->card_status, st, 2);
    }
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading the diner");
}

/* Writes the record inside the caller's transaction; *id gets its id. */
/* Whether the month of at has a red/black list published (*yes). */
static cp_err month_published(db *d, const char *at, int *yes)
{
    db_stmt *st = db_prepare(d, "SELECT " LEDGER_MONTH_PUBLISHED_SQL("?1"));
    int64_t n = 0;
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, at);
    err = db_step_int64(d, st, &n);
    *yes = n > 0;
    return err;
}

static cp_err record_in_txn(db *d, const waste_req *req, waste_res *res, char id[IDS_LEN])
{
    static const char term_sql[] =
        "SELECT t.canteen_id, c.code, t.kind FROM terminals t"
        " JOIN canteens c ON c.id = t.canteen_id WHERE t.code = ?";
    static const char dept_sql[] = "SELECT id FROM departments WHERE code = ?";
    /* The period open now, else the last one that began earlier today: a tray
     * comes back after its meal, sometimes after the period has closed. */
    static const char period_sql[] =
        "SELECT id FROM meal_periods WHERE canteen_id = ?1 AND start_min <= ?2"
        " ORDER BY (end_min > ?2) DESC, start_min DESC LIMIT 1";
    /* The meal of the tray, and the department it was eaten for: a tray
     * weighed before a move and typed in (or sent by a station that was
     * offline) after it counts where its meal counts, not in the diner's
     * department of the day it reached the store. */
    static const char sale_sql[] =
        "SELECT s.id, s.department_id FROM sales s WHERE s.diner_id = ? AND s.business_date = ?"
        " AND s.period_id = ? AND s.canteen_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"
        " ORDER BY s.created_at DESC LIMIT 1";
    static const char insert_sql[] =
        "INSERT INTO waste_records(id, placement, terminal, canteen_id, stage, diner_id,"
        " department_id, card_no, sale_id, period_id, business_date, gross_g, tare_g, net_g,"
        " category, reason, flags, actor, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    char at[CP_TIME_ISO_LEN], date[CP_DATE_LEN], canteen[64] = "", sale_id[IDS_LEN] = "";
    char kind[16] = "";
    int64_t canteen_id = 0, dept_id = 0, diner_id = 0, period_id = 0;
    int plate = strcmp(req->stage, "plate") == 0, flags = 0, found, rc, published = 0;
    diner_at who = {0};
    db_stmt *st;
    cp_time now;
    cp_err err;

    /* an offline weighing is posted when it was weighed (serve checks the
     * time is a recent one), unless its month's red/black list is out: then
     * now, as one weighed at a time the server does not take (a terminal's
     * late trays changed the published ranking; a weighing is never
     * refused) */
    if (req->at && clock_parse(req->at, &now) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "the weighing's time '%s' is not a time like "
                       "2026-11-20T12:30:00", req->at);
    if (req->at && req->offline && (err = month_published(d, req->at, &published)))
        return err;
    if ((!req->at || published) && (err = clock_now(&now)))
        return err;
    clock_iso(&now, at);
    clock_date(&now, date);

    if (!(st = db_prepare(d, term_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, req->terminal);
    rc = db_step(st);
    if (rc == DB_ROW) {
        canteen_id = db_col_int64(st, 0);
        db_copy_col(canteen, sizeof canteen, st, 1);
        db_copy_col(kind, sizeof kind, st, 2);
    }
    db_reset(st);
    if (rc == DB_DONE)
        return cp_fail(CP_ERR_NOT_FOUND, "no terminal '%s': add it with `cleanplate-office "
                       "terminal add %s --canteen CODE --kind waste`", req->terminal,
                       req->terminal);
    if (rc != DB_ROW)
        return db_fail(d, "reading the terminal");
    /* a cash terminal's numbers are its receipts': a weighing would take one */
    if (rc == DB_ROW && strcmp(kind, "waste") != 0)
        return cp_fail(CP_ERR_INVALID, "terminal %s is a cash terminal (%s): give a waste "
                       "station's terminal (`cleanplate-office terminal add W1 --canteen %s "
                       "--kind waste`)", req->terminal, kind, canteen);
    if (req->canteen && strcmp(req->canteen, canteen) != 0)
        return cp_fail(CP_ERR_INVALID, "terminal %s belongs to canteen %s, not %s: give a "
                       "terminal of canteen %s", req->terminal, canteen, req->canteen,
                       req->canteen);

    if (req->card_no || req->staff_no) {
        if ((err = find_diner(d, req, &who, &found)))
            return err;
        if (!found && req->staff_no && !req->card_no)
            return cp_fail(CP_ERR_NOT_FOUND, "no diner with staff number '%s'", req->staff_no);
        if (!found)
            snprintf(res->message, sizeof res->message, _("card %s is not registered: "
                       "recorded as an anonymous tray"), req->card_no);
        else if (strcmp(who.card_status, "active") != 0)
            snprintf(res->message, sizeof res->message, _("card %s is %s: recorded as an "
                       "anonymous tray"), req->card_no, names_builtin(NAMES_CARD, who.card_status));
        else {
            diner_id = who.diner_id;
            dept_id = who.department_id;
        }
    }
    if (!diner_id && req->department) {
        if (!(st = db_prepare(d, dept_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, req->department);
        err = db_step_int64(d, st, &dept_id);
        if (err == CP_ERR_NOT_FOUND)
            return cp_fail(err, "no department '%s': see the departments imported with "
                           "`cleanplate-office import departments`", req->department);
        if (err)
            return err;
    }

    if (!(st = db_prepare(d, period_sql)))
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    db_bind_int(st, 2, clock_minute_of_day(&now));
    err = db_step_int64(d, st, &period_id);
    if (err && err != CP_ERR_NOT_FOUND)
        return err;

    if (diner_id && period_id) {
        if (!(st = db_prepare(d, sale_sql)))
            return CP_ERR_DB;
        db_bind_int64(st, 1, diner_id);
        db_bind_text(st, 2, date);
        db_bind_int64(st, 3, period_id);
        db_bind_int64(st, 4, canteen_id);
        rc = db_step(st);
        if (rc == DB_ROW) {
            db_copy_col(sale_id, sizeof sale_id, st, 0);
            dept_id = db_col_int64(st, 1);
        }
        db_reset(st);
        if (rc != DB_ROW && rc != DB_DONE)
            return db_fail(d, "reading the diner's sales");
    }

    if (req->gross_g - req->tare_g < 0)
        flags |= WASTE_FLAG_NEGATIVE;
    if (req->overload)
        flags |= WASTE_FLAG_OVERLOAD;
    if (req->manual)
        flags |= WASTE_FLAG_MANUAL;
    if (plate && !diner_id && !dept_id)
        flags |= WASTE_FLAG_ANONYMOUS;
    if (plate && diner_id && !sale_id[0])
        flags |= WASTE_FLAG_NO_MEAL;

    if ((err = ids_next(d, req->terminal, id)))
        return err;
    if (!(st = db_prepare(d, insert_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, id);
    db_bind_text(st, 2, req->placement);
    db_bind_text(st, 3, req->terminal);
    db_bind_int64(st, 4, canteen_id);
    db_bind_text(st, 5, req->stage);
    if (diner_id)
        db_bind_int64(st, 6, diner_id);
    else
        db_bind_null(st, 6);
    if (dept_id)
        db_bind_int64(st, 7, dept_id);
    else
        db_bind_null(st, 7);
    db_bind_text(st, 8, req->card_no);
    db_bind_text(st, 9, sale_id[0] ? sale_id : NULL);
    if (period_id)
        db_bind_int64(st, 10, period_id);
    else
        db_bind_null(st, 10);
    db_bind_text(st, 11, date);
    db_bind_int64(st, 12, req->gross_g);
    db_bind_int64(st, 13, req->tare_g);
    db_bind_int64(st, 14, req->gross_g - req->tare_g);
    db_bind_text(st, 15, req->category && *req->category ? req->category : NULL);
    db_bind_text(st, 16, req->reason && *req->reason ? req->reason : NULL);
    db_bind_int(st, 17, flags);
    db_bind_text(st, 18, req->actor);
    db_bind_text(st, 19, at);
    if ((err = db_step_done(d, st, "saving the waste record")))
        return err;
    /* every weighing is an audited event; a typed-in one says so */
    if ((err = audit_event(d, req->actor, req->terminal, "waste.record", id,
                           req->manual ? "typed in by hand" : NULL, NULL)))
        return err;
    return CP_OK;
}

/* One attempt at a weighing: its whole transaction. */
static cp_err record_once(db *d, const waste_req *req, waste_res *res)
{
    int64_t clean_g = req->clean_plate_g >= 0 ? req->clean_plate_g : WASTE_CLEAN_PLATE_G;
    char id[IDS_LEN];
    int found = 0;
    cp_err err;

    memset(res, 0, sizeof *res);
    if ((err = db_begin_shared(d)))
        return err;
    if (req->placement) {
        if ((err = load_record(d, NULL, req->placement, clean_g, res, &found)))
            goto out;
        if (found) {
            res->repeated = 1;
            goto out;
        }
    }
    if ((err = record_in_txn(d, req, res, id)))
        goto out;
    if ((err = load_record(d, id, NULL, clean_g, res, &found)))
        goto out;
    if (!found)
        err = cp_fail(CP_ERR_DB, "waste record %s vanished after it was written", id);
    else if (req->also)
        err = req->also(d, res, req->also_arg);
out:
    if (err) {
        db_rollback(d);
        return err;
    }
    if (res->repeated) {
        db_rollback(d); /* nothing was written */
        return CP_OK;
    }
    return db_commit(d);
}

/* What can be said of req without the store. */
static cp_err check_req(const waste_req *req)
{
    cp_err err;

    if (!req->terminal || !*req->terminal || !req->actor)
        return cp_fail(CP_ERR_INVALID, "a weighing needs a terminal and an actor");
    if ((err = waste_stage_valid(req->stage)))
        return err;
    /* the metrics rank departments by their diners' trays: a department's
     * leftovers weighed without a diner are no tray of theirs, and were
     * counted as nobody's while the answer named the department */
    if (strcmp(req->stage, "plate") == 0 && req->department && !req->card_no && !req->staff_no)
        return cp_fail(CP_ERR_INVALID, "a plate weighing is one diner's tray: give --staff-no "
                       "(or --canteen for a tray of nobody's); a department's leftovers without "
                       "a diner cannot be counted per tray");
    if (strcmp(req->stage, "plate") != 0 && (req->card_no || req->staff_no))
        return cp_fail(CP_ERR_INVALID, "a %s weighing is kitchen waste: it has no diner "
                       "(give a department or nothing)", names_builtin(NAMES_STAGE, req->stage));
    if (req->tare_g < 0)
        return cp_fail(CP_ERR_INVALID, "the tare cannot be negative (%lld g)",
                       (long long)req->tare_g);
    if (req->tare_g > WASTE_MAX_G || req->gross_g > WASTE_MAX_G || req->gross_g < -WASTE_MAX_G)
        return cp_fail(CP_ERR_INVALID, "%lld g gross, %lld g tare: a weighing is at most %lld g "
                       "(10 t) either way", (long long)req->gross_g, (long long)req->tare_g,
                       (long long)WASTE_MAX_G);
    return CP_OK;
}

cp_err waste_record(db *d, const waste_req *req, waste_res *res)
{
    cp_err err;
    int retries = 0;

    memset(res, 0, sizeof *res);
    if ((err = check_req(req)))
        return err;
    /* a weighing that met another on PostgreSQL (db_conflict: the same
     * placement sent twice at once, or any meeting when SERIALIZABLE) runs
     * again and finds what the other wrote */
    while ((err = record_once(d, req, res)) && db_conflict(d) &&
           retries < DB_SHARED_ATTEMPTS - 1)
        db_back_off(++retries);
    return err;
}

cp_err waste_record_batch(db *d, const waste_req *reqs, size_t n, size_t *failed)
{
    char id[IDS_LEN];
    waste_res res;
    cp_err err = CP_OK;

    *failed = n;
    for (size_t i = 0; i < n; i++)
        if ((err = check_req(&reqs[i]))) {
            *failed = i;
            return err;
        }
    if ((err = db_begin(d)))
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        memset(&res, 0, sizeof res);
        if ((err = record_in_txn(d, &reqs[i], &res, id)) && !cp_err_is_system(err))
            *failed = i; /* a full disk or a store that cannot be written: no line's fault */
    }
    if (err) {
        db_rollback(d);
        return err;
    }
    return db_commit(d);
}

/* ---- corrections ------------------------------------------------------------ */

/* The weighing id's flags, the id of its correction if it has one, and the
 * terminal whose numbers the correction takes; *found says whether it is. */
static cp_err read_for_correction(db *d, const char *id, int *flags, char corrected[IDS_LEN],
                                  char terminal[64], int *found)
{
    static const char sql[] =
        "SELECT w.flags, coalesce((SELECT min(k.id) FROM waste_records k WHERE k.corrects = w.id),"
        " ''), w.terminal FROM waste_records w WHERE w.id = ?";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    *found = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, id);
    if ((rc = db_step(st)) == DB_ROW) {
        *found = 1;
        *flags = db_col_int(st, 0);
        db_copy_col(corrected, IDS_LEN, st, 1);
        db_copy_col(terminal, 64, st, 2);
    }
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading the weighing");
}

/* Writes the correction of id in the caller's transaction. */
static cp_err correct_in_txn(db *d, const char *id, int64_t grams, const char *reason,
                             const char *actor, char new_id[IDS_LEN])
{
    /* the tray as it was (diner, department, meal, day), with the weight
     * it should have had, or the weights it had when it is taken back */
    static const char insert_sql[] =
        "INSERT INTO waste_records(id, placement, terminal, canteen_id, stage, diner_id,"
        " department_id, card_no, sale_id, period_id, business_date, gross_g, tare_g, net_g,"
        " category, reason, flags, actor, created_at, corrects)"
        " SELECT ?1, NULL, w.terminal, w.canteen_id, w.stage, w.diner_id, w.department_id,"
        " w.card_no, w.sale_id, w.period_id, w.business_date,"
        " CASE WHEN ?2 < 0 THEN w.gross_g ELSE ?2 END, CASE WHEN ?2 < 0 THEN w.tare_g ELSE 0 END,"
        " CASE WHEN ?2 < 0 THEN w.net_g ELSE ?2 END, w.category, w.reason, ?3, ?4, ?5, w.id"
        " FROM waste_records w WHERE w.id = ?6";
    /* the reason, 200 characters of up to 4 bytes, whole */
    char corrected[IDS_LEN], terminal[64], at[CP_TIME_ISO_LEN], detail[IDS_LEN + 16 + 800];
    int flags, found;
    db_stmt *st;
    cp_err err;

    if ((err = read_for_correction(d, id, &flags, corrected, terminal, &found)))
        return err;
    if (!found)
        return cp_fail(CP_ERR_NOT_FOUND, "no weighing '%s' (its id is on the station's answer "
                       "and in `cleanplate-office import weighings`' output, like W1-000073)", id);
    if (corrected[0])
        return cp_fail(CP_ERR_EXISTS, "weighing %s was corrected already, by %s: correct %s",
                       id, corrected, corrected);
    /* what the new record says of itself: typed in; the tray's meal (or its
     * lack) and its being nobody's stay; the scale's flags go with the old
     * weight; a record taken back counts nowhere */
    flags = (flags & (WASTE_FLAG_NO_MEAL | WASTE_FLAG_ANONYMOUS)) | WASTE_FLAG_MANUAL |
            (grams < 0 ? WASTE_FLAG_VOIDED : 0);
    if ((err = clock_now_iso(at)) || (err = ids_next(d, terminal, new_id)))
        return err;
    if (!(st = db_prepare(d, insert_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, new_id);
    db_bind_int64(st, 2, grams);
    db_bind_int(st, 3, flags);
    db_bind_text(st, 4, actor);
    db_bind_text(st, 5, at);
    db_bind_text(st, 6, id);
    if ((err = db_step_done(d, st, "saving the correction")))
        return err;
    utf8_format(detail, sizeof detail, "corrects %s: %s", id, reason);
    return audit_event(d, actor, NULL, "waste.record", new_id, detail, NULL);
}

cp_err waste_correct(db *d, const char *id, int64_t grams, const char *reason,
                     const char *actor, char new_id[IDS_LEN])
{
    cp_err err;

    if (!reason || !*reason || strpbrk(reason, "\r\n") || utf8_chars(reason) > 200)
        return cp_fail(CP_ERR_INVALID, "give why on one line of at most 200 characters: "
                       "--reason TEXT");
    if (grams > WASTE_MAX_TYPED_G)
        return cp_fail(CP_ERR_INVALID, "%lld g: a weighing typed by hand is at most %lld g",
                       (long long)grams, (long long)WASTE_MAX_TYPED_G);
    if ((err = db_begin(d)))
        return err;
    if ((err = correct_in_txn(d, id, grams, reason, actor, new_id))) {
        db_rollback(d);
        return err;
    }
    return db_commit(d);
}
