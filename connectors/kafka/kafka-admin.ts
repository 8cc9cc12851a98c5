/**
 * The admin side of the Kafka event log: topics (create, wait until usable, partition counts) and
 * offsets (high watermarks, group offsets, moving a stopped group). Transient protocol errors (a
 * leader moving, a partition not ready yet right after creation) are retried on the configured
 * backoff; every failure surfaces as a PlatformError.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { errorMessage, isPlatformError, PlatformError } from '../../schema/errors.ts';
import type { TopicSpec } from '../../schema/events/topics.ts';
import type { PartitionOffsets } from '../contracts/event-log.ts';
import { withRetry } from '../support/retry.ts';
import type { KafkaEventLogConfig } from './kafka-config.ts';

export interface TopicOffsets {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/** kafkajs marks transient protocol errors (leader moved, not available yet, coordinator loading) retriable. */
export function retriable(e: unknown): boolean {
  return !!e && typeof e === 'object' && 'retriable' in e && e.retriable === true && !isPlatformError(e);
}

export class KafkaAdminOps {
  readonly #admin: Admin;
  readonly #kafka: Kafka;
  readonly #config: KafkaEventLogConfig;
  readonly #log: Logger;
  /** Partition counts of topics known to exist. */
  readonly #partitions = new Map<string, number>();

  constructor(kafka: Kafka, admin: Admin, config: KafkaEventLogConfig, log: Logger) {
    this.#kafka = kafka;
    this.#admin = admin;
    this.#config = config;
    this.#log = log;
  }

