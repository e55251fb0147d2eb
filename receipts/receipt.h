/* receipt: sale, void, shift Z report and reprint layouts from plain structs. */
#ifndef CP_RECEIPT_H
#define CP_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "receipts/escpos.h"

/* Strings are UTF-8 and borrowed; NULL prints as empty (or leaves the line
 * out where the line says nothing else). Amounts are fen, printed as yuan
 * by core/money. */

typedef struct receipt_item {
    const char *name;
    int qty;
    int64_t amount_fen;      /* for the whole line */
} receipt_item;

typedef struct receipt_sale {
    const char *canteen, *terminal, *cashier, *time;
    const char *diner_name, *staff_no;
    const receipt_item *items;
    size_t n_items;
    int64_t total_fen, subsidy_fen, cash_fen;        /* charged, and how it was paid */
    int64_t subsidy_left_fen, cash_left_fen;          /* balances after the sale */
    const char *sale_no;                              /* also printed as a QR code */
    const char *footer;                               /* optional last line */
    bool copy;                                        /* a reprint: marked as a copy */
    bool offline;                                     /* decided without the server
                                                       * (doc/protocol.md): marked 离线 */
    bool voided;                                      /* a copy of a sale voided since:
                                                       * marked 已作废, top and bottom, so
                                                       * that it is not taken for proof
                                                       * of a payment */
} receipt_sale;

typedef struct receipt_void {
    const char *canteen, *terminal, *cashier, *manager, *time;
    const char *diner_name, *staff_no;
    const char *sale_no;                              /* the sale that was voided */
    const char *void_no;
    const char *reason;
    int64_t amount_fen, subsidy_back_fen, cash_back_fen;
    int64_t subsidy_left_fen, cash_left_fen;
    bool copy;
} receipt_void;

typedef struct receipt_zrow {
    const char *period;      /* meal period, e.g. 午餐; rows come grouped by period */
    const char *category;    /* diner category or item */
    int64_t count;
    int64_t amount_fen;
} receipt_zrow;

typedef struct receipt_zreport {
    const char *canteen, *terminal, *cashier, *shift_no;
    const char *opened, *closed;                      /* times as text */
    const receipt_zrow *rows;
    size_t n_rows;
    int64_t sale_count, sale_fen;                     /* all sales, voided ones included */
    int64_t void_count, void_fen;
    int64_t subsidy_fen, cash_fen;                    /* net, by wallet */
    int64_t net_fen;                                  /* sale_fen - void_fen */
    const char *audit_head;  /* the audit log's head at the close (64 hex), or NULL */
    bool copy;
} receipt_zreport;

/* Append a whole receipt, from ESC @ to the cut, to the encoder. Labels are
 * in the terminal's language (core/nls), or English on an ASCII-only
 * printer; a Chinese receipt shows amounts as ￥8.00. The strings of the
 * structs are printed as they are: the caller passes display names (午餐,
 * 职工) and times as people read them (clock_show_iso). Return the encoder's
 * error. */
cp_err receipt_encode_sale(escpos *e, const receipt_sale *s);
cp_err receipt_encode_void(escpos *e, const receipt_void *v);
cp_err receipt_encode_zreport(escpos *e, const receipt_zreport *z);

#endif
