/* report_cost: the cost accounting in PDF: the section of the monthly report and the year on one page to sign.
 *
 * The figures are written with cost_output's functions, so that the PDF
 * shows what `report cost --json` prints. People's text (categories, meal
 * periods) goes through pdf_shown. */
#include "backoffice/report_cost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/cost_output.h"
#include "backoffice/report.h"
#include "core/audit.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/names.h"

const char *report_cost_rule_zh(cost_rule r)
{
    return r == COST_RULE_WITHIN ? "在 ±2% 以内"
           : r == COST_RULE_OVER ? "结余超过 2%"
           : r == COST_RULE_UNDER ? "亏损超过 2%"
                                  : "无食品耗用，不作判断";
}

/* "（上月 4.00%，去年同月 无数据）" for one of the shares (which: 0 by weight,
 * 1 by money, 2 grams per meal). */
static void beside_zh(const cost_report *r, int which, char *out, size_t size)
{
    const cost_month *m[2] = {&r->prev, &r->last_year};
    char a[2][COST_STR_LEN + 8];

    for (int k = 0; k < 2; k++) {
        int64_t v = which == 0   ? m[k]->share_weight_x10000
                    : which == 1 ? m[k]->share_money_x10000
                                 : m[k]->g_per_meal_x10;
        char tmp[COST_STR_LEN];
        if (!m[k]->has_data || v < 0)
            snprintf(a[k], sizeof a[k], "无数据");
        else if (which == 2)
            snprintf(a[k], sizeof a[k], "%s 克", cost_x10(v, tmp));
        else
            snprintf(a[k], sizeof a[k], "%s", cost_pct(v, 1, tmp));
    }
    snprintf(out, size, "（上月 %s，去年同月 %s）", a[0], a[1]);
}

void report_cost_waste_line(const cost_total *t, int64_t food_cost_fen_per_kg, char *buf,
                            size_t size)
{
    char a[MONEY_STR_LEN], b[MONEY_STR_LEN];

    money_format(t->waste_fen, a);
    money_format(food_cost_fen_per_kg, b);
    if (t->months > 0 && t->priced_months == t->months && t->by_canteen)
        snprintf(buf, size, "%s 元（各食堂按各自的采购均价计：后厨浪费按各类别，餐盘剩余按全部食品）",
                 a);
    else if (t->months > 0 && t->priced_months == t->months)
        snprintf(buf, size, "%s 元（后厨浪费按各类别当月采购均价，餐盘剩余按全部食品均价计）", a);
    else if (t->priced_months > 0)
        snprintf(buf, size, "%s 元（有采购记录的 %d 个月按采购均价计，其余按每千克 %s 元估算）",
                 a, t->priced_months, b);
    else
        snprintf(buf, size, "%s 元（没有采购记录，按每千克 %s 元估算）", a, b);
}

/* fen in yuan, or "—" in a month that has not ended (not known yet). */
static const char *money_or_dash(const cost_month *m, int64_t fen, char buf[COST_STR_LEN])
{
    if (m->open)
        snprintf(buf, COST_STR_LEN, "—");
    else
        money_format(fen, buf);
    return buf;
}

/* The cells of l's row (10: the category, counted, opening, starting,
 * purchases, closing, used in yuan and kg, waste in kg and yuan) into
 * cells, written in cell. */
static void category_cells(pdf_doc *doc, const cost_month *m, const cost_line *l,
                           char cell[10][COST_STR_LEN], const char *cells[10])
{
    /* starting stock has its own column: a row of several canteens, one of
     * them new, says whether every one counted */
    snprintf(cell[1], COST_STR_LEN, "%s", !l->listed  ? "—"
                                           : m->open   ? "未到"
                                           : l->counted ? "是"
                                                        : "否");
    money_format(l->opening_fen, cell[2]);
    money_format(l->starting_fen, cell[3]);
    money_format(l->bought_fen, cell[4]);
    money_or_dash(m, l->closing_fen, cell[5]);
    money_or_dash(m, l->used_fen, cell[6]);
    if (m->open)
        snprintf(cell[7], COST_STR_LEN, "—");
    else
        money_format_kg(l->used_g, cell[7]);
    money_format_kg(l->kitchen_g, cell[8]);
    money_format(l->kitchen_fen, cell[9]);
    for (int k = 1; k < 10; k++)
        cells[k] = cell[k];
    cells[0] = *l->name ? pdf_shown(doc, l->name) : "（未分类）";
}

