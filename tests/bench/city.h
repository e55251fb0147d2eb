/* city: the city-sized month of the benchmarks — 100,000 diners in 2,000 departments, 4.4 million sales
 * and 4.4 million trays, 500 canteens buying food — generated in bulk into a SQLite file.
 *
 * city_make(PATH) makes it once into PATH (kept for later runs: delete it to
 * make it anew); bench_metrics measures it on SQLite, bench_pgcity copies it
 * into PostgreSQL and measures it there.
 *
 * BENCH_CITY_SCALE (a number from 0.02 to 1, default 1: the full size, as
 * make bench runs it) scales the diners, and with them the sales and trays,
 * for a quicker run while developing: 0.1 is 10,000 diners and 440,000 sales
 * and trays, still in the 2,000 departments (each keeps at least one diner).
 * city_path names a file per scale, so that runs at different scales do not
 * make each other's file anew. */
#ifndef CP_BENCH_CITY_H
#define CP_BENCH_CITY_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/db.h"
#include "tests/bench/bench.h"

#define CITY_DINERS 100000 /* at the full size: city_diners() is the scaled number */
#define CITY_DEPARTMENTS 2000
#define CITY_DAYS 22 /* serving days: the 21 weekdays of November 2026 and Saturday the 28th */
#define CITY_CANTEENS 500 /* C1 and C2 serve the meals; every one buys food */
#define CITY_PURCHASE_DAYS 30
#define CITY_PURCHASE_LINES 10 /* a day */
#define CITY_VERSION 4 /* 4: no "2026-11-31" (the 22nd serving day is Saturday the 28th) */

static inline void city_die(sqlite3 *c, const char *what)
{
    fprintf(stderr, "bench: %s: %s\n", what, c ? sqlite3_errmsg(c) : cp_detail());
    exit(1);
}

/* BENCH_CITY_SCALE, 1 when it is not set; dies when it is out of range. */
static inline double city_scale(void)
{
    const char *s = getenv("BENCH_CITY_SCALE");
    char *end;
    double v;

    if (!s || !*s)
        return 1;
    v = strtod(s, &end);
    if (*end || !(v >= 0.02 && v <= 1)) {
        fprintf(stderr, "bench: BENCH_CITY_SCALE must be a number from 0.02 to 1, not %s\n", s);
        exit(2);
    }
    return v;
}

/* The city's diners at the scale asked: 2,000 (one a department) to 100,000. */
static inline int city_diners(void)
{
    return (int)(CITY_DINERS * city_scale() + 0.5);
}

/* The city's file in build: bench-city.db at the full size, else
 * bench-city-x<scale>.db. */
static inline void city_path(const char *build, char *path, size_t size)
{
    if (city_diners() == CITY_DINERS)
        snprintf(path, size, "%s/bench-city.db", build);
    else
        snprintf(path, size, "%s/bench-city-x%g.db", build, city_scale());
}

/* A benchmark row's name for the city: name itself at the full size, else
 * name with the scale and the diners it had, so that no smaller run's
 * figure reads as the city's. */
static inline const char *city_label(const char *name, char *out, size_t size)
{
    if (city_diners() == CITY_DINERS)
        return name;
    snprintf(out, size, "%s [BENCH_CITY_SCALE=%g: %d diners]", name, city_scale(),
             city_diners());
    return out;
}

static inline void city_exec(sqlite3 *c, const char *sql)
{
    if (sqlite3_exec(c, sql, NULL, NULL, NULL) != SQLITE_OK)
        city_die(c, sql);
}

