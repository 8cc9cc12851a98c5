/**
 * Partial failure through the real gateway over our real trips and payments subgraphs (DuckDB
 * fixture warehouse): with one subgraph stopped, a query that also needs it returns the rest of
 * the data, the fields that subgraph resolves as null, and one SUBGRAPH_UNAVAILABLE error whose
 * extensions name the subgraph (`serviceName`), in development and in production alike, with
 * either planner. Internal addresses reach no caller in production.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { startGateway, type PlannerKind, type RunningGateway } from '../../gateway/server.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startPaymentsSubgraph } from '../../subgraphs/payments/index.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import { fixtureWarehouse, silent } from './subgraph-fixtures.ts';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';

/** Production needs auth and the HMAC secret subgraphs check (docs/decisions/0005-auth.md); queries go as a `bi` caller. */
const AUTH = { jwtSecret: 'partial-failure-jwt-secret-0123456789', hmacSecret: 'partial-failure-hmac-secret-012345678' };
const SIGNATURE = { secret: AUTH.hmacSecret };
let biToken = '';

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

async function post(url: string, query: string): Promise<Body> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${biToken}` }, body: JSON.stringify({ query }) });
  return (await res.json()) as Body;
}

const TRIPS_WITH_PAYMENTS = '{ trips(first: 3) { edges { node { id status payments { id amount } } } } }';
const PAYMENTS_WITH_TRIPS = '{ payments(first: 2) { edges { node { id amount trip { id status } region { name } } } } }';

let warehouse: Warehouse;
before(async () => {
  warehouse = await fixtureWarehouse();
  biToken = await mintDevToken({ secret: AUTH.jwtSecret, roles: ['bi'] });
});
after(() => warehouse.close());

for (const planner of ['js', 'rust'] as const satisfies readonly PlannerKind[]) {
  for (const production of [false, true]) {
    void describe(`a stopped subgraph, ${planner} planner, ${production ? 'production' : 'development'}`, () => {
      let trips: SubgraphServer;
      let payments: SubgraphServer;
      let gw: RunningGateway;
      before(async () => {
        trips = await startTripsSubgraph({ warehouse, logger: silent, port: 0, production, signature: SIGNATURE });
        payments = await startPaymentsSubgraph({ warehouse, logger: silent, port: 0, production, signature: SIGNATURE });
        gw = await startGateway({
          supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'trips', url: trips.url }, { name: 'payments', url: payments.url }] },
          port: 0,
          logger: silent,
          planner,
          production,
          ...(production ? { auth: AUTH } : {}),
          registry: new Registry(),
        });
      });
      after(async () => {
        await gw.close();
        await trips.close();
        await payments.close();
      });

      void test('payments down: trips come back with payments null and a coded error naming payments', async () => {
        const healthy = await post(gw.url, TRIPS_WITH_PAYMENTS);
        assert.equal(healthy.errors, undefined, JSON.stringify(healthy.errors));
        await payments.close();
        const r = await post(gw.url, TRIPS_WITH_PAYMENTS);
        const edges = (r.data?.['trips'] as { edges: { node: { id: string; status: string; payments: unknown } }[] } | undefined)?.edges;
        assert.ok(edges && edges.length === 3, JSON.stringify(r));
        for (const e of edges) {
          assert.match(e.node.id, /^t\d+$/);
          assert.equal(typeof e.node.status, 'string');
          assert.equal(e.node.payments, null);
        }
        assert.ok(r.errors && r.errors.length > 0, JSON.stringify(r));
        for (const e of r.errors) {
          assert.equal(e.extensions?.['code'], 'SUBGRAPH_UNAVAILABLE', JSON.stringify(e));
          assert.equal(e.extensions?.['serviceName'], 'payments', JSON.stringify(e));
        }
        // the address and the subgraph query stay in the log (in development the message keeps the runtime's reason)
        assert.doesNotMatch(JSON.stringify(r), production ? /127\.0\.0\.1|ECONNREFUSED|_entities/ : /_entities/);
      });
    });
  }
}

void describe('a stopped trips subgraph', () => {
  let trips: SubgraphServer;
  let payments: SubgraphServer;
  let gw: RunningGateway;
  before(async () => {
    trips = await startTripsSubgraph({ warehouse, logger: silent, port: 0, production: true, signature: SIGNATURE });
    payments = await startPaymentsSubgraph({ warehouse, logger: silent, port: 0, production: true, signature: SIGNATURE });
    gw = await startGateway({
      supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'trips', url: trips.url }, { name: 'payments', url: payments.url }] },
      port: 0,
      logger: silent,
      production: true,
      auth: AUTH,
      registry: new Registry(),
    });
  });
  after(async () => {
    await gw.close();
    await payments.close();
  });

  void test('payments come back with trip and region null and a coded error naming trips', async () => {
    await trips.close();
    const r = await post(gw.url, PAYMENTS_WITH_TRIPS);
    const edges = (r.data?.['payments'] as { edges: { node: { id: string; amount: number; trip: unknown; region: unknown } }[] } | undefined)?.edges;
    assert.ok(edges && edges.length === 2, JSON.stringify(r));
    for (const e of edges) {
      assert.equal(typeof e.node.amount, 'number');
      assert.equal(e.node.trip, null);
      assert.equal(e.node.region, null);
    }
    assert.ok(r.errors?.some((e) => e.extensions?.['code'] === 'SUBGRAPH_UNAVAILABLE' && e.extensions['serviceName'] === 'trips'), JSON.stringify(r));
  });
});
