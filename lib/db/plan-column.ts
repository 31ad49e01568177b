/**
 * How Job.plan and Video.plan keep a scene plan: JSON text.
 * NULL for no plan given (a job: the worker plans the
 * prompt; a clip: made before plans were kept), "null" for text alone, else the ScenePlan.
 */
import type { ScenePlan } from "../plan/schema";

export const planColumn = (plan: ScenePlan | null | undefined): string | null => (plan === undefined ? null : JSON.stringify(plan));

export function planFromColumn(text: string | null): ScenePlan | null | undefined {
  return text === null ? undefined : (JSON.parse(text) as ScenePlan | null);
}

