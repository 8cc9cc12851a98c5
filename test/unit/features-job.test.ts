/** The real-time feature job against the in-process event log and the in-memory online store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { consumerLag, type EventLog } from '../../connectors/contracts/event-log.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createMemoryOnlineStore, type MemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';
import { partitionForKey } from '../../connectors/embedded/murmur2.ts';
import { stateEntity } from '../../jobs/features/feature-state.ts';
import { REALTIME_FEATURES, startFeatureJob } from '../../jobs/features/realtime-features.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../schema/events/domain-events.ts';
import { ALL_TOPICS, DEAD_LETTER_HEADERS, TOPICS } from '../../schema/events/topics.ts';
import { FEATURES } from '../../schema/features.ts';
import { waitFor } from '../conformance/helpers.ts';
import { booking, completed, created, DAY, driverRated, driverStatus, MIN, T0 } from './landing-event-factory.ts';

const logger = pino({ level: 'silent' });

interface Env {
  readonly log: EventLog;
  readonly store: MemoryOnlineStore;
  readonly metrics: Registry;
  start(): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

async function makeEnv(): Promise<Env> {
  const metrics = new Registry();
  const ctx = { logger, metrics };
  const log = createMemoryEventLog({}, ctx);
  const store = createMemoryOnlineStore({}, ctx);
  await log.start();
  await store.start();
  await log.ensureTopics(ALL_TOPICS);
  const running: { stop(): Promise<void> }[] = [];
  return {
    log, store, metrics,
    start: async () => {
      const job = await startFeatureJob({ log, onlineStore: store, logger, metrics });
      running.push(job);
      return job;
    },
    close: async () => {
      for (const j of running) await j.stop();
      await log.close();
      await store.close();
    },
  };
}

async function publish(log: EventLog, events: readonly DomainEvent[]): Promise<void> {
  for (const e of events) await log.publish(EVENT_TOPIC[e.event_type].name, [{ key: eventKey(e), value: JSON.stringify(e) }]);
}

async function drained(log: EventLog): Promise<void> {
  await waitFor('features-realtime to catch up', async () => {
    for (const t of REALTIME_FEATURES.topics) if ((await consumerLag(log, REALTIME_FEATURES.groupId, t)) > 0) return false;
    return true;
  });
}

async function values(store: MemoryOnlineStore, entity: string, id: string): Promise<Record<string, unknown> | undefined> {
  const [r] = await store.getMany(entity, [id]);
  return r ? { ...r.values } : undefined;
}

/** Ratings of d-1 (one 8 days old), completions of d-1 / r-1 over 31 days, bookings of kzn over 70 minutes. */
function scenario(): DomainEvent[] {
  const trip = (n: number, at: number): DomainEvent[] => {
    const b = { ...booking(n, 'msk-north'), driverId: 'd-1', riderId: 'r-1' };
    return [created(b, at - 30 * MIN), completed(b, at)];
  };
  const kzn = (n: number, at: number) => created(booking(100 + n, 'kzn'), at);
  return [
    driverRated('d-1', 'b-old', 1, T0 - 8 * DAY), driverRated('d-1', 'b-1', 4, T0 - 6 * DAY), driverRated('d-1', 'b-2', 5, T0),
    driverStatus('d-1', 'online', T0),
    ...trip(1, T0 - 31 * DAY), ...trip(2, T0 - 10 * DAY), ...trip(3, T0 - 2 * DAY), ...trip(4, T0),
    kzn(1, T0 - 70 * MIN), kzn(2, T0 - 30 * MIN), kzn(3, T0 - MIN), kzn(4, T0),
  ];
}

void test('features: driver rating and trips over 7 days, rider trips over 30 days, region demand over 1 hour', async () => {
  const env = await makeEnv();
  try {
    await env.start();
    await publish(env.log, scenario());
    await drained(env.log);
    assert.deepEqual(await values(env.store, 'driver', 'd-1'), { driver_avg_rating_7d: 4.5, driver_trips_7d: 2 });
    assert.deepEqual(await values(env.store, 'rider', 'r-1'), { rider_trips_30d: 3 });
    assert.deepEqual(await values(env.store, 'region', 'kzn'), { region_demand_1h: 3 });
    // msk-north's bookings span 31 days: only the newest falls within the hour before its latest event
    assert.deepEqual(await values(env.store, 'region', 'msk-north'), { region_demand_1h: 1 });
  } finally {
    await env.close();
  }
});

