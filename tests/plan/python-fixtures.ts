// The Python side's fixtures (model/spacetime/plan_fixtures.py writes them;
// model/tests/test_plan_fixtures.py fails when they are stale).
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

import type { PlanSpec } from "../../lib/plan/spec";
import type { ScenePlan } from "../../lib/plan/schema";

const DIR = "model/tests/fixtures";

function read<T>(name: string): T {
  const raw = readFileSync(`${DIR}/${name}`);
  return JSON.parse((name.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")) as T;
}

export interface RngCase {
  seed: number;
  random: number[];
  uniform: number[]; // uniform(-3, 5.5) after the 16 random() draws
  permutation_3: number[];
  permutation_10: number[];
  state: number; // after all of the above
}

export interface LayoutCase {
  name: string;
  spec: PlanSpec;
  frames: number;
  width: number;
  height: number;
  fps: number;
  seed: number;
  background_seed?: number;
  words?: string[] | null;
  plan?: ScenePlan; // absent where Python refuses the spec
  error?: string;
}

export interface RasterCase {
  plan: string; // a LayoutCase name
  start: number;
  frames: number;
  height: number;
  width: number;
  shape: number[];
  sums: number[][]; // (channels, latent frames): sum over the plane, float64 of the float32 values
  samples: [number, number][]; // [flat index, value]
  float32_le_base64?: string; // the whole raster, for the small ones
}

export const rngCases = () => read<{ cases: RngCase[] }>("plan_rng.json").cases;
export const layoutCases = () => read<{ cases: LayoutCase[] }>("plan_layouts.json.gz").cases;
export const rasterFixture = () => read<{ channels: string[]; cases: RasterCase[] }>("plan_rasters.json");
