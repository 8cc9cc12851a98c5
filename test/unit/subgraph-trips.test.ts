import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { startTripsSubgraph } from '../../subgraphs/trips/index.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { DRIVERS, HOUR, RATINGS, T0, TRIPS, fixtureWarehouse, gql, gqlData, silent } from './subgraph-fixtures.ts';

interface TripsPage {
  trips: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { id: string; status: string; requestedAt: string } }[];
  };
}

const PAGE = `query($filter: TripFilter, $first: Int, $after: String) {
  trips(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status requestedAt } }
  }
}`;

/** Fixture trips in the API's order: requested_at DESC, id DESC. */
const newestFirst = [...TRIPS].sort((a, b) => b.requestedAt - a.requestedAt || (a.id < b.id ? 1 : -1));

void describe('trips subgraph', () => {
  let wh: Warehouse;
  let server: SubgraphServer;

  before(async () => {
    wh = await fixtureWarehouse();
    server = await startTripsSubgraph({ warehouse: wh, logger: silent, port: 0, now: () => T0 + 3 * 24 * HOUR });
  });
  after(async () => {
    await server.close();
    await wh.close();
  });

  void it('pages through every trip with opaque cursors, newest first, ties broken by id', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const data: TripsPage = await gqlData<TripsPage>(server.url, PAGE, { first: 7, after });
      pages++;
      assert.equal(data.trips.totalCount, 40);
      seen.push(...data.trips.edges.map((e) => e.node.id));
      assert.equal(data.trips.pageInfo.endCursor, data.trips.edges.at(-1)?.cursor ?? null);
      if (!data.trips.pageInfo.hasNextPage) break;
      after = data.trips.pageInfo.endCursor;
    }
    assert.equal(pages, 6);
    assert.deepEqual(seen, newestFirst.map((t) => t.id));
    // t10 and t11 share requested_at: t11 (greater id) comes first
    assert.ok(seen.indexOf('t11') < seen.indexOf('t10'));
  });

  void it('filters by region, status, driver, rider and time range', async () => {
    const filter = { regionId: 'kzn', status: 'COMPLETED', from: new Date(T0 + 10 * HOUR).toISOString(), to: new Date(T0 + 40 * HOUR).toISOString() };
    const data = await gqlData<TripsPage>(server.url, PAGE, { filter, first: 100 });
    const expected = newestFirst.filter((t) => t.regionId === 'kzn' && t.status === 'completed' && t.requestedAt >= T0 + 10 * HOUR && t.requestedAt < T0 + 40 * HOUR);
    assert.ok(expected.length > 2);
    assert.deepEqual(data.trips.edges.map((e) => e.node.id), expected.map((t) => t.id));
    assert.equal(data.trips.totalCount, expected.length);
    assert.ok(data.trips.edges.every((e) => e.node.status === 'COMPLETED'));

    const byDriver = await gqlData<TripsPage>(server.url, PAGE, { filter: { driverId: 'd2', riderId: 'r2' }, first: 100 });
    assert.deepEqual(byDriver.trips.edges.map((e) => e.node.id), newestFirst.filter((t) => t.driverId === 'd2' && t.riderId === 'r2').map((t) => t.id));

    // a filtered second page continues the filtered order
    const p1 = await gqlData<TripsPage>(server.url, PAGE, { filter: { status: 'CANCELLED' }, first: 3 });
    const p2 = await gqlData<TripsPage>(server.url, PAGE, { filter: { status: 'CANCELLED' }, first: 3, after: p1.trips.pageInfo.endCursor });
    const cancelled = newestFirst.filter((t) => t.status === 'cancelled').map((t) => t.id);
    assert.deepEqual([...p1.trips.edges, ...p2.trips.edges].map((e) => e.node.id), cancelled.slice(0, 6));
    assert.equal(p2.trips.pageInfo.hasNextPage, true);
  });

  void it('maps a trip with its region, driver, rider and timestamps', async () => {
    const data = await gqlData<{ trip: Record<string, unknown> | null; missing: unknown }>(server.url, `{
      trip(id: "t06") { id status fare currency surgeMultiplier weather requestedAt cancelledAt cancelledBy cancelReason completedAt
        region { id name city } driver { id name status region { id } } rider { id tripCount completedTripCount spend } }
      missing: trip(id: "nope") { id }
    }`);
    const t06 = TRIPS[6]!;
    const riderTrips = TRIPS.filter((t) => t.riderId === t06.riderId);
    assert.deepEqual(data.trip, {
      id: 't06', status: 'CANCELLED', fare: null, currency: 'RUB', surgeMultiplier: 1.2, weather: 'CLEAR',
      requestedAt: new Date(t06.requestedAt).toISOString(), cancelledAt: new Date(t06.requestedAt + 2 * 60_000).toISOString(),
      cancelledBy: 'RIDER', cancelReason: 'changed plans', completedAt: null,
      region: { id: 'msk-center', name: 'Moscow Center', city: 'Moscow' },
      driver: { id: 'd2', name: 'Olga', status: 'BUSY', region: { id: 'kzn' } },
      rider: {
        id: t06.riderId, tripCount: riderTrips.length,
        completedTripCount: riderTrips.filter((t) => t.status === 'completed').length,
        spend: riderTrips.reduce((s, t) => s + (t.fare ?? 0), 0),
      },
    });
    assert.equal(data.missing, null);
  });

  void it('resolves drivers with lifetime stats, and a driver without a record', async () => {
    const data = await gqlData<{ driver: unknown; d5: unknown; drivers: { id: string }[] }>(server.url, `{
      driver(id: "d1") { id name stats { tripsCompleted revenue averageRating ratingCount } }
      d5: driver(id: "d5") { id }
      drivers(regionId: "msk-center") { id }
    }`);
    const d1Done = TRIPS.filter((t) => t.driverId === 'd1' && t.status === 'completed');
    assert.deepEqual(data.driver, {
      id: 'd1', name: 'Ivan',
      stats: { tripsCompleted: d1Done.length, revenue: d1Done.reduce((s, t) => s + t.fare!, 0), averageRating: 4.5, ratingCount: 2 },
    });
    assert.equal(data.d5, null, 'driver(id) is null without a driver record');
    assert.deepEqual(data.drivers.map((d) => d.id), DRIVERS.filter((d) => d.regionId === 'msk-center').map((d) => d.id));
  });

  void it('ranks drivers by trips, revenue and rating', async () => {
    const q = `query($o: DriverStatsOrder, $r: ID) { driverStats(orderBy: $o, regionId: $r, first: 3) { id stats { tripsCompleted revenue averageRating ratingCount } } }`;
    const stats = new Map<string, { trips: number; revenue: number }>();
    for (const t of TRIPS) {
      if (t.status !== 'completed' || !t.driverId) continue;
      const s = stats.get(t.driverId) ?? { trips: 0, revenue: 0 };
      stats.set(t.driverId, { trips: s.trips + 1, revenue: s.revenue + t.fare! });
    }
    const byRevenue = [...stats.entries()].sort((a, b) => b[1].revenue - a[1].revenue).slice(0, 3);
    const rev = await gqlData<{ driverStats: { id: string; stats: { revenue: number; tripsCompleted: number } }[] }>(server.url, q, { o: 'REVENUE' });
    assert.deepEqual(rev.driverStats.map((d) => [d.id, d.stats.revenue, d.stats.tripsCompleted]), byRevenue.map(([id, s]) => [id, s.revenue, s.trips]));

    const rating = await gqlData<{ driverStats: { id: string; stats: { averageRating: number; ratingCount: number } }[] }>(server.url, q, { o: 'AVERAGE_RATING' });
    assert.deepEqual(rating.driverStats.map((d) => [d.id, d.stats.averageRating, d.stats.ratingCount]), [['d4', 14 / 3, 3], ['d1', 4.5, 2], ['d2', 3, 1]]);
    assert.equal(RATINGS.length, 6);

    // regionId = drivers of that region's roster (d1, d4 in msk-center)
    const msk = await gqlData<{ driverStats: { id: string }[] }>(server.url, q, { o: 'TRIPS_COMPLETED', r: 'msk-center' });
    assert.deepEqual(msk.driverStats.map((d) => d.id).sort(), ['d1', 'd4']);
  });

  void it('computes hourly and daily trip buckets', async () => {
    const day = await gqlData<{ tripStats: { bucketStart: string; region: { id: string }; trips: number; completed: number; cancelled: number; cancellationRate: number; revenue: number; averageFare: number | null }[] }>(
      server.url,
      `{ tripStats(granularity: DAY, from: "2024-05-01T00:00:00Z", to: "2024-05-04T00:00:00Z") { bucketStart region { id } trips completed cancelled cancellationRate revenue averageFare } }`,
    );
    const expected = new Map<string, { trips: number; completed: number; cancelled: number; revenue: number }>();
    for (const t of TRIPS) {
      const key = `${new Date(t.requestedAt).toISOString().slice(0, 10)}T00:00:00.000Z|${t.regionId}`;
      const e = expected.get(key) ?? { trips: 0, completed: 0, cancelled: 0, revenue: 0 };
      expected.set(key, {
        trips: e.trips + 1, completed: e.completed + (t.status === 'completed' ? 1 : 0),
        cancelled: e.cancelled + (t.status === 'cancelled' ? 1 : 0), revenue: e.revenue + (t.fare ?? 0),
      });
    }
    assert.equal(day.tripStats.length, expected.size);
    for (const b of day.tripStats) {
      const e = expected.get(`${b.bucketStart}|${b.region.id}`);
      assert.ok(e, `unexpected bucket ${b.bucketStart} ${b.region.id}`);
      assert.deepEqual(
        { trips: b.trips, completed: b.completed, cancelled: b.cancelled, revenue: b.revenue, rate: b.cancellationRate, avg: b.averageFare },
        { ...e, rate: e.cancelled / e.trips, avg: e.completed ? e.revenue / e.completed : null },
      );
    }
    assert.equal(day.tripStats.reduce((s, b) => s + b.trips, 0), 40);

    // Hand-checked: kzn trips in hours [0h, 5h) of May 1: t01 (01:15, completed, fare 110) and t04 (05:00) is out.
    const hour = await gqlData<{ tripStats: { bucketStart: string; trips: number; completed: number; revenue: number }[] }>(
      server.url,
      `{ tripStats(granularity: HOUR, regionId: "kzn", from: "2024-05-01T00:00:00Z", to: "2024-05-01T05:00:00Z") { bucketStart trips completed revenue } }`,
    );
    assert.deepEqual(hour.tripStats, [{ bucketStart: '2024-05-01T01:00:00.000Z', trips: 1, completed: 1, revenue: 110 }]);
  });

  void it('serves its federation SDL and health', async () => {
    const data = await gqlData<{ _service: { sdl: string } }>(server.url, '{ _service { sdl } }');
    assert.match(data._service.sdl, /type Trip\s+@key\(fields: "id"\)/);
    const health = await fetch(server.url.replace('/graphql', '/health'));
    assert.equal(health.status, 200);
  });

  void it('refuses bad arguments with BAD_USER_INPUT and clear messages', async () => {
    const cases: [string, RegExp][] = [
      ['{ trips(first: 501) { totalCount } }', /"first" must be an integer between 1 and 500/],
      ['{ trips(first: 0) { totalCount } }', /"first" must be an integer between 1 and 500/],
      ['{ trips(after: "not-a-cursor!") { totalCount } }', /invalid cursor/],
      [`{ trips(after: "${Buffer.from('[1]').toString('base64url')}") { totalCount } }`, /invalid cursor/],
      ['{ trips(filter: { from: "2024-05-02T00:00:00Z", to: "2024-05-01T00:00:00Z" }) { totalCount } }', /time range is empty/],
      ['{ tripStats(granularity: HOUR, from: "2024-01-01T00:00:00Z", to: "2024-05-01T00:00:00Z") { trips } }', /time range is too long/],
      ['{ driverStats(first: 1000) { id } }', /"first" must be an integer between 1 and 500/],
    ];
    for (const [query, message] of cases) {
      const r = await gql(server.url, query);
      assert.equal(r.status, 200, query);
      assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT', query);
      assert.match(r.body.errors?.[0]?.message ?? '', message, query);
    }
  });
});
