/**
 * ModelBackend on plain DuckDB tables (one table per model, named as the model, e.g. "silver.trips"):
 * for unit tests and for a scratch run without the lake. Overwrite of partitions is a
 * DELETE + INSERT in one transaction; the first write creates the table from the query.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PlatformError } from '../../schema/errors.ts';
import type { ModelBackend, ResultRow, WriteMode, WriteResult } from './backend.ts';
import { readRows } from './duckdb-values.ts';

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (v: string): string => `'${v.replace(/'/g, "''")}'`;

export class DuckDbModelBackend implements ModelBackend {
  readonly #conn: DuckDBConnection;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(conn: DuckDBConnection) {
    this.#conn = conn;
  }

  /** Statements run one at a time (a transaction must not interleave with another write). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn, fn);
    this.#chain = p.catch(() => undefined);
    return p;
  }

  async exists(table: string): Promise<boolean> {
    const r = await readRows(await this.#conn.run(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ${literal(table)}`));
    return Number(r[0]?.n ?? 0) > 0;
  }

  async relation(table: string): Promise<string> {
    if (!(await this.exists(table))) throw new PlatformError('PIPELINE_TABLE_MISSING', `table ${table} does not exist yet`, { table });
    return `(SELECT * FROM ${ident(table)})`;
  }

  query(sql: string): Promise<ResultRow[]> {
    return this.#serial(async () => readRows(await this.#conn.run(sql)));
  }

  write(table: string, sql: string, mode: WriteMode): Promise<WriteResult> {
    return this.#serial(async () => {
      const t = ident(table);
      const c = this.#conn;
      await c.run('BEGIN TRANSACTION');
      try {
        await c.run(`CREATE TEMP TABLE __model_out AS ${sql}`);
        const exists = await this.exists(table);
        if (!exists) {
          await c.run(`CREATE TABLE ${t} AS SELECT * FROM __model_out`);
        } else {
          if (mode.mode === 'overwrite') await c.run(`DELETE FROM ${t}`);
          if (mode.mode === 'overwrite-partitions') {
            const outside = await readRows(await c.run(`SELECT count(*) AS n FROM __model_out WHERE CAST(${ident(mode.partitionBy)} AS VARCHAR) NOT IN (${mode.partitions.map(literal).join(', ') || "''"})`));
            if (Number(outside[0]?.n ?? 0) > 0) throw new PlatformError('PIPELINE_MODEL_INVALID', `${table}: the query yields rows outside partitions ${mode.partitions.join(', ')}`);
            await c.run(`DELETE FROM ${t} WHERE CAST(${ident(mode.partitionBy)} AS VARCHAR) IN (${mode.partitions.map(literal).join(', ')})`);
          }
          await c.run(`INSERT INTO ${t} BY NAME SELECT * FROM __model_out`);
        }
        const n = await readRows(await c.run('SELECT count(*) AS n FROM __model_out'));
        await c.run('DROP TABLE __model_out');
        await c.run('COMMIT');
        return { rows: Number(n[0]?.n ?? 0), version: null };
      } catch (e) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }
}
