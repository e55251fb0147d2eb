/* Unit tests for core/roles: the store's three PostgreSQL roles, their names and passwords, what the terminals' and the servers' roles may do, and what verify says of a grant too many. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/roles.h"
#include "tests/unit/helpers/fixture.h"

static int setup(void **state)
{
    *state = fixture_open();
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(roles_check_name("cleanplate_office", "office-role"), CP_OK);
    assert_int_equal(roles_check_name("c2", "office-role"), CP_OK);
    assert_int_equal(roles_check_name("", "office-role"), CP_ERR_INVALID);
    assert_int_equal(roles_check_name("2c", "office-role"), CP_ERR_INVALID);
    assert_int_equal(roles_check_name("Office", "office-role"), CP_ERR_INVALID);
    assert_int_equal(roles_check_name("office; DROP TABLE sales", "office-role"), CP_ERR_INVALID);
    assert_int_equal(roles_check_name("pg_monitor", "terminal-role"), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "--terminal-role 'pg_monitor'"));
    assert_int_equal(roles_check_name("a234567890123456789012345678901234567890123456789012345678901234",
                                      "office-role"), CP_ERR_INVALID);
}

/* Passwords are counted in characters, and never named in a message. */
static void test_passwords(void **state)
{
    (void)state;
    assert_int_equal(roles_check_password("r", "twelve chars"), CP_OK);
    assert_int_equal(roles_check_password("r", "eleven char"), CP_ERR_INVALID);
    assert_null(strstr(cp_detail(), "eleven"));
    assert_non_null(strstr(cp_detail(), "11 characters"));
    /* 12 characters in 36 bytes; 11 in 33 */
    assert_int_equal(roles_check_password("r", "食堂的口令是不能告诉别人"), CP_OK);
    assert_int_equal(roles_check_password("r", "食堂的口令是不能告诉别"), CP_ERR_INVALID);
    assert_int_equal(roles_check_password("r", "twelve\tchars"), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "control character"));
}

/* On SQLite there are no roles to make; verify and init have nothing to do. */
static void test_sqlite_has_none(void **state)
{
    db *d = *state;
    long problems = 0;
    roles_set set = {{"o", "t", "s"}, {"office-secret-1", "terminal-secret", "server-secret-1"}};

    if (db_dialect_of(d) != DB_DIALECT_SQLITE)
        skip();
    assert_int_equal(roles_create(d, &set), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "roles are PostgreSQL's"));
    assert_int_equal(roles_refresh(d), CP_OK);
    assert_int_equal(roles_verify(d, stdout, &problems), CP_OK);
    assert_int_equal(problems, 0);
}

static int64_t may(db *d, const char *role, const char *table, const char *right)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT has_table_privilege('%s', '%s', '%s')", role, table, right);
    return fixture_int(d, sql);
}

/* The roles on PostgreSQL: the office owns the store; the terminals' role
 * appends events and changes a wallet, never an event, and cannot read the
 * networked terminals' keys; the servers' role may also read those and keep
 * the terminals' events; a grant too many is found by verify and taken back
 * by the next init, which tells the two roles apart by what they hold. */
