/* canteen: canteens, terminals, meal periods, prices, items and category rules. */
#ifndef CP_CANTEEN_H
#define CP_CANTEEN_H

#include <stdint.h>

#include "core/db.h"

/* Adds a canteen; CP_ERR_EXISTS when the code is taken. */
cp_err canteen_add(db *d, const char *code, const char *name, const char *actor);

/* The id of the canteen with code; CP_ERR_NOT_FOUND (saying how to add one)
 * when there is none. */
cp_err canteen_lookup(db *d, const char *code, int64_t *id);

/* Adds a terminal of kind "pos" or "waste" to canteen_code. */
cp_err canteen_add_terminal(db *d, const char *code, const char *canteen_code,
                            const char *kind, const char *actor);

/* Sets (adds or changes) the meal period name of canteen_code to the span
 * "HH:MM-HH:MM". Periods of one canteen may not overlap. */
cp_err canteen_set_period(db *d, const char *canteen_code, const char *name, const char *span,
                          const char *actor);

/* Sets the price of a period for a diner category. */
cp_err canteen_set_price(db *d, const char *canteen_code, const char *period,
                         const char *category, int64_t fen, const char *actor);

/* Adds or changes an a-la-carte item; unit is "piece" or "100g". */
cp_err canteen_set_item(db *d, const char *canteen_code, const char *code, const char *name,
                        int64_t fen, const char *unit, const char *actor);

/* Given for a rule that canteen_set_rules must leave as it is. */
#define CANTEEN_RULE_KEEP (-2)

/* Sets the rules of a diner category; each may be CANTEEN_RULE_KEEP to keep
 * what was set before (a new category starts from 1 meal, no cap, no
 * overdraft). daily_cap_fen -1 means no cap. */
cp_err canteen_set_rules(db *d, const char *category, int meals_per_period,
                         int64_t daily_cap_fen, int64_t overdraft_fen, const char *actor);

/* The rules of category in force (the defaults when none were set). */
cp_err canteen_get_rules(db *d, const char *category, int *meals_per_period,
                         int64_t *daily_cap_fen, int64_t *overdraft_fen);

/* Sets what a card of category may spend a day at a terminal that decides
 * without its server (doc/protocol.md); fen -1 puts back the default, one
 * lunch (canteen_offline_cap). Other rules of the category are kept. */
cp_err canteen_set_offline_cap(db *d, const char *category, int64_t fen, const char *actor);

/* What a terminal deciding offline saw of the prices: the tap time, and
 * the version of the snapshot it decided from (doc/protocol.md). */
typedef struct canteen_seen {
    const char *at;  /* the tap time, as sales.at */
    int64_t version; /* the snapshot's version; 0: not said (the price at the tap) */
    const char *from; /* the snapshot's prices stand when still in effect at this
                       * time (the start of the server's window of offline
                       * charges); NULL: at */
} canteen_seen;

/* The offline daily allowance of category at the canteen canteen_code: the
 * one set, else one lunch: the category's price in the canteen's period
 * named "lunch", else its highest fixed-meal price there (a canteen may
 * name its periods otherwise), else -1: nothing may be charged offline.
 * canteen_code NULL: only the one set, or -1. seen (may be NULL): one lunch
 * is also its price at the tap and in the terminal's snapshot, when that
 * was more (an offline meal is priced as its terminal saw it). *set (may
 * be NULL) says whether one was set. */
cp_err canteen_offline_cap(db *d, const char *canteen_code, const char *category,
                           const canteen_seen *seen, int64_t *fen, int *set);

/* The price of category in the period (expressions) that a terminal's
 * snapshot of version `version` held, as an SQL expression: the last one
 * set at a version below it (price_history.version, schema version 18: the
 * store's version when it was set, read before its audit entry was
 * written; a snapshot read after the change has a larger version). NULL
 * when it held none, or when a later price was set before `from` (a
 * snapshot version older than the server's window of offline charges: a
 * stolen key could otherwise name any price the meal ever had). */
#define CANTEEN_PRICE_SEEN_SQL(period_id, category, version, from)                         \
    "(SELECT h.price_fen FROM price_history h WHERE h.period_id = " period_id              \
    " AND h.category = " category " AND h.version < " version                              \
    " AND NOT EXISTS (SELECT 1 FROM price_history n WHERE n.period_id = h.period_id"      \
    "   AND n.category = h.category AND n.id > h.id AND n.from_at < " from ")"             \
    " ORDER BY h.id DESC LIMIT 1)"

/* One lunch, the default allowance, as an SQL expression of the canteen's
 * id and the category (expressions): what canteen_offline_cap answers and
 * what a terminal's snapshot carries (backoffice/serve_snapshot.c), written
 * once so that a terminal never serves offline what its server then refuses
 * (it took the dearest meal, the server the lunch: a 12.00 dinner served
 * offline beside an 8.00 lunch was refused at the server, never charged).
 * NULL when the category has no price there. */
#define CANTEEN_ONE_LUNCH_SQL(canteen_id, category)                                        \
    "coalesce((SELECT max(x.price_fen) FROM prices x JOIN meal_periods m"                   \
    "   ON m.id = x.period_id WHERE m.canteen_id = " canteen_id " AND x.category = "       \
    category " AND m.name = 'lunch'),"                                                     \
    " (SELECT max(x.price_fen) FROM prices x JOIN meal_periods m ON m.id = x.period_id"    \
    "   WHERE m.canteen_id = " canteen_id " AND x.category = " category "))"

/* Checks that a category name is a short lowercase word (staff, guest, contractor, ...). */
cp_err canteen_category_valid(const char *category);

#endif
