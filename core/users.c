/* users: cashiers, kitchen staff, managers and admins, with PINs hashed by libsodium.
 *
 * Why the lockout, not the hash, stops guessing at a terminal or an office
 * command: a PIN has few values (10^4 for four digits), so no hash that a POS
 * can afford to check in a fraction of a second makes trying them all slow:
 * four digits came out of a stolen crypto_pwhash hash in about 10 minutes on
 * one core. The hash (crypto_pwhash, INTERACTIVE limits: ~0.3 s and 64 MiB a
 * check here) only protects a copy of the database; there, the six digits
 * that managers and admins must have make the search 100 times longer (about
 * 17 hours on one core instead of 10 minutes), which is time to notice the
 * copy and change the PINs. Online, USERS_MAX_FAILS wrong PINs in a row lock
 * the name: a minute for the first lock, doubled for every further lock
 * without a right PIN in between, up to an hour. With a fixed minute a
 * patient guesser gets 3 tries a minute, 4,320 a day: a four-digit PIN falls
 * in about a day. With the doubling they get about 70 a day after the first
 * few hours, so even four digits hold for about two months, each lock is in the audit
 * log for a manager to see, and a cashier who mistypes twice still waits only
 * a minute. */
#include "core/users.h"

#include <ctype.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/utf8.h"

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

/* Managers run the canteen: they take on and let go of cashiers and kitchen
 * staff. Who may authorise money (managers, admins) is decided by admins. */
const char *users_role_to_manage(const char *role)
{
    return strcmp(role, "manager") == 0 || strcmp(role, "admin") == 0 ? "admin" : "manager";
}

static int role_is_boss(const char *role)
{
    return strcmp(role, "manager") == 0 || strcmp(role, "admin") == 0;
}

static cp_err check_pin_form(const char *pin, const char *role)
{
    size_t n = strlen(pin), min = role_is_boss(role) ? 6 : 4;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)pin[i]))
            return cp_fail(CP_ERR_INVALID, "a PIN is digits only");
    if (n < min || n > 12)
        return cp_fail(CP_ERR_INVALID, "a PIN of a %s has %zu to 12 digits%s",
                       names_builtin(NAMES_ROLE, role), min,
                       min == 6 ? _(" (managers and admins authorise money: 4 digits are "
                                    "guessed from a stolen hash in minutes)") : "");
    return CP_OK;
}

