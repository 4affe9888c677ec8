#!/usr/bin/env python3
"""The installed encoder's fp32 weights in the layout rust-bert's BertModel reads.

In: a model directory holding `model.fp32.onnx` (the graph `prepare_model.py` writes: e5's
BERT encoder, possibly the student's 6 layers and the pruned vocabulary), e.g.
`models/e5-small`. Out, beside it: `torch.npz` (tensors named as rust-bert's `BertModel`
names its variables, Linear weights transposed back to [out, in]) and `torch-config.json`
(a rust-bert `BertConfig`). The position and token-type-0 tables are summed in the graph;
they are written as the position table with a zero token-type table, which gives the same
sum. Needs `onnx` and `numpy`; run by `make setup-rust-bert`, never by `make setup`.

Usage: python3 scripts/export_torch.py models/e5-small
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

LINEAR = {  # graph name -> rust-bert path under encoder.layer.{i}
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
NORM = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def tensors(model_dir: Path) -> dict:
    graph = onnx.load(str(model_dir / "model.fp32.onnx")).graph
    return {t.name: numpy_helper.to_array(t) for t in graph.initializer}, graph


def epsilon(graph) -> float:
    for node in graph.node:
        if node.op_type == "LayerNormalization":
            for a in node.attribute:
                if a.name == "epsilon":
                    return float(a.f)
    return 1e-12


def convert(w: dict) -> dict:
    out = {
        "embeddings.word_embeddings.weight": w["word_embeddings"],
        "embeddings.position_embeddings.weight": w["position_plus_type0_embeddings"],
        "embeddings.token_type_embeddings.weight": np.zeros(
            (2, w["word_embeddings"].shape[1]), np.float32
        ),
        "embeddings.LayerNorm.weight": w["emb.ln.gamma"],
        "embeddings.LayerNorm.bias": w["emb.ln.beta"],
    }
    layers = sorted({int(k.split(".")[0][1:]) for k in w if k.startswith("l") and k[1].isdigit()})
    for i in layers:
        base = f"encoder.layer.{i}."
        for short, path in LINEAR.items():
            out[base + path + ".weight"] = np.ascontiguousarray(w[f"l{i}.{short}.weight"].T)
            out[base + path + ".bias"] = w[f"l{i}.{short}.bias"]
        for short, path in NORM.items():
            out[base + path + ".weight"] = w[f"l{i}.{short}.gamma"]
            out[base + path + ".bias"] = w[f"l{i}.{short}.beta"]
    return {k: v.astype(np.float32) for k, v in out.items()}, len(layers)


def main() -> None:
    model_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "models/e5-small")
    w, graph = tensors(model_dir)
    out, layers = convert(w)
    vocab, hidden = w["word_embeddings"].shape
    config = {
        "hidden_act": "gelu",
        "attention_probs_dropout_prob": 0.0,
        "hidden_dropout_prob": 0.0,
        "hidden_size": int(hidden),
        "initializer_range": 0.02,
        "intermediate_size": int(w["l0.fi.weight"].shape[1]),
        "max_position_embeddings": int(w["position_plus_type0_embeddings"].shape[0]),
        "num_attention_heads": 12,
        "num_hidden_layers": layers,
        "type_vocab_size": 2,
        "vocab_size": int(vocab),
        "layer_norm_eps": epsilon(graph),
    }
    np.savez(model_dir / "torch.npz", **out)
    (model_dir / "torch-config.json").write_text(json.dumps(config, indent=1) + "\n")
    print(f"{model_dir}/torch.npz: {len(out)} tensors, {layers} layers, vocabulary {vocab}")


if __name__ == "__main__":
    main()
