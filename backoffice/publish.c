/* publish: immutable red/black lists as PDF, CSV and HTML, recorded in a hash chain.
 *
 * What is hashed:
 *   content_hash  the canonical JSON (sorted keys, compact) of the kind, the
 *                 period, the rules and the published rows, so that it can be
 *                 recomputed from the database at any time;
 *   files         each written file's own hash, kept as JSON {"name": "hash"};
 *   hash          the fields of the publication (prev_hash, id, kind, period,
 *                 version, reason, corrects, rules, content_hash, files, actor,
 *                 created_at), chaining it to the publication before it. */
#include "backoffice/publish.h"
#include "backoffice/publish_int.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoffice/text.h"
#include "core/audit.h"
#include "core/clock.h"
#include "core/hash.h"
#include "core/nls.h"
#include "core/terminals.h"
#include "core/verify.h"

static const char genesis[] = "cleanplate-publications-v1";
static const char *const exts[3] = {"pdf", "csv", "html"};

/* The rules a list was made with, as a JSON object. */
static json_t *rules_json(const metrics_opts *o)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:s?, s:s}", "clean_threshold_g",
                     o->clean_threshold_g, "min_meals", o->min_meals, "min_coverage_pct",
                     o->min_coverage_pct, "min_diners", METRICS_MIN_DINERS, "red", o->red,
                     "black", o->black, "canteen", o->canteen, "order",
                     "g_per_tray ascending, then clean_rate descending, then code");
}

/* One published row as JSON (integers only, so the hash is exact). A row
 * that cannot be (a name or code that is not UTF-8, which JSON cannot hold
 * as it is) is an error naming it, never a row silently left out of the
 * hash: replacing its bytes would let another edit of them hash the same. */
static cp_err row_json(const metrics_row *r, json_t **out)
{
    json_t *o = NULL;

    *out = NULL;
    if (!text_utf8_valid(r->code) || !text_utf8_valid(r->name))
        return cp_fail(CP_ERR_PARSE, "the name of department %s (rank %d) is not UTF-8 text: "
                       "import the departments again from a UTF-8 file", r->code, r->rank);
    o = json_pack("{s:i, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:o}", "rank",
                  r->rank, "code", r->code, "name", r->name, "list", r->list, "meals",
                  (json_int_t)r->meals, "diners", (json_int_t)r->diners, "trays",
                  (json_int_t)r->trays, "plate_g", (json_int_t)r->plate_g, "g_per_tray_x10",
                  (json_int_t)r->g_per_tray_x10, "clean_rate_permille", r->clean_rate_permille,
                  "coverage_permille", r->coverage_permille, "change_x10",
                  r->has_change ? json_integer(r->change_x10) : json_null());
    if (!o)
        return cp_fail(CP_ERR_NOMEM, "out of memory hashing the row of department %s",
                       r->code);
    *out = o;
    return CP_OK;
}

/* Appends row_json(r) to rows; an error when it cannot be made or appended. */
static cp_err append_row(json_t *rows, const metrics_row *r)
{
    json_t *o;
    cp_err err = row_json(r, &o);

    if (!err && json_array_append_new(rows, o) != 0)
        err = cp_fail(CP_ERR_NOMEM, "out of memory hashing the row of department %s", r->code);
    return err;
}

/* content_hash of period, rules (canonical text) and rows (a JSON array). */
static cp_err content_hash(const char *period, const char *rules, json_t *rows,
                           char out[HASH_HEX_LEN])
{
    json_t *r = json_loads(rules, 0, NULL);
    json_t *all;
    char *text;

    if (!r)
        return cp_fail(CP_ERR_PARSE, "the rules of a publication are not JSON");
    all = json_pack("{s:s, s:s, s:o, s:O}", "kind", "redblack", "period", period, "rules", r,
                    "rows", rows);
    if (!all)
        return cp_fail(CP_ERR_PARSE, "the publication of %s cannot be hashed: its period or "
                       "rows are not JSON text", period);
    text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(all);
    if (!text)
        return cp_fail(CP_ERR_NOMEM, "out of memory hashing a publication");
    hash_bytes(text, strlen(text), out);
    free(text);
    return CP_OK;
}

