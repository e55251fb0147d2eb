/* simframe: the frames each scale protocol sends for a reading (simulator, tests, benchmarks). */
#ifndef CP_SCALE_SIMFRAME_H
#define CP_SCALE_SIMFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "scale/proto.h"

/* Room for any frame simframe_format writes, with a NUL after it. */
#define SIMFRAME_MAX 64

/* How a simulated scale shows weights. Zeroed: kg with 3 decimals. */
typedef struct simframe_fmt {
    proto_unit unit;
    int decimals;  /* 0..4; 0 together with kg means the default 3 */
    bool checksum; /* Toledo continuous: append the checksum byte */
} simframe_fmt;

/* Writes into buf (cap >= SIMFRAME_MAX) the frame that a scale speaking ops
 * sends for r, formatted per fmt (NULL: defaults), followed by a NUL that is
 * not part of the frame. Returns the frame's length, or 0 when the protocol
 * cannot express r (e.g. a Toledo 8217 error, an Ohaus overload), the weight
 * does not fit the frame, or cap is too small. Fields the protocol does not
 * carry (MT-SICS net flag, 8217 weight while moving) are dropped. */
size_t simframe_format(const proto_ops *ops, const proto_reading *r,
                       const simframe_fmt *fmt, uint8_t *buf, size_t cap);

/* What a simulated scale must do after a byte from the host. */
typedef enum simframe_cmd {
    SIMFRAME_NONE = 0,
    SIMFRAME_POLL,  /* send a reading now (simframe_format) */
    SIMFRAME_ACK,   /* CAS: answer ENQ with ACK (0x06), then wait for DC1 */
    SIMFRAME_TARE,
    SIMFRAME_ZERO,
    SIMFRAME_CLEAR,
} simframe_cmd;

/* Host-command recogniser state for a simulated scale; zero it to start. */
typedef struct simframe_rx {
    char buf[16];
    size_t len;
} simframe_rx;

/* Feeds one byte sent by the host to a simulated scale speaking ops and says
 * what the scale must do. Unknown commands are dropped. */
simframe_cmd simframe_command(simframe_rx *rx, const proto_ops *ops, uint8_t c);

#endif
