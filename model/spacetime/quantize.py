"""Adds int8 graphs to an exported model directory (docs/model-format.md):

    scripts/py -m spacetime.quantize models/dev [--parts dit] [--default int8]

Rewrites a copy of each part's graph so that every MatMul (and Gemm) with a
constant weight runs in 8-bit integers, dynamic quantisation as onnxruntime's
CPU provider fuses it (DynamicQuantizeMatMul, VNNI where the CPU has it):

    A (float) -> DynamicQuantizeLinear -> A_q uint8, a_scale, a_zero   (per tensor, at run time)
    W (float) -> W_q int8, w_scale[N]                                   (per output column, symmetric, here)
    y = float(MatMulInteger(A_q, W_q, a_zero, 0)) * (a_scale * w_scale) (+ bias)

Activation-by-activation products (attention) stay float32, as do every norm,
softmax and the timestep embedding: only the weight matrices, which are where
the FLOPs are, change. The fp32 graph is left as it was; the int8 one is
written beside it (dit.int8.onnx) and model.json gains `files.<part>_int8`,
so a model directory can get an int8 graph without re-exporting from a
checkpoint, and the pipeline chooses with `precision`.

Standard ONNX ops only (opset 17), so the result passes onnx.checker.

The decoder stays fp32: it is all 3-D convolutions, and the same rewrite with
ConvInteger (onnxruntime CPU takes only a per-tensor weight zero point) ran
models/dev's decoder 7.7x slower than fp32 Conv (11.9 s against 1.55 s on 2
threads, relative error 6.4e-3), so `--parts vae_decoder` finds nothing to do.
On the DiT, int8 measured 1.23x faster than fp32 at batch 2 (bench:pipeline) on a VNNI CPU,
and 1.13x on an AVX2-only EPYC with the 7-bit weights below.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

from .half_weights import load_float_file, store_half

PARTS = ("dit", "vae_decoder")
# The DiT's first and last projections stay float: they carry the latent in and the velocity out,
# and keeping them cuts the int8 graph's error on models/dev's golden step from 2.9% to 2.2% at no
# measurable cost in time (0.4% of the weights).
KEEP_FLOAT = r"x_embed|final/linear"


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file, as model.json records it."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# 7-bit weights (onnxruntime's reduce_range): on x86 CPUs without VNNI (AVX2 only) its u8s8
# kernels add pairs of uint8 x int8 products in int16 (VPMADDUBSW), which saturates past 32767:
# 2 x 255 x 127 does, 2 x 255 x 63 does not. Full 8-bit weights measured a 4.0% error on the stub
# model's golden step on an AVX2-only EPYC, where VNNI machines had 0.14%.
WEIGHT_MAX = 63


def quantize_weight(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(K, N) float -> int8 (K, N) and float32 scale (N,), symmetric per column:
    w ~= w_q * scale, |w_q| <= WEIGHT_MAX (the zero point is 0)."""
    amax = np.abs(w).max(axis=0)
    scale = np.where(amax > 0, amax / WEIGHT_MAX, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -WEIGHT_MAX, WEIGHT_MAX).astype(np.int8)
    return q, scale


