// The Create page's storyboard edits: ids stay with their shots, the ends hold, and the board
// becomes the API's `shots`.
import { describe, expect, it } from "vitest";

import { addShot, boardSeconds, moveShot, newBoard, removeShot, toShots, updateShot } from "../../lib/storyboard/board";
import { MAX_SHOTS } from "../../lib/storyboard/schema";

const prompts = (rows: { prompt: string }[]) => rows.map((r) => r.prompt);

describe("storyboard edits", () => {
  it("adds after a shot or at the end, with a fresh id", () => {
    const board = newBoard(["a", "b"]);
    const added = addShot(board, 0);
    expect(prompts(added)).toEqual(["a", "", "b"]);
    expect(new Set(added.map((r) => r.id)).size).toBe(3);
    expect(prompts(addShot(board))).toEqual(["a", "b", ""]);
    const full = newBoard(Array.from({ length: MAX_SHOTS }, (_, i) => `p${i}`));
    expect(addShot(full)).toHaveLength(MAX_SHOTS);
  });

  it("moves a shot by one place, keeping its id, and not past either end", () => {
    const board = newBoard(["a", "b", "c"]);
    const down = moveShot(board, 0, 1);
    expect(prompts(down)).toEqual(["b", "a", "c"]);
    expect(down[1]!.id).toBe(0);
    expect(prompts(moveShot(board, 2, -1))).toEqual(["a", "c", "b"]);
    expect(prompts(moveShot(board, 0, -1))).toEqual(["a", "b", "c"]);
    expect(prompts(moveShot(board, 2, 1))).toEqual(["a", "b", "c"]);
  });

  it("deletes any shot but the last one left", () => {
    const board = newBoard(["a", "b"]);
    expect(prompts(removeShot(board, 0))).toEqual(["b"]);
    expect(prompts(removeShot(removeShot(board, 0), 1))).toEqual(["b"]);
  });

  it("becomes the API's shots; a blank length reads as 0 s, which the API refuses naming the shot", () => {
    let board = updateShot(newBoard(["a", "b"]), 1, { seconds: "1.5" });
    board = updateShot(board, 0, { seconds: " " });
    expect(toShots(board)).toEqual([{ prompt: "a", seconds: 0 }, { prompt: "b", seconds: 1.5 }]);
    expect(boardSeconds(updateShot(board, 0, { seconds: "2" }))).toBe(3.5);
  });
});
