#!/usr/bin/env python3
"""Distil a 6-layer student from the committed fine-tuned teacher, on the CPU (issue 17).

In:  the bundle of bundle.py (--bundle: base.npz, data.npz, rows.json.gz) and the teacher's committed
     int8 deltas (--teacher, default models/finetune/: layer8-11.npz + heads.npz).
Out: in --out (default $VERBATIM_CACHE/train/student/): student.npz (6 layers, each the int8
     difference from the registry layer it starts from, `l0..l5` + `layer_src`, heads in float16),
     ckpt.pt (the float student, saved every --save-minutes: --init ckpt.pt starts a new run from it),
     report.json (dev and test figures per source for the teacher and for the student rebuilt from
     its int8 file), log.txt. `--ship` turns student.npz into what is committed in models/student/:
     student.npz, sentiment-head.json, manifest.json (layer_src, sha256 of the deltas); the topic
     calibration (calibration.json) is refit on the composed student by `verbatim calibrate-topics`.

Student: layers [1, 3, 5, 7, 9, 11] of the teacher and its heads; loss (gpu_run.py's) = KL to the
teacher's sentiment + 0.5 CE(gold) + BCE to the teacher's topic probabilities + 0.5 KL(aspects)
+ E x (1 - cos(pooled, teacher's pooled)) (--embed-weight E, default 1), so the general embedding
that search and the custom topics use stays; with --token-weight W, + W x the last-layer token
states' squared distance from the teacher's (relative to theirs), since a clause's vector is the
mean of its tokens' states in context.
The run has a time budget: after 60 steps the number of steps is cut to fit it and the learning-rate
schedule still decays to zero.

  ~/.cache/verbatim/train-venv/bin/python scripts/train/distill.py --minutes 65 --seed 20261207

The 4-layer student behind `--encoder fast` (models/student4/) is distilled the same way from the
6-layer one, starting from its layers at positions 0, 2, 4, 5 (registry layers 1, 5, 9, 11: half
the loss at the start of any 3-layer choice), with the English review sources weighted up:

  ... distill.py --teacher models/student --keep 0,2,4,5 --out ~/.cache/verbatim/train/four \
        --seed 20261211 --minutes 75 --threads 2 \
        --src-weight amazon_pillow_reviews=2 --src-weight amazon_full_packt=2
  ... distill.py --teacher models/student --out ~/.cache/verbatim/train/four --ship models/student4

(A 3-layer one, positions 2, 4, 5, seed 20261210, 62 minutes, shipped for one session as
models/student3/, was 4.4 points under it on English reviews; notes/model-status.md.)
"""
import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gpu_run  # noqa: E402
from gpu_run import STUDENT_LAYERS, Encoder, Split, evaluate, export, fit_thresholds, load_base, log, rebuild  # noqa: E402
from prepare_model import decode_deltas  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path.home() / ".cache" / "verbatim" / "train" / "student"


def src_weight(text):
    """`SRC=W` -> (SRC, W) for --src-weight."""
    src, _, w = text.partition("=")
    if not src or not w:
        raise argparse.ArgumentTypeError(f"expected SRC=W, got {text!r}")
    return src, float(w)


def teacher_of(cfg, W, folder, T):
    """The committed fine-tuned encoder with its heads, in eval mode: the 12-layer teacher (frozen layers
    + layer8-11/heads deltas), or a committed student (a folder whose manifest names its `layer_src`)."""
    arrays = {}
    for f in sorted(folder.glob("*.npz")):
        arrays.update(dict(np.load(f)))
    manifest = json.loads((folder / "manifest.json").read_text())
    if "layer_src" in manifest:
        return rebuild(cfg, W, {"s": arrays}, manifest["layer_src"], T, torch.device("cpu")).eval().requires_grad_(False)
    full = decode_deltas(arrays, W)
    Wt = {**W, **{k: v for k, v in full.items() if k.startswith("l")}}
    model = Encoder(cfg, Wt, range(cfg["layers"]), T, dropout=0.0)
    with torch.no_grad():
        for head in ("sentiment", "topic", "aspect"):
            getattr(model, head).weight.copy_(torch.from_numpy(full[f"{head}.weight"]))
            getattr(model, head).bias.copy_(torch.from_numpy(full[f"{head}.bias"]))
    return model.eval().requires_grad_(False)


