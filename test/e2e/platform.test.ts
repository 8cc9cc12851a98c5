/**
 * The embedded platform end to end, in this process, on free ports: gateway + five subgraphs +
 * simulator + jobs. Queries go through the gateway with plain fetch; the subscription goes through
 * the gateway with the graphql-ws client; the aggregates it delivers are checked against a
 * computation done here, independently, from the events the simulator put on the event log.
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
import { TOPICS } from '../../schema/events/topics.ts';
import { parseDomainEvent, type DomainEvent } from '../../schema/events/domain-events.ts';
import type { ConsumerHandle } from '../../connectors/contracts/event-log.ts';
import { eventually, gql, subscribe } from './support.ts';

const WINDOW_MS = 5 * 60_000;
const REGION = 'msk-center';

interface Expected { trips: number; completed: number; cancelled: number; priceSum: number; priceCount: number; revenue: number }

/** The test's own aggregation: per (region, 5-minute window start), straight from the events. */
function tally(events: readonly DomainEvent[]): Map<string, Expected> {
  const out = new Map<string, Expected>();
  const at = (region: string, t: number): Expected => {
    const k = `${region}|${Math.floor(t / WINDOW_MS) * WINDOW_MS}`;
    let e = out.get(k);
    if (!e) out.set(k, (e = { trips: 0, completed: 0, cancelled: 0, priceSum: 0, priceCount: 0, revenue: 0 }));
    return e;
  };
  for (const ev of events) {
    switch (ev.event_type) {
      case 'BookingCreated': at(ev.data.region_id, ev.occurred_at).trips++; break;
      case 'BookingCompleted': { const e = at(ev.data.region_id, ev.occurred_at); e.completed++; e.revenue += ev.data.fare; break; }
      case 'BookingCancelled': at(ev.data.region_id, ev.occurred_at).cancelled++; break;
      case 'PriceCalculated': { const e = at(ev.data.region_id, ev.occurred_at); e.priceCount++; e.priceSum += ev.data.final_price; break; }
      default: break;
    }
  }
  return out;
}

