/* Unit tests for core/journal: gapless seq, an event there after a crash,
 * delivery and the server's high-water mark, a journal restored from an
 * older copy going on after what the server has, the snapshot and its
 * cards (an old journal's converted), and its log copied into the file
 * when journal_tidy says, not at a tap. A journal is always a SQLite file
 * (db_open below makes an old one): run-unit.sh: SQLite only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/db.h"
#include "core/journal.h"

static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cp-journal-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/L1.journal", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Appends a charge of card; returns its seq. */
static int64_t append(journal *j, const char *card, int offline)
{
    json_t *ev = json_pack("{s:s}", "card", card);
    int64_t seq = 0;

    assert_int_equal(journal_append(j, "charge", ev, offline, &seq), CP_OK);
    json_decref(ev);
    return seq;
}

static void test_gapless(void **state)
{
    journal *j = NULL;
    journal_event *ev = NULL;
    struct stat sb;
    size_t n = 0;
    (void)state;

    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(append(j, "0004123456", 0), i);
    assert_int_equal(journal_pending(j, 10, &ev, &n), CP_OK);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ev[i].seq, (int64_t)i + 1);
    /* the body is the text to send, with seq, kind and offline */
    assert_string_equal(ev[0].body,
                        "{\"card\":\"0004123456\",\"seq\":1,\"kind\":\"charge\",\"offline\":false}");
    journal_events_free(ev, n);
    /* only the newest undelivered event can be taken back; its seq comes again */
    assert_int_equal(journal_retract(j, 3), CP_OK);
    assert_int_equal(journal_retract(j, 5), CP_OK);
    assert_int_equal(append(j, "0004123457", 1), 5);
    journal_close(j);
    /* another terminal's journal is refused */
    assert_int_equal(journal_open(path, "L2", &j), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "L1"));
}

static void test_crash(void **state)
{
    journal *j = NULL;
    journal_event *ev = NULL;
    size_t n = 0;
    int status;
    pid_t pid;
    (void)state;

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* killed at once after the append returned: nothing closed or flushed */
        if (journal_open(path, "L1", &j) || append(j, "0004123456", 0) != 1)
            _exit(1);
        raise(SIGKILL);
        _exit(2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(journal_pending(j, 10, &ev, &n), CP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].seq, 1);
    journal_events_free(ev, n);
    assert_int_equal(append(j, "0004123456", 0), 2);
    journal_close(j);
}

/* A terminal switched off at any moment of its first start leaves a
 * journal that opens: a child creating one is killed after 0 to 6 ms, 60
 * times, across the commits of its creation. */
static void test_killed_while_created(void **state)
{
    char wal[160], shm[160];
    (void)state;

    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    for (int i = 0; i < 60; i++) {
        journal *j = NULL;
        int status;
        pid_t pid;

        unlink(path);
        unlink(wal);
        unlink(shm);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (journal_open(path, "L1", &j) == CP_OK)
                append(j, "0004123456", 0);
            pause(); /* killed here at the latest */
            _exit(0);
        }
        usleep((useconds_t)i * 100);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (journal_open(path, "L1", &j) != CP_OK)
            fail_msg("killed after %d us, the journal no longer opens: %s", i * 100, cp_detail());
        assert_true(append(j, "0004123457", 0) >= 1);
        journal_close(j);
    }
}

static void test_delivered(void **state)
{
    journal *j = NULL;
    journal_event *ev = NULL;
    char *answer = NULL;
    int64_t count = 0, hw = 0;
    size_t n = 0;
    (void)state;

    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    for (int i = 0; i < 4; i++)
        append(j, "0004123456", i >= 2);
    assert_int_equal(journal_delivered(j, 1, "{\"ok\":true}"), CP_OK);
    assert_int_equal(journal_answer(j, 1, &answer), CP_OK);
    assert_string_equal(answer, "{\"ok\":true}");
    free(answer);
    assert_int_equal(journal_answer(j, 2, &answer), CP_OK);
    assert_null(answer);
    assert_int_equal(journal_pending(j, 2, &ev, &n), CP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0].seq, 2);
    assert_int_equal(ev[1].seq, 3);
    assert_int_equal(ev[1].offline, 1);
    journal_events_free(ev, n);
    /* the server has up to 3: only 4 is left */
    assert_int_equal(journal_high_water(j, 3), CP_OK);
    assert_int_equal(journal_pending_count(j, &count), CP_OK);
    assert_int_equal(count, 1);
    /* delivered events are forgotten once old; the numbering goes on */
    assert_int_equal(journal_prune(j, "9999-01-01T00:00:00", &count), CP_OK);
    assert_int_equal(count, 3);
    assert_int_equal(journal_pending_count(j, &count), CP_OK);
    assert_int_equal(count, 1);
    assert_int_equal(journal_next_seq(j, &hw), CP_OK);
    assert_int_equal(hw, 5);
    /* a lower mark is the server's (a store restored): nothing held to send
     * again (all forgotten), and the numbering goes on */
    assert_int_equal(journal_high_water(j, 2), CP_OK);
    assert_int_equal(journal_server_high_water(j, &hw), CP_OK);
    assert_int_equal(hw, 2);
    assert_int_equal(journal_requeued(j), 0);
    assert_int_equal(journal_next_seq(j, &hw), CP_OK);
    assert_int_equal(hw, 5);
    journal_close(j);
}

