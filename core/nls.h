/* nls: the programs' language: GNU gettext catalogs (po/), the locale, and what to do when either is missing. */
#ifndef CP_NLS_H
#define CP_NLS_H

#include <stddef.h>

#include "core/err.h"

/* The text domain of the three programs and of core (one catalog,
 * po/zh_CN.po, installed as LOCALEDIR/zh_CN/LC_MESSAGES/cleanplate.mo). */
#define NLS_DOMAIN "cleanplate"

/* Marks text to translate where it is made. _() translates now (English
 * until nls_use() turned Chinese on); N_() only marks a string in a static
 * table, which is translated with _() where it is used; P_() picks the
 * plural form for n; C_() translates with a context, for a msgid that means
 * different things in different places (the money format "%s"), and NC_()
 * marks one for C_() in a static table. cp_fail,
 * refuse, say, db_fail and db_step_done translate their format themselves:
 * they are xgettext keywords (po/extract.sh), so their callers stay as they are. */
#define _(s) nls_text(s)
#define N_(s) s
#define P_(one, many, n) nls_ntext(one, many, n)
#define C_(ctx, s) nls_ctext(ctx, s)
/* Marks s in a static table to translate later with C_(ctx, s). */
#define NC_(ctx, s) s

const char *nls_text(const char *msgid) __attribute__((format_arg(1)));
const char *nls_ntext(const char *one, const char *many, unsigned long n)
    __attribute__((format_arg(1), format_arg(2)));
const char *nls_ctext(const char *ctx, const char *msgid) __attribute__((format_arg(2)));

/* Sets the locale from the environment (LC_CTYPE and LC_MESSAGES only, so
 * that numbers in JSON and CSV never change) and turns Chinese on when the
 * environment asks for it (LANG, LC_ALL, LC_MESSAGES, LANGUAGE), silently:
 * the first thing main() does, so that --help and the errors about the
 * command line are already in the user's language. */
void nls_start(void);

/* What the program's screen is on, for nls_use(). */
typedef enum nls_screen {
    NLS_NO_SCREEN,     /* the office, --headless: text lines */
    NLS_SCREEN,        /* full screen on the controlling terminal */
} nls_screen;

/* Settles the language: language is "zh_CN" or "en" (a config file's
 * [terminal] language, or --language), or NULL to follow the environment.
 * Chinese needs a UTF-8 character set and the catalog: when the zh_CN locale
 * is not generated it falls back to C.UTF-8 and still uses the catalog; when
 * the catalog is missing it stays English; a full screen on a Linux text
 * console (which has no Chinese glyphs) is English. What it did is said once
 * on stderr, prefixed with program. Another language is CP_ERR_INVALID. */
cp_err nls_use(const char *program, const char *language, nls_screen screen);

/* True when text is being translated into Chinese. */
int nls_chinese(void);

/* The facts nls_use() decides on, apart so that the decision can be tested. */
typedef struct nls_facts {
    const char *language;   /* "zh_CN", "en" or NULL: follow the environment */
    int env_chinese;        /* the environment asks for Chinese */
    int linux_console;      /* a full screen on a Linux VT (no CJK glyphs) */
    int utf8;               /* the locale's character set is UTF-8 */
    int utf8_fallback;      /* a UTF-8 locale (C.UTF-8) can be set instead */
    int catalog;            /* the zh_CN catalog was found */
} nls_facts;

typedef enum nls_outcome {
    NLS_ENGLISH,            /* English asked for (or nothing asked) */
    NLS_CHINESE,            /* Chinese in the locale as it is */
    NLS_CHINESE_FALLBACK,   /* Chinese with the catalog in a fallback UTF-8 locale */
    NLS_ENGLISH_CONSOLE,    /* Chinese asked for on a console that cannot draw it */
    NLS_ENGLISH_NO_UTF8,    /* Chinese asked for, and no UTF-8 locale at all */
    NLS_ENGLISH_NO_CATALOG, /* Chinese asked for, and its catalog is missing */
} nls_outcome;

/* What nls_use() does given f. */
nls_outcome nls_decide(const nls_facts *f);

/* The folder of the catalogs: $CLEANPLATE_LOCALEDIR, else locale/ beside the
 * program (the build tree: build/locale), else ../share/locale from the
 * program's folder (PREFIX/share/locale when installed). */
void nls_locale_dir(char *buf, size_t size);

#endif
