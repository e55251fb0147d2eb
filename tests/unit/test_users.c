/* Unit tests for core/users: PIN forms, the first admin, the lockout kept in the database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/users.h"
#include "tests/unit/helpers/fixture.h"

/* The users of every test: an admin (root, 135790), a manager (wang, 246810)
 * and a cashier (li, 1357). Their hashes are made once (each crypto_pwhash
 * takes ~0.3 s) and stored as users_add stores them. */
static const char *const people[][3] = {
    {"root", "admin", "135790"}, {"wang", "manager", "246810"}, {"li", "cashier", "1357"}};
static char hashes[3][crypto_pwhash_STRBYTES];

static int hash_people(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (crypto_pwhash_str(hashes[i], people[i][2], strlen(people[i][2]),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            return -1;
    return 0;
}

static int setup(void **state)
{
    static const char sql[] = "INSERT INTO users(name, role, pin_hash) VALUES (?, ?, ?)";
    db *d = fixture_open();
    for (int i = 0; i < 3; i++) {
        db_stmt *st = db_prepare(d, sql);
        assert_non_null(st);
        db_bind_text(st, 1, people[i][0]);
        db_bind_text(st, 2, people[i][1]);
        db_bind_text(st, 3, hashes[i]);
        assert_int_equal(db_step_done(d, st, "adding a user"), CP_OK);
    }
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

/* Types pin for name at the office (need: any role). */
static cp_err try_pin(db *d, const char *name, const char *pin, users_auth *out)
{
    users_attempt a = {.name = name, .pin = pin, .actor = "test", .purpose = "test"};
    return users_authenticate(d, &a, out);
}

static int64_t audits(db *d, const char *action, const char *subject)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s' AND subject = '%s'",
             action, subject);
    return fixture_int(d, sql);
}

static void test_pin_forms(void **state)
{
    db *d = *state;
    /* managers and admins: at least six digits; the others four */
    assert_int_equal(users_add(d, "m5", "manager", "12345", "root"), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "6 to 12 digits"));
    assert_int_equal(users_add(d, "a5", "admin", "12345", "root"), CP_ERR_INVALID);
    assert_int_equal(users_add(d, "m6", "manager", "123456", "root"), CP_OK);
    assert_int_equal(users_add(d, "k4", "kitchen", "1234", "wang"), CP_OK);
    assert_int_equal(users_add(d, "c3", "cashier", "123", "wang"), CP_ERR_INVALID);
    assert_int_equal(users_add(d, "c13", "cashier", "1234567890123", "wang"), CP_ERR_INVALID);
    assert_int_equal(users_add(d, "cx", "cashier", "12a4", "wang"), CP_ERR_INVALID);
    /* a new PIN follows the same rule */
    assert_int_equal(users_set_pin(d, "wang", "1234", "root"), CP_ERR_INVALID);
    assert_int_equal(users_set_pin(d, "li", "2468", "wang"), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM users WHERE name IN ('m5', 'a5', 'c3', "
                                    "'c13', 'cx')"), 0);
}

static void test_first_admin_only_once(void **state)
{
    db *d = *state;
    long n;
    assert_int_equal(users_add_first_admin(d, "second", "135790", "test"), CP_ERR_AUTH);
    assert_int_equal(users_count(d, &n), CP_OK);
    assert_int_equal(n, 3);
    assert_int_equal(audits(d, "user.add", "second"), 0);
}

/* The first user of a new database: an admin, audited as such. */
static void test_first_admin(void **state)
{
    db *d = fixture_open();
    users_auth auth;
    (void)state;
    assert_int_equal(users_add_first_admin(d, "boss", "975310", "setup"), CP_OK);
    assert_int_equal(try_pin(d, "boss", "975310", &auth), CP_OK);
    assert_string_equal(auth.role, "admin");
    assert_int_equal(audits(d, "user.add", "boss"), 1);
    assert_int_equal(users_add_first_admin(d, "boss2", "975310", "setup"), CP_ERR_AUTH);
    fixture_close(d);
}

/* Three wrong PINs lock the name; the count survives closing and opening the
 * database (a program quit and started again); while locked even the right
 * PIN is refused without being checked, and audited. */
