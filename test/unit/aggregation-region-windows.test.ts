/**
 * The aggregation job's region and platform windows: the region specs (schema/windows/region-specs.ts,
 * one lateness group) on the window engine, seen through the aggregation's output (region_windows /
 * platform_windows rows, live WindowMessage). These are the rules the old WindowState had, now
 * asserted of the engine that replaced it: tumbling sizes, measures, finality, all-or-nothing
 * lateness across sizes, the watermark over partitions, marks, platform = sum of regions, versions,
 * exactly-once restore and event-id dedup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainEventSchema, type DomainEvent } from '../../schema/events/domain-events.ts';
import { isWindowMessage } from '../../schema/live-channels.ts';
import { parseWindowSpecs, regionSpecs } from '../../schema/windows/index.ts';
import { WindowEngine, type EngineSnapshot, type SpecWindowView } from '../../jobs/windows/index.ts';
import { minutesOf, regionOf, toMessage, toRow } from '../../jobs/aggregation/window-output.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 5, 8, 0, 0); // a 60-minute boundary
let seq = 0;

function ev(type: string, data: Record<string, unknown>, at: number): DomainEvent {
  return DomainEventSchema.parse({ event_id: `e${++seq}`, occurred_at: at, producer: 'test', schema_version: 1, event_type: type, data }) as DomainEvent;
}
const created = (region: string, at: number): DomainEvent =>
  ev('BookingCreated', { booking_id: `b${seq}`, rider_id: 'r', region_id: region, pickup: { lat: 1, lon: 1 }, dropoff: { lat: 1, lon: 1 }, estimated_distance_km: 3, weather: 'clear' }, at);
const completed = (region: string, fare: number, at: number): DomainEvent =>
  ev('BookingCompleted', { booking_id: 'b', rider_id: 'r', region_id: region, driver_id: 'd', fare, currency: 'RUB', distance_km: 3, duration_s: 600 }, at);
const cancelled = (region: string, at: number): DomainEvent =>
  ev('BookingCancelled', { booking_id: 'b', rider_id: 'r', region_id: region, driver_id: null, cancelled_by: 'rider', reason: 'x' }, at);
const priced = (region: string, price: number, at: number): DomainEvent =>
  ev('PriceCalculated', { booking_id: 'b', region_id: region, base_fare: price, surge_multiplier: 1, final_price: price, currency: 'RUB' }, at);
const accepted = (region: string, at: number): DomainEvent =>
  ev('BookingAccepted', { booking_id: 'b', rider_id: 'r', region_id: region, driver_id: 'd', eta_s: 60 }, at);

type Counters = Record<'tripCount' | 'completedCount' | 'cancelledCount' | 'priceCount' | 'priceSum' | 'revenue', number>;
/** A spec window as the aggregation's tables see it. */
type WindowView = SpecWindowView & { readonly regionId: string | null; readonly windowMinutes: number; readonly counters: Counters };
type Outcome = { kind: 'applied' | 'ignored' | 'duplicate' | 'repeated' } | { kind: 'late'; reason: string };

const asView = (v: SpecWindowView): WindowView => {
  const n = (m: string): number => v.values[m] ?? 0;
  return {
    ...v,
    regionId: regionOf(v),
    windowMinutes: minutesOf(v),
    counters: { tripCount: n('tripCount'), completedCount: n('completedCount'), cancelledCount: n('cancelledCount'), priceCount: n('priceCount'), priceSum: n('priceSum'), revenue: n('revenue') },
  };
};

