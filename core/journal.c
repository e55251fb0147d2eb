/* journal: a terminal's local record of its events, kept before they are sent. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/journal.h"

/* The file is a SQLite database like a store, but never a store: its
 * user_version says "journal" so that the store door's check for another
 * program's database lets it open (a file with tables and version 0 is
 * refused), and a journal given as --db is refused as not the store's
 * schema. */
#define JOURNAL_USER_VERSION "1400001"

/* The journal's log (SQLite's WAL) is copied into its file by journal_tidy,
 * at a moment when no card waits, once JOURNAL_TIDY_WRITES writes or a
 * snapshot are in it. Left to itself SQLite copies it at the commit that
 * takes it past 1,000 pages: now and then a tap waited for the copy and
 * the syncs of the disk it needs, and after a snapshot of a big canteen
 * (19,000 cards: over a megabyte) for the whole snapshot too (make bench:
 * bench_serve's 32 terminals). A commit still copies the log past
 * JOURNAL_WAL_PAGES, for a terminal that is never idle. */
#define JOURNAL_WAL_PAGES "4000"
#define JOURNAL_TIDY_WRITES 64

struct journal {
    db *d;
    int writes; /* since the last journal_tidy; a snapshot counts JOURNAL_TIDY_WRITES */
    int64_t requeued; /* events queued again by the last mark (journal_requeued) */
};

static cp_err one_text(journal *j, db_stmt *st, char **out);
static cp_err one_int64(journal *j, const char *sql, int64_t *out);

/* Counts n writes toward the next journal_tidy when err is CP_OK; returns err. */
static cp_err wrote(journal *j, cp_err err, int n)
{
    if (!err)
        j->writes += n;
    return err;
}

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS journal_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  terminal TEXT NOT NULL,"
    "  server_high_water INTEGER NOT NULL DEFAULT 0,"
    "  clock_offset_s INTEGER NOT NULL DEFAULT 0);"
    /* seq is the rowid: numbered by journal_append, never reused once sent */
    "CREATE TABLE IF NOT EXISTS journal_events ("
    "  seq INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  offline INTEGER NOT NULL,"
    "  answer TEXT,"
    "  delivered INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS journal_events_pending ON journal_events (delivered, seq);"
    "CREATE TABLE IF NOT EXISTS journal_snapshot ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  body TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  fetched_at TEXT NOT NULL);"
    /* the snapshot's cards, one row each (the snapshot's body holds the
     * rest): a city's terminal holds 100,000, which as one JSON text took
     * 262 MB of its memory, 18 MB to write after each refresh and to read
     * at each start */
    "CREATE TABLE IF NOT EXISTS journal_cards ("
    "  card TEXT PRIMARY KEY,"
    "  body TEXT NOT NULL);"
    /* the cards of a snapshot being fetched, page by page, until it is
     * saved: not all in memory at once, and the held ones untouched if the
     * fetch fails half-way */
    "CREATE TABLE IF NOT EXISTS journal_cards_next ("
    "  card TEXT PRIMARY KEY,"
    "  body TEXT NOT NULL);"
    "PRAGMA user_version = " JOURNAL_USER_VERSION ";";

/* A journal written before journal_cards held its cards in the snapshot's
 * body, and the cards it changed offline in journal_snapshot_cards, laid
 * over them: both moved into journal_cards, once (the body then has no
 * "cards"; a body that does not parse is left, as good as none). */
static const char move_cards_sql[] =
    "INSERT INTO journal_cards (card, body)"
    " SELECT json_extract(c.value, '$.card'), c.value FROM journal_snapshot s,"
    "   json_each(s.body, '$.cards') c"
    " WHERE json_valid(s.body) AND json_extract(c.value, '$.card') IS NOT NULL"
    " ON CONFLICT (card) DO UPDATE SET body = excluded.body;"
    "UPDATE journal_snapshot SET body = json_remove(body, '$.cards')"
    " WHERE json_valid(body) AND json_type(body, '$.cards') IS NOT NULL;";
static const char move_changed_sql[] =
    "INSERT INTO journal_cards (card, body) SELECT card, body FROM journal_snapshot_cards"
    " WHERE true ON CONFLICT (card) DO UPDATE SET body = excluded.body;"
    "DROP TABLE journal_snapshot_cards;";

