"""fp16 storage for an ONNX graph's weights, while it still computes in fp32.

A model directory's weights are fp16 values (the export rounds them, and the
committed checkpoints are fp16 EMA already), but each graph used to store them
as fp32: twice the bytes for the same numbers. `store_half` rewrites every
float32 initialiser whose values fp16 holds exactly as an fp16 initialiser and
a Cast back to float32:

    W (float32 initialiser)  ->  W.fp16 (float16 initialiser) -> Cast(to=float) -> W

onnxruntime folds those Casts when it loads the graph, so a session computes
with the same fp32 weights, at the same speed, and golden tensors agree exactly.
Initialisers that fp16 would round (constants torch.onnx folded from several
weights, such as the latent statistics times a norm) stay float32: the rewrite
is lossless by construction. `load_float` undoes it, for the tools that read
weights (quantize.py, onnx_import.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SUFFIX = ".fp16"
# Below this many values an initialiser's Cast node costs more bytes than fp16 saves.
MIN_VALUES = 64


def _exact_in_half(a: np.ndarray) -> bool:
    with np.errstate(over="ignore"):
        return bool(np.array_equal(a.astype(np.float16).astype(np.float32), a))


def store_half(model: onnx.ModelProto) -> tuple[onnx.ModelProto, int]:
    """The graph with its fp16-exact float32 weights stored as fp16 (in place);
    returns it and how many initialisers changed."""
    g = model.graph
    casts, kept, changed = [], [], 0
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT or init.name.endswith(SUFFIX):
            kept.append(init)
            continue
        a = numpy_helper.to_array(init)
        if a.size < MIN_VALUES or not _exact_in_half(a):
            kept.append(init)
            continue
        kept.append(numpy_helper.from_array(a.astype(np.float16), init.name + SUFFIX))
        casts.append(helper.make_node("Cast", [init.name + SUFFIX], [init.name], to=TensorProto.FLOAT,
                                      name=f"{init.name}/half_to_float"))
        changed += 1
    del g.initializer[:]
    g.initializer.extend(kept)
    nodes = casts + list(g.node)  # a Cast before every node that reads its output
    del g.node[:]
    g.node.extend(nodes)
    return model, changed


def load_float(model: onnx.ModelProto) -> onnx.ModelProto:
    """The graph with `store_half`'s fp16 weights back as float32 initialisers
    under their own names (in place); other graphs come back unchanged."""
    g = model.graph
    halves = {i.name: i for i in g.initializer if i.name.endswith(SUFFIX) and i.data_type == TensorProto.FLOAT16}
    restored = {}
    for n in g.node:
        if n.op_type == "Cast" and len(n.input) == 1 and n.input[0] in halves:
            restored[n.output[0]] = numpy_helper.to_array(halves[n.input[0]]).astype(np.float32)
    if not restored:
        return model
    used = {name + SUFFIX for name in restored}
    nodes = [n for n in g.node if not (n.op_type == "Cast" and n.output[0] in restored)]
    inits = [i for i in g.initializer if i.name not in used]
    inits += [numpy_helper.from_array(a, name) for name, a in restored.items()]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(inits)
    return model


def store_half_file(path: Path) -> int:
    """Rewrites the graph at `path` with fp16 weights; returns how many changed."""
    model, changed = store_half(onnx.load(str(path)))
    onnx.save(model, str(path))
    return changed


def load_float_file(path: Path) -> onnx.ModelProto:
    """The graph at `path` with float32 initialisers, whichever way it was stored."""
    return load_float(onnx.load(str(path)))
