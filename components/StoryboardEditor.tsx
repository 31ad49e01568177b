"use client";
/**
 * The Create page's storyboard (docs/storyboard.md): the shots in order, each with its prompt
 * and length, on a timeline whose segments are as long as the shots. Shots are added after
 * any shot, deleted, and reordered by their up/down buttons; everything is a native control,
 * so it works by keyboard, and focus follows a shot that moves (or goes to its neighbour when
 * it is deleted). The edits are lib/storyboard/board.ts's.
 */
import { useEffect, useRef } from "react";

import { MAX_SECONDS } from "@/lib/plan/vocab";
import { addShot, boardSeconds, moveShot, removeShot, updateShot, type ShotRow } from "@/lib/storyboard/board";
import { CAMERA_MOVES, MAX_SHOTS, type CameraMove } from "@/lib/storyboard/schema";

/** What each move is called on the page. */
const CAMERA_LABELS: Record<CameraMove, string> = {
  static: "Static",
  "pan-left": "Pan left",
  "pan-right": "Pan right",
  "pan-up": "Pan up",
  "pan-down": "Pan down",
  follow: "Follow the subject",
  "zoom-in": "Close-up (zoom in)",
  "zoom-out": "Wide (zoom out)",
};

const SEGMENT_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];

export function StoryboardEditor({ rows, onChange, promptChars, cameraMoves }: { rows: readonly ShotRow[]; onChange: (rows: ShotRow[]) => void; promptChars: number; cameraMoves: boolean }) {
  // After an edit, the control to focus: "<id>:<part>" (part: prompt, up, down).
  const focusNext = useRef<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const want = focusNext.current;
    focusNext.current = null;
    if (want) root.current?.querySelector<HTMLElement>(`[data-focus="${want}"]`)?.focus();
  }, [rows]);

  const edit = (next: ShotRow[], focus: string | null) => {
    focusNext.current = focus;
    onChange(next);
  };
  const total = boardSeconds(rows);
  const tooLong = total > MAX_SECONDS;

  return (
    <div className="storyboard" ref={root}>
      <div className="storyboard-timeline" aria-hidden="true">
        {rows.map((r, i) => (
          <span key={r.id} style={{ flexGrow: Math.max(0.05, Number(r.seconds) || 0), background: SEGMENT_COLOURS[i % SEGMENT_COLOURS.length] }}>
            {i + 1}
          </span>
        ))}
      </div>
      <p className={tooLong ? "error" : "hint"} aria-live="polite">
        {rows.length} shot{rows.length === 1 ? "" : "s"}, {Number(total.toFixed(2))} s of at most {MAX_SECONDS} s.
        {cameraMoves ? " A shot's camera moves over the objects it shows; a change of camera between shots is a cut." : " Every shot is filmed by a static camera (this model renders no camera moves)."}
      </p>
      <ol className="shots">
        {rows.map((r, i) => {
          const n = i + 1;
          return (
            <li key={r.id} style={{ borderLeftColor: SEGMENT_COLOURS[i % SEGMENT_COLOURS.length] }}>
              <label>
                Shot {n} prompt
                <textarea
                  data-focus={`${r.id}:prompt`}
                  value={r.prompt}
                  rows={2}
                  maxLength={promptChars}
                  required
                  placeholder={i === 0 ? "a red ball bouncing in the snow" : "a red ball moving right in the snow"}
                  onChange={(e) => edit(updateShot(rows, r.id, { prompt: e.target.value }), null)}
                />
              </label>
              <label className="seconds">
                Seconds
                <input type="number" min={0.5} max={MAX_SECONDS} step={0.5} required value={r.seconds} onChange={(e) => edit(updateShot(rows, r.id, { seconds: e.target.value }), null)} />
              </label>
              <label className="camera">
                Camera
                <select
                  data-focus={`${r.id}:camera`}
                  aria-label={`Shot ${n} camera`}
                  value={r.camera}
                  disabled={!cameraMoves}
                  onChange={(e) => edit(updateShot(rows, r.id, { camera: e.target.value as CameraMove }), null)}
                >
                  {CAMERA_MOVES.map((m) => (
                    <option key={m} value={m}>
                      {CAMERA_LABELS[m]}
                    </option>
                  ))}
                </select>
              </label>
              <span className="shot-buttons">
                <button type="button" data-focus={`${r.id}:up`} aria-label={`Move shot ${n} up`} disabled={i === 0} onClick={() => edit(moveShot(rows, r.id, -1), i - 1 === 0 ? `${r.id}:down` : `${r.id}:up`)}>
                  ↑
                </button>
                <button type="button" data-focus={`${r.id}:down`} aria-label={`Move shot ${n} down`} disabled={i === rows.length - 1} onClick={() => edit(moveShot(rows, r.id, 1), i + 1 === rows.length - 1 ? `${r.id}:up` : `${r.id}:down`)}>
                  ↓
                </button>
                <button type="button" aria-label={`Delete shot ${n}`} disabled={rows.length === 1} onClick={() => edit(removeShot(rows, r.id), `${(rows[i + 1] ?? rows[i - 1])!.id}:prompt`)}>
                  Delete
                </button>
                <button
                  type="button"
                  aria-label={`Add a shot after shot ${n}`}
                  disabled={rows.length >= MAX_SHOTS}
                  onClick={() => {
                    const next = addShot(rows, r.id);
                    edit(next, `${next[i + 1]!.id}:prompt`);
                  }}
                >
                  + Shot
                </button>
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
