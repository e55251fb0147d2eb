/* names: what people read for the codes the store keeps: diner categories, meal periods, kitchen stages, terminal kinds, roles and statuses. */
#include "core/names.h"

#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/canteen.h"
#include "core/nls.h"

/* The kinds as the catalog's contexts (msgctxt) and as display_names.kind. */
static const char *const kinds[] = {
    [NAMES_CATEGORY] = "category", [NAMES_PERIOD] = "period",  [NAMES_STAGE] = "stage",
    [NAMES_TERMINAL] = "terminal", [NAMES_ROLE] = "role",       [NAMES_CARD] = "card status",
    [NAMES_DINER] = "diner status",
};

/* The codes every canteen has, translated with their kind as the context:
 * "left" is a diner's status here, and 剩余 is a kitchen stage. zh is the
 * Chinese of the catalog (po/zh_CN.po), for the PDF reports, which are in
 * Chinese whatever the office's language (test_names checks they agree). */
static const struct builtin {
    names_kind kind;
    const char *code;
    const char *zh;
} builtins[] = {
    {NAMES_CATEGORY, NC_("category", "staff"), "职工"},
    {NAMES_CATEGORY, NC_("category", "guest"), "来宾"},
    {NAMES_CATEGORY, NC_("category", "contractor"), "外包"},
    /* TRANSLATORS: a Z report's row of a-la-carte sales, beside the diner categories */
    {NAMES_CATEGORY, NC_("category", "items"), "单点"},
    {NAMES_PERIOD, NC_("period", "breakfast"), "早餐"},
    {NAMES_PERIOD, NC_("period", "lunch"), "午餐"},
    {NAMES_PERIOD, NC_("period", "dinner"), "晚餐"},
    {NAMES_PERIOD, NC_("period", "supper"), "夜宵"},
    /* TRANSLATORS: the waste on diners' trays, weighed at the tray return */
    {NAMES_STAGE, NC_("stage", "plate"), "餐盘剩餐"},
    /* TRANSLATORS: kitchen waste made while preparing food (peel, trimmings) */
    {NAMES_STAGE, NC_("stage", "prep"), "备餐损耗"},
    /* TRANSLATORS: food cooked and never served */
    {NAMES_STAGE, NC_("stage", "overproduction"), "剩余"},
    /* TRANSLATORS: food that went off before it was cooked or served */
    {NAMES_STAGE, NC_("stage", "spoilage"), "变质"},
    /* TRANSLATORS: a cashier's terminal */
    {NAMES_TERMINAL, NC_("terminal", "pos"), "收银终端"},
    /* TRANSLATORS: a waste station: a scale and a card reader */
    {NAMES_TERMINAL, NC_("terminal", "waste"), "称重站"},
    {NAMES_ROLE, NC_("role", "admin"), "管理员"},
    {NAMES_ROLE, NC_("role", "manager"), "主管"},
    {NAMES_ROLE, NC_("role", "cashier"), "收银员"},
    {NAMES_ROLE, NC_("role", "kitchen"), "厨房员工"},
    {NAMES_CARD, NC_("card status", "active"), "正常"},
    /* TRANSLATORS: a card that was blocked (reported lost) */
    {NAMES_CARD, NC_("card status", "lost"), "挂失"},
    /* TRANSLATORS: a card replaced by another, or of a diner who left */
    {NAMES_CARD, NC_("card status", "retired"), "已注销"},
    /* TRANSLATORS: a card blocked because an offline charge took the balance
     * below its limit; a top-up lifts it */
    {NAMES_CARD, NC_("card status", "blocked_offline"), "离线超额停用"},
    {NAMES_DINER, NC_("diner status", "active"), "在职"},
    {NAMES_DINER, NC_("diner status", "suspended"), "已暂停"},
    /* TRANSLATORS: a diner who has left the institution */
    {NAMES_DINER, NC_("diner status", "left"), "已离职"},
};

const char *names_builtin(names_kind kind, const char *code)
{
    if (!code)
        return "";
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (builtins[i].kind == kind && strcmp(builtins[i].code, code) == 0)
            return C_(kinds[kind], builtins[i].code);
    return code;
}

const char *names_builtin_zh(names_kind kind, const char *code)
{
    if (!code)
        return "";
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (builtins[i].kind == kind && strcmp(builtins[i].code, code) == 0)
            return builtins[i].zh;
    return code;
}

