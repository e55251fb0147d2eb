/* cmd_store: `cleanplate-office init`, `store copy`, `verify` and `audit head`: the store made, copied, checked and sealed. */
#ifndef CP_OFFICE_CMD_STORE_H
#define CP_OFFICE_CMD_STORE_H

#include "backoffice/office.h"

/* Each returns the exit code. init and store copy open their stores
 * themselves (main opens none for them); verify and audit head use the one
 * main opened. */
int cmd_init(office_ctx *c);
int cmd_store_copy(office_ctx *c);
int cmd_verify(office_ctx *c);
int cmd_audit_head(office_ctx *c);

#endif
