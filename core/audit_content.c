/* audit_content: what an audited event's content is (the rows it wrote, read back by the queries here), hashed for one event as it is entered, or for a whole range of the log at once as verify walks it. */
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/audit_int.h"

/* ---- what an event's content is ----------------------------------------
 *
 * Each query reads the rows of one event. Column 0 names the table the row
 * comes from; every column is hashed as the text the store gives back, so
 * the hash does not depend on how a number is held. The columns are
 * listed, never `*`: a column added later does not change the content of
 * events already entered.
 *
 * A query is written once, in parts (QUERY below), and made into two:
 *   - one: the rows of the event whose subject is ?1 (an event entered);
 *   - page: the rows of every event of a range of the log, each row with
 *     the seq of the entry it belongs to, in the order of the entries and
 *     within an entry in the order of `one` (verify, audit_page below).
 * match is the condition, on the subject S, that a row belongs to the
 * event; the table whose rows are read is t.
 *
 * A charge hashes its rows as it writes them (core/ledger.c, hash_sale),
 * in the order and with the columns of the sale's queries here: a change
 * to q_sale, q_sale_lines, q_ledger, q_sale_request or q_sale_offline is a
 * change there too (verify fails every charge's entry until it is). */

typedef struct content_query {
    const char *one; /* the rows of event ?1 */
    /* the rows of the events of a range (audit_page), the actions whose
     * kinds read this query between the two halves */
    const char *page, *page_end;
} content_query;

/* The page form: every entry with content in the seq range (?1, ?2], of the
 * actions whose kinds read this query (which audit_page puts between). */
#define PAGE(cols, from, match) \
    "SELECT " cols ", a.seq FROM audit a, " from " WHERE (" match("a.subject") ")" \
    " AND a.content IS NOT NULL AND a.action IN ("
#define PAGE_END ") AND a.seq > ?1 AND a.seq <= ?2 ORDER BY a.seq"
#define QUERY(cols, from, match) \
    {"SELECT " cols " FROM " from " WHERE " match("?1"), PAGE(cols, from, match), PAGE_END}
#define QUERY_ORDERED(cols, from, match, order)                                         \
    {"SELECT " cols " FROM " from " WHERE " match("?1") " ORDER BY " order,             \
     PAGE(cols, from, match), PAGE_END ", " order}

#define BY_ID(s) "t.id = " s
#define BY_SALE(s) "t.sale_id = " s
#define BY_PUBLICATION(s) "t.publication_id = " s

static const content_query q_sale = QUERY(
    "'sales', t.id, t.terminal, t.canteen_id, t.card_no, t.diner_id, t.department_id,"
    " t.category, t.period_id, t.business_date, t.kind, t.total_fen, t.subsidy_fen,"
    " t.cash_fen, t.actor, t.created_at, t.request_id",
    "sales t", BY_ID);
static const content_query q_sale_lines = QUERY_ORDERED(
    "'sale_lines', t.sale_id, t.line_no, t.item_code, t.name, t.quantity, t.amount_fen",
    "sale_lines t", BY_SALE, "t.line_no");
/* The flags of an offline sale (schema version 9), a row only when one is
 * set: the content of every sale entered before them, and of every online
 * sale, stays what it was. The backfill of version 6 runs before these
 * columns exist, and no sale then can have them: it skips the query
 * (LATER_QUERY). */
#define BY_ID_FLAGGED(s) "t.id = " s " AND (t.offline <> 0 OR t.over_limit <> 0)"
static const content_query q_sale_offline = QUERY(
    "'sales.offline', t.id, t.offline, t.over_limit", "sales t", BY_ID_FLAGGED);
/* A request row is not counted as covered (see audit_tables[] below): it is
 * found through the sale, whose request_id says which one answered it. */
#define BY_SALES_REQUEST(s) "s.id = " s " AND t.request_id = s.request_id"
static const content_query q_sale_request = QUERY(
    "'request', t.request_id, t.terminal, t.card_no, t.result, t.sale_id, t.created_at",
    "sales s, charge_requests t", BY_SALES_REQUEST);
