/** lib/http/caller.ts: the signed caller cookie and where its key comes from. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { issueCaller, secretKey, signCaller, verifyCaller } from "../../lib/http/caller";

let dir: string;
const saved = { ...process.env };
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "spacetime-caller-"));
  delete process.env.SPACETIME_SECRET;
  process.env.SPACETIME_DATA_DIR = dir;
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

describe("caller identity", () => {
  it("makes data/secret once, 0600, and keeps using it", () => {
    const key = secretKey();
    const file = path.join(dir, "secret");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(key.toString("utf8"));
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(secretKey().equals(key)).toBe(true);
  });

  it("tightens a secret file someone made readable", () => {
    const file = path.join(dir, "secret");
    writeFileSync(file, "x".repeat(43));
    chmodSync(file, 0o644);
    secretKey();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("prefers SPACETIME_SECRET and refuses a short one", () => {
    process.env.SPACETIME_SECRET = "short";
    expect(() => secretKey()).toThrow(/at least 32/);
    process.env.SPACETIME_SECRET = "y".repeat(40);
    expect(secretKey().toString()).toBe("y".repeat(40));
  });

  it("verifies its own signature and nothing else", () => {
    const { callerId, setCookie } = issueCaller(new Request("http://localhost/"));
    expect(callerId).toMatch(/^[A-Za-z0-9_-]{24}$/); // 144 random bits
    const value = setCookie.split(";")[0]!.split("=")[1]!;
    expect(verifyCaller(value)).toBe(callerId);
    expect(verifyCaller(signCaller(callerId))).toBe(callerId);

    for (const bad of [
      "",
      callerId,
      `${callerId}.`,
      `${callerId}.${"A".repeat(43)}`,
      value.slice(0, -1),
      value + "A",
      `x${value.slice(1)}`,
      `${"B".repeat(24)}.${value.split(".")[1]}`,
      `../../x.${value.split(".")[1]}`,
    ]) {
      expect(verifyCaller(bad), bad).toBeNull();
    }
    // Another install's key makes cookies this one does not accept.
    process.env.SPACETIME_SECRET = "z".repeat(40);
    expect(verifyCaller(value)).toBeNull();
  });
});
