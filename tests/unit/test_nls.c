/* Unit tests for core/nls: the language decision, Chinese with and without the zh_CN locale, a missing catalog, and the forms of money and dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/money.h"
#include "core/nls.h"
#include "tests/unit/helpers/fixture.h"

/* The environment as a shell would give it; NULL unsets. */
static void env(const char *lang, const char *language)
{
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LC_CTYPE");
    if (lang)
        setenv("LANG", lang, 1);
    else
        unsetenv("LANG");
    if (language)
        setenv("LANGUAGE", language, 1);
    else
        unsetenv("LANGUAGE");
}

static void test_decide(void **state)
{
    nls_facts f = {.env_chinese = 1, .utf8 = 1, .utf8_fallback = 1, .catalog = 1};

    (void)state;
    assert_int_equal(nls_decide(&f), NLS_CHINESE);
    f.language = "en";
    assert_int_equal(nls_decide(&f), NLS_ENGLISH);
    f.language = "zh_CN";
    f.env_chinese = 0;
    assert_int_equal(nls_decide(&f), NLS_CHINESE);
    /* the zh_CN locale not generated: C.UTF-8 and the catalog */
    f.utf8 = 0;
    assert_int_equal(nls_decide(&f), NLS_CHINESE_FALLBACK);
    f.utf8_fallback = 0;
    assert_int_equal(nls_decide(&f), NLS_ENGLISH_NO_UTF8);
    f.utf8_fallback = 1;
    f.catalog = 0;
    assert_int_equal(nls_decide(&f), NLS_ENGLISH_NO_CATALOG);
    f.catalog = 1;
    /* the Linux text console has no Chinese glyphs, whatever else holds */
    f.linux_console = 1;
    assert_int_equal(nls_decide(&f), NLS_ENGLISH_CONSOLE);
    f.language = NULL;
    f.env_chinese = 0;
    assert_int_equal(nls_decide(&f), NLS_ENGLISH);
}

/* LANG=zh_CN.UTF-8 on a machine without that locale (this one has only C,
 * C.UTF-8 and POSIX, as a Debian installed in English): Chinese anyway, in a
 * UTF-8 character set, with the catalog. */
static void test_chinese_without_the_locale(void **state)
{
    char money[MONEY_SHOW_LEN], when[CLOCK_SHOW_LEN];
    cp_time t = {2026, 11, 20, 12, 0, 5};

    (void)state;
    env("zh_CN.UTF-8", NULL);
    assert_int_equal(fixture_language(NULL), CP_OK);
    assert_true(nls_chinese());
    assert_string_equal(nl_langinfo(CODESET), "UTF-8");
    assert_string_equal(_("Tap a card"), "请刷卡");
    assert_string_equal(C_("period", "lunch"), "午餐");
    assert_string_equal(P_("%d line dropped, nothing charged", "%d lines dropped, nothing charged",
                           3), "已放弃 %d 行，未扣款");
    assert_string_equal(money_show(800, money), "¥8.00");
    clock_show(&t, when);
    assert_string_equal(when, "2026年11月20日 12:00");
    assert_string_equal(clock_show_iso("2026-01-05T07:30:00", when), "2026年1月5日 07:30");
    /* cp_fail words its detail in the language of the moment */
    cp_fail(CP_ERR_INVALID, "no sale '%s'", "POS1-000009");
    assert_string_equal(cp_detail(), "没有消费 'POS1-000009'");
    assert_string_equal(cp_strerror(CP_ERR_CARD_BLOCKED), "卡已停用");
    /* codes never change */
    assert_string_equal(cp_errname(CP_ERR_CARD_BLOCKED), "card_blocked");
}

static void test_english(void **state)
{
    char money[MONEY_SHOW_LEN], when[CLOCK_SHOW_LEN];
    cp_time t = {2026, 11, 20, 12, 0, 5};

    (void)state;
    env("C", NULL);
    assert_int_equal(fixture_language(NULL), CP_OK);
    assert_false(nls_chinese());
    assert_string_equal(_("Tap a card"), "Tap a card");
    assert_string_equal(money_show(800, money), "8.00");
    clock_show(&t, when);
    assert_string_equal(when, "2026-11-20 12:00");
    /* glibc ignores LANGUAGE under the plain C locale; so do we */
    env("C", "zh_CN");
    assert_int_equal(fixture_language(NULL), CP_OK);
    assert_false(nls_chinese());
    /* [terminal] language = en wins over a Chinese environment */
    env("zh_CN.UTF-8", NULL);
    assert_int_equal(fixture_language("en"), CP_OK);
    assert_false(nls_chinese());
    assert_string_equal(_("Tap a card"), "Tap a card");
    /* and language = zh_CN over LANG=C, in a UTF-8 character set */
    env("C", NULL);
    assert_int_equal(fixture_language("zh_CN"), CP_OK);
    assert_true(nls_chinese());
    assert_string_equal(nl_langinfo(CODESET), "UTF-8");
    assert_string_equal(_("Tap a card"), "请刷卡");
}

/* No catalog where the programs look: English, never blank text. */
static void test_missing_catalog(void **state)
{
    (void)state;
    env("zh_CN.UTF-8", NULL);
    setenv("CLEANPLATE_LOCALEDIR", "/nonexistent/locale", 1);
    assert_int_equal(nls_use("test", "zh_CN", NLS_NO_SCREEN), CP_OK);
    assert_false(nls_chinese());
    assert_string_equal(_("Tap a card"), "Tap a card");
    assert_string_equal(cp_strerror(CP_ERR_CARD_BLOCKED), "card is blocked");
    unsetenv("CLEANPLATE_LOCALEDIR");
}

static void test_bad_language(void **state)
{
    (void)state;
    assert_int_equal(nls_use("test", "fr", NLS_NO_SCREEN), CP_ERR_INVALID);
    assert_non_null(strstr(cp_detail(), "zh_CN"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_chinese_without_the_locale),
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_missing_catalog),
        cmocka_unit_test(test_bad_language),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
