/* hash: BLAKE2b-256 (libsodium) of bytes, files and field lists, as hex. */
#ifndef CP_HASH_H
#define CP_HASH_H

#include <sodium.h>
#include <stddef.h>

#include "core/err.h"

#define HASH_HEX_LEN 65 /* 64 hex digits and a NUL */

/* The hash of len bytes at data. */
void hash_bytes(const void *data, size_t len, char out[HASH_HEX_LEN]);

/* The hash of the file at path; CP_ERR_NOT_FOUND or CP_ERR_IO when it cannot be read. */
cp_err hash_file(const char *path, char out[HASH_HEX_LEN]);

/* The hash of n fields, each followed by a unit separator; a NULL field is
 * hashed differently from an empty one. For chains of records. */
void hash_fields(const char *const *fields, size_t n, char out[HASH_HEX_LEN]);

/* A hash built up field by field, for content that comes in rows (an audited
 * event's rows, see core/audit_content.c). Each field is length-prefixed,
 * so no byte a field may contain can move the boundary between two fields;
 * a NULL field hashes differently from an empty one. */
typedef struct hash_ctx {
    crypto_generichash_state state;
} hash_ctx;

void hash_begin(hash_ctx *c);
void hash_add(hash_ctx *c, const char *field); /* field may be NULL */
void hash_end(hash_ctx *c, char out[HASH_HEX_LEN]);

#endif
