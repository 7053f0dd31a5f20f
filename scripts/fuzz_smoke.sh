#!/usr/bin/env bash
# Fuzz smoke test: builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan) and runs
# each one for FUZZ_SECONDS from a seed corpus: the feed files of tests/data/feeds and, when
# the shared data is there, the conformance inputs, the hostile files and the date vectors.
# A crash, leak, timeout or invariant violation fails it; the input that did it is kept under
# BUILD_DIR/fuzz-artifacts/. Prints "fuzz: N passed, N failed" last.
# Usage: scripts/fuzz_smoke.sh [BUILD_DIR]   (default build-fuzz)
# Environment: FUZZ_SECONDS (default 45), JOBS (default 2), SHARED_DIR (default ../shared).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
JOBS=${JOBS:-2}
SHARED_DIR=${SHARED_DIR:-$(cd .. && pwd)/shared}
TARGETS=(fuzz_xml_feed fuzz_json_feed fuzz_dates)

if ! command -v clang++ >/dev/null; then
  echo "fuzz_smoke.sh: clang++ not found (scripts/install-deps.sh --test installs it)" >&2
  exit 2
fi
if ! CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     -DBABELWATCH_FUZZ=ON -DBABELWATCH_BUILD_TESTS=OFF -DBABELWATCH_BUILD_BENCH=OFF \
     >"$BUILD_DIR.configure.log" 2>&1; then
  cat "$BUILD_DIR.configure.log" >&2
  echo "fuzz_smoke.sh: configuring $BUILD_DIR with clang failed" >&2
  exit 1
fi
rm -f "$BUILD_DIR.configure.log"
if ! cmake --build "$BUILD_DIR" -j"$JOBS" --target "${TARGETS[@]}"; then
  echo "fuzz_smoke.sh: building the fuzz targets failed" >&2
  exit 1
fi

# Seed corpora, rebuilt on every run (the fuzzers write what they find to a separate dir).
seeds=$BUILD_DIR/fuzz-seeds
rm -rf "$seeds" "$BUILD_DIR/fuzz-corpus"
mkdir -p "$seeds/xml" "$seeds/json" "$seeds/dates" "$BUILD_DIR/fuzz-artifacts"
n=0
# XML seeds: the fuzzer reads one leading byte as the Content-Type choice; 0x01 is
# application/rss+xml, 0x00 lets the parser sniff.
add_xml() {
  local file=$1
  n=$((n + 1))
  { printf '\001'; cat "$file"; } >"$seeds/xml/$n"
  n=$((n + 1))
  { printf '\000'; cat "$file"; } >"$seeds/xml/$n"
}
while IFS= read -r -d '' f; do add_xml "$f"; done < <(find tests/data/feeds -type f \
  \( -name '*.xml' -o -name '*.atom' -o -name '*.rss' \) -size -64k -print0)
while IFS= read -r -d '' f; do cp "$f" "$seeds/json/$(basename "$f")"; done < <(find \
  tests/data/feeds -type f -name '*.json' ! -name 'expected*.json' ! -name 'index.json' \
  -size -64k -print0)
if [[ -d "$SHARED_DIR/feeds" ]]; then
  while IFS= read -r -d '' f; do add_xml "$f"; done < <(find "$SHARED_DIR/feeds/hostile" \
    "$SHARED_DIR/feeds/conformance" -type f -name '*.xml' -size -64k -print0)
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    cp "$f" "$seeds/json/$n.json"
  done < <(find "$SHARED_DIR/feeds/conformance" -path '*/cases/*' -type f -name '*.json' \
    ! -name 'expected.json' -size -64k -print0)
  vectors=$SHARED_DIR/feeds/conformance/feedparser/dates/date_vectors.json
  if [[ -f "$vectors" ]]; then
    python3 - "$vectors" "$seeds/dates" <<'EOF'
import json, os, sys
vectors = json.load(open(sys.argv[1], encoding="utf-8"))["vectors"]
for i, v in enumerate(vectors):
    with open(os.path.join(sys.argv[2], str(i)), "w", encoding="utf-8") as out:
        out.write(v["input"])
EOF
  fi
else
  echo "fuzz_smoke.sh: $SHARED_DIR/feeds not found; seeding from tests/data only" >&2
fi
# A few dates of each family the parser knows, so the date seeds are never empty.
i=0
for d in "Mon, 26 Sep 2022 09:12:00 GMT" "26 Sep 2022 09:12 +0300" "2022-09-26T09:12:00Z" \
         "2022-09-26T12:12:00.250+03:00" "Mon Sep 26 09:12:00 2022" "2022-09-26"; do
  i=$((i + 1))
  printf '%s' "$d" >"$seeds/dates/builtin-$i"
done

passed=0
failed=0
run() {
  local target=$1 seed_dir=$2
  local corpus=$BUILD_DIR/fuzz-corpus/$target
  local log=$BUILD_DIR/fuzz-artifacts/$target.log
  mkdir -p "$corpus"
  local start rc
  start=$(date +%s)
  "$BUILD_DIR/fuzz/$target" "$corpus" "$seed_dir" -max_total_time="$FUZZ_SECONDS" \
    -max_len=65536 -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD_DIR/fuzz-artifacts/$target-" >"$log" 2>&1
  rc=$?
  local execs
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    echo "fuzz_smoke.sh: $target: $(( $(date +%s) - start )) s, ${execs:-?} runs, no crash"
  else
    failed=$((failed + 1))
    echo "fuzz_smoke.sh: $target FAILED (exit $rc); its log:" >&2
    tail -60 "$log" >&2
  fi
}
run fuzz_xml_feed "$seeds/xml"
run fuzz_json_feed "$seeds/json"
run fuzz_dates "$seeds/dates"
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
