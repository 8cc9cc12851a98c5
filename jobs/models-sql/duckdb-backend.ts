/**
 * ModelBackend on plain DuckDB tables (one table per model, named as the model, e.g. "silver.trips"):
 * for unit tests and for a scratch run without the lake. Overwrite of partitions is a
 * DELETE + INSERT in one transaction; the first write creates the table from the query.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PlatformError } from '../../schema/errors.ts';
import type { ModelBackend, ResultRow, WriteMode, WriteResult } from './backend.ts';
import { layerOf, type LakeCatalog, type LakeCommit, type LakeTableInfo } from './catalog.ts';
import { readRows } from './duckdb-values.ts';

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (v: string): string => `'${v.replace(/'/g, "''")}'`;

export class DuckDbModelBackend implements ModelBackend, LakeCatalog {
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

  async tables(): Promise<LakeTableInfo[]> {
    const names = await this.query("SELECT table_name AS n FROM information_schema.tables WHERE table_name LIKE '%.%' ORDER BY 1");
    const out: LakeTableInfo[] = [];
    for (const r of names) {
      const i = await this.table(String(r.n));
      if (i) out.push(i);
    }
    return out;
  }

  async table(name: string): Promise<LakeTableInfo | null> {
    if (!(await this.exists(name))) return null;
    const [r] = await this.query(`SELECT count(*) AS n FROM ${ident(name)}`);
    return { name, layer: layerOf(name), version: null, partitions: [], rows: Number(r?.n ?? 0), lastCommit: null };
  }

  /** Plain tables keep no history. */
  async history(_name: string): Promise<LakeCommit[]> {
    return [];
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
