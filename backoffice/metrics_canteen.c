/* metrics_canteen: the canteen and meal-period views, and a whole canteen's
 * summary for the reports. */
#include "backoffice/metrics.h"
#include "backoffice/metrics_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/cost_collect.h"
#include "backoffice/text.h"
#include "core/money.h"
#include "core/names.h"
#include "core/waste.h"

/* ---- the canteen and meal-period views ------------------------------------ */

/* Plate figures of one canteen or one meal period. */
typedef struct plate {
    int64_t key;
    int64_t meals, trays, plate_g, clean, anon_trays, anon_g;
    int64_t flagged;               /* plate weighings left out, of diners and anonymous */
} plate;

/* How collect_plates groups its figures. */
enum { BY_CANTEEN, BY_PERIOD, BY_DAY };

/* Plate figures grouped by canteen, by canteen and meal period (key canteen
 * x 1000000 + period), or by day (key YYYYMMDD). ?7 is the flags that leave
 * a weighing out: it adds to flagged, nothing else. */
static cp_err collect_plates(db *d, const metrics_span *span, const metrics_opts *o,
                             int64_t canteen_id, int by, plate **out, size_t *n)
{
#define PLATE_OK WASTE_COUNTED("?7")
#define PLATE_SQL(KEY, WKEY)                                                                   \
    "SELECT key, sum(meals), sum(trays), sum(grams), sum(clean), sum(anon), sum(anon_g),"     \
    " sum(flagged) FROM ("                                                                     \
    " SELECT " KEY " AS key, meals,"                                                           \
    "   CASE WHEN department_id <> 0 THEN trays ELSE 0 END AS trays,"                          \
    "   CASE WHEN department_id <> 0 THEN plate_g ELSE 0 END AS grams,"                        \
    "   CASE WHEN department_id <> 0 THEN clean_trays ELSE 0 END AS clean,"                    \
    "   CASE WHEN department_id = 0 THEN trays ELSE 0 END AS anon,"                            \
    "   CASE WHEN department_id = 0 THEN plate_g ELSE 0 END AS anon_g, flagged"                \
    " FROM rollup_day WHERE business_date BETWEEN ?1 AND ?2 AND (?5 = 0 OR canteen_id = ?5)"  \
    ROLLUP_LISTED("business_date")                                                             \
    " UNION ALL"                                                                               \
    " SELECT " KEY ", 1, 0, 0, 0, 0, 0, 0 FROM "                                              \
    ROLLUP_MEALS("s.business_date BETWEEN ?3 AND ?4 AND (?5 = 0 OR s.canteen_id = ?5)")       \
    " UNION ALL"                                                                               \
    " SELECT " WKEY ", 0, " ROLLUP_ONE_IF(PLATE_OK " AND w.diner_id IS NOT NULL") ","          \
    "   CASE WHEN " PLATE_OK " AND w.diner_id IS NOT NULL THEN w.net_g ELSE 0 END,"            \
    "   " ROLLUP_ONE_IF(PLATE_OK " AND w.diner_id IS NOT NULL AND w.net_g <= ?6") ","          \
    "   " ROLLUP_ONE_IF(PLATE_OK " AND w.diner_id IS NULL") ","                                \
    "   CASE WHEN " PLATE_OK " AND w.diner_id IS NULL THEN w.net_g ELSE 0 END,"                \
    "   " ROLLUP_ONE_IF("NOT " PLATE_OK)                                                       \
    " FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"                       \
    "   AND w.business_date BETWEEN ?3 AND ?4 AND w.stage = 'plate'"                           \
    "   AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"                 \
    " WHERE ?5 = 0 OR c.id = ?5"                                                               \
    ") AS key_rows GROUP BY key ORDER BY key"
    static const char by_canteen_sql[] = PLATE_SQL("canteen_id", "w.canteen_id");
    static const char by_period_sql[] =
        PLATE_SQL("canteen_id * 1000000 + coalesce(period_id, 0)",
                  "w.canteen_id * 1000000 + coalesce(w.period_id, 0)");
    static const char by_day_sql[] =
        PLATE_SQL("CAST(replace(business_date, '-', '') AS INTEGER)",
                  "CAST(replace(w.business_date, '-', '') AS INTEGER)");
#undef PLATE_SQL
#undef PLATE_OK
    char closed_to[11], open_from[11];
    db_stmt *st;
    size_t cap = 0;
    long days;
    int from_records = o->clean_threshold_g != METRICS_ROLLUP_THRESHOLD_G;
    cp_err err;
    int rc;

    *out = NULL;
    *n = 0;
    if (!from_records && (err = metrics_rollup(d, span, o->progress, &days, &from_records)))
        return err;
    metrics_split_span(span, from_records, closed_to, open_from);
    if (!(st = db_prepare(d, by == BY_DAY ? by_day_sql : by == BY_PERIOD ? by_period_sql
                                                                      : by_canteen_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, closed_to);
    db_bind_text(st, 3, open_from);
    db_bind_text(st, 4, span->to);
    db_bind_int64(st, 5, canteen_id);
    db_bind_int(st, 6, o->clean_threshold_g);
    db_bind_int(st, 7, WASTE_FLAGS_LEFT_OUT);
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            plate *p = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof *p);
            if (!p) {
                db_reset(st);
                return cp_fail(CP_ERR_NOMEM, "out of memory");
            }
            *out = p;
        }
        plate *p = &(*out)[(*n)++];
        p->key = db_col_int64(st, 0);
        p->meals = db_col_int64(st, 1);
        p->trays = db_col_int64(st, 2);
        p->plate_g = db_col_int64(st, 3);
        p->clean = db_col_int64(st, 4);
        p->anon_trays = db_col_int64(st, 5);
        p->anon_g = db_col_int64(st, 6);
        p->flagged = db_col_int64(st, 7);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading plate figures");
}

