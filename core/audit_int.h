/* audit_int: what the audit log's writing (core/audit.c: events' content, the chain, the backfill) and its verification (core/audit_verify.c) share. Only those two include it. */
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
 * (core/audit.c's kinds[]). */
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

/* The event tables (core/audit.c), AUDIT_NTABLES of them. */
#define AUDIT_NTABLES 10
extern const table audit_tables[];

/* The expression of the subject of t's rows in d's dialect, in buf. */
const char *audit_event_of(db *d, const table *t, char buf[256]);

/* The kind of event action, NULL when none is audited. */
const kind *audit_find_kind(const char *action);

/* The content of several events read together (verify walks thousands):
 * the queries of the events added are sent in one round trip on
 * PostgreSQL (db_prefetch), as many as one trip holds, where one event's
 * at a time made verify of a canteen's month take 6 s. Each event added
 * has statements of its own (prepared once per place in the batch). */
typedef struct audit_batch audit_batch;

/* The most events a batch holds. */
#define AUDIT_BATCH_MAX 16

/* A new, empty batch on d (in a transaction, for the queries to go
 * together), or NULL when out of memory. */
audit_batch *audit_batch_new(db *d);
void audit_batch_free(audit_batch *b);

/* Adds the event subject of kind k as the batch's next (its index from 0)
 * and sends its queries ahead. CP_ERR_FULL when they would not fit: hash
 * what is there, clear it and add again. */
cp_err audit_batch_add(audit_batch *b, const kind *k, const char *subject);

/* The content hash of the batch's event i (in the order added) into out;
 * counts[] (may be NULL) gets the number of rows read from each of
 * audit_tables[]. */
cp_err audit_batch_hash(audit_batch *b, int i, long counts[AUDIT_NTABLES],
                        char out[HASH_HEX_LEN]);

/* How many events the batch holds; empties it. */
int audit_batch_count(const audit_batch *b);
void audit_batch_clear(audit_batch *b);

/* An entry's hash: its fields and the hash before it (content may be NULL). */
void audit_entry_hash(const char *prev, const char *at, const char *actor, const char *terminal,
                      const char *action, const char *subject, const char *detail,
                      const char *content, char out[HASH_HEX_LEN]);

/* What the first entry of chain ("": the office's) follows, in buf. */
const char *audit_chain_start(const char *chain, char buf[AUDIT_START_LEN]);

#endif
