/* Unit tests for core/db and core/schema: migrations, pragmas, old and new files, copying columns, both engines.
 *
 * The tests of SQLite files themselves (missing, old, newer, private, not a
 * database, the pragmas) run on SQLite only: with CLEANPLATE_TEST_PG set they
 * are skipped, having run in the SQLite pass. The others open the fixture's
 * store, on PostgreSQL when CLEANPLATE_TEST_PG names a server; a few are
 * about PostgreSQL alone (a lost connection, the write lock's timeout, a
 * disabled trigger) and are skipped without one. */
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
#include <sys/wait.h>
#include <time.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/db.h"
#include "core/ledger.h"
#include "core/schema.h"
#include "core/storecopy.h"
#include "core/utf8.h"
#include "core/verify.h"
#include "tests/unit/helpers/fixture.h"

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

/* Sets the schema version of d as the engine keeps it (only for making an
 * old store in a test: the door's db_migrate is the one writer of it). */
static void set_version(db *d, int v)
{
    char sql[256];
    if (db_dialect_of(d) == DB_DIALECT_PG)
        snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS schema_version (one BOOLEAN"
                 " PRIMARY KEY DEFAULT TRUE CHECK (one), version INTEGER NOT NULL);"
                 "DELETE FROM schema_version; INSERT INTO schema_version(version) VALUES (%d)", v);
    else
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    assert_int_equal(db_exec(d, sql), CP_OK);
}

/* A new store at target of schema version v, open (an old store in a test). */
static db *store_at_version(const char *target, int v)
{
    db *d = NULL;
    assert_int_equal(db_open(target, DB_OPEN_CREATE, &d), CP_OK);
    for (int i = 1; i <= v; i++)
        assert_int_equal(db_exec(d, schema_migration(i, db_dialect_of(d))), CP_OK);
    set_version(d, v);
    return d;
}

/* A store of version 3, with events written before events were entered in
 * the audit chain: the migration enters each of them once, and verify then
 * finds nothing wrong; an edit made after is found. On either engine. */
static void test_old_events_enter_the_chain(void **state)
{
    const char *target = fixture_new_store();
    db *d = store_at_version(target, 3);
    long problems;
    FILE *devnull = fopen("/dev/null", "w");
    (void)state;
    assert_int_equal(db_exec(d,
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
        " '2026-11-04T09:00:00');"),
        CP_OK);
    db_close(d);
    assert_int_equal(db_open(target, DB_OPEN_EXISTING, &d), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "run `cleanplate-office init` to migrate"));
    assert_int_equal(db_open(target, DB_OPEN_CREATE, &d), CP_OK);
    *state = d;
    assert_int_equal(db_migrate(d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK); /* harmless the second time */
    /* 2 sales, 1 void, 3 money events */
    assert_int_equal(one_db(d, "SELECT count(*) FROM audit WHERE content IS NOT NULL"),
                     6);
    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 0);
    fixture_drop_trigger(d, "ledger_no_update", "ledger");
    assert_int_equal(db_exec(d, "UPDATE ledger SET amount_fen = 900 WHERE id = 'aa11';"
                                  "UPDATE ledger SET amount_fen = 1100 WHERE id = 'dd44';"),
                     CP_OK);
    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 3); /* two events changed, one guard gone */
    fclose(devnull);
}

/* A store of version 16 keeps its prices when it gains their history
 * (version 17): each is entered as in effect from the start, so that an
 * offline charge tapped before the next price change is charged it; the
 * history is append-only; its rolled-up days are summed again. On either
 * engine. */
