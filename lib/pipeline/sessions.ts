/**
 * ONNX Runtime sessions for a model directory, created once and reused.
 *
 * Creating a session parses and optimises the graph (hundreds of ms for the
 * DiT), and `loadModel` hashes every file, so both happen once per model
 * directory, provider and thread count. The cache entry is dropped when a
 * file's size or mtime changes (a re-export), so a stale graph is never run.
 */
import { existsSync, readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";

import { PipelineError } from "./errors";
import { FILE_KEYS, loadModel, type LoadedModel } from "./manifest";
import { PROVIDERS, type Provider } from "./providers";
import { Tokenizer } from "./tokenizer";

export { PROVIDERS, type Provider } from "./providers";

export interface ModelRuntime {
  model: LoadedModel;
  tokenizer: Tokenizer;
  textEncoder: ort.InferenceSession;
  dit: ort.InferenceSession;
  ditInt8: ort.InferenceSession | null; // the int8 graph (files.dit_int8), when the model has one
  vaeDecoder: ort.InferenceSession;
  decoders: Record<string, ort.InferenceSession>; // by files key: vae_decoder and the outputs' others (./shapes.ts)
  provider: Exclude<Provider, "auto">; // the one that actually runs
}

export interface RuntimeOptions {
  provider?: Provider; // default "cpu"
  threads?: number; // intra-op threads; default: onnxruntime's (the physical cores)
}

interface CacheEntry {
  stamp: string; // filesStamp() when the entry was made
  runtime: Promise<ModelRuntime>;
}
const cache = new Map<string, CacheEntry>();

const HINTS: Record<Exclude<Provider, "auto" | "cpu">, string> = {
  cuda:
    "the CUDA provider needs onnxruntime-node's CUDA libraries (skipped here by `onnxruntime-node-install=skip` in .npmrc; " +
    "remove it and reinstall onnxruntime-node on a machine with CUDA 12) and an NVIDIA driver",
  webgpu: "the WebGPU provider needs a GPU adapter that Dawn can open (Vulkan on Linux, D3D12 on Windows, Metal on macOS)",
};

function sessionOptions(provider: Exclude<Provider, "auto">, threads?: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    // "all" fuses LayerNorm/GELU/attention patterns; fp32 stays fp32 on CPU (casts would cost more than they save).
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    // Each session has its own thread pool, whose threads by default spin after a run, waiting for the
    // next: they took CPU from the session run next and from ffmpeg. Without spinning, a default clip
    // measured 254 ms against 312 ms on 2 threads (denoise 38 vs 61 ms, decode 108 vs 137 ms).
    extra: { session: { intra_op: { allow_spinning: "0" } } },
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

/** The graph inputs and outputs of docs/model-format.md, by session. */
const CONTRACT = {
  textEncoder: { file: "text_encoder.onnx", inputs: ["ids", "mask"], outputs: ["text_states"] },
  dit: {
    file: "dit.onnx",
    inputs: ["latent", "timestep", "text_states", "text_mask", "context", "context_mask"],
    outputs: ["velocity"],
  },
  vaeDecoder: { file: "vae_decoder.onnx", inputs: ["latent"], outputs: ["video"] },
} as const;

function checkContract(name: keyof typeof CONTRACT, session: ort.InferenceSession, planned: boolean): ort.InferenceSession {
  const c = CONTRACT[name];
  // A model that follows scene plans says so in its manifest, and its DiT takes one more input.
  const inputs: readonly string[] = name === "dit" && planned ? [...c.inputs, "plan"] : c.inputs;
  const missing = [
    ...inputs.filter((n) => !session.inputNames.includes(n)).map((n) => `input "${n}"`),
    ...c.outputs.filter((n) => !session.outputNames.includes(n)).map((n) => `output "${n}"`),
  ];
  if (missing.length) {
    throw new PipelineError(
      "BAD_MANIFEST",
      `${c.file} lacks ${missing.join(", ")} of docs/model-format.md (has inputs ${session.inputNames.join(", ")}; outputs ${session.outputNames.join(", ")})`,
    );
  }
  return session;
}

async function createSessions(model: LoadedModel, provider: Exclude<Provider, "auto">, threads?: number) {
  const opts = sessionOptions(provider, threads);
  let sessions;
  try {
    sessions = {
      textEncoder: await ort.InferenceSession.create(model.paths.text_encoder, opts),
      dit: await ort.InferenceSession.create(model.paths.dit, opts),
      vaeDecoder: await ort.InferenceSession.create(model.paths.vae_decoder, opts),
      ditInt8: model.paths.dit_int8 ? await ort.InferenceSession.create(model.paths.dit_int8, opts) : null,
      decoders: {} as Record<string, ort.InferenceSession>,
    };
    sessions.decoders.vae_decoder = sessions.vaeDecoder;
    for (const { file } of Object.values(model.manifest.outputs ?? {})) {
      if (!sessions.decoders[file]) sessions.decoders[file] = await ort.InferenceSession.create(model.paths[file]!, opts);
    }
  } catch (err) {
    if (provider === "cpu") throw err;
    throw new PipelineError(
      "PROVIDER_UNAVAILABLE",
      `execution provider "${provider}" is unavailable here (${(err as Error).message.split("\n")[0]}); ${HINTS[provider]}. ` +
        `Use --provider cpu (or auto, which falls back to the CPU).`,
      { cause: err },
    );
  }
  const planned = model.manifest.plan !== undefined;
  for (const name of Object.keys(CONTRACT) as (keyof typeof CONTRACT)[]) checkContract(name, sessions[name], planned);
  if (sessions.ditInt8) checkContract("dit", sessions.ditInt8, planned);
  for (const s of Object.values(sessions.decoders)) checkContract("vaeDecoder", s, planned);
  return sessions;
}

/**
 * Whether onnxruntime-node's CUDA provider library was installed (the npm
 * install downloads it unless told to skip). Checked on disk first so that
 * "auto" on a CPU machine does not make onnxruntime log a load failure.
 */
export function cudaInstalled(): boolean {
  try {
    const bin = path.join(path.dirname(createRequire(import.meta.url).resolve("onnxruntime-node")), "..", "bin");
    return readdirSync(bin).some((napi) =>
      existsSync(path.join(bin, napi, process.platform, process.arch, "libonnxruntime_providers_cuda.so")),
    );
  } catch {
    return false;
  }
}

async function openRuntime(dir: string, provider: Provider, threads?: number): Promise<ModelRuntime> {
  const model = await loadModel(dir);
  const tokenizer = await Tokenizer.load(model.paths.tokenizer);
  if (tokenizer.maxLength !== model.manifest.text.max_length) {
    throw new PipelineError(
      "BAD_MANIFEST",
      `tokenizer.json max_length ${tokenizer.maxLength} differs from model.json text.max_length ${model.manifest.text.max_length}`,
    );
  }
  if (provider === "cuda" && !cudaInstalled()) {
    throw new PipelineError("PROVIDER_UNAVAILABLE", `execution provider "cuda" is not installed; ${HINTS.cuda}. Use --provider cpu or auto.`);
  }
  if (provider !== "auto") return { model, tokenizer, provider, ...(await createSessions(model, provider, threads)) };
  // auto: a GPU through CUDA when it is installed, else the CPU. WebGPU is not
  // tried: on a machine without a GPU, Dawn may pick a software adapter slower than the CPU provider.
  if (cudaInstalled()) {
    try {
      return { model, tokenizer, provider: "cuda", ...(await createSessions(model, "cuda", threads)) };
    } catch {
      // Libraries present but no usable GPU or driver: the CPU still works.
    }
  }
  return { model, tokenizer, provider: "cpu", ...(await createSessions(model, "cpu", threads)) };
}

/** The runtime for `dir`: cached, re-created after the directory changes, never cached when it failed. */
export async function getRuntime(dir: string, options: RuntimeOptions = {}): Promise<ModelRuntime> {
  const provider = options.provider ?? "cpu";
  if (!PROVIDERS.includes(provider)) {
    throw new PipelineError("BAD_INPUT", `unknown provider "${provider}"; use one of ${PROVIDERS.join(", ")}`);
  }
  const abs = path.resolve(dir);
  const key = `${abs}|${provider}|${options.threads ?? 0}`;
  const hit = cache.get(key);
  if (hit) {
    const rt = await hit.runtime.catch(() => null);
    if (rt && (await filesStamp(abs, rt)) === hit.stamp) return rt;
    // Changed on disk: open it afresh. The old sessions are left to the GC, since a generation may still be using them.
    if (cache.get(key) === hit) cache.delete(key);
  }
  // Cached before it resolves, so concurrent callers share one load.
  const entry = { stamp: "" } as CacheEntry;
  entry.runtime = openRuntime(abs, provider, options.threads).then(async (rt) => {
    entry.stamp = await filesStamp(abs, rt);
    return rt;
  });
  cache.set(key, entry);
  entry.runtime.catch(() => {
    if (cache.get(key) === entry) cache.delete(key); // a failure is reported to its callers, not remembered
  });
  return entry.runtime;
}

/** Size and mtime of model.json and every file it lists: they change when the directory is re-exported. */
async function filesStamp(dir: string, rt: ModelRuntime): Promise<string> {
  const files = [path.join(dir, "model.json"), ...Object.values(rt.model.paths).filter((f): f is string => f !== undefined)];
  const stats = await Promise.all(files.map((f) => stat(f).then((s) => `${s.size}:${s.mtimeMs}`, () => "missing")));
  return stats.join("|");
}

/** Releases every cached session (tests, or a worker switching models). */
export async function releaseRuntimes(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const entry of all) {
    const rt = await entry.runtime.catch(() => null);
    if (rt) await Promise.all([rt.textEncoder.release(), rt.dit.release(), rt.ditInt8?.release(), ...Object.values(rt.decoders).map((d) => d.release())]);
  }
}