def positions(text):
    """`1,3,5` -> (1, 3, 5) for --keep."""
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer positions, got {text!r}") from None


def state_gap(student, teacher, mask):
    """Squared distance of the student's token states from the teacher's over the real tokens, relative
    to the teacher's: the runtime reads a clause as the mean of its tokens' states in context."""
    keep = mask.unsqueeze(-1).to(student.dtype)
    return (((student - teacher) ** 2) * keep).sum() / ((teacher ** 2) * keep).sum()


def student_loss_of(teacher, T, token_weight=0.0, embed_weight=1.0):
    kl = lambda s, q: F.kl_div(F.log_softmax(s, -1), F.softmax(q, -1), reduction="batchmean")  # noqa: E731

    def loss(model, batch):
        ids, mask, label = batch[:3]
        out = model(ids, mask)
        with torch.no_grad():
            t = teacher(ids, mask)
        soft = t["topic"].sigmoid()
        parts = {"kd": kl(out["sentiment"], t["sentiment"]), "sent": 0.5 * F.cross_entropy(out["sentiment"], label),
                 "topic": F.binary_cross_entropy_with_logits(out["topic"], soft)
                 - F.binary_cross_entropy_with_logits(t["topic"], soft),
                 "aspect": 0.5 * kl(out["aspect"].reshape(-1, 3), t["aspect"].reshape(-1, 3)) / T,
                 "embed": embed_weight * (1 - (out["emb"] * t["emb"]).sum(-1)).mean()}
        if token_weight:
            parts["tokens"] = token_weight * state_gap(out["states"], t["states"], mask)
        return parts
    return loss


def saver(model, args):
    """A hook that saves the float student to --out/ckpt.pt every --save-minutes."""
    last = [time.time()]

    def hook(step):
        if time.time() - last[0] >= args.save_minutes * 60:
            torch.save(model.state_dict(), args.out / "ckpt.pt")
            log(f"step {step}: saved {args.out / 'ckpt.pt'}")
            last[0] = time.time()
    return hook


def initial_state(path, cfg, W, T, layer_src):
    """The weights --init names: a ckpt.pt, or a committed student's folder (its int8 deltas composed)."""
    if not path.is_dir():
        return torch.load(path)
    model = teacher_of(cfg, W, path, T)
    if list(model.layer_src) != list(layer_src):
        sys.exit(f"--init {path} has layers {list(model.layer_src)}, the student {list(layer_src)}")
    return model.state_dict()


# The arguments of a run that decide its result (paths, logging and the device left out).
REPRODUCE = ("teacher", "seed", "batch", "lr", "head_lr", "alpha", "in_domain_weight", "epochs", "minutes",
             "keep", "init", "src_weight", "token_weight", "embed_weight", "threads")


