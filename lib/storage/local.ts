/**
 * The local-disk store: objects are files under one folder, at their keys. Workers on the same
 * host write their runs into that very folder, so putting a finished file is a no-op.
 */
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";

import { isId } from "../db/ids";
import { assertMediaKey, type MediaStore, type StoredObject } from "./store";

export class LocalMediaStore implements MediaStore {
  readonly kind = "local";

  constructor(readonly root: string) {}

  get where(): string {
    return this.root;
  }

  /** The file of a key: checked, so never outside the root. */
  file(key: string): string {
    assertMediaKey(key);
    return path.join(this.root, ...key.split("/"));
  }

  async put(key: string, file: string): Promise<void> {
    const target = this.file(key);
    if (path.resolve(file) === target) return;
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 }); // private clips: the owner's alone
    await rename(file, target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== "EXDEV") throw err;
      await copyFile(file, target); // another file system
      await rm(file, { force: true });
    });
  }

  async head(key: string): Promise<StoredObject | null> {
    const info = await stat(this.file(key)).catch(() => null);
    if (!info?.isFile()) return null;
    // Size and mtime: the file is written once (by rename) and never changed.
    return { size: info.size, etag: `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`, lastModified: info.mtime };
  }

  async read(key: string, range?: { start: number; end: number }): Promise<ReadableStream<Uint8Array>> {
    return Readable.toWeb(createReadStream(this.file(key), range)) as ReadableStream<Uint8Array>;
  }

  async remove(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const file = this.file(key);
      await rm(file, { force: true });
      dirs.add(path.dirname(file));
    }
    for (const dir of dirs) await rmdir(dir).catch(() => {}); // not empty, or gone: fine
  }

  async listJob(jobId: string): Promise<string[]> {
    if (!isId(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
    const names = await readdir(path.join(this.root, jobId)).catch(() => [] as string[]);
    return names.map((n) => `${jobId}/${n}`).filter((k) => /^[^/]+\/[A-Za-z0-9_-]{24}\.[a-z0-9]+$/.test(k));
  }

  async jobIds(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && isId(e.name)).map((e) => e.name);
  }
}
