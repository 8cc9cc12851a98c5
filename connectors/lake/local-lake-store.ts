/**
 * Local-disk LakeStore (embedded default): one file per object under `root` (`<dataDir>/lake`).
 * `put` writes a temp file in `<root>/.tmp/`, fsyncs it and renames it over the key. `putIfAbsent`
 * writes and fsyncs a temp file, then `link()`s it to the key: link fails with EEXIST atomically
 * when the key exists, so of racing writers exactly one wins, and a crash leaves either no
 * object or a whole one. Temp files of a crashed writer are swept at start.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, link, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { LakeObjectInfo, LakeStore } from '../contracts/lake-store.ts';
import { LAKE_STORE_FEATURES, lakeKeyProblem } from '../contracts/lake-store.ts';
import { counter } from '../support/metrics.ts';

export const localLakeStoreConfigSchema = z.object({
  /** The folder holding every object (`<dataDir>/lake`). */
  root: z.string().min(1),
}).strict();

export type LocalLakeStoreConfig = z.output<typeof localLakeStoreConfigSchema>;

const TMP = '.tmp';
/** A temp file older than this belongs to a dead writer. */
const STALE_TMP_MS = 60 * 60 * 1000;

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

export class LocalLakeStore implements LakeStore {
  readonly capability = 'lakeStore' as const;
  readonly kind = 'local';
  readonly features: ReadonlySet<string> = new Set<string>([LAKE_STORE_FEATURES.localPath]);

  readonly #root: string;
  readonly #log: Logger;
  readonly #ops;
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(config: LocalLakeStoreConfig, ctx: ConnectorContext) {
    this.#root = path.resolve(config.root);
    this.#log = ctx.logger.child({ impl: 'lakeStore/local' });
    this.#ops = counter(ctx.metrics, 'gofuture_lake_store_ops_total', 'LakeStore operations, by operation and result', ['op', 'result']);
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw new PlatformError('CONNECTOR_NOT_STARTED', 'lakeStore/local is closed');
    if (this.#state === 'started') return;
    await mkdir(path.join(this.#root, TMP), { recursive: true });
    // temp files left by a writer killed before its rename/link (never visible under a key); only old
    // ones, since another process may be writing into the same folder right now
    const tmpDir = path.join(this.#root, TMP);
    for (const f of await readdir(tmpDir)) {
      const s = await stat(path.join(tmpDir, f)).catch(() => null);
      if (s && Date.now() - s.mtimeMs > STALE_TMP_MS) await rm(path.join(tmpDir, f), { force: true });
    }
    this.#state = 'started';
    this.#log.debug({ root: this.#root }, 'started');
  }

  async health(): Promise<HealthReport> {
    if (this.#state !== 'started') return { ok: false, detail: this.#state === 'new' ? 'not started' : 'closed' };
    try {
      await stat(this.#root);
      return { ok: true, detail: this.#root };
    } catch (e) {
      return { ok: false, detail: `${this.#root}: ${String(e)}` };
    }
  }

  async close(): Promise<void> {
    this.#state = 'closed';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  localPath(key: string): string {
    this.#check(key);
    return path.join(this.#root, ...key.split('/'));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.#file(key);
    const tmp = await this.#writeTemp(bytes);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    this.#ops.inc({ op: 'put', result: 'ok' });
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const file = this.#file(key);
    const tmp = await this.#writeTemp(bytes);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await link(tmp, file);
      this.#ops.inc({ op: 'putIfAbsent', result: 'created' });
      return true;
    } catch (e) {
      if (isCode(e, 'EEXIST')) {
        this.#ops.inc({ op: 'putIfAbsent', result: 'exists' });
        return false;
      }
      throw e;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const file = this.#file(key);
    try {
      const b = await readFile(file);
      this.#ops.inc({ op: 'get', result: 'ok' });
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if (isCode(e, 'ENOENT') || isCode(e, 'EISDIR')) {
        this.#ops.inc({ op: 'get', result: 'missing' });
        return null;
      }
      throw e;
    }
  }

  async list(prefix: string): Promise<LakeObjectInfo[]> {
    this.#started();
    // walk the deepest folder the prefix names whole, filter by the rest
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    if (dirKey !== '') this.#check(dirKey);
    const out: LakeObjectInfo[] = [];
    await this.#walk(dirKey, prefix, out);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#ops.inc({ op: 'list', result: 'ok' });
    return out;
  }

  async delete(key: string): Promise<void> {
    const file = this.#file(key);
    await rm(file, { force: true });
    this.#ops.inc({ op: 'delete', result: 'ok' });
  }

  async #walk(dirKey: string, prefix: string, out: LakeObjectInfo[]): Promise<void> {
    const dir = dirKey === '' ? this.#root : path.join(this.#root, ...dirKey.split('/'));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isCode(e, 'ENOENT') || isCode(e, 'ENOTDIR')) return;
      throw e;
    }
    for (const entry of entries) {
      if (dirKey === '' && entry.name === TMP) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        // descend only where keys below can still match the prefix
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.#walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        try {
          const s = await stat(path.join(dir, entry.name));
          out.push({ key, size: s.size, lastModified: Math.floor(s.mtimeMs) });
        } catch (e) {
          if (!isCode(e, 'ENOENT')) throw e; // deleted while listing
        }
      }
    }
  }

  async #writeTemp(bytes: Uint8Array): Promise<string> {
    const tmp = path.join(this.#root, TMP, `${randomUUID()}.tmp`);
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    return tmp;
  }

  #started(): void {
    if (this.#state !== 'started') throw new PlatformError('CONNECTOR_NOT_STARTED', `lakeStore/local is ${this.#state === 'new' ? 'not started' : 'closed'}`);
  }

  #check(key: string): void {
    const problem = lakeKeyProblem(key);
    if (problem) throw new PlatformError('LAKE_KEY_INVALID', `invalid lake key "${key}": ${problem}`, { key });
  }

  #file(key: string): string {
    this.#started();
    this.#check(key);
    if (key === TMP || key.startsWith(`${TMP}/`)) throw new PlatformError('LAKE_KEY_INVALID', `invalid lake key "${key}": ${TMP} is reserved`, { key });
    return path.join(this.#root, ...key.split('/'));
  }
}

export function createLocalLakeStore(config: LocalLakeStoreConfig, ctx: ConnectorContext): LocalLakeStore {
  return new LocalLakeStore(config, ctx);
}
