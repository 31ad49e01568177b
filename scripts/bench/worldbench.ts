/** Held-out prompts and WorldBench scores from the Python side, for the TypeScript scripts. */
import { execFileSync } from "node:child_process";
import path from "node:path";

const py = path.join(process.cwd(), "scripts", "py");

export const DIMENSIONS = ["object", "colour", "size", "motion", "scene", "count", "relation", "binding", "consistency", "flicker", "dynamic", "physics", "camera"] as const;

/** The first n captions of the world's held-out split (compositions training never saw); `camera`: each with a camera move said. */
export function heldoutPrompts(n: number, camera = false): string[] {
  const code = `import json; from spacetime.world.sampler import sample; print(json.dumps([sample(i, "heldout", camera=${camera ? 1.0 : 0.0}).caption for i in range(${n})]))`;
  return JSON.parse(execFileSync(py, ["-c", code], { encoding: "utf8" }));
}

/** Per-dimension means over DIR/NAME.mp4 scored against DIR/NAME.txt. */
export function worldbench(dir: string): Record<string, number | null> {
  let stdout: string;
  try {
    stdout = execFileSync(py, ["-m", "spacetime.worldbench.cli", "--videos", dir, "--json"], { encoding: "utf8", maxBuffer: 64 << 20 });
  } catch (err) {
    // Exit 1 means some clip could not be scored; the JSON still holds the rest.
    stdout = (err as { stdout?: string }).stdout ?? "";
    if (!stdout) throw err;
  }
  return JSON.parse(stdout).dimensions;
}