/* The ledger entries of event E have the id E or E.something: the range
 * ('E.', 'E/') holds exactly the ids that start with "E." ('/' follows '.'). */
#define BY_LEDGER_ID(s) "(t.id = " s " OR (t.id > " s " || '.' AND t.id < " s " || '/'))"
static const content_query q_ledger = QUERY_ORDERED(
    "'ledger', t.id, t.diner_id, t.wallet, t.amount_fen, t.kind, t.sale_id, t.ref,"
    " t.terminal, t.actor, t.created_at",
    "ledger t", BY_LEDGER_ID, "t.id");
static const content_query q_void = QUERY(
    "'voids', t.id, t.sale_id, t.terminal, t.actor, t.reason, t.created_at", "voids t", BY_ID);
static const content_query q_waste = QUERY(
    "'waste_records', t.id, t.placement, t.terminal, t.canteen_id, t.stage, t.diner_id,"
    " t.department_id, t.card_no, t.sale_id, t.period_id, t.business_date, t.gross_g,"
    " t.tare_g, t.net_g, t.category, t.reason, t.flags, t.actor, t.created_at, t.corrects",
    "waste_records t", BY_ID);
static const content_query q_publication = QUERY(
    "'publications', t.id, t.kind, t.period, t.version, t.reason, t.corrects, t.rules,"
    " t.content_hash, t.files, t.prev_hash, t.hash, t.actor, t.created_at",
    "publications t", BY_ID);
static const content_query q_publication_rows = QUERY_ORDERED(
    "'publication_rows', t.publication_id, t.rank, t.code, t.name, t.list, t.meals, t.diners,"
    " t.trays, t.plate_g, t.g_per_tray_x10, t.clean_rate_permille, t.coverage_permille,"
    " t.change_x10",
    "publication_rows t", BY_PUBLICATION, "t.rank");
static const content_query q_shift = QUERY(
    "'shift_events', t.id, t.terminal, t.kind, t.opens, t.cashier, t.counted_cash_fen,"
    " t.report, t.created_at",
    "shift_events t", BY_ID);
static const content_query q_purchase = QUERY(
    "'purchases', t.id, t.canteen_id, t.business_date, t.supplier, t.category, t.grams,"
    " t.fen, t.invoice, t.reverses, t.reason, t.actor, t.created_at",
    "purchases t", BY_ID);
static const content_query q_stock_count = QUERY(
    "'stock_counts', t.id, t.canteen_id, t.month, t.category, t.fen, t.grams, t.supersedes,"
    " t.actor, t.created_at",
    "stock_counts t", BY_ID);

/* The query of a kind that reads columns of a later schema version than the
 * backfill's (the last of the list when there is one). */
#define LATER_QUERY (&q_sale_offline)

struct kind {
    const char *action;
    const content_query *queries[AUDIT_KIND_QUERIES]; /* unused ones NULL */
};

static const kind kinds[] = {
    {"sale", {&q_sale, &q_sale_lines, &q_ledger, &q_sale_request, &q_sale_offline}},
    {"sale.void", {&q_void, &q_ledger}},
    {"wallet.topup", {&q_ledger}},
    {"wallet.topup_reverse", {&q_ledger}},
    {"subsidy.grant", {&q_ledger}},
    {"subsidy.expire", {&q_ledger}},
    {"diner.leave", {&q_ledger}},
    {"waste.record", {&q_waste}},
    {"publish.redblack", {&q_publication, &q_publication_rows}},
    {"shift.open", {&q_shift}},
    {"shift.close", {&q_shift}},
    {"purchase.add", {&q_purchase}},
    {"purchase.reverse", {&q_purchase}},
    {"stock.count", {&q_stock_count}},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Every content query, once (audit_page reads each of them a page at a time). */
static const content_query *const all_queries[] = {
    &q_sale, &q_sale_lines, &q_sale_offline, &q_sale_request, &q_ledger, &q_void, &q_waste,
    &q_publication, &q_publication_rows, &q_shift, &q_purchase, &q_stock_count,
};
#define NQUERIES (sizeof all_queries / sizeof all_queries[0])

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
    const char *f = db_word(d, DB_WORD_INSTR);

    if (strcmp(t->event, LEDGER_EVENT) != 0)
        return t->event;
    snprintf(buf, 256, LEDGER_EVENT, f, f);
    return buf;
}

