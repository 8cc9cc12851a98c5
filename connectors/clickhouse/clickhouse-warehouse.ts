/**
 * Warehouse on ClickHouse over HTTP (@clickhouse/client), for Debian's ClickHouse 18.16 and current
 * servers alike.
 *
 * - `{name}` parameters are bound by typed escaping (clickhouse-sql.ts), not server-side params.
 * - Tables: MergeTree partitioned by `toYYYYMMDD(partitionBy)`. A `dedup` table is the physical
 *   ReplacingMergeTree `<name>_data` plus the view `<name>` (`SELECT ... FINAL`): queries see only
 *   the winning row at once; inserts go to `<name>_data`.
 * - insert(): JSONEachRow batches of `insertBatchSize`, a refused batch bisected to its bad rows.
 * - replacePartition(): rows go to a fresh staging table (same structure and engine), then
 *   `ALTER TABLE <physical> REPLACE PARTITION <p> FROM <staging>`: the swap of the partition is one
 *   atomic metadata operation, so readers see the old rows or the new ones, never a mix or a gap; a
 *   row the server refuses fails the call before anything is replaced.
 * - Extra for trips: the `trips_daily_mv` rollup (clickhouse-rollup.ts).
 */
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, isPlatformError, PlatformError } from '../../schema/errors.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { InsertResult, RejectedRow, Row, SqlParams, Warehouse } from '../contracts/warehouse.ts';
import { counter, histogram } from '../support/metrics.ts';
import { withRetry } from '../support/retry.ts';
import { clickHouseWarehouseConfigSchema, type ClickHouseWarehouseConfig, type ClickHouseWarehouseConfigInput } from './clickhouse-config.ts';
import { makeClient, serverMessage } from './clickhouse-client.ts';
import { isIllegalAggregation, rewriteShadowingAliases } from './clickhouse-alias-compat.ts';
import { batches, bisectInsert, dedupRounds, insertRows, precheck, type InsertTally } from './clickhouse-insert.ts';
import { rollupSql } from './clickhouse-rollup.ts';
import { bindPlaceholders, createTableSql, ident, partitionLiteral, physicalName, returnsRows } from './clickhouse-sql.ts';
import { renameColumns, rowsOf } from './clickhouse-values.ts';

type StatementKind = 'query' | 'insert' | 'replace' | 'ddl';

