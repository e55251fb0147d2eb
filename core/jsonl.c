/* jsonl: the headless terminals' answers, one JSON object a line: strings valid whatever their bytes, and a line for every answer even when it cannot be made. */
#include "core/jsonl.h"

#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

/* The answer when the real one could not be made: fixed text, so that it
 * needs no memory. What was done may stand behind it (a sale, a weighing):
 * the store says. */
static const char jsonl_fallback[] =
    "{\"ok\":false,\"error\":\"nomem\",\"message\":\"the answer could not be written (out of "
    "memory); what was done is in the store: look there before doing it again\"}";

json_t *jsonl_str(const char *s)
{
    char *fixed;
    json_t *j;

    if (!s)
        s = "";
    if (utf8_valid(s, strlen(s)))
        return json_string(s);
    if (!(fixed = utf8_repair(s, strlen(s))))
        return NULL;
    j = json_string(fixed);
    free(fixed);
    return j;
}

void jsonl_emit(FILE *f, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

    fputs(text ? text : jsonl_fallback, f);
    fputc('\n', f);
    fflush(f);
    free(text);
    json_decref(o);
}

/* o with "seq": seq (and "ok": true when ok) set before its own keys when
 * seq >= 1: jansson keeps the order keys were set in, and answers are
 * compared as text. Takes o. */
static json_t *with_seq(int64_t seq, int ok, json_t *o)
{
    json_t *n;

    if (seq < 1 || !o)
        return o;
    if (!(n = json_object()) || json_object_set_new(n, "seq", json_integer((json_int_t)seq)) ||
        (ok && json_object_set_new(n, "ok", json_true())) || json_object_update(n, o)) {
        json_decref(n);
        n = NULL;
    }
    json_decref(o);
    return n;
}

json_t *jsonl_refusal(int64_t seq, const char *error, const char *message)
{
    return with_seq(seq, 0, json_pack("{s:b, s:s, s:o}", "ok", 0, "error", error, "message",
                                      jsonl_str(message)));
}

json_t *jsonl_charge(int64_t seq, const charge_res *r)
{
    if (r->result != CP_OK)
        return jsonl_refusal(seq, cp_errname(r->result), r->message);
    return with_seq(seq, 0,
                    json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:i, s:b}",
                              "ok", 1, "sale_id", jsonl_str(r->sale_id), "staff_no",
                              jsonl_str(r->staff_no), "name", jsonl_str(r->name), "department",
                              jsonl_str(r->department), "period", jsonl_str(r->period),
                              "charged_fen", (json_int_t)r->charged_fen, "subsidy_fen",
                              (json_int_t)r->subsidy_fen, "cash_fen", (json_int_t)r->cash_fen,
                              "cash_left_fen", (json_int_t)r->cash_left_fen,
                              "subsidy_left_fen", (json_int_t)r->subsidy_left_fen,
                              "meals_today", r->meals_today, "repeated", r->repeated));
}

/* The names of a weighing's flags, as a list. */
static json_t *weighing_flags(int flags)
{
    char text[128], *save = NULL;
    json_t *list = json_array();

    waste_flags_text(flags, text, sizeof text);
    for (char *f = strtok_r(text, ",", &save); f && list; f = strtok_r(NULL, ",", &save))
        json_array_append_new(list, json_string(f));
    return list;
}

json_t *jsonl_weighing(int64_t seq, const waste_res *r)
{
    json_t *o = json_pack("{s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
                          "s:o, s:b, s:s, s:I, s:I, s:b, s:o, s:o, s:o}",
                          "id", jsonl_str(r->id), "stage", jsonl_str(r->stage), "gross_g",
                          (json_int_t)r->gross_g, "tare_g", (json_int_t)r->tare_g, "net_g",
                          (json_int_t)r->net_g, "flags", weighing_flags(r->flags), "card",
                          jsonl_str(r->card_no), "staff_no", jsonl_str(r->staff_no), "name",
                          jsonl_str(r->name), "department", jsonl_str(r->department),
                          "department_code", jsonl_str(r->department_code), "sale_id",
                          jsonl_str(r->sale_id), "period", jsonl_str(r->period),
                          "business_date", jsonl_str(r->business_date), "clean_plate",
                          r->clean_plate, "rate_of",
                          r->rate_of_department ? "department" : "canteen", "rate_clean",
                          (json_int_t)r->rate_clean, "rate_trays", (json_int_t)r->rate_trays,
                          "repeated", r->repeated, "category", jsonl_str(r->category),
                          "reason", jsonl_str(r->reason), "created_at",
                          jsonl_str(r->created_at));

    if (o) {
        json_object_set_new(o, "rate_pct", r->rate_pct >= 0 ? json_integer(r->rate_pct)
                                                            : json_null());
        if (r->message[0])
            json_object_set_new(o, "message", jsonl_str(r->message));
    }
    return with_seq(seq, 1, o);
}