/* Food used by category, with the counts; categories not counted are
 * marked. Each row reads 期初 + 建账 + 采购 - 期末 = 耗用; the column 建账
 * is there in a month with starting stock (else it is 0 on every row, and
 * the others keep their room). */
static void category_table(pdf_doc *doc, const cost_month *m)
{
    static const pdf_column cols[] = {
        {"类别", 0, PDF_LEFT},          {"盘点", 0.07, PDF_CENTER},
        {"期初(元)", 0.11, PDF_RIGHT},  {"采购(元)", 0.12, PDF_RIGHT},
        {"期末(元)", 0.11, PDF_RIGHT},  {"耗用(元)", 0.12, PDF_RIGHT},
        {"耗用(千克)", 0.12, PDF_RIGHT}, {"浪费(千克)", 0.11, PDF_RIGHT},
        {"浪费(元)", 0.10, PDF_RIGHT}};
    static const pdf_column with_start[] = {
        {"类别", 0, PDF_LEFT},          {"盘点", 0.06, PDF_CENTER},
        {"期初(元)", 0.10, PDF_RIGHT},  {"建账(元)", 0.10, PDF_RIGHT},
        {"采购(元)", 0.11, PDF_RIGHT},  {"期末(元)", 0.10, PDF_RIGHT},
        {"耗用(元)", 0.11, PDF_RIGHT},  {"耗用(千克)", 0.11, PDF_RIGHT},
        {"浪费(千克)", 0.09, PDF_RIGHT}, {"浪费(元)", 0.09, PDF_RIGHT}};
    int start = m->starting_fen != 0;
    char cell[10][COST_STR_LEN];
    const char *cells[10];

    pdf_table_begin(doc, start ? with_start : cols, start ? 10 : 9, PDF_TABLE_ZEBRA);
    for (size_t i = 0; i < m->nlines; i++) {
        const cost_line *l = &m->lines[i];
        category_cells(doc, m, l, cell, cells);
        if (!start) /* without the column 建账 */
            memmove(&cells[3], &cells[4], 6 * sizeof *cells);
        pdf_table_row(doc, cells, l->listed && !l->counted ? PDF_MARK_RED : PDF_MARK_NONE);
    }
    pdf_table_end(doc);
}

/* Meals and money by meal period and diner category. */
static void meals_table(pdf_doc *doc, db *d, const cost_month *m)
{
    static const pdf_column cols[] = {
        {"餐次", 0, PDF_LEFT}, {"人员类别", 0.2, PDF_LEFT}, {"人次", 0.12, PDF_RIGHT},
        {"收入(元)", 0.15, PDF_RIGHT}, {"补贴(元)", 0.15, PDF_RIGHT},
        {"现金(元)", 0.15, PDF_RIGHT}};
    char cell[6][COST_STR_LEN], shown[2][NAMES_SIZE];
    const char *cells[6];

    if (m->nsales == 0) {
        pdf_paragraph(doc, "本月没有就餐记录。");
        return;
    }
    pdf_table_begin(doc, cols, 6, PDF_TABLE_ZEBRA);
    for (size_t i = 0; i < m->nsales; i++) {
        const metrics_sales_row *s = &m->sales[i];
        snprintf(cell[2], sizeof cell[2], "%lld", (long long)s->meals);
        money_format(s->total_fen, cell[3]);
        money_format(s->subsidy_fen, cell[4]);
        money_format(s->cash_fen, cell[5]);
        /* the names people read (午餐, 职工), not the codes */
        cells[0] = *s->period
                       ? pdf_shown(doc, names_show_zh(d, NAMES_PERIOD, s->period, shown[0]))
                       : "（时段外）";
        cells[1] = pdf_shown(doc, names_show_zh(d, NAMES_CATEGORY, s->category, shown[1]));
        for (int k = 2; k < 6; k++)
            cells[k] = cell[k];
        pdf_table_row(doc, cells, PDF_MARK_NONE);
    }
    pdf_table_end(doc);
}

/* The note on l (name: as the PDF shows it) to f, if it needs one. */
static void note(FILE *f, const cost_line *l, const char *name)
{
    char shown[COST_STR_LEN];

    if (l->starting)
        fprintf(f, "%s：月末盘点含建账库存 %s 元（此前没有采购和盘点记录的食堂首次盘点），不计入"
                "本月耗用。", name, money_format(l->starting_fen, shown));
    else if (l->listed && !l->counted)
        fprintf(f, "%s：本月末未盘点，按采购计（期末库存按 0 计）。", name);
    else if (l->kitchen_g > 0 && l->priced == COST_PRICED_ALL_FOOD)
        fprintf(f, "%s：本月未采购，浪费按全部食品均价计。", name);
}

