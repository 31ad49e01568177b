import { CreateStudio } from "@/components/CreateStudio";
import { modelSettingsLimits } from "@/lib/queue/settings";

export default async function CreatePage({ searchParams }: { searchParams: Promise<{ remix?: string | string[] }> }) {
  const { remix } = await searchParams;
  return (
    <main className="wide">
      <h1>Create</h1>
      <p className="lede">Type a prompt, get a short video clip, generated on your own machine.</p>
      <CreateStudio limits={modelSettingsLimits()} remix={typeof remix === "string" ? remix : undefined} />
    </main>
  );
}
