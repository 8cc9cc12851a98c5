/** Resolvers of the trips subgraph (schema/subgraphs/trips.graphql). */
import { REGIONS, findRegion } from '../../schema/regions.ts';
import {
  DateTimeScalar, dateToEpochMs, keysetPage, optionalRange, pageSize, timeRange, toConnection,
  type SubgraphResolvers,
} from '../common/index.ts';
import type { TripsContext } from './context.ts';
import { driverList, topDriversByRating, topDriversByTrips, tripBuckets, tripCount, tripPage, type TripFilterArgs } from './queries.ts';
import { tripsMartFields } from './marts.ts';
import { sagaFields } from './sagas.ts';
import { regionNode, type TripNode } from './rows.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface IdRef {
  readonly id: string;
}
interface DriverStatsRef {
  readonly driverId: string;
}
interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}
interface TripStatsArgs {
  readonly granularity: 'HOUR' | 'DAY';
  readonly regionId?: string | null;
  readonly from?: number | null;
  readonly to?: number | null;
}
interface DriverStatsArgs {
  readonly regionId?: string | null;
  readonly first?: number | null;
  readonly orderBy?: 'TRIPS_COMPLETED' | 'REVENUE' | 'AVERAGE_RATING' | null;
}

const GRANULARITY = {
  HOUR: { column: 'requested_hour', defaultSpanMs: DAY, maxSpanMs: 31 * DAY },
  DAY: { column: 'trip_date', defaultSpanMs: 30 * DAY, maxSpanMs: 366 * DAY },
} as const;

export function tripsResolvers(): SubgraphResolvers<TripsContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      ...tripsMartFields,
      ...sagaFields,
      trips: (_: unknown, args: PageArgs & { readonly filter?: TripFilterArgs | null }, ctx: TripsContext) => {
        const filter = args.filter ?? {};
        optionalRange(filter.from, filter.to);
        const page = keysetPage(args);
        return tripPage(ctx.warehouse, filter, page).then((rows) => {
          for (const t of rows) ctx.loaders.trip.prime(t.id, t);
          return { ...toConnection(rows, page.limit, (t) => ({ at: t.requestedAt, id: t.id })), totalCount: () => tripCount(ctx.warehouse, filter) };
        });
      },
      trip: (_: unknown, args: IdRef, ctx: TripsContext) => ctx.loaders.trip.load(args.id),
      driver: async (_: unknown, args: IdRef, ctx: TripsContext) => ((await ctx.loaders.driver.load(args.id)) ? { id: args.id } : null),
      drivers: async (_: unknown, args: { readonly regionId?: string | null; readonly first?: number | null }, ctx: TripsContext) => {
        const rows = await driverList(ctx.warehouse, args.regionId ?? null, pageSize(args.first, { defaultSize: 50 }));
        for (const d of rows) ctx.loaders.driver.prime(d.id, d);
        return rows.map((d) => ({ id: d.id }));
      },
      regions: () => REGIONS,
      region: (_: unknown, args: IdRef) => findRegion(args.id) ?? null,
      tripStats: async (_: unknown, args: TripStatsArgs, ctx: TripsContext) => {
        const g = GRANULARITY[args.granularity];
        const range = timeRange(args.from, args.to, { ...g, now: ctx.now });
        const rows = await tripBuckets(ctx.warehouse, g.column, range, args.regionId ?? null);
        return rows.map((r) => ({
          bucketStart: typeof r.bucket === 'number' ? r.bucket : dateToEpochMs(r.bucket),
          region: regionNode(r.regionId),
          trips: r.trips,
          completed: r.completed,
          cancelled: r.cancelled,
          cancellationRate: r.trips > 0 ? r.cancelled / r.trips : 0,
          revenue: r.revenue,
          averageFare: r.completed > 0 ? r.revenue / r.completed : null,
        }));
      },
      driverStats: async (_: unknown, args: DriverStatsArgs, ctx: TripsContext) => {
        const limit = pageSize(args.first);
        const regionId = args.regionId ?? null;
        if (args.orderBy === 'AVERAGE_RATING') {
          const rows = await topDriversByRating(ctx.warehouse, regionId, limit);
          for (const r of rows) ctx.loaders.driverRatingStats.prime(r.driverId, r);
          return rows.map((r) => ({ id: r.driverId }));
        }
        const rows = await topDriversByTrips(ctx.warehouse, regionId, limit, args.orderBy === 'REVENUE' ? 'revenue' : 'trips');
        for (const r of rows) ctx.loaders.driverTripStats.prime(r.driverId, r);
        return rows.map((r) => ({ id: r.driverId }));
      },
    },
    Trip: {
      __resolveReference: (ref: IdRef, ctx: TripsContext) => ctx.loaders.trip.load(ref.id),
      region: (t: TripNode) => regionNode(t.regionId),
      driver: (t: TripNode) => (t.driverId === null ? null : { id: t.driverId }),
      rider: (t: TripNode) => (t.riderId === '' ? null : { id: t.riderId }),
    },
    Driver: {
      // Referenced drivers resolve lazily: each field batches through the request's loaders.
      __resolveReference: (ref: IdRef) => ({ id: ref.id }),
      name: async (d: IdRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.driver.load(d.id))?.name ?? null,
      status: async (d: IdRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.driver.load(d.id))?.status ?? null,
      region: async (d: IdRef, _: unknown, ctx: TripsContext) => {
        const row = await ctx.loaders.driver.load(d.id);
        return row ? regionNode(row.regionId) : null;
      },
      stats: (d: IdRef): DriverStatsRef => ({ driverId: d.id }),
    },
    DriverStats: {
      tripsCompleted: async (s: DriverStatsRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.driverTripStats.load(s.driverId))?.tripsCompleted ?? 0,
      revenue: async (s: DriverStatsRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.driverTripStats.load(s.driverId))?.revenue ?? 0,
      averageRating: async (s: DriverStatsRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.driverRatingStats.load(s.driverId))?.averageRating ?? null,
      ratingCount: async (s: DriverStatsRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.driverRatingStats.load(s.driverId))?.ratingCount ?? 0,
    },
    Rider: {
      __resolveReference: (ref: IdRef) => ({ id: ref.id }),
      tripCount: async (r: IdRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.riderStats.load(r.id))?.tripCount ?? 0,
      completedTripCount: async (r: IdRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.riderStats.load(r.id))?.completedTripCount ?? 0,
      spend: async (r: IdRef, _: unknown, ctx: TripsContext) => (await ctx.loaders.riderStats.load(r.id))?.spend ?? 0,
    },
    Region: {
      __resolveReference: (ref: IdRef) => regionNode(ref.id),
    },
  };
}
