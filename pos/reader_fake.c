/* reader_fake: a scripted card reader for tests and demos. */
#include "pos/reader.h"

#include <stdlib.h>
#include <string.h>

/* The script is config.script: entries separated by commas, one taken per
 * wait. An entry is a card number as a reader would type it, or one of:
 *   @unplug   the reader is disconnected
 *   @plug     the reader is connected again
 *   @denied   the reader may not be opened (as USB without the udev rule)
 *   @end      the input ends (as stdin at end of file)
 * After the last entry the input ends. */
struct fake_state {
    char script[sizeof ((reader_config *)0)->script];
    char *next;   /* the rest of script, or NULL at its end */
};

/* Copies the script; the state is r->be, freed by fake_close(). */
static cp_err fake_open(reader *r)
{
    struct fake_state *s = calloc(1, sizeof *s);

    if (!s)
        return cp_fail(CP_ERR_NOMEM, "no memory for the fake reader");
    memcpy(s->script, r->cfg.script, sizeof s->script);
    s->next = s->script[0] ? s->script : NULL;
    r->be = s;
    reader_set_status(r, CP_OK, "reader ready (fake)");
    return CP_OK;
}

/* Plays the next entry of the script, without waiting. */
static cp_err fake_wait(reader *r, int max_ms)
{
    struct fake_state *s = r->be;
    int64_t now = reader_now(r);
    char *entry = s->next;

    (void)max_ms;
    if (!entry) {
        r->ended = 1;
        reader_set_status(r, CP_ERR_DISCONNECTED, "end of the fake reader's script");
        return CP_OK;
    }
    s->next = strchr(entry, ',');
    if (s->next)
        *s->next++ = '\0';

    if (strcmp(entry, "@unplug") == 0)
        reader_set_status(r, CP_ERR_DISCONNECTED, "reader disconnected");
    else if (strcmp(entry, "@plug") == 0)
        reader_set_status(r, CP_OK, "reader ready (fake)");
    else if (strcmp(entry, "@denied") == 0)
        reader_set_status(r, CP_ERR_ACCESS, "no permission to open the card reader: install %s",
                          READER_UDEV_RULES);
    else if (strcmp(entry, "@end") == 0)
        s->next = NULL;
    else
        reader_push_card(r, entry, now);
    return CP_OK;
}

/* Nothing to poll: asks to be called again at once. */
static int fake_pollfds(reader *r, struct pollfd *fds, int max, int *timeout_ms)
{
    (void)r;
    (void)fds;
    (void)max;
    *timeout_ms = 0; /* the next entry is always ready */
    return 0;
}

/* Frees the state. */
static void fake_close(reader *r)
{
    free(r->be);
    r->be = NULL;
}

const struct reader_ops reader_fake_ops = {
    .name = "fake",
    .open = fake_open,
    .wait = fake_wait,
    .pollfds = fake_pollfds,
    .close = fake_close,
};
