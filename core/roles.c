/* roles: a store's two PostgreSQL roles: the back office's, which owns it, and the terminals' and servers', which may do only what they need.
 *
 * The terminals' rights are listed once, beside each table (schema_tables in
 * core/schema.c), and granted exactly: everything is revoked from the role
 * first, so that a right someone added by hand goes away at the next init.
 * What the statements here name (tables, roles) is checked or fixed text;
 * the passwords go through db_login_role, which sends only their hash. */
#include "core/roles.h"

#include <stdio.h>
#include <string.h>

#include "core/nls.h"
#include "core/schema.h"

cp_err roles_check_name(const char *name, const char *option)
{
    size_t n = strlen(name);

    if (n == 0 || n > 63 || !(name[0] >= 'a' && name[0] <= 'z') ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != n ||
        strncmp(name, "pg_", 3) == 0)
        return cp_fail(CP_ERR_INVALID, "--%s '%s': a role's name has 1 to 63 lowercase letters, "
                       "digits and _, a letter first, and does not start with pg_", option, name);
    return CP_OK;
}

cp_err roles_check_password(const char *role, const char *password)
{
    size_t chars = 0;

    for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return cp_fail(CP_ERR_INVALID, "the password of %s has a control character: "
                           "nothing changed", role);
        chars += (*p & 0xc0) != 0x80; /* a character starts at each byte but a UTF-8 tail */
    }
    if (chars < ROLES_MIN_PASSWORD)
        return cp_fail(CP_ERR_INVALID, "the password of %s has %zu characters, fewer than %d: "
                       "a role's password can be tried over the network, so give a longer one",
                       role, chars, ROLES_MIN_PASSWORD);
    return CP_OK;
}

/* Names the roles for the statements below, for the rest of the open
 * transaction: they read them with current_setting and quote them with
 * format('%I'), so that no name is ever pasted into SQL here. */
static cp_err name_roles(db *d, const char *office, const char *terminal)
{
    static const char sql[] = "SELECT set_config('cleanplate.office', ?1, true),"
                              " set_config('cleanplate.terminal', ?2, true)";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, office);
    db_bind_text(st, 2, terminal);
    while ((rc = db_step(st)) == DB_ROW)
        ;
    return rc == DB_DONE ? CP_OK : db_fail(d, "naming the roles");
}

/* Every table and function of the store's schema (the first of the search
 * path) goes to the office's role, which may also create tables there (a
 * migration); the terminals' role may use the schema. */
static const char give_sql[] =
    "DO $$ DECLARE r record;"
    "  o text := current_setting('cleanplate.office');"
    "  t text := current_setting('cleanplate.terminal');"
    " BEGIN"
    "  FOR r IN SELECT k.relname FROM pg_class k"
    "    WHERE k.relnamespace = to_regnamespace(current_schema())"
    "    AND k.relkind IN ('r', 'p') AND k.relowner <> to_regrole(quote_ident(o))"
    "  LOOP EXECUTE format('ALTER TABLE %I OWNER TO %I', r.relname, o); END LOOP;"
    "  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p"
    "    WHERE p.pronamespace = to_regnamespace(current_schema())"
    "    AND p.proowner <> to_regrole(quote_ident(o))"
    "  LOOP EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.f, o); END LOOP;"
    "  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', current_schema(), o);"
    "  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), t);"
    " END $$";

/* The terminals' role gets exactly what schema_tables says of each table
 * (and may read the schema's version, as every program does when it opens
 * the store). */
static cp_err grant_terminal(db *d)
{
    static const char fmt[] =
        "DO $$ DECLARE t text := current_setting('cleanplate.terminal'); BEGIN"
        "  EXECUTE format('REVOKE ALL ON %%I FROM %%I', '%s', t);"
        "  EXECUTE format('GRANT %s ON %%I TO %%I', '%s', t);"
        " END $$";
    char sql[sizeof fmt + 256];
    cp_err err = CP_OK;

    snprintf(sql, sizeof sql, fmt, "schema_version", "SELECT", "schema_version");
    if ((err = db_exec(d, sql)))
        return err;
    for (const schema_table *t = schema_tables; t->name && !err; t++) {
        /* names and rights are schema_tables' constants, short by far */
        snprintf(sql, sizeof sql, fmt, t->name, t->terminal, t->name);
        if ((err = db_exec(d, sql)))
            err = cp_fail(err, "granting the terminals' role its rights on %s: %s", t->name,
                          cp_detail());
    }
    return err;
}

/* Ownership and rights, in the open transaction. */
static cp_err apply(db *d, const char *office, const char *terminal)
{
    cp_err err;

    if ((err = name_roles(d, office, terminal)))
        return err;
    if ((err = db_exec(d, give_sql)))
        return cp_fail(err, "giving the store to %s: %s", office, cp_detail());
    return grant_terminal(d);
}

cp_err roles_exists(db *d, const char *name, int *exists)
{
    db_stmt *st = db_prepare(d, "SELECT count(*) FROM pg_roles WHERE rolname = ?1");
    int rc;

    *exists = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, name);
    if ((rc = db_step(st)) == DB_ROW)
        *exists = db_col_int64(st, 0) > 0;
    db_reset(st);
    return rc == DB_ROW ? CP_OK : db_fail(d, "reading the roles");
}

