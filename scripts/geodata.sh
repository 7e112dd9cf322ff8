#!/usr/bin/env bash
# Regenerates internal/geo/data/countries-{10m,110m}.bin from the npm
# packages world-atlas (Natural Earth boundaries in TopoJSON; ISC, data in
# the public domain) and world-countries (ISO 3166-1 numeric → alpha-2;
# ODbL-1.0). Needs npm and Go; the packages are fetched into a temporary
# folder and nothing else is written. Pin the versions for reproducible
# output; the files are checked in, so this runs only to update them.
set -euo pipefail
ATLAS=${ATLAS:-world-atlas@2.0.2}
COUNTRIES=${COUNTRIES:-world-countries@5.1.0}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "$ATLAS" "$COUNTRIES" >/dev/null
mkdir atlas countries
tar xzf world-atlas-*.tgz -C atlas
tar xzf world-countries-*.tgz -C countries
cd "$root"
go run ./internal/geo/gen -atlas "$tmp/atlas/package" -countries "$tmp/countries/package" -out internal/geo/data
