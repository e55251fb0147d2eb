/* report: the monthly and quarterly PDF reports (the sales and balances for the books are in report_books.c). */
#include "backoffice/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoffice/cost_output.h"
#include "backoffice/pdf.h"
#include "backoffice/publish.h"
#include "backoffice/report_cost.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/money.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/utf8.h"

#define TREND_MONTHS 12
#define CHART_SIDE 15 /* with many departments the chart shows the best and worst 15 */

static void progress(const char *what)
{
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "report: %s\n", _(what)); /* progress is an xgettext keyword */
}

/* "+1.5" / "-0.3" / "0.0" from tenths, for changes. */
static const char *signed_x10(int64_t v, char *buf)
{
    char tmp[24];
    snprintf(buf, 32, "%s%s", v > 0 ? "+" : "", metrics_x10(v, tmp));
    return buf;
}

void report_scope_line(db *d, pdf_doc *doc, const char *canteen)
{
    static const char sql[] = "SELECT name FROM canteens WHERE code = ?";
    db_stmt *st = canteen ? db_prepare(d, sql) : NULL;

    if (st) {
        db_bind_text(st, 1, canteen);
        if (db_step(st) == DB_ROW) {
            pdf_kv(doc, "范围", pdf_shown(doc, db_col_text(st, 0)));
            db_reset(st);
            return;
        }
        db_reset(st);
    }
    pdf_kv(doc, "范围", "全部食堂");
}

/* The id and hash of the latest publication of a month, if any. */
static void publication_of(db *d, const char *month, char id[64], char hash[80])
{
    static const char sql[] =
        "SELECT id, hash FROM publications WHERE period = ? ORDER BY version DESC LIMIT 1";
    db_stmt *st = db_prepare(d, sql);

    id[0] = hash[0] = '\0';
    if (!st)
        return;
    db_bind_text(st, 1, month);
    if (db_step(st) == DB_ROW) {
        snprintf(id, 64, "%s", db_col_text(st, 0));
        snprintf(hash, 80, "%s", db_col_text(st, 1));
    }
    db_reset(st);
}

/* The span of the month k months before month ("2026-11", 2: 2026-09). */
static void month_back(const char *month, int k, metrics_span *out)
{
    int y = atoi(month), m = atoi(month + 5) - k;
    while (m < 1)
        m += 12, y--;
    metrics_span_of_month(y, m, out);
}

/* Writes the summary lines of a span, with the change from the one before;
 * the waste is priced as cost says (the months' purchases, or the flat
 * food cost of o for months without any). */
static void summary_lines(pdf_doc *doc, const metrics_summary *s, const metrics_summary *prev,
                          const metrics_opts *o, const cost_total *cost)
{
    char v[160], a[32], b[32], c[32];
    int64_t gpt = metrics_scaled(s->plate_g, s->trays, 10);
    int64_t pgpt = metrics_scaled(prev->plate_g, prev->trays, 10);
    int64_t wpm = metrics_scaled(metrics_total_g(s), s->meals, 10);
    int64_t pwpm = metrics_scaled(metrics_total_g(prev), prev->meals, 10);

    /* with no earlier data a "0" would read as a month without meals */
    if (metrics_summary_has_data(prev))
        snprintf(v, sizeof v, "%lld 人次（上期 %lld）", (long long)s->meals,
                 (long long)prev->meals);
    else
        snprintf(v, sizeof v, "%lld 人次（上期无数据）", (long long)s->meals);
    pdf_kv(doc, "就餐", v);
    snprintf(v, sizeof v, "%lld 人", (long long)s->diners);
    pdf_kv(doc, "就餐人数", v);
    snprintf(v, sizeof v, "%lld 盘，覆盖率 %s%%", (long long)s->trays,
             s->meals ? metrics_x10(metrics_coverage(s->trays, s->meals, 1000), a) : "—");
    if (s->manual_trays > 0)
        snprintf(v + strlen(v), sizeof v - strlen(v), "；其中手工录入 %lld 盘（秤故障时）",
                 (long long)s->manual_trays);
    pdf_kv(doc, "称重餐盘", v);
    snprintf(v, sizeof v, "%lld 次未计入（餐盘 %lld，后厨 %lld；超载、负重、不可能的读数或无对应消费）",
             (long long)(s->flagged_trays + s->flagged_kitchen), (long long)s->flagged_trays,
             (long long)s->flagged_kitchen);
    pdf_kv(doc, "异常称重", v);
    if (gpt >= 0)
        snprintf(v, sizeof v, "%s 克%s%s%s", metrics_x10(gpt, a), pgpt >= 0 ? "（较上期 " : "",
                 pgpt >= 0 ? signed_x10(gpt - pgpt, b) : "", pgpt >= 0 ? " 克）" : "");
    else
        snprintf(v, sizeof v, "无称重");
    pdf_kv(doc, "盘均剩餐", v);
    snprintf(v, sizeof v, "%s%%",
             s->trays ? metrics_x10(metrics_scaled(s->clean_trays, s->trays, 1000), a) : "—");
    pdf_kv(doc, "光盘率", v);
    snprintf(v, sizeof v, "%lld 盘，共 %s 千克", (long long)s->anon_trays,
             metrics_ratio((int)s->anon_g, a));
    pdf_kv(doc, "未刷卡餐盘", v);
    snprintf(v, sizeof v, "%s 千克", metrics_ratio((int)s->kitchen_g, a));
    pdf_kv(doc, "后厨浪费", v);
    snprintf(v, sizeof v, "%s 千克，每餐 %s 克%s%s%s", metrics_ratio((int)metrics_total_g(s), a),
             wpm >= 0 ? metrics_x10(wpm, b) : "—", pwpm >= 0 && wpm >= 0 ? "（较上期 " : "",
             pwpm >= 0 && wpm >= 0 ? signed_x10(wpm - pwpm, c) : "",
             pwpm >= 0 && wpm >= 0 ? " 克）" : "");
    pdf_kv(doc, "浪费合计", v);
    report_cost_waste_line(cost, o->food_cost_fen_per_kg, v, sizeof v);
    pdf_kv(doc, "浪费成本", v);
    snprintf(v, sizeof v, "%s 千克二氧化碳当量（按每千克食物 %s 千克计）",
             metrics_ratio((int)metrics_co2e_g(s, o), a),
             metrics_ratio((int)o->co2e_milli_per_kg, b));
    pdf_kv(doc, "碳排放", v);
}

