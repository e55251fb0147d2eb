/* cmd_names: `cleanplate-office category set|list` and `period name|list`: the names people read for the codes. */
#include "backoffice/cmd_names.h"

#include <jansson.h>
#include <stdio.h>

#include "core/names.h"
#include "core/nls.h"

static int set_name(office_ctx *c, names_kind kind)
{
    char shown[NAMES_SIZE];
    cp_err err = names_set(c->d, kind, c->pos[0], c->pos[1], c->actor);

    if (err)
        return office_fail(err);
    names_show(c->d, kind, c->pos[0], shown);
    if (kind == NAMES_CATEGORY)
        printf(_("category %s is shown as %s\n"), c->pos[0], shown);
    else
        printf(_("meal period %s is shown as %s\n"), c->pos[0], shown);
    return 0;
}

int cmd_category_set(office_ctx *c)
{
    return set_name(c, NAMES_CATEGORY);
}

int cmd_period_name(office_ctx *c)
{
    return set_name(c, NAMES_PERIOD);
}

/* One row of a list: "code  name" as text, or {"code":...,"name":...} into the array. */
static void list_row(const char *code, const char *name, void *ctx)
{
    json_t *rows = ctx;

    if (rows)
        json_array_append_new(rows, json_pack("{s:s, s:s}", "code", code, "name", name));
    else
        printf("%-16s %s\n", code, name);
}

static int list(office_ctx *c, names_kind kind)
{
    json_t *rows = office_opt(c, "json") ? json_array() : NULL;
    cp_err err;

    if (!rows && office_opt(c, "json"))
        return office_fail(cp_fail(CP_ERR_NOMEM, "out of memory listing names"));
    /* codes stay as they are (ASCII, the JSON keys' values scripts use); the name is added */
    if (!rows)
        printf("%-16s %s\n", _("CODE"), _("NAME"));
    err = names_each(c->d, kind, list_row, rows);
    if (!err && rows) {
        json_dumpf(rows, stdout, JSON_COMPACT);
        putchar('\n');
    }
    json_decref(rows);
    return err ? office_fail(err) : 0;
}

int cmd_category_list(office_ctx *c)
{
    return list(c, NAMES_CATEGORY);
}

int cmd_period_list(office_ctx *c)
{
    return list(c, NAMES_PERIOD);
}
