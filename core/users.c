/* users: cashiers, kitchen staff, managers and admins, with PINs hashed by libsodium. */
#include "core/users.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"

cp_err users_role_valid(const char *role)
{
    static const char *const roles[] = {"cashier", "kitchen", "manager", "admin"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return CP_OK;
    return cp_fail(CP_ERR_INVALID, "unknown role '%s' (use cashier, kitchen, manager or admin)",
                   role);
}

int users_role_allows(const char *role, const char *need)
{
    if (strcmp(role, "admin") == 0)
        return 1;
    if (strcmp(role, "manager") == 0)
        return strcmp(need, "admin") != 0;
    return strcmp(role, need) == 0;
}

static cp_err check_pin_form(const char *pin)
{
    size_t n = strlen(pin);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)pin[i]))
            return cp_fail(CP_ERR_INVALID, "a PIN is digits only");
    if (n < 4 || n > 12)
        return cp_fail(CP_ERR_INVALID, "a PIN has 4 to 12 digits");
    return CP_OK;
}

cp_err users_add(db *d, const char *name, const char *role, const char *pin,
                 const char *actor)
{
    static const char sql[] = "INSERT INTO users(name, role, pin_hash) VALUES (?, ?, ?)";
    char hash[crypto_pwhash_STRBYTES];
    sqlite3_stmt *st;
    cp_err err;

    if (!*name)
        return cp_fail(CP_ERR_INVALID, "a user needs a name");
    if ((err = users_role_valid(role)) || (err = check_pin_form(pin)))
        return err;
    if (sodium_init() < 0)
        return cp_fail(CP_ERR_NOMEM, "libsodium failed to start");
    if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return cp_fail(CP_ERR_NOMEM, "not enough memory to hash the PIN");
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_stmt(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, role);
    db_bind_text(st, 3, hash);
    if ((err = db_step_done(d, st, "adding the user"))) {
        if (err == CP_ERR_EXISTS)
            err = cp_fail(err, "a user named '%s' already exists", name);
        goto fail;
    }
    if ((err = audit_append(d, actor, NULL, "user.add", name, role)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err users_check_pin(db *d, const char *name, const char *pin, char role[16])
{
    static const char sql[] = "SELECT role, pin_hash FROM users WHERE name = ? AND active = 1";
    sqlite3_stmt *st = db_stmt(d, sql);
    cp_err err = CP_OK;
    int rc;

    if (!st)
        return CP_ERR_DB;
    if (sodium_init() < 0)
        return cp_fail(CP_ERR_NOMEM, "libsodium failed to start");
    db_bind_text(st, 1, name);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(st, 1);
        if (crypto_pwhash_str_verify(hash, pin, strlen(pin)) != 0)
            err = cp_fail(CP_ERR_AUTH, "wrong PIN for %s", name);
        else if (role)
            snprintf(role, 16, "%s", (const char *)sqlite3_column_text(st, 0));
    } else if (rc == SQLITE_DONE) {
        err = cp_fail(CP_ERR_AUTH, "no active user named '%s'", name);
    } else {
        err = db_fail(d, "reading users");
    }
    sqlite3_reset(st);
    return err;
}
