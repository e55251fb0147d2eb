/* metrics: waste figures per department, and the fair ranking (the canteen and
 * meal-period views are in metrics_canteen.c, the daily rollups in metrics_rollup.c).
 *
 * Figures come from two places: rollup_day, which holds per closed day the
 * sums the metrics need, and the raw sales and waste records for the days
 * not rolled up yet (today, or any day when another clean-plate threshold is
 * asked for). Distinct diners come from diner_month, kept by triggers. */
#include "backoffice/metrics.h"
#include "backoffice/metrics_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/text.h"
#include "core/nls.h"
#include "core/waste.h"

/* Sums for one department while they are gathered. */
typedef struct acc {
    int64_t id;
    char code[64];                 /* 1-32 letters, digits, - or _ (the import's rule) */
    char *name;                    /* owned; NULL when the names were not asked for */
    int64_t meals, diners, trays, plate_g, clean, flagged;
    int64_t tray_diners;           /* diners whose trays make the figure (tray_diner_month) */
} acc;

typedef struct accs {
    acc *a; /* sorted by id */
    size_t n;
    int64_t flagged_anonymous;     /* flagged trays of nobody known (department 0) */
} accs;

static void accs_free(accs *all)
{
    for (size_t i = 0; all->a && i < all->n; i++)
        free(all->a[i].name);
    free(all->a);
    all->a = NULL;
    all->n = 0;
}

void metrics_opts_init(metrics_opts *o)
{
    memset(o, 0, sizeof *o);
    o->clean_threshold_g = METRICS_ROLLUP_THRESHOLD_G;
    o->min_meals = 20;
    o->min_coverage_pct = 50;
    o->red = 3;
    o->black = 3;
    o->food_cost_fen_per_kg = 2000;
    o->co2e_milli_per_kg = 2500;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Fills span with months first..last of year y, labelled label, after prev. */
static void span_fill(metrics_span *span, int y, int first, int last, const char *label,
                      const char *prev)
{
    memset(span, 0, sizeof *span);
    snprintf(span->label, sizeof span->label, "%s", label);
    snprintf(span->prev_label, sizeof span->prev_label, "%s", prev);
    for (int k = first; k <= last; k++)
        snprintf(span->months[span->nmonths++], sizeof span->months[0], "%04d-%02d", y, k);
    snprintf(span->from, sizeof span->from, "%04d-%02d-01", y, first);
    snprintf(span->to, sizeof span->to, "%04d-%02d-%02d", y, last, days_in_month(y, last));
}

void metrics_span_of_month(int year, int month, metrics_span *span)
{
    char label[16], prev[16];

    snprintf(label, sizeof label, "%04u-%02u", (unsigned)year % 10000, (unsigned)month % 100);
    snprintf(prev, sizeof prev, "%04u-%02u", (unsigned)(month == 1 ? year - 1 : year) % 10000,
             (unsigned)(month == 1 ? 12 : month - 1) % 100);
    span_fill(span, year, month, month, label, prev);
}

/* The span of quarter q (1-4) of year. */
static void span_of_quarter(int year, int q, metrics_span *span)
{
    char label[16], prev[16];

    snprintf(label, sizeof label, "%04uQ%u", (unsigned)year % 10000, (unsigned)q % 10);
    snprintf(prev, sizeof prev, "%04uQ%u", (unsigned)(q == 1 ? year - 1 : year) % 10000,
             (unsigned)(q == 1 ? 4 : q - 1) % 10);
    span_fill(span, year, q * 3 - 2, q * 3, label, prev);
}

cp_err metrics_span_parse(const char *month, const char *quarter, metrics_span *span)
{
    int y, k;
    cp_err err = CP_OK;

    memset(span, 0, sizeof *span);
    if ((month != NULL) == (quarter != NULL))
        return cp_fail(CP_ERR_INVALID, "give exactly one of --month YYYY-MM or --quarter YYYYQn");
    /* the one month and quarter parsers: they take only years a canteen can have */
    if (month && !(err = clock_parse_month(month, &y, &k)))
        metrics_span_of_month(y, k, span);
    else if (quarter && !(err = clock_parse_quarter(quarter, &y, &k)))
        span_of_quarter(y, k, span);
    return err;
}

void metrics_span_before(const metrics_span *span, metrics_span *prev)
{
    int y = atoi(span->label), k = atoi(span->label + 5);

    /* not parsed again: the span before 2000-01 (1999-12) is no month anyone
     * types, but it is the one a January report compares with */
    if (strchr(span->label, 'Q'))
        span_of_quarter(k == 1 ? y - 1 : y, k == 1 ? 4 : k - 1, prev);
    else
        metrics_span_of_month(k == 1 ? y - 1 : y, k == 1 ? 12 : k - 1, prev);
}

void metrics_today(char out[CP_DATE_LEN])
{
    cp_time now;
    if (clock_now(&now) != CP_OK) /* a bad CLEANPLATE_NOW: treat no day as closed */
        snprintf(out, CP_DATE_LEN, "0000-00-00");
    else
        clock_date(&now, out);
}

/* The last closed day of span to read from rollups, and the first open day
 * (with from_records, none from rollups: all from the records). */
void metrics_split_span(const metrics_span *span, int from_records, char closed_to[11],
                       char open_from[11])
{
    char now[CP_DATE_LEN];

    metrics_today(now);
    if (from_records || strcmp(now, span->from) <= 0) {
        snprintf(closed_to, 11, "0000-00-00");  /* nothing from rollups */
        snprintf(open_from, 11, "%.10s", span->from);
    } else if (strcmp(now, span->to) > 0) {
        snprintf(closed_to, 11, "%.10s", span->to); /* everything from rollups */
        snprintf(open_from, 11, "9999-99-99");
    } else {
        cp_time t = {0};
        sscanf(now, "%4d-%2d-%2d", &t.year, &t.month, &t.day);
        t.hour = 12;
        t = clock_add_seconds(&t, -86400);
        clock_date(&t, closed_to);
        snprintf(open_from, 11, "%s", now);
    }
}

cp_err metrics_load_canteen(db *d, const char *code, int64_t *id)
{
    static const char sql[] = "SELECT id FROM canteens WHERE code = ?";
    db_stmt *st = db_prepare(d, sql);
    cp_err err;

    *id = 0;
    if (!code)
        return CP_OK;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, code);
    err = db_step_int64(d, st, id);
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no canteen '%s'", code);
    return err;
}

