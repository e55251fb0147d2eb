/* Unit tests for core/db and core/schema: migrations on user_version, pragmas, old and new files. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas_and_migrate_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_file_is_migrated_with_its_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