static void chain_hash(const char *prev, const char *id, const char *period, int version,
                       const char *reason, const char *corrects, const char *rules,
                       const char *content, const char *files, const char *actor,
                       const char *at, char out[HASH_HEX_LEN])
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *fields[] = {prev, id, "redblack", period, v, reason, corrects,
                            rules, content, files, actor, at};
    hash_fields(fields, sizeof fields / sizeof fields[0], out);
}

/* ---- recording --------------------------------------------------------------- */

/* Refuses a month with no meals and no weighings at all: its list would be
 * empty, and a publication can never be taken back. (A list is every
 * canteen's: publish_redblack refuses o->canteen before.) */
static cp_err refuse_empty(db *d, const metrics_span *span, const metrics_opts *o)
{
    metrics_summary sum;
    cp_err err = metrics_summarize(d, span, o, &sum);
    int empty = !err && !metrics_summary_has_data(&sum);

    metrics_summary_free(&sum);
    if (empty)
        err = cp_fail(CP_ERR_INVALID, "%s has no meals and no weighings: there is nothing to "
                      "publish; check --month, and that the terminals' and stations' records "
                      "have reached this database", span->label);
    return err;
}

/* Refuses a month whose rollups or diners differ from its records (verify's
 * check of them, core/verify.h): the list is made from those, and a
 * publication can never be taken back. In the report's snapshot. */
static cp_err refuse_underived(db *d, const metrics_span *span)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    long n = 0;
    cp_err err;

    if (!f)
        return cp_fail(CP_ERR_NOMEM, "out of memory checking the month's figures");
    err = verify_derived(d, span->from, span->to, f, &n);
    fclose(f);
    if (!err && n > 0) {
        text[strcspn(text, "\n")] = '\0';
        err = cp_fail(CP_ERR_INVALID, "%s: the figures the list is made from differ from the "
                      "records (%ld found; the first: %s): run `cleanplate-office rollup --month "
                      "%s --redo`, then `cleanplate-office verify`", span->label, n, text,
                      span->label);
    }
    free(text);
    return err;
}

/* The newest version of period (0 when unpublished) and its id, and the hash
 * at the end of the whole chain. */
/* Whether path is missing and path.part holds the content hashed want: the
 * files of a publish cut off (killed, a power cut) after it recorded the
 * publication and before it renamed them. */
static int part_holds(const char *path, const char *want)
{
    char part[1100], got[HASH_HEX_LEN];

    snprintf(part, sizeof part, "%s.part", path);
    return access(path, F_OK) != 0 && errno == ENOENT && hash_file(part, got) == CP_OK &&
           strcmp(got, want) == 0;
}

/* Renames into out_dir the files of publication id that a publish cut off
 * left under their .part names (part_holds), counting them into *renamed. */
static cp_err finish_cut_off(db *d, const char *id, const char *out_dir, int *renamed)
{
    db_stmt *st = db_prepare(d, "SELECT files FROM publications WHERE id = ?");
    json_t *files = NULL, *h;
    const char *name;
    cp_err err = CP_OK;
    int rc;

    *renamed = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, id);
    if ((rc = db_step(st)) == DB_ROW)
        files = json_loads(db_col_text(st, 0), 0, NULL);
    db_reset(st);
    if (rc != DB_ROW)
        return rc == DB_DONE ? CP_OK : db_fail(d, "reading the publication's files");
    json_object_foreach(files, name, h) {
        char path[1024], part[1100];
        snprintf(path, sizeof path, "%s/%s", out_dir, name);
        snprintf(part, sizeof part, "%s.part", path);
        if (!part_holds(path, json_string_value(h)))
            continue;
        if (rename(part, path) != 0) {
            err = cp_fail(CP_ERR_IO, "could not rename %s to %s: %s", part, path, strerror(errno));
            break;
        }
        (*renamed)++;
    }
    json_decref(files);
    return err;
}

