#!/usr/bin/env bash
# The main job on the embedded default: installs the external tools, builds
# trove, ingests a sample leak and searches it. Data goes to $TROVE_DATA
# (default ./trove-data, kept between runs; the ingest resumes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
export PATH=$PATH:/usr/local/go/bin
make build
export TROVE_DATA=${TROVE_DATA:-$PWD/trove-data}
trove=bin/trove
sample=${SAMPLE_DIR:-$TROVE_DATA/../trove-sample}
if [ ! -d "$sample" ]; then
  if [ -x ../shared/bench/mkcorpus ]; then
    echo "== generating a sample leak with ../shared/bench/mkcorpus (tiny)"
    ../shared/bench/mkcorpus --out "$sample" --size tiny --seed 1 >/dev/null
  else
    echo "== writing a small built-in sample"
    go run ./scripts/mksample "$sample"
  fi
fi
$trove doctor || true
$trove dataset show sample >/dev/null 2>&1 || \
  $trove dataset create sample --title "Sample leak" --country US --level public
echo "== ingesting $sample"
$trove ingest --exclude .truth sample "$sample"
$trove dataset show sample
echo "== searching"
$trove search --facets --limit 5 'operation OR invoice OR report'
# A signed release of the sample, once: downloads, feeds and a torrent at /releases/.
$trove releases | grep -q '^sample-r' || $trove release sample
echo
echo "Try: $trove search 'your words' | $trove show ITEM | $trove text ITEM | $trove cat ITEM > file"
echo "Add a staff account: $trove user add NAME --role admin   (reads the password from stdin)"
listen=${TROVE_LISTEN:-127.0.0.1:8080}
echo "== serving http://$listen/ (Ctrl-C stops)"
exec $trove serve --listen "$listen" --tracker
