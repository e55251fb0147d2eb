/* audit_verify: the audit log checked (audit_verify): every entry's link and hash, every event's content against its rows, every event row covered once, no event entered twice, and every head a seal lists still in its chain. */
#include "core/audit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_int.h"
#include "core/nls.h"

#define SHOW_MAX 20 /* problems of one kind shown; the rest are counted */

/* Reports a problem: shown while fewer than SHOW_MAX of its kind were. */
static void problem(FILE *report, long *shown, long *problems, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(FILE *report, long *shown, long *problems, const char *fmt, ...)
{
    va_list ap;

    (*problems)++;
    if ((*shown)++ >= SHOW_MAX)
        return;
    fputs(_("BROKEN: audit log: "), report);
    va_start(ap, fmt);
    vfprintf(report, _(fmt), ap); /* problem is an xgettext keyword */
    va_end(ap);
    fputc('\n', report);
}

/* An event entry whose content is being read, in walk_chain's batch. */
typedef struct event_entry {
    char seq[24], action[64], subject[256], at[40], content[HASH_HEX_LEN];
} event_entry;

/* Hashes the content of the events of batch b (their entries e, in order)
 * and reports each that no longer matches its entry; empties b. */
static cp_err check_contents(audit_batch *b, const event_entry *e, FILE *report,
                             long *contents, long *problems, long counts[AUDIT_NTABLES])
{
    char want[HASH_HEX_LEN];
    cp_err err;

    for (int i = 0; i < audit_batch_count(b); i++) {
        if ((err = audit_batch_hash(b, i, counts, want)))
            return err;
        if (strcmp(e[i].content, want) != 0)
            problem(report, contents, problems, "%s %s (entry %s at %s) was changed after it "
                    "was recorded: its rows no longer match the audit log", e[i].action,
                    e[i].subject, e[i].seq, e[i].at);
    }
    audit_batch_clear(b);
    return CP_OK;
}

/* Checks the links and hashes of every entry and the content of every
 * event; counts[] gets the rows each table's events hold. The events'
 * content is read a batch at a time (audit_batch): a changed event is
 * reported after the broken links of the entries read with it. */
static cp_err walk_chain(db *d, const char *head, FILE *report, long *problems, long *checked,
                         long counts[AUDIT_NTABLES], int *head_found)
{
    static const char sql[] =
        "SELECT seq, at, actor, terminal, action, subject, detail, content, prev_hash, hash,"
        " chain FROM audit ORDER BY chain, seq";
    db_stmt *st = db_prepare(d, sql);
    char prev[AUDIT_START_LEN], want[HASH_HEX_LEN], chain[AUDIT_START_LEN] = "";
    long links = 0, contents = 0;
    event_entry events[AUDIT_BATCH_MAX];
    audit_batch *batch;
    cp_err err = CP_OK;
    int rc;

    if (!st)
        return CP_ERR_DB;
    if (!(batch = audit_batch_new(d)))
        return cp_fail(CP_ERR_NOMEM, "out of memory checking the audit log");
    snprintf(prev, sizeof prev, "%s", audit_genesis);
    /* chain by chain, each in the order it was written */
    while ((rc = db_step(st)) == DB_ROW) {
        const char *col[11];
        const kind *k;
        for (int i = 0; i < 11; i++)
            col[i] = db_col_text(st, i);
        if (strcmp(col[10], chain) != 0) { /* the first entry of the next chain */
            char start[AUDIT_START_LEN];
            snprintf(chain, sizeof chain, "%s", col[10]);
            snprintf(prev, sizeof prev, "%s", audit_chain_start(chain, start));
        }
        if (strcmp(col[8], prev) != 0)
            problem(report, &links, problems, "entry %s does not follow the one before it "
                    "(an entry was removed or inserted)", col[0]);
        audit_entry_hash(col[8], col[1], col[2], col[3], col[4], col[5], col[6], col[7], want);
        if (strcmp(col[9], want) != 0)
            problem(report, &links, problems, "entry %s (%s %s at %s) was altered: its hash "
                    "does not match its content", col[0], col[4], col[5] ? col[5] : "",
                    col[1]);
        if (head && strcmp(col[9], head) == 0)
            *head_found = 1;
        snprintf(prev, sizeof prev, "%s", col[9]);
        (*checked)++;
        if (!col[7])
            continue;
        if (!(k = audit_find_kind(col[4]))) {
            problem(report, &contents, problems, "entry %s records an unknown kind of event "
                    "'%s'", col[0], col[4]);
            continue;
        }
        /* the batch steps other statements; this one's row stays valid */
        err = audit_batch_add(batch, k, col[5] ? col[5] : "");
        if (err == CP_ERR_FULL &&
            !(err = check_contents(batch, events, report, &contents, problems, counts)))
            err = audit_batch_add(batch, k, col[5] ? col[5] : "");
        if (err)
            break;
        event_entry *e = &events[audit_batch_count(batch) - 1];
        snprintf(e->seq, sizeof e->seq, "%s", col[0]);
        snprintf(e->action, sizeof e->action, "%s", col[4]);
        snprintf(e->subject, sizeof e->subject, "%s", col[5] ? col[5] : "");
        snprintf(e->at, sizeof e->at, "%s", col[1]);
        snprintf(e->content, sizeof e->content, "%s", col[7]);
    }
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading the audit log");
    if (!err)
        err = check_contents(batch, events, report, &contents, problems, counts);
    db_reset(st);
    audit_batch_free(batch);
    return err;
}

/* Each table's rows must all be covered by events, once: the rows that the
 * events read add up to the table's count. Shows a few uncovered rows. */
static cp_err check_coverage(db *d, FILE *report, long *problems,
                             const long counts[AUDIT_NTABLES])
{
    long shown = 0;

    for (size_t t = 0; t < AUDIT_NTABLES; t++) {
        char sql[1024], event[256];
        db_stmt *st = NULL;
        int64_t total = 0;
        cp_err err = CP_OK;

        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", audit_tables[t].name);
        if (db_prepare_once(d, sql, &st) != CP_OK)
            return db_fail(d, "counting event rows");
        err = db_step_int64(d, st, &total);
        db_finalize(st);
        if (err)
            return err;
        if (total == counts[t])
            continue;
        problem(report, &shown, problems, "%s has %lld rows, its audited events %ld: rows were "
                "added without an event, removed, or counted twice", audit_tables[t].name,
                (long long)total, counts[t]);
        snprintf(sql, sizeof sql,
                 "SELECT %s FROM %s WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE"
                 " a.content IS NOT NULL AND a.subject = %s) ORDER BY 1 LIMIT 5",
                 audit_tables[t].row, audit_tables[t].name,
                 audit_event_of(d, &audit_tables[t], event));
        if (db_prepare_once(d, sql, &st) != CP_OK)
            return db_fail(d, "finding rows without an event");
        while (db_step(st) == DB_ROW)
            fprintf(report, _("BROKEN: audit log: %s %s is in no audited event\n"),
                    audit_tables[t].name, db_col_text(st, 0));
        db_finalize(st);
    }
    return CP_OK;
}

/* Whether hash is an entry of chain, after walk_chain has checked the
 * links: an entry of that chain follows it, or it is the chain's head. */
static cp_err in_chain(db *d, const char *chain, const char *hash, int *found)
{
    static const char next_sql[] = "SELECT chain FROM audit WHERE prev_hash = ?";
    db_stmt *st = db_prepare(d, next_sql);
    char head[HASH_HEX_LEN];
    int rc;
    cp_err err;

    *found = 0;
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, hash);
    if ((rc = db_step(st)) == DB_ROW)
        *found = strcmp(db_col_text(st, 0), chain) == 0;
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_fail(d, "reading the audit log");
    if (*found)
        return CP_OK;
    if ((err = audit_head(d, chain, head)))
        return err;
    *found = strcmp(head, hash) == 0;
    return CP_OK;
}