static cp_err latest(db *d, const char *period, int *version, char id[64],
                     char chain_tip[HASH_HEX_LEN])
{
    static const char ver_sql[] =
        "SELECT version, id FROM publications WHERE kind = 'redblack' AND period = ?"
        " ORDER BY version DESC LIMIT 1";
    static const char tip_sql[] = "SELECT hash FROM publications ORDER BY rowid DESC LIMIT 1";
    db_stmt *st = db_prepare(d, ver_sql);
    int rc;

    *version = 0;
    id[0] = '\0';
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, period);
    if ((rc = db_step(st)) == DB_ROW) {
        *version = db_col_int(st, 0);
        snprintf(id, 64, "%s", db_col_text(st, 1));
    }
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_fail(d, "reading publications");
    if (!(st = db_prepare(d, tip_sql)))
        return CP_ERR_DB;
    if ((rc = db_step(st)) == DB_ROW)
        snprintf(chain_tip, HASH_HEX_LEN, "%s", db_col_text(st, 0));
    else
        snprintf(chain_tip, HASH_HEX_LEN, "%s", genesis);
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading publications");
}

static cp_err insert_rows(db *d, const char *pub_id, const metrics_table *t)
{
    static const char sql[] =
        "INSERT INTO publication_rows(publication_id, rank, code, name, list, meals, diners,"
        " trays, plate_g, g_per_tray_x10, clean_rate_permille, coverage_permille, change_x10)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    cp_err err;

    for (size_t i = 0; i < t->n && t->rows[i].eligible; i++) {
        const metrics_row *r = &t->rows[i];
        db_stmt *st = db_prepare(d, sql);
        if (!st)
            return CP_ERR_DB;
        db_bind_text(st, 1, pub_id);
        db_bind_int(st, 2, r->rank);
        db_bind_text(st, 3, r->code);
        db_bind_text(st, 4, r->name);
        db_bind_text(st, 5, r->list);
        db_bind_int64(st, 6, r->meals);
        db_bind_int64(st, 7, r->diners);
        db_bind_int64(st, 8, r->trays);
        db_bind_int64(st, 9, r->plate_g);
        db_bind_int64(st, 10, r->g_per_tray_x10);
        db_bind_int(st, 11, r->clean_rate_permille);
        db_bind_int(st, 12, r->coverage_permille);
        if (r->has_change)
            db_bind_int64(st, 13, r->change_x10);
        if ((err = db_step_done(d, st, "saving a published row")))
            return err;
    }
    return CP_OK;
}

/* Refuses to publish span while a networked terminal may still hold events
 * of it (terminals_undelivered: one that was last heard before the month
 * ended, or that reported events pending while its newest applied event is
 * of the month or before), unless forced with a reason; a forced
 * publication says so in its reason, which the chain hashes (no column
 * needed: the hashes of older rows stay as they are). *reason gets what is
 * recorded (NULL when none; the caller frees it). */
/* What of the span was written (append-only rows: a count grows with
 * each): its sales, the voids of them and its weighings, into n[3]. Read
 * with the list, and again where the publication is recorded: a meal or a
 * tray that came in between (an offline one of the month, while the files
 * were written) would be under a list computed without it (review K2-1). */
static cp_err month_written(db *d, const metrics_span *span, int64_t n[3])
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM sales WHERE business_date BETWEEN ?1 AND ?2),"
        " (SELECT count(*) FROM voids v JOIN sales s ON s.id = v.sale_id"
        "   WHERE s.business_date BETWEEN ?1 AND ?2),"
        " (SELECT count(*) FROM waste_records WHERE business_date BETWEEN ?1 AND ?2)";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, span->to);
    if ((rc = db_step(st)) == DB_ROW)
        for (int k = 0; k < 3; k++)
            n[k] = db_col_int64(st, k);
    db_reset(st);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading the month's records");
}

