// Runs every golden case of a model directory through onnxruntime-node and
// prints each output's relative error against PyTorch's, as one JSON line.
// Exit 1 if any exceeds the contract's 1e-4 (docs/model-format.md).
//   node scripts/onnx-parity.mjs MODEL_DIR
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";

const TOLERANCE = 1e-4;
const ARRAYS = { float32: Float32Array, int64: BigInt64Array, bool: Uint8Array };

function readTensor(dir, spec) {
  const bytes = readFileSync(join(dir, spec.file));
  const Array_ = ARRAYS[spec.dtype];
  if (!Array_) throw new Error(`unknown dtype ${spec.dtype} in ${spec.file}`);
  const data = new Array_(bytes.buffer, bytes.byteOffset, bytes.byteLength / Array_.BYTES_PER_ELEMENT);
  return new ort.Tensor(spec.dtype, spec.dtype === "bool" ? Uint8Array.from(data) : data.slice(), spec.shape);
}

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/onnx-parity.mjs MODEL_DIR");
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
const golden = JSON.parse(readFileSync(join(dir, manifest.files.golden.path), "utf8"));
const errors = {};
for (const c of golden.cases) {
  const session = await ort.InferenceSession.create(join(dir, manifest.files[c.part].path));
  const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, readTensor(dir, s)]));
  const out = await session.run(feeds);
  for (const [name, spec] of Object.entries(c.outputs)) {
    const want = readTensor(dir, spec).data;
    const got = out[name].data;
    let num = 0, den = 0;
    for (let i = 0; i < want.length; i++) {
      num += (got[i] - want[i]) ** 2;
      den += want[i] ** 2;
    }
    // A part may have several cases (the DiT at a square and at a wide latent): number the later ones.
    let key = `${c.part}.${name}`;
    for (let n = 2; key in errors; n++) key = `${c.part}.${name}@${n}`;
    errors[key] = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
  }
}
console.log(JSON.stringify(errors));
process.exit(Object.values(errors).every((e) => e <= TOLERANCE) ? 0 : 1);
