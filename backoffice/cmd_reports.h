/* cmd_reports: `cleanplate-office metrics`, `rollup`, `publish redblack`, `publications` and `report monthly|quarterly|sales|balances`: what the store adds up. */
#ifndef CP_OFFICE_CMD_REPORTS_H
#define CP_OFFICE_CMD_REPORTS_H

#include "backoffice/office.h"

/* Each returns the exit code. */
int cmd_metrics(office_ctx *c);
int cmd_rollup(office_ctx *c);
int cmd_publish_redblack(office_ctx *c);
int cmd_publications(office_ctx *c);
int cmd_report_monthly(office_ctx *c);
int cmd_report_quarterly(office_ctx *c);
int cmd_report_sales(office_ctx *c);
int cmd_report_balances(office_ctx *c);

#endif
