/* err: the project's one error enum, its text, and the detail of the last error. */
#ifndef CP_ERR_H
#define CP_ERR_H

typedef enum cp_err {
    CP_OK = 0,
    CP_ERR_NOMEM,
    CP_ERR_INVALID,        /* bad input from a person or a file */
    CP_ERR_NOT_FOUND,
    CP_ERR_EXISTS,
    CP_ERR_IO,
    CP_ERR_DB,
    CP_ERR_BUSY,
    CP_ERR_FULL,           /* disk or database full */
    CP_ERR_PARSE,
    CP_ERR_DEVICE,
    CP_ERR_DISCONNECTED,
    CP_ERR_TIMEOUT,
    CP_ERR_ACCESS,
    CP_ERR_UNSUPPORTED,
    CP_ERR_AUTH,           /* wrong PIN or role */
    /* refusals of a charge; their codes are part of the headless JSON contract */
    CP_ERR_UNKNOWN_CARD,
    CP_ERR_CARD_BLOCKED,
    CP_ERR_DINER_INACTIVE,
    CP_ERR_NO_MEAL_PERIOD,
    CP_ERR_NO_PRICE,
    CP_ERR_INSUFFICIENT_FUNDS,
    CP_ERR_LIMIT_REACHED,
    CP_ERR_DUPLICATE_TAP,
    CP_ERR_ALREADY_VOID,
    CP_ERR_MONTH_PUBLISHED, /* served offline in a month whose red/black list is out */
    CP_ERR_COUNT
} cp_err;

/* Human text for an error code ("card is blocked"); static storage. */
const char *cp_strerror(cp_err e);

/* Short machine name for an error code ("card_blocked"); static storage. */
const char *cp_errname(cp_err e);

/* Whether e is the machine's or the store's (memory, disk, database,
 * device, network, file permissions) rather than about what a person or a
 * file gave: a batch does not pin such an error on one of its lines. */
int cp_err_is_system(cp_err e);

/* The code of a machine name (the server's "error" in an answer), fallback
 * when no code has that name. */
cp_err cp_errcode(const char *name, cp_err fallback);

/* Records a detail message for the calling thread and returns e, so that
 * `return cp_fail(CP_ERR_INVALID, "bad amount '%s'", s);` reads naturally. */
cp_err cp_fail(cp_err e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The detail recorded by the last cp_fail() on this thread, or the code's
 * text when none was recorded since cp_clear(). Static per-thread storage. */
const char *cp_detail(void);

/* Forgets the recorded detail. */
void cp_clear(void);

#endif
