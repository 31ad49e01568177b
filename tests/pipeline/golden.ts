// Reads golden.json (docs/model-format.md) into onnxruntime tensors, for the parity tests and the benchmark.
import { readFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";

interface TensorRef {
  file: string;
  dtype: "float32" | "int64" | "bool" | "uint8";
  shape: number[];
}
export interface GoldenCase {
  part: string; // text_encoder, dit, vae_decoder, or another decoder named by model.json outputs
  inputs: Record<string, TensorRef>;
  outputs: Record<string, TensorRef>;
}

export function readGolden(dir: string): GoldenCase[] {
  return (JSON.parse(readFileSync(path.join(dir, "golden.json"), "utf8")) as { cases: GoldenCase[] }).cases;
}

/** Raw little-endian bytes -> a tensor (copied, so the typed array is aligned). */
export function readTensor(dir: string, ref: TensorRef): ort.Tensor {
  const bytes = readFileSync(path.join(dir, ref.file));
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const n = ref.shape.reduce((a, b) => a * b, 1);
  const data =
    ref.dtype === "float32" ? new Float32Array(buf) : ref.dtype === "int64" ? new BigInt64Array(buf) : new Uint8Array(buf); // bool, uint8
  if (data.length !== n) throw new Error(`${ref.file}: ${data.length} values for shape [${ref.shape}]`);
  return new ort.Tensor(ref.dtype, data, ref.shape);
}

/** The largest |a − b|: the parity measure of uint8 frames (docs/model-format.md), at most 1. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let most = 0;
  for (let i = 0; i < b.length; i++) most = Math.max(most, Math.abs(a[i]! - b[i]!));
  return most;
}

/** ‖a − b‖ / ‖b‖, the parity measure of docs/model-format.md. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}
