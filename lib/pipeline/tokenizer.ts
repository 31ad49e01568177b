/**
 * The word-level tokenizer of tokenizer.json (written by
 * model/spacetime/tokenizer.py), reproduced id for id:
 *   normalise (the world parser's rule: lowercase, every run outside the
 *   pattern's alphabet -> one space, split on whitespace, strip hyphens from
 *   word ends, drop empties) -> [CLS] + one id per word ([UNK] if unknown)
 *   -> keep the first max_length ids -> right-pad with [PAD] to max_length.
 * The rule is read from the file rather than hard-coded, and the schema only
 * accepts the rule this code implements, so a change on the Python side fails
 * loudly instead of silently tokenising differently.
 */
import { z } from "zod";

import { PipelineError } from "./errors";

const tokenizerSchema = z
  .object({
    format_version: z.literal(1),
    type: z.literal("word-level"),
    normalization: z.object({
      lowercase: z.boolean(),
      pattern: z.string(),
      replacement: z.string(),
      split: z.literal("whitespace"),
      strip: z.string(),
    }),
    max_length: z.number().int().min(2),
    pad_id: z.number().int().nonnegative(),
    unk_id: z.number().int().nonnegative(),
    cls_id: z.number().int().nonnegative(),
    prepend_cls: z.boolean(),
    vocab: z.array(z.string()).min(3),
  })
  .refine((t) => [t.pad_id, t.unk_id, t.cls_id].every((id) => id < t.vocab.length), "special ids must index the vocab");

export type TokenizerJson = z.infer<typeof tokenizerSchema>;

export interface Encoded {
  ids: BigInt64Array; // (max_length,) int64, as the text encoder takes them
  mask: Uint8Array; // (max_length,) 1 where ids != pad (bool tensor data)
  length: number; // ids before padding
  unknown: string[]; // words not in the vocabulary, in order (truncated ones included)
  truncated: boolean; // words were dropped to fit max_length
}

export class Tokenizer {
  readonly maxLength: number;
  readonly padId: number;
  private readonly vocab: Map<string, number>;
  private readonly cfg: TokenizerJson;
  private readonly separators: RegExp;

  constructor(json: unknown) {
    const parsed = tokenizerSchema.safeParse(json);
    if (!parsed.success) {
      throw new PipelineError("BAD_MANIFEST", `tokenizer.json is not a word-level tokenizer this code reads: ${parsed.error.message}`);
    }
    this.cfg = parsed.data;
    this.maxLength = this.cfg.max_length;
    this.padId = this.cfg.pad_id;
    this.vocab = new Map(this.cfg.vocab.map((w, i) => [w, i]));
    // Python's re.sub replaces every non-overlapping match; "g" does the same.
    this.separators = new RegExp(this.cfg.normalization.pattern, "g");
  }

  static async load(file: string): Promise<Tokenizer> {
    // Imported here, not at the top: the prompt parser (lib/plan/grammar.ts) uses this class in
    // the browser too (the Create page's plan editor), where there is no file system to bundle.
    const { readFile } = await import(/* webpackIgnore: true */ "node:fs/promises");
    return new Tokenizer(JSON.parse(await readFile(file, "utf8")));
  }

  /** The parser's normalisation: text -> words. */
  normalize(text: string): string[] {
    const n = this.cfg.normalization;
    // JS toLowerCase and Python str.lower both apply Unicode full case
    // mapping; any non-ASCII result is outside the pattern's alphabet anyway.
    const lowered = n.lowercase ? text.toLowerCase() : text;
    const spaced = lowered.replace(this.separators, n.replacement);
    // Python's str.split() with no argument: split on runs of whitespace, no empty ends.
    return spaced
      .split(/\s+/)
      .map((w) => stripChars(w, n.strip))
      .filter((w) => w.length > 0);
  }

  encode(text: string): Encoded {
    const words = this.normalize(text);
    const all = (this.cfg.prepend_cls ? [this.cfg.cls_id] : []).concat(words.map((w) => this.vocab.get(w) ?? this.cfg.unk_id));
    const kept = all.slice(0, this.maxLength);
    const ids = new BigInt64Array(this.maxLength).fill(BigInt(this.padId));
    const mask = new Uint8Array(this.maxLength);
    kept.forEach((id, i) => {
      ids[i] = BigInt(id);
      mask[i] = id !== this.padId ? 1 : 0;
    });
    return {
      ids,
      mask,
      length: kept.length,
      unknown: words.filter((w) => !this.vocab.has(w)),
      truncated: all.length > kept.length,
    };
  }
}

/** Python's str.strip(chars): remove any of `chars` from both ends. */
function stripChars(word: string, chars: string): string {
  let start = 0;
  let end = word.length;
  while (start < end && chars.includes(word[start]!)) start++;
  while (end > start && chars.includes(word[end - 1]!)) end--;
  return word.slice(start, end);
}
