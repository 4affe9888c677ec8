#!/usr/bin/env python3
"""Rewrite a sentiment head's eval_reference.jsonl for its int8 encoder.

In:  models/e5-small/model.int8.onnx as `make setup MODEL=v3` composed it,
     models/finetune/sentiment-head.json, and the texts of models/sentiment/eval_reference.jsonl
     (the first 5 gold texts of each language).
Out: the same texts with the probabilities of the fine-tuned head over the int8 embedding of each
     text, one text per encoder call, as tests/sentiment.rs `the_rust_port_matches_the_training_pipeline`
     checks the frozen model's (max difference < 2e-3).

  ~/.cache/verbatim/venv/bin/python scripts/train/reference.py     # after `make setup MODEL=v3`
  ~/.cache/verbatim/venv/bin/python scripts/train/reference.py --head models/sentiment/head.json \
      --encoder e5-small-frozen --out models/sentiment/eval_reference.jsonl   # the frozen encoder's
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from train_sentiment import Encoder, forward, normalize, softmax  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--head", type=Path, default=ROOT / "models" / "finetune" / "sentiment-head.json")
    ap.add_argument("--encoder", default="e5-small", help="folder under models/ holding model.int8.onnx")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "finetune" / "eval_reference.jsonl")
    args = ap.parse_args()
    texts = ROOT / "models" / "sentiment" / "eval_reference.jsonl"
    path = args.out
    head = json.loads(args.head.read_text(encoding="utf-8"))
    layers = [(np.asarray(l["weight"]), np.asarray(l["bias"]), l["activation"]) for l in head["layers"]]
    order = [head["classes"].index(c) for c in ("negative", "neutral", "positive")]
    enc = Encoder("int8", args.encoder)
    out = []
    for line in texts.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        x = enc.embed_single(normalize(text)).astype(np.float64)
        p = softmax(forward(layers, x) + np.asarray(head["class_bias"]))
        out.append(json.dumps({"text": text, "probs": [round(float(p[i]), 6) for i in order]}, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} reference probabilities to {path}")


if __name__ == "__main__":
    main()
