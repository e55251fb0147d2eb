/* audit: the append-only audit log, a BLAKE2b hash chain that verify can check. */
#include "core/audit.h"

#include <stdlib.h>
#include <string.h>

#include "core/audit_int.h"
#include "core/clock.h"

/* A chain starts from a fixed value so that an empty log verifies: the
 * office's chain from this, a terminal's from this, ':' and its code (so
 * that an entry moved to another chain no longer follows anything). */
const char audit_genesis[] = "cleanplate-audit-v1";

/* The action of a seal entry (audit_seal). */
const char audit_seal_action[] = "audit.seal";

/* True while audit_backfill runs (inside a migration, one thread). */
static int backfilling;

/* ---- the chain ------------------------------------------------------------ */

/* An entry's hash: its fields and the hash before it. content joined the
 * entries later, so it is hashed only when there is one: older entries keep
 * the hash they were written with. */
void audit_entry_hash(const char *prev, const char *at, const char *actor, const char *terminal,
                      const char *action, const char *subject, const char *detail,
                      const char *content, char out[HASH_HEX_LEN])
{
    const char *fields[] = {prev, at, actor, terminal, action, subject, detail, content};
    hash_fields(fields, sizeof fields / sizeof fields[0] - (content ? 0 : 1), out);
}

/* The chain a writer appends to: its terminal's, or the office's (""). */
static const char *chain_of(const char *terminal)
{
    return terminal ? terminal : "";
}

/* What the first entry of chain follows (see audit_genesis), in buf. */
const char *audit_chain_start(const char *chain, char buf[AUDIT_START_LEN])
{
    if (!*chain)
        return audit_genesis;
    snprintf(buf, AUDIT_START_LEN, "%s:%s", audit_genesis, chain);
    return buf;
}

static const char head_sql[] =
    "SELECT hash FROM audit WHERE chain = ? ORDER BY seq DESC LIMIT 1";
/* While the backfill runs (schema version 6), the log has one chain and no
 * column to name it: the entries it writes are the office's chain's. */
static const char backfill_head_sql[] = "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1";

/* The chain's head from st (head_sql, run or waiting to be), "" when the
 * chain is empty. */
static cp_err read_head(db *d, db_stmt *st, char head[HASH_HEX_LEN])
{
    int rc = db_step(st);

    head[0] = '\0';
    if (rc == DB_ROW)
        db_copy_col(head, HASH_HEX_LEN, st, 0);
    db_reset(st);
    return rc == DB_ROW || rc == DB_DONE ? CP_OK : db_fail(d, "reading the audit log");
}

/* Takes chain's lock and queues the read of its head after it (*out), to
 * go with what else waits, in one round trip (db_prefetch). The head is
 * read under the lock, which the transaction holds until it ends: no other
 * appends after the same head (a fork, which the unique index on prev_hash
 * would refuse). */
static cp_err lock_head(db *d, const char *chain, db_stmt **out)
{
    cp_err err;

    if ((err = db_lock_chain(d, chain)))
        return err;
    if (!(*out = db_prepare(d, backfilling ? backfill_head_sql : head_sql)))
        return CP_ERR_DB;
    if (!backfilling)
        db_bind_text(*out, 1, chain);
    return db_prefetch(d, out, 1);
}

/* Appends one entry inside the open transaction after the entry whose
 * hash is head_now ("": the chain is empty), read under the chain's lock
 * (lock_head); head (may be NULL) gets its hash. The entry is written with
 * what is sent next, or with the COMMIT (db_step_later): nothing in the
 * transaction waits for it. */