/** The aggregation's specs on the engine, one partition key `topic:partition` at a time. */
class RegionWindows {
  readonly engine: WindowEngine;
  constructor(config: { windowMinutes: number[]; allowedLatenessMs: number }, snapshot?: EngineSnapshot) {
    this.engine = new WindowEngine(parseWindowSpecs(regionSpecs(config.windowMinutes, config.allowedLatenessMs)), snapshot);
  }
  apply(key: string, offset: string, e: DomainEvent): Outcome {
    const [topic = '', partition = '0'] = key.split(':');
    const o = this.engine.apply(topic, Number(partition), offset, e);
    if (o.late.length > 0) return { kind: 'late', reason: o.late.join('; ') };
    if (o.applied > 0) return { kind: 'applied' };
    if (o.repeated > 0) return { kind: 'repeated' };
    return { kind: o.duplicate > 0 ? 'duplicate' : 'ignored' };
  }
  drain(): { running: WindowView[]; final: WindowView[] } {
    const d = this.engine.drain();
    return { running: d.running.map(asView), final: d.final.map(asView) };
  }
  watermark(): number | null {
    const wms = Object.values(this.engine.watermarks());
    return wms.some((w) => w === null) ? null : Math.min(...(wms as number[]));
  }
  registerPartitions(keys: string[]): void {
    this.engine.registerPartitions(keys);
  }
  unseenPartitions(): string[] {
    return this.engine.unseenPartitions();
  }
  forgetUnseenPartition(key: string): void {
    this.engine.forgetUnseenPartition(key);
  }
  producerWatermark(key: string, ms: number): void {
    const [topic = '', partition = '0'] = key.split(':');
    this.engine.mark(topic, Number(partition), '0', ms);
  }
  /** Open region windows (the job's gofuture_aggregation_open_windows). */
  openWindowCount(): number {
    return this.engine.openWindowCount((s) => s.keyBy.length > 0);
  }
  openWindows(): WindowView[] {
    return this.engine.openWindows().map(asView);
  }
  snapshot(): EngineSnapshot {
    return this.engine.snapshot();
  }
}

/** Feeds events to one partition with consecutive offsets. */
function feeder(state: RegionWindows, key: string) {
  let offset = 0;
  return (e: DomainEvent) => state.apply(key, String(offset++), e);
}

const find = (views: readonly WindowView[], region: string | null, minutes: number, start: number): WindowView | undefined =>
  views.find((v) => v.regionId === region && v.windowMinutes === minutes && v.windowStart === start);

void test('tumbling windows per size: start inclusive, end exclusive, one window per size per event', () => {
  const s = new RegionWindows({ windowMinutes: [5, 15, 60], allowedLatenessMs: 60 * MIN });
  const feed = feeder(s, 'booking-events:0');
  feed(created('kzn', T0));
  feed(created('kzn', T0 + 5 * MIN - 1));
  feed(created('kzn', T0 + 5 * MIN));
  feed(created('kzn', T0 + 16 * MIN));
  const { running, final } = s.drain();
  assert.equal(final.length, 0);
  assert.equal(find(running, 'kzn', 5, T0)?.counters.tripCount, 2);
  assert.equal(find(running, 'kzn', 5, T0 + 5 * MIN)?.counters.tripCount, 1);
  assert.equal(find(running, 'kzn', 5, T0 + 15 * MIN)?.counters.tripCount, 1);
  assert.equal(find(running, 'kzn', 15, T0)?.counters.tripCount, 3);
  assert.equal(find(running, 'kzn', 15, T0 + 15 * MIN)?.counters.tripCount, 1);
  assert.equal(find(running, 'kzn', 60, T0)?.counters.tripCount, 4);
  assert.equal(find(running, 'kzn', 60, T0)?.windowEnd, T0 + 60 * MIN);
  // a second drain without new events reports nothing
  assert.deepEqual(s.drain(), { running: [], final: [] });
});

