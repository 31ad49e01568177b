/**
 * The S3-compatible store (AWS S3, MinIO, Ceph, R2, ...) through @aws-sdk/client-s3. Objects
 * are "<prefix><key>". Uploads send a known length from the file and no trailing checksums
 * (requestChecksumCalculation WHEN_REQUIRED): several S3-compatible servers refuse the SDK's
 * default aws-chunked uploads.
 */
import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";

import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";

import { isId } from "../db/ids";
import { assertMediaKey, contentTypeOf, type MediaStore, type StoredObject } from "./store";

export interface S3StoreOptions {
  bucket: string;
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  prefix: string; // "" or "folder/"
  forcePathStyle: boolean;
}

export class S3MediaStore implements MediaStore {
  readonly kind = "s3";
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(o: S3StoreOptions) {
    const config: S3ClientConfig = {
      region: o.region,
      endpoint: o.endpoint,
      forcePathStyle: o.forcePathStyle,
      credentials: o.credentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
    this.#client = new S3Client(config);
    this.#bucket = o.bucket;
    this.#prefix = o.prefix;
  }

  get where(): string {
    return `s3://${this.#bucket}/${this.#prefix}`;
  }

  #name(key: string): string {
    assertMediaKey(key);
    return this.#prefix + key;
  }

  async put(key: string, file: string): Promise<void> {
    const { size } = await stat(file);
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: this.#name(key),
        Body: createReadStream(file),
        ContentLength: size,
        ContentType: contentTypeOf(key),
      }),
    );
    await rm(file, { force: true });
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const r = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#name(key) }));
      return { size: r.ContentLength ?? 0, etag: r.ETag ?? `"${r.ContentLength}"`, lastModified: r.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<ReadableStream<Uint8Array>> {
    const r = await this.#client.send(
      new GetObjectCommand({ Bucket: this.#bucket, Key: this.#name(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
    );
    if (!r.Body) throw new Error(`s3: no body for ${key}`);
    return r.Body.transformToWebStream() as ReadableStream<Uint8Array>;
  }

  async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000).map((k) => ({ Key: this.#name(k) }));
      if (batch.length === 0) continue;
      const r = await this.#client.send(new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: batch, Quiet: true } }));
      if (r.Errors?.length) throw new Error(`s3: could not delete ${r.Errors.map((e) => `${e.Key}: ${e.Code}`).join(", ")}`);
    }
  }

  async listJob(jobId: string): Promise<string[]> {
    if (!isId(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
    const keys: string[] = [];
    await this.#list(`${this.#prefix}${jobId}/`, undefined, (r) => {
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.#prefix.length));
    });
    return keys;
  }

  async jobIds(): Promise<string[]> {
    const ids: string[] = [];
    await this.#list(this.#prefix, "/", (r) => {
      for (const p of r.CommonPrefixes ?? []) {
        const id = p.Prefix?.slice(this.#prefix.length, -1);
        if (isId(id)) ids.push(id);
      }
    });
    return ids;
  }

  async #list(prefix: string, delimiter: string | undefined, page: (r: { Contents?: { Key?: string }[]; CommonPrefixes?: { Prefix?: string }[] }) => void) {
    let token: string | undefined;
    do {
      const r = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }),
      );
      page(r);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}
