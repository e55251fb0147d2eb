/* nls: the programs' language: GNU gettext catalogs (po/), the locale, and what to do when either is missing.
 *
 * The people at the terminals read Chinese, and many machines are Debian
 * installed in English, where LANG=zh_CN.UTF-8 names a locale that was never
 * generated: setlocale() fails, the character set stays ASCII, ncursesw draws
 * every Chinese character as '?' and gettext translates nothing. The
 * catalog does not need the zh_CN locale, only a UTF-8 character set and a
 * messages locale other than plain "C" (glibc ignores LANGUAGE under "C"):
 * so Chinese is shown in C.UTF-8 (built into glibc since 2.35) with
 * LANGUAGE=zh_CN, and the program says once that it did so. */
#include "core/nls.h"

#include <fcntl.h>
#include <langinfo.h>
#include <libintl.h>
#include <limits.h>
#include <linux/kd.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int nls_on;                /* translating into Chinese */
static char *language_env;        /* LANGUAGE as the program found it */
static int language_saved;

const char *nls_text(const char *msgid)
{
    /* "" is the catalog's header in gettext, never a translation */
    return nls_on && *msgid ? dgettext(NLS_DOMAIN, msgid) : msgid;
}

const char *nls_ntext(const char *one, const char *many, unsigned long n)
{
    return nls_on ? dngettext(NLS_DOMAIN, one, many, n) : n == 1 ? one : many;
}

const char *nls_ctext(const char *ctx, const char *msgid)
{
    char key[512];
    const char *t;

    /* as gettext.h's pgettext: the context and the msgid joined by EOT */
    if (!nls_on || snprintf(key, sizeof key, "%s\004%s", ctx, msgid) >= (int)sizeof key)
        return msgid;
    t = dgettext(NLS_DOMAIN, key);
    return t == key ? msgid : t;
}

int nls_chinese(void)
{
    return nls_on;
}

nls_outcome nls_decide(const nls_facts *f)
{
    int zh = f->language ? strcmp(f->language, "zh_CN") == 0 : f->env_chinese;

    if (!zh)
        return NLS_ENGLISH;
    if (f->linux_console)
        return NLS_ENGLISH_CONSOLE;
    if (!f->catalog)
        return NLS_ENGLISH_NO_CATALOG;
    if (f->utf8)
        return NLS_CHINESE;
    return f->utf8_fallback ? NLS_CHINESE_FALLBACK : NLS_ENGLISH_NO_UTF8;
}

void nls_locale_dir(char *buf, size_t size)
{
    const char *env = getenv("CLEANPLATE_LOCALEDIR");
    char exe[PATH_MAX], *slash;
    struct stat st;
    ssize_t n;

    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !(exe[n] = '\0', slash = strrchr(exe, '/'))) {
        snprintf(buf, size, "%s", "/usr/local/share/locale");
        return;
    }
    *slash = '\0';
    /* the build tree first: `make` puts the catalogs in build/locale */
    snprintf(buf, size, "%s/locale", exe);
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
        return;
    /* installed: PREFIX/bin/program finds PREFIX/share/locale, whatever PREFIX was */
    snprintf(buf, size, "%s/../share/locale", exe);
}

/* The first of LC_ALL, then category's variable, then LANG that is set. */
static const char *env_locale(const char *category)
{
    const char *names[] = {"LC_ALL", category, "LANG"};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v && *v)
            return v;
    }
    return "C";
}

/* Whether the environment asks for Chinese messages, as glibc reads it:
 * LANGUAGE first, except under the plain C locale, which ignores it. */
static int env_chinese(void)
{
    const char *msgs = env_locale("LC_MESSAGES");

    if (strcmp(msgs, "C") == 0 || strcmp(msgs, "POSIX") == 0)
        return 0;
    if (language_env && *language_env)
        return strncmp(language_env, "zh", 2) == 0;
    return strncmp(msgs, "zh", 2) == 0;
}

/* A locale with a UTF-8 character set that glibc has, or NULL. LC_CTYPE is
 * left as the environment sets it. */
static const char *find_utf8_locale(void)
{
    static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8", NULL};
    const char *found = NULL;

    for (int i = 0; names[i] && !found; i++)
        if (setlocale(LC_CTYPE, names[i]))
            found = names[i];
    setlocale(LC_CTYPE, "");
    return found;
}

/* True when the controlling terminal is a Linux virtual console (the kernel
 * answers KDGETMODE only there): it draws no Chinese, whatever the locale. A
 * framebuffer terminal (fbterm, kmscon) or a terminal window is a pty. */
static int on_linux_console(void)
{
    int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC), mode = 0, rc;

    if (fd < 0)
        return 0;
    rc = ioctl(fd, KDGETMODE, &mode);
    close(fd);
    return rc == 0;
}

