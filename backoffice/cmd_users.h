/* cmd_users: `cleanplate-office user add|list|disable|pin`: who may log in, with which role and PIN. */
#ifndef CP_OFFICE_CMD_USERS_H
#define CP_OFFICE_CMD_USERS_H

#include "backoffice/office.h"

/* Each returns the exit code. */
int cmd_user_add(office_ctx *c);
int cmd_user_list(office_ctx *c);
int cmd_user_disable(office_ctx *c);
int cmd_user_pin(office_ctx *c);

#endif