/* What was not counted or was priced at the average, in one paragraph.
 * The paragraph grows with the notes (open_memstream): a fixed buffer once
 * cut the last note inside a character when many categories had one, and
 * the PDF then refused the whole report; it also left the notes after the
 * cut out. The notes say why figures are what they are, so all of them go. */
static cp_err notes(pdf_doc *doc, const cost_month *m)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cp_err err = CP_OK;

    if (!f)
        return cp_fail(CP_ERR_NOMEM, "out of memory writing the cost notes");
    for (size_t i = 0; i < m->nlines; i++) {
        const cost_line *l = &m->lines[i];
        const char *name = *l->name ? pdf_shown(doc, l->name) : "未分类的后厨浪费";
        if (!name) { /* out of memory: the document's error says so */
            err = CP_ERR_NOMEM;
            break;
        }
        note(f, l, name);
    }
    if (fclose(f) != 0 && !err)
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing the cost notes");
    if (!err && len > 0)
        err = pdf_paragraph(doc, text);
    free(text);
    return err;
}

/* The year to date: its months that have ended, as the year's page adds them up. */
static void ytd_line(pdf_doc *doc, const cost_report *r)
{
    char v[512], a[4][COST_STR_LEN];

    if (!r->ytd_to[0]) {
        pdf_kv(doc, "本年累计", "本年尚无已结束的月份");
        return;
    }
    snprintf(v, sizeof v, "%s 至 %s：食品耗用 %s 元，收入 %s 元，结余 %s 元%s%s：%s%s", r->ytd_from,
             r->ytd_to, money_format(r->ytd.used_fen, a[0]), money_format(r->ytd.revenue_fen, a[1]),
             money_format(r->ytd.surplus_fen, a[2]), r->ytd.used_fen > 0 ? "，占成本 " : "",
             r->ytd.used_fen > 0
                 ? cost_pct(cost_surplus_share(r->ytd.surplus_fen, r->ytd.used_fen), 1, a[3])
                 : "",
             report_cost_rule_zh(r->ytd.rule), r->now.open ? "（不含未结束的本月）" : "");
    pdf_kv(doc, "本年累计", v);
}

