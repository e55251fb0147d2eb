/* pdf_chart: bar, line and grouped charts with nice axes. */
#include "backoffice/pdf.h"
#include "backoffice/pdf_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



/* ---- charts --------------------------------------------------------------------------------- */

/* An axis from t0 to t1 in steps of step (1, 2 or 5 times a power of ten)
 * covering [lo, hi], with the decimals its tick labels need. */
typedef struct axis {
    double t0, t1, step;
    int decimals;
} axis;

static axis nice_axis(double lo, double hi)
{
    axis a;
    double raw, mag, f;

    if (lo > 0)
        lo = 0;
    if (hi < 0)
        hi = 0;
    if (hi - lo < 1e-9)
        hi = lo + 1;
    raw = (hi - lo) / 5;
    mag = pow(10, floor(log10(raw)));
    f = raw / mag;
    a.step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    a.t0 = floor(lo / a.step + 1e-9) * a.step;
    a.t1 = ceil(hi / a.step - 1e-9) * a.step;
    a.decimals = a.step >= 1 ? 0 : (int)ceil(-log10(a.step) - 1e-9);
    return a;
}

/* Formats v in units of 1/scale with as many decimals as scale has zeros. */
static void fmt_value(char *buf, size_t n, int64_t v, int scale)
{
    int dec = 0;
    long long p = 1;

    while (scale > 1 && p < scale && dec < 9)
        p *= 10, dec++;
    if (v == PDF_NO_VALUE)
        snprintf(buf, n, "-");
    else if (scale <= 1)
        snprintf(buf, n, "%lld", (long long)v);
    else if (p == scale) {
        unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        snprintf(buf, n, "%s%llu.%0*llu", v < 0 ? "-" : "", a / (unsigned long long)p, dec,
                 a % (unsigned long long)p);
    } else
        snprintf(buf, n, "%.2f", (double)v / scale);
}

static double real_value(int64_t v, int scale)
{
    return scale > 1 ? (double)v / scale : (double)v;
}

/* Checks a chart's title, unit and an array of n labels. */
static cp_err check_labels(pdf_doc *d, const char *title, const char *unit,
                           const char *const *labels, int n)
{
    cp_err err;

    if ((err = pdf_check_text(d, title)) || (err = pdf_check_text(d, unit)))
        return err;
    for (int i = 0; labels && i < n; i++)
        if ((err = pdf_check_text(d, labels[i])))
            return err;
    return CP_OK;
}

/* Draws a chart title at the cursor; "（续）" marks a continuation. */
static cp_err chart_title(pdf_doc *d, const char *title, int continued)
{
    double lead = CHART_TITLE_SIZE * LEADING;
    char *buf;
    cp_err err;

    if (!title || !*title)
        return CP_OK;
    if (asprintf(&buf, "%s%s", title, continued ? "（续）" : "") < 0)
        return cp_fail(CP_ERR_NOMEM, "out of memory");
    d->y -= lead;
    err = pdf_text_fit(d, MARGIN_X, pdf_baseline(d->y, lead, CHART_TITLE_SIZE), TEXT_W, PDF_LEFT,
                   CHART_TITLE_SIZE, INK, buf);
    free(buf);
    return err;
}

/* Tick label text for tick value t. */
static void tick_text(char *buf, size_t n, double t, const axis *a)
{
    snprintf(buf, n, "%.*f", a->decimals, fabs(t) < a->step * 1e-6 ? 0.0 : t);
}

/* Widest tick label of an axis in points. */
static double tick_width(pdf_doc *d, const axis *a)
{
    char buf[64];
    double w = 0;

    for (double t = a->t0; t <= a->t1 + a->step * 1e-6; t += a->step) {
        tick_text(buf, sizeof buf, t, a);
        double tw = pdf_measure(d, buf, strlen(buf), CHART_SIZE);
        w = tw > w ? tw : w;
    }
    return w;
}

