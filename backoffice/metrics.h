/* metrics: waste figures per department, canteen and meal period, and the fair ranking. */
#ifndef CP_METRICS_H
#define CP_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "backoffice/csvout.h"
#include "core/db.h"
#include "core/rollup.h"

/* The threshold the daily rollups count clean trays at (core/rollup.h). */
#define METRICS_ROLLUP_THRESHOLD_G ROLLUP_THRESHOLD_G
/* Published groups are never smaller than this many distinct diners. */
#define METRICS_MIN_DINERS 5

/* A month ("2026-11") or a quarter ("2026Q4") as a range of business dates. */
typedef struct metrics_span {
    char label[32];                /* "2026-11" or "2026Q4" */
    char from[32], to[32];         /* inclusive business dates */
    char months[3][32];            /* the months it covers */
    int nmonths;
    char prev_label[32];           /* the span before it, of the same length */
} metrics_span;

typedef struct metrics_opts {
    const char *canteen;           /* canteen code, or NULL for all */
    int clean_threshold_g;         /* --clean-threshold, default 10 */
    int min_meals;                 /* --min-meals, default 20 */
    int min_coverage_pct;          /* --min-coverage as percent, default 50 */
    int red, black;                /* list sizes, default 3 and 3 */
    int64_t food_cost_fen_per_kg;  /* cost of waste, default 20 yuan per kg */
    int64_t co2e_milli_per_kg;     /* kg CO2e per kg of food waste x 1000, default 2500 */
    int progress;                  /* show progress on stderr (a terminal) */
} metrics_opts;

/* Sets the defaults above. */
void metrics_opts_init(metrics_opts *o);

/* One department's figures. Ratios are kept as integers: tenths of grams,
 * and per-mille (0-1000) for rates, rounded half up. Weighings flagged
 * WASTE_FLAGS_LEFT_OUT (core/waste.h) are in flagged_trays only. */
typedef struct metrics_row {
    char code[64];                 /* 1-32 letters, digits, - or _ */
    char *name;                    /* the department's name, whole; owned by the table */
    int64_t meals, diners, trays, plate_g, clean_trays;
    int64_t tray_diners;           /* diners whose trays make the figure: with diners,
                                    * at least METRICS_MIN_DINERS to be ranked */
    int64_t flagged_trays;         /* the department's trays left out of the figures */
    int64_t g_per_tray_x10;        /* -1 when trays == 0 */
    int clean_rate_permille;       /* -1 when trays == 0 */
    int coverage_permille;         /* -1 when meals == 0; at most 1000 (metrics_coverage) */
    int eligible;
    int rank;                      /* 1..n among eligible, 0 when not eligible */
    const char *list;              /* "red", "black" or NULL */
    int has_change;
    int64_t change_x10;            /* g_per_tray minus the previous span's, tenths */
} metrics_row;

typedef struct metrics_table {
    metrics_span span;
    metrics_opts opts;
    metrics_row *rows;             /* sorted: eligible by rank, then the rest by code */
    size_t n;
    long eligible;
    int64_t flagged_trays;         /* plate weighings left out: the rows' and anonymous ones */
    int64_t manual_trays;          /* of the trays counted, typed in by hand (`waste add`) */
} metrics_table;

/* Parses --month or --quarter (exactly one given) into *span; only the years
 * a canteen can have (CLOCK_YEAR_MIN to CLOCK_YEAR_MAX, core/clock.h). */
cp_err metrics_span_parse(const char *month, const char *quarter, metrics_span *span);

/* The span of one month (1-12) of a year; not checked against the years a
 * person may type, for the months a report looks back on. */
void metrics_span_of_month(int year, int month, metrics_span *span);

/* The span before span, of the same kind (prev_label). */
void metrics_span_before(const metrics_span *span, metrics_span *prev);

/* Rolls up every closed day (before today) of span that is not rolled up yet;
 * *days gets how many were. Done by the metrics themselves; also run alone.
 * On a store that takes no writes (a hot standby, db_read_only) a day not
 * rolled up cannot be: *from_records is then 1 (else 0), days stays 0, and
 * the caller reads the whole span from the records themselves, as for a
 * clean-plate threshold of its own (slower, the same figures). The same
 * inside a transaction (metrics_begin_read's), which a rollup cannot join. */
/* Begins the reading of one report whose last span is last and which also
 * reads the months_back months before it (a change against last month: 1; a
 * year's trend: 11): rolls up their closed days first (metrics_rollup, each
 * day its own write), then opens a read transaction (db_begin_read), so that
 * every figure read until the caller's db_rollback is the store at one
 * instant. A sale or tray that comes meanwhile is in none of them, rather
 * than in the month's total and missing from its department table. Inside
 * it metrics_rollup writes nothing: a day whose rollup a late record undid
 * since is read from the records. o NULL: the default threshold. */
cp_err metrics_begin_read(db *d, const metrics_span *last, int months_back,
                          const metrics_opts *o);

