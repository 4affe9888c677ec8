#!/usr/bin/env bash
# Load test on loopback (`make load-test`): wrk (Debian package) against a release
# `verbatim serve` over a copy of the demo index; bounded in time (DURATION per run) and
# connections (16). Then batch scoring against the analyzer's raw throughput on the same
# 2,000 comments, in the same script. Prints the figures the README quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VERBATIM_BIN:-target/release/verbatim}  # another build: VERBATIM_BIN=PATH
INDEX=${DEMO_INDEX:-target/demo-index}
PORT=${PORT:-18181}
DURATION=${DURATION:-20s}
command -v wrk >/dev/null || { echo "load-test: install wrk (apt-get install wrk)"; exit 2; }
[ -f "$INDEX/meta.json" ] || $BIN ingest --index "$INDEX" --input corpora/demo/comments.jsonl >/dev/null
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
cp -r "$INDEX" "$WORK/index"
rm -f "$WORK/index/.tantivy-writer.lock"
$BIN serve --index "$WORK/index" --addr 127.0.0.1:$PORT 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 1 120); do grep -q "listening" "$WORK/serve.log" 2>/dev/null && break; sleep 0.5; done
URL=http://127.0.0.1:$PORT
curl -sf "$URL/readyz" >/dev/null

echo "== analyze, one text per request, 16 connections, $DURATION"
wrk -t2 -c16 -d"$DURATION" --latency -s scripts/wrk_analyze.lua "$URL/v1/analyze" | tee "$WORK/analyze.txt"
echo "== search (配送, 10 hits with facets, hybrid: the default), 16 connections, $DURATION"
wrk -t2 -c16 -d"$DURATION" --latency "$URL/v1/search?q=%E9%85%8D%E9%80%81&limit=10" | tee "$WORK/search.txt"
echo "== search (配送, 10 hits with facets, mode=keyword), 16 connections, $DURATION"
wrk -t2 -c16 -d"$DURATION" --latency "$URL/v1/search?q=%E9%85%8D%E9%80%81&limit=10&mode=keyword" | tee "$WORK/keyword.txt"
kill $SERVER; wait $SERVER 2>/dev/null || true

echo "== batch scoring vs the analyzer alone (2,000 demo comments)"
head -n 2000 corpora/demo/comments.jsonl > "$WORK/rows.jsonl"
python3 -c "import json,sys; [print(json.loads(l)['text']) for l in open(sys.argv[1])]" "$WORK/rows.jsonl" > "$WORK/texts.txt"
t0=$(date +%s.%N); $BIN analyze --input "$WORK/texts.txt" > /dev/null; t1=$(date +%s.%N)
$BIN score -i "$WORK/rows.jsonl" -o "$WORK/scored.jsonl" > /dev/null; t2=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
raw, score = 2000 / (t1 - t0), 2000 / (t2 - t1)
print(f"analyzer alone: {raw:.1f} comments/s; verbatim score: {score:.1f} comments/s; ratio {score / raw:.2f}")
PY
