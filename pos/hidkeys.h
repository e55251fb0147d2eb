/* hidkeys: decodes HID boot keyboard reports, as card readers type them, into card numbers. */
#ifndef CP_HIDKEYS_H
#define CP_HIDKEYS_H

#include <stddef.h>
#include <stdint.h>

/* Longest number kept; a longer burst is dropped when its Enter arrives. */
#define HIDKEYS_MAX 32
/* Size of a boot keyboard report: modifiers, reserved, six key codes. */
#define HIDKEYS_REPORT_LEN 8
/* A partial number is dropped when no key came for this long (readers type
 * a key every 10-30 ms; a person pressing keys on a keyboard is far slower). */
#define HIDKEYS_DEFAULT_GAP_MS 150

typedef struct hidkeys {
    int gap_ms;                 /* drop a partial number after this silence */
    uint8_t down[6];            /* keys held in the previous report */
    char buf[HIDKEYS_MAX + 1];  /* the number typed so far */
    size_t len;
    int overflow;               /* more than HIDKEYS_MAX characters since the last Enter */
    int64_t last_ms;            /* time of the last key press */
    unsigned long dropped;      /* partial or overlong numbers thrown away */
} hidkeys;

/* Starts a decoder; gap_ms <= 0 means HIDKEYS_DEFAULT_GAP_MS. */
void hidkeys_init(hidkeys *h, int gap_ms);

/* Feeds one report received at now_ms (any monotonic clock in milliseconds).
 * A key counts once, when it appears in a report and was not in the previous
 * one. Digits (main row and keypad), A-F (hex readers) and ',' (W26 readers)
 * are collected; Enter or keypad Enter ends the number. Reports shorter than
 * HIDKEYS_REPORT_LEN and keyboard error reports (0x01-0x03 in a key slot) are
 * ignored. Returns 1 and copies the finished number into out (the caller's
 * buffer) when this report ended one, else 0. */
int hidkeys_feed(hidkeys *h, const uint8_t *report, size_t len, int64_t now_ms,
                 char out[HIDKEYS_MAX + 1]);

/* The character a boot keyboard usage code types for a card number, or 0. */
char hidkeys_char(uint8_t usage);

#endif