static cp_err append_entry(db *d, const char *head_now, const char *actor,
                           const char *terminal, const char *action, const char *subject,
                           const char *detail, const char *content, char head[HASH_HEX_LEN])
{
    static const char insert_sql[] =
        "INSERT INTO audit(at, actor, terminal, action, subject, detail, content, prev_hash,"
        " hash, chain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static const char backfill_insert_sql[] =
        "INSERT INTO audit(at, actor, terminal, action, subject, detail, content, prev_hash,"
        " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    const char *chain = backfilling ? "" : chain_of(terminal);
    char start[AUDIT_START_LEN], hash[HASH_HEX_LEN], at[CP_TIME_ISO_LEN];
    const char *prev = head_now[0] ? head_now : audit_chain_start(chain, start);
    db_stmt *st;
    cp_err err;

    if ((err = clock_now_iso(at)))
        return err;
    audit_entry_hash(prev, at, actor, terminal, action, subject, detail, content, hash);
    if (!(st = db_prepare(d, backfilling ? backfill_insert_sql : insert_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, at);
    db_bind_text(st, 2, actor);
    db_bind_text(st, 3, terminal);
    db_bind_text(st, 4, action);
    db_bind_text(st, 5, subject);
    db_bind_text(st, 6, detail);
    db_bind_text(st, 7, content);
    db_bind_text(st, 8, prev);
    db_bind_text(st, 9, hash);
    if (!backfilling)
        db_bind_text(st, 10, chain);
    if ((err = db_step_later(d, st, "writing the audit log")))
        return err;
    if (head)
        snprintf(head, HASH_HEX_LEN, "%s", hash);
    return CP_OK;
}

/* append_entry after the head that head_st (lock_head) reads. */
static cp_err append_after(db *d, db_stmt *head_st, const char *actor, const char *terminal,
                           const char *action, const char *subject, const char *detail,
                           const char *content, char head[HASH_HEX_LEN])
{
    char head_now[HASH_HEX_LEN];
    cp_err err = read_head(d, head_st, head_now);

    return err ? err : append_entry(d, head_now, actor, terminal, action, subject, detail,
                                    content, head);
}

/* Appends one entry without content inside the open transaction. */
static cp_err append_in_txn(db *d, const char *actor, const char *terminal, const char *action,
                            const char *subject, const char *detail)
{
    db_stmt *head_st;
    cp_err err = lock_head(d, chain_of(terminal), &head_st);

    return err ? err : append_after(d, head_st, actor, terminal, action, subject, detail, NULL,
                                    NULL);
}

cp_err audit_logged_in(db *d, const char *terminal, const char *name, int *yes)
{
    /* the index on (chain, seq) walks the terminal's chain back from its head */
    static const char sql[] =
        "SELECT action, actor FROM audit WHERE chain = ?1"
        " AND action IN ('pos.login', 'pos.logout') ORDER BY seq DESC LIMIT 1";
    db_stmt *st = db_prepare(d, sql);
    int rc;

    *yes = 0;
    if (!st)
        return db_prepare_error(d);
    db_bind_text(st, 1, terminal);
    if ((rc = db_step(st)) == DB_ROW)
        *yes = strcmp(db_col_text(st, 0), "pos.login") == 0 &&
               strcmp(db_col_text(st, 1), name) == 0;
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "reading who is logged in") : CP_OK;
}

cp_err audit_append(db *d, const char *actor, const char *terminal, const char *action,
                    const char *subject, const char *detail)
{
    cp_err err;

    /* Reading the head and writing after it must be one transaction: outside
     * one, a second writer could read the same head in between (and the
     * unique index on prev_hash would refuse the later entry). */
    if (db_in_txn(d))
        return append_in_txn(d, actor, terminal, action, subject, detail);
    if ((err = db_begin(d)))
        return err;
    if ((err = append_in_txn(d, actor, terminal, action, subject, detail))) {
        db_rollback(d);
        return err;
    }
    return db_commit(d);
}

cp_err audit_run_append(db *d, audit_run *run, const char *actor, const char *terminal,
                        const char *action, const char *subject, const char *detail)
{
    char prev[HASH_HEX_LEN];
    db_stmt *head_st;
    cp_err err;

    if (!db_in_txn(d))
        return cp_fail(CP_ERR_INVALID, "note %s %s appended outside its transaction", action,
                       subject);
    if (!run->started) {
        /* the lock is held until the transaction ends: the head read now
         * stays the head but for the notes of this run */
        if ((err = lock_head(d, chain_of(terminal), &head_st)) ||
            (err = read_head(d, head_st, run->head)))
            return err;
        run->started = 1;
    }
    memcpy(prev, run->head, sizeof prev);
    return append_entry(d, prev, actor, terminal, action, subject, detail, NULL, run->head);
}

cp_err audit_event(db *d, const char *actor, const char *terminal, const char *action,
                   const char *subject, const char *detail, char head[HASH_HEX_LEN])
{
    const kind *k = audit_find_kind(action);
    char content[HASH_HEX_LEN];
    db_stmt *sts[AUDIT_KIND_QUERIES], *head_st;
    int n;
    cp_err err;

    if (!k)
        return cp_fail(CP_ERR_INVALID, "no audited event of kind '%s'", action);
    if (!db_in_txn(d))
        return cp_fail(CP_ERR_INVALID, "event %s %s entered outside its transaction", action,
                       subject);
    /* the content's rows, the chain's lock and its head in one round trip,
     * with the writes waiting before them (the event's rows): the lock
     * comes after the content is read, so that appends meet only for the
     * head, the entry and the COMMIT */
    if ((err = audit_content_send(d, k, subject, backfilling, sts, &n)) ||
        (err = lock_head(d, chain_of(terminal), &head_st)) ||
        (err = audit_content_hash(d, k, sts, n, content)))
        return err;
    return append_after(d, head_st, actor, terminal, action, subject, detail, content, head);
}

cp_err audit_lock_chain(db *d, const char *terminal, db_stmt **head_st)
{
    return lock_head(d, chain_of(terminal), head_st);
}

cp_err audit_event_hashed(db *d, db_stmt *head_st, const char *actor, const char *terminal,
                          const char *action, const char *subject, const char *detail,
                          const char *content, char head[HASH_HEX_LEN])
{
    cp_err err;

    if (!audit_find_kind(action))
        return cp_fail(CP_ERR_INVALID, "no audited event of kind '%s'", action);
    if (!db_in_txn(d))
        return cp_fail(CP_ERR_INVALID, "event %s %s entered outside its transaction", action,
                       subject);
    if (!head_st && (err = lock_head(d, chain_of(terminal), &head_st)))
        return err;
    return append_after(d, head_st, actor, terminal, action, subject, detail, content, head);
}

cp_err audit_head(db *d, const char *terminal, char head[HASH_HEX_LEN])
{
    db_stmt *st = db_prepare(d, head_sql);

    head[0] = '\0';
    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, chain_of(terminal));
    return read_head(d, st, head);
}

