import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { startPaymentsSubgraph } from '../../subgraphs/payments/index.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { HOUR, PAYMENTS, T0, fixtureWarehouse, gql, gqlData, silent } from './subgraph-fixtures.ts';

interface PaymentsPage {
  payments: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { id: string; status: string; method: string; fraud: { riskLevel: string } } }[];
  };
}

const PAGE = `query($filter: PaymentFilter, $first: Int, $after: String) {
  payments(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status method fraud { riskLevel } } }
  }
}`;

const newestFirst = [...PAYMENTS].sort((a, b) => b.initiatedAt - a.initiatedAt || (a.id < b.id ? 1 : -1));

void describe('payments subgraph', () => {
  let wh: Warehouse;
  let server: SubgraphServer;

  before(async () => {
    wh = await fixtureWarehouse();
    server = await startPaymentsSubgraph({ warehouse: wh, logger: silent, port: 0, now: () => T0 + 3 * 24 * HOUR });
  });
  after(async () => {
    await server.close();
    await wh.close();
  });

  void it('pages through payments newest first and filters them', async () => {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: PaymentsPage = await gqlData<PaymentsPage>(server.url, PAGE, { first: 9, after });
      assert.equal(data.payments.totalCount, PAYMENTS.length);
      ids.push(...data.payments.edges.map((e) => e.node.id));
      if (!data.payments.pageInfo.hasNextPage) break;
      after = data.payments.pageInfo.endCursor;
    }
    assert.deepEqual(ids, newestFirst.map((p) => p.id));

    const filter = { status: 'COMPLETED', method: 'CARD', regionId: 'kzn' };
    const filtered = await gqlData<PaymentsPage>(server.url, PAGE, { filter, first: 100 });
    const expected = newestFirst.filter((p) => p.status === 'completed' && p.method === 'card' && p.regionId === 'kzn');
    assert.ok(expected.length > 0);
    assert.deepEqual(filtered.payments.edges.map((e) => e.node.id), expected.map((p) => p.id));
    assert.equal(filtered.payments.totalCount, expected.length);

    const risky = await gqlData<PaymentsPage>(server.url, PAGE, { filter: { riskLevel: 'HIGH', userId: 'r4' }, first: 100 });
    assert.deepEqual(risky.payments.edges.map((e) => e.node.id), newestFirst.filter((p) => p.riskLevel === 'HIGH' && p.userId === 'r4').map((p) => p.id));
    assert.ok(risky.payments.edges.every((e) => e.node.fraud.riskLevel === 'HIGH'));
  });

  void it('maps a payment with its fraud assessment, trip and region references', async () => {
    const p = PAYMENTS.find((x) => x.id === 'pt12b')!;
    const data = await gqlData<{ payment: unknown }>(server.url, `{
      payment(id: "pt12b") { id status method amount refundedAmount failureReason initiatedAt trip { id } region { id } userId
        fraud { score riskLevel reasons } }
    }`);
    assert.deepEqual(data.payment, {
      id: 'pt12b', status: 'REFUNDED', method: 'CARD', amount: p.amount, refundedAmount: 50, failureReason: null,
      initiatedAt: new Date(p.initiatedAt).toISOString(), trip: { id: 't12' }, region: { id: p.regionId }, userId: p.userId,
      fraud: { score: 0.5, riskLevel: 'MEDIUM', reasons: ['crypto', 'late_night'] },
    });
  });

  void it('computes revenue per day (completed minus refunds), overall and per region', async () => {
    const q = `query($r: ID, $by: Boolean) { revenuePerDay(from: "2024-05-01T00:00:00Z", to: "2024-05-04T00:00:00Z", regionId: $r, byRegion: $by) {
      date region { id } revenue payments completed failed refunded } }`;
    const expect = (keyOf: (p: (typeof PAYMENTS)[number]) => string) => {
      const m = new Map<string, { revenue: number; payments: number; completed: number; failed: number; refunded: number }>();
      for (const p of PAYMENTS) {
        const k = keyOf(p);
        const e = m.get(k) ?? { revenue: 0, payments: 0, completed: 0, failed: 0, refunded: 0 };
        m.set(k, {
          revenue: e.revenue + (p.status === 'completed' || p.status === 'refunded' ? p.amount - p.refunded : 0),
          payments: e.payments + 1, completed: e.completed + (p.status === 'completed' ? 1 : 0),
          failed: e.failed + (p.status === 'failed' ? 1 : 0), refunded: e.refunded + (p.status === 'refunded' ? 1 : 0),
        });
      }
      return m;
    };
    const day = (p: (typeof PAYMENTS)[number]) => new Date(p.initiatedAt).toISOString().slice(0, 10);

    type Rows = { revenuePerDay: { date: string; region: { id: string } | null; revenue: number; payments: number; completed: number; failed: number; refunded: number }[] };
    const total = await gqlData<Rows>(server.url, q);
    const e1 = expect(day);
    assert.deepEqual(total.revenuePerDay.map(({ date, region, ...rest }) => [date, region, rest]), [...e1.entries()].sort().map(([d, v]) => [d, null, v]));
    const allRevenue = PAYMENTS.reduce((s, p) => s + (p.status === 'completed' || p.status === 'refunded' ? p.amount - p.refunded : 0), 0);
    assert.equal(total.revenuePerDay.reduce((s, r) => s + r.revenue, 0), allRevenue);

    const kzn = await gqlData<Rows>(server.url, q, { r: 'kzn' });
    const e2 = expect((p) => `${day(p)}|${p.regionId}`);
    assert.deepEqual(kzn.revenuePerDay.map(({ date, region, ...rest }) => [`${date}|${region?.id}`, rest]), [...e2.entries()].filter(([k]) => k.endsWith('|kzn')).sort());

    const byRegion = await gqlData<Rows>(server.url, q, { by: true });
    assert.equal(byRegion.revenuePerDay.length, e2.size);
  });

  void it('summarises fraud per risk level, every level listed', async () => {
    const data = await gqlData<{ fraudSummary: { riskLevel: string; payments: number; amount: number }[] }>(
      server.url, `{ fraudSummary(from: "2024-05-01T00:00:00Z", to: "2024-05-04T00:00:00Z") { riskLevel payments amount } }`,
    );
    assert.deepEqual(data.fraudSummary, ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'MINIMAL'].map((level) => {
      const hits = PAYMENTS.filter((p) => p.riskLevel === level);
      return { riskLevel: level, payments: hits.length, amount: hits.reduce((s, p) => s + p.amount, 0) };
    }));
  });

  void it('refuses bad arguments with BAD_USER_INPUT', async () => {
    for (const query of [
      '{ payments(first: 501) { totalCount } }',
      '{ payments(after: "zzz") { totalCount } }',
      '{ revenuePerDay(from: "2024-05-02T00:00:00Z", to: "2024-05-01T00:00:00Z") { date } }',
      '{ fraudSummary(from: "2020-01-01T00:00:00Z", to: "2024-05-01T00:00:00Z") { riskLevel } }',
    ]) {
      const r = await gql(server.url, query);
      assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT', query);
    }
  });
});
