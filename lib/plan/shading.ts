/**
 * The scene's soft shading (clouds, swells, meadows, drifts), as
 * model/spacetime/world/shading.py draws it from the background seed: a few
 * plane waves from the portable generator, summed to unit spread. The raster
 * gives it to the DiT ("shade"), so the model is told where the scene is
 * light and dark, and a camera move shows in the background.
 */
import type { CameraTrack } from "./camera";
import { PlanRng } from "./rng";
import { SHADE_WAVELENGTHS, SHADE_WAVES } from "./vocab";

export interface ShadeWaves {
  /** Wave numbers, radians per pixel at a 128-pixel frame. */
  kx: number[];
  ky: number[];
  phase: number[];
}

export function shadeWaves(backgroundSeed: number): ShadeWaves {
  const rng = new PlanRng(backgroundSeed);
  const waves: ShadeWaves = { kx: [], ky: [], phase: [] };
  for (let i = 0; i < SHADE_WAVES; i++) {
    const theta = rng.uniform(0.0, 2 * Math.PI);
    const k = (2 * Math.PI) / rng.uniform(SHADE_WAVELENGTHS[0], SHADE_WAVELENGTHS[1]);
    waves.kx.push(k * Math.cos(theta));
    waves.ky.push(k * Math.sin(theta));
    waves.phase.push(rng.uniform(0.0, 2 * Math.PI));
  }
  return waves;
}

/** The shading, of unit spread, at stage point (x, y) in pixels at 128. */
export function shade(waves: ShadeWaves, x: number, y: number): number {
  let total = 0.0;
  for (let i = 0; i < waves.kx.length; i++) total += Math.sin(waves.kx[i]! * x + waves.ky[i]! * y + waves.phase[i]!);
  return total / Math.sqrt(SHADE_WAVES / 2);
}

/** The stage pixel (pixel indices, centres at integers) under frame point (u, v) in frame f, as world/camera.py's stage_point; no camera: a static one. */
export function stagePoint(cam: Pick<CameraTrack, "x" | "y" | "zoom"> | null | undefined, f: number, u: number, v: number, width: number, height: number): [number, number] {
  if (!cam) return [u - 0.5, v - 0.5];
  const z = cam.zoom[f]!;
  return [(u - width / 2) / z + cam.x[f]! - 0.5, (v - height / 2) / z + cam.y[f]! - 0.5];
}
