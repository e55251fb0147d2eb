/* hash: BLAKE2b-256 (libsodium) of bytes, files and field lists, as hex. */
#include "core/hash.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BYTES 32

/* libsodium asks for sodium_init() before use; it is cheap after the first call. */
static void start(crypto_generichash_state *h)
{
    if (sodium_init() < 0)
        abort(); /* only when the system has no entropy source at all */
    crypto_generichash_init(h, NULL, 0, HASH_BYTES);
}

static void finish(crypto_generichash_state *h, char out[HASH_HEX_LEN])
{
    unsigned char bin[HASH_BYTES];
    crypto_generichash_final(h, bin, sizeof bin);
    sodium_bin2hex(out, HASH_HEX_LEN, bin, sizeof bin);
}

void hash_bytes(const void *data, size_t len, char out[HASH_HEX_LEN])
{
    crypto_generichash_state h;
    start(&h);
    crypto_generichash_update(&h, data, len);
    finish(&h, out);
}

cp_err hash_file(const char *path, char out[HASH_HEX_LEN])
{
    crypto_generichash_state h;
    unsigned char buf[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    int failed;

    if (!f)
        return cp_fail(errno == ENOENT ? CP_ERR_NOT_FOUND : CP_ERR_IO, "cannot read %s: %s",
                       path, strerror(errno));
    start(&h);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        crypto_generichash_update(&h, buf, n);
    failed = ferror(f);
    fclose(f);
    if (failed)
        return cp_fail(CP_ERR_IO, "error reading %s", path);
    finish(&h, out);
    return CP_OK;
}

void hash_fields(const char *const *fields, size_t n, char out[HASH_HEX_LEN])
{
    static const unsigned char sep = 0x1f, null_mark = 0x00;
    crypto_generichash_state h;

    start(&h);
    for (size_t i = 0; i < n; i++) {
        if (fields[i])
            crypto_generichash_update(&h, (const unsigned char *)fields[i], strlen(fields[i]));
        else
            crypto_generichash_update(&h, &null_mark, 1);
        crypto_generichash_update(&h, &sep, 1);
    }
    finish(&h, out);
}

void hash_begin(hash_ctx *c)
{
    start(&c->state);
}

void hash_add(hash_ctx *c, const char *field)
{
    /* 8-byte little-endian length, all ones for NULL, then the bytes */
    uint64_t len = field ? (uint64_t)strlen(field) : UINT64_MAX;
    unsigned char prefix[8];

    for (int i = 0; i < 8; i++)
        prefix[i] = (unsigned char)(len >> (8 * i));
    crypto_generichash_update(&c->state, prefix, sizeof prefix);
    if (field)
        crypto_generichash_update(&c->state, (const unsigned char *)field, (size_t)len);
}

void hash_end(hash_ctx *c, char out[HASH_HEX_LEN])
{
    finish(&c->state, out);
}
