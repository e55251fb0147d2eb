/* offline: a charge decided at the terminal while the server does not answer. */
#include <string.h>

#include "core/rules.h"
#include "pos/offline.h"

/* The fixed meal's period for the offline allowance when a category has
 * none set: one lunch price (DESIGN.md, issue 14). */
#define DEFAULT_ALLOWANCE_PERIOD "lunch"

/* An integer member of o, or fallback when it is absent or not one. */
static int64_t num(const json_t *o, const char *key, int64_t fallback)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

/* The element of array whose member key is the text value, or NULL. */
static json_t *find_by(const json_t *array, const char *key, const char *value)
{
    size_t i;
    json_t *e;

    json_array_foreach(array, i, e) {
        const char *v = json_string_value(json_object_get(e, key));
        if (v && value && strcmp(v, value) == 0)
            return e;
    }
    return NULL;
}

/* The price of category in period, from the snapshot's prices; -1: none. */
static int64_t price_of(const json_t *snap, const char *period, const char *category)
{
    size_t i;
    json_t *p;

    json_array_foreach(json_object_get(snap, "prices"), i, p) {
        const char *pp = json_string_value(json_object_get(p, "period"));
        const char *pc = json_string_value(json_object_get(p, "category"));
        if (pp && pc && period && category && strcmp(pp, period) == 0 &&
            strcmp(pc, category) == 0)
            return num(p, "price_fen", -1);
    }
    return -1;
}

/* The meal period open at minute of the day, NULL when none. */
static const char *period_at(const json_t *snap, int minute)
{
    size_t i;
    json_t *p;

    json_array_foreach(json_object_get(snap, "periods"), i, p) {
        if (minute >= num(p, "start_min", -1) && minute < num(p, "end_min", -1))
            return json_string_value(json_object_get(p, "name"));
    }
    return NULL;
}

/* A card's counts of the day are the snapshot's for its business date and
 * this terminal's own since: a tap on a later day starts them from zero.
 * The card keeps the day they belong to in "day" (the terminal's own field). */
static void roll_day(const json_t *snap, json_t *card, const char *today)
{
    const char *day = json_string_value(json_object_get(card, "day"));

    if (!day)
        day = json_string_value(json_object_get(snap, "business_date"));
    if (day && strcmp(day, today) == 0)
        return;
    json_object_set_new(card, "meals_today", json_object());
    json_object_set_new(card, "spent_today_fen", json_integer(0));
    json_object_set_new(card, "offline_spent_today_fen", json_integer(0));
    json_object_del(card, "last_here");
    json_object_set_new(card, "day", json_string(today));
}

/* The number of sales of the day: the sum of the meals of every period. */
static int sales_of(const json_t *meals)
{
    const char *k;
    json_t *v;
    int n = 0;

    json_object_foreach((json_t *)meals, k, v)
        n += (int)json_integer_value(v);
    return n;
}

/* Fills f with the facts of card from the snapshot (its rules included). */
static void gather(const json_t *snap, json_t *card, const char *card_no, const cp_time *at,
                   int dup_seconds, charge_facts *f)
{
    json_t *rules;
    int64_t allowance;

    memset(f, 0, sizeof *f);
    f->mode = RULES_OFFLINE;
    f->at = *at;
    f->card_no = card_no;
    f->dup_window_s = dup_seconds;
    f->card_found = card != NULL;
    if (!card)
        return;
    f->card_status = json_string_value(json_object_get(card, "status"));
    f->diner_status = json_string_value(json_object_get(card, "diner_status"));
    if (!f->diner_status) /* the snapshot lists the cards of active diners */
        f->diner_status = "active";
    f->name = json_string_value(json_object_get(card, "name"));
    f->staff_no = json_string_value(json_object_get(card, "staff_no"));
    f->category = json_string_value(json_object_get(card, "category"));
    f->period = period_at(snap, clock_minute_of_day(at));
    f->period_found = f->period != NULL;
    f->price_fen = price_of(snap, f->period, f->category);
    f->price_found = f->price_fen >= 0;
    f->meals_in_period = f->period ? num(json_object_get(card, "meals_today"), f->period, 0) : 0;
    f->spent_today_fen = num(card, "spent_today_fen", 0);
    f->sales_today = sales_of(json_object_get(card, "meals_today"));
    f->offline_spent_today_fen = num(card, "offline_spent_today_fen", 0);
    f->last_here = json_string_value(json_object_get(card, "last_here"));
    f->cash_fen = num(card, "cash_fen", 0);
    f->subsidy_fen = num(card, "subsidy_fen", 0);
    rules = find_by(json_object_get(snap, "rules"), "category", f->category);
    f->meals_per_period = num(rules, "meals_per_period", 1);
    f->daily_cap_fen = num(rules, "daily_cap_fen", -1);
    f->overdraft_fen = num(rules, "overdraft_fen", 0);
    /* no allowance set: one lunch price; no lunch price either: nothing */
    allowance = num(rules, "offline_daily_cap_fen", -1);
    if (allowance < 0)
        allowance = price_of(snap, DEFAULT_ALLOWANCE_PERIOD, f->category);
    f->offline_daily_cap_fen = allowance;
}

