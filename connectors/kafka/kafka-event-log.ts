/**
 * EventLog on Kafka (kafkajs), for the `services` profile.
 *
 * - start(): probes the brokers with a no-retry client under our exponential backoff
 *   (connectors/support/retry.ts), logging each retry; then CONNECTOR_UNAVAILABLE naming the brokers.
 *   Then one admin and one idempotent producer (acks=all, one request in flight).
 * - ensureTopics(): creates missing topics with the spec's partitions, retention.ms and
 *   compression.type, and the configured replication factor; existing topics are left alone.
 * - publish(): every record's partition is computed up front with kafkajs' DefaultPartitioner
 *   (murmur2, as the Java client and the embedded log), so each record's offset is its partition's
 *   base offset plus its rank. Gzip record batches for topics whose spec says gzip. Unknown topic
 *   (auto-creation is off): TOPIC_UNKNOWN.
 * - consume(): kafka-consumer.ts. read(): kafka-reader.ts (a throwaway consumer group).
 * - Offsets: admin fetchTopicOffsets (high watermarks), fetchOffsets, setOffsets.
 * - Values (`valueFormat`, kafka-value-codec.ts): `json` as given, or `avro`: domain records of the
 *   domain topics in Confluent's wire format against the schema registry (started and closed with
 *   the log). publish() refuses an invalid event (EVENT_INVALID) or a schema the registry refuses
 *   (SCHEMA_INCOMPATIBLE) before sending anything; consumers get the event's JSON text, and a record
 *   that cannot be decoded (unknown schema id, not wire format) is dead-lettered with its coded
 *   reason (SCHEMA_UNKNOWN, EVENT_UNDECODABLE) and never reaches the handler. Control records pass
 *   through untouched. read() returns undecodable records with their bytes in base64 and the reason
 *   in `x-gofuture-undecodable-*` headers.
 */
import { CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import { ALL_TOPICS, TOPICS, type TopicSpec } from '../../schema/events/topics.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import { consumerLagByPartition, type ConsumerHandle, type ConsumerOptions, type EventLog, type LogRecord, type PartitionOffsets, type ProducerRecord, type PublishedRecord } from '../contracts/event-log.ts';
import { counter, counterOf, gaugeOf } from '../support/metrics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { withRetry } from '../support/retry.ts';
import { KafkaAdminOps } from './kafka-admin.ts';
import { kafkaEventLogConfigSchema, type KafkaEventLogConfig, type KafkaEventLogConfigInput } from './kafka-config.ts';
import { KafkaConsumerHandle } from './kafka-consumer.ts';
import { kafkaLogLevel, pinoLogCreator } from './kafka-logging.ts';
import { kafkaPartitionFor } from './kafka-partitioner.ts';
import { readRange } from './kafka-reader.ts';
import { addOffset, toMessage } from './kafka-records.ts';
import { avroValueCodec, jsonValueCodec, type KafkaValueCodec } from './kafka-value-codec.ts';
import { ConfluentSchemaRegistry } from '../schema-registry/confluent-schema-registry.ts';
import { EventWireCodec } from '../schema-registry/event-wire-codec.ts';
import type { SchemaRegistry } from '../contracts/schema-registry.ts';

export class KafkaEventLog implements EventLog {
  readonly capability = 'eventLog' as const;
  readonly kind = 'kafka';
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: KafkaEventLogConfig;
  readonly #log: Logger;
  readonly #kafka: Kafka;
  readonly #metrics;
  /** Compression of topics by name: the seed's specs, plus whatever ensureTopics was given. */
  readonly #specs = new Map<string, TopicSpec>(ALL_TOPICS.map((t) => [t.name, t]));
  readonly #handles = new Set<KafkaConsumerHandle>();
  #admin: Admin | null = null;
  #ops: KafkaAdminOps | null = null;
  #producer: Producer | null = null;
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;
  /** The schema registry of `valueFormat: avro` (null for json). */
  readonly #registry: SchemaRegistry | null;
  readonly #codec: KafkaValueCodec;

  /** `registry` replaces the one built from `config.schemaRegistry` (tests, or a registry shared with other parts). */
  constructor(config: KafkaEventLogConfig, ctx: ConnectorContext, registry?: SchemaRegistry) {
    this.#config = config;
    this.#log = ctx.logger.child({ connector: 'eventLog/kafka' });
    this.#registry = config.valueFormat === 'avro' ? (registry ?? new ConfluentSchemaRegistry(config.schemaRegistry, ctx)) : null;
    this.#codec = this.#registry ? avroValueCodec(new EventWireCodec(this.#registry), config.avroTopics) : jsonValueCodec;
    this.#kafka = this.#client(config.retry, this.#log);
    this.#metrics = {
      published: counter(ctx.metrics, 'gofuture_eventlog_records_published_total', 'Records appended to the event log', ['topic']),
      consumed: counter(ctx.metrics, 'gofuture_eventlog_records_consumed_total', 'Records a consumer group processed (handler resolved)', ['topic', 'group']),
      lag: gaugeOf(ctx.metrics, METRICS.consumerLag),
      partitionLag: gaugeOf(ctx.metrics, METRICS.partitionLag),
      deadLettered: counterOf(ctx.metrics, METRICS.deadLetters),
      jobIn: counterOf(ctx.metrics, METRICS.jobEventsIn),
    };
  }

  /** The value format in force: `json`, or `avro` (Confluent wire format on the domain topics). */
  get valueFormat(): 'json' | 'avro' {
    return this.#codec.format;
  }

  #client(retry: { retries: number; initialRetryTime: number; maxRetryTime: number }, log: Logger | null): Kafka {
    const c = this.#config;
    return new Kafka({
      clientId: c.clientId,
      brokers: [...c.brokers],
      connectionTimeout: c.connectionTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      retry: { ...retry },
      ...(log ? { logLevel: kafkaLogLevel(log), logCreator: pinoLogCreator(log) } : { logLevel: logLevel.NOTHING }),
    });
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'eventLog/kafka is closed'));
    this.#starting ??= this.#open().catch((e: unknown) => {
      this.#starting = null;
      throw e;
    });
    return this.#starting;
  }

  async #open(): Promise<void> {
    const c = this.#config;
    const brokers = c.brokers.join(',');
    const probe = this.#client({ retries: 0, initialRetryTime: c.retry.initialRetryTime, maxRetryTime: c.retry.maxRetryTime }, null);
    try {
      await withRetry(
        async () => {
          const admin = probe.admin();
          try {
            await admin.connect();
          } finally {
            await admin.disconnect().catch(() => undefined);
          }
        },
        {
          retries: c.retry.retries,
          initialMs: c.retry.initialRetryTime,
          maxMs: c.retry.maxRetryTime,
          onRetry: (attempt, e, delayMs) => this.#log.warn({ attempt, delayMs, brokers, err: errorMessage(e) }, 'kafka brokers not reachable, retrying'),
        },
      );
    } catch (e) {
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `eventLog/kafka cannot reach brokers ${brokers} after ${c.retry.retries} retries: ${errorMessage(e)}`, { brokers: [...c.brokers] }, { cause: e });
    }
    const admin = this.#kafka.admin({ retry: { ...c.retry } });
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Every record carries its partition (kafka-partitioner.ts, the same partitioner); naming it
      // here also keeps kafkajs from warning about its v2 partitioner change.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { ...c.retry },
    });
    try {
      await admin.connect();
      await producer.connect();
    } catch (e) {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `eventLog/kafka cannot connect to ${brokers}: ${errorMessage(e)}`, { brokers: [...c.brokers] }, { cause: e });
    }
    if (this.#registry) {
      try {
        await this.#registry.start();
      } catch (e) {
        await producer.disconnect().catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
        throw e;
      }
    }
    this.#admin = admin;
    this.#ops = new KafkaAdminOps(this.#kafka, admin, c, this.#log);
    this.#producer = producer;
    this.#log.info({ brokers, valueFormat: this.#codec.format }, 'kafka event log connected');
  }

  async health(): Promise<HealthReport> {
    const admin = this.#admin;
    if (!admin || this.#closing) return { ok: false, detail: this.#closing ? 'closed' : 'not started' };
    try {
      const cluster = await admin.describeCluster();
      return { ok: true, detail: `kafka ${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'none'}` };
    } catch (e) {
      return { ok: false, detail: errorMessage(e) };
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      await Promise.all([...this.#handles].map((h) => h.stop()));
      await this.#producer?.disconnect().catch((e: unknown) => this.#log.warn({ err: errorMessage(e) }, 'producer disconnect failed'));
      await this.#admin?.disconnect().catch((e: unknown) => this.#log.warn({ err: errorMessage(e) }, 'admin disconnect failed'));
      await this.#registry?.close();
      this.#producer = null;
      this.#admin = null;
      this.#ops = null;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const { ops } = this.#ready();
    for (const t of topics) this.#specs.set(t.name, t);
    const created = await ops.createMissing(topics);
    if (created.length > 0) this.#log.info({ topics: created }, 'kafka topics created');
    for (const t of topics) {
      const n = await ops.partitionCount(t.name);
      if (n !== t.partitions) this.#log.warn({ topic: t.name, partitions: n, spec: t.partitions }, 'existing topic has another partition count than its spec; left as it is');
    }
  }

  async publish(topic: string, records: readonly ProducerRecord[]): Promise<PublishedRecord[]> {
    const { producer, ops } = this.#ready();
    const n = await ops.partitionCount(topic);
    if (records.length === 0) return [];
    const now = Date.now();
    const parts = records.map((r) => kafkaPartitionFor(topic, r.key, n));
    const gzip = this.#config.compression && this.#specs.get(topic)?.compression === 'gzip';
    // the codec refuses an invalid event (EVENT_INVALID) or a schema the registry refuses before anything is sent
    const values = await Promise.all(records.map((r) => this.#codec.encode(topic, r)));
    let meta;
    try {
      meta = await producer.send({
        topic,
        acks: -1,
        ...(gzip ? { compression: CompressionTypes.GZIP } : {}),
        messages: records.map((r, i) => toMessage(r, parts[i] ?? 0, now, values[i])),
      });
    } catch (e) {
      if (unknownTopic(e)) {
        ops.forget(topic);
        throw new PlatformError('TOPIC_UNKNOWN', `topic ${topic} does not exist`, { topic }, { cause: e });
      }
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `publish to ${topic} failed: ${errorMessage(e)}`, { topic }, { cause: e });
    }
    const base = new Map(meta.map((m) => [m.partition, m.baseOffset ?? '0']));
    const rank = new Map<number, number>();
    const out = parts.map((partition) => {
      const k = rank.get(partition) ?? 0;
      rank.set(partition, k + 1);
      return { partition, offset: addOffset(base.get(partition) ?? '0', k) };
    });
    this.#metrics.published.inc({ topic }, records.length);
    return out;
  }

  async consume(options: ConsumerOptions): Promise<ConsumerHandle> {
    const { ops } = this.#ready();
    for (const t of options.topics) await ops.partitionCount(t);
    if (options.fromBeginning === false) await this.#pinToEnd(options.groupId, options.topics);
    const handle = new KafkaConsumerHandle(options, {
      kafka: this.#kafka,
      config: this.#config,
      log: this.#log,
      consumed: this.#metrics.consumed,
      lag: this.#metrics.lag,
      partitionLag: this.#metrics.partitionLag,
      lagOf: (groupId, topic) => consumerLagByPartition(this, groupId, topic),
      onStopped: (h) => this.#handles.delete(h),
      codec: this.#codec,
      deadLetter: async (letters) => {
        await this.publish(TOPICS.deadLetter.name, letters);
      },
      deadLettered: this.#metrics.deadLettered,
      jobIn: this.#metrics.jobIn,
    });
    this.#handles.add(handle);
    try {
      await handle.start();
    } catch (e) {
      await handle.stop();
      throw e;
    }
    return handle;
  }

  async read(topic: string, partition: number, fromOffset: string, max: number): Promise<LogRecord[]> {
    const { ops } = this.#ready();
    const n = await ops.partitionCount(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= n) {
      throw new PlatformError('TOPIC_UNKNOWN', `topic ${topic} has no partition ${partition} (it has ${n})`, { topic, partition });
    }
    if (max <= 0) return [];
    const p = (await ops.topicOffsets(topic)).find((o) => o.partition === partition);
    const low = BigInt(p?.low ?? '0');
    const high = BigInt(p?.high ?? '0');
    const from = BigInt(fromOffset) < low ? low : BigInt(fromOffset);
    const until = from + BigInt(max) < high ? from + BigInt(max) : high;
    return readRange(this.#kafka, ops, this.#config, this.#log, { topic, partition, partitions: n, from, until }, this.#codec);
  }

  async partitionFor(topic: string, key: string): Promise<number> {
    const n = await this.#ready().ops.partitionCount(topic);
    return kafkaPartitionFor(topic, key, n);
  }

  endOffsets(topic: string): Promise<PartitionOffsets> {
    return this.#ready().ops.endOffsets(topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
    return this.#ready().ops.committedOffsets(groupId, topic);
  }

  setOffsets(groupId: string, topic: string, offsets: PartitionOffsets): Promise<void> {
    return this.#ready().ops.setOffsets(groupId, topic, offsets);
  }

  /**
   * A new group that starts at the end: commits the current high watermark of every partition it has
   * no offset for, so "the end" is the end at consume() time, not whenever kafkajs first fetches.
   * Skipped (kafkajs' latest-offset reset applies) if the group already has running members.
   */
  async #pinToEnd(groupId: string, topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      const [committed, end] = await Promise.all([this.committedOffsets(groupId, topic), this.endOffsets(topic)]);
      const missing = Object.fromEntries(Object.entries(end).filter(([p]) => committed[Number(p)] === undefined));
      if (Object.keys(missing).length === 0) continue;
      await this.setOffsets(groupId, topic, missing).catch((e: unknown) => {
        this.#log.debug({ groupId, topic, err: errorMessage(e) }, 'could not pin a new group to the end; kafkajs resets to latest');
      });
    }
  }

  #ready(): { producer: Producer; ops: KafkaAdminOps } {
    const ops = this.#ops;
    const producer = this.#producer;
    if (!ops || !producer || this.#closing) {
      throw new PlatformError('CONNECTOR_NOT_STARTED', `eventLog/kafka is ${this.#closing ? 'closed' : 'not started'}`);
    }
    return { producer, ops };
  }
}

function unknownTopic(e: unknown): boolean {
  for (let x: unknown = e; x && typeof x === 'object'; x = (x as { cause?: unknown }).cause) {
    if ('type' in x && x.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
  }
  return false;
}

/** Builds a Kafka event log from its config (validated here too, so direct callers get defaults and checks). */
export function createKafkaEventLog(config: KafkaEventLogConfigInput, ctx: ConnectorContext, registry?: SchemaRegistry): KafkaEventLog {
  return new KafkaEventLog(validateConfig(kafkaEventLogConfigSchema, config, 'connectors.eventLog'), ctx, registry);
}
