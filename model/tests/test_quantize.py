"""quantize.py: the int8 rewrite of constant-weight MatMul/Gemm nodes (numerics are checked
against onnxruntime in tests/pipeline/precision.test.ts; Python has no onnxruntime here)."""
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from spacetime.quantize import WEIGHT_MAX, quantize_graph, quantize_model_dir, quantize_weight


def _graph() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((8, 16)).astype(np.float32), "w1")
    w2 = numpy_helper.from_array(rng.standard_normal((4, 16)).astype(np.float32), "w2")  # Gemm, transB
    b2 = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b2")
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], "blocks.0/mlp/MatMul"),
        helper.make_node("MatMul", ["h", "h_t"], ["a"], "attn/scores"),  # activation x activation: stays float
        helper.make_node("Transpose", ["h"], ["h_t"], "t", perm=[1, 0]),
        helper.make_node("Gemm", ["h", "w2", "b2"], ["y"], "final/linear/Gemm", transB=1),
    ]
    nodes = [nodes[0], nodes[2], nodes[1], nodes[3]]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 4]),
                           helper.make_tensor_value_info("a", TensorProto.FLOAT, [3, 3])], [w1, w2, b2])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_weights_round_trip_within_half_a_step_per_column():
    w = np.random.default_rng(1).standard_normal((64, 32)).astype(np.float32)
    q, scale = quantize_weight(w)
    assert q.dtype == np.int8 and scale.shape == (32,) and np.abs(q).max() == WEIGHT_MAX == 63  # 7-bit: no int16 saturation on AVX2-only CPUs
    assert np.all(np.abs(q * scale - w) <= scale / 2 + 1e-7)


def test_rewrites_constant_weights_only_and_keeps_what_it_is_told_to():
    q, count = quantize_graph(_graph(), keep="")
    onnx.checker.check_model(q)
    ops = [n.op_type for n in q.graph.node]
    assert count == 2 and ops.count("MatMulInteger") == 2 and ops.count("MatMul") == 1  # the attention product
    assert {i.name for i in q.graph.initializer}.isdisjoint({"w1", "w2"})
    kept, count = quantize_graph(_graph(), keep=r"final/linear")
    assert count == 1 and [n.op_type for n in kept.graph.node].count("Gemm") == 1


def test_model_dir_gains_files_dit_int8(tmp_path):
    onnx.save(_graph(), str(tmp_path / "dit.onnx"))
    import hashlib
    sha = hashlib.sha256((tmp_path / "dit.onnx").read_bytes()).hexdigest()
    (tmp_path / "model.json").write_text(json.dumps({"files": {"dit": {"path": "dit.onnx", "sha256": sha}},
                                                     "defaults": {"steps": 6, "guidance": 2.0}}))
    m = quantize_model_dir(tmp_path, ("dit",), default="int8")
    assert m["files"]["dit_int8"]["path"] == "dit.int8.onnx" and (tmp_path / "dit.int8.onnx").exists()
    assert json.loads((tmp_path / "model.json").read_text())["defaults"]["precision"] == "int8"
    (tmp_path / "dit.onnx").write_bytes(b"changed")
    with pytest.raises(ValueError, match="SHA-256"):
        quantize_model_dir(tmp_path, ("dit",))
