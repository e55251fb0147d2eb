/* fixture: a small canteen in a fresh temporary database, for unit tests.
 *
 * The engine comes from the environment: with CLEANPLATE_TEST_PG set to a
 * PostgreSQL URI or key=value string, each fixture is a new schema on that
 * server (created at fixture_open, dropped with all it holds at
 * fixture_close), reached through options=-csearch_path; without it, a
 * SQLite file in a new temporary folder. The folder is made either way,
 * for the files a test writes beside its store. */
#include "tests/unit/helpers/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/csvread.h"
#include "core/diners.h"
#include "core/nls.h"
#include "core/verify.h"

static char dir[64], path[512], schema[64];

static void must(cp_err err, const char *what)
{
    if (err) {
        fprintf(stderr, "fixture: %s: %s\n", what, cp_detail());
        abort();
    }
}

static void import(db *d, int diners, const char *text)
{
    csv_table *t = NULL;
    import_counts n;
    must(csvread_buffer("fixture.csv", text, strlen(text), &t), "reading fixture CSV");
    must(diners ? diners_import(d, t, "fixture.csv", "test", &n)
                : diners_import_departments(d, t, "fixture.csv", "test", &n),
         "importing");
    csvread_free(t);
}

/* Runs sql on the server's base database (CLEANPLATE_TEST_PG itself). */
static void on_server(const char *base, const char *sql)
{
    db *d = NULL;
    must(db_open(base, DB_OPEN_CREATE, &d), "opening the test server");
    must(db_exec(d, sql), sql);
    db_close(d);
}

/* A new schema on the server and the target that makes it the store. */
static void pg_schema(const char *base)
{
    static unsigned n;
    char sql[2 * sizeof schema + 64];

    snprintf(schema, sizeof schema, "cp_test_%d_%u", (int)getpid(), n++);
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
             schema);
    on_server(base, sql);
    must(db_target_in_schema(base, schema, path, sizeof path), "naming the schema");
}

const char *fixture_pg(void)
{
    const char *base = getenv("CLEANPLATE_TEST_PG");
    return base && *base ? base : NULL;
}

