/* pdfnew_shim: LD_PRELOAD for tests: runs a command at the moment a program begins a PDF. */

/*
 * With $PDFNEW_SHIM_RUN set, the program's first HPDF_New (libharu's "new
 * document") first runs that command with sh -c, waits for it, and only
 * then makes the document. The monthly report begins its PDF after it has
 * read the month's figures and before it reads the year's trend, so a
 * record the command writes arrives in the middle of the report's reading,
 * every time: what a terminal might do at any moment, made certain for a
 * test of the report's one snapshot. The command runs without the shim
 * (LD_PRELOAD and PDFNEW_SHIM_RUN are removed first), and the shim says on
 * stderr that it ran, so that a test can tell it did.
 * Build: cc -shared -fPIC -o pdfnew_shim.so tests/shim/pdfnew_shim.c -ldl
 * Use:   PDFNEW_SHIM_RUN='cmd ...' LD_PRELOAD=pdfnew_shim.so prog
 */
#include <dlfcn.h>
#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

HPDF_Doc HPDF_New(HPDF_Error_Handler user_error_fn, void *user_data)
{
    static HPDF_Doc (*real)(HPDF_Error_Handler, void *);
    const char *run = getenv("PDFNEW_SHIM_RUN");

    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "HPDF_New");
    if (run && *run) {
        char *cmd = strdup(run); /* unsetenv may free what getenv gave */
        int rc;

        if (!cmd)
            abort();
        unsetenv("PDFNEW_SHIM_RUN");
        unsetenv("LD_PRELOAD");
        rc = system(cmd);
        fprintf(stderr, "pdfnew_shim: ran '%s': exit %d\n", cmd, WEXITSTATUS(rc));
        free(cmd);
    }
    return real(user_error_fn, user_data);
}