def ship(src, dest, topics, teacher):
    """Write the committed student: deltas (without layer_src), the sentiment head, the manifest."""
    import hashlib

    from export import MAX_FILE, npz_bytes, write_head
    z = dict(np.load(src))
    layer_src = [int(x) for x in z.pop("layer_src")]
    data = npz_bytes(z)
    assert len(data) <= MAX_FILE, f"student.npz is {len(data)} bytes (> 20 MB)"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "student.npz").write_bytes(data)
    heads = {k: torch.from_numpy(v.astype(np.float32)) for k, v in z.items() if not k.startswith("l")}
    write_head(heads, dest / "sentiment-head.json", "student")
    manifest = {"run": dest.name, "dtype": "int8", "layer_src": layer_src, "topics": topics,
                "files": {"student.npz": {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}},
                "teacher": teacher, "script": "scripts/train/distill.py"}
    report = src.parent / "report.json"  # the run's arguments and schedule, to reproduce it
    if report.exists():
        run = json.loads(report.read_text())
        if "soup" in run:  # soup.py's average of students: its parts and their weights
            manifest["training"] = {"soup": run["soup"], "script": "scripts/train/soup.py"}
        else:
            manifest["training"] = {"args": {k: v for k, v in run["args"].items() if k in REPRODUCE},
                                    "schedule": run["schedule"]}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(f"shipped {dest}: {len(data)} bytes, layers {layer_src}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", type=Path, default=ROOT / ".gpu")
    ap.add_argument("--teacher", type=Path, default=ROOT / "models" / "finetune")
    ap.add_argument("--out", type=Path, default=CACHE)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--alpha", type=float, default=0.7)
    ap.add_argument("--in-domain-weight", type=float, default=5.0)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--minutes", type=float, default=65.0)
    ap.add_argument("--save-minutes", type=float, default=5.0)
    ap.add_argument("--keep", type=positions, default=STUDENT_LAYERS,
                    help="the teacher's layer positions the student starts from (default 1,3,5,7,9,11); "
                         "with --teacher models/student, e.g. 0,2,4,5 for a 4-layer student")
    ap.add_argument("--init", type=Path, help="start from a saved ckpt.pt, or a committed student's folder "
                                              "(e.g. models/student), instead of the teacher's layers")
    ap.add_argument("--ship", type=Path, nargs="?", const=ROOT / "models" / "student",
                    help="only write the committed student from --out/student.npz (default models/student)")
    ap.add_argument("--src-weight", type=src_weight, action="append", default=[], metavar="SRC=W",
                    help="multiply one source's share of each epoch by W (repeatable), e.g. amazon_pillow_reviews=3")
    ap.add_argument("--token-weight", type=float, default=0.0,
                    help="weight of the token-state loss (the student's last-layer states against the "
                         "teacher's, which clause vectors pool; 0: pooled embedding only, as the shipped runs)")
    ap.add_argument("--embed-weight", type=float, default=1.0,
                    help="weight of the pooled-embedding loss (1 - cosine to the teacher's sentence vector, which "
                         "search and the custom topics read)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--limit-rows", type=int, default=0, help="smoke test: keep the first N rows per split")
    args = ap.parse_args()
    args.device, args.bf16 = torch.device("cpu"), False
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.time()
    cfg, W = load_base(args.bundle / "base.npz")
    data = np.load(args.bundle / "data.npz")
    meta = json.loads(gzip.decompress((args.bundle / "rows.json.gz").read_bytes()))
    if args.ship:
        teacher = args.teacher.resolve()
        named = teacher.relative_to(ROOT) if teacher.is_relative_to(ROOT) else teacher
        return ship(args.out / "student.npz", args.ship, meta["topics"], str(named))
    if args.limit_rows:
        meta["rows"] = {k: v[:args.limit_rows] for k, v in meta["rows"].items()}
    gpu_run.TOPIC_IX.update({t: j for j, t in enumerate(meta["topics"])})
    T = len(meta["topics"])
    train, dev, test = (Split(data, meta["rows"], n) for n in ("train", "dev", "test"))
    teacher = teacher_of(cfg, W, args.teacher, T)
    layer_src = [teacher.layer_src[p] for p in args.keep]
    student = Encoder(cfg, W, layer_src, T)
    with torch.no_grad():
        for pos, src in enumerate(args.keep):
            student.layers[pos].load_state_dict(teacher.layers[src].state_dict())
        for head in ("sentiment", "topic", "aspect"):
            getattr(student, head).load_state_dict(getattr(teacher, head).state_dict())
    if args.init:
        student.load_state_dict(initial_state(args.init, cfg, W, T, layer_src))
    log(f"loaded in {time.time() - t0:.1f}s: train {len(train.rows)} dev {len(dev.rows)} test {len(test.rows)}")
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "layers": layer_src}
    loss = student_loss_of(teacher, T, args.token_weight, args.embed_weight)
    report["schedule"] = gpu_run.train_phase("student", student, train, args, loss,
                                             args.minutes, args.epochs, args.lr, saver(student, args))
    torch.save(student.state_dict(), args.out / "ckpt.pt")
    files = export(student.eval(), W, lambda pos: "student.npz")["student.npz"]
    np.savez_compressed(args.out / "student.npz", layer_src=np.array(layer_src, np.int32), **files)
    student8 = rebuild(cfg, W, {"s": files}, layer_src, T, args.device).eval()
    original = Encoder(cfg, W, range(cfg["layers"]), T, 0.0).eval().requires_grad_(False)
    for name, model in (("student", student8), ("teacher", teacher)):
        th = fit_thresholds(model, dev, args.device)
        report[name] = {"thresholds": th, "test": evaluate(model, test, args.device, original, th)}
        gpu_run.save_report(args, report)
    report["minutes_total"] = round((time.time() - t0) / 60, 2)
    gpu_run.save_report(args, report)
    log(f"done in {report['minutes_total']} min")


if __name__ == "__main__":
    main()
