/**
 * Disk use per owner: the sizes of their live clips' files, as the media store reports them
 * (a stat on local disk, a HEAD on S3), a few at a time.
 */
import { liveMediaKeys } from "../db/admin-jobs";
import type { Db } from "../db/client";
import { mediaStore, type MediaStore } from "../storage";

export interface DiskUse {
  bytes: number;
  clips: number;
}

export async function diskUse(input: { callerId?: string; store?: MediaStore; db?: Db } = {}): Promise<Map<string, DiskUse>> {
  const store = input.store ?? mediaStore();
  const clips = await liveMediaKeys({ callerId: input.callerId, db: input.db });
  const out = new Map<string, DiskUse>();
  const tasks = clips.flatMap((c) => c.keys.map((key) => ({ callerId: c.callerId, key })));
  for (const c of clips) {
    const e = out.get(c.callerId) ?? { bytes: 0, clips: 0 };
    e.clips++;
    out.set(c.callerId, e);
  }
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++]!;
      const head = await store.head(t.key).catch(() => null);
      if (head) out.get(t.callerId)!.bytes += head.size;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}
