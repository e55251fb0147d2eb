/* rules: the rules of a charge as pure functions over facts; no store, no I/O.
 *
 * The checks run in one fixed order, the order the ledger always had, so
 * that a tap breaking two rules is refused for the same one everywhere:
 * card, diner, period, duplicate tap, price, meals per period, daily cap,
 * offline allowance, money. */
#include "core/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "core/names.h"
#include "core/nls.h"
#include "core/utf8.h"

int64_t rules_line_amount(const rules_line *l)
{
    /* per 100 g: grams * price / 100, rounded half up, in integer fen */
    return l->per_100g ? (l->price_fen * l->quantity + 50) / 100 : l->price_fen * l->quantity;
}

static cp_err refused(charge_outcome *o, rules_refusal why, cp_err code)
{
    o->why = why;
    o->result = code;
    return CP_OK;
}

static int is_active(const char *status)
{
    return status && strcmp(status, "active") == 0;
}

/* A second sale of this card at this terminal within the window before the
 * tap (the stored time compared as ISO text, as the store writes it). */
static int duplicate_tap(const charge_facts *f)
{
    char at[CP_TIME_ISO_LEN], since[CP_TIME_ISO_LEN];
    cp_time earliest = clock_add_seconds(&f->at, -(long)f->dup_window_s);

    if (!f->last_here || !f->last_here[0])
        return 0;
    clock_iso(&f->at, at);
    clock_iso(&earliest, since);
    return strcmp(f->last_here, since) >= 0 && strcmp(f->last_here, at) <= 0;
}

/* The total of the lines, or an error for a line no charge can have; the
 * quantity is checked before the item, line by line, as the ledger did. */
static cp_err lines_total(const charge_facts *f, int64_t *total)
{
    *total = 0;
    for (size_t i = 0; i < f->nlines; i++) {
        const rules_line *l = &f->lines[i];
        if (l->quantity <= 0)
            return cp_fail(CP_ERR_INVALID, "line %zu: quantity must be positive", i + 1);
        if (!l->found)
            return cp_fail(CP_ERR_NOT_FOUND, "no item '%s' at this canteen",
                           l->item_code ? l->item_code : "");
        *total += rules_line_amount(l);
    }
    return CP_OK;
}

/* The limits of the category, in their order; RULES_CHARGE when all hold. */
static rules_refusal over_a_limit(const charge_facts *f, int64_t total)
{
    if (f->nlines == 0 && f->meals_in_period >= f->meals_per_period)
        return RULES_MEALS_PER_PERIOD;
    if (f->daily_cap_fen >= 0 && f->spent_today_fen + total > f->daily_cap_fen)
        return RULES_DAILY_CAP;
    /* Offline, a card may spend at most the allowance a day, whatever its
     * last-known balance: the terminal cannot see the other terminals' taps,
     * so this bounds what a lost or shared card can cost per terminal. */
    if (f->mode == RULES_OFFLINE &&
        (f->offline_daily_cap_fen < 0 ||
         f->offline_spent_today_fen + total > f->offline_daily_cap_fen))
        return RULES_OFFLINE_CAP;
    return RULES_CHARGE;
}

/* Whether a meal served offline is one its terminal could have served:
 * deciding alone, a terminal keeps to the meal limit and the offline
 * allowance by what it charged the card itself (pos/offline.c). More is a
 * terminal that did not keep them (a stolen key, a journal replaced): it
 * is refused, and the server raises served_but_refused for the office. Only
 * this terminal's sales count: two terminals cut off together may each
 * serve the card its meal (the partition the allowance bounds). */
static int beyond_one_terminal(const charge_facts *f, int64_t total)
{
    if (f->nlines == 0 && f->meals_here_in_period >= f->meals_per_period)
        return 1;
    return f->offline_daily_cap_fen < 0 ||
           f->offline_here_today_fen + total > f->offline_daily_cap_fen;
}

