#!/usr/bin/env bash
# make bench: ingest a generated leak corpus with trove and with Recoll in the
# same run, then measure recall of the planted needles and search latency.
#   BENCH_SIZE=small|medium|large (default small; large: ~100,000 files, ~6 GB,
#   about 20-60 min to generate, for the search latency target on large)
#   BENCH_RUNS=3  BENCH_RECOLL=1|0
#   BENCH_OCR=1|0: also ingest with OCR (trove's default) in each run, and
#   measure recall and latency on that catalog (default 1)
# Figures are medians of BENCH_RUNS runs; the report goes to
# bench-results/<size>-<date>.json and a summary to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${BENCH_SIZE:-small}
runs=${BENCH_RUNS:-3}
recoll=${BENCH_RECOLL:-1}
ocr=${BENCH_OCR:-1}
extra=(python3)
[ "$recoll" = 1 ] && extra+=(recoll)
source scripts/deps.sh "${extra[@]}"
export PATH=$PATH:/usr/local/go/bin
work=${BENCH_DIR:-/tmp/trove-bench}
mkdir -p "$work" bench-results
corpus=$work/corpus-$size
mk=${MKCORPUS:-../shared/bench/mkcorpus}
if [ ! -f "$corpus/.truth/planted.tsv" ]; then
  [ -x "$mk" ] || { echo "bench: $mk not found (needs ../shared/bench)"; exit 1; }
  rm -rf "$corpus"
  echo "== generating the $size corpus"
  "$mk" --out "$corpus" --size "$size" --seed 1 >/dev/null
fi
make build >/dev/null
go build -tags sqlite_fts5,nosqlite -o "$work/benchsearch" ./scripts/benchsearch
trove=$PWD/bin/trove
results=$work/results-$size
rm -rf "$results"; mkdir -p "$results"
# Recoll does not OCR by default: the trove/Recoll comparison uses trove
# --no-ocr (like for like); the ingest with OCR, trove's default, is timed
# beside it, and recall and latency are measured on its catalog.
# measure OUT CMD...: runs CMD with /usr/bin/time (wall, user, sys, peak
# RSS to OUT.time) and, where this machine lets us make a cgroup, counts
# the CPU of everything it starts into OUT.cpu. /usr/bin/time alone misses
# the tools trove runs sandboxed: bubblewrap's init process inside the
# sandbox reaps the tool and is itself never waited for, so their CPU never
# reaches the parent's counters (about 40% of the CPU of an ingest).
measure() {
  local out=$1; shift
  local g="" v=1
  if [ -d /sys/fs/cgroup/cpuacct ] && mkdir "/sys/fs/cgroup/cpuacct/trove-bench-$$" 2>/dev/null; then
    g=/sys/fs/cgroup/cpuacct/trove-bench-$$
  elif [ -f /sys/fs/cgroup/cgroup.controllers ] && mkdir "/sys/fs/cgroup/trove-bench-$$" 2>/dev/null; then
    g=/sys/fs/cgroup/trove-bench-$$ v=2
  fi
  if [ -z "$g" ]; then
    /usr/bin/time -f '%e %U %S %M' -o "$out.time" "$@"
    return
  fi
  local rc=0
  ( echo "$BASHPID" > "$g/cgroup.procs"; exec /usr/bin/time -f '%e %U %S %M' -o "$out.time" "$@" ) || rc=$?
  if [ $v = 1 ]; then
    awk '{printf "%.2f\n", $1 / 1e9}' "$g/cpuacct.usage" > "$out.cpu"
  else
    awk '$1 == "usage_usec" {printf "%.2f\n", $2 / 1e6}' "$g/cpu.stat" > "$out.cpu"
  fi
  rmdir "$g" 2>/dev/null || true
  return $rc
}
for i in $(seq 1 "$runs"); do
  # Each run ingests into a folder of its own, and the folders are removed
  # only after the last run: on ext4 without a journal (this machine's
  # disk), inodes freed in the last 60 to 360 s are skipped by reading
  # each one's inode-table block, so deleting thousands of files just
  # before an ingest slowed it by 5 to 10% (ext4's recently_deleted()).
  # That is a cost of the harness, not of ingesting a leak.
  data=$work/data-$size.run$i
  rm -rf "$data"
  $trove --data "$data" dataset create bench --level public >/dev/null
  echo "== trove ingest --no-ocr, run $i"
  measure "$results/trove.$i" \
    $trove --data "$data" ingest --quiet --json --no-ocr --exclude .truth bench "$corpus" > "$results/trove.$i.json"
  if [ "$ocr" = 1 ]; then
    od=$work/data-$size-ocr.run$i; rm -rf "$od"
    $trove --data "$od" dataset create bench --level public >/dev/null
    echo "== trove ingest with OCR, run $i"
    measure "$results/trove-ocr.$i" \
      $trove --data "$od" ingest --quiet --json --exclude .truth bench "$corpus" > /dev/null
  fi
  if [ "$recoll" = 1 ]; then
    conf=$work/recoll-$size
    rm -rf "$conf"; mkdir -p "$conf"
    printf 'topdirs = %s\nskippedNames+ = .truth\nloglevel = 1\n' "$corpus" > "$conf/recoll.conf"
    echo "== recollindex, run $i"
    measure "$results/recoll.$i" recollindex -c "$conf" -z >/dev/null 2>&1 || true
  fi
done
# The last run's catalogs stay as data-SIZE and data-SIZE-ocr (the other
# scripts use them); the rest go now that the ingests are timed.
rm -rf "$work/data-$size" "$work/data-$size-ocr"
mv "$data" "$work/data-$size"; data=$work/data-$size
if [ "$ocr" = 1 ]; then mv "$od" "$work/data-$size-ocr"; fi
rm -rf "$work/data-$size.run"* "$work/data-$size-ocr.run"*
du -sb --exclude=.truth "$corpus" | cut -f1 > "$results/corpus.bytes"
du -sb "$data/blobs" | cut -f1 > "$results/store.bytes"
cat "$data"/catalog.db* | wc -c > "$results/index.bytes"
echo "== search: recall and latency"
searchdb=$data/catalog.db
[ "$ocr" = 1 ] && searchdb=$work/data-$size-ocr/catalog.db
"$work/benchsearch" -db "$searchdb" -planted "$corpus/.truth/planted.tsv" > "$results/search.json"
if [ "$recoll" = 1 ]; then
  echo "== recoll recall"
  tail -n +2 "$corpus/.truth/planted.tsv" | while IFS=$'\t' read -r id needle kind file chain depth also; do
    if recollq -c "$conf" -b "\"$needle\"" 2>/dev/null | grep -qF "file://$corpus/$file"; then echo "$id	$kind	1"; else echo "$id	$kind	0"; fi
  done > "$results/recoll-recall.tsv"
fi
out=bench-results/$size-$(date +%Y%m%d-%H%M).txt
python3 scripts/benchreport.py "$results" "$size" "$runs" | tee "$out"
if [ "$ocr" = 1 ]; then
  python3 - "$results" "$runs" <<'PY' | tee -a "$out"
import statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
w = [float(open(f"{d}/trove-ocr.{i}.time").read().split()[0]) for i in range(1, n + 1)]
wo = [float(open(f"{d}/trove.{i}.time").read().split()[0]) for i in range(1, n + 1)]
print(f"trove ingest wall time with OCR (default): median {statistics.median(w):.1f} s ({' '.join(map(str, w))}); "
      f"without OCR (--no-ocr): median {statistics.median(wo):.1f} s ({' '.join(map(str, wo))}); "
      f"OCR costs {statistics.median(w) / statistics.median(wo):.2f}x")
PY
fi