static cp_err check_delivered(db *d, const metrics_span *span, const publish_req *req,
                              char **reason)
{
    char end[CP_TIME_ISO_LEN], code[64], why[128];
    cp_time last;
    cp_err err;

    *reason = NULL;
    if ((err = clock_parse_date(span->to, &last)))
        return err;
    last = clock_add_seconds(&last, 24 * 3600); /* the first second after the span */
    clock_iso(&last, end);
    if ((err = terminals_undelivered(d, end, code, why)))
        return err;
    if (!code[0]) {
        /* the reason, whole, when the month was delivered */
        if (req->reason && *req->reason && !(*reason = strdup(req->reason)))
            return cp_fail(CP_ERR_NOMEM, "out of memory");
        return CP_OK;
    }
    if (!req->force)
        return cp_fail(CP_ERR_INVALID, "terminal %s may not have delivered all its events of "
                       "%s: %s; bring it online until it reports nothing pending "
                       "(`cleanplate-office terminals`), or publish with --force --reason TEXT",
                       code, span->label,
                       strcmp(why, "last_contact") == 0
                           ? _("it was last heard before the month ended")
                           : _("it still reports events pending from before the month's end"));
    if (!req->reason || !*req->reason)
        return cp_fail(CP_ERR_INVALID, "--force needs --reason TEXT: why publish before "
                       "terminal %s delivered its events", code);
    if (asprintf(reason, "forced before terminal %s delivered (%s): %s", code, why,
                 req->reason) < 0) {
        *reason = NULL;
        return cp_fail(CP_ERR_NOMEM, "out of memory");
    }
    return CP_OK;
}

