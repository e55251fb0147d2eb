/* tiocm_shim: LD_PRELOAD for tests: ptys answer modem-line ioctls and keep 7-bit/parity settings. */

/*
 * Under umockdev a tty device is backed by a pty. libserialport's sp_open()
 * asks for the modem lines (TIOCMGET), which a pty does not have, and fails;
 * and the Linux pty driver forces CS8 and clears PARENB on every tcsetattr,
 * so a 7E1 configuration reads back as 8N1. For descriptors that are pty
 * slaves this shim:
 *   - answers TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC from a per-descriptor
 *     table (CTS, DSR and CD asserted, DTR and RTS as the program set them);
 *   - passes tcsetattr (and the TCSETS ioctls) on with CS8 and no parity,
 *     which is all a pty takes (Linux 6.x answers EINVAL to CS7 from
 *     libserialport), remembers the CSIZE, PARENB, PARODD and CSTOPB the
 *     program asked for, and puts them back into what tcgetattr returns;
 *   - when CP_SHIM_FLUSH_MARK is set, writes it to the pty after every
 *     input flush: the program has opened, set up and flushed the port (the
 *     last step before it reads), so a replay script that starts with
 *     `w 0 MARK` waits for the port instead of racing its set-up with a
 *     delay (data sent earlier would be flushed away).
 * Everything else goes to the next definition (umockdev's preload, libc).
 * Build: cc -shared -fPIC -o tiocm_shim.so tests/shim/tiocm_shim.c -ldl
 * Use:   umockdev-run ... -- sh -c 'LD_PRELOAD="tiocm_shim.so:$LD_PRELOAD" prog'
 *        The shim must come before umockdev's library: umockdev answers
 *        ioctls on its devices itself and would never pass TIOCMGET on.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define MAX_PTY 1024
#define KEPT_BITS (CSIZE | PARENB | PARODD | CSTOPB)

/* Per pty (by its number), like a real port: every descriptor of the same
 * device sees the same lines and settings. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int modem[MAX_PTY];           /* TIOCM_* bits */
static bool modem_set[MAX_PTY];
static tcflag_t kept_cflag[MAX_PTY]; /* KEPT_BITS as last set */
static bool kept[MAX_PTY];

typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef int (*tcgetattr_fn)(int, struct termios *);
typedef int (*tcsetattr_fn)(int, int, const struct termios *);
typedef int (*tcflush_fn)(int, int);

/* The number N of the pty slave /dev/pts/N that fd is open on, or -1;
 * judged by its /proc link (umockdev fakes fstat's device numbers). */
static int pty_number(int fd)
{
    char path[64], target[64], *end;
    ssize_t n;
    long num;

    if (fd < 0)
        return -1;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof target - 1);
    if (n <= 9)
        return -1;
    target[n] = '\0';
    if (strncmp(target, "/dev/pts/", 9) != 0)
        return -1;
    num = strtol(target + 9, &end, 10);
    return *end == '\0' && num >= 0 && num < MAX_PTY ? (int)num : -1;
}

