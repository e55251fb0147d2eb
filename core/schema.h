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

/* The append-only tables, NULL-terminated: on each, a BEFORE UPDATE and a
 * BEFORE DELETE trigger raise an error. */
extern const char *const schema_append_only[];

#endif