static void test_prices_enter_their_history(void **state)
{
    const char *target = fixture_new_store();
    db *d = store_at_version(target, 16);
    (void)state;
    assert_int_equal(db_exec(d,
        "INSERT INTO canteens VALUES (1, 'C1', 'c');"
        "INSERT INTO meal_periods VALUES (1, 1, 'lunch', 660, 810);"
        "INSERT INTO prices VALUES (1, 'staff', 800);"
        "INSERT INTO prices VALUES (1, 'guest', 1500);"
        "INSERT INTO rollup_days VALUES ('2026-11-02', 10);"),
        CP_OK);
    db_close(d);
    assert_int_equal(db_open(target, DB_OPEN_CREATE, &d), CP_OK);
    *state = d;
    assert_int_equal(db_migrate(d), CP_OK);
    assert_int_equal(one_db(d, "SELECT count(*) FROM price_history WHERE from_at = ''"
                               " AND ((category = 'staff' AND price_fen = 800)"
                               "  OR (category = 'guest' AND price_fen = 1500))"), 2);
    assert_int_equal(db_exec(d, "UPDATE price_history SET price_fen = 1"), CP_ERR_EXISTS);
    assert_int_equal(db_exec(d, "DELETE FROM price_history"), CP_ERR_EXISTS);
    assert_int_equal(one_db(d, "SELECT count(*) FROM price_history"), 2);
    /* a day's sums count a tray whose meal came later since version 17:
     * the days rolled up before are summed again (verify found them
     * differing from their records after an upgrade) */
    assert_int_equal(one_db(d, "SELECT count(*) FROM rollup_days"), 0);
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
    db *d = *state = fixture_open();
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
}

/* ---- the door on either engine ------------------------------------------- */

static int store_teardown(void **state)
{
    fixture_close(*state);
    *state = NULL;
    return 0;
}

/* ? and ?N are the door's placeholders on both engines; inside a string or
 * a comment a ? is text. A bare ? after ?2 is the third, as SQLite counts. */
static void test_placeholders_and_quotes(void **state)
{
    db *d = *state = fixture_open();
    db_stmt *st;

    assert_non_null(st = db_prepare(d, "SELECT '?' || ?2, '--?', ?1 || 'it''s?', ? /* ? */ -- ?\n"));
    assert_int_equal(db_col_count(st), 4); /* known before the first step */
    db_bind_text(st, 1, "a");
    db_bind_text(st, 2, "b");
    db_bind_text(st, 3, "c");
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "?b");
    assert_string_equal(db_col_text(st, 1), "--?");
    assert_string_equal(db_col_text(st, 2), "ait's?");
    assert_string_equal(db_col_text(st, 3), "c");
    assert_int_equal(db_step(st), DB_DONE);
    /* stepped again after its end, a statement runs again (as SQLite's do) */
    assert_int_equal(db_step(st), DB_ROW);
    db_reset(st);
    /* an unbound parameter is NULL; a comparison reads as 1 or 0 */
    assert_non_null(st = db_prepare(d, "SELECT CAST(?1 AS TEXT) IS NULL, 2 > 1, 1 > 2"));
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int(st, 0), 1);
    assert_int_equal(db_col_int(st, 1), 1);
    assert_int_equal(db_col_int(st, 2), 0);
    db_reset(st);
}

/* db_changes counts the rows of the last INSERT, UPDATE or DELETE, and a
 * SELECT in between does not change it; RETURNING gives rows to step. */
