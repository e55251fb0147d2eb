/* cmd_cost: the cost accounting commands: food categories, purchases, stock counts and `report cost`. */
#ifndef CP_OFFICE_CMD_COST_H
#define CP_OFFICE_CMD_COST_H

#include "backoffice/office.h"

/* The options each command takes, for the commands table. */
#define CMD_PURCHASE_ADD_OPTIONS "canteen=,date=,supplier=,category=,kg=,yuan=,invoice=,manager="
#define CMD_STOCK_COUNT_OPTIONS "canteen=,month=,category=,yuan=,kg=,manager="
#define CMD_REPORT_COST_OPTIONS "month=,year=,canteen=,json,csv,out=,font=,food-cost="

/* Each returns the exit code. */
int cmd_food_add(office_ctx *c);
int cmd_food_list(office_ctx *c);
int cmd_purchase_add(office_ctx *c);
int cmd_purchase_reverse(office_ctx *c);
int cmd_purchase_list(office_ctx *c);
int cmd_import_purchases(office_ctx *c);
int cmd_stock_count(office_ctx *c);
/* cost close: food_close_month. */
int cmd_cost_close(office_ctx *c);
int cmd_report_cost(office_ctx *c);

#endif
