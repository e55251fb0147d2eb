/* cost_output: the cost report as a table, JSON and CSV, and the figures' one written form.
 *
 * Every figure is an integer until it is written here; the PDF (report_cost.c)
 * writes shares and prices with the same functions, so that the PDF and the
 * JSON show the same numbers. */
#include "backoffice/cost_output.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/csvout.h"
#include "backoffice/text.h"
#include "core/money.h"
#include "core/nls.h"

/* v / 10^decimals with that many decimals ("-0.0893"). */
static const char *scaled(int64_t v, int decimals, char buf[COST_STR_LEN])
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, unit = 1;

    for (int k = 0; k < decimals; k++)
        unit *= 10;
    snprintf(buf, COST_STR_LEN, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(a / unit),
             decimals, (unsigned long long)(a % unit));
    return buf;
}

const char *cost_pct(int64_t x10000, int known, char buf[COST_STR_LEN])
{
    buf[0] = '\0';
    if (known) {
        scaled(x10000, 2, buf); /* at most 23 characters: room for the sign */
        strcat(buf, "%");
    }
    return buf;
}

const char *cost_yuan_per_kg(int64_t fen, int64_t g, char buf[COST_STR_LEN])
{
    return scaled(cost_muldiv(fen, 1000, g), 2, buf);
}

const char *cost_x10(int64_t v, char buf[COST_STR_LEN])
{
    return scaled(v, 1, buf);
}

const char *cost_priced_name(cost_priced p)
{
    return p == COST_PRICED_CATEGORY    ? "category"
           : p == COST_PRICED_ALL_FOOD  ? "all_food"
           : p == COST_PRICED_CANTEENS  ? "canteens"
                                        : "food_cost";
}

/* fen as money_format writes it when known, else none: the closing stock
 * and food used of a month that has not ended are not known yet. */
static const char *money_if(int known, int64_t fen, const char *none, char buf[COST_STR_LEN])
{
    return known ? money_format(fen, buf) : none;
}

/* g in kg when known, else none (as money_if). */
static const char *kg_if(int known, int64_t g, const char *none, char buf[COST_STR_LEN])
{
    return known ? money_format_kg(g, buf) : none;
}

/* ---- text ------------------------------------------------------------------ */

/* " (2026-10: 4.00%, 2025-11: no data)" for a share beside the months before. */
static void beside(const cost_report *r, int which, char *out, size_t size)
{
    const cost_month *m[2] = {&r->prev, &r->last_year};
    char a[2][COST_STR_LEN];

    for (int k = 0; k < 2; k++) {
        int64_t v = which == 0   ? m[k]->share_weight_x10000
                    : which == 1 ? m[k]->share_money_x10000
                                 : m[k]->g_per_meal_x10;
        if (!m[k]->has_data || v < 0)
            snprintf(a[k], sizeof a[k], "%s", _("no data"));
        else if (which == 2)
        {
            cost_x10(v, a[k]);
            strcat(a[k], _(" g"));
        }
        else
            cost_pct(v, 1, a[k]);
    }
    /* TRANSLATORS: the month before and the same month last year, each with its figure */
    snprintf(out, size, _(" (%s: %s, %s: %s)"), m[0]->month, a[0], m[1]->month, a[1]);
}

/* The categories not counted, "肉禽, 主食", every one of them: as long as
 * the names make it (a 512-byte buffer once cut a name inside its
 * character and dropped the rest). The caller frees it; NULL when out of
 * memory. */
static char *not_counted(const cost_month *m)
{
    char *list = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&list, &len);

    if (!f)
        return NULL;
    for (size_t i = 0; i < m->nlines; i++)
        if (!m->lines[i].counted)
            fprintf(f, "%s%s", ftell(f) > 0 ? ", " : "", m->lines[i].name);
    if (fclose(f) != 0) {
        free(list);
        return NULL;
    }
    return list;
}

