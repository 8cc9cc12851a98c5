/**
 * Column types between DuckDB and Delta's JSON schema (reader v1 / writer v2 primitive types),
 * partition values as Delta stores them (strings), and the SQL casts that make a DuckDB query's
 * columns fit a table. Nested types are refused (store them as JSON text).
 */
import { PlatformError } from '../../../schema/errors.ts';

export type DeltaPrimitive = 'string' | 'long' | 'integer' | 'short' | 'byte' | 'float' | 'double' | 'boolean' | 'binary' | 'date' | 'timestamp' | `decimal(${number},${number})`;

export interface DeltaField {
  readonly name: string;
  readonly type: DeltaPrimitive;
  readonly nullable: boolean;
}

/** Delta's schemaString: `{"type":"struct","fields":[{"name","type","nullable","metadata"}]}`. */
export function schemaString(fields: readonly DeltaField[]): string {
  return JSON.stringify({ type: 'struct', fields: fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable, metadata: {} })) });
}

const PRIMITIVES = new Set(['string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date', 'timestamp']);

export function parseSchemaString(s: string): DeltaField[] {
  const parsed = JSON.parse(s) as { type?: unknown; fields?: unknown };
  if (parsed.type !== 'struct' || !Array.isArray(parsed.fields)) throw new PlatformError('LAKE_TABLE_INVALID', 'schemaString is not a struct');
  return parsed.fields.map((f: { name?: unknown; type?: unknown; nullable?: unknown }) => {
    const type = f.type;
    if (typeof f.name !== 'string' || typeof type !== 'string' || !(PRIMITIVES.has(type) || /^decimal\(\d+,\d+\)$/.test(type))) {
      throw new PlatformError('LAKE_TABLE_INVALID', `unsupported column in schemaString: ${JSON.stringify(f)}`);
    }
    return { name: f.name, type: type as DeltaPrimitive, nullable: f.nullable !== false };
  });
}

const DUCK_TO_DELTA: Record<string, DeltaPrimitive> = {
  VARCHAR: 'string', JSON: 'string', UUID: 'string',
  BIGINT: 'long', INTEGER: 'integer', SMALLINT: 'short', TINYINT: 'byte',
  UTINYINT: 'short', USMALLINT: 'integer', UINTEGER: 'long',
  FLOAT: 'float', DOUBLE: 'double', BOOLEAN: 'boolean', BLOB: 'binary', DATE: 'date',
  'TIMESTAMP WITH TIME ZONE': 'timestamp', TIMESTAMP: 'timestamp', TIMESTAMP_MS: 'timestamp', TIMESTAMP_S: 'timestamp', TIMESTAMP_NS: 'timestamp',
};

/** The Delta type of a DuckDB column type as DESCRIBE prints it. */
export function deltaTypeOf(duckType: string, column: string): DeltaPrimitive {
  const t = duckType.trim().toUpperCase();
  const direct = DUCK_TO_DELTA[t];
  if (direct) return direct;
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `decimal(${Number(dec[1])},${Number(dec[2])})`;
  if (t.startsWith('ENUM(')) return 'string';
  throw new PlatformError('LAKE_WRITE_INVALID', `column "${column}" has type ${duckType}, which a Delta reader v1 table cannot hold (cast it, or store nested values as JSON text)`, { column, type: duckType });
}

/** The DuckDB type that reads a Delta column back. */
export function duckTypeOf(type: DeltaPrimitive): string {
  switch (type) {
    case 'string': return 'VARCHAR';
    case 'long': return 'BIGINT';
    case 'integer': return 'INTEGER';
    case 'short': return 'SMALLINT';
    case 'byte': return 'TINYINT';
    case 'float': return 'FLOAT';
    case 'double': return 'DOUBLE';
    case 'boolean': return 'BOOLEAN';
    case 'binary': return 'BLOB';
    case 'date': return 'DATE';
    case 'timestamp': return 'TIMESTAMPTZ';
    default: return type.toUpperCase();
  }
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
export const quoteLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The expression writing column `name` (DuckDB type `from`) as the table's type `to`. Naive
 * timestamps are taken as UTC (Delta's `timestamp` is UTC-adjusted).
 */
export function castToDelta(name: string, from: string, to: DeltaPrimitive): string {
  const id = quoteIdent(name);
  const f = from.trim().toUpperCase();
  if (to === 'timestamp') {
    if (f === 'TIMESTAMP WITH TIME ZONE') return id;
    if (f.startsWith('TIMESTAMP')) return `timezone('UTC', CAST(${id} AS TIMESTAMP))`;
    return `CAST(${id} AS TIMESTAMPTZ)`;
  }
  const target = duckTypeOf(to);
  return f === target ? id : `CAST(${id} AS ${target})`;
}

const PARTITION_TYPES = new Set<string>(['string', 'long', 'integer', 'short', 'byte', 'boolean', 'date']);

export function checkPartitionColumn(field: DeltaField): void {
  if (!PARTITION_TYPES.has(field.type)) {
    throw new PlatformError('LAKE_WRITE_INVALID', `partition column "${field.name}" has type ${field.type}; partition by a string, integer, boolean or date column`, { column: field.name });
  }
}

/** SQL giving the partition value string Delta stores (`YYYY-MM-DD` for dates, `true`/`false`, digits). */
export function partitionValueSql(name: string): string {
  return `CAST(${quoteIdent(name)} AS VARCHAR)`;
}

/** A typed SQL constant of a stored partition value (NULL stays NULL). */
export function partitionConstant(value: string | null, type: DeltaPrimitive): string {
  return value === null ? `CAST(NULL AS ${duckTypeOf(type)})` : `CAST(${quoteLiteral(value)} AS ${duckTypeOf(type)})`;
}
