/**
 * Kafka chores of the platform-level integration tests. The domain topics (booking-events, ...) and
 * the jobs' consumer groups have fixed names, so a test that runs the real jobs starts from a clean
 * slate: it deletes those groups and topics first (tests run one file at a time; an active member
 * of a group is refused loudly rather than pulled from under another process). Also: deleting a
 * run's own topics by prefix, and reading a topic whole through the EventLog.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { EventLog, LogRecord } from '../../../connectors/contracts/event-log.ts';
import { AggregationConfigSchema } from '../../../jobs/aggregation/config.ts';
import { REALTIME_FEATURES } from '../../../jobs/features/realtime-features.ts';
import { DRIVERS_LANDING, PAYMENTS_LANDING, TRIPS_LANDING } from '../../../jobs/landing/index.ts';
import { ALL_TOPICS } from '../../../schema/events/topics.ts';
import { KAFKA_BROKERS } from './services.ts';

/** Every topic the platform creates at start (domain topics and the dead-letter topic). */
export const PLATFORM_TOPICS: readonly string[] = ALL_TOPICS.map((t) => t.name);

/** The consumer groups of the landing, features and aggregation jobs (their defaults). */
export const LANDING_GROUPS: readonly string[] = [TRIPS_LANDING.groupId, PAYMENTS_LANDING.groupId, DRIVERS_LANDING.groupId];
export const PLATFORM_GROUPS: readonly string[] = [...LANDING_GROUPS, REALTIME_FEATURES.groupId, AggregationConfigSchema.parse({}).groupId];

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'gofuture-it-reset', brokers: [...KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

function groupErrorType(e: unknown): string | undefined {
  const groups = (e as { groups?: { error?: { type?: string } }[] }).groups;
  return groups?.[0]?.error?.type;
}

async function deleteAndWait(admin: Admin, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await admin.deleteTopics({ topics: [...names], timeout: 15_000 });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const left = new Set(await admin.listTopics());
    if (names.every((n) => !left.has(n))) return;
    if (Date.now() > deadline) throw new Error(`Kafka topics still listed 15 s after deletion: ${names.filter((n) => left.has(n)).join(', ')}`);
    await sleep(100);
  }
}

/**
 * Deletes the consumer groups (missing ones are fine; one with active members fails) and then the
 * topics (missing ones are fine), waiting until the broker no longer lists them.
 */
export async function resetKafka(o: { readonly topics: readonly string[]; readonly groups: readonly string[] }): Promise<void> {
  await withAdmin(async (admin) => {
    for (const group of o.groups) {
      try {
        await admin.deleteGroups([group]);
      } catch (e) {
        const type = groupErrorType(e);
        if (type === 'GROUP_ID_NOT_FOUND') continue;
        if (type === 'NON_EMPTY_GROUP') throw new Error(`consumer group ${group} has active members: another process runs the jobs against this Kafka; stop it first`, { cause: e });
        throw e;
      }
    }
    const existing = new Set(await admin.listTopics());
    await deleteAndWait(admin, o.topics.filter((t) => existing.has(t)));
  });
}

/** Deletes every topic whose name starts with `prefix` (a run's own CDC change topics); returns their names. */
export async function deleteTopicsWithPrefix(prefix: string): Promise<string[]> {
  if (prefix.length < 4) throw new Error(`refusing to delete topics by the short prefix "${prefix}"`);
  return withAdmin(async (admin) => {
    const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await deleteAndWait(admin, names);
    return names;
  });
}

/** Every record of a topic up to its end offsets now, partition by partition. */
export async function readTopic(log: EventLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const [p, end] of Object.entries(await log.endOffsets(topic))) {
    let from = 0n;
    while (from < BigInt(end)) {
      const rs = await log.read(topic, Number(p), from.toString(), 5000);
      if (rs.length === 0) break;
      out.push(...rs);
      from = BigInt(rs[rs.length - 1]!.offset) + 1n;
    }
  }
  return out;
}