static void test_changes_and_returning(void **state)
{
    db *d = *state = fixture_open();
    db_stmt *st;
    int64_t seq;

    assert_non_null(st = db_prepare(d, "UPDATE wallets SET cash_fen = cash_fen + 1"
                                       " WHERE diner_id <= ?"));
    db_bind_int(st, 1, 2);
    assert_int_equal(db_step(st), DB_DONE);
    db_reset(st);
    assert_int_equal(db_changes(d), 2);
    assert_int_equal(one_db(d, "SELECT count(*) FROM wallets"), 4);
    assert_int_equal(db_changes(d), 2);
    assert_non_null(st = db_prepare(d, "UPDATE terminals SET next_seq = next_seq + 1"
                                       " WHERE code = ? RETURNING next_seq - 1"));
    db_bind_text(st, 1, "POS2");
    assert_int_equal(db_step_int64(d, st, &seq), CP_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(db_changes(d), 1);
}

/* A lazy transaction commits and rolls back as any other, and the one
 * after it waits for the disk again (SQLite: synchronous back to FULL; on
 * PostgreSQL SET LOCAL ends with its transaction). */
static void test_lazy_transaction(void **state)
{
    db *d = *state = fixture_open();
    int64_t before = one_db(d, "SELECT count(*) FROM terminals");
    /* the test server may run with it off already: what matters is that it is as before */
    const char *sync_sql = "SELECT CASE setting WHEN 'off' THEN 0 ELSE 1 END FROM pg_settings"
                           " WHERE name = 'synchronous_commit'";
    int64_t sync = fixture_pg() ? one_db(d, sync_sql) : 2;

    assert_int_equal(db_begin_lazy(d), CP_OK);
    assert_int_equal(db_exec(d, "UPDATE terminals SET next_seq = next_seq + 10"), CP_OK);
    assert_int_equal(db_commit(d), CP_OK);
    assert_int_equal(one_db(d, "SELECT min(next_seq) FROM terminals") >= 10, 1);
    assert_int_equal(db_begin_lazy(d), CP_OK);
    assert_int_equal(db_exec(d, "DELETE FROM terminals WHERE code = 'POS2'"), CP_OK);
    db_rollback(d);
    assert_int_equal(one_db(d, "SELECT count(*) FROM terminals"), before);
    if (fixture_pg()) {
        assert_int_equal(db_begin_lazy(d), CP_OK);
        assert_int_equal(one_db(d, sync_sql), 0); /* off inside */
        assert_int_equal(db_commit(d), CP_OK);
        assert_int_equal(one_db(d, sync_sql), sync);
    } else {
        assert_int_equal(one_db(d, "PRAGMA synchronous"), sync); /* FULL again */
    }
}

/* The engines' errors become the project's: a statement that does not
 * prepare, a duplicate, a change to an append-only table. */
static void test_errors_are_translated(void **state)
{
    db *d = *state = fixture_open();

    assert_null(db_prepare(d, "SELEC 1"));
    assert_non_null(strstr(cp_detail(), "preparing a statement"));
    assert_int_equal(canteen_add(d, "C1", "again", "test"), CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), "already exists"));
    assert_int_equal(ledger_topup(d, "S001", 100, "test", NULL), CP_OK);
    assert_int_equal(db_exec(d, "UPDATE ledger SET amount_fen = 0"), CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), "append-only"));
    assert_int_equal(db_exec(d, "DELETE FROM audit"), CP_ERR_EXISTS);
    /* after a failed statement the connection goes on */
    assert_int_equal(ledger_topup(d, "S001", 100, "test", NULL), CP_OK);
}

/* Writers take turns: a second write transaction waits for the first and
 * then sees what it wrote, as the audit chain, ids_next and the limits of
 * a charge need. The first runs in another process. On PostgreSQL the lock
 * goes with a transaction's first statement (core/db.h): each runs one
 * before the other is timed. */
static void test_writers_take_turns(void **state)
{
    db *d = *state = fixture_open();
    struct timespec t0, t1, pause = {0, 300 * 1000000L};
    int ready[2], status;
    char c;
    pid_t pid;

    assert_int_equal(pipe(ready), 0);
    if ((pid = fork()) == 0) {
        db *other = NULL;
        int bad = db_open(fixture_path(), DB_OPEN_EXISTING, &other) != CP_OK ||
                  db_begin(other) != CP_OK ||
                  db_exec(other, "UPDATE canteens SET name = name WHERE code = 'C1'") != CP_OK;
        bad |= write(ready[1], "x", 1) != 1;
        nanosleep(&pause, NULL);
        bad |= db_exec(other, "INSERT INTO canteens(code, name) VALUES ('C9', 'late')") != CP_OK;
        bad |= db_commit(other) != CP_OK;
        db_close(other);
        _exit(bad);
    }
    assert_int_equal(read(ready[0], &c, 1), 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(db_begin(d), CP_OK);
    assert_int_equal(one_db(d, "SELECT count(*) FROM canteens WHERE code = 'C9'"), 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    db_rollback(d);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 200);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]);
    close(ready[1]);
}