/* The environment's character set is UTF-8 in name ("zh_CN.UTF-8"), whether
 * or not that locale is installed. */
static int env_wants_utf8(void)
{
    const char *ct = env_locale("LC_CTYPE");
    return strstr(ct, "UTF-8") || strstr(ct, "utf8") || strstr(ct, "UTF8") || strstr(ct, "utf-8");
}

/* Turns the catalog on: gettext looks for LANGUAGE's zh_CN under dir, in a
 * messages locale that is not "C", and hands out UTF-8 (the programs write
 * UTF-8 whatever the locale: names come from the database as UTF-8). */
static void catalog_on(const char *dir)
{
    char ctype[128];
    const char *m;

    setenv("LANGUAGE", "zh_CN", 1);
    m = setlocale(LC_MESSAGES, "");
    if (!m || strcmp(m, "C") == 0 || strcmp(m, "POSIX") == 0) {
        snprintf(ctype, sizeof ctype, "%s", setlocale(LC_CTYPE, NULL));
        setlocale(LC_MESSAGES, ctype);
    }
    bindtextdomain(NLS_DOMAIN, dir);
    bind_textdomain_codeset(NLS_DOMAIN, "UTF-8");
    nls_on = 1;
}

/* Works out and sets the language; says what it did on stderr unless quiet. */
static cp_err apply(const char *program, const char *language, nls_screen screen, int quiet)
{
    char dir[PATH_MAX], mo[PATH_MAX + 64], asked[128];
    nls_facts f = {0};
    const char *fallback, *ct;

    if (!language_saved) {
        const char *l = getenv("LANGUAGE");
        language_env = l ? strdup(l) : NULL;
        language_saved = 1;
    }
    if (language && !*language)
        language = NULL;
    if (language && strcmp(language, "zh_CN") != 0 && strcmp(language, "en") != 0)
        return cp_fail(CP_ERR_INVALID, "language '%s': use zh_CN (Chinese) or en (English)",
                       language);
    /* start again from the environment: a config file may change its mind */
    nls_on = 0;
    if (language_env)
        setenv("LANGUAGE", language_env, 1);
    else
        unsetenv("LANGUAGE");
    ct = setlocale(LC_CTYPE, "");
    setlocale(LC_MESSAGES, "");
    snprintf(asked, sizeof asked, "%s", env_locale("LC_CTYPE"));
    nls_locale_dir(dir, sizeof dir);
    snprintf(mo, sizeof mo, "%s/zh_CN/LC_MESSAGES/%s.mo", dir, NLS_DOMAIN);
    f.language = language;
    f.env_chinese = env_chinese();
    f.utf8 = ct && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    fallback = f.utf8 ? NULL : find_utf8_locale();
    f.utf8_fallback = fallback != NULL;
    f.linux_console = screen == NLS_SCREEN && on_linux_console();
    f.catalog = access(mo, R_OK) == 0;

    switch (nls_decide(&f)) {
    case NLS_ENGLISH:
        /* names are still drawn when the environment asked for UTF-8 */
        if (!f.utf8 && fallback && env_wants_utf8()) {
            setlocale(LC_CTYPE, fallback);
            if (!quiet)
                fprintf(stderr, _("%s: the locale %s is not installed here: using %s for the "
                                  "characters (install it with dpkg-reconfigure locales)\n"),
                        program, asked, fallback);
        }
        break;
    case NLS_CHINESE:
        catalog_on(dir);
        break;
    case NLS_CHINESE_FALLBACK:
        setlocale(LC_CTYPE, fallback);
        catalog_on(dir);
        if (!quiet)
            fprintf(stderr, _("%s: the locale %s cannot show Chinese here (not installed, or "
                              "not UTF-8): showing Chinese with %s (install zh_CN.UTF-8 with "
                              "dpkg-reconfigure locales)\n"),
                    program, asked, fallback);
        break;
    case NLS_ENGLISH_CONSOLE:
        if (!quiet)
            fprintf(stderr, _("%s: this Linux text console has no Chinese characters: showing "
                              "English (for Chinese run it in fbterm or kmscon, see the README)\n"),
                    program);
        break;
    case NLS_ENGLISH_NO_UTF8:
        if (!quiet)
            fprintf(stderr, _("%s: no UTF-8 locale is installed (not even C.UTF-8), so Chinese "
                              "cannot be shown: showing English\n"), program);
        break;
    case NLS_ENGLISH_NO_CATALOG:
        if (!quiet)
            fprintf(stderr, _("%s: no Chinese catalog at %s: showing English (`make` builds it, "
                              "`make install` installs it)\n"), program, mo);
        break;
    }
    return CP_OK;
}

void nls_start(void)
{
    apply("", NULL, NLS_NO_SCREEN, 1);
}

cp_err nls_use(const char *program, const char *language, nls_screen screen)
{
    return apply(program, language, screen, 0);
}