cp_err report_cost_section(pdf_doc *doc, db *d, const cost_report *r)
{
    const cost_month *m = &r->now;
    char v[512], a[6][COST_STR_LEN], b[160];
    cost_total t = {0};
    cp_err err;

    if (m->open)
        snprintf(v, sizeof v, "本月尚未结束，月末盘点后计算（期初库存 %s 元 + 本月至今采购 %s 元 - "
                 "月末盘点）；以下为临时数字", money_format(m->opening_fen, a[2]),
                 money_format(m->bought_fen, a[3]));
    else /* the closing stock is the whole count: the starting stock is added on the left */
        snprintf(v, sizeof v, "%s 元，%s 千克（期初库存 %s 元%s%s%s + 本月采购 %s 元 - 期末库存 %s 元）",
                 money_format(m->used_fen, a[0]), money_format_kg(m->used_g, a[1]),
                 money_format(m->opening_fen, a[2]), m->starting_fen ? " + 建账库存 " : "",
                 m->starting_fen ? money_format(m->starting_fen, a[5]) : "",
                 m->starting_fen ? " 元" : "", money_format(m->bought_fen, a[3]),
                 money_format(m->closing_fen, a[4]));
    pdf_kv(doc, "食品耗用", v);
    if (m->starting_fen) {
        snprintf(v, sizeof v, "%s 元（此前没有采购和盘点记录的食堂首次盘点，作为建账的期初库存，"
                 "不计入耗用）", money_format(m->starting_fen, a[0]));
        pdf_kv(doc, "建账库存", v);
    }
    pdf_kv(doc, "库存盘点", m->open            ? "月末盘点（本月尚未结束）"
                            : m->stock_counted ? "各类别月末均已盘点"
                                               : "有类别月末未盘点，按采购计（见下表标红的行）");
    category_table(doc, m);
    if ((err = notes(doc, m)))
        return err;
    snprintf(v, sizeof v, "%lld 人次", (long long)m->meals);
    pdf_kv(doc, "就餐", v);
    meals_table(doc, d, m);
    snprintf(v, sizeof v, "%s 元（补贴 %s 元，现金 %s 元）", money_format(m->revenue_fen, a[0]),
             money_format(m->subsidy_fen, a[1]), money_format(m->cash_fen, a[2]));
    pdf_kv(doc, "收入", v);
    if (m->open)
        snprintf(v, sizeof v, "本月尚未结束，不计算");
    else if (m->cost_per_meal_fen >= 0)
        snprintf(v, sizeof v, "%s 元", money_format(m->cost_per_meal_fen, a[0]));
    else
        snprintf(v, sizeof v, "无就餐");
    pdf_kv(doc, "每餐成本", v);
    if (m->open)
        snprintf(v, sizeof v, "本月尚未结束，不计算");
    else
        snprintf(v, sizeof v, "%s 元%s%s：%s", money_format(m->surplus_fen, a[0]),
                 m->has_surplus_share ? "，占成本 " : "",
                 m->has_surplus_share ? cost_pct(m->surplus_x10000, 1, a[1]) : "",
                 report_cost_rule_zh(m->rule));
    pdf_kv(doc, "本月结余", v);
    ytd_line(doc, r);
    cost_total_add(&t, m);
    report_cost_waste_line(&t, m->food_cost_fen_per_kg, b, sizeof b);
    if (m->fallback)
        snprintf(v, sizeof v, "%s", b);
    else if (m->by_canteen)
        snprintf(v, sizeof v, "%s 元：后厨 %s 元、餐盘 %s 元，各食堂按各自当月采购价计（与各食堂"
                 "报表之和一致）", money_format(m->waste_fen, a[0]),
                 money_format(m->kitchen_fen, a[1]), money_format(m->plate_fen, a[2]));
    else
        snprintf(v, sizeof v, "%s 元：后厨 %s 元按各类别当月采购均价，餐盘 %s 元按全部食品均价每千克 "
                 "%s 元", money_format(m->waste_fen, a[0]), money_format(m->kitchen_fen, a[1]),
                 money_format(m->plate_fen, a[2]), cost_yuan_per_kg(m->price_fen, m->price_g, a[3]));
    pdf_kv(doc, "浪费金额", v);
    beside_zh(r, 0, b, sizeof b);
    snprintf(v, sizeof v, "%s%s",
             m->share_weight_x10000 >= 0 ? cost_pct(m->share_weight_x10000, 1, a[0]) : "—", b);
    pdf_kv(doc, "浪费占耗用（重量）", v);
    beside_zh(r, 1, b, sizeof b);
    snprintf(v, sizeof v, "%s%s",
             m->share_money_x10000 >= 0 ? cost_pct(m->share_money_x10000, 1, a[0]) : "—", b);
    pdf_kv(doc, "浪费占耗用（金额）", v);
    beside_zh(r, 2, b, sizeof b);
    snprintf(v, sizeof v, "%s 克%s",
             m->g_per_meal_x10 >= 0 ? cost_x10(m->g_per_meal_x10, a[0]) : "—", b);
    pdf_kv(doc, "人均每餐浪费", v);
    return CP_OK; /* a drawing error is the document's, sticky until pdf_save */
}

/* The year's table: a row a month and one for the year. */
static void year_table(pdf_doc *doc, const cost_month months[12], const cost_total *t)
{
    static const pdf_column cols[] = {
        {"月份", 0.08, PDF_LEFT},        {"食品耗用(元)", 0, PDF_RIGHT},
        {"就餐人次", 0.10, PDF_RIGHT},   {"每餐成本", 0.10, PDF_RIGHT},
        {"收入(元)", 0, PDF_RIGHT},      {"结余(元)", 0, PDF_RIGHT},
        {"结余率", 0.11, PDF_RIGHT},     {"±2%", 0.11, PDF_CENTER},
        {"盘点", 0.06, PDF_CENTER}};
    char cell[9][COST_STR_LEN];
    const char *cells[9];

    pdf_table_begin(doc, cols, 9, PDF_TABLE_ZEBRA);
    for (int k = 0; k <= 12; k++) {
        const cost_month *m = k < 12 ? &months[k] : NULL;
        int64_t used = m ? m->used_fen : t->used_fen, meals = m ? m->meals : t->meals;
        int64_t revenue = m ? m->revenue_fen : t->revenue_fen;
        int64_t surplus = m ? m->surplus_fen : t->surplus_fen;
        cost_rule rule = m ? m->rule : t->rule;
        for (int c = 0; c < 9; c++)
            snprintf(cell[c], sizeof cell[c], "—");
        if (m)
            snprintf(cell[0], sizeof cell[0], "%d 月", k + 1);
        else
            snprintf(cell[0], sizeof cell[0], "全年");
        if (m && m->open)
            snprintf(cell[1], sizeof cell[1], "未结束");
        if (!m || m->has_data) {
            money_format(used, cell[1]);
            snprintf(cell[2], sizeof cell[2], "%lld", (long long)meals);
            if (meals > 0)
                money_format(cost_muldiv(used, 1, meals), cell[3]);
            money_format(revenue, cell[4]);
            money_format(surplus, cell[5]);
            if (used > 0)
                cost_pct(cost_surplus_share(surplus, used), 1, cell[6]);
            snprintf(cell[7], sizeof cell[7], "%s", rule == COST_RULE_WITHIN ? "以内"
                                                    : rule == COST_RULE_OVER  ? "结余超出"
                                                    : rule == COST_RULE_UNDER ? "亏损超出"
                                                                              : "—");
            if (m)
                snprintf(cell[8], sizeof cell[8], "%s", m->stock_counted ? "是" : "否");
        }
        for (int c = 0; c < 9; c++)
            cells[c] = cell[c];
        pdf_table_row(doc, cells, rule == COST_RULE_WITHIN || rule == COST_RULE_NONE
                                      ? PDF_MARK_NONE
                                      : PDF_MARK_RED);
    }
    pdf_table_end(doc);
}

