#!/usr/bin/env bash
# OCR benchmark (issue "every format", part 1): OCR pages per second per
# core with trove's OCR (ocr.Engine: sandboxed tesseract and pdftoppm) and
# with the same tesseract run by hand over the same files in the same run
# (target: no more than 10% overhead), and recall of the png-ocr and
# pdf-scan-ocr needles. Everything runs sequentially on one core
# (OMP_THREAD_LIMIT=1, as trove runs tesseract), so pages per second of one
# sequential run are pages per second per core; runs alternate (hand, trove,
# ...) BENCH_RUNS times, and the figures are medians.
# Methods: hand; engine (ocr.Engine as the ingest runs it, sandboxed: its
# wall clock is the figure; its CPU time cannot be measured, as bubblewrap's
# PID-namespace init is reaped outside this process tree); nosandbox
# (ocr.Engine with TROVE_NO_SANDBOX=1: CPU time measurable, so pages per CPU
# second compare with hand's on a busy machine too).
# With BENCH_OCR_EXTRACT=1 (default) a third method runs the image and pdf
# extractors with OCR (metadata and pdftotext too) over the same files.
#   BENCH_RUNS=3  BENCH_OCR_DPI=400  BENCH_OCR_LANG=eng  BENCH_OCR_EXTRACT=1  BENCH_CORPUS=DIR
# The report goes to bench-results/ocr-<date>.json and a summary to stdout.
#
# TODO(ingest time with and without OCR, once cmd/trove wires OCR): per run,
#   trove --data "$data" dataset create bench --level public
#   /usr/bin/time -f '%e %U %S %M' trove --data "$data" ingest --quiet --json --exclude .truth bench "$corpus"
# once with OCR off and once on (the switch is named when it is wired, e.g.
# TROVE_OCR=1 or `dataset set bench --ocr-lang eng`), as scripts/bench.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-3}
dpi=${BENCH_OCR_DPI:-400}
lang=${BENCH_OCR_LANG:-eng}
withextract=${BENCH_OCR_EXTRACT:-1}
methods="hand engine nosandbox"
[ "$withextract" = 1 ] && methods="$methods extract"
export PATH=$PATH:/usr/local/go/bin
for t in tesseract pdftoppm pdfinfo python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench-ocr: $t not installed (tesseract-ocr, poppler-utils, time)"; exit 1; }
done
work=${BENCH_DIR:-/tmp/trove-bench}
corpus=${BENCH_CORPUS:-$work/corpus-small}
mkdir -p "$work" bench-results
if [ ! -f "$corpus/.truth/planted.tsv" ]; then
  mk=${MKCORPUS:-../shared/bench/mkcorpus}
  [ -x "$mk" ] || { echo "bench-ocr: $mk not found (needs ../shared/bench)"; exit 1; }
  rm -rf "$corpus"
  echo "== generating the small corpus"
  "$mk" --out "$corpus" --size small --seed 1 >/dev/null
fi
go build -tags sqlite_fts5,nosqlite -o "$work/benchocr" ./scripts/benchocr
res=$work/ocr-results
rm -rf "$res"; mkdir -p "$res"

# The files: every png-ocr image and scanned PDF of the ground truth, once.
list=$res/list.tsv
awk -F'\t' 'NR > 1 && ($3 == "png-ocr" || $3 == "pdf-scan-ocr") { print $3 "\t" $4 }' "$corpus/.truth/planted.tsv" |
  sort -u | while IFS=$'\t' read -r kind file; do
    if [ "$kind" = png-ocr ]; then
      printf 'img\t%s\n' "$corpus/$file"
    else
      printf 'pdf\t%s\t%s\n' "$corpus/$file" "$(pdfinfo "$corpus/$file" | awk '/^Pages:/ { print $2 }')"
    fi
  done > "$list"
pages=$(awk -F'\t' '{ n += ($1 == "img") ? 1 : $3 } END { print n }' "$list")
echo "== $(wc -l < "$list") files, $pages pages; tesseract $(tesseract --version 2>/dev/null | head -1 | cut -d' ' -f2), $dpi dpi, -l $lang; load $(cut -d' ' -f1-3 /proc/loadavg)"

# by hand: the commands trove runs, without sandbox, limits or Go
cat > "$res/hand.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
list=$1 out=$2 dpi=$3 lang=$4
export OMP_THREAD_LIMIT=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
n=0
while IFS=$'\t' read -r kind file npages; do
  n=$((n + 1))
  if [ "$kind" = img ]; then
    tesseract "$file" stdout -l "$lang" > "$out/$n.txt" 2>/dev/null
  else
    : > "$out/$n.txt"
    for p in $(seq 1 "$npages"); do
      pdftoppm -r "$dpi" -f "$p" -l "$p" -singlefile -png -gray "$file" "$tmp/page"
      [ "$p" -gt 1 ] && printf '\f' >> "$out/$n.txt"
      tesseract "$tmp/page.png" stdout -l "$lang" --dpi "$dpi" >> "$out/$n.txt" 2>/dev/null
    done
  fi
