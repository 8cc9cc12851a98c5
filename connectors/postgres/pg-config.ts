/** Config of the PostgreSQL logical-replication ChangeSource (validated, defaults filled, frozen). */
import { z } from 'zod';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const QUALIFIED = /^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export const pgChangeSourceConfigSchema = z.object({
  /** postgres://user@host:port/db; the user needs REPLICATION (or superuser) and owns the tables. */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  /** Persistent logical replication slot (created if missing). */
  slot: z.string().regex(IDENT, 'lower-case letters, digits and _ (at most 63)'),
  /** Publication (created if missing: FOR TABLE `tables`, or FOR ALL TABLES when `tables` is empty). */
  publication: z.string().regex(IDENT, 'lower-case letters, digits and _ (at most 63)'),
  /** Captured tables as `schema.table`; empty: every table (FOR ALL TABLES). Missing ones are added to an existing publication. */
  tables: z.array(z.string().regex(QUALIFIED, 'expected schema.table')).default([]),
  /** 'initial': read every captured table as op 'r' records once, when the slot is created; 'never': stream only. */
  snapshot: z.enum(['initial', 'never']).default('initial'),
  /** Debezium `source.name` (the logical server name). */
  name: z.string().min(1).default('gofuture'),
  /** Sets REPLICA IDENTITY FULL on the captured tables at start, so `before` is complete for u/d. */
  replicaIdentityFull: z.boolean().default(true),
  /** Rows per snapshot batch. */
  snapshotBatchSize: z.number().int().min(1).max(100_000).default(1000),
  /** Committed transactions already received are merged into one batch up to this many changes. */
  maxBatchChanges: z.number().int().min(1).max(1_000_000).default(2000),
  /** Standby status (keepalive + confirmed position) and lag metric interval. */
  statusIntervalMs: z.number().int().min(100).max(60_000).default(5000),
  /** Backoff bounds when the handler rejects or the connection drops. */
  retryMinMs: z.number().int().min(1).default(100),
  retryMaxMs: z.number().int().min(1).default(5000),
  /** How long stream() waits for a slot still held by another connection (e.g. a killed predecessor's walsender). */
  slotBusyWaitMs: z.number().int().min(0).max(600_000).default(10_000),
  /** The table that remembers per slot that the snapshot completed and the last confirmed LSN. */
  stateTable: z.string().regex(QUALIFIED, 'expected schema.table').default('public._gofuture_cdc_state'),
}).strict();

export type PgChangeSourceConfig = z.output<typeof pgChangeSourceConfigSchema>;
export type PgChangeSourceConfigInput = z.input<typeof pgChangeSourceConfigSchema>;

/** `"schema"."table"` of a validated `schema.table`. */
export function quoteQualified(name: string): string {
  return name.split('.').map((p) => `"${p}"`).join('.');
}
