/* Unit tests for core/db and core/schema: migrations on user_version, pragmas, old and new files, copying columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include "core/db.h"
#include "core/schema.h"
#include "core/utf8.h"
#include "core/verify.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/cp-db-test-%d.db", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    char p[80];
    (void)state;
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    return 0;
}

/* The one integer sql yields, through the store's door. */
static int64_t one_db(db *d, const char *sql)
{
    db_stmt *st;
    int64_t v = -1;
    assert_int_equal(db_prepare_once(d, sql, &st), CP_OK);
    if (db_step(st) == DB_ROW)
        v = db_col_int64(st, 0);
    db_finalize(st);
    return v;
}


static void test_missing_file(void **state)
{
    db *d = NULL;
    (void)state;
    assert_int_equal(db_open(path, DB_OPEN_EXISTING, &d), CP_ERR_NOT_FOUND);
    assert_non_null(strstr(cp_detail(), "cleanplate-office init"));
    assert_null(d);
}

static void test_pragmas_and_migrate_twice(void **state)
{
    db *d = NULL;
    (void)state;
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    assert_int_equal(one_db(d, "PRAGMA user_version"), schema_version());
    assert_int_equal(one_db(d, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(one_db(d, "PRAGMA foreign_keys"), 1);
    db_close(d);
    assert_int_equal(db_open(path, DB_OPEN_EXISTING, &d), CP_OK);
    db_close(d);
}

static void test_old_file_is_migrated_with_its_data(void **state)
{
    sqlite3 *c;
    db *d = NULL;
    (void)state;
    /* a database left at version 1, with a canteen in it */
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, schema_migration(1, DB_DIALECT_SQLITE), NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, "PRAGMA user_version = 1;"
                                     "INSERT INTO canteens(code, name) VALUES ('C1', 'x')",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
    assert_int_equal(db_open(path, DB_OPEN_EXISTING, &d), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "run `cleanplate-office init` to migrate"));
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    assert_int_equal(one_db(d, "PRAGMA user_version"), schema_version());
    assert_int_equal(one_db(d, "SELECT count(*) FROM canteens"), 1);
    assert_int_equal(one_db(d, "SELECT count(*) FROM waste_records"), 0);
    db_close(d);
}

/* A store of version 3, with events written before events were entered in
 * the audit chain: the migration enters each of them once, and verify then
 * finds nothing wrong; an edit made after is found. */
static void test_old_events_enter_the_chain(void **state)
{
    sqlite3 *c;
    db *d = NULL;
    long problems;
    FILE *devnull = fopen("/dev/null", "w");
    (void)state;
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    for (int v = 1; v <= 3; v++)
        assert_int_equal(sqlite3_exec(c, schema_migration(v, DB_DIALECT_SQLITE), NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c,
        "PRAGMA user_version = 3;"
        "INSERT INTO canteens VALUES (1, 'C1', 'c');"
        "INSERT INTO terminals VALUES (1, 'POS1', 1, 'pos', 3);"
        "INSERT INTO departments VALUES (1, 'D1', 'd', NULL);"
        "INSERT INTO diners VALUES (1, 'S1', 'n', 1, 'staff', 'active');"
        "INSERT INTO wallets VALUES (1, 200, 0);"
        "INSERT INTO ledger VALUES ('aa11', 1, 'cash', 1000, 'topup', NULL, NULL, NULL, 'o',"
        " '2026-11-01T09:00:00');"
        "INSERT INTO sales VALUES ('POS1-000001', 'POS1', 1, '0000000001', 1, 1, 'staff', NULL,"
        " '2026-11-02', 'meal', 800, 0, 800, 'x', '2026-11-02T12:00:00');"
        "INSERT INTO ledger VALUES ('POS1-000001.c', 1, 'cash', -800, 'charge', 'POS1-000001',"
        " NULL, 'POS1', 'x', '2026-11-02T12:00:00');"
        "INSERT INTO charge_requests VALUES ('POS1:1', 'POS1', '0000000001', 'ok',"
        " 'POS1-000001', '2026-11-02T12:00:00');"
        "INSERT INTO sales VALUES ('POS1-000002', 'POS1', 1, '0000000001', 1, 1, 'staff', NULL,"
        " '2026-11-03', 'meal', 800, 0, 800, 'x', '2026-11-03T12:00:00');"
        "INSERT INTO ledger VALUES ('POS1-000002.c', 1, 'cash', -800, 'charge', 'POS1-000002',"
        " NULL, 'POS1', 'x', '2026-11-03T12:00:00');"
        "INSERT INTO voids VALUES ('bb22', 'POS1-000002', NULL, 'm', 'r', '2026-11-03T12:05:00');"
        "INSERT INTO ledger VALUES ('bb22.1', 1, 'cash', 800, 'void', 'POS1-000002', NULL, NULL,"
        " 'm', '2026-11-03T12:05:00');"
        "INSERT INTO ledger VALUES ('cc33', 1, 'cash', -1000, 'refund', NULL, NULL, NULL, 'o',"
        " '2026-11-04T09:00:00');"
        "INSERT INTO ledger VALUES ('dd44', 1, 'cash', 1000, 'topup', NULL, NULL, NULL, 'o',"
        " '2026-11-04T09:00:00');",
        NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    /* 2 sales, 1 void, 3 money events */
    assert_int_equal(one_db(d, "SELECT count(*) FROM audit WHERE content IS NOT NULL"),
                     6);
    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 0);
    assert_int_equal(db_exec(d, "DROP TRIGGER ledger_no_update;"
                                  "UPDATE ledger SET amount_fen = 900 WHERE id = 'aa11';"
                                  "UPDATE ledger SET amount_fen = 1100 WHERE id = 'dd44';"),
                     CP_OK);
    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 3); /* two events changed, one guard gone */
    db_close(d);
    fclose(devnull);
}

/* A new store's file is for its owner and group only. */
static void test_new_file_is_private(void **state)
{
    struct stat sb;
    db *d = NULL;
    mode_t old = umask(022);
    (void)state;
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    db_close(d);
    umask(old);
    assert_int_equal(stat(path, &sb), 0);
    /* the umask may take the group's write; others never get anything */
    assert_int_equal(sb.st_mode & 0777, 0640);
}

static void test_newer_file_is_refused(void **state)
{
    sqlite3 *c;
    db *d = NULL;
    (void)state;
    assert_int_equal(sqlite3_open(path, &c), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
    assert_int_equal(db_open(path, DB_OPEN_EXISTING, &d), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "newer"));
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_ERR_INVALID);
    db_close(d);
}

