#!/usr/bin/env bash
# Encoder backends side by side (issue 23): `verbatim analyze` on the same 2,000 demo comments
# with ONNX Runtime int8, ONNX Runtime fp32 and libtorch (rust-bert, fp32), one binary built
# with `--features rust-bert`, in one run; best wall-clock of RUNS each. Prints comments/s.
# In: BIN (default target/debug/verbatim), TORCH_PYTHON (the PyTorch 2.4 whose libtorch the
# binary links), RUNS (default 2), N (default 2000), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/verbatim}
TORCH_PYTHON=${TORCH_PYTHON:-${VERBATIM_CACHE:-$HOME/.cache/verbatim}/torch24-venv/bin/python}
RUNS=${RUNS:-2}
N=${N:-2000}
export VERBATIM_THREADS=${THREADS:-2}
LIB=$("$TORCH_PYTHON" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export LD_LIBRARY_PATH=$LIB:${LD_LIBRARY_PATH:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n "$N" corpora/demo/comments.jsonl |
	python3 -c "import json,sys; [print(json.loads(l)['text']) for l in sys.stdin]" >"$tmp/texts.txt"
for backend in "ort --precision int8" "ort --precision fp32" "rust-bert"; do
	best=
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		# shellcheck disable=SC2086
		"$BIN" analyze --backend $backend --input "$tmp/texts.txt" >"$tmp/out.jsonl"
		t1=$(date +%s.%N)
		s=$(python3 -c "print($t1 - $t0)")
		best=$(python3 -c "print(min(float('$s'), float('${best:-1e9}')))")
	done
	python3 -c "print(f'{\"$backend\":<22} {$N / $best:8.1f} comments/s  (best of $RUNS: {$best:.2f} s, $N comments)')"
done