/* A pseudo-random number from a seed (xorshift), the same every run. */
static inline unsigned city_rand(unsigned *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static inline int city_ready(const char *path)
{
    sqlite3 *c;
    sqlite3_stmt *st;
    int ok = 0;

    if (access(path, F_OK) != 0 || sqlite3_open(path, &c) != SQLITE_OK)
        return 0;
    if (sqlite3_prepare_v2(c, "SELECT version FROM bench_meta", -1, &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == CITY_VERSION;
        sqlite3_finalize(st);
    }
    /* made at another scale (a file renamed by hand) */
    if (ok && sqlite3_prepare_v2(c, "SELECT count(*) FROM diners", -1, &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == city_diners();
        sqlite3_finalize(st);
    }
    sqlite3_close(c);
    return ok;
}

/* The food of the city's canteens: CITY_CANTEENS canteens (C3 and on serve no
 * meals), each buying CITY_PURCHASE_LINES lines a day for CITY_PURCHASE_DAYS days of
 * November in the seven food categories, and counting its stock at the end
 * of October and of November. Written in bulk, without audit entries. */
static inline void city_purchases(sqlite3 *c)
{
    sqlite3_stmt *st;
    unsigned seed = 777;
    char sql[512];

    snprintf(sql, sizeof sql,
             "BEGIN;"
             "WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO canteens(code, name) SELECT 'C' || i, '食堂' || i FROM n;"
             "INSERT INTO stock_counts(id, canteen_id, month, category, fen, grams, actor,"
             " created_at) SELECT m.month || '-' || c.id || '-' || f.position, c.id, m.month,"
             " f.name, 20000 + c.id * 7 %% 500 * 100, 5000 + c.id %% 40 * 1000, 'bench',"
             " m.month || '-30T18:00:00' FROM canteens c, food_categories f,"
             " (SELECT '2026-10' AS month UNION ALL SELECT '2026-11') m;", CITY_CANTEENS);
    city_exec(c, sql);
    if (sqlite3_prepare_v2(c,
            "INSERT INTO purchases(id, canteen_id, business_date, supplier, category, grams, fen,"
            " invoice, actor, created_at) SELECT ?1, ?2, ?3, '供应商' || ?4, name, ?5, ?6, ?1,"
            " 'bench', ?3 || 'T08:00:00' FROM food_categories WHERE position = ?4", -1, &st,
            NULL) != SQLITE_OK)
        city_die(c, "preparing purchases");
    for (int k = 1; k <= CITY_CANTEENS; k++)
        for (int day = 1; day <= CITY_PURCHASE_DAYS; day++)
            for (int line = 0; line < CITY_PURCHASE_LINES; line++) {
                char id[48], date[16];
                int cat = line % 7 + 1, grams = 1000 + (int)(city_rand(&seed) % 60000);
                snprintf(id, sizeof id, "P%d-%02d-%d", k, day, line);
                snprintf(date, sizeof date, "2026-11-%02u", (unsigned)day % 100);
                sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int(st, 2, k);
                sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int(st, 4, cat);
                sqlite3_bind_int(st, 5, grams);
                /* 4 to 40 yuan a kg */
                sqlite3_bind_int64(st, 6, (sqlite3_int64)grams * (400 + cat * 500) / 1000);
                if (sqlite3_step(st) != SQLITE_DONE)
                    city_die(c, "inserting a purchase");
                sqlite3_reset(st);
            }
    sqlite3_finalize(st);
    city_exec(c, "COMMIT");
}

static inline void city_generate(const char *path)
{
    sqlite3 *c;
    sqlite3_stmt *sale, *tray;
    char wal[600], people[512];
    unsigned seed = 12345;
    long n = 0;
    int diners = city_diners();
    db *d;
    double t0 = bench_now_s();

    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    if (db_open(path, DB_OPEN_CREATE, &d) || db_migrate(d))
        city_die(NULL, "creating");
    db_close(d);
    if (sqlite3_open(path, &c) != SQLITE_OK)
        city_die(c, "opening");
    /* the diners at this scale (the rest of the setup below is a literal) */
    snprintf(people, sizeof people,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO diners(staff_no, name, department_id, category)"
             " SELECT printf('S%%06d', i), printf('职工%%d', i), (i - 1) %% 2000 + 1, 'staff'"
             " FROM n;", diners);
    city_exec(c, "PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA temp_store=MEMORY;"
            "BEGIN;"
            "INSERT INTO canteens(code, name) VALUES ('C1', '市级机关第一食堂'), ('C2', '市级机关第二食堂');"
            "INSERT INTO terminals(code, canteen_id, kind) VALUES ('POS1', 1, 'pos'),"
            " ('POS2', 2, 'pos'), ('W1', 1, 'waste'), ('W2', 2, 'waste');"
            "INSERT INTO meal_periods(canteen_id, name, start_min, end_min) VALUES"
            " (1, 'lunch', 660, 810), (1, 'dinner', 1020, 1140),"
            " (2, 'lunch', 660, 810), (2, 'dinner', 1020, 1140);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
            " INSERT INTO departments(code, name) SELECT printf('D%04d', i), printf('第%d处', i) FROM n;"
            );
    city_exec(c, people);
    city_exec(c, "INSERT INTO wallets(diner_id) SELECT id FROM diners;"
            "INSERT INTO cards(card_no, diner_id) SELECT printf('%010d', id), id FROM diners;"
            "COMMIT;");
    if (sqlite3_prepare_v2(c,
            "INSERT INTO sales(id, terminal, canteen_id, card_no, diner_id, department_id,"
            " category, period_id, business_date, kind, total_fen, subsidy_fen, cash_fen, actor,"
            " created_at) VALUES (?1, ?2, ?3, printf('%010d', ?4), ?4, ?5, 'staff', ?6, ?7,"
            " 'meal', 800, 800, 0, 'bench', ?7 || ?8)", -1, &sale, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c,
            "INSERT INTO waste_records(id, placement, terminal, canteen_id, stage, diner_id,"
            " department_id, sale_id, period_id, business_date, gross_g, tare_g, net_g, flags,"
            " actor, created_at) VALUES (?1, NULL, ?2, ?3, 'plate', ?4, ?5, ?6, ?7, ?8, ?9 + 350,"
            " 350, ?9, 0, 'bench', ?8 || ?10)", -1, &tray, NULL) != SQLITE_OK)
        city_die(c, "preparing");
    city_exec(c, "BEGIN");
    for (int day = 1, served = 0; served < CITY_DAYS; day++) {
        char date[32];
        /* 2026-11-01 is a Sunday: weekdays are the days with day % 7 not 0 or 1.
         * November has 21 of them; Saturday the 28th is served too, a
         * working day in lieu (调休), as the canteens of many cities have
         * one: the 22nd weekday counted here used to be "2026-11-31", a
         * date that is no day, outside every month's figures. */
        if ((day % 7 == 1 || day % 7 == 0) && day != 28)
            continue;
        if (day > 30)
            city_die(c, "more serving days than November has");
        served++;
        snprintf(date, sizeof date, "2026-11-%02u", (unsigned)day % 100);
        for (int meal = 0; meal < 2; meal++) {
            for (int i = 1; i <= diners; i++) {
                int canteen = i % 2 + 1, dept = (i - 1) % CITY_DEPARTMENTS + 1;
                char id[32], wid[32];
                /* plate waste: tens of grams, more in some departments, some clean */
                int g = (int)(city_rand(&seed) % (unsigned)(20 + dept % 60));
                if (city_rand(&seed) % 4 == 0)
                    g = (int)(city_rand(&seed) % 8);
                n++;
                snprintf(id, sizeof id, "POS%d-%07ld", canteen, n);
                snprintf(wid, sizeof wid, "W%d-%07ld", canteen, n);
                sqlite3_bind_text(sale, 1, id, -1, SQLITE_STATIC);
                sqlite3_bind_text(sale, 2, canteen == 1 ? "POS1" : "POS2", -1, SQLITE_STATIC);
                sqlite3_bind_int(sale, 3, canteen);
                sqlite3_bind_int(sale, 4, i);
                sqlite3_bind_int(sale, 5, dept);
                sqlite3_bind_int(sale, 6, canteen == 1 ? 1 + meal : 3 + meal);
                sqlite3_bind_text(sale, 7, date, -1, SQLITE_STATIC);
                sqlite3_bind_text(sale, 8, meal ? "T17:30:00" : "T12:00:00", -1, SQLITE_STATIC);
                if (sqlite3_step(sale) != SQLITE_DONE)
                    city_die(c, "inserting a sale");
                sqlite3_reset(sale);
                sqlite3_bind_text(tray, 1, wid, -1, SQLITE_STATIC);
                sqlite3_bind_text(tray, 2, canteen == 1 ? "W1" : "W2", -1, SQLITE_STATIC);
                sqlite3_bind_int(tray, 3, canteen);
                sqlite3_bind_int(tray, 4, i);
                sqlite3_bind_int(tray, 5, dept);
                sqlite3_bind_text(tray, 6, id, -1, SQLITE_STATIC);
                sqlite3_bind_int(tray, 7, canteen == 1 ? 1 + meal : 3 + meal);
                sqlite3_bind_text(tray, 8, date, -1, SQLITE_STATIC);
                sqlite3_bind_int(tray, 9, g);
                sqlite3_bind_text(tray, 10, meal ? "T17:50:00" : "T12:20:00", -1, SQLITE_STATIC);
                if (sqlite3_step(tray) != SQLITE_DONE)
                    city_die(c, "inserting a tray");
                sqlite3_reset(tray);
            }
            fprintf(stderr, "\rgenerating the city-sized month: %ld of %d sales and trays (%.0f s)",
                    n, CITY_DAYS * 2 * diners, bench_now_s() - t0);
        }
    }
    city_exec(c, "COMMIT");
    city_purchases(c);
    city_exec(c, "ANALYZE;");
    char meta[128];
    snprintf(meta, sizeof meta, "CREATE TABLE bench_meta(version INTEGER);"
             " INSERT INTO bench_meta VALUES (%d);", CITY_VERSION);
    city_exec(c, meta);
    sqlite3_finalize(sale);
    sqlite3_finalize(tray);
    city_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(c);
    fprintf(stderr, "\ngenerated in %.0f s\n", bench_now_s() - t0);
}

/* Makes the city-sized month in path unless a file of this generator's
 * version is there already (then migrated to this build's schema). */
static inline void city_make(const char *path)
{
    db *d;

    if (!city_ready(path)) {
        city_generate(path);
        return;
    }
    fprintf(stderr, "using the city-sized month in %s (delete it to make it anew)\n", path);
    /* made by an older build: its schema brought up to this one's */
    if (db_open(path, DB_OPEN_CREATE, &d) || db_migrate(d))
        city_die(NULL, "migrating the city");
    db_close(d);
}

#endif
