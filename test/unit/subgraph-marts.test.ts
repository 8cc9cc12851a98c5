/**
 * The gold* BI fields end to end on DuckDB: simulated bronze in Delta tables, daily_etl on the lake
 * backend publishes the marts to a DuckDB warehouse, then the trips and payments subgraphs serve
 * them. Each field, paged with a small `first`, gives exactly the gold Delta table's rows for the
 * day (recounted from the snapshot's Parquet files); filters, date ranges, a republish and bad
 * arguments behave as the SDL says.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDuckDbWarehouse, type DuckDbWarehouse } from '../../connectors/embedded/duckdb-warehouse.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startPaymentsSubgraph } from '../../subgraphs/payments/index.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import { goldWorld, type GoldWorld } from '../support/marts/gold-world.ts';
import { MART_FIELDS, allPages, assertSameNodes, expectedNodes, fieldQuery, post } from '../support/marts/served-marts.ts';

const DAY = '2026-03-07';
const logger = pino({ level: 'silent' });

void describe('gold marts served by the BI subgraphs (DuckDB)', () => {
  let wh: DuckDbWarehouse;
  let w: GoldWorld;
  let trips: SubgraphServer;
  let payments: SubgraphServer;
  const url = (sub: 'trips' | 'payments'): string => (sub === 'trips' ? trips.url : payments.url);

  before(async () => {
    wh = createDuckDbWarehouse({ path: ':memory:' }, { logger, metrics: new Registry() });
    await wh.start();
    w = await goldWorld(wh, { startTime: Date.parse('2026-03-06T23:00:00Z'), minutes: 150 });
    await w.publish(DAY);
    const now = () => Date.parse(`${DAY}T18:00:00Z`);
    trips = await startTripsSubgraph({ warehouse: wh, logger, port: 0, now });
    payments = await startPaymentsSubgraph({ warehouse: wh, logger, port: 0, now });
  });
  after(async () => {
    await trips.close();
    await payments.close();
    await w.close();
    await wh.close();
  });

  void it('serves every mart row of the day, page by page, as the gold Delta table has it', async () => {
    for (const f of MART_FIELDS) {
      const expected = await expectedNodes(w, f, DAY);
      assert.ok(expected.length > 0, `${f.model} has rows for ${DAY}`);
      const { nodes, pages } = await allPages(url(f.subgraph), f, { from: DAY, to: DAY }, 7);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / 7)), `${f.field} pages`);
      assertSameNodes(nodes, expected, f.field);
      // the default range (the last 7 days up to today) holds the day too
      const byDefault = await allPages(url(f.subgraph), f, {}, 1000);
      assertSameNodes(byDefault.nodes, expected, `${f.field} (default range)`);
    }
  });

  void it('filters by region, method and driver, and a range without the day is empty', async () => {
    const byRegion = MART_FIELDS.find((f) => f.field === 'goldRevenueByRegionDay');
    const windows = MART_FIELDS.find((f) => f.field === 'goldPaymentWindows');
    const drivers = MART_FIELDS.find((f) => f.field === 'goldDriverDays');
    assert.ok(byRegion && windows && drivers);
    const all = await expectedNodes(w, byRegion, DAY);
    const region = (all[0]?.['region'] as { id: string }).id;
    const one = await allPages(trips.url, byRegion, { from: DAY, to: DAY }, 5, `regionId: "${region}"`);
    assertSameNodes(one.nodes, all.filter((x) => (x['region'] as { id: string }).id === region), 'goldRevenueByRegionDay(regionId)');

    const allWindows = await expectedNodes(w, windows, DAY);
    const cash = await allPages(payments.url, windows, { from: DAY, to: DAY }, 50, `regionId: "${region}", method: CASH`);
    const want = allWindows.filter((x) => x['method'] === 'CASH' && (x['region'] as { id: string } | null)?.id === region);
    assert.ok(want.length > 0);
    assertSameNodes(cash.nodes, want, 'goldPaymentWindows(regionId, method)');

    const allDrivers = await expectedNodes(w, drivers, DAY);
    const id = (allDrivers[0]?.['driver'] as { id: string }).id;
    const mine = await allPages(trips.url, drivers, { from: DAY, to: DAY }, 5, `driverId: "${id}"`);
    assertSameNodes(mine.nodes, allDrivers.filter((x) => (x['driver'] as { id: string }).id === id), 'goldDriverDays(driverId)');

    for (const f of MART_FIELDS) {
      const later = await allPages(url(f.subgraph), f, { from: '2026-03-08', to: '2026-03-20' }, 100);
      assert.equal(later.nodes.length, 0, f.field);
    }
  });

  void it('a second publish of the day replaces the partition: the same rows, not twice as many', async () => {
    await w.pipeline.orchestrator.trigger('daily_etl', DAY, { rerun: 'finished' });
    const s = await w.pipeline.orchestrator.waitFor('daily_etl', DAY);
    assert.equal(s.state, 'succeeded');
    for (const f of MART_FIELDS) {
      const { nodes } = await allPages(url(f.subgraph), f, { from: DAY, to: DAY }, 1000);
      assertSameNodes(nodes, await expectedNodes(w, f, DAY), `${f.field} after republish`);
    }
  });

  void it('refuses bad dates, reversed or too long ranges, bad page sizes and foreign cursors with BAD_USER_INPUT', async () => {
    const f = MART_FIELDS[0];
    assert.ok(f);
    const cases: Record<string, unknown>[] = [
      { from: '2026-02-30', to: DAY },
      { from: '07.03.2026' },
      { from: '2026-03-08', to: DAY },
      { from: '2024-01-01', to: DAY },
      { from: DAY, to: DAY, first: 0 },
      { from: DAY, to: DAY, first: 1001 },
      { from: DAY, to: DAY, after: 'bm90LWEtY3Vyc29y' },
      { from: DAY, to: DAY, after: Buffer.from(JSON.stringify([1, 2, 3])).toString('base64url') },
    ];
    for (const vars of cases) {
      const r = await post(trips.url, fieldQuery(f), vars);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify({ vars, r }));
    }
  });
});
