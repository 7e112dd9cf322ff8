#!/usr/bin/env bash
# make bench-check: `trove check` over the medium benchmark archive against
# sha256sum over exactly the same blob files, both on every core.
#   BENCH_SIZE=medium|small (default medium; falls back to small, and builds
#   small with scripts/bench.sh when neither archive exists)  BENCH_RUNS=3
# Uses $BENCH_DIR/data-$BENCH_SIZE (default /tmp/trove-bench) as scripts/bench.sh
# leaves it, read-only. The page cache cannot be dropped here, so every blob
# is read once first (warm-up) and each tool then runs BENCH_RUNS times from
# the cache; figures are medians. Both tools use $(nproc) processes:
# sha256sum through `xargs -P NPROC -n 64` over the same file list, trove
# check with one hashing worker per core (its catalog checks run beside).
# Measured: the whole check, the check without SQLite's and FTS5's own
# checks of the catalog (--skip-db-check: every blob and cross-check), and
# a 10 % sample.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh python3
export PATH=$PATH:/usr/local/go/bin
work=${BENCH_DIR:-/tmp/trove-bench}
size=${BENCH_SIZE:-medium}
runs=${BENCH_RUNS:-3}
data=$work/data-$size
if [ ! -f "$data/catalog.db" ] && [ "$size" = medium ] && [ -f "$work/data-small/catalog.db" ]; then
  echo "bench-check: $data not found, using the small archive"
  size=small; data=$work/data-small
fi
if [ ! -f "$data/catalog.db" ]; then
  echo "== building the $size archive (scripts/bench.sh)"
  BENCH_SIZE=$size BENCH_RUNS=1 BENCH_RECOLL=0 BENCH_OCR=0 bash scripts/bench.sh >/dev/null
fi
make build >/dev/null
trove=$PWD/bin/trove
ncpu=$(nproc)
results=$work/results-check-$size
rm -rf "$results"; mkdir -p "$results" bench-results
list=$results/blobs.list
find "$data/blobs" -mindepth 3 -maxdepth 3 -type f -regextype posix-extended -regex '.*/[0-9a-f]{64}' > "$list"
bytes=$(xargs -a "$list" -d '\n' stat -c %s | awk '{s += $1} END {print s}')
echo "== $size archive: $(wc -l < "$list") blobs, $bytes bytes, $ncpu cores"
echo "== warm-up read"
xargs -a "$list" -d '\n' -n 256 cat > /dev/null
for i in $(seq 1 "$runs"); do
  echo "== run $i"
  /usr/bin/time -f '%e' -o "$results/sha.$i.time" \
    sh -c "xargs -a '$list' -d '\n' -P $ncpu -n 64 sha256sum > /dev/null"
  code=0
  /usr/bin/time -f '%e' -o "$results/check.$i.time" \
    "$trove" --data "$data" check --quiet --json > "$results/check.$i.json" || code=$?
  [ "$code" = 0 ] || echo "trove check exit $code (damage in the archive? see $results/check.$i.json)"
  /usr/bin/time -f '%e' -o "$results/blobs.$i.time" \
    "$trove" --data "$data" check --quiet --json --skip-db-check > "$results/blobs.$i.json" || true
  /usr/bin/time -f '%e' -o "$results/sample.$i.time" \
    "$trove" --data "$data" check --quiet --json --sample 10 --seed "$i" > "$results/sample.$i.json" || true
done
out=bench-results/check-$size-$(date +%Y%m%d-%H%M).txt
python3 - "$results" "$runs" "$bytes" "$ncpu" <<'PY' | tee "$out"
import json, statistics, sys
d, n, size, ncpu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def times(name):
    return [float(open(f"{d}/{name}.{i}.time").read().split()[-1]) for i in range(1, n + 1)]
sha, chk, blb, smp = times("sha"), times("check"), times("blobs"), times("sample")
js = [json.load(open(f"{d}/check.{i}.json")) for i in range(1, n + 1)]
hashed = js[0]["stats"]["hashed_bytes"]
hs = [j["stats"]["hash_seconds"] for j in js]
cs = [j["stats"]["catalog_seconds"] for j in js]
mb = lambda b, s: b / 1e6 / s
m_sha, m_chk, m_hash = statistics.median(sha), statistics.median(chk), statistics.median(hs)
print(f"blobs: {size} bytes ({hashed} hashed by trove check), {ncpu} cores, medians of {n} runs, page cache warm")
print(f"sha256sum (xargs -P {ncpu}):        {m_sha:6.2f} s  {mb(size, m_sha):7.0f} MB/s  runs {' '.join(f'{x:.2f}' for x in sha)}")
print(f"trove check (everything):       {m_chk:6.2f} s  {mb(hashed, m_chk):7.0f} MB/s  runs {' '.join(f'{x:.2f}' for x in chk)}")
print(f"  of which blob hashing:        {m_hash:6.2f} s  {mb(hashed, m_hash):7.0f} MB/s  runs {' '.join(f'{x:.2f}' for x in hs)}")
print(f"  catalog/index checks (beside): {statistics.median(cs):5.2f} s")
print(f"trove check --skip-db-check: {statistics.median(blb):6.2f} s  {mb(hashed, statistics.median(blb)):7.0f} MB/s  runs {' '.join(f'{x:.2f}' for x in blb)}")
print(f"trove check --sample 10:        {statistics.median(smp):6.2f} s  runs {' '.join(f'{x:.2f}' for x in smp)}")
m_blb = statistics.median(blb)
print(f"ratios vs sha256sum (target >= 0.9x): trove check {m_sha / m_chk:.2f}x; --skip-db-check {m_sha / m_blb:.2f}x; its blob hashing alone {m_sha / m_hash:.2f}x")
PY