void report_department_table(pdf_doc *doc, const metrics_table *t, const char *only, int all)
{
    static const pdf_column cols[] = {
        {"名次", 0.07, PDF_RIGHT},   {"部门", 0, PDF_LEFT},       {"人次", 0.09, PDF_RIGHT},
        {"人数", 0.08, PDF_RIGHT},   {"盘数", 0.09, PDF_RIGHT},   {"盘均(克)", 0.11, PDF_RIGHT},
        {"光盘率", 0.10, PDF_RIGHT}, {"覆盖率", 0.10, PDF_RIGHT}, {"较上月", 0.10, PDF_RIGHT},
    };
    char cell[9][64], named[1024];
    const char *cells[9], *shown;

    /* long names wrap, and each starts with its department's code: offices
     * of a city share long names (…第一科, …第二科) and short ones (办公室),
     * and a published list must say which one it ranks */
    pdf_table_begin(doc, cols, 9, PDF_TABLE_ZEBRA | PDF_TABLE_WRAP);
    for (size_t i = 0; i < t->n; i++) {
        const metrics_row *r = &t->rows[i];
        if ((only && (!r->list || strcmp(r->list, only) != 0)) || (!all && !r->eligible))
            continue;
        snprintf(cell[0], sizeof cell[0], "%s", r->rank ? "" : "—");
        if (r->rank)
            snprintf(cell[0], sizeof cell[0], "%d", r->rank);
        snprintf(cell[2], sizeof cell[2], "%lld", (long long)r->meals);
        snprintf(cell[3], sizeof cell[3], "%lld", (long long)r->diners);
        snprintf(cell[4], sizeof cell[4], "%lld", (long long)r->trays);
        if (r->g_per_tray_x10 >= 0)
            metrics_x10(r->g_per_tray_x10, cell[5]);
        else
            snprintf(cell[5], sizeof cell[5], "—");
        metrics_ratio(r->clean_rate_permille, cell[6]);
        metrics_ratio(r->coverage_permille, cell[7]);
        if (r->has_change)
            signed_x10(r->change_x10, cell[8]);
        else
            snprintf(cell[8], sizeof cell[8], "—");
        for (int k = 0; k < 9; k++)
            cells[k] = cell[k];
        shown = pdf_shown(doc, r->name);
        utf8_format(named, sizeof named, "%s %s", r->code, shown ? shown : "");
        cells[1] = named; /* whole: the table wraps it, four lines at most */
        pdf_table_row(doc, cells, !r->list                      ? PDF_MARK_NONE
                                  : strcmp(r->list, "red") == 0 ? PDF_MARK_RED
                                                                : PDF_MARK_BLACK);
    }
    pdf_table_end(doc);
}

