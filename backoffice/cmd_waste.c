/* cmd_waste: `cleanplate-office waste add`: a weighing typed in when a scale is broken. */
#include "backoffice/cmd_waste.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/csvread.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/waste.h"

/* Whole grams 0..WASTE_MAX_TYPED_G into *out; 0, or -1 when s is not. */
static int grams_of(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    v = strtoll(s, &end, 10);
    if (*end || v > WASTE_MAX_TYPED_G)
        return -1;
    *out = v;
    return 0;
}

/* Parses --grams; prints why not and returns 2 otherwise. */
static int parse_grams(const char *s, int64_t *out)
{
    if (grams_of(s, out) == 0)
        return 0;
    fprintf(stderr, _("cleanplate-office: --grams '%s' is not a whole number of grams from "
                      "0 to 1000000 (1,000 kg), e.g. 350\n"), s ? s : "");
    return 2;
}

int cmd_waste_add(office_ctx *c)
{
    const char *staff = office_opt(c, "staff-no"), *dept = office_opt(c, "department");
    const char *canteen = office_opt(c, "canteen");
    waste_req req = {0};
    waste_res res;
    char flags[160];
    cp_err err;
    const char *manager;
    int rc;

    if ((rc = office_need(c, "stage")) || (rc = office_need(c, "grams")) ||
        (rc = office_need(c, "terminal")))
        return rc;
    if ((staff != NULL) + (dept != NULL) + (canteen != NULL) != 1) {
        fprintf(stderr, _("cleanplate-office: give one of --staff-no N (a diner's tray), "
                          "--department CODE or --canteen CODE\n"));
        return 2;
    }
    if ((err = waste_stage_valid(office_opt(c, "stage"))))
        return office_fail(err);
    if ((rc = parse_grams(office_opt(c, "grams"), &req.gross_g)))
        return rc;
    /* a weighing typed in counts in the public ranking: a manager answers
     * for it, with a PIN, and is its actor */
    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    req.terminal = office_opt(c, "terminal");
    req.stage = office_opt(c, "stage");
    req.staff_no = staff;
    req.department = dept;
    req.canteen = canteen;
    req.category = office_opt(c, "category");
    req.reason = office_opt(c, "reason");
    req.manual = true;
    req.actor = manager;
    req.clean_plate_g = -1;
    if ((err = waste_record(c->d, &req, &res)))
        return office_fail(err);
    waste_flags_words(res.flags, flags, sizeof flags);
    printf(_("recorded %s: %s %lld g"), res.id, names_builtin(NAMES_STAGE, res.stage),
           (long long)res.net_g);
    if (res.name[0])
        printf(_(" for %s (%s)"), res.name, res.staff_no);
    if (res.department[0])
        printf(", %s %s", res.department_code, res.department);
    else
        printf(_(", canteen %s"), res.canteen);
    if (res.category[0] || res.reason[0])
        printf(", %s%s%s", res.category, res.category[0] && res.reason[0] ? " / " : "",
               res.reason);
    printf(_("; flags %s\n"), flags);
    return 0;
}

/* ---- waste correct ---------------------------------------------------------- */

int cmd_waste_correct(office_ctx *c)
{
    const char *grams = office_opt(c, "grams"), *manager;
    int voiding = office_opt(c, "void") != NULL, rc;
    char new_id[IDS_LEN];
    int64_t g = -1;
    cp_err err;

    if ((grams != NULL) == voiding) {
        fprintf(stderr, _("cleanplate-office: give --grams N (the weight it should have had) "
                          "or --void (it was no tray of this diner, or none at all)\n"));
        return 2;
    }
    if ((rc = office_need(c, "reason")) || (grams && (rc = parse_grams(grams, &g))))
        return rc;
    /* a correction changes the public ranking: a manager answers for it */
    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = waste_correct(c->d, c->pos[0], g, office_opt(c, "reason"), manager, new_id)))
        return office_fail(err);
    if (voiding)
        printf(_("weighing %s taken back by %s: it counts nowhere now\n"), c->pos[0], new_id);
    else
        printf(_("weighing %s corrected by %s: %lld g now counts in its place\n"), c->pos[0],
               new_id, (long long)g);
    return 0;
}

/* ---- import weighings ------------------------------------------------------- */

/* The one weighing of a file's line f (at,stage,staff_no,department,canteen,
 * grams,category,reason) into *req, checked as far as it can be without the
 * store; an error names the line. Empty fields are not given. */
