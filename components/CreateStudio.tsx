"use client";
/**
 * The create page: a prompt box that marks the words the model knows (and names the ones it
 * does not), example prompts, advanced settings (bounded by the model's settings contract, so
 * the inputs refuse what the API would), the plan editor (when the model follows scene plans),
 * a Storyboard mode (shots on a timeline, sent as `shots`: docs/storyboard.md), and a card per job.
 *
 * Opening a stored plan in the editor: pass `initialPlan` (a ScenePlan; the page does not yet),
 * or open `/?remix=ID` for a video whose view carries `plan` (the clip page's Remix link); either
 * way it becomes the edited plan, and Generate sends it.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";

import type { JobView, VideoView } from "@/lib/http/views";
import type { SettingsLimits } from "@/lib/pipeline/contract";
import type { WordsResult } from "@/lib/http/words";
import type { ScenePlan } from "@/lib/plan/schema";
import type { PlanTarget } from "@/lib/queue/plan-target";

import { api } from "./api";
import { JobCard } from "./JobCard";
import { PlanEditor } from "./PlanEditor";
import { ShapeChoices, defaultShape, type Shape } from "./ShapeChoices";
import { StoryboardEditor } from "./StoryboardEditor";
import { MAX_SECONDS } from "@/lib/plan/vocab";
import { boardSeconds, newBoard, toShots, type ShotRow } from "@/lib/storyboard/board";

const EXAMPLES = [
  "a red ball bouncing on the grass",
  "two yellow stars spinning in the night sky",
  "a small boat moving right on the ocean at sunset",
  "a purple balloon rising above a snowy field",
  "three tiny orange fish moving left under the sea",
];

interface Settings {
  prompt: string;
  negativePrompt: string;
  seed: string;
  steps: string;
  guidance: string;
  frames: string;
  variations: number;
  loop: boolean; // lead the end back into the first frame
  plan: "prompt" | "none" | "remix"; // plan the prompt (the default), text alone, or the remixed clip's plan
}

/** A number field's value, undefined when left empty (the model's default then applies). */
const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

const EMPTY: Settings = { prompt: "", negativePrompt: "", seed: "", steps: "", guidance: "", frames: "", variations: 1, loop: false, plan: "prompt" };

/** A plan covers the frames asked for (the server refuses a plan shorter than them), else one model window. */
function planFrames(frames: string, t: PlanTarget, l: SettingsLimits): number {
  const n = Number(frames);
  if (frames.trim() === "" || !Number.isInteger(n)) return t.frames;
  return Math.min(Math.max(2, n), l.frames[1]);
}

/** What the caller's role allows (lib/auth/actor.ts capabilities): the page shows only that. */
export interface CreateRights {
  create: boolean;
  manageQueue: boolean;
}