cp_err publish_redblack(db *d, const publish_req *req, publish_res *res)
{
    static const char insert_sql[] =
        "INSERT INTO publications(id, kind, period, version, reason, corrects, rules,"
        " content_hash, files, prev_hash, hash, actor, created_at)"
        " VALUES (?, 'redblack', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    char prev_id[64], tip[HASH_HEX_LEN], at[CP_TIME_ISO_LEN];
    char tmp[3][600], *rules = NULL, *files = NULL;
    json_t *rows = NULL, *files_obj = json_object(), *rj = NULL;
    metrics_table *t = NULL;
    char *reason = NULL;
    metrics_span span;
    db_stmt *st;
    int64_t seen[3] = {0}, now_written[3] = {0};
    int version, written = 0;
    cp_time now;
    cp_err err;

    memset(res, 0, sizeof *res);
    /* A list is numbered by its month alone: one of a single canteen would
     * be the month's next version, correcting (replacing) the list of every
     * canteen, and its files would not say whose it is. */
    if (req->opts.canteen) {
        err = cp_fail(CP_ERR_INVALID, "--canteen: a month's red/black list is published for "
                      "every canteen of the store at once (a list of one canteen would replace "
                      "it); see one canteen's with metrics --canteen %s or report monthly "
                      "--canteen %s", req->opts.canteen, req->opts.canteen);
        goto out;
    }
    if ((err = metrics_span_parse(req->month, NULL, &span)) || (err = clock_now(&now)))
        goto out;
    clock_iso(&now, at);
    if (strncmp(at, span.to, 10) <= 0) { /* today is still in the month */
        err = cp_fail(CP_ERR_INVALID, "%s is not over yet (today is %.10s): publish a month "
                      "after its last day", span.label, at);
        goto out;
    }
    if ((err = check_delivered(d, &span, req, &reason)))
        goto out;
    if ((err = latest(d, span.label, &version, prev_id, tip)))
        goto out;
    if (version > 0 && !reason) {
        /* the same command again, after one cut off before its renames:
         * it finishes that one */
        if ((err = finish_cut_off(d, prev_id, req->out_dir, &res->finished)))
            goto out;
        if (res->finished > 0) {
            snprintf(res->id, sizeof res->id, "%s", prev_id);
            res->version = version;
            goto out;
        }
        err = cp_fail(CP_ERR_EXISTS, "%s is already published (%s); to correct it, publish "
                      "again with --reason \"what is corrected\"", span.label, prev_id);
        goto out;
    }
    res->version = version + 1;
    snprintf(res->id, sizeof res->id, "redblack-%s-v%d", span.label, res->version);
    /* the list and the check that the month has records read one snapshot */
    if ((err = metrics_begin_read(d, &span, 1, &req->opts)))
        goto out;
    err = refuse_empty(d, &span, &req->opts);
    if (!err)
        err = refuse_underived(d, &span);
    if (!err)
        err = month_written(d, &span, seen);
    if (!err)
        err = metrics_departments(d, &span, &req->opts, &t);
    db_rollback(d);
    if (err)
        goto out;

    if (!(rows = json_array())) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory hashing the publication");
        goto out;
    }
    for (size_t i = 0; i < t->n && t->rows[i].eligible; i++) {
        if ((err = append_row(rows, &t->rows[i])))
            goto out;
        res->rows++;
        res->red += t->rows[i].list && strcmp(t->rows[i].list, "red") == 0;
        res->black += t->rows[i].list && strcmp(t->rows[i].list, "black") == 0;
    }
    rj = rules_json(&req->opts);
    if (!(rules = json_dumps(rj, JSON_COMPACT | JSON_SORT_KEYS))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory recording the rules");
        goto out;
    }
    if ((err = content_hash(span.label, rules, rows, res->content_hash)))
        goto out;

    if (mkdir(req->out_dir, 0755) != 0 && errno != EEXIST) {
        err = cp_fail(CP_ERR_IO, "cannot create %s: %s", req->out_dir, strerror(errno));
        goto out;
    }
    for (int k = 0; k < 3; k++) {
        snprintf(res->paths[k], sizeof res->paths[k], "%s/%s.%s", req->out_dir, res->id, exts[k]);
        snprintf(tmp[k], sizeof tmp[k], "%s.part", res->paths[k]);
    }
    /* a head sealed now existed before the files: they can vouch for it,
     * and for every terminal's chain up to then (audit_seal) */
    if ((err = audit_seal(d, req->actor, res->audit_head_before)))
        goto out;
    if ((err = publish_write_pdf(tmp[0], t, res, reason, version ? prev_id : NULL, at, req->font)))
        goto out;
    written = 1;
    if ((err = publish_write_csv(tmp[1], t)))
        goto out;
    written = 2;
    if ((err = publish_write_html(tmp[2], t, res, reason, version ? prev_id : NULL, at)))
        goto out;
    written = 3;
    for (int k = 0; k < 3; k++) {
        char h[HASH_HEX_LEN];
        const char *name = strrchr(res->paths[k], '/') + 1;
        if ((err = hash_file(tmp[k], h)))
            goto out;
        json_object_set_new(files_obj, name, json_string(h));
    }
    files = json_dumps(files_obj, JSON_COMPACT | JSON_SORT_KEYS);

    /* The chain's tip is read again inside the transaction, and the hash
     * made there: another publication (of any month) committed since the
     * first look would otherwise be followed twice, forking the chain. */
    if ((err = db_begin(d)))
        goto out;
    {
        char again_id[64];
        int again;
        if ((err = latest(d, span.label, &again, again_id, tip)))
            goto fail;
        if (again != version) {
            err = cp_fail(CP_ERR_EXISTS, "%s was published by someone else meanwhile (%s): "
                          "nothing was recorded; see `cleanplate-office publications`",
                          span.label, again_id);
            goto fail;
        }
        /* under the writers' lock: nothing of the month comes in now */
        if ((err = month_written(d, &span, now_written)))
            goto fail;
        if (memcmp(seen, now_written, sizeof seen) != 0) {
            err = cp_fail(CP_ERR_BUSY, "records of %s came in while its list was made (%lld "
                          "sales, %lld voids, %lld weighings, then %lld, %lld, %lld): nothing "
                          "was recorded; publish again", span.label, (long long)seen[0],
                          (long long)seen[1], (long long)seen[2], (long long)now_written[0],
                          (long long)now_written[1], (long long)now_written[2]);
            goto fail;
        }
    }
    chain_hash(tip, res->id, span.label, res->version, reason, version ? prev_id : NULL, rules,
               res->content_hash, files, req->actor, at, res->hash);
    if (!(st = db_prepare(d, insert_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, res->id);
    db_bind_text(st, 2, span.label);
    db_bind_int(st, 3, res->version);
    db_bind_text(st, 4, reason);
    db_bind_text(st, 5, version ? prev_id : NULL);
    db_bind_text(st, 6, rules);
    db_bind_text(st, 7, res->content_hash);
    db_bind_text(st, 8, files);
    db_bind_text(st, 9, tip);
    db_bind_text(st, 10, res->hash);
    db_bind_text(st, 11, req->actor);
    db_bind_text(st, 12, at);
    if ((err = db_step_done(d, st, "recording the publication")) ||
        (err = insert_rows(d, res->id, t)) ||
        (err = audit_event(d, req->actor, NULL, "publish.redblack", res->id, res->hash,
                           res->audit_head)))
        goto fail;
    if ((err = db_commit(d)))
        goto out;
    /* recorded: now the files take their final names, and none is removed
     * whatever happens (one that cannot be renamed is renamed by hand) */
    written = 0;
    for (int k = 0; k < 3; k++) {
        if (rename(tmp[k], res->paths[k]) != 0 && !err)
            err = cp_fail(CP_ERR_IO, "published %s, but could not rename %s to %s: %s; the "
                          "file is kept: rename it by hand, then check with verify --out %s",
                          res->id, tmp[k], res->paths[k], strerror(errno), req->out_dir);
    }
    goto out;
fail:
    db_rollback(d);
out:
    for (int k = 0; k < written; k++)
        unlink(tmp[k]);
    metrics_free(t);
    json_decref(rows);
    json_decref(rj);
    json_decref(files_obj);
    free(rules);
    free(files);
    free(reason);
    return err;
}

cp_err publish_list(db *d, FILE *f)
{
    static const char sql[] =
        "SELECT p.id, p.created_at, p.actor, coalesce(p.reason, ''), p.hash,"
        " (SELECT count(*) FROM publication_rows r WHERE r.publication_id = p.id)"
        " FROM publications p ORDER BY rowid";
    db_stmt *st = db_prepare(d, sql);
    int rc, n = 0;

    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *reason = db_col_text(st, 3);
        fprintf(f, _("%-24s %s  by %-12s %3d departments  hash %.16s…%s%s\n"),
                db_col_text(st, 0), db_col_text(st, 1),
                db_col_text(st, 2), db_col_int(st, 5),
                db_col_text(st, 4), *reason ? "  reason: " : "", reason);
        n++;
    }
    db_reset(st);
    if (rc != DB_DONE)
        return db_fail(d, "reading publications");
    if (n == 0)
        fprintf(f, _("nothing published yet: cleanplate-office publish redblack --month YYYY-MM "
                     "--out DIR\n"));
    return CP_OK;
}

