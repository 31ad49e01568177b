// Types of ./supervise.mjs (plain JavaScript: the launcher runs before any TypeScript loader).
import type { SpawnOptions } from "node:child_process";

export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number;

export interface SuperviseOptions {
  name: string;
  command: string;
  args: string[];
  spawnOptions?: SpawnOptions;
  log(line: string): void;
  restarts?: number;
  windowMs?: number;
  delayMs?: number;
  fatalStatuses?: number[];
  onGiveUp?(reason: string, status: number): void;
}

export interface Supervised {
  pid(): number | undefined;
  restarts(): number;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export function supervise(options: SuperviseOptions): Supervised;
