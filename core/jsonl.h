/* jsonl: the headless terminals' answers, one JSON object a line: strings valid whatever their bytes, and a line for every answer even when it cannot be made. */
#ifndef CP_JSONL_H
#define CP_JSONL_H

#include <jansson.h>
#include <stdio.h>

/* A JSON string of s (NULL is ""); bytes that are not UTF-8 (a name cut by
 * bytes in an old database, a request id typed in GBK) become U+FFFD, so
 * that the string is always made: jansson refuses invalid UTF-8, which left
 * an answer blank. The caller owns it; NULL only when out of memory. */
json_t *jsonl_str(const char *s);

/* Writes o as one compact line on f and flushes it (a printed ok is a
 * committed sale), taking o. When o is NULL (it could not be made) or
 * cannot be serialised, the line is an error object instead, never a blank
 * line and never nothing. */
void jsonl_emit(FILE *f, json_t *o);

#endif
