/* journal: a terminal's local record of its events, kept before they are sent.
 *
 * A networked terminal (doc/protocol.md) numbers its events 1, 2, 3, ...
 * without gaps and stores each one here, in a SQLite file of its own opened
 * through the store door (core/db.h), before it sends it. An event stays
 * until the server's answer covers its seq; the server applies each
 * (terminal, seq) once, so sending again after a crash or a lost answer
 * charges nothing twice. The journal also keeps the last snapshot the
 * terminal decides from offline (its cards a row each), and the offset of
 * its clock to the server's.
 *
 * An event's body is the JSON text exactly as it is sent, fixed when it is
 * appended: the same id sent again with other content is refused by the
 * server as a conflict. The one change allowed is its "offline" and
 * "served" flags and what it says of the snapshot it was decided from, set
 * while it is undelivered (journal_mark_offline). */
#ifndef CP_JOURNAL_H
#define CP_JOURNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct journal journal;

/* One event not yet delivered, as journal_pending gives it. */
typedef struct journal_event {
    int64_t seq;
    int offline; /* decided without the server */
    char *body;  /* the JSON text to send (owned by the array, see journal_events_free) */
} journal_event;

/* Opens the journal file at path for terminal, creating it (mode 0600:
 * it holds card numbers and, in the snapshot, names and balances) with its
 * schema when missing. A journal written by another terminal is refused:
 * its events carry that terminal's code. Caller owns *out (journal_close). */
cp_err journal_open(const char *path, const char *terminal, journal **out);

/* Closes j; accepts NULL. */
void journal_close(journal *j);

/* Appends an event of kind ("charge", "weighing") in one transaction: gives
 * it the next seq (past both the journal's last and the server's high-water
 * mark), sets "seq", "kind" and "offline" in event, and stores its compact
 * text. When this returns CP_OK the event survives a crash. */
cp_err journal_append(journal *j, const char *kind, json_t *event, int offline, int64_t *seq);

/* Takes back the event seq when it is the newest and was never delivered:
 * for an event the server refused as a request (a wrong key, say), so that
 * nothing was applied and the seq can be given again without a gap. */
cp_err journal_retract(journal *j, int64_t seq);

/* Rewrites the undelivered event seq as decided offline ("offline": true
 * in its body, "served": false when the terminal refused it, and the
 * members of decided: what it says of the snapshot it was decided from,
 * "snapshot_version" and "snapshot_hash"), in one transaction:
 * for the event that was being sent when the server stopped answering. The
 * server leaves these out of the content it compares (doc/protocol.md), so
 * the same id with them changed is no conflict; not yet applied there, a
 * served one is posted as the offline charge it was (at the price of that
 * snapshot) and a refused one charges nothing. *marked 0 when seq was
 * delivered meanwhile (or is not in the journal): nothing changed. */
cp_err journal_mark_offline(journal *j, int64_t seq, int served, const json_t *decided,
                            int *marked);

/* Up to limit events not yet delivered, oldest first, into *out (n of
 * them; free with journal_events_free). */
cp_err journal_pending(journal *j, size_t limit, journal_event **out, size_t *n);
void journal_events_free(journal_event *ev, size_t n);

/* How many events are not yet delivered. */
cp_err journal_pending_count(journal *j, int64_t *n);

/* Marks seq delivered, with the server's answer to it (JSON text, may be NULL). */
cp_err journal_delivered(journal *j, int64_t seq, const char *answer);

/* The server said its high-water mark for this terminal is hw: every seq up
 * to hw is delivered, and the next seq given is past it, even when this
 * journal is an older copy that never saw those events. A mark below the
 * one it said before means its store lost events (restored from an older
 * copy): those after hw this journal still holds are queued again, marked
 * offline (and not served, the ones it had refused), to be posted as they
 * were; journal_requeued says how many. */
cp_err journal_high_water(journal *j, int64_t hw);