/* g per tray of the eligible departments; the best and worst CHART_SIDE when many. */
static void department_chart(pdf_doc *doc, const metrics_table *t)
{
    long n = t->eligible, shown = 0;
    const char **labels = calloc((size_t)n + 1, sizeof *labels);
    int64_t *values = calloc((size_t)n + 1, sizeof *values);
    pdf_mark *marks = calloc((size_t)n + 1, sizeof *marks);

    if (labels && values && marks) {
        for (long i = 0; i < n; i++) {
            if (n > 2 * CHART_SIDE && i >= CHART_SIDE && i < n - CHART_SIDE)
                continue;
            labels[shown] = pdf_shown(doc, t->rows[i].name);
            values[shown] = t->rows[i].g_per_tray_x10;
            marks[shown] = !t->rows[i].list ? PDF_MARK_NONE
                           : strcmp(t->rows[i].list, "red") == 0 ? PDF_MARK_RED
                                                                 : PDF_MARK_BLACK;
            shown++;
        }
        if (n > 2 * CHART_SIDE) {
            char note[160];
            snprintf(note, sizeof note, "参评部门共 %ld 个，图中为盘均剩餐最少和最多的各 %d 个；"
                     "全部数字见后面的明细表。", n, CHART_SIDE);
            pdf_paragraph(doc, note);
        }
        pdf_bar_spec spec = {.title = "各部门盘均剩餐（克/盘）", .unit = "克/盘",
                             .labels = labels, .values = values, .marks = marks,
                             .n = (int)shown, .scale = 10, .horizontal = 1};
        if (shown > 0)
            pdf_bar_chart(doc, &spec);
        else
            pdf_paragraph(doc, "本期没有符合参评条件的部门。");
    }
    free(labels);
    free(values);
    free(marks);
}

/* The 12-month trend: g per tray and waste per meal, month by month. */
static cp_err trend_chart(db *d, const metrics_span *span, const metrics_opts *o, pdf_doc *doc)
{
    char months[TREND_MONTHS][32];
    const char *labels[TREND_MONTHS];
    int64_t gpt[TREND_MONTHS], wpm[TREND_MONTHS];
    cp_err err;

    for (int k = 0; k < TREND_MONTHS; k++) {
        metrics_span s;
        metrics_summary sum;
        month_back(span->months[span->nmonths - 1], TREND_MONTHS - 1 - k, &s);
        memcpy(months[k], s.label, sizeof months[k]);
        labels[k] = months[k] + 2; /* "26-11" */
        if ((err = metrics_summarize(d, &s, o, &sum)))
            return err;
        gpt[k] = sum.trays ? metrics_scaled(sum.plate_g, sum.trays, 10) : PDF_NO_VALUE;
        wpm[k] = sum.meals ? metrics_scaled(metrics_total_g(&sum), sum.meals, 10) : PDF_NO_VALUE;
        metrics_summary_free(&sum);
    }
    pdf_line_spec spec = {.title = "近12个月趋势", .unit = "克", .labels = labels,
                          .n = TREND_MONTHS, .series_names = {"盘均剩餐", "每餐浪费合计"},
                          .values = {gpt, wpm}, .scale = 10};
    return pdf_line_chart(doc, &spec);
}

/* Kitchen waste: a table by stage, category and reason, and a grouped chart. */
static void kitchen_section(pdf_doc *doc, const metrics_summary *s)
{
    static const pdf_column cols[] = {
        {"环节", 0.2, PDF_LEFT}, {"类别", 0.25, PDF_LEFT}, {"原因", 0, PDF_LEFT},
        {"千克", 0.15, PDF_RIGHT}};
    static const char *const stages[] = {"prep", "overproduction", "spoilage"};
    const char *groups[3] = {"备餐损耗", "剩余", "变质"};
    const char *series[6];
    int64_t values[3 * 6] = {0};
    int nseries = 0;

    if (s->nkitchen == 0) {
        pdf_paragraph(doc, "本期没有后厨浪费称重记录。");
        return;
    }
    pdf_table_begin(doc, cols, 4, PDF_TABLE_ZEBRA);
    for (size_t i = 0; i < s->nkitchen; i++) {
        char kg[24];
        const metrics_kitchen *k = &s->kitchen[i];
        const char *cells[4] = {names_builtin_zh(NAMES_STAGE, k->stage),
                                *k->category ? pdf_shown(doc, k->category) : "—",
                                *k->reason ? pdf_shown(doc, k->reason) : "—",
                                metrics_ratio((int)k->grams, kg)};
        pdf_table_row(doc, cells, PDF_MARK_NONE);
    }
    pdf_table_end(doc);
    /* chart: stages as groups, the first five categories as series, the rest as 其他 */
    for (size_t i = 0; i < s->nkitchen; i++) {
        const char *cat = *s->kitchen[i].category ? pdf_shown(doc, s->kitchen[i].category)
                                                  : "未分类";
        if (!cat)
            return; /* out of memory: the document has the error */
        int sidx = -1, g = 0;
        for (int k = 0; k < nseries; k++)
            if (strcmp(series[k], cat) == 0)
                sidx = k;
        if (sidx < 0 && nseries < 5)
            series[sidx = nseries++] = cat;
        if (sidx < 0) {
            if (nseries == 5)
                series[nseries++] = "其他";
            sidx = 5;
        }
        for (int k = 0; k < 3; k++)
            if (strcmp(stages[k], s->kitchen[i].stage) == 0)
                g = k;
        values[g * 6 + sidx] += s->kitchen[i].grams;
    }
    /* repack to the series actually used */
    int64_t packed[3 * 6];
    for (int g = 0; g < 3; g++)
        for (int k = 0; k < nseries; k++)
            packed[g * nseries + k] = values[g * 6 + k] / 100; /* tenths of kg */
    pdf_group_spec spec = {.title = "后厨浪费（千克）", .unit = "千克", .groups = groups,
                           .ngroups = 3, .series = series, .nseries = nseries,
                           .values = packed, .scale = 10};
    pdf_grouped_chart(doc, &spec);
}

