/* serve_snapshot: GET /v1/snapshot: what a terminal needs to decide without the server: periods, prices, items, rules and the cards with their balances and today's meals.
 *
 * The version of the store is the length of its audit chain (the largest
 * audit seq): every change a snapshot holds is entered there, sales, voids
 * and money movements as events, card blocks, prices, periods, items and
 * rules as notes. A delta (?since=V) holds the cards named by the entries
 * after V: a card blocked or unblocked (subject: the card), a card replaced
 * (the staff number), a sale or void of the diner, a ledger event of theirs
 * (top-ups, subsidies), a diner added or changed by an import, a
 * department changed (its name is on its diners' cards). A delta too far
 * behind or too large is a whole snapshot instead ("delta": false,
 * SNAPSHOT_DELTA_ENTRIES), as is one after an import by older programs.
 * Cards are those of every diner (one balance per diner in every canteen);
 * periods, prices and items are the terminal's canteen's. A delta's cards
 * count today's meals; a terminal keeps its other cards' counts as of the
 * held snapshot's date (core/termsync.c keep_days), so that a new day
 * takes a delta too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoffice/serve_int.h"
#include "core/canteen.h"
#include "core/cardno.h"
#include "core/clock.h"
#include "core/jsonl.h"

/* Cards in an answer when the terminal asks page by page (?after=): some
 * 400 KB of JSON and tens of milliseconds of a worker, where a city's
 * 100,000 cards at once were 18 MB, most of a second of a worker and
 * 240 MB of its memory, and past what a terminal takes in one answer. */
#define SNAPSHOT_PAGE_CARDS 2000

/* The most audit entries a delta reads, and the most cards it holds; a
 * terminal further behind, or a delta of more cards, gets a whole snapshot
 * instead. A delta comes in one answer, paged or not: the server keeps
 * nothing between pages, so each page would read every entry after the
 * version again, and a delta's cost would grow with its entries times its
 * pages (at a city's 100,000 cards, one over 20,000 charges took 11 pages
 * of 56 to 130 ms on SQLite, 221 to 310 ms on PostgreSQL, where the whole
 * snapshot is 51 pages of 20 to 60 ms; after a week away, 200,000 entries
 * a day, minutes). 10,000 cards
 * are some 2 MB, within what a terminal takes in one answer (8 MB); one
 * entry can name them all (a month's subsidy granted to everyone). A
 * city's lunch makes some 7,000 entries in the five minutes between a
 * terminal's refreshes. */
#define SNAPSHOT_DELTA_ENTRIES 10000
#define SNAPSHOT_DELTA_CARDS 10000

/* The store's version: the length of the audit log, read while no write
 * is open. On PostgreSQL charges of different terminals append to their
 * own chains at once (core/audit.h), so an entry can commit after one with
 * a larger seq: read beside them, the largest seq could pass an entry
 * still to come, which a delta after it would never name. The writers'
 * lock (db_begin) waits for the writes open now and keeps new ones out
 * for the one read; every entry committed later has a larger seq. */
static cp_err store_version(db *d, int64_t *v)
{
    static const char sql[] = "SELECT coalesce(max(seq), 0) FROM audit";
    db_stmt *st;
    cp_err err;

    if ((err = db_begin(d)))
        return err;
    err = (st = db_prepare(d, sql)) ? db_step_int64(d, st, v) : CP_ERR_DB;
    db_rollback(d);
    return err;
}

/* The hash of the audit entry of seq version, into o's "version_hash": what
 * tells this store's version V from the V of a store restored from an
 * older copy, whose entries after the copy are another history (an
 * offline meal names both: serve_offline.c). None for version 0. */
static cp_err version_hash(db *d, int64_t version, json_t *o)
{
    db_stmt *st = db_prepare(d, "SELECT hash FROM audit WHERE seq = ?1");
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, version);
    if ((rc = db_step(st)) == DB_ROW)
        json_object_set_new(o, "version_hash", jsonl_str(db_col_text(st, 0)));
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "reading the store's version") : CP_OK;
}

