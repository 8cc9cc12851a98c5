/**
 * In-memory OnlineStore: feature vectors per (entity, id), merged field by field on put, expiring
 * `ttlMs` after their last write (checked on read, and swept periodically so memory stays bounded).
 *
 * With `snapshotPath` (the embedded profile sets it under the data dir) the vectors survive a
 * restart: they are loaded on start and written (temp file + rename, so a reader never sees half a
 * file) every `snapshotIntervalMs` and on close. A crash loses the writes since the last snapshot,
 * so the store declares `durable = false` and writers that resume from committed log offsets
 * rebuild what it lost (the features job re-applies the retained log, idempotently).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { validateConfig } from '../../schema/config-validation.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { FeatureRecord, FeatureValue, FeatureWrite, OnlineStore } from '../contracts/online-store.ts';
import { ENTITY_NAME } from '../contracts/online-store.ts';
import { counter, gauge } from '../support/metrics.ts';

export const memoryOnlineStoreConfigSchema = z.object({
  /** How often expired vectors are removed. */
  sweepIntervalMs: z.number().int().min(10).default(30_000),
  /** File the vectors are snapshotted to and loaded from; absent: memory only. */
  snapshotPath: z.string().min(1).optional(),
  /** How often a snapshot is written while running (also on close). */
  snapshotIntervalMs: z.number().int().min(100).default(15_000),
}).strict();

const SnapshotSchema = z.object({
  format: z.literal(1),
  entries: z.array(z.tuple([
    z.string(), z.string(),
    z.object({ values: z.record(z.string(), z.union([z.number(), z.string(), z.null()])), updatedAt: z.number(), expiresAt: z.number() }),
  ])),
});

export type MemoryOnlineStoreConfig = z.output<typeof memoryOnlineStoreConfigSchema>;

interface Entry {
  values: Record<string, FeatureValue>;
  updatedAt: number;
  expiresAt: number;
}