static void test_failures_persist_and_lock(void **state)
{
    db *d = *state;
    users_auth auth;

    assert_int_equal(try_pin(d, "wang", "000000", &auth), CP_ERR_AUTH);
    assert_int_equal(auth.failures, 1);
    assert_int_equal(auth.tries, 1);
    assert_int_equal(auth.locked_s, 0);
    assert_non_null(strstr(cp_detail(), "wrong name or PIN for 'wang' (1 of 3"));
    assert_int_equal(try_pin(d, "wang", "111111", &auth), CP_ERR_AUTH);
    db_close(d);
    assert_int_equal(db_open(fixture_path(), DB_OPEN_EXISTING, &d), CP_OK);
    *state = d;
    assert_int_equal(try_pin(d, "wang", "222222", &auth), CP_ERR_AUTH);
    assert_int_equal(auth.failures, 3);
    assert_int_equal(auth.locked_now, 1);
    assert_int_equal(auth.locked_s, USERS_LOCK_S);
    assert_non_null(strstr(cp_detail(), "locked for 60 s"));
    db_close(d);
    assert_int_equal(db_open(fixture_path(), DB_OPEN_EXISTING, &d), CP_OK);
    *state = d;
    assert_int_equal(try_pin(d, "wang", "246810", &auth), CP_ERR_AUTH);
    assert_int_equal(auth.locked_now, 0);
    assert_int_equal(auth.locked_s, 60);
    assert_string_equal(auth.role, "");
    assert_non_null(strstr(cp_detail(), "is locked for 60 s more"));
    assert_int_equal(audits(d, "auth.failed", "wang"), 3);
    assert_int_equal(audits(d, "auth.locked", "wang"), 1);
    assert_int_equal(audits(d, "auth.refused", "wang"), 1);
    /* the others are not locked */
    assert_int_equal(try_pin(d, "root", "135790", &auth), CP_OK);
    assert_string_equal(auth.role, "admin");
}

/* The lock lasts the minute of the clock (CLEANPLATE_NOW), then the right
 * PIN works again and clears the count. */
static void test_lock_ends_after_the_minute(void **state)
{
    db *d = *state;
    users_auth auth;

    for (int i = 0; i < 3; i++)
        assert_int_equal(try_pin(d, "li", "0000", &auth), CP_ERR_AUTH);
    fixture_at("2026-11-20T12:00:59");
    assert_int_equal(try_pin(d, "li", "1357", &auth), CP_ERR_AUTH);
    assert_int_equal(auth.locked_s, 1);
    fixture_at("2026-11-20T12:01:00");
    assert_int_equal(try_pin(d, "li", "1357", &auth), CP_OK);
    assert_string_equal(auth.role, "cashier");
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM pin_failures"), 0);
    /* the count starts again from nothing */
    assert_int_equal(try_pin(d, "li", "0000", &auth), CP_ERR_AUTH);
    assert_int_equal(auth.failures, 1);
}

/* Types three wrong PINs for wang at time at; returns the lock they set. */
static int three_wrong(db *d, const char *at)
{
    users_auth auth;
    fixture_at(at);
    for (int i = 0; i < 3; i++)
        assert_int_equal(try_pin(d, "wang", "000000", &auth), CP_ERR_AUTH);
    assert_int_equal(auth.locked_now, 1);
    return auth.locked_s;
}

/* A lock that comes again without a right PIN in between lasts twice as long,
 * up to an hour; a right PIN brings it back to a minute. */
static void test_repeated_locks_grow(void **state)
{
    db *d = *state;
    users_auth auth;

    assert_int_equal(three_wrong(d, "2026-11-20T12:00:00"), 60);
    assert_int_equal(three_wrong(d, "2026-11-20T12:01:00"), 120);
    /* the 7th lock in a row (each PIN check costs ~0.3 s: the 5 between are
     * counted in the table, as they would have been) */
    assert_int_equal(db_exec(d, "UPDATE pin_failures SET failures = 18, locked_until = NULL"),
                     CP_OK);
    assert_int_equal(three_wrong(d, "2026-11-20T12:03:00"), 3600);
    fixture_at("2026-11-20T14:03:00");
    assert_int_equal(try_pin(d, "wang", "246810", &auth), CP_OK);
    assert_int_equal(three_wrong(d, "2026-11-20T14:03:00"), 60);
}

/* A name nobody has is answered, counted, locked and audited like a wrong
 * PIN: the answers do not tell which names exist. */
