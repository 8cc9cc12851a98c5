/**
 * ChangeSource on PostgreSQL logical replication (capability 'changeSource', kind 'postgres'):
 * pgoutput, a persistent named slot and a publication (both created if missing), an initial
 * snapshot consistent with the slot (exported snapshot), then streaming; Debezium envelopes out.
 * How positions are confirmed: pg-stream-run.ts. Value mapping: pg-values.ts.
 *
 * Gaps, stated: a transaction is held in memory until its commit (pgoutput protocol 1, no streaming of
 * in-progress transactions); a snapshot interrupted half-way is taken again from the start (the
 * handler sees those 'r' records twice: at-least-once); DDL is not captured (a Relation message
 * re-describes a changed table, and later rows carry the new columns).
 */
import type { Logger } from 'pino';
import type { ChangeBatch, ChangeSource, ChangeStreamHandle } from '../contracts/change-source.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, isPlatformError, PlatformError } from '../../schema/errors.ts';
import { counter, gauge } from '../support/metrics.ts';
import { PgAdmin, type CapturedTable } from './pg-admin.ts';
import { pgChangeSourceConfigSchema, quoteQualified, type PgChangeSourceConfig, type PgChangeSourceConfigInput } from './pg-config.ts';
import { StreamRun, type RunMetrics } from './pg-stream-run.ts';

export class PgChangeSource implements ChangeSource {
  readonly capability = 'changeSource' as const;
  readonly kind = 'postgres';
  readonly features: ReadonlySet<string> = new Set<string>();
  readonly config: PgChangeSourceConfig;
  readonly #logger: Logger;
  readonly #metrics: RunMetrics;
  #admin: PgAdmin | null = null;
  #tables = new Map<string, CapturedTable>();
  #starting: Promise<void> | null = null;
  #run: StreamRun | null = null;
  #closing: Promise<void> | null = null;
  #db = '';

  constructor(config: PgChangeSourceConfig, ctx: ConnectorContext) {
    this.config = config;
    this.#logger = ctx.logger.child({ impl: 'changeSource/postgres', slot: config.slot });
    this.#metrics = {
      changes: counter(ctx.metrics, 'gofuture_cdc_changes_total', 'Changes a change source delivered and had confirmed', ['table', 'op']),
      invalid: counter(ctx.metrics, 'gofuture_cdc_invalid_total', 'Changes a change source could not convert (delivered as invalid)', ['slot']),
      handlerFailures: counter(ctx.metrics, 'gofuture_cdc_handler_failures_total', 'Change batches whose handler rejected (retried)', ['slot']),
      redeliveriesSkipped: counter(ctx.metrics, 'gofuture_cdc_redeliveries_skipped_total', 'Re-sent transactions at or below the persisted confirmed LSN, skipped', ['slot']),
      lag: gauge(ctx.metrics, 'gofuture_cdc_lag_bytes', 'WAL bytes between pg_current_wal_lsn() and the slot confirmed_flush_lsn', ['slot']),
    };
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'changeSource/postgres is closed'));
    this.#starting ??= (async () => {
      const admin = new PgAdmin(this.config, (e) => this.#logger.warn({ err: e.message }, 'admin connection error'));
      try {
        await admin.prepare();
        await this.#loadTables(admin);
        this.#db = new URL(this.config.url).pathname.replace(/^\//, '') || 'postgres';
        this.#admin = admin;
        this.#logger.info({ publication: this.config.publication, tables: [...this.#tables.keys()] }, 'change source ready');
      } catch (e) {
        await admin.close().catch(() => undefined);
        this.#starting = null;
        if (isPlatformError(e)) throw e;
        throw new PlatformError('CONNECTOR_UNAVAILABLE', `changeSource/postgres cannot prepare ${this.config.slot}: ${errorMessage(e)}`, {}, { cause: e });
      }
    })();
    return this.#starting;
  }

  async #loadTables(admin: PgAdmin): Promise<readonly CapturedTable[]> {
    const tables = await admin.capturedTables();
    this.#tables = new Map(tables.map((t) => [`${t.schema}.${t.table}`, t]));
    return tables;
  }

  /** Primary-key columns of a captured table (the CDC job keys its records by them). */
  primaryKey(schema: string, table: string): readonly string[] | undefined {
    const pk = this.#tables.get(`${schema}.${table}`)?.primaryKey;
    return pk && pk.length > 0 ? pk : undefined;
  }

  async health(): Promise<HealthReport> {
    if (this.#closing) return { ok: false, detail: 'closed' };
    if (!this.#admin) return { ok: false, detail: 'not started' };
    try {
      const s = await this.#admin.slot();
      if (!s.exists) return { ok: false, detail: `slot ${this.config.slot} does not exist` };
      const lag = s.lagBytes === null ? '' : `, lag ${s.lagBytes} bytes`;
      return s.active
        ? { ok: true, detail: `slot ${this.config.slot} active, confirmed ${s.confirmedFlush ?? '-'}${lag}` }
        : { ok: false, detail: `slot ${this.config.slot} exists but is not active (no stream running)${lag}` };
    } catch (e) {
      return { ok: false, detail: `PostgreSQL unreachable: ${errorMessage(e)}` };
    }
  }

  async stream(handler: (batch: ChangeBatch) => Promise<void>): Promise<ChangeStreamHandle> {
    const admin = this.#admin;
    if (!admin || this.#closing) throw new PlatformError('CONNECTOR_NOT_STARTED', `changeSource/postgres is ${this.#closing ? 'closed' : 'not started'}`);
    if (this.#run) throw new PlatformError('CDC_SLOT_IN_USE', `changeSource/postgres ${this.config.slot}: a stream is already running (one per slot)`, { slot: this.config.slot });
    const run = new StreamRun({
      config: this.config, admin, logger: this.#logger, metrics: this.#metrics,
      info: { name: this.config.name, db: this.#db },
      tables: () => this.#loadTables(admin),
      handler,
    });
    this.#run = run;
    try {
      await run.begin();
    } catch (e) {
      this.#run = null;
      if (isPlatformError(e) && e.code === 'CDC_SLOT_IN_USE') throw e;
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `changeSource/postgres cannot start streaming ${this.config.slot}: ${errorMessage(e)}`, {}, { cause: e });
    }
    return {
      confirmedPosition: () => run.confirmedPosition(),
      stop: async () => {
        await run.stop();
        if (this.#run === run) this.#run = null;
      },
    };
  }

  /** Counters of the running stream (null when none runs). */
  runStats(): StreamRun['stats'] | null {
    return this.#run?.stats ?? null;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      await this.#run?.stop();
      this.#run = null;
      await this.#admin?.close().catch(() => undefined);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Drops the slot (and its state row): for tests and decommissioning. The stream must be stopped. */
  async dropSlot(): Promise<void> {
    if (!this.#admin) throw new PlatformError('CONNECTOR_NOT_STARTED', 'changeSource/postgres is not started');
    await this.#admin.dropSlot();
    await this.#admin.pool.query(`DELETE FROM ${quoteQualified(this.config.stateTable)} WHERE slot = $1`, [this.config.slot]);
  }
}

export function createPgChangeSource(config: PgChangeSourceConfigInput, ctx: ConnectorContext): PgChangeSource {
  return new PgChangeSource(validateConfig(pgChangeSourceConfigSchema, config, 'connectors.changeSource'), ctx);
}
