/**
 * Stages data files for a commit: runs a DuckDB query once into a temp table, writes each
 * partition's rows with `COPY ... TO '<scratch>/part-<uuid>.parquet' (FORMAT parquet)` (partition
 * columns left out of the files, as Delta writers do), uploads them under the table's prefix and
 * returns their `add` actions. Nothing is visible until a commit names the files; files of a writer
 * that dies before its commit are orphans for `vacuum`.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PlatformError } from '../../../schema/errors.ts';
import type { LakeStore } from '../../../connectors/contracts/lake-store.ts';
import type { AddAction, PartitionValues } from './delta-log.ts';
import { castToDelta, checkPartitionColumn, deltaTypeOf, partitionValueSql, quoteIdent, quoteLiteral, type DeltaField } from './delta-schema.ts';

export interface StagedWrite {
  /** The query's columns as Delta fields (in query order). */
  readonly fields: DeltaField[];
  readonly adds: AddAction[];
  readonly numRecords: number;
  readonly numBytes: number;
}

export interface StageOptions {
  readonly conn: DuckDBConnection;
  readonly store: LakeStore;
  /** `tables/<name>/` */
  readonly tablePrefix: string;
  readonly scratchDir: string;
  readonly sql: string;
  readonly partitionBy: readonly string[];
  /** The table's schema when it exists: the query must have exactly these columns (cast to their types). */
  readonly schema: readonly DeltaField[] | null;
  /** Rows outside these partitions fail the write (overwritePartitions). */
  readonly allowedPartitions?: readonly PartitionValues[];
}

const SAFE_VALUE = /^[A-Za-z0-9_.-]{1,100}$/;

/** The folder of a partition in file paths (paths are URIs: anything unsafe is hashed, the log holds the true value). */
function partitionDir(columns: readonly string[], values: PartitionValues): string {
  return columns.map((c) => {
    const v = values[c] ?? null;
    if (v === null) return `${c}=__HIVE_DEFAULT_PARTITION__`;
    if (SAFE_VALUE.test(v)) return `${c}=${v}`;
    let h = 0;
    for (const ch of v) h = (Math.imul(h, 31) + (ch.codePointAt(0) ?? 0)) >>> 0;
    return `${c}=v${h.toString(16)}`;
  }).join('/');
}

export function samePartition(a: PartitionValues, b: PartitionValues, columns: readonly string[]): boolean {
  return columns.every((c) => (a[c] ?? null) === (b[c] ?? null));
}

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjectsJS() as Record<string, unknown>[];
}

export async function stageQuery(o: StageOptions): Promise<StagedWrite> {
  const { conn } = o;
  const tmp = `__lake_stage_${randomUUID().replaceAll('-', '')}`;
  const dir = path.join(o.scratchDir, 'stage', randomUUID());
  await conn.run(`CREATE TEMP TABLE ${tmp} AS SELECT * FROM (${o.sql}) AS q`);
  try {
    const described = await rows(conn, `DESCRIBE ${tmp}`);
    const queryCols = described.map((r) => ({ name: String(r.column_name), duckType: String(r.column_type) }));
    const fields = queryCols.map((c) => ({ name: c.name, type: deltaTypeOf(c.duckType, c.name), nullable: true }));
    const target: readonly DeltaField[] = o.schema ?? fields;
    if (o.schema) {
      const have = new Set(queryCols.map((c) => c.name));
      const want = new Set(o.schema.map((f) => f.name));
      const missing = [...want].filter((n) => !have.has(n));
      const extra = [...have].filter((n) => !want.has(n));
      if (missing.length > 0 || extra.length > 0) {
        throw new PlatformError('LAKE_WRITE_INVALID', `the query's columns do not match the table's${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not in the table: ${extra.join(', ')}` : ''}`, { missing, extra });
      }
    }
    for (const c of o.partitionBy) {
      const f = target.find((x) => x.name === c);
      if (!f) throw new PlatformError('LAKE_WRITE_INVALID', `partition column "${c}" is not a column of the query`, { column: c });
      checkPartitionColumn(f);
    }
    if (target.every((f) => o.partitionBy.includes(f.name))) throw new PlatformError('LAKE_WRITE_INVALID', 'a table needs at least one column besides its partition columns');
    const fromType = new Map(queryCols.map((c) => [c.name, c.duckType]));
    const dataCols = target.filter((f) => !o.partitionBy.includes(f.name));
    const selectList = dataCols.map((f) => `${castToDelta(f.name, fromType.get(f.name) ?? 'VARCHAR', f.type)} AS ${quoteIdent(f.name)}`).join(', ');

    const groupSql = o.partitionBy.length === 0
      ? `SELECT count(*) AS n FROM ${tmp}`
      : `SELECT ${o.partitionBy.map((c, i) => `${partitionValueSql(c)} AS p${i}`).join(', ')}, count(*) AS n FROM ${tmp} GROUP BY ALL ORDER BY ALL`;
    const groups = (await rows(conn, groupSql)).map((r) => ({
      values: Object.fromEntries(o.partitionBy.map((c, i) => [c, r[`p${i}`] === null || r[`p${i}`] === undefined ? null : String(r[`p${i}`])])) as PartitionValues,
      n: Number(r.n),
    })).filter((g) => g.n > 0);

    if (o.allowedPartitions) {
      const allowed = o.allowedPartitions;
      const outside = groups.filter((g) => !allowed.some((a) => samePartition(a, g.values, o.partitionBy)));
      if (outside.length > 0) {
        throw new PlatformError('LAKE_WRITE_INVALID', `the query yields rows outside the partitions being overwritten: ${JSON.stringify(outside.map((g) => g.values))}`, { outside: outside.map((g) => g.values) });
      }
    }

    await mkdir(dir, { recursive: true });
    const adds: AddAction[] = [];
    let numBytes = 0;
    for (const g of groups) {
      const rel = o.partitionBy.length === 0 ? '' : `${partitionDir(o.partitionBy, g.values)}/`;
      const relPath = `${rel}part-00000-${randomUUID()}-c000.snappy.parquet`;
      const local = path.join(dir, `${randomUUID()}.parquet`);
      const where = o.partitionBy.length === 0 ? '' : ` WHERE ${o.partitionBy.map((c) => {
        const v = g.values[c] ?? null;
        return v === null ? `${quoteIdent(c)} IS NULL` : `${partitionValueSql(c)} = ${quoteLiteral(v)}`;
      }).join(' AND ')}`;
      await conn.run(`COPY (SELECT ${selectList} FROM ${tmp}${where}) TO ${quoteLiteral(local)} (FORMAT parquet, COMPRESSION snappy)`);
      const bytes = await readFile(local);
      await o.store.put(`${o.tablePrefix}${relPath}`, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const size = (await stat(local)).size;
      numBytes += size;
      adds.push({ path: relPath, partitionValues: g.values, size, modificationTime: Date.now(), dataChange: true, stats: JSON.stringify({ numRecords: g.n }) });
      await rm(local, { force: true });
    }
    return { fields, adds, numRecords: groups.reduce((s, g) => s + g.n, 0), numBytes };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${tmp}`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
