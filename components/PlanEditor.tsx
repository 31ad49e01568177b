"use client";
/**
 * The Create page's plan editor: the clip the prompt plans, drawn in the model's frame by the
 * planner the server uses (lib/plan, loaded on demand), and edited by hand.
 *
 * - Each object's path in its own colour, a start handle (ring) and an end handle (dot), and a
 *   bouncing object's bounce height; a scrubber (and Play) shows every object at that frame.
 * - Drag a handle (mouse, pen or touch: pointer events), or focus it (Tab) and use the arrow keys
 *   (Shift: a bigger step); Delete removes the object. Motion, size and colour per object, Add,
 *   Remove; Undo (button, Ctrl/Cmd+Z) walks back a history in which one drag is one step.
 * - Edits are lib/plan/edit.ts's editPlan: every plan here passes planSchema.
 *
 * onPlanChange gets the edited plan, or null while the plan is the prompt's own (then Generate
 * sends no plan and the server plans the prompt itself, seed and all). Edits are kept while
 * the prompt still plans the same scene and objects (kind, colour, size, motion, in order):
 * fixing a typo or changing a filler word keeps them, a changed object drops them with a
 * notice whose Restore (or Ctrl/Cmd+Z) brings them back.
 *
 * `initialPlan` opens a stored plan (a remix): it is the edited plan from the start.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";

import type { Handle, PlanEdit, PlanHistory, Point } from "@/lib/plan/edit";
import type { PlanObject, ScenePlan } from "@/lib/plan/schema";
import type { PlanTarget } from "@/lib/queue/plan-target";

type Planner = typeof import("./plan-client");

/** Edits on top of a plan, and the spec key of the prompt they were made for (null: adopt the next). */
type Edits = PlanHistory & { rootKey: string | null };

const SWATCH: Record<string, string> = {
  red: "#e5383b",
  orange: "#f48c06",
  yellow: "#ffd60a",
  green: "#2dc653",
  blue: "#3a86ff",
  purple: "#8338ec",
  pink: "#ff5d8f",
  white: "#ffffff",
};

const SCENE: Record<string, [string, string]> = {
  sky: ["#9bd3f5", "#e3f4ff"],
  sunset: ["#ff8c69", "#ffd6a0"],
  night: ["#0b1230", "#2b3566"],
  sea: ["#3aa0d8", "#0f4c75"],
  field: ["#bfe6ff", "#7cc46b"],
  snow: ["#d8e4ef", "#ffffff"],
};

const name = (o: Pick<PlanObject, "colour" | "kind">) => `${o.colour} ${o.kind}`;

/** The scene, objects and attributes the prompt says: edits survive a prompt change that keeps them. */
function specKey(plan: ScenePlan | null): string {
  if (!plan) return "none";
  return JSON.stringify([plan.scene, plan.frames, plan.objects.map((o) => [o.kind, o.colour, o.size, o.motion])]);
}

