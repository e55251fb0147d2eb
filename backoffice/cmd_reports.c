/* cmd_reports: `cleanplate-office metrics`, `rollup`, `publish redblack`, `publications` and `report monthly|quarterly|sales|balances`: what the store adds up. */
#include "backoffice/cmd_reports.h"

#include <stdio.h>
#include <string.h>

#include "backoffice/metrics.h"
#include "backoffice/publish.h"
#include "backoffice/report.h"
#include "core/money.h"
#include "core/nls.h"

/* Reads an integer option in [min, max] into *out (unchanged when absent). */
static int int_opt(const office_ctx *c, const char *name, long min, long max, int *out)
{
    return office_int_opt(c, name, min, max, out);
}

/* The metrics options shared by metrics, publish and report. */
static int metrics_options(const office_ctx *c, metrics_opts *o)
{
    const char *v;
    int64_t n;
    int rc;

    metrics_opts_init(o);
    o->canteen = office_opt(c, "canteen");
    o->progress = 1;
    if ((rc = int_opt(c, "clean-threshold", 0, 1000, &o->clean_threshold_g)) ||
        (rc = int_opt(c, "min-meals", 0, 1000000, &o->min_meals)) ||
        (rc = int_opt(c, "red", 0, 1000, &o->red)) ||
        (rc = int_opt(c, "black", 0, 1000, &o->black)))
        return rc;
    if ((v = office_opt(c, "min-coverage"))) {
        if (money_parse_yuan(v, &n) || n > 100) {
            fprintf(stderr, _("cleanplate-office: --min-coverage '%s': give a fraction from 0 "
                              "to 1, like 0.5\n"), v);
            return 2;
        }
        o->min_coverage_pct = (int)n;
    }
    if ((v = office_opt(c, "food-cost")) && (rc = office_parse_yuan(v, &o->food_cost_fen_per_kg)))
        return rc;
    if ((v = office_opt(c, "co2e-factor"))) {
        if (money_parse_yuan(v, &n) || n > 100000) {
            fprintf(stderr, _("cleanplate-office: --co2e-factor '%s': give kg CO2e per kg, like "
                              "2.5\n"), v);
            return 2;
        }
        o->co2e_milli_per_kg = n * 10;
    }
    return 0;
}

int cmd_metrics(office_ctx *c)
{
    const char *by = office_opt(c, "by") ? office_opt(c, "by") : "department";
    int json = office_opt(c, "json") != NULL, csv = office_opt(c, "csv") != NULL, rc;
    metrics_table *t = NULL;
    metrics_span span;
    metrics_opts o;
    cp_err err;

    if ((rc = metrics_options(c, &o)))
        return rc;
    if (json && csv) {
        fprintf(stderr, _("cleanplate-office: give --json or --csv, not both\n"));
        return 2;
    }
    /* the lists' options rank departments: by canteen or period they would
     * be taken and do nothing */
    if (strcmp(by, "department") != 0) {
        static const char *const lists[] = {"red", "black", "min-meals", "min-coverage"};
        for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
            if (office_opt(c, lists[i])) {
                fprintf(stderr, _("cleanplate-office: --%s ranks departments: it goes with "
                                  "--by department, not --by %s\n"), lists[i], by);
                return 2;
            }
    }
    if ((err = metrics_span_parse(office_opt(c, "month"), office_opt(c, "quarter"), &span)) ||
        (err = metrics_begin_read(c->d, &span, 1, &o)))
        return office_fail(err);
    if (strcmp(by, "canteen") == 0)
        err = metrics_print_canteens(c->d, &span, &o, json, csv, stdout);
    else if (strcmp(by, "period") == 0)
        err = metrics_print_periods(c->d, &span, &o, json, csv, stdout);
    else if (strcmp(by, "department") != 0)
        err = cp_fail(CP_ERR_INVALID, "--by '%s': use department, canteen or period", by);
    else if (!(err = metrics_departments(c->d, &span, &o, &t)))
        err = json  ? metrics_print_json(t, stdout)
              : csv ? metrics_print_csv(t, stdout)
                    : metrics_print_text(t, stdout);
    db_rollback(c->d);
    metrics_free(t);
    return err ? office_fail(err) : 0;
}

int cmd_rollup(office_ctx *c)
{
    metrics_span span;
    long days;
    int read_only, from_records; /* the latter stays 0: the store takes writes */
    cp_err err;

    if ((err = metrics_span_parse(office_opt(c, "month"), office_opt(c, "quarter"), &span)) ||
        (err = db_read_only(c->d, &read_only)))
        return office_fail(err);
    if (read_only) {
        fprintf(stderr, _("cleanplate-office: rollup: this store takes no writes (a standby): "
                          "run it on the primary (with several hosts in --db, "
                          "target_session_attrs=read-write)\n"));
        return 1;
    }
    if (office_opt(c, "redo") && (err = metrics_rollup_forget(c->d, &span)))
        return office_fail(err);
    if ((err = metrics_rollup(c->d, &span, 1, &days, &from_records)))
        return office_fail(err);
    printf(P_("rolled up %ld closed day of %s\n", "rolled up %ld closed days of %s\n",
              (unsigned long)days), days, span.label);
    return 0;
}