/* Creates path for its owner alone when missing; an existing file is left
 * as it is (its owner chose its mode). */
static cp_err create_owner_only(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd >= 0) {
        close(fd);
        return CP_OK;
    }
    if (errno == EEXIST)
        return CP_OK;
    return cp_fail(errno == ENOSPC ? CP_ERR_FULL : CP_ERR_IO,
                   "cannot create the journal %s: %s; check that its folder exists and that "
                   "you may write there", path, strerror(errno));
}

/* The schema and its version in one transaction. A terminal switched off
 * during its first start then leaves an empty journal or a whole one; with
 * a commit per statement it could leave tables without the version, which
 * every later start refused as another program's database (term_chaos,
 * killing a terminal at random, found it). */
static cp_err create_schema(journal *j)
{
    cp_err err;

    int64_t old_cards = 0;

    if ((err = db_begin(j->d)))
        return err;
    if (!(err = db_exec(j->d, schema_sql)) &&
        !(err = one_int64(j, "SELECT count(*) FROM sqlite_master"
                             " WHERE name = 'journal_snapshot_cards'", &old_cards)))
        err = db_exec(j->d, move_cards_sql);
    if (!err && old_cards)
        err = db_exec(j->d, move_changed_sql);
    if (err || (err = db_commit(j->d)))
        db_rollback(j->d);
    return err;
}

/* Records the terminal on a new journal; refuses another terminal's. */
static cp_err claim(journal *j, const char *path, const char *terminal)
{
    db_stmt *st = db_prepare(j->d, "SELECT terminal FROM journal_state WHERE id = 1");
    int rc;

    if (!st)
        return db_fail(j->d, "reading the journal");
    rc = db_step(st);
    if (rc == DB_ERROR)
        return db_fail(j->d, "reading the journal");
    if (rc == DB_ROW) {
        cp_err err = CP_OK;
        if (strcmp(db_col_text(st, 0), terminal) != 0)
            err = cp_fail(CP_ERR_INVALID, "the journal %s belongs to terminal %s, not %s: give "
                          "each terminal a journal of its own", path, db_col_text(st, 0),
                          terminal);
        db_reset(st);
        return err;
    }
    db_reset(st);
    st = db_prepare(j->d, "INSERT INTO journal_state (id, terminal) VALUES (1, ?)");
    if (!st)
        return db_fail(j->d, "writing the journal");
    db_bind_text(st, 1, terminal);
    return db_step_done(j->d, st, "writing the journal");
}

cp_err journal_open(const char *path, const char *terminal, journal **out)
{
    journal *j = NULL;
    cp_err err;

    *out = NULL;
    if (!path || !*path || db_target_dialect(path) != DB_DIALECT_SQLITE)
        return cp_fail(CP_ERR_INVALID, "the journal is a file on the terminal (like "
                       "/var/lib/cleanplate/L1.journal), not '%s'", path ? path : "");
    if ((err = create_owner_only(path)))
        return err;
    if (!(j = calloc(1, sizeof *j)))
        return cp_fail(CP_ERR_NOMEM, "out of memory opening %s", path);
    if ((err = db_open(path, DB_OPEN_CREATE, &j->d)) || (err = create_schema(j)) ||
        (err = db_exec(j->d, "PRAGMA wal_autocheckpoint = " JOURNAL_WAL_PAGES)) ||
        (err = claim(j, path, terminal)))
        goto out;
    *out = j;
    j = NULL;
out:
    journal_close(j);
    return err;
}

void journal_close(journal *j)
{
    if (!j)
        return;
    db_close(j->d);
    free(j);
}

/* Reads one integer with the statement sql (no parameters). */
static cp_err one_int64(journal *j, const char *sql, int64_t *out)
{
    db_stmt *st = db_prepare(j->d, sql);

    if (!st)
        return db_fail(j->d, "reading the journal");
    return db_step_int64(j->d, st, out);
}

