/* umockdev_load: libumockdev loaded with dlopen for in-process device tests (its header needs GLib's). */
#include "tests/unit/helpers/umockdev_load.h"

#include <dlfcn.h>
#include <stdio.h>

int umockdev_load(const umockdev_sym *syms, size_t n)
{
    void *lib = dlopen("libumockdev.so.0", RTLD_NOW | RTLD_GLOBAL);

    if (!lib) {
        fprintf(stderr, "cannot load libumockdev (Debian package libumockdev0): %s\n",
                dlerror());
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(*syms[i].slot = dlsym(lib, syms[i].name))) {
            fprintf(stderr, "libumockdev: no %s\n", syms[i].name);
            return -1;
        }
    }
    return 0;
}
