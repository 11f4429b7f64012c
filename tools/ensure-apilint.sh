#!/usr/bin/env bash
# The OpenAPI linters, Redocly CLI and Spectral, at the versions pinned in tools/apilint (its
# package-lock.json pins every dependency too), installed with npm into tools/apilint/node_modules
# when they are missing or at another version. Node.js and npm come from the machine; where there
# is no Node.js at all, Debian's are installed, as tools/ensure-browser.sh does.
set -euo pipefail
cd "$(dirname "$0")/apilint"

if ! command -v npm >/dev/null 2>&1; then
  if command -v node >/dev/null 2>&1; then
    echo "ensure-apilint: node $(node --version) is installed without npm; install the npm that came with it" >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "ensure-apilint: installing nodejs npm from Debian's packages for the OpenAPI linters" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi

# Redocly CLI 2.77 runs on Node.js 20.19 or later (22.12 or later from its next releases).
node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (maj < 20 || (maj === 20 && min < 19)) {
    console.error("ensure-apilint: Redocly CLI needs Node.js 20.19 or later; this machine has " + process.version);
    process.exit(1);
  }'

want_redocly=$(node -p 'require("./package.json").devDependencies["@redocly/cli"]')
want_spectral=$(node -p 'require("./package.json").devDependencies["@stoplight/spectral-cli"]')
installed() { node -p "try { require('./node_modules/$1/package.json').version } catch { '' }"; }
if [ "$(installed @redocly/cli)" != "$want_redocly" ] || [ "$(installed @stoplight/spectral-cli)" != "$want_spectral" ]; then
  echo "ensure-apilint: installing Redocly CLI $want_redocly and Spectral $want_spectral with npm ci" >&2
  # No install scripts: the linters need none, and one of their dependencies would phone home.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "ensure-apilint: redocly $(installed @redocly/cli), spectral $(installed @stoplight/spectral-cli), node $(node --version)" >&2
