/* Unit tests for core/jsonl: every answer is one line of valid JSON, whatever the bytes of its strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonl.h"

/* What jsonl_emit wrote for o: exactly one line, parsed back. */
static json_t *emitted(json_t *o)
{
    char line[1024], more[8];
    json_error_t jerr;
    json_t *back;
    FILE *f = tmpfile();

    assert_non_null(f);
    jsonl_emit(f, o);
    rewind(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_null(fgets(more, sizeof more, f));
    fclose(f);
    assert_int_equal(line[strlen(line) - 1], '\n');
    back = json_loads(line, 0, &jerr);
    if (!back)
        fail_msg("not JSON: %s (%s)", line, jerr.text);
    return back;
}

static void test_strings_whatever_their_bytes(void **state)
{
    static const char *const texts[] = {
        "张伟", "", "张\xe4\xbc", "\xff\xfe", "a\xc0\x80z", "𠜎\xf0\x9f", "مُحَمَّد",
    };
    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *s = jsonl_str(texts[i]), *back;
        assert_non_null(s);
        back = emitted(json_pack("{s:b, s:o}", "ok", 1, "name", s));
        assert_non_null(back);
        if (i < 2 || i == 6)
            assert_string_equal(json_string_value(json_object_get(back, "name")), texts[i]);
        json_decref(back);
    }
    /* a name cut inside its last character keeps what was whole */
    {
        json_t *back = emitted(json_pack("{s:o}", "name", jsonl_str("张伟\xe6\x9d")));
        assert_memory_equal(json_string_value(json_object_get(back, "name")), "张伟", 6);
        json_decref(back);
    }
    {
        json_t *s = jsonl_str(NULL);
        assert_string_equal(json_string_value(s), "");
        json_decref(s);
    }
}

static void test_an_answer_that_cannot_be_made_still_gets_its_line(void **state)
{
    json_t *back;
    (void)state;
    /* json_pack refuses invalid UTF-8: the old code then printed a blank line */
    back = emitted(json_pack("{s:s}", "name", "张\xe4\xbc"));
    assert_false(json_is_true(json_object_get(back, "ok")));
    assert_string_equal(json_string_value(json_object_get(back, "error")), "nomem");
    json_decref(back);
    back = emitted(NULL);
    assert_non_null(json_object_get(back, "message"));
    json_decref(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_whatever_their_bytes),
        cmocka_unit_test(test_an_answer_that_cannot_be_made_still_gets_its_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
