/* names: what people read for the codes the store keeps: diner categories, meal periods, kitchen stages, terminal kinds, roles and statuses. */
#ifndef CP_NAMES_H
#define CP_NAMES_H

#include <stddef.h>

#include "core/db.h"
#include "core/err.h"
#include "core/utf8.h"

/* Codes stay ASCII everywhere they are stored, typed on a command line or
 * written as JSON keys and CSV columns: "staff", "lunch", "prep". People read
 * a display name instead: the canteen's own (categories and meal periods,
 * `cleanplate-office category set staff 职工`, stored in display_names), else
 * the catalog's for the codes every canteen has (职工, 午餐, 备餐损耗 in
 * Chinese; the code itself in English), else the code. */
typedef enum names_kind {
    NAMES_CATEGORY,     /* diner category: staff, guest, contractor (and "items" on a Z report) */
    NAMES_PERIOD,       /* meal period: breakfast, lunch, dinner, supper */
    NAMES_STAGE,        /* where waste was weighed: plate, prep, overproduction, spoilage */
    NAMES_TERMINAL,     /* terminal kind: pos, waste */
    NAMES_ROLE,         /* user role: admin, manager, cashier, kitchen */
    NAMES_CARD,         /* card status: active, lost, retired */
    NAMES_DINER,        /* diner status: active, suspended, left */
} names_kind;

/* A display name has at most this many characters. */
#define NAMES_MAX_CHARS 32
#define NAMES_SIZE UTF8_SIZE(NAMES_MAX_CHARS)

/* The built-in name of code in the user's language (static or the
 * catalog's), or code itself when it has none. Never NULL for a code. */
const char *names_builtin(names_kind kind, const char *code);

/* names_builtin in Chinese, whatever the user's language: for the PDF
 * reports, which are always in Chinese. */
const char *names_builtin_zh(names_kind kind, const char *code);

/* The name people read for code: the canteen's (categories and periods,
 * read from d; d may be NULL), else names_builtin(). Returns buf, which
 * holds it (a store that cannot be read falls back to the built-in name:
 * a screen or a receipt is never held up by a name). */
const char *names_show(db *d, names_kind kind, const char *code, char buf[NAMES_SIZE]);

/* names_show with names_builtin_zh: for the PDF reports. */
const char *names_show_zh(db *d, names_kind kind, const char *code, char buf[NAMES_SIZE]);

/* The kind's word as the store keeps it in display_names.kind ("category",
 * "period", ...): a terminal matches the names of its snapshot with it. */
const char *names_kind_word(names_kind kind);

/* Sets the canteen's name for a category or a meal period code (audited as
 * actor); an empty name removes it, so that the built-in one shows again.
 * A name has 1 to NAMES_MAX_CHARS characters of any script, no control
 * characters; a category code must be one canteen_category_valid() takes. */
cp_err names_set(db *d, names_kind kind, const char *code, const char *name, const char *actor);

/* Calls each(code, name, ctx) for every category (or meal period) in use or
 * named, by code, with the name people read for it (names_show). */
cp_err names_each(db *d, names_kind kind, void (*each)(const char *code, const char *name,
                                                       void *ctx), void *ctx);

#endif
