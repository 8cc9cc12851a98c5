/**
 * The trips subgraph's gold-mart fields (schema/subgraphs/trips.graphql, gold*): trips and revenue
 * per region-hour and per region-day, and driver days, read from the published `mart_*` tables.
 */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { dateRange, martPage, martTable, num, numOrNull, str, strOrNull, type MartPage, type MartPageArgs } from '../common/index.ts';
import type { TripsContext } from './context.ts';
import { regionNode } from './rows.ts';

interface MartArgs extends MartPageArgs {
  readonly from?: string | null;
  readonly to?: string | null;
}

const DEFAULT_DAYS = 7;

const tripsFigures = (r: Row) => ({
  date: str(r['metric_date']),
  region: regionNode(str(r['region_id'])),
  regionName: strOrNull(r['region_name']),
  trips: num(r['trips']),
  completedTrips: num(r['completed_trips']),
  cancelledTrips: num(r['cancelled_trips']),
  revenue: num(r['revenue']),
  averageFare: numOrNull(r['avg_fare']),
});

const range = (args: MartArgs, ctx: TripsContext) => dateRange(args.from, args.to, { now: ctx.now, defaultDays: DEFAULT_DAYS });

export const tripsMartFields = {
  goldTripsByRegionHour: (_: unknown, args: MartArgs & { readonly regionId?: string | null }, ctx: TripsContext): Promise<MartPage<unknown>> =>
    martPage(ctx.warehouse, { mart: martTable('gold.trips_region_hourly'), range: range(args, ctx), equals: { region_id: args.regionId } }, args,
      (r) => ({ ...tripsFigures(r), hour: num(r['hour']) })),
  goldRevenueByRegionDay: (_: unknown, args: MartArgs & { readonly regionId?: string | null }, ctx: TripsContext): Promise<MartPage<unknown>> =>
    martPage(ctx.warehouse, { mart: martTable('gold.revenue_daily'), range: range(args, ctx), equals: { region_id: args.regionId } }, args, tripsFigures),
  goldDriverDays: (_: unknown, args: MartArgs & { readonly driverId?: string | null }, ctx: TripsContext): Promise<MartPage<unknown>> =>
    martPage(ctx.warehouse, { mart: martTable('gold.driver_daily_stats'), range: range(args, ctx), equals: { driver_id: args.driverId } }, args, (r) => ({
      date: str(r['metric_date']),
      driver: { id: str(r['driver_id']) },
      tripsCompleted: num(r['trips_completed']),
      revenue: num(r['revenue']),
      distanceKm: num(r['distance_km']),
      ratings: num(r['ratings']),
      averageRating: numOrNull(r['avg_rating']),
    })),
};
