"""Per-token activation scales for the int8 encoder, so a text's answer never depends on the
other texts in its batch. An experiment: setup does not apply it (it costs 1.21x).

`quantize_dynamic` quantizes each MatMul's input with one scale and zero point for the whole
[batch, tokens, width] tensor (`DynamicQuantizeLinear`): the range of every other text in the
batch, and of the padding, moves each text's rounding. Measured on the 560 gold comments
(2026-12-07, the shipped student): the same file read in two orders gave 8 different
sentiment labels and 24 different topic sets, scores up to 0.54 apart (fp32: none).

This rewrite gives every token its own scale: symmetric, max |x| / 127, stored as uint8 around
a fixed zero point of 128, so `MatMulInteger` keeps a scalar zero point and its uint8 x int8
kernels. The scale is [batch, tokens, 1], applied after the per-channel weight scale.
Measured: both orders give identical answers (0 label or topic changes, score difference
0.0000); sentence-vector cosine to fp32 0.9988-0.9996 (per-tensor: 0.9970-0.9985); gold
accuracy 0.889 against 0.891 (fp32 0.896). ONNX Runtime's own fusion of the dequantize step
read a per-token scale wrongly (cosine 0.94), so the rewrite writes `MatMulIntegerToFloat`
itself with a unit input scale and multiplies by the token's scale after it. The cost is
the quantize side (max |x|, the scale, a division and a `QuantizeLinear` with unit scale for
the rounding, where `DynamicQuantizeMatMul` fused it all): `scripts/bench_speed.py pt=DIR`,
3 rounds, read the default student at 1.21x (1.13-1.24) this model's speed (1.34x with the
rounding as Round, Add and Cast), which issue 17's speed target cannot afford. Next: one
per-axis `QuantizeLinear` over [batch x tokens, width] in place of the division, or a kernel
that quantizes per token in one pass.

    python3 scripts/per_token_quant.py DIR/e5-small/model.int8.onnx   # rewrite in place
    (DIR from `python3 scripts/setup.py --variant student DIR`, with model.int8.onnx and
    model.int8.embeddings copied in as files: they are links into the cache)
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

ZERO = 128  # the fixed zero point: round(x / scale) is in [-127, 127]
EPS = 1e-12   # an all-zero token keeps a finite scale


def per_token_nodes(node: onnx.NodeProto) -> list[onnx.NodeProto]:
    """The nodes that replace one `DynamicQuantizeLinear` (same three output names)."""
    x, (q, scale, zero) = node.input[0], node.output
    t = f"{x}_pt"
    return [
        helper.make_node("Abs", [x], [f"{t}_abs"]),
        helper.make_node("ReduceMax", [f"{t}_abs"], [f"{t}_max"], axes=[-1], keepdims=1),
        helper.make_node("Max", [f"{t}_max", "per_token_eps"], [f"{t}_maxe"]),
        helper.make_node("Div", [f"{t}_maxe", "per_token_127"], [scale]),
        helper.make_node("Div", [x, scale], [f"{t}_div"]),
        helper.make_node("QuantizeLinear", [f"{t}_div", "per_token_one", "per_token_zero"], [q]),
        helper.make_node("Identity", ["per_token_zero"], [zero]),
    ]


def rescale(graph: onnx.GraphProto, scales: set[str]) -> None:
    """`MatMulInteger -> Cast -> Mul(., Mul(scale, w_scale))` becomes ONNX Runtime's fused
    `MatMulIntegerToFloat` with a unit input scale, then `Mul(., scale)`: its own fusion of that
    pattern read a per-token scale wrongly (cosine to fp32 0.94)."""
    products = {n.output[0]: n for n in graph.node if n.op_type == "Mul" and n.input[0] in scales}
    by_out = {n.output[0]: n for n in graph.node}
    drop, nodes = set(products), []
    for node in graph.node:
        if node.op_type == "Mul" and node.input[1] in products:
            cast = by_out[node.input[0]]
            mm = by_out[cast.input[0]]
            scale, w_scale = products[node.input[1]].input
            a, w, a_zero, w_zero = mm.input
            out = node.output[0]
            drop.update((cast.output[0], mm.output[0]))
            inputs = [a, w, "per_token_one", w_scale, a_zero, w_zero]
            fused = helper.make_node("MatMulIntegerToFloat", inputs, [f"{out}_pt_w"], domain="com.microsoft")
            nodes.append(fused)
            nodes.append(helper.make_node("Mul", [f"{out}_pt_w", scale], [out]))
        else:
            nodes.append(node)
    nodes = [n for n in nodes if n.output[0] not in drop]
    del graph.node[:]
    graph.node.extend(nodes)


def rewrite(model: onnx.ModelProto) -> int:
    """Replace every `DynamicQuantizeLinear` in place; returns how many."""
    graph, nodes, count, scales = model.graph, [], 0, set()
    for node in graph.node:
        if node.op_type == "DynamicQuantizeLinear":
            nodes.extend(per_token_nodes(node))
            scales.add(node.output[1])
            count += 1
        else:
            nodes.append(node)
    if not count:
        return 0
    floats = {"per_token_one": 1.0, "per_token_eps": EPS, "per_token_127": 127.0}
    constants = {k: np.array(v, np.float32) for k, v in floats.items()}
    constants["per_token_zero"] = np.array(ZERO, np.uint8)
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in constants.items())
    del graph.node[:]
    graph.node.extend(nodes)
    rescale(graph, scales)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return count


def rewrite_file(path: Path) -> int:
    """Rewrite an int8 model file in place, leaving its external data (the embedding table) as it is."""
    model = onnx.load(str(path), load_external_data=False)
    count = rewrite(model)
    if count:
        onnx.save_model(model, str(path))
    return count


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {rewrite_file(Path(arg))} activation quantizers made per-token")
