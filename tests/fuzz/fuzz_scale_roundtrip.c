/* Fuzz target for scale/simframe against scale/proto*: every frame simframe writes parses back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scale/proto.h"
#include "scale/simframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: protocol, unit, decimals, flags, status, then 4 bytes of grams. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t unit_mg[] = { 1000000, 1000, 453592 }; /* kg, g, lb in mg */
    const proto_ops *const *all = proto_list();
    const proto_ops *ops;
    size_t nprotos = 0, len, n = 0;
    uint8_t frame[SIMFRAME_MAX];
    proto_reading in, out[4];
    simframe_fmt fmt;
    proto_opts opts;
    proto_parser p;
    int64_t res_mg, tol;
    uint32_t g;

    if (size < 9)
        return 0;
    while (all[nprotos] != NULL)
        nprotos++;
    ops = all[data[0] % nprotos];
    memset(&fmt, 0, sizeof fmt);
    fmt.unit = (proto_unit)(data[1] % 3);
    fmt.decimals = data[2] % 5;
    fmt.checksum = (data[3] & 4) != 0;
    memset(&in, 0, sizeof in);
    in.stable = (data[3] & 1) != 0;
    in.net = (data[3] & 2) != 0;
    in.status = (proto_status)(data[4] % 4);
    memcpy(&g, data + 5, 4);
    if (in.status == PROTO_OK) {
        in.has_weight = true;
        in.grams = (int32_t)g % 2000000;
    }

    len = simframe_format(ops, &in, &fmt, frame, sizeof frame);
    if (len == 0)
        return 0;
    memset(&opts, 0, sizeof opts);
    opts.unit = fmt.unit;
    opts.checksum = fmt.checksum;
    proto_init(&p, ops, &opts);
    if (proto_feed(&p, frame, len, out, 4, &n) != len || n != 1 || p.skipped != 0)
        abort();
    /* the display resolution bounds the error: half a step, plus rounding */
    if (fmt.unit == PROTO_UNIT_KG && fmt.decimals == 0)
        fmt.decimals = 3;
    res_mg = unit_mg[fmt.unit];
    for (int i = 0; i < fmt.decimals; i++)
        res_mg /= 10;
    tol = res_mg / 2000 + 1;
    if (in.status == PROTO_OK && llabs(in.grams) > PROTO_MAX_GRAMS - tol) {
        /* beyond any canteen scale (at the edge rounding decides): an
         * impossible reading, never a weight beyond PROTO_MAX_GRAMS */
        if (out[0].status != PROTO_OK && out[0].status != PROTO_IMPOSSIBLE)
            abort();
        if (llabs(in.grams) > PROTO_MAX_GRAMS + tol && out[0].has_weight)
            abort();
        return 0;
    }
    if (out[0].status != in.status)
        abort();
    if (in.status != PROTO_OK || !out[0].has_weight)
        return 0;
    if (llabs(out[0].grams - in.grams) > tol)
        abort();
    return 0;
}