static void test_unknown_name_like_wrong_pin(void **state)
{
    db *d = *state;
    users_auth auth;
    char unknown[3][256];

    for (int i = 0; i < 3; i++) {
        assert_int_equal(try_pin(d, "zhao", "1357", &auth), CP_ERR_AUTH);
        snprintf(unknown[i], sizeof unknown[i], "%s", cp_detail());
    }
    assert_int_equal(auth.locked_now, 1);
    assert_int_equal(audits(d, "auth.failed", "zhao"), 3);
    assert_int_equal(audits(d, "auth.locked", "zhao"), 1);
    /* the same answers for a name that exists (added after, so that the name
     * is the same) */
    fixture_at("2026-11-20T12:05:00");
    assert_int_equal(users_add(d, "zhao", "cashier", "2468", "wang"), CP_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(try_pin(d, "zhao", "1357", &auth), CP_ERR_AUTH);
        assert_string_equal(cp_detail(), unknown[i]);
    }
    /* a disabled user is a name nobody has */
    fixture_at("2026-11-20T12:10:00");
    assert_int_equal(users_disable(d, "li", "wang"), CP_OK);
    assert_int_equal(try_pin(d, "li", "1357", &auth), CP_ERR_AUTH);
    assert_non_null(strstr(cp_detail(), "wrong name or PIN for 'li' (1 of 3"));
}

/* The right PIN of a role that is not enough: refused and audited, not a
 * wrong PIN. */
static void test_role_not_enough(void **state)
{
    db *d = *state;
    users_attempt a = {.name = "li", .pin = "1357", .need = "manager", .terminal = "POS1",
                       .actor = "li", .purpose = "void POS1-000001"};
    users_auth auth;

    assert_int_equal(users_authenticate(d, &a, &auth), CP_ERR_AUTH);
    assert_int_equal(auth.denied, 1);
    assert_int_equal(auth.failures, 0);
    assert_string_equal(auth.role, "cashier");
    assert_non_null(strstr(cp_detail(), "li is a cashier: void POS1-000001 needs a manager"));
    assert_int_equal(audits(d, "auth.denied", "li"), 1);
    a.name = "wang";
    a.pin = "246810";
    assert_int_equal(users_authenticate(d, &a, &auth), CP_OK);
    a.need = "admin";
    assert_int_equal(users_authenticate(d, &a, &auth), CP_ERR_AUTH);
    assert_int_equal(auth.denied, 1);
}

/* A wrong PIN, its count and its audit entry are one transaction: when the
 * audit entry cannot be written, the count does not move either. */
static void test_failure_is_one_transaction(void **state)
{
    db *d = *state;
    users_auth auth;

    fixture_refuse(d, "no_audit", "audit", "INSERT");
    assert_int_not_equal(try_pin(d, "wang", "000000", &auth), CP_OK);
    assert_int_equal(fixture_int(d, "SELECT count(*) FROM pin_failures"), 0);
    fixture_drop_trigger(d, "no_audit", "audit");
    assert_int_equal(try_pin(d, "wang", "000000", &auth), CP_ERR_AUTH);
    assert_int_equal(auth.failures, 1);
}

static void test_disable_and_new_pin(void **state)
{
    db *d = *state;
    users_auth auth;

    /* the last active admin stays */
    assert_int_equal(users_disable(d, "root", "root"), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "last active admin"));
    assert_int_equal(users_add(d, "root2", "admin", "975310", "root"), CP_OK);
    assert_int_equal(users_disable(d, "root", "root2"), CP_OK);
    assert_int_equal(users_disable(d, "root", "root2"), CP_ERR_NOT_FOUND);
    assert_int_equal(audits(d, "user.disable", "root"), 1);
    /* a new PIN lifts a lock */
    for (int i = 0; i < 3; i++)
        assert_int_equal(try_pin(d, "li", "0000", &auth), CP_ERR_AUTH);
    assert_int_equal(users_set_pin(d, "li", "8642", "wang"), CP_OK);
    assert_int_equal(try_pin(d, "li", "8642", &auth), CP_OK);
    assert_int_equal(audits(d, "user.pin", "li"), 1);
    assert_int_equal(users_set_pin(d, "root", "135791", "root2"), CP_ERR_NOT_FOUND);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pin_forms),
        T(test_first_admin_only_once),
        cmocka_unit_test(test_first_admin),
        T(test_failures_persist_and_lock),
        T(test_lock_ends_after_the_minute),
        T(test_repeated_locks_grow),
        T(test_unknown_name_like_wrong_pin),
        T(test_role_not_enough),
        T(test_failure_is_one_transaction),
        T(test_disable_and_new_pin),
    };
    return cmocka_run_group_tests(tests, hash_people, NULL);
}
