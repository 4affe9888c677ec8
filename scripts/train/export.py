#!/usr/bin/env python3
"""Export a fine-tuned checkpoint as small committed deltas: the changed layers and the heads.

In:  a train.py checkpoint (default $VERBATIM_CACHE/train/ckpt/top4/best.pt) and the Q4_0 weights.
Out: in --out (default models/finetune/): one .npz per changed layer `layer{l}.npz` and `heads.npz`,
     the sentiment head as models/finetune/sentiment-head.json (src/model/sentiment.rs's format),
     plus `manifest.json` (dtype, sizes, sha256 of every file, the checkpoint's step and args). Tensor
     names follow scripts/prepare_model.py (`l{l}.q.w`, `l{l}.q.b`, ... `l{l}.oln.b`), so composing
     them is `W.update(deltas)` after read_e5_bin; scripts/prepare_model.py --finetune does it at setup.

  --dtype fp16: every tensor stored whole in float16 (about 3.5 MB per layer).
  --dtype int8: weight matrices stored as the int8 difference from the Q4_0-dequantized original with
                one float16 scale per output row (`NAME.q8`, `NAME.scale`), decoded as
                original + q8 * scale; vectors (biases, norms) and heads stay float16.
Each file must stay <= 20 MB and all together <= 40 MB; the script checks the reconstruction against
the checkpoint (max abs error, pooled-embedding cosine on a few texts).
"""
import argparse
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import PREFIX, ROOT, batch_of, build, read_weights, tokenizer  # noqa: E402
from prepare_model import decode_deltas  # noqa: E402  (model.py put scripts/ on the path)

CACHE_CKPT = Path.home() / ".cache" / "verbatim" / "train" / "ckpt"
TORCH_TO_E5 = {"weight": "w", "bias": "b"}
MAX_FILE, MAX_TOTAL = 20 * 2**20, 40 * 2**20


def e5_name(torch_name):
    """'layers.9.q.weight' -> 'l9.q.w'; heads keep their torch names."""
    parts = torch_name.split(".")
    if parts[0] == "layers":
        return f"l{parts[1]}.{parts[2]}.{TORCH_TO_E5[parts[3]]}"
    return torch_name


def encode(name, value, original, dtype):
    if dtype == "int8" and value.ndim == 2 and original is not None:
        diff = value - original
        scale = np.abs(diff).max(1, keepdims=True) / 127.0
        scale = np.where(scale == 0, 1.0, scale).astype(np.float16)
        q8 = np.clip(np.rint(diff / scale.astype(np.float32)), -127, 127).astype(np.int8)
        return {f"{name}.q8": q8, f"{name}.scale": scale}
    return {name: value.astype(np.float16)}


def write_head(state, path, run):
    """The sentiment head as head.json: logits = (10 W) . embedding + b (one linear layer)."""
    w = (state["sentiment.weight"].float() * 10.0).tolist()
    b = state["sentiment.bias"].float().tolist()
    head = {"version": 1, "encoder": f"e5-small-int8 + models/finetune ({run})", "input": "sentence_embedding",
            "prefix": PREFIX, "classes": ["negative", "neutral", "positive"],
            "layers": [{"weight": [[round(x, 6) for x in row] for row in w], "bias": [round(x, 6) for x in b],
                        "activation": "none"}],
            "class_bias": [0.0, 0.0, 0.0]}
    path.write_text(json.dumps(head, separators=(",", ":")) + "\n")


def npz_bytes(arrays):
    buf = io.BytesIO()
    np.savez(buf, **dict(sorted(arrays.items())))
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckpt", type=Path, default=CACHE_CKPT / "v2" / "best.pt")
    ap.add_argument("--head", type=Path, default=ROOT / "models" / "finetune" / "sentiment-head.json",
                    help="where the sentiment head goes, in src/model/sentiment.rs's format")
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "finetune")
    ap.add_argument("--dtype", choices=["fp16", "int8"], default="int8")
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.ckpt, weights_only=False, map_location="cpu")
    cfg, W = read_weights()
    groups = {}
    for tname, t in ck["model"].items():
        name = e5_name(tname)
        group = f"layer{tname.split('.')[1]}" if tname.startswith("layers.") else "heads"
        groups.setdefault(group, {}).update(encode(name, t.float().numpy(), W.get(name), args.dtype))
    args.out.mkdir(parents=True, exist_ok=True)
    files, total, restored = {}, 0, {}
    for group, arrays in sorted(groups.items()):
        data = npz_bytes(arrays)
        assert len(data) <= MAX_FILE, f"{group}.npz is {len(data)} bytes (> 20 MB)"
        total += len(data)
        (args.out / f"{group}.npz").write_bytes(data)
        files[f"{group}.npz"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        restored.update(decode_deltas(dict(np.load(io.BytesIO(data))), W))
    assert total <= MAX_TOTAL, f"deltas total {total} bytes (> 40 MB)"

    # check: reconstruction error and pooled-embedding agreement with the checkpoint
    err = max(float(np.abs(restored[e5_name(n)] - t.float().numpy()).max()) for n, t in ck["model"].items())
    model, _ = build(k=ck["args"]["k"])
    model.load_state_dict(ck["model"], strict=False)
    model.eval()
    ref_model, _ = build(k=ck["args"]["k"])
    state = {n: torch.from_numpy(restored[e5_name(n)]) for n in ck["model"]}
    ref_model.load_state_dict(state, strict=False)
    ref_model.eval()
    tok = tokenizer(128)
    texts = ["快递送到了另一个城市，真是离谱", "宅配隔天就送到，速度很快", "marked as delivered but never arrived",
             "not bad at all", "請問發票怎麼開？"]
    ids, mask = batch_of([tok.encode(PREFIX + t).ids for t in texts])
    with torch.no_grad():
        a, b = model(ids, mask), ref_model(ids, mask)
    cos = float((a["emb"] * b["emb"]).sum(-1).min())
    dlogit = float((a["sentiment"] - b["sentiment"]).abs().max())
    write_head(ck["model"], args.head, args.ckpt.parent.name)
    manifest = {"run": args.ckpt.parent.name, "dtype": args.dtype, "checkpoint": str(args.ckpt.name), "step": ck["state"]["step"],
                "k": ck["args"]["k"], "topics": ck["topics"], "files": files, "total_bytes": total,
                "max_abs_weight_error": err, "min_emb_cosine": cos, "max_sentiment_logit_diff": dlogit,
                "head_input": "10 * sentence_embedding (L2-normalized masked mean)"}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in manifest.items() if k != "topics"}, indent=1))
    assert cos >= 0.999, f"exported model drifts: embedding cosine {cos}"


if __name__ == "__main__":
    main()
