/**
 * A storyboard's shots (docs/storyboard.md) as a table: each shot's start time in the clip, its
 * length, its camera and its prompt, in order. A server component (the clip and share pages).
 */
import type { Shot } from "@/lib/storyboard/schema";

/** "0:04.5": minutes and seconds into the clip. */
export function clipTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, "0")}`;
}

export function ShotList({ shots }: { shots: readonly Shot[] }) {
  let start = 0;
  const rows = shots.map((s) => {
    const row = { ...s, start };
    start += s.seconds;
    return row;
  });
  return (
    <section className="plan" aria-labelledby="shots-heading">
      <h2 id="shots-heading">Storyboard</h2>
      <p>
        {shots.length} shot{shots.length === 1 ? "" : "s"}, {clipTime(start)} in all, made as one clip.
      </p>
      <table className="plan shots">
        <caption className="visually-hidden">Shots of the storyboard</caption>
        <thead>
          <tr>
            <th scope="col">Shot</th>
            <th scope="col">Starts</th>
            <th scope="col">Seconds</th>
            <th scope="col">Camera</th>
            <th scope="col">Prompt</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s, i) => (
            <tr key={i}>
              <th scope="row">{i + 1}</th>
              <td>{clipTime(s.start)}</td>
              <td>{s.seconds}</td>
              <td>{s.camera}</td>
              <td>{s.prompt}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
