/**
 * ClickHouse SQL text for the warehouse, written for the oldest server we support (Debian's 18.16)
 * and current ones alike: no `{name:Type}` server-side parameters, no DateTime64/Map/TTL.
 *
 * `{name}` placeholders are bound by typed escaping here (never by concatenating raw input):
 * strings become quoted literals with `\` `'` and control characters escaped, numbers must be
 * finite (negative ones are parenthesised so `a-{n}` cannot turn into a `--` comment), booleans
 * become 1/0, null becomes NULL and an array becomes a comma-separated list of literals for
 * `IN ({ids})` (an empty one becomes NULL, so it matches nothing, as on DuckDB).
 */
import { PlatformError } from '../../schema/errors.ts';
import type { ColumnSpec, ColumnType, TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { SqlParams } from '../contracts/warehouse.ts';
import { renderPlaceholders } from '../support/sql-params.ts';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A backquoted identifier; anything but a plain name is refused. */
export function ident(name: string): string {
  if (!IDENT.test(name)) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `invalid identifier "${name}"`, { name });
  return `\`${name}\``;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

/** A ClickHouse string literal: backslash escapes for `\`, `'` and every control character. */
export function quoteString(s: string): string {
  // eslint-disable-next-line no-control-regex
  const body = s.replace(/[\\'\u0000-\u001f\u007f]/g, (ch) => ESCAPES[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `'${body}'`;
}

/** One scalar as a ClickHouse literal (typed by its JS type). */
export function literal(v: unknown, param: string): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'string':
      return quoteString(v);
    case 'boolean':
      return v ? '1' : '0';
    case 'bigint':
      return v < 0n ? `(${v.toString()})` : v.toString();
    case 'number': {
      if (!Number.isFinite(v)) throw new PlatformError('SQL_PARAM_INVALID', `SQL parameter {${param}} is not a finite number`, { param });
      const text = Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v);
      return v < 0 || Object.is(v, -0) ? `(${text})` : text;
    }
    default:
      throw new PlatformError('SQL_PARAM_INVALID', `SQL parameter {${param}} has an unbindable type ${typeof v}`, { param });
  }
}

/** Replaces every `{name}` placeholder (outside literals and comments) by the escaped literal of its value. */
export function bindPlaceholders(sql: string, params: SqlParams | undefined): string {
  return renderPlaceholders(sql, params, (v, param) => literal(v, param));
}

/** True when the statement returns rows (so it is sent with `FORMAT JSON`). */
export function returnsRows(sql: string): boolean {
  const head = sql
    .replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/|\()+/, '')
    .slice(0, 10)
    .toUpperCase();
  return /^(SELECT|WITH|SHOW|DESCRIBE|DESC|EXISTS|EXPLAIN)\b/.test(head);
}

const CH_TYPES: Record<ColumnType, string> = {
  string: 'String',
  int64: 'Int64',
  float64: 'Float64',
  bool: 'UInt8',
  date: 'Date',
};

export function columnType(c: ColumnSpec): string {
  const t = CH_TYPES[c.type];
  return c.nullable ? `Nullable(${t})` : t;
}

/** Checks a contract's internal consistency (keys, version, partition column exist and fit ClickHouse). */
export function checkContract(t: TableContract): void {
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const need = [...t.orderBy, ...(t.partitionBy ? [t.partitionBy] : []), ...(t.dedup ? [...t.dedup.key, t.dedup.version] : [])];
  for (const n of need) {
    const c = byName.get(n);
    if (!c) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${t.name}: column "${n}" is not declared`, { table: t.name, column: n });
    if (c.nullable) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${t.name}: key column "${n}" cannot be nullable on ClickHouse`, { table: t.name, column: n });
  }
  if (t.partitionBy && byName.get(t.partitionBy)?.type !== 'date') {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${t.name}: partitionBy column "${t.partitionBy}" must be a date`, { table: t.name });
  }
  if (t.dedup && byName.get(t.dedup.version)?.type !== 'int64') {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${t.name}: version column "${t.dedup.version}" must be int64`, { table: t.name });
  }
}

/** Name of the physical (MergeTree) table rows are inserted into. A dedup table is a view over `<name>_data`. */
export function physicalName(t: TableContract): string {
  return t.dedup ? `${t.name}_data` : t.name;
}

/**
 * DDL for one contract: MergeTree partitioned by `toYYYYMMDD(partitionBy)`, ordered by `orderBy`.
 * A `dedup` table becomes `<name>_data` (ReplacingMergeTree(version) ordered by the dedup key: the
 * greatest version wins, the last inserted among equal ones; 18.16 accepts a signed Int64 version)
 * plus the view `<name>` = `SELECT <columns> FROM <name>_data FINAL`, so queries see only the
 * winning row of each key right after an insert, before any background merge.
 */
export function createTableSql(t: TableContract): string[] {
  checkContract(t);
  const cols = t.columns.map((c) => `${ident(c.name)} ${columnType(c)}`);
  const partition = t.partitionBy ? ` PARTITION BY toYYYYMMDD(${ident(t.partitionBy)})` : '';
  if (!t.dedup) {
    const order = t.orderBy.length > 0 ? t.orderBy.map(ident).join(', ') : 'tuple()';
    return [`CREATE TABLE IF NOT EXISTS ${ident(t.name)} (${cols.join(', ')}) ENGINE = MergeTree()${partition} ORDER BY (${order})`];
  }
  const data = physicalName(t);
  return [
    `CREATE TABLE IF NOT EXISTS ${ident(data)} (${cols.join(', ')}) ENGINE = ReplacingMergeTree(${ident(t.dedup.version)})${partition} ORDER BY (${t.dedup.key.map(ident).join(', ')})`,
    `CREATE VIEW IF NOT EXISTS ${ident(t.name)} AS SELECT ${t.columns.map((c) => ident(c.name)).join(', ')} FROM ${ident(data)} FINAL`,
  ];
}

/** The partition literal of a `YYYY-MM-DD` value under `PARTITION BY toYYYYMMDD(col)`. */
export function partitionLiteral(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    throw new PlatformError('WAREHOUSE_QUERY_FAILED', `partition "${date}" is not a YYYY-MM-DD date`, { partition: date });
  }
  return date.replaceAll('-', '');
}
