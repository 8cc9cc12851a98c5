/**
 * DuckDB SQL text for the warehouse: DDL from table contracts, multi-row (upsert) INSERTs, `{name}`
 * placeholders rewritten to named prepared parameters, and result values turned into SqlScalar.
 */
import { DuckDBDateValue, DuckDBDecimalValue, type DuckDBValue } from '@duckdb/node-api';
import { PlatformError } from '../../schema/errors.ts';
import type { ColumnSpec, ColumnType, TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { SqlParams, SqlScalar } from '../contracts/warehouse.ts';
import { renderPlaceholders } from '../support/sql-params.ts';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function ident(name: string): string {
  if (!IDENT.test(name)) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `invalid identifier "${name}"`, { name });
  return `"${name}"`;
}

const DUCK_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  int64: 'BIGINT',
  float64: 'DOUBLE',
  bool: 'BOOLEAN',
  date: 'DATE',
};

/** Checks a contract's internal consistency (keys, version, partition column exist). */
export function checkContract(t: TableContract): void {
  const names = new Set(t.columns.map((c) => c.name));
  const need = [...t.orderBy, ...(t.partitionBy ? [t.partitionBy] : []), ...(t.dedup ? [...t.dedup.key, t.dedup.version] : [])];
  for (const n of need) {
    if (!names.has(n)) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${t.name}: column "${n}" is not declared`, { table: t.name, column: n });
  }
}

export function createTableSql(t: TableContract): string {
  checkContract(t);
  const cols = t.columns.map((c) => `${ident(c.name)} ${DUCK_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
  if (t.dedup) cols.push(`PRIMARY KEY (${t.dedup.key.map(ident).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${ident(t.name)} (${cols.join(', ')})`;
}

export function addColumnSql(t: TableContract, c: ColumnSpec): string {
  return `ALTER TABLE ${ident(t.name)} ADD COLUMN ${ident(c.name)} ${DUCK_TYPES[c.type]}`;
}

/** The staging table of `t`: every row of a batch lands here first (appender, all VARCHAR), then moves with one INSERT ... SELECT. */
export function stageName(t: TableContract): string {
  return ident(`__stage_${t.name}`);
}

export function createStageSql(t: TableContract): string {
  const cols = t.columns.map((c) => `${ident(c.name)} VARCHAR`);
  return `CREATE OR REPLACE TEMP TABLE ${stageName(t)} ("__r" INTEGER, "__i" INTEGER, ${cols.join(', ')})`;
}

/**
 * Moves staged rows of round `$1` with `__i` between `$2` and `$3` into `t`, casting each column to
 * its type (a bad value fails the statement with the engine's message); an upsert on dedup tables.
 */
export function insertFromStageSql(t: TableContract): string {
  const casts = t.columns.map((c) => `CAST(${ident(c.name)} AS ${DUCK_TYPES[c.type]}) AS ${ident(c.name)}`);
  let sql = `INSERT INTO ${ident(t.name)} (${t.columns.map((c) => ident(c.name)).join(', ')}) ` +
    `SELECT ${casts.join(', ')} FROM ${stageName(t)} WHERE "__r" = $1 AND "__i" BETWEEN $2 AND $3`;
  if (t.dedup) {
    const keys = new Set(t.dedup.key);
    const sets = t.columns.filter((c) => !keys.has(c.name)).map((c) => `${ident(c.name)} = excluded.${ident(c.name)}`);
    const v = ident(t.dedup.version);
    sql += ` ON CONFLICT (${t.dedup.key.map(ident).join(', ')}) DO UPDATE SET ${sets.join(', ')} WHERE excluded.${v} >= ${ident(t.name)}.${v}`;
  }
  return sql;
}

/** A row value as staged text (NULL stays null); the INSERT's CAST turns it back into the column type. */
export function stageText(v: SqlScalar | undefined): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

export interface BoundSql {
  readonly sql: string;
  readonly values: Record<string, DuckDBValue>;
}

/**
 * Rewrites `{name}` placeholders to `$pN` named parameters. An array becomes one parameter per
 * element (`$p1, $p2, ...`, for `IN ({ids})`); an empty array becomes NULL, so `x IN ({ids})` matches nothing.
 */
export function bindPlaceholders(sql: string, params: SqlParams | undefined): BoundSql {
  const values: Record<string, DuckDBValue> = {};
  let n = 0;
  const next = (v: string | number | boolean | null): string => {
    const name = `p${++n}`;
    values[name] = v;
    return `$${name}`;
  };
  const out = renderPlaceholders(sql, params, (v) => next(v));
  return { sql: out, values };
}

function toSafeNumber(v: bigint, column: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `column "${column}": integer ${v} is beyond the safe range of a JS number`, { column });
  }
  return Number(v);
}

/** One DuckDB result value as the Warehouse contract's SqlScalar. */
export function toScalar(value: DuckDBValue, column: string): SqlScalar {
  if (value === null) return null;
  if (typeof value === 'bigint') return toSafeNumber(value, column);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBDateValue) return value.toString();
  return String(value);
}
