#!/usr/bin/env bash
# The OpenAPI linters, Redocly CLI and Spectral, at the versions pinned in tools/apilint (its
# package-lock.json pins every dependency too), installed with npm into tools/apilint/node_modules
# when they are missing or at another version. Node.js and npm come from the machine; where there
# is no Node.js at all, Debian's are installed, as tools/ensure-browser.sh does (and, being too old
# for Redocly, given a newer Node.js of the linters' own, see below).
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

# Redocly CLI 2.77 runs on Node.js 20.19 or later (22.12 or later from its next releases). An older
# Node.js (Debian bookworm's is 18) stays the machine's; the linters get Node.js 22 of their own, from
# the npm registry's node-linux-<arch> package (the official binary), under tools/apilint/.node,
# whose bin directory make lint-openapi puts first on PATH.
node_ok() {
  "$1" -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit(maj > 20 || (maj === 20 && min >= 19) ? 0 : 1);'
}
own_node_version=22.23.5
if ! node_ok node && ! { [ -x .node/bin/node ] && node_ok .node/bin/node; }; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "ensure-apilint: Redocly CLI needs Node.js 20.19 or later; this machine has $(node --version) on $(uname -m)" >&2; exit 1 ;;
  esac
  echo "ensure-apilint: node $(node --version) is older than Redocly CLI needs; installing Node.js $own_node_version for the linters from the npm registry (node-linux-$arch)" >&2
  rm -rf .node
  npm install --prefix .node --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error \
    "node-linux-$arch@$own_node_version" >/dev/null
  mkdir -p .node/bin
  ln -sf "../node_modules/node-linux-$arch/bin/node" .node/bin/node
  node_ok .node/bin/node
fi
if [ -x .node/bin/node ]; then
  export PATH="$PWD/.node/bin:$PATH"
fi

want_redocly=$(node -p 'require("./package.json").devDependencies["@redocly/cli"]')
want_spectral=$(node -p 'require("./package.json").devDependencies["@stoplight/spectral-cli"]')
installed() { node -p "try { require('./node_modules/$1/package.json').version } catch { '' }"; }
if [ "$(installed @redocly/cli)" != "$want_redocly" ] || [ "$(installed @stoplight/spectral-cli)" != "$want_spectral" ]; then
  echo "ensure-apilint: installing Redocly CLI $want_redocly and Spectral $want_spectral with npm ci" >&2
  # No install scripts: the linters need none, and one of their dependencies would phone home.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "ensure-apilint: redocly $(installed @redocly/cli), spectral $(installed @stoplight/spectral-cli), node $(node --version)" >&2
