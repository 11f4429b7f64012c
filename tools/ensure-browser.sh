#!/usr/bin/env bash
# The web app's browser tests drive Debian's Chromium and fetch the pinned axe-core with npm:
# install both from Debian's packages when the machine lacks them.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
echo "installing chromium and npm from Debian's packages for the browser tests" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium npm >/dev/null