/* The food used (or why there is none yet), and the starting stock. */
static void print_food_used(const cost_month *m, FILE *f)
{
    char a[6][COST_STR_LEN];

    if (m->open)
        fprintf(f, _("provisional     the month has not ended: no closing count yet, so no food "
                     "used, cost per meal or surplus; meals, purchases and waste so far\n"));
    /* TRANSLATORS: the labels of these lines are padded to one width, so that the figures
     * line up: pad the translations by their display width (a Chinese character is 2) */
    if (m->open)
        fprintf(f, _("food used       not yet (opening stock %s + purchases so far %s - the "
                     "closing count at the month's end)\n"),
                money_format(m->opening_fen, a[2]), money_format(m->bought_fen, a[3]));
    else if (m->starting_fen)
        /* the closing stock is the whole count: the starting stock is added
         * on the left, so that the sum reads as the line says */
        fprintf(f, _("food used       %s yuan, %s kg (opening stock %s + starting stock %s + "
                     "purchases %s - closing stock %s)\n"), money_format(m->used_fen, a[0]),
                money_format_kg(m->used_g, a[1]), money_format(m->opening_fen, a[2]),
                money_format(m->starting_fen, a[5]), money_format(m->bought_fen, a[3]),
                money_format(m->closing_fen, a[4]));
    else
        fprintf(f, _("food used       %s yuan, %s kg (opening stock %s + purchases %s - closing "
                     "stock %s)\n"), money_format(m->used_fen, a[0]),
                money_format_kg(m->used_g, a[1]), money_format(m->opening_fen, a[2]),
                money_format(m->bought_fen, a[3]), money_format(m->closing_fen, a[4]));
    if (m->starting_fen)
        fprintf(f, _("starting stock  %s yuan: the first count of a canteen that had bought and "
                     "counted nothing before (not food used)\n"),
                money_format(m->starting_fen, a[0]));
}

/* The month's surplus against the 2 % rule, and the year to date's. */
static void print_surplus(const cost_report *r, FILE *f)
{
    const cost_month *m = &r->now;
    char a[3][COST_STR_LEN];

    if (m->open)
        fprintf(f, _("surplus         not yet\n"));
    else
        fprintf(f, _("surplus         %s yuan (%s of the cost)%s%s (within: %d%% of the cost "
                 "either way)\n"),
            money_format(m->surplus_fen, a[0]),
            m->has_surplus_share ? cost_pct(m->surplus_x10000, 1, a[1]) : _("none"),
            m->rule ? _(": ") : "", m->rule ? C_("cost rule", cost_rule_name(m->rule)) : "",
            COST_RULE_PCT);
    if (!r->ytd_to[0])
        fprintf(f, _("year to date    none: no month of the year has ended\n"));
    else
        fprintf(f, _("year to date    %s to %s: food used %s, taken %s, surplus %s%s%s\n"),
            r->ytd_from, r->ytd_to, money_format(r->ytd.used_fen, a[0]),
            money_format(r->ytd.revenue_fen, a[1]), money_format(r->ytd.surplus_fen, a[2]),
            r->ytd.rule ? _(": ") : "",
            r->ytd.rule ? C_("cost rule", cost_rule_name(r->ytd.rule)) : "");
}

static cp_err print_summary(const cost_report *r, FILE *f)
{
    const cost_month *m = &r->now;
    char a[6][COST_STR_LEN], b[3][160], *list = not_counted(m);

    if (!list)
        return cp_fail(CP_ERR_NOMEM, "out of memory writing the report");

    fprintf(f, _("cost %s, %s%s\n"), m->month, r->canteen ? _("canteen ") : _("all canteens"),
            r->canteen ? r->canteen : "");
    print_food_used(m, f);
    fprintf(f, _("stock counted   %s%s\n"),
            m->open ? _("not yet: at the month's end")
            : m->stock_counted ? _("yes") : _("no: purchases only for "),
            m->stock_counted ? "" : list);
    free(list);
    fprintf(f, _("meals           %lld; taken %s yuan (subsidy %s, cash %s)\n"),
            (long long)m->meals, money_format(m->revenue_fen, a[0]),
            money_format(m->subsidy_fen, a[1]), money_format(m->cash_fen, a[2]));
    if (m->used_fen < 0)
        fprintf(f, _("                below zero: a closing stock count is more than the opening "
                     "stock and the purchases; a mistyped `stock count`? count again (it "
                     "replaces the earlier count)\n"));
    fprintf(f, _("cost per meal   %s\n"),
            m->open ? _("not yet")
            : m->meals == 0 ? _("no meals")
            : m->cost_per_meal_fen >= 0 ? money_format(m->cost_per_meal_fen, a[0])
                                        : _("- (food used is below zero)"));
    print_surplus(r, f);
    if (m->fallback)
        snprintf(b[0], sizeof b[0], _("all at --food-cost %s yuan/kg: no purchases this month"),
                 money_format(m->food_cost_fen_per_kg, a[5]));
    else if (m->by_canteen)
        snprintf(b[0], sizeof b[0], "%s",
                 _("each canteen's at its own purchase prices, as its own report has it"));
    else
        snprintf(b[0], sizeof b[0],
                 _("kitchen at each category's purchase price, plate at the all-food average %s "
                   "yuan/kg"), cost_yuan_per_kg(m->price_fen, m->price_g, a[5]));
    fprintf(f, _("waste           %s kg, %s yuan: kitchen %s kg %s yuan, plate %s kg %s yuan "
                 "(%s)\n"),
            money_format_kg(m->waste_g, a[0]), money_format(m->waste_fen, a[1]),
            money_format_kg(m->kitchen_g, a[2]), money_format(m->kitchen_fen, a[3]),
            money_format_kg(m->plate_g, a[4]), money_format(m->plate_fen, a[5]), b[0]);
    beside(r, 0, b[0], sizeof b[0]);
    beside(r, 1, b[1], sizeof b[1]);
    beside(r, 2, b[2], sizeof b[2]);
    fprintf(f, _("waste share     %s of food used by weight%s, %s by money%s\n"),
            m->share_weight_x10000 >= 0 ? cost_pct(m->share_weight_x10000, 1, a[0]) : "-", b[0],
            m->share_money_x10000 >= 0 ? cost_pct(m->share_money_x10000, 1, a[1]) : "-", b[1]);
    fprintf(f, _("waste per meal  %s g%s\n"),
            m->g_per_meal_x10 >= 0 ? cost_x10(m->g_per_meal_x10, a[0]) : "-", b[2]);
    fprintf(f, P_("left out        %lld flagged weighing (overload, negative, impossible, no "
                  "meal)\n",
                  "left out        %lld flagged weighings (overload, negative, impossible, no "
                  "meal)\n", (unsigned long)m->flagged),
            (long long)m->flagged);
    return CP_OK;
}

