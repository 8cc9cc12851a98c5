/**
 * The generic window engine against a brute-force oracle: random payment streams over three
 * partitions (out-of-order times, late events, re-delivered records, events published twice,
 * producer watermark marks) through tumbling, hopping and session specs, keyed and unkeyed, with
 * snapshot + restore at random points. The oracle decides lateness record by record within each
 * partition (the rule of jobs/windows/spec-windows.ts), then recomputes every window from the
 * accepted events from scratch. The engine's rows (highest version per window, retractions
 * removed) must equal the oracle's windows exactly, and every row shown final must never change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWindowSpec, type WindowSpec, type WindowSpecInput } from '../../schema/windows/index.ts';
import { WindowEngine } from '../../jobs/windows/window-engine.ts';
import type { SpecWindowView } from '../../jobs/windows/spec-windows.ts';
import { randomStream, rng, TOPIC, type Payment, type StreamItem } from '../support/windows/random-stream.ts';

const measures: WindowSpecInput['measures'] = {
  payments: { kind: 'count', events: ['PaymentInitiated'] },
  amount: { kind: 'sum', field: 'amount', events: ['PaymentInitiated'] },
  avgAmount: { kind: 'avg', field: 'amount', events: ['PaymentInitiated'] },
  minAmount: { kind: 'min', field: 'amount', events: ['PaymentInitiated'] },
  maxAmount: { kind: 'max', field: 'amount', events: ['PaymentInitiated'] },
  cardPayments: { kind: 'count', events: ['PaymentInitiated'], where: [{ field: 'method', eq: 'card' }] },
  devices: { kind: 'distinct', dimension: 'device', events: ['PaymentInitiated'] },
  fraud: { kind: 'count', events: ['PaymentInitiated'], where: [{ field: 'known_fraud_flag', eq: true }] },
  fraudRate: { kind: 'ratio', numerator: 'fraud', denominator: ['payments'], whenZero: 0 },
  manyDevices: { kind: 'flag', measure: 'devices', atLeast: 3 },
};

const SPECS: WindowSpec[] = [
  { name: 'tumble-region', window: { kind: 'tumbling', sizeMinutes: 10 }, keyBy: ['region'] },
  { name: 'tumble-all', window: { kind: 'tumbling', sizeMinutes: 5 }, keyBy: [] },
  { name: 'hop-rider', window: { kind: 'hopping', sizeMinutes: 15, slideMinutes: 5 }, keyBy: ['rider'] },
  { name: 'hop-region-method', window: { kind: 'hopping', sizeMinutes: 10, slideMinutes: 2 }, keyBy: ['region', 'method'] },
  { name: 'session-rider', window: { kind: 'session', gapMinutes: 4 }, keyBy: ['rider'] },
  { name: 'session-all', window: { kind: 'session', gapMinutes: 1 }, keyBy: [] },
].map((s) => parseWindowSpec({ description: 'test', measures, allowedLatenessMs: 90_000, ...s }));

interface Expected {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly values: Record<string, number | null>;
  readonly events: number;
}

const keyOf = (spec: WindowSpec, e: Payment): string[] =>
  spec.keyBy.map((d) => (d === 'region' ? e.data.region_id : d === 'rider' ? e.data.user_id : d === 'method' ? e.data.method : 'no such dimension'));

function values(events: readonly Payment[]): Record<string, number | null> {
  const amounts = events.map((e) => e.data.amount);
  const sum = amounts.reduce((s, x) => s + x, 0);
  const fraud = events.filter((e) => e.data.known_fraud_flag).length;
  const devices = new Set(events.map((e) => e.data.device_id)).size;
  return {
    payments: events.length,
    amount: sum,
    avgAmount: events.length === 0 ? null : Math.round((sum / events.length) * 1e6) / 1e6,
    minAmount: events.length === 0 ? null : Math.min(...amounts),
    maxAmount: events.length === 0 ? null : Math.max(...amounts),
    cardPayments: events.filter((e) => e.data.method === 'card').length,
    devices,
    fraud,
    fraudRate: events.length === 0 ? 0 : fraud / events.length,
    manyDevices: devices >= 3 ? 1 : 0,
  };
}

/** Brute force: lateness per partition in log order, dedup by event id, then every window recomputed. */
function oracle(spec: WindowSpec, logs: readonly StreamItem[][]): Map<string, Expected> {
  const size = (spec.window.kind === 'session' ? spec.window.gapMinutes : spec.window.sizeMinutes) * 60_000;
  const slide = spec.window.kind === 'hopping' ? spec.window.slideMinutes * 60_000 : size;
  const accepted: Payment[] = [];
  const ids = new Set<string>();
  for (const log of logs) {
    let max = Number.NEGATIVE_INFINITY;
    for (const item of log) {
      if (item.kind !== 'event') continue;
      const t = item.event.occurred_at;
      max = Math.max(max, t);
      const wm = max - spec.allowedLatenessMs;
      let late: boolean;
      if (spec.window.kind === 'session') late = t < wm;
      else {
        let first = Math.floor(t / slide) * slide;
        while (first - slide > t - size) first -= slide;
        late = first + size <= wm;
      }
      if (late || ids.has(item.event.event_id)) continue;
      ids.add(item.event.event_id);
      accepted.push(item.event);
    }
  }
  const byKey = new Map<string, Payment[]>();
  for (const e of accepted) {
    const k = JSON.stringify(keyOf(spec, e));
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  const out = new Map<string, Expected>();
  for (const [key, evs] of byKey) {
    if (spec.window.kind === 'session') {
      const sorted = [...evs].sort((a, b) => a.occurred_at - b.occurred_at);
      let cur: Payment[] = [];
      const flush = (): void => {
        const first = cur[0];
        const last = cur[cur.length - 1];
        if (first && last) out.set(`${key}|${first.occurred_at}`, { key, start: first.occurred_at, end: last.occurred_at + size, values: values(cur), events: cur.length });
        cur = [];
      };
      for (const e of sorted) {
        const last = cur[cur.length - 1];
        if (last && e.occurred_at >= last.occurred_at + size) flush();
        cur.push(e);
      }
      flush();
    } else {
      const starts = new Set<number>();
      for (const e of evs) for (let s = Math.floor(e.occurred_at / slide) * slide; s > e.occurred_at - size; s -= slide) starts.add(s);
      for (const s of starts) {
        const inside = evs.filter((e) => e.occurred_at >= s && e.occurred_at < s + size);
        out.set(`${key}|${s}`, { key, start: s, end: s + size, values: values(inside), events: inside.length });
      }
    }
  }
  return out;
}

/** Runs the delivery through the engine (snapshot + restore at random points) and keeps the winning row per window. */
function run(specs: readonly WindowSpec[], delivery: readonly StreamItem[], seed: number): { rows: Map<string, SpecWindowView>; finalChanged: string[] } {
  const r = rng(seed ^ 0x5eed);
  let engine = new WindowEngine(specs);
  engine.registerPartitions([0, 1, 2].map((p) => `${TOPIC}:${p}`));
  const rows = new Map<string, SpecWindowView>();
  const finals = new Map<string, string>();
  const finalChanged: string[] = [];
  const take = (views: readonly SpecWindowView[]): void => {
    for (const v of views) {
      const k = `${v.spec}|${JSON.stringify(v.keyValues)}|${v.windowStart}`;
      const shown = finals.get(k);
      if (shown !== undefined && shown !== JSON.stringify(v)) finalChanged.push(k);
      if (v.isFinal && !v.retracted) finals.set(k, JSON.stringify(v));
      const old = rows.get(k);
      if (!old || v.version >= old.version) rows.set(k, v);
    }
  };
  const drain = (): void => {
    const c = engine.drain();
    take(c.running);
    take(c.final);
    take(c.retracted);
  };
  for (const item of delivery) {
    if (item.kind === 'mark') engine.mark(TOPIC, item.partition, item.offset, item.watermark);
    else engine.apply(TOPIC, item.partition, item.offset, item.event);
    if (r() < 0.2) drain();
    if (r() < 0.03) {
      drain();
      engine = new WindowEngine(specs, JSON.parse(JSON.stringify(engine.snapshot())));
    }
  }
  drain();
  for (const p of [0, 1, 2]) engine.mark(TOPIC, p, '100000', Number.MAX_SAFE_INTEGER);
  drain();
  assert.equal(engine.openWindowCount(), 0, 'a mark at the end of time closes every window');
  return { rows, finalChanged };
}

for (let seed = 1; seed <= 12; seed++) {
  void test(`window engine equals the brute-force oracle (seed ${seed})`, () => {
    const { logs, delivery } = randomStream(seed);
    const { rows, finalChanged } = run(SPECS, delivery, seed);
    assert.deepEqual(finalChanged, [], 'a window shown final never changes');
    for (const spec of SPECS) {
      const want = oracle(spec, logs);
      const got = new Map<string, Expected>();
      for (const v of rows.values()) {
        if (v.spec !== spec.name || v.retracted) continue;
        assert.equal(v.isFinal, true);
        const key = JSON.stringify(v.keyValues);
        got.set(`${key}|${v.windowStart}`, { key, start: v.windowStart, end: v.windowEnd, values: { ...v.values }, events: v.events });
      }
      assert.ok(want.size > 0);
      assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()), `spec ${spec.name}`);
    }
  });
}