void test('features survive a restart: a new job instance continues from the online store', async () => {
  const env = await makeEnv();
  try {
    const first = await env.start();
    const events = scenario();
    await publish(env.log, events.slice(0, 9));
    await drained(env.log);
    await first.stop();
    await env.start(); // a new job instance: its only memory is the online store
    await publish(env.log, events.slice(9));
    await drained(env.log);
    const expected = {
      d: await values(env.store, 'driver', 'd-1'), r: await values(env.store, 'rider', 'r-1'), k: await values(env.store, 'region', 'kzn'),
    };
    assert.deepEqual(expected, { d: { driver_avg_rating_7d: 4.5, driver_trips_7d: 2 }, r: { rider_trips_30d: 3 }, k: { region_demand_1h: 3 } });
  } finally {
    await env.close();
  }
});

void test('a replay from offset 0 leaves the features unchanged', async () => {
  const env = await makeEnv();
  try {
    const job = await env.start();
    await publish(env.log, scenario());
    await drained(env.log);
    const before = [await values(env.store, 'driver', 'd-1'), await values(env.store, 'rider', 'r-1'), await values(env.store, 'region', 'kzn')];
    await job.stop();
    for (const t of REALTIME_FEATURES.topics) {
      const end = await env.log.endOffsets(t);
      await env.log.setOffsets(REALTIME_FEATURES.groupId, t, Object.fromEntries(Object.keys(end).map((p) => [p, '0'])));
    }
    await env.start();
    await drained(env.log);
    const after = [await values(env.store, 'driver', 'd-1'), await values(env.store, 'rider', 'r-1'), await values(env.store, 'region', 'kzn')];
    assert.deepEqual(after, before);
  } finally {
    await env.close();
  }
});

void test('values expire with the definition ttl while the window state lives on', async () => {
  const env = await makeEnv();
  try {
    await env.start();
    await publish(env.log, scenario());
    await drained(env.log);
    const regionTtl = FEATURES.find((f) => f.name === 'region_demand_1h')!.ttlMs;
    env.store.sweep(Date.now() + regionTtl + 1000);
    assert.equal(await values(env.store, 'region', 'kzn'), undefined);
    const [state] = await env.store.getMany(stateEntity('region'), ['kzn']);
    assert.ok(state, 'the region state outlives its value');
    assert.deepEqual(Object.keys(state.values), [`demand@${TOPICS.booking.name}#${partitionForKey('kzn', TOPICS.booking.partitions)}`]);
  } finally {
    await env.close();
  }
});

void test('a malformed record is dead-lettered with a reason and the rest of the batch is applied', async () => {
  const env = await makeEnv();
  try {
    await env.log.publish(TOPICS.booking.name, [
      { key: 'spb-center', value: JSON.stringify(created(booking(1, 'spb-center'), T0)) },
      { key: 'spb-center', value: JSON.stringify({ ...created(booking(2, 'spb-center'), T0), occurred_at: -5 }) },
      { key: 'spb-center', value: JSON.stringify(created(booking(3, 'spb-center'), Date.now() + 3 * DAY)) },
      { key: 'spb-center', value: JSON.stringify(created(booking(4, 'spb-center'), T0 + MIN)) },
    ]);
    await env.start();
    await drained(env.log);
    assert.deepEqual(await values(env.store, 'region', 'spb-center'), { region_demand_1h: 2 });
    const letters = [];
    for (let p = 0; p < TOPICS.deadLetter.partitions; p++) letters.push(...(await env.log.read(TOPICS.deadLetter.name, p, '0', 100)));
    assert.deepEqual(letters.map((l) => [l.headers[DEAD_LETTER_HEADERS.sourceOffset], l.headers[DEAD_LETTER_HEADERS.reasonCode], l.headers[DEAD_LETTER_HEADERS.stage]]), [
      ['1', 'EVENT_INVALID', 'features-realtime'],
      ['2', 'EVENT_INVALID', 'features-realtime'],
    ]);
    assert.match(letters[0]?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /occurred_at/);
    assert.match(letters[1]?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /ahead of the clock/);
  } finally {
    await env.close();
  }
});
