#!/usr/bin/env bash
# make bench-release: releases, mirrors and torrents on loopback.
#   1. a ~2 GiB release (BENCH_RELEASE_MB): mirror sync throughput against
#      curl fetching the same files from the same server, 4 at a time each;
#   2. aria2c downloading the release's torrent from trove's seeder, against
#      aria2c downloading it from transmission-cli seeding the same files
#      (web seeds removed, peers found through trove's tracker);
#   3. release creation time (manifest + signature, then torrent hashing)
#      for the medium corpus catalog of scripts/bench.sh, if present.
# Each measurement runs BENCH_RUNS times (default 3), alternating order;
# the report gives medians and ratios from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh aria2 transmission-cli curl
export PATH=$PATH:/usr/local/go/bin
runs=${BENCH_RUNS:-3}
mb=${BENCH_RELEASE_MB:-2048}
base=${BENCH_DIR:-/tmp/trove-bench}
work=$base/release
res=$base/results-release
make build >/dev/null
trove=$PWD/bin/trove
rm -rf "$res"; mkdir -p "$res" "$work"
tsv=$res/runs.tsv
printf 'what\trun\tseconds\tbytes\n' > "$tsv"
now() { date +%s.%N; }
el() { python3 -c "print(f'{$2 - $1:.3f}')"; }

# The leak: large random files and many small ones, ~$mb MiB in all.
leak=$work/leak-$mb
if [ ! -f "$leak/.done" ]; then
  rm -rf "$leak"; mkdir -p "$leak/video" "$leak/docs"
  big=$(( (mb - 128) / 128 ))
  for i in $(seq 1 "$big"); do head -c $((128 << 20)) /dev/urandom > "$leak/video/clip$i.bin"; done
  for i in $(seq 1 256); do head -c $((512 << 10)) /dev/urandom > "$leak/docs/doc$i.bin"; done
  touch "$leak/.done"
fi
origin=$work/origin-$mb
if [ ! -f "$origin/catalog.db" ]; then
  $trove --data "$origin" dataset create big --level public >/dev/null
  $trove --data "$origin" ingest --quiet --exclude .done big "$leak" >/dev/null
  $trove --data "$origin" release big --json > "$work/release-$mb.json"
fi
name=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["name"])' "$work/release-$mb.json")
key=$($trove --data "$origin" key 2>/dev/null)
total=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["size"])' "$work/release-$mb.json")
echo "release $name: $total bytes"

port=18090
seedport=18091
start_origin() { # extra flags
  $trove --data "$origin" serve --listen 127.0.0.1:$port --tracker "$@" > "$res/origin.log" 2>&1 &
  opid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/releases/index.json" >/dev/null && break; sleep 0.1; done
}
stop_origin() { kill $opid 2>/dev/null; wait $opid 2>/dev/null || true; }
trap 'stop_origin; [ -n "${tpid:-}" ] && kill $tpid 2>/dev/null; true' EXIT
url=http://127.0.0.1:$port

# 1. Mirror sync against curl.
start_origin
curl -fs "$url/releases/$name/manifest.json" > "$work/manifest.json"
cfg=$work/curl.cfg
python3 - "$work/manifest.json" "$url" "$name" "$work/curl-out" > "$cfg" <<'PY'
import json, sys, urllib.parse
m = json.load(open(sys.argv[1]))
for f in m["files"]:
    print('url = "%s/files/%s/%s"' % (sys.argv[2], sys.argv[3], urllib.parse.quote(f["path"])))
    print('output = "%s/%s"' % (sys.argv[4], f["path"]))
PY
for r in $(seq 1 "$runs"); do
  for what in curl mirror; do
    [ $((r % 2)) -eq 0 ] && what=$([ $what = curl ] && echo mirror || echo curl)
    rm -rf "$work/curl-out" "$work/mirror"
    if [ $what = curl ]; then
      t0=$(now); curl -fs --no-progress-meter --parallel --parallel-max 4 --create-dirs -K "$cfg"; t1=$(now)
      printf 'curl\t%d\t%s\t%s\n' "$r" "$(el "$t0" "$t1")" "$total" >> "$tsv"
    else
      $trove --data "$work/mirror" mirror add "$url" --pubkey "$key" >/dev/null
      t0=$(now); $trove --data "$work/mirror" mirror sync --workers 4 --json > "$res/sync-$r.json"; t1=$(now)
      python3 - "$res/sync-$r.json" "$r" "$(el "$t0" "$t1")" >> "$tsv" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
rel = rep["releases"][0]
assert rel["status"] == "synced", rel
print("mirror-fetch\t%s\t%.3f\t%d" % (sys.argv[2], rel["fetch_ns"] / 1e9, rep["bytes_fetched"]))
print("mirror-total\t%s\t%s\t%d" % (sys.argv[2], sys.argv[3], rep["bytes_fetched"]))
PY
    fi
  done
done
rm -rf "$work/curl-out" "$work/mirror"
stop_origin