cp_err rules_decide_charge(const charge_facts *f, charge_outcome *o)
{
    /* A resent charge (one charged online that the store lost, sent again,
     * core/journal.c) is decided as it was the first time, by every rule a
     * charge online meets, at its tap time: only the terminal's word says
     * it was charged then, and with that word a stolen key posted any
     * amount on any card, blocked or not, beyond every limit. A real one
     * refused now (the wallet changed since) raises served_but_refused, as
     * a served meal refused does, for the office to settle. */
    int served = f->mode == RULES_SERVED && !f->resent;
    int64_t total = 0, subsidy;
    rules_refusal limit;
    cp_err err;

    memset(o, 0, sizeof *o);
    if (!f->card_found)
        return refused(o, RULES_UNKNOWN_CARD, CP_ERR_UNKNOWN_CARD);
    /* A month's red/black list, once published, stays true to the store: a
     * meal served offline in it and delivered after is not posted (the
     * server raises served_but_refused: the office charges it by hand in
     * the month it is in, or writes it off). A stolen key's back-dated
     * meals flipped the published ranking without a trace. */
    if (f->mode == RULES_SERVED && f->month_published)
        return refused(o, RULES_MONTH_PUBLISHED, CP_ERR_MONTH_PUBLISHED);
    /* A served meal is posted even for a card or diner stopped since the
     * terminal's snapshot: the food is eaten, the office settles it. */
    if (!served && !is_active(f->card_status))
        return refused(o, RULES_CARD_BLOCKED, CP_ERR_CARD_BLOCKED);
    if (!served && !is_active(f->diner_status))
        return refused(o, RULES_DINER_INACTIVE, CP_ERR_DINER_INACTIVE);
    if (f->nlines == 0 && !f->period_found)
        return refused(o, RULES_NO_PERIOD, CP_ERR_NO_MEAL_PERIOD);
    /* A served tap was already kept from repeating by its terminal, and its
     * request id keeps it from being posted twice. */
    if (!served && duplicate_tap(f))
        return refused(o, RULES_DUPLICATE_TAP, CP_ERR_DUPLICATE_TAP);
    if (f->nlines == 0) {
        if (!f->price_found)
            return refused(o, RULES_NO_PRICE, CP_ERR_NO_PRICE);
        total = f->price_fen;
    } else if ((err = lines_total(f, &total))) {
        return err;
    }
    if (!served && (limit = over_a_limit(f, total)) != RULES_CHARGE)
        return refused(o, limit, CP_ERR_LIMIT_REACHED);
    if (served && beyond_one_terminal(f, total))
        return refused(o, RULES_TERMINAL_ALLOWANCE, CP_ERR_LIMIT_REACHED);

    /* Subsidy first (what is left of it of the meal's month and before,
     * never below zero), then cash. */
    subsidy = f->subsidy_fen - (f->subsidy_later_fen > 0 ? f->subsidy_later_fen : 0);
    if (subsidy < 0)
        subsidy = 0;
    if (subsidy > total)
        subsidy = total;
    o->total_fen = total;
    o->subsidy_fen = subsidy;
    o->cash_fen = total - subsidy;
    o->cash_left_fen = f->cash_fen - o->cash_fen;
    o->subsidy_left_fen = f->subsidy_fen - subsidy;
    o->over_limit = o->cash_left_fen < -f->overdraft_fen;
    if (o->over_limit && !served) {
        /* the wallets as they were: nothing is charged */
        o->subsidy_fen = o->cash_fen = 0;
        o->cash_left_fen = f->cash_fen;
        o->subsidy_left_fen = f->subsidy_fen;
        o->over_limit = 0;
        return refused(o, RULES_FUNDS, CP_ERR_INSUFFICIENT_FUNDS);
    }
    o->meals_today = f->sales_today + 1;
    o->result = CP_OK;
    return CP_OK;
}

/* Formats a refusal's message into msg in the current language (refuse is
 * an xgettext keyword, po/extract.sh: its format is the msgid). */
