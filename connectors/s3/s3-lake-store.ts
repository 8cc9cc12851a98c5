/**
 * S3 LakeStore (services profile) over @aws-sdk/client-s3. `putIfAbsent` is a conditional PUT
 * (`If-None-Match: *`): the server creates the object only when the key is free, and answers
 * 412 PreconditionFailed (or 409 ConditionalRequestConflict while another conditional write of the
 * key is in flight) otherwise, so of racing writers exactly one wins.
 */
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { LakeObjectInfo, LakeStore } from '../contracts/lake-store.ts';
import { lakeKeyProblem } from '../contracts/lake-store.ts';
import { counter } from '../support/metrics.ts';
import { requireFeature } from '../support/unsupported.ts';
import type { S3LakeStoreConfig } from './s3-config.ts';

function status(e: unknown): number | undefined {
  return e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
}

function named(e: unknown, ...names: string[]): boolean {
  return e instanceof Error && names.includes(e.name);
}

export class S3LakeStore implements LakeStore {
  readonly capability = 'lakeStore' as const;
  readonly kind = 's3';
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: S3LakeStoreConfig;
  readonly #log: Logger;
  readonly #ops;
  #client: S3Client | null = null;
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(config: S3LakeStoreConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ impl: 'lakeStore/s3', bucket: config.bucket });
    this.#ops = counter(ctx.metrics, 'gofuture_lake_store_ops_total', 'LakeStore operations, by operation and result', ['op', 'result']);
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw new PlatformError('CONNECTOR_NOT_STARTED', 'lakeStore/s3 is closed');
    if (this.#state === 'started') return;
    const c = this.#config;
    const client = new S3Client({
      region: c.region,
      ...(c.endpoint ? { endpoint: c.endpoint } : {}),
      forcePathStyle: c.forcePathStyle,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
      maxAttempts: c.maxAttempts,
      // checksums only when the operation requires them (local S3 servers differ in what they accept)
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      await client.send(new HeadBucketCommand({ Bucket: c.bucket }));
    } catch (e) {
      const missing = status(e) === 404 || named(e, 'NotFound', 'NoSuchBucket');
      if (!missing || !c.createBucket) {
        client.destroy();
        throw new PlatformError('CONNECTOR_UNAVAILABLE', `lakeStore/s3: bucket ${c.bucket} at ${c.endpoint ?? 'AWS'}: ${String(e)}`, {}, { cause: e });
      }
      try {
        await client.send(new CreateBucketCommand({ Bucket: c.bucket }));
      } catch (e2) {
        if (!named(e2, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) {
          client.destroy();
          throw new PlatformError('CONNECTOR_UNAVAILABLE', `lakeStore/s3: cannot create bucket ${c.bucket}: ${String(e2)}`, {}, { cause: e2 });
        }
      }
    }
    this.#client = client;
    this.#state = 'started';
    this.#log.debug({ endpoint: c.endpoint }, 'started');
  }

  async health(): Promise<HealthReport> {
    if (this.#state !== 'started' || !this.#client) return { ok: false, detail: this.#state === 'new' ? 'not started' : 'closed' };
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#config.bucket }));
      return { ok: true, detail: `s3://${this.#config.bucket}/${this.#config.prefix}` };
    } catch (e) {
      return { ok: false, detail: String(e) };
    }
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    this.#client?.destroy();
    this.#client = null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  localPath(_key: string): string {
    requireFeature(this, 'localPath');
    return '';
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.#s3().send(new PutObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key), Body: bytes, ContentLength: bytes.byteLength }));
    this.#ops.inc({ op: 'put', result: 'ok' });
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    try {
      await this.#s3().send(new PutObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key), Body: bytes, ContentLength: bytes.byteLength, IfNoneMatch: '*' }));
      this.#ops.inc({ op: 'putIfAbsent', result: 'created' });
      return true;
    } catch (e) {
      if (status(e) === 412 || status(e) === 409 || named(e, 'PreconditionFailed', 'ConditionalRequestConflict')) {
        this.#ops.inc({ op: 'putIfAbsent', result: 'exists' });
        return false;
      }
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const r = await this.#s3().send(new GetObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key) }));
      const body = r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
      this.#ops.inc({ op: 'get', result: 'ok' });
      return body;
    } catch (e) {
      if (status(e) === 404 || named(e, 'NoSuchKey', 'NotFound')) {
        this.#ops.inc({ op: 'get', result: 'missing' });
        return null;
      }
      throw e;
    }
  }

  async list(prefix: string): Promise<LakeObjectInfo[]> {
    const client = this.#s3();
    const base = this.#config.prefix;
    const out: LakeObjectInfo[] = [];
    let token: string | undefined;
    do {
      const r = await client.send(new ListObjectsV2Command({ Bucket: this.#config.bucket, Prefix: base + prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of r.Contents ?? []) {
        if (!o.Key || !o.Key.startsWith(base)) continue;
        out.push({ key: o.Key.slice(base.length), size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#ops.inc({ op: 'list', result: 'ok' });
    return out;
  }

  async delete(key: string): Promise<void> {
    await this.#s3().send(new DeleteObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key) }));
    this.#ops.inc({ op: 'delete', result: 'ok' });
  }

  #s3(): S3Client {
    if (this.#state !== 'started' || !this.#client) throw new PlatformError('CONNECTOR_NOT_STARTED', `lakeStore/s3 is ${this.#state === 'new' ? 'not started' : 'closed'}`);
    return this.#client;
  }

  #key(key: string): string {
    const problem = lakeKeyProblem(key);
    if (problem) throw new PlatformError('LAKE_KEY_INVALID', `invalid lake key "${key}": ${problem}`, { key });
    return this.#config.prefix + key;
  }
}
