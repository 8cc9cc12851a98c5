/** Warehouse rows of the trips subgraph and their GraphQL-facing shapes. */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { findRegion, type RegionInfo } from '../../schema/regions.ts';
import { dbToEnum, num, numOrNull, str, strOrNull } from '../common/index.ts';

export const TRIP_STATUSES = ['REQUESTED', 'ACCEPTED', 'STARTED', 'COMPLETED', 'CANCELLED'] as const;
export type TripStatus = (typeof TRIP_STATUSES)[number];
const WEATHERS = ['CLEAR', 'RAIN', 'SNOW', 'UNKNOWN'] as const;
const CANCELLED_BY = ['RIDER', 'DRIVER', 'SYSTEM'] as const;
const DRIVER_STATUSES = ['ONLINE', 'OFFLINE', 'BUSY'] as const;

export const TRIP_COLUMNS = [
  'trip_id', 'region_id', 'rider_id', 'driver_id', 'status', 'fare', 'currency', 'surge_multiplier',
  'distance_km', 'duration_s', 'weather', 'requested_at', 'accepted_at', 'started_at', 'completed_at',
  'cancelled_at', 'cancelled_by', 'cancel_reason',
].join(', ');

export interface TripNode {
  readonly id: string;
  readonly status: TripStatus;
  readonly regionId: string;
  readonly riderId: string;
  readonly driverId: string | null;
  readonly fare: number | null;
  readonly currency: string;
  readonly surgeMultiplier: number;
  readonly distanceKm: number;
  readonly durationS: number | null;
  readonly weather: (typeof WEATHERS)[number];
  readonly requestedAt: number;
  readonly acceptedAt: number | null;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly cancelledAt: number | null;
  readonly cancelledBy: (typeof CANCELLED_BY)[number] | null;
  readonly cancelReason: string | null;
}

export function toTrip(r: Row): TripNode {
  const cancelledBy = strOrNull(r['cancelled_by']);
  return {
    id: str(r['trip_id']),
    status: dbToEnum(str(r['status']), TRIP_STATUSES, 'trip status'),
    regionId: str(r['region_id']),
    riderId: str(r['rider_id']),
    driverId: strOrNull(r['driver_id']),
    fare: numOrNull(r['fare']),
    currency: str(r['currency']),
    surgeMultiplier: num(r['surge_multiplier']),
    distanceKm: num(r['distance_km']),
    durationS: numOrNull(r['duration_s']),
    weather: WEATHERS.find((w) => w === str(r['weather']).toUpperCase()) ?? 'UNKNOWN',
    requestedAt: num(r['requested_at']),
    acceptedAt: numOrNull(r['accepted_at']),
    startedAt: numOrNull(r['started_at']),
    completedAt: numOrNull(r['completed_at']),
    cancelledAt: numOrNull(r['cancelled_at']),
    cancelledBy: cancelledBy === null ? null : dbToEnum(cancelledBy, CANCELLED_BY, 'cancelled_by'),
    cancelReason: strOrNull(r['cancel_reason']),
  };
}

export interface DriverRecord {
  readonly id: string;
  readonly name: string;
  readonly regionId: string;
  readonly status: (typeof DRIVER_STATUSES)[number];
}

export function toDriver(r: Row): DriverRecord {
  return {
    id: str(r['driver_id']),
    name: str(r['name']),
    regionId: str(r['region_id']),
    status: dbToEnum(str(r['status']), DRIVER_STATUSES, 'driver status'),
  };
}

/** A driver's completed trips and their fares. */
export interface DriverTripStats {
  readonly driverId: string;
  readonly tripsCompleted: number;
  readonly revenue: number;
}

export function toDriverTripStats(r: Row): DriverTripStats {
  return { driverId: str(r['driver_id']), tripsCompleted: num(r['trips_completed']), revenue: num(r['revenue']) };
}

export interface DriverRatingStats {
  readonly driverId: string;
  readonly averageRating: number | null;
  readonly ratingCount: number;
}

export function toDriverRatingStats(r: Row): DriverRatingStats {
  return { driverId: str(r['driver_id']), averageRating: numOrNull(r['average_rating']), ratingCount: num(r['rating_count']) };
}

export interface RiderStats {
  readonly riderId: string;
  readonly tripCount: number;
  readonly completedTripCount: number;
  readonly spend: number;
}

export function toRiderStats(r: Row): RiderStats {
  return { riderId: str(r['rider_id']), tripCount: num(r['trip_count']), completedTripCount: num(r['completed_count']), spend: num(r['spend']) };
}

/** Region reference data; an id the platform does not know is still a region (named by its id). */
export function regionNode(id: string): RegionInfo {
  return findRegion(id) ?? { id, name: id, city: 'unknown', timezoneOffsetHours: 0, demandWeight: 0, highRisk: false, center: { lat: 0, lon: 0 } };
}