cp_err report_cost_year(db *d, const report_cost_req *req, int *pages)
{
    cost_month months[12];
    cost_total t;
    pdf_doc *doc = NULL;
    char text[512], at[CP_TIME_ISO_LEN], head[HASH_HEX_LEN], a[4][COST_STR_LEN];
    cp_time clock;
    cp_err err;

    *pages = 0;
    if ((err = clock_now(&clock)) || (err = cost_begin_year(d, req->year)))
        return err;
    err = cost_year(d, req->canteen, req->year, req->food_cost_fen_per_kg, months, &t);
    db_rollback(d);
    if (err)
        return err;
    clock_iso(&clock, at);
    if ((err = audit_seal(d, req->actor, head)) || (err = pdf_new(req->font, &doc)))
        goto out;
    snprintf(text, sizeof text, "%04d年 食堂成本核算年度报表", req->year % 10000);
    pdf_title(doc, text);
    report_scope_line(d, doc, req->canteen);
    snprintf(text, sizeof text, "%04d-01 至 %04d-12（数据截至 %.10s）", req->year % 10000,
             req->year % 10000, at);
    pdf_kv(doc, "统计期间", text);
    year_table(doc, months, &t);
    snprintf(text, sizeof text, "食品耗用 %s 元，收入 %s 元，结余 %s 元%s%s：%s（%d 个月有数据）",
             money_format(t.used_fen, a[0]), money_format(t.revenue_fen, a[1]),
             money_format(t.surplus_fen, a[2]), t.used_fen > 0 ? "，占成本 " : "",
             t.used_fen > 0 ? cost_pct(cost_surplus_share(t.surplus_fen, t.used_fen), 1, a[3])
                            : "",
             report_cost_rule_zh(t.rule), t.months);
    pdf_kv(doc, "全年结果", text);
    pdf_paragraph(doc, "说明：食品耗用 = 期初库存 + 本期采购 - 期末库存（实地盘存法），月末未盘点的"
                       "类别按采购计；收入为就餐收费（含补贴和现金）；水电燃气、人工等费用不计入"
                       "成本。食堂按成本核算伙食价格，结余或亏损应控制在食品成本的 ±2% 以内，"
                       "超出的月份标红。");
    /* whole: whoever holds the signed page can check that nothing before it was
     * removed from the records (verify --head) */
    pdf_kv(doc, "审计链头", head[0] ? head : "（审计日志为空）");
    pdf_space(doc, 24);
    pdf_paragraph(doc, "食堂负责人（签字）：____________________    日期：____________");
    pdf_space(doc, 18);
    pdf_paragraph(doc, "财务负责人（签字）：____________________    日期：____________");
    pdf_space(doc, 18);
    pdf_paragraph(doc, "单位负责人（签字）：____________________    日期：____________");
    snprintf(text, sizeof text, "生成于 %s  %04d年成本核算", at, req->year % 10000);
    pdf_set_footer(doc, text);
    *pages = pdf_page_count(doc);
    err = pdf_save(doc, req->out);
out:
    pdf_free(doc);
    for (int k = 0; k < 12; k++)
        cost_month_free(&months[k]);
    return err;
}