static int acc_cmp(const void *a, const void *b)
{
    const acc *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static acc *acc_find(accs *all, int64_t id)
{
    acc key = {.id = id};
    return bsearch(&key, all->a, all->n, sizeof *all->a, acc_cmp);
}

/* Every department, sorted by id; with_names also copies their names. */
static cp_err load_departments(db *d, accs *all, int with_names)
{
    static const char sql[] = "SELECT id, code, name FROM departments ORDER BY id";
    db_stmt *st = db_prepare(d, sql);
    size_t cap = 0;
    int rc;

    memset(all, 0, sizeof *all);
    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        if (all->n == cap) {
            acc *p = realloc(all->a, (cap = cap ? cap * 2 : 64) * sizeof *p);
            if (!p) {
                db_reset(st);
                return cp_fail(CP_ERR_NOMEM, "out of memory reading departments");
            }
            all->a = p;
        }
        acc *a = &all->a[all->n++];
        memset(a, 0, sizeof *a);
        a->id = db_col_int64(st, 0);
        snprintf(a->code, sizeof a->code, "%s", db_col_text(st, 1));
        /* a name of any length, never cut (it is published) */
        if (with_names && !(a->name = strdup(db_col_text(st, 2)))) {
            db_reset(st);
            return cp_fail(CP_ERR_NOMEM, "out of memory reading departments");
        }
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading departments");
}

/* Adds rows of (department_id, meals, trays, grams, clean, flagged) from st to all. */
static cp_err add_rows(db *d, db_stmt *st, accs *all)
{
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        acc *a = acc_find(all, db_col_int64(st, 0));
        if (!a) { /* department 0: anonymous trays, not a department's */
            all->flagged_anonymous += db_col_int64(st, 5);
            continue;
        }
        a->meals += db_col_int64(st, 1);
        a->trays += db_col_int64(st, 2);
        a->plate_g += db_col_int64(st, 3);
        a->clean += db_col_int64(st, 4);
        a->flagged += db_col_int64(st, 5);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading figures");
}

/* Department sums from the raw records of [from, to]. */
static cp_err collect_raw(db *d, const char *from, const char *to, int64_t canteen_id,
                          int threshold, accs *all)
{
    static const char meals_sql[] =
        "SELECT department_id, count(*), 0, 0, 0, 0 FROM "
        ROLLUP_MEALS("s.business_date BETWEEN ?1 AND ?2 AND (?3 = 0 OR s.canteen_id = ?3)")
        " GROUP BY department_id";
    /* the trays of diners by department, those of nobody known as department 0
     * (as in rollup_day); a flagged tray adds to the last column only */
    static const char trays_sql[] =
        "SELECT CASE WHEN w.diner_id IS NULL THEN 0 ELSE w.department_id END, 0,"
        " count(*) FILTER (WHERE " WASTE_COUNTED("?5") "),"
        " sum(CASE WHEN " WASTE_COUNTED("?5") " THEN w.net_g ELSE 0 END),"
        " count(*) FILTER (WHERE " WASTE_COUNTED("?5") " AND w.net_g <= ?4),"
        " count(*) FILTER (WHERE NOT " WASTE_COUNTED("?5") ")"
        " FROM canteens c CROSS JOIN waste_records w ON w.canteen_id = c.id"
        " AND w.business_date BETWEEN ?1 AND ?2 AND w.stage = 'plate'"
        " AND NOT EXISTS (SELECT 1 FROM waste_records k WHERE k.corrects = w.id)"
        " WHERE ?3 = 0 OR c.id = ?3 GROUP BY 1";
    db_stmt *st;
    cp_err err;

    if (!(st = db_prepare(d, meals_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    db_bind_int64(st, 3, canteen_id);
    if ((err = add_rows(d, st, all)))
        return err;
    if (!(st = db_prepare(d, trays_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, from);
    db_bind_text(st, 2, to);
    db_bind_int64(st, 3, canteen_id);
    db_bind_int(st, 4, threshold);
    db_bind_int(st, 5, WASTE_FLAGS_LEFT_OUT);
    return add_rows(d, st, all);
}

/* Department sums for span: rollups for closed days, raw records for the rest. */
static cp_err collect(db *d, const metrics_span *span, const metrics_opts *o,
                      int64_t canteen_id, accs *all)
{
    static const char rolled_sql[] =
        "SELECT department_id, sum(meals), sum(trays), sum(plate_g), sum(clean_trays),"
        " sum(flagged) FROM rollup_day WHERE business_date BETWEEN ?1 AND ?2"
        " AND (?3 = 0 OR canteen_id = ?3)" ROLLUP_LISTED("business_date")
        " GROUP BY department_id";
    /* the diners who paid, and those whose trays make the figure (listed
     * by the trigger, and those of trays whose meal came after them): a
     * department is ranked only when both are five or more */
    static const char diners_sql[] =
        "SELECT department_id, count(DISTINCT diner_id), 0 FROM diner_month"
        " WHERE month BETWEEN ?1 AND ?2 AND (?3 = 0 OR canteen_id = ?3) GROUP BY department_id"
        " UNION ALL"
        " SELECT department_id, 0, count(DISTINCT diner_id) FROM"
        " (SELECT department_id, diner_id FROM tray_diner_month"
        "  WHERE month BETWEEN ?1 AND ?2 AND (?3 = 0 OR canteen_id = ?3)"
        "  UNION SELECT w.department_id, w.diner_id FROM waste_records w"
        "  WHERE w.business_date BETWEEN ?4 AND ?5 AND (?3 = 0 OR w.canteen_id = ?3)"
        "  AND " WASTE_NO_MEAL_TRAY " AND " WASTE_COUNTED("?6") ") t"
        " GROUP BY department_id";
    char closed_to[11], open_from[11];
    db_stmt *st;
    long days;
    int from_records = o->clean_threshold_g != METRICS_ROLLUP_THRESHOLD_G;
    cp_err err;
    int rc;

    if (!from_records && (err = metrics_rollup(d, span, o->progress, &days, &from_records)))
        return err;
    /* the closed days from their rollups, today and after from the records:
     * a day rolled up by a clock ahead of this one is not counted twice */
    metrics_split_span(span, from_records, closed_to, open_from);
    if (!(st = db_prepare(d, rolled_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->from);
    db_bind_text(st, 2, closed_to);
    db_bind_int64(st, 3, canteen_id);
    if ((err = add_rows(d, st, all)))
        return err;
    if (strcmp(open_from, span->to) <= 0 &&
        (err = collect_raw(d, open_from, span->to, canteen_id, o->clean_threshold_g, all)))
        return err;
    if (!(st = db_prepare(d, diners_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, span->months[0]);
    db_bind_text(st, 2, span->months[span->nmonths - 1]);
    db_bind_int64(st, 3, canteen_id);
    db_bind_text(st, 4, span->from);
    db_bind_text(st, 5, span->to);
    db_bind_int(st, 6, WASTE_FLAGS_LEFT_OUT);
    while ((rc = db_step(st)) == DB_ROW) {
        acc *a = acc_find(all, db_col_int64(st, 0));
        if (a) {
            a->diners += db_col_int64(st, 1);
            a->tray_diners += db_col_int64(st, 2);
        }
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "counting diners");
}

int64_t metrics_scaled(int64_t a, int64_t b, int64_t scale)
{
    return b > 0 ? (a * scale * 2 + b) / (2 * b) : -1;
}

int64_t metrics_coverage(int64_t trays, int64_t meals, int64_t scale)
{
    /* Coverage is the share of meals that were weighed, so it stops at all of
     * them. Trays can still outnumber meals without any flag: a sale voided
     * after its tray was weighed (the tray had its meal when it was weighed),
     * or a diner who brings back two trays for one meal. (A tray counts
     * where its meal counts, core/waste.c: a diner who moved between paying
     * and bringing the tray back moves neither.) */
    return metrics_scaled(trays < meals ? trays : meals, meals, scale);
}

/* Order of the ranking: g per tray ascending (as published, in tenths), then
 * clean rate descending (exactly, by cross-multiplying), then code. */
static int rank_cmp(const void *pa, const void *pb)
{
    const metrics_row *a = pa, *b = pb;
    if (a->eligible != b->eligible)
        return b->eligible - a->eligible;
    if (a->eligible) {
        if (a->g_per_tray_x10 != b->g_per_tray_x10)
            return a->g_per_tray_x10 < b->g_per_tray_x10 ? -1 : 1;
        int64_t ca = a->clean_trays * b->trays, cb = b->clean_trays * a->trays;
        if (ca != cb)
            return ca > cb ? -1 : 1;
    }
    return strcmp(a->code, b->code);
}

cp_err metrics_departments(db *d, const metrics_span *span, const metrics_opts *o,
                           metrics_table **out)
{
    accs cur = {0}, prev = {0};
    metrics_span before;
    metrics_table *t = NULL;
    int64_t canteen_id;
    long r, b;
    cp_err err;

    *out = NULL;
    if ((err = metrics_load_canteen(d, o->canteen, &canteen_id)) ||
        (err = load_departments(d, &cur, 1)) || (err = load_departments(d, &prev, 0)) ||
        (err = collect(d, span, o, canteen_id, &cur)) ||
        (metrics_span_before(span, &before), (err = collect(d, &before, o, canteen_id, &prev))))
        goto out;
    if (!(t = calloc(1, sizeof *t)) || !(t->rows = calloc(cur.n + 1, sizeof *t->rows))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory computing metrics");
        goto out;
    }
    t->span = *span;
    t->opts = *o;
    t->flagged_trays = cur.flagged_anonymous;
    if ((err = metrics_manual_trays(d, span, canteen_id, &t->manual_trays)))
        goto out;
    for (size_t i = 0; i < cur.n; i++) {
        acc *a = &cur.a[i];
        metrics_row *row = &t->rows[t->n];
        t->flagged_trays += a->flagged;
        if (!a->meals && !a->trays && !a->diners && !a->flagged)
            continue;
        snprintf(row->code, sizeof row->code, "%s", a->code);
        row->name = a->name; /* the row owns it now */
        a->name = NULL;
        row->meals = a->meals;
        row->diners = a->diners;
        row->tray_diners = a->tray_diners;
        row->trays = a->trays;
        row->plate_g = a->plate_g;
        row->clean_trays = a->clean;
        row->flagged_trays = a->flagged;
        row->g_per_tray_x10 = metrics_scaled(a->plate_g, a->trays, 10);
        row->clean_rate_permille = (int)metrics_scaled(a->clean, a->trays, 1000);
        row->coverage_permille = (int)metrics_coverage(a->trays, a->meals, 1000);
        row->eligible = a->meals >= o->min_meals && a->meals > 0 &&
                        a->trays * 100 >= (int64_t)o->min_coverage_pct * a->meals &&
                        a->diners >= METRICS_MIN_DINERS &&
                        a->tray_diners >= METRICS_MIN_DINERS && a->trays > 0;
        if (prev.a[i].trays > 0 && a->trays > 0) {
            row->has_change = 1;
            row->change_x10 = row->g_per_tray_x10 - metrics_scaled(prev.a[i].plate_g, prev.a[i].trays, 10);
        }
        t->eligible += row->eligible;
        t->n++;
    }
    qsort(t->rows, t->n, sizeof *t->rows, rank_cmp);
    /* With fewer eligible than both lists need, each list takes at most half,
     * so no department is ever on both. */
    r = o->red, b = o->black;
    if (t->eligible < r + b) {
        r = r < t->eligible / 2 ? r : t->eligible / 2;
        b = b < t->eligible / 2 ? b : t->eligible / 2;
    }
    for (long i = 0; i < t->eligible; i++) {
        t->rows[i].rank = (int)i + 1;
        if (i < r)
            t->rows[i].list = "red";
        else if (i >= t->eligible - b)
            t->rows[i].list = "black";
    }
    *out = t;
    t = NULL;
out:
    accs_free(&cur);
    accs_free(&prev);
    metrics_free(t);
    return err;
}

void metrics_free(metrics_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->rows && i < t->n; i++)
        free(t->rows[i].name);
    free(t->rows);
    free(t);
}

const char *metrics_x10(int64_t v, char *buf)
{
    if (v < 0 && v != INT64_MIN)
        snprintf(buf, 24, "-%lld.%lld", (long long)(-v / 10), (long long)(-v % 10));
    else
        snprintf(buf, 24, "%lld.%lld", (long long)(v / 10), (long long)(v % 10));
    return buf;
}

const char *metrics_ratio(int v, char *buf)
{
    if (v < 0)
        buf[0] = '\0';
    else
        snprintf(buf, 24, "%d.%03d", v / 1000, v % 1000);
    return buf;
}

cp_err metrics_print_text(const metrics_table *t, FILE *f)
{
    char a[24], b[24], c[24], e[24], rank[16];

    fprintf(f, _("%s (%s to %s): %zu departments, %ld eligible; clean plate <= %d g, "
                 "eligible with >= %d meals, >= %d%% weighed, >= %d diners\n"),
            t->span.label, t->span.from, t->span.to, t->n, t->eligible,
            t->opts.clean_threshold_g, t->opts.min_meals, t->opts.min_coverage_pct,
            METRICS_MIN_DINERS);
    fprintf(f, P_("%lld flagged tray left out (overload, negative, impossible weight, no meal "
                  "or taken back; kitchen weighings: --by canteen)\n",
                  "%lld flagged trays left out (overload, negative, impossible weight, no meal "
                  "or taken back; kitchen weighings: --by canteen)\n",
                  (unsigned long)t->flagged_trays),
            (long long)t->flagged_trays);
    fprintf(f, "%4s %-6s %-12s %7s %6s %6s %9s %7s %6s %6s %7s %7s %s\n", "rank", "list",
            "code", "meals", "diners", "trays", "plate_g", "g/tray", "clean", "cover", "change",
            "flagged", "name");
    for (size_t i = 0; i < t->n; i++) {
        const metrics_row *r = &t->rows[i];
        fprintf(f, "%4s %-6s %-12s %7lld %6lld %6lld %9lld %7s %6s %6s %7s %7lld %s\n",
                r->rank ? (snprintf(rank, sizeof rank, "%d", r->rank), rank) : "-",
                r->list ? r->list : "", r->code, (long long)r->meals, (long long)r->diners,
                (long long)r->trays, (long long)r->plate_g,
                r->g_per_tray_x10 >= 0 ? metrics_x10(r->g_per_tray_x10, a) : "",
                metrics_ratio(r->clean_rate_permille, b), metrics_ratio(r->coverage_permille, c),
                r->has_change ? metrics_x10(r->change_x10, e) : "",
                (long long)r->flagged_trays, r->name);
    }
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the output") : CP_OK;
}

/* A JSON number with the given decimals from an integer scaled by 10^decimals. */
json_t *metrics_json_scaled(int64_t v, int decimals)
{
    char buf[32];
    if (decimals == 1)
        metrics_x10(v, buf);
    else
        metrics_ratio((int)v, buf);
    return json_real(strtod(buf, NULL)); /* for display only; the figures stay integers */
}

/* Sets key of o to v (a new reference, taken); returns 1 when that failed
 * (v NULL: out of memory), so that a caller never leaves a field out unseen. */
int metrics_json_put(json_t *o, const char *key, json_t *v)
{
    if (!o || !v) {
        json_decref(v);
        return 1;
    }
    return json_object_set_new(o, key, v) != 0;
}

/* Writes arr as indented JSON and a newline. */
cp_err metrics_json_dump(json_t *arr, FILE *f)
{
    if (json_dumpf(arr, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0 ||
        fputc('\n', f) == EOF)
        return cp_fail(CP_ERR_IO, "could not write the JSON output");
    return CP_OK;
}

cp_err metrics_print_json(const metrics_table *t, FILE *f)
{
    json_t *arr = json_array();
    cp_err err = CP_OK;
    int bad = !arr;

    for (size_t i = 0; i < t->n && !bad; i++) {
        const metrics_row *r = &t->rows[i];
        json_t *o = json_object();
        bad |= metrics_json_put(o, "code", text_json(r->code));
        bad |= metrics_json_put(o, "name", text_json(r->name)); /* valid JSON whatever the name holds */
        bad |= metrics_json_put(o, "meals", json_integer(r->meals));
        bad |= metrics_json_put(o, "diners", json_integer(r->diners));
        /* why a department with five diners may not be ranked */
        bad |= metrics_json_put(o, "tray_diners", json_integer(r->tray_diners));
        bad |= metrics_json_put(o, "trays", json_integer(r->trays));
        bad |= metrics_json_put(o, "plate_g", json_integer(r->plate_g));
        bad |= metrics_json_put(o, "g_per_tray",
                   r->g_per_tray_x10 >= 0 ? metrics_json_scaled(r->g_per_tray_x10, 1) : json_null());
        bad |= metrics_json_put(o, "clean_rate",
                   r->clean_rate_permille >= 0 ? metrics_json_scaled(r->clean_rate_permille, 3) : json_null());
        bad |= metrics_json_put(o, "coverage",
                   r->coverage_permille >= 0 ? metrics_json_scaled(r->coverage_permille, 3) : json_null());
        bad |= metrics_json_put(o, "eligible", json_boolean(r->eligible));
        bad |= metrics_json_put(o, "rank", r->rank ? json_integer(r->rank) : json_null());
        bad |= metrics_json_put(o, "list", r->list ? json_string(r->list) : json_null());
        bad |= metrics_json_put(o, "change_g_per_tray", r->has_change ? metrics_json_scaled(r->change_x10, 1) : json_null());
        /* the trays of the department left out of the figures above (a contract) */
        bad |= metrics_json_put(o, "flagged_trays", json_integer(r->flagged_trays));
        bad |= !o || json_array_append_new(arr, o) != 0;
    }
    err = bad ? cp_fail(CP_ERR_NOMEM, "out of memory writing the JSON output")
              : metrics_json_dump(arr, f);
    json_decref(arr);
    return err;
}

void metrics_csv_figures(csvout *w, const metrics_row *r)
{
    char a[24], b[24], c[24];

    csvout_int(w, r->meals);
    csvout_int(w, r->diners);
    csvout_int(w, r->trays);
    csvout_int(w, r->plate_g);
    csvout_number(w, r->g_per_tray_x10 >= 0 ? metrics_x10(r->g_per_tray_x10, a) : "");
    csvout_number(w, metrics_ratio(r->clean_rate_permille, b));
    csvout_number(w, metrics_ratio(r->coverage_permille, c));
}

cp_err metrics_print_csv(const metrics_table *t, FILE *f)
{
    char e[24];
    csvout w;

    csvout_begin(&w, f);
    csvout_header(&w, "code,name,meals,diners,trays,plate_g,g_per_tray,clean_rate,coverage,"
                      "eligible,rank,list,change_g_per_tray,flagged_trays");
    for (size_t i = 0; i < t->n; i++) {
        const metrics_row *r = &t->rows[i];
        csvout_text(&w, r->code);
        csvout_text(&w, r->name);
        metrics_csv_figures(&w, r);
        csvout_text(&w, r->eligible ? "yes" : "no");
        csvout_number(&w, r->rank ? (snprintf(e, sizeof e, "%d", r->rank), e) : "");
        csvout_text(&w, r->list);
        csvout_number(&w, r->has_change ? metrics_x10(r->change_x10, e) : "");
        csvout_int(&w, r->flagged_trays);
        csvout_end_row(&w);
    }
    return csvout_finish(&w);
}
