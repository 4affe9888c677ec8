#!/usr/bin/env bash
# make dist: one tarball that runs from any directory on a machine without Rust, Python, the
# repository or the setup cache.
#
# In: BIN (default target/release/verbatim), OUT (default target/dist) and the models/ folder
# that `make setup` composed. Out: $OUT/verbatim-<version>-linux-x86_64.tar.gz holding
#   verbatim                      the binary (finds models/ beside itself)
#   models/e5-small/              the default encoder: int8 weights, tokenizer, heads, calibration
#   models/onnxruntime/libonnxruntime.so
#   models/taxonomy.toml, models/sentiment/head.json, models/topics/calibration.json
#   README.md, LICENSE-MIT, LICENSE-APACHE, THIRD-PARTY.md
# Symlinks are followed (the cache is not shipped). The fp32 weights and the teacher, frozen
# and fast encoders stay out (--precision fp32 / --encoder teacher|frozen|fast then name the
# missing file).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/verbatim}
OUT=${OUT:-target/dist}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
name="verbatim-${version}-linux-x86_64"
[ -x "$BIN" ] || { echo "dist: no binary at $BIN (run cargo build --release)" >&2; exit 2; }
for f in models/e5-small/model.int8.onnx models/e5-small/model.int8.embeddings models/e5-small/tokenizer.json \
         models/onnxruntime/libonnxruntime.so models/taxonomy.toml; do
  [ -e "$f" ] || { echo "dist: $f missing (run make setup)" >&2; exit 2; }
done
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/models/e5-small" "$root/models/onnxruntime" "$root/models/sentiment" "$root/models/topics"
cp -L "$BIN" "$root/verbatim"
for f in model.int8.onnx model.int8.embeddings tokenizer.json sentiment-head.json calibration.json topic-head.json; do
  if [ -e "models/e5-small/$f" ]; then cp -L "models/e5-small/$f" "$root/models/e5-small/"; fi
done
cp -L models/onnxruntime/libonnxruntime.so "$root/models/onnxruntime/"
cp -L models/taxonomy.toml "$root/models/"
cp -L models/sentiment/head.json "$root/models/sentiment/"
cp -L models/topics/calibration.json "$root/models/topics/"
cp LICENSE-MIT LICENSE-APACHE "$root/"
cp scripts/dist/README.md scripts/dist/THIRD-PARTY.md "$root/"
mkdir -p "$OUT"
tar -C "$stage" -czf "$OUT/$name.tar.gz" "$name"
size=$(du -k "$OUT/$name.tar.gz" | cut -f1)
echo "dist: $OUT/$name.tar.gz ($((size / 1024)) MiB)"
