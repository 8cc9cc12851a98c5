/**
 * What the SQL model runner needs from the storage below it, kept small so the runner is tested on
 * plain DuckDB tables and runs in production on the Delta tables of the lake (lake-backend.ts):
 * - RelationResolver: a table name -> a DuckDB relation text for its current snapshot;
 * - ModelWriter: commits a query's result to a table (overwrite of given date partitions, whole
 *   table, or append) as one atomic step;
 * - SqlSession: runs read-only SQL (the tests) on the same DuckDB connection.
 */
export type JsonScalar = string | number | boolean | null;
export type ResultRow = Record<string, JsonScalar>;

export interface RelationResolver {
  /** A parenthesised relation, usable after FROM. A missing table: PlatformError PIPELINE_TABLE_MISSING. */
  relation(table: string): Promise<string>;
  exists(table: string): Promise<boolean>;
}

export type WriteMode =
  | { readonly mode: 'overwrite-partitions'; readonly partitionBy: string; readonly partitions: readonly string[] }
  | { readonly mode: 'overwrite' }
  | { readonly mode: 'append'; readonly partitionBy?: string };

export interface WriteResult {
  readonly rows: number;
  /** Table version after the commit, where the store has one (Delta). */
  readonly version: number | null;
}

export interface ModelWriter {
  write(table: string, sql: string, mode: WriteMode): Promise<WriteResult>;
}

export interface SqlSession {
  /** Rows as JSON-safe values (bigint -> number, dates -> 'YYYY-MM-DD', timestamps -> ISO text). */
  query(sql: string): Promise<ResultRow[]>;
}

export interface ModelBackend extends RelationResolver, ModelWriter, SqlSession {}