void test('metrics of a window: counts, cancellation rate, average price, revenue', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 });
  const feed = feeder(s, 'booking-events:1');
  for (let i = 0; i < 4; i++) feed(created('ekb', T0 + i * 1000));
  feed(cancelled('ekb', T0 + 10_000));
  feed(priced('ekb', 100, T0 + 11_000));
  feed(priced('ekb', 200.5, T0 + 12_000));
  feed(completed('ekb', 150.25, T0 + 13_000));
  feed(completed('ekb', 99.75, T0 + 14_000));
  feed(accepted('ekb', T0 + 15_000)); // not aggregated
  // a window with a price but no trip: rate 0; a window with trips but no price: avg null
  feed(priced('ekb', 300, T0 + 5 * MIN));
  feed(created('ekb', T0 + 10 * MIN));
  feed(accepted('ekb', T0 + 15 * MIN)); // moves the watermark past all three windows
  const { final } = s.drain();
  const w = find(final, 'ekb', 5, T0);
  assert.ok(w);
  assert.deepEqual(w.counters, { tripCount: 4, completedCount: 2, cancelledCount: 1, priceCount: 2, priceSum: 300.5, revenue: 250 });
  const m = toMessage(w);
  assert.equal(m.cancellationRate, 1 / 3, 'of the 3 bookings that ended, 1 was cancelled');
  assert.equal(m.avgPrice, 150.25);
  assert.equal(m.revenue, 250);
  assert.equal(m.isFinal, true);
  assert.equal(m.regionId, 'ekb');
  assert.ok(isWindowMessage(m));
  const noTrips = toMessage(find(final, 'ekb', 5, T0 + 5 * MIN) as WindowView);
  assert.equal(noTrips.cancellationRate, 0);
  assert.equal(noTrips.avgPrice, 300);
  const noPrice = toRow(find(final, 'ekb', 5, T0 + 10 * MIN) as WindowView);
  assert.equal(noPrice['avg_price'], null);
  assert.equal(noPrice['trip_count'], 1);
  assert.equal(noPrice['is_final'], true);
  assert.equal(noPrice['window_date'], '2024-03-05');
  assert.equal(noPrice['region_id'], 'ekb');
});

void test('a window is final once the watermark (max event time - lateness) passes its end, and only once', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 30_000 });
  const feed = feeder(s, 'booking-events:2');
  feed(created('kzn', T0 + 1000));
  feed(created('kzn', T0 + 5 * MIN + 29_999)); // watermark T0 + 5 min - 1 ms
  let d = s.drain();
  assert.equal(d.final.length, 0);
  assert.equal(s.watermark(), T0 + 5 * MIN - 1);
  feed(accepted('kzn', T0 + 5 * MIN + 30_000)); // watermark reaches the end
  d = s.drain();
  assert.equal(s.watermark(), T0 + 5 * MIN);
  assert.deepEqual(d.final.map((v) => [v.regionId, v.windowStart, v.isFinal]), [['kzn', T0, true], [null, T0, true]]);
  assert.equal(s.openWindowCount(), 1);
  feed(accepted('kzn', T0 + 20 * MIN));
  d = s.drain();
  assert.equal(d.final.filter((v) => v.windowStart === T0).length, 0, 'a final window is emitted once');
  assert.equal(find(d.final, 'kzn', 5, T0 + 5 * MIN)?.counters.tripCount, 1);
});

void test('late events are counted nowhere and come back with a reason', () => {
  const s = new RegionWindows({ windowMinutes: [5, 60], allowedLatenessMs: 30_000 });
  const feed = feeder(s, 'booking-events:3');
  feed(created('nsk', T0 + 1000));
  feed(accepted('nsk', T0 + 6 * MIN));
  const first = s.drain();
  assert.equal(find(first.final, 'nsk', 5, T0)?.counters.tripCount, 1);
  const late = feed(created('nsk', T0 + 2 * MIN));
  assert.equal(late.kind, 'late');
  assert.match(late.kind === 'late' ? late.reason : '', /region-5m: .* window \[2024-03-05T08:00:00.000Z, 2024-03-05T08:05:00.000Z\) of key nsk already closed/);
  const d = s.drain();
  // the 60-minute window is still open but did not count it either (all or nothing)
  assert.equal(d.running.length, 0);
  assert.equal(find(s.openWindows(), 'nsk', 60, T0)?.counters.tripCount, 1);
  // within the allowed lateness an out-of-order event is still counted
  assert.equal(feed(created('nsk', T0 + 5 * MIN + 31_000)).kind, 'applied');
});

