/**
 * The training sets built from the lake (jobs/training/datasets/platform-*.ts) on a small simulated
 * lake (simulator -> bronze -> daily_etl, in process). Every label is checked against what the
 * simulator published (fraud-labels, PriceCalculated, BookingCreated), every point-in-time feature
 * against a brute-force count over the events before the label time only (a leak would differ),
 * rows are in time order with later validation / test splits, and the lineage names the Delta
 * versions read and the feature views.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { platformDemandDataset } from '../../jobs/training/datasets/platform-demand.ts';
import { FRAUD_EXTENDED_FEATURES, platformFraudDataset } from '../../jobs/training/datasets/platform-fraud.ts';
import { platformSurgeDataset } from '../../jobs/training/datasets/platform-surge.ts';
import type { Dataset } from '../../jobs/training/datasets/dataset.ts';
import { FRAUD_FEATURES } from '../../jobs/training/datasets/fraud.ts';
import { DEMAND_FEATURES } from '../../jobs/training/datasets/demand.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { simulatedLake, type SimulatedLake } from '../support/features/simulated-lake.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
let lake: SimulatedLake;

interface Ev { event_type: string; occurred_at: number; data: Record<string, unknown> }
let events: Ev[] = [];
const labels = new Map<string, { is_fraud: boolean; user_id: string; occurred_at: number }>();

before(async () => {
  lake = await simulatedLake({ startTime: Date.parse('2026-03-06T21:00:00Z'), minutes: 300, seed: 23 });
  const seen = new Set<string>();
  for (const t of [TOPICS.booking, TOPICS.payment, TOPICS.pricing]) {
    for (let p = 0; p < t.partitions; p++) {
      for (const r of await lake.log.read(t.name, p, '0', 10_000_000)) {
        const e = JSON.parse(r.value) as Ev & { event_id: string };
        if (seen.has(e.event_id)) continue;
        seen.add(e.event_id);
        events.push(e);
      }
    }
  }
  events = events.sort((a, b) => a.occurred_at - b.occurred_at);
  for (let p = 0; p < TOPICS.fraudLabels.partitions; p++) {
    for (const r of await lake.log.read(TOPICS.fraudLabels.name, p, '0', 10_000_000)) {
      const l = JSON.parse(r.value) as { payment_id: string; is_fraud: boolean; user_id: string; occurred_at: number };
      labels.set(l.payment_id, l);
    }
  }
});
after(() => lake.close());

/** The region_demand_1h a point-in-time lookup must give at t: as of the region's latest booking at or before t, within the 10-minute TTL. */
function demandAt(region: string, t: number): number {
  const created = events.filter((e) => e.event_type === 'BookingCreated' && e.data.region_id === region && e.occurred_at <= t);
  const latest = created.at(-1);
  if (!latest || latest.occurred_at < t - 10 * MIN) return 0;
  const from = Math.floor((latest.occurred_at - HOUR) / MIN) * MIN;
  return created.filter((e) => e.occurred_at >= from).length;
}

function checkSplits(d: Dataset, times: readonly number[]): void {
  assert.equal(d.x.length, d.y.length);
  assert.equal(times.length, d.x.length);
  for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) >= (times[i - 1] ?? 0), 'rows in time order');
  assert.ok(d.validationFrom > 0 && d.validationFrom <= d.testFrom && d.testFrom < d.x.length);
  assert.ok((times[d.validationFrom] ?? 0) > (times[d.validationFrom - 1] ?? 0), 'validation strictly after training');
  assert.ok((times[d.testFrom] ?? 0) > (times[d.testFrom - 1] ?? 0), 'test strictly after validation');
  assert.ok(d.x.every((r) => r.length === d.featureNames.length && r.every(Number.isFinite)));
}

async function checkLineage(d: Dataset, tables: readonly string[], views: readonly string[]): Promise<void> {
  assert.ok(d.lineage);
  assert.deepEqual(d.lineage.tables.map((t) => t.name), [...tables].sort());
  for (const t of d.lineage.tables) assert.equal(t.version, (await lake.fx.lake.table(t.name).snapshot()).version, `${t.name} at the version read`);
  assert.deepEqual(d.lineage.featureViews, views);
  assert.equal(d.lineage.trainingRows, d.x.length);
}

