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

/* ---- what an event's content is ----------------------------------------
 *
 * Each query reads rows of one event, ?1 being the event's subject. Column 0
 * names the table the row comes from; every column is hashed as the text
 * the store gives back, so the hash does not depend on how a number is
 * held. The columns are listed, never `*`: a column added later does not
 * change the content of events already entered.
 *
 * A charge hashes its rows as it writes them (core/ledger.c, hash_sale),
 * in the order and with the columns of the sale's queries here: a change
 * to q_sale, q_sale_lines, q_ledger, q_sale_request or q_sale_offline is a
 * change there too (verify fails every charge's entry until it is). */

static const char q_sale[] =
    "SELECT 'sales', id, terminal, canteen_id, card_no, diner_id, department_id, category,"
    " period_id, business_date, kind, total_fen, subsidy_fen, cash_fen, actor, created_at,"
    " request_id FROM sales WHERE id = ?1";
static const char q_sale_lines[] =
    "SELECT 'sale_lines', sale_id, line_no, item_code, name, quantity, amount_fen"
    " FROM sale_lines WHERE sale_id = ?1 ORDER BY line_no";
/* The flags of an offline sale (schema version 9), a row only when one is
 * set: the content of every sale entered before them, and of every online
 * sale, stays what it was. The backfill of version 6 runs before these
 * columns exist, and no sale then can have them: it skips the query
 * (LATER_QUERY). */
static const char q_sale_offline[] =
    "SELECT 'sales.offline', id, offline, over_limit FROM sales"
    " WHERE id = ?1 AND (offline <> 0 OR over_limit <> 0)";
/* A request row is not counted as covered (see audit_tables[] below): it is
 * found through the sale, whose request_id says which one answered it. */
static const char q_sale_request[] =
    "SELECT 'request', request_id, terminal, card_no, result, sale_id, created_at"
    " FROM charge_requests WHERE request_id = (SELECT request_id FROM sales WHERE id = ?1)";
/* The ledger entries of event E have the id E or E.something: the range
 * ('E.', 'E/') holds exactly the ids that start with "E." ('/' follows '.'). */
static const char q_ledger[] =
    "SELECT 'ledger', id, diner_id, wallet, amount_fen, kind, sale_id, ref, terminal, actor,"
    " created_at FROM ledger WHERE id = ?1 OR (id > ?1 || '.' AND id < ?1 || '/') ORDER BY id";
static const char q_void[] =
    "SELECT 'voids', id, sale_id, terminal, actor, reason, created_at FROM voids WHERE id = ?1";
static const char q_waste[] =
    "SELECT 'waste_records', id, placement, terminal, canteen_id, stage, diner_id,"
    " department_id, card_no, sale_id, period_id, business_date, gross_g, tare_g, net_g,"
    " category, reason, flags, actor, created_at, corrects FROM waste_records WHERE id = ?1";
static const char q_publication[] =
    "SELECT 'publications', id, kind, period, version, reason, corrects, rules, content_hash,"
    " files, prev_hash, hash, actor, created_at FROM publications WHERE id = ?1";
static const char q_publication_rows[] =
    "SELECT 'publication_rows', publication_id, rank, code, name, list, meals, diners, trays,"
    " plate_g, g_per_tray_x10, clean_rate_permille, coverage_permille, change_x10"
    " FROM publication_rows WHERE publication_id = ?1 ORDER BY rank";
static const char q_shift[] =
    "SELECT 'shift_events', id, terminal, kind, opens, cashier, counted_cash_fen, report,"
    " created_at FROM shift_events WHERE id = ?1";

static const char q_purchase[] =
    "SELECT 'purchases', id, canteen_id, business_date, supplier, category, grams, fen, invoice,"
    " reverses, reason, actor, created_at FROM purchases WHERE id = ?1";
static const char q_stock_count[] =
    "SELECT 'stock_counts', id, canteen_id, month, category, fen, grams, supersedes, actor,"
    " created_at FROM stock_counts WHERE id = ?1";

#define KIND_MAX_QUERIES 5
/* The query of a kind that reads columns of a later schema version than the
 * backfill's (the last of the list when there is one). */
#define LATER_QUERY q_sale_offline

/* True while audit_backfill runs (inside a migration, one thread). */
static int backfilling;

struct kind {
    const char *action;
    const char *queries[KIND_MAX_QUERIES]; /* unused ones NULL */
};

