/* serial: a scale's serial port: libserialport for real ports, termios for ptys. */
#include "scale/serial.h"
#include "core/nls.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BY_ID_DIR "/dev/serial/by-id"

typedef struct serial_backend {
    const char *name;
    /* Opens p->device; CP_ERR_UNSUPPORTED (no detail) means "not mine". */
    cp_err (*open)(serial_port *p, const proto_serial *s);
    cp_err (*read)(serial_port *p, void *buf, size_t len, unsigned timeout_ms, size_t *got);
    cp_err (*write)(serial_port *p, const void *buf, size_t len, unsigned timeout_ms);
    cp_err (*flush)(serial_port *p);
    void (*close)(serial_port *p);
} serial_backend;

struct serial_port {
    const serial_backend *backend;
    char *path;   /* as given */
    char *device; /* symlinks resolved */
    struct sp_port *sp;
    int fd;
};

/* ---- libserialport --------------------------------------------------------- */

/* Records libserialport's last error for what on dev and returns our code. */
static cp_err sp_fail(enum sp_return r, const char *what, const char *dev)
{
    cp_err code = CP_ERR_DEVICE;
    char *msg;
    cp_err out;

    if (r == SP_ERR_MEM)
        return cp_fail(CP_ERR_NOMEM, "%s %s: out of memory", what, dev);
    if (r == SP_ERR_SUPP)
        return cp_fail(CP_ERR_UNSUPPORTED, "%s %s: not supported by the port", what, dev);
    if (r == SP_ERR_ARG)
        return cp_fail(CP_ERR_INVALID, "%s %s: invalid setting", what, dev);
    switch (sp_last_error_code()) {
    case ENOENT: case ENODEV: code = CP_ERR_NOT_FOUND; break;
    case EACCES: case EPERM: code = CP_ERR_ACCESS; break;
    case EBUSY: code = CP_ERR_BUSY; break;
    case EIO: case ENXIO: case EBADF: code = CP_ERR_DISCONNECTED; break;
    }
    msg = sp_last_error_message();
    /* what is worded here (an xgettext keyword); libserialport's message is kept as it is */
    out = cp_fail(code, "%s %s: %s", _(what), dev, msg != NULL ? msg : _("failed"));
    sp_free_error_message(msg);
    return out;
}

/* Opens a port libserialport knows and applies s in one configuration. */
static cp_err lsp_open(serial_port *p, const proto_serial *s)
{
    struct sp_port_config *cfg = NULL;
    enum sp_return r;
    cp_err err = CP_OK;

    if (sp_get_port_by_name(p->device, &p->sp) != SP_OK) {
        p->sp = NULL;
        return CP_ERR_UNSUPPORTED; /* no sysfs entry: a pty, or not a tty */
    }
    r = sp_open(p->sp, SP_MODE_READ_WRITE);
    if (r != SP_OK) {
        err = sp_fail(r, "cannot open", p->path);
        goto out;
    }
    r = sp_new_config(&cfg);
    if (r == SP_OK)
        r = sp_set_config_baudrate(cfg, s->baud);
    if (r == SP_OK)
        r = sp_set_config_bits(cfg, s->bits);
    if (r == SP_OK)
        r = sp_set_config_parity(cfg, s->parity == 'E' ? SP_PARITY_EVEN
                                      : s->parity == 'O' ? SP_PARITY_ODD
                                                         : SP_PARITY_NONE);
    if (r == SP_OK)
        r = sp_set_config_stopbits(cfg, s->stop);
    if (r == SP_OK)
        r = sp_set_config_flowcontrol(cfg, SP_FLOWCONTROL_NONE);
    /* some scales and adapters draw power from DTR/RTS */
    if (r == SP_OK)
        r = sp_set_config_dtr(cfg, SP_DTR_ON);
    if (r == SP_OK)
        r = sp_set_config_rts(cfg, SP_RTS_ON);
    if (r == SP_OK)
        r = sp_set_config(p->sp, cfg);
    if (r != SP_OK)
        err = sp_fail(r, "cannot configure", p->path);
out:
    sp_free_config(cfg);
    if (err != CP_OK) {
        sp_close(p->sp);
        sp_free_port(p->sp);
        p->sp = NULL;
    }
    return err;
}