/* init never fills another program's store with CleanPlate's tables. */
static void test_foreign_store_is_refused(void **state)
{
    const char *target = fixture_new_store();
    db *d = NULL;

    assert_int_equal(db_open(target, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_exec(d, "CREATE TABLE invoices (n INTEGER)"), CP_OK);
    db_close(d);
    assert_int_equal(db_open(target, DB_OPEN_CREATE, &d), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "another program's"));
    assert_null(d);
    *state = NULL;
    fixture_close(NULL);
}

/* A server that cannot be reached is busy, with nothing done, and the
 * password of the URI appears in no message. No server needed. */
static void test_unreachable_server_is_busy(void **state)
{
    db *d = NULL;
    (void)state;
    assert_int_equal(db_open("postgresql://cp:s3cret@127.0.0.1:1/canteen?connect_timeout=2",
                             DB_OPEN_EXISTING, &d), CP_ERR_BUSY);
    assert_non_null(strstr(cp_detail(), "unreachable"));
    assert_null(strstr(cp_detail(), "s3cret"));
    assert_null(d);
}

/* ---- PostgreSQL alone ------------------------------------------------------ */

/* A connection lost in a transaction fails its statements as busy, with
 * nothing done; the next transaction connects again and its statements,
 * prepared on the old connection, are prepared again. */
static void test_pg_lost_connection(void **state)
{
    db *d = *state = fixture_open(), *other = NULL;
    char sql[96];
    db_stmt *st;
    int64_t cash, subsidy;
    FILE *devnull;
    long problems;

    assert_int_equal(ledger_topup(d, "S001", 100, "test", NULL), CP_OK);
    assert_int_equal(db_open(fixture_path(), DB_OPEN_EXISTING, &other), CP_OK);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)",
             (long long)one_db(d, "SELECT pg_backend_pid()"));
    assert_non_null(st = db_prepare(d, "SELECT count(*) FROM ledger"));
    assert_int_equal(db_begin(d), CP_OK);
    assert_int_equal(db_exec(other, sql), CP_OK);
    db_close(other);
    assert_int_equal(db_step(st), DB_ERROR);
    assert_int_equal(db_fail(d, "counting"), CP_ERR_BUSY);
    assert_non_null(strstr(cp_detail(), "unreachable"));
    assert_non_null(strstr(cp_detail(), "nothing was done"));
    assert_true(db_in_txn(d));
    db_rollback(d);
    assert_false(db_in_txn(d));
    assert_int_equal(ledger_topup(d, "S001", 100, "test", NULL), CP_OK);
    assert_int_equal(ledger_balance(d, "S001", &cash, &subsidy, NULL), CP_OK);
    assert_int_equal(cash, 200);
    /* the event entered after reconnecting hashes the same rows */
    assert_non_null(devnull = fopen("/dev/null", "w"));
    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 0);
    fclose(devnull);
}

/* A writer that waits for the write lock longer than lock_timeout is busy
 * (the lock goes with its transaction's first statement, core/db.h). */
static void test_pg_lock_timeout_is_busy(void **state)
{
    db *d = *state = fixture_open(), *other = NULL;

    assert_int_equal(db_open(fixture_path(), DB_OPEN_EXISTING, &other), CP_OK);
    assert_int_equal(db_exec(other, "SET lock_timeout = '100ms'"), CP_OK);
    assert_int_equal(db_begin(d), CP_OK);
    assert_int_equal(one_db(d, "SELECT count(*) FROM canteens"), 1);
    /* the lock goes out with the first statement prepared too (a terminal's
     * first tap after it started): busy, not a database error */
    assert_int_equal(db_begin(other), CP_OK);
    assert_null(db_prepare(other, "SELECT count(*) FROM diners"));
    assert_int_equal(db_prepare_error(other), CP_ERR_BUSY);
    db_rollback(other);
    assert_int_equal(db_begin(other), CP_OK);
    assert_int_equal(db_exec(other, "SELECT 1"), CP_ERR_BUSY);
    assert_non_null(strstr(cp_detail(), "busy"));
    db_rollback(other);
    assert_false(db_in_txn(other));
    db_rollback(d);
    assert_int_equal(db_begin(other), CP_OK);
    assert_int_equal(db_exec(other, "SELECT 1"), CP_OK);
    db_rollback(other);
    db_close(other);
}