static void test_not_a_database(void **state)
{
    FILE *f = fopen(path, "w");
    db *d = NULL;
    (void)state;
    fputs("this is a text file, not SQLite, and it is long enough to have a header.....", f);
    fclose(f);
    assert_int_not_equal(db_open(path, DB_OPEN_EXISTING, &d), CP_OK);
    assert_null(d);
}

/* db_copy_col into every size of buffer: a name of 3- and 4-byte characters
 * (and one whose 4-byte character lies across byte 127, where the old
 * 128-byte fields cut) comes out as valid UTF-8, a prefix of the column,
 * marked "…" when cut, and whole when it fits. */
static void test_copy_col_cuts_on_characters(void **state)
{
    static const char *const texts[] = {
        "欧阳娜娜·阿不都热合曼·买买提", "a𠜎𠜱𠝹𠱓𠱸𠲖𠳏𠳕𠴕𠵼𠵿𠸎𠸏𠹷𠺝𠺢𠻗𠻹𠻺𠼭𠼮𠽌𠾴𠾼𠿪𡁜𡁯𡁵𡁶𡁻𡃁𡃉",
        "Zoe\xcc\x88 Ange\xcc\x81lique", "مُحَمَّدٌ عَبْدُ الرَّحْمٰنِ",
    };
    char big[256], out[256];
    db_stmt *st;
    db *d = NULL;
    (void)state;
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0] + 1; i++) {
        const char *t = texts[i % (sizeof texts / sizeof texts[0])];
        size_t len;
        if (i == sizeof texts / sizeof texts[0]) { /* 𠜎 over bytes 126-129 */
            memset(big, 'x', 126);
            strcpy(big + 126, "𠜎𠜱");
            t = big;
        }
        len = strlen(t);
        assert_non_null(st = db_prepare(d, "SELECT ?"));
        db_bind_text(st, 1, t);
        assert_int_equal(db_step(st), DB_ROW);
        for (size_t size = 1; size <= len + 1; size++) {
            size_t n;
            memset(out, 0x55, sizeof out);
            db_copy_col(out, size, st, 0);
            n = strlen(out);
            assert_true(n < size);
            assert_true(utf8_valid(out, n));
            if (size > len) {
                assert_string_equal(out, t);
                continue;
            }
            if (size > 3) {
                assert_string_equal(out + n - 3, UTF8_ELLIPSIS);
                n -= 3;
            }
            assert_memory_equal(out, t, n);
        }
        db_reset(st);
    }
    assert_non_null(st = db_prepare(d, "SELECT NULL"));
    assert_int_equal(db_step(st), DB_ROW);
    db_copy_col(out, sizeof out, st, 0);
    assert_string_equal(out, "");
    db_reset(st);
    db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas_and_migrate_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_file_is_migrated_with_its_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_events_enter_the_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_file_is_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_col_cuts_on_characters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
