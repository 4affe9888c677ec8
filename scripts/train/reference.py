#!/usr/bin/env python3
"""Rewrite models/sentiment/eval_reference.jsonl for the composed (fine-tuned) int8 encoder.

In:  models/e5-small/model.int8.onnx (as setup composed it), models/sentiment/head.json, the texts
     already in eval_reference.jsonl (the first 5 gold texts of each language).
Out: the same texts with the probabilities of head.json over the int8 embedding of each text, one
     text per encoder call, as tests/sentiment.rs `the_rust_port_matches_the_training_pipeline`
     checks them (max difference < 2e-3).

  ~/.cache/verbatim/venv/bin/python scripts/train/reference.py     # after `make setup`
"""
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from train_sentiment import Encoder, normalize  # noqa: E402


def main():
    path = ROOT / "models" / "sentiment" / "eval_reference.jsonl"
    head = json.loads((ROOT / "models" / "sentiment" / "head.json").read_text(encoding="utf-8"))
    enc = Encoder("int8")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        x = enc.embed_single(normalize(text)).astype(np.float64)
        for layer in head["layers"]:
            x = np.asarray(layer["weight"]) @ x + np.asarray(layer["bias"])
            if layer["activation"] == "relu":
                x = np.maximum(x, 0)
        z = x + np.asarray(head["class_bias"])
        p = np.exp(z - z.max())
        p /= p.sum()
        order = [head["classes"].index(c) for c in ("negative", "neutral", "positive")]
        out.append(json.dumps({"text": text, "probs": [round(float(p[i]), 6) for i in order]}, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} reference probabilities to {path}")


if __name__ == "__main__":
    main()
