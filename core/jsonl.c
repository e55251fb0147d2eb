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
