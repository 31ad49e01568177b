/**
 * Known and unknown words for the prompt box, from the model's own tokenizer.json
 * (SPACETIME_MODEL_DIR, default models/dev; the file model.json names, else tokenizer.json).
 * Loaded once and reloaded when the file changes; no model in place -> `available: false`.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

import { modelConfig } from "../config";
import { Tokenizer } from "../pipeline/tokenizer";

let cached: { file: string; mtimeMs: number; tokenizer: Tokenizer } | null = null;

function modelDir(): string {
  return path.resolve(modelConfig().modelDir);
}

async function tokenizerFile(dir: string): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as { files?: { tokenizer?: { path?: unknown } } };
    const rel = manifest.files?.tokenizer?.path;
    if (typeof rel === "string" && !path.isAbsolute(rel) && !rel.split(/[\\/]/).includes("..")) return path.join(dir, rel);
  } catch {
    // no or unreadable model.json: try the conventional name
  }
  return path.join(dir, "tokenizer.json");
}

export async function loadTokenizer(): Promise<Tokenizer | null> {
  const file = await tokenizerFile(modelDir());
  const info = await stat(file).catch(() => null);
  if (!info) return null;
  if (cached?.file === file && cached.mtimeMs === info.mtimeMs) return cached.tokenizer;
  const tokenizer = await Tokenizer.load(file);
  cached = { file, mtimeMs: info.mtimeMs, tokenizer };
  return tokenizer;
}

export interface WordsResult {
  available: boolean; // false: no tokenizer to judge by
  words: { word: string; known: boolean | null }[];
  unknown: string[];
  truncated: boolean; // words past the model's max_length are ignored by it
  maxWords: number | null;
}

export async function markWords(text: string): Promise<WordsResult> {
  const tokenizer = await loadTokenizer();
  if (!tokenizer) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    return { available: false, words: words.map((word) => ({ word, known: null })), unknown: [], truncated: false, maxWords: null };
  }
  const enc = tokenizer.encode(text);
  const unknown = new Set(enc.unknown);
  const words = tokenizer.normalize(text);
  return {
    available: true,
    words: words.map((word) => ({ word, known: !unknown.has(word) })),
    unknown: [...unknown],
    truncated: enc.truncated,
    maxWords: tokenizer.maxLength - 1,
  };
}
