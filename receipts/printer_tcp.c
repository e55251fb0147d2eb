/* printer_tcp: raw TCP (port 9100) receipt printer transport with connect and write timeouts. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "receipts/printer_backend.h"

typedef struct tcp_impl {
    char host[256];
    char port[8];
} tcp_impl;

/* Splits "HOST[:PORT]" or "[V6]:PORT" into t; CP_ERR_INVALID if malformed. */
static cp_err printer_tcp_parse(const char *arg, tcp_impl *t)
{
    const char *host = arg, *port = NULL, *end;
    size_t hlen;
    char *num_end;
    long n;

    if (*arg == '[') {
        end = strchr(arg, ']');
        if (!end || (end[1] && end[1] != ':'))
            return cp_fail(CP_ERR_INVALID, "bad IPv6 printer address '%s'", arg);
        host = arg + 1;
        hlen = (size_t)(end - host);
        port = end[1] ? end + 2 : NULL;
    } else {
        end = strrchr(arg, ':');
        if (end && strchr(arg, ':') != end)
            return cp_fail(CP_ERR_INVALID, "IPv6 printer address needs brackets: '%s'", arg);
        hlen = end ? (size_t)(end - arg) : strlen(arg);
        port = end ? end + 1 : NULL;
    }
    if (hlen == 0 || hlen >= sizeof t->host)
        return cp_fail(CP_ERR_INVALID, "printer URI tcp: needs a host, e.g. tcp:192.168.1.50");
    memcpy(t->host, host, hlen);
    t->host[hlen] = '\0';
    if (!port) {
        strcpy(t->port, "9100");
        return CP_OK;
    }
    errno = 0;
    n = strtol(port, &num_end, 10);
    if (!*port || *num_end || errno || n < 1 || n > 65535)
        return cp_fail(CP_ERR_INVALID, "bad printer port '%s'", port);
    snprintf(t->port, sizeof t->port, "%ld", n);
    return CP_OK;
}

/* One non-blocking connect to ai, waiting at most until deadline. Returns the
 * socket or -1 with *err set (errno style) and 0 for a timeout. */
static int printer_tcp_try(const struct addrinfo *ai, long long deadline, int *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    struct pollfd pfd;
    socklen_t sl = sizeof *err;
    long long left;
    int r;

    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        *err = errno;
        goto fail;
    }
    for (;;) {
        left = deadline - printer_now_ms();
        if (left <= 0) {
            *err = 0;
            goto fail;
        }
        pfd.fd = fd;
        pfd.events = POLLOUT;
        r = poll(&pfd, 1, (int)left);
        if (r > 0)
            break;
        if (r < 0 && errno != EINTR) {
            *err = errno;
            goto fail;
        }
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &sl) != 0)
        *err = errno;
    if (*err == 0)
        return fd;
fail:
    close(fd);
    return -1;
}

/* Connects p->fd to the printer within the timeout. */
static cp_err printer_tcp_connect(printer *p)
{
    tcp_impl *t = p->impl;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL, *ai;
    long long deadline = printer_now_ms() + p->timeout_ms;
    int r, err = 0;

    if (p->fd >= 0)
        return CP_OK;
    r = getaddrinfo(t->host, t->port, &hints, &res);
    if (r != 0)
        return cp_fail(CP_ERR_NOT_FOUND, "printer host %s: %s", t->host, gai_strerror(r));
    for (ai = res; ai && p->fd < 0; ai = ai->ai_next)
        p->fd = printer_tcp_try(ai, deadline, &err);
    freeaddrinfo(res);
    if (p->fd >= 0)
        return CP_OK;
    if (err == 0)
        return cp_fail(CP_ERR_TIMEOUT, "printer %s:%s did not answer within %d ms",
                       t->host, t->port, p->timeout_ms);
    return cp_fail(CP_ERR_DISCONNECTED, "cannot connect to printer %s:%s: %s",
                   t->host, t->port, strerror(err));
}

/* True when the printer closed its end; drains any status bytes it sent. */
static int printer_tcp_peer_gone(printer *p)
{
    struct pollfd pfd = {.fd = p->fd, .events = POLLIN | POLLRDHUP};
    char junk[256];

    while (poll(&pfd, 1, 0) > 0) {
        if (pfd.revents & (POLLERR | POLLHUP | POLLRDHUP))
            return 1;
        if (!(pfd.revents & POLLIN) || recv(p->fd, junk, sizeof junk, MSG_DONTWAIT) <= 0)
            return 1;
    }
    return 0;
}

/* Parses the address and connects. */
static cp_err printer_tcp_open(printer *p, const char *arg)
{
    tcp_impl *t = calloc(1, sizeof *t);
    cp_err err;

    if (!t)
        return cp_fail(CP_ERR_NOMEM, "out of memory opening a printer");
    p->impl = t;
    err = printer_tcp_parse(arg, t);
    if (err)
        return err;
    return printer_tcp_connect(p);
}

/* Closes the socket (the printer can be reconnected). */
static void printer_tcp_drop(printer *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

/* Sends the bytes, reconnecting first if the printer closed the connection. */
static cp_err printer_tcp_write(printer *p, const unsigned char *data, size_t len)
{
    cp_err err;

    if (p->fd >= 0 && printer_tcp_peer_gone(p))
        printer_tcp_drop(p);
    err = printer_tcp_connect(p);
    if (err)
        return err;
    err = printer_fd_write(p->fd, data, len, p->timeout_ms, p->uri);
    if (err)
        printer_tcp_drop(p);   /* a half-sent job: start clean next time */
    return err;
}

/* Connected (or reconnectable) is all plain TCP tells. */
static printer_state printer_tcp_status(printer *p)
{
    if (p->fd >= 0 && printer_tcp_peer_gone(p))
        printer_tcp_drop(p);
    if (p->fd < 0 && printer_tcp_connect(p) != CP_OK)
        return PRINTER_OFFLINE;
    return PRINTER_UNKNOWN;
}

/* Closes the socket and frees the address. */
static void printer_tcp_close(printer *p)
{
    printer_tcp_drop(p);
    free(p->impl);
    p->impl = NULL;
}

const printer_ops printer_tcp_ops = {
    .scheme = "tcp",
    .open = printer_tcp_open,
    .write = printer_tcp_write,
    .status = printer_tcp_status,
    .close = printer_tcp_close,
};