  /** Creates the topics that do not exist yet and waits until each answers; returns the names created. */
  async createMissing(topics: readonly TopicSpec[]): Promise<string[]> {
    const admin = this.#admin;
    const existing = new Set(await this.call('list topics', () => admin.listTopics()));
    const missing = topics.filter((t, i) => !existing.has(t.name) && topics.findIndex((u) => u.name === t.name) === i);
    if (missing.length === 0) return [];
    await this.call('create topics', () =>
      admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: this.#config.replicationFactor,
          configEntries: [
            { name: 'retention.ms', value: String(t.retentionMs) },
            ...(t.compression === 'none' ? [] : [{ name: 'compression.type', value: t.compression }]),
          ],
        })),
      }),
    );
    // Leaders are elected, but a partition may still refuse requests for a moment: wait until every
    // new topic answers for its offsets, so it is usable as soon as ensureTopics returns.
    for (const t of missing) await this.#untilUsable(t.name);
    return missing.map((t) => t.name);
  }

  /** The topic's partition count; TOPIC_UNKNOWN if it does not exist. */
  async partitionCount(topic: string): Promise<number> {
    const known = this.#partitions.get(topic);
    if (known !== undefined) return known;
    const admin = this.#admin;
    const topics = await this.call('list topics', () => admin.listTopics());
    if (!topics.includes(topic)) throw new PlatformError('TOPIC_UNKNOWN', `topic ${topic} does not exist`, { topic });
    const meta = await this.call('fetch topic metadata', () => admin.fetchTopicMetadata({ topics: [topic] }));
    const n = meta.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (n === 0) throw new PlatformError('TOPIC_UNKNOWN', `topic ${topic} has no partitions`, { topic });
    this.#partitions.set(topic, n);
    return n;
  }

  /** Forgets a cached partition count (the topic vanished). */
  forget(topic: string): void {
    this.#partitions.delete(topic);
  }

  async topicOffsets(topic: string): Promise<TopicOffsets[]> {
    await this.partitionCount(topic);
    const rows = await this.call('fetch topic offsets', () => this.#admin.fetchTopicOffsets(topic), topic);
    return rows.map((r) => ({ partition: r.partition, low: r.low, high: r.high }));
  }

  async endOffsets(topic: string): Promise<PartitionOffsets> {
    const out: Record<number, string> = {};
    for (const o of await this.topicOffsets(topic)) out[o.partition] = o.high;
    return out;
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
    await this.partitionCount(topic);
    const res = await this.call('fetch group offsets', () => this.#admin.fetchOffsets({ groupId, topics: [topic] }), topic);
    const out: Record<number, string> = {};
    for (const t of res) for (const p of t.partitions) if (BigInt(p.offset) >= 0n) out[p.partition] = p.offset;
    return out;
  }

  /**
   * Commits offsets for a group with no running member (EVENT_LOG_GROUP_ACTIVE otherwise, as the
   * embedded log). Like kafkajs' admin.setOffsets (a member of the group that seeks, commits and leaves), but
   * with a short fetch wait: admin.setOffsets waits out a 5 s fetch on its paused consumer.
   */
  async setOffsets(groupId: string, topic: string, offsets: PartitionOffsets): Promise<void> {
    const n = await this.partitionCount(topic);
    const end = await this.endOffsets(topic);
    const partitions = Object.entries(offsets).map(([p, offset]) => {
      const partition = Number(p);
      if (!Number.isInteger(partition) || partition < 0 || partition >= n) {
        throw new PlatformError('TOPIC_UNKNOWN', `topic ${topic} has no partition ${p} (it has ${n})`, { topic, partition: p });
      }
      if (!/^\d+$/.test(offset) || BigInt(offset) > BigInt(end[partition] ?? '0')) {
        throw new PlatformError('BAD_USER_INPUT', `setOffsets: offset ${offset} is not within 0..${end[partition] ?? '0'} of ${topic}/${partition}`, { topic, partition });
      }
      return { partition, offset };
    });
    if (partitions.length === 0) return;
    const described = await this.call('describe group', () => this.#admin.describeGroups([groupId]));
    const state = described.groups[0]?.state ?? 'Dead';
    if (state !== 'Empty' && state !== 'Dead') {
      throw new PlatformError('EVENT_LOG_GROUP_ACTIVE', `setOffsets: group ${groupId} has running members (state ${state}); stop them first`, { group: groupId });
    }
    const c = this.#config;
    const consumer = this.#kafka.consumer({
      groupId,
      sessionTimeout: c.sessionTimeoutMs,
      heartbeatInterval: c.heartbeatIntervalMs,
      maxWaitTimeInMs: 50,
      allowAutoTopicCreation: false,
      retry: { ...c.retry, restartOnFailure: async () => false },
    });
    let crashed: unknown = null;
    consumer.on(consumer.events.CRASH, (e) => (crashed = e.payload.error));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      // autoCommit: a seek is committed when the member's next fetch applies it.
      await consumer.run({ autoCommit: true, eachBatchAutoResolve: false, eachBatch: async () => undefined });
      consumer.pause([{ topic }]);
      for (const p of partitions) consumer.seek({ topic, ...p });
      const deadline = Date.now() + c.requestTimeoutMs;
      for (;;) {
        if (crashed) throw crashed;
        const now = await this.committedOffsets(groupId, topic);
        if (partitions.every((p) => now[p.partition] === p.offset)) break;
        if (Date.now() > deadline) throw new Error(`offsets not committed within ${c.requestTimeoutMs} ms`);
        await sleep(25);
      }
    } catch (e) {
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `kafka set group offsets failed: ${errorMessage(e)}`, { group: groupId }, { cause: e });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.#admin.deleteGroups([groupId]);
  }

  /**
   * Runs an admin call, retrying retriable Kafka errors on the configured backoff (refreshing the
   * topic's metadata in between); a failure is CONNECTOR_UNAVAILABLE naming what failed.
   */
  async call<T>(what: string, fn: () => Promise<T>, topic?: string): Promise<T> {
    const { retry } = this.#config;
    const giveUp = new AbortController();
    try {
      return await withRetry(
        async () => {
          try {
            return await fn();
          } catch (e) {
            if (!retriable(e)) giveUp.abort();
            throw e;
          }
        },
        {
          retries: retry.retries,
          initialMs: retry.initialRetryTime,
          maxMs: retry.maxRetryTime,
          signal: giveUp.signal,
          onRetry: (attempt, e, delayMs) => {
            this.#log.debug({ what, attempt, delayMs, err: errorMessage(e) }, 'kafka admin call retried');
            if (topic) void this.#admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
          },
        },
      );
    } catch (e) {
      if (isPlatformError(e)) throw e;
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `kafka ${what} failed: ${errorMessage(e)}`, {}, { cause: e });
    }
  }

  /** Polls a new topic's offsets until every partition answers (bounded by requestTimeoutMs). */
  async #untilUsable(topic: string): Promise<void> {
    const deadline = Date.now() + this.#config.requestTimeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      try {
        await this.#admin.fetchTopicOffsets(topic);
        return;
      } catch (e) {
        if (!retriable(e) || Date.now() + delay > deadline) {
          throw new PlatformError('CONNECTOR_UNAVAILABLE', `kafka topic ${topic} was created but is not usable: ${errorMessage(e)}`, { topic }, { cause: e });
        }
        await sleep(delay);
      }
    }
  }
}
