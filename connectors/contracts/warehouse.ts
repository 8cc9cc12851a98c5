/**
 * Warehouse: parameterised SQL, batch insert, replace a partition. Implementations: DuckDB
 * (embedded, file-backed), ClickHouse (@clickhouse/client).
 *
 * The SQL dialect the platform writes is the common subset of DuckDB and ClickHouse 18.16: plain
 * SELECT / WHERE / GROUP BY / ORDER BY / LIMIT, count() sum() avg() min() max(), CASE WHEN, no
 * engine-specific functions (time buckets are stored columns, see schema/tables).
 *
 * Parameters are written `{name}` (no type) and bound by the connector: DuckDB as prepared
 * statement parameters, ClickHouse by typed escaping. Never concatenate input into SQL.
 * An array value binds as a comma-separated list of values: write `col IN ({ids})`.
 * An output alias must not reuse the name of a column the query reads: ClickHouse resolves aliases
 * before columns everywhere in the query (`sum(qty) AS qty, max(qty)` becomes max(sum(qty))).
 * Values come back as string | number | boolean | null: 64-bit integers as numbers (an unsafe one is
 * an error), `date` columns as 'YYYY-MM-DD', a `bool` column as true/false or 1/0 (read with Boolean()).
 */
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { Connector } from './connector.ts';

export type SqlScalar = string | number | boolean | null;
export type SqlValue = SqlScalar | readonly (string | number)[];
export type Row = Record<string, SqlScalar>;
export type SqlParams = Readonly<Record<string, SqlValue>>;

export interface RejectedRow {
  readonly row: Row;
  /** The engine's own message, as it gave it. */
  readonly reason: string;
}

export interface InsertResult {
  readonly inserted: number;
  /** Rows the engine refused. The rest of the batch is inserted (the batch is split to find them). */
  readonly rejected: readonly RejectedRow[];
}

export interface Warehouse extends Connector {
  readonly capability: 'warehouse';
  readonly dialect: 'duckdb' | 'clickhouse';
  /** Creates the tables (and whatever the engine needs for `dedup`) if missing. */
  ensureTables(tables: readonly TableContract[]): Promise<void>;
  /** Runs one statement. Failure: PlatformError WAREHOUSE_QUERY_FAILED (bad params: SQL_PARAM_INVALID). */
  query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Batch insert into a contract table; for `dedup` tables an upsert by key where version is >=. */
  insert(table: string, rows: readonly Row[]): Promise<InsertResult>;
  /** Atomically replaces one partition (a `partitionBy` date value) with `rows`: idempotent reruns. */
  replacePartition(table: string, partition: string, rows: readonly Row[]): Promise<void>;
}
