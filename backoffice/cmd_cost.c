/* cmd_cost: the cost accounting commands: food categories, purchases, stock counts and `report cost`. */
#include "backoffice/cmd_cost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/cost_output.h"
#include "backoffice/csvout.h"
#include "backoffice/report_cost.h"
#include "core/clock.h"
#include "core/food.h"
#include "core/money.h"
#include "core/utf8.h"
#include "core/nls.h"

int cmd_food_add(office_ctx *c)
{
    const char *manager;
    cp_err err;
    int rc;

    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = food_category_add(c->d, c->pos[0], manager)))
        return office_fail(err);
    printf(_("added the food category %s (for purchases, stock counts and kitchen waste; add it "
             "to the stations' categories too)\n"), c->pos[0]);
    return 0;
}

static cp_err print_category(const char *name, void *arg)
{
    (void)arg;
    puts(name);
    return CP_OK;
}

int cmd_food_list(office_ctx *c)
{
    cp_err err = food_category_list(c->d, print_category, NULL);
    return err ? office_fail(err) : 0;
}

/* A count's value per kg this many times the highest price ever paid for
 * its category is said to be a likely typo (meat counted against the
 * price of vegetables would still be below it); so is a purchase's price
 * per kg this many times above or below every price paid for it before (a
 * weight typed in grams is 1000 times; one in jin, 2 times, is not seen:
 * a category's foods differ more than that). */
#define STOCK_PRICE_WARN_TIMES 5

/* Warns on stderr (where: "" or "FILE:LINE: ") when check says the price is
 * far from every price paid for category before. Recorded all the same: a
 * reversal takes it back. */
static void warn_price(const char *where, const char *category, const food_price_check *k)
{
    char m[4][MONEY_STR_LEN];

    money_format(k->fen, m[0]);
    money_format_kg(k->grams, m[1]);
    money_format(k->lowest, m[2]);
    money_format(k->highest, m[3]);
    if (k->times_above >= STOCK_PRICE_WARN_TIMES)
        fprintf(stderr, _("cleanplate-office: %swarning: %s yuan for %s kg is %lld times the "
                          "highest price paid for %s here before (%s to %s yuan/kg): a typo? "
                          "If so, `purchase reverse` it and enter it again\n"),
                where, m[0], m[1], (long long)k->times_above, category, m[2], m[3]);
    else if (k->times_below >= STOCK_PRICE_WARN_TIMES)
        fprintf(stderr, _("cleanplate-office: %swarning: %s yuan for %s kg is %lld times below "
                          "the lowest price paid for %s here before (%s to %s yuan/kg): a "
                          "weight in grams, not kg? If so, `purchase reverse` it and enter it "
                          "again\n"),
                where, m[0], m[1], (long long)k->times_below, category, m[2], m[3]);
}

int cmd_purchase_add(office_ctx *c)
{
    const char *manager;
    char id[IDS_LEN];
    cp_err err;
    int rc;

    if ((rc = office_need(c, "canteen")) || (rc = office_need(c, "date")) ||
        (rc = office_need(c, "supplier")) || (rc = office_need(c, "category")) ||
        (rc = office_need(c, "kg")) || (rc = office_need(c, "yuan")) ||
        (rc = office_manager(c, "manager", &manager)))
        return rc;
    food_purchase p = {office_opt(c, "canteen"), office_opt(c, "date"), office_opt(c, "supplier"),
                       office_opt(c, "category"), office_opt(c, "kg"), office_opt(c, "yuan"),
                       office_opt(c, "invoice")};
    food_price_check k;
    /* beside what was paid before this one */
    if ((err = food_purchase_price_check(c->d, p.canteen, p.category, p.kg, p.yuan, &k)) ||
        (err = food_purchase_add(c->d, &p, manager, id)))
        return office_fail(err);
    printf(_("purchase %s: %s %s %s kg for %s yuan from %s\n"), id, p.canteen, p.category, p.kg,
           p.yuan, p.supplier);
    warn_price("", p.category, &k);
    return 0;
}

int cmd_purchase_reverse(office_ctx *c)
{
    char m[2][MONEY_STR_LEN];
    const char *manager;
    food_reversal r;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "reason")) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = food_purchase_reverse(c->d, c->pos[0], office_opt(c, "reason"), manager, &r)))
        return office_fail(err);
    printf(_("purchase %s reversed by %s: %s %s kg, %s yuan taken off %s\n"), c->pos[0], r.id,
           r.category, money_format_kg(r.grams, m[0]), money_format(r.fen, m[1]), r.date);
    return 0;
}

/* purchase list: a row as a table line or a CSV row. */
typedef struct list_out {
    int csv;
    csvout w;
} list_out;

