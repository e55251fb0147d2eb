/* schema_int: PostgreSQL's text of each schema version (core/schema_pg.c), for the migrations table in core/schema.c. Not for use outside the schema. */
#ifndef CP_SCHEMA_INT_H
#define CP_SCHEMA_INT_H

/* The DDL that takes a PostgreSQL store from version N-1 to N. */
extern const char schema_pg_v1[], schema_pg_v2[], schema_pg_v3[], schema_pg_v4[], schema_pg_v5[],
    schema_pg_v6[], schema_pg_v7[], schema_pg_v8[], schema_pg_v9[], schema_pg_v10[],
    schema_pg_v11[], schema_pg_v12[], schema_pg_v13[], schema_pg_v14[],
    schema_pg_v15[], schema_pg_v16[], schema_pg_v17[], schema_pg_v18[];

#endif
