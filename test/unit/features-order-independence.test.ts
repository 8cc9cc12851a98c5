/**
 * Real-time features (issue 7 items 1 and 3): the same events in any arrival order, batch split and
 * with duplicated records (same event_id) give the same feature values; and the embedded online
 * store serves the same values after a restart with the same data dir (clean stop and crash).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { consumerLag, type EventLog, type LogRecord } from '../../connectors/contracts/event-log.ts';
import type { FeatureValue } from '../../connectors/contracts/online-store.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createMemoryOnlineStore, type MemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';
import { REALTIME_FEATURES, startFeatureJob, updateFeatures } from '../../jobs/features/realtime-features.ts';
import type { ParsedRecord } from '../../jobs/support/event-consumer.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { waitFor } from '../conformance/helpers.ts';
import { booking, completed, created, DAY, driverRated, MIN, T0 } from './landing-event-factory.ts';
import { mulberry32 as prng } from '../../jobs/simulator/prng.ts';

const logger = pino({ level: 'silent' });
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gofuture-features-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Two drivers, three riders, two regions, over nine days: every feature and window edge is exercised. */
function eventSet(): DomainEvent[] {
  const out: DomainEvent[] = [];
  for (let n = 0; n < 24; n++) {
    const b = { ...booking(500 + n, n % 3 === 0 ? 'kzn' : 'msk-north'), driverId: `d-${n % 2}`, riderId: `r-${n % 3}` };
    const at = T0 - (n % 9) * DAY + n * 7 * MIN;
    out.push(created(b, at - 20 * MIN), completed(b, at));
    if (n % 2 === 0) out.push(driverRated(b.driverId, b.bookingId, 1 + (n % 5), at + 5 * MIN));
  }
  return out;
}

const ENTITIES: readonly [string, readonly string[]][] = [['driver', ['d-0', 'd-1']], ['rider', ['r-0', 'r-1', 'r-2']], ['region', ['kzn', 'msk-north']]];

async function snapshotValues(store: MemoryOnlineStore): Promise<Record<string, (Record<string, FeatureValue> | null)[]>> {
  const out: Record<string, (Record<string, FeatureValue> | null)[]> = {};
  for (const [entity, ids] of ENTITIES) out[entity] = (await store.getMany(entity, ids)).map((r) => (r ? { ...r.values } : null));
  return out;
}

function shuffle<T>(xs: readonly T[], rnd: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** Applies the events in this arrival order, per topic partition 0, in random batches. */
async function featuresOf(events: readonly DomainEvent[], rnd: (() => number) | null): Promise<Record<string, (Record<string, FeatureValue> | null)[]>> {
  const store = createMemoryOnlineStore({}, { logger, metrics: new Registry() });
  await store.start();
  try {
    const byTopic = new Map<string, ParsedRecord[]>();
    for (const event of events) {
      const topic = EVENT_TOPIC[event.event_type].name;
      const list = byTopic.get(topic) ?? [];
      const record: LogRecord = { topic, partition: 0, offset: String(list.length), key: eventKey(event), value: JSON.stringify(event), headers: {}, timestamp: 0 };
      list.push({ record, event });
      byTopic.set(topic, list);
    }
    for (const list of byTopic.values()) {
      for (let i = 0; i < list.length;) {
        const n = rnd ? 1 + Math.floor(rnd() * 6) : list.length;
        await updateFeatures(store, list.slice(i, i + n), Date.now());
        i += n;
      }
    }
    return await snapshotValues(store);
  } finally {
    await store.close();
  }
}

void test('features are the same for any arrival order, batch split and duplicated records', async () => {
  const events = eventSet();
  const reference = await featuresOf([...events].sort((a, b) => a.occurred_at - b.occurred_at), null);
  assert.ok(reference.driver?.every((v) => v !== null), 'every driver has features');
  for (let s = 1; s <= 6; s++) {
    const rnd = prng(s);
    const arrival = [...events];
    for (const e of events) if (rnd() < 0.25) arrival.push(e);
    assert.deepEqual(await featuresOf(shuffle(arrival, rnd), rnd), reference, `seed ${s}`);
  }
});

// ---- restart with the same data dir ----

interface Proc {
  readonly log: EventLog;
  readonly store: MemoryOnlineStore;
  readonly job: { stop(): Promise<void> };
}

async function startProcess(dataDir: string): Promise<Proc> {
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const log = createMemoryEventLog({ dir: join(dataDir, 'event-log') }, ctx);
  const store = createMemoryOnlineStore({ snapshotPath: join(dataDir, 'online-store.json') }, ctx);
  await log.start();
  await store.start();
  await log.ensureTopics(ALL_TOPICS);
  const job = await startFeatureJob({ log, onlineStore: store, logger, metrics });
  return { log, store, job };
}

async function drained(log: EventLog): Promise<void> {
  await waitFor('features-realtime to catch up', async () => {
    for (const t of REALTIME_FEATURES.topics) if ((await consumerLag(log, REALTIME_FEATURES.groupId, t)) > 0) return false;
    return true;
  });
}

async function publish(log: EventLog, events: readonly DomainEvent[]): Promise<void> {
  for (const e of events) await log.publish(EVENT_TOPIC[e.event_type].name, [{ key: eventKey(e), value: JSON.stringify(e) }]);
}

async function restartScenario(name: string, crash: boolean): Promise<void> {
  const dataDir = join(dir, name);
  const first = await startProcess(dataDir);
  const events = eventSet();
  await publish(first.log, events);
  await first.log.publish('booking-events', [{ key: 'kzn', value: '{"event_type":"BookingCreated", truncated' }]);
  await drained(first.log);
  const before = await snapshotValues(first.store);
  assert.ok(before.rider?.every((v) => v !== null), 'features were computed');
  await first.job.stop();
  await first.store.close();
  await first.log.close();
  // kill -9 before any snapshot: as if the store had never written one (the event log files stay)
  if (crash) await rm(join(dataDir, 'online-store.json'), { force: true });
  const second = await startProcess(dataDir);
  try {
    await drained(second.log);
    await waitFor('features served again', async () => JSON.stringify(await snapshotValues(second.store)) === JSON.stringify(before));
    assert.deepEqual(await snapshotValues(second.store), before);
    let letters = 0;
    for (let p = 0; p < TOPICS.deadLetter.partitions; p++) letters += (await second.log.read(TOPICS.deadLetter.name, p, '0', 1000)).length;
    assert.equal(letters, 1, 'the malformed record is dead-lettered once, not again by the restart');
  } finally {
    await second.job.stop();
    await second.store.close();
    await second.log.close();
  }
}

void test('a clean restart with the same data dir serves the same feature values', async () => {
  await restartScenario('clean', false);
});

void test('a crash (no close) and a restart with the same data dir serve the same feature values', async () => {
  await restartScenario('crash', true);
});
