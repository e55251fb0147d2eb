/* cmd_store: `cleanplate-office init`, `store copy`, `verify` and `audit head`: the store made, copied, checked and sealed. */
#include "backoffice/cmd_store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoffice/publish.h"
#include "core/audit.h"
#include "core/cli.h"
#include "core/money.h"
#include "core/nls.h"
#include "core/roles.h"
#include "core/storecopy.h"
#include "core/verify.h"

/* Reads the new password of role (twice) into pw and checks it; 0 or the exit code. */
static int read_role_password(const char *role, char *pw, size_t size)
{
    char prompt[160];
    cp_err err;

    snprintf(prompt, sizeof prompt, _("password of the role %s"), role);
    if ((err = cli_read_password(prompt, pw, size)) || (err = roles_check_password(role, pw)))
        return office_fail(err);
    return 0;
}

/* The password of role into pw, asked only when the server has no such
 * role: roles belong to the whole server, and one that exists keeps its
 * password (its other stores' logins go on working). *given 0: it exists. */
static int new_role_password(office_ctx *c, const char *role, char *pw, size_t size, int *given)
{
    int exists;
    cp_err err;

    *given = 0;
    if ((err = roles_exists(c->d, role, &exists)))
        return office_fail(err);
    if (exists) {
        printf(_("the role %s exists already on this server: its password is kept (the "
                 "superuser changes it with ALTER ROLE)\n"), role);
        return 0;
    }
    *given = 1;
    return read_role_password(role, pw, size);
}

/* The options that name each kind of role, and the names they default to. */
static const char *const role_option[ROLES_KINDS] = {"office-role", "terminal-role",
                                                      "server-role"};
static const char *const role_default[ROLES_KINDS] = {ROLES_OFFICE, ROLES_TERMINAL, ROLES_SERVER};

/* init opens the store itself: with --create-roles a SQLite file is refused
 * before it is made, and the passwords of the roles to make are read before
 * anything changes. */
int cmd_init(office_ctx *c)
{
    const char *target = office_opt(c, "db");
    int roles = office_opt(c, "create-roles") != NULL, named = 0, rc = 0;
    char pw[ROLES_KINDS][256] = {""};
    int given[ROLES_KINDS] = {0};
    roles_set set = {0};
    cp_err err;

    for (int k = 0; k < ROLES_KINDS; k++) {
        const char *name = office_opt(c, role_option[k]);

        named |= name != NULL;
        set.name[k] = name ? name : role_default[k];
    }
    if (!roles && named) {
        fprintf(stderr, _("cleanplate-office: --office-role, --terminal-role and --server-role "
                          "name the roles that --create-roles makes: give it too\n"));
        return 2;
    }
    if (roles && db_target_dialect(target) != DB_DIALECT_PG) {
        fprintf(stderr, _("cleanplate-office: --create-roles: %s is a SQLite file, and database "
                          "roles are PostgreSQL's: give --db a PostgreSQL database "
                          "(postgresql://...); who may write a file is up to its owner and "
                          "mode (chown, chmod)\n"), db_default_path(target));
        return 2;
    }
    for (int k = 0; roles && k < ROLES_KINDS; k++)
        if ((err = roles_check_name(set.name[k], role_option[k])))
            return office_fail(err);
    if (roles && (err = roles_check_distinct(&set)))
        return office_fail(err);
    if ((err = db_open(target, DB_OPEN_CREATE, &c->d))) {
        rc = office_fail(err);
        goto out;
    }
    for (int k = 0; roles && k < ROLES_KINDS; k++) {
        if ((rc = new_role_password(c, set.name[k], pw[k], sizeof pw[k], &given[k])))
            goto out;
        set.password[k] = given[k] ? pw[k] : NULL;
    }
    if ((err = db_migrate(c->d)) || (err = roles ? roles_create(c->d, &set) : roles_refresh(c->d))) {
        rc = office_fail(err);
        goto out;
    }
    printf(_("database ready (schema version %d)\n"), db_schema_version());
    if (!roles && (err = roles_advise(c->d, stdout))) {
        rc = office_fail(err);
        goto out;
    }
    if (roles)
        printf(_("roles ready: %s owns the store (the back office), %s may do what terminals "
                 "on the store do, %s what the server (serve) does\n"),
               set.name[ROLES_FOR_OFFICE], set.name[ROLES_FOR_TERMINALS],
               set.name[ROLES_FOR_SERVERS]);
out:
    sodium_memzero(pw, sizeof pw);
    return rc;
}

