/**
 * The simulated city lands near the targets docs/simulator.md states, over one seeded simulated day
 * (and the npm start backfill shows completed trips). Every figure is recounted from the records on
 * the event log; tolerances are the stated target ranges, or about 4 binomial standard deviations
 * around a configured share for this sample size.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { LogRecord } from '../../connectors/contracts/event-log.ts';
import { createMemoryEventLog } from '../../connectors/embedded/memory-event-log.ts';
import { createSimulator, type SimulatorConfigInput, type SimulatorStats } from '../../jobs/simulator/index.ts';
import { localHour } from '../../jobs/simulator/world.ts';
import { parseFraudLabel, type FraudLabel } from '../../schema/events/fraud-labels.ts';
import { parseDomainEvent, type DomainEvent, type DomainEventOf } from '../../schema/events/domain-events.ts';
import { isControlRecord } from '../../schema/events/control-records.ts';
import { DOMAIN_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { findRegion } from '../../schema/regions.ts';
import { profileDefaults } from '../../bin/config.ts';
import { TRAINING_SPECS } from '../../jobs/training/model-specs.ts';
import { createPrng } from '../../jobs/training/prng.ts';

const logger = pino({ level: 'silent' });
const MIN = 60_000;
const HOUR = 60 * MIN;
/** 2024-03-06 00:00 in Moscow (a Wednesday). */
const DAY_START = Date.UTC(2024, 2, 5, 21);

interface Run {
  readonly events: DomainEvent[];
  readonly labels: FraudLabel[];
  readonly invalid: number;
  readonly stats: SimulatorStats;
  readonly end: number;
}

async function run(config: SimulatorConfigInput, ms: number): Promise<Run> {
  const log = createMemoryEventLog({ maxRecordsPerPartition: 10_000_000 }, { logger, metrics: new Registry() });
  await log.start();
  try {
    const sim = createSimulator({ log, logger, metrics: new Registry(), ...config });
    await sim.runFor(ms);
    await sim.stop();
    const records: LogRecord[] = [];
    for (const t of [...DOMAIN_TOPICS, TOPICS.fraudLabels]) for (let p = 0; p < t.partitions; p++) records.push(...(await log.read(t.name, p, '0', 10_000_000)));
    const events: DomainEvent[] = [];
    const labels: FraudLabel[] = [];
    let invalid = 0;
    for (const r of records) {
      if (r.topic === TOPICS.fraudLabels.name) {
        const l = parseFraudLabel(r.value);
        assert.ok(l, `a valid label: ${r.value}`);
        labels.push(l);
        continue;
      }
      if (isControlRecord(r)) continue;
      const p = parseDomainEvent(r.value);
      if (p.ok) events.push(p.event);
      else invalid++;
    }
    return { events, labels, invalid, stats: sim.stats(), end: sim.stats().simulatedTime };
  } finally {
    await log.close();
  }
}

const of = <T extends DomainEvent['event_type']>(r: Run, type: T): DomainEventOf<T>[] => r.events.filter((e) => e.event_type === type) as unknown as DomainEventOf<T>[];
/** p +- k binomial standard deviations for n trials. */
const band = (p: number, n: number, k = 4): [number, number] => [p - k * Math.sqrt((p * (1 - p)) / n), p + k * Math.sqrt((p * (1 - p)) / n)];
const within = (v: number, [lo, hi]: readonly [number, number], what: string): void => assert.ok(v >= lo && v <= hi, `${what} ${v.toFixed(4)} not in [${lo.toFixed(4)}, ${hi.toFixed(4)}]`);

const LATE = 0.01;
const INVALID = 0.005;
let day: Run;

before(async () => {
  // pings every 10 minutes: GPS traffic does not move any target and would only slow the run
  day = await run({ seed: 2026, startTime: DAY_START, ratePerSecond: 0.08, locationIntervalMs: 10 * MIN, lateShare: LATE, maxLatenessMs: 10_000, invalidShare: INVALID }, 24 * HOUR);
});

