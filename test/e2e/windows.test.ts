/**
 * Window specs through the embedded platform: the simulator feeds the event log, the windows job
 * runs a set of specs (seed 001's and the region windows as a spec), and the metrics subgraph serves
 * them through the gateway: spec metadata, windows by spec and key, and live updates over
 * graphql-ws. The region-5m spec and the aggregation job's 5-minute region windows follow the same
 * rules (same partitions, lateness of the 5-minute window, dedup by event id), so every window final
 * in both must be equal in every measure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { eventually, gql, subscribe } from './support.ts';

const REGION = 'msk-center';
const SPECS = ['region-5m', 'platform-hourly', 'gold-payments-10m', 'rider-sessions', 'driver-activity'];

interface SpecWindow {
  key: string;
  keyValues: string[];
  windowStart: string;
  windowEnd: string;
  isFinal: boolean;
  events: number;
  measures: { name: string; value: number | null }[];
}

const valueOf = (w: SpecWindow, name: string): number | null | undefined => w.measures.find((m) => m.name === name)?.value;

void describe('window specs through the platform', () => {
  let dir: string;
  let platform: RunningPlatform;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-windows-e2e-'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir,
        logLevel: 'silent',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: {
          eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') },
          warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') },
        },
        jobs: ['simulator', 'aggregation', 'windows'],
        simulator: { seed: 5, speed: 60, tickMs: 200, ratePerSecond: 0.5, driversPerRegion: 4, lateShare: 0.02, maxLatenessMs: 5000, backfillMinutes: 0 },
        aggregation: { allowedLatenessMs: 30_000 },
        windows: { specs: SPECS },
      },
    });
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
  });

  after(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('lists the specs with their window shape, keys and measures', async () => {
    const r = await gql<{ windowSpecs: { name: string; kind: string; sizeMinutes: number | null; slideMinutes: number | null; gapMinutes: number | null; keyBy: string[]; measures: { name: string; kind: string }[] }[] }>(
      platform.gatewayUrl,
      '{ windowSpecs { name kind sizeMinutes slideMinutes gapMinutes keyBy measures { name kind } } }',
    );
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const specs = r.body.data!.windowSpecs;
    assert.deepEqual(specs.map((s) => s.name).sort(), [...SPECS].sort());
    const driver = specs.find((s) => s.name === 'driver-activity');
    assert.deepEqual({ kind: driver?.kind, size: driver?.sizeMinutes, slide: driver?.slideMinutes, keyBy: driver?.keyBy }, { kind: 'hopping', size: 15, slide: 5, keyBy: ['driver'] });
    const sessions = specs.find((s) => s.name === 'rider-sessions');
    assert.equal(sessions?.gapMinutes, 30);
    assert.ok(specs.find((s) => s.name === 'gold-payments-10m')?.measures.some((m) => m.name === 'fraudRate' && m.kind === 'ratio'));
  });

  void it('refuses an unknown spec with BAD_USER_INPUT', async () => {
    const r = await gql(platform.gatewayUrl, '{ specWindows(spec: "no-such-spec") { key } }');
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  void it('delivers a spec\'s windows live over a gateway subscription', async () => {
    const sub = subscribe(
      platform.gatewayUrl,
      'subscription($s: String!, $k: String) { specWindowUpdates(spec: $s, key: $k) { spec key keyValues windowStart windowEnd isFinal events measures { name value } value(measure: "tripCount") } }',
      { s: 'region-5m', k: REGION },
      (d) => d.specWindowUpdates as SpecWindow & { spec: string; value: number | null },
    );
    try {
      const got = await eventually('a live region-5m window', 60_000, () => sub.messages.find((m) => m.events > 0));
      assert.deepEqual(sub.errors, []);
      assert.equal(got.spec, 'region-5m');
      assert.equal(got.key, REGION);
      assert.deepEqual(got.keyValues, [REGION]);
      assert.equal(Date.parse(got.windowEnd) - Date.parse(got.windowStart), 5 * 60_000);
      assert.equal(got.value, valueOf(got, 'tripCount'));
      for (const m of sub.messages) assert.equal(m.key, REGION, 'only the subscribed key is delivered');
    } finally {
      await sub.close();
    }
  });

  void it('the region-5m spec equals the aggregation job\'s 5-minute region windows, window by window', async () => {
    type Region = { windowStart: string; tripCount: number; completedCount: number; cancelledCount: number; cancellationRate: number; averagePrice: number | null; revenue: number; isFinal: boolean };
    const pairs = await eventually('three windows final in both', 120_000, async () => {
      const spec = await gql<{ specWindows: SpecWindow[] }>(platform.gatewayUrl, '{ specWindows(spec: "region-5m", key: "msk-center", finalOnly: true, last: 100) { key keyValues windowStart windowEnd isFinal events measures { name value } } }');
      const old = await gql<{ regionWindows: Region[] }>(platform.gatewayUrl, '{ regionWindows(regionId: "msk-center", windowMinutes: 5, last: 100) { windowStart tripCount completedCount cancelledCount cancellationRate averagePrice revenue isFinal } }');
      assert.equal(spec.body.errors, undefined, JSON.stringify(spec.body.errors));
      const finals = new Map((old.body.data?.regionWindows ?? []).filter((w) => w.isFinal).map((w) => [w.windowStart, w]));
      const both = (spec.body.data?.specWindows ?? []).filter((w) => finals.has(w.windowStart)).map((w) => ({ spec: w, old: finals.get(w.windowStart)! }));
      return both.length >= 3 ? both : undefined;
    });
    for (const { spec, old } of pairs) {
      assert.equal(spec.isFinal, true);
      assert.deepEqual(
        { trips: valueOf(spec, 'tripCount'), completed: valueOf(spec, 'completedCount'), cancelled: valueOf(spec, 'cancelledCount'), rate: valueOf(spec, 'cancellationRate'), avg: valueOf(spec, 'avgPrice'), revenue: valueOf(spec, 'revenue') },
        { trips: old.tripCount, completed: old.completedCount, cancelled: old.cancelledCount, rate: old.cancellationRate, avg: old.averagePrice, revenue: old.revenue },
        `window ${spec.windowStart}`,
      );
    }
  });

  void it('writes seed 001\'s windows: platform summary, gold (region, method) windows and driver activity', async () => {
    const rows = await eventually('windows of three specs', 60_000, async () => {
      const r = await gql<{ p: SpecWindow[]; g: SpecWindow[]; d: SpecWindow[] }>(
        platform.gatewayUrl,
        '{ p: specWindows(spec: "platform-hourly") { key events measures { name value } } g: specWindows(spec: "gold-payments-10m", last: 50) { key keyValues events measures { name value } } d: specWindows(spec: "driver-activity", last: 50) { key keyValues windowStart windowEnd events measures { name value } } }',
      );
      assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
      const d = r.body.data;
      return d && d.p.some((w) => (valueOf(w, 'payments') ?? 0) > 0) && d.g.length > 0 && d.d.length > 0 ? d : undefined;
    });
    for (const w of rows.p) assert.equal(w.key, '', 'the platform summary is unkeyed');
    for (const w of rows.g) {
      assert.equal(w.keyValues.length, 2);
      assert.equal(w.key, w.keyValues.join('|'));
      const payments = valueOf(w, 'payments') ?? 0;
      const rate = valueOf(w, 'fraudRate') ?? -1;
      assert.ok(rate >= 0 && rate <= 1);
      assert.ok((valueOf(w, 'distinctRiders') ?? 0) <= payments);
    }
    for (const w of rows.d) assert.equal(Date.parse(w.windowEnd) - Date.parse(w.windowStart), 15 * 60_000);
  });
});
