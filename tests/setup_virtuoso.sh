#!/usr/bin/env bash
# Install Debian's Virtuoso for the remote SPARQL store's tests when it is missing (about ten
# seconds from Debian's mirror). Quiet and idempotent. The package's own service is not used:
# the tests start their own server on loopback (tests/servers.py).
set -euo pipefail

if command -v virtuoso-t >/dev/null 2>&1 && command -v isql-vt >/dev/null 2>&1; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "setup_virtuoso: virtuoso-t is missing and this user cannot install it;" \
            "run as root: apt-get update && apt-get install -y virtuoso-opensource" >&2
        exit 1
    fi
fi

echo "setup_virtuoso: installing Debian's virtuoso-opensource ..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq virtuoso-opensource >/dev/null

if ! command -v virtuoso-t >/dev/null 2>&1; then
    echo "setup_virtuoso: virtuoso-opensource installed but virtuoso-t not found" >&2
    exit 1
fi
echo "setup_virtuoso: $(virtuoso-t --help 2>&1 | sed -n 2p) ready" >&2
