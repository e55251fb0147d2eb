/* diners: departments, diners and their cards, and top-ups by file; imports are all-or-nothing. */
#include "core/diners.h"

#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/cardno.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/nls.h"

static const char *const dept_cols[] = {"code", "name", "parent_code"};
static const char *const diner_cols[] = {"staff_no", "name", "department_code", "category",
                                         "card"};

static int ident_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    return 1;
}

/* Checks the name field of line: not empty, at most DINERS_NAME_MAX characters. */
static cp_err name_valid(const char *file, long line, const char *name)
{
    char what[256];

    utf8_format(what, sizeof what, "%s:%ld: field name", file, line);
    return utf8_name_valid(what, name, DINERS_NAME_MAX);
}

/* Common checks of a data row: the field count. */
static cp_err row_shape(const csv_row *row, const char *name, size_t want, const char *header)
{
    if (row->nfields != want)
        return cp_fail(CP_ERR_PARSE, "%s:%ld: expected %zu fields (%s), found %zu", name,
                       row->line, want, header, row->nfields);
    return CP_OK;
}

/* The keys of an import seen so far (staff numbers, cards, codes) and the row
 * each first came on: a hash table with open addressing, so that checking a
 * file for repeats takes time in proportion to its rows. Keys are borrowed. */
typedef struct seen {
    const char **keys;
    size_t *rows;
    size_t mask;
} seen;

static cp_err seen_init(seen *s, size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n)
        cap *= 2;
    s->keys = calloc(cap, sizeof *s->keys);
    s->rows = calloc(cap, sizeof *s->rows);
    s->mask = cap - 1;
    if (!s->keys || !s->rows)
        return cp_fail(CP_ERR_NOMEM, "out of memory checking the file for repeats");
    return CP_OK;
}

static void seen_free(seen *s)
{
    free(s->keys);
    free(s->rows);
}

/* Adds key (first on row) unless it was seen; returns the row it was first
 * seen on, or -1 when it is new. At most n keys (seen_init) may be added. */
static long seen_add(seen *s, const char *key, size_t row)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    size_t i;

    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    for (i = (size_t)h & s->mask; s->keys[i]; i = (i + 1) & s->mask)
        if (strcmp(s->keys[i], key) == 0)
            return (long)s->rows[i];
    s->keys[i] = key;
    s->rows[i] = row;
    return -1;
}

