/* ids: event ids unique across terminals (terminal code + sequence, or random). */
#include "core/ids.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

void ids_random(char out[IDS_LEN])
{
    unsigned char bin[16];

    if (sodium_init() < 0)
        abort(); /* cannot happen after libsodium is installed; no ids without entropy */
    randombytes_buf(bin, sizeof bin);
    sodium_bin2hex(out, IDS_LEN, bin, sizeof bin);
}

db_stmt *ids_next_stmt(db *d, const char *terminal)
{
    static const char sql[] =
        "UPDATE terminals SET next_seq = next_seq + 1 WHERE code = ? RETURNING next_seq - 1";
    db_stmt *st = db_prepare(d, sql);

    if (st)
        db_bind_text(st, 1, terminal);
    return st;
}

cp_err ids_take(db *d, db_stmt *st, const char *terminal, char out[IDS_LEN])
{
    int64_t seq;
    cp_err err = db_step_int64(d, st, &seq);

    if (err == CP_ERR_NOT_FOUND)
        return cp_fail(err, "no terminal '%s': add it with `cleanplate-office terminal add`",
                       terminal);
    if (err)
        return err;
    snprintf(out, IDS_LEN, "%s-%06lld", terminal, (long long)seq);
    return CP_OK;
}

cp_err ids_next(db *d, const char *terminal, char out[IDS_LEN])
{
    db_stmt *st = ids_next_stmt(d, terminal);

    return st ? ids_take(d, st, terminal, out) : CP_ERR_DB;
}

cp_err ids_give_back(db *d, const char *terminal)
{
    static const char sql[] = "UPDATE terminals SET next_seq = next_seq - 1 WHERE code = ?";
    db_stmt *st = db_prepare(d, sql);

    if (!st)
        return CP_ERR_DB;
    db_bind_text(st, 1, terminal);
    return db_step_later(d, st, "giving back a sale's number");
}

cp_err ids_event(db *d, const char *terminal, char out[IDS_LEN])
{
    if (terminal)
        return ids_next(d, terminal, out);
    ids_random(out);
    return CP_OK;
}
