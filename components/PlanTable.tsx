/**
 * The scene plan a clip followed (docs/scene-plan.md), as a table a person can read: one row
 * per object with what it is, how it moves, and where it starts and ends (centre in pixels of
 * the clip's frame, with a word for the part of the frame it is in). A server component.
 */
import type { ScenePlan } from "@/lib/plan/schema";

/** "top left", "centre", "bottom right"...: the third of the frame a point lies in. */
export function whereInFrame(x: number, y: number, width: number, height: number): string {
  const col = ["left", "centre", "right"][Math.min(2, Math.floor((3 * x) / width))]!;
  const row = ["top", "middle", "bottom"][Math.min(2, Math.floor((3 * y) / height))]!;
  return row === "middle" ? (col === "centre" ? "centre" : col) : col === "centre" ? row : `${row} ${col}`;
}

function Position({ plan, o, frame }: { plan: ScenePlan; o: ScenePlan["objects"][number]; frame: number }) {
  const x = o.track.x[frame]!;
  const y = o.track.y[frame]!;
  return (
    <>
      {whereInFrame(x, y, plan.width, plan.height)} <span className="muted">({Math.round(x)}, {Math.round(y)})</span>
      {!o.track.visible[frame] && " (hidden)"}
    </>
  );
}

export function PlanTable({ plan, frames, downloadUrl }: { plan: ScenePlan; frames: number; downloadUrl: string }) {
  const last = Math.min(frames, plan.frames) - 1; // the plan may run past the clip's end (whole chunks)
  const seconds = (last / plan.fps).toFixed(1);
  return (
    <section className="plan" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Scene plan</h2>
      <p>
        {plan.objects.length === 0 ? "No objects" : `${plan.objects.length} object${plan.objects.length === 1 ? "" : "s"}`} in the <strong>{plan.scene}</strong> scene
        {plan.relation && (
          <>
            , {plan.objects[0]?.id} <strong>{plan.relation}</strong> {plan.objects[1]?.id}
          </>
        )}
        ; positions are centres in pixels of the {plan.width}×{plan.height} frame, at 0 s and at {seconds} s.
      </p>
      {plan.objects.length > 0 && (
        <table className="plan">
          <caption className="visually-hidden">Objects of the scene plan</caption>
          <thead>
            <tr>
              <th scope="col">Object</th>
              <th scope="col">Kind</th>
              <th scope="col">Colour</th>
              <th scope="col">Size</th>
              <th scope="col">Motion</th>
              <th scope="col">Start</th>
              <th scope="col">End</th>
            </tr>
          </thead>
          <tbody>
            {plan.objects.map((o) => (
              <tr key={o.id}>
                <th scope="row">{o.id}</th>
                <td>{o.kind}</td>
                <td>
                  <span className="swatch" data-colour={o.colour} aria-hidden="true" /> {o.colour}
                </td>
                <td>{o.size}</td>
                <td>
                  {o.motion}
                  {o.words && <span className="muted"> “{o.words}”</span>}
                </td>
                <td>
                  <Position plan={plan} o={o} frame={0} />
                </td>
                <td>
                  <Position plan={plan} o={o} frame={last} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href={downloadUrl} download>
          Download plan JSON
        </a>{" "}
        <span className="muted">(edit it and send it back as a job&apos;s plan)</span>
      </p>
    </section>
  );
}
