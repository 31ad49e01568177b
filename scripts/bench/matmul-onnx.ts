/**
 * A one-node ONNX model, C = A @ B for N x N float32 matrices, encoded by
 * hand (protobuf wire format, the few ModelProto fields it needs) so the
 * benchmark can measure onnxruntime's matrix-multiply peak without Python.
 * Field numbers are from onnx/onnx.proto.
 */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const int = (field: number, v: number) => [...varint(field << 3), ...varint(v)];
const bytes = (field: number, b: number[]) => [...varint((field << 3) | 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, "utf8")]);

function floatMatrix(name: string, n: number): number[] {
  const dim = bytes(1, int(1, n)); // TensorShapeProto.Dimension.dim_value
  const tensorType = [...int(1, 1), ...bytes(2, [...dim, ...dim])]; // elem_type FLOAT, shape [n, n]
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))]; // ValueInfoProto{name, type{tensor_type}}
}

export function matmulModel(n: number): Uint8Array {
  const node = [...str(1, "A"), ...str(1, "B"), ...str(2, "C"), ...str(3, "matmul"), ...str(4, "MatMul")];
  const graph = [
    ...bytes(1, node),
    ...str(2, "peak"),
    ...bytes(11, floatMatrix("A", n)),
    ...bytes(11, floatMatrix("B", n)),
    ...bytes(12, floatMatrix("C", n)),
  ];
  const opset = [...str(1, ""), ...int(2, 17)];
  return Uint8Array.from([...int(1, 8), ...str(2, "spacetime-bench"), ...bytes(7, graph), ...bytes(8, opset)]);
}