static cp_err weighing_of(const char *file, long line, char *const *f, const char *now,
                          waste_req *req)
{
    const char *place[3];
    cp_time t;
    int given = 0;

    for (int k = 0; k < 3; k++)
        given += (place[k] = *f[2 + k] ? f[2 + k] : NULL) != NULL;
    if (clock_parse(f[0], &t) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field at: '%s' is not a time like "
                       "2026-11-20T12:30:00", file, line, f[0]);
    if (strcmp(f[0], now) > 0)
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field at: %s is after now (%s): give the time "
                       "the tray or bin was weighed", file, line, f[0], now);
    if (waste_stage_valid(f[1]) != CP_OK)
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field stage: %s", file, line, cp_detail());
    if (given != 1)
        return cp_fail(CP_ERR_INVALID, "%s:%ld: give one of staff_no (a diner's tray), "
                       "department or canteen", file, line);
    if (grams_of(f[5], &req->gross_g) != 0)
        return cp_fail(CP_ERR_INVALID, "%s:%ld: field grams: '%s' is not a whole number of "
                       "grams from 0 to 1000000 (1,000 kg)", file, line, f[5]);
    req->at = f[0];
    req->stage = f[1];
    req->staff_no = place[0];
    req->department = place[1];
    req->canteen = place[2];
    req->category = *f[6] ? f[6] : NULL;
    req->reason = *f[7] ? f[7] : NULL;
    req->manual = true;
    req->clean_plate_g = -1;
    return CP_OK;
}

/* Reads and checks every line of t into a new array *reqs (the caller
 * frees it) before anything is written. */
static cp_err weighings_of(const csv_table *t, const char *file, const char *terminal,
                           const char *manager, waste_req **reqs)
{
    static const char *const cols[] = {"at", "stage", "staff_no", "department", "canteen",
                                       "grams", "category", "reason"};
    char now[CP_TIME_ISO_LEN];
    cp_err err;

    *reqs = NULL;
    if ((err = csvread_expect_header(t, file, cols, 8)) || (err = clock_now_iso(now)))
        return err;
    if (t->nrows < 2)
        return cp_fail(CP_ERR_INVALID, "%s: no weighings after the header "
                       "at,stage,staff_no,department,canteen,grams,category,reason", file);
    if (!(*reqs = calloc(t->nrows - 1, sizeof **reqs)))
        return cp_fail(CP_ERR_NOMEM, "out of memory reading %s", file);
    for (size_t i = 1; i < t->nrows; i++) {
        const csv_row *r = &t->rows[i];
        waste_req *q = &(*reqs)[i - 1];
        if (r->nfields != 8)
            return cp_fail(CP_ERR_PARSE, "%s:%ld: expected 8 fields (at,stage,staff_no,"
                           "department,canteen,grams,category,reason), found %zu", file, r->line,
                           r->nfields);
        if ((err = weighing_of(file, r->line, r->fields, now, q)))
            return err;
        q->terminal = terminal;
        q->actor = manager;
    }
    return CP_OK;
}

int cmd_import_weighings(office_ctx *c)
{
    const char *manager, *terminal = office_opt(c, "terminal");
    waste_req *reqs = NULL;
    csv_table *t = NULL;
    int64_t grams = 0;
    size_t n = 0, failed = 0, trays = 0;
    cp_err err;
    int rc;

    if ((rc = office_need(c, "terminal")))
        return rc;
    if ((err = csvread_file(c->pos[0], &t)) == CP_OK &&
        (rc = office_manager(c, "manager", &manager))) {
        csvread_free(t);
        return rc;
    }
    if (!err && !(err = weighings_of(t, c->pos[0], terminal, manager, &reqs))) {
        n = t->nrows - 1;
        if ((err = waste_record_batch(c->d, reqs, n, &failed)) && failed < n)
            err = cp_fail(err, "%s:%ld: %s", c->pos[0], t->rows[failed + 1].line, cp_detail());
    }
    for (size_t i = 0; !err && i < n; i++) {
        grams += reqs[i].gross_g;
        trays += strcmp(reqs[i].stage, "plate") == 0;
    }
    free(reqs);
    csvread_free(t);
    if (err) {
        fprintf(stderr, _("cleanplate-office: %s (nothing was imported)\n"), cp_detail());
        return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
    }
    printf(_("imported %zu weighings typed in by hand at %s (%zu trays, %zu kitchen): %lld g, "
             "flagged manual, by %s\n"), n, terminal, trays, n - trays, (long long)grams, manager);
    return 0;
}
