/**
 * The prompt parser: free text in, a clip spec plus the words it did not
 * understand out. A twin of model/spacetime/world/parser.py, step for step,
 * over the same phrase table (grammar.json); tests/plan/parser.test.ts proves
 * it on fixtures written by the Python parser.
 *
 * How it reads a prompt (see parser.py for the reasons):
 * 1. Normalise with the tokenizer's rule (lib/pipeline/tokenizer.ts).
 * 2. Match phrases greedily left to right, longest first; a motion gives way
 *    to a relation that starts inside it and runs past its end.
 *    Words no phrase contains are reported and set aside first, so they never
 *    split a phrase ("moving slowly left" still says "moving left").
 * 3. Tokens that fit no phrase are ignored if ignorable, else reported;
 *    unknown words are listed in the order the prompt says them.
 * 4. Count, size and colour collect until an object closes the noun phrase;
 *    a motion belongs to the object before it, or to the next object when a
 *    noun phrase is open or no object came yet. A relation must stand between
 *    the first and second of exactly two single objects; the scene may be anywhere.
 * 5. A camera phrase sets the clip's camera move, anywhere (a second, different
 *    one is reported and ignored). A move about one subject (follow, close-up)
 *    takes the next object phrase as its subject: said without a count, not
 *    plural, and of an earlier subject's kind (and colour, if said), it is that
 *    subject again ("..., the camera follows the red car"), not a new one.
 * Unsaid size reads as "medium"; unsaid colour, motion and scene as null; an
 * unsaid count as 1, or 2 for a plural object word. The spec has `camera` and
 * `camera_target` only when a move other than "static" is said, as the Python
 * fixtures write a spec; a static camera is the unsaid one.
 */
import { type Grammar, type Phrase, grammar as committedGrammar } from "./grammar";

export interface ParsedSubject {
  kind: string;
  colour: string | null;
  size: string | null;
  motion: string | null;
  count: number;
}

export interface ParsedSpec {
  subjects: ParsedSubject[];
  scene: string | null;
  relation: string | null;
  /** The camera move said, never "static"; absent when none is. */
  camera?: string;
  /** The subject (index into subjects) a follow or close-up is about; present with `camera`. */
  camera_target?: number;
}

export interface ParsedPrompt {
  /** null when no object is named or more than three objects are. */
  spec: ParsedSpec | null;
  /** Tokens that fit no phrase, in order. */
  unknown: string[];
  problems: string[];
}

/** Attributes gathered for one noun phrase; a key is present only once said. */
type Attributes = { count?: number; size?: string; colour?: string; motion?: string };
type SubjectDraft = Attributes & { kind: string; count: number };

const MAX_OBJECTS = 3;

function fits(tokens: readonly string[], p: Phrase, at: number): boolean {
  return p.words.every((w, j) => tokens[at + j] === w);
}

function matchAt(g: Grammar, tokens: readonly string[], i: number): Phrase | null {
  for (const p of g.startingWith(tokens[i]!)) {
    if (!fits(tokens, p, i)) continue;
    const end = i + p.words.length;
    if (p.category === "motion") {
      let relationRunsPast = false;
      for (let k = i + 1; k < end && !relationRunsPast; k++) {
        relationRunsPast = g
          .startingWith(tokens[k]!)
          .some((q) => q.category === "relation" && fits(tokens, q, k) && k + q.words.length > end);
      }
      if (relationRunsPast) continue; // "drifting to the left of": the relation wins
    }
    return p;
  }
  return null;
}