/* The highest audit seq of a block or unblock: the block list's version. */
static cp_err block_version(db *d, int64_t *v)
{
    static const char sql[] =
        "SELECT coalesce(max(seq), 0) FROM audit WHERE action IN ('card.block', 'card.unblock',"
        " 'card.replace', 'diner.leave')";
    db_stmt *st = db_prepare(d, sql);

    return st ? db_step_int64(d, st, v) : CP_ERR_DB;
}

/* Whether an import after version since makes a delta miss cards: one
 * by the programs before each diner or department added or changed had an
 * entry of its own ('import.diners', 'import.departments': the file's
 * entry, which names only the file). */
static cp_err imported_since(db *d, int64_t since, int64_t *n)
{
    static const char sql[] = "SELECT count(*) FROM audit WHERE seq > ?1"
                              " AND action IN ('import.diners', 'import.departments')";
    db_stmt *st = db_prepare(d, sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, since);
    return db_step_int64(d, st, n);
}

/* Appends one object per row of sql (canteen id bound as ?1) to arr,
 * the columns named by keys; a key that starts with '#' is an integer. */
static cp_err rows_at(db *d, const char *sql, int64_t canteen_id, int64_t version,
                      const char *const *keys, json_t *arr)
{
    db_stmt *st = db_prepare(d, sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    if (version >= 0)
        db_bind_int64(st, 2, version);
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *o = json_object();
        for (int i = 0; keys[i]; i++)
            json_object_set_new(o, keys[i][0] == '#' ? keys[i] + 1 : keys[i],
                                keys[i][0] == '#' ? json_integer(db_col_int64(st, i))
                                                  : jsonl_str(db_col_text(st, i)));
        json_array_append_new(arr, o);
    }
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "reading the snapshot") : CP_OK;
}

static cp_err rows_into(db *d, const char *sql, int64_t canteen_id, const char *const *keys,
                        json_t *arr)
{
    return rows_at(d, sql, canteen_id, -1, keys, arr);
}

/* The canteen's name, and the names people read for codes (core/names.h:
 * the canteen's own for diner categories, periods, ...) for the screen. */
static const char canteen_sql[] = "SELECT name FROM canteens WHERE id = ?1";
/* display names are the whole store's, not a canteen's: rows_into binds the
 * canteen as ?1 all the same, so it is used in a test that always holds */
static const char names_sql[] =
    "SELECT kind, code, name FROM display_names WHERE ?1 > 0 ORDER BY kind, code";
static const char *const names_keys[] = {"kind", "code", "name", NULL};

static const char periods_sql[] =
    "SELECT id, name, start_min, end_min FROM meal_periods WHERE canteen_id = ?1 ORDER BY start_min";
static const char *const periods_keys[] = {"#id", "name", "#start_min", "#end_min", NULL};
/* The prices as they were at the snapshot's version ?2: each the last set
 * at a version below it (price_history.version, schema version 18), as the
 * server charges an offline meal decided from this snapshot
 * (CANTEEN_PRICE_SEEN_SQL, core/canteen.h). Read from prices, a price set
 * between the version and this read was held under a version that did not
 * have it, and the meal was charged the old price beside a receipt of the
 * new one (review K2-2). */
static const char prices_sql[] =
    "SELECT p.name, h.category, h.price_fen FROM price_history h"
    " JOIN meal_periods p ON p.id = h.period_id"
    " WHERE p.canteen_id = ?1 AND h.version < ?2"
    " AND NOT EXISTS (SELECT 1 FROM price_history n WHERE n.period_id = h.period_id"
    "   AND n.category = h.category AND n.version < ?2 AND n.id > h.id)"
    " ORDER BY p.start_min, h.category";