cp_err diners_import_departments(db *d, const csv_table *t, const char *name,
                                 const char *actor, import_counts *counts)
{
    static const char get_sql[] =
        "SELECT d.name, coalesce(p.code, '') FROM departments d"
        " LEFT JOIN departments p ON p.id = d.parent_id WHERE d.code = ?";
    static const char upsert_sql[] =
        "INSERT INTO departments(code, name) VALUES (?1, ?2)"
        " ON CONFLICT(code) DO UPDATE SET name = excluded.name";
    static const char parent_sql[] =
        "UPDATE departments SET parent_id = (SELECT id FROM departments WHERE code = ?2)"
        " WHERE code = ?1";
    static const char exists_sql[] = "SELECT id FROM departments WHERE code = ?";
    static const char cycle_sql[] =
        "WITH RECURSIVE up(start, id, depth) AS ("
        "  SELECT id, parent_id, 1 FROM departments WHERE code = ?"
        "  UNION ALL SELECT up.start, d.parent_id, depth + 1 FROM departments d"
        "  JOIN up ON d.id = up.id WHERE depth < 1000)"
        " SELECT 1 FROM up WHERE id = start LIMIT 1";
    char detail[128];
    audit_run run = {0};
    db_stmt *st;
    cp_err err;
    int64_t v;

    seen codes;
    long first;

    memset(counts, 0, sizeof *counts);
    if ((err = csvread_expect_header(t, name, dept_cols, 3)) ||
        (err = seen_init(&codes, t->nrows)))
        return err;
    for (size_t i = 1; i < t->nrows && !err; i++) {
        const csv_row *r = &t->rows[i];
        if ((err = row_shape(r, name, 3, "code,name,parent_code")))
            break;
        if (!ident_valid(r->fields[0]))
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field code: '%s' is not a department code "
                          "(1-32 letters, digits, - or _)", name, r->line, r->fields[0]);
        else if (name_valid(name, r->line, r->fields[1]))
            err = CP_ERR_INVALID;
        else if (strcmp(r->fields[0], r->fields[2]) == 0)
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field parent_code: a department cannot be "
                          "its own parent", name, r->line);
        else if ((first = seen_add(&codes, r->fields[0], i)) >= 0)
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field code: '%s' appears twice in the file "
                          "(first on line %ld)", name, r->line, r->fields[0],
                          t->rows[first].line);
    }
    seen_free(&codes);
    if (err)
        return err;

    if ((err = db_begin(d)))
        return err;
    for (size_t i = 1; i < t->nrows; i++) {
        const csv_row *r = &t->rows[i];
        const char *action = NULL;
        int rc;
        if (!(st = db_prepare(d, get_sql)))
            goto dberr;
        db_bind_text(st, 1, r->fields[0]);
        rc = db_step(st);
        if (rc == DB_DONE) {
            counts->added++;
            action = "department.add";
        } else if (rc == DB_ROW && (strcmp(db_col_text(st, 0), r->fields[1]) != 0 ||
                                    strcmp(db_col_text(st, 1), r->fields[2]) != 0)) {
            counts->updated++;
            action = "department.change";
        } else if (rc == DB_ROW) {
            counts->unchanged++;
        }
        db_reset(st);
        /* each department added or changed has an entry of its own, as
         * each diner does: a renamed one's diners' cards are in the canteen
         * server's next delta (backoffice/serve_snapshot.c) */
        if (action) {
            snprintf(detail, sizeof detail, "line %ld", r->line);
            if ((err = audit_run_append(d, &run, actor, NULL, action, r->fields[0], detail)))
                goto fail;
        }
        if (!(st = db_prepare(d, upsert_sql)))
            goto dberr;
        db_bind_text(st, 1, r->fields[0]);
        db_bind_text(st, 2, r->fields[1]);
        if ((err = db_step_done(d, st, "saving a department")))
            goto fail;
    }
    /* Parents second: a parent may come later in the file than its children. */
    for (size_t i = 1; i < t->nrows; i++) {
        const csv_row *r = &t->rows[i];
        if (*r->fields[2]) {
            if (!(st = db_prepare(d, exists_sql)))
                goto dberr;
            db_bind_text(st, 1, r->fields[2]);
            if ((err = db_step_int64(d, st, &v))) {
                if (err == CP_ERR_NOT_FOUND)
                    err = cp_fail(CP_ERR_INVALID, "%s:%ld: field parent_code: no department "
                                  "'%s' in the file or the database", name, r->line,
                                  r->fields[2]);
                goto fail;
            }
        }
        if (!(st = db_prepare(d, parent_sql)))
            goto dberr;
        db_bind_text(st, 1, r->fields[0]);
        db_bind_text(st, 2, *r->fields[2] ? r->fields[2] : NULL);
        if ((err = db_step_done(d, st, "saving a department's parent")))
            goto fail;
    }
    for (size_t i = 1; i < t->nrows; i++) {
        if (!(st = db_prepare(d, cycle_sql)))
            goto dberr;
        db_bind_text(st, 1, t->rows[i].fields[0]);
        err = db_step_int64(d, st, &v);
        if (err == CP_OK) {
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field parent_code: department '%s' would be "
                          "inside itself (a loop of parents)", name, t->rows[i].line,
                          t->rows[i].fields[0]);
            goto fail;
        }
        if (err != CP_ERR_NOT_FOUND)
            goto fail;
    }
    snprintf(detail, sizeof detail, "%ld added, %ld updated, %ld unchanged", counts->added,
             counts->updated, counts->unchanged);
    /* 'import.departments' was this entry's action while it was the only one */
    if ((err = audit_run_append(d, &run, actor, NULL, "departments.import", name, detail)))
        goto fail;
    return db_commit(d);
dberr:
    err = CP_ERR_DB;
fail:
    db_rollback(d);
    memset(counts, 0, sizeof *counts);
    return err;
}

/* The department of each row of a diners file, looked up once per code: a
 * city's file names its 2,000 departments a hundred thousand times. */
typedef struct dept_memo {
    seen codes;       /* code -> the first row that named it */
    int64_t *ids;     /* ids[row]: the department of that row */
} dept_memo;

