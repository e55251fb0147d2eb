/* fixture: a small canteen in a fresh temporary database, for unit tests. */
#ifndef CP_TEST_FIXTURE_H
#define CP_TEST_FIXTURE_H

#include <stdint.h>

#include "core/db.h"

/* The fixture's canteen C1 has POS terminals POS1 and POS2, a waste station
 * W1, lunch 11:00-13:30 and dinner 17:00-19:00, staff pay 8.00 and guests
 * 15.00 for each. Departments: U1 (unit) > D01, D02. Diners, all with empty
 * wallets: S001 (staff, D01, card 0000000001), S002 (staff, D01, card
 * 0000000002), S003 (guest, D02, card 0000000003), S004 (contractor, D02,
 * card 0000000004; contractors have no price). The clock is fixed at
 * 2026-11-20T12:00:00. Caller owns the result (fixture_close). */
db *fixture_open(void);

/* The fixture's canteen in the new store at target (fixture_open's, with
 * another target: a second store beside it); the caller closes it and
 * removes what it made. */
db *fixture_open_at(const char *target);

/* Makes a new, empty store (a file path, or a schema on CLEANPLATE_TEST_PG's
 * server) and returns its target for db_open, without opening it;
 * fixture_close(NULL) (or of the store opened on it) removes it. */
const char *fixture_new_store(void);

/* Adds departments A..F under U1 with staff diners A1..A6, ..., E1..E6 and
 * F1..F4 (F is too small to be published), without cards. */
void fixture_departments(db *d);

/* Closes the database and removes it (its files, or its PostgreSQL schema);
 * accepts NULL. */
void fixture_close(db *d);

/* Drops trigger name on table (a guard, as someone with the owner's rights
 * could), in the SQL of d's engine; aborts when it cannot. */
void fixture_drop_trigger(db *d, const char *name, const char *table);

/* Creates trigger name, which refuses every event (INSERT, UPDATE or
 * DELETE) on table as the schema's guards do; aborts when it cannot. */
void fixture_refuse(db *d, const char *name, const char *table, const char *event);

/* Removes the SQLite file at file with its -wal and -shm. */
void fixture_remove_file(const char *file);

/* Sets CLEANPLATE_NOW. */
void fixture_at(const char *iso);

/* Runs one SQL statement that yields one integer, for assertions. */
int64_t fixture_int(db *d, const char *sql);

/* verify's whole report on d (the caller frees it); *problems (may be
 * NULL) gets its count. Aborts the test when verify cannot run. */
char *fixture_verify_report(db *d, long *problems);

/* What the fixture's store was opened with (db_open): a file's path, or a
 * PostgreSQL target whose search path is the fixture's schema. */
const char *fixture_path(void);

/* Turns the programs' language to language ("zh_CN" or "en"), with the
 * catalogs the build made beside the tests (BUILD/locale), as a terminal
 * configured so does; returns nls_use's error. */
cp_err fixture_language(const char *language);

/* A temporary folder of the fixture's own, for the files a test writes;
 * it must be empty again at fixture_close. */
const char *fixture_dir(void);

/* The PostgreSQL server the unit tests run on (CLEANPLATE_TEST_PG), or NULL
 * when they run on SQLite files. */
const char *fixture_pg(void);

#endif