static const char *const prices_keys[] = {"period", "category", "#price_fen", NULL};
static const char items_sql[] =
    "SELECT code, name, price_fen, unit FROM items WHERE canteen_id = ?1 ORDER BY code";
static const char *const items_keys[] = {"code", "name", "#price_fen", "unit", NULL};

/* The rules of each category that has prices or rules here. The offline
 * daily allowance is category_rules.offline_daily_cap_fen when the store
 * has that column (the rules branch adds it) and it is set, else one lunch
 * at this canteen as the server counts it (CANTEEN_ONE_LUNCH_SQL, core/canteen.h).
 * daily_cap_fen -1: none. RULES_SQL(x) puts the allowance's expression x in. */
#define RULES_SQL(allowance)                                                               \
    "SELECT k.category, coalesce(r.meals_per_period, 1), coalesce(r.daily_cap_fen, -1),"   \
    " coalesce(r.overdraft_fen, 0), " allowance                                            \
    " FROM (SELECT category FROM category_rules UNION SELECT x.category FROM prices x"      \
    "   JOIN meal_periods p ON p.id = x.period_id WHERE p.canteen_id = ?1) k"              \
    " LEFT JOIN category_rules r ON r.category = k.category ORDER BY k.category"
#define LUNCH_PRICE CANTEEN_ONE_LUNCH_SQL("?1", "k.category")
static const char rules_sql[] = RULES_SQL("coalesce(" LUNCH_PRICE ", 0)");
static const char rules_cap_sql[] =
    RULES_SQL("coalesce(r.offline_daily_cap_fen, " LUNCH_PRICE ", 0)");
static const char *const rules_keys[] = {"category", "#meals_per_period", "#daily_cap_fen",
                                         "#overdraft_fen", "#offline_daily_cap_fen", NULL};

/* Which of the two rules statements this store takes: asked once per
 * thread's connection (a column either is there or not while it runs). */
static _Thread_local int rules_has_cap = -1;

static const char *rules_query(db *d)
{
    db_stmt *st = NULL;

    if (rules_has_cap < 0) {
        rules_has_cap = db_prepare_once(d, "SELECT offline_daily_cap_fen FROM category_rules"
                                           " WHERE 1 = 0", &st) == CP_OK;
        db_finalize(st);
        cp_clear();
    }
    return rules_has_cap ? rules_cap_sql : rules_sql;
}

/* A card's columns, its diner's, its department's and wallet's. */
#define CARD_COLUMNS                                                                       \
    "SELECT c.card_no, di.staff_no, di.name, coalesce(de.name, ''), di.category,"         \
    " CASE WHEN c.status <> 'active' THEN c.status ELSE di.status END,"                   \
    " coalesce(w.cash_fen, 0), coalesce(w.subsidy_fen, 0), di.id"
#define CARD_JOINS                                                                         \
    " JOIN diners di ON di.id = c.diner_id"                                                \
    " LEFT JOIN departments de ON de.id = di.department_id"                                \
    " LEFT JOIN wallets w ON w.diner_id = di.id"

/* Every card numbered after ?1, at most ?2, in the order of their numbers. */
static const char cards_sql[] =
    CARD_COLUMNS " FROM cards c" CARD_JOINS " WHERE c.card_no > ?1 ORDER BY c.card_no LIMIT ?2";