/* Every head a seal lists (audit_seal) must still be in its chain: else
 * that terminal's chain was cut short, or rewritten, after the seal. */
static cp_err check_seals(db *d, FILE *report, long *problems)
{
    static const char sql[] =
        "SELECT seq, detail FROM audit WHERE action = ? AND chain = '' ORDER BY seq";
    db_stmt *st = db_prepare(d, sql);
    long shown = 0;
    cp_err err = CP_OK;
    int rc = DB_DONE;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, audit_seal_action);
    while (!err && (rc = db_step(st)) == DB_ROW) {
        char *lines = strdup(db_col_text(st, 1) ? db_col_text(st, 1) : "");
        char seq[24], *save = NULL;
        snprintf(seq, sizeof seq, "%s", db_col_text(st, 0));
        if (!lines) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory checking the audit log");
            break;
        }
        for (char *line = strtok_r(lines, "\n", &save); line && !err;
             line = strtok_r(NULL, "\n", &save)) {
            char *hash = strchr(line, ' ');
            int found = 0;
            if (!hash) {
                problem(report, &shown, problems, "seal entry %s lists '%s', not a chain and "
                        "its head", seq, line);
                continue;
            }
            *hash++ = '\0';
            if (!(err = in_chain(d, line, hash, &found)) && !found)
                problem(report, &shown, problems, "seal entry %s lists %s's head %s, which is "
                        "no longer in %s's chain: its entries were cut short or rewritten "
                        "after the seal", seq, line, hash, line);
        }
        free(lines);
    }
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading the audit log");
    db_reset(st);
    return err;
}

/* An event entered twice would cover its rows twice. */
static cp_err check_duplicates(db *d, FILE *report, long *problems)
{
    static const char sql[] =
        "SELECT action, subject, count(*) FROM audit WHERE content IS NOT NULL"
        " GROUP BY action, subject HAVING count(*) > 1 ORDER BY action, subject";
    db_stmt *st = db_prepare(d, sql);
    long shown = 0;
    int rc;

    if (!st)
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW)
        problem(report, &shown, problems, "%s %s is entered %d times", db_col_text(st, 0),
                db_col_text(st, 1), db_col_int(st, 2));
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading the audit log");
}

cp_err audit_verify(db *d, const char *head, FILE *report, long *problems, long *checked)
{
    long counts[AUDIT_NTABLES] = {0}, shown = 0;
    int head_found = 0;
    cp_err err;

    *checked = 0;
    if ((err = walk_chain(d, head, report, problems, checked, counts, &head_found)) ||
        (err = check_coverage(d, report, problems, counts)) ||
        (err = check_duplicates(d, report, problems)) ||
        (err = check_seals(d, report, problems)))
        return err;
    if (head && !head_found)
        problem(report, &shown, problems, "no entry has the head %s: the log was cut short "
                "or rewritten after that head was printed", head);
    return CP_OK;
}
