#!/bin/sh
# Installs the Debian packages CleanPlate needs to build, test and demo, and only
# those that are missing. Safe to run again; does nothing when all are present.
set -eu

PACKAGES="
build-essential pkg-config gettext
libsqlite3-dev sqlite3
postgresql-15 postgresql-client-15 libpq-dev
libsodium-dev libinih-dev libcsv-dev libjansson-dev
libusb-1.0-0-dev libserialport-dev libncurses-dev
libhpdf-dev libqrencode-dev fonts-arphic-uming
libmicrohttpd-dev libcurl4-openssl-dev curl
libcmocka-dev umockdev libumockdev-dev
poppler-utils tmux chromium groff-base man-db python3 jq strace
clang libclang-rt-14-dev
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "install-deps: installing missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "install-deps: need root to install:$missing (run as root, or install them yourself)" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
