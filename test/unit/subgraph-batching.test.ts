/**
 * The nested request
 *   { trips(first: 20) { edges { node { id driver { name stats { tripsCompleted } } rider { id }
 *       payments { amount fraud { riskLevel } } } } } }
 * resolved the way a federation gateway does it: the trips subgraph's root field, then `_entities`
 * calls with many representations at once. Every request must cost ONE warehouse query per entity
 * type, whatever the number of entities.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startPaymentsSubgraph } from '../../subgraphs/payments/index.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import { DRIVERS, PAYMENTS, TRIPS, fixtureWarehouse, gqlData, recording, silent, type RecordedQuery } from './subgraph-fixtures.ts';

/** The table a statement reads (its first FROM). */
const tableOf = (q: RecordedQuery): string => /\bFROM\s+(\w+)/i.exec(q.sql)?.[1] ?? '?';

interface TripNode {
  id: string;
  driver: { id: string; name: string | null; stats: { tripsCompleted: number } } | null;
  rider: { id: string } | null;
}

void describe('entity resolution is batched: one warehouse query per entity type per request', () => {
  let wh: Warehouse;
  let rec: ReturnType<typeof recording>;
  let trips: SubgraphServer;
  let payments: SubgraphServer;

  before(async () => {
    wh = await fixtureWarehouse();
    rec = recording(wh);
    trips = await startTripsSubgraph({ warehouse: rec.warehouse, logger: silent, port: 0 });
    payments = await startPaymentsSubgraph({ warehouse: rec.warehouse, logger: silent, port: 0 });
  });
  after(async () => {
    await trips.close();
    await payments.close();
    await wh.close();
  });

  void it('resolves the nested trips -> driver/stats -> payments request like a gateway', async () => {
    // 1. trips subgraph: the root field with the fields it owns (Trip, Driver, Rider)
    rec.queries.length = 0;
    const root = await gqlData<{ trips: { edges: { node: TripNode }[] } }>(trips.url, `{
      trips(first: 20) { edges { node { id driver { id name stats { tripsCompleted } } rider { id } } } }
    }`);
    const nodes = root.trips.edges.map((e) => e.node);
    assert.equal(nodes.length, 20);
    const driverIds = new Set(nodes.flatMap((n) => (n.driver ? [n.driver.id] : [])));
    assert.ok(driverIds.size >= 4, 'the page references several drivers');
    assert.deepEqual(rec.queries.map(tableOf).sort(), ['drivers', 'trips', 'trips'], rec.queries.map((q) => q.sql).join('\n'));
    const [driverQuery] = rec.queries.filter((q) => tableOf(q) === 'drivers');
    assert.deepEqual([...(driverQuery?.params?.['ids'] as string[])].sort(), [...driverIds].sort(), 'drivers fetched in one IN list');
    const statsQuery = rec.queries.find((q) => tableOf(q) === 'trips' && /driver_id IN/.test(q.sql));
    assert.ok(statsQuery, 'driver stats fetched in one grouped query');
    for (const n of nodes) {
      if (!n.driver) continue;
      const expected = TRIPS.filter((t) => t.driverId === n.driver!.id && t.status === 'completed').length;
      assert.equal(n.driver.stats.tripsCompleted, expected);
      assert.equal(n.driver.name, DRIVERS.find((d) => d.id === n.driver!.id)?.name ?? null);
    }

    // 2. payments subgraph: Trip.payments for all 20 trips through _entities
    rec.queries.length = 0;
    const reps = nodes.map((n) => ({ __typename: 'Trip', id: n.id }));
    const ent = await gqlData<{ _entities: ({ payments: { amount: number; fraud: { riskLevel: string } }[] } | null)[] }>(
      payments.url,
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Trip { payments { amount fraud { riskLevel } } } } }`,
      { representations: reps },
    );
    assert.equal(rec.queries.length, 1, rec.queries.map((q) => q.sql).join('\n'));
    assert.equal(tableOf(rec.queries[0]!), 'payments');
    assert.equal((rec.queries[0]!.params?.['ids'] as string[]).length, 20);
    assert.equal(ent._entities.length, 20);
    nodes.forEach((n, i) => {
      const expected = PAYMENTS.filter((p) => p.tripId === n.id).sort((a, b) => a.initiatedAt - b.initiatedAt);
      assert.deepEqual(ent._entities[i]?.payments, expected.map((p) => ({ amount: p.amount, fraud: { riskLevel: p.riskLevel } })), n.id);
    });
  });

  void it('batches _entities of several types and many (repeated) representations', async () => {
    rec.queries.length = 0;
    const reps = [
      ...TRIPS.map((t) => ({ __typename: 'Trip', id: t.id })),
      ...['d1', 'd2', 'd3', 'd4', 'd5', 'd1', 'd2'].map((id) => ({ __typename: 'Driver', id })),
      ...['r1', 'r2', 'r3', 'r1'].map((id) => ({ __typename: 'Rider', id })),
      { __typename: 'Region', id: 'kzn' },
    ];
    const ent = await gqlData<{ _entities: (Record<string, unknown> | null)[] }>(
      trips.url,
      `query($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Trip { id status } ... on Driver { id name stats { tripsCompleted averageRating } }
        ... on Rider { id tripCount spend } ... on Region { id regionName: name }
      } }`,
      { representations: reps },
    );
    assert.equal(ent._entities.length, reps.length);
    const byTable = new Map<string, number>();
    for (const q of rec.queries) byTable.set(tableOf(q), (byTable.get(tableOf(q)) ?? 0) + 1);
    // trips: trip entities + driver trip stats + rider stats (three entity types / aggregates, one query each)
    assert.deepEqual(Object.fromEntries(byTable), { trips: 3, drivers: 1, driver_ratings: 1 }, rec.queries.map((q) => q.sql).join('\n'));
    const tripQuery = rec.queries.find((q) => /trip_id IN/.test(q.sql));
    assert.equal((tripQuery?.params?.['ids'] as string[]).length, 40);
    const driverQuery = rec.queries.find((q) => tableOf(q) === 'drivers');
    assert.equal((driverQuery?.params?.['ids'] as string[]).length, 5, 'repeated representations are deduplicated');
    assert.deepEqual(ent._entities.at(-1), { id: 'kzn', regionName: 'Kazan' });
    assert.deepEqual(ent._entities[40], { id: 'd1', name: 'Ivan', stats: { tripsCompleted: TRIPS.filter((t) => t.driverId === 'd1' && t.status === 'completed').length, averageRating: 4.5 } });
    assert.equal((ent._entities[44] as { name: unknown }).name, null, 'd5 has no driver record');
  });

  void it('gives every request its own loaders: a second identical request queries again', async () => {
    const q = `{ trips(first: 5) { edges { node { driver { name } } } } }`;
    rec.queries.length = 0;
    await gqlData(trips.url, q);
    const first = rec.queries.length;
    await gqlData(trips.url, q);
    assert.equal(rec.queries.length, 2 * first);
  });
});
