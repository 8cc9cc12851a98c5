/**
 * Warehouse on an embedded DuckDB file (@duckdb/node-api). One connection; statements run one at a
 * time through a queue. Dedup tables get a PRIMARY KEY and inserts upsert where version is >=.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, isPlatformError, PlatformError } from '../../schema/errors.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { InsertResult, RejectedRow, Row, SqlParams, Warehouse } from '../contracts/warehouse.ts';
import { counter, histogram } from '../support/metrics.ts';
import { addColumnSql, bindPlaceholders, createStageSql, createTableSql, ident, insertFromStageSql, stageName, stageText, toScalar } from './duckdb-sql.ts';
import { dedupRounds, type Staged } from './dedup-rounds.ts';
import { SerialQueue } from './serial-queue.ts';

export const duckDbWarehouseConfigSchema = z.object({
  /** Database file; ':memory:' for a throwaway in-memory database. */
  path: z.string().min(1),
}).strict();

export type DuckDbWarehouseConfig = z.output<typeof duckDbWarehouseConfigSchema>;

type StatementKind = 'query' | 'insert' | 'replace' | 'ddl';

export class DuckDbWarehouse implements Warehouse {
  readonly capability = 'warehouse' as const;
  readonly kind = 'duckdb';
  readonly dialect = 'duckdb' as const;
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: DuckDbWarehouseConfig;
  readonly #log: Logger;
  readonly #queue = new SerialQueue();
  readonly #tables = new Map<string, TableContract>();
  readonly #prepared = new Map<string, DuckDBPreparedStatement>();
  readonly #metrics;
  #instance: DuckDBInstance | null = null;
  #conn: DuckDBConnection | null = null;
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  constructor(config: DuckDbWarehouseConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ impl: 'warehouse/duckdb' });
    this.#metrics = {
      queries: counter(ctx.metrics, 'gofuture_warehouse_queries_total', 'Warehouse statements run, by kind (query, insert, replace, ddl)', ['kind']),
      inserted: counter(ctx.metrics, 'gofuture_warehouse_rows_inserted_total', 'Rows the warehouse accepted', []),
      rejected: counter(ctx.metrics, 'gofuture_warehouse_rows_rejected_total', 'Rows the warehouse refused', []),
      seconds: histogram(ctx.metrics, 'gofuture_warehouse_query_seconds', 'Warehouse statement duration', [], [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
    };
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'warehouse/duckdb is closed'));
    this.#starting ??= this.#open().catch((e: unknown) => {
      this.#starting = null;
      throw e;
    });
    return this.#starting;
  }

  async #open(): Promise<void> {
    const { path } = this.#config;
    try {
      if (!path.startsWith(':memory:')) await mkdir(dirname(path), { recursive: true });
      this.#instance = await DuckDBInstance.create(path);
      this.#conn = await this.#instance.connect();
    } catch (e) {
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `warehouse/duckdb cannot open ${path}: ${errorMessage(e)}`, { path }, { cause: e });
    }
    this.#log.info({ path }, 'duckdb warehouse opened');
  }

  async health(): Promise<HealthReport> {
    if (!this.#conn || this.#closing) return { ok: false, detail: this.#closing ? 'closed' : 'not started' };
    try {
      await this.query('SELECT 1 AS ok');
      return { ok: true, detail: `duckdb ${this.#config.path}` };
    } catch (e) {
      return { ok: false, detail: errorMessage(e) };
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      await this.#queue.drain();
      this.#prepared.clear();
      this.#conn?.closeSync(); // destroys its prepared statements too
      this.#instance?.closeSync();
      this.#conn = null;
      this.#instance = null;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async ensureTables(tables: readonly TableContract[]): Promise<void> {
    const ddl = tables.map((t) => ({ t, sql: createTableSql(t) }));
    await this.#run('ddl', async (conn) => {
      for (const { t, sql } of ddl) {
        await conn.run(sql);
        await this.#addMissingColumns(conn, t);
        await conn.run(createStageSql(t));
        this.#prepared.get(t.name)?.destroySync();
        this.#prepared.delete(t.name);
        this.#tables.set(t.name, t);
      }
    });
  }

  /** A table created by an older contract gets the nullable columns added since; a missing NOT NULL column is an error. */
  async #addMissingColumns(conn: DuckDBConnection, t: TableContract): Promise<void> {
    const existing = await conn.runAndReadAll(
      'SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = current_schema() AND table_name = $1',
      [t.name],
    );
    const have = new Set(existing.getRows().map((r) => String(r[0])));
    for (const c of t.columns) {
      if (have.has(c.name)) continue;
      if (!c.nullable) {
        throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${t.name} exists without the NOT NULL column ${c.name}: migrate it or use a fresh database file`, { table: t.name, column: c.name });
      }
      await conn.run(addColumnSql(t, c));
      this.#log.info({ table: t.name, column: c.name }, 'column added to existing table');
    }
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const bound = bindPlaceholders(sql, params);
    return this.#run('query', async (conn) => {
      let reader;
      if (Object.keys(bound.values).length === 0) {
        reader = await conn.runAndReadAll(bound.sql);
      } else {
        const stmt = await conn.prepare(bound.sql);
        try {
          stmt.bind(bound.values);
          reader = await stmt.runAndReadAll();
        } finally {
          stmt.destroySync();
        }
      }
      const names = reader.columnNames();
      return reader.getRows().map((values) => {
        const row: Row = {};
        names.forEach((n, i) => (row[n] = toScalar(values[i] ?? null, n)));
        return row as T;
      });
    });
  }

  async insert(table: string, rows: readonly Row[]): Promise<InsertResult> {
    const t = this.#contract(table);
    const out = { inserted: 0, rejected: [] as RejectedRow[] };
    const valid = this.#precheck(t, rows, out.rejected);
    if (valid.length > 0) {
      await this.#run('insert', async (conn) => {
        const rounds = await this.#stage(conn, t, valid);
        try {
          for (const [r, round] of rounds.entries()) await this.#bisect(conn, t, r, round, out);
        } finally {
          await conn.run(`DELETE FROM ${stageName(t)}`);
        }
      });
    }
    this.#metrics.inserted.inc(out.inserted);
    this.#metrics.rejected.inc(out.rejected.length);
    if (out.rejected.length > 0) this.#log.warn({ table, rejected: out.rejected.length, first: out.rejected[0]?.reason }, 'warehouse rows rejected');
    return out;
  }

  async replacePartition(table: string, partition: string, rows: readonly Row[]): Promise<void> {
    const t = this.#contract(table);
    const col = t.partitionBy;
    if (!col) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${table} has no partitionBy column`, { table });
    const rejected: RejectedRow[] = [];
    const valid = this.#precheck(t, rows, rejected);
    const stray = rows.find((r) => r[col] !== partition);
    if (rejected.length > 0 || stray) {
      const reason = rejected[0]?.reason ?? `row's ${col} ${JSON.stringify(stray?.[col])} is not partition ${partition}`;
      throw new PlatformError('WAREHOUSE_QUERY_FAILED', `replacePartition ${table}/${partition}: ${reason}`, { table, partition });
    }
    await this.#run('replace', async (conn) => {
      const rounds = await this.#stage(conn, t, valid);
      await conn.run('BEGIN TRANSACTION');
      try {
        await conn.run(`DELETE FROM ${ident(t.name)} WHERE ${ident(col)} = $1`, [partition]);
        for (const [r, round] of rounds.entries()) {
          const first = round[0];
          const last = round.at(-1);
          if (first && last) await this.#insertStaged(conn, t, r, first.i, last.i);
        }
        await conn.run('COMMIT');
      } catch (e) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        await conn.run(`DELETE FROM ${stageName(t)}`);
      }
    });
    this.#metrics.inserted.inc(valid.length);
  }

  #contract(table: string): TableContract {
    const t = this.#tables.get(table);
    if (!t) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${table} is unknown to this warehouse (call ensureTables first)`, { table });
    return t;
  }

  /** Rows with keys the table does not have, or values no column can hold, are rejected before the engine. */
  #precheck(t: TableContract, rows: readonly Row[], rejected: RejectedRow[]): Row[] {
    const cols = new Set(t.columns.map((c) => c.name));
    const ok: Row[] = [];
    for (const row of rows) {
      const unknown = Object.keys(row).find((k) => !cols.has(k));
      const bad = Object.entries(row).find(([, v]) => v !== null && typeof v === 'object');
      if (unknown !== undefined) rejected.push({ row, reason: `table ${t.name} has no column "${unknown}"` });
      else if (bad) rejected.push({ row, reason: `column "${bad[0]}": unsupported value type ${typeof bad[1]}` });
      else ok.push(row);
    }
    return ok;
  }

  /**
   * Appends `rows` to the table's staging table (as text, so appending never fails), split into
   * dedup rounds; returns each round's rows with their staging index.
   */
  async #stage(conn: DuckDBConnection, t: TableContract, rows: readonly Row[]): Promise<Staged[][]> {
    const rounds = dedupRounds(t, rows);
    const appender = await conn.createAppender(stageName(t).slice(1, -1));
    try {
      let i = 0;
      for (const [r, round] of rounds.entries()) {
        for (const s of round) {
          s.i = i++;
          appender.appendInteger(r);
          appender.appendInteger(s.i);
          for (const c of t.columns) {
            const v = stageText(s.row[c.name]);
            if (v === null) appender.appendNull();
            else appender.appendVarchar(v);
          }
          appender.endRow();
        }
      }
    } finally {
      appender.closeSync();
    }
    return rounds;
  }

  /** Moves staged rows into the table; if the statement fails, halves the range until the bad rows are alone (and rejected). */
  async #bisect(conn: DuckDBConnection, t: TableContract, round: number, rows: readonly Staged[], out: { inserted: number; rejected: RejectedRow[] }): Promise<void> {
    const first = rows[0];
    const last = rows.at(-1);
    if (!first || !last) return;
    try {
      await this.#insertStaged(conn, t, round, first.i, last.i);
      out.inserted += rows.length;
    } catch (e) {
      if (rows.length === 1) {
        out.rejected.push({ row: first.row, reason: errorMessage(e) });
        return;
      }
      const mid = rows.length >> 1;
      await this.#bisect(conn, t, round, rows.slice(0, mid), out);
      await this.#bisect(conn, t, round, rows.slice(mid), out);
    }
  }

  async #insertStaged(conn: DuckDBConnection, t: TableContract, round: number, from: number, to: number): Promise<void> {
    let stmt = this.#prepared.get(t.name);
    if (!stmt) {
      stmt = await conn.prepare(insertFromStageSql(t));
      this.#prepared.set(t.name, stmt);
    }
    stmt.bind([round, from, to]);
    await stmt.run();
  }

  /** Runs `fn` alone on the connection, timed and counted; engine errors become WAREHOUSE_QUERY_FAILED. */
  #run<T>(kind: StatementKind, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const conn = this.#conn;
      if (!conn || this.#closing) {
        throw new PlatformError('CONNECTOR_NOT_STARTED', `warehouse/duckdb is ${this.#closing ? 'closed' : 'not started'}`);
      }
      this.#metrics.queries.inc({ kind });
      const end = this.#metrics.seconds.startTimer();
      try {
        return await fn(conn);
      } catch (e) {
        if (isPlatformError(e)) throw e;
        throw new PlatformError('WAREHOUSE_QUERY_FAILED', errorMessage(e), { kind }, { cause: e });
      } finally {
        end();
      }
    });
  }
}

/** Builds a DuckDB warehouse from its config (validated here too, so direct callers get defaults and checks). */
export function createDuckDbWarehouse(config: z.input<typeof duckDbWarehouseConfigSchema>, ctx: ConnectorContext): DuckDbWarehouse {
  return new DuckDbWarehouse(validateConfig(duckDbWarehouseConfigSchema, config, 'connectors.warehouse'), ctx);
}