cp_err roles_create(db *d, const char *office, const char *office_password, const char *terminal,
                    const char *terminal_password)
{
    cp_err err;

    if (strcmp(office, terminal) == 0)
        return cp_fail(CP_ERR_INVALID, "the office's and the terminals' roles are both %s: "
                       "give them two names", office);
    if ((err = db_begin(d)))
        return err;
    if ((err = db_login_role(d, office, office_password)) ||
        (err = db_login_role(d, terminal, terminal_password)) ||
        (err = apply(d, office, terminal)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

/* The owner of sales and, one a row, the roles it granted INSERT on it. */
static const char found_sql[] =
    "SELECT pg_get_userbyid(k.relowner), r.rolname FROM pg_class k, aclexplode(k.relacl) a,"
    " pg_roles r WHERE k.oid = to_regclass('sales') AND a.privilege_type = 'INSERT'"
    " AND a.grantee = r.oid AND a.grantee <> k.relowner ORDER BY r.rolname";

cp_err roles_refresh(db *d)
{
    char found[8][2][64];
    int n = 0, rc;
    db_stmt *st;
    cp_err err;

    if (db_dialect_of(d) != DB_DIALECT_PG)
        return CP_OK;
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, found_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    while ((rc = db_step(st)) == DB_ROW) {
        if (n < 8) {
            db_copy_col(found[n][0], sizeof found[n][0], st, 0);
            db_copy_col(found[n][1], sizeof found[n][1], st, 1);
            n++;
        }
    }
    if (rc != DB_DONE) {
        err = db_fail(d, "reading the store's roles");
        goto fail;
    }
    for (int i = 0; i < n; i++)
        if ((err = apply(d, found[i][0], found[i][1])))
            goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

/* The roles (not superusers) granted anything on a table of the store by
 * its owner, and PUBLIC, that may change or remove rows of table ?1. */
static const char may_change_sql[] =
    "SELECT r.rolname,"
    "  CASE WHEN has_table_privilege(r.oid, CAST(?1 AS TEXT), 'UPDATE') THEN ' UPDATE' ELSE '' END"
    "  || CASE WHEN has_table_privilege(r.oid, CAST(?1 AS TEXT), 'DELETE') THEN ' DELETE' ELSE '' END"
    "  || CASE WHEN has_table_privilege(r.oid, CAST(?1 AS TEXT), 'TRUNCATE') THEN ' TRUNCATE'"
    "     ELSE '' END AS rights"
    " FROM pg_roles r WHERE NOT r.rolsuper AND r.oid IN (SELECT a.grantee"
    "   FROM pg_class k, aclexplode(k.relacl) a"
    "   WHERE k.relnamespace = to_regnamespace(current_schema()) AND a.grantee <> k.relowner)"
    " AND (has_table_privilege(r.oid, CAST(?1 AS TEXT), 'UPDATE')"
    "   OR has_table_privilege(r.oid, CAST(?1 AS TEXT), 'DELETE')"
    "   OR has_table_privilege(r.oid, CAST(?1 AS TEXT), 'TRUNCATE'))"
    " UNION ALL"
    " SELECT 'PUBLIC', string_agg(' ' || a.privilege_type, '' ORDER BY CASE a.privilege_type"
    "   WHEN 'UPDATE' THEN 1 WHEN 'DELETE' THEN 2 ELSE 3 END)"
    " FROM pg_class k, aclexplode(k.relacl) a WHERE k.oid = to_regclass(CAST(?1 AS TEXT))"
    " AND a.grantee = 0 AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')"
    " HAVING count(*) > 0"
    " ORDER BY 1";

/* The roles (not superusers, not the owner) that may add to the ledger
 * while its row security, which lets them add only a sale's entries
 * (schema version 15), is off. */
static const char ledger_open_sql[] =
    "SELECT r.rolname FROM pg_class k, pg_roles r"
    " WHERE k.oid = to_regclass('ledger') AND NOT k.relrowsecurity"
    " AND NOT r.rolsuper AND r.oid <> k.relowner"
    " AND has_table_privilege(r.oid, k.oid, 'INSERT') ORDER BY 1";

/* Reports each role ledger_open_sql finds. */
static cp_err ledger_policy_verify(db *d, FILE *report, long *problems)
{
    db_stmt *st = db_prepare(d, ledger_open_sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        fprintf(report, _("BROKEN: rights: the role %s may add any entry to the ledger (its "
                          "row security is off): ALTER TABLE ledger ENABLE ROW LEVEL SECURITY "
                          "as the store's owner\n"), db_col_text(st, 0));
        (*problems)++;
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading who may add to the ledger");
}

cp_err roles_verify(db *d, FILE *report, long *problems)
{
    db_stmt *st;
    int rc = DB_DONE;
    cp_err err;

    if (db_dialect_of(d) != DB_DIALECT_PG)
        return CP_OK;
    if ((err = ledger_policy_verify(d, report, problems)))
        return err;
    if (!(st = db_prepare(d, may_change_sql)))
        return CP_ERR_DB;
    for (int t = 0; schema_append_only[t] && rc == DB_DONE; t++) {
        db_bind_text(st, 1, schema_append_only[t]);
        while ((rc = db_step(st)) == DB_ROW) {
            fprintf(report, _("BROKEN: rights: the role %s may%s on %s, an append-only table: "
                              "run `cleanplate-office init` as the store's owner (it grants the "
                              "terminals' role only what it needs), or REVOKE UPDATE, DELETE, "
                              "TRUNCATE ON %s FROM %s\n"),
                    db_col_text(st, 0), db_col_text(st, 1), schema_append_only[t],
                    schema_append_only[t], db_col_text(st, 0));
            (*problems)++;
        }
        db_reset(st);
    }
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading who may change the event tables");
}