export function parse(text: string, g: Grammar = committedGrammar()): ParsedPrompt {
  const said = g.tokenizer.normalize(text);
  const unknownAt: [number, string][] = []; // (position, word)
  const positions: number[] = [];
  said.forEach((t, k) => (g.known.has(t) ? positions.push(k) : unknownAt.push([k, t])));
  const tokens = positions.map((k) => said[k]!);
  const problems: string[] = [];
  const subjects: SubjectDraft[] = [];
  let pending: Attributes = {};
  let pendingWords: string[] = [];
  let scene: string | null = null;
  const relations: { value: string; words: string; before: number }[] = [];
  let camera: string | null = null;
  let target = 0; // the subject a follow or close-up is about
  let awaitingTarget = false; // a targeted camera move waits for the object phrase that names its subject

  const setOnce = <K extends keyof Attributes>(target: Attributes, key: K, value: Attributes[K], words: string) => {
    if (key in target && target[key] !== value) problems.push(`'${words}' conflicts with an earlier ${key} word`);
    else if (!(key in target)) target[key] = value;
  };

  let i = 0;
  while (i < tokens.length) {
    const p = matchAt(g, tokens, i);
    if (p === null) {
      if (!g.ignorable.has(tokens[i]!)) unknownAt.push([positions[i]!, tokens[i]!]);
      i += 1;
      continue;
    }
    i += p.words.length;
    const words = p.words.join(" ");
    switch (p.category) {
      case "count":
        setOnce(pending, "count", p.value as number, words);
        pendingWords.push(words);
        break;
      case "size":
      case "colour":
        setOnce(pending, p.category, p.value as string, words);
        pendingWords.push(words);
        break;
      case "object": {
        const kind = p.value as string;
        if (awaitingTarget) {
          // "the camera follows the red car": an object said again without a count is the
          // one already named (same kind, and colour if said); otherwise a new one.
          const same = !("count" in pending) && !p.plural ? subjects.findIndex((s) => s.kind === kind && (pending.colour ?? s.colour) === s.colour) : -1;
          target = same >= 0 ? same : subjects.length;
          awaitingTarget = false;
          if (same >= 0) {
            pending = {};
            pendingWords = [];
            break;
          }
        }
        // A said count wins over the plural's 2, as Python's {"count": ..., **pending} does.
        subjects.push({ kind, ...pending, count: pending.count ?? (p.plural ? 2 : 1) });
        pending = {};
        pendingWords = [];
        break;
      }
      case "motion":
        if (subjects.length > 0 && Object.keys(pending).length === 0) {
          setOnce(subjects[subjects.length - 1]!, "motion", p.value as string, words);
        } else {
          setOnce(pending, "motion", p.value as string, words);
          pendingWords.push(words);
        }
        break;
      case "scene":
        if (scene !== null && scene !== p.value) problems.push(`more than one scene ('${words}' ignored)`);
        scene ??= p.value as string;
        break;
      case "relation":
        relations.push({ value: p.value as string, words, before: subjects.length });
        break;
      case "camera":
        if (camera !== null && camera !== p.value) {
          problems.push(`more than one camera move ('${words}' ignored)`);
          break;
        }
        camera = p.value as string;
        awaitingTarget = g.attributes.targeted_camera_moves.includes(camera);
        break;
      case "filler":
        break;
    }
  }

  const unknown = unknownAt.sort((a, b) => a[0] - b[0]).map(([, t]) => t);
  if (pendingWords.length > 0) problems.push(`'${pendingWords.join(" ")}' is not followed by an object`);
  if (subjects.length === 0) return { spec: null, unknown, problems: [...problems, "no object named"] };
  const built: ParsedSubject[] = subjects.map((s) => ({
    kind: s.kind,
    colour: s.colour ?? null,
    size: s.size ?? "medium",
    motion: s.motion ?? null,
    count: s.count,
  }));
  let relation: string | null = null;
  if (relations.length > 1) problems.push("more than one relation (only the first is used)");
  const first = relations[0];
  if (first) {
    if (first.before === 1 && built.length === 2 && built.every((s) => s.count === 1)) relation = first.value;
    else problems.push(`'${first.words}' needs exactly two single objects, one on each side`);
  }
  if (built.reduce((n, s) => n + s.count, 0) > MAX_OBJECTS) {
    problems.push("more than three objects");
    return { spec: null, unknown, problems };
  }
  if (camera === null || camera === "static" || target >= built.length) target = 0;
  const filmed = camera !== null && camera !== "static" ? { camera, camera_target: target } : {};
  return { spec: { subjects: built, scene, relation, ...filmed }, unknown, problems };
}
