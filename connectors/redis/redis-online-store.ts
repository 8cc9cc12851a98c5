/**
 * OnlineStore on Redis (ioredis), for the `services` profile.
 *
 * - One HASH per vector at `<keyPrefix><entity>:<id>`: each feature is a field holding its value
 *   JSON-encoded (so numbers, strings and null come back as they went in), plus the reserved field
 *   `@updatedAt` (epoch ms of the last write).
 * - put(): ONE pipeline for the whole batch, HSET (merges field by field) + PEXPIRE (the ttl runs
 *   from this write) per write. Redis expires the key: a write after expiry starts a fresh vector.
 * - getMany(): ONE pipeline of HGETALL, one per distinct id: one round trip. delete(): one DEL.
 */
import type { Logger } from 'pino';
import { validateConfig } from '../../schema/config-validation.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { FeatureRecord, FeatureValue, FeatureWrite, OnlineStore } from '../contracts/online-store.ts';
import { counter, histogram } from '../support/metrics.ts';
import { redisOnlineStoreConfigSchema, type RedisOnlineStoreConfig, type RedisOnlineStoreConfigInput } from './redis-config.ts';
import { RedisConnection } from './redis-connection.ts';

/** The hash field holding the epoch ms of the last write (no feature may be called this). */
export const UPDATED_AT_FIELD = '@updatedAt';

type Op = 'put' | 'getMany' | 'delete';

export class RedisOnlineStore implements OnlineStore {
  readonly capability = 'onlineStore' as const;
  readonly kind = 'redis';
  readonly durable = true;
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: RedisOnlineStoreConfig;
  readonly #log: Logger;
  readonly #conn: RedisConnection;
  readonly #metrics;
  #starting: Promise<void> | null = null;
  #started = false;
  #closing: Promise<void> | null = null;