static void methodology(pdf_doc *doc, const metrics_opts *o)
{
    char text[2400], a[32], b[32];

    pdf_heading(doc, "方法说明");
    snprintf(text, sizeof text,
             "数据来源：收银终端的刷卡消费记录（作废的消费不计）和回收处称重台的餐盘称重、后厨浪费称重"
             "记录。每条记录保存发生时就餐人员所在的部门，部门调整不改变历史数字。\n"
             "就餐人次 = 未作废的消费笔数；就餐人数 = 有消费的不同人员数。\n"
             "称重盘数 = 刷卡后称重、归属到就餐人员的餐盘数（未刷卡餐盘不计）。\n"
             "异常称重（秤超载、净重为负、秤不可能显示的读数、没有对应消费的餐盘）保留在记录中但不计入"
             "任何浪费量、成本和碳排放，也不算作称重盘数，只单独计数。\n"
             "盘均剩餐 = 称重餐盘净重合计 ÷ 称重盘数，保留一位小数。\n"
             "光盘率 = 净重不超过 %d 克的餐盘数 ÷ 称重盘数。称重覆盖率 = 称重盘数 ÷ 就餐人次，"
             "最高 100%%（作废的消费、一餐两盘可使盘数多于人次）。\n"
             "参评条件：就餐不少于 %d 人次、称重覆盖率不低于 %d%%、就餐人数与交回餐盘人数均不少于 %d 人"
             "（人数少的部门不公布，以免暴露个人）。\n"
             "排名：按盘均剩餐从少到多，相同时光盘率高者在前，再按部门编码。红榜取前 %d 名，黑榜取后 %d "
             "名，参评部门不足两榜之和时每榜最多取参评部门数的一半，任何部门不会同时上两榜。\n"
             "浪费合计 = 称重餐盘 + 未刷卡餐盘 + 后厨浪费。浪费成本：后厨浪费按该类别当月采购均价，"
             "餐盘剩余和当月未采购类别的浪费按全部食品耗用的均价计；当月没有采购记录时按每千克 %s "
             "元估算。食品耗用 = 期初库存 + 本月采购 - 期末库存，月末未盘点的类别按采购计。"
             "碳排放按每千克食物 %s 千克二氧化碳当量估算。",
             o->clean_threshold_g, o->min_meals, o->min_coverage_pct, METRICS_MIN_DINERS, o->red,
             o->black, money_format(o->food_cost_fen_per_kg, a),
             metrics_ratio((int)o->co2e_milli_per_kg, b));
    pdf_paragraph(doc, text);
}

