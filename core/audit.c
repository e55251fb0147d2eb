/* audit: the append-only audit log, a BLAKE2b hash chain that verify can check. */
#include "core/audit.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/hash.h"

#define HASH_HEX HASH_HEX_LEN
/* The chain starts from a fixed value so that an empty log verifies. */
static const char genesis[] = "cleanplate-audit-v1";

static void entry_hash(const char *prev, const char *at, const char *actor,
                       const char *terminal, const char *action, const char *subject,
                       const char *detail, char out[HASH_HEX])
{
    const char *fields[] = {prev, at, actor, terminal, action, subject, detail};
    hash_fields(fields, sizeof fields / sizeof fields[0], out);
}

cp_err audit_append(db *d, const char *actor, const char *terminal, const char *action,
                    const char *subject, const char *detail)
{
    static const char last_sql[] = "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1";
    static const char insert_sql[] =
        "INSERT INTO audit(at, actor, terminal, action, subject, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st;
    char prev[HASH_HEX] = "", hash[HASH_HEX], at[CP_TIME_ISO_LEN];
    cp_time now;
    cp_err err;
    int rc;

    if ((err = clock_now(&now)))
        return err;
    clock_iso(&now, at);
    if (!(st = db_stmt(d, last_sql)))
        return CP_ERR_DB;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (rc == SQLITE_DONE)
        snprintf(prev, sizeof prev, "%s", genesis);
    else
        return db_fail(d, "reading the audit log");
    sqlite3_reset(st);

    entry_hash(prev, at, actor, terminal, action, subject, detail, hash);
    if (!(st = db_stmt(d, insert_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, at);
    db_bind_text(st, 2, actor);
    db_bind_text(st, 3, terminal);
    db_bind_text(st, 4, action);
    db_bind_text(st, 5, subject);
    db_bind_text(st, 6, detail);
    db_bind_text(st, 7, prev);
    db_bind_text(st, 8, hash);
    return db_step_done(d, st, "writing the audit log");
}

cp_err audit_verify(db *d, long *checked)
{
    static const char sql[] =
        "SELECT seq, at, actor, terminal, action, subject, detail, prev_hash, hash"
        " FROM audit ORDER BY seq";
    sqlite3_stmt *st = db_stmt(d, sql);
    char prev[HASH_HEX], want[HASH_HEX];
    cp_err err = CP_OK;
    int rc;

    *checked = 0;
    if (!st)
        return CP_ERR_DB;
    snprintf(prev, sizeof prev, "%s", genesis);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *col[9];
        for (int i = 0; i < 9; i++)
            col[i] = (const char *)sqlite3_column_text(st, i);
        if (strcmp(col[7], prev) != 0) {
            err = cp_fail(CP_ERR_INVALID, "audit entry %s does not follow the one before it "
                          "(an entry was removed or inserted)", col[0]);
            break;
        }
        entry_hash(col[7], col[1], col[2], col[3], col[4], col[5], col[6], want);
        if (strcmp(col[8], want) != 0) {
            err = cp_fail(CP_ERR_INVALID, "audit entry %s (%s at %s) was altered: its hash "
                          "does not match its content", col[0], col[4], col[1]);
            break;
        }
        snprintf(prev, sizeof prev, "%s", col[8]);
        (*checked)++;
    }
    if (!err && rc != SQLITE_DONE)
        err = db_fail(d, "reading the audit log");
    sqlite3_reset(st);
    return err;
}
