import { CreateStudio } from "@/components/CreateStudio";
import { capabilities } from "@/lib/auth/actor";
import { pageActor } from "@/lib/http/page";
import { modelPlanTarget } from "@/lib/queue/plan-target";
import { modelSettingsLimits } from "@/lib/queue/job-settings";

export default async function CreatePage({ searchParams }: { searchParams: Promise<{ remix?: string | string[] }> }) {
  const { remix } = await searchParams;
  const actor = await pageActor();
  return (
    <main className="wide">
      <h1>Create</h1>
      <p className="lede">Type a prompt, get a short video clip, generated on your own machine.</p>
      <CreateStudio limits={modelSettingsLimits()} remix={typeof remix === "string" ? remix : undefined} can={capabilities(actor)} role={actor.role} planning={modelPlanTarget()} />
    </main>
  );
}