/* The server's store restored from an older copy: its mark falls below
 * one it gave, and the events after it still held are queued again, marked
 * offline (posted on their time), the one it had refused not served. */
static void test_lost_by_the_server(void **state)
{
    static const int64_t seqs[] = {1, 2, 3};
    char *const answers[] = {"{\"ok\":true,\"seq\":1}",
                             "{\"ok\":false,\"seq\":2,\"error\":\"limit_reached\"}",
                             "{\"ok\":true,\"seq\":3}"};
    journal_event *ev = NULL;
    journal *j = NULL;
    int64_t count = -1, hw = -1;
    size_t n = 0;
    json_t *body;
    (void)state;

    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    for (int i = 0; i < 3; i++)
        append(j, "0004123456", 0);
    assert_int_equal(journal_delivered_batch(j, seqs, answers, 3, 3), CP_OK);
    assert_int_equal(journal_requeued(j), 0);
    assert_int_equal(journal_pending_count(j, &count), CP_OK);
    assert_int_equal(count, 0);
    /* the store now has only the first */
    assert_int_equal(journal_high_water(j, 1), CP_OK);
    assert_int_equal(journal_requeued(j), 2);
    assert_int_equal(journal_server_high_water(j, &hw), CP_OK);
    assert_int_equal(hw, 1);
    assert_int_equal(journal_pending(j, 5, &ev, &n), CP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0].seq, 2);
    assert_int_equal(ev[0].offline, 1);
    body = json_loads(ev[0].body, 0, NULL);
    assert_true(json_is_true(json_object_get(body, "offline")));
    assert_true(json_is_false(json_object_get(body, "served")));
    json_decref(body);
    body = json_loads(ev[1].body, 0, NULL);
    assert_true(json_is_true(json_object_get(body, "offline")));
    assert_null(json_object_get(body, "served"));
    assert_string_equal(json_string_value(json_object_get(body, "card")), "0004123456");
    json_decref(body);
    journal_events_free(ev, n);
    /* sent and taken again: nothing waits */
    assert_int_equal(journal_high_water(j, 3), CP_OK);
    assert_int_equal(journal_requeued(j), 0);
    assert_int_equal(journal_pending_count(j, &count), CP_OK);
    assert_int_equal(count, 0);
    assert_int_equal(journal_next_seq(j, &hw), CP_OK);
    assert_int_equal(hw, 4);
    journal_close(j);
}

/* A server's answer taken in one transaction: the answers of the events
 * in it, then the mark, which covers an event it carried no answer for. */
static void test_delivered_batch(void **state)
{
    static const int64_t seqs[] = {1, 2};
    char *const answers[] = {"{\"ok\":true,\"seq\":1}", NULL};
    journal *j = NULL;
    char *answer = NULL;
    int64_t count = 0, hw = 0;
    (void)state;

    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    for (int i = 0; i < 4; i++)
        append(j, "0004123456", 0);
    assert_int_equal(journal_delivered_batch(j, seqs, answers, 2, 3), CP_OK);
    assert_int_equal(journal_answer(j, 1, &answer), CP_OK);
    assert_string_equal(answer, answers[0]);
    free(answer);
    assert_int_equal(journal_pending_count(j, &count), CP_OK);
    assert_int_equal(count, 1);
    assert_int_equal(journal_server_high_water(j, &hw), CP_OK);
    assert_int_equal(hw, 3);
    /* no mark (-1): only the answers */
    assert_int_equal(journal_delivered_batch(j, (int64_t[]){4}, answers, 1, -1), CP_OK);
    assert_int_equal(journal_pending_count(j, &count), CP_OK);
    assert_int_equal(count, 0);
    assert_int_equal(journal_server_high_water(j, &hw), CP_OK);
    assert_int_equal(hw, 3);
    journal_close(j);
}

/* Copies the file from to to (the backup a terminal is restored from). */
static void copy_file(const char *from, const char *to)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

