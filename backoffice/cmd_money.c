/* cmd_money: the `cleanplate-office` commands that move money or change cards: top-ups and their reversal, subsidies, cards, a diner who leaves, a balance, a void. */
#include "backoffice/cmd_money.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/csvread.h"
#include "core/diners.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/nls.h"

int cmd_import_topups(office_ctx *c)
{
    const char *manager;
    char m[MONEY_STR_LEN];
    csv_table *t = NULL;
    int64_t fen = 0;
    long n = 0;
    cp_err err;
    int rc;

    if ((err = csvread_file(c->pos[0], &t)) == CP_OK) {
        if ((rc = office_manager(c, "manager", &manager))) {
            csvread_free(t);
            return rc;
        }
        err = diners_import_topups(c->d, t, c->pos[0], manager, &n, &fen, stdout);
    }
    csvread_free(t);
    if (err) {
        fprintf(stderr, _("cleanplate-office: %s (nothing was topped up)\n"), cp_detail());
        return err == CP_ERR_INVALID || err == CP_ERR_PARSE ? 2 : 1;
    }
    printf(P_("topped up %ld diner with %s yuan cash in all (a wrong line is taken back "
              "with `topup reverse ENTRY`)\n",
              "topped up %ld diners with %s yuan cash in all (a wrong line is taken back "
              "with `topup reverse ENTRY`)\n", (unsigned long)n), n,
           money_format(fen, m));
    return 0;
}

int cmd_topup(office_ctx *c)
{
    const char *manager;
    int64_t fen, cash, subsidy;
    char m[3][MONEY_STR_LEN], entry[IDS_LEN];
    cp_err err;
    int rc;
    if ((rc = office_parse_yuan(c->pos[1], &fen)) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_topup(c->d, c->pos[0], fen, manager, entry)) ||
        (err = ledger_balance(c->d, c->pos[0], &cash, &subsidy, NULL)))
        return office_fail(err);
    printf(_("%s: +%s yuan cash (entry %s), balance cash %s subsidy %s\n"), c->pos[0],
           money_format(fen, m[0]), entry, money_format(cash, m[1]), money_format(subsidy, m[2]));
    return 0;
}

int cmd_topup_reverse(office_ctx *c)
{
    char staff_no[64], m[MONEY_STR_LEN];
    const char *manager;
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "reason")) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_topup_reverse(c->d, c->pos[0], office_opt(c, "reason"), manager,
                                    staff_no, &fen)))
        return office_fail(err);
    printf(_("top-up %s reversed: %s yuan taken back from %s's cash\n"), c->pos[0],
           money_format(fen, m), staff_no);
    return 0;
}

int cmd_subsidy_grant(office_ctx *c)
{
    const char *manager;
    int64_t fen;
    long n;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "month")) || (rc = office_parse_yuan(c->pos[0], &fen)) ||
        (rc = office_manager(c, "manager", &manager)))
        return rc;
    ledger_grant g = {office_opt(c, "month"), fen, office_opt(c, "department"),
                      office_opt(c, "category")};
    if ((err = ledger_grant_subsidy(c->d, &g, manager, &n)))
        return office_fail(err);
    printf(P_("granted %s yuan subsidy for %s to %ld diner%s\n",
              "granted %s yuan subsidy for %s to %ld diners%s\n", (unsigned long)n), c->pos[0],
           g.month, n, n == 0 ? _(" (none matched, or all had this month's subsidy already)") : "");
    return 0;
}

int cmd_subsidy_expire(office_ctx *c)
{
    const char *manager;
    char m[MONEY_STR_LEN];
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_need(c, "month")) || (rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_expire_subsidy(c->d, office_opt(c, "month"), manager, &fen)))
        return office_fail(err);
    printf(_("expired %s yuan of unused subsidy at the end of %s\n"), money_format(fen, m),
           office_opt(c, "month"));
    return 0;
}

int cmd_card_block(office_ctx *c)
{
    cp_err err = diners_card_block(c->d, c->pos[0], c->actor);
    if (err)
        return office_fail(err);
    printf(_("card %s blocked\n"), c->pos[0]);
    return 0;
}

int cmd_card_unblock(office_ctx *c)
{
    cp_err err = diners_card_unblock(c->d, c->pos[0], c->actor);
    if (err)
        return office_fail(err);
    printf(_("card %s unblocked\n"), c->pos[0]);
    return 0;
}

int cmd_card_replace(office_ctx *c)
{
    cp_err err = diners_card_replace(c->d, c->pos[0], c->pos[1], c->actor);
    if (err)
        return office_fail(err);
    printf(_("%s now has card %s; the old cards are retired\n"), c->pos[0], c->pos[1]);
    return 0;
}

int cmd_diner_leave(office_ctx *c)
{
    const char *manager;
    char m[MONEY_STR_LEN];
    int64_t fen;
    cp_err err;
    int rc;
    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_refund_leaver(c->d, c->pos[0], manager, &fen)))
        return office_fail(err);
    printf(_("%s has left: pay out %s yuan cash; cards retired, subsidy expired\n"), c->pos[0],
           money_format(fen, m));
    return 0;
}

int cmd_balance(office_ctx *c)
{
    int64_t cash, subsidy;
    char m[2][MONEY_STR_LEN], status[16] = "";
    cp_err err = ledger_balance(c->d, c->pos[0], &cash, &subsidy, status);
    if (err)
        return office_fail(err);
    if (office_opt(c, "json")) {
        json_t *o = json_pack("{s:s, s:I, s:I, s:s}", "staff_no", c->pos[0], "cash_fen",
                              (json_int_t)cash, "subsidy_fen", (json_int_t)subsidy, "status",
                              status);
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
    } else {
        /* a diner who left was paid out: 0.00 then says why (or what a
         * meal posted since took) */
        printf(_("%s: cash %s yuan, subsidy %s yuan%s\n"), c->pos[0], money_format(cash, m[0]),
               money_format(subsidy, m[1]), strcmp(status, "left") == 0 ? _(" (has left)") : "");
    }
    return 0;
}

int cmd_void(office_ctx *c)
{
    const char *manager;
    char void_id[IDS_LEN], money[MONEY_STR_LEN];
    int64_t paid = 0;
    cp_err err;
    int rc;
    if ((rc = office_manager(c, "manager", &manager)))
        return rc;
    if ((err = ledger_void(c->d, c->pos[0], manager, NULL, office_opt(c, "reason"), void_id)) ||
        (err = ledger_void_paid_out(c->d, void_id, &paid)))
        return office_fail(err);
    if (paid > 0)
        printf(_("sale %s is void (%s); its diner has left: give them back %s yuan in cash "
                 "(recorded as refunded)\n"), c->pos[0], void_id, money_format(paid, money));
    else
        printf(_("sale %s is void (%s); the money is back in the wallets it came from\n"),
               c->pos[0], void_id);
    return 0;
}