static const kind kinds[] = {
    {"sale", {q_sale, q_sale_lines, q_ledger, q_sale_request, q_sale_offline}},
    {"sale.void", {q_void, q_ledger}},
    {"wallet.topup", {q_ledger}},
    {"wallet.topup_reverse", {q_ledger}},
    {"subsidy.grant", {q_ledger}},
    {"subsidy.expire", {q_ledger}},
    {"diner.leave", {q_ledger}},
    {"waste.record", {q_waste}},
    {"publish.redblack", {q_publication, q_publication_rows}},
    {"shift.open", {q_shift}},
    {"shift.close", {q_shift}},
    {"purchase.add", {q_purchase}},
    {"purchase.reverse", {q_purchase}},
    {"stock.count", {q_stock_count}},
};

/* The part of a ledger id before its first '.'; %s is the name of the
 * function that finds it, which no name of both engines has (db_word). */
#define LEDGER_EVENT "CASE WHEN %s(id, '.') > 0 THEN substr(id, 1, %s(id, '.') - 1) ELSE id END"

/* The event tables (the type is in core/audit_int.h): every row of each
 * belongs to exactly one event entry. Ledger ids are "EVENT" or "EVENT.n"
 * (core/ledger_money.c). */
const table audit_tables[] = {
    {"sales", "id", "id", "'sale'", 0},
    {"sale_lines", "sale_id || ' line ' || line_no", "sale_id", "'sale'", 0},
    {"voids", "id", "id", "'sale.void'", 0},
    {"ledger", "id", LEDGER_EVENT,
     "CASE kind WHEN 'charge' THEN 'sale' WHEN 'void' THEN 'sale.void'"
     " WHEN 'topup' THEN 'wallet.topup' WHEN 'topup_reverse' THEN 'wallet.topup_reverse'"
     " WHEN 'refund' THEN 'diner.leave' WHEN 'subsidy_grant' THEN 'subsidy.grant'"
     " ELSE 'subsidy.expire' END", 0},
    {"waste_records", "id", "id", "'waste.record'", 0},
    {"publications", "id", "id", "'publish.redblack'", 0},
    {"publication_rows", "publication_id || ' rank ' || rank", "publication_id",
     "'publish.redblack'", 0},
    {"shift_events", "id", "id",
     "CASE kind WHEN 'open' THEN 'shift.open' ELSE 'shift.close' END", 0},
    {"purchases", "id", "id",
     "CASE WHEN reverses IS NULL THEN 'purchase.add' ELSE 'purchase.reverse' END", 1},
    {"stock_counts", "id", "id", "'stock.count'", 1},
};
_Static_assert(sizeof audit_tables / sizeof audit_tables[0] == AUDIT_NTABLES,
               "AUDIT_NTABLES counts audit_tables[] (core/audit_int.h)");

/* The expression of the subject of t's rows in d's dialect, in buf. */
const char *audit_event_of(db *d, const table *t, char buf[256])
{
    const char *instr = db_word(d, DB_WORD_INSTR);

    if (strcmp(t->event, LEDGER_EVENT) != 0)
        return t->event;
    snprintf(buf, 256, LEDGER_EVENT, instr, instr);
    return buf;
}

const kind *audit_find_kind(const char *action)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].action, action) == 0)
            return &kinds[i];
    return NULL;
}

/* The queries of kind k's content, bound to subject, into sts; *n gets
 * how many. Owned by d. */
static cp_err content_queries(db *d, const kind *k, const char *subject,
                              db_stmt *sts[KIND_MAX_QUERIES], int *n)
{
    *n = 0;
    for (int q = 0; q < KIND_MAX_QUERIES && k->queries[q]; q++) {
        if (backfilling && k->queries[q] == LATER_QUERY)
            continue;
        if (!(sts[*n] = db_prepare(d, k->queries[q])))
            return CP_ERR_DB;
        db_bind_text(sts[(*n)++], 1, subject);
    }
    return CP_OK;
}

/* Hashes the rows of kind k's content queries sts (content_queries) into
 * out; counts[] (may be NULL) gets the number of rows read from each of
 * audit_tables[]. */
static cp_err hash_rows(db *d, const kind *k, db_stmt *const *sts, int n,
                        long counts[AUDIT_NTABLES], char out[HASH_HEX_LEN])
{
    audit_rows r;

    audit_rows_begin(&r, k->action);
    for (int q = 0; q < n; q++) {
        db_stmt *st = sts[q];
        int rc, ncol = db_col_count(st);
        while ((rc = db_step(st)) == DB_ROW) {
            const char *tag = db_col_text(st, 0);
            for (int c = 0; c < ncol; c++)
                hash_add(&r.h, db_col_text(st, c)); /* audit_rows_add, column by column */
            for (size_t t = 0; counts && t < AUDIT_NTABLES; t++)
                if (strcmp(audit_tables[t].name, tag) == 0)
                    counts[t]++;
        }
        db_reset(st);
        if (rc != DB_DONE)
            return db_fail(d, "reading the rows of an audited event");
    }
    audit_rows_end(&r, out);
    return CP_OK;
}

