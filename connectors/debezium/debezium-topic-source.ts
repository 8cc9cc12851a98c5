/**
 * ChangeSource over Debezium JSON topics (capability 'changeSource', kind 'debezium-topics'): the
 * topics a real Kafka Connect + Debezium deployment writes (seed 000), consumed through an EventLog
 * in a consumer group. Accepts Kafka Connect's `{schema, payload}` wrapping and bare envelopes.
 *
 * - Tombstones (null value, which the Kafka EventLog hands over as '') are skipped and counted.
 * - Malformed JSON, an unknown op, a missing before/after: `invalid` with a reason (topic/partition@offset).
 * - Snapshot: Debezium writes its own snapshot into the topics as op 'r' records; this source just reads.
 * - Position: JSON `{"<topic>": {"<partition>": "<next offset>"}}`; the EventLog commits a partition's
 *   offsets only after the handler resolved, so a restart resumes there (at-least-once).
 *
 * Why a factory function: a ConnectorFactory gets only (config, ctx), and this source needs the
 * platform's EventLog, which the composition root builds first. `debeziumTopicSourceFactory({ eventLog })`
 * returns the factory to register; `createDebeziumTopicSource(config, ctx, { eventLog })` builds one directly.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChangeBatch, ChangeSource, ChangeStreamHandle } from '../contracts/change-source.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { ConsumedBatch, ConsumerHandle, EventLog } from '../contracts/event-log.ts';
import type { ConnectorFactory } from '../registry.ts';
import { validateConfig } from '../../schema/config-validation.ts';
import { parseDebeziumEnvelope, type DebeziumEnvelope } from '../../schema/events/debezium.ts';
import { PlatformError } from '../../schema/errors.ts';
import { counter } from '../support/metrics.ts';

export const debeziumTopicSourceConfigSchema = z.object({
  /** Debezium topics to read (e.g. `dbserver1.booking.bookings`). */
  topics: z.array(z.string().min(1)).min(1),
  groupId: z.string().min(1),
  /** Where a group with no committed offset starts. */
  fromBeginning: z.boolean().default(true),
  maxBatchSize: z.number().int().min(1).max(100_000).default(500),
}).strict();

export type DebeziumTopicSourceConfig = z.output<typeof debeziumTopicSourceConfigSchema>;

export interface DebeziumTopicSourceDeps {
  readonly eventLog: EventLog;
}

type Offsets = Readonly<Record<string, Readonly<Record<string, string>>>>;

function withOffset(o: Offsets, topic: string, partition: number, next: string): Offsets {
  return { ...o, [topic]: { ...o[topic], [String(partition)]: next } };
}

export class DebeziumTopicSource implements ChangeSource {
  readonly capability = 'changeSource' as const;
  readonly kind = 'debezium-topics';
  readonly features: ReadonlySet<string> = new Set<string>();
  readonly config: DebeziumTopicSourceConfig;
  readonly #log: EventLog;
  readonly #logger: Logger;
  readonly #metrics;
  readonly stats = { records: 0, changes: 0, tombstones: 0, invalid: 0 };
  #started = false;
  #closed = false;
  #consumer: ConsumerHandle | null = null;