/* Emulates one modem-line ioctl on pty number fd; returns 0 or -1 with errno. */
static int modem_ioctl(int fd, unsigned long request, int *arg)
{
    if (arg == NULL) {
        errno = EFAULT;
        return -1;
    }
    pthread_mutex_lock(&lock);
    if (!modem_set[fd]) {
        modem[fd] = TIOCM_CTS | TIOCM_DSR | TIOCM_CD;
        modem_set[fd] = true;
    }
    switch (request) {
    case TIOCMGET: *arg = modem[fd]; break;
    case TIOCMSET: modem[fd] = *arg; break;
    case TIOCMBIS: modem[fd] |= *arg; break;
    case TIOCMBIC: modem[fd] &= ~*arg; break;
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

/* Remembers the framing bits a program set on pty number fd. */
static void keep(int fd, const struct termios *t)
{
    pthread_mutex_lock(&lock);
    kept_cflag[fd] = t->c_cflag & KEPT_BITS;
    kept[fd] = true;
    pthread_mutex_unlock(&lock);
}

/* The c_cflag a pty accepts for the requested one: 8 bits, no parity. */
static tcflag_t pty_cflag(tcflag_t c)
{
    return (c & ~(tcflag_t)(CSIZE | PARENB | PARODD)) | CS8;
}

/* Puts the framing bits remembered for pty number fd back into t. */
static void restore(int fd, struct termios *t)
{
    pthread_mutex_lock(&lock);
    if (kept[fd])
        t->c_cflag = (t->c_cflag & ~(tcflag_t)KEPT_BITS) | kept_cflag[fd];
    pthread_mutex_unlock(&lock);
}

/* After a successful input flush of a pty: tells a replay script, by writing
 * CP_SHIM_FLUSH_MARK to the device, that the port is ready. */
static void flushed(int fd, int queue)
{
    const char *mark = getenv("CP_SHIM_FLUSH_MARK");
    ssize_t w;

    if (mark == NULL || *mark == '\0' || queue == TCOFLUSH)
        return;
    w = write(fd, mark, strlen(mark));
    (void)w;
}

/* ioctl: modem lines and termios ioctls on ptys, the rest passed on. The
 * kernel's struct termios starts like glibc's (c_iflag, c_oflag, c_cflag),
 * so c_cflag can be read and patched through struct termios. */
int ioctl(int fd, unsigned long request, ...)
{
    static ioctl_fn next;
    va_list ap;
    void *arg;
    int r, pty;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (next == NULL)
        next = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    pty = pty_number(fd);
    if (pty < 0)
        return next(fd, request, arg);
    switch (request) {
    case TIOCMGET: case TIOCMSET: case TIOCMBIS: case TIOCMBIC:
        return modem_ioctl(pty, request, arg);
    case TCSETS: case TCSETSW: case TCSETSF: {
        struct termios *t = arg;
        tcflag_t asked = t->c_cflag;
        t->c_cflag = pty_cflag(asked);
        r = next(fd, request, arg);
        t->c_cflag = asked;
        if (r == 0)
            keep(pty, t);
        return r;
    }
    case TCGETS:
        r = next(fd, request, arg);
        if (r == 0)
            restore(pty, arg);
        return r;
    case TCFLSH:
        r = next(fd, request, arg);
        if (r == 0)
            flushed(fd, (int)(long)arg);
        return r;
    }
    return next(fd, request, arg);
}

/* tcflush: passed on, then the port-ready mark (flushed) on ptys. */
int tcflush(int fd, int queue)
{
    static tcflush_fn next;
    int r;

    if (next == NULL)
        next = (tcflush_fn)dlsym(RTLD_NEXT, "tcflush");
    r = next(fd, queue);
    if (r == 0 && pty_number(fd) >= 0)
        flushed(fd, queue);
    return r;
}

/* tcgetattr: what the pty has, with the framing bits the program set. */
int tcgetattr(int fd, struct termios *t)
{
    static tcgetattr_fn next;
    int r, pty;

    if (next == NULL)
        next = (tcgetattr_fn)dlsym(RTLD_NEXT, "tcgetattr");
    r = next(fd, t);
    if (r == 0 && (pty = pty_number(fd)) >= 0)
        restore(pty, t);
    return r;
}

/* tcsetattr: sets what a pty takes and remembers the framing bits asked for. */
int tcsetattr(int fd, int act, const struct termios *t)
{
    static tcsetattr_fn next;
    struct termios tmp;
    int pty;
    int r;

    if (next == NULL)
        next = (tcsetattr_fn)dlsym(RTLD_NEXT, "tcsetattr");
    pty = pty_number(fd);
    if (pty < 0 || t == NULL)
        return next(fd, act, t);
    tmp = *t;
    tmp.c_cflag = pty_cflag(t->c_cflag);
    r = next(fd, act, &tmp);
    if (r == 0)
        keep(pty, t);
    return r;
}