static void test_restored(void **state)
{
    char backup[160];
    journal *j = NULL;
    int64_t next = 0, count = 0;
    (void)state;

    snprintf(backup, sizeof backup, "%s.bak", path);
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    append(j, "0004123456", 0);
    append(j, "0004123456", 0);
    journal_close(j);
    copy_file(path, backup);
    /* after the backup the terminal went on to 7, all delivered */
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    for (int i = 0; i < 5; i++)
        append(j, "0004123456", 0);
    assert_int_equal(journal_high_water(j, 7), CP_OK);
    journal_close(j);
    /* the disk died; the backup is put back: 1 and 2 pending, next 3 */
    copy_file(backup, path);
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(journal_next_seq(j, &next), CP_OK);
    assert_int_equal(next, 3);
    /* the first contact says 7: 1 and 2 are delivered, the next seq is 8 */
    assert_int_equal(journal_high_water(j, 7), CP_OK);
    assert_int_equal(journal_pending_count(j, &count), CP_OK);
    assert_int_equal(count, 0);
    assert_int_equal(append(j, "0004123456", 1), 8);
    journal_close(j);
}

/* The cash of card no as the journal holds it; -1 when it holds none. */
static json_int_t cash_of(journal *j, const char *no)
{
    json_t *card = NULL;
    json_int_t cash;

    assert_int_equal(journal_card_load(j, no, &card), CP_OK);
    cash = card ? json_integer_value(json_object_get(card, "cash_fen")) : -1;
    json_decref(card);
    return cash;
}

