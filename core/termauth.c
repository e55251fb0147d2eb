/* termauth: terminal keys and the HMAC-SHA256 signature of a terminal's request (doc/protocol.md), shared by the server and the terminals. */
#include "core/termauth.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* libsodium must be started once per process before randombytes_buf; it is
 * harmless (and thread-safe) to ask again. */
static cp_err start_sodium(void)
{
    if (sodium_init() < 0)
        return cp_fail(CP_ERR_IO, "libsodium could not start (no source of randomness)");
    return CP_OK;
}

cp_err termauth_new_key(char out[TERMAUTH_HEX_LEN])
{
    unsigned char key[TERMAUTH_KEY_BYTES];
    cp_err err;

    if ((err = start_sodium()))
        return err;
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(out, TERMAUTH_HEX_LEN, key, sizeof key);
    sodium_memzero(key, sizeof key);
    return CP_OK;
}

int termauth_key_valid(const char *s)
{
    return s && strlen(s) == 2 * TERMAUTH_KEY_BYTES &&
           strspn(s, "0123456789abcdefABCDEF") == 2 * TERMAUTH_KEY_BYTES;
}

/* The raw HMAC of the request into mac. */
static cp_err mac_of(const char *key_hex, const char *code, int64_t time, const char *method,
                     const char *path, const char *body, size_t len,
                     unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    unsigned char key[TERMAUTH_KEY_BYTES];
    crypto_auth_hmacsha256_state st;
    char head[64];
    int n;

    if (!termauth_key_valid(key_hex) ||
        sodium_hex2bin(key, sizeof key, key_hex, strlen(key_hex), NULL, NULL, NULL) != 0)
        return cp_fail(CP_ERR_INVALID, "a terminal key is 64 hex digits");
    crypto_auth_hmacsha256_init(&st, key, sizeof key);
    sodium_memzero(key, sizeof key);
    /* the fields are fed one by one, each ended by a newline, so that no
     * copy of the body is made */
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)code, strlen(code));
    n = snprintf(head, sizeof head, "\n%" PRId64 "\n", time);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)head, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)path, strlen(path));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    if (body && len)
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    return CP_OK;
}

cp_err termauth_sign(const char *key_hex, const char *code, int64_t time, const char *method,
                     const char *path, const char *body, size_t len,
                     char out_hex[TERMAUTH_HEX_LEN])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    cp_err err;

    if ((err = start_sodium()) ||
        (err = mac_of(key_hex, code, time, method, path, body, len, mac)))
        return err;
    sodium_bin2hex(out_hex, TERMAUTH_HEX_LEN, mac, sizeof mac);
    return CP_OK;
}

int termauth_verify(const char *key_hex, const char *code, int64_t time, const char *method,
                    const char *path, const char *body, size_t len, const char *sig_hex)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES], sig[crypto_auth_hmacsha256_BYTES];
    size_t n = 0;

    if (!sig_hex || strlen(sig_hex) != 2 * sizeof sig ||
        sodium_hex2bin(sig, sizeof sig, sig_hex, strlen(sig_hex), NULL, &n, NULL) != 0 ||
        n != sizeof sig)
        return 0;
    if (start_sodium() || mac_of(key_hex, code, time, method, path, body, len, mac))
        return 0;
    return sodium_memcmp(mac, sig, sizeof mac) == 0;
}

cp_err termauth_sign_answer(const char *key_hex, const char *request_sig_hex, long status,
                            const char *body, size_t len, char out_hex[TERMAUTH_HEX_LEN])
{
    /* the request's layout, its fields put to other use (the header says which) */
    return termauth_sign(key_hex, "answer", status, request_sig_hex ? request_sig_hex : "", "",
                         body, len, out_hex);
}

int termauth_verify_answer(const char *key_hex, const char *request_sig_hex, long status,
                           const char *body, size_t len, const char *sig_hex)
{
    return termauth_verify(key_hex, "answer", status, request_sig_hex ? request_sig_hex : "",
                           "", body, len, sig_hex);
}
