/* umockdev_load: libumockdev loaded with dlopen for in-process device tests (its header needs GLib's). */
#ifndef CP_TEST_UMOCKDEV_LOAD_H
#define CP_TEST_UMOCKDEV_LOAD_H

#include <stddef.h>

/* One function to look up in libumockdev (or GLib through it), and where to put it. */
typedef struct umockdev_sym {
    const char *name;
    void **slot;
} umockdev_sym;

/* Loads libumockdev.so.0 and fills every slot; prints what is missing and
 * returns -1 when it cannot, 0 on success. */
int umockdev_load(const umockdev_sym *syms, size_t n);

#endif