/* The published rows of pub_id as the JSON array that was hashed; a row that
 * cannot be made JSON again is CP_ERR_PARSE naming it. */
static cp_err stored_rows(db *d, const char *pub_id, json_t **out)
{
    static const char sql[] =
        "SELECT rank, code, name, list, meals, diners, trays, plate_g, g_per_tray_x10,"
        " clean_rate_permille, coverage_permille, change_x10 FROM publication_rows"
        " WHERE publication_id = ? ORDER BY rank";
    db_stmt *st = db_prepare(d, sql);
    json_t *rows = json_array();
    cp_err err = CP_OK;
    int rc;

    *out = NULL;
    if (!st || !rows) {
        json_decref(rows);
        return st ? cp_fail(CP_ERR_NOMEM, "out of memory reading published rows") : CP_ERR_DB;
    }
    db_bind_text(st, 1, pub_id);
    while ((rc = db_step(st)) == DB_ROW) {
        metrics_row r = {0};
        r.rank = db_col_int(st, 0);
        /* a code longer than any import allows was changed: cut, it hashes apart */
        snprintf(r.code, sizeof r.code, "%s", db_col_text(st, 1));
        r.name = (char *)db_col_text(st, 2); /* borrowed until the next step */
        r.list = db_col_is_null(st, 3) ? NULL
                 : strcmp(db_col_text(st, 3), "red") == 0 ? "red"
                                                                                : "black";
        r.meals = db_col_int64(st, 4);
        r.diners = db_col_int64(st, 5);
        r.trays = db_col_int64(st, 6);
        r.plate_g = db_col_int64(st, 7);
        r.g_per_tray_x10 = db_col_int64(st, 8);
        r.clean_rate_permille = db_col_int(st, 9);
        r.coverage_permille = db_col_int(st, 10);
        r.has_change = !db_col_is_null(st, 11);
        r.change_x10 = db_col_int64(st, 11);
        if ((err = append_row(rows, &r)))
            break;
    }
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading published rows");
    if (err) {
        json_decref(rows);
        return err;
    }
    *out = rows;
    return CP_OK;
}

