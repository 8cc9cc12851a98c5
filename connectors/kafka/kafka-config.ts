/** Config of the Kafka event log (validated, defaults filled, frozen by the registry). */
import { z } from 'zod';
import { DOMAIN_TOPICS } from '../../schema/events/topics.ts';
import { confluentSchemaRegistryConfigSchema } from '../schema-registry/confluent-schema-registry.ts';

const ms = (d: number) => z.number().int().positive().default(d);

export const kafkaEventLogConfigSchema = z.object({
  /** Bootstrap brokers, host:port. */
  brokers: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')).min(1, 'expected at least one broker').default(['127.0.0.1:9092']),
  clientId: z.string().min(1).default('gofuture'),
  connectionTimeoutMs: ms(3_000),
  requestTimeoutMs: ms(30_000),
  /**
   * Backoff of start() while the brokers are unreachable (then CONNECTOR_UNAVAILABLE), and the
   * kafkajs retry settings of every client (a failing handler is redelivered on this backoff too).
   */
  retry: z.object({
    retries: z.number().int().min(0).default(5),
    initialRetryTime: ms(300),
    maxRetryTime: ms(30_000),
  }).strict().prefault({}),
  /** Consumer group session timeout (the broker accepts 6000..300000 by default). */
  sessionTimeoutMs: ms(30_000),
  /** Heartbeats to the group coordinator; also how soon a member notices a rebalance. */
  heartbeatIntervalMs: ms(1_000),
  /** Longest a fetch waits on the broker for new records. */
  fetchMaxWaitMs: ms(500),
  /** Replication factor of topics ensureTopics creates: 1 on a single broker, 3 in production (seed 002). */
  replicationFactor: z.number().int().min(1).default(1),
  /** Compress record batches of topics whose spec says gzip (kafkajs has gzip built in; other codecs are left to the topic's compression.type). */
  compression: z.boolean().default(true),
  /** How often a running consumer refreshes its lag gauge from the brokers' offsets. */
  lagRefreshMs: ms(5_000),
  /** Upper bound of one read() (a replay through a temporary consumer). */
  readTimeoutMs: ms(15_000),
  /**
   * Record values of the domain topics: `json` (the contract's text as it is) or `avro` (Confluent
   * wire format against `schemaRegistry`; kafka-value-codec.ts). Other topics are always as given.
   */
  valueFormat: z.enum(['json', 'avro']).default('json'),
  /** The topics whose domain records are Avro under `valueFormat: avro` (default: seed 002's domain topics). */
  avroTopics: z.array(z.string().min(1)).default(DOMAIN_TOPICS.map((t) => t.name)),
  /** The Confluent-compatible schema registry of `valueFormat: avro` (Apicurio's ccompat API in the services profile). */
  schemaRegistry: confluentSchemaRegistryConfigSchema.prefault({}),
}).strict();

export type KafkaEventLogConfig = z.output<typeof kafkaEventLogConfigSchema>;
export type KafkaEventLogConfigInput = z.input<typeof kafkaEventLogConfigSchema>;