/* Validates one diner row (number i of the file) and normalises its card
 * into card (empty if none); *dept_id gets its department. */
static cp_err check_diner_row(db *d, const csv_row *r, size_t i, const char *name,
                              dept_memo *m, char *card, int64_t *dept_id)
{
    static const char dept_sql[] = "SELECT id FROM departments WHERE code = ?";
    db_stmt *st;
    long first;
    cp_err err;

    if ((err = row_shape(r, name, 5, "staff_no,name,department_code,category,card")))
        return err;
    if (!ident_valid(r->fields[0]))
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field staff_no: '%s' is not a staff number "
                       "(1-32 letters, digits, - or _)", name, r->line, r->fields[0]);
    if ((err = name_valid(name, r->line, r->fields[1])))
        return err;
    if (canteen_category_valid(r->fields[3]))
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field category: %s", name, r->line,
                       cp_detail());
    card[0] = '\0';
    if (*r->fields[4] && cardno_normalize(r->fields[4], CARDNO_AUTO, card))
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field card: %s", name, r->line, cp_detail());
    if ((first = seen_add(&m->codes, r->fields[2], i)) >= 0) {
        *dept_id = m->ids[i] = m->ids[first];
        return CP_OK;
    }
    if (!(st = db_prepare(d, dept_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, r->fields[2]);
    err = db_step_int64(d, st, dept_id);
    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field department_code: no department '%s' "
                       "(import departments first)", name, r->line, r->fields[2]);
    m->ids[i] = *dept_id;
    return err;
}

/* The card card (normalised, not empty) of row r, whose diner is diner_id
 * (0: a new diner, not yet written). The card may be new, or the diner's
 * already; another's is refused. *owner_st was prefetched: the card's
 * diner. A new card retires the diner's old ones; *changed says so. */