static cp_err print_purchase(const food_purchase_row *r, void *arg)
{
    list_out *o = arg;
    char m[2][MONEY_STR_LEN];

    money_format_kg(r->grams, m[0]);
    money_format(r->fen, m[1]);
    if (o->csv) {
        const char *texts[] = {r->id, r->canteen, r->date};
        for (int k = 0; k < 3; k++)
            csvout_text(&o->w, texts[k]);
        csvout_text(&o->w, r->category);
        csvout_number(&o->w, m[0]);
        csvout_number(&o->w, m[1]);
        csvout_text(&o->w, r->supplier);
        csvout_text(&o->w, r->invoice);
        csvout_text(&o->w, r->reverses);
        csvout_text(&o->w, r->reason);
        csvout_end_row(&o->w);
        return CP_OK;
    }
    /* people's text last: supplier, its invoice, then what a reversal says */
    printf("%-32s %-6s %s %10s %10s %-8s %s%s%s%s%s%s%s\n", r->id, r->canteen, r->date, m[0],
           m[1], r->category, r->supplier, *r->invoice ? _("  invoice ") : "", r->invoice,
           *r->reverses ? _("  reverses ") : "", r->reverses, *r->reason ? ": " : "", r->reason);
    if (r->reversed)
        printf("%-32s (reversed)\n", "");
    return CP_OK;
}

int cmd_purchase_list(office_ctx *c)
{
    list_out o = {office_opt(c, "csv") != NULL, {0}};
    cp_err err;
    int rc;

    if ((rc = office_need(c, "month")))
        return rc;
    if (o.csv) {
        csvout_begin(&o.w, stdout);
        csvout_header(&o.w, "id,canteen,date,category,kg,yuan,supplier,invoice,reverses,reason");
    } else {
        printf("%-32s %-6s %-10s %10s %10s %-8s %s\n", "ID", "CANTEEN", "DATE", "KG", "YUAN",
               "CATEGORY", "SUPPLIER");
    }
    err = food_purchase_list(c->d, office_opt(c, "month"), office_opt(c, "canteen"),
                             print_purchase, &o);
    if (!err && o.csv)
        err = csvout_finish(&o.w);
    return err ? office_fail(err) : 0;
}

/* The price check of each line of a purchases file (its header first),
 * into *out (malloc'd, one per row); a line that does not parse is left
 * for the import to refuse. */
static cp_err import_price_checks(office_ctx *c, const csv_table *t, food_price_check **out)
{
    cp_err err;

    if (!(*out = calloc(t->nrows ? t->nrows : 1, sizeof **out)))
        return cp_fail(CP_ERR_NOMEM, "out of memory reading %s", c->pos[0]);
    for (size_t i = 1; i < t->nrows; i++)
        if (t->rows[i].nfields == 6 &&
            (err = food_purchase_price_check(c->d, office_opt(c, "canteen"),
                                             t->rows[i].fields[2], t->rows[i].fields[3],
                                             t->rows[i].fields[4], &(*out)[i])))
            return err;
    return CP_OK;
}

/* The warnings of import_price_checks, each with its file and line. */
static void warn_import_prices(const char *name, const csv_table *t, const food_price_check *k)
{
    char where[512];

    for (size_t i = 1; i < t->nrows; i++) {
        utf8_format(where, sizeof where, "%s:%ld: ", name, t->rows[i].line);
        warn_price(where, t->rows[i].fields[2], &k[i]);
    }
}

int cmd_import_purchases(office_ctx *c)
{
    char m[2][MONEY_STR_LEN];
    const char *manager;
    csv_table *t = NULL;
    food_price_check *k = NULL;
    int64_t g = 0, fen = 0;
    long n = 0;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "canteen")))
        return rc;
    if ((err = csvread_file(c->pos[0], &t)) == CP_OK) {
        if ((rc = office_manager(c, "manager", &manager))) {
            csvread_free(t);
            return rc;
        }
        /* each line beside what was paid before the file */
        if (!(err = import_price_checks(c, t, &k)))
            err = food_import_purchases(c->d, t, c->pos[0], office_opt(c, "canteen"), manager,
                                        &n, &g, &fen);
    }
    if (!err)
        warn_import_prices(c->pos[0], t, k);
    free(k);
    csvread_free(t);
    if (err) {
        fprintf(stderr, _("cleanplate-office: %s (nothing was imported)\n"), cp_detail());
        return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
    }
    printf(P_("imported %ld purchase for canteen %s: %s kg, %s yuan\n",
              "imported %ld purchases for canteen %s: %s kg, %s yuan\n", (unsigned long)n), n,
           office_opt(c, "canteen"), money_format_kg(g, m[0]), money_format(fen, m[1]));
    return 0;
}


int cmd_stock_count(office_ctx *c)
{
    const char *manager;
    char id[IDS_LEN], money[MONEY_STR_LEN];
    int64_t times = 0, paid = 0;
    int recount = 0;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "canteen")) || (rc = office_need(c, "month")) ||
        (rc = office_need(c, "category")) || (rc = office_need(c, "yuan")) ||
        (rc = office_manager(c, "manager", &manager)))
        return rc;
    food_count fc = {office_opt(c, "canteen"), office_opt(c, "month"), office_opt(c, "category"),
                     office_opt(c, "yuan"), office_opt(c, "kg")};
    if ((err = food_stock_count(c->d, &fc, manager, id, &recount)))
        return office_fail(err);
    printf(_("stock count %s: %s %s at the end of %s: %s yuan%s%s%s%s\n"), id, fc.canteen,
           fc.category, fc.month, fc.yuan, fc.kg ? _(", ") : "", fc.kg ? fc.kg : "",
           fc.kg ? _(" kg") : "", recount ? _(" (a recount: it replaces the earlier count)") : "");
    /* recorded all the same (a recount corrects it), but said: a zero too
     * many makes the month's food used, and its cost, negative */
    if (!food_count_price_ratio(c->d, &fc, &times, &paid) && times >= STOCK_PRICE_WARN_TIMES)
        fprintf(stderr, _("cleanplate-office: warning: that is %lld times the highest price ever "
                          "paid for %s here (%s yuan/kg): if it is a typo, count again (the new "
                          "count replaces this one)\n"),
                (long long)times, fc.category, money_format(paid, money));
    return 0;
}