void describe('simulator targets over a seeded simulated day (docs/simulator.md)', () => {
  void it('cancellations are 5-15 % of bookings that ended, few for want of drivers', () => {
    const created = of(day, 'BookingCreated').length;
    const completed = of(day, 'BookingCompleted').length;
    const cancelled = of(day, 'BookingCancelled');
    assert.ok(created > 3000, `${created} bookings`);
    within(cancelled.length / (completed + cancelled.length), [0.05, 0.15], 'cancellation share');
    const noDriver = cancelled.filter((c) => c.data.reason === 'no drivers available').length;
    assert.ok(noDriver / created < 0.01, `${noDriver} of ${created} bookings cancelled for want of drivers`);
  });

  void it('payment failures are 2-5 %, refunds about 1 % of completed payments, fraud 0.5-2 % of payments', () => {
    const initiated = of(day, 'PaymentInitiated');
    within(of(day, 'PaymentFailed').length / initiated.length, [0.02, 0.05], 'payment failure share');
    // refunds come 5-45 minutes after completion: count those of payments completed an hour before the end
    const completed = of(day, 'PaymentCompleted').filter((e) => e.occurred_at < day.end - HOUR);
    const ids = new Set(completed.map((e) => e.data.payment_id));
    const refunded = new Set(of(day, 'PaymentRefunded').filter((e) => ids.has(e.data.payment_id)).map((e) => e.data.payment_id));
    within(refunded.size / completed.length, [0.005, 0.015], 'refund share');
    within(day.labels.filter((l) => l.is_fraud).length / initiated.length, [0.005, 0.02], 'fraud share');
  });

  void it('every payment has exactly one ground-truth label; the known-fraud flag is not the label', () => {
    const initiated = of(day, 'PaymentInitiated');
    const byPayment = new Map(day.labels.map((l) => [l.payment_id, l]));
    assert.equal(day.labels.length, initiated.length);
    assert.equal(byPayment.size, initiated.length);
    let flaggedHonest = 0;
    let unflaggedFraud = 0;
    for (const p of initiated) {
      const l = byPayment.get(p.data.payment_id);
      assert.ok(l, p.data.payment_id);
      assert.equal(l.user_id, p.data.user_id);
      assert.equal(l.occurred_at, p.occurred_at);
      assert.equal(l.pattern === null, !l.is_fraud);
      if (p.data.known_fraud_flag && !l.is_fraud) flaggedHonest++;
      if (!p.data.known_fraud_flag && l.is_fraud) unflaggedFraud++;
    }
    assert.ok(flaggedHonest > 0 && unflaggedFraud > 0, `flagged honest ${flaggedHonest}, unflagged fraud ${unflaggedFraud}`);
    assert.ok(day.labels.some((l) => l.pattern === 'card_testing') && day.labels.some((l) => l.pattern === 'fraudster_ride'));
  });

  void it('trips last 8-45 minutes and completions never stop for long in the day', () => {
    const started = new Map(of(day, 'BookingStarted').map((e) => [e.data.booking_id, e.occurred_at]));
    const completed = of(day, 'BookingCompleted');
    for (const c of completed) {
      assert.ok(c.data.duration_s >= 8 * 60 && c.data.duration_s <= 45 * 60, `duration ${c.data.duration_s} s`);
      assert.equal(c.data.duration_s, Math.round((c.occurred_at - (started.get(c.data.booking_id) ?? NaN)) / 1000));
    }
    const times = completed.map((c) => c.occurred_at).filter((t) => t >= DAY_START + 7 * HOUR && t < DAY_START + 23 * HOUR).sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] ?? 0) - (times[i - 1] ?? 0));
    assert.ok(gap < 10 * MIN, `${gap / MIN} minutes without a completed trip between 07:00 and 23:00`);
  });

  void it('supply follows demand: more drivers online in rush hours than at night, never all busy', () => {
    // replay DriverStatusChanged; sample Moscow-center drivers at every minute
    const changes = of(day, 'DriverStatusChanged').sort((a, b) => a.occurred_at - b.occurred_at);
    const status = new Map<string, string>();
    const region = new Map<string, string>();
    const onlineAt = new Map<number, { online: number; busy: number }>();
    let i = 0;
    for (let t = DAY_START + MIN; t <= day.end; t += MIN) {
      for (; i < changes.length && (changes[i]?.occurred_at ?? Infinity) < t; i++) {
        const c = changes[i] as DomainEventOf<'DriverStatusChanged'>;
        status.set(c.data.driver_id, c.data.status);
        region.set(c.data.driver_id, c.data.region_id);
      }
      let online = 0;
      let busy = 0;
      for (const [d, s] of status) {
        if (region.get(d) !== 'msk-center') continue;
        if (s !== 'offline') online++;
        if (s === 'busy') busy++;
      }
      onlineAt.set(t, { online, busy });
    }
    const msk = findRegion('msk-center');
    assert.ok(msk);
    const mean = (pred: (h: number) => boolean): number => {
      const xs = [...onlineAt].filter(([t]) => pred(localHour(t, msk))).map(([, v]) => v.online);
      return xs.reduce((s, v) => s + v, 0) / xs.length;
    };
    const rush = mean((h) => h === 8 || h === 18);
    const night = mean((h) => h >= 2 && h < 5);
    assert.ok(rush > 2.5 * night, `online drivers: rush ${rush.toFixed(1)}, night ${night.toFixed(1)}`);
    const utilization = [...onlineAt.values()].filter((v) => v.online > 10).map((v) => v.busy / v.online);
    assert.ok(Math.max(...utilization) < 0.95, `max utilization ${Math.max(...utilization)}`);
    assert.ok(day.stats.drivers > 0 && day.stats.onlineDrivers + day.stats.busyDrivers < day.stats.drivers, 'the fleet has drivers off shift');
  });

  void it('late and malformed records are the configured shares', () => {
    const emitted = day.stats.emitted;
    within(day.stats.late / emitted, band(LATE, emitted), 'late share');
    within(day.invalid / emitted, band(INVALID, emitted), 'malformed share');
    assert.equal(day.invalid, day.stats.invalid);
  });
});

