#!/usr/bin/env bash
# make bench-dkim: DKIM verification of BENCH_MESSAGES (default 5000)
# messages signed by OpenDKIM, by trove and by OpenDKIM itself, in the same
# run over the same files, BENCH_RUNS times (default 3; medians reported).
#
# Messages (generated here, varied sizes): rsa-sha256 relaxed/relaxed and
# simple/simple, ed25519-sha256 relaxed/relaxed and relaxed/simple (all pass),
# one body byte changed, one signed header byte changed, signed with another
# key than the published one, a selector with no key, a revoked key (empty
# p=), and unsigned. Keys come from opendkim-genkey (RSA 2048) and openssl
# (Ed25519). Signing: `opendkim -t` (the OpenDKIM filter's test mode).
# Verification: `trove dkim --keys ZONE FILES...` and `opendkim -t FILES`
# with TestPublicKeys (the same records, no DNS), in chunks of 1000 files
# (the length limit of one argument). Both are single processes over files
# in the page cache; trove checks one file after another (one core), like
# opendkim -t. Verdicts are compared per message.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin:/usr/sbin
n=${BENCH_MESSAGES:-5000}
runs=${BENCH_RUNS:-3}
work=${BENCH_DIR:-/tmp/trove-bench}/dkim
for t in opendkim opendkim-genkey openssl python3; do
  command -v $t >/dev/null || { echo "bench-dkim: $t not found (bash scripts/deps.sh installs opendkim, opendkim-tools)"; exit 2; }
done
make build >/dev/null
trove=$PWD/bin/trove
rm -rf "$work"; mkdir -p "$work/keys" "$work/plain" "$work/msgs"; chmod 700 "$work" "$work/keys"
cd "$work"

echo "== keys"
opendkim-genkey -b 2048 -d example.org -s rsa1 -D keys
opendkim-genkey -b 2048 -d example.org -s rsa2 -D keys
openssl genpkey -algorithm ed25519 -out keys/ed1.pem 2>/dev/null
edpub=$(openssl pkey -in keys/ed1.pem -pubout -outform DER | tail -c 32 | base64)
rec() { tr -d '\n' < "keys/$1.txt" | grep -o '"[^"]*"' | tr -d '"' | tr -d '\n'; }
{
  echo "; bench-dkim keys, captured: $(date -u +%F)"
  echo "\$ORIGIN example.org."
  cat keys/rsa1.txt
  echo "ed1._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p=$edpub\""
  echo "gone._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=\""
} > keys.zone
{
  echo "rsa1._domainkey.example.org $(rec rsa1)"
  echo "ed1._domainkey.example.org v=DKIM1; k=ed25519; p=$edpub"
  echo "gone._domainkey.example.org v=DKIM1; k=rsa; p="
} > keys.opendkim

echo "== $n messages"
python3 - "$n" <<'PY'
import random, sys
n = int(sys.argv[1]); rnd = random.Random(6376)
words = "leak ledger invoice port authority transfer account offshore memo board minutes shipment customs report".split()
for i in range(n):
    body = []
    for _ in range(rnd.choice([3, 10, 40, 200])):
        line = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 14)))
        if rnd.random() < 0.2: line = line.replace(" ", "  ") + " \t"
        body.append(line)
    msg = (f"From: Clerk {i} <clerk{i}@example.org>\nTo: desk@example.net\n"
           f"Subject: batch {i}\n\t{rnd.choice(words)} {rnd.choice(words)}\n"
           f"Date: Mon, 1 Jan 2024 10:{i%60:02d}:00 +0000\nMessage-ID: <m{i}@example.org>\n"
           "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + "\n".join(body) + "\n\n")
    open(f"plain/m{i:05d}.eml", "w").write(msg)
PY

# Category of message i (i mod 10): signer config and what happens after.
cat_of() { case $(( $1 % 10 )) in
  0|1) echo rsa-rr ;; 2) echo rsa-ss ;; 3) echo ed-rr ;; 4) echo ed-rs ;;
  5) echo body ;; 6) echo header ;; 7) echo swapped ;; 8) echo nokey ;; 9) echo unsigned ;; esac; }
declare -A conf=(
  [rsa-rr]="rsa1 keys/rsa1.private relaxed/relaxed rsa-sha256" [rsa-ss]="rsa1 keys/rsa1.private simple/simple rsa-sha256"
  [ed-rr]="ed1 keys/ed1.pem relaxed/relaxed ed25519-sha256" [ed-rs]="ed1 keys/ed1.pem relaxed/simple ed25519-sha256"
  [body]="rsa1 keys/rsa1.private relaxed/relaxed rsa-sha256" [header]="ed1 keys/ed1.pem simple/simple ed25519-sha256"
  [swapped]="rsa1 keys/rsa2.private relaxed/relaxed rsa-sha256" [nokey]="absent keys/rsa2.private simple/simple rsa-sha256"
  [revoked]="gone keys/rsa2.private relaxed/relaxed rsa-sha256")