cp_err cost_print_text(const cost_report *r, FILE *f)
{
    const cost_month *m = &r->now;
    char a[9][COST_STR_LEN];
    cp_err err;

    if ((err = print_summary(r, f)))
        return err;
    /* people's text (the category) last: any width, never cut or padded; the
     * starting stock in a column of its own, so that each row reads opening
     * + starting + purchases - closing = used */
    fprintf(f, "\n%-7s %10s %10s %10s %10s %10s %10s %10s %9s %9s %-9s %s\n", "counted",
            "opening", "starting", "purchases", "kg", "closing", "used", "used_kg", "waste_kg",
            "waste", "priced_at", "category");
    for (size_t i = 0; i < m->nlines; i++) {
        const cost_line *l = &m->lines[i];
        fprintf(f, "%-7s %10s %10s %10s %10s %10s %10s %10s %9s %9s %-9s %s\n",
                !l->listed ? "-" : m->open ? "open" : l->counted ? "yes" : "no",
                money_format(l->opening_fen, a[0]), money_format(l->starting_fen, a[8]),
                money_format(l->bought_fen, a[1]), money_format_kg(l->bought_g, a[2]),
                money_if(!m->open, l->closing_fen, "-", a[3]),
                money_if(!m->open, l->used_fen, "-", a[4]),
                kg_if(!m->open, l->used_g, "-", a[5]), money_format_kg(l->kitchen_g, a[6]),
                money_format(l->kitchen_fen, a[7]), cost_priced_name(l->priced),
                *l->name ? l->name : "(no category)");
    }
    fprintf(f, "\n%-12s %-10s %7s %10s %10s %10s\n", "meal_period", "diners", "meals", "taken",
            "subsidy", "cash");
    for (size_t i = 0; i < m->nsales; i++) {
        const metrics_sales_row *s = &m->sales[i];
        fprintf(f, "%-12s %-10s %7lld %10s %10s %10s\n", *s->period ? s->period : "(none)",
                s->category, (long long)s->meals, money_format(s->total_fen, a[0]),
                money_format(s->subsidy_fen, a[1]), money_format(s->cash_fen, a[2]));
    }
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the report") : CP_OK;
}

