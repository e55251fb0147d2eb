/* reader: card readers behind one ops table (USB HID via libusb, keyboard wedge, stdin, fake). */
#ifndef CP_READER_H
#define CP_READER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/cardno.h"
#include "core/err.h"
#include "pos/hidkeys.h"

/* Use (one thread per reader):
 *
 *     reader *r;
 *     if (reader_open_spec("usb:ffff:0035", "dec10", 0, &r) != CP_OK)
 *         fail with cp_detail();
 *     for (;;) {
 *         reader_event ev;
 *         cp_err err = reader_next(r, 1000, &ev);   (or poll on reader_pollfds())
 *         if (err == CP_ERR_TIMEOUT) continue;      (redraw the clock)
 *         if (err) break;                           (stdin ended, or I/O error)
 *         CARD: charge ev.card; INVALID: show ev.text; STATUS: show ev.text;
 *         KEY: a key the cashier typed (keyboard reader only)
 *     }
 *     reader_close(r);
 */

#define READER_MAX_IDS 8          /* VID:PID pairs in one usb spec */
#define READER_RAW_MAX HIDKEYS_MAX /* longest raw card number kept */
#define READER_DEFAULT_BURST_MS 50 /* keyboard: a reader types keys closer than this */
#define READER_DEFAULT_MIN_LEN 4   /* keyboard: a shorter burst is a person's keys */
#define READER_QUEUE_LEN 64        /* events read but not yet taken */
/* ncurses' KEY_ENTER, accepted as Enter by reader_feed_key() (no curses.h here). */
#define READER_KEY_ENTER 0527
/* The udev rules file that lets the logged-in cashier open USB readers. */
#define READER_UDEV_RULES "70-cleanplate-readers.rules"

typedef struct reader reader;
struct reader_ops;

typedef struct reader_usb_id {
    uint16_t vid, pid;
} reader_usb_id;

/* What to open. reader_config_init() fills defaults; reader_config_parse()
 * reads a --reader spec into it; the rest may be set by the caller. */
typedef struct reader_config {
    const struct reader_ops *ops;   /* backend */
    reader_usb_id ids[READER_MAX_IDS]; /* usb: devices to use; none = any HID boot keyboard */
    size_t n_ids;
    cardno_format format;           /* how the reader writes numbers (see core/cardno.h) */
    int gap_ms;                     /* usb: a partial number is dropped after this silence */
    int burst_ms;                   /* keyboard: keys closer than this are a reader typing */
    int min_len;                    /* keyboard: shortest burst taken as a card */
    int fd;                         /* stdin, keyboard: what to read (default 0); keyboard
                                     * with -1: keys are passed in with reader_feed_key() */
    char script[256];               /* fake: comma-separated entries (see reader_fake.c) */
    int64_t (*now_ms)(void);        /* clock in ms; NULL = CLOCK_MONOTONIC (tests pass a fake) */
} reader_config;

typedef enum reader_event_type {
    READER_EV_CARD = 1, /* a card: .card (normalised) and .raw (as the reader sent it) */
    READER_EV_INVALID,  /* something that is no card number in the configured format:
                         * .raw, and .text saying why */
    READER_EV_KEY,      /* keyboard: a key a person typed, in .key (byte or curses code) */
    READER_EV_STATUS,   /* connected or not changed: .connected, and .text for people */
} reader_event_type;

typedef struct reader_event {
    reader_event_type type;
    int64_t at_ms;                  /* when its last key or line arrived (reader's clock) */
    char card[CARDNO_LEN + 1];
    char raw[READER_RAW_MAX + 1];
    int key;
    int connected;
    int cut;                        /* INVALID: the line was longer than raw holds, so raw is
                                     * only its start: no card and no command */
    char text[256];
} reader_event;

/* Fills c with the defaults: stdin backend on fd 0, format auto, default gaps. */
void reader_config_init(reader_config *c);

/* Reads a reader spec into c: "usb", "usb:VID:PID[,VID:PID...]" (hex),
 * "keyboard", "stdin", "fake" or "fake:ENTRY[,ENTRY...]". Other fields of c
 * are left alone. CP_ERR_INVALID with a detail when the spec is wrong. */
cp_err reader_config_parse(reader_config *c, const char *spec);