/* Appends "CHAIN HASH\n" to the growing text *buf (*len long, *cap room). */
static cp_err add_line(char **buf, size_t *len, size_t *cap, const char *chain, const char *hash)
{
    size_t need = strlen(chain) + strlen(hash) + 3;

    if (*len + need > *cap) {
        size_t want = *cap ? *cap * 2 : 1024;
        char *p;
        while (want < *len + need)
            want *= 2;
        if (!(p = realloc(*buf, want)))
            return cp_fail(CP_ERR_NOMEM, "out of memory listing the audit chains");
        *buf = p;
        *cap = want;
    }
    *len += (size_t)snprintf(*buf + *len, *cap - *len, "%s %s\n", chain, hash);
    return CP_OK;
}

cp_err audit_heads(db *d, int office, char **out)
{
    /* the chains one by one through the index on (chain, seq) (a loose
     * index scan: a chain's name, then the next name after it), each with
     * its newest entry, rather than a scan of the whole log */
    static const char sql[] =
        "WITH RECURSIVE c(chain) AS ("
        "  SELECT min(chain) FROM audit WHERE chain <> ''"
        "  UNION ALL SELECT (SELECT min(chain) FROM audit WHERE chain > c.chain) FROM c"
        "  WHERE c.chain IS NOT NULL)"
        " SELECT c.chain, (SELECT hash FROM audit a WHERE a.chain = c.chain"
        "                  ORDER BY a.seq DESC LIMIT 1)"
        " FROM c WHERE c.chain IS NOT NULL ORDER BY c.chain";
    char *buf = NULL, head[HASH_HEX_LEN];
    size_t len = 0, cap = 0;
    db_stmt *st;
    cp_err err = CP_OK;
    int rc;

    *out = NULL;
    if (office && (err = audit_head(d, NULL, head)))
        return err;
    if (office && head[0] && (err = add_line(&buf, &len, &cap, "-", head)))
        return err;
    if (!(st = db_prepare(d, sql))) {
        free(buf);
        return CP_ERR_DB;
    }
    while (!err && (rc = db_step(st)) == DB_ROW)
        err = add_line(&buf, &len, &cap, db_col_text(st, 0), db_col_text(st, 1));
    db_reset(st);
    if (!err && rc != DB_DONE)
        err = db_fail(d, "reading the heads of the audit chains");
    if (!err && !buf && !(buf = strdup("")))
        err = cp_fail(CP_ERR_NOMEM, "out of memory listing the audit chains");
    if (err) {
        free(buf);
        return err;
    }
    *out = buf;
    return CP_OK;
}