/* The diners named by the audit entries after version V (the parameter
 * given, a delta's): by the card (a block), the staff number (a card
 * replaced, a diner imported), the department (renamed: all its diners),
 * a sale, a void, or a ledger event, whose rows are numbered SUBJECT or
 * SUBJECT.N: found as a range of the ledger's key ('.' to '/', the next
 * byte; ids compare by bytes on both engines), an index search each (a
 * sale's and a void's subject is its id, never a card or a staff number).
 * A substr() of every ledger row instead read the whole ledger for each
 * entry: a delta over the demo month's last 674 entries took 5 s.
 *
 * The diners are gathered first and their cards found from them: a test of
 * every card against the entries (an OR of five IN lists) read all of a
 * city's 100,000 cards, diners and wallets for each page, 200 ms of
 * PostgreSQL's time for a delta over 2,000 charges. CROSS JOIN keeps
 * SQLite's planner to that order (core/db_pg_stmt.c makes it a plain join
 * on PostgreSQL). Every card of a named diner comes, a retired one too,
 * as in a whole snapshot.
 *
 * At most SNAPSHOT_DELTA_CARDS + 1 diners (more make a whole snapshot):
 * the LIMIT also tells PostgreSQL's planner how many. Without it, it took
 * each ledger range for 0.5 % of the ledger (its guess for a range whose
 * ends are not known), reckoned on 154 million diners, walked every card
 * against all of them (2 s) and compiled the query first (JIT, 0.5 s). */
#define CHANGED_DINERS(v)                                                                  \
    "WITH changed(diner_id) AS (SELECT u.diner_id FROM ("                                  \
    "  SELECT k.diner_id AS diner_id FROM audit a JOIN cards k ON k.card_no = a.subject"   \
    "   WHERE a.seq > " v " AND a.action NOT IN ('sale', 'sale.void')"                     \
    " UNION SELECT d.id FROM audit a JOIN diners d ON d.staff_no = a.subject"              \
    "   WHERE a.seq > " v " AND a.action NOT IN ('sale', 'sale.void')"                     \
    " UNION SELECT d.id FROM audit a JOIN departments p ON p.code = a.subject"             \
    "   JOIN diners d ON d.department_id = p.id"                                           \
    "   WHERE a.seq > " v " AND a.action = 'department.change'"                            \
    " UNION SELECT s.diner_id FROM audit a JOIN sales s ON s.id = a.subject"               \
    "   WHERE a.seq > " v " AND a.action = 'sale'"                                         \
    " UNION SELECT s.diner_id FROM audit a JOIN voids o ON o.id = a.subject"               \
    "   JOIN sales s ON s.id = o.sale_id WHERE a.seq > " v " AND a.action = 'sale.void'"   \
    " UNION SELECT l.diner_id FROM audit a JOIN ledger l ON l.id = a.subject"              \
    "   WHERE a.seq > " v " AND a.action NOT IN ('sale', 'sale.void')"                     \
    " UNION SELECT l.diner_id FROM audit a JOIN ledger l"                                  \
    "   ON l.id > a.subject || '.' AND l.id < a.subject || '/'"                            \
    "   WHERE a.seq > " v " AND a.action NOT IN ('sale', 'sale.void')) u"                  \
    " LIMIT " CARDS_TEXT(SNAPSHOT_DELTA_CARDS) " + 1) "
#define CARDS_TEXT(n) CARDS_TEXT_(n)
#define CARDS_TEXT_(n) #n

/* The cards of the diners named after version ?3, numbered after ?1, at
 * most ?2. */
static const char cards_delta_sql[] =
    CHANGED_DINERS("?3") CARD_COLUMNS " FROM changed ch CROSS JOIN cards c"
    " ON c.diner_id = ch.diner_id" CARD_JOINS " WHERE c.card_no > ?1 ORDER BY c.card_no LIMIT ?2";

/* Today's (?1) meals of the diners of the cards numbered after ?2 .. ?3:
 * every such card's, or for a delta those named after version ?4. A
 * delta's cards are spread over the numbers (a lunch's diners anywhere in
 * a city's 100,000), and the range of a page of them holds most of the
 * day's sales: read for them all, 70 ms of a 2,000-card page with 12,000
 * sales that day, and more as the day goes on. */
#define TODAY_SQL(with, diners)                                                            \
    with "SELECT s.diner_id, coalesce(p.name, ''), count(*), sum(s.total_fen)"             \
    " FROM sales s LEFT JOIN meal_periods p ON p.id = s.period_id"                         \
    " WHERE s.business_date = ?1"                                                          \
    " AND s.diner_id IN (SELECT c.diner_id FROM " diners " c.card_no > ?2"                 \
    "   AND c.card_no <= ?3)"                                                              \
    " AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.sale_id = s.id)"                       \
    " GROUP BY s.diner_id, p.name ORDER BY s.diner_id, p.name"
