/**
 * The lake's catalogue: Delta tables by name over one LakeStore, a scratch folder for staging
 * Parquet files and for caching remote objects, and an in-memory DuckDB for writers that have no
 * connection of their own (appendRows).
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { PlatformError } from '../../../schema/errors.ts';
import type { LakeStore } from '../../../connectors/contracts/lake-store.ts';
import { LAKE_STORE_FEATURES } from '../../../connectors/contracts/lake-store.ts';
import { DeltaTable } from './delta-table.ts';
import type { DeltaFile } from './snapshot.ts';

export interface LakeOptions {
  /** Staging and cache folder (default: a folder under the OS temp dir). */
  readonly scratchDir?: string;
  readonly logger?: Logger;
}

export class LakeTables implements AsyncDisposable {
  readonly store: LakeStore;
  readonly scratchDir: string;
  readonly logger: Logger;
  readonly #tables = new Map<string, DeltaTable>();
  #duck: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> | null = null;
  #checkpointConn: Promise<DuckDBConnection> | null = null;
  #checkpointChain: Promise<unknown> = Promise.resolve();

  constructor(store: LakeStore, o: LakeOptions = {}) {
    this.store = store;
    this.scratchDir = path.resolve(o.scratchDir ?? path.join(tmpdir(), `gofuture-lake-${process.pid}`));
    this.logger = (o.logger ?? pino({ level: 'silent' })).child({ component: 'lake' });
  }

  /** The table named `name` (whether or not it exists yet; the first write creates it). */
  table(name: string): DeltaTable {
    let t = this.#tables.get(name);
    if (!t) {
      t = new DeltaTable(name, { store: this.store, scratchDir: this.scratchDir, logger: this.logger, withConnection: (fn) => this.#withCheckpointConnection(fn) });
      this.#tables.set(name, t);
    }
    return t;
  }

  /** Names of the tables that have a commit, sorted. */
  async list(): Promise<string[]> {
    const names = new Set<string>();
    for (const o of await this.store.list('tables/')) {
      const m = /^tables\/([^/]+)\/_delta_log\/\d{20}\.json$/.exec(o.key);
      if (m?.[1]) names.add(m[1]);
    }
    return [...names].sort();
  }

  /** A DuckDB connection the lake owns (in memory), for writers with none of their own. */
  async connection(): Promise<DuckDBConnection> {
    this.#duck ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const conn = await instance.connect();
      await conn.run("SET TimeZone = 'UTC'");
      return { instance, conn };
    })();
    return (await this.#duck).conn;
  }

  /** Checkpoints of every table are written and read on one more connection of the lake's DuckDB, one at a time. */
  #withCheckpointConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.#checkpointConn ??= (async () => {
        await this.connection();
        const duck = this.#duck;
        if (!duck) throw new PlatformError('LAKE_TABLE_INVALID', 'the lake is closed');
        return (await duck).instance.connect();
      })();
      return fn(await this.#checkpointConn);
    };
    const p = this.#checkpointChain.then(run, run);
    this.#checkpointChain = p.catch(() => undefined);
    return p;
  }

  /** A local file DuckDB can read for a data file: the object itself on a local store, else a cached download (files are immutable). */
  async localFile(file: DeltaFile): Promise<string> {
    if (this.store.features.has(LAKE_STORE_FEATURES.localPath)) return this.store.localPath(file.key);
    const local = path.join(this.scratchDir, 'cache', ...file.key.split('/'));
    const have = await stat(local).catch(() => null);
    if (have && have.size === file.size) return local;
    const bytes = await this.store.get(file.key);
    if (!bytes) throw new PlatformError('LAKE_TABLE_INVALID', `data file ${file.key} of a committed snapshot is missing (vacuumed too early?)`, { key: file.key });
    await mkdir(path.dirname(local), { recursive: true });
    const tmp = `${local}.${randomUUID()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, local);
    return local;
  }

  async close(): Promise<void> {
    const duck = this.#duck;
    this.#duck = null;
    const ckpt = this.#checkpointConn;
    this.#checkpointConn = null;
    if (ckpt) (await ckpt.catch(() => null))?.closeSync();
    if (duck) {
      const d = await duck;
      d.conn.closeSync();
      d.instance.closeSync();
    }
    await rm(path.join(this.scratchDir, 'stage'), { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Opens the lake over a started LakeStore. */
export function openLake(store: LakeStore, o: LakeOptions = {}): LakeTables {
  return new LakeTables(store, o);
}
