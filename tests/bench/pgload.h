/* pgload: a city made by the benchmarks (a SQLite file) copied into a new PostgreSQL store: the schema by the programs, the rows by COPY.
 *
 * pgload(FILE, TARGET), or pgload_schema into a new schema: the schema is made by the programs (db_migrate),
 * then every table's rows go in by COPY through psql with the triggers and
 * foreign keys off for the load (session_replication_role = replica: the
 * rows were checked by SQLite's) and each table's secondary indexes made
 * again after its rows are in; the rolled-up tables are left out (`rollup`
 * makes them on the server), the identity sequences moved past the ids
 * (db_sync_ids), then VACUUM ANALYZE, as autovacuum would. Shared by
 * bench_pgcity and bench_verify. */
#ifndef CP_BENCH_PGLOAD_H
#define CP_BENCH_PGLOAD_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db.h"
#include "core/schema.h"
#include "tests/bench/bench.h"
#include "tests/bench/city.h"

/* The rolled-up tables: `rollup` makes them on the server, as it does on SQLite. */
static const char *const rolled_up[] = {"rollup_day", "rollup_days", "rollup_sales", NULL};

static inline void pgload_die(const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, cp_detail());
    exit(1);
}
#define die pgload_die

/* Runs sql on target through the door. */
static inline void run_sql(const char *target, const char *sql)
{
    db *d;

    if (db_open(target, DB_OPEN_CREATE, &d) || db_exec(d, sql))
        die(sql);
    db_close(d);
}

/* Writes s as a field of COPY's text format: backslash, tab, newline and
 * carriage return escaped, NULL as \N. */
static inline void copy_field(FILE *f, const unsigned char *s)
{
    if (!s) {
        fputs("\\N", f);
        return;
    }
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", f); break;
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        default: fputc(*s, f);
        }
    }
}

/* psql reading COPY table(columns) FROM STDIN on target, the triggers and
 * foreign keys off; *pid gets its process, the result is its stdin. */
static inline FILE *copy_into(const char *target, const char *table, const char *columns, pid_t *pid)
{
    char copy[4096];
    int fds[2];
    FILE *f;

    snprintf(copy, sizeof copy, "COPY %s(%s) FROM STDIN", table, columns);
    if (pipe(fds))
        die("a pipe");
    if ((*pid = fork()) == 0) {
        close(fds[1]);
        if (dup2(fds[0], 0) < 0)
            _exit(127);
        execlp("psql", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target, "-c",
               "SET session_replication_role = replica", "-c", copy, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    if (*pid < 0 || !(f = fdopen(fds[1], "w")))
        die("starting psql");
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static inline int is_rolled_up(const char *table)
{
    for (const char *const *t = rolled_up; *t; t++)
        if (strcmp(*t, table) == 0)
            return 1;
    return 0;
}

/* Copies table's rows from the SQLite file c into target; returns the rows. */
static inline long copy_table(sqlite3 *c, const char *target, const char *table)
{
    char sql[256], columns[2048] = "";
    sqlite3_stmt *st;
    long rows = 0;
    int n, status;
    pid_t pid;
    FILE *f;

    snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) != SQLITE_OK)
        city_die(c, sql);
    n = sqlite3_column_count(st);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(columns);
        snprintf(columns + len, sizeof columns - len, "%s%s", i ? ", " : "",
                 sqlite3_column_name(st, i));
    }
    f = copy_into(target, table, columns, &pid);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            if (i)
                fputc('\t', f);
            copy_field(f, sqlite3_column_text(st, i));
        }
        fputc('\n', f);
        rows++;
    }
    sqlite3_finalize(st);
    if (fclose(f) != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: COPY into %s failed (is postgresql-client installed?)\n",
                table);
        exit(1);
    }
    return rows;
}

/* The secondary indexes of table on target (neither its primary key nor a
 * unique one), as their CREATE statements joined by ';' into defs (size
 * bytes), dropped: they are made again after the load (index_make), which
 * sorts once instead of inserting row by row. */
static inline void index_drop(const char *target, const char *table, char *defs, size_t size)
{
    static const char sql[] =
        "SELECT pg_get_indexdef(i.indexrelid), k.relname FROM pg_index i"
        " JOIN pg_class k ON k.oid = i.indexrelid"
        " WHERE i.indrelid = to_regclass(?) AND NOT i.indisprimary AND NOT i.indisunique";
    db_stmt *st = NULL;
    size_t len = 0;
    db *d;

    defs[0] = '\0';
    if (db_open(target, DB_OPEN_EXISTING, &d) || db_prepare_once(d, sql, &st))
        die("reading the indexes");
    db_bind_text(st, 1, table);
    while (db_step(st) == DB_ROW) {
        char drop[160];
        len += (size_t)snprintf(defs + len, size - len, "%s;", db_col_text(st, 0));
        if (len >= size)
            die("too many indexes");
        snprintf(drop, sizeof drop, "DROP INDEX %s", db_col_text(st, 1));
        run_sql(target, drop);
    }
    db_finalize(st);
    db_close(d);
}

/* Makes the indexes index_drop took away, with room to sort in memory. */
static inline void index_make(const char *target, const char *defs)
{
    char sql[4200];

    if (!defs[0])
        return;
    snprintf(sql, sizeof sql, "SET maintenance_work_mem = '256MB'; %s", defs);
    run_sql(target, sql);
}

/* The city in a new store at target: the schema by the programs, the rows by COPY. */
static inline void pgload(const char *file, const char *target)
{
    double t0 = bench_now_s();
    long rows = 0;
    sqlite3 *c;
    db *d;

    if (db_open(target, DB_OPEN_CREATE, &d) || db_migrate(d))
        die("making the store");
    if (sqlite3_open_v2(file, &c, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        city_die(c, "opening the city");
    for (const schema_table *t = schema_tables; t->name; t++) {
        char sql[128], defs[4096];
        if (is_rolled_up(t->name))
            continue;
        /* what the new store seeded itself (food categories) is the file's */
        snprintf(sql, sizeof sql, "DELETE FROM %s", t->name);
        if (t->derived && db_exec(d, sql))
            die(sql);
        index_drop(target, t->name, defs, sizeof defs);
        rows += copy_table(c, target, t->name);
        index_make(target, defs);
        fprintf(stderr, "\rcopying the city into PostgreSQL: %ld rows (%.0f s)", rows,
                bench_now_s() - t0);
    }
    sqlite3_close(c);
    if (db_sync_ids(d))
        die("moving the identity sequences");
    db_close(d);
    fprintf(stderr, "\nVACUUM ANALYZE...\n");
    run_sql(target, "VACUUM ANALYZE");
    fprintf(stderr, "loaded in %.0f s\n", bench_now_s() - t0);
}

/* A new schema on the server pg (prefix and this process's id) into
 * schema, its target into target, and file loaded into it (pgload). */
static inline void pgload_schema(const char *file, const char *pg, const char *prefix,
                                 char schema[64], char target[1200])
{
    char sql[160];

    snprintf(schema, 64, "%s_%d", prefix, (int)getpid());
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    run_sql(pg, sql);
    if (db_target_in_schema(pg, schema, target, 1200))
        die("naming the schema");
    pgload(file, target);
}

/* Drops the schema of pgload_schema, or says that it is kept. */
static inline void pgload_drop(const char *pg, const char *schema, int keep)
{
    char sql[160];

    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    if (!keep)
        run_sql(pg, sql);
    else
        fprintf(stderr, "kept schema %s\n", schema);
}

#undef die
#endif
