/* till_store: the till straight on the store (--db): what the screen did before the server came. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "pos/till_int.h"

cp_err till_open_store(db *d, const char *terminal, printq *pq, till **out)
{
    till *t = calloc(1, sizeof *t);
    cp_err err;

    if (!t)
        return cp_fail(CP_ERR_NOMEM, "out of memory");
    t->ops = &till_store_ops;
    t->terminal = terminal;
    t->d = d;
    t->pq = pq;
    if ((err = ui_data_terminal(d, terminal, &t->canteen_id, t->canteen))) {
        free(t);
        return err;
    }
    *out = t;
    return CP_OK;
}

static const char *store_canteen(till *t) { return t->canteen; }
static int store_online(till *t) { (void)t; return 1; }

static cp_err store_period(till *t, int minute, ui_period *out)
{
    return ui_data_period(t->d, t->canteen_id, minute, out);
}

static cp_err store_item(till *t, const char *code, char name[128], int64_t *price_fen,
                         int *per_100g)
{
    return ui_data_item(t->d, t->canteen_id, code, name, price_fen, per_100g);
}

static const char *store_name(till *t, names_kind kind, const char *code, char buf[NAMES_SIZE])
{
    return names_show(t->d, kind, code, buf);
}

static cp_err store_login(till *t, const char *name, const char *pin, users_auth *auth)
{
    users_attempt a = {.name = name, .pin = pin, .need = "cashier", .terminal = t->terminal,
                       .purpose = "login"};
    cp_err err = users_authenticate(t->d, &a, auth);

    if (!err)
        audit_append(t->d, name, t->terminal, "pos.login", name, NULL);
    return err;
}

static void store_logout(till *t, const char *cashier, const char *why)
{
    audit_append(t->d, cashier, t->terminal, "pos.logout", cashier, why);
}

static cp_err store_shift_current(till *t, shift_info *out, int *is_open)
{
    return shift_current(t->d, t->terminal, out, is_open);
}

static cp_err store_shift_open(till *t, const char *cashier, int64_t fen, shift_info *out)
{
    return shift_open(t->d, t->terminal, cashier, fen, out);
}

static cp_err store_shift_close(till *t, const char *cashier, int64_t fen, shift_report *out)
{
    return shift_close(t->d, t->terminal, cashier, fen, out);
}

static cp_err store_charge(till *t, const charge_req *req, charge_res *res)
{
    return ledger_charge(t->d, req, res);
}

static cp_err store_last_sale(till *t, char id[IDS_LEN])
{
    return ui_data_last_sale(t->d, t->terminal, id);
}

static cp_err store_sale_brief(till *t, const char *sale_id, char *text, size_t size)
{
    return ui_data_sale_brief(t->d, sale_id, text, size);
}

static cp_err store_void(till *t, const char *sale_id, const char *manager, const char *pin,
                         const char *actor, const char *reason, char void_id[IDS_LEN],
                         users_auth *auth)
{
    char purpose[IDS_LEN + 8];
    users_attempt a = {.name = manager, .pin = pin, .need = "manager", .actor = actor,
                       .terminal = t->terminal, .purpose = purpose};
    cp_err err;

    snprintf(purpose, sizeof purpose, "void %s", sale_id);
    if ((err = users_authenticate(t->d, &a, auth)))
        return err;
    return ledger_void(t->d, sale_id, manager, t->terminal, reason, void_id);
}

static cp_err store_print_sale(till *t, const charge_res *res, int *printed)
{
    return printq_sale(t->pq, t->d, res->sale_id, res->cash_left_fen, res->subsidy_left_fen,
                       printed);
}

static cp_err store_print_void(till *t, const char *void_id, const char *cashier, int *printed)
{
    return printq_void(t->pq, t->d, void_id, cashier, printed);
}

static cp_err store_print_z(till *t, const shift_report *z, int *printed)
{
    return printq_zreport(t->pq, t->d, t->terminal, z, printed);
}

static cp_err store_reprint(till *t, const char *id, int *printed)
{
    return printq_reprint(t->pq, t->d, id, printed);
}

static cp_err store_print_flush(till *t, int *left)
{
    return printq_flush(t->pq, t->d, left);
}

static void store_idle(till *t)
{
    (void)t;
}

const till_ops till_store_ops = {
    .canteen = store_canteen,         .online = store_online,
    .period = store_period,           .item = store_item,
    .name = store_name,               .login = store_login,
    .logout = store_logout,           .shift_current = store_shift_current,
    .shift_open = store_shift_open,   .shift_close = store_shift_close,
    .charge = store_charge,           .last_sale = store_last_sale,
    .sale_brief = store_sale_brief,   .void_sale = store_void,
    .print_sale = store_print_sale,   .print_void = store_print_void,
    .print_z = store_print_z,         .reprint = store_reprint,
    .print_flush = store_print_flush, .idle = store_idle,
};
