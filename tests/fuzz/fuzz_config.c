/* Fuzz target: config_parse on any text; lookups on what it accepts must be safe. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    config *c = NULL;
    long v;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (config_parse("fuzz.ini", text, &c) == CP_OK) {
        static const char *const keys[] = {"code", "db", NULL};
        (void)config_get(c, "terminal", "code");
        (void)config_get_int(c, "terminal", "dup_seconds", 0, 100, 5, &v);
        (void)config_check_keys(c, "terminal", keys);
        config_free(c);
    } else if (c) {
        abort(); /* a failed parse returns nothing */
    }
    free(text);
    return 0;
}
