/* printer: receipt printer transports chosen by URI (usb, lp, tcp, serial, file, preview, none). */
#ifndef CP_PRINTER_H
#define CP_PRINTER_H

#include <stddef.h>
#include <stdio.h>

#include "core/err.h"

/*
 * URIs:
 *   usb[:VID:PID]       USB printer class (interface class 7) via libusb; VID and
 *                       PID in hex; without them the first printer found
 *   lp:/dev/usb/lp0     the kernel's usblp device (or any character device)
 *   tcp:HOST[:PORT]     raw TCP, port 9100 by default; [v6addr]:port for IPv6
 *   serial:DEV[:BAUD]   serial port via libserialport, 9600 8N1 by default
 *   file:PATH           appends the raw bytes to PATH ("file:-" = stdout)
 *   preview             decodes the bytes to text (see decode.h) on a FILE*
 *   none                takes the bytes and drops them
 * Nothing here blocks longer than the timeout: writes, connects and USB
 * transfers all give up with CP_ERR_TIMEOUT (or another error) and a detail
 * for the cashier. A failed write leaves the printer usable for a retry.
 */

#define PRINTER_TIMEOUT_MS 3000  /* default for connects and writes */

typedef enum printer_state {
    PRINTER_OK = 0,
    PRINTER_OFFLINE,          /* not connected, unplugged, off or in error */
    PRINTER_PAPER_OUT,
    PRINTER_UNKNOWN,          /* connected, but the transport cannot tell more */
} printer_state;

typedef struct printer printer;

/* Opens the printer a URI names; the caller closes it with printer_close.
 * Connects now (tcp, usb, lp, serial) so that a wrong URI or an absent
 * printer is reported at once; CP_ERR_INVALID for a malformed URI. */
cp_err printer_open(const char *uri, printer **out);

/* printer_open with another timeout (ms) for the first connect and after. */
cp_err printer_open_timeout(const char *uri, int timeout_ms, printer **out);

/* Sends len bytes, all of them or an error, within the timeout. A tcp or usb
 * printer that went away is reconnected on the next write. */
cp_err printer_write(printer *p, const void *data, size_t len);

/* What the printer says about itself, asking it where the transport can
 * (usb: GET_PORT_STATUS, lp: LPGETSTATUS); never blocks past the timeout. */
printer_state printer_status(printer *p);

/* Text for a state ("ok", "offline", "paper out", "unknown"); static storage. */
const char *printer_state_name(printer_state s);

/* Sets the timeout for later writes, reconnects and status queries. */
void printer_set_timeout(printer *p, int ms);

/* Where the preview transport writes its text (stdout by default); borrowed. */
void printer_set_preview(printer *p, FILE *f);

/* The URI the printer was opened with; owned by the printer. */
const char *printer_uri(const printer *p);

/* Closes the printer and frees it; accepts NULL. */
void printer_close(printer *p);

#endif
