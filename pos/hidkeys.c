/* hidkeys: decodes HID boot keyboard reports, as card readers type them, into card numbers. */
#include "pos/hidkeys.h"

#include <string.h>

/* Usage codes of the HID keyboard page (HID Usage Tables, section 10). */
enum {
    KEY_ERR_ROLLOVER = 0x01, /* 0x01-0x03: error reports, not keys */
    KEY_ERR_UNDEFINED = 0x03,
    KEY_A = 0x04,
    KEY_F = 0x09,
    KEY_1 = 0x1E,            /* main row: 1..9 then 0 */
    KEY_0 = 0x27,
    KEY_ENTER = 0x28,
    KEY_COMMA = 0x36,
    KEY_KP_ENTER = 0x58,
    KEY_KP_1 = 0x59,         /* keypad: 1..9 then 0 */
    KEY_KP_0 = 0x62,
};

void hidkeys_init(hidkeys *h, int gap_ms)
{
    memset(h, 0, sizeof *h);
    h->gap_ms = gap_ms > 0 ? gap_ms : HIDKEYS_DEFAULT_GAP_MS;
}

char hidkeys_char(uint8_t usage)
{
    if (usage >= KEY_1 && usage <= KEY_0)
        return usage == KEY_0 ? '0' : (char)('1' + (usage - KEY_1));
    if (usage >= KEY_KP_1 && usage <= KEY_KP_0)
        return usage == KEY_KP_0 ? '0' : (char)('1' + (usage - KEY_KP_1));
    if (usage >= KEY_A && usage <= KEY_F)
        return (char)('A' + (usage - KEY_A));
    if (usage == KEY_COMMA)
        return ',';
    return 0;
}

/* Forgets the number typed so far, counting it as dropped if there was one. */
static void drop_partial(hidkeys *h)
{
    if (h->len > 0 || h->overflow)
        h->dropped++;
    h->len = 0;
    h->overflow = 0;
    h->buf[0] = '\0';
}

/* Handles one newly pressed key; returns 1 when it finished a number into out. */
static int press(hidkeys *h, uint8_t usage, int64_t now_ms, char *out)
{
    char c;

    if ((h->len > 0 || h->overflow) && now_ms - h->last_ms > h->gap_ms)
        drop_partial(h);
    h->last_ms = now_ms;

    if (usage == KEY_ENTER || usage == KEY_KP_ENTER) {
        int done = h->len > 0 && !h->overflow;
        if (done)
            memcpy(out, h->buf, h->len + 1);
        if (h->overflow)
            h->dropped++;
        h->len = 0;
        h->overflow = 0;
        h->buf[0] = '\0';
        return done;
    }
    c = hidkeys_char(usage);
    if (!c)
        return 0;            /* other keys (Shift, Tab, letters beyond F) do not count */
    if (h->len == HIDKEYS_MAX) {
        h->overflow = 1;
        return 0;
    }
    h->buf[h->len++] = c;
    h->buf[h->len] = '\0';
    return 0;
}

int hidkeys_feed(hidkeys *h, const uint8_t *report, size_t len, int64_t now_ms,
                 char out[HIDKEYS_MAX + 1])
{
    const uint8_t *keys;
    char spare[HIDKEYS_MAX + 1];
    int done = 0;

    if (len < HIDKEYS_REPORT_LEN)
        return 0;
    keys = report + 2;
    for (int i = 0; i < 6; i++)
        if (keys[i] >= KEY_ERR_ROLLOVER && keys[i] <= KEY_ERR_UNDEFINED)
            return 0;        /* rollover or error: the previous keys are still held */

    for (int i = 0; i < 6; i++) {
        uint8_t k = keys[i];
        int seen = k == 0 || memchr(h->down, k, sizeof h->down) || memchr(keys, k, (size_t)i);
        if (seen)
            continue;
        if (press(h, k, now_ms, done ? spare : out)) {
            if (done)
                h->dropped++; /* a second number in one report: keep the first */
            done = 1;
        }
    }
    memcpy(h->down, keys, sizeof h->down);
    return done;
}