void describe('training sets from the lake', () => {
  void it('fraud: one row per payment, the ground-truth label, velocity from the past only', async () => {
    const d = await platformFraudDataset({ source: lake.source });
    assert.deepEqual(d.featureNames, FRAUD_FEATURES);
    assert.equal(d.x.length, labels.size, 'every labelled payment');
    const positives = d.y.filter((v) => v === 1).length;
    assert.equal(positives, [...labels.values()].filter((l) => l.is_fraud).length);
    assert.ok(positives > 0, 'the simulator made some fraud');
    const payments = events.filter((e) => e.event_type === 'PaymentInitiated');
    const v30 = d.featureNames.indexOf('payments_last_30min');
    d.paymentIds.forEach((id, i) => {
      const l = labels.get(id);
      assert.ok(l, id);
      assert.equal(d.y[i], l.is_fraud ? 1 : 0, `${id}: label`);
      assert.equal(d.labelTimes[i], l.occurred_at);
      const expected = payments.filter((p) => p.data.user_id === l.user_id && p.occurred_at <= l.occurred_at && p.occurred_at > l.occurred_at - 30 * MIN).length;
      assert.equal(d.x[i]?.[v30], expected, `${id}: payments in the 30 minutes up to the payment`);
    });
    checkSplits(d, d.labelTimes);
    await checkLineage(d, ['gold.user_payment_rows', 'silver.fraud_labels'], ['user_payments']);
    const ext = await platformFraudDataset({ source: lake.source, extended: true });
    assert.deepEqual(ext.featureNames, [...FRAUD_FEATURES, ...FRAUD_EXTENDED_FEATURES]);
    assert.deepEqual(ext.y, d.y);
  });

  void it('surge: the multiplier pricing applied, demand as of the request', async () => {
    const d = await platformSurgeDataset({ source: lake.source });
    const priced = new Map<string, number>();
    for (const e of events) if (e.event_type === 'PriceCalculated') priced.set(String(e.data.booking_id), Number(e.data.surge_multiplier));
    const created = new Map(events.filter((e) => e.event_type === 'BookingCreated').map((e) => [String(e.data.booking_id), e]));
    assert.ok(d.x.length > 100, `${d.x.length} rows`);
    assert.equal(d.x.length, [...created.keys()].filter((id) => priced.has(id)).length);
    d.tripIds.forEach((id, i) => {
      assert.equal(d.y[i], priced.get(id), `${id}: surge`);
      const b = created.get(id);
      assert.ok(b);
      assert.equal(d.labelTimes[i], b.occurred_at);
      assert.equal(d.x[i]?.[0], demandAt(String(b.data.region_id), b.occurred_at), `${id}: region demand as of the request`);
    });
    assert.ok(d.y.every((v) => v >= 1 && v <= 3));
    checkSplits(d, d.labelTimes);
    await checkLineage(d, ['gold.region_demand_rows', 'silver.trips'], ['region_demand']);
  });

  void it('demand: next hour\'s bookings per region, features from before the hour', async () => {
    const d = await platformDemandDataset({ source: lake.source });
    assert.deepEqual(d.featureNames, DEMAND_FEATURES);
    assert.ok(d.x.length >= 16, `${d.x.length} rows`);
    d.hours.forEach((h, i) => {
      const region = d.regions[i] ?? '';
      const label = events.filter((e) => e.event_type === 'BookingCreated' && e.data.region_id === region && e.occurred_at >= h && e.occurred_at < h + HOUR).length;
      assert.equal(d.y[i], label, `${region} ${new Date(h).toISOString()}: label`);
      assert.equal(d.x[i]?.[0], demandAt(region, h - 1), `${region} ${new Date(h).toISOString()}: trips in the last hour, from before the hour`);
    });
    assert.ok(d.y.some((v) => v > 0));
    checkSplits(d, d.hours);
    await checkLineage(d, ['gold.region_demand_rows', 'silver.events'], ['region_demand']);
  });
});