void describe('npm start backfill', () => {
  void it('15 simulated minutes at the embedded defaults hold completed trips, in rush hour and at night', async () => {
    const { simulator } = profileDefaults('embedded', '/tmp/unused') as { simulator: { ratePerSecond: number; backfillMinutes: number } };
    for (const startTime of [DAY_START + 8 * HOUR, DAY_START + 3 * HOUR]) {
      const r = await run({ seed: 1, startTime, ratePerSecond: simulator.ratePerSecond, locationIntervalMs: 10 * MIN }, simulator.backfillMinutes * MIN);
      const completed = of(r, 'BookingCompleted').length;
      assert.ok(completed >= 3, `${completed} completed trips in the backfill from ${new Date(startTime).toISOString()}`);
    }
  });
});

void describe('the fraud training set and the simulator share one fraud process (schema/fraud-patterns.ts)', () => {
  void it('fraud share, flag rates and crypto share agree between a simulated day and the training data', () => {
    const initiated = of(day, 'PaymentInitiated');
    const label = new Map(day.labels.map((l) => [l.payment_id, l.is_fraud]));
    const fraud = initiated.filter((p) => label.get(p.data.payment_id) === true);
    const honest = initiated.filter((p) => label.get(p.data.payment_id) === false);
    const share = (xs: readonly unknown[], pred: (x: number) => boolean, col: (i: number) => number): number => xs.filter((_, i) => pred(col(i))).length / xs.length;
    const sim = {
      fraudShare: fraud.length / initiated.length,
      flagGivenFraud: fraud.filter((p) => p.data.known_fraud_flag).length / fraud.length,
      flagGivenHonest: honest.filter((p) => p.data.known_fraud_flag).length / honest.length,
      cryptoGivenFraud: fraud.filter((p) => p.data.method === 'crypto').length / fraud.length,
    };
    const spec = TRAINING_SPECS.find((s) => s.name === 'fraud_score');
    assert.ok(spec);
    const data = spec.generate(createPrng(spec.seed));
    const col = (name: string) => (i: number): number => data.x[i]?.[data.featureNames.indexOf(name)] ?? NaN;
    const fraudRows = data.y.map((y, i) => (y === 1 ? i : -1)).filter((i) => i >= 0);
    const honestRows = data.y.map((y, i) => (y === 0 ? i : -1)).filter((i) => i >= 0);
    const train = {
      fraudShare: fraudRows.length / data.y.length,
      flagGivenFraud: share(fraudRows, (v) => v === 1, (i) => col('known_fraud_flag')(fraudRows[i] ?? 0)),
      flagGivenHonest: share(honestRows, (v) => v === 1, (i) => col('known_fraud_flag')(honestRows[i] ?? 0)),
      cryptoGivenFraud: share(fraudRows, (v) => v === 1, (i) => col('is_crypto')(fraudRows[i] ?? 0)),
    };
    const what = JSON.stringify({ sim, train });
    assert.ok(train.fraudShare > sim.fraudShare / 2 && train.fraudShare < sim.fraudShare * 2, what);
    assert.ok(Math.abs(train.flagGivenFraud - sim.flagGivenFraud) < 0.2, what);
    assert.ok(Math.abs(train.flagGivenHonest - sim.flagGivenHonest) < 0.004, what);
    assert.ok(Math.abs(train.cryptoGivenFraud - sim.cryptoGivenFraud) < 0.2, what);
  });
});
