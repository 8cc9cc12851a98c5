/** DuckDB values -> JSON-safe scalars (the runner stores failing rows and hashes content with them). */
import type { DuckDBMaterializedResult } from '@duckdb/node-api';
import type { JsonScalar, ResultRow } from './backend.ts';

export function toScalar(v: unknown, type: string): JsonScalar {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return type === 'DATE' ? v.toISOString().slice(0, 10) : v.toISOString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
}

export async function readRows(result: DuckDBMaterializedResult): Promise<ResultRow[]> {
  const names = result.columnNames();
  const types = result.columnTypes().map((t) => t.toString());
  const rows = await result.getRowsJS();
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, toScalar(r[i], types[i] ?? '')])));
}