static void test_snapshot_and_clock(void **state)
{
    json_t *cards = json_loads("[{\"card\":\"0004123456\",\"cash_fen\":1},"
                               " {\"card\":\"0004123457\",\"cash_fen\":3}]", 0, NULL);
    json_t *delta = json_loads("[{\"card\":\"0004123457\",\"cash_fen\":4},"
                               " {\"card\":\"0004123458\",\"cash_fen\":5}]", 0, NULL);
    json_t *card = NULL;
    journal *j = NULL;
    char *snap = NULL, at[32];
    int64_t version = -1, offset = 1, n = 0;
    (void)state;

    assert_non_null(cards);
    assert_non_null(delta);
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(journal_snapshot_load(j, &snap, &version, at), CP_OK);
    assert_null(snap);
    assert_int_equal(version, 0);
    assert_int_equal(journal_snapshot_save(j, "{\"version\":118}", 118, JOURNAL_CARDS_WHOLE,
                                           NULL), CP_OK);
    /* a fetch that failed half-way left a page aside: forgotten at the next one */
    assert_int_equal(journal_cards_stage(j, delta, 1), CP_OK);
    assert_int_equal(journal_cards_stage(j, cards, 1), CP_OK);
    assert_int_equal(journal_snapshot_save(j, "{\"version\":119}", 119, JOURNAL_CARDS_WHOLE,
                                           NULL), CP_OK);
    assert_int_equal(journal_clock_offset(j, &offset), CP_OK);
    assert_int_equal(offset, 0);
    assert_int_equal(journal_set_clock_offset(j, -42), CP_OK);
    journal_close(j);
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(journal_snapshot_load(j, &snap, &version, at), CP_OK);
    assert_string_equal(snap, "{\"version\":119}");
    assert_int_equal(version, 119);
    assert_true(at[0] != '\0');
    free(snap);
    assert_int_equal(journal_clock_offset(j, &offset), CP_OK);
    assert_int_equal(offset, -42);
    /* the cards one by one: a card changed here replaces the held one */
    assert_int_equal(cash_of(j, "0004123456"), 1);
    assert_int_equal(cash_of(j, "0004123458"), -1);
    assert_int_equal(cash_of(j, "0009999999"), -1);
    card = json_pack("{s:s, s:i}", "card", "0004123456", "cash_fen", 2);
    assert_int_equal(journal_card_save(j, card), CP_OK);
    json_decref(card);
    journal_close(j);
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(cash_of(j, "0004123456"), 2);
    /* a delta of a later day: its cards in place of the held ones, the
     * others marked as of the held day */
    assert_int_equal(journal_cards_stage(j, delta, 1), CP_OK);
    assert_int_equal(journal_snapshot_save(j, "{\"version\":120}", 120, JOURNAL_CARDS_DELTA,
                                           "2026-11-03"), CP_OK);
    assert_int_equal(cash_of(j, "0004123457"), 4);
    assert_int_equal(cash_of(j, "0004123458"), 5);
    assert_int_equal(journal_card_load(j, "0004123456", &card), CP_OK);
    assert_string_equal(json_string_value(json_object_get(card, "day")), "2026-11-03");
    json_decref(card);
    assert_int_equal(journal_card_load(j, "0004123458", &card), CP_OK);
    assert_null(json_object_get(card, "day"));
    json_decref(card);
    assert_int_equal(journal_cards_count(j, &n), CP_OK);
    assert_int_equal(n, 3);
    /* a whole one: every held card replaced */
    assert_int_equal(journal_cards_stage(j, cards, 1), CP_OK);
    assert_int_equal(journal_snapshot_save(j, "{\"version\":121}", 121, JOURNAL_CARDS_WHOLE,
                                           NULL), CP_OK);
    assert_int_equal(journal_cards_count(j, &n), CP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(cash_of(j, "0004123457"), 3);
    assert_int_equal(cash_of(j, "0004123458"), -1);
    journal_close(j);
    json_decref(cards);
    json_decref(delta);
    /* a PostgreSQL target is no journal */
    assert_int_equal(journal_open("postgresql://localhost/x", "L1", &j), CP_ERR_INVALID);
}

/* A journal of the programs before journal_cards: the snapshot's cards in
 * its body, the cards changed offline apart; opened, both are in
 * journal_cards (the changed one's body winning) and the body has none. */
static void test_old_cards_moved(void **state)
{
    journal *j = NULL;
    db *d = NULL;
    char *snap = NULL, at[32];
    int64_t version = 0, n = 0;
    (void)state;

    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    journal_close(j);
    assert_int_equal(db_open(path, DB_OPEN_CREATE, &d), CP_OK);
    assert_int_equal(db_exec(d, "CREATE TABLE journal_snapshot_cards (card TEXT PRIMARY KEY,"
                                " body TEXT NOT NULL);"
                                "INSERT INTO journal_snapshot VALUES (1, '{\"version\":5,"
                                "\"cards\":[{\"card\":\"A\",\"cash_fen\":1},"
                                "{\"card\":\"B\",\"cash_fen\":2}]}', 5, 'x');"
                                "INSERT INTO journal_snapshot_cards VALUES"
                                " ('B', '{\"card\":\"B\",\"cash_fen\":9}')"),
                     CP_OK);
    db_close(d);
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(cash_of(j, "A"), 1);
    assert_int_equal(cash_of(j, "B"), 9);
    assert_int_equal(journal_cards_count(j, &n), CP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(journal_snapshot_load(j, &snap, &version, at), CP_OK);
    assert_string_equal(snap, "{\"version\":5}");
    assert_int_equal(version, 5);
    free(snap);
    journal_close(j);
    /* opened again: nothing moves twice */
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(journal_cards_count(j, &n), CP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(cash_of(j, "B"), 9);
    journal_close(j);
}

/* The size of the journal's own file (not its WAL): what checkpoints copied. */
static long file_size(void)
{
    struct stat sb;

    assert_int_equal(stat(path, &sb), 0);
    return (long)sb.st_size;
}

/* Appends a charge whose body is about size bytes. */
static void append_big(journal *j, size_t size)
{
    char *note = malloc(size + 1);
    json_t *ev;
    int64_t seq = 0;

    assert_non_null(note);
    memset(note, 'x', size);
    note[size] = '\0';
    ev = json_pack("{s:s, s:s}", "card", "0004123456", "note", note);
    assert_int_equal(journal_append(j, "charge", ev, 0, &seq), CP_OK);
    json_decref(ev);
    free(note);
}

/* The WAL is copied into the file by journal_tidy, not by the commit that
 * takes it past SQLite's 1,000 pages, and only once enough was written. */
static void test_tidy(void **state)
{
    size_t big = 6u << 20; /* 1,500 pages of 4 KiB: past SQLite's default */
    char *snap = malloc(big + 3), *back = NULL, at[32];
    journal *j = NULL;
    int64_t version = 0, n = 0;
    long copied;
    (void)state;

    assert_non_null(snap);
    memset(snap, ' ', big + 2);
    snap[0] = '[';
    snap[big + 1] = ']';
    snap[big + 2] = '\0';
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(journal_snapshot_save(j, snap, 7, JOURNAL_CARDS_WHOLE, NULL), CP_OK);
    append_big(j, 100);
    assert_true(file_size() < (1 << 20)); /* still in the WAL */
    assert_int_equal(journal_tidy(j), CP_OK);
    copied = file_size();
    assert_true(copied > (long)big);
    /* a few writes: nothing copied yet (10 events of 100 KB would need pages past the end) */
    for (int i = 0; i < 10; i++)
        append_big(j, 100000);
    assert_int_equal(journal_tidy(j), CP_OK);
    assert_int_equal(file_size(), copied);
    for (int i = 10; i < 64; i++)
        append_big(j, 100000);
    assert_int_equal(journal_tidy(j), CP_OK);
    assert_true(file_size() > copied + 60 * 100000L);
    journal_close(j);
    /* all there after a reopen */
    assert_int_equal(journal_open(path, "L1", &j), CP_OK);
    assert_int_equal(journal_pending_count(j, &n), CP_OK);
    assert_int_equal(n, 65);
    assert_int_equal(journal_snapshot_load(j, &back, &version, at), CP_OK);
    assert_string_equal(back, snap);
    assert_int_equal(version, 7);
    free(back);
    free(snap);
    journal_close(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gapless, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_while_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delivered_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_by_the_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_and_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_cards_moved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tidy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
