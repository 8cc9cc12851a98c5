/**
 * Where the offline store reads feature views from: a table name becomes a DuckDB relation over ONE
 * snapshot, with that snapshot's version (the lineage of what was read). Two implementations:
 * the lake's Delta tables (`lakeOfflineSource`: resolveRelation, version and relation from the same
 * snapshot) and any SQL-model backend (`backendOfflineSource`: the pipeline's LakeModelBackend, or
 * plain DuckDB tables in unit tests, whose tables carry no version).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ModelBackend, ResultRow } from '../../models-sql/backend.ts';
import type { LakeCatalog } from '../../models-sql/catalog.ts';
import { readRows } from '../../models-sql/duckdb-values.ts';
import { resolveRelation, type LakeTables } from '../../lake/delta/index.ts';

export interface SourceSnapshot {
  /** A parenthesised relation: `FROM ${sql} AS t`. */
  readonly sql: string;
  /** The Delta version read; null for tables that keep no versions. */
  readonly version: number | null;
}

export interface OfflineSource {
  /** The table at its latest snapshot; null when it does not exist (yet). */
  snapshot(table: string): Promise<SourceSnapshot | null>;
  query(sql: string): Promise<ResultRow[]>;
}

function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
}

/** Delta tables of the lake, read with DuckDB on `conn` (queries run one at a time). */
export function lakeOfflineSource(lake: LakeTables, conn: DuckDBConnection): OfflineSource {
  const run = serial();
  return {
    snapshot: async (table) => {
      if (!(await lake.table(table).exists())) return null;
      const r = await resolveRelation(lake, table);
      return { sql: r.sql, version: r.snapshot.version };
    },
    query: (sql) => run(async () => readRows(await conn.run(sql))),
  };
}

/** The tables of a SQL-model backend (the version is the catalogue's, read just before the relation). */
export function backendOfflineSource(backend: ModelBackend & LakeCatalog): OfflineSource {
  return {
    snapshot: async (table) => {
      const info = await backend.table(table);
      if (!info) return null;
      return { sql: await backend.relation(table), version: info.version };
    },
    query: (sql) => backend.query(sql),
  };
}
