#!/usr/bin/env bash
# make bench-serve: load-test trove serve with wrk on loopback over the
# medium corpus (BENCH_SIZE to change), 32 connections:
#   - the search page and the search API with the planted needle phrases,
#   - the same with single common words (facets are always computed),
#   - the item page and the dataset page,
#   - original download of a large file, against nginx serving the same
#     file from disk in the same run.
# Needs the catalog from scripts/bench.sh (run it first) or ingests the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${BENCH_SIZE:-medium}
dur=${BENCH_DURATION:-15s}
source scripts/deps.sh wrk nginx-light
export PATH=$PATH:/usr/local/go/bin
work=${BENCH_DIR:-/tmp/trove-bench}
corpus=$work/corpus-$size
data=$work/data-$size
make build >/dev/null
trove=$PWD/bin/trove
if [ ! -f "$data/catalog.db" ]; then
  [ -f "$corpus/.truth/planted.tsv" ] || ../shared/bench/mkcorpus --out "$corpus" --size "$size" --seed 1 >/dev/null
  $trove --data "$data" dataset create bench --level public >/dev/null
  $trove --data "$data" ingest --quiet --exclude .truth bench "$corpus" >/dev/null
fi
# A large original to download: 512 MiB of random bytes, in its own dataset.
big=$work/big
if [ ! -f "$big/large.bin" ]; then
  mkdir -p "$big"; head -c $((512<<20)) /dev/urandom > "$big/large.bin"
fi
$trove --data "$data" dataset show big >/dev/null 2>&1 || {
  $trove --data "$data" dataset create big --level public >/dev/null
  $trove --data "$data" ingest --quiet big "$big" >/dev/null
}
port=18080
$trove --data "$data" serve --listen 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; [ -n "${npid:-}" ] && kill $npid 2>/dev/null; true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.2; done
res=$work/serve-$size; rm -rf "$res"; mkdir -p "$res"
urlenc() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$1"; }
tail -n +2 "$corpus/.truth/planted.tsv" | cut -f2 | while read -r n; do
  q=$(urlenc "\"$n\""); echo "/search?q=$q" >> "$res/phrase-page.txt"; echo "/api/v1/search?q=$q" >> "$res/phrase-api.txt"
done
for w in report police information county meeting please email state time data security public office system list message free new software people; do
  echo "/search?q=$w" >> "$res/word-page.txt"; echo "/api/v1/search?q=$w" >> "$res/word-api.txt"
done
item=$($trove --data "$data" search --json --limit 1 '"operation"' | python3 -c 'import json,sys;print(json.load(sys.stdin)["hits"][0]["item_id"])')
echo "/items/$item" > "$res/item.txt"
echo "/datasets/bench" > "$res/dataset.txt"
cat > "$res/paths.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
run() { # name paths-file
  WRK_PATHS="$res/$2" wrk -t2 -c32 -d"$dur" --latency -s "$res/paths.lua" "http://127.0.0.1:$port" > "$res/$1.wrk" 2>&1
  printf '%-14s %8s req/s  p50 %-9s p99 %-9s errors: %s\n' "$1" \
    "$(awk '/Requests\/sec/{print $2}' "$res/$1.wrk")" \
    "$(awk '$1=="50%"{print $2}' "$res/$1.wrk")" "$(awk '$1=="99%"{print $2}' "$res/$1.wrk")" \
    "$(grep -E 'Non-2xx|Socket errors' "$res/$1.wrk" | tr '\n' ' ' || true)"
}
echo "== trove serve, $size corpus, 32 connections, $dur each"
run phrase-page phrase-page.txt
run phrase-api phrase-api.txt
run word-page word-page.txt
run word-api word-api.txt
run item-page item.txt
run dataset-page dataset.txt
# Large download: trove against nginx on the same file, 4 connections.
bigid=$($trove --data "$data" show --json big:large.bin | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')
mkdir -p "$res/nginx"
cat > "$res/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $res/nginx/nginx.pid;
error_log $res/nginx/error.log;
events { worker_connections 256; }
http {
  access_log off; sendfile on; tcp_nopush on;
  client_body_temp_path $res/nginx; proxy_temp_path $res/nginx; fastcgi_temp_path $res/nginx; uwsgi_temp_path $res/nginx; scgi_temp_path $res/nginx;
  server { listen 127.0.0.1:18081; root $big; }
}
CONF
nginx -c "$res/nginx/nginx.conf" -g 'daemon off;' &
npid=$!
sleep 1
dl() { wrk -t2 -c4 -d"$dur" "$1" > "$res/$2.wrk" 2>&1; awk '/Transfer\/sec/{print $2}' "$res/$2.wrk"; }
t=$(dl "http://127.0.0.1:$port/items/$bigid/original" trove-download)
n=$(dl "http://127.0.0.1:18081/large.bin" nginx-download)
echo "download       trove $t/s, nginx $n/s"
python3 - "$t" "$n" <<'PY'
import sys
def mb(s):
    u = {"KB": 1/1024, "MB": 1, "GB": 1024}
    for k, v in u.items():
        if s.endswith(k): return float(s[:-2]) * v
    return float(s)
print(f"download ratio trove/nginx: {mb(sys.argv[1]) / mb(sys.argv[2]):.2f}")
PY
