/**
 * Today's path: how a clip was made before issue 17 (20 flow-match-euler steps, fp32, guidance
 * on every step), the baseline that `bench:pipeline` and `eval:model --baseline` measure the
 * defaults against. A guidance-distilled model has no such path of its own: its teacher's
 * guidance is built into its weights, so the baseline runs on the teacher, exported beside it.
 */
import type { GenerateOptions } from "../../lib/pipeline/generate";
import type { Manifest } from "../../lib/pipeline/manifest";

export const TODAY_PATH: Partial<GenerateOptions> = { steps: 20, scheduler: "flow-match-euler", precision: "fp32", guidanceInterval: [0, 1] };

/** Throws, saying how to export the teacher, when `dir`'s model is guidance-distilled. */
export function refuseDistilled(m: Manifest, dir: string, flag: string): void {
  const from = m.training?.distilled_guidance;
  if (from === undefined) return;
  const teacher = typeof m.training?.teacher === "string" ? m.training.teacher : "TEACHER.pt";
  throw new Error(
    `${dir} is guidance-distilled (guidance ${String(from)} is built into its weights), so today's path is its teacher's: ` +
      `npm run export -- --checkpoint ${teacher} --finer model/checkpoints/finer-trunk.pt --out /tmp/teacher, then pass ${flag} /tmp/teacher`,
  );
}
