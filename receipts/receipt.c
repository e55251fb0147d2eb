/* receipt: sale, void, shift Z report and reprint layouts from plain structs. */
#include "receipts/receipt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "core/nls.h"
#include "core/utf8.h"

/* Width of the amount column and of the quantity column on item lines. */
#define AMOUNT_COLS 10
#define QTY_COLS 5

/* The label in the terminal's language (lbl is an xgettext keyword), or in
 * English when the printer takes ASCII only. */
static const char *lbl(escpos *e, const char *en)
{
    return escpos_profile_of(e)->encoding == ESCPOS_ASCII ? en : _(en);
}

/* Bytes for an amount as yuan() writes it. */
#define YUAN_LEN (MONEY_STR_LEN + 8)

/* fen as the receipt shows an amount: "8.00", in Chinese "￥8.00" (the
 * full-width sign, which every GBK printer has; an ASCII printer has none). */
static const char *yuan(escpos *e, int64_t fen, char buf[YUAN_LEN])
{
    char y[MONEY_STR_LEN];

    money_format(fen, y);
    if (escpos_profile_of(e)->encoding == ESCPOS_ASCII)
        snprintf(buf, YUAN_LEN, "%s", y);
    else
        /* TRANSLATORS: an amount of yuan on a receipt (Chinese: ￥%s) */
        snprintf(buf, YUAN_LEN, C_("receipt", "%s"), y);
    return buf;
}

/* s, or "" for NULL. */
static const char *str(const char *s)
{
    return s ? s : "";
}

static int cols_of(escpos *e)
{
    return escpos_profile_of(e)->columns;
}

/* "label: value" wrapped to the line; left out when value is NULL or empty.
 * A value longer than any name (a void's reason) is cut on a character,
 * never inside one (the printer would print '?' for half a character). */
static void field(escpos *e, const char *label, const char *value)
{
    char line[1024];

    if (!value || !*value)
        return;
    utf8_format(line, sizeof line, "%s: %s", label, value);
    escpos_wrap(e, line, cols_of(e));
}

/* label on the left, amount on the right. */
static void money_line(escpos *e, const char *label, int64_t fen)
{
    char y[YUAN_LEN];

    escpos_pair(e, label, yuan(e, fen, y), cols_of(e));
}

/* Centred bold title in double height, wrapped to the line. */
static void title(escpos *e, const char *text)
{
    escpos_set_align(e, ESCPOS_CENTER);
    escpos_bold(e, true);
    escpos_size(e, 1, 2);
    escpos_wrap(e, text, cols_of(e));
    escpos_size(e, 1, 1);
    escpos_bold(e, false);
}

/* A mark across the receipt (a reprint, an offline sale), centred and bold. */
static void mark(escpos *e, const char *text)
{
    escpos_set_align(e, ESCPOS_CENTER);
    escpos_bold(e, true);
    escpos_line(e, text);
    escpos_bold(e, false);
    escpos_set_align(e, ESCPOS_LEFT);
}

/* The reprint mark. */
static void copy_mark(escpos *e)
{
    mark(e, lbl(e, "** COPY **"));
}

/* Init, canteen name, document title and the reprint mark. */
static void header(escpos *e, const char *canteen, const char *doc, bool copy)
{
    escpos_init(e);
    if (canteen && *canteen)
        title(e, canteen);
    escpos_set_align(e, ESCPOS_CENTER);
    escpos_line(e, doc);
    escpos_set_align(e, ESCPOS_LEFT);
    if (copy)
        copy_mark(e);
}

