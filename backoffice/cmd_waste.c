/* cmd_waste: `cleanplate-office waste add`: a weighing typed in when a scale is broken. */
#include "backoffice/cmd_waste.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/nls.h"
#include "core/waste.h"

/* Parses whole grams 0..10,000,000 (10 t); prints why not and returns 2 otherwise. */
static int parse_grams(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s || *s == '-' || *s == '+')
        goto bad;
    v = strtoll(s, &end, 10);
    if (*end || v > WASTE_MAX_TYPED_G)
        goto bad;
    *out = v;
    return 0;
bad:
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
    req.terminal = office_opt(c, "terminal");
    req.stage = office_opt(c, "stage");
    req.staff_no = staff;
    req.department = dept;
    req.canteen = canteen;
    req.category = office_opt(c, "category");
    req.reason = office_opt(c, "reason");
    req.manual = true;
    req.actor = c->actor;
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
