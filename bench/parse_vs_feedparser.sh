#!/bin/sh
# Compares babelwatch's feeds::ParseFeed with Debian's python3-feedparser on the same files in
# the same run: the shared conformance corpus (feedparser/ + gofeed/) and a generated ~10 MB
# RSS 2.0 feed. Prints MB/s and items/s of both and the ratio (ours / feedparser). Both
# sides are timed in CPU time, so other load on a shared machine does not skew the ratio.
#
#   bench/parse_vs_feedparser.sh BUILD_DIR [SHARED_DIR]
# BUILD_DIR must contain bench/parse_bench (configure with -DCMAKE_BUILD_TYPE=Release).
set -eu
build=${1:?usage: parse_vs_feedparser.sh BUILD_DIR [SHARED_DIR]}
shared=${2:-$(cd "$(dirname "$0")/../../shared" && pwd)}
bench="$build/bench/parse_bench"
python=/usr/bin/python3  # Debian's interpreter, where python3-feedparser is installed
[ -x "$bench" ] || { echo "parse_vs_feedparser: $bench not found (build target parse_bench)" >&2; exit 2; }
"$python" -c 'import feedparser' 2>/dev/null ||
  { echo "parse_vs_feedparser: python3-feedparser missing (apt-get install python3-feedparser)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" --dump-generated "$tmp/generated10mb.xml"

"$bench" --shared "$shared" --benchmark_filter='BM_ConformanceCorpus|BM_Generated10MB/rss' \
  --benchmark_min_time=2 --benchmark_format=json >"$tmp/ours.json" 2>/dev/null

"$python" - "$shared" "$tmp/generated10mb.xml" "$tmp/ours.json" <<'PY'
import json, os, sys, time
import feedparser

shared, generated, ours_path = sys.argv[1], sys.argv[2], sys.argv[3]

def corpus():
    docs = []
    for source in ("feedparser", "gofeed"):
        d = os.path.join(shared, "feeds", "conformance", source)
        for case in json.load(open(os.path.join(d, "index.json")))["cases"]:
            cdir = os.path.join(d, case["dir"])
            body = open(os.path.join(cdir, case["input"]), "rb").read()
            ctx = json.load(open(os.path.join(cdir, "expected.json"))).get("context", {})
            headers = {k.lower(): v for k, v in ctx.get("headers", {}).items()}
            docs.append((body, headers))
    return docs

def measure(docs, min_seconds):
    size = sum(len(b) for b, _ in docs)
    runs, items, start = 0, 0, time.process_time()
    while True:
        for body, headers in docs:
            items += len(feedparser.parse(body, response_headers=headers).entries)
        runs += 1
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            return size * runs / elapsed / 1e6, items / elapsed

ours = {b["name"]: b for b in json.load(open(ours_path))["benchmarks"]}
def our_figures(prefix):
    b = next(v for k, v in ours.items() if k.startswith(prefix))
    return b["bytes_per_second"] / 1e6, b["items/s"]

rows = [("conformance corpus", corpus(), "BM_ConformanceCorpus"),
        ("generated 10 MB RSS", [(open(generated, "rb").read(), {})], "BM_Generated10MB/rss")]
print("%-22s %14s %14s %16s %16s %8s" % ("input", "ours MB/s", "feedparser MB/s",
                                          "ours items/s", "feedparser it/s", "ratio"))
for name, docs, bench in rows:
    our_mbs, our_items = our_figures(bench)
    fp_mbs, fp_items = measure(docs, 5)
    print("%-22s %14.2f %14.2f %16.0f %16.0f %7.1fx" % (name, our_mbs, fp_mbs, our_items,
                                                        fp_items, our_mbs / fp_mbs))
PY