static void refuse(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(char *msg, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    utf8_vformat(msg, size, _(fmt), ap);
    va_end(ap);
}

static const char *text(const char *s)
{
    return s ? s : "";
}

void rules_word(const charge_facts *f, const charge_outcome *o, char *msg, size_t size)
{
    const char *period = f->period_shown ? f->period_shown : text(f->period);
    const char *category = f->category_shown ? f->category_shown : text(f->category);
    char money[2][MONEY_STR_LEN];

    if (size)
        msg[0] = '\0';
    switch (o->why) {
    case RULES_CHARGE:
        break;
    case RULES_UNKNOWN_CARD:
        refuse(msg, size, "card %s is not registered: send the diner to the office to register "
               "the card", text(f->card_no));
        break;
    case RULES_CARD_BLOCKED:
        /* blocked for an offline overdraft, the card is the diner's still:
         * a top-up brings it back (review U4: the cashier was told to keep
         * it, as a lost one) */
        if (strcmp(text(f->card_status), "blocked_offline") == 0)
            refuse(msg, size, "card %s is stopped: a meal served offline took the wallet below "
                   "its limit; give the card back, it works again once the diner tops up at "
                   "the office", text(f->card_no));
        else
            refuse(msg, size, "card %s is blocked (%s): keep the card and send the diner to "
                   "the office", text(f->card_no),
                   names_builtin(NAMES_CARD, text(f->card_status)));
        break;
    case RULES_DINER_INACTIVE:
        refuse(msg, size, "%s (%s) is %s: send the diner to the office", text(f->name),
               text(f->staff_no), names_builtin(NAMES_DINER, text(f->diner_status)));
        break;
    case RULES_NO_PERIOD:
        refuse(msg, size, "no meal period is open at %02d:%02d: nothing charged", f->at.hour,
               f->at.minute);
        break;
    case RULES_DUPLICATE_TAP:
        refuse(msg, size, "%s was charged here less than %d s ago: not charged again",
               text(f->name), f->dup_window_s);
        break;
    case RULES_NO_PRICE:
        refuse(msg, size, "no %s price for category '%s': a manager sets it with "
               "`cleanplate-office price set`", period, category);
        break;
    case RULES_MEALS_PER_PERIOD:
        refuse(msg, size, P_("%s already had %lld %s meal today (limit %lld): not charged",
                             "%s already had %lld %s meals today (limit %lld): not charged",
                             (unsigned long)f->meals_in_period),
               text(f->name), (long long)f->meals_in_period, period,
               (long long)f->meals_per_period);
        break;
    case RULES_DAILY_CAP:
        refuse(msg, size, "daily limit of %s yuan for %s would be passed (spent %s today): "
               "not charged", money_format(f->daily_cap_fen, money[0]), category,
               money_format(f->spent_today_fen, money[1]));
        break;
    case RULES_OFFLINE_CAP:
        refuse(msg, size, "offline, %s may spend %s yuan a day (spent %s offline today): "
               "not charged",
               text(f->name),
               money_format(f->offline_daily_cap_fen > 0 ? f->offline_daily_cap_fen : 0,
                            money[0]),
               money_format(f->offline_spent_today_fen, money[1]));
        break;
    case RULES_TERMINAL_ALLOWANCE:
        refuse(msg, size, "served offline beyond what one terminal may serve alone (%lld "
               "meals of this period and %s yuan offline today at this terminal, limits %lld "
               "and %s yuan): not charged",
               (long long)f->meals_here_in_period,
               money_format(f->offline_here_today_fen, money[0]),
               (long long)f->meals_per_period,
               money_format(f->offline_daily_cap_fen > 0 ? f->offline_daily_cap_fen : 0,
                            money[1]));
        break;
    case RULES_MONTH_PUBLISHED:
        refuse(msg, size, "served offline on %04d-%02d-%02d, whose month's red/black list is "
               "published: not posted into it; the office charges the meal by hand or writes "
               "it off", f->at.year, f->at.month, f->at.day);
        break;
    case RULES_FUNDS:
        refuse(msg, size, "balance too low: %s yuan needed, %s yuan available; top up at the "
               "office", money_format(o->total_fen, money[0]),
               money_format(f->cash_fen + f->subsidy_fen + f->overdraft_fen, money[1]));
        break;
    }
}

cp_err rules_void_allowed(const char *sale_id, const char *sale_date, const char *today)
{
    if (strncmp(sale_date, today, 7) >= 0)
        return CP_OK;
    return cp_fail(CP_ERR_INVALID, "sale %s is of %.7s, a month that has ended (today is %s): "
                   "its books are closed, and a void would change that month's takings and "
                   "give back a subsidy that has expired; give the money back in this month "
                   "instead: cleanplate-office topup STAFF_NO YUAN --manager NAME",
                   sale_id, sale_date, today);
}
