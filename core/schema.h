/* schema: the store's tables, one migration per schema version, in SQLite's and PostgreSQL's DDL. */
#ifndef CP_SCHEMA_H
#define CP_SCHEMA_H

#include "core/db.h"

/* The newest schema version. */
int schema_version(void);

/* The SQL that takes the schema from version v-1 to v (1 <= v <= schema_version())
 * in dialect's DDL. */
const char *schema_migration(int v, db_dialect dialect);

/* Work in C that migration v needs after its SQL, inside the same
 * transaction (e.g. entering old rows in the audit chain). */
cp_err schema_after_migration(db *d, int v);

/* A table of the store, as a store copy reads it. */
typedef struct schema_table {
    const char *name;
    const char *order;  /* ORDER BY of its rows: the order they were written in, or the key */
    int derived;        /* made by the store itself (kept by triggers from other tables, or
                         * seeded by a migration): copied last, over what it made */
    const char *terminal; /* what the terminals' role may do on it (a GRANT's privileges);
                           * NULL: nothing */
    const char *server;   /* what the servers' role (serve) may do on it; NULL: what the
                           * terminals' may */
} schema_table;

/* Every table of the store (schema_version aside), NULL-terminated: a new
 * table is added here too (test_db checks that none is missing). */
extern const schema_table schema_tables[];

/* The append-only tables, NULL-terminated: on each, a BEFORE UPDATE and a
 * BEFORE DELETE trigger raise an error. */
extern const char *const schema_append_only[];

#endif
