/* publish_files: the three files of a published red/black list: the CSV
 * for spreadsheets, a static HTML page and the PDF notice (publish.c
 * records and hashes them). */
#include "backoffice/publish_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoffice/csvout.h"
#include "backoffice/pdf.h"
#include "backoffice/report.h"
#include "backoffice/text.h"
#include "core/nls.h"

static void html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Writes the CSV file: every eligible row with the real name (csvout: BOM,
 * CRLF, formulas neutralised), and the trays each department had left out. */
cp_err publish_write_csv(const char *path, const metrics_table *t)
{
    FILE *f = fopen(path, "wb");
    char e[24];
    csvout w;
    cp_err err;

    if (!f)
        return cp_fail(CP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    csvout_begin(&w, f);
    csvout_header(&w, "rank,list,code,name,meals,diners,trays,plate_g,g_per_tray,clean_rate,"
                      "coverage,change_g_per_tray,flagged_trays");
    for (size_t i = 0; i < t->n && t->rows[i].eligible; i++) {
        const metrics_row *r = &t->rows[i];
        csvout_int(&w, r->rank);
        csvout_text(&w, r->list);
        csvout_text(&w, r->code);
        csvout_text(&w, r->name);
        metrics_csv_figures(&w, r);
        csvout_number(&w, r->has_change ? metrics_x10(r->change_x10, e) : "");
        csvout_int(&w, r->flagged_trays);
        csvout_end_row(&w);
    }
    if ((err = csvout_finish(&w)) || fsync(fileno(f)) != 0) {
        fclose(f);
        return cp_fail(CP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    }
    fclose(f);
    return CP_OK;
}

/* Writes people's text into the page: bytes that are not UTF-8 shown as
 * U+FFFD, bidi controls taken out (they would reorder what is around them,
 * so that a name could read as another; the PDF notice has said so), markup
 * escaped, and isolated with <bdi> so that a name in a right-to-left script
 * does not reorder the cells around it. */
static cp_err html_name(FILE *f, const char *s)
{
    char *clean = text_clean(s, 1, NULL);

    if (!clean)
        return cp_fail(CP_ERR_NOMEM, "out of memory writing the page");
    fputs("<bdi>", f);
    html_text(f, clean);
    fputs("</bdi>", f);
    free(clean);
    return CP_OK;
}

static cp_err html_rows(FILE *f, const metrics_table *t, const char *only)
{
    char a[24], b[24], c[24], e[24];
    cp_err err;

    fputs("<table>\n<thead><tr><th>名次</th><th>部门</th><th>就餐人次</th><th>就餐人数</th>"
          "<th>称重盘数</th><th>盘均剩餐（克）</th><th>光盘率</th><th>称重覆盖率</th>"
          "<th>较上月（克）</th></tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < t->n && t->rows[i].eligible; i++) {
        const metrics_row *r = &t->rows[i];
        if (only && (!r->list || strcmp(r->list, only) != 0))
            continue;
        fprintf(f, "<tr class=\"%s\"><td>%d</td><td>", r->list ? r->list : "", r->rank);
        if ((err = html_name(f, r->name)))
            return err;
        fprintf(f, " <small>(");
        html_text(f, r->code);
        fprintf(f, ")</small></td><td>%lld</td><td>%lld</td><td>%lld</td><td>%s</td><td>%s</td>"
                   "<td>%s</td><td>%s</td></tr>\n",
                (long long)r->meals, (long long)r->diners, (long long)r->trays,
                metrics_x10(r->g_per_tray_x10, a), metrics_ratio(r->clean_rate_permille, b),
                metrics_ratio(r->coverage_permille, c),
                r->has_change ? metrics_x10(r->change_x10, e) : "—");
    }
    fputs("</tbody>\n</table>\n", f);
    return CP_OK;
}

/* The sentence on the weighings left out, for the page and the PDF. */
static void flagged_text(const metrics_table *t, char *buf, size_t size)
{
    int n = snprintf(buf, size, "本月有 %lld 次餐盘称重为异常（秤超载、净重为负、秤不可能显示的读数"
                     "或没有对应消费），保留在记录中，但不计入称重盘数、剩餐量和排名。",
                     (long long)t->flagged_trays);

    /* typed in by a person, not weighed: the public sees how many */
    if (t->manual_trays > 0 && n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, "计入的餐盘中有 %lld 盘是秤故障时手工录入的（记录了录入人）。",
                 (long long)t->manual_trays);
}

/* Writes the static HTML page: no scripts, no outside resources, printable. */
cp_err publish_write_html(const char *path, const metrics_table *t, const publish_res *res,
                          const char *reason, const char *corrects, const char *at)
{
    FILE *f = fopen(path, "wb");
    char flagged[512];
    cp_err err = CP_OK;

    if (!f)
        return cp_fail(CP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<title>%s 食堂浪费红黑榜</title>\n<style>\n"
               "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}\n"
               "table{border-collapse:collapse;width:100%%;margin:1em 0}\n"
               "th,td{border:1px solid #999;padding:.3em .5em;text-align:right}\n"
               "th:nth-child(2),td:nth-child(2){text-align:left}\n"
               "tr.red td:first-child{border-left:.4em solid #c00}\n"
               "tr.black td:first-child{border-left:.4em solid #000}\n"
               "h2.red{color:#c00}\n.meta{color:#555;font-size:.9em;word-break:break-all}\n"
               "@media print{body{margin:0;max-width:none}}\n</style>\n</head>\n<body>\n",
            t->span.label);
    fprintf(f, "<h1>%s 食堂浪费红黑榜</h1>\n<p>统计期间：%s 至 %s。版本 %d。</p>\n",
            t->span.label, t->span.from, t->span.to, res->version);
    if (corrects) {
        fprintf(f, "<p><strong>本版更正 %s：</strong>", corrects);
        err = html_name(f, reason ? reason : "");
        fputs("</p>\n", f);
    }
    fprintf(f, "<h2>评比规则</h2>\n<ul>\n<li>按盘均剩餐克数从少到多排名，相同时光盘率高者在前，"
               "再按部门编码。</li>\n<li>光盘：剩餐不超过 %d 克。</li>\n"
               "<li>参评条件：就餐不少于 %d 人次，称重覆盖率不低于 %d%%，就餐人数与交回餐盘人数均不少于 %d 人。"
               "</li>\n<li>红榜取前 %d 名，黑榜取后 %d 名；参评部门不足时各取一半以内。</li>\n"
               "</ul>\n",
            t->opts.clean_threshold_g, t->opts.min_meals, t->opts.min_coverage_pct,
            METRICS_MIN_DINERS, t->opts.red, t->opts.black);
    flagged_text(t, flagged, sizeof flagged);
    fprintf(f, "<p class=\"flagged\">%s</p>\n", flagged);
    fputs("<h2 class=\"red\">红榜</h2>\n", f);
    if (!err)
        err = html_rows(f, t, "red");
    fputs("<h2>黑榜</h2>\n", f);
    if (!err)
        err = html_rows(f, t, "black");
    fprintf(f, "<h2>全部参评部门（%ld 个）</h2>\n", t->eligible);
    if (!err)
        err = html_rows(f, t, NULL);
    fprintf(f, "<p class=\"meta\">发布编号 %s，发布时间 %s，内容哈希 %s。本页不含个人信息。</p>\n",
            res->id, at, res->content_hash);
    if (res->audit_head_before[0])
        fprintf(f, "<p class=\"meta\">发布时审计链头 %s（可用 cleanplate-office verify --head "
                   "核对此前的记录未被删改）。</p>\n", res->audit_head_before);
    fputs("</body>\n</html>\n", f);
    if (err || fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
        fclose(f);
        return err ? err : cp_fail(CP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    }
    fclose(f);
    return CP_OK;
}

/* Writes the PDF notice. */
cp_err publish_write_pdf(const char *path, const metrics_table *t, const publish_res *res,
                         const char *reason, const char *corrects, const char *at,
                         const char *font)
{
    pdf_doc *doc = NULL;
    char text[512], *correction = NULL;
    cp_err err;

    if ((err = pdf_new(font, &doc)))
        return err;
    snprintf(text, sizeof text, "%s 食堂浪费红黑榜", t->span.label);
    pdf_title(doc, text);
    snprintf(text, sizeof text, "%s 至 %s", t->span.from, t->span.to);
    pdf_kv(doc, "统计期间", text);
    snprintf(text, sizeof text, "第 %d 版", res->version);
    pdf_kv(doc, "版本", text);
    if (corrects) {
        /* the reason is a person's text: whole, and drawn as the font can */
        const char *shown;
        if (asprintf(&correction, "本版更正 %s：%s", corrects, reason ? reason : "") < 0) {
            pdf_free(doc);
            return cp_fail(CP_ERR_NOMEM, "out of memory writing the PDF");
        }
        shown = pdf_shown(doc, correction); /* NULL: out of memory, and the save fails */
        pdf_kv(doc, "更正说明", shown ? shown : "");
    }
    pdf_heading(doc, "评比规则");
    snprintf(text, sizeof text,
             "按盘均剩餐克数从少到多排名，相同时光盘率高者在前，再按部门编码。光盘指剩餐不超过 "
             "%d 克。参评条件：就餐不少于 %d 人次，称重覆盖率不低于 %d%%，就餐人数与交回餐盘人数均不少于 %d 人。"
             "红榜取前 %d 名，黑榜取后 %d 名；参评部门不足时各取一半以内。",
             t->opts.clean_threshold_g, t->opts.min_meals, t->opts.min_coverage_pct,
             METRICS_MIN_DINERS, t->opts.red, t->opts.black);
    pdf_paragraph(doc, text);
    flagged_text(t, text, sizeof text);
    pdf_paragraph(doc, text);
    pdf_heading(doc, "红榜");
    report_department_table(doc, t, "red", 0);
    pdf_heading(doc, "黑榜");
    report_department_table(doc, t, "black", 0);
    snprintf(text, sizeof text, "全部参评部门（%ld 个）", t->eligible);
    pdf_heading(doc, text);
    report_department_table(doc, t, NULL, 0);
    if (res->audit_head_before[0]) {
        snprintf(text, sizeof text, "发布时审计链头 %s（可用 cleanplate-office verify --head "
                 "核对此前的记录未被删改）", res->audit_head_before);
        pdf_paragraph(doc, text);
    }
    snprintf(text, sizeof text, "%s  发布于 %s  内容哈希 %.16s…", res->id, at, res->content_hash);
    pdf_set_footer(doc, text);
    err = pdf_save(doc, path);
    pdf_free(doc);
    free(correction);
    return err;
}
