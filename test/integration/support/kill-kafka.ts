/**
 * Kafka chores of the CDC integration tests (kill-restart, dead-letter-debezium), with the kafkajs
 * admin: deleting topics and consumer groups so a run starts clean, and reading a topic whole.
 * Domain topics and the jobs' groups have fixed names: a group with live members is refused loudly
 * (another process is using it) rather than pulled from under it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { EventLog, LogRecord } from '../../../connectors/contracts/event-log.ts';
import { KAFKA_BROKERS } from './services.ts';

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'gofuture-it-cdc', brokers: [...KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the groups (refusing ones with members) and topics that exist, and waits until the topics are gone. */
export async function deleteKafkaState(o: { topics?: readonly string[]; groups?: readonly string[] }): Promise<void> {
  await withAdmin(async (admin) => {
    const groups = o.groups ?? [];
    if (groups.length > 0) {
      const described = await admin.describeGroups([...groups]);
      const busy = described.groups.filter((g) => g.members.length > 0).map((g) => g.groupId);
      if (busy.length > 0) throw new Error(`consumer groups ${busy.join(', ')} have live members: another process runs the jobs; stop it first`);
      const existing = described.groups.filter((g) => g.state !== 'Dead').map((g) => g.groupId);
      if (existing.length > 0) await admin.deleteGroups(existing);
    }
    const present = new Set(await admin.listTopics());
    const topics = (o.topics ?? []).filter((t) => present.has(t));
    if (topics.length === 0) return;
    await admin.deleteTopics({ topics, timeout: 15_000 });
    for (let i = 0; i < 100; i++) {
      const left = new Set(await admin.listTopics());
      if (topics.every((t) => !left.has(t))) return;
      await sleep(100);
    }
    throw new Error(`topics still present after deletion: ${topics.join(', ')}`);
  });
}

/** Every topic whose name starts with `prefix`. */
export async function topicsWithPrefix(prefix: string): Promise<string[]> {
  return withAdmin(async (admin) => (await admin.listTopics()).filter((t) => t.startsWith(prefix)));
}

/** The consumer lag of `group` on `topic` (summed over partitions), from admin offsets. */
export async function groupLag(group: string, topic: string): Promise<number> {
  return withAdmin(async (admin) => {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    let lag = 0n;
    for (const e of ends) {
      const c = done.get(e.partition) ?? -1n;
      lag += BigInt(e.high) - (c < 0n ? BigInt(e.low) : c);
    }
    return Number(lag);
  });
}

/** A topic's records (every partition), from `from` (per partition; default the beginning). */
export async function readTopic(log: EventLog, topic: string, from: Readonly<Record<number, string>> = {}): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  await Promise.all(Object.entries(await log.endOffsets(topic)).map(async ([p, end]) => {
    let next = BigInt(from[Number(p)] ?? '0');
    while (next < BigInt(end)) {
      const rs = await log.read(topic, Number(p), next.toString(), 10_000);
      const last = rs[rs.length - 1];
      if (!last) break;
      out.push(...rs);
      next = BigInt(last.offset) + 1n;
    }
  }));
  return out;
}

export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Every record of `topics` up to their current end, through one throwaway consumer group (deleted after). */
export async function consumeAll(topics: readonly string[], timeoutMs = 60_000): Promise<RawRecord[]> {
  const kafka = new Kafka({ clientId: 'gofuture-it-cdc-read', brokers: [...KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  const groupId = `gofuture-it-read-${randomUUID()}`;
  const ends = new Map<string, bigint>();
  await withAdmin(async (admin) => {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
    }
  });
  const out: RawRecord[] = [];
  if (ends.size === 0) return out;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  const pending = new Set(ends.keys());
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}:${batch.partition}`;
        const end = ends.get(key) ?? 0n;
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= end) continue;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
          out.push({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? '', headers });
          if (BigInt(m.offset) + 1n >= end) pending.delete(key);
        }
        if (pending.size === 0) finish();
      },
    });
    await Promise.race([done, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')}: ${pending.size} partitions unfinished after ${timeoutMs} ms`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
  return out;
}