cp_err journal_next_seq(journal *j, int64_t *seq)
{
    /* past both: an older copy of the journal goes on after what the server has */
    return one_int64(j,
                     "SELECT max(coalesce((SELECT max(seq) FROM journal_events), 0),"
                     " server_high_water) + 1 FROM journal_state WHERE id = 1",
                     seq);
}

cp_err journal_server_high_water(journal *j, int64_t *hw)
{
    return one_int64(j, "SELECT server_high_water FROM journal_state WHERE id = 1", hw);
}

cp_err journal_pending_count(journal *j, int64_t *n)
{
    return one_int64(j, "SELECT count(*) FROM journal_events WHERE delivered = 0", n);
}

cp_err journal_clock_offset(journal *j, int64_t *offset_s)
{
    return one_int64(j, "SELECT clock_offset_s FROM journal_state WHERE id = 1", offset_s);
}

/* Runs sql, a write with one integer parameter. */
static cp_err write_int(journal *j, const char *sql, int64_t v)
{
    db_stmt *st = db_prepare(j->d, sql);

    if (!st)
        return db_fail(j->d, "writing the journal");
    db_bind_int64(st, 1, v);
    return wrote(j, db_step_done(j->d, st, "writing the journal"), 1);
}

cp_err journal_set_clock_offset(journal *j, int64_t offset_s)
{
    return write_int(j, "UPDATE journal_state SET clock_offset_s = ? WHERE id = 1", offset_s);
}

/* Inserts the event seq with its text, in the open transaction. */
static cp_err insert_event(journal *j, int64_t seq, const char *kind, const char *body,
                           int offline)
{
    char at[CP_TIME_ISO_LEN];
    db_stmt *st;
    cp_err err;

    if ((err = clock_now_iso(at)))
        return err;
    st = db_prepare(j->d, "INSERT INTO journal_events (seq, kind, body, created_at, offline)"
                          " VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return db_fail(j->d, "writing the journal");
    db_bind_int64(st, 1, seq);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, body);
    db_bind_text(st, 4, at);
    db_bind_int(st, 5, offline != 0);
    return db_step_done(j->d, st, "writing the journal");
}

cp_err journal_append(journal *j, const char *kind, json_t *event, int offline, int64_t *seq)
{
    char *body = NULL;
    int64_t next = 0;
    cp_err err;

    /* BEGIN IMMEDIATE: the seq read and the insert are one step, even with
     * a second program on the same file by mistake */
    if ((err = db_begin(j->d)))
        return err;
    if ((err = journal_next_seq(j, &next)))
        goto out;
    if (json_object_set_new(event, "seq", json_integer(next)) ||
        json_object_set_new(event, "kind", json_string(kind)) ||
        json_object_set_new(event, "offline", json_boolean(offline)) ||
        !(body = json_dumps(event, JSON_COMPACT))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing the journal");
        goto out;
    }
    if ((err = insert_event(j, next, kind, body, offline)) || (err = db_commit(j->d)))
        goto out;
    j->writes++;
    *seq = next;
out:
    if (err)
        db_rollback(j->d);
    free(body);
    return err;
}

cp_err journal_retract(journal *j, int64_t seq)
{
    return write_int(j, "DELETE FROM journal_events WHERE seq = ?1 AND delivered = 0"
                        " AND seq = (SELECT max(seq) FROM journal_events)", seq);
}

/* The body of seq with "offline": true (and "served": false when the
 * terminal refused it, and the members of decided), malloc'd; NULL in
 * *out when seq is not in the journal undelivered. In the open
 * transaction. */
static cp_err offline_body(journal *j, int64_t seq, int served, const json_t *decided,
                           char **out)
{
    db_stmt *st = db_prepare(j->d, "SELECT body FROM journal_events"
                                   " WHERE seq = ? AND delivered = 0");
    json_t *ev = NULL;
    char *text = NULL;
    cp_err err;

    *out = NULL;
    if (!st)
        return db_fail(j->d, "reading the journal");
    db_bind_int64(st, 1, seq);
    if ((err = one_text(j, st, &text)) || !text)
        goto out;
    if (!(ev = json_loads(text, 0, NULL)) ||
        json_object_set_new(ev, "offline", json_true()) ||
        (!served && json_object_set_new(ev, "served", json_false())) ||
        (decided && json_object_update(ev, (json_t *)decided)) ||
        !(*out = json_dumps(ev, JSON_COMPACT)))
        err = cp_fail(CP_ERR_NOMEM, "out of memory writing the journal");
out:
    json_decref(ev);
    free(text);
    return err;
}

