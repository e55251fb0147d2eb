/* cardno: card numbers as readers send them, normalised to the stored form. */
#ifndef CP_CARDNO_H
#define CP_CARDNO_H

#include "core/err.h"

/* The stored form is the card's 32-bit number as 10 decimal digits, zero-padded
 * ("0012345678"): what most readers print, and what is written on most cards. */
#define CARDNO_LEN 10

typedef enum cardno_format {
    CARDNO_AUTO = 0, /* decimal digits, or "FAC,CARD" (W26) when it has a comma */
    CARDNO_DEC10,    /* up to 10 decimal digits */
    CARDNO_W26,      /* facility (0-255) and card (0-65535): "123,45678" */
    CARDNO_HEX_MSB,  /* hex UID, most significant byte first: "04A1B2C3" */
    CARDNO_HEX_LSB,  /* hex UID, least significant byte first (byte-reversed) */
} cardno_format;

/* Parses a format name as used in config and on the command line
 * ("auto", "dec10", "w26", "hex", "hex-lsb"). */
cp_err cardno_format_parse(const char *name, cardno_format *out);

/* Normalises raw (as typed by a reader, surrounding blanks ignored) into out,
 * CARDNO_LEN digits and a NUL. Fails with CP_ERR_INVALID and a detail saying
 * why when raw is not a card number in that format. */
cp_err cardno_normalize(const char *raw, cardno_format fmt, char out[CARDNO_LEN + 1]);

#endif
