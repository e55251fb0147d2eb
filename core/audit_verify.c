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

/* Entries read a page at a time: a city's month is millions, which
 * PostgreSQL's client would otherwise hold in memory all at once. */
#define PAGE 4096

/* Where a walk of the chains stands: the chain, its last entry read, and
 * that entry's hash. */
typedef struct walk {
    char chain[AUDIT_START_LEN];
    int64_t seq;
    char prev[AUDIT_START_LEN];
} walk;

/* Checks the links and hashes of the next entries of w's chain (up to
 * PAGE); *more says whether there may be others in it. */
static cp_err walk_page(db *d, walk *w, const char *head, FILE *report, long *problems,
                        long *links, long *checked, int *head_found, int *more)
{
    static const char sql[] =
        "SELECT seq, at, actor, terminal, action, subject, detail, content, prev_hash, hash"
        " FROM audit WHERE chain = ?1 AND seq > ?2 ORDER BY seq LIMIT 4096";
    _Static_assert(PAGE == 4096, "the LIMIT of walk_page is PAGE");
    db_stmt *st = db_prepare(d, sql);
    char want[HASH_HEX_LEN];
    int rc, n = 0;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, w->chain);
    db_bind_int64(st, 2, w->seq);
    while ((rc = db_step(st)) == DB_ROW) {
        const char *col[10];
        for (int i = 0; i < 10; i++)
            col[i] = db_col_text(st, i);
        if (strcmp(col[8], w->prev) != 0)
            problem(report, links, problems, "entry %s does not follow the one before it "
                    "(an entry was removed or inserted)", col[0]);
        audit_entry_hash(col[8], col[1], col[2], col[3], col[4], col[5], col[6], col[7], want);
        if (strcmp(col[9], want) != 0)
            problem(report, links, problems, "entry %s (%s %s at %s) was altered: its hash "
                    "does not match its content", col[0], col[4], col[5] ? col[5] : "",
                    col[1]);
        if (head && strcmp(col[9], head) == 0)
            *head_found = 1;
        snprintf(w->prev, sizeof w->prev, "%s", col[9]);
        w->seq = db_col_int64(st, 0);
        (*checked)++;
        n++;
    }
    db_reset(st);
    *more = n == PAGE;
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading the audit log");
}

/* The chain after w's in their order into w, its start before its first
 * entry; *found is 0 when w's was the last. */
static cp_err next_chain(db *d, walk *w, int *found)
{
    static const char sql[] = "SELECT min(chain) FROM audit WHERE chain > ?1";
    db_stmt *st = db_prepare(d, sql);
    char start[AUDIT_START_LEN];
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, w->chain);
    *found = (rc = db_step(st)) == DB_ROW && !db_col_is_null(st, 0);
    if (*found) {
        snprintf(w->chain, sizeof w->chain, "%s", db_col_text(st, 0));
        w->seq = -1;
        snprintf(w->prev, sizeof w->prev, "%s", audit_chain_start(w->chain, start));
    }
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading the audit log");
}

/* Checks the links and hashes of every entry, chain by chain, each in the
 * order it was written (the office's chain, "", first). */
static cp_err walk_chains(db *d, const char *head, audit_progress_fn *progress, void *arg,
                          FILE *report, long *problems, long *checked, int *head_found)
{
    walk w = {"", -1, ""};
    long links = 0;
    int more = 1, found = 1;
    cp_err err = CP_OK;

    snprintf(w.prev, sizeof w.prev, "%s", audit_genesis);
    while (!err && found) {
        while (!err && more) {
            err = walk_page(d, &w, head, report, problems, &links, checked, head_found, &more);
            if (progress)
                progress(N_("checking the audit chains"), *checked, 0, arg);
        }
        if (!err)
            err = next_chain(d, &w, &found);
        more = 1;
    }
    return err;
}

/* The highest seq of the log, 0 when it is empty. */
static cp_err last_seq(db *d, int64_t *seq)
{
    static const char sql[] = "SELECT coalesce(max(seq), 0) FROM audit";
    db_stmt *st = db_prepare(d, sql);

    return st ? db_step_int64(d, st, seq) : CP_ERR_DB;
}

/* Checks the content of every event against its rows, PAGE entries of the
 * log at a time (audit_page); counts[] gets the rows each table's events
 * hold. */
static cp_err check_contents(db *d, audit_progress_fn *progress, void *arg, FILE *report,
                             long *problems, long counts[AUDIT_NTABLES])
{
    audit_page *p;
    audit_page_entry e;
    long contents = 0;
    int64_t last;
    int rc = DB_DONE;
    cp_err err;

    if ((err = last_seq(d, &last)))
        return err;
    if (!(p = audit_page_new(d)))
        return CP_ERR_DB;
    for (int64_t after = 0; !err && after < last; after += PAGE) {
        if ((err = audit_page_read(p, after, after + PAGE)))
            break;
        while ((rc = audit_page_next(p, &e, counts)) == DB_ROW) {
            char seq[24];
            snprintf(seq, sizeof seq, "%lld", (long long)e.seq);
            if (!e.known)
                problem(report, &contents, problems, "entry %s records an unknown kind of "
                        "event '%s'", seq, e.action);
            else if (strcmp(e.content, e.want) != 0)
                problem(report, &contents, problems, "%s %s (entry %s at %s) was changed "
                        "after it was recorded: its rows no longer match the audit log",
                        e.action, e.subject, seq, e.at);
        }
        if (rc == DB_ERROR)
            err = CP_ERR_DB;
        if (progress) /* by seq, which counts entries but for a few gaps */
            progress(N_("checking the rows of the audited events"),
                     (long)(after + PAGE < last ? after + PAGE : last), (long)last, arg);
    }
    audit_page_free(p);
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
        /* the anti-join of uncovered() in core/audit.c */
        snprintf(sql, sizeof sql,
                 "SELECT %s FROM %s LEFT JOIN audit a ON a.content IS NOT NULL"
                 " AND a.subject = %s WHERE a.seq IS NULL ORDER BY 1 LIMIT 5",
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

cp_err audit_verify(db *d, const char *head, audit_progress_fn *progress, void *arg,
                    FILE *report, long *problems, long *checked)
{
    long counts[AUDIT_NTABLES] = {0}, shown = 0;
    int head_found = 0;
    cp_err err;

    *checked = 0;
    if ((err = walk_chains(d, head, progress, arg, report, problems, checked, &head_found)) ||
        (err = check_contents(d, progress, arg, report, problems, counts)) ||
        (err = check_coverage(d, report, problems, counts)) ||
        (err = check_duplicates(d, report, problems)) ||
        (err = check_seals(d, report, problems)))
        return err;
    if (head && !head_found)
        problem(report, &shown, problems, "no entry has the head %s: the log was cut short "
                "or rewritten after that head was printed", head);
    return CP_OK;
}
