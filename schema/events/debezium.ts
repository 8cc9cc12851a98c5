/**
 * The Debezium change-event envelope (JSON converter, schemas disabled), as written by
 * Debezium's PostgreSQL connector and by our own ChangeSource.
 */
import { z } from 'zod';

export const DEBEZIUM_OPS = ['c', 'u', 'd', 'r', 't'] as const;
export type DebeziumOp = (typeof DEBEZIUM_OPS)[number];

export const DebeziumSourceSchema = z.object({
  version: z.string().optional(),
  connector: z.string(),
  name: z.string(),
  ts_ms: z.number(),
  snapshot: z.union([z.boolean(), z.enum(['true', 'false', 'last', 'first', 'incremental', 'last_in_data_collection', 'first_in_data_collection'])]).optional(),
  db: z.string(),
  schema: z.string(),
  table: z.string(),
  txId: z.number().nullable().optional(),
  lsn: z.union([z.number(), z.string()]).nullable().optional(),
}).passthrough();

export const DebeziumEnvelopeSchema = z.object({
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  source: DebeziumSourceSchema,
  op: z.enum(DEBEZIUM_OPS),
  ts_ms: z.number(),
  transaction: z.unknown().optional(),
});

export type DebeziumEnvelope = z.infer<typeof DebeziumEnvelopeSchema>;

/** Debezium topic naming: `<prefix>.<schema>.<table>`. */
export function changeTopic(prefix: string, schema: string, table: string): string {
  return `${prefix}.${schema}.${table}`;
}

export type EnvelopeParse = { ok: true; envelope: DebeziumEnvelope } | { ok: false; reason: string };

/** Accepts either a bare envelope or Kafka Connect's `{schema, payload}` wrapping. Never throws. */
export function parseDebeziumEnvelope(value: string): EnvelopeParse {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  if (json && typeof json === 'object' && 'payload' in json && 'schema' in json) {
    json = (json as { payload: unknown }).payload;
  }
  const r = DebeziumEnvelopeSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    return { ok: false, reason: `invalid Debezium envelope at ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'unknown'}` };
  }
  const env = r.data;
  if ((env.op === 'c' || env.op === 'r' || env.op === 'u') && env.after === null) return { ok: false, reason: `op ${env.op} without after` };
  if (env.op === 'd' && env.before === null) return { ok: false, reason: 'op d without before' };
  return { ok: true, envelope: env };
}
