#!/usr/bin/env bash
# The web app's browser tests drive Debian's Chromium and fetch the pinned axe-core with npm.
# Install only what the machine lacks, each on its own: a machine whose Node.js and npm came from
# elsewhere (NodeSource, nvm) must not be asked to take Debian's npm, which conflicts with them.
# Then check that what the tests call answers.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! command -v npm >/dev/null 2>&1; then
  # Debian's npm depends on Debian's nodejs: ask for it only where no Node.js is installed at all.
  if command -v node >/dev/null 2>&1; then
    echo "ensure-browser: node $(node --version) is installed without npm; install the npm that came with it" >&2
    exit 1
  fi
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "ensure-browser: installing ${missing[*]} from Debian's packages for the browser tests" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

chromium --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 \
  || chromium --version >/dev/null \
  || { echo "ensure-browser: chromium is installed but does not start" >&2; exit 1; }
npm --version >/dev/null || { echo "ensure-browser: npm does not answer" >&2; exit 1; }
echo "ensure-browser: $(chromium --version 2>/dev/null | head -1), npm $(npm --version)" >&2