cp_err cost_print_year(int year, const cost_month months[12], const cost_total *total, FILE *f)
{
    char a[5][COST_STR_LEN];

    fprintf(f, "%-7s %12s %7s %9s %12s %12s %8s %-6s %s\n", "month", "food_used", "meals",
            "per_meal", "taken", "surplus", "share", "rule", "counted");
    for (int k = 0; k < 12; k++) {
        const cost_month *m = &months[k];
        if (!m->has_data) {
            fprintf(f, "%04d-%02d %12s\n", year, k + 1, m->open ? "not ended" : "no data");
            continue;
        }
        fprintf(f, "%-7s %12s %7lld %9s %12s %12s %8s %-6s %s\n", m->month,
                money_format(m->used_fen, a[0]), (long long)m->meals,
                m->cost_per_meal_fen >= 0 ? money_format(m->cost_per_meal_fen, a[1]) : "-",
                money_format(m->revenue_fen, a[2]), money_format(m->surplus_fen, a[3]),
                m->has_surplus_share ? cost_pct(m->surplus_x10000, 1, a[4]) : "-",
                m->rule ? cost_rule_name(m->rule) : "-", m->stock_counted ? "yes" : "no");
    }
    fprintf(f, "%-7d %12s %7lld %9s %12s %12s %8s %-6s\n", year,
            money_format(total->used_fen, a[0]), (long long)total->meals,
            total->meals ? money_format(cost_muldiv(total->used_fen, 1, total->meals), a[1]) : "-",
            money_format(total->revenue_fen, a[2]), money_format(total->surplus_fen, a[3]),
            total->used_fen > 0
                ? cost_pct(cost_surplus_share(total->surplus_fen, total->used_fen), 1, a[4])
                : "-",
            total->rule ? cost_rule_name(total->rule) : "-");
    return ferror(f) ? cp_fail(CP_ERR_IO, "could not write the report") : CP_OK;
}

/* ---- JSON ------------------------------------------------------------------ */

/* Sets key of o to v (taken); 1 when it could not be (v NULL: out of memory). */
static int set(json_t *o, const char *key, json_t *v)
{
    if (!o || !v) {
        json_decref(v);
        return 1;
    }
    return json_object_set_new(o, key, v) != 0;
}

/* o when every field was set (bad 0), else NULL with o freed. */
static json_t *done(json_t *o, int bad)
{
    if (!bad)
        return o;
    json_decref(o);
    return NULL;
}

/* A fraction from an integer scaled by 10^decimals, or null when unknown:
 * for display, the figures stay integers. */
static json_t *fraction(int64_t v, int decimals, int known)
{
    char buf[COST_STR_LEN];
    return known ? json_real(strtod(scaled(v, decimals, buf), NULL)) : json_null();
}

static json_t *rule_json(cost_rule r)
{
    return r ? json_string(cost_rule_name(r)) : json_null();
}

/* The shares of a month beside which this one is set, or null without data. */
static json_t *shares_json(const cost_month *m)
{
    json_t *o;
    int bad = 0;

    if (!m->has_data)
        return json_null();
    o = json_object();
    bad |= set(o, "month", json_string(m->month));
    bad |= set(o, "waste_share_by_weight",
               fraction(m->share_weight_x10000, 4, m->share_weight_x10000 >= 0));
    bad |= set(o, "waste_share_by_money",
               fraction(m->share_money_x10000, 4, m->share_money_x10000 >= 0));
    bad |= set(o, "waste_g_per_meal", fraction(m->g_per_meal_x10, 1, m->g_per_meal_x10 >= 0));
    return done(o, bad);
}

/* v, or null when not known yet (a month that has not ended). */
static json_t *integer_if(int known, int64_t v)
{
    return known ? json_integer(v) : json_null();
}

static json_t *line_json(const cost_line *l, int open)
{
    json_t *o = json_object();
    int bad = 0;

    bad |= set(o, "category", text_json(l->name));
    bad |= set(o, "food_category", json_boolean(l->listed));
    bad |= set(o, "stock_counted", open ? json_null() : json_boolean(l->counted));
    bad |= set(o, "starting_stock", json_boolean(l->starting));
    bad |= set(o, "opening_stock_fen", json_integer(l->opening_fen));
    bad |= set(o, "starting_stock_fen", json_integer(l->starting_fen));
    bad |= set(o, "purchases_fen", json_integer(l->bought_fen));
    bad |= set(o, "purchases_g", json_integer(l->bought_g));
    bad |= set(o, "closing_stock_fen", integer_if(!open, l->closing_fen));
    bad |= set(o, "food_used_fen", integer_if(!open, l->used_fen));
    bad |= set(o, "food_used_g", integer_if(!open, l->used_g));
    bad |= set(o, "kitchen_waste_g", json_integer(l->kitchen_g));
    bad |= set(o, "kitchen_waste_cost_fen", json_integer(l->kitchen_fen));
    bad |= set(o, "waste_priced_at", json_string(cost_priced_name(l->priced)));
    bad |= set(o, "price_fen_per_kg", json_integer(cost_muldiv(l->price_fen, 1000, l->price_g)));
    return done(o, bad);
}

