/* report_cost: the cost accounting in PDF: the section of the monthly report and the year on one page to sign. */
#ifndef CP_REPORT_COST_H
#define CP_REPORT_COST_H

#include "backoffice/cost_collect.h"
#include "backoffice/pdf.h"
#include "core/db.h"

typedef struct report_cost_req {
    const char *canteen;           /* code, or NULL for every canteen */
    int year;
    const char *out;               /* the PDF to write */
    const char *font;              /* NULL: the default CJK font */
    int64_t food_cost_fen_per_kg;  /* the fallback price of waste */
    const char *actor;             /* who seals the audit log for the page's head */
} report_cost_req;

/* Adds the section 成本核算 of a month to doc (meal periods and diner
 * categories by the names d gives them, names_show): food used by category with the
 * stock counts, meals and money taken, cost per meal, the surplus against the
 * 2 % rule for the month and the year to date, what the waste cost and its
 * shares of food used beside the month before and the same month last year.
 * An error of its own (out of memory for the notes) is returned; one of the
 * drawing stays in doc, as pdf.h says. */
cp_err report_cost_section(pdf_doc *doc, db *d, const cost_report *r);

/* The waste cost line of a summary: what cost says (months priced at their
 * purchases, or at food_cost_fen_per_kg without any) into buf. */
void report_cost_waste_line(const cost_total *t, int64_t food_cost_fen_per_kg, char *buf,
                            size_t size);

/* The text of the 2 % rule's verdict ("在 ±2% 以内"). */
const char *report_cost_rule_zh(cost_rule r);

/* The year month by month against the 2 % rule, on one page with lines for
 * the signatures; *pages gets the page count (1 unless the font is large). */
cp_err report_cost_year(db *d, const report_cost_req *req, int *pages);

#endif
