/* cmd_users: `cleanplate-office user add|list|disable|pin`: who may log in, with which role and PIN. */
#include "backoffice/cmd_users.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/cli.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/users.h"

/* Reads the new PIN of name, twice (from a terminal, or two lines of stdin). */
static cp_err read_new_pin(const char *name, char pin[64])
{
    char prompt[160];
    snprintf(prompt, sizeof prompt, _("new PIN for %s"), name);
    return cli_read_pin(prompt, 1, pin, 64);
}

/* A database's first user is its admin, added without a manager: there is
 * nobody yet to authorise it. Every later user is added by a manager (a
 * cashier or kitchen staff) or an admin (a manager or admin). */
int cmd_user_add(office_ctx *c)
{
    const char *role = office_opt(c, "role"), *manager = NULL;
    char pin[64];
    long users;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "role")))
        return rc;
    if ((err = users_role_valid(role)) || (err = users_count(c->d, &users)))
        return office_fail(err);
    if (users == 0 && strcmp(role, "admin") != 0) {
        fprintf(stderr, _("cleanplate-office: the database has no users yet: add its admin "
                          "first (cleanplate-office user add NAME --role admin)\n"));
        return 2;
    }
    if (users == 0 && office_opt(c, "manager")) {
        fprintf(stderr, _("cleanplate-office: the database has no users yet, so nobody can "
                          "authorise: add the first admin without --manager\n"));
        return 2;
    }
    if (users > 0 && (rc = office_manager(c, users_role_to_manage(role), &manager)))
        return rc;
    if (!(err = read_new_pin(c->pos[0], pin)))
        err = manager ? users_add(c->d, c->pos[0], role, pin, manager)
                      : users_add_first_admin(c->d, c->pos[0], pin, c->actor);
    sodium_memzero(pin, sizeof pin);
    if (err)
        return office_fail(err);
    printf(_("added %s %s%s\n"), names_builtin(NAMES_ROLE, role), c->pos[0],
           manager ? "" : _(" (the first user)"));
    return 0;
}

/* Prints one row of user list. */
static cp_err print_user(const users_row *r, void *arg)
{
    (void)arg;
    printf("%-8s  %-6s  %8d  %-19s  %s\n", r->role, r->active ? "yes" : "no", r->failures,
           *r->locked_until ? r->locked_until : "-", r->name);
    return CP_OK;
}

int cmd_user_list(office_ctx *c)
{
    cp_err err;
    /* the name last: any script and width, never cut or padded */
    printf("%-8s  %-6s  %8s  %-19s  %s\n", "ROLE", "ACTIVE", "FAILURES", "LOCKED UNTIL",
           "NAME");
    if ((err = users_list(c->d, print_user, NULL)))
        return office_fail(err);
    return 0;
}

/* The manager for a change to the existing user name: an admin for a
 * manager or admin, a manager for the others. */
static int manager_of_user(office_ctx *c, const char *name, const char **manager)
{
    char role[USERS_ROLE_LEN];
    cp_err err = users_role_of(c->d, name, role);
    if (err)
        return office_fail(err);
    return office_manager(c, users_role_to_manage(role), manager);
}

int cmd_user_disable(office_ctx *c)
{
    const char *manager;
    cp_err err;
    int rc;
    if ((rc = manager_of_user(c, c->pos[0], &manager)))
        return rc;
    if ((err = users_disable(c->d, c->pos[0], manager)))
        return office_fail(err);
    printf(_("%s is disabled: no more logins or authorisations (kept in the records)\n"),
           c->pos[0]);
    return 0;
}

int cmd_user_pin(office_ctx *c)
{
    const char *manager;
    char pin[64];
    cp_err err;
    int rc;
    if ((rc = manager_of_user(c, c->pos[0], &manager)))
        return rc;
    if (!(err = read_new_pin(c->pos[0], pin)))
        err = users_set_pin(c->d, c->pos[0], pin, manager);
    sodium_memzero(pin, sizeof pin);
    if (err)
        return office_fail(err);
    printf(_("%s has a new PIN; wrong PINs and any lock are cleared\n"), c->pos[0]);
    return 0;
}
