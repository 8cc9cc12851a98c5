import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import type { EventLog, LogRecord } from '../../connectors/contracts/event-log.ts';
import { DomainEventSchema, EVENT_TOPIC, EVENT_TYPES, parseDomainEvent, type DomainEvent } from '../../schema/events/domain-events.ts';
import { DOMAIN_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { findRegion } from '../../schema/regions.ts';
import { isPlatformError } from '../../schema/errors.ts';
import { createSimulator, type SimulatorConfigInput } from '../../jobs/simulator/index.ts';
import { localHour } from '../../jobs/simulator/world.ts';
import { isControlRecord, watermarkOf } from '../../schema/events/control-records.ts';

const logger = pino({ level: 'silent' });
const MIN = 60_000;
/** 08:00 in Moscow: rush hour. */
const RUSH = Date.UTC(2024, 2, 5, 5, 0, 0);
/** 01:00 in Moscow. */
const NIGHT = Date.UTC(2024, 2, 5, 22, 0, 0);

async function withLog<T>(f: (log: EventLog) => Promise<T>): Promise<T> {
  const log = createMemoryEventLog({ maxRecordsPerPartition: 1_000_000 }, { logger, metrics: new Registry() });
  await log.start();
  try {
    return await f(log);
  } finally {
    await log.close();
  }
}

async function simulate(config: SimulatorConfigInput, drive: (sim: ReturnType<typeof createSimulator>) => Promise<void>) {
  return withLog(async (log) => {
    const events: DomainEvent[] = [];
    const sim = createSimulator({ log, logger, metrics: new Registry(), onEmit: (e) => events.push(e), ...config });
    await drive(sim);
    await sim.stop();
    return { events, stats: sim.stats(), records: await readAll(log) };
  });
}

/** Every domain record (producer watermark marks, which are control records, apart: see readMarks). */
async function readAll(log: EventLog): Promise<LogRecord[]> {
  return (await readEverything(log)).filter((r) => !isControlRecord(r));
}

async function readEverything(log: EventLog): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const t of DOMAIN_TOPICS) {
    for (let p = 0; p < t.partitions; p++) out.push(...(await log.read(t.name, p, '0', 10_000_000)));
  }
  return out;
}

const small = { driversPerRegion: 8, locationIntervalMs: 30_000, lateShare: 0 } as const;

void test('same seed and start time give the same events, however the run is chopped; another seed does not', async () => {
  const cfg = { ...small, seed: 7, startTime: RUSH, ratePerSecond: 0.5, lateShare: 0.05 };
  const a = await simulate(cfg, (s) => s.runFor(10 * MIN));
  const b = await simulate(cfg, async (s) => {
    await s.runFor(3 * MIN);
    await s.runFor(2 * MIN + 500);
    await s.runFor(5 * MIN - 500);
  });
  const c = await simulate({ ...cfg, seed: 8 }, (s) => s.runFor(10 * MIN));
  assert.ok(a.events.length > 500, `${a.events.length} events`);
  const sorted = (es: DomainEvent[]) => es.map((e) => JSON.stringify(e)).sort();
  assert.deepEqual(sorted(b.events), sorted(a.events));
  assert.notDeepEqual(sorted(c.events).slice(0, 50), sorted(a.events).slice(0, 50));
  assert.equal(a.stats.simulatedTime, RUSH + 10 * MIN);
  assert.ok(a.events.every((e) => e.occurred_at >= RUSH && e.occurred_at < RUSH + 10 * MIN));
  // event ids are unique
  assert.equal(new Set(a.events.map((e) => e.event_id)).size, a.events.length);
});

