/* ui: the cashier's full-screen terminal (ncursesw): login, taps, items, voids, reprints, shifts. */
#include "pos/ui.h"

#include <stdio.h>

int ui_run(const ui_config *c)
{
    (void)c;
    fprintf(stderr, "cleanplate-pos: the full-screen terminal is not built yet; run with "
                    "--headless --terminal CODE (see --help)\n");
    return 2;
}