cp_err report_monthly(db *d, const report_req *req, report_res *res)
{
    metrics_span span, before;
    metrics_summary now = {0}, prev = {0};
    metrics_table *t = NULL;
    cost_report cost = {0};
    cost_total month_cost = {0};
    pdf_doc *doc = NULL;
    char text[512], hash[80], at[CP_TIME_ISO_LEN];
    cp_time clock;
    cp_err err;

    memset(res, 0, sizeof *res);
    if ((err = metrics_span_parse(req->month, NULL, &span)) || (err = clock_now(&clock)))
        return err;
    metrics_span_before(&span, &before);
    clock_iso(&clock, at);
    progress("adding up the month");
    /* one snapshot for every figure: the trend goes 11 months back, the cost
     * to the same month a year before */
    if ((err = metrics_begin_read(d, &span, 12, &req->opts)))
        return err;
    if ((err = metrics_summarize(d, &span, &req->opts, &now)) ||
        (err = metrics_summarize(d, &before, &req->opts, &prev)) ||
        (err = metrics_departments(d, &span, &req->opts, &t)) ||
        (err = cost_report_month(d, req->opts.canteen, span.label,
                                 req->opts.food_cost_fen_per_kg, &cost)))
        goto out;
    cost_total_add(&month_cost, &cost.now);
    if ((err = pdf_new(req->font, &doc)))
        goto out;
    /* a month not ended: its figures are where it stands, marked on every page */
    if (cost.now.open) {
        snprintf(text, sizeof text, "临时报告 PROVISIONAL：%s 尚未结束（数据截至 %.10s），食品耗用"
                 "和结余在月末盘点后计算", span.label, at);
        if ((err = pdf_set_mark(doc, text)))
            goto out;
    }
    /* the published list is every canteen's: a report of one does not cite it */
    if (!req->opts.canteen)
        publication_of(d, span.label, res->publication, hash);
    if (res->publication[0] &&
        (err = publish_lists_differ(d, res->publication, t, &res->lists_differ)))
        goto out;

    snprintf(text, sizeof text, "%.4s年%.2s月 食堂反食品浪费月报%s", span.label, span.label + 5,
             cost.now.open ? "（临时）" : "");
    pdf_title(doc, text);
    report_scope_line(d, doc, req->opts.canteen);
    snprintf(text, sizeof text, "%s 至 %s", span.from, span.to);
    pdf_kv(doc, "统计期间", text);
    pdf_heading(doc, "主要数字");
    summary_lines(doc, &now, &prev, &req->opts, &month_cost);

    progress("drawing the charts");
    pdf_heading(doc, "各部门盘均剩餐");
    department_chart(doc, t);
    pdf_heading(doc, "趋势");
    if ((err = trend_chart(d, &span, &req->opts, doc)))
        goto out;
    pdf_heading(doc, "后厨浪费");
    kitchen_section(doc, &now);
    pdf_heading(doc, "成本核算");
    if ((err = report_cost_section(doc, d, &cost)))
        goto out;

    pdf_heading(doc, "红榜");
    report_department_table(doc, t, "red", 0);
    pdf_heading(doc, "黑榜");
    report_department_table(doc, t, "black", 0);
    if (req->opts.canteen)
        pdf_paragraph(doc, "以上红黑榜只计本食堂的就餐和称重，按当前数据计算，不是已发布的"
                           "（全部食堂的）红黑榜。");
    else if (!res->publication[0])
        pdf_paragraph(doc, "本月红黑榜尚未发布，以上为按当前数据计算的结果。");
    else if (res->lists_differ) {
        /* a correction after the publication (a void, a late weighing), or
         * other options: the report must not pass for the list made public */
        snprintf(text, sizeof text, "注意：以上红黑榜按当前数据计算，与已发布的 %s 不同"
                 "（发布后有更正，或计算参数不同）。公开的红黑榜以 %s 为准；如需更正，请发布新版本："
                 "cleanplate-office publish redblack --month %s --reason 原因。",
                 res->publication, res->publication, span.label);
        pdf_paragraph(doc, text);
    }

    progress("writing the department table");
    snprintf(text, sizeof text, "各部门明细（%zu 个部门，%ld 个参评）", t->n, t->eligible);
    pdf_heading(doc, text);
    report_department_table(doc, t, NULL, 1);
    pdf_page_break(doc);
    methodology(doc, &req->opts);

    if (res->publication[0])
        snprintf(text, sizeof text, "生成于 %s  红黑榜 %s%s  哈希 %.16s…", at, res->publication,
                 res->lists_differ ? "（与本报告名单不同）" : "", hash);
    else
        snprintf(text, sizeof text, "生成于 %s  红黑榜未发布", at);
    pdf_set_footer(doc, text);
    res->pages = pdf_page_count(doc);
    progress("saving");
    err = pdf_save(doc, req->out);
out:
    db_rollback(d);
    pdf_free(doc);
    metrics_free(t);
    metrics_summary_free(&now);
    metrics_summary_free(&prev);
    cost_report_free(&cost);
    return err;
}

/* ---- the quarterly evaluation ------------------------------------------------- */

typedef struct rubric {
    long waste_good_g, waste_fair_g;        /* waste per meal at or below: full, half points */
    long trend_flat_pct;                    /* within +-this percent counts as flat */
    long coverage_good_pct, coverage_fair_pct;
    long days_good_pct, days_fair_pct;      /* serving days with weighing */
    long lists_good, lists_fair;            /* months with a published list */
    long grade_you, grade_liang, grade_zhong; /* points for 优, 良, 中 */
} rubric;

