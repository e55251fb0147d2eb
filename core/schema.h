/* schema: the store's tables, one migration per PRAGMA user_version step. */
#ifndef CP_SCHEMA_H
#define CP_SCHEMA_H

/* The newest schema version. */
int schema_version(void);

/* The SQL that takes the schema from version v-1 to v (1 <= v <= schema_version()). */
const char *schema_migration(int v);

#endif