/* DB_OPEN_SHORT (the canteen server's connections) compiles nothing first:
 * jit is off on it, also after a lost connection, and on in others. */
static void test_pg_short_has_no_jit(void **state)
{
    static const char jit_off[] = "SELECT CASE WHEN current_setting('jit') = 'off' THEN 1 END";
    db *d = *state = fixture_open(), *quick = NULL;
    char sql[96];

    assert_int_equal(one_db(d, "SELECT CASE WHEN current_setting('jit') = 'on' THEN 1 END"), 1);
    assert_int_equal(db_open(fixture_path(), DB_OPEN_EXISTING | DB_OPEN_SHORT, &quick), CP_OK);
    assert_int_equal(one_db(quick, jit_off), 1);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)",
             (long long)one_db(quick, "SELECT pg_backend_pid()"));
    assert_int_equal(db_exec(d, sql), CP_OK);
    assert_int_equal(db_exec(quick, "SELECT 1"), CP_ERR_BUSY); /* lost: said, not hidden */
    assert_int_equal(one_db(quick, jit_off), 1);                 /* a new connection */
    db_close(quick);
}

/* A guard switched off (not dropped) guards nothing: verify says so. */
static void test_pg_disabled_guard_is_found(void **state)
{
    db *d = *state = fixture_open();
    FILE *devnull = fopen("/dev/null", "w");
    long problems;

    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 0);
    assert_int_equal(db_exec(d, "ALTER TABLE ledger DISABLE TRIGGER ledger_no_update"), CP_OK);
    assert_int_equal(verify_books(d, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 1);
    fclose(devnull);
}

/* A store copied into a new one holds the same rows and verifies; a row the
 * new store refuses leaves it empty (all or nothing); a store with rows is
 * refused. The original is a SQLite file; the copy is on the fixture's engine. */
static void test_store_copy(void **state)
{
    const char *target = fixture_new_store();
    char source[160], head[HASH_HEX_LEN];
    FILE *devnull = fopen("/dev/null", "w");
    db *from, *to = NULL;
    storecopy_res r;
    charge_res cr;
    long problems;

    snprintf(source, sizeof source, "%s/original.db", fixture_dir());
    from = fixture_open_at(source);
    assert_int_equal(ledger_topup(from, "S001", 5000, "test", NULL), CP_OK);
    assert_int_equal(ledger_charge(from, &(charge_req){.terminal = "POS1",
                                                       .card_no = "0000000001",
                                                       .request_id = "POS1:1", .actor = "c"},
                                   &cr), CP_OK);
    assert_int_equal(cr.result, CP_OK);
    assert_int_equal(audit_head(from, NULL, head), CP_OK);
    assert_int_equal(db_open(target, DB_OPEN_CREATE, &to), CP_OK);
    *state = to;
    assert_int_equal(db_migrate(to), CP_OK);
    /* the new store refuses the audit log's rows: nothing of the copy stays */
    fixture_refuse(to, "no_audit", "audit", "INSERT");
    assert_int_equal(storecopy_run(from, to, NULL, NULL, &r), CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), "copying audit"));
    assert_int_equal(one_db(to, "SELECT count(*) FROM canteens"), 0);
    assert_int_equal(one_db(to, "SELECT count(*) FROM sales"), 0);
    fixture_drop_trigger(to, "no_audit", "audit");
    /* the copy */
    assert_int_equal(storecopy_run(from, to, NULL, NULL, &r), CP_OK);
    assert_string_equal(r.head, head);
    assert_int_equal(r.cash_fen, 5000 - 800);
    assert_int_equal(one_db(to, "SELECT count(*) FROM sales"), 1);
    assert_int_equal(one_db(to, "SELECT count(*) FROM diner_month"), 1);
    assert_int_equal(verify_books(to, head, devnull, &problems), CP_OK);
    assert_int_equal(problems, 0);
    /* a store with rows is not copied into; the copy goes on as a store */
    assert_int_equal(storecopy_run(from, to, NULL, NULL, &r), CP_ERR_EXISTS);
    assert_non_null(strstr(cp_detail(), "already holds rows"));
    assert_int_equal(canteen_add(to, "C2", "二食堂", "test"), CP_OK); /* a new id */
    assert_int_equal(ledger_topup(to, "S002", 100, "test", NULL), CP_OK);
    assert_int_equal(verify_books(to, NULL, devnull, &problems), CP_OK);
    assert_int_equal(problems, 0);
    db_close(from);
    fixture_remove_file(source);
    fclose(devnull);
}

