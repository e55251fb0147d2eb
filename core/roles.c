/* roles: a store's three PostgreSQL roles: the back office's, which owns it; the terminals', which may do only what a serving line and a waste station on the store need; and the servers' (serve), which may also read the networked terminals' keys and keep their events.
 *
 * The rights are listed once, beside each table (schema_tables in
 * core/schema.c), and granted exactly: everything is revoked from a role
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

/* The setting each kind of role is named by in the statements below. */
static const char *const setting_of[ROLES_KINDS] = {
    [ROLES_FOR_OFFICE] = "cleanplate.office",
    [ROLES_FOR_TERMINALS] = "cleanplate.terminal",
    [ROLES_FOR_SERVERS] = "cleanplate.server",
};

/* Names the role of kind for the rest of the open transaction: the
 * statements below read it with current_setting and quote it with
 * format('%I'), so that no name is ever pasted into SQL here. */
static cp_err name_role(db *d, roles_kind kind, const char *name)
{
    db_stmt *st = db_prepare(d, "SELECT set_config(?1, ?2, true)");
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, setting_of[kind]);
    db_bind_text(st, 2, name);
    while ((rc = db_step(st)) == DB_ROW)
        ;
    return rc == DB_DONE ? CP_OK : db_fail(d, "naming the roles");
}

/* Every table and function of the store's schema (the first of the search
 * path) goes to the office's role, which may also create tables there (a
 * migration). */
static const char give_sql[] =
    "DO $$ DECLARE r record;"
    "  o text := current_setting('cleanplate.office');"
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
    " END $$";

/* Revokes everything on table from the role named by setting and grants it
 * rights (NULL: none). */
static cp_err grant_one(db *d, const char *setting, const char *table, const char *rights)
{
    char sql[512];
    int n;

    /* settings, names and rights are this file's and schema_tables' constants,
     * short by far */
    n = snprintf(sql, sizeof sql, "DO $$ DECLARE r text := current_setting('%s'); BEGIN"
                 " EXECUTE format('REVOKE ALL ON %%I FROM %%I', '%s', r);", setting, table);
    if (rights)
        n += snprintf(sql + n, sizeof sql - (size_t)n,
                      " EXECUTE format('GRANT %s ON %%I TO %%I', '%s', r);", rights, table);
    snprintf(sql + n, sizeof sql - (size_t)n, " END $$");
    return db_exec(d, sql);
}

/* The terminals' or the servers' role gets exactly what schema_tables says
 * of each table (and may use the schema and read its version, as every
 * program does when it opens the store). */
static cp_err grant_role(db *d, roles_kind kind)
{
    const char *setting = setting_of[kind];
    char sql[256];
    cp_err err;

    snprintf(sql, sizeof sql, "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%I',"
             " current_schema(), current_setting('%s')); END $$", setting);
    if ((err = db_exec(d, sql)) || (err = grant_one(d, setting, "schema_version", "SELECT")))
        return err;
    for (const schema_table *t = schema_tables; t->name && !err; t++) {
        const char *rights = kind == ROLES_FOR_SERVERS && t->server ? t->server : t->terminal;

        if ((err = grant_one(d, setting, t->name, rights)) && kind == ROLES_FOR_SERVERS)
            err = cp_fail(err, "granting the servers' role its rights on %s: %s", t->name,
                          cp_detail());
        else if (err)
            err = cp_fail(err, "granting the terminals' role its rights on %s: %s", t->name,
                          cp_detail());
    }
    return err;
}

/* Ownership to name[ROLES_FOR_OFFICE] and the others' rights, in the open
 * transaction; a NULL name of the others is left alone. */