cp_err journal_mark_offline(journal *j, int64_t seq, int served, const json_t *decided,
                            int *marked)
{
    db_stmt *st;
    char *body = NULL;
    cp_err err;

    *marked = 0;
    /* BEGIN IMMEDIATE: an answer marking it delivered cannot come between
     * the read and the write */
    if ((err = db_begin(j->d)))
        return err;
    if ((err = offline_body(j, seq, served, decided, &body)) || !body)
        goto out;
    if (!(st = db_prepare(j->d, "UPDATE journal_events SET body = ?, offline = 1"
                                " WHERE seq = ? AND delivered = 0"))) {
        err = db_fail(j->d, "writing the journal");
        goto out;
    }
    db_bind_text(st, 1, body);
    db_bind_int64(st, 2, seq);
    if ((err = db_step_done(j->d, st, "writing the journal")))
        goto out;
    *marked = 1;
out:
    if (!err)
        err = wrote(j, db_commit(j->d), 1);
    if (err) {
        db_rollback(j->d);
        *marked = 0;
    }
    free(body);
    return err;
}

void journal_events_free(journal_event *ev, size_t n)
{
    for (size_t i = 0; ev && i < n; i++)
        free(ev[i].body);
    free(ev);
}

cp_err journal_pending(journal *j, size_t limit, journal_event **out, size_t *n)
{
    db_stmt *st = db_prepare(j->d, "SELECT seq, offline, body FROM journal_events"
                                   " WHERE delivered = 0 ORDER BY seq LIMIT ?");
    journal_event *ev = NULL;
    size_t count = 0;
    cp_err err = CP_OK;
    int rc;

    *out = NULL;
    *n = 0;
    if (!st)
        return db_fail(j->d, "reading the journal");
    if (limit && !(ev = calloc(limit, sizeof *ev)))
        return cp_fail(CP_ERR_NOMEM, "out of memory reading the journal");
    db_bind_int64(st, 1, (int64_t)limit);
    while (count < limit && (rc = db_step(st)) == DB_ROW) {
        ev[count].seq = db_col_int64(st, 0);
        ev[count].offline = db_col_int(st, 1);
        if (!(ev[count++].body = strdup(db_col_text(st, 2)))) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory reading the journal");
            goto out;
        }
    }
    if (count < limit && rc == DB_ERROR) {
        err = db_fail(j->d, "reading the journal");
        goto out;
    }
    *out = ev;
    *n = count;
    ev = NULL;
out:
    db_reset(st);
    journal_events_free(ev, count);
    return err;
}

cp_err journal_delivered(journal *j, int64_t seq, const char *answer)
{
    db_stmt *st = db_prepare(j->d, "UPDATE journal_events SET delivered = 1,"
                                   " answer = coalesce(?, answer) WHERE seq = ?");

    if (!st)
        return db_fail(j->d, "writing the journal");
    db_bind_text(st, 1, answer);
    db_bind_int64(st, 2, seq);
    return wrote(j, db_step_done(j->d, st, "writing the journal"), 1);
}

/* The two writes of a high-water mark hw, inside the caller's transaction. */
/* The body of an event sent again after the server lost it: marked
 * offline, to be posted on its time (the meal was served then, whatever the
 * wallet holds now), and resent when it was charged online (the offline
 * allowance did not bound it: core/rules.c); and not served (nothing to
 * charge, its number only) when the server had refused it. malloc'd; NULL
 * when out of memory. */
static char *resent_body(const char *body, const char *answer)
{
    json_t *ev = json_loads(body, 0, NULL), *a = answer ? json_loads(answer, 0, NULL) : NULL;
    int served = json_is_true(json_object_get(a, "ok"));
    char *text = NULL;

    if (ev && !json_is_true(json_object_get(ev, "offline")) &&
        json_object_set_new(ev, "resent", json_true()))
        goto out;
    if (ev && !json_object_set_new(ev, "offline", json_true()) &&
        (served || !json_object_set_new(ev, "served", json_false())))
        text = json_dumps(ev, JSON_COMPACT);
out:
    json_decref(ev);
    json_decref(a);
    return text;
}