def quantize_graph(model: onnx.ModelProto, min_size: int = 0, keep: str = KEEP_FLOAT) -> tuple[onnx.ModelProto, int]:
    """A copy of `model` with its constant-weight MatMul/Gemm nodes in int8; returns it and how many were rewritten.
    `min_size`: weights with fewer elements stay float; `keep`: a regular expression, nodes whose name it
    matches stay float (the layers quantisation hurts most)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consumers: dict[str, int] = {}
    for n in g.node:
        for i in n.input:
            consumers[i] = consumers.get(i, 0) + 1
    new_nodes: list[onnx.NodeProto] = []
    new_inits: list[onnx.TensorProto] = []
    dropped: set[str] = set()
    count = 0
    for n in g.node:
        weight = _constant_weight(n, inits)
        if weight is None or weight[0].size < min_size or (keep and re.search(keep, n.name)):
            new_nodes.append(n)
            continue
        w, bias = weight
        count += 1
        base = f"{n.name or n.output[0]}_int8"
        q, scale = quantize_weight(w)
        new_inits += [
            numpy_helper.from_array(q, f"{base}.w_q"),
            numpy_helper.from_array(np.zeros(q.shape[1], np.int8), f"{base}.w_zero"),
            numpy_helper.from_array(scale, f"{base}.w_scale"),
        ]
        a = n.input[0]
        y = n.output[0]
        mm_out = f"{base}.y" if bias is not None else y
        new_nodes += [
            helper.make_node("DynamicQuantizeLinear", [a], [f"{base}.a_q", f"{base}.a_scale", f"{base}.a_zero"], f"{base}/quantize"),
            helper.make_node("MatMulInteger", [f"{base}.a_q", f"{base}.w_q", f"{base}.a_zero", f"{base}.w_zero"],
                             [f"{base}.acc"], f"{base}/matmul"),
            helper.make_node("Mul", [f"{base}.a_scale", f"{base}.w_scale"], [f"{base}.scale"], f"{base}/scales"),
            helper.make_node("Cast", [f"{base}.acc"], [f"{base}.acc_f"], f"{base}/cast", to=TensorProto.FLOAT),
            helper.make_node("Mul", [f"{base}.acc_f", f"{base}.scale"], [mm_out], f"{base}/rescale"),
        ]
        if bias is not None:
            new_inits.append(numpy_helper.from_array(bias, f"{base}.bias"))
            new_nodes.append(helper.make_node("Add", [mm_out, f"{base}.bias"], [y], f"{base}/bias"))
        for name in n.input[1:]:
            consumers[name] -= 1
            if name in inits and consumers[name] == 0:
                dropped.add(name)
    del g.node[:]
    g.node.extend(new_nodes)
    kept = [i for i in g.initializer if i.name not in dropped]
    del g.initializer[:]
    g.initializer.extend(kept + new_inits)
    return model, count


def _constant_weight(n: onnx.NodeProto, inits: dict) -> Optional[tuple[np.ndarray, Optional[np.ndarray]]]:
    """(W as (K, N), bias or None) when `n` multiplies its input by a constant 2-D float matrix, else None."""
    if n.op_type == "MatMul":
        if n.input[1] not in inits or n.input[0] in inits:
            return None
        w = numpy_helper.to_array(inits[n.input[1]])
        return (w, None) if w.ndim == 2 and w.dtype == np.float32 else None
    if n.op_type == "Gemm":
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            return None
        if n.input[1] not in inits or (len(n.input) > 2 and n.input[2] and n.input[2] not in inits):
            return None
        w = numpy_helper.to_array(inits[n.input[1]])
        if w.ndim != 2 or w.dtype != np.float32:
            return None
        if attrs.get("transB", 0):
            w = np.ascontiguousarray(w.T)
        bias = numpy_helper.to_array(inits[n.input[2]]).astype(np.float32) if len(n.input) > 2 and n.input[2] else None
        if bias is not None and bias.shape != (w.shape[1],):
            return None  # a broadcast bias of another shape: leave the node as it is
        return w, bias
    return None


def quantize_model_dir(model_dir: Path, parts: tuple[str, ...] = ("dit",), default: Optional[str] = None,
                       min_size: int = 0, keep: str = KEEP_FLOAT) -> dict:
    """Writes `<part>.int8.onnx` beside each part's graph and records them in model.json; returns the manifest."""
    manifest_path = model_dir / "model.json"
    manifest = json.loads(manifest_path.read_text())
    for part in parts:
        if part not in PARTS:
            raise ValueError(f"cannot quantise {part!r}; parts: {', '.join(PARTS)}")
        src = model_dir / manifest["files"][part]["path"]
        if file_sha256(src) != manifest["files"][part]["sha256"]:
            raise ValueError(f"{src} does not match its SHA-256 in model.json (corrupt or replaced)")
        quantized, count = quantize_graph(load_float_file(src), min_size, keep)
        quantized, _ = store_half(quantized)
        if count == 0:
            raise ValueError(f"{part}: no MatMul or Gemm with a constant weight to quantise")
        onnx.checker.check_model(quantized)
        rel = f"{src.stem}.int8.onnx"
        onnx.save(quantized, str(model_dir / rel))
        manifest["files"][f"{part}_int8"] = {"path": rel, "sha256": file_sha256(model_dir / rel)}
        print(f"{part}: {count} weight matrices in int8 -> {rel} ({(model_dir / rel).stat().st_size / 1e6:.1f} MB)")
    if default is not None:
        manifest["defaults"]["precision"] = default
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/py -m spacetime.quantize", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir", type=Path, help="an exported model directory (model.json and its graphs)")
    p.add_argument("--parts", default="dit", help=f"comma-separated parts to quantise, of {', '.join(PARTS)}")
    p.add_argument("--default", choices=("fp32", "int8"), help="also write defaults.precision to model.json")
    p.add_argument("--min-size", type=int, default=0, help="leave weight matrices of fewer elements in float32")
    p.add_argument("--keep", default=KEEP_FLOAT, help="a regular expression: nodes whose name it matches stay float32")
    args = p.parse_args(argv)
    if not (args.model_dir / "model.json").exists():
        print(f"quantize: no model.json in {args.model_dir}", file=sys.stderr)
        return 2
    try:
        quantize_model_dir(args.model_dir, tuple(args.parts.split(",")), args.default, args.min_size, args.keep)
    except ValueError as err:
        print(f"quantize: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