/* verify's progress on a terminal: one line, written again after each page
 * of the audit log (a city's month is minutes). */
static void verify_progress(const char *stage, long done, long total, void *arg)
{
    (void)arg;
    fputs("\r\033[K", stderr); /* apart: a catalog's messages carry no escapes */
    if (total > 0)
        fprintf(stderr, _("verify: %s, %ld%% (%ld of %ld)..."), _(stage),
                done * 100 / total, done, total);
    else
        fprintf(stderr, _("verify: %s, %ld entries..."), _(stage), done);
}

int cmd_verify(office_ctx *c)
{
    long problems;
    char *text = NULL;
    size_t len = 0;
    /* with the progress line shown, the report waits for the end, so that
     * no line of it is written into the progress line */
    FILE *report = isatty(STDERR_FILENO) ? open_memstream(&text, &len) : NULL;
    cp_err err = verify_books_progress(c->d, office_opt(c, "head"),
                                       report ? verify_progress : NULL, NULL,
                                       report ? report : stdout, &problems);
    if (report) {
        fputs("\r\033[K", stderr);
        fclose(report);
        fwrite(text, 1, len, stdout);
        free(text);
    }
    if (!err)
        err = publish_verify(c->d, office_opt(c, "out"), stdout, &problems);
    if (err)
        return office_fail(err);
    return problems ? 1 : 0;
}

/* store copy's progress on a terminal: one line, written again as rows go
 * (a year of a canteen is millions of rows); *arg counts the tables done. */
static void copy_progress(const char *table, long rows, int done, void *arg)
{
    long *copied = arg;

    fputc('\r', stderr); /* apart: a catalog's messages carry no carriage return */
    fprintf(stderr, _("copying %s: %ld rows (%ld in all)...%20s"), table, rows,
            *copied + rows, "");
    if (done)
        *copied += rows;
}

/* Opens --from and --to itself: main opens no store for it. */
int cmd_store_copy(office_ctx *c)
{
    const char *from = office_opt(c, "from"), *to = office_opt(c, "to");
    db *src = NULL, *dst = NULL;
    char money[2][MONEY_STR_LEN];
    storecopy_res r;
    long problems = 0, copied = 0;
    int tty = isatty(STDERR_FILENO);
    cp_err err;

    if (office_need(c, "from") || office_need(c, "to"))
        return 2;
    if (strcmp(from, to) == 0) {
        fprintf(stderr, _("cleanplate-office: --from and --to are the same store: give --to a "
                          "new database\n"));
        return 2;
    }
    if ((err = db_open(from, DB_OPEN_EXISTING, &src)) ||
        (err = db_open(to, DB_OPEN_CREATE, &dst)))
        goto out;
    err = storecopy_run(src, dst, tty ? copy_progress : NULL, &copied, &r);
    if (tty && copied)
        fputc('\n', stderr);
    if (err)
        goto out;
    printf(_("copied %ld rows of %ld tables; wallets hold %s yuan cash and %s yuan subsidy in "
             "both\naudit head %s in both%s%s\n"), r.rows, r.tables,
           money_format(r.cash_fen, money[0]), money_format(r.subsidy_fen, money[1]), r.head,
           r.published[0] ? _("; last published hash ") : "", r.published);
    if (!(err = verify_books(dst, r.head[0] ? r.head : NULL, stdout, &problems)))
        err = publish_verify(dst, NULL, stdout, &problems);
out:
    db_close(src);
    db_close(dst);
    if (err)
        return office_fail(err);
    return problems ? 1 : 0;
}

int cmd_audit_head(office_ctx *c)
{
    char head[HASH_HEX_LEN];
    cp_err err = audit_seal(c->d, c->actor, head);
    if (err)
        return office_fail(err);
    if (!head[0]) {
        fprintf(stderr, _("cleanplate-office: the audit log is empty\n"));
        return 1;
    }
    puts(head);
    return 0;
}
