/** Kafka records as bytes (kafkajs directly, outside the EventLog contract), for wire-format checks and injecting records no codec would write. */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { KAFKA_BROKERS } from './services.ts';

export interface RawKafkaRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

const kafka = () => new Kafka({ clientId: 'gofuture-it-raw', brokers: [...KAFKA_BROKERS], logLevel: logLevel.NOTHING });

/** Every record of `topic` below its current end offsets, values as bytes. */
export async function rawRecords(topic: string, timeoutMs = 30_000): Promise<RawKafkaRecord[]> {
  const k = kafka();
  const admin = k.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const out: RawKafkaRecord[] = [];
  if (ends.size === 0) return out;
  const groupId = `gofuture-it-raw-${randomUUID()}`;
  const consumer = k.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  const pending = new Set(ends.keys());
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition) ?? 0n;
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= end) continue;
          const headers: Record<string, string> = {};
          for (const [h, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[h] = v.toString();
          out.push({ partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value, headers });
          if (BigInt(m.offset) + 1n >= end) pending.delete(batch.partition);
        }
        if (pending.size === 0) finish();
      },
    });
    await Promise.race([done, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${topic}: ${pending.size} partitions unfinished`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
  return out;
}

/** Writes records as given (bytes or text), bypassing every codec. */
export async function produceRaw(topic: string, messages: readonly { key: string; value: Buffer | string; headers?: Record<string, string> }[]): Promise<void> {
  const producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })) });
  } finally {
    await producer.disconnect();
  }
}