/* A value axis up the left of a plot [x0, x1] x [y0, y1], with grid lines. */
static cp_err y_axis(pdf_doc *d, const axis *a, double x0, double x1, double y0, double y1,
                     const char *unit)
{
    char buf[64];
    cp_err err;

    for (double t = a->t0; t <= a->t1 + a->step * 1e-6; t += a->step) {
        double y = y0 + (t - a->t0) / (a->t1 - a->t0) * (y1 - y0);
        pdf_hline(d, x0, x1, y, 0.4, fabs(t) < a->step * 1e-6 ? RULE : GRID);
        tick_text(buf, sizeof buf, t, a);
        if ((err = pdf_text_fit(d, x0 - 60, y - CHART_SIZE * 0.35, 56, PDF_RIGHT, CHART_SIZE,
                            GREY_TEXT, buf)))
            return err;
    }
    pdf_vline(d, x0, y0, y1, 0.6, RULE);
    if (unit && *unit)
        return pdf_text_fit(d, x0 - 40, y1 + 5, TEXT_W, PDF_LEFT, CHART_SIZE, GREY_TEXT, unit);
    return CP_OK;
}

/* Writes up to two lines of label centred under a slot [x, x + w] from y down. */
static cp_err slot_label(pdf_doc *d, double x, double w, double y, const char *label)
{
    double lead = CHART_SIZE * 1.25;
    size_t pos = 0, before;
    line ln;
    cp_err err;

    for (int n = 1; before = pos, pdf_next_line(d, label, &pos, CHART_SIZE, w, &ln); n++) {
        y -= lead;
        if (n == 2 && label[pos])
            return pdf_text_fit(d, x, pdf_baseline(y, lead, CHART_SIZE), w, PDF_CENTER, CHART_SIZE,
                            GREY_TEXT, label + before);
        double lw = pdf_measure(d, label + ln.start, ln.len, CHART_SIZE);
        if ((err = pdf_text_at(d, x + (w - lw) / 2, pdf_baseline(y, lead, CHART_SIZE), CHART_SIZE,
                           GREY_TEXT, label + ln.start, ln.len)))
            return err;
        if (n == 2)
            break;
    }
    return CP_OK;
}

#define HBAR_ROW 13.0
#define HBAR_AXIS 22.0

/* Horizontal bars, as many rows per page as fit, continuing on the next page. */
static cp_err hbar_chart(pdf_doc *d, const pdf_bar_spec *s, const axis *a)
{
    double label_w = 0, value_w = 0, x0, x1, top;
    char buf[64];
    cp_err err;

    for (int i = 0; i < s->n; i++) {
        double w = s->labels && s->labels[i] ? pdf_measure(d, s->labels[i], strlen(s->labels[i]), CHART_SIZE) : 0;
        label_w = w > label_w ? w : label_w;
        fmt_value(buf, sizeof buf, s->values[i], s->scale);
        w = pdf_measure(d, buf, strlen(buf), VALUE_SIZE);
        value_w = w > value_w ? w : value_w;
    }
    label_w = (label_w < TEXT_W * 0.3 ? label_w : TEXT_W * 0.3) + 6;
    x0 = MARGIN_X + label_w;
    x1 = MARGIN_X + TEXT_W - value_w - 6;
#define HX(v) (x0 + ((v) - a->t0) / (a->t1 - a->t0) * (x1 - x0))
    for (int i = 0; i < s->n;) {
        int k = s->n - i < 8 ? s->n - i : 8;  /* start a page part with at least 8 bars */
        if ((err = pdf_need(d, CHART_TITLE_SIZE * LEADING + 3 + k * HBAR_ROW + HBAR_AXIS)) ||
            (err = chart_title(d, s->title, i > 0)))
            return err;
        top = d->y - 3;
        k = (int)((top - MARGIN_BOTTOM - HBAR_AXIS) / HBAR_ROW);
        k = k < 1 ? 1 : k < s->n - i ? k : s->n - i;
        double bottom = top - k * HBAR_ROW;
        for (double t = a->t0; t <= a->t1 + a->step * 1e-6; t += a->step) {
            pdf_vline(d, HX(t), bottom, top, 0.4, GRID);
            pdf_vline(d, HX(t), bottom - 3, bottom, 0.6, RULE);
            tick_text(buf, sizeof buf, t, a);
            if ((err = pdf_text_fit(d, HX(t) - 30, bottom - 3 - CHART_SIZE * 1.2, 60, PDF_CENTER,
                                CHART_SIZE, GREY_TEXT, buf)))
                return err;
        }
        for (int r = 0; r < k; r++, i++) {
            double yb = top - (r + 1) * HBAR_ROW, v = real_value(s->values[i], s->scale);
            double xa = HX(0.0), xb = s->values[i] == PDF_NO_VALUE ? xa : HX(v);
            pdf_rect(d, xa < xb ? xa : xb, yb + 2.25, fabs(xb - xa), HBAR_ROW - 4.5,
                 s->marks ? pdf_mark_rgb(s->marks[i]) : PALETTE[0]);
            if (s->labels && s->labels[i] &&
                (err = pdf_text_fit(d, MARGIN_X, pdf_baseline(yb, HBAR_ROW, CHART_SIZE), label_w - 6,
                                PDF_RIGHT, CHART_SIZE, INK, s->labels[i])))
                return err;
            fmt_value(buf, sizeof buf, s->values[i], s->scale);
            if ((err = pdf_text_at(d, (xa > xb ? xa : xb) + 3, pdf_baseline(yb, HBAR_ROW, VALUE_SIZE),
                               VALUE_SIZE, GREY_TEXT, buf, strlen(buf))))
                return err;
        }
        pdf_vline(d, HX(0.0), bottom, top, 0.6, RULE);
        pdf_hline(d, x0, x1, bottom, 0.6, RULE);
        if (s->unit && (err = pdf_text_fit(d, x0, bottom - 3 - CHART_SIZE * 2.5, x1 - x0, PDF_RIGHT,
                                       CHART_SIZE, GREY_TEXT, s->unit)))
            return err;
        d->y = bottom - HBAR_AXIS - 4;
    }
#undef HX
    return CP_OK;
}