const char *fixture_new_store(void)
{
    snprintf(dir, sizeof dir, "/tmp/cp-test-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    if (fixture_pg())
        pg_schema(fixture_pg());
    else
        snprintf(path, sizeof path, "%s/test.db", dir);
    return path;
}

db *fixture_open(void)
{
    return fixture_open_at(fixture_new_store());
}

db *fixture_open_at(const char *target)
{
    db *d = NULL;

    fixture_at("2026-11-20T12:00:00");
    must(db_open(target, DB_OPEN_CREATE, &d), "opening");
    must(db_migrate(d), "migrating");
    must(canteen_add(d, "C1", "一食堂", "test"), "canteen");
    must(canteen_add_terminal(d, "POS1", "C1", "pos", "test"), "POS1");
    must(canteen_add_terminal(d, "POS2", "C1", "pos", "test"), "POS2");
    must(canteen_add_terminal(d, "W1", "C1", "waste", "test"), "W1");
    must(canteen_set_period(d, "C1", "lunch", "11:00-13:30", "test"), "lunch");
    must(canteen_set_period(d, "C1", "dinner", "17:00-19:00", "test"), "dinner");
    must(canteen_set_price(d, "C1", "lunch", "staff", 800, "test"), "price");
    must(canteen_set_price(d, "C1", "dinner", "staff", 800, "test"), "price");
    must(canteen_set_price(d, "C1", "lunch", "guest", 1500, "test"), "price");
    must(canteen_set_price(d, "C1", "dinner", "guest", 1500, "test"), "price");
    import(d, 0, "code,name,parent_code\nU1,市政府,\nD01,办公室,U1\nD02,财务处,U1\n");
    import(d, 1,
           "staff_no,name,department_code,category,card\n"
           "S001,张伟,D01,staff,0000000001\n"
           "S002,李娜,D01,staff,0000000002\n"
           "S003,王芳,D02,guest,0000000003\n"
           "S004,刘洋,D02,contractor,0000000004\n");
    return d;
}

void fixture_departments(db *d)
{
    char buf[4096];
    size_t n = 0;

    import(d, 0, "code,name,parent_code\nA,甲处,U1\nB,乙处,U1\nC,丙处,U1\n"
                 "D,丁处,U1\nE,戊处,U1\nF,己处,U1\n");
    n += (size_t)snprintf(buf + n, sizeof buf - n, "staff_no,name,department_code,category,card\n");
    for (char dept = 'A'; dept <= 'F'; dept++)
        for (int i = 1; i <= (dept == 'F' ? 4 : 6); i++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%c%d,职工,%c,staff,\n", dept, i, dept);
    import(d, 1, buf);
}

void fixture_close(db *d)
{
    char p[sizeof path + 8];

    db_close(d);
    if (fixture_pg() && schema[0]) {
        snprintf(p, sizeof p, "DROP SCHEMA %s CASCADE", schema);
        on_server(fixture_pg(), p);
        schema[0] = '\0';
        rmdir(dir);
        return;
    }
    fixture_remove_file(path);
    rmdir(dir);
}

void fixture_remove_file(const char *file)
{
    char p[sizeof path + 8];

    unlink(file);
    snprintf(p, sizeof p, "%s-wal", file);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", file);
    unlink(p);
}

void fixture_drop_trigger(db *d, const char *name, const char *table)
{
    char sql[256];

    if (db_dialect_of(d) == DB_DIALECT_PG)
        snprintf(sql, sizeof sql, "DROP TRIGGER %s ON %s", name, table);
    else
        snprintf(sql, sizeof sql, "DROP TRIGGER %s", name);
    must(db_exec(d, sql), sql);
}

void fixture_refuse(db *d, const char *name, const char *table, const char *event)
{
    char sql[512];

    if (db_dialect_of(d) == DB_DIALECT_PG)
        snprintf(sql, sizeof sql, "CREATE TRIGGER %s BEFORE %s ON %s FOR EACH ROW"
                 " EXECUTE FUNCTION cp_append_only('%s refused')", name, event, table, name);
    else
        snprintf(sql, sizeof sql, "CREATE TRIGGER %s BEFORE %s ON %s BEGIN"
                 " SELECT RAISE(ABORT, '%s refused'); END", name, event, table, name);
    must(db_exec(d, sql), sql);
}

void fixture_at(const char *iso)
{
    setenv("CLEANPLATE_NOW", iso, 1);
}

int64_t fixture_int(db *d, const char *sql)
{
    db_stmt *st = NULL;
    int64_t v = -1;

    if (db_prepare_once(d, sql, &st) != CP_OK) {
        fprintf(stderr, "fixture_int: %s: %s\n", sql, cp_detail());
        abort();
    }
    if (db_step(st) == DB_ROW)
        v = db_col_int64(st, 0);
    db_finalize(st);
    return v;
}

const char *fixture_path(void)
{
    return path;
}

cp_err fixture_language(const char *language)
{
    char exe[512], dir_of[600], *slash;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

    /* BUILD/tests/test_x finds BUILD/locale, where `make` puts the catalogs */
    if (n > 0) {
        exe[n] = '\0';
        if ((slash = strrchr(exe, '/')))
            *slash = '\0';
        snprintf(dir_of, sizeof dir_of, "%s/../locale", exe);
        setenv("CLEANPLATE_LOCALEDIR", dir_of, 1);
    }
    return nls_use("test", language, NLS_NO_SCREEN);
}

const char *fixture_dir(void)
{
    return dir;
}

char *fixture_verify_report(db *d, long *problems)
{
    char *text = NULL;
    size_t len = 0;
    long n = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        must(CP_ERR_NOMEM, "a report in memory");
    must(verify_books(d, NULL, f, &n), "verify");
    fclose(f);
    if (problems)
        *problems = n;
    return text;
}