void test('a simulated rush hour: every event valid, all 19 types, keys and partitions as seed 002, realistic shares', async () => {
  const { events, records, stats } = await simulate({ ...small, seed: 3, startTime: RUSH, ratePerSecond: 0.3, driversPerRegion: undefined, fraudBurstsPerHour: 4 }, (s) => s.runFor(60 * MIN));
  assert.equal(records.length, events.length);
  assert.equal(stats.published, events.length);
  for (const e of events) {
    const r = DomainEventSchema.safeParse(e);
    assert.ok(r.success, `${e.event_type}: ${r.success ? '' : r.error.message}`);
  }
  const seen = new Set(events.map((e) => e.event_type));
  assert.deepEqual(EVENT_TYPES.filter((t) => !seen.has(t)), []);
  // records: on the event type's topic, keyed by the seed 002 key field, same key same partition
  const partitionOfKey = new Map<string, number>();
  for (const rec of records) {
    const parsed = parseDomainEvent(rec.value);
    assert.ok(parsed.ok);
    const spec = EVENT_TOPIC[parsed.event.event_type];
    assert.equal(rec.topic, spec.name);
    assert.equal(rec.key, (parsed.event.data as Record<string, unknown>)[spec.keyField]);
    const k = `${rec.topic}|${rec.key}`;
    assert.equal(partitionOfKey.get(k) ?? rec.partition, rec.partition);
    partitionOfKey.set(k, rec.partition);
  }
  assert.equal(TOPICS.booking.keyField, 'region_id');
  assert.equal(TOPICS.payment.keyField, 'user_id');
  const n = stats.byType;
  const cancelRate = n.BookingCancelled / n.BookingCreated;
  assert.ok(cancelRate > 0.05 && cancelRate < 0.25, `cancellation rate ${cancelRate}`);
  const failRate = n.PaymentFailed / n.PaymentInitiated;
  assert.ok(failRate > 0.01 && failRate < 0.15, `payment failure rate ${failRate}`);
  assert.equal(n.SagaStarted, n.BookingCreated);
  assert.equal(n.PriceCalculated, n.BookingCreated);
  // regions weighted by demand
  const perRegion = (id: string) => events.filter((e) => e.event_type === 'BookingCreated' && e.data.region_id === id).length;
  assert.ok(perRegion('msk-center') > 3 * perRegion('sochi'), `msk-center ${perRegion('msk-center')} sochi ${perRegion('sochi')}`);
  // each booking's lifecycle is in order in event time
  const byBooking = new Map<string, DomainEvent[]>();
  for (const e of events) if (e.event_type.startsWith('Booking')) {
    const id = (e.data as { booking_id: string }).booking_id;
    byBooking.set(id, [...(byBooking.get(id) ?? []), e]);
  }
  const order = ['BookingCreated', 'BookingAccepted', 'BookingStarted', 'BookingCompleted'];
  for (const list of byBooking.values()) {
    const types = [...list].sort((x, y) => x.occurred_at - y.occurred_at).map((e) => e.event_type).filter((t) => order.includes(t));
    assert.deepEqual(types, order.slice(0, types.length));
  }
});

void test('drivers ping every locationIntervalMs while online; status changes are consistent', async () => {
  const { events } = await simulate({ seed: 5, startTime: RUSH, ratePerSecond: 0.1, driversPerRegion: 4, lateShare: 0 }, (s) => s.runFor(2 * MIN));
  const pings = new Map<string, number[]>();
  for (const e of events) if (e.event_type === 'DriverLocationUpdated') pings.set(e.data.driver_id, [...(pings.get(e.data.driver_id) ?? []), e.occurred_at]);
  assert.ok(pings.size > 10);
  for (const times of pings.values()) for (let i = 1; i < times.length; i++) assert.equal((times[i] ?? 0) - (times[i - 1] ?? 0), 5000);
  const status = new Map<string, string>();
  for (const e of events) {
    if (e.event_type !== 'DriverStatusChanged') continue;
    assert.equal(e.data.previous_status, status.get(e.data.driver_id) ?? null);
    status.set(e.data.driver_id, e.data.status);
  }
});

void test('rush hours raise the booking rate over the night', async () => {
  const count = async (startTime: number) =>
    (await simulate({ ...small, seed: 11, startTime, ratePerSecond: 1 }, (s) => s.runFor(20 * MIN))).stats.bookingsCreated;
  const rush = await count(RUSH);
  const night = await count(NIGHT);
  assert.ok(rush > 2.5 * night, `rush ${rush} night ${night}`);
});

void test('fraud patterns: known fraud flags, crypto, bursts of more than 5 payments in 30 minutes, high amounts, late night', async () => {
  const { events } = await simulate({ ...small, seed: 2, startTime: NIGHT, ratePerSecond: 0.5, fraudShare: 0.05, fraudBurstsPerHour: 6 }, (s) => s.runFor(60 * MIN));
  const payments = events.filter((e) => e.event_type === 'PaymentInitiated');
  assert.ok(payments.some((e) => e.data.known_fraud_flag));
  assert.ok(payments.some((e) => e.data.method === 'crypto'));
  assert.ok(payments.some((e) => e.data.amount > 5000));
  assert.ok(payments.some((e) => {
    const region = findRegion(e.data.region_id);
    const h = region ? localHour(e.occurred_at, region) : 12;
    return h >= 23 || h < 5;
  }));
  const byUser = new Map<string, number[]>();
  for (const p of payments) byUser.set(p.data.user_id, [...(byUser.get(p.data.user_id) ?? []), p.occurred_at]);
  const burst = [...byUser.values()].some((ts) => ts.some((t) => ts.filter((u) => u >= t && u < t + 30 * MIN).length > 5));
  assert.ok(burst, 'a user with more than 5 payments in 30 minutes');
});

