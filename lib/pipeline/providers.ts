/** The execution providers a pipeline can ask for (lib/pipeline/sessions.ts): a module of its own, so the config (lib/config.ts) names them without loading onnxruntime. */
export const PROVIDERS = ["cpu", "webgpu", "cuda", "auto"] as const;
export type Provider = (typeof PROVIDERS)[number];