/* The server's mark is below one it gave before: its store was restored
 * from an older copy and lost the events after hw that it had taken. Each
 * this journal still holds (delivered ones are kept a month: termsync) is
 * queued again, to be posted as it was; without that, every new event was
 * refused for the gap before it, for good. In the open transaction;
 * j->requeued gets how many. (A stale answer that crossed a newer one does
 * the same: the server then answers each again with its first answer.) */
static cp_err requeue_lost(journal *j, int64_t hw)
{
    static const char held_sql[] = "SELECT seq, body, answer FROM journal_events"
                                   " WHERE seq > ? AND delivered = 1 ORDER BY seq";
    static const char put_sql[] = "UPDATE journal_events SET body = ?, offline = 1,"
                                  " delivered = 0, answer = NULL WHERE seq = ?";
    db_stmt *st = db_prepare(j->d, held_sql);
    struct { int64_t seq; char *body; } *held = NULL;
    size_t n = 0, cap = 0;
    cp_err err = CP_OK;
    int rc;

    if (!st)
        return db_fail(j->d, "reading the journal");
    db_bind_int64(st, 1, hw);
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            void *grown = realloc(held, (cap = cap ? cap * 2 : 16) * sizeof *held);
            if (!grown) {
                err = cp_fail(CP_ERR_NOMEM, "out of memory reading the journal");
                break;
            }
            held = grown;
        }
        held[n].seq = db_col_int64(st, 0);
        if (!(held[n].body = resent_body(db_col_text(st, 1), db_col_text(st, 2)))) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory reading the journal");
            break;
        }
        n++;
    }
    db_reset(st);
    if (!err && rc == DB_ERROR)
        err = db_fail(j->d, "reading the journal");
    for (size_t i = 0; !err && i < n; i++) {
        if (!(st = db_prepare(j->d, put_sql))) {
            err = db_fail(j->d, "writing the journal");
            break;
        }
        db_bind_text(st, 1, held[i].body);
        db_bind_int64(st, 2, held[i].seq);
        err = wrote(j, db_step_done(j->d, st, "writing the journal"), 1);
    }
    for (size_t i = 0; i < n; i++)
        free(held[i].body);
    free(held);
    if (!err)
        j->requeued = (int64_t)n;
    return err;
}

static cp_err mark_high_water(journal *j, int64_t hw)
{
    int64_t before = 0;
    cp_err err;

    j->requeued = 0;
    if ((err = one_int64(j, "SELECT server_high_water FROM journal_state WHERE id = 1",
                         &before)))
        return err;
    if (hw < before && (err = requeue_lost(j, hw)))
        return err;
    if (!(err = write_int(j, "UPDATE journal_events SET delivered = 1"
                             " WHERE seq <= ? AND delivered = 0", hw)))
        err = write_int(j, "UPDATE journal_state SET server_high_water = ? WHERE id = 1", hw);
    return err;
}

int64_t journal_requeued(const journal *j)
{
    return j->requeued;
}

/* Marks of delivery are written without waiting for the disk
 * (db_begin_lazy). A mark lost to a power cut only sends its event again,
 * which the server answers with its first answer; the next event appended
 * (a transaction that waits) syncs it. What must survive a crash, an event
 * before it is sent, still waits: one fsync per charge at the terminal
 * instead of two. */
static cp_err marks_begin(journal *j)
{
    return db_begin_lazy(j->d);
}

/* Ends a transaction of marks: committed, or rolled back when err. */
static cp_err marks_end(journal *j, cp_err err)
{
    if (!err)
        err = wrote(j, db_commit(j->d), 1);
    if (err)
        db_rollback(j->d);
    return err;
}

cp_err journal_high_water(journal *j, int64_t hw)
{
    cp_err err;

    if ((err = marks_begin(j)))
        return err;
    return marks_end(j, mark_high_water(j, hw));
}