void test('the job watermark is the minimum over partitions; an unseen partition with data holds it', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 });
  s.registerPartitions(['pricing-events:7']);
  const a = feeder(s, 'booking-events:0');
  a(created('sochi', T0));
  a(accepted('sochi', T0 + 30 * MIN));
  assert.equal(s.drain().final.length, 0);
  assert.equal(s.watermark(), null);
  assert.deepEqual(s.unseenPartitions(), ['pricing-events:7']);
  const b = feeder(s, 'pricing-events:7');
  assert.equal(b(priced('sochi', 500, T0 + 4 * MIN)).kind, 'applied');
  assert.equal(b(priced('sochi', 700, T0 + 7 * MIN)).kind, 'applied');
  const d = s.drain();
  assert.equal(s.watermark(), T0 + 7 * MIN);
  const w = find(d.final, 'sochi', 5, T0);
  assert.equal(w?.counters.tripCount, 1);
  assert.equal(w?.counters.priceCount, 1);
  // an event behind its own partition's watermark is late even while the job watermark keeps the window open
  const c = feeder(s, 'booking-events:5');
  c(created('kzn', T0 + 20 * MIN));
  assert.equal(c(created('kzn', T0 + 10 * MIN)).kind, 'late');
  assert.equal(b(priced('kzn', 100, T0 + 10 * MIN + 1)).kind, 'applied');
});

void test('forgetting a partition that never delivered releases the watermark', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 });
  s.registerPartitions(['booking-events:9']);
  const a = feeder(s, 'booking-events:0');
  a(created('kzn', T0));
  a(accepted('kzn', T0 + 6 * MIN));
  assert.equal(s.drain().final.length, 0);
  s.forgetUnseenPartition('booking-events:9');
  assert.equal(s.drain().final.length, 2);
});

void test('platform totals are the sum of the regions of the same window', () => {
  const s = new RegionWindows({ windowMinutes: [5, 15], allowedLatenessMs: 0 });
  const a = feeder(s, 'booking-events:0');
  const b = feeder(s, 'pricing-events:0');
  const regions = ['msk-center', 'spb-center', 'kzn'];
  regions.forEach((r, i) => {
    for (let k = 0; k <= i; k++) a(created(r, T0 + k * 1000 + i));
    a(cancelled(r, T0 + 9000));
    a(completed(r, 100 + i, T0 + 10_000));
    b(priced(r, 200 + 10 * i, T0 + 10_000 + i));
  });
  a(accepted('kzn', T0 + 20 * MIN));
  b(priced('kzn', 1, T0 + 20 * MIN));
  const { final } = s.drain();
  for (const minutes of [5, 15]) {
    const platform = find(final, null, minutes, T0);
    assert.ok(platform);
    const parts = final.filter((v) => v.regionId !== null && v.windowMinutes === minutes && v.windowStart === T0);
    assert.equal(parts.length, 3);
    const sum = (f: (v: WindowView) => number): number => parts.reduce((acc, v) => acc + f(v), 0);
    assert.equal(platform.counters.tripCount, sum((v) => v.counters.tripCount));
    assert.equal(platform.counters.tripCount, 6);
    assert.equal(platform.counters.cancelledCount, 3);
    assert.equal(platform.counters.revenue, sum((v) => v.counters.revenue));
    assert.equal(platform.counters.priceSum, 630);
    assert.equal(toMessage(platform).avgPrice, 210);
    assert.equal(toMessage(platform).cancellationRate, 0.5);
    assert.equal('regionId' in toMessage(platform), false);
    assert.equal('region_id' in toRow(platform), false);
    assert.equal(platform.version, 2 * (6 + 3 + 3 + 3) + 1);
  }
});

void test('versions grow with every counted event and once more when final', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 });
  const feed = feeder(s, 'booking-events:0');
  feed(created('kzn', T0));
  const v1 = find(s.drain().running, 'kzn', 5, T0)?.version ?? -1;
  feed(priced('kzn', 10, T0 + 1));
  const v2 = find(s.drain().running, 'kzn', 5, T0)?.version ?? -1;
  feed(accepted('kzn', T0 + 5 * MIN));
  const v3 = find(s.drain().final, 'kzn', 5, T0)?.version ?? -1;
  assert.ok(v1 > 0 && v2 > v1 && v3 === v2 + 1, `${v1} < ${v2} < ${v3}`);
});

