#!/usr/bin/env python3
"""Average students distilled from the same start into one (a "model soup"), on the CPU, in a minute.

Rounds of `distill.py --init models/student` start from the same weights and trade one figure
for another (one gains aspects and Amazon and loses English search, another the reverse).
Their weights stay close enough that the average is a student of its own, often keeping what
each gained. No training, no data: only the weights.

In:  --part PATH[=W], twice or more: a run's ckpt.pt (float; read as the 6-layer student, layers
     1, 3, 5, 7, 9, 11: a ckpt names none), a run's student.npz (int8 deltas with layer_src), or
     a committed student's folder (e.g. models/student); W its weight
     (default 1; the weights are normalised). All parts must share the layer sources.
Out: --out DIR/student.npz (int8 deltas from the registry layers, heads in float16, as
     distill.py writes) and DIR/report.json (the parts and weights, which `distill.py --out DIR
     --ship` copies into the manifest).

  ~/.cache/verbatim/train-venv/bin/python scripts/train/soup.py --out ~/.cache/verbatim/train/soup \\
      --part models/student --part ~/.cache/verbatim/train/six2/ckpt.pt \\
      --part ~/.cache/verbatim/train/six3/ckpt.pt
"""
import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distill import teacher_of  # noqa: E402
from gpu_run import STUDENT_LAYERS, Encoder, export, load_base, rebuild  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def part(text):
    """`PATH[=W]` -> (Path, W) for --part."""
    path, _, w = text.partition("=")
    try:
        return Path(path).expanduser(), float(w or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected PATH or PATH=W, got {text!r}") from None


def weights_of(path, cfg, W, T):
    """(layer_src, float state dict) of one part."""
    if path.is_dir():
        model = teacher_of(cfg, W, path, T)
        return list(model.layer_src), model.state_dict()
    if path.suffix == ".npz":
        z = dict(np.load(path))
        src = [int(x) for x in z.pop("layer_src")]
        return src, rebuild(cfg, W, {"s": z}, src, T, torch.device("cpu")).state_dict()
    return list(STUDENT_LAYERS), torch.load(path, weights_only=True)


def average(parts, cfg, W, T):
    """The weighted mean of the parts' weights, loaded into a student."""
    total = sum(w for _, w in parts)
    mean, layer_src = {}, None
    for path, w in parts:
        src, sd = weights_of(path, cfg, W, T)
        if layer_src not in (None, src):
            sys.exit(f"{path} has layers {src}, the first part {layer_src}")
        layer_src = src
        for k, v in sd.items():
            mean[k] = mean.get(k, 0) + v.float() * (w / total)
    model = Encoder(cfg, W, layer_src, T, dropout=0.0)
    model.load_state_dict(mean)
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", type=Path, default=ROOT / ".gpu")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--part", type=part, action="append", required=True, metavar="PATH[=W]")
    args = ap.parse_args()
    if len(args.part) < 2:
        sys.exit("a soup needs two --part or more")
    cfg, W = load_base(args.bundle / "base.npz")
    T = len(json.loads(gzip.decompress((args.bundle / "rows.json.gz").read_bytes()))["topics"])
    model = average(args.part, cfg, W, T)
    args.out.mkdir(parents=True, exist_ok=True)
    files = export(model, W, lambda pos: "student.npz")["student.npz"]
    np.savez_compressed(args.out / "student.npz", layer_src=np.array(model.layer_src, np.int32), **files)
    parts = [{"path": str(p), "weight": w} for p, w in args.part]
    (args.out / "report.json").write_text(json.dumps({"soup": parts}, indent=1) + "\n")
    print(f"wrote {args.out / 'student.npz'}: mean of {len(parts)} students")


if __name__ == "__main__":
    main()