const kind *audit_find_kind(const char *action)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i].action, action) == 0)
            return &kinds[i];
    return NULL;
}

const char *audit_kind_action(const kind *k)
{
    return k->action;
}

/* ---- one event's content --------------------------------------------------- */

cp_err audit_content_send(db *d, const kind *k, const char *subject, int backfill,
                          db_stmt *sts[AUDIT_KIND_QUERIES], int *n)
{
    *n = 0;
    for (int q = 0; q < AUDIT_KIND_QUERIES && k->queries[q]; q++) {
        if (backfill && k->queries[q] == LATER_QUERY)
            continue;
        if (!(sts[*n] = db_prepare(d, k->queries[q]->one)))
            return CP_ERR_DB;
        db_bind_text(sts[(*n)++], 1, subject);
    }
    return db_prefetch(d, sts, *n);
}

/* The index in audit_tables[] of the table a row tagged tag comes from
 * (its column 0), or -1 for rows no table's count holds (a sale's flags
 * and request). */
static int table_of(const char *tag)
{
    for (int t = 0; t < AUDIT_NTABLES; t++)
        if (strcmp(audit_tables[t].name, tag) == 0)
            return t;
    return -1;
}

cp_err audit_content_hash(db *d, const kind *k, db_stmt *const *sts, int n,
                          char out[HASH_HEX_LEN])
{
    audit_rows r;

    audit_rows_begin(&r, k->action);
    for (int q = 0; q < n; q++) {
        db_stmt *st = sts[q];
        int rc, ncol = db_col_count(st);
        while ((rc = db_step(st)) == DB_ROW)
            for (int c = 0; c < ncol; c++)
                hash_add(&r.h, db_col_text(st, c)); /* audit_rows_add, column by column */
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

/* ---- the content of a range of the log (verify) -------------------------- */

/* One query's rows for the page, read in step with the entries: row is
 * whether the statement stands on a row not yet hashed. */
typedef struct page_stream {
    db_stmt *st;
    int row, done; /* done: it gave its last row (a step more would run it again) */
    int table; /* the audit_tables[] index of its rows, -1 none; -2 not yet known */
} page_stream;

struct audit_page {
    db *d;
    db_stmt *entries;
    page_stream streams[NQUERIES];
};

/* The entries of the range that have content, in order. */
static const char entries_sql[] =
    "SELECT seq, action, subject, at, content FROM audit"
    " WHERE content IS NOT NULL AND seq > ?1 AND seq <= ?2 ORDER BY seq";

/* The actions of the kinds that read query q, quoted and joined by commas
 * into buf (size bytes). */
static void actions_of(const content_query *q, char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < NKINDS; k++)
        for (int i = 0; i < AUDIT_KIND_QUERIES && kinds[k].queries[i]; i++)
            if (kinds[k].queries[i] == q && len < size)
                len += (size_t)snprintf(buf + len, size - len, "%s'%s'", len ? ", " : "",
                                        kinds[k].action);
}

audit_page *audit_page_new(db *d)
{
    audit_page *p = calloc(1, sizeof *p);

    if (!p) {
        cp_fail(CP_ERR_NOMEM, "out of memory checking the audit log");
        return NULL;
    }
    p->d = d;
    if (db_prepare_once(d, entries_sql, &p->entries))
        goto fail;
    for (size_t q = 0; q < NQUERIES; q++) {
        char actions[512], sql[2048];
        actions_of(all_queries[q], actions, sizeof actions);
        snprintf(sql, sizeof sql, "%s%s%s", all_queries[q]->page, actions,
                 all_queries[q]->page_end);
        if (db_prepare_once(d, sql, &p->streams[q].st))
            goto fail;
        p->streams[q].table = -2;
    }
    return p;
fail:
    audit_page_free(p);
    return NULL;
}

void audit_page_free(audit_page *p)
{
    if (!p)
        return;
    db_finalize(p->entries);
    for (size_t q = 0; q < NQUERIES; q++)
        db_finalize(p->streams[q].st);
    free(p);
}

cp_err audit_page_read(audit_page *p, int64_t after, int64_t upto)
{
    db_stmt *sts[1 + NQUERIES];

    sts[0] = p->entries;
    for (size_t q = 0; q < NQUERIES; q++) {
        page_stream *s = &p->streams[q];
        sts[1 + q] = s->st;
        s->row = s->done = 0;
    }
    for (size_t i = 0; i < 1 + NQUERIES; i++) {
        db_reset(sts[i]);
        db_bind_int64(sts[i], 1, after);
        db_bind_int64(sts[i], 2, upto);
    }
    /* all of them in one round trip on PostgreSQL */
    return db_prefetch(p->d, sts, (int)(1 + NQUERIES));
}

/* Moves stream s to its next row; DB_ERROR when the store failed. */
static int stream_next(page_stream *s)
{
    int rc;

    if (s->done)
        return DB_DONE;
    rc = db_step(s->st);
    s->row = rc == DB_ROW;
    s->done = rc != DB_ROW;
    return rc;
}

/* Hashes into r the rows of stream s that belong to the entry seq, and
 * counts them; the stream is left on the first row of a later entry. */
static cp_err stream_hash(audit_page *p, page_stream *s, int64_t seq, audit_rows *r,
                          long counts[AUDIT_NTABLES])
{
    int ncol = db_col_count(s->st) - 1; /* the last is the entry's seq */
    int rc = DB_ROW;

    if (!s->row && (rc = stream_next(s)) == DB_ERROR)
        return db_fail(p->d, "reading the rows of an audited event");
    while (s->row) {
        int64_t at = db_col_int64(s->st, ncol);
        if (at > seq)
            break;
        /* rows of an earlier entry were its own kind's: none stay behind */
        if (at == seq) {
            for (int c = 0; c < ncol; c++)
                hash_add(&r->h, db_col_text(s->st, c));
            if (s->table == -2)
                s->table = table_of(db_col_text(s->st, 0));
            if (s->table >= 0 && counts)
                counts[s->table]++;
        }
        if ((rc = stream_next(s)) == DB_ERROR)
            return db_fail(p->d, "reading the rows of an audited event");
    }
    return CP_OK;
}

int audit_page_next(audit_page *p, audit_page_entry *e, long counts[AUDIT_NTABLES])
{
    db_stmt *st = p->entries;
    const kind *k;
    audit_rows r;
    int rc = db_step(st);

    if (rc == DB_DONE) {
        /* every row was its entry's: this only ends each statement's answer */
        for (size_t q = 0; q < NQUERIES; q++)
            while (stream_next(&p->streams[q]) == DB_ROW)
                ;
        return DB_DONE;
    }
    if (rc != DB_ROW) {
        db_fail(p->d, "reading the audit log");
        return DB_ERROR;
    }
    e->seq = db_col_int64(st, 0);
    db_copy_col(e->action, sizeof e->action, st, 1);
    db_copy_col(e->subject, sizeof e->subject, st, 2);
    db_copy_col(e->at, sizeof e->at, st, 3);
    db_copy_col(e->content, sizeof e->content, st, 4);
    e->known = (k = audit_find_kind(e->action)) != NULL;
    if (!k)
        return DB_ROW;
    audit_rows_begin(&r, k->action);
    for (int i = 0; i < AUDIT_KIND_QUERIES && k->queries[i]; i++) {
        size_t q = 0;
        while (all_queries[q] != k->queries[i])
            q++;
        if (stream_hash(p, &p->streams[q], e->seq, &r, counts))
            return DB_ERROR;
    }
    audit_rows_end(&r, e->want);
    return DB_ROW;
}