  constructor(config: RedisOnlineStoreConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ impl: 'onlineStore/redis' });
    this.#conn = new RedisConnection(config, 'onlineStore/redis', 'online-store', this.#log);
    this.#metrics = {
      ops: counter(ctx.metrics, 'gofuture_online_store_ops_total', 'Online store operations (one Redis round trip each), by operation', ['op']),
      errors: counter(ctx.metrics, 'gofuture_online_store_op_errors_total', 'Online store operations that failed, by operation', ['op']),
      keys: counter(ctx.metrics, 'gofuture_online_store_keys_total', 'Feature vectors (keys) touched, by operation', ['op']),
      duration: histogram(ctx.metrics, 'gofuture_online_store_op_duration_seconds', 'Latency of online store operations, by operation', ['op'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]),
      reads: counter(ctx.metrics, 'gofuture_online_store_reads_total', 'Feature vectors requested, by result', ['result']),
      writes: counter(ctx.metrics, 'gofuture_online_store_writes_total', 'Feature vector writes', []),
    };
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'onlineStore/redis is closed'));
    this.#starting ??= this.#conn.open().then(
      () => {
        this.#started = true;
        this.#log.info({ url: this.#conn.url, keyPrefix: this.#config.keyPrefix }, 'redis online store connected');
      },
      (e: unknown) => {
        this.#starting = null;
        throw e;
      },
    );
    return this.#starting;
  }

  async health(): Promise<HealthReport> {
    if (!this.#started || this.#closing) return { ok: false, detail: this.#closing ? 'closed' : 'not started' };
    const t0 = performance.now();
    try {
      await this.#conn.client.ping();
      return { ok: true, detail: `redis at ${this.#conn.url}, ping ${(performance.now() - t0).toFixed(1)} ms` };
    } catch (e) {
      return { ok: false, detail: this.#conn.failure('ping', e).message };
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      this.#started = false;
      await this.#conn.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The Redis key of one vector. */
  keyOf(entity: string, id: string): string {
    return `${this.#config.keyPrefix}${entity}:${id}`;
  }

  async put(writes: readonly FeatureWrite[]): Promise<void> {
    this.#check();
    for (const w of writes) checkWrite(w);
    if (writes.length === 0) return;
    const now = Date.now();
    const pipeline = this.#conn.client.pipeline();
    for (const w of writes) {
      const key = this.keyOf(w.entity, w.id);
      const fields: Record<string, string> = { [UPDATED_AT_FIELD]: String(now) };
      for (const [name, value] of Object.entries(w.values)) fields[name] = JSON.stringify(value);
      pipeline.hset(key, fields);
      pipeline.pexpire(key, Math.ceil(w.ttlMs));
    }
    await this.#run('put', writes.length, () => pipeline.exec());
    this.#metrics.writes.inc(writes.length);
  }

  async getMany(entity: string, ids: readonly string[]): Promise<(FeatureRecord | null)[]> {
    this.#check();
    checkEntity(entity);
    if (ids.length === 0) return [];
    const distinct = [...new Set(ids)];
    const pipeline = this.#conn.client.pipeline();
    for (const id of distinct) pipeline.hgetall(this.keyOf(entity, id));
    const replies = await this.#run('getMany', distinct.length, () => pipeline.exec());
    const byId = new Map<string, Record<string, string>>();
    distinct.forEach((id, i) => {
      const hash = replies[i]?.[1];
      if (isStringRecord(hash)) byId.set(id, hash);
    });
    let hits = 0;
    const out = ids.map((id): FeatureRecord | null => {
      const hash = byId.get(id);
      if (!hash || Object.keys(hash).length === 0) return null; // missing or expired
      hits++;
      return decodeRecord(hash); // decoded per occurrence: every result is its own object
    });
    this.#metrics.reads.inc({ result: 'hit' }, hits);
    this.#metrics.reads.inc({ result: 'miss' }, ids.length - hits);
    return out;
  }

  async delete(entity: string, ids: readonly string[]): Promise<void> {
    this.#check();
    checkEntity(entity);
    if (ids.length === 0) return;
    const keys = [...new Set(ids)].map((id) => this.keyOf(entity, id));
    const pipeline = this.#conn.client.pipeline();
    pipeline.del(...keys);
    await this.#run('delete', keys.length, () => pipeline.exec());
  }

  /** Runs one pipeline: metrics, and any failed command (or the transport) as CONNECTOR_UNAVAILABLE. */
  async #run(op: Op, keys: number, exec: () => Promise<[Error | null, unknown][] | null>): Promise<[Error | null, unknown][]> {
    const end = this.#metrics.duration.startTimer({ op });
    this.#metrics.ops.inc({ op });
    this.#metrics.keys.inc({ op }, keys);
    try {
      const replies = (await exec()) ?? [];
      const failed = replies.find(([err]) => err !== null)?.[0];
      if (failed) throw failed;
      return replies;
    } catch (e) {
      this.#metrics.errors.inc({ op });
      throw this.#conn.failure(op, e);
    } finally {
      end();
    }
  }

  #check(): void {
    if (!this.#started || this.#closing) throw new PlatformError('CONNECTOR_NOT_STARTED', `onlineStore/redis is ${this.#closing ? 'closed' : 'not started'}`);
  }
}

function checkEntity(entity: string): void {
  // `<entity>:<id>` must name one vector only: entity "a:b" + id "c" would be entity "a" + id "b:c"
  if (entity === '' || entity.includes(':')) throw new PlatformError('BAD_USER_INPUT', `entity ${JSON.stringify(entity)} must be non-empty and contain no ':'`, { entity });
}

function checkWrite(w: FeatureWrite): void {
  checkEntity(w.entity);
  const where = `put ${w.entity}/${w.id}`;
  if (!(w.ttlMs > 0) || !Number.isFinite(w.ttlMs)) throw new PlatformError('BAD_USER_INPUT', `${where}: ttlMs must be positive`, { entity: w.entity, id: w.id });
  for (const [name, value] of Object.entries(w.values)) {
    if (name === UPDATED_AT_FIELD) throw new PlatformError('BAD_USER_INPUT', `${where}: "${UPDATED_AT_FIELD}" is reserved, not a feature name`, { entity: w.entity, id: w.id });
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new PlatformError('BAD_USER_INPUT', `${where}: feature "${name}" is ${value}; only finite numbers, strings and null are stored`, { entity: w.entity, id: w.id, feature: name });
    }
  }
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodeValue(raw: string): FeatureValue {
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  } catch {
    // not written by us: hand the text back as it is
  }
  return raw;
}

function decodeRecord(hash: Record<string, string>): FeatureRecord {
  const values: Record<string, FeatureValue> = {};
  let updatedAt = 0;
  for (const [field, raw] of Object.entries(hash)) {
    if (field === UPDATED_AT_FIELD) updatedAt = Number(raw) || 0;
    else values[field] = decodeValue(raw);
  }
  return { values, updatedAt };
}

export function createRedisOnlineStore(config: RedisOnlineStoreConfigInput, ctx: ConnectorContext): RedisOnlineStore {
  return new RedisOnlineStore(validateConfig(redisOnlineStoreConfigSchema, config, 'connectors.onlineStore'), ctx);
}