static const char today_sql[] = TODAY_SQL("", "cards c WHERE");
static const char today_delta_sql[] = TODAY_SQL(
    CHANGED_DINERS("?4"), "changed ch CROSS JOIN cards c ON c.diner_id = ch.diner_id WHERE");

/* Today's meals per period and money spent of the diners of the cards
 * numbered after .. last (all, or with since >= 0 those changed after
 * it), per diner id (text), as {"meals_today": {...}, "spent_today_fen": N}. */
static cp_err today_of_diners(db *d, int64_t since, const char *date, const char *after,
                              const char *last, json_t *by_diner)
{
    db_stmt *st = db_prepare(d, since < 0 ? today_sql : today_delta_sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, date);
    db_bind_text(st, 2, after);
    db_bind_text(st, 3, last);
    if (since >= 0)
        db_bind_int64(st, 4, since);
    while ((rc = db_step(st)) == DB_ROW) {
        char key[32];
        json_t *o;

        snprintf(key, sizeof key, "%lld", (long long)db_col_int64(st, 0));
        if (!(o = json_object_get(by_diner, key))) {
            o = json_pack("{s:{}, s:I}", "meals_today", "spent_today_fen", (json_int_t)0);
            json_object_set_new(by_diner, key, o);
        }
        if (*db_col_text(st, 1))
            json_object_set_new(json_object_get(o, "meals_today"), db_col_text(st, 1),
                                json_integer(db_col_int64(st, 2)));
        json_object_set_new(o, "spent_today_fen",
                            json_integer(json_integer_value(json_object_get(o, "spent_today_fen")) +
                                         db_col_int64(st, 3)));
    }
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "reading today's meals") : CP_OK;
}

/* Appends the cards numbered after after (at most limit) to cards, all or
 * (since >= 0) those changed after version since, each with today's meals
 * of its diner (today_of_diners, for the cards read). */
static cp_err cards_into(db *d, int64_t since, const char *date, const char *after,
                         int64_t limit, json_t *cards)
{
    db_stmt *st = db_prepare(d, since < 0 ? cards_sql : cards_delta_sql);
    json_t *today = json_object(), *c;
    int64_t *diner = NULL;
    size_t n = 0, cap = 0, i;
    int rc;
    cp_err err = CP_OK;

    if (!st || !today) {
        json_decref(today);
        return st ? cp_fail(CP_ERR_NOMEM, "out of memory for the snapshot") : CP_ERR_DB;
    }
    db_bind_text(st, 1, after);
    db_bind_int64(st, 2, limit);
    if (since >= 0)
        db_bind_int64(st, 3, since);
    while ((rc = db_step(st)) == DB_ROW) {
        json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}", "card",
                              jsonl_str(db_col_text(st, 0)), "staff_no",
                              jsonl_str(db_col_text(st, 1)), "name",
                              jsonl_str(db_col_text(st, 2)), "department",
                              jsonl_str(db_col_text(st, 3)), "category",
                              jsonl_str(db_col_text(st, 4)), "status",
                              jsonl_str(db_col_text(st, 5)), "cash_fen",
                              (json_int_t)db_col_int64(st, 6), "subsidy_fen",
                              (json_int_t)db_col_int64(st, 7));
        if (n == cap) {
            size_t grown_cap = cap ? cap * 2 : 256;
            int64_t *grown = realloc(diner, grown_cap * sizeof *diner);
            if (grown) {
                diner = grown;
                cap = grown_cap;
            }
        }
        if (n == cap)
            json_decref(o);
        /* json_array_append_new takes o even when it fails */
        if (n == cap || json_array_append_new(cards, o)) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory for the snapshot");
            break;
        }
        diner[n++] = db_col_int64(st, 8);
    }
    db_reset(st);
    if (!err && rc == DB_ERROR)
        err = db_fail(d, "reading the cards");
    /* today's meals of the diners of just these cards: the range read */
    if (!err && n > 0)
        err = today_of_diners(d, since, date, after,
                              json_string_value(json_object_get(
                                  json_array_get(cards, json_array_size(cards) - 1), "card")),
                              today);
    for (i = 0; !err && i < n; i++) {
        char key[32];
        json_t *t;

        snprintf(key, sizeof key, "%lld", (long long)diner[i]);
        t = json_object_get(today, key);
        c = json_array_get(cards, json_array_size(cards) - n + i);
        json_object_set_new(c, "meals_today",
                            t ? json_incref(json_object_get(t, "meals_today")) : json_object());
        json_object_set_new(c, "spent_today_fen",
                            json_integer(t ? json_integer_value(
                                                 json_object_get(t, "spent_today_fen"))
                                           : 0));
    }
    free(diner);
    json_decref(today);
    return err;
}

