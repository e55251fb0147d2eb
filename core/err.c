/* err: the project's one error enum, its text, and the detail of the last error. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/nls.h"
#include "core/utf8.h"

static const struct {
    const char *name;
    const char *text;
} err_table[CP_ERR_COUNT] = {
    [CP_OK] = {"ok", N_("success")},
    [CP_ERR_NOMEM] = {"nomem", N_("out of memory")},
    [CP_ERR_INVALID] = {"invalid", N_("invalid input")},
    [CP_ERR_NOT_FOUND] = {"not_found", N_("not found")},
    [CP_ERR_EXISTS] = {"exists", N_("already exists")},
    [CP_ERR_IO] = {"io", N_("input/output error")},
    [CP_ERR_DB] = {"db", N_("database error")},
    [CP_ERR_BUSY] = {"busy", N_("database is busy")},
    [CP_ERR_FULL] = {"full", N_("disk or database is full")},
    [CP_ERR_PARSE] = {"parse", N_("could not parse input")},
    [CP_ERR_DEVICE] = {"device", N_("device error")},
    [CP_ERR_DISCONNECTED] = {"disconnected", N_("device disconnected")},
    [CP_ERR_TIMEOUT] = {"timeout", N_("timed out")},
    [CP_ERR_ACCESS] = {"access", N_("permission denied")},
    [CP_ERR_UNSUPPORTED] = {"unsupported", N_("not supported")},
    [CP_ERR_AUTH] = {"auth", N_("wrong PIN or not allowed")},
    [CP_ERR_UNKNOWN_CARD] = {"unknown_card", N_("card is not known")},
    [CP_ERR_CARD_BLOCKED] = {"card_blocked", N_("card is blocked")},
    [CP_ERR_DINER_INACTIVE] = {"diner_inactive", N_("diner is not active")},
    [CP_ERR_NO_MEAL_PERIOD] = {"no_meal_period", N_("no meal period is open now")},
    [CP_ERR_NO_PRICE] = {"no_price", N_("no price for this diner's category")},
    [CP_ERR_INSUFFICIENT_FUNDS] = {"insufficient_funds", N_("balance too low")},
    [CP_ERR_LIMIT_REACHED] = {"limit_reached", N_("meal limit reached")},
    [CP_ERR_DUPLICATE_TAP] = {"duplicate_tap", N_("same card tapped again")},
    [CP_ERR_ALREADY_VOID] = {"already_void", N_("sale is already void")},
    [CP_ERR_MONTH_PUBLISHED] = {"month_published", N_("the month's red/black list is published")},
};

static _Thread_local char detail[512];

const char *cp_strerror(cp_err e)
{
    if (e < 0 || e >= CP_ERR_COUNT || !err_table[e].text)
        return _("unknown error");
    return _(err_table[e].text);
}

int cp_err_is_system(cp_err e)
{
    switch (e) {
    case CP_ERR_NOMEM: case CP_ERR_IO: case CP_ERR_DB: case CP_ERR_BUSY: case CP_ERR_FULL:
    case CP_ERR_DEVICE: case CP_ERR_DISCONNECTED: case CP_ERR_TIMEOUT: case CP_ERR_ACCESS:
        return 1;
    default:
        return 0;
    }
}

const char *cp_errname(cp_err e)
{
    if (e < 0 || e >= CP_ERR_COUNT || !err_table[e].name)
        return "unknown";
    return err_table[e].name;
}

cp_err cp_errcode(const char *name, cp_err fallback)
{
    for (int e = 0; name && e < CP_ERR_COUNT; e++)
        if (err_table[e].name && strcmp(err_table[e].name, name) == 0)
            return (cp_err)e;
    return fallback;
}

cp_err cp_fail(cp_err e, const char *fmt, ...)
{
    char text[sizeof detail];
    va_list ap;

    /* formatted aside first: the arguments may include cp_detail() itself; a
     * detail names people and is cut on a character boundary if it must be;
     * the format is translated here (cp_fail is an xgettext keyword) */
    va_start(ap, fmt);
    utf8_vformat(text, sizeof text, _(fmt), ap);
    va_end(ap);
    memcpy(detail, text, sizeof detail);
    return e;
}

const char *cp_detail(void)
{
    return detail[0] ? detail : _("no detail");
}

void cp_clear(void)
{
    detail[0] = '\0';
}