static cp_err load_rubric(const char *path, rubric *r)
{
    static const char *const keys[] = {
        "waste_per_meal_good_g", "waste_per_meal_fair_g", "trend_flat_pct", "coverage_good_pct",
        "coverage_fair_pct", "weighing_days_good_pct", "weighing_days_fair_pct", "lists_good",
        "lists_fair", "grade_you", "grade_liang", "grade_zhong", NULL};
    config *c = NULL;
    cp_err err;

    if (path && (err = config_load(path, &c)))
        return err;
    if ((err = config_check_keys(c, "rubric", keys)) ||
        (err = config_get_int(c, "rubric", "waste_per_meal_good_g", 0, 100000, 60,
                              &r->waste_good_g)) ||
        (err = config_get_int(c, "rubric", "waste_per_meal_fair_g", 0, 100000, 90,
                              &r->waste_fair_g)) ||
        (err = config_get_int(c, "rubric", "trend_flat_pct", 0, 100, 5, &r->trend_flat_pct)) ||
        (err = config_get_int(c, "rubric", "coverage_good_pct", 0, 100, 80,
                              &r->coverage_good_pct)) ||
        (err = config_get_int(c, "rubric", "coverage_fair_pct", 0, 100, 50,
                              &r->coverage_fair_pct)) ||
        (err = config_get_int(c, "rubric", "weighing_days_good_pct", 0, 100, 100,
                              &r->days_good_pct)) ||
        (err = config_get_int(c, "rubric", "weighing_days_fair_pct", 0, 100, 90,
                              &r->days_fair_pct)) ||
        (err = config_get_int(c, "rubric", "lists_good", 0, 3, 3, &r->lists_good)) ||
        (err = config_get_int(c, "rubric", "lists_fair", 0, 3, 2, &r->lists_fair)) ||
        (err = config_get_int(c, "rubric", "grade_you", 0, 100, 90, &r->grade_you)) ||
        (err = config_get_int(c, "rubric", "grade_liang", 0, 100, 75, &r->grade_liang)) ||
        (err = config_get_int(c, "rubric", "grade_zhong", 0, 100, 60, &r->grade_zhong)))
        goto out;
out:
    config_free(c);
    return err;
}

/* The quarter's food cost against the money taken, from its purchases and
 * stock counts (report cost); a quarter without them says so. */
static void quarter_cost_line(pdf_doc *doc, const cost_total *c)
{
    char v[320], a[4][MONEY_STR_LEN], pct[COST_STR_LEN];

    /* a month not ended has no food used yet: the quarter's cost is of the others */
    const char *left_out = c->open_months > 0 ? "（不含未结束的月份）" : "";

    if (c->used_fen <= 0) {
        pdf_kv(doc, "食品成本", c->open_months > 0 && c->open_months == c->months
                                    ? "本季度尚无已结束的月份，食品成本在月末盘点后计算"
                                    : "本季度没有采购和盘点记录（cleanplate-office purchase add、"
                                      "stock count）");
        return;
    }
    snprintf(v, sizeof v, "%s 元，每餐 %s 元；收入 %s 元，结余 %s 元，占成本 %s：%s%s",
             money_format(c->used_fen, a[0]),
             c->meals > 0 ? money_format(cost_muldiv(c->used_fen, 1, c->meals), a[1]) : "—",
             money_format(c->revenue_fen, a[2]), money_format(c->surplus_fen, a[3]),
             cost_pct(cost_surplus_share(c->surplus_fen, c->used_fen), 1, pct),
             report_cost_rule_zh(c->rule), left_out);
    pdf_kv(doc, "食品成本", v);
}

/* Points out of 20 for a value against a good and a fair bound. */
static int points(int good, int fair)
{
    return good ? 20 : fair ? 10 : 0;
}