/* Forgets the rollups of span's days (their marks in rollup_days), so that
 * the next metrics_rollup sums each closed day again from its records: what
 * `rollup --redo` does after verify found a rollup that differs from them. */
cp_err metrics_rollup_forget(db *d, const metrics_span *span);

cp_err metrics_rollup(db *d, const metrics_span *span, int progress, long *days,
                      int *from_records);

/* Rolls up one closed day. The sums are taken outside the write lock, and
 * taken again inside it when a record of the day arrived meanwhile. between,
 * when set, is called while the lock is free (tests use it to add such a
 * record); the program passes NULL. */
cp_err metrics_rollup_day(db *d, const char *date, void (*between)(void *), void *arg);

/* Department figures for span, ranked. Caller owns *out (metrics_free). */
cp_err metrics_departments(db *d, const metrics_span *span, const metrics_opts *o,
                           metrics_table **out);

/* Frees a table and its rows' names; accepts NULL. */
void metrics_free(metrics_table *t);

/* Output formats of the department table. */
cp_err metrics_print_text(const metrics_table *t, FILE *f);
cp_err metrics_print_json(const metrics_table *t, FILE *f);
cp_err metrics_print_csv(const metrics_table *t, FILE *f);

/* Writes the figures of a row as the CSV cells meals, diners, trays, plate_g,
 * g_per_tray, clean_rate and coverage (every CSV of departments has them). */
void metrics_csv_figures(csvout *w, const metrics_row *r);

/* The per-canteen and per-period views, printed directly (json: 1 for JSON,
 * csv: 1 for CSV, else a table). */
cp_err metrics_print_canteens(db *d, const metrics_span *span, const metrics_opts *o,
                              int json, int csv, FILE *f);
cp_err metrics_print_periods(db *d, const metrics_span *span, const metrics_opts *o,
                             int json, int csv, FILE *f);

/* Meals and money taken of one meal period (by name; "" outside one) and
 * diner category, sales that were voided left out. */
typedef struct metrics_sales_row {
    char period[64];
    char category[64];             /* a diner category: 1-32 lowercase letters */
    int64_t meals, total_fen, subsidy_fen, cash_fen;
} metrics_sales_row;

/* The sales of span in canteen_id (0: every canteen) by meal period and diner
 * category, from the rollups for closed days (rolled up first when they are
 * not) and from the sales for the rest. Caller frees *out. */
cp_err metrics_sales(db *d, const metrics_span *span, int64_t canteen_id,
                     metrics_sales_row **out, size_t *n);

/* Kitchen waste of one stage, category and reason (people's text, whole, owned). */
typedef struct metrics_kitchen {
    char stage[16];
    char *category, *reason;
    int64_t grams;
} metrics_kitchen;

/* The figures of a whole canteen (or of all canteens) for a span. */
typedef struct metrics_summary {
    int64_t meals, diners, trays, plate_g, clean_trays, anon_trays, anon_g, kitchen_g;
    int64_t serving_days, weighing_days;  /* days with sales; of those, days with a tray */
    int64_t flagged_trays, flagged_kitchen; /* weighings left out: plate, kitchen */
    int64_t manual_trays;                 /* of the trays counted, typed in by hand */
    metrics_kitchen *kitchen;             /* by stage, then category, then reason */
    size_t nkitchen;
} metrics_summary;

/* Adds up span for o->canteen (or every canteen). Caller frees with
 * metrics_summary_free. */
cp_err metrics_summarize(db *d, const metrics_span *span, const metrics_opts *o,
                         metrics_summary *out);
void metrics_summary_free(metrics_summary *s);

/* metrics_summarize without the distinct diners (diners stays 0): that count
 * reads every diner of the span, and the cost accounting needs only the waste. */
cp_err metrics_summarize_waste(db *d, const metrics_span *span, const metrics_opts *o,
                               metrics_summary *out);

/* True when the span had anything at all: meals or weighings (flagged too). */
int metrics_summary_has_data(const metrics_summary *s);

/* Total waste (plate, anonymous trays and kitchen) of a summary in grams, and
 * its cost in fen and CO2e in grams with o's factors (rounded half up). */
int64_t metrics_total_g(const metrics_summary *s);
int64_t metrics_cost_fen(const metrics_summary *s, const metrics_opts *o);
int64_t metrics_co2e_g(const metrics_summary *s, const metrics_opts *o);

/* a / b x scale rounded half up; -1 when b is 0. */
int64_t metrics_scaled(int64_t a, int64_t b, int64_t scale);

/* The share of meals weighed, trays / meals x scale rounded half up, never
 * above scale (100 %); -1 when there were no meals. */
int64_t metrics_coverage(int64_t trays, int64_t meals, int64_t scale);

/* Formats tenths as "12.3" and per-mille as "0.875" into buf (size >= 24);
 * negative (unknown) values give "". */
const char *metrics_x10(int64_t v, char *buf);
const char *metrics_ratio(int v, char *buf);

#endif