/* How many events the last mark (journal_high_water, journal_delivered_batch)
 * queued again. */
int64_t journal_requeued(const journal *j);

/* journal_delivered for each of the n events seq[i] with answer[i] (may
 * be NULL), then journal_high_water(hw) unless hw < 0, in one transaction:
 * one commit (one fsync) for a whole answer of the server instead of one
 * per event, which made a replay wait for the terminal's disk as long as
 * for the store's (make bench: bench_serve). */
cp_err journal_delivered_batch(journal *j, const int64_t *seq, char *const *answer, size_t n,
                               int64_t hw);

/* The server's high-water mark last learnt (0 before any contact), and the
 * seq the next event would get. */
cp_err journal_server_high_water(journal *j, int64_t *hw);
cp_err journal_next_seq(journal *j, int64_t *seq);

/* The answer stored for seq (malloc'd JSON text, NULL when none yet). */
cp_err journal_answer(journal *j, int64_t seq, char **answer);

/* Forgets delivered events made before `before` (an ISO time as the
 * journal writes them), so that the file does not grow for ever; the next
 * seq still follows the server's high-water mark. *n gets how many. */
cp_err journal_prune(journal *j, const char *before, int64_t *n);

/* The snapshot to decide offline from: its cards one by one, each by its
 * number (journal_cards), and the rest (JSON text without "cards") with
 * its version. A snapshot is fetched page by page: journal_cards_stage
 * puts each page's cards (an array of card objects) aside, the first page
 * (first 1) forgetting what an unfinished fetch left there; then
 * journal_snapshot_save writes the rest and the cards put aside, in one
 * transaction: in place of every held card (JOURNAL_CARDS_WHOLE) or of
 * those with their numbers (JOURNAL_CARDS_DELTA), when days_of is not NULL
 * first marking every held card without a "day" of its own as of that
 * date (a delta of a later business date: its cards count the new day's
 * meals, the others the held day's). load gives the rest as malloc'd
 * text, or NULL and version 0 when none. */
typedef enum journal_cards_mode { JOURNAL_CARDS_WHOLE, JOURNAL_CARDS_DELTA } journal_cards_mode;
cp_err journal_cards_stage(journal *j, const json_t *cards, int first);
cp_err journal_snapshot_save(journal *j, const char *rest, int64_t version,
                             journal_cards_mode mode, const char *days_of);
cp_err journal_snapshot_load(journal *j, char **rest, int64_t *version, char fetched_at[32]);

/* One card of the snapshot, by its number: load gives a new object, or
 * NULL when the terminal holds no such card; save writes card (with its
 * "card" number) in place of the held one, as an offline charge changed it
 * (balances, today's meals): one row, where writing a big canteen's whole
 * snapshot again for every offline tap made a tap wait some 80 ms. */
cp_err journal_card_load(journal *j, const char *card, json_t **out);
cp_err journal_card_save(journal *j, const json_t *card);

/* journal_card_save without waiting for the disk, for what the server
 * charged (offline_note_charge): a power cut may lose it, as it may a mark
 * of delivery, until the next event's commit or snapshot brings it back;
 * an offline charge's change waits (journal_card_save). */
cp_err journal_card_note(journal *j, const json_t *card);
/* How many cards the terminal holds. */
cp_err journal_cards_count(journal *j, int64_t *n);

/* Copies what the journal wrote lately from SQLite's log (its WAL) into
 * the file, when enough was written since the last time (a snapshot is
 * enough alone); else does nothing. For the moments when no card waits:
 * the journal's own commits leave it to this, so that no tap waits for it
 * (unless the log grows past some 16 MB, for a terminal never idle). */
cp_err journal_tidy(journal *j);

/* The server's clock minus the terminal's, in seconds, as last learnt. */
cp_err journal_clock_offset(journal *j, int64_t *offset_s);
cp_err journal_set_clock_offset(journal *j, int64_t offset_s);

#endif