/* The version asked for by ?since=V: -1 when none (a whole snapshot). */
static int64_t since_of(const serve_req *r)
{
    char v[32], *end;
    long long n;

    if (!serve_query_value(r->query, "since", v, sizeof v))
        return -1;
    n = strtoll(v, &end, 10);
    return *v && !*end && n >= 0 ? n : -2;
}

/* The canteen's name as "canteen_name" of o. */
static cp_err canteen_name(db *d, int64_t canteen_id, json_t *o)
{
    db_stmt *st = db_prepare(d, canteen_sql);
    int rc;

    if (!st)
        return CP_ERR_DB;
    db_bind_int64(st, 1, canteen_id);
    if ((rc = db_step(st)) == DB_ROW)
        json_object_set_new(o, "canteen_name", jsonl_str(db_col_text(st, 0)));
    db_reset(st);
    return rc == DB_ERROR ? db_fail(d, "reading the canteen") : CP_OK;
}

/* A delta's cards (changed after version since) numbered after after, into
 * cards, in one answer: *fits 0 (and cards empty) when the delta holds
 * more than SNAPSHOT_DELTA_CARDS. They are counted from the first card
 * whatever after says: a terminal of the programs before asked the later
 * pages of a whole answer with since, and had it been given the changed
 * cards after after as a delta, it would have kept only those as the rest
 * of its snapshot. */
static cp_err delta_cards(db *d, int64_t since, const char *date, const char *after,
                          json_t *cards, int *fits)
{
    json_t *all = json_array();
    size_t first = 0, i;
    cp_err err;

    *fits = 0;
    if (!all)
        return cp_fail(CP_ERR_NOMEM, "out of memory for the snapshot");
    if ((err = cards_into(d, since, date, "", SNAPSHOT_DELTA_CARDS + 1, all)))
        goto out;
    if (json_array_size(all) > SNAPSHOT_DELTA_CARDS)
        goto out;
    *fits = 1;
    /* in the order of their numbers: those after after are the tail */
    while (first < json_array_size(all) &&
           strcmp(json_string_value(json_object_get(json_array_get(all, first), "card")),
                  after) <= 0)
        first++;
    for (i = first; i < json_array_size(all); i++)
        if (json_array_append(cards, json_array_get(all, i))) {
            err = cp_fail(CP_ERR_NOMEM, "out of memory for the snapshot");
            break;
        }
out:
    json_decref(all);
    return err;
}

/* Reads everything into o: the cards numbered after after, at most limit
 * for a whole snapshot, or those changed since version since (a delta,
 * all of them, or a whole snapshot when a delta cannot be had); CP_OK or
 * the store's error. */
