/**
 * A clip's shape: its output fps (which decoder, how many frames per latent frame, at what
 * scale) and its aspect (the DiT's frame and latent size). From model.json's optional
 * `outputs` and `aspects` (docs/model-format.md); a directory without them has one shape,
 * today's: video.fps, "1:1", the vae_decoder at scale 1.
 *
 * No onnxruntime here: the web server loads this module.
 */
import type { Manifest } from "./manifest";

export interface OutputShape {
  file: string; // key in files: the decoder graph
  scale: number; // output pixels per DiT pixel
  frames_per_latent: number;
}

export interface ClipShape {
  fps: number;
  aspect: string;
  decoder: string; // files key
  latent: { channels: number; frames: number; height: number; width: number }; // the DiT's window at this aspect
  frame: { width: number; height: number }; // the DiT's frame (the scene plan's), at scale 1
  window: number; // output frames a latent window decodes to
  framesPerLatent: number;
  width: number; // output pixels
  height: number;
}

/** Output fps -> decoder; an old directory has its one decoder at video.fps. */
export function outputsOf(m: Pick<Manifest, "outputs" | "video" | "latent">): Record<string, OutputShape> {
  if (m.outputs) return m.outputs;
  const r = m.latent.frames > 1 ? (m.video.frames - 1) / (m.latent.frames - 1) : 1;
  return { [String(m.video.fps)]: { file: "vae_decoder", scale: 1, frames_per_latent: r } };
}

/** Aspect -> the DiT's frame at scale 1; an old directory has only its square window. */
export function aspectsOf(m: Pick<Manifest, "aspects" | "video">): Record<string, { width: number; height: number }> {
  return m.aspects ?? { "1:1": { width: m.video.width, height: m.video.height } };
}

export const fpsChoices = (m: Manifest) => Object.keys(outputsOf(m)).map(Number).sort((a, b) => a - b);
export const aspectChoices = (m: Manifest) => Object.keys(aspectsOf(m));
export const defaultFps = (m: Manifest) => m.defaults.fps ?? m.video.fps;
export const defaultAspect = (m: Manifest) => m.defaults.aspect ?? "1:1";

/** Pixels per latent cell at scale 1 (8 for the real VAE, whatever the stub uses). */
export const spatialFactor = (m: Pick<Manifest, "video" | "latent">) => m.video.width / m.latent.width;

/** The shape of a clip at `fps` and `aspect` (both already checked against the choices). */
export function clipShape(m: Manifest, fps = defaultFps(m), aspect = defaultAspect(m)): ClipShape {
  const out = outputsOf(m)[String(fps)];
  const frame = aspectsOf(m)[aspect];
  if (!out) throw new Error(`fps ${fps}: the model has decoders for ${fpsChoices(m).join(", ")}`);
  if (!frame) throw new Error(`aspect ${aspect}: the model has ${aspectChoices(m).join(", ")}`);
  const k = spatialFactor(m);
  const latent = { ...m.latent, height: frame.height / k, width: frame.width / k };
  return {
    fps,
    aspect,
    decoder: out.file,
    latent,
    frame: { ...frame },
    window: 1 + (m.latent.frames - 1) * out.frames_per_latent,
    framesPerLatent: out.frames_per_latent,
    width: k * out.scale * latent.width,
    height: k * out.scale * latent.height,
  };
}

/**
 * The manifest as the pipeline's helpers (latents, plan raster, chunking, decode check) should
 * see it for this shape: the latent at the aspect's size, `video` the decoder's output. Plans
 * use `ditView`, which keeps the DiT's own fps and frames but the aspect's frame.
 */
export function outputView(m: Manifest, c: ClipShape): Manifest {
  return { ...m, latent: c.latent, video: { frames: c.window, width: c.width, height: c.height, fps: c.fps } };
}
export function ditView(m: Manifest, c: ClipShape): Manifest {
  return { ...m, latent: c.latent, video: { ...m.video, width: c.frame.width, height: c.frame.height } };
}

type Issue = (path: (string | number)[], message: string) => void;

/** model.json's outputs/aspects/defaults.fps/defaults.aspect checked against the rest (manifestSchema's superRefine). */
export function shapeIssues(m: Manifest, issue: Issue): void {
  const k = spatialFactor(m);
  if (m.outputs) {
    if (!m.outputs[String(m.video.fps)] || m.outputs[String(m.video.fps)]!.file !== "vae_decoder")
      issue(["outputs"], `must map video.fps (${m.video.fps}) to "vae_decoder", the DiT's own clip`);
    for (const [fps, o] of Object.entries(m.outputs)) {
      if (!(m.files as Record<string, unknown>)[o.file]) issue(["outputs", fps, "file"], `"${o.file}" is not in files (it needs a path and sha256)`);
    }
  }
  if (m.aspects) {
    const square = m.aspects["1:1"];
    if (!square) issue(["aspects"], 'must have "1:1"');
    else if (square.width !== m.video.width || square.height !== m.video.height)
      issue(["aspects", "1:1"], `must equal video's ${m.video.width}x${m.video.height}, got ${square.width}x${square.height}`);
    const [, ph, pw] = m.patch_size;
    for (const [name, a] of Object.entries(m.aspects)) {
      if (a.width % (k * pw) !== 0 || a.height % (k * ph) !== 0)
        issue(["aspects", name], `${a.width}x${a.height} must be multiples of ${k * pw}x${k * ph} (latent factor ${k} x patch ${pw}x${ph})`);
    }
  }
  if (m.defaults.fps !== undefined && !outputsOf(m)[String(m.defaults.fps)])
    issue(["defaults", "fps"], `${m.defaults.fps} is not a key of outputs (${Object.keys(outputsOf(m)).join(", ")})`);
  if (m.defaults.aspect !== undefined && !aspectsOf(m)[m.defaults.aspect])
    issue(["defaults", "aspect"], `"${m.defaults.aspect}" is not a key of aspects (${Object.keys(aspectsOf(m)).join(", ")})`);
}