export class ClickHouseWarehouse implements Warehouse {
  readonly capability = 'warehouse' as const;
  readonly kind = 'clickhouse';
  readonly dialect = 'clickhouse' as const;
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: ClickHouseWarehouseConfig;
  readonly #log: Logger;
  readonly #tables = new Map<string, TableContract>();
  readonly #metrics;
  #client: ClickHouseClient | null = null;
  #serverVersion = '';
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  constructor(config: ClickHouseWarehouseConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ connector: 'warehouse/clickhouse' });
    this.#metrics = {
      queries: counter(ctx.metrics, 'gofuture_warehouse_queries_total', 'Warehouse statements run, by kind (query, insert, replace, ddl)', ['kind']),
      inserted: counter(ctx.metrics, 'gofuture_warehouse_rows_inserted_total', 'Rows the warehouse accepted', []),
      rejected: counter(ctx.metrics, 'gofuture_warehouse_rows_rejected_total', 'Rows the warehouse refused', []),
      seconds: histogram(ctx.metrics, 'gofuture_warehouse_query_seconds', 'Warehouse statement duration', [], [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
    };
  }

  /** The server's version string (known after start). */
  get serverVersion(): string {
    return this.#serverVersion;
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'warehouse/clickhouse is closed'));
    this.#starting ??= this.#open().catch((e: unknown) => {
      this.#starting = null;
      throw e;
    });
    return this.#starting;
  }

  async #open(): Promise<void> {
    const c = this.#config;
    // The target database may not exist yet: bootstrap through `default`.
    const boot = makeClient({ ...c, database: 'default' }, this.#log);
    try {
      this.#serverVersion = await withRetry(
        async () => {
          const rs = await boot.query({ query: 'SELECT version() AS v', format: 'JSON' });
          const body = await rs.json<Record<string, unknown>>();
          return String(rowsOf(body)[0]?.v ?? '');
        },
        {
          ...c.startRetry,
          onRetry: (attempt, e, delayMs) => this.#log.warn({ attempt, delayMs, url: c.url, err: errorMessage(e) }, 'clickhouse not reachable, retrying'),
        },
      );
      await boot.command({ query: `CREATE DATABASE IF NOT EXISTS ${ident(c.database)}` });
    } catch (e) {
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `warehouse/clickhouse cannot reach ${c.url}: ${errorMessage(e)}`, { url: c.url }, { cause: e });
    } finally {
      await boot.close();
    }
    this.#client = makeClient(c, this.#log);
    this.#log.info({ url: c.url, database: c.database, version: this.#serverVersion }, 'clickhouse warehouse connected');
  }

  async health(): Promise<HealthReport> {
    if (!this.#client || this.#closing) return { ok: false, detail: this.#closing ? 'closed' : 'not started' };
    try {
      await this.query('SELECT 1 AS ok');
      return { ok: true, detail: `clickhouse ${this.#serverVersion} ${this.#config.url}/${this.#config.database}` };
    } catch (e) {
      return { ok: false, detail: errorMessage(e) };
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      const client = this.#client;
      this.#client = null;
      await client?.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async ensureTables(tables: readonly TableContract[]): Promise<void> {
    const ddl = tables.map((t) => ({ t, sql: [...createTableSql(t), ...rollupSql(t)] }));
    await this.#run('ddl', async (client) => {
      for (const { t, sql } of ddl) {
        for (const stmt of sql) await client.command({ query: stmt });
        this.#tables.set(t.name, t);
      }
    });
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const bound = bindPlaceholders(sql, params);
    return this.#run('query', async (client) => {
      if (!returnsRows(bound)) {
        await client.command({ query: bound });
        return [];
      }
      const select = async (q: string): Promise<Row[]> => {
        const rs = await client.query({ query: q, format: 'JSON', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
        return rowsOf(await rs.json<Record<string, unknown>>());
      };
      try {
        return (await select(bound)) as T[];
      } catch (e) {
        // An alias shadowing a column another item reads (valid DuckDB): retried once, see clickhouse-alias-compat.ts.
        const rewrite = isIllegalAggregation(serverMessage(e)) ? rewriteShadowingAliases(bound) : null;
        if (!rewrite) throw e;
        const rows = await select(rewrite.sql).catch(() => Promise.reject(e));
        return rows.map((r) => renameColumns(r, rewrite.names)) as T[];
      }
    });
  }

  async insert(table: string, rows: readonly Row[]): Promise<InsertResult> {
    const t = this.#contract(table);
    const out: InsertTally = { inserted: 0, rejected: [] as RejectedRow[] };
    const valid = precheck(t, rows, out.rejected);
    if (valid.length > 0) {
      await this.#run('insert', async (client) => {
        for (const round of dedupRounds(t, valid)) {
          for (const batch of batches(round, this.#config.insertBatchSize)) await bisectInsert(client, physicalName(t), t, batch, out);
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
    const p = partitionLiteral(partition);
    const rejected: RejectedRow[] = [];
    const valid = precheck(t, rows, rejected);
    const stray = rows.find((r) => r[col] !== partition);
    if (rejected.length > 0 || stray) {
      const reason = rejected[0]?.reason ?? `row's ${col} ${JSON.stringify(stray?.[col])} is not partition ${partition}`;
      throw new PlatformError('WAREHOUSE_QUERY_FAILED', `replacePartition ${table}/${partition}: ${reason}`, { table, partition });
    }
    const physical = physicalName(t);
    const staging = `${physical}_stage_${randomBytes(6).toString('hex')}`;
    await this.#run('replace', async (client) => {
      await client.command({ query: `CREATE TABLE ${ident(staging)} AS ${ident(physical)}` });
      try {
        for (const round of dedupRounds(t, valid)) {
          for (const batch of batches(round, this.#config.insertBatchSize)) {
            await insertRows(client, staging, t, batch).catch((e: unknown) => {
              throw new PlatformError('WAREHOUSE_QUERY_FAILED', `replacePartition ${table}/${partition}: ${serverMessage(e)}`, { table, partition }, { cause: e });
            });
          }
        }
        await client.command({ query: `ALTER TABLE ${ident(physical)} REPLACE PARTITION ${p} FROM ${ident(staging)}` });
      } finally {
        await client.command({ query: `DROP TABLE IF EXISTS ${ident(staging)}` }).catch((e: unknown) => {
          this.#log.warn({ staging, err: errorMessage(e) }, 'could not drop staging table');
        });
      }
    });
    this.#metrics.inserted.inc(valid.length);
  }

  #contract(table: string): TableContract {
    const t = this.#tables.get(table);
    if (!t) throw new PlatformError('WAREHOUSE_QUERY_FAILED', `table ${table} is unknown to this warehouse (call ensureTables first)`, { table });
    return t;
  }

  /** Runs `fn` with the client, timed and counted; server errors become WAREHOUSE_QUERY_FAILED with the server's message. */
  async #run<T>(kind: StatementKind, fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    const client = this.#client;
    if (!client || this.#closing) {
      throw new PlatformError('CONNECTOR_NOT_STARTED', `warehouse/clickhouse is ${this.#closing ? 'closed' : 'not started'}`);
    }
    this.#metrics.queries.inc({ kind });
    const end = this.#metrics.seconds.startTimer();
    try {
      return await fn(client);
    } catch (e) {
      if (isPlatformError(e)) throw e;
      throw new PlatformError('WAREHOUSE_QUERY_FAILED', serverMessage(e), { kind }, { cause: e });
    } finally {
      end();
    }
  }
}

/** Builds a ClickHouse warehouse from its config (validated here too, so direct callers get defaults and checks). */
export function createClickHouseWarehouse(config: ClickHouseWarehouseConfigInput, ctx: ConnectorContext): ClickHouseWarehouse {
  return new ClickHouseWarehouse(validateConfig(clickHouseWarehouseConfigSchema, config, 'connectors.warehouse'), ctx);
}
