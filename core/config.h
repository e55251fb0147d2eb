/* config: INI files for a terminal or a station, read with inih. */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include "core/err.h"

typedef struct config config;

/* Reads the INI file at path. A line that does not parse is an error naming
 * PATH:LINE. Caller owns *out (config_free). */
cp_err config_load(const char *path, config **out);

/* The same from text in memory (name is used in messages). */
cp_err config_parse(const char *name, const char *text, config **out);

/* The value of key in section, or NULL when absent. Owned by c. */
const char *config_get(const config *c, const char *section, const char *key);

/* Like config_get, but NULL c or an absent key gives fallback. */
const char *config_get_or(const config *c, const char *section, const char *key,
                          const char *fallback);

/* Reads an integer in [min, max]; absent gives fallback; anything else is
 * CP_ERR_INVALID naming the file, section and key. */
cp_err config_get_int(const config *c, const char *section, const char *key, long min,
                      long max, long fallback, long *out);

/* Checks that every key of section is one of the NULL-terminated list
 * allowed, so that a misspelt key is an error rather than silently ignored. */
cp_err config_check_keys(const config *c, const char *section, const char *const *allowed);

/* Checks that no key of section is one of the NULL-terminated list there,
 * the keys of section home: CP_ERR_INVALID saying where it goes (a waste
 * station's server and key are in [station], a POS's in [terminal]). */
cp_err config_check_moved(const config *c, const char *section, const char *const *there,
                          const char *home);

/* Checks that the file at path, which holds a secret (a terminal's key),
 * is its owner's alone: anyone who reads the key can act as the terminal.
 * CP_ERR_ACCESS with the chmod to type when group or others may read it. */
cp_err config_check_private(const char *path);

/* Frees a config; accepts NULL. */
void config_free(config *c);

#endif