export class MemoryOnlineStore implements OnlineStore {
  readonly capability = 'onlineStore' as const;
  readonly kind = 'memory';
  readonly durable = false;
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: MemoryOnlineStoreConfig;
  readonly #log: Logger;
  /** entity -> id -> entry */
  readonly #data = new Map<string, Map<string, Entry>>();
  readonly #metrics;
  #timer: NodeJS.Timeout | null = null;
  #snapshotTimer: NodeJS.Timeout | null = null;
  #snapshotChain: Promise<void> = Promise.resolve();
  #dirty = false;
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(config: MemoryOnlineStoreConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ impl: 'onlineStore/memory' });
    this.#metrics = {
      reads: counter(ctx.metrics, 'gofuture_online_store_reads_total', 'Feature vectors requested, by result', ['result']),
      writes: counter(ctx.metrics, 'gofuture_online_store_writes_total', 'Feature vector writes', []),
      size: gauge(ctx.metrics, 'gofuture_online_store_entries', 'Feature vectors held', []),
    };
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw new PlatformError('CONNECTOR_NOT_STARTED', 'onlineStore/memory is closed');
    if (this.#state === 'started') return;
    if (this.#config.snapshotPath) await this.#load(this.#config.snapshotPath);
    this.#state = 'started';
    this.#timer = setInterval(() => this.sweep(), this.#config.sweepIntervalMs);
    this.#timer.unref();
    if (this.#config.snapshotPath) {
      this.#snapshotTimer = setInterval(() => void this.snapshot().catch((e: unknown) => this.#log.warn({ err: String(e) }, 'online store snapshot failed')), this.#config.snapshotIntervalMs);
      this.#snapshotTimer.unref();
    }
  }

  /** Writes the snapshot now (no-op without `snapshotPath` or when nothing changed since the last one). */
  snapshot(): Promise<void> {
    const path = this.#config.snapshotPath;
    if (!path) return Promise.resolve();
    const run = async (): Promise<void> => {
      if (!this.#dirty) return;
      this.#dirty = false;
      const now = Date.now();
      const entries: [string, string, Entry][] = [];
      for (const [entity, byId] of this.#data) for (const [id, e] of byId) if (e.expiresAt > now) entries.push([entity, id, e]);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      await writeFile(tmp, JSON.stringify({ format: 1, entries }));
      await rename(tmp, path);
      this.#log.debug({ vectors: entries.length, path }, 'online store snapshot written');
    };
    const next = this.#snapshotChain.then(run, run);
    this.#snapshotChain = next.catch(() => undefined);
    return next;
  }

  async #load(path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let parsed: z.output<typeof SnapshotSchema>;
    try {
      parsed = SnapshotSchema.parse(JSON.parse(text));
    } catch (e) {
      this.#log.warn({ path, err: String(e) }, 'online store snapshot unreadable; starting empty');
      return;
    }
    const now = Date.now();
    for (const [entity, id, e] of parsed.entries) {
      if (e.expiresAt <= now) continue;
      let byId = this.#data.get(entity);
      if (!byId) this.#data.set(entity, (byId = new Map()));
      byId.set(id, { values: e.values, updatedAt: e.updatedAt, expiresAt: e.expiresAt });
    }
    this.#metrics.size.set(this.#size());
    this.#log.info({ vectors: this.#size(), path }, 'online store snapshot loaded');
  }

  async health(): Promise<HealthReport> {
    if (this.#state !== 'started') return { ok: false, detail: this.#state === 'new' ? 'not started' : 'closed' };
    return { ok: true, detail: `${this.#size()} vectors in memory` };
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#snapshotTimer) clearInterval(this.#snapshotTimer);
    this.#timer = null;
    this.#snapshotTimer = null;
    if (this.#state === 'started') await this.snapshot();
    this.#state = 'closed';
    this.#data.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async put(writes: readonly FeatureWrite[]): Promise<void> {
    this.#check();
    const now = Date.now();
    for (const w of writes) {
      if (!ENTITY_NAME.test(w.entity)) throw new PlatformError('BAD_USER_INPUT', `entity ${JSON.stringify(w.entity)} must match ${ENTITY_NAME}`, { entity: w.entity });
      if (!(w.ttlMs > 0)) throw new PlatformError('BAD_USER_INPUT', `put ${w.entity}/${w.id}: ttlMs must be positive`, { entity: w.entity, id: w.id });
    }
    for (const w of writes) {
      let byId = this.#data.get(w.entity);
      if (!byId) this.#data.set(w.entity, (byId = new Map()));
      const old = byId.get(w.id);
      const values = old && old.expiresAt > now ? { ...old.values, ...w.values } : { ...w.values };
      byId.set(w.id, { values, updatedAt: now, expiresAt: now + w.ttlMs });
    }
    this.#dirty = true;
    this.#metrics.writes.inc(writes.length);
    this.#metrics.size.set(this.#size());
  }

  async getMany(entity: string, ids: readonly string[]): Promise<(FeatureRecord | null)[]> {
    this.#check();
    const now = Date.now();
    const byId = this.#data.get(entity);
    let hits = 0;
    const out = ids.map((id): FeatureRecord | null => {
      const e = byId?.get(id);
      if (!e || e.expiresAt <= now) return null;
      hits++;
      return { values: { ...e.values }, updatedAt: e.updatedAt };
    });
    this.#metrics.reads.inc({ result: 'hit' }, hits);
    this.#metrics.reads.inc({ result: 'miss' }, ids.length - hits);
    return out;
  }

  async delete(entity: string, ids: readonly string[]): Promise<void> {
    this.#check();
    const byId = this.#data.get(entity);
    if (!byId) return;
    for (const id of ids) byId.delete(id);
    this.#dirty = true;
    if (byId.size === 0) this.#data.delete(entity);
    this.#metrics.size.set(this.#size());
  }

  /** Removes expired vectors now (the timer calls it every `sweepIntervalMs`). */
  sweep(now = Date.now()): number {
    let removed = 0;
    for (const [entity, byId] of this.#data) {
      for (const [id, e] of byId) {
        if (e.expiresAt <= now) {
          byId.delete(id);
          removed++;
        }
      }
      if (byId.size === 0) this.#data.delete(entity);
    }
    if (removed > 0) this.#log.debug({ removed }, 'expired feature vectors swept');
    this.#metrics.size.set(this.#size());
    return removed;
  }

  #size(): number {
    let n = 0;
    for (const byId of this.#data.values()) n += byId.size;
    return n;
  }

  #check(): void {
    if (this.#state !== 'started') throw new PlatformError('CONNECTOR_NOT_STARTED', `onlineStore/memory is ${this.#state === 'new' ? 'not started' : 'closed'}`);
  }
}

export function createMemoryOnlineStore(config: z.input<typeof memoryOnlineStoreConfigSchema>, ctx: ConnectorContext): MemoryOnlineStore {
  return new MemoryOnlineStore(validateConfig(memoryOnlineStoreConfigSchema, config, 'connectors.onlineStore'), ctx);
}