static cp_err import_card(db *d, const csv_row *r, const char *name, const char *card,
                          db_stmt *owner_st, int64_t diner_id, int *changed)
{
    static const char owner_sql[] =
        "SELECT di.staff_no FROM cards c JOIN diners di ON di.id = c.diner_id"
        " WHERE c.card_no = ?";
    static const char retire_sql[] =
        "UPDATE cards SET status = 'retired' WHERE diner_id = ? AND status <> 'retired'";
    static const char add_card_sql[] =
        "INSERT INTO cards(card_no, diner_id) SELECT ?1, id FROM diners WHERE staff_no = ?2";
    db_stmt *st;
    int64_t owner;
    int rc;
    cp_err err = db_step_int64(d, owner_st, &owner);

    if (err == CP_OK && owner != diner_id) {
        if (!(st = db_prepare(d, owner_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, card);
        rc = db_step(st);
        err = cp_fail(CP_ERR_INVALID, "%s:%ld: field card: card %s already belongs to staff "
                      "number %s", name, r->line, card, rc == DB_ROW ? db_col_text(st, 0) : "?");
        db_reset(st);
        return err;
    }
    if (err != CP_ERR_NOT_FOUND)
        return err; /* CP_OK: the diner's own card already */
    /* a new card for this diner: the old ones are retired */
    *changed = 1;
    if (diner_id) {
        if (!(st = db_prepare(d, retire_sql)))
            return CP_ERR_DB;
        db_bind_int64(st, 1, diner_id);
        if ((err = db_step_later(d, st, "retiring old cards")))
            return err;
    }
    if (!(st = db_prepare(d, add_card_sql)))
        return CP_ERR_DB;
    db_bind_text(st, 1, card);
    db_bind_text(st, 2, r->fields[0]);
    return db_step_later(d, st, "saving a card");
}

/* Adds or updates the diner of row r (checked) and its card, with an
 * audit entry when anything changed, and counts it. On PostgreSQL a row
 * is one round trip: the diner and its card are looked up together, and
 * the writes go with the next row's lookup (db_step_later), the diner's
 * new wallet and card found by its staff number rather than by an id read
 * back. */
static cp_err import_diner(db *d, const csv_row *r, const char *name, const char *card,
                           int64_t dept_id, const char *actor, audit_run *run,
                           import_counts *counts)
{
    static const char get_sql[] =
        "SELECT id, name, department_id, category FROM diners WHERE staff_no = ?";
    static const char card_sql[] = "SELECT diner_id FROM cards WHERE card_no = ?";
    static const char insert_sql[] =
        "INSERT INTO diners(staff_no, name, department_id, category) VALUES (?, ?, ?, ?)";
    static const char wallet_sql[] =
        "INSERT INTO wallets(diner_id) SELECT id FROM diners WHERE staff_no = ?";
    static const char update_sql[] =
        "UPDATE diners SET name = ?2, department_id = ?3, category = ?4 WHERE staff_no = ?1";
    db_stmt *sts[2], *st;
    int64_t diner_id = 0;
    int rc, changed = 0;
    char detail[32];
    cp_err err;

    if (!(sts[0] = db_prepare(d, get_sql)) || (card[0] && !(sts[1] = db_prepare(d, card_sql))))
        return CP_ERR_DB;
    db_bind_text(sts[0], 1, r->fields[0]);
    if (card[0])
        db_bind_text(sts[1], 1, card);
    if ((err = db_prefetch(d, sts, card[0] ? 2 : 1)))
        return err;
    rc = db_step(sts[0]);
    if (rc == DB_ROW) {
        diner_id = db_col_int64(sts[0], 0);
        changed = strcmp(db_col_text(sts[0], 1), r->fields[1]) != 0 ||
                  db_col_int64(sts[0], 2) != dept_id ||
                  strcmp(db_col_text(sts[0], 3), r->fields[3]) != 0;
    }
    db_reset(sts[0]);
    if (rc != DB_ROW && rc != DB_DONE)
        return db_fail(d, "importing diners");

    if (!diner_id || changed) {
        if (!(st = db_prepare(d, diner_id ? update_sql : insert_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, r->fields[0]);
        db_bind_text(st, 2, r->fields[1]);
        db_bind_int64(st, 3, dept_id);
        db_bind_text(st, 4, r->fields[3]);
        if ((err = db_step_later(d, st, diner_id ? "updating a diner" : "saving a diner")))
            return err;
    }
    if (!diner_id) {
        if (!(st = db_prepare(d, wallet_sql)))
            return CP_ERR_DB;
        db_bind_text(st, 1, r->fields[0]);
        if ((err = db_step_later(d, st, "creating a wallet")))
            return err;
    }
    if (card[0] && (err = import_card(d, r, name, card, sts[1], diner_id, &changed)))
        return err;

    /* each diner added or changed has an entry of its own, naming the
     * staff number: who changed whom is on record, and the canteen
     * server's delta finds the diner's cards by it (a whole snapshot
     * to every terminal of a city for a few new staff, otherwise) */
    if (!diner_id || changed) {
        snprintf(detail, sizeof detail, "line %ld", r->line);
        if ((err = audit_run_append(d, run, actor, NULL, diner_id ? "diner.change" : "diner.add",
                                    r->fields[0], detail)))
            return err;
    }
    if (!diner_id)
        counts->added++;
    else if (changed)
        counts->updated++;
    else
        counts->unchanged++;
    return CP_OK;
}

cp_err diners_import(db *d, const csv_table *t, const char *name, const char *actor,
                     import_counts *counts)
{
    char (*cards)[CARDNO_LEN + 1] = NULL;
    char detail[128];
    seen staff = {0}, card_rows = {0};
    dept_memo depts = {0};
    audit_run run = {0};
    long first;
    cp_err err;

    memset(counts, 0, sizeof *counts);
    if ((err = csvread_expect_header(t, name, diner_cols, 5)))
        return err;
    if (!(cards = calloc(t->nrows, sizeof *cards)) ||
        !(depts.ids = calloc(t->nrows, sizeof *depts.ids))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory importing %s", name);
        goto out;
    }
    if ((err = seen_init(&staff, t->nrows)) || (err = seen_init(&card_rows, t->nrows)) ||
        (err = seen_init(&depts.codes, t->nrows)) || (err = db_begin(d)))
        goto out;
    for (size_t i = 1; i < t->nrows; i++) {
        const csv_row *r = &t->rows[i];
        int64_t dept_id;

        if ((err = check_diner_row(d, r, i, name, &depts, cards[i], &dept_id)))
            goto fail;
        if ((first = seen_add(&staff, r->fields[0], i)) >= 0) {
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field staff_no: '%s' appears twice in the "
                          "file (first on line %ld)", name, r->line, r->fields[0],
                          t->rows[first].line);
            goto fail;
        }
        if (cards[i][0] && (first = seen_add(&card_rows, cards[i], i)) >= 0) {
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field card: card %s is also given on "
                          "line %ld", name, r->line, cards[i], t->rows[first].line);
            goto fail;
        }
        if ((err = import_diner(d, r, name, cards[i], dept_id, actor, &run, counts)))
            goto fail;
    }
    snprintf(detail, sizeof detail, "%ld added, %ld updated, %ld unchanged", counts->added,
             counts->updated, counts->unchanged);
    /* 'import.diners' was this entry's action while it was the only one */
    if ((err = audit_run_append(d, &run, actor, NULL, "diners.import", name, detail)))
        goto fail;
    err = db_commit(d);
    goto out;
fail:
    db_rollback(d);
    memset(counts, 0, sizeof *counts);
out:
    seen_free(&staff);
    seen_free(&card_rows);
    seen_free(&depts.codes);
    free(depts.ids);
    free(cards);
    return err;
}

/* Moves a card from status from to status to, with an audit entry. */
static cp_err card_move(db *d, const char *raw, const char *from, const char *to,
                        const char *action, const char *actor)
{
    static const char get_sql[] = "SELECT status FROM cards WHERE card_no = ?";
    static const char set_sql[] = "UPDATE cards SET status = ? WHERE card_no = ?";
    char card[CARDNO_LEN + 1], status[16] = "";
    db_stmt *st;
    cp_err err;
    int rc;

    if ((err = cardno_normalize(raw, CARDNO_AUTO, card)))
        return err;
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, get_sql)))
        goto dberr;
    db_bind_text(st, 1, card);
    rc = db_step(st);
    if (rc == DB_ROW)
        snprintf(status, sizeof status, "%s", db_col_text(st, 0));
    db_reset(st);
    if (rc == DB_DONE) {
        err = cp_fail(CP_ERR_NOT_FOUND, "no card %s", card);
        goto fail;
    }
    if (rc != DB_ROW)
        goto dberr;
    if (strcmp(status, from) != 0) {
        err = cp_fail(CP_ERR_INVALID, "card %s is %s, not %s: nothing changed", card, status,
                      from);
        goto fail;
    }
    if (!(st = db_prepare(d, set_sql)))
        goto dberr;
    db_bind_text(st, 1, to);
    db_bind_text(st, 2, card);
    if ((err = db_step_done(d, st, "changing the card")) ||
        (err = audit_append(d, actor, NULL, action, card, NULL)))
        goto fail;
    return db_commit(d);
