/* office: what the back-office commands share: their context and small helpers. */
#include "backoffice/office.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "core/nls.h"
#include "core/users.h"

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
    fprintf(stderr, _("cleanplate-office: missing --%s (see --help)\n"), name);
    return 2;
}

int office_parse_yuan(const char *s, int64_t *fen)
{
    if (money_parse_yuan(s, fen) == CP_OK)
        return 0;
    fprintf(stderr, "cleanplate-office: %s\n", cp_detail());
    return 2;
}

int office_manager(const office_ctx *c, const char *need, const char **name)
{
    const char *who = office_opt(c, "manager");
    users_attempt a = {.need = need, .actor = c->actor, .purpose = c->command};
    char pin[64], prompt[160];
    users_auth auth;
    cp_err err;

    if (!who) {
        fprintf(stderr, _("cleanplate-office: %s moves money or changes who may: give "
                          "--manager NAME, %s, who then types their PIN\n"), c->command,
                strcmp(need, "admin") == 0 ? _("an admin") : _("a manager or an admin"));
        return 2;
    }
    snprintf(prompt, sizeof prompt, _("PIN of %s"), who);
    if ((err = cli_read_pin(prompt, 0, pin, sizeof pin)))
        return office_fail(err);
    a.name = who;
    a.pin = pin;
    err = users_authenticate(c->d, &a, &auth);
    sodium_memzero(pin, sizeof pin);
    if (err)
        return office_fail(err);
    *name = who;
    return 0;
}

int office_int_opt(const office_ctx *c, const char *name, long min, long max, int *out)
{
    const char *v = office_opt(c, name);
    char *end;
    long n;

    if (!v)
        return 0;
    n = strtol(v, &end, 10);
    if (*end || end == v || n < min || n > max) {
        fprintf(stderr, _("cleanplate-office: --%s '%s': give a whole number from %ld to %ld\n"),
                name, v, min, max);
        return 2;
    }
    *out = (int)n;
    return 0;
}
