/** Appending plain JS rows (bronze): written as NDJSON to scratch, read back by DuckDB with declared column types. */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommitResult, WriteOptions } from './delta-table.ts';
import { quoteIdent, quoteLiteral } from './delta-schema.ts';
import type { LakeTables } from './lake-tables.ts';

export type RowValue = string | number | boolean | null;

export interface AppendRowsOptions extends WriteOptions {
  /** Column name -> DuckDB type (VARCHAR, BIGINT, TIMESTAMPTZ, DATE, ...), in table order. */
  readonly columns: Readonly<Record<string, string>>;
}

export async function appendRows(lake: LakeTables, name: string, rows: readonly Readonly<Record<string, RowValue>>[], o: AppendRowsOptions): Promise<CommitResult> {
  const dir = path.join(lake.scratchDir, 'stage');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `rows-${randomUUID()}.ndjson`);
  const names = Object.keys(o.columns);
  await writeFile(file, rows.map((r) => JSON.stringify(Object.fromEntries(names.map((n) => [n, r[n] ?? null])))).join('\n') + '\n');
  try {
    const cols = `{${names.map((n) => `${quoteLiteral(n)}: ${quoteLiteral(o.columns[n] ?? 'VARCHAR')}`).join(', ')}}`;
    const sql = rows.length === 0
      ? `SELECT ${names.map((n) => `CAST(NULL AS ${o.columns[n] ?? 'VARCHAR'}) AS ${quoteIdent(n)}`).join(', ')} WHERE false`
      : `SELECT ${names.map(quoteIdent).join(', ')} FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = ${cols})`;
    const { columns: _c, ...write } = o;
    return await lake.table(name).append(await lake.connection(), sql, write);
  } finally {
    await rm(file, { force: true });
  }
}
