/**
 * The model backend on the lake's Delta tables (docs/decisions/0010, jobs/lake/delta): relations over
 * current snapshots (resolveRelation) and one Delta commit per model write (commitQuery:
 * overwrite of the logical date's partition, whole overwrite, or append), plus the catalogue.
 * Typed against the shapes it uses (below), not the lake module, so the runner does not depend on
 * how the lake layer is packaged; bin/ passes the real functions.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PlatformError } from '../../schema/errors.ts';
import type { ModelBackend, ResultRow, WriteMode, WriteResult } from './backend.ts';
import { layerOf, type LakeCatalog, type LakeCommit, type LakeTableInfo } from './catalog.ts';
import { readRows } from './duckdb-values.ts';

type PartitionValues = Readonly<Record<string, string | null>>;

export interface LakeSnapshotLike {
  readonly version: number;
  readonly numRecords: number;
  readonly partitionColumns: readonly string[];
  partitions(): PartitionValues[];
}

export interface LakeCommitLike {
  readonly version: number;
  readonly timestamp: number;
  readonly operation: string;
  readonly numAddedFiles: number;
  readonly numRemovedFiles: number;
  readonly numOutputRows: number;
}

export interface LakeTablesLike {
  table(name: string): { exists(): Promise<boolean>; snapshot(): Promise<LakeSnapshotLike>; history(limit?: number): Promise<LakeCommitLike[]> };
  list(): Promise<string[]>;
}

export type LakeCommitMode =
  | { readonly mode: 'append'; readonly partitionBy?: readonly string[] }
  | { readonly mode: 'overwrite-partitions'; readonly partitions: readonly PartitionValues[]; readonly partitionBy?: readonly string[] }
  | { readonly mode: 'overwrite'; readonly partitionBy?: readonly string[] };

/** The two functions of jobs/lake/delta the backend calls. */
export interface LakeDeltaApi<L extends LakeTablesLike = LakeTablesLike> {
  resolveRelation(lake: L, name: string): Promise<{ readonly sql: string }>;
  commitQuery(conn: DuckDBConnection, lake: L, name: string, sql: string, mode: LakeCommitMode): Promise<{ readonly version: number; readonly numRecords: number }>;
}

const toCommit = (c: LakeCommitLike): LakeCommit => ({ version: c.version, timestamp: c.timestamp, operation: c.operation, addedFiles: c.numAddedFiles, removedFiles: c.numRemovedFiles, outputRows: c.numOutputRows });

export class LakeModelBackend<L extends LakeTablesLike> implements ModelBackend, LakeCatalog {
  readonly #lake: L;
  readonly #api: LakeDeltaApi<L>;
  readonly #conn: DuckDBConnection;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(o: { lake: L; api: LakeDeltaApi<L>; conn: DuckDBConnection }) {
    this.#lake = o.lake;
    this.#api = o.api;
    this.#conn = o.conn;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn, fn);
    this.#chain = p.catch(() => undefined);
    return p;
  }

  exists(table: string): Promise<boolean> {
    return this.#lake.table(table).exists();
  }

  async relation(table: string): Promise<string> {
    if (!(await this.exists(table))) throw new PlatformError('PIPELINE_TABLE_MISSING', `lake table ${table} does not exist yet`, { table });
    return (await this.#api.resolveRelation(this.#lake, table)).sql;
  }

  query(sql: string): Promise<ResultRow[]> {
    return this.#serial(async () => readRows(await this.#conn.run(sql)));
  }

  write(table: string, sql: string, mode: WriteMode): Promise<WriteResult> {
    return this.#serial(async () => {
      const m: LakeCommitMode = mode.mode === 'overwrite-partitions'
        ? { mode: 'overwrite-partitions', partitionBy: [mode.partitionBy], partitions: mode.partitions.map((p) => ({ [mode.partitionBy]: p })) }
        : mode.mode === 'append'
          ? { mode: 'append', ...(mode.partitionBy ? { partitionBy: [mode.partitionBy] } : {}) }
          : { mode: 'overwrite' };
      const r = await this.#api.commitQuery(this.#conn, this.#lake, table, sql, m);
      return { rows: r.numRecords, version: r.version };
    });
  }

  async #info(name: string): Promise<LakeTableInfo | null> {
    const t = this.#lake.table(name);
    if (!(await t.exists())) return null;
    const snap = await t.snapshot();
    const [last] = await t.history(1);
    const partitions = snap.partitions().map((p) => snap.partitionColumns.map((c) => p[c] ?? 'null').join('/')).sort();
    return { name, layer: layerOf(name), version: snap.version, partitions, rows: snap.numRecords, lastCommit: last ? toCommit(last) : null };
  }

  async tables(): Promise<LakeTableInfo[]> {
    const out: LakeTableInfo[] = [];
    for (const n of await this.#lake.list()) {
      const i = await this.#info(n);
      if (i) out.push(i);
    }
    return out;
  }

  table(name: string): Promise<LakeTableInfo | null> {
    return this.#info(name);
  }

  async history(name: string, limit = 20): Promise<LakeCommit[]> {
    const t = this.#lake.table(name);
    if (!(await t.exists())) return [];
    return (await t.history(limit)).map(toCommit);
  }
}
