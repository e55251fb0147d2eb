/* cmd_canteen: `cleanplate-office canteen add`, `import departments|diners`, `period set`, `price set` and `item set`: a canteen, its people and what it sells. */
#include "backoffice/cmd_canteen.h"

#include <stdio.h>

#include "core/canteen.h"
#include "core/csvread.h"
#include "core/diners.h"
#include "core/names.h"
#include "core/nls.h"

int cmd_canteen_add(office_ctx *c)
{
    cp_err err = canteen_add(c->d, c->pos[0], c->pos[1], c->actor);
    if (err)
        return office_fail(err);
    printf(_("added canteen %s (%s)\n"), c->pos[0], c->pos[1]);
    return 0;
}

static int import_file(office_ctx *c, int diners)
{
    csv_table *t = NULL;
    import_counts n;
    cp_err err;

    if (!(err = csvread_file(c->pos[0], &t)))
        err = diners ? diners_import(c->d, t, c->pos[0], c->actor, &n)
                     : diners_import_departments(c->d, t, c->pos[0], c->actor, &n);
    csvread_free(t);
    if (err) {
        fprintf(stderr, _("cleanplate-office: %s (nothing was imported)\n"), cp_detail());
        return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
    }
    printf(_("imported %s: %ld added, %ld updated, %ld unchanged\n"),
           diners ? _("diners") : _("departments"), n.added, n.updated, n.unchanged);
    return 0;
}

int cmd_import_departments(office_ctx *c)
{
    return import_file(c, 0);
}

int cmd_import_diners(office_ctx *c)
{
    return import_file(c, 1);
}

int cmd_period_set(office_ctx *c)
{
    cp_err err;
    int rc;
    if ((rc = office_need(c, "canteen")))
        return rc;
    if ((err = canteen_set_period(c->d, office_opt(c, "canteen"), c->pos[0], c->pos[1], c->actor)))
        return office_fail(err);
    printf(_("canteen %s: %s is %s\n"), office_opt(c, "canteen"), c->pos[0], c->pos[1]);
    return 0;
}

int cmd_price_set(office_ctx *c)
{
    char names[2][NAMES_SIZE];
    const char *manager;
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "canteen")) || (rc = office_need(c, "period")) || (rc = office_need(c, "category")) ||
        (rc = office_parse_yuan(c->pos[0], &fen)) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = canteen_set_price(c->d, office_opt(c, "canteen"), office_opt(c, "period"), office_opt(c, "category"),
                                 fen, manager)))
        return office_fail(err);
    printf(_("canteen %s: %s for %s costs %s yuan\n"), office_opt(c, "canteen"),
           names_show(c->d, NAMES_PERIOD, office_opt(c, "period"), names[0]),
           names_show(c->d, NAMES_CATEGORY, office_opt(c, "category"), names[1]), c->pos[0]);
    return 0;
}

int cmd_item_set(office_ctx *c)
{
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "canteen")) || (rc = office_parse_yuan(c->pos[2], &fen)))
        return rc;
    if ((err = canteen_set_item(c->d, office_opt(c, "canteen"), c->pos[0], c->pos[1], fen,
                                office_opt(c, "per-100g") ? "100g" : "piece", c->actor)))
        return office_fail(err);
    printf(_("item %s (%s): %s yuan per %s\n"), c->pos[0], c->pos[1], c->pos[2],
           office_opt(c, "per-100g") ? "100 g" : "piece");
    return 0;
}