static json_t *sales_json(const metrics_sales_row *s)
{
    json_t *o = json_object();
    int bad = 0;

    bad |= set(o, "meal_period", text_json(s->period));
    bad |= set(o, "diner_category", text_json(s->category));
    bad |= set(o, "meals", json_integer(s->meals));
    bad |= set(o, "revenue_fen", json_integer(s->total_fen));
    bad |= set(o, "subsidy_fen", json_integer(s->subsidy_fen));
    bad |= set(o, "cash_fen", json_integer(s->cash_fen));
    return done(o, bad);
}

static json_t *ytd_json(const cost_report *r)
{
    json_t *o = json_object();
    const cost_total *t = &r->ytd;
    int bad = 0;

    bad |= set(o, "from", json_string(r->ytd_from));
    bad |= set(o, "to", r->ytd_to[0] ? json_string(r->ytd_to) : json_null());
    bad |= set(o, "food_used_fen", json_integer(t->used_fen));
    bad |= set(o, "revenue_fen", json_integer(t->revenue_fen));
    bad |= set(o, "surplus_fen", json_integer(t->surplus_fen));
    bad |= set(o, "surplus_share", fraction(cost_surplus_share(t->surplus_fen, t->used_fen), 4,
                                            t->used_fen > 0));
    bad |= set(o, "rule", rule_json(t->rule));
    return done(o, bad);
}

cp_err cost_print_json(const cost_report *r, FILE *f)
{
    const cost_month *m = &r->now;
    json_t *o = json_object(), *lines = json_array(), *sales = json_array();
    cp_err err = CP_OK;
    int bad = !lines || !sales;

    bad |= set(o, "month", json_string(m->month));
    bad |= set(o, "canteen", r->canteen ? text_json(r->canteen) : json_null());
    bad |= set(o, "provisional", json_boolean(m->open));
    bad |= set(o, "food_used_fen", integer_if(!m->open, m->used_fen));
    bad |= set(o, "food_used_g", integer_if(!m->open, m->used_g));
    bad |= set(o, "opening_stock_fen", json_integer(m->opening_fen));
    bad |= set(o, "purchases_fen", json_integer(m->bought_fen));
    bad |= set(o, "purchases_g", json_integer(m->bought_g));
    bad |= set(o, "closing_stock_fen", integer_if(!m->open, m->closing_fen));
    bad |= set(o, "starting_stock_fen", json_integer(m->starting_fen));
    bad |= set(o, "stock_counted", m->open ? json_null() : json_boolean(m->stock_counted));
    bad |= set(o, "meals", json_integer(m->meals));
    bad |= set(o, "cost_per_meal_fen",
               m->cost_per_meal_fen >= 0 ? json_integer(m->cost_per_meal_fen) : json_null());
    bad |= set(o, "revenue_fen", json_integer(m->revenue_fen));
    bad |= set(o, "subsidy_fen", json_integer(m->subsidy_fen));
    bad |= set(o, "cash_fen", json_integer(m->cash_fen));
    bad |= set(o, "surplus_fen", integer_if(!m->open, m->surplus_fen));
    bad |= set(o, "surplus_share", fraction(m->surplus_x10000, 4, m->has_surplus_share));
    bad |= set(o, "rule", rule_json(m->rule));
    bad |= set(o, "year_to_date", ytd_json(r));
    bad |= set(o, "waste_priced_at", json_string(m->fallback ? "food_cost" : "purchases"));
    bad |= set(o, "food_cost_fen_per_kg", json_integer(m->food_cost_fen_per_kg));
    bad |= set(o, "all_food_fen_per_kg", json_integer(cost_muldiv(m->price_fen, 1000, m->price_g)));
    bad |= set(o, "waste_g", json_integer(m->waste_g));
    bad |= set(o, "kitchen_waste_g", json_integer(m->kitchen_g));
    bad |= set(o, "plate_waste_g", json_integer(m->plate_g));
    bad |= set(o, "waste_cost_fen", json_integer(m->waste_fen));
    bad |= set(o, "kitchen_waste_cost_fen", json_integer(m->kitchen_fen));
    bad |= set(o, "plate_waste_cost_fen", json_integer(m->plate_fen));
    bad |= set(o, "waste_share_by_weight",
               fraction(m->share_weight_x10000, 4, m->share_weight_x10000 >= 0));
    bad |= set(o, "waste_share_by_money",
               fraction(m->share_money_x10000, 4, m->share_money_x10000 >= 0));
    bad |= set(o, "waste_g_per_meal", fraction(m->g_per_meal_x10, 1, m->g_per_meal_x10 >= 0));
    bad |= set(o, "flagged_weighings", json_integer(m->flagged));
    bad |= set(o, "previous_month", shares_json(&r->prev));
    bad |= set(o, "same_month_last_year", shares_json(&r->last_year));
    for (size_t i = 0; i < m->nlines && !bad; i++)
        bad |= json_array_append_new(lines, line_json(&m->lines[i], m->open)) != 0;
    for (size_t i = 0; i < m->nsales && !bad; i++)
        bad |= json_array_append_new(sales, sales_json(&m->sales[i])) != 0;
    bad |= set(o, "categories", lines);
    bad |= set(o, "meals_by", sales);
    if (bad)
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing the JSON output");
    else if (json_dumpf(o, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) ||
             fputc('\n', f) == EOF)
        err = cp_fail(CP_ERR_IO, "could not write the JSON output");
    json_decref(o);
    return err;
}