static void test_on_postgresql(void **state)
{
    static const char *const events[] = {"sales", "sale_lines", "ledger", "voids",
                                          "charge_requests", "audit", "waste_records",
                                          "shift_events", "publications", "publication_rows",
                                          "purchases", "stock_counts", "terminal_events"};
    static const char *const servers_only[] = {"terminal_keys", "terminal_events",
                                                "terminal_status", "terminal_refusals",
                                                "terminal_alarms", "terminal_alarm_acks",
                                                "terminal_skips"};
    db *d = *state;
    char office[32], terminal[32], server[32], sql[512];
    roles_set set = {{office, terminal, server},
                     {"office-secret-1", "terminal-secret", "server-secret-1"}};
    long problems = 0;
    FILE *report;

    if (db_dialect_of(d) != DB_DIALECT_PG)
        skip();
    /* roles are the server's: names of this run's own */
    snprintf(office, sizeof office, "cpu_office_%ld", (long)getpid());
    snprintf(terminal, sizeof terminal, "cpu_terminal_%ld", (long)getpid());
    snprintf(server, sizeof server, "cpu_server_%ld", (long)getpid());
    set.name[ROLES_FOR_SERVERS] = office;
    assert_int_equal(roles_create(d, &set), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "three names"));
    set.name[ROLES_FOR_SERVERS] = server;
    assert_int_equal(roles_create(d, &set), CP_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
             " AND tableowner <> '%s'", office);
    assert_int_equal(fixture_int(d, sql), 0);
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        assert_int_equal(may(d, server, events[i], "SELECT"), 1);
        for (int k = 0; k < 2; k++) {
            const char *role = k ? server : terminal;

            assert_int_equal(may(d, role, events[i], "UPDATE"), 0);
            assert_int_equal(may(d, role, events[i], "DELETE"), 0);
            assert_int_equal(may(d, role, events[i], "TRUNCATE"), 0);
        }
    }
    for (size_t i = 0; i < sizeof servers_only / sizeof servers_only[0]; i++) {
        assert_int_equal(may(d, terminal, servers_only[i], "SELECT"), 0);
        assert_int_equal(may(d, server, servers_only[i], "SELECT"), 1);
    }
    assert_int_equal(may(d, terminal, "sales", "INSERT"), 1);
    assert_int_equal(may(d, server, "sales", "INSERT"), 1);
    assert_int_equal(may(d, server, "terminal_events", "INSERT"), 1);
    assert_int_equal(may(d, terminal, "purchases", "INSERT"), 0);
    assert_int_equal(may(d, server, "purchases", "INSERT"), 0);
    assert_int_equal(may(d, terminal, "diners", "UPDATE"), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM information_schema.column_privileges"
             " WHERE table_schema = current_schema() AND table_name = 'wallets'"
             " AND privilege_type = 'UPDATE' AND grantee IN ('%s', '%s')", terminal, server);
    assert_int_equal(fixture_int(d, sql), 4);
    /* made again: new passwords, the same rights */
    set.password[ROLES_FOR_OFFICE] = "office-secret-2";
    set.password[ROLES_FOR_TERMINALS] = "terminal-secret2";
    set.password[ROLES_FOR_SERVERS] = NULL; /* it exists: it keeps its own */
    assert_int_equal(roles_create(d, &set), CP_OK);
    assert_int_equal(roles_verify(d, stdout, &problems), CP_OK);
    assert_int_equal(problems, 0);

    snprintf(sql, sizeof sql, "GRANT UPDATE, DELETE ON sales TO %s; GRANT TRUNCATE ON audit TO %s;"
             " GRANT SELECT ON terminal_keys TO %s", terminal, terminal, terminal);
    assert_int_equal(db_exec(d, sql), CP_OK);
    report = tmpfile();
    assert_non_null(report);
    assert_int_equal(roles_verify(d, report, &problems), CP_OK);
    assert_int_equal(problems, 3); /* sales, audit, and the keys read by the terminals' role */
    fclose(report);
    /* the next init takes them back, and keeps each role's own rights */
    assert_int_equal(roles_refresh(d), CP_OK);
    problems = 0;
    assert_int_equal(roles_verify(d, stdout, &problems), CP_OK);
    assert_int_equal(problems, 0);
    assert_int_equal(may(d, terminal, "sales", "INSERT"), 1);
    assert_int_equal(may(d, terminal, "terminal_keys", "SELECT"), 0);
    assert_int_equal(may(d, server, "terminal_keys", "SELECT"), 1);
    assert_int_equal(may(d, server, "terminal_events", "INSERT"), 1);

    /* a store whose roles were made before the servers' role: its terminals'
     * role does both jobs; verify passes and warns, as init does */
    snprintf(sql, sizeof sql, "REVOKE ALL ON sales FROM %s; GRANT SELECT ON terminal_keys,"
             " terminal_events TO %s; GRANT INSERT ON terminal_events TO %s", server, terminal,
             terminal);
    assert_int_equal(db_exec(d, sql), CP_OK);
    report = tmpfile();
    assert_non_null(report);
    problems = 0;
    assert_int_equal(roles_verify(d, report, &problems), CP_OK);
    assert_int_equal(problems, 0);
    {
        char text[1024] = "";
        rewind(report);
        assert_true(fread(text, 1, sizeof text - 1, report) > 0);
        assert_non_null(strstr(text, "WARNING: rights: the role cpu_terminal_"));
        assert_non_null(strstr(text, "init --create-roles"));
    }
    fclose(report);

    snprintf(sql, sizeof sql, "DROP OWNED BY %s, %s, %s CASCADE; DROP ROLE %s; DROP ROLE %s;"
             " DROP ROLE %s", office, terminal, server, office, terminal, server);
    assert_int_equal(db_exec(d, sql), CP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test_setup_teardown(test_sqlite_has_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_on_postgresql, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