echo "== signing with opendkim"
declare -A lists
for ((i = 0; i < n; i++)); do
  c=$(cat_of $i)
  # One in 100 of the unsigned slots goes to the revoked key instead.
  if [ "$c" = unsigned ] && (( i % 100 == 19 )); then c=revoked; fi
  echo "$c" > /dev/null
  lists[$c]+="plain/m$(printf %05d $i).eml "
  echo "$i $c" >> categories.txt
done
for c in "${!lists[@]}"; do
  [ "$c" = unsigned ] && { for f in ${lists[$c]}; do cp "$f" msgs/; done; continue; }
  read -r sel key canon alg <<< "${conf[$c]}"
  files=(${lists[$c]})
  for ((s = 0; s < ${#files[@]}; s += 500)); do
    chunk=("${files[@]:s:500}")
    printf 'Domain example.org\nSelector %s\nKeyFile %s\nCanonicalization %s\nSignatureAlgorithm %s\nMode s\nRequireSafeKeys false\n' \
      "$sel" "$PWD/$key" "$canon" "$alg" | opendkim -x /dev/stdin -t "$(IFS=,; echo "${chunk[*]}")" -vvv 2>/dev/null | \
      python3 -c '
import re, sys
files = sys.argv[1:]; out = sys.stdin.read(); cat = sys.argv[0]
sigs = re.findall(r"### INSHEADER: idx=0 hname=\x27DKIM-Signature\x27 hvalue=\x27(.*?)\x27\n", out, re.S)
assert len(sigs) == len(files), (len(sigs), len(files), out[-500:])
for f, s in zip(files, sigs):
    m = "DKIM-Signature: " + s + "\n" + open(f).read()
    open("msgs/" + f.split("/")[-1], "w").write(m)
' "${chunk[@]}"
  done
done
# Tamper after signing.
python3 - <<'PY'
for line in open("categories.txt"):
    i, c = line.split(); f = f"msgs/m{int(i):05d}.eml"
    if c in ("body", "header"):
        m = open(f).read()
        head, sep, body = m.partition("\n\n")
        if c == "body": body = body.replace("e", "E", 1)
        else: head = head.replace("Subject: batch", "Subject: Batch", 1)
        open(f, "w").write(head + sep + body)
PY
ls msgs | wc -l | xargs echo "messages written:"
du -sh msgs | cut -f1 | xargs echo "size:"

ls msgs/*.eml > files.txt
cat files.txt > /dev/null; cat msgs/*.eml > /dev/null # warm the page cache
verify_trove() { xargs -a files.txt "$trove" dkim --json --keys keys.zone > trove.out || [ $? -eq 123 ]; }  # 123: trove exited 1 (some signature failed)
verify_opendkim() {
  : > opendkim.out
  split -l 1000 files.txt chunk.
  for ch in chunk.*; do
    printf 'Mode v\nTestPublicKeys %s\nRequireSafeKeys false\nMinimumKeyBits 1024\n' "$PWD/keys.opendkim" | \
      opendkim -x /dev/stdin -t "$(paste -sd, "$ch")" -vv >> opendkim.out 2>/dev/null || true
  done
  rm -f chunk.*
}
now() { date +%s.%N; }
declare -a tt to
echo "== verifying ($runs runs each, alternating)"
for ((r = 1; r <= runs; r++)); do
  a=$(now); verify_trove; b=$(now); verify_opendkim; c=$(now)
  tt+=("$(echo "$b - $a" | bc)"); to+=("$(echo "$c - $b" | bc)")
  echo "run $r: trove $(printf %.2f "${tt[-1]}") s, opendkim $(printf %.2f "${to[-1]}") s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mt=$(median "${tt[@]}"); mo=$(median "${to[@]}")
python3 - "$n" "$mt" "$mo" <<'PY'
import json, re, sys, collections
n, mt, mo = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
trove = collections.defaultdict(list)
for line in open("trove.out"):
    o = json.loads(line); trove[o["file"].split("/")[-1]].append(o["verdict"])
od = {}
for line in open("opendkim.out"):
    m = re.match(r"opendkim: (?:.*/)?(m\d+\.eml): (.*)", line)
    if not m: continue
    f, msg = m.groups()
    if msg.startswith("message not signed"): v = "none"
    elif "succeeded" in msg: v = "pass"
    elif "key not found" in msg: v = "key_missing"
    elif "revoked" in msg: v = "key_revoked"
    elif "failed" in msg: v = "fail"
    else: continue
    od[f] = v
cats = dict(l.split() for l in open("categories.txt"))
dis = []
counts = collections.Counter()
for f in sorted(set(trove) | set(od)):
    t = trove.get(f, ["(missing)"])[0]; o = od.get(f, "(missing)")
    counts[t] += 1
    if t != o: dis.append((f, cats.get(str(int(f[1:6]))), t, o))
print(f"trove verdicts: {dict(counts)}")
print(f"trove:    {n/mt:8.0f} messages/s (median {mt:.2f} s for {n})")
print(f"opendkim: {n/mo:8.0f} messages/s (median {mo:.2f} s for {n})")
print(f"ratio trove/opendkim: {mo/mt:.2f}x")
print(f"disagreements: {len(dis)} of {len(set(trove)|set(od))}")
for d in dis[:50]: print("  %s (%s): trove %s, opendkim %s" % d)
PY
