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

#include "core/db.h"
#include "core/schema.h"
#include "core/utf8.h"

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

static int64_t one(sqlite3 *c, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
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
    assert_int_equal(one(db_handle(d), "PRAGMA user_version"), schema_version());
    assert_int_equal(one(db_handle(d), "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(one(db_handle(d), "PRAGMA foreign_keys"), 1);
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
    assert_int_equal(sqlite3_exec(c, schema_migration(1), NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, "PRAGMA user_version = 1;"
                                     "INSERT INTO canteens(code, name) VALUES ('C1', 'x')",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
    assert_int_equal(db_open(path, DB_OPEN_EXISTING, &d), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "run `cleanplate-office init` to migrate"));
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    assert_int_equal(one(db_handle(d), "PRAGMA user_version"), schema_version());
    assert_int_equal(one(db_handle(d), "SELECT count(*) FROM canteens"), 1);
    assert_int_equal(one(db_handle(d), "SELECT count(*) FROM waste_records"), 0);
    db_close(d);
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
    sqlite3_stmt *st;
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
        assert_non_null(st = db_stmt(d, "SELECT ?"));
        db_bind_text(st, 1, t);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
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
        sqlite3_reset(st);
    }
    assert_non_null(st = db_stmt(d, "SELECT NULL"));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    db_copy_col(out, sizeof out, st, 0);
    assert_string_equal(out, "");
    sqlite3_reset(st);
    db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas_and_migrate_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_file_is_migrated_with_its_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_col_cuts_on_characters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
