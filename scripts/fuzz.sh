#!/usr/bin/env bash
# Runs every fuzz target of the module for $1 each (default 20s).
# go test -fuzz takes one target and one package at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-20s}
fail=0
for pkg in $(go list -tags sqlite_fts5,nosqlite ./...); do
  dir=$(go list -tags sqlite_fts5,nosqlite -f '{{.Dir}}' "$pkg")
  for fn in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "== $pkg $fn"
    go test -tags sqlite_fts5,nosqlite -run '^$' -fuzz "^$fn\$" -fuzztime "$t" -fuzzminimizetime 5s "$pkg" || fail=1
  done
done
exit $fail
