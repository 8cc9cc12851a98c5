/**
 * EventLog: topics split into partitions by key, consumer groups, offsets committed after
 * processing, replay from an offset. Implementations: in-process (embedded), Kafka (kafkajs).
 *
 * Semantics every implementation keeps (the conformance suite checks them):
 * - A record's partition is a pure function of (topic, key): equal keys go to one partition, and
 *   within a partition records keep publish order.
 * - Offsets are decimal strings ("0", "1", ...), increasing per partition.
 * - A consumer group delivers each record to one member; two groups each get every record.
 * - The handler gets records of ONE partition in offset order. Only after it resolves is the offset
 *   after its last record committed. If it rejects, nothing is committed and the same records are
 *   delivered again after a backoff (at-least-once; consumers dedupe by event id).
 * - A group with no committed offset starts at the beginning (default) or at the end.
 */
import type { TopicSpec } from '../../schema/events/topics.ts';
import type { Connector } from './connector.ts';

export interface ProducerRecord {
  readonly key: string;
  /** JSON text as a rule. */
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Epoch ms; defaults to now. */
  readonly timestamp?: number;
}

export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly LogRecord[];
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. Default true (earliest). */
  readonly fromBeginning?: boolean;
  /** Upper bound of records per handler call. Default 500. */
  readonly maxBatchSize?: number;
  readonly handler: (batch: ConsumedBatch) => Promise<void>;
}

export interface ConsumerHandle {
  readonly groupId: string;
  /** Leaves the group after the handler call in flight finishes (its offsets committed). */
  stop(): Promise<void>;
}

export interface PublishedRecord {
  readonly partition: number;
  readonly offset: string;
}

/** Per partition: the next offset the group will read. Partitions never committed are absent. */
export type PartitionOffsets = Readonly<Record<number, string>>;

export interface EventLog extends Connector {
  readonly capability: 'eventLog';
  /** Creates missing topics with the spec's partition count (existing topics are left as they are). */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Appends records; resolves once they are durable (acks=all on Kafka). Unknown topic: TOPIC_UNKNOWN. */
  publish(topic: string, records: readonly ProducerRecord[]): Promise<PublishedRecord[]>;
  consume(options: ConsumerOptions): Promise<ConsumerHandle>;
  /** The partition a record with `key` goes to (murmur2 like Kafka's default partitioner). Unknown topic: TOPIC_UNKNOWN. */
  partitionFor(topic: string, key: string): Promise<number>;
  /** Replay: reads up to `max` records of one partition from `fromOffset`, outside any group. */
  read(topic: string, partition: number, fromOffset: string, max: number): Promise<LogRecord[]>;
  /** The offset the next published record of each partition will get (high watermark). */
  endOffsets(topic: string): Promise<PartitionOffsets>;
  committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets>;
  /** Moves a group's committed offsets (the group must have no running member). */
  setOffsets(groupId: string, topic: string, offsets: PartitionOffsets): Promise<void>;
}

/** Records a group still has to process, summed over partitions. */
/** Records a consumer group still has to process on each partition of a topic (end - committed). */
export async function consumerLagByPartition(log: EventLog, groupId: string, topic: string): Promise<Map<number, number>> {
  const [end, committed] = await Promise.all([log.endOffsets(topic), log.committedOffsets(groupId, topic)]);
  const out = new Map<number, number>();
  for (const [p, e] of Object.entries(end)) {
    const c = committed[Number(p)] ?? '0';
    out.set(Number(p), Number(BigInt(e) - BigInt(c)));
  }
  return out;
}

export async function consumerLag(log: EventLog, groupId: string, topic: string): Promise<number> {
  let lag = 0;
  for (const l of (await consumerLagByPartition(log, groupId, topic)).values()) lag += l;
  return lag;
}