void audit_rows_begin(audit_rows *r, const char *action)
{
    hash_begin(&r->h);
    hash_add(&r->h, action);
}

void audit_rows_add(audit_rows *r, const char *const *cols, int n)
{
    for (int c = 0; c < n; c++)
        hash_add(&r->h, cols[c]);
}

void audit_rows_end(audit_rows *r, char content[HASH_HEX_LEN])
{
    hash_end(&r->h, content);
}

/* ---- several events' content at once (verify) ------------------------- */

/* As many queries as one round trip takes ahead (core/db.c, db_prefetch),
 * and so at most as many events. */
#define BATCH_QUERIES AUDIT_BATCH_MAX

/* Every content query, once: a batch's places prepare each at most once. */
static const char *const all_queries[] = {
    q_sale, q_sale_lines, q_sale_offline, q_sale_request, q_ledger, q_void, q_waste,
    q_publication, q_publication_rows, q_shift, q_purchase, q_stock_count,
};
#define NQUERIES (sizeof all_queries / sizeof all_queries[0])

struct audit_batch {
    db *d;
    int n, nqueries;
    struct {
        const kind *k;
        db_stmt *sts[KIND_MAX_QUERIES];
        int nsts;
    } ev[BATCH_QUERIES];
    db_stmt *prepared[BATCH_QUERIES][NQUERIES]; /* place i's statement of each query */
};

audit_batch *audit_batch_new(db *d)
{
    audit_batch *b = calloc(1, sizeof *b);

    if (b)
        b->d = d;
    return b;
}

void audit_batch_free(audit_batch *b)
{
    if (!b)
        return;
    for (int i = 0; i < BATCH_QUERIES; i++)
        for (size_t q = 0; q < NQUERIES; q++)
            db_finalize(b->prepared[i][q]);
    free(b);
}

/* Place i's statement of query sql, prepared the first time. */
static cp_err batch_stmt(audit_batch *b, int i, const char *sql, db_stmt **out)
{
    size_t q = 0;
    cp_err err;

    while (q < NQUERIES && all_queries[q] != sql)
        q++;
    if (q == NQUERIES)
        return cp_fail(CP_ERR_INVALID, "a content query not in all_queries[]");
    if (!b->prepared[i][q] && (err = db_prepare_once(b->d, sql, &b->prepared[i][q])))
        return err;
    *out = b->prepared[i][q];
    return CP_OK;
}

cp_err audit_batch_add(audit_batch *b, const kind *k, const char *subject)
{
    int i = b->n, nq = 0;
    cp_err err;

    while (nq < KIND_MAX_QUERIES && k->queries[nq])
        nq++;
    if (i == BATCH_QUERIES || b->nqueries + nq > BATCH_QUERIES)
        return CP_ERR_FULL;
    b->ev[i].k = k;
    b->ev[i].nsts = 0;
    for (int q = 0; q < nq; q++) {
        db_stmt *st = NULL;
        if (backfilling && k->queries[q] == LATER_QUERY)
            continue;
        if ((err = batch_stmt(b, i, k->queries[q], &st)))
            return err;
        db_reset(st);
        db_bind_text(st, 1, subject);
        b->ev[i].sts[b->ev[i].nsts++] = st;
    }
    if ((err = db_prefetch(b->d, b->ev[i].sts, b->ev[i].nsts)))
        return err;
    b->n++;
    b->nqueries += nq;
    return CP_OK;
}

cp_err audit_batch_hash(audit_batch *b, int i, long counts[AUDIT_NTABLES],
                        char out[HASH_HEX_LEN])
{
    return hash_rows(b->d, b->ev[i].k, b->ev[i].sts, b->ev[i].nsts, counts, out);
}

int audit_batch_count(const audit_batch *b)
{
    return b->n;
}

void audit_batch_clear(audit_batch *b)
{
    b->n = 0;
    b->nqueries = 0;
}

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
    db_stmt *sts[KIND_MAX_QUERIES], *head_st;
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
    if ((err = content_queries(d, k, subject, sts, &n)) || (err = db_prefetch(d, sts, n)) ||
        (err = lock_head(d, chain_of(terminal), &head_st)) ||
        (err = hash_rows(d, k, sts, n, NULL, content)))
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
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT %s, %s FROM %s WHERE NOT EXISTS (SELECT 1 FROM audit a"
             " WHERE a.content IS NOT NULL AND a.subject = %s) ORDER BY 1",
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
