/* enospc_shim: LD_PRELOAD for tests: a full disk under the database, switched on and off by a file. */

/*
 * While the file named by $ENOSPC_SHIM_FLAG exists, every write, pwrite,
 * pwrite64, writev, pwritev, fallocate, posix_fallocate and ftruncate on a
 * file whose path ends in .db, .db-wal or .db-journal fails with ENOSPC, as
 * on a disk with no space left; create the file and the disk is full, remove
 * it and space is back. Reads, the -shm index (mapped memory) and every other
 * file (stdout, logs) are left alone. Which file a descriptor is open on is
 * read from /proc/self/fd when the flag exists, so descriptors from any open
 * variant (open64, openat, __open_2, dup) are covered without tracking them.
 * Build: cc -shared -fPIC -o enospc_shim.so tests/shim/enospc_shim.c -ldl
 * Use:   ENOSPC_SHIM_FLAG=/tmp/full LD_PRELOAD=enospc_shim.so prog
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Whether the disk is full now and fd is open on a database file. */
static bool full(int fd)
{
    static const char *const ends[] = {".db", ".db-wal", ".db-journal"};
    const char *flag = getenv("ENOSPC_SHIM_FLAG");
    char link[64], path[4096];
    ssize_t n;

    if (!flag || !*flag || fd < 0 || access(flag, F_OK) != 0)
        return false;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return false;
    path[n] = '\0';
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        size_t len = strlen(ends[i]);
        if ((size_t)n >= len && strcmp(path + n - len, ends[i]) == 0)
            return true;
    }
    return false;
}

/* next_NAME: the next definition of NAME (libc's), looked up once. */
#define NEXT(name)                                                                             \
    static __typeof__(&name) next_##name;                                                      \
    if (!next_##name)                                                                          \
        next_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t len)
{
    NEXT(write);
    if (len > 0 && full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    NEXT(pwrite);
    if (len > 0 && full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_pwrite(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
    NEXT(pwrite64);
    if (len > 0 && full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_pwrite64(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    NEXT(writev);
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_writev(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
    NEXT(pwritev);
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_pwritev(fd, iov, n, off);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    NEXT(fallocate);
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_fallocate(fd, mode, off, len);
}

int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
    NEXT(fallocate64);
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_fallocate64(fd, mode, off, len);
}

/* posix_fallocate answers the error number instead of setting errno. */
int posix_fallocate(int fd, off_t off, off_t len)
{
    NEXT(posix_fallocate);
    if (full(fd))
        return ENOSPC;
    return next_posix_fallocate(fd, off, len);
}

int posix_fallocate64(int fd, off64_t off, off64_t len)
{
    NEXT(posix_fallocate64);
    if (full(fd))
        return ENOSPC;
    return next_posix_fallocate64(fd, off, len);
}

/* Growing a file needs space; shrinking it does not (SQLite shrinks the WAL
 * after a checkpoint), but a full disk refuses both here, to be strict. */
int ftruncate(int fd, off_t len)
{
    NEXT(ftruncate);
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_ftruncate(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
    NEXT(ftruncate64);
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return next_ftruncate64(fd, len);
}