void test('a restored engine continues exactly like one that never stopped', () => {
  const { delivery } = randomStream(99);
  const straight = new WindowEngine(SPECS);
  const cut = Math.floor(delivery.length / 2);
  let restarted = new WindowEngine(SPECS);
  const feed = (e: WindowEngine, items: readonly StreamItem[]): void => {
    for (const item of items) {
      if (item.kind === 'mark') e.mark(TOPIC, item.partition, item.offset, item.watermark);
      else e.apply(TOPIC, item.partition, item.offset, item.event);
    }
  };
  feed(straight, delivery);
  feed(restarted, delivery.slice(0, cut));
  restarted = new WindowEngine(SPECS, JSON.parse(JSON.stringify(restarted.snapshot())));
  // a crash re-delivers everything since the last commit: here, the whole stream again
  feed(restarted, delivery);
  assert.deepEqual(restarted.snapshot(), straight.snapshot());
  assert.deepEqual(restarted.drain(), straight.drain());
});

void test('the spec watermark is the minimum over partitions, and a mark moves a quiet partition', () => {
  const [spec] = SPECS;
  assert.ok(spec);
  const engine = new WindowEngine([spec]);
  engine.registerPartitions([`${TOPIC}:0`, `${TOPIC}:1`]);
  const { logs } = randomStream(5, 1, 3);
  const first = logs[0]?.find((i) => i.kind === 'event');
  assert.ok(first && first.kind === 'event');
  engine.apply(TOPIC, 0, '0', first.event);
  engine.drain();
  assert.equal(engine.watermarks()[spec.name], null, 'partition 1 has delivered nothing yet');
  engine.mark(TOPIC, 1, '0', first.event.occurred_at + 3_600_000);
  engine.drain();
  assert.equal(engine.watermarks()[spec.name], first.event.occurred_at - spec.allowedLatenessMs, 'min over partitions: partition 0 holds it now');
});
