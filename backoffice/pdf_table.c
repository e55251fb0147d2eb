/* pdf_table: tables that flow over pages, their header repeated on each. */
#include "backoffice/pdf.h"
#include "backoffice/pdf_int.h"

#include <stdlib.h>
#include <string.h>



/* ---- tables --------------------------------------------------------------------------------- */

/* Number of lines cell text takes in a column of width w (1 unless wrapping). */
static int cell_lines(pdf_doc *d, const char *s, double w)
{
    size_t pos = 0;
    line ln;
    int n = 0;

    if (!(d->table.flags & PDF_TABLE_WRAP))
        return 1;
    while (n < CELL_MAX_LINES && pdf_next_line(d, s, &pos, TABLE_SIZE, w, &ln))
        n++;
    return n ? n : 1;
}

/* Draws one cell's text in column c of a row whose top is at top. */
static cp_err cell_draw(pdf_doc *d, int c, const char *s, double top, rgb ink)
{
    double lead = TABLE_SIZE * 1.3, w = d->table.w[c] - 2 * CELL_PAD_X;
    double x = d->table.x[c] + CELL_PAD_X, y = top - CELL_PAD_Y;
    size_t pos = 0, before;
    line ln;
    cp_err err;

    if (!(d->table.flags & PDF_TABLE_WRAP))
        return pdf_text_fit(d, x, pdf_baseline(y - lead, lead, TABLE_SIZE), w, d->table.align[c],
                        TABLE_SIZE, ink, s);
    for (int n = 1; before = pos, pdf_next_line(d, s, &pos, TABLE_SIZE, w, &ln); n++) {
        y -= lead;
        if (n == CELL_MAX_LINES && s[pos])   /* more than fits: cut the rest */
            return pdf_text_fit(d, x, pdf_baseline(y, lead, TABLE_SIZE), w, d->table.align[c],
                            TABLE_SIZE, ink, s + before);
        double lw = pdf_measure(d, s + ln.start, ln.len, TABLE_SIZE);
        double lx = d->table.align[c] == PDF_RIGHT    ? x + w - lw
                    : d->table.align[c] == PDF_CENTER ? x + (w - lw) / 2
                                                      : x;
        if ((err = pdf_text_at(d, lx, pdf_baseline(y, lead, TABLE_SIZE), TABLE_SIZE, ink, s + ln.start,
                           ln.len)))
            return err;
    }
    return CP_OK;
}

/* Draws a row of cells at the cursor: header rows shaded, data rows zebra-shaded
 * and marked. The caller has made room for it. */
static cp_err table_draw_row(pdf_doc *d, const char *const *cells, pdf_mark mark, int header,
                             double h)
{
    table_state *t = &d->table;
    double x0 = t->x[0], x1 = t->x[t->ncols - 1] + t->w[t->ncols - 1], top = d->y;
    cp_err err;

    if (header)
        pdf_rect(d, x0, top - h, x1 - x0, h, HEADER_FILL);
    else if ((t->flags & PDF_TABLE_ZEBRA) && t->nrows % 2 == 1)
        pdf_rect(d, x0, top - h, x1 - x0, h, ZEBRA_FILL);
    if (!header && mark != PDF_MARK_NONE)
        pdf_rect(d, x0, top - h, MARK_W, h, pdf_mark_rgb(mark));
    for (int c = 0; c < t->ncols; c++)
        if (cells[c] && *cells[c] && (err = cell_draw(d, c, cells[c], top, INK)))
            return err;
    d->y -= h;
    if (header)
        pdf_hline(d, x0, x1, d->y, 0.6, RULE);
    return CP_OK;
}

/* Height of a row of cells: its tallest cell plus padding. */
static double row_height(pdf_doc *d, const char *const *cells)
{
    int lines = 1;

    for (int c = 0; c < d->table.ncols; c++) {
        int n = cells[c] ? cell_lines(d, cells[c], d->table.w[c] - 2 * CELL_PAD_X) : 1;
        lines = n > lines ? n : lines;
    }
    return lines * TABLE_SIZE * 1.3 + 2 * CELL_PAD_Y;
}