/* Only these kinds have names the canteen sets. */
static int settable(names_kind kind)
{
    return kind == NAMES_CATEGORY || kind == NAMES_PERIOD;
}

const char *names_kind_word(names_kind kind)
{
    return kinds[kind];
}

/* names_show with the built-in name builtin. */
static const char *show(db *d, names_kind kind, const char *code, const char *builtin,
                        char buf[NAMES_SIZE])
{
    static const char sql[] = "SELECT name FROM display_names WHERE kind = ? AND code = ?";
    db_stmt *st;

    utf8_copy(buf, NAMES_SIZE, builtin);
    if (!d || !code || !*code || !settable(kind) || !(st = db_prepare(d, sql)))
        return buf;
    db_bind_text(st, 1, kinds[kind]);
    db_bind_text(st, 2, code);
    if (db_step(st) == DB_ROW)
        db_copy_col(buf, NAMES_SIZE, st, 0);
    db_reset(st);
    return buf;
}

const char *names_show(db *d, names_kind kind, const char *code, char buf[NAMES_SIZE])
{
    return show(d, kind, code, names_builtin(kind, code), buf);
}

const char *names_show_zh(db *d, names_kind kind, const char *code, char buf[NAMES_SIZE])
{
    return show(d, kind, code, names_builtin_zh(kind, code), buf);
}

/* Checks a display name: 1 to NAMES_MAX_CHARS characters on one line. */
static cp_err name_valid(const char *name)
{
    return utf8_name_valid(_("a display name"), name, NAMES_MAX_CHARS);
}

cp_err names_set(db *d, names_kind kind, const char *code, const char *name, const char *actor)
{
    static const char set_sql[] =
        "INSERT INTO display_names(kind, code, name) VALUES (?1, ?2, ?3)"
        " ON CONFLICT(kind, code) DO UPDATE SET name = excluded.name";
    static const char clear_sql[] = "DELETE FROM display_names WHERE kind = ?1 AND code = ?2";
    char action[32];
    db_stmt *st;
    cp_err err;

    if (!settable(kind))
        return cp_fail(CP_ERR_INVALID, "only categories and meal periods take a display name");
    if (kind == NAMES_CATEGORY && (err = canteen_category_valid(code)))
        return err;
    if (kind == NAMES_PERIOD && (!*code || strlen(code) > 32))
        return cp_fail(CP_ERR_INVALID, "a period needs a name of at most 32 bytes");
    if (*name && (err = name_valid(name)))
        return err;
    if ((err = db_begin(d)))
        return err;
    if (!(st = db_prepare(d, *name ? set_sql : clear_sql))) {
        err = CP_ERR_DB;
        goto fail;
    }
    db_bind_text(st, 1, kinds[kind]);
    db_bind_text(st, 2, code);
    if (*name)
        db_bind_text(st, 3, name);
    snprintf(action, sizeof action, "%s.name", kinds[kind]);
    if ((err = db_step_done(d, st, "setting a display name")) ||
        (err = audit_append(d, actor, NULL, action, code, *name ? name : NULL)))
        goto fail;
    return db_commit(d);
fail:
    db_rollback(d);
    return err;
}

cp_err names_each(db *d, names_kind kind, void (*each)(const char *code, const char *name,
                                                       void *ctx), void *ctx)
{
    static const char category_sql[] =
        "SELECT category FROM diners UNION SELECT category FROM prices"
        " UNION SELECT category FROM category_rules"
        " UNION SELECT code FROM display_names WHERE kind = 'category' ORDER BY 1";
    static const char period_sql[] =
        "SELECT name FROM meal_periods"
        " UNION SELECT code FROM display_names WHERE kind = 'period' ORDER BY 1";
    char code[64], name[NAMES_SIZE];
    db_stmt *st;
    int rc;

    if (!settable(kind))
        return cp_fail(CP_ERR_INVALID, "only categories and meal periods take a display name");
    if (!(st = db_prepare(d, kind == NAMES_CATEGORY ? category_sql : period_sql)))
        return CP_ERR_DB;
    while ((rc = db_step(st)) == DB_ROW) {
        db_copy_col(code, sizeof code, st, 0);
        each(code, names_show(d, kind, code, name), ctx);
    }
    db_reset(st);
    return rc == DB_DONE ? CP_OK : db_fail(d, "reading display names");
}
