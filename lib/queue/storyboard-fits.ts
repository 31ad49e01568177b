/**
 * A storyboard's plan checked at submit: the worker plans it from its shots and seed
 * (lib/storyboard/plan.ts), and whether that plan fits the model (how many different objects
 * the shots name, of which kinds and colours) is only known once planned. Planning is cheap,
 * so the API plans it with the job's seed and refuses what the worker would, as a 400 naming
 * `shots`, instead of queueing a job that fails.
 */
import { AppError } from "../db/errors";
import { planProblems, type JobSettings, type SettingsLimits } from "../pipeline/contract";
import { PlanError } from "../plan/errors";
import { planStoryboard } from "../storyboard/plan";

export function checkStoryboardFits(settings: JobSettings, seed: number, limits: SettingsLimits): void {
  const frame = limits.aspectSizes[settings.aspect ?? limits.defaults.aspect];
  // Text alone (plan: null) or a model without plans: nothing is planned.
  if (!settings.shots || settings.plan === null || !limits.plan || !frame) return;
  let problem: string | null = null;
  const moving = settings.shots.findIndex((s) => s.camera !== "static");
  if (!limits.plan.camera && moving >= 0) {
    throw new AppError("BAD_REQUEST", `invalid body: shots.${moving}.camera: this model renders no camera moves (it was trained before the camera): leave camera out, or "static"`);
  }
  try {
    const plan = planStoryboard(settings.shots, { ...frame, fps: limits.plan.fps }, seed, { camera: limits.plan.camera });
    const first = plan && planProblems(plan, { ...limits.plan, ...frame }, { extend: 0 })[0];
    if (first) problem = `its plan does not fit this model: plan.${first.path.join(".")}: ${first.message}`;
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    problem = err.message;
  }
  if (problem) throw new AppError("BAD_REQUEST", `invalid body: shots: ${problem}`);
}