static cp_err fill(const serve_req *r, int64_t since, const char *after, int64_t limit,
                   json_t *o)
{
    char date[CP_DATE_LEN];
    int64_t version, blocks, imports = 0;
    json_t *cards = json_object_get(o, "cards");
    int fits = 0;
    cp_time now;
    cp_err err;

    if ((err = clock_now(&now)) || (err = store_version(r->d, &version)) ||
        (err = block_version(r->d, &blocks)) ||
        (since >= 0 && (err = imported_since(r->d, since, &imports))))
        return err;
    /* a whole snapshot after an import, past SNAPSHOT_DELTA_ENTRIES, or
     * for a version the store has not reached (a store restored from a
     * backup, whose history after it is not the terminal's) */
    if (imports > 0 || version - since > SNAPSHOT_DELTA_ENTRIES || since > version)
        since = -1;
    clock_date(&now, date);
    json_object_set_new(o, "version", json_integer((json_int_t)version));
    if ((err = version_hash(r->d, version, o)))
        return err;
    json_object_set_new(o, "block_version", json_integer((json_int_t)blocks));
    json_object_set_new(o, "business_date", json_string(date));
    json_object_set_new(o, "canteen", jsonl_str(r->info->canteen));
    json_object_set_new(o, "delta", json_boolean(since >= 0));
    if ((err = canteen_name(r->d, r->info->canteen_id, o)) ||
        (err = rows_into(r->d, names_sql, r->info->canteen_id, names_keys,
                         json_object_get(o, "names"))) ||
        (err = rows_into(r->d, periods_sql, r->info->canteen_id, periods_keys,
                         json_object_get(o, "periods"))) ||
        (err = rows_at(r->d, prices_sql, r->info->canteen_id, version, prices_keys,
                       json_object_get(o, "prices"))) ||
        (err = rows_into(r->d, items_sql, r->info->canteen_id, items_keys,
                         json_object_get(o, "items"))) ||
        (err = rows_into(r->d, rules_query(r->d), r->info->canteen_id, rules_keys,
                         json_object_get(o, "rules"))))
        return err;
    if (since >= 0 && (err = delta_cards(r->d, since, date, after, cards, &fits)))
        return err;
    if (fits) {
        limit = INT32_MAX; /* a delta in one answer */
    } else {
        json_object_set_new(o, "delta", json_false());
        if ((err = cards_into(r->d, -1, date, after, limit, cards)))
            return err;
    }
    /* a full page: more may follow (an empty last page when none does) */
    json_object_set_new(o, "more", json_boolean((int64_t)json_array_size(cards) == limit));
    return CP_OK;
}

void serve_snapshot(const serve_req *r, serve_answer *a)
{
    int64_t since = since_of(r);
    /* ?after=CARD (even empty): one page of cards; without it all at once */
    char after[CARDNO_LEN + 2] = "";
    int paged = serve_query_value(r->query, "after", after, sizeof after);
    cp_err err;

    if (since < -1) {
        serve_error(a, 400, "bad_json", "since: a snapshot version (0, 1, ...)");
        return;
    }
    if (strlen(after) > CARDNO_LEN || strspn(after, "0123456789") != strlen(after)) {
        serve_error(a, 400, "bad_json", "after: a card number (%d digits) or nothing",
                    CARDNO_LEN);
        return;
    }
    if ((err = terminals_contact(r->d, r->terminal, r->now, -1, -1))) {
        serve_error(a, 503, "busy", "%s", cp_detail());
        return;
    }
    a->body = json_pack("{s:b, s:[], s:[], s:[], s:[], s:[], s:[]}", "ok", 1, "periods",
                        "prices", "items", "rules", "names", "cards");
    /* No transaction (on SQLite a write lock, which would stop the charges):
     * the version is read first, so whatever changes while the rest is read
     * comes after it and is in the next delta again. */
    if (!a->body || (err = fill(r, since, after, paged ? SNAPSHOT_PAGE_CARDS : INT32_MAX,
                                a->body)))
        serve_error(a, 503, "busy", "%s", cp_detail());
}