dberr:
    err = db_fail(d, "changing the card");
fail:
    db_rollback(d);
    return err;
}

cp_err diners_card_block(db *d, const char *card_no, const char *actor)
{
    return card_move(d, card_no, "active", "lost", "card.block", actor);
}

cp_err diners_card_unblock(db *d, const char *card_no, const char *actor)
{
    return card_move(d, card_no, "lost", "active", "card.unblock", actor);
}

cp_err diners_card_replace(db *d, const char *staff_no, const char *new_card_no,
                           const char *actor)
{
    static const char diner_sql[] = "SELECT id FROM diners WHERE staff_no = ?";
    static const char taken_sql[] = "SELECT 1 FROM cards WHERE card_no = ?";
    static const char retire_sql[] =
        "UPDATE cards SET status = 'retired' WHERE diner_id = ? AND status <> 'retired'";
    /* A card blocked after an offline charge (core/ledger.c) passes its
     * block to the new card: a new card is not a way around a top-up. */
    static const char blocked_sql[] =
        "SELECT count(*) FROM cards WHERE diner_id = ? AND status = 'blocked_offline'";
    static const char add_sql[] = "INSERT INTO cards(card_no, diner_id, status) VALUES (?, ?, ?)";
    char card[CARDNO_LEN + 1];
    int64_t diner_id, one, blocked = 0;
    db_stmt *st;
    cp_err err;

    if ((err = cardno_normalize(new_card_no, CARDNO_AUTO, card)))
        return err;
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, diner_sql)))
        goto dberr;
    db_bind_text(st, 1, staff_no);
    if ((err = db_step_int64(d, st, &diner_id))) {
        if (err == CP_ERR_NOT_FOUND)
            err = cp_fail(err, "no diner with staff number '%s'", staff_no);
        goto fail;
    }
    if (!(st = db_prepare(d, taken_sql)))
        goto dberr;
    db_bind_text(st, 1, card);
    err = db_step_int64(d, st, &one);
    if (err == CP_OK) {
        err = cp_fail(CP_ERR_EXISTS, "card %s is already registered; use another card", card);
        goto fail;
    }
    if (err != CP_ERR_NOT_FOUND)
        goto fail;
    if (!(st = db_prepare(d, blocked_sql)))
        goto dberr;
    db_bind_int64(st, 1, diner_id);
    if ((err = db_step_int64(d, st, &blocked)))
        goto fail;
    if (!(st = db_prepare(d, retire_sql)))
        goto dberr;
    db_bind_int64(st, 1, diner_id);
    if ((err = db_step_done(d, st, "retiring old cards")))
        goto fail;
    if (!(st = db_prepare(d, add_sql)))
        goto dberr;
    db_bind_text(st, 1, card);
    db_bind_int64(st, 2, diner_id);
    db_bind_text(st, 3, blocked ? "blocked_offline" : "active");
    if ((err = db_step_done(d, st, "saving the card")) ||
        (err = audit_append(d, actor, NULL, "card.replace", staff_no, card)))
        goto fail;
    return db_commit(d);
