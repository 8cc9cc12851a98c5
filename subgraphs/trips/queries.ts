/**
 * The trips subgraph's warehouse SQL, in the portable subset of connectors/contracts/warehouse.ts
 * (runs unchanged on DuckDB and ClickHouse 18.16): `{name}` parameters, no engine functions, no JOIN.
 */
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { SqlConditions, countWhere, enumToDb, keysetQuery, num, str, type KeysetPage, type TimeRange } from '../common/index.ts';
import {
  TRIP_COLUMNS, toDriver, toDriverRatingStats, toDriverTripStats, toRiderStats, toTrip,
  type DriverRatingStats, type DriverRecord, type DriverTripStats, type RiderStats, type TripNode, type TripStatus,
} from './rows.ts';

export interface TripFilterArgs {
  readonly regionId?: string | null;
  readonly status?: TripStatus | null;
  readonly from?: number | null;
  readonly to?: number | null;
  readonly driverId?: string | null;
  readonly riderId?: string | null;
}

const COMPLETED = "status = 'completed'";
const DRIVERS_OF_REGION = 'driver_id IN (SELECT driver_id FROM drivers WHERE region_id = {regionId})';

export function tripConditions(f: TripFilterArgs): SqlConditions {
  return new SqlConditions()
    .addIf(f.regionId, 'region_id = {regionId}', 'regionId')
    .addIf(f.status == null ? null : enumToDb(f.status), 'status = {status}', 'status')
    .addIf(f.from, 'requested_at >= {from}', 'from')
    .addIf(f.to, 'requested_at < {to}', 'to')
    .addIf(f.driverId, 'driver_id = {driverId}', 'driverId')
    .addIf(f.riderId, 'rider_id = {riderId}', 'riderId');
}

const KEYSET = { table: 'trips', columns: TRIP_COLUMNS, timeColumn: 'requested_at', idColumn: 'trip_id', toNode: toTrip } as const;

export function tripPage(wh: Warehouse, f: TripFilterArgs, page: KeysetPage): Promise<TripNode[]> {
  return keysetQuery(wh, KEYSET, tripConditions(f), page);
}

export function tripCount(wh: Warehouse, f: TripFilterArgs): Promise<number> {
  return countWhere(wh, 'trips', tripConditions(f));
}

export async function tripsByIds(wh: Warehouse, ids: readonly string[]): Promise<TripNode[]> {
  const rows = await wh.query(`SELECT ${TRIP_COLUMNS} FROM trips WHERE trip_id IN ({ids})`, { ids });
  return rows.map(toTrip);
}

const DRIVER_COLUMNS = 'driver_id, name, region_id, status';

export async function driversByIds(wh: Warehouse, ids: readonly string[]): Promise<DriverRecord[]> {
  const rows = await wh.query(`SELECT ${DRIVER_COLUMNS} FROM drivers WHERE driver_id IN ({ids})`, { ids });
  return rows.map(toDriver);
}

export async function driverList(wh: Warehouse, regionId: string | null, limit: number): Promise<DriverRecord[]> {
  const conds = new SqlConditions().addIf(regionId, 'region_id = {regionId}', 'regionId');
  const rows = await wh.query(`SELECT ${DRIVER_COLUMNS} FROM drivers${conds.where()} ORDER BY driver_id LIMIT {limit}`, conds.params({ limit }));
  return rows.map(toDriver);
}

const DRIVER_TRIP_STATS = 'SELECT driver_id, count() AS trips_completed, sum(fare) AS revenue FROM trips';

export async function driverTripStatsByIds(wh: Warehouse, ids: readonly string[]): Promise<DriverTripStats[]> {
  const rows = await wh.query(`${DRIVER_TRIP_STATS} WHERE ${COMPLETED} AND driver_id IN ({ids}) GROUP BY driver_id`, { ids });
  return rows.map(toDriverTripStats);
}