void test('snapshot + restore + replay of already applied offsets gives exactly the uninterrupted result', () => {
  const events: [string, DomainEvent][] = [];
  for (let i = 0; i < 200; i++) {
    const at = T0 + i * 7_000 + (i % 5 === 0 ? -90_000 : 0); // some out of order, some of them late
    const region = ['kzn', 'ekb', 'nsk'][i % 3] as string;
    const key = `booking-events:${i % 2}`;
    const e = i % 4 === 0 ? priced(region, 100 + i, at) : i % 7 === 0 ? cancelled(region, at) : i % 3 === 0 ? completed(region, 50 + i, at) : created(region, at);
    events.push([key, e]);
  }
  const run = (state: RegionWindows, from: number, to: number, out: WindowView[], outcomes: string[]): void => {
    const offsets = new Map<string, number>();
    events.forEach(([key, e], i) => {
      const off = offsets.get(key) ?? 0;
      offsets.set(key, off + 1);
      if (i < from || i >= to) return;
      outcomes.push(state.apply(key, String(off), e).kind);
      if (i % 10 === 0) out.push(...state.drain().final);
    });
    out.push(...state.drain().final);
  };
  const config = { windowMinutes: [5, 15], allowedLatenessMs: 30_000 };
  const straight: WindowView[] = [];
  const straightOutcomes: string[] = [];
  run(new RegionWindows(config), 0, events.length, straight, straightOutcomes);
  assert.ok(straightOutcomes.includes('late'));

  const first = new RegionWindows(config);
  const resumed: WindowView[] = [];
  const firstOutcomes: string[] = [];
  run(first, 0, 120, resumed, firstOutcomes);
  const restored = new RegionWindows(config, JSON.parse(JSON.stringify(first.snapshot())) as EngineSnapshot);
  const replayOutcomes: string[] = [];
  run(restored, 60, events.length, resumed, replayOutcomes); // offsets 60..119 are re-delivered
  assert.equal(replayOutcomes.slice(0, 60).every((k) => k === 'duplicate'), true);
  assert.deepEqual([...firstOutcomes, ...replayOutcomes.slice(60)], straightOutcomes);
  const byKey = (vs: WindowView[]) => new Map(vs.map((v) => [`${v.regionId}|${v.windowMinutes}|${v.windowStart}`, v.counters]));
  assert.deepEqual(byKey(resumed), byKey(straight));
  assert.equal(restored.watermark(), new RegionWindows(config, restored.snapshot()).watermark());
});

void test('cancellationRate is the share of the bookings that ended in the window that were cancelled: never above 1', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 });
  const feed = feeder(s, 'booking-events:2');
  for (let i = 0; i < 4; i++) feed(created('kzn', T0 + i * 1000));
  // the next window: one new booking, and three of the earlier ones cancelled, one completed
  feed(created('kzn', T0 + 5 * MIN));
  for (let i = 0; i < 3; i++) feed(cancelled('kzn', T0 + 6 * MIN + i));
  feed(completed('kzn', 100, T0 + 7 * MIN));
  feed(accepted('kzn', T0 + 11 * MIN));
  const { final } = s.drain();
  const w = find(final, 'kzn', 5, T0 + 5 * MIN) as WindowView;
  assert.equal(w.counters.tripCount, 1);
  assert.equal(toMessage(w).cancellationRate, 0.75);
  assert.equal(toRow(w)['cancellation_rate'], 0.75);
  const first = find(final, 'kzn', 5, T0) as WindowView;
  assert.equal(toMessage(first).cancellationRate, 0, 'no booking ended in the window: 0');
  for (const v of final) assert.ok(toMessage(v).cancellationRate <= 1, `window ${v.windowStart} rate ${toMessage(v).cancellationRate}`);
});

