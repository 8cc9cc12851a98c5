/**
 * Independent readers of our Delta tables: delta-rs + pandas/pyarrow in the venv that
 * scripts/python-env.sh makes, and DuckDB's own `delta_scan` (the duckdb-extension-delta wheel's
 * signed extension for our DuckDB version). Rows come back normalised the same way from each.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

let python: string | null = null;
/** The venv's python (created on first use; minutes the first time, then instant). */
export function venvPython(): string {
  python ??= execFileSync('bash', [join(ROOT, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1) ?? '';
  if (!existsSync(python)) throw new Error(`scripts/python-env.sh gave no python (${python})`);
  return python;
}

export interface DeltaRsView {
  readonly version: number;
  readonly partition_columns: string[];
  readonly schema: { name: string; type: string }[];
  readonly history: { version: number; operation: string }[];
  readonly rows: Record<string, unknown>[];
  readonly pyarrow_row_count: number | null;
  readonly num_files: number;
}

export async function readWithDeltaRs(uri: string, o: { version?: number; storageOptions?: Record<string, string> } = {}): Promise<DeltaRsView> {
  const args = [join(import.meta.dirname, 'read-delta.py'), uri, o.version === undefined ? '-' : String(o.version), ...(o.storageOptions ? [JSON.stringify(o.storageOptions)] : [])];
  const { stdout } = await run(venvPython(), args, { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as DeltaRsView;
}

/** The delta extension file inside the venv's duckdb-extension-delta wheel. */
export function deltaExtensionPath(duckdbVersion: string): string {
  const py = venvPython();
  const out = execFileSync(py, ['-c', 'import duckdb_extension_delta, os; print(os.path.dirname(duckdb_extension_delta.__file__))'], { encoding: 'utf8' }).trim();
  const file = join(out, 'extensions', `v${duckdbVersion}`, 'delta.duckdb_extension');
  if (!existsSync(file)) throw new Error(`no delta extension for DuckDB v${duckdbVersion} at ${file}`);
  return file;
}

/**
 * Rows of `relation` normalised like read-delta.py does (timestamps ISO UTC with microseconds, dates
 * ISO, decimals as text, integers as numbers), sorted by their JSON.
 */
export async function normalisedRows(conn: DuckDBConnection, relation: string, columns: Readonly<Record<string, 'int' | 'float' | 'text' | 'bool' | 'date' | 'timestamp' | 'decimal'>>): Promise<Record<string, unknown>[]> {
  const exprs = Object.entries(columns).map(([c, k]) => {
    const id = `"${c}"`;
    switch (k) {
      case 'timestamp': return `strftime(${id} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS ${id}`;
      case 'date': case 'decimal': return `CAST(${id} AS VARCHAR) AS ${id}`;
      case 'int': return `CAST(${id} AS DOUBLE) AS ${id}`;
      default: return id;
    }
  });
  const rows = (await conn.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${relation} AS t`)).getRowObjectsJS() as Record<string, unknown>[];
  const plain = rows.map((r) => Object.fromEntries(Object.keys(columns).map((c) => [c, r[c] ?? null])));
  return sortRows(plain);
}

export function sortRows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (r: Record<string, unknown>): string => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]));
  return [...rows].map((r) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]))).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