cp_err journal_delivered_batch(journal *j, const int64_t *seq, char *const *answer, size_t n,
                               int64_t hw)
{
    cp_err err;

    if ((err = marks_begin(j)))
        return err;
    for (size_t i = 0; !err && i < n; i++)
        err = journal_delivered(j, seq[i], answer[i]);
    if (!err && hw >= 0)
        err = mark_high_water(j, hw);
    return marks_end(j, err);
}

cp_err journal_prune(journal *j, const char *before, int64_t *n)
{
    db_stmt *st = db_prepare(j->d, "DELETE FROM journal_events WHERE delivered = 1"
                                   " AND created_at < ?");
    cp_err err;

    if (!st)
        return db_fail(j->d, "writing the journal");
    db_bind_text(st, 1, before);
    if (!(err = wrote(j, db_step_done(j->d, st, "writing the journal"), 1)))
        *n = db_changes(j->d);
    return err;
}

/* A text column of the one row of st (bound), malloc'd, or NULL when there
 * is no row or the column is NULL. */
static cp_err one_text(journal *j, db_stmt *st, char **out)
{
    int rc = db_step(st);
    cp_err err = CP_OK;

    *out = NULL;
    if (rc == DB_ERROR)
        err = db_fail(j->d, "reading the journal");
    else if (rc == DB_ROW && !db_col_is_null(st, 0) && !(*out = strdup(db_col_text(st, 0))))
        err = cp_fail(CP_ERR_NOMEM, "out of memory reading the journal");
    db_reset(st);
    return err;
}

cp_err journal_answer(journal *j, int64_t seq, char **answer)
{
    db_stmt *st = db_prepare(j->d, "SELECT answer FROM journal_events WHERE seq = ?");

    *answer = NULL;
    if (!st)
        return db_fail(j->d, "reading the journal");
    db_bind_int64(st, 1, seq);
    return one_text(j, st, answer);
}

/* The statements writing a card into journal_cards and into
 * journal_cards_next: literals, since db_prepare knows a statement by the
 * address of its text. */
static const char put_held_sql[] = "INSERT INTO journal_cards (card, body) VALUES (?, ?)"
                                   " ON CONFLICT (card) DO UPDATE SET body = excluded.body";
static const char put_next_sql[] = "INSERT INTO journal_cards_next (card, body) VALUES (?, ?)"
                                   " ON CONFLICT (card) DO UPDATE SET body = excluded.body";

/* Writes card (an object with its "card" number) with sql (put_held_sql
 * or put_next_sql), in place of the one with its number. */
static cp_err put_card(journal *j, const char *sql, const json_t *card)
{
    const char *no = json_string_value(json_object_get(card, "card"));
    char *text;
    db_stmt *st;
    cp_err err;

    if (!no)
        return CP_OK; /* not a card: nothing to decide from */
    if (!(text = json_dumps(card, JSON_COMPACT)))
        return cp_fail(CP_ERR_NOMEM, "out of memory writing the journal");
    st = db_prepare(j->d, sql);
    if (!st) {
        free(text);
        return db_fail(j->d, "writing the journal");
    }
    db_bind_text(st, 1, no);
    db_bind_text(st, 2, text);
    err = db_step_done(j->d, st, "writing the journal");
    free(text);
    return err;
}

/* Marks every held card without a day of its own as of day (its counts). */
static cp_err keep_days(journal *j, const char *day)
{
    db_stmt *st = db_prepare(j->d, "UPDATE journal_cards SET body = json_set(body, '$.day', ?)"
                                   " WHERE json_type(body, '$.day') IS NULL");

    if (!st)
        return db_fail(j->d, "writing the journal");
    db_bind_text(st, 1, day);
    return db_step_done(j->d, st, "writing the journal");
}

cp_err journal_cards_stage(journal *j, const json_t *cards, int first)
{
    const json_t *c;
    size_t i;
    cp_err err;

    if ((err = db_begin(j->d)))
        return err;
    if (first)
        err = db_exec(j->d, "DELETE FROM journal_cards_next");
    json_array_foreach(cards, i, c)
        if (!err)
            err = put_card(j, put_next_sql, c);
    if (!err)
        err = db_commit(j->d);
    if (err)
        db_rollback(j->d);
    return wrote(j, err, (int)json_array_size(cards));
}

