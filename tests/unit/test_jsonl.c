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

/* o as compact text, taking o. */
static char *text_of(json_t *o)
{
    char *t;

    assert_non_null(o);
    t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    assert_non_null(t);
    return t;
}

/* The POS prints and the server answers the same charge object, byte for
 * byte, the server's with its seq first (answers are compared as text). */
static void test_one_charge_answer_for_both(void **state)
{
    charge_res r = {.result = CP_OK, .sale_id = "POS1-000001", .staff_no = "S0001",
                    .name = "职工1", .department = "财务处", .period = "lunch",
                    .charged_fen = 800, .cash_fen = 800, .cash_left_fen = 9200,
                    .meals_today = 1};
    static const char body[] =
        "\"ok\":true,\"sale_id\":\"POS1-000001\",\"staff_no\":\"S0001\",\"name\":\"职工1\","
        "\"department\":\"财务处\",\"period\":\"lunch\",\"charged_fen\":800,"
        "\"subsidy_fen\":0,\"cash_fen\":800,\"cash_left_fen\":9200,\"subsidy_left_fen\":0,"
        "\"meals_today\":1,\"repeated\":false}";
    char want[512], *t;
    (void)state;

    snprintf(want, sizeof want, "{%s", body);
    assert_string_equal(t = text_of(jsonl_charge(0, &r)), want);
    free(t);
    snprintf(want, sizeof want, "{\"seq\":42,%s", body);
    assert_string_equal(t = text_of(jsonl_charge(42, &r)), want);
    free(t);
    r.result = CP_ERR_DUPLICATE_TAP;
    snprintf(r.message, sizeof r.message, "not again");
    assert_string_equal(t = text_of(jsonl_charge(0, &r)),
                        "{\"ok\":false,\"error\":\"duplicate_tap\",\"message\":\"not again\"}");
    free(t);
    assert_string_equal(t = text_of(jsonl_charge(7, &r)),
                        "{\"seq\":7,\"ok\":false,\"error\":\"duplicate_tap\","
                        "\"message\":\"not again\"}");
    free(t);
}

/* The station prints a weighing without seq or ok; the server answers
 * the same keys in the same order after "seq" and "ok". */
static void test_one_weighing_answer_for_both(void **state)
{
    waste_res r = {.id = "W1-000001", .stage = "plate", .gross_g = 400, .tare_g = 420,
                   .net_g = -20, .flags = WASTE_FLAG_NEGATIVE | WASTE_FLAG_ANONYMOUS,
                   .period = "lunch", .business_date = "2026-11-20",
                   .created_at = "2026-11-20T12:00:00", .clean_plate = 1, .rate_trays = 2,
                   .rate_pct = -1};
    static const char body[] =
        "\"id\":\"W1-000001\",\"stage\":\"plate\",\"gross_g\":400,\"tare_g\":420,"
        "\"net_g\":-20,\"flags\":[\"negative\",\"anonymous\"],\"card\":\"\",\"staff_no\":\"\","
        "\"name\":\"\",\"department\":\"\",\"department_code\":\"\",\"sale_id\":\"\","
        "\"period\":\"lunch\",\"business_date\":\"2026-11-20\",\"clean_plate\":true,"
        "\"rate_of\":\"canteen\",\"rate_clean\":0,\"rate_trays\":2,\"repeated\":false,"
        "\"category\":\"\",\"reason\":\"\",\"created_at\":\"2026-11-20T12:00:00\","
        "\"rate_pct\":null";
    char want[1024], *t;
    (void)state;

    snprintf(want, sizeof want, "{%s}", body);
    assert_string_equal(t = text_of(jsonl_weighing(0, &r)), want);
    free(t);
    snprintf(r.message, sizeof r.message, "card not registered");
    snprintf(want, sizeof want, "{\"seq\":3,\"ok\":true,%s,\"message\":\"card not registered\"}",
             body);
    assert_string_equal(t = text_of(jsonl_weighing(3, &r)), want);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_charge_answer_for_both),
        cmocka_unit_test(test_one_weighing_answer_for_both),
        cmocka_unit_test(test_strings_whatever_their_bytes),
        cmocka_unit_test(test_an_answer_that_cannot_be_made_still_gets_its_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
