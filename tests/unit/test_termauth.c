/* Unit tests for core/termauth: terminal keys and the signature of a request (doc/protocol.md), against vectors from Python's hmac module. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/termauth.h"

static const char key[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char body[] = "{\"events\":[]}";
/* hmac.new(bytes(range(32)), b"L1\n1764921600\nPOST\n/v1/events\n" + body, sha256) */
static const char post_sig[] = "ddff78d8f71ea1f4421302cb0c9151a79ca069a878d9fea09a18cb9bedf91047";
/* the same over b"L1\n1764921600\nGET\n/v1/snapshot?since=3\n" */
static const char get_sig[] = "8ab715a3332cc1e00d7f3d168ff7713d69d19be7f1ad5f7a87749770d26ddcb2";

static void test_sign_vectors(void **state)
{
    char sig[TERMAUTH_HEX_LEN];

    (void)state;
    assert_int_equal(termauth_sign(key, "L1", 1764921600, "POST", "/v1/events", body,
                                   strlen(body), sig), CP_OK);
    assert_string_equal(sig, post_sig);
    assert_int_equal(termauth_sign(key, "L1", 1764921600, "GET", "/v1/snapshot?since=3", NULL, 0,
                                   sig), CP_OK);
    assert_string_equal(sig, get_sig);
}

static void test_verify(void **state)
{
    char other[] = "ddff78d8f71ea1f4421302cb0c9151a79ca069a878d9fea09a18cb9bedf91046";

    (void)state;
    assert_true(termauth_verify(key, "L1", 1764921600, "POST", "/v1/events", body, strlen(body),
                                post_sig));
    /* every part of the request is signed */
    assert_false(termauth_verify(key, "L2", 1764921600, "POST", "/v1/events", body, strlen(body),
                                 post_sig));
    assert_false(termauth_verify(key, "L1", 1764921601, "POST", "/v1/events", body, strlen(body),
                                 post_sig));
    assert_false(termauth_verify(key, "L1", 1764921600, "PUT", "/v1/events", body, strlen(body),
                                 post_sig));
    assert_false(termauth_verify(key, "L1", 1764921600, "POST", "/v1/event", body, strlen(body),
                                 post_sig));
    assert_false(termauth_verify(key, "L1", 1764921600, "POST", "/v1/events", body,
                                 strlen(body) - 1, post_sig));
    assert_false(termauth_verify(key, "L1", 1764921600, "POST", "/v1/events", body, strlen(body),
                                 other));
    /* signatures that are not 64 hex digits, keys that are not keys */
    assert_false(termauth_verify(key, "L1", 1764921600, "POST", "/v1/events", body, strlen(body),
                                 "ddff"));
    assert_false(termauth_verify(key, "L1", 1764921600, "POST", "/v1/events", body, strlen(body),
                                 NULL));
    assert_false(termauth_verify("00", "L1", 1764921600, "POST", "/v1/events", body,
                                 strlen(body), post_sig));
}

static void test_new_key(void **state)
{
    char a[TERMAUTH_HEX_LEN], b[TERMAUTH_HEX_LEN], sig[TERMAUTH_HEX_LEN];

    (void)state;
    assert_int_equal(termauth_new_key(a), CP_OK);
    assert_int_equal(termauth_new_key(b), CP_OK);
    assert_int_equal(strlen(a), 64);
    assert_true(termauth_key_valid(a));
    assert_string_not_equal(a, b);
    assert_false(termauth_key_valid("xyz"));
    assert_int_equal(termauth_sign("nothex", "L1", 1, "GET", "/", NULL, 0, sig), CP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_vectors),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_new_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