/* One item: name wrapped in its column, quantity and amount on its first line. */
static void item_line(escpos *e, const receipt_item *it)
{
    const char *name = str(it->name);
    size_t len = strlen(name), i = 0, line = 0, used;
    int ncols = cols_of(e) - QTY_COLS - AMOUNT_COLS;
    char qty[24], y[YUAN_LEN];

    snprintf(qty, sizeof qty, "x%d", it->qty);
    yuan(e, it->amount_fen, y);
    do {
        used = len ? escpos_wrap_line(e, name + i, len - i, ncols, &line) : 0;
        if (i == 0) {
            escpos_cell_n(e, name, line, ncols, ESCPOS_LEFT);
            escpos_cell(e, qty, QTY_COLS, ESCPOS_RIGHT);
            escpos_cell(e, y, AMOUNT_COLS, ESCPOS_RIGHT);
        } else {
            escpos_cell_n(e, name + i, line, ncols, ESCPOS_LEFT);
        }
        escpos_lf(e);
        i += used;
    } while (i < len);
}

/* Feed past the tear bar and cut. */
static void finish(escpos *e)
{
    escpos_set_align(e, ESCPOS_LEFT);
    escpos_cut(e, true, 4);
}

/* A sale receipt. */
cp_err receipt_encode_sale(escpos *e, const receipt_sale *s)
{
    int c = cols_of(e);
    size_t i;
    char who[512]; /* any name an import takes (256 bytes) and the staff number */

    header(e, s->canteen, lbl(e, "SALE RECEIPT"), s->copy);
    /* decided by the terminal without the server: its balances are the
     * last it knew, and the sale is posted when the link is back */
    if (s->offline)
        mark(e, lbl(e, "** OFFLINE **"));
    if (s->voided)
        mark(e, lbl(e, "** VOIDED **"));
    field(e, lbl(e, "Sale"), s->sale_no);
    field(e, lbl(e, "Time"), s->time);
    field(e, lbl(e, "Terminal"), s->terminal);
    field(e, lbl(e, "Cashier"), s->cashier);
    if ((s->diner_name && *s->diner_name) || (s->staff_no && *s->staff_no)) {
        utf8_format(who, sizeof who, "%s%s%s%s", str(s->diner_name),
                    s->staff_no && *s->staff_no ? " (" : "", str(s->staff_no),
                    s->staff_no && *s->staff_no ? ")" : "");
        field(e, lbl(e, "Diner"), who);
    }
    escpos_rule(e, '-', c);
    escpos_cell(e, lbl(e, "Item"), c - QTY_COLS - AMOUNT_COLS, ESCPOS_LEFT);
    escpos_cell(e, lbl(e, "Qty"), QTY_COLS, ESCPOS_RIGHT);
    escpos_cell(e, lbl(e, "Amount"), AMOUNT_COLS, ESCPOS_RIGHT);
    escpos_lf(e);
    for (i = 0; i < s->n_items; i++)
        item_line(e, &s->items[i]);
    escpos_rule(e, '-', c);
    escpos_bold(e, true);
    money_line(e, lbl(e, "TOTAL"), s->total_fen);
    escpos_bold(e, false);
    money_line(e, lbl(e, "Paid by subsidy"), s->subsidy_fen);
    money_line(e, lbl(e, "Paid by cash"), s->cash_fen);
    money_line(e, lbl(e, "Subsidy left"), s->subsidy_left_fen);
    money_line(e, lbl(e, "Cash left"), s->cash_left_fen);
    /* decided without the server: the split and the balances are what
     * this terminal last knew (a meal at another line since changes them:
     * review U2), and the number is the one the statement shows it by */
    if (s->offline)
        escpos_wrap(e, lbl(e, "Offline: paid by and left as this terminal last knew; the "
                              "statement is the record (it shows this sale by the number above)"),
                    c);
    escpos_rule(e, '-', c);
    if (s->sale_no && *s->sale_no) {
        escpos_set_align(e, ESCPOS_CENTER);
        escpos_qr(e, s->sale_no, strlen(s->sale_no), c <= 32 ? 5 : 6, 'M');
        escpos_lf(e);
    }
    if (s->footer && *s->footer) {
        escpos_set_align(e, ESCPOS_CENTER);
        escpos_wrap(e, s->footer, c);
    }
    if (s->voided)
        mark(e, lbl(e, "** VOIDED **"));
    if (s->copy)
        copy_mark(e);
    finish(e);
    return escpos_error(e);
}

