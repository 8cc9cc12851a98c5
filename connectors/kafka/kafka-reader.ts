/**
 * read(): a replay of one partition outside any group. kafkajs has no group-less fetch API, so this
 * runs a throwaway consumer in a fresh, uniquely named group (`<clientId>-read-<uuid>`): it joins
 * (alone, so it is assigned every partition), pauses all but the wanted partition, seeks it to
 * `from` and collects records until it has `max` of them or reaches the high watermark taken at the
 * start. It never commits; the empty group is deleted afterwards (best effort). Cost: one group join
 * per call (tens of milliseconds on a local broker), fine for replays and tests, not a hot path.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { LogRecord } from '../contracts/event-log.ts';
import type { KafkaAdminOps } from './kafka-admin.ts';
import type { KafkaEventLogConfig } from './kafka-config.ts';
import { decodeMessage } from './kafka-records.ts';
import type { KafkaValueCodec } from './kafka-value-codec.ts';

export interface ReadRange {
  readonly topic: string;
  readonly partition: number;
  readonly partitions: number;
  /** First offset to return (already clamped to the low watermark). */
  readonly from: bigint;
  /** One past the last offset to return (<= high watermark). */
  readonly until: bigint;
}

/** Records that cannot be decoded come back with their raw bytes in base64 and the reason in headers (UNDECODABLE_HEADERS). */
export async function readRange(kafka: Kafka, ops: KafkaAdminOps, config: KafkaEventLogConfig, log: Logger, r: ReadRange, codec: KafkaValueCodec): Promise<LogRecord[]> {
  if (r.until <= r.from) return [];
  const groupId = `${config.clientId}-read-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    maxWaitTimeInMs: Math.min(config.fetchMaxWaitMs, 100),
    allowAutoTopicCreation: false,
    retry: { ...config.retry, restartOnFailure: async () => false },
  });
  const got = new Map<string, KafkaMessage>();
  let finish: () => void = () => undefined;
  let fail: (e: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  done.catch(() => undefined); // awaited below; never an unhandled rejection if we fail before that
  const wanted = Number(r.until - r.from);
  const lastWanted = r.until - 1n;
  consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
  const timer = setTimeout(() => fail(new Error(`timed out after ${config.readTimeoutMs} ms`)), config.readTimeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: r.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (batch.partition !== r.partition) return;
        for (const m of batch.messages) {
          const o = BigInt(m.offset);
          if (o >= r.from && o <= lastWanted) got.set(m.offset, m);
          resolveOffset(m.offset);
          if (got.size >= wanted || o >= lastWanted) {
            finish();
            return;
          }
        }
      },
    });
    const others = Array.from({ length: r.partitions }, (_, i) => i).filter((i) => i !== r.partition);
    if (others.length > 0) consumer.pause([{ topic: r.topic, partitions: others }]);
    consumer.seek({ topic: r.topic, partition: r.partition, offset: r.from.toString() });
    await done;
  } catch (e) {
    throw new PlatformError('CONNECTOR_UNAVAILABLE', `read ${r.topic}/${r.partition} from ${r.from}: ${errorMessage(e)}`, { topic: r.topic, partition: r.partition }, { cause: e });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch((e: unknown) => log.debug({ err: errorMessage(e) }, 'read consumer disconnect failed'));
    await ops.deleteGroup(groupId).catch((e: unknown) => log.debug({ groupId, err: errorMessage(e) }, 'read group not deleted'));
  }
  const messages = [...got.values()].sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)).slice(0, wanted);
  return (await Promise.all(messages.map((m) => decodeMessage(codec, r.topic, r.partition, m)))).map((d) => d.record);
}