/* True while the kernel lists the tty in sysfs (where libserialport found it);
 * an unplugged adapter leaves it, even while its device node is still open. */
static bool in_sysfs(const char *dev)
{
    const char *name = strrchr(dev, '/');
    char path[PATH_MAX];

    snprintf(path, sizeof path, "/sys/class/tty/%s", name ? name + 1 : dev);
    return access(path, F_OK) == 0;
}

/* Reads what libserialport has within timeout_ms; a vanished device node or
 * sysfs entry means unplugged. */
static cp_err lsp_read(serial_port *p, void *buf, size_t len, unsigned timeout_ms, size_t *got)
{
    int r;

    *got = 0;
    /* timeout 0 means "forever" to libserialport; ours means "do not wait" */
    r = timeout_ms > 0 ? sp_blocking_read_next(p->sp, buf, len, timeout_ms)
                       : sp_nonblocking_read(p->sp, buf, len);
    if (r < 0)
        return sp_fail(r, "cannot read from", p->path);
    if (r == 0 && (access(p->device, F_OK) != 0 || !in_sysfs(p->device)))
        return cp_fail(CP_ERR_DISCONNECTED, "%s: device is gone", p->path);
    *got = (size_t)r;
    return CP_OK;
}

/* Writes all of buf through libserialport within timeout_ms. */
static cp_err lsp_write(serial_port *p, const void *buf, size_t len, unsigned timeout_ms)
{
    int r = sp_blocking_write(p->sp, buf, len, timeout_ms > 0 ? timeout_ms : 1);

    if (r < 0)
        return sp_fail(r, "cannot write to", p->path);
    if ((size_t)r < len)
        return cp_fail(CP_ERR_TIMEOUT, "%s: write timed out after %zu of %zu bytes",
                       p->path, (size_t)r, len);
    return CP_OK;
}

/* Drops unread input through libserialport. */
static cp_err lsp_flush(serial_port *p)
{
    enum sp_return r = sp_flush(p->sp, SP_BUF_INPUT);
    return r == SP_OK ? CP_OK : sp_fail(r, "cannot flush", p->path);
}

/* Closes and frees the libserialport port. */
static void lsp_close(serial_port *p)
{
    if (p->sp != NULL) {
        sp_close(p->sp);
        sp_free_port(p->sp);
        p->sp = NULL;
    }
}

static const serial_backend backend_libserialport = {
    .name = "libserialport",
    .open = lsp_open,
    .read = lsp_read,
    .write = lsp_write,
    .flush = lsp_flush,
    .close = lsp_close,
};

/* ---- pty (termios) ----------------------------------------------------------------- */

/* True for a UNIX 98 pty slave (/dev/pts/N: majors 136-143). */
static bool is_pty(const char *dev)
{
    struct stat st;

    return stat(dev, &st) == 0 && S_ISCHR(st.st_mode) &&
           major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

/* The termios speed for baud, or B0 when there is none. */
static speed_t baud_constant(int baud)
{
    switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    }
    return B0;
}

/* Opens a pty with raw termios per s (a pty keeps only some of them). */
static cp_err pty_open(serial_port *p, const proto_serial *s)
{
    struct termios t;
    speed_t speed = baud_constant(s->baud);

    if (!is_pty(p->device))
        return CP_ERR_UNSUPPORTED;
    if (speed == B0)
        return cp_fail(CP_ERR_INVALID, "%s: unsupported baud rate %d", p->path, s->baud);
    p->fd = open(p->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (p->fd < 0)
        return cp_fail(errno == EACCES ? CP_ERR_ACCESS : CP_ERR_DEVICE,
                       "cannot open %s: %s", p->path, strerror(errno));
    if (tcgetattr(p->fd, &t) != 0)
        goto fail;
    cfmakeraw(&t);
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    t.c_cflag |= CLOCAL | CREAD | (s->bits == 7 ? CS7 : CS8);
    if (s->parity == 'E' || s->parity == 'O')
        t.c_cflag |= PARENB | (s->parity == 'O' ? PARODD : 0);
    if (s->stop == 2)
        t.c_cflag |= CSTOPB;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(p->fd, TCSANOW, &t) != 0) {
        if (errno != EINVAL)
            goto fail;
        /* a pty carries 8-bit bytes only; some kernels refuse CS7/parity
         * (the parsers mask the parity bit anyway) */
        t.c_cflag = (t.c_cflag & ~(tcflag_t)(CSIZE | PARENB | PARODD)) | CS8;
        if (tcsetattr(p->fd, TCSANOW, &t) != 0)
            goto fail;
    }
    return CP_OK;
fail:
    {
        cp_err err = cp_fail(CP_ERR_DEVICE, "cannot configure %s: %s", p->path,
                             strerror(errno));
        close(p->fd);
        p->fd = -1;
        return err;
    }
}