/* Draws the open table's header row at the cursor. */
cp_err pdf_table_header(pdf_doc *d)
{
    const char *const *titles = (const char *const *)d->table.titles;

    return table_draw_row(d, titles, PDF_MARK_NONE, 1, row_height(d, titles));
}

cp_err pdf_table_begin(pdf_doc *d, const pdf_column *cols, int ncols, int flags)
{
    table_state *t;
    double fixed = 0, share, x;
    int nfree = 0;
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    t = &d->table;
    if (t->open || ncols <= 0 || !cols) {
        err = cp_fail(CP_ERR_INVALID, t->open ? "a table is already open" : "a table needs columns");
        goto out;
    }
    for (int c = 0; c < ncols; c++)
        if ((err = pdf_check_text(d, cols[c].title ? cols[c].title : "")))
            goto out;
    t->titles = calloc((size_t)ncols, sizeof *t->titles);
    t->align = calloc((size_t)ncols, sizeof *t->align);
    t->x = calloc((size_t)ncols, sizeof *t->x);
    t->w = calloc((size_t)ncols, sizeof *t->w);
    if (!t->titles || !t->align || !t->x || !t->w)
        goto nomem;
    t->ncols = ncols;
    t->flags = flags;
    for (int c = 0; c < ncols; c++) {
        if (!(t->titles[c] = strdup(cols[c].title ? cols[c].title : "")))
            goto nomem;
        t->align[c] = cols[c].align;
        t->w[c] = cols[c].width > 1 ? cols[c].width : cols[c].width > 0 ? cols[c].width * TEXT_W : 0;
        fixed += t->w[c];
        nfree += t->w[c] == 0;
    }
    /* columns without a width share what is left; too wide tables shrink to fit */
    share = nfree && fixed < TEXT_W ? (TEXT_W - fixed) / nfree : 0;
    for (int c = 0; c < ncols; c++)
        if (t->w[c] == 0)
            t->w[c] = share > 20 ? share : 20;
    fixed = 0;
    for (int c = 0; c < ncols; c++)
        fixed += t->w[c];
    x = MARGIN_X;
    for (int c = 0; c < ncols; c++) {
        if (fixed > TEXT_W)
            t->w[c] *= TEXT_W / fixed;
        t->x[c] = x;
        x += t->w[c];
    }
    pdf_gap(d, 4);
    /* the header and at least two rows on the same page */
    if ((err = pdf_need(d, 3 * (TABLE_SIZE * 1.3 + 2 * CELL_PAD_Y))))
        goto out;
    t->open = 1;
    err = pdf_table_header(d);
    goto out;
nomem:
    err = cp_fail(CP_ERR_NOMEM, "out of memory starting a table");
out:
    if (err && !t->open)
        pdf_table_forget(t);
    return pdf_leave(d, err);
}

cp_err pdf_table_row(pdf_doc *d, const char *const *cells, pdf_mark mark)
{
    double h;
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    if (!d->table.open) {
        err = cp_fail(CP_ERR_INVALID, "pdf_table_row without pdf_table_begin");
        goto out;
    }
    for (int c = 0; c < d->table.ncols; c++)
        if ((err = pdf_check_text(d, cells[c])))
            goto out;
    h = row_height(d, cells);
    if ((err = pdf_need(d, h)))
        goto out;
    if (!(err = table_draw_row(d, cells, mark, 0, h)))
        d->table.nrows++;
out:
    return pdf_leave(d, err);
}

cp_err pdf_table_end(pdf_doc *d)
{
    table_state *t;
    cp_err err;

    if ((err = pdf_enter(d)))
        return err;
    t = &d->table;
    if (!t->open)
        return pdf_leave(d, cp_fail(CP_ERR_INVALID, "pdf_table_end without pdf_table_begin"));
    pdf_hline(d, t->x[0], t->x[t->ncols - 1] + t->w[t->ncols - 1], d->y, 0.6, RULE);
    pdf_table_forget(t);
    pdf_gap(d, 8);
    return pdf_leave(d, CP_OK);
}