#define VPLOT_H 150.0
#define VLABEL_H 24.0
#define VSLOT_MIN 30.0

/* Vertical bars in panels of as many bars as fit side by side. */
static cp_err vbar_chart(pdf_doc *d, const pdf_bar_spec *s, const axis *a)
{
    double x0 = MARGIN_X + tick_width(d, a) + 8, x1 = MARGIN_X + TEXT_W, plot_w = x1 - x0;
    int per = (int)(plot_w / VSLOT_MIN);
    char buf[64];
    cp_err err;

    for (int i = 0, panel = 0; i < s->n; panel++) {
        int k = s->n - i < per ? s->n - i : per;
        double slot = plot_w / (k > 4 ? k : 4), bw = slot * 0.6 < 40 ? slot * 0.6 : 40;
        if ((err = pdf_need(d, CHART_TITLE_SIZE * LEADING + 12 + VPLOT_H + VLABEL_H)) ||
            (err = chart_title(d, s->title, panel > 0)))
            return err;
        double y1 = d->y - 14, y0 = y1 - VPLOT_H;
#define VY(v) (y0 + ((v) - a->t0) / (a->t1 - a->t0) * (y1 - y0))
        if ((err = y_axis(d, a, x0, x1, y0, y1, s->unit)))
            return err;
        for (int r = 0; r < k; r++, i++) {
            double cx = x0 + slot * (r + 0.5), v = real_value(s->values[i], s->scale);
            double ya = VY(0.0), yb = s->values[i] == PDF_NO_VALUE ? ya : VY(v);
            pdf_rect(d, cx - bw / 2, ya < yb ? ya : yb, bw, fabs(yb - ya),
                 s->marks ? pdf_mark_rgb(s->marks[i]) : PALETTE[0]);
            fmt_value(buf, sizeof buf, s->values[i], s->scale);
            if ((err = pdf_text_fit(d, cx - slot / 2, (v >= 0 ? yb + 2 : yb - VALUE_SIZE - 1), slot,
                                PDF_CENTER, VALUE_SIZE, GREY_TEXT, buf)))
                return err;
            if (s->labels && s->labels[i] &&
                (err = slot_label(d, cx - slot / 2 + 1, slot - 2, y0 - 2, s->labels[i])))
                return err;
        }
#undef VY
        d->y = y0 - VLABEL_H - 6;
    }
    return CP_OK;
}