/* Writes a charge made offline into the snapshot's card. */
static void remember(json_t *card, const charge_facts *f, const charge_outcome *o,
                     const char *at_iso)
{
    json_t *meals = json_object_get(card, "meals_today");

    if (!json_is_object(meals)) {
        meals = json_object();
        json_object_set_new(card, "meals_today", meals);
    }
    json_object_set_new(meals, f->period, json_integer(f->meals_in_period + 1));
    json_object_set_new(card, "cash_fen", json_integer(o->cash_left_fen));
    json_object_set_new(card, "subsidy_fen", json_integer(o->subsidy_left_fen));
    json_object_set_new(card, "spent_today_fen",
                        json_integer(f->spent_today_fen + o->total_fen));
    json_object_set_new(card, "offline_spent_today_fen",
                        json_integer(f->offline_spent_today_fen + o->total_fen));
    json_object_set_new(card, "last_here", json_string(at_iso));
}

/* The answer to a charge made offline: the headless answer's fields. */
static json_t *charged_answer(const json_t *card, const charge_facts *f, const charge_outcome *o)
{
    return json_pack("{s:b, s:s, s:s?, s:s?, s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:b, s:b}",
                     "ok", 1, "sale_id", "", "staff_no", f->staff_no, "name", f->name,
                     "department", json_string_value(json_object_get(card, "department")),
                     "period", f->period, "charged_fen", (json_int_t)o->total_fen,
                     "subsidy_fen", (json_int_t)o->subsidy_fen, "cash_fen",
                     (json_int_t)o->cash_fen, "cash_left_fen", (json_int_t)o->cash_left_fen,
                     "subsidy_left_fen", (json_int_t)o->subsidy_left_fen, "meals_today",
                     o->meals_today, "repeated", 0, "offline", 1);
}

json_t *offline_charge(const json_t *snapshot, json_t *card, const char *card_no,
                       const cp_time *at, int dup_seconds, int *charged)
{
    char today[CP_DATE_LEN], at_iso[CP_TIME_ISO_LEN], msg[512];
    charge_facts f;
    charge_outcome o;
    cp_err err;

    *charged = 0;
    clock_date(at, today);
    clock_iso(at, at_iso);
    if (card)
        roll_day(snapshot, card, today);
    gather(snapshot, card, card_no, at, dup_seconds, &f);
    if ((err = rules_decide_charge(&f, &o)))
        return json_pack("{s:b, s:s, s:s, s:b}", "ok", 0, "error", cp_errname(err), "message",
                         cp_detail(), "offline", 1);
    if (o.result != CP_OK) {
        rules_word(&f, &o, msg, sizeof msg);
        return json_pack("{s:b, s:s, s:s, s:b}", "ok", 0, "error", cp_errname(o.result),
                         "message", msg, "offline", 1);
    }
    remember(card, &f, &o, at_iso);
    *charged = 1;
    return charged_answer(card, &f, &o);
}

void offline_note_charge(const json_t *snapshot, json_t *card, const json_t *answer,
                         const cp_time *at)
{
    const char *period = json_string_value(json_object_get(answer, "period"));
    char today[CP_DATE_LEN], at_iso[CP_TIME_ISO_LEN];
    json_t *meals;

    clock_date(at, today);
    clock_iso(at, at_iso);
    roll_day(snapshot, card, today);
    meals = json_object_get(card, "meals_today");
    if (!json_is_object(meals)) {
        meals = json_object();
        json_object_set_new(card, "meals_today", meals);
    }
    /* as the snapshot counts them: every sale of the period, items too */
    if (period && *period)
        json_object_set_new(meals, period, json_integer(num(meals, period, 0) + 1));
    json_object_set_new(card, "cash_fen",
                        json_integer(num(answer, "cash_left_fen", num(card, "cash_fen", 0))));
    json_object_set_new(card, "subsidy_fen", json_integer(num(answer, "subsidy_left_fen",
                                                              num(card, "subsidy_fen", 0))));
    json_object_set_new(card, "spent_today_fen",
                        json_integer(num(card, "spent_today_fen", 0) +
                                     num(answer, "charged_fen", 0)));
    json_object_set_new(card, "last_here", json_string(at_iso));
}

void offline_note_void(const json_t *snapshot, json_t *card, const json_t *sale,
                       const json_t *answer, const cp_time *now)
{
    const char *period = json_string_value(json_object_get(sale, "period"));
    const char *date = json_string_value(json_object_get(sale, "business_date"));
    char today[CP_DATE_LEN];
    json_t *meals;
    int64_t spent;

    clock_date(now, today);
    roll_day(snapshot, card, today);
    json_object_set_new(card, "cash_fen",
                        json_integer(num(answer, "cash_left_fen", num(card, "cash_fen", 0))));
    json_object_set_new(card, "subsidy_fen", json_integer(num(answer, "subsidy_left_fen",
                                                              num(card, "subsidy_fen", 0))));
    if (!date || strcmp(date, today) != 0)
        return; /* another day's sale is in no count of today's */
    meals = json_object_get(card, "meals_today");
    if (period && json_is_object(meals) && num(meals, period, 0) > 0)
        json_object_set_new(meals, period, json_integer(num(meals, period, 0) - 1));
    spent = num(card, "spent_today_fen", 0) - num(sale, "charged_fen", 0);
    json_object_set_new(card, "spent_today_fen", json_integer(spent > 0 ? spent : 0));
}
