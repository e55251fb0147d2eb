/* printer: receipt printer transports chosen by URI (usb, lp, tcp, serial, file, preview, none). */
#include "receipts/printer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/lp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/nls.h"
#include "receipts/decode.h"
#include "receipts/printer_backend.h"

/* Milliseconds on the monotonic clock. */
long long printer_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Translates a write errno into our error, with a detail naming the printer. */
static cp_err printer_errno(int err, const char *what)
{
    switch (err) {
    case EPIPE: case ECONNRESET: case ENODEV: case ENXIO: case ENOTCONN: case EIO:
        return cp_fail(CP_ERR_DISCONNECTED, "%s went away: %s", what, strerror(err));
    case ENOSPC: case EDQUOT:
        return cp_fail(CP_ERR_FULL, "%s: %s", what, strerror(err));
    default:
        return cp_fail(CP_ERR_IO, "%s: %s", what, strerror(err));
    }
}

/* Writes everything to a non-blocking fd within timeout_ms. */
cp_err printer_fd_write(int fd, const unsigned char *data, size_t len, int timeout_ms,
                        const char *what)
{
    long long deadline = printer_now_ms() + timeout_ms;
    struct stat st;
    int is_sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
    size_t done = 0;

    while (done < len) {
        ssize_t n = is_sock ? send(fd, data + done, len - done, MSG_NOSIGNAL)
                            : write(fd, data + done, len - done);
        long long left;
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int r;

        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return printer_errno(errno, what);
        left = deadline - printer_now_ms();
        if (left <= 0)
            return cp_fail(CP_ERR_TIMEOUT, "%s took %zu of %zu bytes in %d ms "
                           "(offline, busy or out of paper?)", what, done, len, timeout_ms);
        r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno != EINTR)
            return printer_errno(errno, what);
        if (r > 0 && (pfd.revents & (POLLERR | POLLHUP)) && !(pfd.revents & POLLOUT))
            return cp_fail(CP_ERR_DISCONNECTED, "%s went away", what);
    }
    return CP_OK;
}

/* ---- file: append raw bytes --------------------------------------------- */

/* Opens (creates) the file for appending; "-" is standard output. */
static cp_err file_open(printer *p, const char *path)
{
    if (!*path)
        return cp_fail(CP_ERR_INVALID, "printer URI file: needs a path");
    if (strcmp(path, "-") == 0)
        p->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    else
        p->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
    if (p->fd < 0)
        return cp_fail(errno == EACCES ? CP_ERR_ACCESS : CP_ERR_IO,
                       "cannot open receipt file %s: %s", path, strerror(errno));
    return CP_OK;
}

/* Appends the bytes. */
static cp_err fd_write(printer *p, const unsigned char *data, size_t len)
{
    return printer_fd_write(p->fd, data, len, p->timeout_ms, p->uri);
}

/* A file is always ready. */
static printer_state file_status(printer *p)
{
    (void)p;
    return PRINTER_OK;
}

