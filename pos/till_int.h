/* till_int: what the till's front (till.c) and its two backends (till_store.c, till_server.c) share. */
#ifndef CP_TILL_INT_H
#define CP_TILL_INT_H

#include <jansson.h>
#include <time.h>

#include "pos/till.h"

/* One backend: every function of pos/till.h but the constructors, in order. */
typedef struct till_ops {
    const char *(*canteen)(till *t);
    int (*online)(till *t);
    cp_err (*period)(till *t, int minute, ui_period *out);
    cp_err (*item)(till *t, const char *code, char name[128], int64_t *price_fen, int *per_100g);
    const char *(*name)(till *t, names_kind kind, const char *code, char buf[NAMES_SIZE]);
    cp_err (*login)(till *t, const char *name, const char *pin, users_auth *auth);
    void (*logout)(till *t, const char *cashier, const char *why);
    cp_err (*shift_current)(till *t, shift_info *out, int *is_open);
    cp_err (*shift_open)(till *t, const char *cashier, int64_t fen, shift_info *out);
    cp_err (*shift_close)(till *t, const char *cashier, int64_t fen, shift_report *out);
    cp_err (*charge)(till *t, const charge_req *req, charge_res *res);
    cp_err (*last_sale)(till *t, char id[IDS_LEN]);
    cp_err (*sale_brief)(till *t, const char *sale_id, char *text, size_t size);
    cp_err (*void_sale)(till *t, const char *sale_id, const char *manager, const char *pin,
                        const char *actor, const char *reason, char void_id[IDS_LEN],
                        users_auth *auth);
    cp_err (*print_sale)(till *t, const charge_res *res, int *printed);
    cp_err (*print_void)(till *t, const char *void_id, const char *cashier, int *printed);
    cp_err (*print_z)(till *t, const shift_report *z, int *printed);
    cp_err (*reprint)(till *t, const char *id, int *printed);
    cp_err (*print_flush)(till *t, int *left);
    void (*idle)(till *t);
} till_ops;

struct till {
    const till_ops *ops;
    const char *terminal;
    char canteen[128];
    /* the store's */
    db *d;
    int64_t canteen_id;
    printq *pq;
    /* the server's */
    termsync *ts;
    char cashier[128];       /* who logged in, for the receipts */
    size_t charged_lines;    /* a-la-carte lines of the last charge (0: the meal) */
    time_t last_idle;        /* when till_idle last tried the server */
    json_t *voided;          /* the last void: its answer, with "sale" the sale's receipt data */
};

extern const till_ops till_store_ops;
extern const till_ops till_server_ops;

#endif
