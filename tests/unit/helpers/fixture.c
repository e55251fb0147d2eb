/* fixture: a small canteen in a fresh temporary database, for unit tests. */
#include "tests/unit/helpers/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/canteen.h"
#include "core/csvread.h"
#include "core/diners.h"
#include "core/nls.h"

static char dir[64], path[128];

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

db *fixture_open(void)
{
    db *d = NULL;

    snprintf(dir, sizeof dir, "/tmp/cp-test-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/test.db", dir);
    fixture_at("2026-11-20T12:00:00");
    must(db_open(path, DB_OPEN_CREATE, &d), "opening");
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
    char p[160];

    db_close(d);
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    rmdir(dir);
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
