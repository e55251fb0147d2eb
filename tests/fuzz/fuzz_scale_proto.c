/* Fuzz target for scale/proto*: any bytes, any protocol; whole and byte-wise feeds must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scale/proto.h"
#include "scale/stable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXR 256

/* Input: byte 0 picks the protocol, byte 1 the options, the rest is what
 * the scale sent. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static proto_reading whole[MAXR], bytes[MAXR];
    const proto_ops *const *all = proto_list();
    size_t nprotos = 0, nwhole = 0, nbytes = 0, used;
    proto_parser a, b;
    proto_opts opts;
    stable st;

    if (size < 2)
        return 0;
    while (all[nprotos] != NULL)
        nprotos++;
    memset(&opts, 0, sizeof opts);
    opts.unit = (proto_unit)(data[1] % 3);
    opts.checksum = (data[1] & 4) != 0;

    proto_init(&a, all[data[0] % nprotos], &opts);
    proto_init(&b, all[data[0] % nprotos], &opts);
    data += 2;
    size -= 2;

    /* in chunks that may fill the output, as a transport would */
    for (size_t off = 0; off < size; off += used) {
        size_t n = 0, cap = 1 + (size_t)(data[off] % 4);
        if (cap > MAXR - nwhole)
            cap = MAXR - nwhole; /* the room left in whole[] */
        used = proto_feed(&a, data + off, size - off, whole + nwhole, cap, &n);
        nwhole += n;
        if (nwhole >= MAXR)
            break;
    }
    for (size_t i = 0; i < size && nbytes < nwhole; i++) {
        if (proto_push(&b, data[i], &bytes[nbytes]))
            nbytes++;
        (void)proto_take_reply(&b);
    }
    if (nbytes != nwhole || memcmp(whole, bytes, nwhole * sizeof whole[0]) != 0)
        abort();

    stable_init(&st, NULL);
    for (size_t i = 0; i < nwhole; i++) {
        const proto_reading *r = &whole[i];
        stable_event ev;
        if ((unsigned)r->status > PROTO_IMPOSSIBLE)
            abort();
        if (!r->has_weight && r->grams != 0)
            abort();
        /* no frame, however it overflows, gives a weight no canteen scale shows */
        if (r->grams > PROTO_MAX_GRAMS || r->grams < -PROTO_MAX_GRAMS)
            abort();
        if (r->has_weight && r->status != PROTO_OK)
            abort();
        if (r->moving && r->stable)
            abort();
        (void)stable_push(&st, r, (int64_t)i * 100, &ev);
    }
    return 0;
}
