#!/usr/bin/env bash
# The whole test suite: installs what it needs, then lint and every test
# (race detector on). CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh chromium aria2 transmission-cli
export PATH=$PATH:/usr/local/go/bin
echo "== lint"
make lint
echo "== test"
make test
