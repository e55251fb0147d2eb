#!/usr/bin/env python3
"""Sends one signed terminal request to `cleanplate-office serve` (doc/protocol.md),
as a terminal would, for the integration tests.

usage: termreq.py HOST:PORT CODE KEY METHOD PATH [BODY|@FILE|-] [--skew S] [--sign-as CODE]
                  [--close-early]
Prints the HTTP status on the first line and the answer's body on the second;
fails (exit 3) when an answer the server must sign (doc/protocol.md) is not
signed with the key.
--skew adds S seconds to the request's time; --sign-as puts another code in
the header than the one signed; --close-early sends the request and closes
the connection without reading the answer (the answer lost)."""
import hashlib
import hmac
import http.client
import socket
import sys
import time


def sign(key, code, t, method, path, body):
    msg = ("%s\n%d\n%s\n%s\n" % (code, t, method, path)).encode() + body
    return hmac.new(bytes.fromhex(key), msg, hashlib.sha256).hexdigest()


def main(argv):
    opts = {"--skew": "0", "--sign-as": None}
    flags = set()
    args = []
    i = 0
    while i < len(argv):
        if argv[i] in opts:
            opts[argv[i]] = argv[i + 1]
            i += 2
        elif argv[i].startswith("--"):
            flags.add(argv[i])
            i += 1
        else:
            args.append(argv[i])
            i += 1
    hostport, code, key, method, path = args[:5]
    body = b""
    if len(args) > 5:
        if args[5] == "-":
            body = sys.stdin.buffer.read()
        elif args[5].startswith("@"):
            with open(args[5][1:], "rb") as f:
                body = f.read()
        else:
            body = args[5].encode()
    t = int(time.time()) + int(opts["--skew"])
    sig = sign(key, opts["--sign-as"] or code, t, method, path, body)
    headers = {"X-CleanPlate-Terminal": code, "X-CleanPlate-Time": str(t),
               "X-CleanPlate-Signature": sig, "Content-Type": "application/json"}
    host, port = hostport.rsplit(":", 1)
    if "--close-early" in flags:
        s = socket.create_connection((host, int(port)))
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method, path, hostport,
                                                                         len(body))
        head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        s.sendall(head.encode() + body)
        s.close()
        print("closed")
        return 0
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    answer = r.read()
    print(r.status)
    print(answer.decode())
    # the server signs every answer to a request whose signature it checked:
    # all but the refusals made before (401, 413) and a busy store (503)
    if r.status not in (401, 413, 503) and opts["--sign-as"] is None:
        want = sign(key, "answer", r.status, sig, "", answer)
        got = r.getheader("X-CleanPlate-Answer-Signature") or ""
        if not hmac.compare_digest(want, got):
            sys.stderr.write("termreq: the answer's signature is %r, not %r\n" % (got, want))
            return 3
    return 0


sys.exit(main(sys.argv[1:]))
