/**
 * What the Create page's plan editor needs to know of the served model (SPACETIME_MODEL_DIR,
 * through lib/config.ts): the frame a plan's coordinates are in, and how many
 * objects its DiT draws. null when the model does not follow scene plans: the editor stays
 * hidden and jobs are made from the prompt alone (docs/scene-plan.md).
 */
import path from "node:path";

import { modelConfig } from "../config";
import { readManifest } from "../pipeline/manifest";

export interface PlanTarget {
  width: number;
  height: number;
  fps: number;
  /** One window of the model: a plan's length unless the caller asks for more frames. */
  frames: number;
  maxObjects: number;
  /** The DiT reads the camera channels: a move the prompt says is filmed (docs/scene-plan.md). */
  camera: boolean;
}

let cached: { dir: string; target: PlanTarget | null } | null = null;

/** The served model's plan frame; null without a plan section, or when its manifest cannot be read (the page's settings say why). */
export function modelPlanTarget(): PlanTarget | null {
  const dir = path.resolve(modelConfig().modelDir);
  if (cached?.dir !== dir) {
    let target: PlanTarget | null = null;
    try {
      const m = readManifest(dir);
      // The world lays plans out in frames of at least 64 pixels (lib/plan/config.ts).
      if (m.plan && Math.min(m.video.width, m.video.height) >= 64 && Number.isInteger(m.video.fps)) {
        target = { width: m.video.width, height: m.video.height, fps: m.video.fps, frames: m.video.frames, maxObjects: m.plan.max_objects, camera: m.plan.channels.includes("camera:x") };
      }
    } catch {
      target = null;
    }
    cached = { dir, target };
  }
  return cached.target;
}