void describe('embedded platform end to end', () => {
  let dir: string;
  let platform: RunningPlatform;
  let tap: ConsumerHandle;
  const tapped: DomainEvent[] = [];
  let startedAt = 0;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-e2e-'));
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
        // one real second = one simulated minute, so 5-minute windows close every 5 s
        simulator: { seed: 7, speed: 60, tickMs: 200, ratePerSecond: 0.5, driversPerRegion: 4, lateShare: 0.02, maxLatenessMs: 5000 },
        aggregation: { allowedLatenessMs: 10_000 },
      },
    });
    startedAt = Date.now();
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
    tap = await platform.connectors.eventLog.consume({
      groupId: 'e2e-independent-tally',
      topics: [TOPICS.booking.name, TOPICS.pricing.name],
      handler: async (batch) => {
        for (const r of batch.records) {
          const p = parseDomainEvent(r.value);
          if (p.ok) tapped.push(p.event);
        }
      },
    });
  });

  after(async () => {
    await tap?.stop();
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('answers a trips query through the gateway within 10 s of start', async () => {
    const res = await eventually('trips through the gateway', Math.max(1000, 10_000 - (Date.now() - startedAt)), async () => {
      const r = await gql<{ trips: { totalCount: number; edges: { node: { id: string; status: string; region: { name: string } } }[] } }>(
        platform.gatewayUrl,
        '{ trips(first: 5) { totalCount edges { node { id status region { name } } } } }',
      );
      return r.body.data && r.body.data.trips.edges.length > 0 ? r : undefined;
    });
    assert.equal(res.status, 200);
    assert.match(res.contentType, /application\/graphql-response\+json/);
    assert.ok(res.body.data!.trips.totalCount >= res.body.data!.trips.edges.length);
    for (const e of res.body.data!.trips.edges) assert.ok(e.node.region.name.length > 0);
  });

  void it('joins across subgraphs: trips with their payments and driver features', async () => {
    const r = await eventually('a completed trip with a payment', 20_000, async () => {
      const q = await gql<{ trips: { edges: { node: { id: string; fare: number | null; payments: { amount: number; fraud: { riskLevel: string } }[]; driver: { id: string } | null } }[] } }>(
        platform.gatewayUrl,
        '{ trips(first: 50, filter: { status: COMPLETED }) { edges { node { id fare payments { amount fraud { riskLevel } } driver { id features { trips7d } } } } } }',
      );
      assert.equal(q.body.errors, undefined, JSON.stringify(q.body.errors));
      const hit = q.body.data?.trips.edges.find((e) => e.node.payments.length > 0);
      return hit ? hit.node : undefined;
    });
    assert.ok(r.fare !== null && r.fare > 0);
    assert.ok(r.driver);
    assert.ok(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'MINIMAL'].includes(r.payments[0]!.fraud.riskLevel));
  });

  void it('delivers region aggregates over a gateway subscription equal to an independent tally of the events', async () => {
    const sub = subscribe(
      platform.gatewayUrl,
      'subscription($r: ID, $w: Int) { regionAggregates(regionId: $r, windowMinutes: $w) { regionId windowMinutes windowStart windowEnd tripCount completedCount cancelledCount cancellationRate averagePrice revenue isFinal } }',
      { r: REGION, w: 5 },
      (d) => d.regionAggregates as { regionId: string; windowStart: string; tripCount: number; completedCount: number; cancelledCount: number; cancellationRate: number; averagePrice: number | null; revenue: number; isFinal: boolean },
    );
    try {
      const finals = await eventually('two final windows over the subscription', 60_000, () => {
        const f = sub.messages.filter((m) => m.isFinal);
        return f.length >= 2 ? f : undefined;
      });
      assert.deepEqual(sub.errors, []);
      for (const m of sub.messages) assert.equal(m.regionId, REGION, 'only the subscribed region is delivered');
      // let the tap catch up with everything published so far, then compare
      const end = await platform.connectors.eventLog.endOffsets(TOPICS.booking.name);
      await eventually('the independent tally to catch up', 20_000, async () => {
        const c = await platform.connectors.eventLog.committedOffsets('e2e-independent-tally', TOPICS.booking.name);
        return Object.entries(end).every(([p, o]) => BigInt(c[Number(p)] ?? '0') >= BigInt(o)) ? true : undefined;
      });
      const expected = tally(tapped);
      for (const w of finals) {
        const start = Date.parse(w.windowStart);
        const e = expected.get(`${REGION}|${start}`);
        assert.ok(e, `the tally has window ${w.windowStart}`);
        assert.equal(w.tripCount, e.trips, `trip count of ${w.windowStart}`);
        assert.equal(w.completedCount, e.completed, `completed of ${w.windowStart}`);
        assert.equal(w.cancelledCount, e.cancelled, `cancelled of ${w.windowStart}`);
        assert.ok(Math.abs(w.revenue - e.revenue) < 1e-6, `revenue of ${w.windowStart}: ${w.revenue} vs ${e.revenue}`);
        assert.ok(Math.abs(w.cancellationRate - (e.completed + e.cancelled ? e.cancelled / (e.completed + e.cancelled) : 0)) < 1e-9);
        if (e.priceCount === 0) assert.equal(w.averagePrice, null);
        else assert.ok(Math.abs(w.averagePrice! - e.priceSum / e.priceCount) < 1e-6, `avg price of ${w.windowStart}`);
      }
      assert.ok(finals.some((w) => w.tripCount > 0), 'at least one final window saw trips');
    } finally {
      await sub.close();
    }
  });

  void it('answers bad requests with spec errors and codes, and keeps serving', async () => {
    const parse = await gql(platform.gatewayUrl, '{ trips(first: 1) { edges { node { id } }');
    assert.equal(parse.body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
    const unknown = await gql(platform.gatewayUrl, '{ trips(first: 1) { nope } }');
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    const badVar = await gql(platform.gatewayUrl, 'query($n: Int) { trips(first: $n) { totalCount } }', { n: 'many' });
    assert.equal(badVar.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const outOfRange = await gql(platform.gatewayUrl, '{ trips(first: 100000) { totalCount } }');
    assert.equal(outOfRange.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const ok = await gql<{ regions: { id: string }[] }>(platform.gatewayUrl, '{ regions { id } }');
    assert.ok(ok.body.data!.regions.length >= 8);
  });

  void it('serves predictions from the ONNX models through the gateway', async () => {
    const r = await gql<{ predictSurge: { multiplier: number } }>(
      platform.gatewayUrl,
      'mutation { predictSurge(input: { regionId: "msk-center", demand: 120, supply: 20, weather: SNOW }) { multiplier } }',
    );
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.ok(r.body.data!.predictSurge.multiplier >= 1 && r.body.data!.predictSurge.multiplier <= 3);
  });
});