/* Hashes pin into hash for the users table. */
static cp_err hash_pin(const char *pin, char hash[crypto_pwhash_STRBYTES])
{
    if (sodium_init() < 0)
        return cp_fail(CP_ERR_NOMEM, "libsodium failed to start");
    if (crypto_pwhash_str(hash, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return cp_fail(CP_ERR_NOMEM, "not enough memory to hash the PIN");
    return CP_OK;
}

/* Forgets the failures and the lock of name (inside the caller's transaction). */
static cp_err clear_failures(db *d, const char *name)
{
    static const char sql[] = "DELETE FROM pin_failures WHERE name = ?";
    db_stmt *st = db_prepare(d, sql);
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, name);
    return db_step_done(d, st, "clearing wrong PINs");
}

cp_err users_count(db *d, long *n)
{
    static const char sql[] = "SELECT count(*) FROM users";
    db_stmt *st = db_prepare(d, sql);
    int64_t v = 0;
    cp_err err;

    if (!st)
        return CP_ERR_DB;
    err = db_step_int64(d, st, &v);
    *n = (long)v;
    return err;
}

/* Adds a user; first: only when there is none yet (checked in the transaction). */
static cp_err add_user(db *d, const char *name, const char *role, const char *pin,
                       const char *actor, int first)
{
    static const char sql[] = "INSERT INTO users(name, role, pin_hash) VALUES (?, ?, ?)";
    char hash[crypto_pwhash_STRBYTES];
    db_stmt *st;
    long n;
    cp_err err;

    if ((err = utf8_name_valid(_("a user's name"), name, UTF8_NAME_MAX)))
        return err;
    if ((err = users_role_valid(role)) || (err = check_pin_form(pin, role)) ||
        (err = hash_pin(pin, hash)) || (err = db_begin(d)))
        return err;
    if (first && (err = users_count(d, &n)) == CP_OK && n > 0)
        err = cp_fail(CP_ERR_AUTH, "there are users already: a new user is added by a "
                      "manager or admin (--manager NAME)");
    if (err)
        goto fail;
    if (!(st = db_prepare(d, sql))) {
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
    if ((err = clear_failures(d, name)) ||
        (err = audit_append(d, actor, NULL, "user.add", name,
                            first ? "admin (the first user: no manager)" : role)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err users_add(db *d, const char *name, const char *role, const char *pin,
                 const char *actor)
{
    return add_user(d, name, role, pin, actor, 0);
}

cp_err users_add_first_admin(db *d, const char *name, const char *pin, const char *actor)
{
    return add_user(d, name, "admin", pin, actor, 1);
}

/* The role and (when hash is not NULL) the PIN's hash of the active user
 * name; *found says whether there is one. */
static cp_err read_user(db *d, const char *name, int *found, char role[USERS_ROLE_LEN],
                        char hash[crypto_pwhash_STRBYTES])
{
    static const char sql[] = "SELECT role, pin_hash FROM users WHERE name = ? AND active = 1";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    *found = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, name);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *found = 1;
        db_copy_col(role, USERS_ROLE_LEN, st, 0);
        if (hash)
            db_copy_col(hash, crypto_pwhash_STRBYTES, st, 1);
    }
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading users");
}

cp_err users_role_of(db *d, const char *name, char role[USERS_ROLE_LEN])
{
    int found;
    cp_err err = read_user(d, name, &found, role, NULL);
    if (!err && !found)
        err = cp_fail(CP_ERR_NOT_FOUND, "no active user named '%s' (see user list)", name);
    return err;
}

cp_err users_disable(db *d, const char *name, const char *actor)
{
    static const char admins_sql[] =
        "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND name <> ?";
    static const char sql[] = "UPDATE users SET active = 0 WHERE name = ? AND active = 1";
    char role[USERS_ROLE_LEN];
    db_stmt *st;
    int64_t others = 0;
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    if ((err = users_role_of(d, name, role)))
        goto fail;
    if (strcmp(role, "admin") == 0) {
        if (!(st = db_prepare(d, admins_sql))) {
            err = CP_ERR_DB;
            goto fail;
        }
        db_bind_text(st, 1, name);
        if ((err = db_step_int64(d, st, &others)))
            goto fail;
        if (others == 0) {
            err = cp_fail(CP_ERR_INVALID, "%s is the last active admin: add another admin "
                          "first, or nobody could add managers again", name);
            goto fail;
        }
    }
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, name);
    if ((err = db_step_done(d, st, "disabling the user")) ||
        (err = audit_append(d, actor, NULL, "user.disable", name, role)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err users_set_pin(db *d, const char *name, const char *pin, const char *actor)
{
    static const char sql[] = "UPDATE users SET pin_hash = ? WHERE name = ? AND active = 1";
    char role[USERS_ROLE_LEN], hash[crypto_pwhash_STRBYTES];
    db_stmt *st;
    cp_err err;

    if ((err = users_role_of(d, name, role)) || (err = check_pin_form(pin, role)) ||
        (err = hash_pin(pin, hash)) || (err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, hash);
    db_bind_text(st, 2, name);
    if ((err = db_step_done(d, st, "saving the PIN")))
        goto fail;
    if (db_changes(d) != 1) { /* disabled since users_role_of */
        err = cp_fail(CP_ERR_NOT_FOUND, "no active user named '%s' (see user list)", name);
        goto fail;
    }
    if ((err = clear_failures(d, name)) ||
        (err = audit_append(d, actor, NULL, "user.pin", name, "a new PIN; failures cleared")))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

/* ---- the check of a typed PIN ---------------------------------------- */

/* How long the locks-th lock in a row lasts: a minute, doubled each time, at most an hour. */
static int lock_seconds(int locks)
{
    int s = USERS_LOCK_S;
    for (int i = 1; i < locks && s < USERS_LOCK_MAX_S; i++)
        s *= 2;
    return s < USERS_LOCK_MAX_S ? s : USERS_LOCK_MAX_S;
}

/* "60 s" or "16 min", for messages. */
static const char *span_text(int s, char buf[24])
{
    if (s < 120)
        snprintf(buf, 24, "%d s", s);
    else
        snprintf(buf, 24, "%d min", (s + 59) / 60);
    return buf;
}

/* The failures of name and the seconds its lock lasts after now (0: none).
 * The seconds are counted here, not in SQL: the engines share no date
 * arithmetic (SQLite's julianday, PostgreSQL's timestamps). A lock that is
 * not a time (no lock) lasts 0 s. */
static cp_err read_failures(db *d, const char *name, const char *now, int *failures, int *left)
{
    static const char sql[] = "SELECT failures, locked_until FROM pin_failures WHERE name = ?";
    db_stmt *st = db_prepare(d, sql);
    cp_time from, until;
    long secs;
    int rc;

    *failures = *left = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, name);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *failures = db_col_int(st, 0);
        if (!db_col_is_null(st, 1) && clock_parse(db_col_text(st, 1), &until) == CP_OK &&
            clock_parse(now, &from) == CP_OK) {
            secs = clock_seconds_between(&from, &until);
            *left = secs > 0 ? (secs < INT_MAX ? (int)secs : INT_MAX) : 0;
        }
    }
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading wrong PINs");
}

/* Appends an audit entry about attempt a, in a transaction of its own. */
static cp_err audit_attempt(db *d, const users_attempt *a, const char *action,
                            const char *detail)
{
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    if ((err = audit_append(d, a->actor ? a->actor : a->name, a->terminal, action, a->name,
                            detail))) {
        db_rollback(d);
        return err;
    }
    return db_commit(d);
}

/* Counts a wrong PIN for a->name, locks the name at every USERS_MAX_FAILS-th
 * in a row, and audits both: one transaction. The count is read again inside
 * it, so that two places failing at once both count. */
static cp_err count_failure(db *d, const users_attempt *a, const char *now, users_auth *out)
{
    static const char sql[] =
        "INSERT INTO pin_failures(name, failures, locked_until) VALUES (?1, ?2, ?3)"
        " ON CONFLICT(name) DO UPDATE SET failures = excluded.failures,"
        " locked_until = coalesce(excluded.locked_until, pin_failures.locked_until)";
    char until[CP_TIME_ISO_LEN] = "", detail[160], span[24];
    const char *who = a->actor ? a->actor : a->name;
    db_stmt *st;
    cp_time t;
    int left;
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    if ((err = read_failures(d, a->name, now, &out->failures, &left)))
        goto fail;
    out->failures++;
    out->tries = (out->failures - 1) % USERS_MAX_FAILS + 1;
    if (out->tries == USERS_MAX_FAILS) {
        out->locked_now = 1;
        out->locked_s = lock_seconds(out->failures / USERS_MAX_FAILS);
        if ((err = clock_parse(now, &t)))
            goto fail;
        t = clock_add_seconds(&t, out->locked_s);
        clock_iso(&t, until);
    }
    if (!(st = db_prepare(d, sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, a->name);
    db_bind_int(st, 2, out->failures);
    db_bind_text(st, 3, *until ? until : NULL);
    if ((err = db_step_done(d, st, "counting a wrong PIN")))
        goto fail;
    snprintf(detail, sizeof detail, "%s: wrong name or PIN, %d of %d", a->purpose, out->tries,
             USERS_MAX_FAILS);
    if ((err = audit_append(d, who, a->terminal, "auth.failed", a->name, detail)))
        goto fail;
    if (out->locked_now) {
        snprintf(detail, sizeof detail, "%d wrong PINs in a row: locked for %s, until %s",
                 out->failures, span_text(out->locked_s, span), until);
        if ((err = audit_append(d, who, a->terminal, "auth.locked", a->name, detail)))
            goto fail;
    }
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

/* The message of a refusal, the same whether or not the name exists. */
static cp_err refuse(const users_attempt *a, const users_auth *out)
{
    char span[24];

    if (out->locked_now)
        return cp_fail(CP_ERR_AUTH, "wrong name or PIN for '%s': %d wrong PINs in a row, "
                       "locked for %s (recorded)", a->name, out->failures,
                       span_text(out->locked_s, span));
    if (out->locked_s > 0)
        return cp_fail(CP_ERR_AUTH, "'%s' is locked for %s more after wrong PINs: wait, or "
                       "have an admin set a new PIN (user pin)", a->name,
                       span_text(out->locked_s, span));
    return cp_fail(CP_ERR_AUTH, "wrong name or PIN for '%s' (%d of %d tries before a lock)",
                   a->name, out->tries, USERS_MAX_FAILS);
}

cp_err users_authenticate(db *d, const users_attempt *a, users_auth *out)
{
    char role[USERS_ROLE_LEN] = "", hash[crypto_pwhash_STRBYTES] = "", now[CP_TIME_ISO_LEN];
    char detail[160], span[24];
    int found, right;
    cp_time t;
    cp_err err;

    memset(out, 0, sizeof *out);
    if (sodium_init() < 0)
        return cp_fail(CP_ERR_NOMEM, "libsodium failed to start");
    if ((err = clock_now(&t)))
        return err;
    clock_iso(&t, now);
    if ((err = read_user(d, a->name, &found, role, hash)) ||
        (err = read_failures(d, a->name, now, &out->failures, &out->locked_s)))
        return err;
    if (out->locked_s > 0) {
        /* locked: the PIN is not even looked at, so guesses teach nothing */
        snprintf(detail, sizeof detail, "%s: refused, locked for %s more", a->purpose,
                 span_text(out->locked_s, span));
        if ((err = audit_attempt(d, a, "auth.refused", detail)))
            return err;
        return refuse(a, out);
    }
    if (found) {
        right = crypto_pwhash_str_verify(hash, a->pin, strlen(a->pin)) == 0;
    } else {
        /* as long as a check would take, so that the time does not tell
         * that the name does not exist */
        right = 0;
        if (hash_pin(a->pin, hash))
            return CP_ERR_NOMEM;
    }
    if (!right) {
        if ((err = count_failure(d, a, now, out)))
            return err;
        return refuse(a, out);
    }
    snprintf(out->role, sizeof out->role, "%s", role);
    if (out->failures > 0) {
        out->failures = 0;
        if ((err = db_begin(d)))
            return err;
        if ((err = clear_failures(d, a->name)) || (err = db_commit(d))) {
            db_rollback(d);
            return err;
        }
    }
    if (a->need && !users_role_allows(role, a->need)) {
        out->denied = 1;
        snprintf(detail, sizeof detail, "%s: refused, a %s may not (needs a %s)", a->purpose,
                 role, a->need);
        if ((err = audit_attempt(d, a, "auth.denied", detail)))
            return err;
        if (strcmp(a->need, "admin") == 0)
            return cp_fail(CP_ERR_AUTH, "%s is a %s: %s needs an admin", a->name,
                           names_builtin(NAMES_ROLE, role), a->purpose);
        return cp_fail(CP_ERR_AUTH, "%s is a %s: %s needs a %s or an admin", a->name,
                       names_builtin(NAMES_ROLE, role), a->purpose,
                       names_builtin(NAMES_ROLE, a->need));
    }
    return CP_OK;
}

cp_err users_list(db *d, cp_err (*fn)(const users_row *row, void *arg), void *arg)
{
    static const char sql[] =
        "SELECT u.name, u.role, u.active, coalesce(f.failures, 0),"
        " CASE WHEN f.locked_until > ? THEN f.locked_until ELSE '' END"
        " FROM users u LEFT JOIN pin_failures f ON f.name = u.name ORDER BY u.name";
    db_stmt *st = db_prepare(d, sql);
    char now[CP_TIME_ISO_LEN];
    cp_time t;
    cp_err err = CP_OK;
    int rc = DB_DONE;

    if (!st)
        return CP_ERR_DB;
    if ((err = clock_now(&t)))
        return err;
    clock_iso(&t, now);
    db_bind_text(st, 1, now);
    while (!err && (rc = db_step(st)) == DB_ROW) {
        users_row r = {
            .name = db_col_text(st, 0),
            .role = db_col_text(st, 1),
            .active = db_col_int(st, 2),
            .failures = db_col_int(st, 3),
            .locked_until = db_col_text(st, 4),
        };
        err = fn(&r, arg);
    }
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading users");
    db_reset(st);
    return err;
}