/* Closes the fd. */
static void fd_close(printer *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

static const printer_ops file_ops = {
    .scheme = "file",
    .open = file_open,
    .write = fd_write,
    .status = file_status,
    .close = fd_close,
};

/* ---- lp: the kernel's printer device -------------------------------------- */

/* Opens the device for non-blocking writes. */
static cp_err lp_open(printer *p, const char *path)
{
    if (!*path)
        return cp_fail(CP_ERR_INVALID, "printer URI lp: needs a device, e.g. lp:/dev/usb/lp0");
    p->fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (p->fd >= 0)
        return CP_OK;
    switch (errno) {
    case ENOENT: case ENODEV: case ENXIO:
        return cp_fail(CP_ERR_NOT_FOUND, "printer device %s is not there (unplugged or off?)",
                       path);
    case EACCES: case EPERM:
        return cp_fail(CP_ERR_ACCESS, "no permission to open %s (is the user in group lp?)",
                       path);
    case EBUSY:
        return cp_fail(CP_ERR_BUSY, "printer device %s is busy", path);
    default:
        return cp_fail(CP_ERR_IO, "cannot open printer device %s: %s", path, strerror(errno));
    }
}

/* LPGETSTATUS where the device answers it (usblp, parport). */
static printer_state lp_status(printer *p)
{
    int st = 0;

    if (p->fd < 0)
        return PRINTER_OFFLINE;
    if (ioctl(p->fd, LPGETSTATUS, &st) != 0)
        return errno == ENODEV || errno == EIO ? PRINTER_OFFLINE : PRINTER_UNKNOWN;
    if (st & LP_POUTPA)
        return PRINTER_PAPER_OUT;
    if (!(st & LP_PSELECD) || !(st & LP_PERRORP))
        return PRINTER_OFFLINE;
    return PRINTER_OK;
}

static const printer_ops lp_ops = {
    .scheme = "lp",
    .open = lp_open,
    .write = fd_write,
    .status = lp_status,
    .close = fd_close,
};

/* ---- preview and none ------------------------------------------------------ */

/* Nothing to open. */
static cp_err nothing_open(printer *p, const char *arg)
{
    (void)p;
    if (*arg)
        return cp_fail(CP_ERR_INVALID, "printer URI takes no argument: '%s'", arg);
    return CP_OK;
}

/* Decoded text to the preview FILE*. */
static cp_err preview_write(printer *p, const unsigned char *data, size_t len)
{
    return decode_print(data, len, p->preview ? p->preview : stdout);
}

/* Drops the bytes. */
static cp_err none_write(printer *p, const unsigned char *data, size_t len)
{
    (void)p;
    (void)data;
    (void)len;
    return CP_OK;
}

/* Nothing to close. */
static void nothing_close(printer *p)
{
    (void)p;
}

static const printer_ops preview_ops = {
    .scheme = "preview",
    .open = nothing_open,
    .write = preview_write,
    .status = file_status,
    .close = nothing_close,
};

static const printer_ops none_ops = {
    .scheme = "none",
    .open = nothing_open,
    .write = none_write,
    .status = file_status,
    .close = nothing_close,
};

/* ---- the list of transports and the public API ------------------------------ */

static const printer_ops *const backends[] = {
    &printer_usb_ops, &lp_ops, &printer_tcp_ops, &printer_serial_ops,
    &file_ops, &preview_ops, &none_ops,
};

/* Opens the printer named by uri; the caller owns it (printer_close). */
cp_err printer_open(const char *uri, printer **out)
{
    return printer_open_timeout(uri, PRINTER_TIMEOUT_MS, out);
}

/* Opens the printer named by uri with a timeout; the caller owns it. */
cp_err printer_open_timeout(const char *uri, int timeout_ms, printer **out)
{
    const printer_ops *ops = NULL;
    const char *arg = "";
    printer *p = NULL;
    size_t i, n;
    cp_err err;

    *out = NULL;
    if (!uri || !*uri)
        return cp_fail(CP_ERR_INVALID, "no printer URI given");
    for (i = 0; i < sizeof backends / sizeof *backends; i++) {
        n = strlen(backends[i]->scheme);
        if (strncmp(uri, backends[i]->scheme, n) == 0 && (uri[n] == '\0' || uri[n] == ':')) {
            ops = backends[i];
            arg = uri[n] ? uri + n + 1 : "";
            break;
        }
    }
    if (!ops)
        return cp_fail(CP_ERR_INVALID, "unknown printer URI '%s' (use usb, lp:, tcp:, serial:, "
                       "file:, preview or none)", uri);
    p = calloc(1, sizeof *p);
    if (!p || !(p->uri = strdup(uri))) {
        free(p);
        return cp_fail(CP_ERR_NOMEM, "out of memory opening a printer");
    }
    p->ops = ops;
    p->fd = -1;
    p->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    err = ops->open(p, arg);
    if (err)
        goto out;
    *out = p;
    p = NULL;
out:
    printer_close(p);
    return err;
}

/* Sends the bytes through the transport. */
cp_err printer_write(printer *p, const void *data, size_t len)
{
    if (!p)
        return cp_fail(CP_ERR_INVALID, "no printer");
    if (len == 0)
        return CP_OK;
    return p->ops->write(p, data, len);
}

/* Asks the transport for the printer's state. */
printer_state printer_status(printer *p)
{
    return p ? p->ops->status(p) : PRINTER_OFFLINE;
}

/* Text for a state; static storage. */
const char *printer_state_name(printer_state s)
{
    switch (s) {
    case PRINTER_OK: return _("ok");
    case PRINTER_OFFLINE: return _("offline");
    case PRINTER_PAPER_OUT: return _("paper out");
    case PRINTER_UNKNOWN: return _("unknown");
    }
    return _("unknown");
}

/* Timeout for later operations (at least 1 ms). */
void printer_set_timeout(printer *p, int ms)
{
    p->timeout_ms = ms > 0 ? ms : 1;
}

/* Where preview text goes; borrowed. */
void printer_set_preview(printer *p, FILE *f)
{
    p->preview = f;
}

/* The URI; owned by the printer. */
const char *printer_uri(const printer *p)
{
    return p->uri;
}

/* Closes and frees; accepts NULL. */
void printer_close(printer *p)
{
    if (!p)
        return;
    if (p->ops)
        p->ops->close(p);
    free(p->uri);
    free(p);
}
