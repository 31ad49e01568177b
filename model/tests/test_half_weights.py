"""fp16 weight storage: lossless, smaller, and reversible. (That onnxruntime
runs such graphs unchanged is checked by onnx-parity.mjs on every export in
test_export.py.)"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from spacetime.half_weights import load_float, store_half


def _graph(**weights: np.ndarray) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 16])
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("MatMul", ["h", "v"], ["g"]),
             helper.make_node("Add", ["g", "b"], ["y"])]
    graph = helper.make_graph(nodes, "g", [x], [y], [numpy_helper.from_array(a, k) for k, a in weights.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _weights(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"w": rng.standard_normal((16, 16)).astype(np.float16).astype(np.float32),  # fp16 values
            "v": rng.standard_normal((16, 16)).astype(np.float32),  # fp16 would round these
            "b": np.zeros(16, np.float32)}  # too small to be worth a Cast


def test_only_weights_fp16_holds_exactly_are_stored_as_fp16():
    model = _graph(**_weights(0))
    half, changed = store_half(onnx.ModelProto.FromString(model.SerializeToString()))
    onnx.checker.check_model(half)
    assert changed == 1
    assert {i.name: i.data_type for i in half.graph.initializer} == {
        "w.fp16": TensorProto.FLOAT16, "v": TensorProto.FLOAT, "b": TensorProto.FLOAT}
    cast = half.graph.node[0]
    assert (cast.op_type, list(cast.input), list(cast.output)) == ("Cast", ["w.fp16"], ["w"])
    assert half.ByteSize() < model.ByteSize() - 16 * 16 * 2 + 100


def test_load_float_restores_the_original_graph():
    weights = _weights(1)
    model = _graph(**weights)
    back = load_float(store_half(onnx.ModelProto.FromString(model.SerializeToString()))[0])
    inits = {i.name: numpy_helper.to_array(i) for i in back.graph.initializer}
    assert set(inits) == set(weights)
    for name, value in weights.items():
        assert inits[name].dtype == np.float32 and np.array_equal(inits[name], value), name
    assert [n.op_type for n in back.graph.node] == ["MatMul", "MatMul", "Add"]
    assert load_float(model) is model  # a graph without fp16 weights comes back as it was
