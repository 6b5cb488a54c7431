#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing. Quiet and idempotent.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "setup_browser: $CHROMIUM is missing and this user cannot install it;" \
            "run as root: apt-get update && apt-get install -y chromium" >&2
        exit 1
    fi
fi

echo "setup_browser: installing Debian's chromium ..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "setup_browser: chromium installed but $CHROMIUM not found" >&2
    exit 1
fi
echo "setup_browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready" >&2