cp_err journal_snapshot_save(journal *j, const char *rest, int64_t version,
                             journal_cards_mode mode, const char *days_of)
{
    char at[CP_TIME_ISO_LEN];
    db_stmt *st;
    cp_err err;

    if ((err = clock_now_iso(at)) || (err = db_begin(j->d)))
        return err;
    if (mode == JOURNAL_CARDS_WHOLE)
        err = db_exec(j->d, "DELETE FROM journal_cards");
    else if (days_of)
        err = keep_days(j, days_of);
    if (!err)
        err = db_exec(j->d, "INSERT INTO journal_cards (card, body)"
                            " SELECT card, body FROM journal_cards_next WHERE true"
                            " ON CONFLICT (card) DO UPDATE SET body = excluded.body;"
                            "DELETE FROM journal_cards_next;");
    if (err)
        goto out;
    st = db_prepare(j->d, "INSERT INTO journal_snapshot (id, body, version, fetched_at)"
                          " VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                          " body = excluded.body, version = excluded.version,"
                          " fetched_at = excluded.fetched_at");
    if (!st) {
        err = db_fail(j->d, "writing the journal");
        goto out;
    }
    db_bind_text(st, 1, rest);
    db_bind_int64(st, 2, version);
    db_bind_text(st, 3, at);
    err = db_step_done(j->d, st, "writing the journal");
out:
    if (!err)
        err = db_commit(j->d);
    if (err)
        db_rollback(j->d);
    return wrote(j, err, JOURNAL_TIDY_WRITES);
}

cp_err journal_card_save(journal *j, const json_t *card)
{
    return wrote(j, put_card(j, put_held_sql, card), 1);
}

cp_err journal_card_note(journal *j, const json_t *card)
{
    cp_err err;

    /* as a mark of delivery (marks_begin): an fsync here was a quarter of
     * a millisecond on every online tap */
    if ((err = marks_begin(j)))
        return err;
    return marks_end(j, put_card(j, put_held_sql, card));
}

cp_err journal_card_load(journal *j, const char *card, json_t **out)
{
    db_stmt *st = db_prepare(j->d, "SELECT body FROM journal_cards WHERE card = ?");
    cp_err err = CP_OK;
    int rc;

    *out = NULL;
    if (!st)
        return db_fail(j->d, "reading the journal");
    db_bind_text(st, 1, card);
    rc = db_step(st);
    if (rc == DB_ERROR)
        err = db_fail(j->d, "reading the journal");
    else if (rc == DB_ROW) /* a row that no longer parses is as good as none */
        *out = json_loads(db_col_text(st, 0), 0, NULL);
    db_reset(st);
    return err;
}

cp_err journal_cards_count(journal *j, int64_t *n)
{
    return one_int64(j, "SELECT count(*) FROM journal_cards", n);
}

cp_err journal_tidy(journal *j)
{
    cp_err err;

    if (j->writes < JOURNAL_TIDY_WRITES)
        return CP_OK;
    /* PASSIVE: the terminal is the journal's one user, so nothing is in
     * the way and the whole log is copied; the next commit starts it anew */
    if ((err = db_exec(j->d, "PRAGMA wal_checkpoint(PASSIVE)")))
        return err;
    j->writes = 0;
    return CP_OK;
}

cp_err journal_snapshot_load(journal *j, char **snapshot, int64_t *version, char fetched_at[32])
{
    db_stmt *st = db_prepare(j->d, "SELECT body, version, fetched_at FROM journal_snapshot"
                                   " WHERE id = 1");
    cp_err err = CP_OK;
    int rc;

    *snapshot = NULL;
    *version = 0;
    fetched_at[0] = '\0';
    if (!st)
        return db_fail(j->d, "reading the journal");
    rc = db_step(st);
    if (rc == DB_ERROR) {
        err = db_fail(j->d, "reading the journal");
    } else if (rc == DB_ROW) {
        *version = db_col_int64(st, 1);
        db_copy_col(fetched_at, 32, st, 2);
        if (!(*snapshot = strdup(db_col_text(st, 0))))
            err = cp_fail(CP_ERR_NOMEM, "out of memory reading the journal");
    }
    db_reset(st);
    return err;
}