/* ---- CSV ------------------------------------------------------------------- */

/* One row: text, counted, amounts in yuan and kg, waste, how it was priced. */
static void csv_row(csvout *w, const char *name, const char *counted, const cost_line *l,
                    const char *priced, int open)
{
    char a[COST_STR_LEN];

    csvout_text(w, name);
    csvout_text(w, counted);
    csvout_number(w, money_format(l->opening_fen, a));
    csvout_number(w, money_format(l->starting_fen, a));
    csvout_number(w, money_format(l->bought_fen, a));
    csvout_number(w, money_format_kg(l->bought_g, a));
    /* a month that has not ended: no closing count, no food used yet (empty cells) */
    csvout_number(w, money_if(!open, l->closing_fen, "", a));
    csvout_number(w, money_if(!open, l->used_fen, "", a));
    csvout_number(w, kg_if(!open, l->used_g, "", a));
    csvout_number(w, money_format_kg(l->kitchen_g, a));
    csvout_number(w, l->price_g > 0 ? cost_yuan_per_kg(l->price_fen, l->price_g, a) : "");
    csvout_number(w, money_format(l->kitchen_fen, a));
    csvout_text(w, priced);
    csvout_end_row(w);
}

cp_err cost_print_csv(const cost_report *r, FILE *f)
{
    const cost_month *m = &r->now;
    cost_line plate = {0}, total = {0};
    csvout w;

    csvout_begin(&w, f);
    csvout_header(&w, "category,stock_counted,opening_stock_yuan,starting_stock_yuan,"
                      "purchases_yuan,purchases_kg,"
                      "closing_stock_yuan,food_used_yuan,food_used_kg,waste_kg,"
                      "waste_price_yuan_per_kg,waste_yuan,waste_priced_at");
    for (size_t i = 0; i < m->nlines; i++) {
        const cost_line *l = &m->lines[i];
        /* starting stock has its column: a row of several canteens, one of
         * them new, says whether every one counted */
        csv_row(&w, l->name, !l->listed ? "" : m->open ? "not_ended" : l->counted ? "yes" : "no",
                l, cost_priced_name(l->priced), m->open);
    }
    /* the plate waste is priced at the average of all food used (of each
     * canteen's, for every canteen: on average over them) */
    plate.kitchen_g = m->plate_g;
    plate.kitchen_fen = m->plate_fen;
    plate.price_fen = m->by_canteen && m->plate_g > 0 ? m->plate_fen : m->price_fen;
    plate.price_g = m->by_canteen && m->plate_g > 0 ? m->plate_g : m->price_g;
    csv_row(&w, "(plate waste)", "", &plate,
            m->fallback ? "food_cost" : m->by_canteen ? "canteens" : "all_food", m->open);
    total = (cost_line){.opening_fen = m->opening_fen, .starting_fen = m->starting_fen,
                        .bought_fen = m->bought_fen,
                        .bought_g = m->bought_g, .closing_fen = m->closing_fen,
                        .used_fen = m->used_fen, .used_g = m->used_g, .kitchen_g = m->waste_g,
                        .kitchen_fen = m->waste_fen};
    csv_row(&w, "(total)", m->open ? "not_ended" : m->stock_counted ? "yes" : "no", &total, "",
            m->open);
    return csvout_finish(&w);
}