/* schema_tables names every table the migrations make: a store copy that
 * missed one would lose its rows. */
static void test_schema_tables_are_all(void **state)
{
    db *d = NULL;
    db_stmt *st;
    int n = 0, listed = 0;
    (void)state;
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_migrate(d), CP_OK);
    assert_non_null(st = db_prepare(d, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                       " AND name NOT LIKE 'sqlite%'"));
    while (db_step(st) == DB_ROW) {
        int found = 0;
        for (const schema_table *t = schema_tables; t->name; t++)
            found |= strcmp(t->name, db_col_text(st, 0)) == 0;
        if (!found)
            fail_msg("table %s is not in schema_tables", db_col_text(st, 0));
        n++;
    }
    db_reset(st);
    for (const schema_table *t = schema_tables; t->name; t++)
        listed++;
    assert_int_equal(n, listed);
    db_close(d);
}

int main(void)
{
    /* SQLite files themselves: in the SQLite pass only */
    const struct CMUnitTest files[] = {
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas_and_migrate_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_file_is_migrated_with_its_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_file_is_private, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_tables_are_all, setup, teardown),
    };
    /* the door, on the fixture's engine */
    const struct CMUnitTest door[] = {
        cmocka_unit_test_teardown(test_old_events_enter_the_chain, store_teardown),
        cmocka_unit_test_teardown(test_prices_enter_their_history, store_teardown),
        cmocka_unit_test_teardown(test_copy_col_cuts_on_characters, store_teardown),
        cmocka_unit_test_teardown(test_placeholders_and_quotes, store_teardown),
        cmocka_unit_test_teardown(test_changes_and_returning, store_teardown),
        cmocka_unit_test_teardown(test_lazy_transaction, store_teardown),
        cmocka_unit_test_teardown(test_errors_are_translated, store_teardown),
        cmocka_unit_test_teardown(test_writers_take_turns, store_teardown),
        cmocka_unit_test_teardown(test_foreign_store_is_refused, store_teardown),
        cmocka_unit_test(test_unreachable_server_is_busy),
        cmocka_unit_test_teardown(test_store_copy, store_teardown),
    };
    /* PostgreSQL alone: with CLEANPLATE_TEST_PG only */
    const struct CMUnitTest pg[] = {
        cmocka_unit_test_teardown(test_pg_lost_connection, store_teardown),
        cmocka_unit_test_teardown(test_pg_lock_timeout_is_busy, store_teardown),
        cmocka_unit_test_teardown(test_pg_short_has_no_jit, store_teardown),
        cmocka_unit_test_teardown(test_pg_disabled_guard_is_found, store_teardown),
    };
    int failed = cmocka_run_group_tests_name("door", door, NULL, NULL);

    if (fixture_pg())
        failed += cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
    else
        failed += cmocka_run_group_tests_name("sqlite files", files, NULL, NULL);
    return failed;
}
