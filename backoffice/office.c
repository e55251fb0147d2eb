/* office: what the back-office commands share: their context and small helpers. */
#include "backoffice/office.h"

#include <stdio.h>

#include "core/money.h"

const char *office_opt(const office_ctx *c, const char *name)
{
    return cli_get(c->opts, name);
}

int office_fail(cp_err err)
{
    fprintf(stderr, "cleanplate-office: %s\n", cp_detail());
    return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
}

int office_need(const office_ctx *c, const char *name)
{
    if (office_opt(c, name))
        return 0;
    fprintf(stderr, "cleanplate-office: missing --%s (see --help)\n", name);
    return 2;
}

int office_parse_yuan(const char *s, int64_t *fen)
{
    if (money_parse_yuan(s, fen) == CP_OK)
        return 0;
    fprintf(stderr, "cleanplate-office: %s\n", cp_detail());
    return 2;
}