/** Names unique within the plan: "red ball", or "red ball 2" for the second of two. */
function labels(objects: readonly PlanObject[]): Map<string, string> {
  const seen = new Map<string, number>();
  const total = new Map<string, number>();
  for (const o of objects) total.set(name(o), (total.get(name(o)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const o of objects) {
    const n = (seen.get(name(o)) ?? 0) + 1;
    seen.set(name(o), n);
    out.set(o.id, total.get(name(o))! > 1 ? `${name(o)} ${n}` : name(o));
  }
  return out;
}

/** What each camera move is called on the canvas. */
const CAMERA_NAMES: Record<string, string> = {
  static: "static", "pan-left": "pan left", "pan-right": "pan right", "pan-up": "pan up", "pan-down": "pan down",
  follow: "follow", "zoom-in": "close-up", "zoom-out": "wide",
};

/**
 * The camera's framing at frame t: the last frame's view drawn where it lies in this frame's
 * picture (a close-up's shrinks onto its subject, a pan's slides in), and the move's name.
 */
function Framing({ camera, t, W, H }: { camera: NonNullable<ScenePlan["camera"]>; t: number; W: number; H: number }) {
  const last = camera.x.length - 1;
  const see = (px: number, py: number) => [(px - camera.x[t]!) * camera.zoom[t]! + W / 2, (py - camera.y[t]!) * camera.zoom[t]! + H / 2] as const;
  const half = [W / 2 / camera.zoom[last]!, H / 2 / camera.zoom[last]!] as const;
  const [x0, y0] = see(camera.x[last]! - half[0], camera.y[last]! - half[1]);
  const [x1, y1] = see(camera.x[last]! + half[0], camera.y[last]! + half[1]);
  return (
    <g className="plan-framing" aria-label={`Camera: ${CAMERA_NAMES[camera.move] ?? camera.move}, zoom ${camera.zoom[t]!.toFixed(2)}x`}>
      <rect x={x0} y={y0} width={x1 - x0} height={y1 - y0} fill="none" stroke="#fff" strokeDasharray="4 3" strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
      <text x={W * 0.02} y={H * 0.06} fontSize={W / 22} fill="#fff">
        🎥 {CAMERA_NAMES[camera.move] ?? camera.move} · {camera.zoom[t]!.toFixed(2)}×
      </text>
    </g>
  );
}

/** One object drawn at one frame, in unit coordinates (radius 1) scaled to its diameter. */
function Shape({ o, t }: { o: PlanObject; t: number }) {
  const x = o.track.x[t]!;
  const y = o.track.y[t]!;
  const r = o.track.diameter[t]! / 2;
  const deg = (o.track.angle[t]! * 180) / Math.PI;
  const face = o.track.facing[t] ?? 1;
  const fill = SWATCH[o.colour] ?? "#999";
  const common = { fill, stroke: "rgba(0,0,0,0.45)", strokeWidth: 0.08 };
  let body;
  switch (o.kind) {
    case "cube":
      body = <rect x={-0.72} y={-0.72} width={1.44} height={1.44} rx={0.12} {...common} />;
      break;
    case "star": {
      const pts = Array.from({ length: 10 }, (_, i) => {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 ? 0.45 : 1;
        return `${(rr * Math.cos(a)).toFixed(3)},${(rr * Math.sin(a)).toFixed(3)}`;
      }).join(" ");
      body = <polygon points={pts} {...common} />;
      break;
    }
    case "car":
      body = (
        <>
          <path d="M-1 0.25 L-1 -0.15 L-0.55 -0.2 L-0.3 -0.6 L0.35 -0.6 L0.6 -0.2 L1 -0.1 L1 0.25 Z" {...common} />
          <circle cx={-0.55} cy={0.3} r={0.22} fill="#222" />
          <circle cx={0.55} cy={0.3} r={0.22} fill="#222" />
        </>
      );
      break;
    case "boat":
      body = (
        <>
          <path d="M-1 0.1 L1 0.1 L0.65 0.6 L-0.65 0.6 Z" {...common} />
          <path d="M-0.05 0 L-0.05 -1 L0.7 0 Z" fill="#fff" stroke="rgba(0,0,0,0.35)" strokeWidth={0.06} />
        </>
      );
      break;
    case "fish":
      body = (
        <>
          <ellipse cx={0.1} cy={0} rx={0.75} ry={0.5} {...common} />
          <path d="M-0.6 0 L-1 -0.45 L-1 0.45 Z" {...common} />
          <circle cx={0.5} cy={-0.12} r={0.09} fill="#111" />
        </>
      );
      break;
    case "bird":
      body = (
        <>
          <path d="M-1 -0.35 Q-0.5 -0.8 0 -0.05 Q0.5 -0.8 1 -0.35 Q0.5 -0.3 0 0.35 Q-0.5 -0.3 -1 -0.35 Z" {...common} />
          <path d="M0.15 0.05 L0.45 0.15 L0.15 0.25 Z" fill="#f4a261" />
        </>
      );
      break;
    case "balloon":
      body = (
        <>
          <path d="M0 0.85 Q0.1 1.1 -0.05 1.35" fill="none" stroke="rgba(0,0,0,0.5)" strokeWidth={0.06} />
          <ellipse cx={0} cy={-0.05} rx={0.78} ry={0.92} {...common} />
          <ellipse cx={-0.28} cy={-0.35} rx={0.14} ry={0.22} fill="rgba(255,255,255,0.5)" />
        </>
      );
      break;
    default:
      body = (
        <>
          <circle r={1} {...common} />
          <circle cx={-0.35} cy={-0.35} r={0.25} fill="rgba(255,255,255,0.45)" />
        </>
      );
  }
  return (
    <g transform={`translate(${x} ${y}) rotate(${deg}) scale(${r * face} ${r})`} className="plan-object" data-object={o.id}>
      {body}
    </g>
  );
}

export function PlanEditor({
  target,
  prompt,
  seed,
  frames,
  initialPlan,
  onPlanChange,
}: {
  target: PlanTarget;
  prompt: string;
  /** The seed field's value; null while it is empty (the server then draws one). */
  seed: number | null;
  /** The plan's length: the frames asked for, or the model's window. */
  frames: number;
  initialPlan?: ScenePlan | null;
  onPlanChange(plan: ScenePlan | null): void;
}) {
  const [planner, setPlanner] = useState<Planner | null>(null);
  const [previewSeed, setPreviewSeed] = useState<number | null>(null);
  const [base, setBase] = useState<{ plan: ScenePlan | null; key: string }>({ plan: null, key: "none" });
  const [edits, setEdits] = useState<Edits | null>(null);
  const [dragPlan, setDragPlan] = useState<ScenePlan | null>(null);
  const [notice, setNotice] = useState<{ text: string; restore?: Edits } | null>(null);
  const [frame, setFrame] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [addKind, setAddKind] = useState("ball");
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<{ id: string; handle: Handle; from: ScenePlan; pointer: number; last: ScenePlan | null } | null>(null);

  useEffect(() => {
    let live = true;
    import("./plan-client").then((m) => live && setPlanner(m), (err: Error) => live && setNotice({ text: `the planner did not load: ${err.message}` }));
    setPreviewSeed(Math.floor(Math.random() * 100_000));
    return () => {
      live = false;
    };
  }, []);

  // A stored plan (a remix) opens as the edited plan, once it is known to fit this model's frame.
  useEffect(() => {
    if (!initialPlan || !planner) return;
    const parsed = planner.planSchema.safeParse(initialPlan);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      setNotice({ text: `The stored plan cannot be opened: plan.${i.path.join(".")}: ${i.message}` });
    } else if (parsed.data.width !== target.width || parsed.data.height !== target.height || parsed.data.fps !== target.fps) {
      setNotice({ text: `The stored plan is for a ${parsed.data.width}x${parsed.data.height} frame at ${parsed.data.fps} fps; this model makes ${target.width}x${target.height} at ${target.fps} fps, so the prompt is planned afresh.` });
    } else {
      setEdits({ past: [], present: parsed.data, rootKey: null });
    }
  }, [initialPlan, planner, target]);

  // Plan the prompt (briefly debounced: typing re-plans a few times a second at most).
  const layoutSeed = seed ?? previewSeed;
  useEffect(() => {
    if (!planner || layoutSeed === null) return;
    const timer = setTimeout(() => {
      const frame = { width: target.width, height: target.height, fps: target.fps, frames };
      let plan: ScenePlan | null = null;
      try {
        plan = prompt.trim() ? planner.planPrompt(prompt, frame, layoutSeed, { camera: target.camera }) : null;
        if (plan && plan.objects.length > target.maxObjects) plan = null;
      } catch {
        plan = null; // a prompt the world cannot lay out is made from text alone, as on the server
      }
      setBase({ plan, key: specKey(plan) });
    }, 120);
    return () => clearTimeout(timer);
  }, [planner, prompt, layoutSeed, frames, target]);

  // A new plan of the prompt: keep the edits when it says the same things, else drop them (restorable).
  const editsNow = useRef(edits);
  editsNow.current = edits;
  useEffect(() => {
    const e = editsNow.current;
    if (!e || e.rootKey === base.key) return;
    if (e.rootKey === null) {
      if (base.plan) setEdits({ ...e, rootKey: base.key }); // a stored plan: its prompt's plan is the first one made
      return;
    }
    setNotice({ text: "The prompt now plans different objects, so your plan edits were dropped.", restore: { ...e, rootKey: base.key } });
    setEdits(null);
  }, [base]);

  const plan = dragPlan ?? edits?.present ?? base.plan;
  const edited = edits !== null;

  useEffect(() => {
    onPlanChange(edits && planner ? planner.compactPlan(edits.present) : null);
  }, [edits, planner, onPlanChange]);

  const T = plan?.frames ?? 1;
  const t = Math.min(frame, T - 1);

  useEffect(() => {
    if (!playing || !plan) return;
    const id = setInterval(() => setFrame((f) => (f + 1) % plan.frames), 1000 / plan.fps);
    return () => clearInterval(id);
  }, [playing, plan]);

  const commit = useCallback(
    (from: ScenePlan, next: ScenePlan) => {
      setNotice(null);
      setEdits((e) => {
        if (e && e.present === from) return { ...e, past: [...e.past, from].slice(-100), present: next };
        return { past: [from], present: next, rootKey: base.key };
      });
    },
    [base.key],
  );

  const apply = useCallback(
    (edit: PlanEdit) => {
      if (!planner || !plan) return;
      try {
        commit(plan, planner.editPlanChecked(plan, edit));
      } catch (err) {
        setNotice({ text: (err as Error).message });
      }
    },
    [planner, plan, commit],
  );

  const undo = useCallback(() => {
    if (!edits) {
      if (notice?.restore) {
        setEdits(notice.restore);
        setNotice(null);
      }
      return;
    }
    if (edits.past.length === 0) return;
    const past = edits.past.slice(0, -1);
    const present = edits.past[edits.past.length - 1]!;
    // Back at the prompt's own plan: unedited again, Generate sends nothing. By content: the prompt
    // may have been planned again meanwhile (the same plan, a new object).
    const own = present === base.plan || JSON.stringify(present) === JSON.stringify(base.plan);
    setEdits(past.length === 0 && own ? null : { ...edits, past, present });
    setNotice(null);
  }, [edits, notice, base.plan]);

  // Ctrl/Cmd+Z anywhere but in a text field (which keeps its own undo).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== "z") return;
      const el = e.target as HTMLElement | null;
      if (el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && (el as HTMLInputElement).type !== "range") || el.isContentEditable)) return;
      e.preventDefault();
      undo();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo]);

  const toFrame = (e: { clientX: number; clientY: number }): Point | null => {
    const m = svg.current?.getScreenCTM();
    if (!m) return null;
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  };

  const onPointerDown = (id: string, handle: Handle) => (e: PointerEvent<SVGElement>) => {
    if (!plan || !planner || e.button > 0) return;
    e.preventDefault();
    (e.currentTarget as SVGElement).setPointerCapture(e.pointerId);
    (e.currentTarget as SVGElement).focus();
    drag.current = { id, handle, from: plan, pointer: e.pointerId, last: null };
  };
  const onPointerMove = (e: PointerEvent<SVGElement>) => {
    const d = drag.current;
    if (!d || d.pointer !== e.pointerId || !planner) return;
    const to = toFrame(e);
    if (!to) return;
    d.last = planner.editPlan(d.from, { type: "move", id: d.id, handle: d.handle, to });
    setDragPlan(d.last);
  };
  const onPointerUp = (e: PointerEvent<SVGElement>) => {
    const d = drag.current;
    if (!d || d.pointer !== e.pointerId) return;
    drag.current = null;
    setDragPlan(null);
    if (d.last) commit(d.from, d.last);
  };

  const onHandleKey = (o: PlanObject, handle: Handle) => (e: KeyboardEvent<SVGElement>) => {
    if (!planner) return;
    const step = (e.shiftKey ? 8 : 1) * Math.max(1, Math.round(Math.min(target.width, target.height) / 128));
    const d: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.key in d) {
      e.preventDefault();
      const at = handle === "start" ? planner.startOf(o) : planner.endOf(o);
      const [dx, dy] = d[e.key]!;
      apply({ type: "move", id: o.id, handle, to: { x: at.x + dx, y: at.y + dy } });
    } else if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      apply({ type: "remove", id: o.id });
    }
  };

  const names = useMemo(() => labels(plan?.objects ?? []), [plan]);
  const W = target.width;
  const H = target.height;
  const handleR = Math.max(W, H) * 0.035;
  const vocab = planner?.vocab;

  return (
    <section className="plan-editor" aria-label="Plan editor" data-edited={edited ? "true" : "false"}>
      <div className="plan-stage">
        <svg
          ref={svg}
          className="plan-canvas"
          viewBox={`0 0 ${W} ${H}`}
          style={{ aspectRatio: `${W} / ${H}` }}
          role="group"
          aria-label={plan ? `Planned clip, ${W} by ${H}, frame ${t + 1} of ${T}` : "No plan yet"}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={onPointerUp}
        >
          <desc id="plan-handle-help">Drag, or use the arrow keys (Shift for bigger steps); Delete removes the object</desc>
          <defs>
            {Object.entries(SCENE).map(([scene, [top, bottom]]) => (
              <linearGradient key={scene} id={`scene-${scene}`} x1="0" y1="0" x2="0" y2="1">
                <stop offset="0" stopColor={top} />
                <stop offset="1" stopColor={bottom} />
              </linearGradient>
            ))}
          </defs>
          <rect width={W} height={H} fill={plan ? `url(#scene-${plan.scene})` : "var(--surface)"} />
          {!plan && (
            <text x={W / 2} y={H / 2} textAnchor="middle" dominantBaseline="middle" className="plan-empty" fontSize={W / 14}>
              {prompt.trim() ? "No object the world can draw" : "Type a prompt to plan the clip"}
            </text>
          )}
          {plan?.objects.map((o) => {
            const colour = SWATCH[o.colour] ?? "#999";
            const pts = o.track.x.map((x, i) => `${x.toFixed(2)},${o.track.y[i]!.toFixed(2)}`).join(" ");
            const b = planner?.bounceOf(o, plan);
            let apex = null;
            if (b) {
              const i = o.track.y.indexOf(Math.min(...o.track.y));
              const floor = o.track.y[i]! + b.height; // the apex, and the floor under it
              apex = (
                <g className="plan-bounce" aria-hidden="true">
                  <line x1={o.track.x[i]} y1={o.track.y[i]} x2={o.track.x[i]} y2={Math.min(H, floor)} stroke={colour} />
                  <text
                    x={o.track.x[i]! + (o.track.x[i]! > W * 0.7 ? -1 : 1) * handleR * 0.8}
                    y={(o.track.y[i]! + Math.min(H, floor)) / 2}
                    textAnchor={o.track.x[i]! > W * 0.7 ? "end" : "start"}
                    fontSize={W / 22}
                    strokeWidth={W / 160}
                    fill="#fff"
                  >
                    ↕ {Math.round(b.height)} px
                  </text>
                </g>
              );
            }
            return (
              <g key={o.id} className="plan-path">
                <polyline points={pts} fill="none" stroke="rgba(0,0,0,0.35)" strokeWidth={4} vectorEffect="non-scaling-stroke" strokeLinejoin="round" />
                <polyline points={pts} fill="none" stroke={colour} strokeWidth={2} vectorEffect="non-scaling-stroke" strokeLinejoin="round" />
                {apex}
              </g>
            );
          })}
          {plan?.camera && <Framing camera={plan.camera} t={t} W={W} H={H} />}
          {plan?.objects.map((o) => (
            <Shape key={o.id} o={o} t={t} />
          ))}
          {plan?.objects.map((o) =>
            (["start", "end"] as const).map((h) => {
              const p = h === "start" ? { x: o.track.x[0]!, y: o.track.y[0]! } : { x: o.track.x[T - 1]!, y: o.track.y[T - 1]! };
              return (
                <circle
                  key={`${o.id}-${h}`}
                  className={`handle handle-${h}`}
                  cx={p.x}
                  cy={p.y}
                  r={handleR}
                  fill={h === "end" ? SWATCH[o.colour] : "rgba(255,255,255,0.85)"}
                  stroke={h === "end" ? "#fff" : SWATCH[o.colour]}
                  tabIndex={0}
                  role="button"
                  aria-roledescription="draggable point"
                  aria-label={`${names.get(o.id)} ${h} point`}
                  aria-describedby="plan-handle-help"
                  data-object={o.id}
                  data-handle={h}
                  onPointerDown={onPointerDown(o.id, h)}
                  onKeyDown={onHandleKey(o, h)}
                />
              );
            }),
          )}
        </svg>
        <div className="plan-scrubber">
          <button type="button" onClick={() => setPlaying((p) => !p)} disabled={!plan} aria-label={playing ? "Pause preview" : "Play preview"}>
            {playing ? "❚❚" : "▶"}
          </button>
          <input type="range" min={0} max={Math.max(0, T - 1)} value={t} onChange={(e) => setFrame(Number(e.target.value))} aria-label="Frame" disabled={!plan} />
          <output className="meta">
            {plan ? `${t + 1}/${T} · ${(t / plan.fps).toFixed(1)} s` : "—"}
          </output>
        </div>
      </div>

      <div className="plan-side">
        <div className="plan-head">
          <span className={`plan-badge ${edited ? "edited" : ""}`}>{edited ? "Edited plan" : "Planned from the prompt"}</span>
          <button type="button" onClick={undo} disabled={!edits?.past.length && !(!edits && notice?.restore)} title="Undo (Ctrl+Z)">
            ↶ Undo
          </button>
        </div>
        <p className="meta plan-help">
          {plan
            ? edited
              ? "Generate sends this plan."
              : seed === null
                ? `Preview layout (seed ${layoutSeed}); the server draws its own unless you set a seed or edit the plan.`
                : "Drag a path's ends, or Tab to a handle and use the arrow keys."
            : "The plan appears as you type."}
          {plan && <span className="scene-chip">{plan.scene}</span>}
        </p>
        {notice && (
          <p className="plan-notice" role="status">
            {notice.text}{" "}
            {notice.restore && (
              <button type="button" onClick={undo}>
                Restore edits
              </button>
            )}
          </p>
        )}
        {plan && vocab && (
          <ul className="plan-objects">
            {plan.objects.map((o) => (
              <li key={o.id} data-object={o.id}>
                <span className="swatch" style={{ background: SWATCH[o.colour] }} aria-hidden="true" />
                <strong>{names.get(o.id)}</strong>
                <span className="plan-controls">
                  <select aria-label={`${names.get(o.id)} motion`} value={o.motion} onChange={(e) => apply({ type: "motion", id: o.id, motion: e.target.value })}>
                    {vocab.MOTIONS.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                  <select aria-label={`${names.get(o.id)} size`} value={o.size} onChange={(e) => apply({ type: "size", id: o.id, size: e.target.value })}>
                    {vocab.SIZES.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                  <select aria-label={`${names.get(o.id)} colour`} value={o.colour} onChange={(e) => apply({ type: "colour", id: o.id, colour: e.target.value })}>
                    {vocab.COLOURS.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                  <button type="button" className="danger" aria-label={`Remove ${names.get(o.id)}`} onClick={() => apply({ type: "remove", id: o.id })}>
                    ✕
                  </button>
                </span>
              </li>
            ))}
            <li className="plan-add">
              <select aria-label="Object to add" value={addKind} onChange={(e) => setAddKind(e.target.value)}>
                {vocab.OBJECTS.map((k) => (
                  <option key={k}>{k}</option>
                ))}
              </select>
              <button
                type="button"
                disabled={plan.objects.length >= Math.min(target.maxObjects, vocab.MAX_OBJECTS)}
                onClick={() =>
                  apply({ type: "add", kind: addKind, colour: vocab.COLOURS.find((c) => !plan.objects.some((o) => o.colour === c)) ?? vocab.COLOURS[0], size: "medium", motion: "right" })
                }
              >
                + Add object
              </button>
              <span className="meta">
                {plan.objects.length}/{Math.min(target.maxObjects, vocab.MAX_OBJECTS)}
              </span>
            </li>
          </ul>
        )}
      </div>
    </section>
  );
}