void test('the same event delivered twice (same event_id, another offset) counts once, also after a restore', () => {
  const s = new RegionWindows({ windowMinutes: [5, 15], allowedLatenessMs: 10 * MIN });
  const feed = feeder(s, 'booking-events:3');
  const c = created('kzn', T0);
  const p = priced('kzn', 120, T0 + 1000);
  assert.equal(feed(c).kind, 'applied');
  assert.equal(feed(p).kind, 'applied');
  assert.equal(feed(c).kind, 'repeated');
  const restored = new RegionWindows({ windowMinutes: [5, 15], allowedLatenessMs: 10 * MIN }, s.snapshot());
  assert.equal(restored.apply('booking-events:3', '3', p).kind, 'repeated');
  assert.equal(restored.apply('booking-events:3', '4', created('kzn', T0 + 2000)).kind, 'applied');
  const w5 = find(restored.openWindows(), 'kzn', 5, T0) as WindowView;
  const w15 = find(restored.openWindows(), 'kzn', 15, T0) as WindowView;
  assert.equal(w5.counters.tripCount, 2);
  assert.equal(w5.counters.priceCount, 1);
  assert.equal(w15.counters.tripCount, 2);
});

void test('producer watermark marks: a quiet partition stops holding the job watermark; lateness stays the events\' own', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 });
  s.registerPartitions(['booking-events:0', 'booking-events:1']);
  const busy = feeder(s, 'booking-events:0');
  const quiet = feeder(s, 'booking-events:1');
  quiet(created('kzn', T0 + MIN));
  busy(created('msk', T0 + MIN));
  busy(created('msk', T0 + 11 * MIN));
  // the quiet partition's last event (T0 + 1 min) holds every window open
  assert.equal(s.drain().final.length, 0);
  assert.equal(s.watermark(), T0 + MIN);
  // its producer promises nothing older than T0 + 10 min will follow: [T0, T0 + 5) and [T0 + 5, T0 + 10) close
  s.producerWatermark('booking-events:1', T0 + 10 * MIN);
  s.producerWatermark('booking-events:1', T0 + 9 * MIN); // marks only grow
  const { final } = s.drain();
  assert.equal(s.watermark(), T0 + 10 * MIN);
  assert.deepEqual(final.filter((v) => v.regionId !== null).map((v) => [v.regionId, v.windowStart]).sort(), [['kzn', T0], ['msk', T0]]);
  // an event the mark promised away is late by the mark (deterministic: the partition's own state decides)
  const broken = quiet(created('kzn', T0 + 2 * MIN));
  assert.equal(broken.kind, 'late');
  assert.match(broken.kind === 'late' ? broken.reason : '', /producer watermark mark of partition booking-events:1/);
  // events at or after the mark count; the busy partition's lateness is untouched by the other's mark
  assert.equal(quiet(created('kzn', T0 + 10 * MIN)).kind, 'applied');
  assert.equal(busy(created('msk', T0 + 10 * MIN + 1)).kind, 'applied');
  // the mark survives a snapshot
  const restored = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 }, JSON.parse(JSON.stringify(s.snapshot())) as EngineSnapshot);
  assert.equal(restored.watermark(), T0 + 10 * MIN);
  assert.equal(restored.apply('booking-events:1', '99', created('kzn', T0 + 9 * MIN)).kind, 'late');
});

void test('a partition known only through marks counts with its mark; one with neither holds the watermark', () => {
  const s = new RegionWindows({ windowMinutes: [5], allowedLatenessMs: 0 });
  s.registerPartitions(['booking-events:0', 'booking-events:1', 'booking-events:2']);
  feeder(s, 'booking-events:0')(created('msk', T0 + 20 * MIN));
  s.producerWatermark('booking-events:1', T0 + 6 * MIN);
  s.drain();
  assert.equal(s.watermark(), null, 'partition 2 delivered neither an event nor a mark');
  assert.deepEqual(s.unseenPartitions(), ['booking-events:2']);
  s.forgetUnseenPartition('booking-events:1');
  s.forgetUnseenPartition('booking-events:2');
  s.drain();
  assert.equal(s.watermark(), T0 + 6 * MIN, 'the marked partition is kept and decides');
});