/* A void receipt. */
cp_err receipt_encode_void(escpos *e, const receipt_void *v)
{
    int c = cols_of(e);

    header(e, v->canteen, lbl(e, "VOID RECEIPT"), v->copy);
    field(e, lbl(e, "Void"), v->void_no);
    field(e, lbl(e, "Voided sale"), v->sale_no);
    field(e, lbl(e, "Time"), v->time);
    field(e, lbl(e, "Terminal"), v->terminal);
    field(e, lbl(e, "Cashier"), v->cashier);
    field(e, lbl(e, "Approved by"), v->manager);
    field(e, lbl(e, "Diner"), v->diner_name);
    field(e, lbl(e, "Staff no"), v->staff_no);
    field(e, lbl(e, "Reason"), v->reason);
    escpos_rule(e, '-', c);
    escpos_bold(e, true);
    money_line(e, lbl(e, "VOIDED"), v->amount_fen);
    escpos_bold(e, false);
    money_line(e, lbl(e, "Back to subsidy"), v->subsidy_back_fen);
    money_line(e, lbl(e, "Back to cash"), v->cash_back_fen);
    money_line(e, lbl(e, "Subsidy left"), v->subsidy_left_fen);
    money_line(e, lbl(e, "Cash left"), v->cash_left_fen);
    if (v->copy)
        copy_mark(e);
    finish(e);
    return escpos_error(e);
}

/* "count  amount" on the right of a label. */
static void count_line(escpos *e, const char *label, int64_t count, int64_t fen)
{
    char right[64], y[YUAN_LEN];

    /* the amount right-aligned in AMOUNT_COLS printed columns (a wide "￥" takes two) */
    snprintf(right, sizeof right, "%" PRId64 "%*s%s", count,
             AMOUNT_COLS - escpos_width(e, yuan(e, fen, y)), "", y);
    escpos_pair(e, label, right, cols_of(e));
}

/* A shift Z report. */
cp_err receipt_encode_zreport(escpos *e, const receipt_zreport *z)
{
    int c = cols_of(e);
    size_t i;
    const char *period = NULL;
    char indented[256];

    header(e, z->canteen, lbl(e, "SHIFT Z REPORT"), z->copy);
    field(e, lbl(e, "Shift"), z->shift_no);
    field(e, lbl(e, "Terminal"), z->terminal);
    field(e, lbl(e, "Cashier"), z->cashier);
    field(e, lbl(e, "Opened"), z->opened);
    field(e, lbl(e, "Closed"), z->closed);
    escpos_rule(e, '-', c);
    for (i = 0; i < z->n_rows; i++) {
        const receipt_zrow *r = &z->rows[i];

        if (!period || strcmp(period, str(r->period)) != 0) {
            period = str(r->period);
            escpos_bold(e, true);
            escpos_wrap(e, *period ? period : "-", c);
            escpos_bold(e, false);
        }
        utf8_format(indented, sizeof indented, "  %s", str(r->category));
        count_line(e, indented, r->count, r->amount_fen);
    }
    escpos_rule(e, '-', c);
    count_line(e, lbl(e, "Sales"), z->sale_count, z->sale_fen);
    count_line(e, lbl(e, "Voids"), z->void_count, z->void_fen);
    money_line(e, lbl(e, "Subsidy"), z->subsidy_fen);
    money_line(e, lbl(e, "Cash"), z->cash_fen);
    escpos_bold(e, true);
    money_line(e, lbl(e, "NET"), z->net_fen);
    escpos_bold(e, false);
    if (z->audit_head && *z->audit_head) {
        /* Kept on paper, the head proves later that no record up to this
         * close was removed (cleanplate-office verify --head). Wrapped, as
         * 64 hex digits are wider than any roll. */
        escpos_rule(e, '-', c);
        escpos_wrap(e, lbl(e, "Audit head (verify --head):"), c);
        escpos_wrap(e, z->audit_head, c);
    }
    if (z->copy)
        copy_mark(e);
    finish(e);
    return escpos_error(e);
}
