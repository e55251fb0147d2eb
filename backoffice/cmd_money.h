/* cmd_money: the `cleanplate-office` commands that move money or change cards: top-ups and their reversal, subsidies, cards, a diner who leaves, a balance, a void. */
#ifndef CP_OFFICE_CMD_MONEY_H
#define CP_OFFICE_CMD_MONEY_H

#include "backoffice/office.h"

/* Each returns the exit code; every one that moves money asks for --manager. */
int cmd_import_topups(office_ctx *c);
int cmd_topup(office_ctx *c);
int cmd_topup_reverse(office_ctx *c);
int cmd_subsidy_grant(office_ctx *c);
int cmd_subsidy_expire(office_ctx *c);
int cmd_card_block(office_ctx *c);
int cmd_card_unblock(office_ctx *c);
int cmd_card_replace(office_ctx *c);
int cmd_diner_leave(office_ctx *c);
int cmd_balance(office_ctx *c);
int cmd_void(office_ctx *c);

#endif