void test('late and malformed records on demand: out of order within bounds, invalid ones counted', async () => {
  const { events, records, stats } = await simulate(
    { ...small, seed: 9, startTime: RUSH, ratePerSecond: 0.5, lateShare: 0.2, maxLatenessMs: 8000, invalidShare: 0.05 },
    (s) => s.runFor(10 * MIN),
  );
  const invalid = records.filter((r) => !parseDomainEvent(r.value).ok);
  assert.equal(invalid.length, stats.invalid);
  assert.ok(stats.invalid > 0 && stats.late > 0);
  assert.equal(records.length - invalid.length, events.length);
  assert.ok(invalid.every((r) => r.headers['x-simulator-invalid'] === 'true'));
  let outOfOrder = 0;
  const maxSeen = new Map<string, number>();
  for (const r of records) {
    const p = parseDomainEvent(r.value);
    if (!p.ok) continue;
    const k = `${r.topic}:${r.partition}`;
    const max = maxSeen.get(k) ?? 0;
    if (p.event.occurred_at < max) {
      outOfOrder++;
      // held back at most maxLatenessMs, published at the end of its 1 s step
      assert.ok(max - p.event.occurred_at <= 8000 + 1000, `late by ${max - p.event.occurred_at} ms`);
    }
    maxSeen.set(k, Math.max(max, p.event.occurred_at));
  }
  assert.ok(outOfOrder > 0);
});

void test('start() runs on a timer at `speed` x real time; stop() publishes everything', async () => {
  const startTime = RUSH;
  const { stats, records } = await simulate({ ...small, seed: 4, startTime, speed: 600, tickMs: 20, lateShare: 0.1, maxLatenessMs: 5000 }, async (s) => {
    const t0 = performance.now();
    await s.start();
    assert.equal(s.stats().running, true);
    await new Promise((r) => setTimeout(r, 400));
    const elapsed = performance.now() - t0;
    const simulated = s.stats().simulatedTime - startTime;
    assert.ok(simulated > 0 && simulated <= elapsed * 600 + 1000, `simulated ${simulated} ms in ${elapsed} ms`);
  });
  assert.equal(stats.running, false);
  assert.ok(stats.emitted > 0);
  assert.equal(stats.published, stats.emitted);
  assert.equal(records.length, stats.emitted);
});

void test('config is validated: a wrong value names its key, unknown keys are refused', () => {
  const log = createMemoryEventLog({}, { logger, metrics: new Registry() });
  const bad = (cfg: Record<string, unknown>, key: RegExp) =>
    assert.throws(() => createSimulator({ log, logger, metrics: new Registry(), ...cfg }), (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID' && key.test(e.message));
  bad({ ratePerSecond: -1 }, /simulator\.ratePerSecond/);
  bad({ invalidShare: 2 }, /simulator\.invalidShare/);
  bad({ ratePersecond: 1 }, /ratePersecond/);
  const sim = createSimulator({ log, logger, metrics: new Registry() });
  assert.equal(sim.config.lateShare, 0.01);
  assert.equal(sim.config.invalidShare, 0);
  assert.equal(sim.config.locationIntervalMs, 5000);
});

void test('producer watermark marks: quiet partitions get them, busy ones not, and no later event of the partition is older', async () => {
  await withLog(async (log) => {
    const sim = createSimulator({ log, logger, metrics: new Registry(), ...small, seed: 5, startTime: NIGHT, ratePerSecond: 0.2, lateShare: 0.1, maxLatenessMs: 120_000, watermarkIntervalMs: 5000 });
    await sim.runFor(20 * MIN);
    await sim.stop();
    const all = await readEverything(log);
    const marks = all.filter((r) => watermarkOf(r) !== null);
    assert.ok(marks.some((m) => m.topic === TOPICS.booking.name), 'quiet booking partitions at night get marks');
    assert.equal(sim.stats().published, all.length - marks.length, 'marks are not counted as published events');
    const promised = new Map<string, number>();
    let checked = 0;
    for (const r of all) {
      const k = `${r.topic}:${r.partition}`;
      const w = watermarkOf(r);
      if (w !== null) {
        assert.ok(w >= (promised.get(k) ?? -Infinity), `${k}: marks only grow`);
        promised.set(k, w);
        continue;
      }
      const p = parseDomainEvent(r.value);
      if (!p.ok || !promised.has(k)) continue;
      checked++;
      assert.ok(p.event.occurred_at >= (promised.get(k) ?? 0), `${k}@${r.offset}: ${p.event.event_type} at ${p.event.occurred_at} after a mark ${promised.get(k)}`);
    }
    assert.ok(checked > 100, `events checked against a preceding mark: ${checked}`);
    // a mark reaches the partition it names: its key hashes there
    for (const m of marks.slice(0, 50)) assert.equal(await log.partitionFor(m.topic, m.key ?? ''), m.partition);
  });
  // with marks off there are none
  const off = await simulate({ ...small, seed: 5, startTime: NIGHT, ratePerSecond: 0.2, watermarkIntervalMs: 0 }, (s) => s.runFor(5 * MIN));
  assert.equal(off.records.length, off.stats.published);
});
