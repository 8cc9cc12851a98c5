/**
 * What the SQL model runner sees of the lake: a table name becomes a DuckDB relation over its
 * current (or a given) snapshot, and a DuckDB query becomes one Delta commit.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PlatformError } from '../../../schema/errors.ts';
import type { CommitResult, TxnMark } from './delta-table.ts';
import type { PartitionValues } from './delta-log.ts';
import { duckTypeOf, partitionConstant, quoteIdent, quoteLiteral } from './delta-schema.ts';
import type { LakeTables } from './lake-tables.ts';
import type { DeltaFile, Snapshot } from './snapshot.ts';

export interface ResolvedRelation {
  /** A parenthesised relation: `FROM ${sql} AS t` works. Columns in the table's schema order. */
  readonly sql: string;
  readonly snapshot: Snapshot;
}

/** The DuckDB relation of table `name` at its latest snapshot (or `version`). No table: LAKE_TABLE_NOT_FOUND. */
export async function resolveRelation(lake: LakeTables, name: string, o: { version?: number } = {}): Promise<ResolvedRelation> {
  const snapshot = await lake.table(name).snapshot(o.version);
  if (snapshot.files.length === 0) {
    const typed = snapshot.schema.map((f) => `CAST(NULL AS ${duckTypeOf(f.type)}) AS ${quoteIdent(f.name)}`).join(', ');
    return { sql: `(SELECT ${typed} WHERE false)`, snapshot };
  }
  return { sql: await relationOfFiles(lake, snapshot, snapshot.files), snapshot };
}

/** The relation over some files of a snapshot (partition values typed from the schema), columns in schema order. */
export async function relationOfFiles(lake: LakeTables, snapshot: Snapshot, files: readonly DeltaFile[]): Promise<string> {
  const columns = snapshot.schema.map((f) => quoteIdent(f.name)).join(', ');
  const groups = new Map<string, { values: PartitionValues; files: string[] }>();
  for (const f of files) {
    const k = JSON.stringify(snapshot.partitionColumns.map((c) => f.partitionValues[c] ?? null));
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { values: f.partitionValues, files: [] }));
    g.files.push(await lake.localFile(f));
  }
  const types = new Map(snapshot.schema.map((f) => [f.name, f.type]));
  const branches = [...groups.values()].map((g) => {
    const consts = snapshot.partitionColumns.map((c) => `${partitionConstant(g.values[c] ?? null, types.get(c) ?? 'string')} AS ${quoteIdent(c)}`);
    const list = `[${g.files.map(quoteLiteral).join(', ')}]`;
    return `SELECT *${consts.length ? `, ${consts.join(', ')}` : ''} FROM read_parquet(${list}, hive_partitioning = false, union_by_name = true)`;
  });
  return `(SELECT ${columns} FROM (${branches.join(' UNION ALL BY NAME ')}))`;
}

/** `CREATE OR REPLACE TEMP VIEW <viewName>` over the table's snapshot on `conn`; returns the snapshot it shows. */
export async function createTableView(conn: DuckDBConnection, lake: LakeTables, name: string, viewName: string, o: { version?: number } = {}): Promise<Snapshot> {
  const r = await resolveRelation(lake, name, o);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(viewName)} AS SELECT * FROM ${r.sql} AS t`);
  return r.snapshot;
}

export type CommitMode =
  | { readonly mode: 'append'; readonly partitionBy?: readonly string[]; readonly txn?: TxnMark; readonly info?: Readonly<Record<string, unknown>> }
  | { readonly mode: 'overwrite-partitions'; readonly partitions: readonly PartitionValues[]; readonly partitionBy?: readonly string[]; readonly info?: Readonly<Record<string, unknown>> }
  | { readonly mode: 'overwrite'; readonly partitionBy?: readonly string[]; readonly info?: Readonly<Record<string, unknown>> };

/** Commits the rows of `sql` (run on `conn`) to table `name` as one Delta commit. */
export async function commitQuery(conn: DuckDBConnection, lake: LakeTables, name: string, sql: string, m: CommitMode): Promise<CommitResult> {
  const t = lake.table(name);
  const common = { ...(m.partitionBy ? { partitionBy: m.partitionBy } : {}), ...(m.info ? { info: m.info } : {}) };
  switch (m.mode) {
    case 'append':
      return t.append(conn, sql, { ...common, ...(m.txn ? { txn: m.txn } : {}) });
    case 'overwrite-partitions':
      return t.overwritePartitions(conn, m.partitions, sql, common);
    case 'overwrite':
      return t.overwrite(conn, sql, common);
    default:
      throw new PlatformError('LAKE_WRITE_INVALID', `unknown commit mode ${JSON.stringify(m)}`);
  }
}