cp_err pdf_bar_chart(pdf_doc *d, const pdf_bar_spec *s)
{
    double lo = 0, hi = 0;
    axis a;
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (!s || s->n < 0 || (s->n > 0 && !s->values)) {
        err = cp_fail(CP_ERR_INVALID, "a bar chart needs values");
        goto out;
    }
    if ((err = check_labels(d, s->title, s->unit, s->labels, s->n)))
        goto out;
    for (int i = 0; i < s->n; i++) {
        double v = s->values[i] == PDF_NO_VALUE ? 0 : real_value(s->values[i], s->scale);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    a = nice_axis(lo, hi);
    pdf_gap(d, 6);
    err = s->horizontal ? hbar_chart(d, s, &a) : vbar_chart(d, s, &a);
out:
    return pdf_leave(d, err);
}


/* The frame of a vertical chart: its title, then a plot box of VPLOT_H with a
 * y axis from lo to hi (ticks into *a) and room for labels below; the box's
 * corners come back in x0, x1 (left, right) and y0, y1 (bottom, top). */
static cp_err vplot_frame(pdf_doc *d, const char *title, const char *unit, double lo,
                          double hi, axis *a, double *x0, double *x1, double *y0, double *y1)
{
    cp_err err;

    *a = nice_axis(lo, hi);
    pdf_gap(d, 6);
    if ((err = pdf_need(d, CHART_TITLE_SIZE * LEADING + 14 + VPLOT_H + VLABEL_H)) ||
        (err = chart_title(d, title, 0)))
        return err;
    *x0 = MARGIN_X + tick_width(d, a) + 8;
    *x1 = MARGIN_X + TEXT_W;
    *y1 = d->y - 14;
    *y0 = *y1 - VPLOT_H;
    return y_axis(d, a, *x0, *x1, *y0, *y1, unit);
}
/* A legend of coloured swatches and names, right-aligned above a plot at y. */
static cp_err legend(pdf_doc *d, const char *const *names, int n, double y, int lines)
{
    double x = MARGIN_X + TEXT_W, w;
    cp_err err;

    for (int i = n - 1; i >= 0; i--) {
        const char *name = names[i] ? names[i] : "";
        w = pdf_measure(d, name, strlen(name), CHART_SIZE);
        x -= w;
        if ((err = pdf_text_at(d, x, y, CHART_SIZE, GREY_TEXT, name, strlen(name))))
            return err;
        x -= 14;
        if (lines)
            pdf_hline(d, x, x + 10, y + CHART_SIZE * 0.35, 1.6, PALETTE[i % 6]);
        else
            pdf_rect(d, x + 2, y, 7, 7, PALETTE[i % 6]);
        x -= 10;
    }
    return CP_OK;
}

cp_err pdf_line_chart(pdf_doc *d, const pdf_line_spec *s)
{
    static const HPDF_UINT16 dash[] = {4, 2};
    double lo = 0, hi = 0, x0, x1, y0, y1, slot;
    int nseries, step;
    char buf[64];
    axis a;
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (!s || s->n <= 0 || !s->values[0]) {
        err = cp_fail(CP_ERR_INVALID, "a line chart needs at least one point");
        goto out;
    }
    nseries = s->values[1] ? 2 : 1;
    if ((err = check_labels(d, s->title, s->unit, s->labels, s->n)) ||
        (err = check_labels(d, NULL, NULL, s->series_names, nseries)))
        goto out;
    for (int k = 0; k < nseries; k++)
        for (int i = 0; i < s->n; i++) {
            if (s->values[k][i] == PDF_NO_VALUE)
                continue;
            double v = real_value(s->values[k][i], s->scale);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    if ((err = vplot_frame(d, s->title, s->unit, lo, hi, &a, &x0, &x1, &y0, &y1)))
        goto out;
    slot = (x1 - x0) / s->n;
    if (s->series_names[0] && (err = legend(d, s->series_names, nseries, y1 + 5, 1)))
        goto out;
#define LX(i) (x0 + slot * ((i) + 0.5))
#define LY(v) (y0 + (real_value((v), s->scale) - a.t0) / (a.t1 - a.t0) * (y1 - y0))
    /* x labels: every step-th one, so that they do not overlap */
    step = 1;
    while (slot * step < 34)
        step++;
    for (int i = 0; s->labels && i < s->n; i += step)
        if (s->labels[i] && (err = pdf_text_fit(d, LX(i) - slot * step / 2, y0 - CHART_SIZE * 1.4,
                                            slot * step, PDF_CENTER, CHART_SIZE, GREY_TEXT,
                                            s->labels[i])))
            goto out;
    for (int k = 0; k < nseries; k++) {
        const int64_t *v = s->values[k];
        int pen = 0, drawn = 0;
        pdf_stroke_rgb(d, PALETTE[k]);
        HPDF_Page_SetLineWidth(d->page, 1.6);
        HPDF_Page_SetDash(d->page, k ? dash : NULL, k ? 2 : 0, 0);
        for (int i = 0; i < s->n; i++) {
            if (v[i] == PDF_NO_VALUE) {
                pen = 0;
                continue;
            }
            if (pen)
                HPDF_Page_LineTo(d->page, (HPDF_REAL)LX(i), (HPDF_REAL)LY(v[i]));
            else
                HPDF_Page_MoveTo(d->page, (HPDF_REAL)LX(i), (HPDF_REAL)LY(v[i]));
            pen = drawn = 1;
        }
        if (drawn) /* a series with no values has no path: stroking it is a libharu error */
            HPDF_Page_Stroke(d->page);
        HPDF_Page_SetDash(d->page, NULL, 0, 0);
        for (int i = 0; i < s->n; i++) {
            if (v[i] == PDF_NO_VALUE)
                continue;
            pdf_rect(d, LX(i) - 2, LY(v[i]) - 2, 4, 4, PALETTE[k]);
            if (slot < 22)
                continue;
            fmt_value(buf, sizeof buf, v[i], s->scale);
            if ((err = pdf_text_fit(d, LX(i) - slot / 2, LY(v[i]) + (k ? -VALUE_SIZE - 4 : 4), slot,
                                PDF_CENTER, VALUE_SIZE, GREY_TEXT, buf)))
                goto out;
        }
    }
#undef LX
#undef LY
    d->y = y0 - VLABEL_H;
out:
    return pdf_leave(d, err);
}

cp_err pdf_grouped_chart(pdf_doc *d, const pdf_group_spec *s)
{
    double lo = 0, hi = 0, x0, x1, y0, y1, slot, bw;
    char buf[64];
    axis a;
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (!s || s->ngroups <= 0 || s->nseries <= 0 || s->nseries > 6 || !s->values) {
        err = cp_fail(CP_ERR_INVALID, "a grouped chart needs groups, 1 to 6 series and values");
        goto out;
    }
    if ((err = check_labels(d, s->title, s->unit, s->groups, s->ngroups)) ||
        (err = check_labels(d, NULL, NULL, s->series, s->nseries)))
        goto out;
    for (int i = 0; i < s->ngroups * s->nseries; i++) {
        double v = s->values[i] == PDF_NO_VALUE ? 0 : real_value(s->values[i], s->scale);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if ((err = vplot_frame(d, s->title, s->unit, lo, hi, &a, &x0, &x1, &y0, &y1)) ||
        (s->series && (err = legend(d, s->series, s->nseries, y1 + 5, 0))))
        goto out;
    slot = (x1 - x0) / s->ngroups;
    bw = slot * 0.8 / s->nseries;
    for (int g = 0; g < s->ngroups; g++) {
        double gx = x0 + slot * g + slot * 0.1;
        for (int k = 0; k < s->nseries; k++) {
            int64_t raw = s->values[g * s->nseries + k];
            double v = real_value(raw, s->scale), bx = gx + bw * k;
            double ya = y0 + (0 - a.t0) / (a.t1 - a.t0) * (y1 - y0);
            double yb = raw == PDF_NO_VALUE ? ya : y0 + (v - a.t0) / (a.t1 - a.t0) * (y1 - y0);
            pdf_rect(d, bx + 0.5, ya < yb ? ya : yb, bw - 1, fabs(yb - ya), PALETTE[k]);
            fmt_value(buf, sizeof buf, raw, s->scale);
            if (bw >= 14 && pdf_measure(d, buf, strlen(buf), VALUE_SIZE) <= bw + 6 &&
                (err = pdf_text_fit(d, bx - 3, v >= 0 ? yb + 2 : yb - VALUE_SIZE - 1, bw + 6,
                                PDF_CENTER, VALUE_SIZE, GREY_TEXT, buf)))
                goto out;
        }
        if (s->groups[g] && (err = slot_label(d, x0 + slot * g + 1, slot - 2, y0 - 2, s->groups[g])))
            goto out;
    }
    d->y = y0 - VLABEL_H - 6;
out:
    return pdf_leave(d, err);
}
