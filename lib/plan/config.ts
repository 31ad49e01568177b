/**
 * Clip geometry and the world's physics per frame, as world/config.py's
 * WorldConfig derives them: sizes and speeds scale with the frame's short
 * side, gravity and speed are converted from per-second to per-frame.
 */
import { PlanError } from "./errors";
import { GRAVITY_PX_PER_S2_AT_128, SPEED_PX_PER_S_AT_128, SPIN_RAD_PER_S } from "./vocab";

export interface PlanFrame {
  frames: number;
  width: number;
  height: number;
  fps: number;
}

export interface WorldConfig extends PlanFrame {
  scale: number; // min(height, width) / 128
  gravity: number; // pixels per frame squared
  speed: number; // pixels per frame of moving objects
  spin: number; // radians per frame of spinning objects
}

export function worldConfig({ frames, width, height, fps }: PlanFrame): WorldConfig {
  if (!Number.isInteger(frames) || frames < 2) throw new PlanError(`frames must be at least 2, got ${frames}`);
  for (const [name, v] of [["height", height], ["width", width]] as const) {
    if (!Number.isInteger(v) || v < 64 || v % 8) throw new PlanError(`${name} must be a multiple of 8 and at least 64, got ${v}`);
  }
  if (!Number.isInteger(fps) || fps < 1 || fps > 60) throw new PlanError(`fps must be in 1..60, got ${fps}`);
  // Same operations in the same order as config.py, so every float matches.
  const scale = Math.min(height, width) / 128.0;
  return {
    frames,
    width,
    height,
    fps,
    scale,
    gravity: (GRAVITY_PX_PER_S2_AT_128 * scale) / (fps * fps),
    speed: (SPEED_PX_PER_S_AT_128 * scale) / fps,
    spin: SPIN_RAD_PER_S / fps,
  };
}
