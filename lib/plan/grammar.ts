/**
 * The prompt grammar, read from grammar.json (written by
 * `scripts/py -m spacetime.world.grammar_export` from the Python world's
 * vocab.py and parser.py, never by hand) and indexed for the parser.
 *
 * The file is validated here so that a grammar this code cannot read fails
 * at load, naming the field, rather than parsing prompts differently.
 */
import { z } from "zod";

import { Tokenizer } from "../pipeline/tokenizer";
import grammarJson from "./grammar.json";

export type Category = "object" | "count" | "size" | "colour" | "motion" | "scene" | "relation" | "camera" | "filler";

/** One phrase of the table: its words and what it means. */
export interface Phrase {
  words: readonly string[];
  category: Category;
  /** Attribute name for colour/size/motion/scene/relation, the move for camera, the number for counts, the kind for objects. */
  value: string | number | null;
  /** Objects only: a plural object word ("red balls") means two when no count is said. */
  plural: boolean;
}

const phraseList = z.array(z.string().min(1));
const byValue = z.record(z.string(), phraseList);

const grammarSchema = z.object({
  format_version: z.literal(1),
  attributes: z.object({
    objects: z.array(z.string()).min(1),
    colours: z.array(z.string()).min(1),
    sizes: z.array(z.string()).min(1),
    motions: z.array(z.string()).min(1),
    scenes: z.array(z.string()).min(1),
    relations: z.array(z.string()).min(1),
    camera_moves: z.array(z.string()).min(1),
    targeted_camera_moves: z.array(z.string()),
  }),
  phrases: z.object({
    object: z.record(z.string(), z.object({ singular: phraseList, plural: phraseList })),
    count: byValue,
    size: byValue,
    colour: byValue,
    motion: byValue,
    scene: byValue,
    relation: byValue,
    camera: byValue,
    filler: phraseList,
  }),
  ignorable: z.array(z.string()),
  tokenizer: z.unknown(),
});

export type GrammarJson = z.infer<typeof grammarSchema>;

export class Grammar {
  readonly attributes: GrammarJson["attributes"];
  /** Text -> words, by the rule of the grammar's own tokenizer (lib/pipeline/tokenizer.ts). */
  readonly tokenizer: Tokenizer;
  readonly ignorable: ReadonlySet<string>;
  /** Every word some phrase contains, and the ignorable ones. */
  readonly known: ReadonlySet<string>;
  /** Phrases by their first word, longest first within each. */
  private readonly byFirstWord: Map<string, Phrase[]>;

  constructor(json: unknown) {
    const parsed = grammarSchema.safeParse(json);
    if (!parsed.success) throw new Error(`grammar.json is not a grammar this code reads: ${parsed.error.message}`);
    const g = parsed.data;
    this.attributes = g.attributes;
    this.tokenizer = new Tokenizer(g.tokenizer);
    this.ignorable = new Set(g.ignorable);
    const phrases = collectPhrases(g);
    this.byFirstWord = indexByFirstWord(phrases);
    this.known = new Set([...this.ignorable, ...phrases.flatMap((p) => p.words)]);
  }

  /** Phrases that start with `word`, longest first. */
  startingWith(word: string): readonly Phrase[] {
    return this.byFirstWord.get(word) ?? [];
  }
}

function collectPhrases(g: GrammarJson): Phrase[] {
  const out: Phrase[] = [];
  const add = (text: string, category: Category, value: Phrase["value"], plural = false) =>
    out.push({ words: text.split(" "), category, value, plural });
  for (const [kind, forms] of Object.entries(g.phrases.object)) {
    forms.singular.forEach((t) => add(t, "object", kind));
    forms.plural.forEach((t) => add(t, "object", kind, true));
  }
  for (const [count, texts] of Object.entries(g.phrases.count)) {
    const n = Number(count);
    if (!Number.isInteger(n)) throw new Error(`grammar.json: count key ${JSON.stringify(count)} is not an integer`);
    texts.forEach((t) => add(t, "count", n));
  }
  for (const category of ["size", "colour", "motion", "scene", "relation", "camera"] as const) {
    for (const [value, texts] of Object.entries(g.phrases[category])) texts.forEach((t) => add(t, category, value));
  }
  g.phrases.filler.forEach((t) => add(t, "filler", null));
  return out;
}

function indexByFirstWord(phrases: Phrase[]): Map<string, Phrase[]> {
  // The Python side refuses a table where the same words mean two things, so
  // "longest first" is the only order that matters; check it held.
  const meaning = new Map<string, string>();
  for (const p of phrases) {
    const key = p.words.join(" ");
    const what = `${p.category}:${p.value}:${p.plural}`;
    const seen = meaning.get(key);
    if (seen !== undefined && seen !== what) throw new Error(`grammar.json: the phrase "${key}" means both ${seen} and ${what}`);
    meaning.set(key, what);
  }
  const index = new Map<string, Phrase[]>();
  for (const p of phrases) {
    const list = index.get(p.words[0]!) ?? [];
    list.push(p);
    index.set(p.words[0]!, list);
  }
  for (const list of index.values()) list.sort((a, b) => b.words.length - a.words.length);
  return index;
}

let cached: Grammar | null = null;

/** The committed grammar, loaded once. */
export function grammar(): Grammar {
  cached ??= new Grammar(grammarJson);
  return cached;
}
