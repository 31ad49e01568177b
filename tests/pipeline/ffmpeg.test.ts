// The mux module against the real ffmpeg, read back with ffprobe (Debian's, from scripts/setup-system.sh).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { mux, resolveFfmpeg } from "../../lib/pipeline/ffmpeg";

const dir = mkdtempSync(path.join(tmpdir(), "spacetime-ffmpeg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const W = 64;
const H = 48;
// A square moving right over a gradient: enough structure for the encoders.
function frames(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, f) => {
    const a = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        const inside = x >= f * 3 && x < f * 3 + 10 && y >= 16 && y < 26;
        a[i] = inside ? 255 : x * 4;
        a[i + 1] = inside ? 40 : y * 5;
        a[i + 2] = 90;
      }
    return a;
  });
}

function probe(file: string, entries: string, count = false): Record<string, unknown> {
  const args = ["-v", "error", "-of", "json", "-show_entries", entries];
  if (count) args.push("-count_frames", "-select_streams", "v:0");
  return JSON.parse(execFileSync("ffprobe", [...args, file], { encoding: "utf8" }));
}

const meta = { prompt: "a red ball bouncing in the snow", seed: 7, steps: 20, guidance: 4, modelId: "spacetime-test-00000000" };

describe("ffmpeg mux", () => {
  it("writes MP4, WebM, poster and WebP that ffprobe reads back", async () => {
    const out = {
      mp4: path.join(dir, "clip.mp4"),
      webm: path.join(dir, "clip.webm"),
      poster: path.join(dir, "clip.png"),
      webp: path.join(dir, "clip.webp"),
    };
    expect(await mux({ frames: frames(17), width: W, height: H, fps: 8, outputs: out, metadata: meta })).toEqual(out);

    const mp4 = probe(out.mp4, "stream=codec_name,width,height,pix_fmt,nb_read_frames:format_tags=title,comment", true) as {
      streams: { codec_name: string; width: number; height: number; pix_fmt: string; nb_read_frames: string }[];
      format: { tags: { title: string; comment: string } };
    };
    expect(mp4.streams[0]).toMatchObject({ codec_name: "h264", width: W, height: H, pix_fmt: "yuv420p", nb_read_frames: "17" });
    expect(mp4.format.tags.title).toBe(meta.prompt);
    expect(JSON.parse(mp4.format.tags.comment)).toEqual({
      prompt: meta.prompt,
      seed: 7,
      steps: 20,
      guidance: 4,
      model: meta.modelId,
    });

    const webm = probe(out.webm, "stream=codec_name,width,height,nb_read_frames", true) as { streams: Record<string, unknown>[] };
    expect(webm.streams[0]).toMatchObject({ codec_name: "vp9", width: W, height: H, nb_read_frames: "17" });
    const poster = probe(out.poster, "stream=codec_name,width,height") as { streams: Record<string, unknown>[] };
    expect(poster.streams[0]).toMatchObject({ codec_name: "png", width: W, height: H });
    // An animated WebP: RIFF/WEBP with an ANIM chunk and one ANMF chunk per frame.
    const webp = readFileSync(out.webp).toString("latin1");
    expect(webp.slice(0, 4) + webp.slice(8, 12)).toBe("RIFFWEBP");
    expect(webp).toContain("ANIM");
    expect(webp.split("ANMF").length - 1).toBeGreaterThan(1);
    // Nothing but the four outputs: the temporaries were renamed away.
    expect(readdirSync(dir).sort()).toEqual(["clip.mp4", "clip.png", "clip.webm", "clip.webp"]);
  });

  it("faststart puts the moov atom before the media data", async () => {
    const file = path.join(dir, "fast.mp4");
    await mux({ frames: frames(5), width: W, height: H, fps: 8, outputs: { mp4: file } });
    const head = execFileSync("head", ["-c", "4096", file]).toString("latin1");
    expect(head.indexOf("moov")).toBeGreaterThan(0);
    expect(head.indexOf("moov")).toBeLessThan(head.indexOf("mdat") === -1 ? Infinity : head.indexOf("mdat"));
    rmSync(file);
  });

  it("abort kills ffmpeg and leaves no files", async () => {
    const sub = mkdtempSync(path.join(dir, "abort-"));
    const ac = new AbortController();
    const many = frames(17);
    const run = mux({
      // Enough frames that the encoders, each in its own process, are still at work at 100 ms.
      frames: Array.from({ length: 4000 }, (_, i) => many[i % 17]!),
      width: W,
      height: H,
      fps: 8,
      outputs: { mp4: path.join(sub, "a.mp4"), webm: path.join(sub, "a.webm") },
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 100);
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(readdirSync(sub)).toEqual([]);
  });

  it("a failing ffmpeg leaves no files and says why", async () => {
    const sub = mkdtempSync(path.join(dir, "fail-"));
    // /bin/false stands in for an ffmpeg that exits with an error.
    await expect(
      mux({ frames: frames(2), width: W, height: H, fps: 8, outputs: { mp4: path.join(sub, "x.mp4") }, ffmpegPath: "/bin/false" }),
    ).rejects.toMatchObject({ code: "FFMPEG_FAILED" });
    expect(readdirSync(sub)).toEqual([]);
  });

  it("one output that cannot be written fails the set: the other processes stop and nothing is left", async () => {
    const sub = mkdtempSync(path.join(dir, "one-fails-"));
    const many = frames(17);
    const run = mux({
      frames: Array.from({ length: 400 }, (_, i) => many[i % 17]!),
      width: W,
      height: H,
      fps: 8,
      // Every output has its own ffmpeg; the WebM's folder does not exist, so that one fails at once.
      outputs: { mp4: path.join(sub, "a.mp4"), webm: path.join(sub, "missing", "a.webm"), webp: path.join(sub, "a.webp") },
    });
    await expect(run).rejects.toMatchObject({ code: "FFMPEG_FAILED", message: expect.stringMatching(/missing/) });
    expect(readdirSync(sub)).toEqual([]);
  });

  it("FFMPEG_PATH pointing to a missing file gives a clear error", async () => {
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = "/nonexistent/ffmpeg";
    try {
      await expect(resolveFfmpeg()).rejects.toMatchObject({ code: "FFMPEG_MISSING", message: expect.stringMatching(/\/nonexistent\/ffmpeg.*FFMPEG_PATH/) });
      await expect(mux({ frames: frames(1), width: W, height: H, fps: 8, outputs: { mp4: path.join(dir, "y.mp4") } })).rejects.toMatchObject({
        code: "FFMPEG_MISSING",
      });
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });

  it("rejects frames of the wrong size", async () => {
    await expect(mux({ frames: [new Uint8Array(10)], width: W, height: H, fps: 8, outputs: { mp4: path.join(dir, "z.mp4") } })).rejects.toMatchObject({
      code: "BAD_INPUT",
    });
  });
});
