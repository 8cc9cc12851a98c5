/**
 * Plays seed 000's source services against PostgreSQL: for each domain event, the owning service
 * applies its row change(s) to its own tables AND inserts the event into its outbox table, in ONE
 * transaction (seed 002's transactional outbox). Several events share a transaction (`batchSize`)
 * for speed; a batch commits whole or not at all.
 *
 * Idempotent by event id: an event whose outbox row already exists is skipped with its row changes,
 * so replaying the same events (after a crash of the caller) changes nothing.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { DomainEventSchema, type DomainEvent } from '../../schema/events/domain-events.ts';
import { PlatformError } from '../../schema/errors.ts';
import { OUTBOX_TABLE, sourceDdl } from '../../schema/sources/source-tables.ts';
import { eventWrite, type OutboxRow, type RowChange } from './event-rows.ts';

export interface SourceWriterOptions {
  readonly pgUrl: string;
  readonly logger: Logger;
  /** Prefix of the service schemas (`<prefix>booking`, ...). Default '' (production names). */
  readonly schemaPrefix?: string;
  /** Events per transaction. Default 100. */
  readonly batchSize?: number;
}

export interface WriteResult {
  /** Events whose row changes and outbox row were committed. */
  readonly written: number;
  /** Events skipped because their outbox row already existed. */
  readonly duplicates: number;
  readonly transactions: number;
}

export interface SourceWriter {
  /** Creates the service schemas and tables (idempotent), REPLICA IDENTITY FULL on each. */
  migrate(): Promise<void>;
  /** Writes the events in order, `batchSize` per transaction. Invalid events: EVENT_INVALID, nothing written. */
  write(events: Iterable<DomainEvent>): Promise<WriteResult>;
  close(): Promise<void>;
}

const OUTBOX_COLUMNS = ['event_id', 'aggregate_type', 'aggregate_id', 'event_type', 'topic', 'key', 'payload', 'occurred_at'] as const;

function outboxSql(prefix: string, o: OutboxRow): { text: string; values: unknown[] } {
  const cols = OUTBOX_COLUMNS.join(', ');
  const params = OUTBOX_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
  return {
    text: `INSERT INTO ${prefix}${o.service}.${OUTBOX_TABLE} (${cols}) VALUES (${params}) ON CONFLICT (event_id) DO NOTHING`,
    values: OUTBOX_COLUMNS.map((c) => o[c]),
  };
}

/** An upsert of one row change (see RowChange for the guard and counters). */
export function upsertSql(prefix: string, c: RowChange): { text: string; values: unknown[] } {
  const keyCols = Object.keys(c.key);
  const setCols = Object.keys(c.set);
  const addCols = Object.keys(c.add ?? {});
  const cols = [...keyCols, ...setCols, ...addCols];
  const values = [...Object.values(c.key), ...Object.values(c.set), ...Object.values(c.add ?? {})];
  const updates = [
    ...setCols.map((col) => (col === 'updated_at' && !c.guarded ? `updated_at = GREATEST(r.updated_at, EXCLUDED.updated_at)` : `${col} = EXCLUDED.${col}`)),
    ...addCols.map((col) => `${col} = r.${col} + EXCLUDED.${col}`),
  ];
  const guard = c.guarded ? ' WHERE r.updated_at <= EXCLUDED.updated_at' : '';
  return {
    text: `INSERT INTO ${prefix}${c.service}.${c.table} AS r (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) `
      + `ON CONFLICT (${keyCols.join(', ')}) DO UPDATE SET ${updates.join(', ')}${guard}`,
    values,
  };
}

export function createSourceWriter(o: SourceWriterOptions): SourceWriter {
  const prefix = o.schemaPrefix ?? '';
  const batchSize = o.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new PlatformError('CONFIG_INVALID', `sourceWriter.batchSize must be a positive integer, got ${batchSize}`);
  const logger = o.logger.child({ job: 'source-writer' });
  const client = new pg.Client({ connectionString: o.pgUrl, application_name: 'gofuture-source-writer' });
  client.on('error', (e) => logger.warn({ err: e.message }, 'source writer connection error'));
  let connected: Promise<unknown> | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const connect = (): Promise<unknown> => {
    if (closed) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'source writer is closed'));
    connected ??= client.connect().catch((e: unknown) => {
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `source writer cannot connect to PostgreSQL: ${String(e)}`, {}, { cause: e });
    });
    return connected;
  };
  /** One operation at a time on the one connection. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const writeBatch = async (batch: readonly DomainEvent[]): Promise<{ written: number; duplicates: number }> => {
    let written = 0;
    await client.query('BEGIN');
    try {
      for (const e of batch) {
        const w = eventWrite(e);
        const ins = outboxSql(prefix, w.outbox);
        const r = await client.query(ins.text, ins.values);
        if (r.rowCount !== 1) continue; // already written: skip its row changes too
        for (const c of w.changes) {
          const up = upsertSql(prefix, c);
          await client.query(up.text, up.values);
        }
        written++;
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return { written, duplicates: batch.length - written };
  };

  return {
    migrate: () => serial(async () => {
      await connect();
      for (const sql of sourceDdl(prefix)) await client.query(sql);
      logger.info({ prefix }, 'source tables ready');
    }),
    write: (events) => serial(async () => {
      await connect();
      const all = [...events];
      for (const e of all) {
        const r = DomainEventSchema.safeParse(e);
        if (!r.success) throw new PlatformError('EVENT_INVALID', `source writer: invalid event ${String((e as { event_id?: unknown }).event_id)}: ${r.error.issues[0]?.message ?? 'invalid'}`);
      }
      let written = 0;
      let duplicates = 0;
      let transactions = 0;
      for (let i = 0; i < all.length; i += batchSize) {
        const r = await writeBatch(all.slice(i, i + batchSize));
        written += r.written;
        duplicates += r.duplicates;
        transactions++;
      }
      return { written, duplicates, transactions };
    }),
    close: async () => {
      if (closed) return;
      closed = true;
      await queue;
      if (connected) await client.end().catch(() => undefined);
    },
  };
}
