/**
 * The gold* BI fields on ClickHouse (CLICKHOUSE_URL; Debian's 18.16 in the services profile): the
 * same world as test/unit/subgraph-marts.test.ts (Delta bronze, daily_etl on the lake backend), the
 * marts published to a ClickHouse database of its own, then served by the trips and payments
 * subgraphs: every row of every mart equal to the gold Delta table, through keyset pages, filters
 * bound by escaping (a hostile region id matches nothing and breaks nothing), and a republish.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClickHouseWarehouse, type ClickHouseWarehouse } from '../../connectors/clickhouse/index.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startPaymentsSubgraph } from '../../subgraphs/payments/index.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import { uniqueName } from '../conformance/helpers.ts';
import { goldWorld, type GoldWorld } from '../support/marts/gold-world.ts';
import { MART_FIELDS, allPages, assertSameNodes, expectedNodes, fieldQuery, post } from '../support/marts/served-marts.ts';
import { CLICKHOUSE_URL, clickhouseExec, requireClickHouse } from './support/services.ts';

const DAY = '2026-03-07';
const logger = pino({ level: 'silent' });

void describe('gold marts served by the BI subgraphs (ClickHouse)', () => {
  const database = uniqueName('gf_marts');
  let wh: ClickHouseWarehouse;
  let w: GoldWorld;
  let trips: SubgraphServer;
  let payments: SubgraphServer;
  const url = (sub: 'trips' | 'payments'): string => (sub === 'trips' ? trips.url : payments.url);

  before(async () => {
    await requireClickHouse();
    wh = createClickHouseWarehouse({ url: CLICKHOUSE_URL, database, startRetry: { retries: 1, initialMs: 100, maxMs: 200 } }, { logger, metrics: new Registry() });
    await wh.start();
    w = await goldWorld(wh, { startTime: Date.parse('2026-03-06T23:00:00Z'), minutes: 150 });
    await w.publish(DAY);
    trips = await startTripsSubgraph({ warehouse: wh, logger, port: 0 });
    payments = await startPaymentsSubgraph({ warehouse: wh, logger, port: 0 });
  });
  after(async () => {
    await trips?.close();
    await payments?.close();
    await w?.close();
    await wh?.close();
    await clickhouseExec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  });

  void it('serves every mart row of the day, page by page, as the gold Delta table has it', async () => {
    for (const f of MART_FIELDS) {
      const expected = await expectedNodes(w, f, DAY);
      assert.ok(expected.length > 0, `${f.model} has rows for ${DAY}`);
      const { nodes, pages } = await allPages(url(f.subgraph), f, { from: DAY, to: DAY }, 6);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / 6)), `${f.field} pages`);
      assertSameNodes(nodes, expected, f.field);
    }
  });

  void it('binds filters safely: a method filter works, a hostile region id matches nothing', async () => {
    const methods = MART_FIELDS.find((f) => f.field === 'goldRevenueByMethodDay');
    const regions = MART_FIELDS.find((f) => f.field === 'goldFraudByRegionDay');
    assert.ok(methods && regions);
    const card = await allPages(payments.url, methods, { from: DAY, to: DAY }, 10, 'method: CARD');
    assertSameNodes(card.nodes, (await expectedNodes(w, methods, DAY)).filter((x) => x['method'] === 'CARD'), 'goldRevenueByMethodDay(method)');
    const hostile = "kzn' OR 1 = 1 --";
    const r = await post(payments.url, fieldQuery(regions, `regionId: ${JSON.stringify(hostile)}`), { from: DAY, to: DAY, first: 100 });
    assert.equal(r.errors, undefined);
    assert.deepEqual(r.data?.['goldFraudByRegionDay']?.nodes, []);
  });

  void it('a second publish of the day replaces the partition on ClickHouse too', async () => {
    await w.pipeline.orchestrator.trigger('daily_etl', DAY, { rerun: 'finished' });
    assert.equal((await w.pipeline.orchestrator.waitFor('daily_etl', DAY)).state, 'succeeded');
    for (const f of MART_FIELDS) {
      const { nodes } = await allPages(url(f.subgraph), f, { from: DAY, to: DAY }, 1000);
      assertSameNodes(nodes, await expectedNodes(w, f, DAY), `${f.field} after republish`);
    }
  });
});
