/* Fuzz target for the keyboard reader (pos/reader_wedge.c): any key stream sorts into
 * well-formed cards and keys, and no key is lost or made up. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pos/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t fake_ms;

static int64_t fake_clock(void)
{
    return fake_ms;
}

/* Checks one event; adds the keys it stands for to *keys. */
static void check(const reader_event *ev, size_t *keys)
{
    switch (ev->type) {
    case READER_EV_CARD:
        if (strlen(ev->card) != CARDNO_LEN || strspn(ev->card, "0123456789") != CARDNO_LEN)
            abort();
        *keys += strlen(ev->raw) + 1; /* and its Enter */
        break;
    case READER_EV_INVALID:
        *keys += strlen(ev->raw) + 1;
        break;
    case READER_EV_KEY:
        (*keys)++;
        break;
    default:
        break;
    }
}

/* Input: pairs of (milliseconds since the last key, key). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader_config c;
    reader *r = NULL;
    reader_event ev;
    size_t fed = 0, seen = 0;

    reader_config_init(&c);
    if (reader_config_parse(&c, "keyboard") != CP_OK)
        abort();
    c.fd = -1;
    c.now_ms = fake_clock;
    fake_ms = 0;
    if (reader_open(&c, &r) != CP_OK)
        abort();
    for (size_t i = 0; i + 1 < size; i += 2) {
        fake_ms += data[i];
        reader_feed_key(r, data[i + 1]);
        fed++;
        while (reader_next(r, 0, &ev) == CP_OK)
            check(&ev, &seen);
    }
    fake_ms += 1000; /* the last burst is over */
    while (reader_next(r, 0, &ev) == CP_OK)
        check(&ev, &seen);
    if (seen != fed)
        abort();
    reader_close(r);
    return 0;
}