  constructor(config: DebeziumTopicSourceConfig, ctx: ConnectorContext, deps: DebeziumTopicSourceDeps) {
    this.config = config;
    this.#log = deps.eventLog;
    this.#logger = ctx.logger.child({ impl: 'changeSource/debezium-topics', group: config.groupId });
    this.#metrics = {
      changes: counter(ctx.metrics, 'gofuture_cdc_changes_total', 'Changes a change source delivered and had confirmed', ['table', 'op']),
      tombstones: counter(ctx.metrics, 'gofuture_cdc_tombstones_total', 'Tombstone records (null value) skipped by the Debezium topic source', ['topic']),
      invalid: counter(ctx.metrics, 'gofuture_cdc_debezium_invalid_total', 'Debezium records that failed to parse (delivered as invalid)', ['topic']),
    };
  }

  async start(): Promise<void> {
    if (this.#closed) throw new PlatformError('CONNECTOR_NOT_STARTED', 'changeSource/debezium-topics is closed');
    this.#started = true;
  }

  async health(): Promise<HealthReport> {
    if (this.#closed) return { ok: false, detail: 'closed' };
    if (!this.#started) return { ok: false, detail: 'not started' };
    const log = await this.#log.health();
    if (!log.ok) return { ok: false, detail: `event log: ${log.detail}` };
    return { ok: true, detail: `${this.#consumer ? 'consuming' : 'idle'} ${this.config.topics.join(', ')} as ${this.config.groupId}` };
  }

  /** One partition's records as a batch, and the partition's next offset (pure). */
  toBatch(batch: ConsumedBatch, confirmed: Offsets): { batch: ChangeBatch; tombstones: number; next: string | null } {
    const changes: DebeziumEnvelope[] = [];
    const invalid: { raw: string; reason: string }[] = [];
    let tombstones = 0;
    for (const r of batch.records) {
      if (r.value === '') {
        tombstones++;
        continue;
      }
      const p = parseDebeziumEnvelope(r.value);
      if (p.ok) changes.push(p.envelope);
      else invalid.push({ raw: r.value, reason: `${r.topic}/${r.partition}@${r.offset}: ${p.reason}` });
    }
    const last = batch.records[batch.records.length - 1];
    const next = last ? (BigInt(last.offset) + 1n).toString() : null;
    const position = next === null ? confirmed : withOffset(confirmed, batch.topic, batch.partition, next);
    return { batch: { changes, invalid, position: JSON.stringify(position) }, tombstones, next };
  }

  async stream(handler: (batch: ChangeBatch) => Promise<void>): Promise<ChangeStreamHandle> {
    if (!this.#started || this.#closed) throw new PlatformError('CONNECTOR_NOT_STARTED', `changeSource/debezium-topics is ${this.#closed ? 'closed' : 'not started'}`);
    if (this.#consumer) throw new PlatformError('BAD_USER_INPUT', 'changeSource/debezium-topics: a stream is already running');
    let confirmed: Offsets = {};
    let anyConfirmed = false;
    const consumer = await this.#log.consume({
      groupId: this.config.groupId,
      topics: this.config.topics,
      fromBeginning: this.config.fromBeginning,
      maxBatchSize: this.config.maxBatchSize,
      handler: async (records) => {
        const { batch, tombstones, next } = this.toBatch(records, confirmed);
        if (batch.changes.length + batch.invalid.length > 0) await handler(batch);
        // the handler resolved: the EventLog commits this partition's offset when we return
        // (partitions may run concurrently: merge only ours)
        if (next !== null) confirmed = withOffset(confirmed, records.topic, records.partition, next);
        anyConfirmed = true;
        this.stats.records += records.records.length;
        this.stats.changes += batch.changes.length;
        this.stats.tombstones += tombstones;
        this.stats.invalid += batch.invalid.length;
        if (tombstones > 0) this.#metrics.tombstones.inc({ topic: records.topic }, tombstones);
        if (batch.invalid.length > 0) this.#metrics.invalid.inc({ topic: records.topic }, batch.invalid.length);
        for (const c of batch.changes) this.#metrics.changes.inc({ table: `${c.source.schema}.${c.source.table}`, op: c.op });
      },
    });
    this.#consumer = consumer;
    this.#logger.info({ topics: this.config.topics }, 'consuming Debezium topics');
    return {
      confirmedPosition: () => (anyConfirmed ? JSON.stringify(confirmed) : null),
      stop: async () => {
        await consumer.stop();
        if (this.#consumer === consumer) this.#consumer = null;
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#consumer?.stop();
    this.#consumer = null;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export function createDebeziumTopicSource(config: z.input<typeof debeziumTopicSourceConfigSchema>, ctx: ConnectorContext, deps: DebeziumTopicSourceDeps): DebeziumTopicSource {
  return new DebeziumTopicSource(validateConfig(debeziumTopicSourceConfigSchema, config, 'connectors.changeSource'), ctx, deps);
}

/** The factory to register once the EventLog exists: `registry.register(debeziumTopicSourceFactory({ eventLog }))`. */
export function debeziumTopicSourceFactory(deps: DebeziumTopicSourceDeps): ConnectorFactory<typeof debeziumTopicSourceConfigSchema, DebeziumTopicSource> {
  return {
    capability: 'changeSource',
    kind: 'debezium-topics',
    configSchema: debeziumTopicSourceConfigSchema,
    create: (config, ctx) => new DebeziumTopicSource(config, ctx, deps),
  };
}
