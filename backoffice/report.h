/* report: the monthly and quarterly PDF reports, and the sales and balances CSVs for the books. */
#ifndef CP_REPORT_H
#define CP_REPORT_H

#include <stdio.h>

#include "backoffice/metrics.h"
#include "backoffice/pdf.h"
#include "core/db.h"

typedef struct report_req {
    const char *month;       /* monthly: "2026-11" */
    const char *quarter;     /* quarterly: "2026Q4" */
    const char *out;         /* the PDF to write */
    const char *font;        /* NULL: the default CJK font */
    const char *rubric;      /* quarterly: an INI file with a [rubric] section, or NULL */
    int provisional;         /* quarterly: a quarter not ended yet is reported, as a draft */
    metrics_opts opts;       /* canteen, thresholds, cost and CO2e factors */
} report_req;

typedef struct report_res {
    int pages;
    char publication[64];    /* the month's latest red/black list, "" when unpublished */
    int lists_differ;        /* monthly: its lists, computed now, are not the publication's */
    int score;               /* quarterly: points out of 100 */
    const char *grade;       /* quarterly: 优, 良, 中 or 差; NULL when provisional */
    int provisional;         /* quarterly: the quarter had not ended: marked, not graded */
} report_res;

/* The monthly report: summary and change from last month, g per tray by
 * department, a 12-month trend, kitchen waste, cost and CO2e, the red and
 * black lists, every department's figures and the methodology. */
cp_err report_monthly(db *d, const report_req *req, report_res *res);

/* The quarterly evaluation, scored by the rubric. A quarter that has not
 * ended is refused (CP_ERR_INVALID) unless req->provisional: then every page
 * is marked 临时报告 PROVISIONAL and no grade is given. */
cp_err report_quarterly(db *d, const report_req *req, report_res *res);

/* Sales between two dates (inclusive) grouped by day, terminal, cashier or
 * period, as CSV (csv set) or a table. */
cp_err report_sales(db *d, const char *from, const char *to, const char *by, int csv, FILE *f);

/* What the canteen owes each diner (cash and subsidy), as CSV or a table. */
cp_err report_balances(db *d, int csv, FILE *f);

/* Draws "范围: " and the name of canteen (a code; whole, as the PDF can draw
 * it), or "全部食堂" for NULL. */
void report_scope_line(db *d, pdf_doc *doc, const char *canteen);

/* Adds a table of departments to doc: rank, name, meals, diners, trays, g per
 * tray, clean rate, coverage and change, red and black rows marked. Only one
 * list ("red", "black") or, with only NULL, every eligible department (every
 * department with all set). */
void report_department_table(pdf_doc *doc, const metrics_table *t, const char *only, int all);

#endif