cp_err metrics_sales(db *d, const metrics_span *span, int64_t canteen_id,
                     metrics_sales_row **out, size_t *n)
{
    /* closed days from rollup_sales, the others from the sales themselves;
     * periods of every canteen that share a name are one */
    static const char sql[] =
        "SELECT coalesce(p.name, ''), x.category, sum(x.meals), sum(x.total_fen),"
        " sum(x.subsidy_fen), sum(x.cash_fen) FROM ("
        " SELECT canteen_id, period_id, category, meals, total_fen, subsidy_fen, cash_fen"
        " FROM rollup_sales WHERE business_date BETWEEN ?1 AND ?2" ROLLUP_LISTED("business_date")
        " UNION ALL" ROLLUP_SALES_SUMS_SQL("?3", "?4") ") x"
        " LEFT JOIN meal_periods p ON p.id = x.period_id"
        " WHERE ?5 = 0 OR x.canteen_id = ?5"
        " GROUP BY coalesce(p.name, ''), x.category ORDER BY 1, 2";
    char closed_to[11], open_from[11];
    size_t cap = 0;
    db_stmt *st;
    long days;
    int from_records;
    cp_err err;
    int rc;

    *out = NULL;
    *n = 0;
    if ((err = metrics_rollup(d, span, 0, &days, &from_records)))
        return err;
    metrics_split_span(span, from_records, closed_to, open_from);
    if (!(st = db_prepare(d, sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, closed_to);
    db_bind_text(st, 3, open_from);
    db_bind_text(st, 4, span->to);
    db_bind_int64(st, 5, canteen_id);
    while ((rc = db_step(st)) == DB_ROW) {
        metrics_sales_row *r;
        if (*n == cap) {
            metrics_sales_row *p = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof *p);
            if (!p) {
                db_reset(st);
                return cp_fail(CP_ERR_NOMEM, "out of memory reading sales");
            }
            *out = p;
        }
        r = &(*out)[(*n)++];
        db_copy_col(r->period, sizeof r->period, st, 0);
        db_copy_col(r->category, sizeof r->category, st, 1);
        r->meals = db_col_int64(st, 2);
        r->total_fen = db_col_int64(st, 3);
        r->subsidy_fen = db_col_int64(st, 4);
        r->cash_fen = db_col_int64(st, 5);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading sales");
}

/* Adds the shared plate fields to a JSON object; returns 1 when one could not be. */
static int plate_json(json_t *o, const plate *p)
{
    int bad = 0;

    bad |= metrics_json_put(o, "meals", json_integer(p->meals));
    bad |= metrics_json_put(o, "trays", json_integer(p->trays));
    bad |= metrics_json_put(o, "plate_g", json_integer(p->plate_g));
    bad |= metrics_json_put(o, "g_per_tray",
               p->trays ? metrics_json_scaled(metrics_scaled(p->plate_g, p->trays, 10), 1) : json_null());
    bad |= metrics_json_put(o, "clean_rate",
               p->trays ? metrics_json_scaled(metrics_scaled(p->clean, p->trays, 1000), 3) : json_null());
    bad |= metrics_json_put(o, "coverage",
               p->meals ? metrics_json_scaled(metrics_coverage(p->trays, p->meals, 1000), 3) : json_null());
    bad |= metrics_json_put(o, "anonymous_trays", json_integer(p->anon_trays));
    /* plate weighings left out (a contract): overload, negative, impossible, no meal */
    bad |= metrics_json_put(o, "flagged_trays", json_integer(p->flagged));
    return bad;
}

/* Kitchen waste of span in canteen_id (0: every canteen) by stage, category
 * and reason into out->kitchen, its total into out->kitchen_g, and the
 * kitchen weighings left out into out->flagged_kitchen. */
static cp_err collect_kitchen(db *d, const metrics_span *span, int64_t canteen_id,
                              metrics_summary *out)
{
    /* a group of flagged weighings only has ok = 0: counted, not listed */
    static const char sql[] =
        "SELECT w.stage, coalesce(w.category, ''), coalesce(w.reason, ''),"
        " sum(CASE WHEN (w.flags & ?4) = 0 THEN w.net_g ELSE 0 END),"
        " count(*) FILTER (WHERE (w.flags & ?4) = 0), count(*) FILTER (WHERE (w.flags & ?4) <> 0)"
        " FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"
        " AND w.business_date BETWEEN ?1 AND ?2 AND w.stage <> 'plate'"
        " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"
        " WHERE ?3 = 0 OR c.id = ?3 GROUP BY 1, 2, 3"
        " ORDER BY CASE w.stage WHEN 'prep' THEN 1 WHEN 'overproduction' THEN 2 ELSE 3 END, 2, 3";
    db_stmt *st = db_prepare(d, sql);
    size_t cap = 0;
    cp_err err = CP_OK;
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, span->to);
    db_bind_int64(st, 3, canteen_id);
    db_bind_int(st, 4, WASTE_FLAGS_LEFT_OUT);
    while ((rc = db_step(st)) == DB_ROW) {
        out->flagged_kitchen += db_col_int64(st, 5);
        if (db_col_int64(st, 4) == 0)
            continue;
        if (out->nkitchen == cap) {
            metrics_kitchen *k = realloc(out->kitchen, (cap = cap ? cap * 2 : 16) * sizeof *k);
            if (!k) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory");
                break;
            }
            out->kitchen = k;
        }
        metrics_kitchen *k = &out->kitchen[out->nkitchen];
        snprintf(k->stage, sizeof k->stage, "%s", db_col_text(st, 0));
        k->category = strdup(db_col_text(st, 1));
        k->reason = strdup(db_col_text(st, 2));
        k->grams = db_col_int64(st, 3);
        out->nkitchen++;
        out->kitchen_g += k->grams;
        if (!k->category || !k->reason) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory");
            break;
        }
    }
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading kitchen waste");
    return err;
}