cp_err report_quarterly(db *d, const report_req *req, report_res *res)
{
    static const char lists_sql[] =
        "SELECT count(DISTINCT period) FROM publications WHERE period BETWEEN ? AND ?";
    static const pdf_column cols[] = {{"指标", 0.22, PDF_LEFT}, {"实测", 0.18, PDF_RIGHT},
                                      {"标准（满分/一半）", 0.22, PDF_LEFT},
                                      {"得分", 0.08, PDF_RIGHT}, {"说明", 0, PDF_LEFT}};
    metrics_span span, before;
    metrics_summary now = {0}, prev = {0};
    cost_total cost;
    pdf_doc *doc = NULL;
    rubric r;
    char text[512], at[CP_TIME_ISO_LEN], cell[5][160];
    int64_t wpm, pwpm, coverage, days_pct, lists = 0;
    int pts[5], total = 0;
    db_stmt *st;
    cp_time clock;
    cp_err err;

    memset(res, 0, sizeof *res);
    if ((err = load_rubric(req->rubric, &r)) ||
        (err = metrics_span_parse(NULL, req->quarter, &span)) || (err = clock_now(&clock)))
        return err;
    metrics_span_before(&span, &before);
    clock_iso(&clock, at);
    /* a quarter still running would get a grade its last weeks can change */
    res->provisional = strncmp(at, span.to, 10) <= 0;
    if (res->provisional && !req->provisional)
        return cp_fail(CP_ERR_INVALID, "%s has not ended (today is %.10s): make its report after "
                       "%s, or add --provisional for a draft marked as such, without a grade",
                       span.label, at, span.to);
    progress("adding up the quarter");
    if ((err = metrics_begin_read(d, &span, 3, &req->opts)))
        return err;
    if ((err = metrics_summarize(d, &span, &req->opts, &now)) ||
        (err = metrics_summarize(d, &before, &req->opts, &prev)) ||
        (err = cost_span_total(d, &span, req->opts.canteen, req->opts.food_cost_fen_per_kg,
                               &cost)))
        goto out;
    /* nothing to grade: 0 of 0 serving days would score, and an empty
     * quarter get 差 */
    if (!metrics_summary_has_data(&now)) {
        err = cp_fail(CP_ERR_INVALID, "%s has no meals and no weighings%s%s: there is nothing "
                      "to evaluate; check --quarter, and that the terminals' and stations' "
                      "records have reached this database", span.label,
                      req->opts.canteen ? _(" in canteen ") : "",
                      req->opts.canteen ? req->opts.canteen : "");
        goto out;
    }
    if (!(st = db_prepare(d, lists_sql))) {
        err = CP_ERR_DB;
        goto out;
    }
    db_bind_text(st, 1, span.months[0]);
    db_bind_text(st, 2, span.months[span.nmonths - 1]);
    if ((err = db_step_int64(d, st, &lists)))
        goto out;

    wpm = metrics_scaled(metrics_total_g(&now), now.meals, 10);
    pwpm = metrics_scaled(metrics_total_g(&prev), prev.meals, 10);
    coverage = metrics_coverage(now.trays, now.meals, 100);
    days_pct = metrics_scaled(now.weighing_days, now.serving_days, 100);
    pts[0] = wpm < 0 ? 0 : points(wpm <= r.waste_good_g * 10, wpm <= r.waste_fair_g * 10);
    /* the trend: lower than last quarter is full points, flat half, higher none */
    pts[1] = wpm < 0 || pwpm <= 0 ? 10
             : points(wpm * 100 < pwpm * (100 - r.trend_flat_pct),
                      wpm * 100 <= pwpm * (100 + r.trend_flat_pct));
    pts[2] = points(coverage >= r.coverage_good_pct, coverage >= r.coverage_fair_pct);
    pts[3] = points(days_pct >= r.days_good_pct, days_pct >= r.days_fair_pct);
    pts[4] = points(lists >= r.lists_good, lists >= r.lists_fair);
    for (int k = 0; k < 5; k++)
        total += pts[k];
    res->score = total;
    /* a provisional report is not graded: its points are only where it stands */
    res->grade = res->provisional          ? NULL
                 : total >= r.grade_you    ? "优"
                 : total >= r.grade_liang  ? "良"
                 : total >= r.grade_zhong  ? "中"
                                           : "差";

    if ((err = pdf_new(req->font, &doc)))
        goto out;
    if (res->provisional) {
        snprintf(text, sizeof text, "临时报告 PROVISIONAL：%s 尚未结束（到 %s），不作正式评价",
                 span.label, span.to);
        pdf_set_mark(doc, text);
    }
    snprintf(text, sizeof text, "%.4s年第%c季度 反食品浪费工作评价%s", span.label, span.label[5],
             res->provisional ? "（临时）" : "");
    pdf_title(doc, text);
    report_scope_line(d, doc, req->opts.canteen);
    if (res->provisional)
        snprintf(text, sizeof text, "%s 至 %s（数据截至 %.10s）", span.from, span.to, at);
    else
        snprintf(text, sizeof text, "%s 至 %s", span.from, span.to);
    pdf_kv(doc, "评价期间", text);
    if (res->provisional)
        snprintf(text, sizeof text, "临时：目前 %d 分（满分 100），季度结束前不评等级", total);
    else
        snprintf(text, sizeof text, "%d 分（满分 100）  等级：%s", total, res->grade);
    pdf_kv(doc, "评价结果", text);
    pdf_heading(doc, "评分");
    pdf_table_begin(doc, cols, 5, PDF_TABLE_ZEBRA | PDF_TABLE_WRAP);
    {
        char a[32], b[32];
        const char *cells[5];
        /* 1 waste per meal */
        snprintf(cell[0], sizeof cell[0], "每餐浪费");
        snprintf(cell[1], sizeof cell[1], "%s 克", wpm >= 0 ? metrics_x10(wpm, a) : "—");
        snprintf(cell[2], sizeof cell[2], "≤%ld 克 / ≤%ld 克", r.waste_good_g, r.waste_fair_g);
        snprintf(cell[3], sizeof cell[3], "%d", pts[0]);
        snprintf(cell[4], sizeof cell[4], "%s", wpm < 0 ? "本季度没有就餐记录" :
                 pts[0] == 20 ? "达到良好水平" : pts[0] == 10 ? "尚可，需继续减少" : "浪费偏多");
        for (int k = 0; k < 5; k++)
            cells[k] = cell[k];
        pdf_table_row(doc, cells, pts[0] == 20 ? PDF_MARK_GREEN : PDF_MARK_NONE);
        /* 2 trend */
        snprintf(cell[0], sizeof cell[0], "与上季度相比");
        snprintf(cell[1], sizeof cell[1], "%s 克",
                 wpm >= 0 && pwpm >= 0 ? signed_x10(wpm - pwpm, a) : "—");
        snprintf(cell[2], sizeof cell[2], "下降 / 持平（±%ld%%）", r.trend_flat_pct);
        snprintf(cell[3], sizeof cell[3], "%d", pts[1]);
        snprintf(cell[4], sizeof cell[4], "%s", pwpm <= 0 || wpm < 0 ? "上季度无数据，按持平计"
                 : pts[1] == 20 ? "每餐浪费下降" : pts[1] == 10 ? "基本持平" : "每餐浪费上升");
        pdf_table_row(doc, cells, pts[1] == 20 ? PDF_MARK_GREEN : PDF_MARK_NONE);
        /* 3 coverage */
        snprintf(cell[0], sizeof cell[0], "称重覆盖率");
        snprintf(cell[1], sizeof cell[1], "%s%%", coverage >= 0 ? (snprintf(b, sizeof b, "%lld",
                 (long long)coverage), b) : "—");
        snprintf(cell[2], sizeof cell[2], "≥%ld%% / ≥%ld%%", r.coverage_good_pct,
                 r.coverage_fair_pct);
        snprintf(cell[3], sizeof cell[3], "%d", pts[2]);
        snprintf(cell[4], sizeof cell[4], "称重 %lld 盘，就餐 %lld 人次", (long long)now.trays,
                 (long long)now.meals);
        pdf_table_row(doc, cells, pts[2] == 20 ? PDF_MARK_GREEN : PDF_MARK_NONE);
        /* 4 weighing days */
        snprintf(cell[0], sizeof cell[0], "每个供餐日都称重");
        snprintf(cell[1], sizeof cell[1], "%lld / %lld 天", (long long)now.weighing_days,
                 (long long)now.serving_days);
        snprintf(cell[2], sizeof cell[2], "≥%ld%% / ≥%ld%%", r.days_good_pct, r.days_fair_pct);
        snprintf(cell[3], sizeof cell[3], "%d", pts[3]);
        snprintf(cell[4], sizeof cell[4], "%s", now.weighing_days == now.serving_days
                 ? "每个供餐日都有称重" : "有供餐日没有称重记录");
        pdf_table_row(doc, cells, pts[3] == 20 ? PDF_MARK_GREEN : PDF_MARK_NONE);
        /* 5 lists */
        snprintf(cell[0], sizeof cell[0], "按月公布红黑榜");
        snprintf(cell[1], sizeof cell[1], "%lld / %d 个月", (long long)lists, span.nmonths);
        snprintf(cell[2], sizeof cell[2], "%ld / %ld 个月", r.lists_good, r.lists_fair);
        snprintf(cell[3], sizeof cell[3], "%d", pts[4]);
        snprintf(cell[4], sizeof cell[4], "%s", lists >= span.nmonths ? "每月都已公布"
                 : "有月份未公布：cleanplate-office publish redblack");
        pdf_table_row(doc, cells, pts[4] == 20 ? PDF_MARK_GREEN : PDF_MARK_NONE);
    }
    pdf_table_end(doc);
    pdf_heading(doc, "本季度数字");
    summary_lines(doc, &now, &prev, &req->opts, &cost);
    quarter_cost_line(doc, &cost);
    pdf_heading(doc, "评分办法");
    snprintf(text, sizeof text,
             "五项指标各 20 分：达到第一个标准得满分，达到第二个标准得一半，否则不得分。"
             "总分 %ld 分及以上为优，%ld 分及以上为良，%ld 分及以上为中，其余为差。"
             "评分标准保存在配置文件的 [rubric] 一节，可按本单位要求调整。",
             r.grade_you, r.grade_liang, r.grade_zhong);
    pdf_paragraph(doc, text);
    methodology(doc, &req->opts);
    if (res->provisional)
        snprintf(text, sizeof text, "生成于 %s  %s  临时报告，%d 分，未评等级", at, span.label,
                 total);
    else
        snprintf(text, sizeof text, "生成于 %s  %s  %d 分 %s", at, span.label, total, res->grade);
    pdf_set_footer(doc, text);
    res->pages = pdf_page_count(doc);
    err = pdf_save(doc, req->out);
out:
    db_rollback(d);
    pdf_free(doc);
    metrics_summary_free(&now);
    metrics_summary_free(&prev);
    return err;
}
