"""Summarise a bench run (scripts/bench.sh): medians of repeated runs and
trove/Recoll ratios measured in the same run."""
import json, os, statistics, sys

res, size, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def times(name):
    """(wall, CPU, peak RSS KB) per run. CPU is the cgroup's count of the
    whole process tree when bench.sh could make one (NAME.i.cpu), else
    user + sys from /usr/bin/time, which misses sandboxed tools."""
    out = []
    for i in range(1, runs + 1):
        p = os.path.join(res, f"{name}.{i}.time")
        if os.path.exists(p):
            vals = open(p).read().split()
            if len(vals) >= 4:
                e, u, s, m = map(float, vals[-4:])
                cpu = u + s
                c = os.path.join(res, f"{name}.{i}.cpu")
                if os.path.exists(c) and open(c).read().strip():
                    cpu = float(open(c).read())
                out.append((e, cpu, m))
    return out

cpu_src = "cgroup, every process started" if os.path.exists(os.path.join(res, "trove.1.cpu")) else "user+sys of /usr/bin/time, sandboxed tools missed"


def med(xs):
    return statistics.median(xs) if xs else float("nan")

def num(name):
    return int(open(os.path.join(res, name)).read().strip())

t, r = times("trove"), times("recoll")
summ = json.load(open(os.path.join(res, "trove.1.json")))
corpus = num("corpus.bytes")
wall = med([x[0] for x in t])
print(f"corpus: {size}, {summ['files']} files, {corpus/1e6:.1f} MB; {runs} runs, medians")
print(f"trove ingest: wall {wall:.1f} s (runs: {', '.join(f'{x[0]:.1f}' for x in t)}), "
      f"CPU {med([x[1] for x in t]):.1f} s ({cpu_src}), peak RSS {med([x[2] for x in t])/1024:.0f} MB, "
      f"{summ['files']/wall:.0f} files/s, {corpus/1e6/wall:.1f} MB/s, items {summ['items']}, failed {summ['failed']} {summ['failed_by_reason']}")
print(f"store {num('store.bytes')/1e6:.1f} MB ({num('store.bytes')/corpus:.2f}x corpus), "
      f"index+catalog {num('index.bytes')/1e6:.1f} MB ({num('index.bytes')/corpus:.2f}x corpus)")
if r:
    rw = med([x[0] for x in r])
    print(f"recoll ingest: wall {rw:.1f} s (runs: {', '.join(f'{x[0]:.1f}' for x in r)}), CPU {med([x[1] for x in r]):.1f} s, "
          f"peak RSS {med([x[2] for x in r])/1024:.0f} MB")
    print(f"ratio trove/recoll wall time: {wall/rw:.3f} (trove {rw/wall:.1f}x faster)")
s = json.load(open(os.path.join(res, "search.json")))
print(f"recall: {s['found']}/{s['needles']} needles; non-OCR kinds {s['non_ocr'][0]}/{s['non_ocr'][1]}")
for k in sorted(s["by_kind"]):
    f, n = s["by_kind"][k]
    print(f"  {k:18s} {f}/{n}")
if s["misses"]:
    print("misses:")
    for m in s["misses"]:
        print("  " + m)
for l in s["latency"]:
    print(f"latency {l['class']:8s} n={l['queries']:4d}  p50 {l['p50_ms']:.1f} ms  p95 {l['p95_ms']:.1f} ms  p99 {l['p99_ms']:.1f} ms  max {l['max_ms']:.1f} ms")
rr = os.path.join(res, "recoll-recall.tsv")
if os.path.exists(rr):
    rows = [l.rstrip("\n").split("\t") for l in open(rr) if l.strip()]
    hit = sum(int(x[2]) for x in rows)
    nonocr = [x for x in rows if "ocr" not in x[1]]
    print(f"recoll recall: {hit}/{len(rows)}; non-OCR {sum(int(x[2]) for x in nonocr)}/{len(nonocr)}")