export function CreateStudio({
  limits,
  remix,
  can,
  role,
  planning = null,
  initialPlan = null,
}: {
  limits: SettingsLimits;
  remix?: string;
  can: CreateRights;
  role: string;
  /** The model's plan frame (lib/queue/plan-target.ts); null hides the plan editor. */
  planning?: PlanTarget | null;
  /** A stored plan to open in the editor (a remix). */
  initialPlan?: ScenePlan | null;
}) {
  const [s, setS] = useState<Settings>(EMPTY);
  const [mode, setMode] = useState<"prompt" | "storyboard">("prompt");
  const [board, setBoard] = useState<ShotRow[]>(() => newBoard());
  const storyboard = mode === "storyboard";
  const [shape, setShape] = useState<Shape>(() => defaultShape(limits));
  // The plan editor draws in the aspect's frame.
  const planTarget = planning && limits.aspectSizes[shape.aspect] ? { ...planning, ...limits.aspectSizes[shape.aspect] } : planning;
  const [openPlan, setOpenPlan] = useState<ScenePlan | null>(initialPlan);
  const edited = useRef<ScenePlan | null>(null); // the editor's plan when edited; null: the server plans the prompt
  const onPlanChange = useCallback((p: ScenePlan | null) => {
    edited.current = p;
    key.current = null; // another plan: a new submission
  }, []);
  const [words, setWords] = useState<WordsResult | null>(null);
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [remixPlan, setRemixPlan] = useState<ScenePlan | null>(null); // the remixed clip's plan, kept unless the user says otherwise
  const [busy, setBusy] = useState(false);
  const [paused, setPaused] = useState<boolean | null>(null);
  const key = useRef<string | null>(null); // one idempotency key per submission, kept across retries of it

  useEffect(() => {
    api<{ paused: boolean }>("/api/queue").then((r) => setPaused(r.paused), () => setPaused(null));
    if (!can.create) return;
    api<{ jobs: JobView[] }>("/api/jobs?limit=20").then(
      (r) => setJobs(r.jobs),
      (err: Error) => setError(err.message),
    );
  }, [can.create]); // a prop that does not change while the page is open: the effect runs once

  useEffect(() => {
    if (!remix) return;
    api<{ video: VideoView }>(`/api/videos/${encodeURIComponent(remix)}`).then(
      ({ video: v }) => {
        setRemixPlan(v.plan ?? null);
        setShape({ fps: v.fps, aspect: v.aspect }); // a remix keeps the clip's shape
        const settings = { ...EMPTY, negativePrompt: v.negativePrompt, seed: String(v.seed), steps: String(v.steps), guidance: String(v.guidance) };
        if (v.shots) {
          // A storyboard is planned again from its shots: it opens as its shots.
          setMode("storyboard");
          setBoard(v.shots.map((shot, id) => ({ id, prompt: shot.prompt, seconds: String(shot.seconds), camera: shot.camera ?? "static" })));
          setS({ ...settings, plan: v.plan === null ? "none" : "prompt" });
          return;
        }
        setS({ ...settings, prompt: v.prompt, frames: String(v.frames), loop: v.loop, plan: v.plan ? "remix" : v.plan === null ? "none" : "prompt" });
        // The plan that made the clip opens in the editor (null: it was made from text alone).
        if (v.plan) setOpenPlan(v.plan);
      },
      (err: Error) => setError(`cannot remix: ${err.message}`),
    );
  }, [remix]);

  useEffect(() => {
    key.current = null; // the settings changed: a new submission
  }, [s, shape, mode, board]);

  useEffect(() => {
    const text = s.prompt.trim();
    if (!text) {
      setWords(null);
      return;
    }
    const timer = setTimeout(() => {
      api<WordsResult>(`/api/words?text=${encodeURIComponent(text)}`).then(setWords, () => setWords(null));
    }, 250);
    return () => clearTimeout(timer);
  }, [s.prompt]);

  const set = (k: keyof Settings) => (e: { target: { value: string } }) => setS({ ...s, [k]: k === "variations" ? Number(e.target.value) : e.target.value });
  // POST /api/jobs's plan: absent = the worker plans the prompt, null = text alone.
  // Text alone wins; then the editor's edits (of the prompt's plan or the remixed one); then the remixed plan as it was.
  // A storyboard is planned by the server from its shots: only text alone is said.
  const planField = () =>
    s.plan === "none" ? { plan: null }
    : storyboard ? {}
    : planning && edited.current ? { plan: edited.current }
    : s.plan === "remix" && remixPlan ? { plan: remixPlan }
    : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    key.current ??= crypto.randomUUID();
    try {
      const { jobs: made } = await api<{ jobs: JobView[] }>("/api/jobs", {
        method: "POST",
        headers: { "idempotency-key": key.current },
        body: JSON.stringify({
          ...(storyboard ? { shots: toShots(board) } : { prompt: s.prompt, frames: num(s.frames) }),
          negativePrompt: s.negativePrompt || undefined,
          seed: num(s.seed),
          steps: num(s.steps),
          guidance: num(s.guidance),
          variations: s.variations,
          fps: shape.fps,
          aspect: shape.aspect,
          loop: s.loop,
          ...planField(),
        }),
      });
      key.current = null;
      setJobs((old) => [...made, ...old.filter((j) => !made.some((m) => m.id === j.id))]);
      if (typeof Notification !== "undefined" && Notification.permission === "default") void Notification.requestPermission();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function togglePause() {
    try {
      const r = await api<{ paused: boolean }>(paused ? "/api/queue/resume" : "/api/queue/pause", { method: "POST" });
      setPaused(r.paused);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  // The plan editor leaves the page in Storyboard mode: its edits come back with it, as the plan it opens.
  const toStoryboard = () => {
    if (edited.current) setOpenPlan(edited.current);
    setMode("storyboard");
  };

  // Every shot has words and the storyboard fits a clip; or the one prompt has words.
  const ready = storyboard ? board.every((r) => r.prompt.trim()) && boardSeconds(board) <= MAX_SECONDS : s.prompt.trim() !== "";

  if (!can.create) {
    return role === "pending" ? (
      <p className="notice" role="status">
        Your account is waiting for the admin&apos;s approval. Meanwhile you can watch the public clips in the <a href="/gallery">gallery</a>.
      </p>
    ) : (
      <p className="notice" role="status">
        Making clips on this server needs an account: <a href="/login">sign in or sign up</a>.
      </p>
    );
  }

  return (
    <>
      <form onSubmit={submit} className="create">
        <fieldset className="mode-choice">
          <legend>Make</legend>
          <label>
            <input type="radio" name="mode" value="prompt" checked={!storyboard} onChange={() => setMode("prompt")} /> One prompt
          </label>
          <label>
            <input type="radio" name="mode" value="storyboard" checked={storyboard} onChange={toStoryboard} /> Storyboard (shots)
          </label>
        </fieldset>
        {storyboard ? (
          <StoryboardEditor rows={board} onChange={setBoard} promptChars={limits.promptChars} cameraMoves={limits.plan?.camera ?? false} />
        ) : (
          <>
            <label htmlFor="prompt">Prompt</label>
            <textarea id="prompt" value={s.prompt} onChange={set("prompt")} maxLength={limits.promptChars} rows={3} required placeholder="a red ball bouncing on the grass" />
            {words?.available && (
              <p className="words" aria-live="polite">
                {words.words.map((w, i) => (
                  <span key={i} className={w.known ? "known" : "unknown"}>
                    {w.word}{" "}
                  </span>
                ))}
                {words.unknown.length > 0 && <span className="hint">The model does not know: {words.unknown.join(", ")}</span>}
              </p>
            )}
            <div className="examples">
              {EXAMPLES.map((p) => (
                <button type="button" key={p} onClick={() => setS({ ...s, prompt: p })}>
                  {p}
                </button>
              ))}
            </div>
            {planning && s.plan !== "none" && (
              <PlanEditor
                key={shape.aspect} // another frame: the editor starts over in it
                target={planTarget!}
                prompt={s.prompt}
                seed={s.seed.trim() === "" || !Number.isInteger(Number(s.seed)) ? null : Number(s.seed)}
                frames={planFrames(s.frames, planning, limits)}
                initialPlan={openPlan}
                onPlanChange={onPlanChange}
              />
            )}
          </>
        )}
        <ShapeChoices limits={limits} value={shape} onChange={setShape} />
        <details>
          <summary>Advanced settings</summary>
          <div className="grid-form">
            <label>
              Seed
              <span className="row">
                <input type="number" min={limits.seed[0]} max={limits.seed[1]} value={s.seed} onChange={set("seed")} placeholder="random" />
                <button type="button" aria-label="Random seed" onClick={() => setS({ ...s, seed: String(limits.seed[0] + Math.floor(Math.random() * (limits.seed[1] - limits.seed[0] + 1))) })}>
                  🎲
                </button>
              </span>
            </label>
            <label>
              Steps
              <input type="number" min={limits.steps[0]} max={limits.steps[1]} value={s.steps} onChange={set("steps")} placeholder={`${limits.defaults.steps}`} />
            </label>
            <label>
              Guidance
              <input type="number" min={limits.guidance[0]} max={limits.guidance[1]} step="any" value={s.guidance} onChange={set("guidance")} placeholder={`${limits.defaults.guidance}`} />
            </label>
            {!storyboard && (
              <label>
                Frames
                <input type="number" min={limits.frames[0]} max={limits.frames[1]} value={s.frames} onChange={set("frames")} placeholder={`${limits.defaults.frames}`} />
              </label>
            )}
            {!storyboard && (
              <label title="The clip's end leads back into its first frame, to play on repeat">
                <input type="checkbox" checked={s.loop} onChange={(e) => setS({ ...s, loop: e.target.checked })} /> Loop
              </label>
            )}
            <label>
              Variations
              <select value={s.variations} onChange={set("variations")}>
                {[1, 2, 3, 4].map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
            {limits.plan && (
              <label className="wide">
                Scene plan
                <select value={s.plan} onChange={set("plan")}>
                  <option value="prompt">Plan the prompt (where each object is, every frame)</option>
                  {remixPlan && !storyboard && <option value="remix">Keep the remixed clip&apos;s plan ({remixPlan.objects.length} objects)</option>}
                  <option value="none">None: text alone</option>
                </select>
              </label>
            )}
            <label className="wide">
              Negative prompt
              <input value={s.negativePrompt} onChange={set("negativePrompt")} maxLength={limits.promptChars} />
              {s.negativePrompt.trim() !== "" && (num(s.guidance) ?? limits.defaults.guidance) === 1 && (
                <span className="hint">A negative prompt works through guidance: set Guidance above 1.</span>
              )}
            </label>
          </div>
        </details>
        <button type="submit" className="primary" disabled={busy || !ready}>
          {busy ? "Queueing…" : "Generate"}
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      {paused !== null && (
        <p className="queue-state">
          {paused ? "The queue is paused: new jobs wait." : "The queue is running."}{" "}
          {can.manageQueue && (
            <button type="button" onClick={togglePause}>
              {paused ? "Resume queue" : "Pause queue"}
            </button>
          )}
        </p>
      )}
      <section className="jobs" aria-label="Your jobs">
        {jobs.map((j) => (
          <JobCard key={j.id} initial={j} />
        ))}
      </section>
    </>
  );
}