done < "$list"
SH
chmod +x "$res/hand.sh"

for i in $(seq 1 "$runs"); do
  echo "== run $i: by hand"
  /usr/bin/time -f '%e %U %S' -o "$res/hand.$i.time" "$res/hand.sh" "$list" "$res/hand.$i" "$dpi" "$lang"
  echo "== run $i: trove ocr.Engine"
  /usr/bin/time -f '%e %U %S' -o "$res/engine.$i.time" \
    "$work/benchocr" -mode engine -list "$list" -out "$res/engine.$i" -dpi "$dpi" -lang "$lang"
  echo "== run $i: trove ocr.Engine without sandbox"
  TROVE_NO_SANDBOX=1 /usr/bin/time -f '%e %U %S' -o "$res/nosandbox.$i.time" \
    "$work/benchocr" -mode engine -list "$list" -out "$res/nosandbox.$i" -dpi "$dpi" -lang "$lang"
  [ "$withextract" = 1 ] || continue
  echo "== run $i: trove image and pdf extractors with OCR"
  /usr/bin/time -f '%e %U %S' -o "$res/extract.$i.time" \
    "$work/benchocr" -mode extract -list "$list" -out "$res/extract.$i" -dpi "$dpi" -lang "$lang"
done

python3 - "$corpus" "$res" "$runs" "$pages" "$dpi" "$lang" $methods <<'PY' | tee "bench-results/ocr-$(date +%Y%m%d-%H%M%S).json"
import json, re, statistics, sys
corpus, res, runs, pages, dpi, lang = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
methods = sys.argv[7:]
files = [l.split("\t")[1] for l in open(f"{res}/list.tsv").read().splitlines()]
needles = []
for l in open(f"{corpus}/.truth/planted.tsv").read().splitlines()[1:]:
    f = l.split("\t")
    if f[2] in ("png-ocr", "pdf-scan-ocr"):
        needles.append((f[0], f[1], f[2], f"{corpus}/{f[3]}"))
norm = lambda s: " ".join(re.sub(r"[^0-9a-z]+", " ", s.lower()).split())
out = {"pages": pages, "files": len(files), "dpi": int(dpi), "lang": lang, "runs": runs, "methods": {}}
for m in methods:
    t = [list(map(float, open(f"{res}/{m}.{i}.time").read().split()[-3:])) for i in range(1, runs + 1)]
    wall = statistics.median(x[0] for x in t)
    cpu = statistics.median(x[1] + x[2] for x in t)
    if m in ("engine", "extract"):
        cpu = None  # tesseract's CPU under bubblewrap is not charged to this process tree
    found, missed = {}, []
    for nid, phrase, kind, path in needles:
        text = open(f"{res}/{m}.1/{files.index(path) + 1}.txt", errors="replace").read()
        ok = norm(phrase) in norm(text)
        found.setdefault(kind, [0, 0])
        found[kind][0] += ok
        found[kind][1] += 1
        if not ok:
            missed.append(nid)
    out["methods"][m] = {"wall_s": wall, "cpu_s": cpu, "pages_per_s_wall": pages / wall,
                         "pages_per_cpu_s": pages / cpu if cpu else None, "recall": {k: f"{a}/{b}" for k, (a, b) in found.items()},
                         "missed": missed, "runs_wall_cpu": t}
h, e, n = (out["methods"][m] for m in ("hand", "engine", "nosandbox"))
out["overhead_engine_wall"] = e["wall_s"] / h["wall_s"] - 1
out["overhead_nosandbox_wall"] = n["wall_s"] / h["wall_s"] - 1
out["overhead_nosandbox_cpu"] = n["cpu_s"] / h["cpu_s"] - 1
if "extract" in methods:
    out["overhead_extract_wall"] = out["methods"]["extract"]["wall_s"] / h["wall_s"] - 1
print(json.dumps(out, indent=1))
for m in methods:
    r = out["methods"][m]
    cpu = f"{r['pages_per_cpu_s']:.3f} pages/cpu-s, cpu {r['cpu_s']:.1f}s" if r["cpu_s"] else "cpu n/a"
    print(f"{m:9} {r['pages_per_s_wall']:.3f} pages/s, wall {r['wall_s']:.1f}s; {cpu}; recall {r['recall']}", file=sys.stderr)
print(f"overhead vs by hand (target <= +10%): ocr.Engine {out['overhead_engine_wall']:+.1%} wall; "
      f"without sandbox {out['overhead_nosandbox_wall']:+.1%} wall, {out['overhead_nosandbox_cpu']:+.1%} cpu"
      + (f"; extractors {out['overhead_extract_wall']:+.1%} wall" if "extract" in methods else ""), file=sys.stderr)
PY
