/* audit_int: what the audit log's parts share: the chain and the backfill (core/audit.c), what an event's content is (core/audit_content.c) and the verification (core/audit_verify.c). Only those include it. */
#ifndef CP_AUDIT_INT_H
#define CP_AUDIT_INT_H

#include "core/audit.h"

/* What the office's chain starts from (see core/audit.c), and the action of
 * a seal entry (audit_seal). */
extern const char audit_genesis[];
extern const char audit_seal_action[];

/* Room for what a chain's first entry follows: audit_genesis, ':' and the name. */
#define AUDIT_START_LEN (HASH_HEX_LEN + 32)

/* A kind of audited event: its action and the queries of its content
 * (core/audit_content.c's kinds[]). */
typedef struct kind kind;

/* An event table. event is the SQL expression, over the table's columns, of
 * the subject of the entry that covers a row; action, for audit_backfill,
 * the entry's action. */
typedef struct table {
    const char *name;
    const char *row;    /* how a row is named in a message */
    const char *event;
    const char *action;
    /* Tables made after events were first entered (schema version 6) start
     * empty and have every row entered as it is written: the backfill, which
     * runs right after that version, skips them (they do not exist yet). */
    int later;
} table;

/* The event tables (core/audit_content.c), AUDIT_NTABLES of them. */
#define AUDIT_NTABLES 10
extern const table audit_tables[];

/* The expression of the subject of t's rows in d's dialect, in buf. */
const char *audit_event_of(db *d, const table *t, char buf[256]);

/* The kind of event action, NULL when none is audited. */
const kind *audit_find_kind(const char *action);

/* The most queries a kind's content has. */
#define AUDIT_KIND_QUERIES 5

/* The action of kind k. */
const char *audit_kind_action(const kind *k);

/* Binds the queries of the content of event subject of kind k into sts
 * (*n of them; without the query of a later schema version when backfill)
 * and sends them ahead (db_prefetch): in a transaction they go with the
 * next statement sent. Owned by d. */
cp_err audit_content_send(db *d, const kind *k, const char *subject, int backfill,
                          db_stmt *sts[AUDIT_KIND_QUERIES], int *n);

/* The content hash of the rows of sts (audit_content_send) into out. */
cp_err audit_content_hash(db *d, const kind *k, db_stmt *const *sts, int n,
                          char out[HASH_HEX_LEN]);

/* The content of the events of a range of the log, read together (verify
 * walks millions): the entries of the range and each content query's rows
 * for all of them, every query once a range (one round trip on
 * PostgreSQL), where one query an event took a trip each (some 50 us an
 * entry: 8 minutes for a city's month) and a whole log read at once would
 * have been held in memory. */
typedef struct audit_page audit_page;

/* An entry of a page: its fields, and want, the hash of its rows now. */
typedef struct audit_page_entry {
    int64_t seq;
    char action[64], subject[256], at[40], content[HASH_HEX_LEN], want[HASH_HEX_LEN];
    int known; /* its action is a kind of event (else want is not set) */
} audit_page_entry;

/* The statements of pages on d (NULL with the error recorded). */
audit_page *audit_page_new(db *d);
void audit_page_free(audit_page *p);

/* Sends the queries of the entries with seq in (after, upto]. */
cp_err audit_page_read(audit_page *p, int64_t after, int64_t upto);

/* The next entry of the page that has content, in the order of seq, into
 * e; counts[] (may be NULL) gets the number of rows read from each of
 * audit_tables[]. DB_ROW, DB_DONE (the page is done) or DB_ERROR. */
int audit_page_next(audit_page *p, audit_page_entry *e, long counts[AUDIT_NTABLES]);

/* An entry's hash: its fields and the hash before it (content may be NULL). */
void audit_entry_hash(const char *prev, const char *at, const char *actor, const char *terminal,
                      const char *action, const char *subject, const char *detail,
                      const char *content, char out[HASH_HEX_LEN]);

/* What the first entry of chain ("": the office's) follows, in buf. */
const char *audit_chain_start(const char *chain, char buf[AUDIT_START_LEN]);

#endif
