/* rules: the rules of a charge as pure functions over facts; no store, no I/O.
 *
 * The store (core/ledger.c) gathers the facts of a tap and writes what the
 * rules decide; a terminal without its server (doc/protocol.md) gathers the
 * same facts from its snapshot and decides with the same code. A refusal is
 * a code (charge_outcome.result) with its arguments in the facts: the side
 * that shows it words it in its own language with rules_word(). */
#ifndef CP_RULES_H
#define CP_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/err.h"

/* Who decides, and so which rules hold. */
typedef enum rules_mode {
    RULES_ONLINE,  /* the store decides now: every rule */
    RULES_OFFLINE, /* a terminal decides from its snapshot: every rule, and the
                    * category's offline daily allowance on top */
    RULES_SERVED,  /* the store posts what a terminal decided offline: the meal
                    * was served, so only an unknown card, a missing period or
                    * price, or more than that terminal could have served
                    * deciding alone stop it; money and limits only flag it */
} rules_mode;

/* One a-la-carte line as the store found its item. */
typedef struct rules_line {
    const char *item_code;
    int found;          /* the item exists at this canteen */
    int64_t price_fen;  /* per piece, or per 100 g */
    int per_100g;       /* priced per 100 g: quantity is grams */
    int quantity;
} rules_line;

/* Everything the rules read. Strings are borrowed; NULL text is shown as "". */
typedef struct charge_facts {
    rules_mode mode;
    cp_time at;                  /* the tap: business date, period, duplicate window */

    int card_found;              /* the card is registered */
    const char *card_no;
    const char *card_status;     /* cards.status: "active", "lost", "blocked_offline", ... */
    const char *diner_status;    /* diners.status: "active", "suspended", "left" */
    const char *name, *staff_no; /* the diner, for messages */
    const char *category;        /* the diner's category code */

    int period_found;            /* a meal period of the canteen is open at `at` */
    const char *period;          /* its code ("lunch") */
    int price_found;             /* the period has a price for the category */
    int64_t price_fen;           /* that price: the fixed meal */
    const rules_line *lines;     /* NULL/0: the fixed-price meal of the period */
    size_t nlines;

    /* The diner's non-void sales of the business day of `at`. */
    int64_t meals_in_period;     /* fixed meals in this period */
    int64_t spent_today_fen;
    int sales_today;
    int64_t offline_spent_today_fen; /* of it, charged offline (RULES_OFFLINE) */
    const char *last_here;       /* ISO time of the last sale of this card at this
                                  * terminal today, or NULL/"" */
    int dup_window_s;            /* a second tap within it is a duplicate (> 0) */

    int64_t cash_fen, subsidy_fen; /* the wallets before this charge */
    /* of subsidy_fen, the grants of months after the meal's, which it may
     * not take (a meal posted after its month ended: October's dinner is
     * never paid with November's subsidy); 0: none */
    int64_t subsidy_later_fen;

    /* The category's rules (category_rules; no row: 1, -1, 0, -1). */
    int64_t meals_per_period;
    int64_t daily_cap_fen;       /* -1: no cap */
    int64_t overdraft_fen;       /* cash may go this far below zero */
    int64_t offline_daily_cap_fen; /* per card and day, offline; -1: no allowance
                                    * set and no lunch price found: nothing offline */

    /* RULES_SERVED: what this terminal charged the diner today (not void),
     * what a terminal deciding alone could have served is bounded by it. */
    int64_t meals_here_in_period;  /* fixed meals in this period, online or offline */
    int64_t offline_here_today_fen; /* charged offline */
    int resent;                    /* charged online first (charge_req.resent): decided
                                    * by the rules of a charge online */
    /* The red/black list of the tap's month is published: a charge decided
     * offline (served or resent) is not posted into it (a late meal changed
     * the published ranking, and verify passed) */
    int month_published;

    /* The names people read for the period and the category, for messages
     * only (core/names.c); NULL: the codes. Set them before rules_word(). */
    const char *period_shown, *category_shown;
} charge_facts;

/* Which rule refused: several share a code (CP_ERR_LIMIT_REACHED), and each
 * has its own message. */
typedef enum rules_refusal {
    RULES_CHARGE = 0,       /* not refused */
    RULES_UNKNOWN_CARD,     /* CP_ERR_UNKNOWN_CARD */
    RULES_CARD_BLOCKED,     /* CP_ERR_CARD_BLOCKED */
    RULES_DINER_INACTIVE,   /* CP_ERR_DINER_INACTIVE */
    RULES_NO_PERIOD,        /* CP_ERR_NO_MEAL_PERIOD */
    RULES_DUPLICATE_TAP,    /* CP_ERR_DUPLICATE_TAP */
    RULES_NO_PRICE,         /* CP_ERR_NO_PRICE */
    RULES_MEALS_PER_PERIOD, /* CP_ERR_LIMIT_REACHED */
    RULES_DAILY_CAP,        /* CP_ERR_LIMIT_REACHED */
    RULES_OFFLINE_CAP,      /* CP_ERR_LIMIT_REACHED */
    RULES_TERMINAL_ALLOWANCE, /* CP_ERR_LIMIT_REACHED: served offline beyond what
                               * one terminal deciding alone may serve */
    RULES_FUNDS,            /* CP_ERR_INSUFFICIENT_FUNDS */
    RULES_MONTH_PUBLISHED,  /* CP_ERR_MONTH_PUBLISHED: served offline in a month
                             * whose red/black list is published */
} rules_refusal;

/* What the rules decided. */
typedef struct charge_outcome {
    cp_err result;         /* CP_OK: charge; else the refusal (nothing is charged) */
    rules_refusal why;     /* which rule refused */
    int64_t total_fen;     /* the price of the whole charge */
    int64_t subsidy_fen;   /* the part taken from the subsidy wallet (first) */
    int64_t cash_fen;      /* the rest, from cash, down to -overdraft_fen */
    int64_t cash_left_fen, subsidy_left_fen; /* the wallets after it */
    int over_limit;        /* RULES_SERVED: the charge takes cash below -overdraft_fen */
    int meals_today;       /* the diner's sales today with this one */
} charge_outcome;

/* The amount of one line: price * quantity, or per 100 g grams * price / 100
 * rounded half up, in integer fen. */
int64_t rules_line_amount(const rules_line *l);

/* Decides the charge f describes into *o. Returns CP_OK when it decided (o->result
 * says whether to charge), or an error for facts no charge can have (a line
 * whose item does not exist, a quantity not above zero), as cp_fail. */
cp_err rules_decide_charge(const charge_facts *f, charge_outcome *o);

/* Words o's refusal for a person, in the current language, into msg (cut on
 * a character boundary); "" when o was not refused. */
void rules_word(const charge_facts *f, const charge_outcome *o, char *msg, size_t size);

/* Whether sale_id, of business date sale_date, may still be voided on
 * today's business date: only in its own month. A month that has ended has
 * closed books (the sales and cost reports a manager printed, its subsidy
 * expired): a void then would change that month's takings, or bring back a
 * subsidy that has expired. CP_ERR_INVALID saying what to do instead. */
cp_err rules_void_allowed(const char *sale_id, const char *sale_date, const char *today);

#endif
