// Runs every golden case of a model directory through onnxruntime-node and
// prints each output's error against PyTorch's, as one JSON line: the relative
// error of a float output, the largest difference of a uint8 one (frames).
// Exit 1 if any exceeds the contract's 1e-4, or 1 for uint8 (docs/model-format.md).
//   node scripts/onnx-parity.mjs MODEL_DIR
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";

const TOLERANCE = { float32: 1e-4, uint8: 1 };
const ARRAYS = { float32: Float32Array, int64: BigInt64Array, bool: Uint8Array, uint8: Uint8Array };

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
const tolerances = {};
for (const c of golden.cases) {
  const session = await ort.InferenceSession.create(join(dir, manifest.files[c.part].path));
  const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, readTensor(dir, s)]));
  const out = await session.run(feeds);
  for (const [name, spec] of Object.entries(c.outputs)) {
    const want = readTensor(dir, spec).data;
    const got = out[name].data;
    if (out[name].type !== spec.dtype) throw new Error(`${c.part}.${name}: ${out[name].type}, golden.json says ${spec.dtype}`);
    let error;
    if (spec.dtype === "uint8") {
      error = 0;
      for (let i = 0; i < want.length; i++) error = Math.max(error, Math.abs(got[i] - want[i]));
    } else {
      let num = 0, den = 0;
      for (let i = 0; i < want.length; i++) {
        num += (got[i] - want[i]) ** 2;
        den += want[i] ** 2;
      }
      error = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }
    // A part may have several cases (the DiT at a square and at a wide latent): number the later ones.
    let key = `${c.part}.${name}`;
    for (let n = 2; key in errors; n++) key = `${c.part}.${name}@${n}`;
    errors[key] = error;
    tolerances[key] = TOLERANCE[spec.dtype] ?? TOLERANCE.float32;
  }
}
console.log(JSON.stringify(errors));
process.exit(Object.entries(errors).every(([k, e]) => e <= tolerances[k]) ? 0 : 1);