/* In the open transaction: seals the log (see audit_seal). */
static cp_err seal_in_txn(db *d, const char *actor, char head[HASH_HEX_LEN])
{
    static const char last_sql[] =
        "SELECT action, detail FROM audit WHERE chain = '' ORDER BY seq DESC LIMIT 1";
    db_stmt *head_st, *st;
    char *heads = NULL, tip[HASH_HEX_LEN];
    int same = 0, rc;
    cp_err err;

    /* the office chain's lock first: the heads listed are read after it,
     * and no other seal can come between them and this entry */
    if ((err = lock_head(d, "", &head_st)) || (err = read_head(d, head_st, tip)) ||
        (err = audit_heads(d, 0, &heads)))
        goto out;
    snprintf(head, HASH_HEX_LEN, "%s", tip);
    if (!*heads) /* no terminal has a chain: the office's head is the whole log's */
        goto out;
    if (!(st = db_prepare(d, last_sql))) {
        err = CP_ERR_DB;
        goto out;
    }
    if ((rc = db_step(st)) == DB_ROW)
        same = strcmp(db_col_text(st, 0), audit_seal_action) == 0 && db_col_text(st, 1) &&
               strcmp(db_col_text(st, 1), heads) == 0;
    db_reset(st);
    if (rc != DB_ROW && rc != DB_DONE) {
        err = db_fail(d, "reading the audit log");
        goto out;
    }
    if (!same) /* else sealed already, and nothing was appended since */
        err = append_entry(d, tip, actor, NULL, audit_seal_action, NULL, heads, NULL, head);
out:
    free(heads);
    return err;
}

cp_err audit_seal(db *d, const char *actor, char head[HASH_HEX_LEN])
{
    cp_err err;

    head[0] = '\0';
    if (db_in_txn(d))
        return seal_in_txn(d, actor, head);
    if ((err = db_begin(d)))
        return err;
    if ((err = seal_in_txn(d, actor, head))) {
        db_rollback(d);
        return err;
    }
    return db_commit(d);
}

/* ---- entering rows written before events were entered ---------------------- */

typedef struct pending {
    char *subject, *action;
} pending;

/* The uncovered events of table t, as (subject, action) pairs. */
static cp_err uncovered(db *d, const table *t, pending **out, size_t *n)
{
    char sql[1024], buf[256];
    const char *event = audit_event_of(d, t, buf);
    db_stmt *st = NULL;
    size_t cap = 0;
    cp_err err = CP_OK;
    int rc;

    *out = NULL;
    *n = 0;
    /* an anti-join, not NOT EXISTS: SQLite runs that as a scan of the log
     * for every row (audit.subject has no index), and this join with an
     * index of its own made for the query; PostgreSQL runs both alike */
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT %s, %s FROM %s LEFT JOIN audit a ON a.content IS NOT NULL"
             " AND a.subject = %s WHERE a.seq IS NULL ORDER BY 1",
             event, t->action, t->name, event);
    if (db_prepare_once(d, sql, &st) != CP_OK)
        return db_fail(d, "finding rows to enter in the audit log");
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            pending *p = realloc(*out, (cap = cap ? cap * 2 : 64) * sizeof *p);
            if (!p) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory entering old rows");
                break;
            }
            *out = p;
        }
        (*out)[*n].subject = strdup(db_col_text(st, 0));
        (*out)[*n].action = strdup(db_col_text(st, 1));
        if (!(*out)[*n].subject || !(*out)[*n].action) {
            free((*out)[*n].subject);
            free((*out)[*n].action);
            err = cp_fail(CP_ERR_NOMEM, "out of memory entering old rows");
            break;
        }
        (*n)++;
    }
    if (!err && rc != DB_DONE)
        err = db_fail(d, "finding rows to enter in the audit log");
    db_finalize(st);
    return err;
}

cp_err audit_backfill(db *d)
{
    cp_err err = CP_OK;

    /* In the order of audit_tables[]: a sale's entry covers its lines and ledger
     * entries, so those are no longer uncovered when their turn comes. */
    backfilling = 1;
    for (size_t t = 0; t < AUDIT_NTABLES && !err; t++) {
        pending *p = NULL;
        size_t n = 0;
        if (audit_tables[t].later)
            continue;
        err = uncovered(d, &audit_tables[t], &p, &n);
        for (size_t i = 0; i < n; i++) {
            if (!err)
                err = audit_event(d, "migration", NULL, p[i].action, p[i].subject,
                                  "written before events were entered in the audit log", NULL);
            free(p[i].subject);
            free(p[i].action);
        }
        free(p);
    }
    backfilling = 0;
    return err;
}