# 2. Torrent download: trove's seeder against transmission-cli's.
curl_torrent() { curl -fs "$url/releases/$name/$name.torrent"; }
start_origin
curl_torrent > "$work/web.torrent"
stop_origin
# Seeder only: the same info dictionary without web seeds.
go run ./scripts/torrentstrip "$work/web.torrent" "$work/seed.torrent"
aria() { # dir
  rm -rf "$1"
  HOME=$work timeout 900 aria2c --no-conf --dir="$1" --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
    --enable-peer-exchange=false --seed-time=0 --file-allocation=none --summary-interval=0 \
    --console-log-level=error --disable-ipv6=true --listen-port=18095 --bt-tracker-interval=1 \
    --bt-max-peers=0 "$work/seed.torrent" > "$res/aria2.log" 2>&1
}
tcfg=$work/transmission; mkdir -p "$tcfg"
cat > "$tcfg/settings.json" <<'JSON'
{"dht-enabled": false, "lpd-enabled": false, "pex-enabled": false, "utp-enabled": false,
 "port-forwarding-enabled": false, "ratio-limit-enabled": false, "speed-limit-up-enabled": false,
 "upload-slots-per-torrent": 50, "cache-size-mb": 64, "message-level": 1}
JSON
tdata=$work/tseed; mkdir -p "$tdata"; ln -sfn "$leak" "$tdata/$name"
for r in $(seq 1 "$runs"); do
  for what in trove transmission; do
    [ $((r % 2)) -eq 0 ] && what=$([ $what = trove ] && echo transmission || echo trove)
    if [ $what = trove ]; then
      start_origin --seed --seed-dht=false --seed-listen 127.0.0.1:$seedport
      for _ in $(seq 1 600); do grep -q "seeding release=$name" "$res/origin.log" && break; sleep 0.1; done
    else
      start_origin
      rm -rf "$tcfg/resume" "$tcfg/torrents" # no stale state: verify the files afresh
      HOME=$tcfg transmission-cli -g "$tcfg" -w "$tdata" -U -et -p 18096 "$work/seed.torrent" > "$res/transmission.log" 2>&1 &
      tpid=$!
      for _ in $(seq 1 3000); do grep -q "Seeding" "$res/transmission.log" && break; sleep 0.1; done
      grep -q "Seeding" "$res/transmission.log" || { echo "transmission-cli is not seeding" >&2; exit 1; }
    fi
    t0=$(now); aria "$work/aria-out"; t1=$(now)
    cmp -s "$work/aria-out/$name/video/clip1.bin" "$leak/video/clip1.bin" || { echo "aria2c download differs" >&2; exit 1; }
    printf 'aria2c-from-%s\t%d\t%s\t%s\n' "$what" "$r" "$(el "$t0" "$t1")" "$total" >> "$tsv"
    [ $what = transmission ] && { kill $tpid; wait $tpid 2>/dev/null || true; tpid=; }
    stop_origin
  done
done
rm -rf "$work/aria-out"

# 3. Release creation for the medium corpus (a copy of its catalog; the
# blobs are read in place).
medium=$base/data-medium
if [ -f "$medium/catalog.db" ]; then
  rc=$work/release-medium; rm -rf "$rc"; mkdir -p "$rc"
  sqlite3 "$medium/catalog.db" ".backup '$rc/catalog.db'" 2>/dev/null || cp "$medium/catalog.db" "$rc/catalog.db"
  ln -s "$medium/blobs" "$rc/blobs"
  for r in $(seq 1 "$runs"); do
    t0=$(now); $trove --data "$rc" release bench --json > "$res/medium-release-$r.json"; t1=$(now)
    python3 - "$res/medium-release-$r.json" "$r" "$(el "$t0" "$t1")" >> "$tsv" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print("medium-manifest\t%s\t%.3f\t%d" % (sys.argv[2], j["manifest_seconds"], j["size"]))
print("medium-torrent\t%s\t%.3f\t%d" % (sys.argv[2], j["torrent_seconds"], j["size"]))
print("medium-release-total\t%s\t%s\t%d" % (sys.argv[2], sys.argv[3], j["size"]))
PY
  done
  python3 -c 'import json,sys;j=json.load(open(sys.argv[1]));print("medium release: %d files, %d bytes" % (j["files"], j["size"]))' "$res/medium-release-1.json"
else
  echo "no $medium/catalog.db: run BENCH_SIZE=medium make bench first for the release-creation figure"
fi

python3 - "$tsv" <<'PY' | tee "$res/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = {}
for what in dict.fromkeys(r["what"] for r in rows):
    secs = [float(r["seconds"]) for r in rows if r["what"] == what]
    size = int(rows[[r["what"] for r in rows].index(what)]["bytes"])
    med[what] = statistics.median(secs)
    print(f"{what:22s} median {med[what]:7.2f} s  runs {' '.join(f'{s:.2f}' for s in secs)}  ({size / med[what] / 2**20:.0f} MiB/s)")
def ratio(a, b, label):
    if a in med and b in med:
        print(f"{label}: {med[b] / med[a]:.2f}x")
ratio("mirror-fetch", "curl", "mirror sync fetch throughput / curl")
ratio("mirror-total", "curl", "mirror sync incl. ingest+torrent / curl")
ratio("aria2c-from-trove", "aria2c-from-transmission", "aria2c from trove seeder / from transmission (speed)")
PY