/* Opens a reader as configured; *out is the caller's, freed with reader_close().
 * A USB reader that is absent or not permitted still opens: reader_status()
 * then says why, and it connects by itself once it can. */
cp_err reader_open(const reader_config *c, reader **out);

/* reader_open() from a spec, a format name (NULL: "auto") and a gap in ms
 * (<= 0: default), as given on the command line. *out is the caller's. */
cp_err reader_open_spec(const char *spec, const char *format, int gap_ms, reader **out);

/* Closes the reader, releasing its device and restoring its terminal. NULL is fine. */
void reader_close(reader *r);

/* Takes the next event into *ev, waiting at most timeout_ms (0: only what is
 * ready; < 0: no limit). CP_ERR_TIMEOUT when nothing came; CP_ERR_DISCONNECTED
 * when the input has ended (stdin at end of file) and no events are left. */
cp_err reader_next(reader *r, int timeout_ms, reader_event *ev);

/* For a caller's own poll loop: fills up to max descriptors to wait on and
 * lowers *timeout_ms (ms, -1: none yet) to when reader_next(r, 0, ...) must
 * be called even without input. Returns the number of descriptors filled. */
int reader_pollfds(reader *r, struct pollfd *fds, int max, int *timeout_ms);

/* Keyboard backend without fd: hands one key (a byte, or a curses key code) as
 * it was read, to be taken back by reader_next() as a key or part of a card. */
cp_err reader_feed_key(reader *r, int key);

/* CP_OK when the reader is connected, else why not (CP_ERR_DISCONNECTED,
 * CP_ERR_ACCESS, CP_ERR_DEVICE); *text (owned by r, valid until the next call
 * on r) says it for the status line: "reader ready", "reader disconnected". */
cp_err reader_status(const reader *r, const char **text);

/* The backend's name ("usb", "keyboard", "stdin", "fake"); static storage. */
const char *reader_name(const reader *r);

/* Writes one line per USB device that looks like a card reader (a HID boot
 * keyboard interface, or one of ids) to out, with the spec to use it, and
 * sets *count. For `cleanplate-pos --list-readers`. */
cp_err reader_usb_list(FILE *out, const reader_usb_id *ids, size_t n_ids, int *count);

/* ---- for backends ------------------------------------------------------ */

/* A family of readers. wait() reads what is there, waiting at most max_ms
 * (-1: no limit) for it, and pushes events; pollfds() is as reader_pollfds(). */
struct reader_ops {
    const char *name;
    cp_err (*open)(reader *r);
    cp_err (*wait)(reader *r, int max_ms);
    int (*pollfds)(reader *r, struct pollfd *fds, int max, int *timeout_ms);
    cp_err (*feed_key)(reader *r, int key); /* NULL: not a keyboard */
    void (*close)(reader *r);
};

struct reader {
    const struct reader_ops *ops;
    reader_config cfg;
    void *be;                            /* the backend's state */
    reader_event queue[READER_QUEUE_LEN];
    size_t head, count;
    unsigned long lost;                  /* events dropped because the queue was full */
    int ended;                           /* no more input will come */
    cp_err state;                        /* CP_OK when connected */
    char status[256];
};

extern const struct reader_ops reader_usb_ops, reader_wedge_ops, reader_stdin_ops,
    reader_fake_ops;

/* The reader's clock, in ms. */
int64_t reader_now(const reader *r);

/* Lowers *timeout_ms (-1: none) to ms, for pollfds(); ms < 0 counts as 0. */
void reader_lower_timeout(int *timeout_ms, int64_t ms);

/* Queues a card typed as raw: normalised with the configured format, or an
 * INVALID event when it is not a card number. */
void reader_push_card(reader *r, const char *raw, int64_t at_ms);

/* Queues an INVALID event: raw was read but is no card number, text says why.
 * Returns the event (to mark it cut), or NULL when the queue was full. */
reader_event *reader_push_invalid(reader *r, const char *raw, const char *text, int64_t at_ms);

/* Queues a key a person typed (keyboard backend). */
void reader_push_key(reader *r, int key, int64_t at_ms);

/* Sets the connection state and its text; queues a STATUS event when either changed. */
void reader_set_status(reader *r, cp_err state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
