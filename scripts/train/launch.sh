#!/bin/sh
# Start the fine-tuning run `top4` in the background (niced, 2 threads), or continue it with --resume.
# Log: $VERBATIM_CACHE/train/top4.log (+ ckpt/top4/log.jsonl); pid: $VERBATIM_CACHE/train/top4.pid.
# The schedule depends on --epoch-size/--epochs, so a resume must use the same flags: use this script.
#   scripts/train/launch.sh            # fresh run (refuses if ckpt/top4/latest.pt exists)
#   scripts/train/launch.sh --resume   # continue from the last checkpoint
set -eu
CACHE="${VERBATIM_CACHE:-$HOME/.cache/verbatim}"
PY="$CACHE/train-venv/bin/python"
cd "$(dirname "$0")/../.."
if [ "${1:-}" != "--resume" ] && [ -e "$CACHE/train/ckpt/top4/latest.pt" ]; then
    echo "ckpt/top4/latest.pt exists: pass --resume (or move the run away)" >&2
    exit 1
fi
setsid nohup nice -n 19 "$PY" scripts/train/train.py --run top4 --epoch-size 40000 --epochs 6 \
    --eval-every 600 "$@" >> "$CACHE/train/top4.log" 2>&1 < /dev/null &
echo $! > "$CACHE/train/top4.pid"
echo "started pid $! (log $CACHE/train/top4.log)"