/* Adds g to the count under key (text of any bytes; "(none)" when empty) of obj. */
static int add_grams(json_t *obj, const char *key, int64_t g)
{
    char *clean = text_clean(*key ? key : "(none)", 0, NULL); /* keys must be UTF-8 */
    json_t *old;
    int bad;

    if (!clean)
        return 1;
    old = json_object_get(obj, clean);
    bad = metrics_json_put(obj, clean, json_integer((old ? json_integer_value(old) : 0) + g));
    free(clean);
    return bad;
}

/* The kitchen fields of one canteen's row: kitchen_g, the grams by stage,
 * category and reason, and the kitchen weighings left out. */
static cp_err kitchen_json(db *d, const metrics_span *span, int64_t canteen_id, json_t *row,
                           int64_t *total_g)
{
    metrics_summary k = {0};
    json_t *by[3] = {json_object(), json_object(), json_object()}, *kitchen = json_object();
    static const char *const names[3] = {"by_stage", "by_category", "by_reason"};
    cp_err err;
    int bad = 0;

    if ((err = collect_kitchen(d, span, canteen_id, &k)))
        goto out;
    for (size_t i = 0; i < k.nkitchen; i++) {
        bad |= add_grams(by[0], k.kitchen[i].stage, k.kitchen[i].grams);
        bad |= add_grams(by[1], k.kitchen[i].category, k.kitchen[i].grams);
        bad |= add_grams(by[2], k.kitchen[i].reason, k.kitchen[i].grams);
    }
    for (int i = 0; i < 3; i++) {
        bad |= metrics_json_put(kitchen, names[i], by[i]);
        by[i] = NULL;
    }
    bad |= metrics_json_put(row, "kitchen_g", json_integer(k.kitchen_g));
    bad |= metrics_json_put(row, "kitchen", kitchen);
    kitchen = NULL;
    bad |= metrics_json_put(row, "flagged_kitchen", json_integer(k.flagged_kitchen));
    *total_g = k.kitchen_g;
    if (bad)
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing kitchen waste");
out:
    for (int i = 0; i < 3; i++)
        json_decref(by[i]);
    json_decref(kitchen);
    metrics_summary_free(&k);
    return err;
}

