#!/usr/bin/env bash
# Build an earlier engine beside this checkout, so that `make bench-speed COMPARE="old=DIR"`
# times it in the same run as today's: a clone of this repository at REV, its own release
# binary (its own target dir) and its own setup (models/ from the same registry cache; the
# prepared model is cached under a key of that revision's scripts, so nothing of today's
# models/ changes).
#
#   scripts/build_old_engine.sh bb8009e /tmp/old    # the engine before issues 16 and 17
#
# bb8009e is the last commit before this round's model and speed work: the frozen 12-layer
# encoder, the full 250k vocabulary, tokenizers' own Unigram model.
set -euo pipefail
rev=${1:?usage: build_old_engine.sh REV DIR}
dir=${2:?usage: build_old_engine.sh REV DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$dir/.git" ]; then
    git clone --quiet "$root" "$dir"
fi
git -C "$dir" checkout --quiet "$rev"
(cd "$dir" && python3 scripts/setup.py && cargo build --release)
echo "built $(git -C "$dir" log --oneline -1) in $dir"