/* --year: a whole number from CLOCK_YEAR_MIN to CLOCK_YEAR_MAX. */
static int parse_year(const char *s, int *year)
{
    char month[16];
    int m;

    snprintf(month, sizeof month, "%.8s-01", s);
    if (strlen(s) != 4 || clock_parse_month(month, year, &m) != CP_OK) {
        fprintf(stderr, _("cleanplate-office: --year '%s': give a year from %d to %d, like 2026\n"),
                s, CLOCK_YEAR_MIN, CLOCK_YEAR_MAX);
        return 2;
    }
    return 0;
}

static int report_year(office_ctx *c, int64_t food_cost)
{
    report_cost_req req = {office_opt(c, "canteen"), 0, office_opt(c, "out"),
                           office_opt(c, "font"), food_cost, c->actor};
    cost_month months[12];
    cost_total total;
    int pages = 0, rc;
    cp_err err;

    if ((rc = parse_year(office_opt(c, "year"), &req.year)))
        return rc;
    if (req.out) {
        if ((err = report_cost_year(c->d, &req, &pages)))
            return office_fail(err);
        printf(P_("wrote %s: %d page, the year %d month by month against the %d%% rule, to be "
                  "signed\n",
                  "wrote %s: %d pages, the year %d month by month against the %d%% rule, to be "
                  "signed\n", (unsigned long)pages), req.out, pages, req.year, COST_RULE_PCT);
        return 0;
    }
    if ((err = cost_begin_year(c->d, req.year)))
        return office_fail(err);
    err = cost_year(c->d, req.canteen, req.year, food_cost, months, &total);
    db_rollback(c->d);
    if (err)
        return office_fail(err);
    err = cost_print_year(req.year, months, &total, stdout);
    for (int k = 0; k < 12; k++)
        cost_month_free(&months[k]);
    return err ? office_fail(err) : 0;
}

int cmd_report_cost(office_ctx *c)
{
    const char *month = office_opt(c, "month"), *v;
    int json = office_opt(c, "json") != NULL, csv = office_opt(c, "csv") != NULL, rc;
    int64_t food_cost = 2000; /* the metrics' default, 20 yuan per kg */
    cost_report r;
    cp_err err;

    if ((month != NULL) == (office_opt(c, "year") != NULL)) {
        fprintf(stderr, _("cleanplate-office: give --month YYYY-MM or --year YYYY\n"));
        return 2;
    }
    if ((v = office_opt(c, "food-cost")) && (rc = office_parse_yuan(v, &food_cost)))
        return rc;
    if (json && csv) {
        fprintf(stderr, _("cleanplate-office: give --json or --csv, not both\n"));
        return 2;
    }
    if (!month && (json || csv)) {
        fprintf(stderr, _("cleanplate-office: --year prints a table, or a PDF with --out "
                          "FILE.pdf; --json and --csv go with --month\n"));
        return 2;
    }
    if (!month)
        return report_year(c, food_cost);
    if (office_opt(c, "out") || office_opt(c, "font")) {
        fprintf(stderr, _("cleanplate-office: a month's cost is in its monthly PDF (report "
                          "monthly); --out goes with --year\n"));
        return 2;
    }
    if ((err = cost_begin_month(c->d, month)))
        return office_fail(err);
    err = cost_report_month(c->d, office_opt(c, "canteen"), month, food_cost, &r);
    db_rollback(c->d);
    if (err)
        return office_fail(err);
    err = json ? cost_print_json(&r, stdout) : csv ? cost_print_csv(&r, stdout)
                                                   : cost_print_text(&r, stdout);
    cost_report_free(&r);
    return err ? office_fail(err) : 0;
}

int cmd_cost_close(office_ctx *c)
{
    const char *manager, *canteen = office_opt(c, "canteen");
    long closed = 0;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "month")) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = food_close_month(c->d, canteen, office_opt(c, "month"), manager, &closed)))
        return office_fail(err);
    if (canteen)
        printf(_("closed the cost books of %s at canteen %s: a later delivery or count goes in "
                 "the open month\n"), office_opt(c, "month"), canteen);
    else
        printf(P_("closed the cost books of %s at %ld canteen: a later delivery or count goes "
                  "in the open month\n",
                  "closed the cost books of %s at %ld canteens: a later delivery or count goes "
                  "in the open month\n", (unsigned long)closed),
               office_opt(c, "month"), closed);
    return 0;
}