/* Writes the rows of a JSON array of flat objects as CSV (nested objects as
 * JSON text): strings as people's text, numbers as numbers. */
static cp_err json_rows_csv(json_t *arr, FILE *f)
{
    size_t i;
    json_t *row, *v;
    const char *key;
    csvout w;
    int bad = 0;

    csvout_begin(&w, f);
    if (json_array_size(arr) == 0)
        return csvout_finish(&w);
    json_object_foreach(json_array_get(arr, 0), key, v)
        csvout_text(&w, key);
    csvout_end_row(&w);
    json_array_foreach(arr, i, row) {
        json_object_foreach(row, key, v) {
            char *text;
            if (json_is_string(v)) {
                csvout_text(&w, json_string_value(v));
                continue;
            }
            if (json_is_null(v)) {
                csvout_number(&w, "");
                continue;
            }
            text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
            bad |= !text;
            if (json_is_object(v) || json_is_array(v))
                csvout_text(&w, text ? text : "");
            else
                csvout_number(&w, text ? text : "");
            free(text);
        }
        csvout_end_row(&w);
    }
    return bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the CSV output") : csvout_finish(&w);
}

static cp_err print_rows(json_t *arr, int json, int csv, FILE *f)
{
    size_t i;
    json_t *row;

    if (csv)
        return json_rows_csv(arr, f);
    if (json)
        return metrics_json_dump(arr, f);
    /* JSON is also the readable form here: one object per line */
    json_array_foreach(arr, i, row) {
        json_dumpf(row, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        fputc('\n', f);
    }
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the output") : CP_OK;
}

/* Reads the text columns of the one row st yields into fields of o (text_json:
 * valid JSON whatever they hold; json null when there is no row). */
static int text_columns(db_stmt *st, json_t *o, const char *const *keys, int n)
{
    int row = db_step(st) == DB_ROW, bad = 0;

    for (int k = 0; k < n; k++)
        bad |= metrics_json_put(o, keys[k], row ? text_json(db_col_text(st, k))
                                   : json_null());
    db_reset(st);
    return bad;
}

/* What the waste of canteen (a code) in span cost, as `report cost` and the
 * monthly PDF price it (cost_span_total: each month at its purchases, a
 * month without any at the flat --food-cost), into row: cost_yuan, and
 * cost_priced_at, "purchases", "food_cost" (an estimate at the flat rate)
 * or "mixed" (months of both). Priced here at the flat rate always, it
 * gave another figure than the cost report for the same grams. */
static cp_err cost_json(db *d, const metrics_span *span, const metrics_opts *o,
                        const char *canteen, json_t *row, int *bad)
{
    cost_total t;
    char money[MONEY_STR_LEN];
    cp_err err;

    if (!canteen) /* cannot be: the canteen was read by the id its waste has */
        return CP_ERR_NOT_FOUND;
    if ((err = cost_span_total(d, span, canteen, o->food_cost_fen_per_kg, &t)))
        return err;
    *bad |= metrics_json_put(row, "cost_yuan", json_string(money_format(t.waste_fen, money)));
    *bad |= metrics_json_put(row, "cost_priced_at",
                             json_string(t.priced_months == 0        ? "food_cost"
                                         : t.priced_months == t.months ? "purchases"
                                                                       : "mixed"));
    return CP_OK;
}

cp_err metrics_print_canteens(db *d, const metrics_span *span, const metrics_opts *o,
                              int json, int csv, FILE *f)
{
    static const char canteen_sql[] = "SELECT code, name FROM canteens WHERE id = ?";
    static const char diners_sql[] =
        "SELECT count(DISTINCT diner_id) FROM diner_month WHERE month BETWEEN ?1 AND ?2"
        " AND canteen_id = ?3";
    static const char *const keys[] = {"code", "name"};
    json_t *arr = json_array();
    plate *plates = NULL;
    int64_t canteen_id, v;
    size_t n = 0;
    cp_err err;
    int bad = 0;

    if ((err = metrics_load_canteen(d, o->canteen, &canteen_id)) ||
        (err = collect_plates(d, span, o, canteen_id, BY_CANTEEN, &plates, &n)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        const plate *p = &plates[i];
        json_t *row = json_object();
        db_stmt *st = db_prepare(d, canteen_sql);
        int64_t kitchen_g = 0, total_g;
        bad |= !row || json_array_append_new(arr, row) != 0;
        if (!st) {
            err = CP_ERR_DB;
            goto out;
        }
        db_bind_int64(st, 1, p->key);
        bad |= text_columns(st, row, keys, 2);
        bad |= metrics_json_put(row, "period", json_string(span->label));
        if (!(st = db_prepare(d, diners_sql))) {
            err = CP_ERR_DB;
            goto out;
        }
        db_bind_text(st, 1, span->months[0]);
        db_bind_text(st, 2, span->months[span->nmonths - 1]);
        db_bind_int64(st, 3, p->key);
        if ((err = db_step_int64(d, st, &v)))
            goto out;
        bad |= plate_json(row, p);
        bad |= metrics_json_put(row, "diners", json_integer(v));
        bad |= metrics_json_put(row, "anonymous_g", json_integer(p->anon_g));
        if ((err = kitchen_json(d, span, p->key, row, &kitchen_g)))
            goto out;
        bad |= metrics_json_put(row, "kitchen_g_per_meal",
                   p->meals ? metrics_json_scaled(metrics_scaled(kitchen_g, p->meals, 10), 1) : json_null());
        total_g = p->plate_g + p->anon_g + kitchen_g;
        bad |= metrics_json_put(row, "total_waste_g", json_integer(total_g));
        bad |= metrics_json_put(row, "waste_g_per_meal",
                   p->meals ? metrics_json_scaled(metrics_scaled(total_g, p->meals, 10), 1) : json_null());
        if ((err = cost_json(d, span, o, json_string_value(json_object_get(row, "code")), row,
                             &bad)))
            goto out;
        /* CO2e in grams = grams x milli per kg, rounded half up */
        bad |= metrics_json_put(row, "co2e_kg",
                   metrics_json_scaled(metrics_scaled(total_g * o->co2e_milli_per_kg, 1000 * 1000, 10), 1));
    }
    err = bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the canteen figures")
              : print_rows(arr, json, csv, f);
out:
    free(plates);
    json_decref(arr);
    return err;
}

cp_err metrics_print_periods(db *d, const metrics_span *span, const metrics_opts *o, int json,
                             int csv, FILE *f)
{
    static const char names_sql[] =
        "SELECT c.code, coalesce((SELECT name FROM meal_periods WHERE id = ?2), 'outside periods')"
        " FROM canteens c WHERE c.id = ?1";
    static const char *const keys[] = {"canteen", "meal_period"};
    char name[NAMES_SIZE];
    json_t *arr = json_array();
    plate *plates = NULL;
    int64_t canteen_id;
    size_t n = 0;
    cp_err err;
    int bad = 0;

    if ((err = metrics_load_canteen(d, o->canteen, &canteen_id)) ||
        (err = collect_plates(d, span, o, canteen_id, BY_PERIOD, &plates, &n)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        db_stmt *st = db_prepare(d, names_sql);
        json_t *row = json_object();
        bad |= !row || json_array_append_new(arr, row) != 0;
        if (!st) {
            err = CP_ERR_DB;
            goto out;
        }
        db_bind_int64(st, 1, plates[i].key / 1000000);
        db_bind_int64(st, 2, plates[i].key % 1000000);
        bad |= text_columns(st, row, keys, 2);
        /* the code stays (scripts read it); the name people read is added */
        if (!bad && json_is_string(json_object_get(row, "meal_period")))
            bad |= metrics_json_put(row, "meal_period_name",
                       text_json(names_show(d, NAMES_PERIOD,
                                            json_string_value(json_object_get(row, "meal_period")),
                                            name)));
        bad |= metrics_json_put(row, "period", json_string(span->label));
        bad |= plate_json(row, &plates[i]);
    }
    err = bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the meal-period figures")
              : print_rows(arr, json, csv, f);
out:
    free(plates);
    json_decref(arr);
    return err;
}

/* ---- a whole canteen's summary -------------------------------------------------- */

cp_err metrics_manual_trays(db *d, const metrics_span *span, int64_t canteen_id, int64_t *n)
{
    static const char sql[] =
        "SELECT count(*) FROM waste_records w WHERE w.stage = 'plate'"
        " AND w.business_date BETWEEN ?1 AND ?2 AND (?3 = 0 OR w.canteen_id = ?3)"
        " AND w.diner_id IS NOT NULL AND (w.flags & ?4) <> 0 AND " WASTE_COUNTED("?5")
        " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)";
    db_stmt *st = db_prepare(d, sql);

    *n = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, span->to);
    db_bind_int64(st, 3, canteen_id);
    db_bind_int(st, 4, WASTE_FLAG_MANUAL);
    db_bind_int(st, 5, WASTE_FLAGS_LEFT_OUT);
    return db_step_int64(d, st, n);
}

/* metrics_summarize, with the distinct diners counted only when with_diners
 * is set (that count reads every diner of the span). */
static cp_err summarize(db *d, const metrics_span *span, const metrics_opts *o,
                        metrics_summary *out, int with_diners)
{
    static const char diners_sql[] =
        "SELECT count(DISTINCT diner_id) FROM diner_month WHERE month BETWEEN ?1 AND ?2"
        " AND (?3 = 0 OR canteen_id = ?3)";
    plate *plates = NULL;
    int64_t canteen_id;
    size_t n = 0;
    db_stmt *st;
    cp_err err;

    memset(out, 0, sizeof *out);
    if ((err = metrics_load_canteen(d, o->canteen, &canteen_id)) ||
        (err = collect_plates(d, span, o, canteen_id, BY_DAY, &plates, &n)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        out->meals += plates[i].meals;
        out->trays += plates[i].trays;
        out->plate_g += plates[i].plate_g;
        out->clean_trays += plates[i].clean;
        out->anon_trays += plates[i].anon_trays;
        out->anon_g += plates[i].anon_g;
        out->flagged_trays += plates[i].flagged;
        out->serving_days += plates[i].meals > 0;
        out->weighing_days += plates[i].meals > 0 && plates[i].trays + plates[i].anon_trays > 0;
    }
    if (with_diners && !(st = db_prepare(d, diners_sql))) {
        err = CP_ERR_DB;
        goto out;
    }
    if (with_diners) {
        db_bind_text(st, 1, span->months[0]);
        db_bind_text(st, 2, span->months[span->nmonths - 1]);
        db_bind_int64(st, 3, canteen_id);
        if ((err = db_step_int64(d, st, &out->diners)))
            goto out;
    }
    if (!(err = collect_kitchen(d, span, canteen_id, out)))
        err = metrics_manual_trays(d, span, canteen_id, &out->manual_trays);
out:
    free(plates);
    if (err)
        metrics_summary_free(out);
    return err;
}

cp_err metrics_summarize(db *d, const metrics_span *span, const metrics_opts *o,
                         metrics_summary *out)
{
    return summarize(d, span, o, out, 1);
}

cp_err metrics_summarize_waste(db *d, const metrics_span *span, const metrics_opts *o,
                               metrics_summary *out)
{
    return summarize(d, span, o, out, 0);
}

void metrics_summary_free(metrics_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->kitchen && i < s->nkitchen; i++) {
        free(s->kitchen[i].category);
        free(s->kitchen[i].reason);
    }
    free(s->kitchen);
    s->kitchen = NULL;
    s->nkitchen = 0;
}

int metrics_summary_has_data(const metrics_summary *s)
{
    return s->meals > 0 || s->trays > 0 || s->anon_trays > 0 || s->kitchen_g > 0 ||
           s->nkitchen > 0 || s->flagged_trays > 0 || s->flagged_kitchen > 0;
}

int64_t metrics_total_g(const metrics_summary *s)
{
    return s->plate_g + s->anon_g + s->kitchen_g;
}

int64_t metrics_cost_fen(const metrics_summary *s, const metrics_opts *o)
{
    return (metrics_total_g(s) * o->food_cost_fen_per_kg + 500) / 1000;
}

int64_t metrics_co2e_g(const metrics_summary *s, const metrics_opts *o)
{
    return (metrics_total_g(s) * o->co2e_milli_per_kg + 500) / 1000;
}
