/* cmd_rules: `cleanplate-office rules set|list`: what a diner category may eat and spend, online and offline. */
#ifndef CP_OFFICE_CMD_RULES_H
#define CP_OFFICE_CMD_RULES_H

#include "backoffice/office.h"

/* rules set CATEGORY [--meals N] [--daily-cap YUAN|none] [--overdraft YUAN]
 * [--offline-daily-cap YUAN|lunch] --manager NAME. Returns the exit code. */
int cmd_rules_set(office_ctx *c);

/* rules list [--canteen CODE] [--json]: every category's rules; the offline
 * allowance as set, or "lunch" (with --canteen: what one lunch costs there). */
int cmd_rules_list(office_ctx *c);

#endif
