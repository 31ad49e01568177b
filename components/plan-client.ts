/**
 * The planner as the browser runs it (components/PlanEditor.tsx loads this module on demand, so
 * the phrase table and layout rules are fetched only where the editor shows): the same
 * TypeScript that plans prompts on the server.
 */
export { planPrompt } from "@/lib/plan/prompt";
export { bounceOf, compactPlan, editPlan, editPlanChecked, endOf, startOf } from "@/lib/plan/edit";
export * as vocab from "@/lib/plan/vocab";
export { planSchema } from "@/lib/plan/schema";