/* Appends "rank code list;" of a department on a list to *out (grown). */
static int list_entry(char **out, size_t *len, int rank, const char *code, const char *list)
{
    char one[96];
    int n = snprintf(one, sizeof one, "%d %s %s;", rank, code, list);
    char *p = realloc(*out, *len + (size_t)n + 1);

    if (!p)
        return -1;
    memcpy(p + *len, one, (size_t)n + 1);
    *out = p;
    *len += (size_t)n;
    return 0;
}

cp_err publish_lists_differ(db *d, const char *pub_id, const metrics_table *t, int *differ)
{
    static const char sql[] = "SELECT rank, code, list FROM publication_rows"
                              " WHERE publication_id = ? AND list IS NOT NULL ORDER BY rank";
    char *now = NULL, *then = NULL;
    size_t now_len = 0, then_len = 0;
    cp_err err = CP_OK;
    db_stmt *st;
    int rc;

    *differ = 0;
    for (size_t i = 0; i < t->n; i++) {
        const metrics_row *r = &t->rows[i];
        if (r->list && list_entry(&now, &now_len, r->rank, r->code, r->list)) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory comparing the lists");
            goto out;
        }
    }
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto out;
    }
    db_bind_text(st, 1, pub_id);
    while ((rc = db_step(st)) == DB_ROW)
        if (list_entry(&then, &then_len, db_col_int(st, 0), db_col_text(st, 1),
                       db_col_text(st, 2))) {
            db_reset(st);
            err = cp_fail(CP_ERR_NOMEM, "out of memory comparing the lists");
            goto out;
        }
    db_reset(st);
    if (rc != DB_DONE) {
        err = db_fail(d, "reading the published lists");
        goto out;
    }
    /* both in rank order: the metrics' rows are sorted by rank, listed first */
    *differ = now_len != then_len || (now_len && strcmp(now, then) != 0);
out:
    free(now);
    free(then);
    return err;
}

/* Reports each published list's file in out_dir (redblack-*.pdf, .csv,
 * .html) that no publication names (known: a JSON object of the names): a
 * list whose publication was removed from the store would otherwise pass,
 * its files still out for people to read. */
static cp_err orphan_files(const char *out_dir, json_t *known, FILE *report, long *problems)
{
    DIR *dir = opendir(out_dir);
    struct dirent *e;

    if (!dir)
        return cp_fail(CP_ERR_IO, "cannot read %s: %s", out_dir, strerror(errno));
    while ((e = readdir(dir))) {
        const char *dot = strrchr(e->d_name, '.');
        int ours = strncmp(e->d_name, "redblack-", 9) == 0 && dot &&
                   (strcmp(dot, ".pdf") == 0 || strcmp(dot, ".csv") == 0 ||
                    strcmp(dot, ".html") == 0);
        if (!ours || json_object_get(known, e->d_name))
            continue;
        fprintf(report, _("BROKEN: %s/%s is a published list's file that no publication in the "
                          "store names (was the publication removed?)\n"), out_dir, e->d_name);
        (*problems)++;
    }
    closedir(dir);
    return CP_OK;
}

