/**
 * The DiT's plan input, as spacetime.plan.rasterize computes it: per latent
 * frame (frame 0 alone, then pairs averaged) and latent cell, how much of
 * each object's bounding disc covers the cell (clamp(r - d + 1/2, 0, 1) in
 * cell units, d from the cell's centre) and, weighted by that, what the
 * object is and how it moves; under a moving camera, the picture's motion
 * at each cell's centre (camera:x, camera:y; lib/plan/camera.ts's
 * backgroundFlow), in the velocities' units; and the scene's shading there
 * through the camera ("shade", lib/plan/shading.ts). Accumulated in float64 in
 * Python's order, returned as float32 (channels, T', height/8, width/8) for
 * the channels asked for, in their order: a DiT reads those its manifest
 * lists (one trained before the camera has no camera channels).
 */
import { backgroundFlow } from "./camera";
import { PlanError } from "./errors";
import type { ScenePlan } from "./schema";
import { shade, shadeWaves, stagePoint } from "./shading";
import { LATENT_FACTOR, RASTER_CHANNELS, SPEED_PX_PER_S_AT_128 } from "./vocab";

/** The frames each latent frame stands for: frame 0 alone, then pairs. */
export function latentFrameGroups(frames: number): number[][] {
  const groups = [[0]];
  for (let j = 1; j <= Math.floor((frames - 1) / 2); j++) groups.push([2 * j - 1, 2 * j]);
  return groups;
}

function channel(name: string): number {
  const c = RASTER_CHANNELS.indexOf(name);
  if (c < 0) throw new Error(`lib/plan/vocab.json has no raster channel ${name}`);
  return c;
}

/** Frames [start, start + frames) of the plan, `channels` (all by default) in their order; all zeros for no plan (text alone). */
export function rasterize(plan: ScenePlan | null, start: number, frames: number, height: number, width: number, channels: readonly string[] = RASTER_CHANNELS): Float32Array {
  const unknown = channels.find((c) => !RASTER_CHANNELS.includes(c));
  if (unknown !== undefined) throw new PlanError(`no raster channel ${JSON.stringify(unknown)}; known: ${RASTER_CHANNELS.join(", ")}`);
  const groups = latentFrameGroups(frames);
  const h = Math.floor(height / LATENT_FACTOR);
  const w = Math.floor(width / LATENT_FACTOR);
  const C = RASTER_CHANNELS.length;
  const T = groups.length;
  const plane = h * w;
  const picked = channels.length * T * plane;
  if (plan === null) return new Float32Array(picked);
  const out = new Float64Array(C * T * plane);
  if (start < 0 || start + frames > plan.frames) {
    throw new PlanError(`frames ${start}..${start + frames - 1} lie outside the plan's ${plan.frames} frames`);
  }
  if (plan.width !== width || plan.height !== height) {
    throw new PlanError(`plan is ${plan.width}x${plan.height}, the model draws ${width}x${height}`);
  }
  const at = (c: number, j: number) => (c * T + j) * plane;
  out.fill(1, 0, T * plane); // "given"
  const speed = (SPEED_PX_PER_S_AT_128 * Math.min(plan.width, plan.height)) / 128.0; // px per second
  const [occupancy, cos, sin, facing, vxAt, vyAt] = ["occupancy", "angle:cos", "angle:sin", "facing", "velocity:x", "velocity:y"].map(channel) as [number, number, number, number, number, number];
  const last = plan.frames - 1;
  const occ = new Float64Array(plane);
  for (const o of plan.objects) {
    const colourAt = channel(`colour:${o.colour}`);
    const kindAt = channel(`kind:${o.kind}`);
    const { x, y, diameter, angle } = o.track;
    groups.forEach((group, j) => {
      for (const g of group) {
        const f = start + g;
        if (!o.track.visible[f]) continue;
        const cx = x[f]! / LATENT_FACTOR;
        const cy = y[f]! / LATENT_FACTOR;
        const r = diameter[f]! / (2 * LATENT_FACTOR);
        for (let v = 0; v < h; v++) {
          const dy = v + 0.5 - cy;
          for (let u = 0; u < w; u++) {
            const dx = u + 0.5 - cx;
            const cover = r - Math.sqrt(dx * dx + dy * dy) + 0.5;
            occ[v * w + u] = Math.min(Math.max(cover, 0.0), 1.0) / group.length;
          }
        }
        // Backward differences (forward at frame 0): a frame's velocity does not depend on how long the plan runs after it.
        const a = f > 0 ? f - 1 : 0;
        const b = f > 0 ? f : Math.min(1, last);
        const vx = b > a ? (((x[b]! - x[a]!) / (b - a)) * plan.fps) / speed : 0.0;
        const vy = b > a ? (((y[b]! - y[a]!) / (b - a)) * plan.fps) / speed : 0.0;
        const c = Math.cos(angle[f]!);
        const s = Math.sin(angle[f]!);
        const fc = o.track.facing[f]!;
        const bases = [occupancy, colourAt, kindAt, cos, sin, facing, vxAt, vyAt].map((ch) => at(ch, j));
        const weights = [1, 1, 1, c, s, fc, vx, vy];
        for (let k = 0; k < bases.length; k++) {
          const base = bases[k]!;
          const wk = weights[k]!;
          for (let i = 0; i < plane; i++) out[base + i] += k < 3 ? occ[i]! : occ[i]! * wk;
        }
      }
    });
  }
  if (plan.camera) {
    const cam = plan.camera;
    for (const key of ["x", "y", "zoom"] as const) {
      if (cam[key].length < start + frames) throw new PlanError(`camera.${key}: ${cam[key].length} values for the plan's ${plan.frames} frames`);
    }
    const [cxAt, cyAt] = ["camera:x", "camera:y"].map(channel) as [number, number];
    const frame = { width: plan.width, height: plan.height };
    groups.forEach((group, j) => {
      for (const g of group) {
        // The picture's motion at the cells' centres, in pixels: camera:x varies along a row, camera:y down a column.
        const fx = Float64Array.from({ length: w }, (_, u) => backgroundFlow(cam, start + g, (u + 0.5) * LATENT_FACTOR, 0, frame)[0]);
        const fy = Float64Array.from({ length: h }, (_, v) => backgroundFlow(cam, start + g, 0, (v + 0.5) * LATENT_FACTOR, frame)[1]);
        const bx = at(cxAt, j);
        const by = at(cyAt, j);
        for (let v = 0; v < h; v++) {
          for (let u = 0; u < w; u++) {
            out[bx + v * w + u] += ((fx[u]! * plan.fps) / speed) / group.length;
            out[by + v * w + u] += ((fy[v]! * plan.fps) / speed) / group.length;
          }
        }
      }
    });
  }
  const waves = shadeWaves(plan.background_seed);
  const scale = Math.min(plan.width, plan.height) / 128.0;
  const shadeAt = channel("shade");
  groups.forEach((group, j) => {
    for (const g of group) {
      const base = at(shadeAt, j);
      for (let v = 0; v < h; v++) {
        for (let u = 0; u < w; u++) {
          const [sx, sy] = stagePoint(plan.camera, start + g, (u + 0.5) * LATENT_FACTOR, (v + 0.5) * LATENT_FACTOR, plan.width, plan.height);
          out[base + v * w + u] += shade(waves, sx / scale, sy / scale) / group.length;
        }
      }
    }
  });
  if (channels === RASTER_CHANNELS) return Float32Array.from(out);
  const result = new Float32Array(picked);
  channels.forEach((name, k) => result.set(out.subarray(channel(name) * T * plane, (channel(name) + 1) * T * plane), k * T * plane));
  return result;
}