/* Reads what the pty has within timeout_ms; EIO or EOF means the far end closed. */
static cp_err pty_read(serial_port *p, void *buf, size_t len, unsigned timeout_ms, size_t *got)
{
    struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
    ssize_t n;
    int r;

    *got = 0;
    r = poll(&pfd, 1, (int)timeout_ms);
    if (r < 0)
        return errno == EINTR ? CP_OK : cp_fail(CP_ERR_IO, "%s: %s", p->path, strerror(errno));
    if (r == 0)
        return CP_OK;
    n = read(p->fd, buf, len);
    if (n > 0) {
        *got = (size_t)n;
        return CP_OK;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return CP_OK;
    /* EIO or end of file: the other end (the simulator) has gone */
    return cp_fail(CP_ERR_DISCONNECTED, "%s: %s", p->path,
                   n == 0 ? _("hung up") : strerror(errno));
}

/* Monotonic milliseconds, for write deadlines. */
static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of buf to the pty within timeout_ms. */
static cp_err pty_write(serial_port *p, const void *buf, size_t len, unsigned timeout_ms)
{
    const char *b = buf;
    int64_t deadline = now_ms() + timeout_ms;
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(p->fd, b + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return cp_fail(errno == EIO ? CP_ERR_DISCONNECTED : CP_ERR_IO,
                           "cannot write to %s: %s", p->path, strerror(errno));
        int64_t left = deadline - now_ms();
        struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
        if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
            return cp_fail(CP_ERR_TIMEOUT, "%s: write timed out after %zu of %zu bytes",
                           p->path, done, len);
    }
    return CP_OK;
}

/* Drops unread pty input. */
static cp_err pty_flush(serial_port *p)
{
    if (tcflush(p->fd, TCIFLUSH) != 0)
        return cp_fail(CP_ERR_IO, "cannot flush %s: %s", p->path, strerror(errno));
    return CP_OK;
}

/* Closes the pty descriptor. */
static void pty_close(serial_port *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

static const serial_backend backend_pty = {
    .name = "pty",
    .open = pty_open,
    .read = pty_read,
    .write = pty_write,
    .flush = pty_flush,
    .close = pty_close,
};

/* Tried in order; the pty backend only takes what libserialport refuses. */
static const serial_backend *const backends[] = {
    &backend_libserialport,
    &backend_pty,
    NULL,
};

/* ---- the port ------------------------------------------------------------------------ */

/* Removes "." and ".." components and doubled slashes from an absolute path. */
static void normalise(char *path)
{
    char *out = path, *in = path;

    while (*in != '\0') {
        while (*in == '/')
            in++;
        char *end = strchrnul(in, '/');
        size_t n = (size_t)(end - in);
        if (n == 0 || (n == 1 && in[0] == '.')) {
            /* nothing */
        } else if (n == 2 && in[0] == '.' && in[1] == '.') {
            while (out > path && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, in, n);
            out += n;
        }
        in = end;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* True for a name directly in /dev or /dev/pts, where resolving stops. */
static bool is_dev_name(const char *path)
{
    const char *rest = strncmp(path, "/dev/pts/", 9) == 0 ? path + 9
                       : strncmp(path, "/dev/", 5) == 0   ? path + 5
                                                          : NULL;
    return rest != NULL && *rest != '\0' && strchr(rest, '/') == NULL;
}

/* Follows symlinks such as /dev/serial/by-id/usb-... to the device name
 * libserialport knows (/dev/ttyUSB0). Stops at names directly in /dev, so
 * that under umockdev the emulated /dev/ttyUSB0 is kept as it is (and
 * umockdev's realpath(), which crashes on emulated nodes, is not used). */
static cp_err resolve(const char *path, char out[PATH_MAX])
{
    char target[PATH_MAX], joined[2 * PATH_MAX];
    struct stat st;

    if (path[0] != '/') {
        if (getcwd(joined, PATH_MAX) == NULL)
            return cp_fail(CP_ERR_NOT_FOUND, "serial port %s: %s", path, strerror(errno));
        strcat(joined, "/");
    } else {
        joined[0] = '\0';
    }
    if (strlen(joined) + strlen(path) >= PATH_MAX)
        return cp_fail(CP_ERR_INVALID, "serial port %s: name too long", path);
    strcat(joined, path);
    normalise(joined);
    strcpy(out, joined);
    for (int hops = 0; hops < 16 && !is_dev_name(out); hops++) {
        ssize_t n;
        if (lstat(out, &st) != 0)
            return cp_fail(errno == EACCES ? CP_ERR_ACCESS : CP_ERR_NOT_FOUND,
                           "serial port %s: %s", path, strerror(errno));
        if (!S_ISLNK(st.st_mode))
            return CP_OK;
        n = readlink(out, target, sizeof target - 1);
        if (n < 0)
            return cp_fail(CP_ERR_NOT_FOUND, "serial port %s: %s", path, strerror(errno));
        target[n] = '\0';
        if (target[0] == '/') {
            strcpy(joined, target);
        } else {
            char *slash = strrchr(out, '/');
            slash[1] = '\0';
            snprintf(joined, sizeof joined, "%s%s", out, target);
        }
        if (strlen(joined) >= PATH_MAX)
            return cp_fail(CP_ERR_INVALID, "serial port %s: name too long", path);
        normalise(joined);
        strcpy(out, joined);
    }
    if (access(out, F_OK) != 0)
        return cp_fail(errno == EACCES ? CP_ERR_ACCESS : CP_ERR_NOT_FOUND,
                       "serial port %s: %s", path, strerror(errno));
    return CP_OK;
}

/* Opens path with settings s; see serial.h. */
cp_err serial_open(const char *path, const proto_serial *s, serial_port **out)
{
    serial_port *p = NULL;
    char resolved[PATH_MAX];
    cp_err err = CP_OK;

    *out = NULL;
    err = resolve(path, resolved);
    if (err != CP_OK)
        goto out;
    p = calloc(1, sizeof *p);
    if (p == NULL || (p->path = strdup(path)) == NULL ||
        (p->device = strdup(resolved)) == NULL) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory opening %s", path);
        goto out;
    }
    p->fd = -1;
    err = CP_ERR_UNSUPPORTED;
    for (const serial_backend *const *b = backends; *b != NULL; b++) {
        err = (*b)->open(p, s);
        if (err != CP_ERR_UNSUPPORTED) {
            p->backend = *b;
            break;
        }
    }
    if (err == CP_ERR_UNSUPPORTED)
        err = cp_fail(CP_ERR_NOT_FOUND, "%s is not a serial port", path);
    if (err != CP_OK)
        goto out;
    *out = p;
    p = NULL;
out:
    if (p != NULL) {
        free(p->path);
        free(p->device);
        free(p);
    }
    return err;
}

/* Closes and frees p; accepts NULL. */
void serial_close(serial_port *p)
{
    if (p == NULL)
        return;
    p->backend->close(p);
    free(p->path);
    free(p->device);
    free(p);
}

/* Reads what arrives within timeout_ms; see serial.h. */
cp_err serial_read(serial_port *p, void *buf, size_t len, unsigned timeout_ms, size_t *got)
{
    return p->backend->read(p, buf, len, timeout_ms, got);
}

/* Writes all of buf within timeout_ms. */
cp_err serial_write(serial_port *p, const void *buf, size_t len, unsigned timeout_ms)
{
    return p->backend->write(p, buf, len, timeout_ms);
}

/* Drops unread input. */
cp_err serial_flush(serial_port *p)
{
    return p->backend->flush(p);
}

/* The path given to serial_open (owned by p). */
cp_err serial_line(serial_port *p, proto_serial *out)
{
    static const struct { speed_t c; int baud; } speeds[] = {
        {B1200, 1200}, {B2400, 2400}, {B4800, 4800}, {B9600, 9600}, {B19200, 19200},
        {B38400, 38400}, {B57600, 57600}, {B115200, 115200},
    };
    struct termios t;
    speed_t sp;
    int fd = p->fd;

    if (p->sp != NULL && sp_get_port_handle(p->sp, &fd) != SP_OK)
        return cp_fail(CP_ERR_DEVICE, "%s: no handle for the port", p->path);
    if (tcgetattr(fd, &t) != 0)
        return cp_fail(CP_ERR_DEVICE, "cannot read the settings of %s: %s", p->path,
                       strerror(errno));
    sp = cfgetispeed(&t);
    out->baud = 0;
    for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
        if (speeds[i].c == sp)
            out->baud = speeds[i].baud;
    out->bits = (t.c_cflag & CSIZE) == CS7 ? 7 : (t.c_cflag & CSIZE) == CS8 ? 8
              : (t.c_cflag & CSIZE) == CS6 ? 6 : 5;
    out->parity = !(t.c_cflag & PARENB) ? 'N' : (t.c_cflag & PARODD) ? 'O' : 'E';
    out->stop = (t.c_cflag & CSTOPB) ? 2 : 1;
    return CP_OK;
}

const char *serial_path(const serial_port *p)
{
    return p->path;
}

/* "libserialport" or "pty" (static storage). */
const char *serial_backend_name(const serial_port *p)
{
    return p->backend->name;
}

/* ---- listing ------------------------------------------------------------------------- */

/* strdup that passes NULL through; sets *oom when it runs out of memory. */
static char *dup_or_null(const char *s, bool *oom)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = strdup(s);
    if (d == NULL)
        *oom = true;
    return d;
}

/* The /dev/serial/by-id link that resolves to device, or NULL; caller frees. */
static char *find_by_id(const char *device, bool *oom)
{
    char want[PATH_MAX], link[PATH_MAX], got[PATH_MAX];
    char *found = NULL;
    struct dirent *e;
    DIR *d;

    if ((d = opendir(BY_ID_DIR)) == NULL)
        return NULL;
    if (resolve(device, want) != CP_OK) {
        closedir(d);
        return NULL;
    }
    while (found == NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(link, sizeof link, "%s/%s", BY_ID_DIR, e->d_name) >= (int)sizeof link)
            continue;
        if (resolve(link, got) == CP_OK && strcmp(got, want) == 0)
            found = dup_or_null(link, oom);
    }
    closedir(d);
    return found;
}

/* Lists ports with their USB descriptions; see serial.h. */
cp_err serial_list(serial_info **out, size_t *n)
{
    struct sp_port **ports = NULL;
    serial_info *list = NULL;
    size_t count = 0;
    bool oom = false;
    enum sp_return r;
    cp_err err = CP_OK;

    *out = NULL;
    *n = 0;
    r = sp_list_ports(&ports);
    if (r != SP_OK) {
        err = sp_fail(r, "cannot list", _("serial ports"));
        goto out;
    }
    while (ports[count] != NULL)
        count++;
    list = calloc(count + 1, sizeof *list);
    if (list == NULL) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory listing serial ports");
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        struct sp_port *sp = ports[i];
        serial_info *info = &list[i];
        info->usb_vid = info->usb_pid = -1;
        info->name = dup_or_null(sp_get_port_name(sp), &oom);
        info->description = dup_or_null(sp_get_port_description(sp), &oom);
        info->by_id = find_by_id(sp_get_port_name(sp), &oom);
        if (sp_get_port_transport(sp) == SP_TRANSPORT_USB) {
            sp_get_port_usb_vid_pid(sp, &info->usb_vid, &info->usb_pid);
            info->usb_manufacturer = dup_or_null(sp_get_port_usb_manufacturer(sp), &oom);
            info->usb_product = dup_or_null(sp_get_port_usb_product(sp), &oom);
            info->usb_serial = dup_or_null(sp_get_port_usb_serial(sp), &oom);
        }
    }
    if (oom) {
        err = cp_fail(CP_ERR_NOMEM, "out of memory listing serial ports");
        goto out;
    }
    *out = list;
    *n = count;
    list = NULL;
out:
    serial_list_free(list, count);
    if (ports != NULL)
        sp_free_port_list(ports);
    return err;
}

/* Frees what serial_list returned; accepts NULL. */
void serial_list_free(serial_info *list, size_t n)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].by_id);
        free(list[i].description);
        free(list[i].usb_manufacturer);
        free(list[i].usb_product);
        free(list[i].usb_serial);
    }
    free(list);
}
