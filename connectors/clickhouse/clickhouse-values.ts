/**
 * Values crossing the ClickHouse HTTP interface: result rows of `FORMAT JSON` turned into the
 * Warehouse contract's SqlScalar (64-bit integers arrive as quoted strings, the server default on
 * every version: they are parsed exactly and refused beyond the safe range of a JS number), and
 * contract rows turned into `JSONEachRow` lines for insert.
 */
import { PlatformError } from '../../schema/errors.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { Row, SqlScalar } from '../contracts/warehouse.ts';

export interface JsonColumnMeta {
  readonly name: string;
  readonly type: string;
}

/** The body of a `FORMAT JSON` response (the parts we read). */
export interface JsonResult {
  readonly meta?: readonly JsonColumnMeta[];
  readonly data: readonly Record<string, unknown>[];
}

const INT64 = /^(Nullable\()?(U?Int64|U?Int128|U?Int256)\)?$/;
const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = BigInt(Number.MIN_SAFE_INTEGER);

function toSafeNumber(text: string, column: string): number {
  let v: bigint;
  try {
    v = BigInt(text);
  } catch {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `column "${column}": "${text}" is not an integer`, { column });
  }
  if (v > MAX || v < MIN) {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `column "${column}": integer ${text} is beyond the safe range of a JS number`, { column });
  }
  return Number(v);
}

function toScalar(value: unknown, column: string, wideInt: boolean): SqlScalar {
  if (value === null || value === undefined) return null;
  if (wideInt && (typeof value === 'string' || typeof value === 'number')) return toSafeNumber(String(value), column);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Rows of a `FORMAT JSON` result, typed by its `meta`. */
export function rowsOf(result: JsonResult): Row[] {
  const cols = (result.meta ?? []).map((m) => ({ name: m.name, wide: INT64.test(m.type) }));
  return result.data.map((raw) => {
    const row: Row = {};
    for (const c of cols) row[c.name] = toScalar(raw[c.name], c.name, c.wide);
    return row;
  });
}

/** `row` with columns renamed by `names` (from -> to), in the same order. */
export function renameColumns(row: Row, names: ReadonlyMap<string, string>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[names.get(k) ?? k] = v;
  return out;
}

/**
 * One contract row as a JSONEachRow object with exactly the table's columns: a missing value is
 * sent as null (so a non-nullable column refuses it, as a NOT NULL column would), booleans as 1/0
 * (bool is UInt8 here).
 */
export function insertObject(t: TableContract, row: Row): Record<string, SqlScalar> {
  const out: Record<string, SqlScalar> = {};
  for (const c of t.columns) {
    const v = row[c.name];
    out[c.name] = v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  return out;
}
