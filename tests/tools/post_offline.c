/* post_offline: posts charges a terminal made offline, as the canteen server does on replay, for the integration tests. */
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/ledger.h"

/* Usage: post_offline TERMINAL CARD TAP_TIME REQUEST_ID (the store: CLEANPLATE_DB).
 * Prints "ok SALE_ID CASH_LEFT_FEN over_limit|within" or "refused CODE"; the
 * exit status is 0 when answered, 1 on an error. */
int main(int argc, char **argv)
{
    charge_req req = {.actor = "replay", .offline = true};
    charge_res res;
    db *d = NULL;
    cp_err err;

    if (argc != 5) {
        fprintf(stderr, "usage: post_offline TERMINAL CARD TAP_TIME REQUEST_ID\n");
        return 2;
    }
    req.terminal = argv[1];
    req.card_no = argv[2];
    req.at = argv[3];
    req.request_id = argv[4];
    if ((err = db_open(db_default_path(NULL), DB_OPEN_EXISTING, &d)) || (err = ledger_charge(d, &req, &res))) {
        fprintf(stderr, "post_offline: %s\n", cp_detail());
        db_close(d);
        return 1;
    }
    if (res.result == CP_OK)
        printf("ok %s %lld %s\n", res.sale_id, (long long)res.cash_left_fen,
               res.over_limit ? "over_limit" : "within");
    else
        printf("refused %s\n", cp_errname(res.result));
    db_close(d);
    return 0;
}
