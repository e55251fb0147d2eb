/* termauth: terminal keys and the HMAC-SHA256 signature of a terminal's request (doc/protocol.md), shared by the server and the terminals. */
#ifndef CP_TERMAUTH_H
#define CP_TERMAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TERMAUTH_KEY_BYTES 32
#define TERMAUTH_HEX_LEN 65 /* 64 hex digits and the NUL, for a key and a signature */
/* The most a request's time may differ from the server's clock, in seconds. */
#define TERMAUTH_MAX_SKEW_S 300

/* A new random key (libsodium randombytes_buf) as 64 lowercase hex digits. */
cp_err termauth_new_key(char out[TERMAUTH_HEX_LEN]);

/* Whether s is a key: exactly 64 hex digits. */
int termauth_key_valid(const char *s);

/* The signature of a request, as 64 lowercase hex digits: HMAC-SHA256 with
 * the key key_hex over CODE "\n" TIME "\n" METHOD "\n" PATH "\n" BODY (path
 * with its query string, body the exact bytes sent, len of them; NULL/0 for
 * none). CP_ERR_INVALID when key_hex is not a key. */
cp_err termauth_sign(const char *key_hex, const char *code, int64_t time, const char *method,
                     const char *path, const char *body, size_t len,
                     char out_hex[TERMAUTH_HEX_LEN]);

/* The signature of the server's answer to a request: HMAC-SHA256 with the
 * terminal's key over "answer" "\n" STATUS "\n" REQUEST_SIGNATURE "\n" "\n"
 * BODY (request_sig_hex the request's X-CleanPlate-Signature, status the
 * HTTP status, body the answer's exact bytes). Bound to the request, so an
 * answer seen on the wire cannot be given to another; and no request is
 * signed so, a terminal's code never being "answer". Without it, whoever
 * answers on the server's address could tell a terminal its queued events
 * were delivered. */
cp_err termauth_sign_answer(const char *key_hex, const char *request_sig_hex, long status,
                            const char *body, size_t len, char out_hex[TERMAUTH_HEX_LEN]);
int termauth_verify_answer(const char *key_hex, const char *request_sig_hex, long status,
                           const char *body, size_t len, const char *sig_hex);

/* Whether sig_hex is the signature of that request under key_hex: 1 yes,
 * 0 no (also when sig_hex is not 64 hex digits). The comparison takes the
 * same time wherever the first difference is (sodium_memcmp). */
int termauth_verify(const char *key_hex, const char *code, int64_t time, const char *method,
                    const char *path, const char *body, size_t len, const char *sig_hex);

#endif
