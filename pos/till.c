/* till: the front of the two backends: each call goes to the till's own. */
#include "pos/till_int.h"

#include <stdlib.h>

#include "core/utf8.h"

void till_free(till *t)
{
    if (t)
        json_decref(t->voided);
    free(t);
}

void till_set_cashier(till *t, const char *cashier)
{
    utf8_copy(t->cashier, sizeof t->cashier, cashier ? cashier : "");
}

const char *till_canteen(till *t) { return t->ops->canteen(t); }
int till_online(till *t) { return t->ops->online(t); }

cp_err till_period(till *t, int minute, ui_period *out)
{
    return t->ops->period(t, minute, out);
}

cp_err till_item(till *t, const char *code, char name[128], int64_t *price_fen, int *per_100g)
{
    return t->ops->item(t, code, name, price_fen, per_100g);
}

const char *till_name(till *t, names_kind kind, const char *code, char buf[NAMES_SIZE])
{
    return t->ops->name(t, kind, code, buf);
}

cp_err till_login(till *t, const char *name, const char *pin, users_auth *auth)
{
    return t->ops->login(t, name, pin, auth);
}

void till_logout(till *t, const char *cashier, const char *why)
{
    t->ops->logout(t, cashier, why);
}

cp_err till_shift_current(till *t, shift_info *out, int *is_open)
{
    return t->ops->shift_current(t, out, is_open);
}

cp_err till_shift_open(till *t, const char *cashier, int64_t fen, shift_info *out)
{
    return t->ops->shift_open(t, cashier, fen, out);
}

cp_err till_shift_close(till *t, const char *cashier, int64_t fen, shift_report *out)
{
    return t->ops->shift_close(t, cashier, fen, out);
}

cp_err till_charge(till *t, const charge_req *req, charge_res *res)
{
    return t->ops->charge(t, req, res);
}

cp_err till_last_sale(till *t, char id[IDS_LEN])
{
    return t->ops->last_sale(t, id);
}

cp_err till_sale_brief(till *t, const char *sale_id, char *text, size_t size)
{
    return t->ops->sale_brief(t, sale_id, text, size);
}

cp_err till_void(till *t, const char *sale_id, const char *manager, const char *pin,
                 const char *actor, const char *reason, char void_id[IDS_LEN], users_auth *auth)
{
    return t->ops->void_sale(t, sale_id, manager, pin, actor, reason, void_id, auth);
}

cp_err till_print_sale(till *t, const charge_res *res, int *printed)
{
    return t->ops->print_sale(t, res, printed);
}

cp_err till_print_void(till *t, const char *void_id, const char *cashier, int *printed)
{
    return t->ops->print_void(t, void_id, cashier, printed);
}

cp_err till_print_z(till *t, const shift_report *z, int *printed)
{
    return t->ops->print_z(t, z, printed);
}

cp_err till_reprint(till *t, const char *id, int *printed)
{
    return t->ops->reprint(t, id, printed);
}

cp_err till_print_flush(till *t, int *left)
{
    return t->ops->print_flush(t, left);
}

void till_idle(till *t)
{
    t->ops->idle(t);
}