int cmd_publish_redblack(office_ctx *c)
{
    publish_req req = {0};
    publish_res res;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "month")) || (rc = office_need(c, "out")) ||
        (rc = metrics_options(c, &req.opts)))
        return rc;
    req.month = office_opt(c, "month");
    req.out_dir = office_opt(c, "out");
    req.reason = office_opt(c, "reason");
    req.force = office_opt(c, "force") != NULL;
    req.font = office_opt(c, "font");
    req.actor = c->actor;
    if ((err = publish_redblack(c->d, &req, &res)))
        return office_fail(err);
    if (res.finished) {
        printf(P_("%s was published already, by a publish cut off before it renamed its files: "
                  "renamed %d file left as .part in %s; check with verify --out %s\n",
                  "%s was published already, by a publish cut off before it renamed its files: "
                  "renamed %d files left as .part in %s; check with verify --out %s\n",
                  (unsigned long)res.finished),
               res.id, res.finished, req.out_dir, req.out_dir);
        return 0;
    }
    printf(P_("published %s: %ld eligible department, %ld on the red list, %ld on the black "
              "list\n  %s\n  %s\n  %s\n  hash %s\n  audit head %s (keep it: verify --head)\n",
              "published %s: %ld eligible departments, %ld on the red list, %ld on the black "
              "list\n  %s\n  %s\n  %s\n  hash %s\n  audit head %s (keep it: verify --head)\n",
              (unsigned long)res.rows),
           res.id, res.rows, res.red, res.black, res.paths[0],
           res.paths[1], res.paths[2], res.hash, res.audit_head);
    return 0;
}

static int cmd_report_pdf(office_ctx *c, int quarterly)
{
    report_req req = {0};
    report_res res;
    cp_err err;
    int rc;

    if ((rc = office_need(c, quarterly ? "quarter" : "month")) || (rc = office_need(c, "out")) ||
        (rc = metrics_options(c, &req.opts)))
        return rc;
    req.month = office_opt(c, "month");
    req.quarter = office_opt(c, "quarter");
    req.out = office_opt(c, "out");
    req.font = office_opt(c, "font");
    req.rubric = office_opt(c, "rubric");
    req.provisional = quarterly && office_opt(c, "provisional") != NULL;
    err = quarterly ? report_quarterly(c->d, &req, &res) : report_monthly(c->d, &req, &res);
    if (err)
        return office_fail(err);
    if (quarterly && res.provisional)
        printf(_("wrote %s: %d pages, PROVISIONAL (the quarter has not ended): %d points so far, "
                 "no grade; every page is marked 临时报告\n"), req.out, res.pages, res.score);
    else if (quarterly)
        printf(_("wrote %s: %d pages, %d points, grade %s\n"), req.out, res.pages, res.score,
               res.grade);
    else if (req.opts.canteen)
        printf(_("wrote %s: %d pages, for canteen %s alone (its lists are not the published "
                 "list, which counts every canteen)\n"), req.out, res.pages, req.opts.canteen);
    else if (res.lists_differ)
        printf(_("wrote %s: %d pages; its red and black lists, computed now, are NOT those of "
                 "the published list %s (corrected since, or other options): the report says "
                 "so; publish a new version to correct the list: cleanplate-office publish "
                 "redblack --month %s --reason TEXT\n"), req.out, res.pages, res.publication,
               req.month);
    else
        printf(_("wrote %s: %d pages%s%s\n"), req.out, res.pages,
               res.publication[0] ? _(", with the published list ")
                                  : _(" (the list is not published yet)"),
               res.publication);
    return 0;
}

int cmd_report_monthly(office_ctx *c)
{
    return cmd_report_pdf(c, 0);
}

int cmd_report_quarterly(office_ctx *c)
{
    return cmd_report_pdf(c, 1);
}

int cmd_report_sales(office_ctx *c)
{
    cp_err err;
    int rc;
    if ((rc = office_need(c, "from")) || (rc = office_need(c, "to")))
        return rc;
    err = report_sales(c->d, office_opt(c, "from"), office_opt(c, "to"),
                       office_opt(c, "by") ? office_opt(c, "by") : "day",
                       office_opt(c, "csv") != NULL, stdout);
    return err ? office_fail(err) : 0;
}

int cmd_report_balances(office_ctx *c)
{
    cp_err err = report_balances(c->d, office_opt(c, "csv") != NULL, stdout);
    return err ? office_fail(err) : 0;
}

int cmd_publications(office_ctx *c)
{
    cp_err err = publish_list(c->d, stdout);
    return err ? office_fail(err) : 0;
}