static cp_err apply(db *d, const char *const name[ROLES_KINDS])
{
    cp_err err;

    if ((err = name_role(d, ROLES_FOR_OFFICE, name[ROLES_FOR_OFFICE])))
        return err;
    if ((err = db_exec(d, give_sql)))
        return cp_fail(err, "giving the store to %s: %s", name[ROLES_FOR_OFFICE], cp_detail());
    for (int k = ROLES_FOR_TERMINALS; k < ROLES_KINDS; k++)
        if (name[k] && ((err = name_role(d, (roles_kind)k, name[k])) ||
                        (err = grant_role(d, (roles_kind)k))))
            return err;
    return CP_OK;
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

cp_err roles_check_distinct(const roles_set *r)
{
    for (int i = 0; i < ROLES_KINDS; i++)
        for (int j = i + 1; j < ROLES_KINDS; j++)
            if (strcmp(r->name[i], r->name[j]) == 0)
                return cp_fail(CP_ERR_INVALID, "two of the store's roles are both %s: give "
                               "the office's, the terminals' and the servers' roles three names",
                               r->name[i]);
    return CP_OK;
}

cp_err roles_create(db *d, const roles_set *r)
{
    cp_err err;

    if ((err = roles_check_distinct(r)) || (err = db_begin(d)))
        return err;
    for (int k = 0; k < ROLES_KINDS; k++)
        if ((err = db_login_role(d, r->name[k], r->password[k])))
            goto fail;
    if ((err = apply(d, r->name)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

/* The owner of sales and, one a row, the roles it granted INSERT on it, and
 * whether each is a servers' role (it may append a networked terminal's
 * events). */
static const char found_sql[] =
    "SELECT pg_get_userbyid(k.relowner), r.rolname,"
    " CAST(has_table_privilege(r.oid, 'terminal_events', 'INSERT') AS INTEGER)"
    " FROM pg_class k, aclexplode(k.relacl) a,"
    " pg_roles r WHERE k.oid = to_regclass('sales') AND a.privilege_type = 'INSERT'"
    " AND a.grantee = r.oid AND a.grantee <> k.relowner ORDER BY r.rolname";

cp_err roles_refresh(db *d)
{
    char found[8][2][64];
    int server[8];
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
            server[n] = db_col_int64(st, 2) != 0;
            n++;
        }
    }
    if (rc != DB_DONE) {
        err = db_fail(d, "reading the store's roles");
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        const char *name[ROLES_KINDS] = {found[i][0], NULL, NULL};

        name[server[i] ? ROLES_FOR_SERVERS : ROLES_FOR_TERMINALS] = found[i][1];
        if ((err = apply(d, name)))
            goto fail;
    }
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

/* Writes to report the line of one role a check found. */
typedef void role_line_fn(FILE *report, const char *role);

/* Runs sql, whose rows each name a role that has a right it must not have,
 * and reports each with line, counting it in *problems. */
static cp_err report_roles(db *d, const char *sql, role_line_fn *line, const char *what,
                           FILE *report, long *problems)
{
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        line(report, db_col_text(st, 0));
        (*problems)++;
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, what); /* what: N_() at the caller */
}

static void ledger_open_line(FILE *report, const char *role)
{
    fprintf(report, _("BROKEN: rights: the role %s may add any entry to the ledger (its row "
                      "security is off): ALTER TABLE ledger ENABLE ROW LEVEL SECURITY as the "
                      "store's owner\n"), role);
}

/* The roles (not superusers, not the owner) granted anything in the store
 * that may read the networked terminals' keys without being a servers' role
 * (INSERT on terminal_events): with the keys a serving line's password signs
 * requests as any networked terminal. */
static const char keys_open_sql[] =
    "SELECT r.rolname FROM pg_roles r WHERE NOT r.rolsuper"
    " AND r.oid <> (SELECT relowner FROM pg_class WHERE oid = to_regclass('terminal_keys'))"
    " AND r.oid IN (SELECT a.grantee FROM pg_class k, aclexplode(k.relacl) a"
    "   WHERE k.relnamespace = to_regnamespace(current_schema()))"
    " AND has_table_privilege(r.oid, 'terminal_keys', 'SELECT')"
    " AND NOT has_table_privilege(r.oid, 'terminal_events', 'INSERT') ORDER BY 1";

static void keys_open_line(FILE *report, const char *role)
{
    fprintf(report, _("BROKEN: rights: the role %s may read the networked terminals' keys "
                      "(with them it can sign requests as any of them), which only the "
                      "servers' role may: run `cleanplate-office init` as the store's owner, "
                      "or REVOKE ALL ON terminal_keys FROM %s\n"), role, role);
}

/* The one role the owner granted INSERT on sales, when there is one only
 * and it may also read the networked terminals' keys: a store whose roles
 * were made before the servers' role was, its terminals' role doing both
 * jobs. */
static const char one_role_sql[] =
    "SELECT min(r.rolname) FROM pg_class k, aclexplode(k.relacl) a, pg_roles r"
    " WHERE k.oid = to_regclass('sales') AND a.privilege_type = 'INSERT'"
    " AND a.grantee = r.oid AND a.grantee <> k.relowner"
    " HAVING count(*) = 1 AND bool_and(has_table_privilege(r.oid, 'terminal_keys', 'SELECT'))";

cp_err roles_advise(db *d, FILE *f)
{
    db_stmt *st;
    int rc;

    if (db_dialect_of(d) != DB_DIALECT_PG)
        return CP_OK;
    if (!(st = db_prepare(d, one_role_sql)))
        return CP_ERR_DB;
    if ((rc = db_step(st)) == DB_ROW)
        fprintf(f, _("WARNING: rights: the role %s does the terminals' job and the server's, "
                     "so every serving line's password reads the networked terminals' keys (a "
                     "store whose roles were made before the servers' role was): make it with "
                     "`cleanplate-office init --create-roles` as a superuser (only its password "
                     "is asked for), then run serve as %s\n"),
                db_col_text(st, 0), ROLES_SERVER);
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading the store's roles");
}

cp_err roles_verify(db *d, FILE *report, long *problems)
{
    db_stmt *st;
    int rc = DB_DONE;
    cp_err err;

    if (db_dialect_of(d) != DB_DIALECT_PG)
        return CP_OK;
    if ((err = report_roles(d, ledger_open_sql, ledger_open_line,
                            N_("reading who may add to the ledger"), report, problems)) ||
        (err = report_roles(d, keys_open_sql, keys_open_line,
                            N_("reading who may read the terminals' keys"), report,
                            problems)) ||
        (err = roles_advise(d, report)))
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