cp_err publish_verify(db *d, const char *out_dir, FILE *report, long *problems)
{
    static const char sql[] =
        "SELECT id, period, version, reason, corrects, rules, content_hash, files, prev_hash,"
        " hash, actor, created_at FROM publications ORDER BY rowid";
    db_stmt *st = db_prepare(d, sql);
    char tip[HASH_HEX_LEN], want[HASH_HEX_LEN];
    long checked = 0, files_checked = 0;
    json_t *known = json_object();
    cp_err err = CP_OK;
    int rc;

    if (!st || !known) {
        json_decref(known);
        return st ? cp_fail(CP_ERR_NOMEM, "out of memory checking the publications") : CP_ERR_DB;
    }
    snprintf(tip, sizeof tip, "%s", genesis);
    while ((rc = db_step(st)) == DB_ROW) {
        const char *c[12];
        for (int i = 0; i < 12; i++)
            c[i] = db_col_text(st, i);
        json_t *rows = NULL, *files;
        checked++;
        if (strcmp(c[8], tip) != 0) {
            fprintf(report, _("BROKEN: publication %s does not follow the one before it\n"), c[0]);
            (*problems)++;
        }
        chain_hash(c[8], c[0], c[1], db_col_int(st, 2), c[3], c[4], c[5], c[6], c[7],
                   c[10], c[11], want);
        if (strcmp(want, c[9]) != 0) {
            fprintf(report, _("BROKEN: publication %s was altered: its hash does not match\n"), c[0]);
            (*problems)++;
        }
        if (!(err = stored_rows(d, c[0], &rows)))
            err = content_hash(c[1], c[5], rows, want);
        json_decref(rows);
        if (err == CP_ERR_PARSE) { /* rows or rules that cannot be hashed: changed */
            fprintf(report, _("BROKEN: publication %s: %s\n"), c[0], cp_detail());
            (*problems)++;
            err = CP_OK;
        } else if (err) {
            break;
        } else if (strcmp(want, c[6]) != 0) {
            fprintf(report, _("BROKEN: publication %s: its published rows were changed\n"), c[0]);
            (*problems)++;
        }
        if (out_dir && (files = json_loads(c[7], 0, NULL))) {
            const char *name;
            json_t *h;
            json_object_foreach(files, name, h) {
                char path[1024], got[HASH_HEX_LEN];
                snprintf(path, sizeof path, "%s/%s", out_dir, name);
                files_checked++;
                json_object_set(known, name, json_true());
                if (part_holds(path, json_string_value(h))) {
                    fprintf(report, _("BROKEN: %s is missing, but %s.part holds it (a publish "
                                      "cut off before it renamed its files): run the same "
                                      "`cleanplate-office publish redblack` again, which "
                                      "finishes it, or rename the file by hand\n"), path, path);
                    (*problems)++;
                } else if (hash_file(path, got) != CP_OK) {
                    fprintf(report, _("BROKEN: %s: %s\n"), path, cp_detail());
                    (*problems)++;
                } else if (strcmp(got, json_string_value(h)) != 0) {
                    fprintf(report, _("BROKEN: %s was changed after it was published\n"), path);
                    (*problems)++;
                }
            }
            json_decref(files);
        }
        snprintf(tip, sizeof tip, "%s", c[9]);
    }
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading publications");
    if (!err && out_dir)
        err = orphan_files(out_dir, known, report, problems);
    json_decref(known);
    if (!err)
        fprintf(report, P_("verify: %ld publication checked%s", "verify: %ld publications checked%s",
                           (unsigned long)checked), checked, out_dir ? "" : "\n");
    if (!err && out_dir)
        fprintf(report, P_(", %ld published file in %s\n", ", %ld published files in %s\n",
                           (unsigned long)files_checked), files_checked, out_dir);
    return err;
}
