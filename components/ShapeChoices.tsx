"use client";
/**
 * The clip's shape on the Create page: output fps and aspect, as radio groups (one fieldset
 * each, arrow keys move within a group), from the model's choices (SettingsLimits.fps and
 * aspects, model.json outputs and aspects). A model with one choice shows no group for it.
 */
import type { SettingsLimits } from "@/lib/pipeline/contract";

export interface Shape {
  fps: number;
  aspect: string;
}

export const defaultShape = (l: SettingsLimits): Shape => ({ fps: l.defaults.fps, aspect: l.defaults.aspect });

const ASPECT_NAMES: Record<string, string> = { "1:1": "square", "16:9": "landscape", "9:16": "portrait" };

export function ShapeChoices({ limits, value, onChange }: { limits: SettingsLimits; value: Shape; onChange: (s: Shape) => void }) {
  return (
    <div className="shape-choices">
      {limits.fps.length > 1 && (
        <fieldset>
          <legend>Frame rate</legend>
          {limits.fps.map((fps) => (
            <label key={fps}>
              <input type="radio" name="fps" value={fps} checked={value.fps === fps} onChange={() => onChange({ ...value, fps })} /> {fps} fps
            </label>
          ))}
        </fieldset>
      )}
      {limits.aspects.length > 1 && (
        <fieldset>
          <legend>Aspect</legend>
          {limits.aspects.map((aspect) => (
            <label key={aspect}>
              <input type="radio" name="aspect" value={aspect} checked={value.aspect === aspect} onChange={() => onChange({ ...value, aspect })} /> {aspect}
              {ASPECT_NAMES[aspect] ? ` (${ASPECT_NAMES[aspect]})` : ""}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
