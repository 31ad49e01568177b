/**
 * FLOPs of one DiT run, counted from onnxruntime's own profile of the graph
 * (optimisations off, so every MatMul/Gemm/Conv appears as exported, with its
 * input and output shapes). Multiply-adds count as 2 FLOPs; elementwise ops,
 * softmax and norms are left out, as FLOP counts for transformers usually do.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";

interface ProfileEvent {
  cat: string;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
const shapeOf = (s: Record<string, number[]> | undefined) => (s ? Object.values(s)[0]! : []);

function nodeFlops(e: ProfileEvent): number {
  const op = e.args?.op_name;
  const ins = (e.args?.input_type_shape ?? []).map(shapeOf);
  const out = shapeOf(e.args?.output_type_shape?.[0]);
  if (!op || ins.length === 0) return 0;
  switch (op) {
    case "MatMul":
      return 2 * prod(out) * ins[0]!.at(-1)!; // every output element: K multiply-adds
    case "Gemm":
      return 2 * prod(out) * (prod(ins[0]!) / out[0]!);
    case "Conv":
      return 2 * prod(out) * prod(ins[1]!.slice(1)); // weight (Cout, Cin/groups, k...)
    case "ConvTranspose":
      return 2 * prod(ins[0]!) * prod(ins[1]!.slice(1)); // weight (Cin, Cout/groups, k...)
    default:
      return 0;
  }
}

export async function profileFlops(modelPath: string, feeds: Record<string, ort.Tensor>): Promise<number> {
  const prefix = path.join(tmpdir(), `spacetime-flops-${process.pid}`);
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "disabled",
    enableProfiling: true,
    profileFilePrefix: prefix,
  });
  await session.run(feeds);
  // endProfiling writes the file and returns nothing in onnxruntime-node; find it by prefix.
  session.endProfiling();
  await session.release();
  const file = readdirSync(tmpdir())
    .map((f) => path.join(tmpdir(), f))
    .find((f) => f.startsWith(prefix));
  if (!file) throw new Error("onnxruntime wrote no profile");
  const events = JSON.parse(readFileSync(file, "utf8")) as ProfileEvent[];
  rmSync(file);
  return events.filter((e) => e.cat === "Node").reduce((sum, e) => sum + nodeFlops(e), 0);
}