const DRIVER_RATING_STATS = 'SELECT driver_id, avg(rating) AS average_rating, count() AS rating_count FROM driver_ratings';

export async function driverRatingStatsByIds(wh: Warehouse, ids: readonly string[]): Promise<DriverRatingStats[]> {
  const rows = await wh.query(`${DRIVER_RATING_STATS} WHERE driver_id IN ({ids}) GROUP BY driver_id`, { ids });
  return rows.map(toDriverRatingStats);
}

/** Top drivers by completed trips or revenue (drivers of `regionId`'s roster when given). */
export async function topDriversByTrips(wh: Warehouse, regionId: string | null, limit: number, by: 'trips' | 'revenue'): Promise<DriverTripStats[]> {
  const conds = new SqlConditions().add(COMPLETED).add('driver_id IS NOT NULL').addIf(regionId, DRIVERS_OF_REGION, 'regionId');
  const order = by === 'trips' ? 'trips_completed DESC, revenue DESC' : 'revenue DESC, trips_completed DESC';
  const rows = await wh.query(`${DRIVER_TRIP_STATS}${conds.where()} GROUP BY driver_id ORDER BY ${order}, driver_id LIMIT {limit}`, conds.params({ limit }));
  return rows.map(toDriverTripStats);
}

export async function topDriversByRating(wh: Warehouse, regionId: string | null, limit: number): Promise<DriverRatingStats[]> {
  const conds = new SqlConditions().addIf(regionId, DRIVERS_OF_REGION, 'regionId');
  const rows = await wh.query(
    `${DRIVER_RATING_STATS}${conds.where()} GROUP BY driver_id ORDER BY average_rating DESC, rating_count DESC, driver_id LIMIT {limit}`,
    conds.params({ limit }),
  );
  return rows.map(toDriverRatingStats);
}

export async function riderStatsByIds(wh: Warehouse, ids: readonly string[]): Promise<RiderStats[]> {
  const rows = await wh.query(
    `SELECT rider_id, count() AS trip_count, sum(CASE WHEN ${COMPLETED} THEN 1 ELSE 0 END) AS completed_count, ` +
      `sum(CASE WHEN ${COMPLETED} THEN fare ELSE 0 END) AS spend FROM trips WHERE rider_id IN ({ids}) GROUP BY rider_id`,
    { ids },
  );
  return rows.map(toRiderStats);
}

export interface TripBucketRow {
  readonly bucket: number | string;
  readonly regionId: string;
  readonly trips: number;
  readonly completed: number;
  readonly cancelled: number;
  readonly revenue: number;
}

/** Trips per stored bucket column (requested_hour or trip_date) and region, requested in [from, to). */
export async function tripBuckets(wh: Warehouse, bucketColumn: 'requested_hour' | 'trip_date', range: TimeRange, regionId: string | null): Promise<TripBucketRow[]> {
  const conds = new SqlConditions()
    .add('requested_at >= {from} AND requested_at < {to}', { from: range.from, to: range.to })
    .addIf(regionId, 'region_id = {regionId}', 'regionId');
  const rows = await wh.query(
    `SELECT ${bucketColumn} AS bucket, region_id, count() AS trip_count, ` +
      `sum(CASE WHEN ${COMPLETED} THEN 1 ELSE 0 END) AS completed, ` +
      `sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled, ` +
      `sum(CASE WHEN ${COMPLETED} THEN fare ELSE 0 END) AS revenue ` +
      `FROM trips${conds.where()} GROUP BY ${bucketColumn}, region_id ORDER BY ${bucketColumn}, region_id`,
    conds.params(),
  );
  return rows.map((r) => ({
    bucket: typeof r['bucket'] === 'number' ? r['bucket'] : str(r['bucket']),
    regionId: str(r['region_id']),
    trips: num(r['trip_count']),
    completed: num(r['completed']),
    cancelled: num(r['cancelled']),
    revenue: num(r['revenue']),
  }));
}