dberr:
    err = db_fail(d, "replacing the card");
fail:
    db_rollback(d);
    return err;
}

cp_err diners_import_topups(db *d, const csv_table *t, const char *name, const char *actor,
                            long *count, int64_t *total_fen, FILE *entries)
{
    static const char *const cols[] = {"staff_no", "yuan"};
    ledger_topup_item *items = NULL;
    char why[512]; /* as large as the detail it copies: never cut */
    seen staff = {0};
    size_t n = 0, bad;
    long first;
    cp_err err;

    *count = 0;
    *total_fen = 0;
    if ((err = csvread_expect_header(t, name, cols, 2)))
        return err;
    if (t->nrows < 2)
        return cp_fail(CP_ERR_INVALID, "%s: no top-ups after the header staff_no,yuan", name);
    if (!(items = calloc(t->nrows, sizeof *items))) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory importing %s", name);
        goto out;
    }
    if ((err = seen_init(&staff, t->nrows)))
        goto out;
    /* items[k] comes from row k + 1 */
    for (size_t i = 1; i < t->nrows; i++, n++) {
        const csv_row *r = &t->rows[i];
        if ((err = row_shape(r, name, 2, "staff_no,yuan")))
            goto out;
        if (money_parse_yuan(r->fields[1], &items[n].fen) || items[n].fen <= 0) {
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field yuan: '%s' is not an amount of yuan "
                          "above 0, like 100 or 50.5", name, r->line, r->fields[1]);
            goto out;
        }
        if ((first = seen_add(&staff, r->fields[0], i)) >= 0) {
            err = cp_fail(CP_ERR_INVALID, "%s:%ld: field staff_no: '%s' appears twice in the "
                          "file (first on line %ld)", name, r->line, r->fields[0],
                          t->rows[first].line);
            goto out;
        }
        items[n].staff_no = r->fields[0];
        *total_fen += items[n].fen;
    }
    if ((err = ledger_topup_batch(d, items, n, actor, &bad))) {
        if (bad < n) {
            snprintf(why, sizeof why, "%s", cp_detail());
            err = cp_fail(err, "%s:%ld: field staff_no: %s", name, t->rows[bad + 1].line, why);
        }
        goto out;
    }
    *count = (long)n;
    for (size_t k = 0; entries && k < n; k++) {
        char m[MONEY_STR_LEN];
        fprintf(entries, _("%s:%ld: %s %s yuan: entry %s\n"), name, t->rows[k + 1].line,
                items[k].staff_no, money_format(items[k].fen, m), items[k].entry);
    }
out:
    if (err)
        *total_fen = 0;
    seen_free(&staff);
    free(items);
    return err;
}
