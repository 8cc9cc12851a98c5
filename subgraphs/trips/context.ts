/** The per-request context of the trips subgraph: the warehouse and a fresh set of DataLoaders. */
import type DataLoader from 'dataloader';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createLoader, type RequestInfo } from '../common/index.ts';
import { driverRatingStatsByIds, driverTripStatsByIds, driversByIds, riderStatsByIds, tripsByIds } from './queries.ts';
import type { DriverRatingStats, DriverRecord, DriverTripStats, RiderStats, TripNode } from './rows.ts';

export interface TripsLoaders {
  readonly trip: DataLoader<string, TripNode | null>;
  readonly driver: DataLoader<string, DriverRecord | null>;
  readonly driverTripStats: DataLoader<string, DriverTripStats | null>;
  readonly driverRatingStats: DataLoader<string, DriverRatingStats | null>;
  readonly riderStats: DataLoader<string, RiderStats | null>;
}

export interface TripsContext extends RequestInfo {
  readonly warehouse: Warehouse;
  readonly loaders: TripsLoaders;
  readonly now: () => number;
}

export function createTripsLoaders(wh: Warehouse): TripsLoaders {
  return {
    trip: createLoader((ids) => tripsByIds(wh, ids), (t) => t.id),
    driver: createLoader((ids) => driversByIds(wh, ids), (d) => d.id),
    driverTripStats: createLoader((ids) => driverTripStatsByIds(wh, ids), (s) => s.driverId),
    driverRatingStats: createLoader((ids) => driverRatingStatsByIds(wh, ids), (s) => s.driverId),
    riderStats: createLoader((ids) => riderStatsByIds(wh, ids), (s) => s.riderId),
  };
}

export function createTripsContext(wh: Warehouse, now: () => number): (req: RequestInfo) => TripsContext {
  return (req) => ({ ...req, warehouse: wh, loaders: createTripsLoaders(wh), now });
}
